/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "device.h"

#include <blkid.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "macros.h"
#include "ranges.h"
#include "settings.h"

int resume_parse_devnum(const char *spec, unsigned *ret_major, unsigned *ret_minor)
{
	const char *colon = strchr(spec, ':');
	uint64_t a, b;

	if (colon) {
		char maj[32];
		size_t n = (size_t)(colon - spec);
		if (n == 0 || n >= sizeof(maj))
			return -EINVAL;
		memcpy(maj, spec, n);
		maj[n] = 0;
		for (const char *p = spec; *p; p++)
			if (!isdigit((unsigned char)*p) && p != colon)
				return -EINVAL;
		if (kj_parse_u64(maj, &a) < 0 || kj_parse_u64(colon + 1, &b) < 0 || a > 4095 ||
		    b > 1048575)
			return -EINVAL;
		*ret_major = (unsigned)a;
		*ret_minor = (unsigned)b;
		return 0;
	}
	/* name_to_dev_t(): a bare hex number is new_encode_dev()'s layout. */
	if (!*spec || strlen(spec) > 8)
		return -EINVAL;
	for (const char *p = spec; *p; p++)
		if (!isxdigit((unsigned char)*p))
			return -EINVAL;
	a = strtoull(spec, NULL, 16);
	*ret_major = (unsigned)((a & 0xfff00) >> 8);
	*ret_minor = (unsigned)((a & 0xff) | ((a >> 12) & 0xfff00));
	return 0;
}

/* udev escapes / and spaces in by-label names as \x2f, \x20. */
static void unescape_udev(const char *in, char *out, size_t size)
{
	size_t o = 0;
	for (; *in && o + 1 < size; in++) {
		unsigned v;
		if (in[0] == '\\' && in[1] == 'x' && sscanf(in + 2, "%2x", &v) == 1 &&
		    isxdigit((unsigned char)in[2]) && isxdigit((unsigned char)in[3])) {
			out[o++] = (char)v;
			in += 3;
		} else
			out[o++] = *in;
	}
	out[o] = 0;
}

int resume_device_by_devnum(const struct kj_root *root, unsigned maj, unsigned min, char *ret,
			    size_t size)
{
	char p[96], *buf = NULL, *name;
	int rc;

	snprintf(p, sizeof(p), "/sys/dev/block/%u:%u/uevent", maj, min);
	rc = kj_root_read_file(root, p, 4096, &buf, NULL);
	if (rc < 0)
		return -ENODEV;
	name = strstr(buf, "DEVNAME=");
	if (!name) {
		free(buf);
		return -ENODEV;
	}
	name += 8;
	name[strcspn(name, "\n")] = 0;
	snprintf(p, sizeof(p), "/dev/%.80s", name);
	free(buf);
	rc = kj_root_path(root, p, ret, size);
	if (rc < 0)
		return rc;
	return access(ret, F_OK) == 0 ? 0 : -ENODEV;
}

/* udev's name for a tag value in /dev/disk/by-*: bytes other than ASCII letters,
 * digits and "#+-.:=@_" as \xHH. */
static int escape_udev(const char *in, char *out, size_t size)
{
	size_t o = 0;
	for (; *in; in++) {
		unsigned char c = (unsigned char)*in;
		int plain = isalnum(c) || strchr("#+-.:=@_", c);
		if (o + (plain ? 1 : 4) >= size)
			return -ENAMETOOLONG;
		o += (size_t)snprintf(out + o, size - o, plain ? "%c" : "\\x%02x", c);
	}
	out[o] = 0;
	return 0;
}

/* Under a root other than / (a captured tree): the tag's udev link there. libblkid
 * knows only the real /dev. */
static int by_link(const struct kj_root *root, const char *spec, char *ret, size_t size)
{
	static const struct {
		const char *tag, *dir;
	} dirs[] = {{"UUID", "by-uuid"},
		    {"LABEL", "by-label"},
		    {"PARTUUID", "by-partuuid"},
		    {"PARTLABEL", "by-partlabel"}};
	const char *eq = strchr(spec, '=');
	char name[512], link[700], path[PATH_MAX], node[PATH_MAX];

	for (size_t i = 0; eq && i < ARRAY_SIZE(dirs); i++) {
		if (strlen(dirs[i].tag) != (size_t)(eq - spec) ||
		    strncmp(spec, dirs[i].tag, (size_t)(eq - spec)))
			continue;
		if (escape_udev(eq + 1, name, sizeof(name)) < 0)
			return -EINVAL;
		snprintf(link, sizeof(link), "/dev/disk/%s/%s", dirs[i].dir, name);
		if (kj_root_path(root, link, path, sizeof(path)) < 0)
			return -EINVAL;
		/* the node the link names, as libblkid gives it */
		if (!realpath(path, node))
			return -ENODEV;
		return snprintf(ret, size, "%s", node) < (int)size ? 0 : -ENAMETOOLONG;
	}
	return -EINVAL;
}

