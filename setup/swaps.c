/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "swaps.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "imgdev.h"
#include "macros.h"

int setup_take_field(const char **p, const char *end, char *out, size_t size, int unescape)
{
	size_t o = 0;
	const char *s = *p;

	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	for (; s < end && *s != ' ' && *s != '\t'; s++) {
		char c = *s;
		if (unescape && c == '\\' && end - s >= 4 && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			c = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		}
		if (!c || o + 1 >= size) /* a NUL, raw or escaped, would cut the field */
			return -EINVAL;
		out[o++] = c;
	}
	*p = s;
	out[o] = 0;
	return o ? 0 : -EINVAL;
}

int setup_parse_lines(const char *buf, size_t size, size_t elem,
		      int (*parse)(const char *s, const char *end, void *slot), void **ret,
		      size_t *ret_n)
{
	char *v = NULL;
	const char *p = buf, *end = buf + size;
	size_t n = 0, cap = 0;
	int rc;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		if (n == cap) {
			size_t c = cap ? cap * 2 : 8;
			char *t = c <= SIZE_MAX / elem ? realloc(v, c * elem) : NULL;
			if (!t) {
				free(v);
				return -ENOMEM;
			}
			v = t;
			cap = c;
		}
		if ((rc = parse(p, le, v + n * elem)) < 0) {
			free(v);
			return rc;
		}
		n += rc > 0;
		p = le + 1;
	}
	if (!n) {
		free(v);
		v = NULL;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

/* NAME TYPE ...: 1 for an entry, 0 for another line (the header). */
static int parse_line(const char *s, const char *end, void *slot)
{
	struct setup_swap *ret = slot;
	char type[32];

	if (setup_take_field(&s, end, ret->name, sizeof(ret->name), 1) < 0 || ret->name[0] != '/' ||
	    setup_take_field(&s, end, type, sizeof(type), 0) < 0)
		return 0;
	if (!strcmp(type, "file"))
		ret->is_file = 1;
	else if (!strcmp(type, "partition"))
		ret->is_file = 0;
	else
		return 0;
	return 1;
}

int setup_swaps_parse(const char *buf, size_t size, struct setup_swap **ret, size_t *ret_n)
{
	return setup_parse_lines(buf, size, sizeof(**ret), parse_line, (void **)ret, ret_n);
}

/* The device page where swap file path (root-prefixed already) starts, and the device
 * it lies on (on btrfs its path from the file system, below root). 0, -errno. */
static int setup_swapfile_start(const struct kj_root *root, const char *path, uint64_t *ret_page,
				dev_t *ret_dev)
{
	struct kj_extent e[KJ_EXTMAP_MAX];
	size_t n;
	dev_t dev;
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	int rc;

	if (fd < 0)
		return -errno;
	if ((rc = kj_file_extents(root, fd, e, KJ_EXTMAP_MAX, &n, &dev)) < 0)
		return rc;
	*ret_page = e[0].dev_page;
	*ret_dev = dev;
	return 0;
}

int setup_same_node(const char *a, const struct stat *sb, const char *b)
{
	struct stat sa;
	char ra[PATH_MAX], rb[PATH_MAX];

	if (stat(a, &sa) < 0)
		return 0;
	if (S_ISBLK(sa.st_mode) && S_ISBLK(sb->st_mode))
		return sa.st_rdev == sb->st_rdev;
	return realpath(a, ra) && realpath(b, rb) && !strcmp(ra, rb);
}

int setup_swap_find(const struct kj_root *root, const struct setup_swap *e, size_t n,
		    const char *devpath, uint64_t offset, size_t *ret_index)
{
	char dev[PATH_MAX], p[PATH_MAX];
	struct stat sd;

	if (kj_root_path(root, devpath, dev, sizeof(dev)) < 0)
		return -ENAMETOOLONG;
	if (stat(dev, &sd) < 0)
		return -errno;
	for (size_t i = 0; i < n; i++) {
		uint64_t page = 0;
		dev_t on = 0;
		if (kj_root_path(root, e[i].name, p, sizeof(p)) < 0)
			continue;
		if (e[i].is_file ? offset && S_ISBLK(sd.st_mode) &&
				       setup_swapfile_start(root, p, &page, &on) == 0 &&
				       on == sd.st_rdev && page == offset
				 : !offset && setup_same_node(p, &sd, dev)) {
			*ret_index = i;
			return 1;
		}
	}
	return 0;
}

int setup_swap_first_partition(const struct setup_swap *e, size_t n, size_t *ret_index)
{
	for (size_t i = 0; i < n; i++)
		if (!e[i].is_file && strncmp(e[i].name, "/dev/zram", 9)) {
			*ret_index = i;
			return 0;
		}
	return -ENOENT;
}
