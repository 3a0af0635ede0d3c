/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "root.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io.h"
#include "macros.h"
#include "ranges.h"

int kj_root_init(struct kj_root *r, const char *dir)
{
	size_t n;

	if (!dir || !strcmp(dir, "/"))
		dir = "";
	n = strlen(dir);
	while (n > 0 && dir[n - 1] == '/')
		n--;
	if (n >= sizeof(r->prefix))
		return -ENAMETOOLONG;
	memcpy(r->prefix, dir, n);
	r->prefix[n] = 0;
	return 0;
}

int kj_root_path(const struct kj_root *r, const char *path, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s%s%s", r->prefix, path[0] == '/' ? "" : "/", path);
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	return 0;
}

int kj_root_open(const struct kj_root *r, const char *path, int flags)
{
	char p[4096];
	int fd, rc = kj_root_path(r, path, p, sizeof(p));

	if (rc < 0)
		return rc;
	fd = open(p, flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int kj_root_exists(const struct kj_root *r, const char *path)
{
	char p[4096];

	if (kj_root_path(r, path, p, sizeof(p)) < 0)
		return 0;
	return access(p, F_OK) == 0;
}

int kj_root_foreach_numbered(const struct kj_root *r, const char *dir,
			     int (*fn)(const struct kj_root *r, const char *path, void *ud),
			     void *ud)
{
	char p[4096], entry[4096];
	struct dirent *de;
	uint64_t idx;
	int rc = kj_root_path(r, dir, p, sizeof(p));
	DIR *d;

	if (rc < 0)
		return rc;
	if (!(d = opendir(p)))
		return -errno;
	while (rc == 0 && (de = readdir(d))) {
		if (kj_parse_u64(de->d_name, &idx) < 0)
			continue;
		if ((size_t)snprintf(entry, sizeof(entry), "%s/%s", dir, de->d_name) >=
		    sizeof(entry))
			rc = -ENAMETOOLONG;
		else
			rc = fn(r, entry, ud);
	}
	closedir(d);
	return rc;
}

int kj_read_fd_all(int fd, size_t max, char **ret_buf, size_t *ret_size)
{
	size_t cap = MIN((size_t)4096, max), len = 0;
	_cleanup_free_ char *buf = malloc(cap + 1);

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n;
		if (len == cap) {
			char *nb;
			/* full at max: one byte more means the file is too large */
			size_t grow = cap >= max ? 1 : MIN(cap * 2, max) - cap;
			nb = realloc(buf, cap + grow + 1);
			if (!nb)
				return -ENOMEM;
			buf = nb;
			cap += grow;
		}
		n = kj_loop_read(fd, buf + len, cap - len);
		if (n < 0)
			return (int)n;
		len += (size_t)n;
		if (len > max)
			return -EFBIG;
		if (len < cap)
			break; /* kj_loop_read stops short only at the end */
	}
	buf[len] = 0;
	*ret_buf = TAKE_PTR(buf);
	if (ret_size)
		*ret_size = len;
	return 0;
}

int kj_root_read_file(const struct kj_root *r, const char *path, size_t max, char **ret_buf,
		      size_t *ret_size)
{
	_cleanup_close_ int fd = kj_root_open(r, path, O_RDONLY);

	if (fd < 0)
		return fd;
	return kj_read_fd_all(fd, max, ret_buf, ret_size);
}

int kj_root_write_str(const struct kj_root *r, const char *path, const char *value)
{
	_cleanup_close_ int fd = kj_root_open(r, path, O_WRONLY | O_TRUNC);

	if (fd < 0)
		return fd;
	return kj_loop_write(fd, value, strlen(value));
}

int kj_root_read_line(const struct kj_root *r, const char *path, char *buf, size_t size)
{
	_cleanup_free_ char *b = NULL;
	int rc = kj_root_read_file(r, path, 4096, &b, NULL);

	if (rc < 0)
		return rc;
	b[strcspn(b, "\n")] = 0;
	snprintf(buf, size, "%s", b);
	return 0;
}

int kj_root_read_u64(const struct kj_root *r, const char *path, uint64_t *ret)
{
	char buf[64];
	int rc = kj_root_read_line(r, path, buf, sizeof(buf));
	return rc < 0 ? rc : kj_parse_u64(buf, ret);
}
