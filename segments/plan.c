/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "plan.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "macros.h"

void kj_plan_free(struct kj_plan *p)
{
	if (p->seg_buf)
		for (size_t i = 0; i < p->staged.n; i++)
			free(p->seg_buf[i]);
	free(p->seg_buf);
	p->seg_buf = NULL;
	kj_ranges_free(&p->ram);
	kj_ranges_free(&p->staged);
}

static int in_region(const struct kj_header *h, uint64_t s, uint64_t e)
{
	for (uint32_t i = 0; i < h->nr_region; i++)
		if (h->region[i].start < e && s < h->region[i].end)
			return 1;
	return 0;
}

/* Staged runs apart only by pages the image left out (A's free pages, by the page
 * filter): inside this kernel's RAM and the firmware's, outside the hibernating
 * kernel's region. A does not need their content, so one segment may span them (as
 * zeros): with holes, staging still fits kexec's 16 segments. */
static int merge_gaps(struct kj_plan *p, const struct kj_ranges *fw_ram, const struct kj_header *h)
{
	struct kj_ranges out = {0};

	kj_ranges_normalize(&p->staged);
	for (size_t i = 0; i < p->staged.n; i++) {
		const struct kj_range *r = &p->staged.r[i];
		struct kj_range *last = out.n ? &out.r[out.n - 1] : NULL;
		if (last && kj_ranges_contains(&p->ram, last->end, r->start) &&
		    (!fw_ram || kj_ranges_contains(fw_ram, last->end, r->start)) &&
		    !in_region(h, last->end, r->start))
			last->end = r->end;
		else if (kj_ranges_add(&out, r->start, r->end) < 0) {
			kj_ranges_free(&out);
			return -ENOMEM;
		}
	}
	kj_ranges_free(&p->staged);
	p->staged = out;
	return 0;
}

/* One saved range: it must be this machine's RAM; what overlaps this kernel's RAM is
 * staged (the list is kept short while streaming: merging touching runs is exact). */
static int plan_range(struct kj_plan *p, uint64_t s, uint64_t e, uint32_t flags,
		      const struct kj_ranges *fw_ram, const struct kj_header *h, char *err,
		      size_t errlen)
{
	struct kj_ranges one = {0}, in = {0};
	int rc;

	if (fw_ram && !kj_ranges_contains(fw_ram, s, e))
		return kj_errf(-ERANGE, err, errlen,
			       "saved range 0x%llx-0x%llx is not RAM in this machine's firmware "
			       "memory map (another machine, or a different VM configuration?)",
			       (unsigned long long)s, (unsigned long long)e);
	p->total_bytes += e - s;
	if (flags & KJ_RANGE_ZERO)
		p->zero_bytes += e - s;
	p->max_addr = e;
	if ((rc = kj_ranges_add(&one, s, e)) == 0 &&
	    (rc = kj_ranges_intersect(&one, &p->ram, &in)) == 0)
		for (size_t i = 0; i < in.n && rc >= 0; i++) {
			rc = kj_ranges_add(&p->staged, in.r[i].start, in.r[i].end);
			p->staged_image_bytes += in.r[i].end - in.r[i].start;
		}
	kj_ranges_free(&one);
	kj_ranges_free(&in);
	if (rc < 0)
		return rc;
	if (p->staged.n > 1024) {
		kj_ranges_normalize(&p->staged);
		if (p->staged.n > KJ_KEXEC_SEGMENT_MAX + 1 && (rc = merge_gaps(p, fw_ram, h)) < 0)
			return rc;
		if (p->staged.n > KJ_KEXEC_SEGMENT_MAX + 1)
			return kj_errf(-E2BIG, err, errlen,
				       "more than %d kexec segments would be needed to stage the "
				       "memory that overlaps this kernel's RAM",
				       KJ_KEXEC_SEGMENT_MAX);
	}
	return 0;
}

/* Walk the (already checked) table once more, planning each range; the entry's page
 * must be among them. */