/* TAG=value through libblkid (udev's links first, then a probe). One cache serves a
 * whole wait: each later lookup probes only the devices that appeared since. */
static int by_spec(const struct kj_root *root, const char *spec, blkid_cache *cache, char *ret,
		   size_t size)
{
	char *dev;

	if (root->prefix[0])
		return by_link(root, spec, ret, size);
	dev = blkid_evaluate_spec(spec, cache);
	if (!dev)
		return -ENODEV;
	snprintf(ret, size, "%s", dev);
	free(dev);
	return 0;
}

static int by_tag(const struct kj_root *root, const char *token, const char *value,
		  blkid_cache *cache, char *ret, size_t size)
{
	char spec[600];
	if ((size_t)snprintf(spec, sizeof(spec), "%s=%s", token, value) >= sizeof(spec))
		return -EINVAL;
	return by_spec(root, spec, cache, ret, size);
}

/* The sysfs directory of a block device node: by its dev_t, or (a captured tree,
 * where nodes are plain files) by its name. */
static int sysfs_dir_of(const struct kj_root *root, const char *node, char *ret, size_t size)
{
	char p[PATH_MAX], real[PATH_MAX];
	const char *base;
	struct stat st;

	if (stat(node, &st) < 0)
		return -ENODEV;
	if (S_ISBLK(st.st_mode)) {
		snprintf(p, sizeof(p), "/sys/dev/block/%u:%u", major(st.st_rdev),
			 minor(st.st_rdev));
		return kj_root_path(root, p, ret, size) < 0 ? -ENODEV : 0;
	}
	if (!root->prefix[0] || !S_ISREG(st.st_mode) || !realpath(node, real))
		return -ENODEV;
	base = strrchr(real, '/');
	snprintf(p, sizeof(p), "/sys/class/block/%.255s", base ? base + 1 : real);
	return kj_root_path(root, p, ret, size) < 0 ? -ENODEV : 0;
}

/* A sysfs "partition" attribute (an absolute path, the root already in it). */
static int read_partition(const char *path, unsigned *ret)
{
	FILE *f = fopen(path, "re");
	int ok;

	if (!f)
		return -ENODEV;
	ok = fscanf(f, "%u", ret) == 1;
	fclose(f);
	return ok ? 0 : -ENODEV;
}

/* PARTUUID=X/PARTNROFF=n: the partition n numbers after X on the same disk. */
static int by_partnroff(const struct kj_root *root, const char *uuid, long off, blkid_cache *cache,
			char *ret, size_t size)
{
	char dev[PATH_MAX + 16], p[PATH_MAX + 16], sys[PATH_MAX], disk[NAME_MAX + 1], *base;
	unsigned part = 0, want;
	DIR *d;
	struct dirent *de;
	int rc = by_tag(root, "PARTUUID", uuid, cache, dev, sizeof(dev));

	if (rc < 0)
		return rc;
	if (sysfs_dir_of(root, dev, sys, sizeof(sys)) < 0)
		return -ENODEV;
	snprintf(p, sizeof(p), "%s/partition", sys);
	if (read_partition(p, &part) < 0 || part > 65535 || (long)part + off < 1)
		return -ENODEV;
	want = (unsigned)((long)part + off);
	/* The disk is the parent directory of the partition in sysfs. */
	snprintf(dev, sizeof(dev), "%s/..", sys);
	if (!realpath(dev, p))
		return -ENODEV;
	base = strrchr(p, '/');
	snprintf(disk, sizeof(disk), "%.255s", base ? base + 1 : p);
	d = opendir(p);
	if (!d)
		return -ENODEV;
	rc = -ENODEV;
	while ((de = readdir(d))) {
		char attr[PATH_MAX + 300];
		unsigned n;
		if (strncmp(de->d_name, disk, strlen(disk)))
			continue;
		snprintf(attr, sizeof(attr), "%s/%s/partition", p, de->d_name);
		if (read_partition(attr, &n) == 0 && n == want) {
			char node[NAME_MAX + 8];
			snprintf(node, sizeof(node), "/dev/%s", de->d_name);
			rc = kj_root_path(root, node, ret, size);
			if (rc == 0 && access(ret, F_OK) < 0)
				rc = -ENODEV;
			break;
		}
	}
	closedir(d);
	return rc;
}

