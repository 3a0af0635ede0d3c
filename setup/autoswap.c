/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "autoswap.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "device.h"
#include "macros.h"
#include "swaps.h"
#include "system.h"

#define GPT_SWAP_TYPE "0657fd6d-a4ab-43c4-84e5-0933c84b4f4f"
#define GPT_NO_AUTO   (UINT64_C(1) << 63)

/* "noauto" among the comma-separated options. */
static int has_noauto(const char *opts)
{
	for (const char *p = opts; *p;) {
		size_t len = strcspn(p, ",");
		if (len == 6 && !strncmp(p, "noauto", 6))
			return 1;
		p += len + (p[len] == ',');
	}
	return 0;
}

/* SPEC FILE TYPE [OPTIONS ...]: 1 and spec when swapon -a turns it on, 0 when not. */
static int parse_line(const char *s, const char *end, void *slot)
{
	struct setup_fstab_swap *ret = slot;
	char file[1024], type[64], opts[1024] = "defaults";

	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	if (s == end || *s == '#')
		return 0;
	if (setup_take_field(&s, end, ret->spec, sizeof(ret->spec), 1) < 0 ||
	    setup_take_field(&s, end, file, sizeof(file), 1) < 0 ||
	    setup_take_field(&s, end, type, sizeof(type), 1) < 0)
		return 0;
	if (setup_take_field(&s, end, opts, sizeof(opts), 1) < 0)
		snprintf(opts, sizeof(opts), "defaults");
	return !strcmp(type, "swap") && !has_noauto(opts);
}

int setup_fstab_swaps(const char *buf, size_t size, struct setup_fstab_swap **ret, size_t *ret_n)
{
	return setup_parse_lines(buf, size, sizeof(**ret), parse_line, (void **)ret, ret_n);
}

/* The value of "E:KEY=" in a udev record line [s, end), copied into out: 1, or 0 when
 * the line is another or the value does not fit. */
static int udev_value(const char *s, const char *end, const char *key, char *out, size_t size)
{
	size_t k = strlen(key), len;

	if ((size_t)(end - s) < k + 3 || s[0] != 'E' || s[1] != ':' || memcmp(s + 2, key, k) ||
	    s[2 + k] != '=')
		return 0;
	s += k + 3;
	len = (size_t)(end - s);
	if (len >= size)
		return 0;
	memcpy(out, s, len);
	out[len] = '\0';
	return 1;
}

int setup_udev_gpt_autoswap(const char *buf, size_t size)
{
	const char *p = buf, *end = buf + size;
	char scheme[16] = "", type[64] = "", flags[32] = "0";
	unsigned long long f;
	char *e;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		if (!udev_value(p, le, "ID_PART_ENTRY_SCHEME", scheme, sizeof(scheme)) &&
		    !udev_value(p, le, "ID_PART_ENTRY_TYPE", type, sizeof(type)))
			udev_value(p, le, "ID_PART_ENTRY_FLAGS", flags, sizeof(flags));
		p = le + 1;
	}
	if (strcmp(scheme, "gpt") || strcasecmp(type, GPT_SWAP_TYPE))
		return 0;
	errno = 0;
	f = strtoull(flags, &e, 0);
	if (errno || e == flags || *e) /* attributes that cannot be read: as none set */
		f = 0;
	return !(f & GPT_NO_AUTO);
}

/* An fstab swap line naming the device sd (stat of its node d, root-prefixed): 1 and its
 * spec, else 0. */
static int fstab_names(const struct kj_root *root, const struct stat *sd, const char *d,
		       char *ret_spec, size_t specsize)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_free_ struct setup_fstab_swap *v = NULL;
	char p[PATH_MAX];
	size_t size = 0, n = 0;
	int rc;

	if ((rc = kj_root_read_file(root, "/etc/fstab", 1 << 20, &buf, &size)) < 0)
		return rc == -ENOENT ? 0 : rc;
	if ((rc = setup_fstab_swaps(buf, size, &v, &n)) < 0)
		return rc;
	for (size_t i = 0; i < n; i++)
		if (resume_device_wait(root, v[i].spec, 0, p, sizeof(p), NULL) == 0 &&
		    setup_same_node(p, sd, d)) {
			snprintf(ret_spec, specsize, "%s", v[i].spec);
			return 1;
		}
	return 0;
}

/* The udev record of block device dev says systemd turns it on: 1, else 0. */
static int gpt_auto(const struct kj_root *root, const char *dev)
{
	_cleanup_free_ char *buf = NULL;
	char devno[32], rec[64];
	size_t size = 0;

	if (setup_block_devno(root, dev, devno, sizeof(devno)) < 0 ||
	    (size_t)snprintf(rec, sizeof(rec), "/run/udev/data/b%s", devno) >= sizeof(rec) ||
	    kj_root_read_file(root, rec, 1 << 20, &buf, &size) < 0)
		return 0;
	return setup_udev_gpt_autoswap(buf, size);
}

int setup_autoswap(const struct kj_root *root, const char *dev, unsigned *ret_mask, char *ret_spec,
		   size_t specsize)
{
	char d[PATH_MAX], spec[1024];
	struct stat sd;
	unsigned mask = 0;
	int rc;

	if (kj_root_path(root, dev, d, sizeof(d)) < 0)
		return -ENAMETOOLONG;
	if (stat(d, &sd) < 0)
		return -errno;
	if ((rc = fstab_names(root, &sd, d, spec, sizeof(spec))) < 0)
		return rc;
	if (rc)
		mask |= SETUP_AUTOSWAP_FSTAB;
	if (gpt_auto(root, dev))
		mask |= SETUP_AUTOSWAP_GPT;
	if (mask & SETUP_AUTOSWAP_FSTAB)
		snprintf(ret_spec, specsize, "%s", spec);
	*ret_mask = mask;
	return 0;
}