static int plan_table(struct kj_image *img, struct kj_plan *p, const struct kj_ranges *fw_ram,
		      char *err, size_t errlen)
{
	struct kj_range_cursor *cur = malloc(sizeof(*cur));
	uint64_t pfn, n, entry_page = ALIGN_DOWN(img->hdr.entry, KJ_PAGE_SIZE);
	uint32_t flags;
	int rc, entry_found = 0;

	if (!cur)
		return -ENOMEM;
	kj_range_cursor_init(cur, img);
	while ((rc = kj_range_cursor_next(cur, &pfn, &n, &flags)) > 0) {
		uint64_t s = pfn << KJ_PAGE_SHIFT, e = (pfn + n) << KJ_PAGE_SHIFT;
		if (entry_page >= s && entry_page < e)
			entry_found = 1;
		if ((rc = plan_range(p, s, e, flags, fw_ram, &img->hdr, err, errlen)) < 0)
			goto out;
	}
	if (rc < 0) {
		if (kj_image_changed_error(img, rc))
			kj_errf(rc, err, errlen, "%s", kj_image_changed_error(img, rc));
		else
			kj_errf(rc, err, errlen, "range table is corrupt (%s)", strerror(-rc));
	} else if ((rc = kj_range_cursor_finish(cur)) < 0) {
		kj_errf(rc, err, errlen,
			"range table checksum or page counts do not match the header");
	} else if (!entry_found) {
		rc = kj_errf(-EINVAL, err, errlen,
			     "jump-back entry 0x%llx lies outside every saved range",
			     (unsigned long long)img->hdr.entry);
	}
out:
	free(cur);
	return rc;
}

/* What kexec_load accepts: at most 16 segments, totalling at most half of the RAM. */
static int check_staging(struct kj_plan *p, const struct kj_ranges *fw_ram,
			 const struct kj_header *h, char *err, size_t errlen)
{
	uint64_t entry_page = ALIGN_DOWN(p->entry, KJ_PAGE_SIZE);
	int rc;

	if ((rc = kj_ranges_add(&p->staged, entry_page, entry_page + KJ_PAGE_SIZE)) < 0)
		return rc;
	if (!kj_ranges_contains(&p->ram, entry_page, entry_page + KJ_PAGE_SIZE))
		p->staged_image_bytes += KJ_PAGE_SIZE; /* staged although outside our RAM */
	kj_ranges_normalize(&p->staged);
	if (p->staged.n > KJ_KEXEC_SEGMENT_MAX && (rc = merge_gaps(p, fw_ram, h)) < 0)
		return rc;
	p->staged_bytes = kj_ranges_total(&p->staged);
	p->direct_bytes = p->total_bytes - p->staged_image_bytes;
	if (p->staged.n > KJ_KEXEC_SEGMENT_MAX)
		return kj_errf(-E2BIG, err, errlen,
			       "staging needs %zu kexec segments, the kernel "
			       "allows %d",
			       p->staged.n, KJ_KEXEC_SEGMENT_MAX);
	if (p->staged_bytes > p->ram_bytes / 2)
		return kj_errf(
		    -EFBIG, err, errlen,
		    "staging needs %llu MiB, more than half of this kernel's %llu MiB RAM",
		    (unsigned long long)(p->staged_bytes >> 20),
		    (unsigned long long)(p->ram_bytes >> 20));
	return 0;
}

int kj_plan_build(struct kj_image *img, const struct kj_ranges *ram, const struct kj_ranges *fw_ram,
		  struct kj_plan *ret, char *err, size_t errlen)
{
	struct kj_plan p = {.entry = img->hdr.entry};
	int rc = 0;

