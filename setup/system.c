/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "system.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "cmdline.h"
#include "io.h"
#include "macros.h"

int setup_luks_uuid(const char *dm_uuid, char *ret, size_t size)
{
	const char *h;
	size_t n;

	if (strncmp(dm_uuid, "CRYPT-LUKS", 10) || (dm_uuid[10] != '1' && dm_uuid[10] != '2') ||
	    dm_uuid[11] != '-')
		return 0;
	h = dm_uuid + 12;
	n = strcspn(h, "-");
	if (n != 32 || size < 37)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)h[i]))
			return -EINVAL;
	snprintf(ret, size, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16, h + 20);
	return 1;
}

/* The one device below a device-mapper device (its sysfs "slaves"): 0 and its name,
 * -ENOENT when there is not exactly one. */
static int only_slave(const char *sysdir, char *ret, size_t size)
{
	char p[PATH_MAX + 16];
	struct dirent *de;
	DIR *d;
	int n = 0;

	snprintf(p, sizeof(p), "%s/slaves", sysdir);
	if (!(d = opendir(p)))
		return -ENOENT;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") && n++ == 0)
			snprintf(ret, size, "%s", de->d_name);
	closedir(d);
	return n == 1 ? 0 : -ENOENT;
}

int setup_luks_of(const struct kj_root *root, const char *dev, struct setup_luks *ret)
{
	char p[PATH_MAX], real[PATH_MAX], sys[PATH_MAX], uuid[256], slave[NAME_MAX + 1];
	const char *base;
	struct setup_luks l = {SETUP_LUKS_NONE, "", "", ""};

	if (kj_root_path(root, dev, p, sizeof(p)) < 0)
		return -ENAMETOOLONG;
	if (realpath(p, real) && (base = strrchr(real, '/'))) {
		snprintf(p, sizeof(p), "/sys/class/block/%.255s", base + 1);
		if (kj_root_path(root, p, sys, sizeof(sys)) < 0)
			return -ENAMETOOLONG;
		snprintf(p, sizeof(p), "/sys/class/block/%.255s/dm/uuid", base + 1);
		if (kj_root_read_line(root, p, uuid, sizeof(uuid)) == 0) {
			l.kind = SETUP_LUKS_OTHER;
			snprintf(p, sizeof(p), "/sys/class/block/%.255s/dm/name", base + 1);
			if (setup_luks_uuid(uuid, l.uuid, sizeof(l.uuid)) > 0 &&
			    only_slave(sys, slave, sizeof(slave)) == 0 &&
			    kj_root_read_line(root, p, l.name, sizeof(l.name)) == 0 && l.name[0]) {
				snprintf(l.backing, sizeof(l.backing), "/dev/%s", slave);
				l.kind = SETUP_LUKS;
			}
		}
	}
	if (l.kind != SETUP_LUKS)
		l.name[0] = l.backing[0] = l.uuid[0] = 0;
	*ret = l;
	return 0;
}

int setup_key_private(const struct kj_root *root, const char *path)
{
	char p[PATH_MAX];
	struct stat st;

	if (kj_root_path(root, path, p, sizeof(p)) < 0)
		return -ENAMETOOLONG;
	if (lstat(p, &st) < 0)
		return -errno;
	return S_ISREG(st.st_mode) && st.st_uid == 0 && (st.st_mode & 077) == 0;
}

int setup_config_value(const char *buf, size_t size, const char *name)
{
	size_t n = strlen(name);
	const char *p = buf, *end = buf + size;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		if ((size_t)(le - p) > n && !memcmp(p, name, n) && p[n] == '=')
			return le - p == (ptrdiff_t)n + 2 && p[n + 1] == 'y' ? 'y' : 'n';
		p = le + 1;
	}
	return 'n';
}

/* A file, gzip-compressed or not, whole into memory (at most 16 MiB). */
static int read_maybe_gz(const char *path, char **ret, size_t *ret_size)
{
	enum { MAX = 16 << 20 };
	gzFile g = gzopen(path, "rbe");
	char *buf = NULL;
	size_t n = 0, cap = 0;
	int got;

	if (!g)
		return errno ? -errno : -ENOMEM;
	for (;;) {
		if (cap - n < 65536) {
			char *nb = cap < MAX ? realloc(buf, cap + 65536) : NULL;
			if (!nb) {
				free(buf);
				gzclose(g);
				return cap < MAX ? -ENOMEM : -EFBIG;
			}
			buf = nb;
			cap += 65536;
		}
		if ((got = gzread(g, buf + n, (unsigned)(cap - n))) <= 0)
			break;
		n += (size_t)got;
	}
	gzclose(g);
	if (got < 0) {
		free(buf);
		return -EIO;
	}
	*ret = buf;
	*ret_size = n;
	return 0;
}

