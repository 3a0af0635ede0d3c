/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "region.h"

#include <errno.h>
#include <string.h>

#include "cmdline.h"
#include "macros.h"

#define KJ_LOW_MEM (1ull << 20)

/* "nn", "nn@ss", "nn$ss" ... : size, the separator (0 for none) and start. */
static int parse_memmap_item(const char *s, uint64_t *ret_size, char *ret_sep, uint64_t *ret_start)
{
	char num[64];
	size_t n = strcspn(s, "@$#!");

	if (n == 0 || n >= sizeof(num))
		return -EINVAL;
	memcpy(num, s, n);
	num[n] = 0;
	if (kj_parse_size(num, ret_size) < 0)
		return -EINVAL;
	*ret_sep = s[n];
	*ret_start = 0;
	if (s[n] && kj_parse_size(s + n + 1, ret_start) < 0)
		return -EINVAL;
	return 0;
}

struct region_parse {
	struct kj_ranges ram, holes;
	uint64_t limit;
	int exactmap;
};

/* One memmap= value: a comma-separated list, as the kernel allows. */
static int apply_memmap(struct region_parse *r, char *val)
{
	for (char *save = NULL, *it = strtok_r(val, ",", &save); it;
	     it = strtok_r(NULL, ",", &save)) {
		uint64_t size, start, end;
		char sep;

		if (!strcmp(it, "exactmap")) {
			r->exactmap = 1;
			kj_ranges_free(&r->ram);
			continue;
		}
		if (parse_memmap_item(it, &size, &sep, &start) < 0 || !kj_add_ok(start, size, &end))
			return -EINVAL;
		if (!sep) {
			r->limit = MIN(r->limit, size);
			continue;
		}
		if (kj_ranges_add(sep == '@' ? &r->ram : &r->holes, start, end) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int apply_param(const char *key, const char *value, void *ud)
{
	struct region_parse *r = ud;
	_cleanup_free_ char *v = NULL;
	uint64_t size;

	if (!value)
		return 0;
	if (kj_cmdline_key_eq(key, "memmap")) {
		if (!(v = strdup(value)))
			return -ENOMEM;
		return apply_memmap(r, v);
	}
	if (kj_cmdline_key_eq(key, "mem")) {
		if (kj_parse_size(value, &size) < 0)
			return -EINVAL;
		r->limit = MIN(r->limit, size);
	}
	return 0;
}

int kj_region_from_cmdline(const char *buf, size_t size, struct kj_ranges *ret)
{
	struct region_parse r = {.limit = UINT64_MAX};
	_cleanup_ranges_ struct kj_ranges cut = {0}, out = {0};
	int rc = kj_cmdline_foreach(buf, size, apply_param, &r);

	if (rc == 0 && r.exactmap) {
		kj_ranges_normalize(&r.ram);
		kj_ranges_normalize(&r.holes);
		rc = kj_ranges_subtract(&r.ram, &r.holes, &cut);
		if (rc == 0 && r.limit != UINT64_MAX)
			rc = kj_ranges_add(&r.holes, r.limit, UINT64_MAX) < 0 ? -ENOMEM : 0;
		kj_ranges_normalize(&r.holes);
		if (rc == 0)
			rc = kj_ranges_subtract(&cut, &r.holes, &out);
	}
	kj_ranges_free(&r.ram);
	kj_ranges_free(&r.holes);
	if (rc < 0)
		return rc;
	if (!r.exactmap)
		return 0;
	kj_ranges_free(ret);
	*ret = out;
	out = (struct kj_ranges){0};
	return 1;
}

int kj_region_end_from_cmdline(const char *buf, size_t size, uint64_t *ret_end)
{
	_cleanup_ranges_ struct kj_ranges ram = {0};
	struct region_parse r = {.limit = UINT64_MAX};
	int rc = kj_region_from_cmdline(buf, size, &ram);

	if (rc <= 0)
		return rc;
	/* the limit once more (the ranges are cut at it already) */
	rc = kj_cmdline_foreach(buf, size, apply_param, &r);
	kj_ranges_free(&r.ram);
	kj_ranges_free(&r.holes);
	if (rc < 0)
		return rc;
	if (r.limit != UINT64_MAX)
		*ret_end = r.limit;
	else
		*ret_end = ram.n ? ram.r[ram.n - 1].end : 0;
	return 1;
}

int kj_region_kernel(const struct kj_iomem *io, struct kj_range *ret)
{
	uint64_t start = UINT64_MAX, end = 0;

	for (size_t i = 0; i < io->n; i++) {
		if (strncmp(io->e[i].name, "Kernel ", 7))
			continue;
		start = MIN(start, io->e[i].start);
		end = MAX(end, io->e[i].end);
	}
	if (end == 0)
		return -ENOENT;
	ret->start = ALIGN_DOWN(start, KJ_PAGE_SIZE);
	ret->end = end > UINT64_MAX - KJ_KERNEL_TAIL ? UINT64_MAX : end + KJ_KERNEL_TAIL;
	return 0;
}

static int overlaps(const struct kj_ranges *win, uint64_t start, uint64_t end, uint64_t *ret_at)
{
	for (size_t i = 0; i < win->n; i++)
		if (win->r[i].start < end && start < win->r[i].end) {
			*ret_at = MAX(start, win->r[i].start);
			return 1;
		}
	return 0;
}

int kj_region_find_conflict(const struct kj_iomem *io, const struct kj_ranges *win,
			    int (*probe)(void *ud, uint64_t addr), void *ud,
			    struct kj_iomem_entry *ret_entry, enum kj_conflict_kind *ret_kind)
{
	for (size_t i = 0; i < io->n; i++) {
		const struct kj_iomem_entry *e = &io->e[i];
		enum kj_conflict_kind k = KJ_CONFLICT_RESOURCE;
		uint64_t at;

		if (!strncmp(e->name, "PCI Bus ", 8) || !overlaps(win, e->start, e->end, &at))
			continue;
		/* Below 1 MiB the kernel reserves page 0 and rounds its RAM up ("RAM
		 * buffer") without using either; /dev/mem allows the low MiB. */
		if (e->end <= KJ_LOW_MEM &&
		    (!strcmp(e->name, "Reserved") || !strcmp(e->name, "RAM buffer")))
			continue;
		/* placeholders, and pages the command line reserved (memmap=nn$ss: what
		 * kexec-tools cannot back up): fine where /dev/mem maps them */
		if (!strcmp(e->name, "RAM buffer") || !strcmp(e->name, "Reserved")) {
			if (!probe || probe(ud, ALIGN_DOWN(at, KJ_PAGE_SIZE)) == 0)
				continue;
			k = KJ_CONFLICT_BUSY;
		}
		*ret_entry = *e;
		*ret_kind = k;
		return 1;
	}
	return 0;
}