static int resolve(const struct kj_root *root, const char *spec, blkid_cache *cache, char *ret_path,
		   size_t size)
{
	static const struct {
		const char *dir, *tag;
	} links[] = {
	    {"/dev/disk/by-uuid/", "UUID"},
	    {"/dev/disk/by-label/", "LABEL"},
	    {"/dev/disk/by-partuuid/", "PARTUUID"},
	    {"/dev/disk/by-partlabel/", "PARTLABEL"},
	};
	static const char *tags[] = {"UUID", "LABEL", "PARTUUID", "PARTLABEL"};
	char buf[512];
	unsigned maj, min;

	if (!spec || !*spec)
		return -EINVAL;
	if (spec[0] == '/') {
		if (strncmp(spec, "/dev/", 5))
			return -EINVAL;
		if (kj_root_path(root, spec, ret_path, size) == 0 && access(ret_path, F_OK) == 0)
			return 0;
		/* No udev to make the symlink: ask libblkid for the tag it stands for. */
		for (size_t i = 0; i < ARRAY_SIZE(links); i++)
			if (!strncmp(spec, links[i].dir, strlen(links[i].dir))) {
				unescape_udev(spec + strlen(links[i].dir), buf, sizeof(buf));
				return *buf ? by_tag(root, links[i].tag, buf, cache, ret_path, size)
					    : -EINVAL;
			}
		return -ENODEV;
	}
	for (size_t i = 0; i < ARRAY_SIZE(tags); i++) {
		size_t n = strlen(tags[i]);
		if (strncmp(spec, tags[i], n) || spec[n] != '=')
			continue;
		if (!spec[n + 1])
			return -EINVAL;
		if (!strcmp(tags[i], "PARTUUID")) {
			const char *slash = strchr(spec, '/');
			if (slash) {
				char uuid[128];
				char *end;
				long off;
				if (strncmp(slash, "/PARTNROFF=", 11) ||
				    (size_t)(slash - spec - n - 1) >= sizeof(uuid))
					return -EINVAL;
				errno = 0;
				off = strtol(slash + 11, &end, 10);
				if (errno || end == slash + 11 || *end)
					return -EINVAL;
				memcpy(uuid, spec + n + 1, (size_t)(slash - spec - n - 1));
				uuid[slash - spec - n - 1] = 0;
				return by_partnroff(root, uuid, off, cache, ret_path, size);
			}
		}
		return by_spec(root, spec, cache, ret_path, size);
	}
	if (resume_parse_devnum(spec, &maj, &min) == 0)
		return resume_device_by_devnum(root, maj, min, ret_path, size);
	return -EINVAL;
}

/* One attempt. 0 and the device node in ret_path; -ENODEV not present (yet);
 * -EINVAL malformed spec. */
static int resume_device_resolve(const struct kj_root *root, const char *spec, char *ret_path,
				 size_t size)
{
	return resolve(root, spec, NULL, ret_path, size);
}

static unsigned now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned)(ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

int resume_device_wait(const struct kj_root *root, const char *spec, unsigned timeout_ms,
		       char *ret_path, size_t size, unsigned *ret_waited_ms)
{
	unsigned start = now_ms(), delay = 10;
	blkid_cache cache = NULL;
	int rc;

	/* no cache file: every boot probes afresh, then only what is new */
	if (blkid_get_cache(&cache, "/dev/null") < 0)
		cache = NULL;
	for (;;) {
		unsigned waited;
		rc = resolve(root, spec, cache ? &cache : NULL, ret_path, size);
		waited = now_ms() - start;
		if (rc != -ENODEV || (timeout_ms != UINT_MAX && waited >= timeout_ms)) {
			if (ret_waited_ms)
				*ret_waited_ms = waited;
			if (cache)
				blkid_put_cache(cache);
			return rc;
		}
		if (timeout_ms != UINT_MAX)
			delay = MIN(delay, timeout_ms - waited);
		usleep(delay * 1000);
		delay = MIN(delay * 2, 250u);
	}
}

int resume_device_from_cmdline(const struct kj_root *root, const char *buf, size_t size,
			       char *ret_path, size_t pathsize, uint64_t *ret_offset)
{
	struct resume_cmdline c;
	int rc;

	resume_cmdline_init(&c);
	resume_cmdline_parse(buf, size, &c, NULL, NULL);
	if (!c.resume[0])
		return -ENOENT;
	rc = resume_device_resolve(root, c.resume, ret_path, pathsize);
	if (rc < 0)
		return rc;
	*ret_offset = c.resume_offset;
	return 0;
}