int setup_kernel_config(const struct kj_root *root, const char *release, bool running,
			const char *name)
{
	char paths[2][600], p[PATH_MAX];

	snprintf(paths[0], sizeof(paths[0]), "/proc/config.gz");
	snprintf(paths[1], sizeof(paths[1]), "/boot/config-%.500s", release);
	for (size_t i = running ? 0 : 1; i < ARRAY_SIZE(paths); i++) {
		_cleanup_free_ char *buf = NULL;
		size_t size = 0;
		if (kj_root_path(root, paths[i], p, sizeof(p)) < 0 || access(p, R_OK) < 0 ||
		    read_maybe_gz(p, &buf, &size) < 0)
			continue;
		return setup_config_value(buf, size, name);
	}
	return -ENOENT;
}

/* The path of attribute attr of block device dev in sysfs (/sys/class/block/NAME/attr,
 * NAME the kernel's: dev resolved below root; a captured tree has no device nodes). */
static int block_attr_path(const struct kj_root *root, const char *dev, const char *attr, char *ret,
			   size_t size)
{
	char p[PATH_MAX], real[PATH_MAX];
	const char *base;

	if (kj_root_path(root, dev, p, sizeof(p)) < 0)
		return -ENAMETOOLONG;
	if (!realpath(p, real) || !(base = strrchr(real, '/')))
		return -ENOENT;
	if ((size_t)snprintf(ret, size, "/sys/class/block/%s/%s", base + 1, attr) >= size)
		return -ENAMETOOLONG;
	return 0;
}

int setup_block_devno(const struct kj_root *root, const char *dev, char *buf, size_t size)
{
	char p[PATH_MAX];
	int rc;

	if ((rc = block_attr_path(root, dev, "dev", p, sizeof(p))) < 0)
		return rc;
	if ((rc = kj_root_read_line(root, p, buf, size)) < 0)
		return rc;
	return strchr(buf, ':') ? 0 : -EINVAL;
}

int setup_resume_config(const struct kj_root *root, const char *dev, uint64_t offset)
{
	char devno[32], now[32], off[32];
	uint64_t now_off = 0;
	int rc;

	if (kj_root_exists(root, "/sys/power/resume") <= 0)
		return 0;
	if ((rc = setup_block_devno(root, dev, devno, sizeof(devno))) < 0)
		return rc;
	if (kj_root_read_line(root, "/sys/power/resume", now, sizeof(now)) >= 0 &&
	    !strcmp(now, devno) &&
	    (kj_root_read_u64(root, "/sys/power/resume_offset", &now_off) < 0 ? offset == 0
									      : now_off == offset))
		return 0;
	/* the offset first: writing resume makes the kernel look at that place (it finds no
	 * image of its own there, and the device is busy as swap) */
	snprintf(off, sizeof(off), "%" PRIu64, offset);
	if (kj_root_exists(root, "/sys/power/resume_offset") > 0 &&
	    (rc = kj_root_write_str(root, "/sys/power/resume_offset", off)) < 0)
		return rc;
	if ((rc = kj_root_write_str(root, "/sys/power/resume", devno)) < 0)
		return rc;
	return 1;
}

int setup_device_kib(const struct kj_root *root, const char *dev, uint64_t *ret_kib)
{
	char p[PATH_MAX];
	uint64_t sectors = 0;
	int rc;

	if ((rc = block_attr_path(root, dev, "size", p, sizeof(p))) < 0)
		return rc;
	if (kj_root_read_u64(root, p, &sectors) < 0 || sectors > UINT64_MAX / 512)
		sectors = 0;
	*ret_kib = sectors / 2;
	return 0;
}

/* "Key:   123 kB" in meminfo text: the number. */
static int meminfo_value(const char *buf, size_t size, const char *key, uint64_t *ret)
{
	size_t n = strlen(key);
	const char *p = buf, *end = buf + size;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		if ((size_t)(le - p) > n && !memcmp(p, key, n) && p[n] == ':') {
			uint64_t v = 0;
			const char *q = p + n + 1;
			while (q < le && *q == ' ')
				q++;
			if (q == le || !isdigit((unsigned char)*q))
				return -EINVAL;
			for (; q < le && isdigit((unsigned char)*q); q++)
				if (__builtin_mul_overflow(v, 10, &v) ||
				    __builtin_add_overflow(v, (uint64_t)(*q - '0'), &v))
					return -EINVAL;
			*ret = v;
			return 0;
		}
		p = le + 1;
	}
	return -EINVAL;
}