	for (size_t i = 0; ram && i < ram->n && rc == 0; i++)
		rc = kj_ranges_add(&p.ram, ram->r[i].start, ram->r[i].end);
	if (rc < 0)
		goto out;
	kj_ranges_page_align(&p.ram, KJ_PAGE_SIZE);
	p.ram_bytes = ram ? kj_ranges_total(ram) : 0;
	if ((rc = kj_image_check_table(img)) < 0) {
		kj_errf(rc, err, errlen, "range table is corrupt (%s)",
			rc == -EBADMSG ? "checksum, order or counts" : strerror(-rc));
		goto out;
	}
	if ((rc = plan_table(img, &p, fw_ram, err, errlen)) < 0)
		goto out;
	if (!ram) /* no kernel to fit into (verify, extract): all direct */
		p.direct_bytes = p.total_bytes;
	else if ((rc = check_staging(&p, fw_ram, &img->hdr, err, errlen)) < 0)
		goto out;
	*ret = p;
	memset(&p, 0, sizeof(p));
out:
	if (rc == -ENOMEM) /* whichever step it was: not the table's fault */
		kj_errf(rc, err, errlen, "out of memory");
	kj_plan_free(&p);
	return rc;
}

int kj_plan_alloc_staged(struct kj_plan *p)
{
	p->seg_buf = calloc(p->staged.n ? p->staged.n : 1, sizeof(*p->seg_buf));
	if (!p->seg_buf)
		return -ENOMEM;
	for (size_t i = 0; i < p->staged.n; i++) {
		p->seg_buf[i] = calloc(1, (size_t)(p->staged.r[i].end - p->staged.r[i].start));
		if (!p->seg_buf[i])
			return -ENOMEM;
	}
	p->stage_mem = 1;
	return 0;
}

static int backend_put(struct kj_plan *p, uint64_t addr, const void *buf, size_t len)
{
	if (!p->be)
		return 0;
	return buf ? p->be->ops->write(p->be, addr, buf, len) : p->be->ops->zero(p->be, addr, len);
}

int kj_plan_init_staged(struct kj_plan *ret, uint64_t entry, const struct kj_ranges *staged)
{
	struct kj_plan p = {.entry = entry};
	int rc = 0;

	for (size_t i = 0; i < staged->n && rc == 0; i++) {
		if (staged->r[i].start % KJ_PAGE_SIZE || staged->r[i].end % KJ_PAGE_SIZE)
			rc = -EINVAL;
		else
			rc = kj_ranges_add(&p.staged, staged->r[i].start, staged->r[i].end);
	}
	if (rc == 0) {
		kj_ranges_normalize(&p.staged);
		p.staged_bytes = kj_ranges_total(&p.staged);
		rc = kj_plan_alloc_staged(&p);
	}
	if (rc < 0) {
		kj_plan_free(&p);
		return rc;
	}
	*ret = p;
	return 0;
}

uint8_t *kj_plan_segment(struct kj_plan *p, size_t i)
{
	return p->seg_buf && i < p->staged.n ? p->seg_buf[i] : NULL;
}

void kj_plan_set_target(struct kj_plan *p, struct kj_backend *be, int write_all)
{
	p->be = be;
	p->write_all = write_all;
}

int kj_plan_emit(struct kj_plan *p, uint64_t addr, const void *buf, size_t len)
{
	const uint8_t *src = buf;
	uint64_t end = addr + len;
	size_t lo = kj_ranges_find(&p->staged, addr); /* first staged range ending after addr */

	while (addr < end) {
		const struct kj_range *s = lo < p->staged.n ? &p->staged.r[lo] : NULL;
		uint64_t stop;
		int rc;

		if (!s || addr < s->start) { /* direct part up to the next staged range */
			stop = s ? MIN(end, s->start) : end;
			rc = backend_put(p, addr, src ? src : NULL, (size_t)(stop - addr));
		} else {
			stop = MIN(end, s->end);
			if (p->stage_mem) {
				uint8_t *dst = p->seg_buf[lo] + (addr - s->start);
				if (src)
					memcpy(dst, src, (size_t)(stop - addr));
				else
					memset(dst, 0, (size_t)(stop - addr));
			}
			rc = p->write_all ? backend_put(p, addr, src, (size_t)(stop - addr)) : 0;
			if (stop == s->end)
				lo++;
		}
		if (rc < 0)
			return rc;
		if (src)
			src += stop - addr;
		addr = stop;
	}
	return 0;
}