int setup_meminfo_used(const char *buf, size_t size, uint64_t *ret_kib)
{
	uint64_t total, free_kib;

	if (meminfo_value(buf, size, "MemTotal", &total) < 0 ||
	    meminfo_value(buf, size, "MemFree", &free_kib) < 0 || free_kib > total)
		return -EINVAL;
	*ret_kib = total - free_kib;
	return 0;
}

int setup_autoinit_from_log(const char *buf, size_t size)
{
	static const char tag[] = "mem auto-init:", key[] = "heap free:";
	const char *p = buf, *end = buf + size;
	int found = -ENOENT;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		const char *t = memmem(p, (size_t)(le - p), tag, sizeof(tag) - 1);
		const char *k = t ? memmem(t, (size_t)(le - t), key, sizeof(key) - 1) : NULL;
		if (k) {
			k += sizeof(key) - 1;
			found = le - k >= 2 && !memcmp(k, "on", 2) &&
				(le - k == 2 || !islower((unsigned char)k[2]));
		}
		p = le + 1;
	}
	return found;
}

/* The kernel log as /dev/kmsg gives it (one record a read, until none is left; a plain
 * file in a captured tree). */
static int read_kmsg(const struct kj_root *root, char **ret, size_t *ret_size)
{
	_cleanup_close_ int fd = kj_root_open(root, "/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	char *buf = NULL;
	size_t n = 0, cap = 0;

	if (fd < 0)
		return fd;
	for (;;) {
		ssize_t got;
		if (cap - n < 8192) {
			char *nb = cap < (64u << 20) ? realloc(buf, cap + 65536) : NULL;
			if (!nb)
				break;
			buf = nb;
			cap += 65536;
		}
		got = read(fd, buf + n, cap - n - 1);
		if (got < 0 && (errno == EPIPE || errno == EINTR))
			continue; /* a record overwritten while reading: the next one */
		if (got <= 0)
			break;
		n += (size_t)got;
	}
	if (!buf)
		return -ENOMEM;
	*ret = buf;
	*ret_size = n;
	return 0;
}

/* init_on_free as this kernel runs it: 1 on, 0 off. */
static int init_on_free(const struct kj_root *root, const char *release, const char *cl,
			size_t cl_size)
{
	_cleanup_free_ char *log = NULL;
	size_t log_size;
	char v[16];
	int on;

	if (read_kmsg(root, &log, &log_size) == 0 &&
	    (on = setup_autoinit_from_log(log, log_size)) >= 0)
		return on;
	on = setup_kernel_config(root, release, true, "CONFIG_INIT_ON_FREE_DEFAULT_ON") == 'y';
	if (cl && kj_cmdline_get(cl, cl_size, "init_on_free", v, sizeof(v)) > 0) {
		if (!strcmp(v, "1") || !strcmp(v, "on") || !strcmp(v, "y"))
			on = 1;
		else if (!strcmp(v, "0") || !strcmp(v, "off") || !strcmp(v, "n"))
			on = 0;
	}
	return on;
}

int setup_filter_args(const struct kj_root *root, const char *release, char *ret, size_t size,
		      const char **ret_why)
{
	_cleanup_free_ char *cl = NULL;
	size_t cl_size = 0;
	char line[128], vaddr[64], vsize[64], v[16];

	*ret_why = "";
	if (kj_root_read_line(root, "/sys/kernel/vmcoreinfo", line, sizeof(line)) < 0 ||
	    sscanf(line, "%63s %63s", vaddr, vsize) != 2) {
		*ret_why = "no /sys/kernel/vmcoreinfo: page filter off (free memory is saved too)";
		snprintf(ret, size, "kjump.filter=off");
		return 0;
	}
	if (kj_root_read_file(root, "/proc/cmdline", 65536, &cl, &cl_size) < 0)
		cl = NULL;
	if (cl && kj_cmdline_get(cl, cl_size, "page_poison", v, sizeof(v)) > 0 &&
	    (!strcmp(v, "1") || !strcmp(v, "on") || !strcmp(v, "y"))) {
		snprintf(ret, size, "kjump.filter=off");
		return 0;
	}
	if ((size_t)snprintf(ret, size, "kjump.vmcoreinfo=%s@0x%s%s", vaddr, vsize,
			     init_on_free(root, release, cl, cl_size) ? " kjump.free=zero" : "") >=
	    size)
		return -ENAMETOOLONG;
	return 0;
}
