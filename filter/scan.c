/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "scan.h"

#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "macros.h"
#include "x86walk.h"

/* include/linux/mmzone.h (6.1) */
#define SECTION_MARKED_PRESENT 0x1ull
#define SECTION_HAS_MEM_MAP    0x2ull
#define SECTION_MAP_MASK       (~0x3full) /* below the first bit no kernel uses for the map */
#define UTS_RELEASE_OFF	       130	  /* struct new_utsname: sysname[65], nodename[65] */
#define FREE_SLACK_PER_ZONE    4096u	  /* per-CPU counter drift and what moved since */

struct layout {
	uint64_t phys_base, init_top_pgt, sme_mask;
	int64_t l5;
	uint64_t mem_section, ms_roots, ms_size, ms_map_off, section_bits;
	uint64_t page_size, off_flags, off_mapcount, off_private, max_order;
	uint32_t buddy, offline;
	int has_offline, has_poison;
	uint64_t pg_hwpoison;
};

struct scan {
	const struct kj_vmci *v;
	struct layout l;
	struct kj_x86walk w;
	uint64_t vmemmap; /* struct page of pfn p lives at vmemmap + p * SIZE(page) */
	int vmemmap_known;
	uint64_t *roots; /* mem_section roots (virtual addresses) */
	struct kj_ranges out;
	struct kj_filter_stats st;
	const struct kj_amem *via; /* set: excluded pfns are B's region's, map them to sources */
	char *err;
	size_t errlen;
};

/* A key the scan cannot do without: rc from kj_vmci_*, described in err. */
static int key_result(struct scan *s, const char *key, int rc)
{
	if (rc < 0)
		kj_errf(rc, s->err, s->errlen, "VMCOREINFO: %s %s", key,
			rc == -ENOENT ? "missing" : "malformed");
	return rc;
}

static int need(struct scan *s, const char *key, uint64_t *ret)
{
	return key_result(s, key, kj_vmci_u64(s->v, key, ret));
}

static int need_s(struct scan *s, const char *key, int64_t *ret)
{
	return key_result(s, key, kj_vmci_s64(s->v, key, ret));
}

/* A page type as VMCOREINFO spells it: 6.1's ~PG_buddy (-129), or from 6.12 on the
 * type in the top byte (PGTY_buddy << 24, printed as a negative int or, by another
 * build, as its unsigned value). A value that is no page type is none of these. */
static int page_type_value(int64_t v)
{
	return (v < 0 && v >= INT32_MIN) || (v >= 0x80000000ll && v <= 0xffffffffll);
}

/* The page's type word is the type: exactly (6.1), or its top byte when the type lives
 * there (6.12 on, where the owner may use the low 24 bits). */
static int is_type(uint32_t word, uint32_t type)
{
	return (type & 0xffffff) ? word == type : (word & 0xff000000u) == type;
}

/* The keys the scan cannot do without, and the optional ones. */
static int read_layout(struct scan *s)
{
	struct layout *l = &s->l;
	int64_t buddy, offline, phys_base;
	uint64_t pagesize;

	/* phys_base is signed: the physical load address less the virtual one's offset */
	if (need(s, "PAGESIZE", &pagesize) < 0 || need_s(s, "NUMBER(phys_base)", &phys_base) < 0 ||
	    need(s, "SYMBOL(init_top_pgt)", &l->init_top_pgt) < 0 ||
	    need_s(s, "NUMBER(pgtable_l5_enabled)", &l->l5) < 0 ||
	    need(s, "SYMBOL(mem_section)", &l->mem_section) < 0 ||
	    need(s, "LENGTH(mem_section)", &l->ms_roots) < 0 ||
	    need(s, "SIZE(mem_section)", &l->ms_size) < 0 ||
	    need(s, "OFFSET(mem_section.section_mem_map)", &l->ms_map_off) < 0 ||
	    need(s, "NUMBER(SECTION_SIZE_BITS)", &l->section_bits) < 0 ||
	    need(s, "SIZE(page)", &l->page_size) < 0 ||
	    need(s, "OFFSET(page.flags)", &l->off_flags) < 0 ||
	    need(s, "OFFSET(page._mapcount)", &l->off_mapcount) < 0 ||
	    need(s, "OFFSET(page.private)", &l->off_private) < 0 ||
	    need_s(s, "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)", &buddy) < 0 ||
	    need(s, "LENGTH(zone.free_area)", &l->max_order) < 0)
		return -ENOENT;
	l->phys_base = (uint64_t)phys_base;
	if (kj_vmci_u64(s->v, "NUMBER(sme_mask)", &l->sme_mask) < 0)
		l->sme_mask = 0;
	l->has_offline = kj_vmci_s64(s->v, "NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)", &offline) == 0;
	l->has_poison =
	    kj_vmci_u64(s->v, "NUMBER(PG_hwpoison)", &l->pg_hwpoison) == 0 && l->pg_hwpoison < 64;
	if (pagesize != KJ_PAGE_SIZE || (l->l5 != 0 && l->l5 != 1) || l->sme_mask ||
	    l->ms_size == 0 || l->ms_size > KJ_PAGE_SIZE || l->ms_map_off + 8 > l->ms_size ||
	    l->section_bits < 15 || l->section_bits > 40 || l->ms_roots == 0 ||
	    l->ms_roots > (1u << 20) || l->page_size < 32 || l->page_size > 256 ||
	    l->off_flags + 8 > l->page_size || l->off_mapcount + 4 > l->page_size ||
	    l->off_private + 8 > l->page_size || l->max_order == 0 || l->max_order > 20 ||
	    !page_type_value(buddy) || (l->has_offline && !page_type_value(offline)))
		return kj_errf(-EBADMSG, s->err, s->errlen,
			       "VMCOREINFO: a layout this filter does not know (page size, paging "
			       "mode, memory encryption or struct sizes)");
	l->buddy = (uint32_t)buddy;
	l->offline = l->has_offline ? (uint32_t)offline : 0;
	return 0;
}

/* A's release through its page tables: the kernel-text mapping and the walk agree
 * with the note. */
static int self_test(struct scan *s)
{
	uint64_t uts, name;
	char rel[66] = "";

	if (kj_vmci_str(s->v, "OSRELEASE", s->st.release, sizeof(s->st.release)) < 0 ||
	    need(s, "SYMBOL(init_uts_ns)", &uts) < 0 ||
	    need(s, "OFFSET(uts_namespace.name)", &name) < 0)
		return -ENOENT;
	if (kj_x86walk_read(&s->w, uts + name + UTS_RELEASE_OFF, rel, 65) < 0 ||
	    strncmp(rel, s->st.release, 65))
		return kj_errf(-EBADMSG, s->err, s->errlen,
			       "self-test: the release read through the "
			       "hibernated kernel's page tables is not the note's (%.20s)",
			       s->st.release);
	return 0;
}

static int read_roots(struct scan *s)
{
	uint64_t n = s->l.ms_roots;

	if (!(s->roots = calloc(n, sizeof(*s->roots))))
		return -ENOMEM;
	if (kj_x86walk_read(&s->w, s->l.mem_section, s->roots, n * 8) < 0)
		return kj_errf(-EBADMSG, s->err, s->errlen, "cannot read mem_section's roots");
	for (uint64_t i = 0; i < n; i++)
		s->roots[i] = le64toh(s->roots[i]);
	return 0;
}

/* The struct-page base of the section holding pfn: 1 and the base, 0 for a section
 * without a map (its pages are kept), <0 on error. Every section must agree. */
static int section_map(struct scan *s, uint64_t pfn, uint64_t *ret_base)
{
	uint64_t per_root = KJ_PAGE_SIZE / s->l.ms_size;
	uint64_t nr = pfn >> (s->l.section_bits - KJ_PAGE_SHIFT), map, base;

	if (nr / per_root >= s->l.ms_roots)
		return kj_errf(-EBADMSG, s->err, s->errlen, "pfn 0x%llx beyond mem_section",
			       (unsigned long long)pfn);
	if (!s->roots[nr / per_root])
		return 0;
	if (kj_x86walk_read(
		&s->w, s->roots[nr / per_root] + (nr % per_root) * s->l.ms_size + s->l.ms_map_off,
		&map, 8) < 0)
		return kj_errf(-EBADMSG, s->err, s->errlen, "cannot read section %llu",
			       (unsigned long long)nr);
	map = le64toh(map);
	if ((map & (SECTION_MARKED_PRESENT | SECTION_HAS_MEM_MAP)) !=
	    (SECTION_MARKED_PRESENT | SECTION_HAS_MEM_MAP))
		return 0;
	base = map & SECTION_MAP_MASK;
	if (s->vmemmap_known && base != s->vmemmap)
		return kj_errf(-EBADMSG, s->err, s->errlen,
			       "sections disagree on where struct pages are");
	s->vmemmap = base;
	s->vmemmap_known = 1;
	*ret_base = base;
	return 1;
}

static int exclude(struct scan *s, uint64_t pfn, uint64_t n, uint64_t *counter)
{
	*counter += n;
	if (!s->via)
		return kj_ranges_add(&s->out, pfn << KJ_PAGE_SHIFT, (pfn + n) << KJ_PAGE_SHIFT);
	s->st.region_free += counter == &s->st.free ? n : 0;
	for (uint64_t k = 0; k < n; k++) { /* A's page in B's region: its source page */
		const struct kj_redirect *r = kj_amem_source(s->via, pfn + k);
		if (r && r->src != r->dst &&
		    kj_ranges_add(&s->out, r->src << KJ_PAGE_SHIFT, (r->src + 1) << KJ_PAGE_SHIFT) <
			0)
			return -ENOMEM;
	}
	return 0;
}

static int scan_range(struct scan *s, uint64_t start, uint64_t end);

/* A's pages in B's region, run by run of consecutive destinations. */
static int scan_region(struct scan *s, const struct kj_amem *mem)
{
	int rc = 0;

	s->via = mem;
	for (size_t i = 0, j; i < mem->n && rc == 0; i = j) {
		for (j = i + 1; j < mem->n && mem->map[j].dst == mem->map[j - 1].dst + 1; j++)
			;
		rc = scan_range(s, mem->map[i].dst, mem->map[j - 1].dst + 1);
	}
	s->via = NULL;
	return rc;
}

/* One struct page: 0 kept, >0 pages excluded from pfn on, <0 inconsistent. */
static int64_t classify(struct scan *s, const uint8_t *pg, uint64_t pfn, uint64_t end)
{
	uint32_t type;
	uint64_t flags, order, n;

	memcpy(&type, pg + s->l.off_mapcount, 4);
	memcpy(&flags, pg + s->l.off_flags, 8);
	memcpy(&order, pg + s->l.off_private, 8);
	type = le32toh(type);
	flags = le64toh(flags);
	order = le64toh(order);
	if (is_type(type, s->l.buddy)) {
		if (order >= s->l.max_order || (pfn & ((1ull << order) - 1)))
			return kj_errf(-EBADMSG, s->err, s->errlen,
				       "free block of order %llu at pfn "
				       "0x%llx: impossible",
				       (unsigned long long)order, (unsigned long long)pfn);
		n = MIN(1ull << order, end - pfn);
		return exclude(s, pfn, n, &s->st.free) < 0 ? -ENOMEM : (int64_t)n;
	}
	if (s->l.has_offline && is_type(type, s->l.offline))
		return exclude(s, pfn, 1, &s->st.offline) < 0 ? -ENOMEM : 1;
	if (s->l.has_poison && (flags & (1ull << s->l.pg_hwpoison)))
		return exclude(s, pfn, 1, &s->st.poison) < 0 ? -ENOMEM : 1;
	return 0;
}

/* The pages [pfn, end) of one section, their struct pages read a page at a time
 * (SIZE(page) is at most 256 bytes: read_layout checked it). */
static int scan_section(struct scan *s, uint64_t base, uint64_t pfn, uint64_t end)
{
	uint64_t psz = s->l.page_size;
	uint8_t buf[KJ_PAGE_SIZE];

	while (pfn < end) {
		uint64_t chunk = MIN(end - pfn, KJ_PAGE_SIZE / psz), i = 0;
		if (kj_x86walk_read(&s->w, base + pfn * psz, buf, chunk * psz) < 0)
			return kj_errf(-EBADMSG, s->err, s->errlen,
				       "cannot read the struct page of "
				       "pfn 0x%llx",
				       (unsigned long long)pfn);
		while (i < chunk) { /* a free block may reach past the chunk: i ends there */
			int64_t r = classify(s, buf + i * psz, pfn + i, end);
			if (r < 0)
				return (int)r;
			s->st.scanned++;
			i += r ? (uint64_t)r : 1;
		}
		pfn += i;
	}
	return 0;
}

static int scan_range(struct scan *s, uint64_t start, uint64_t end)
{
	uint64_t sec_pages = 1ull << (s->l.section_bits - KJ_PAGE_SHIFT);

	for (uint64_t pfn = start; pfn < end;) {
		uint64_t stop = MIN(end, (pfn | (sec_pages - 1)) + 1), base = 0;
		int rc = section_map(s, pfn, &base);
		if (rc < 0)
			return rc;
		if (rc > 0 && (rc = scan_section(s, base, pfn, stop)) < 0)
			return rc;
		pfn = stop;
	}
	return 0;
}

/* A's own count of free pages: NR_FREE_PAGES of every zone of every node. 0 and the
 * sum, -ENOENT when the keys are not there (the check is then skipped). */
static int a_free_pages(struct scan *s, uint64_t *ret_sum, uint64_t *ret_zones)
{
	uint64_t nodes[64], nnodes = 1, zones_off, nr_off, zone_size, vm_off, nr_free, sym;
	uint64_t sum = 0, zones = 0;
	int numa = kj_vmci_u64(s->v, "SYMBOL(node_data)", &sym) == 0;

	if ((!numa && kj_vmci_u64(s->v, "SYMBOL(contig_page_data)", &sym) < 0) ||
	    kj_vmci_u64(s->v, "OFFSET(pglist_data.node_zones)", &zones_off) < 0 ||
	    kj_vmci_u64(s->v, "OFFSET(pglist_data.nr_zones)", &nr_off) < 0 ||
	    kj_vmci_u64(s->v, "SIZE(zone)", &zone_size) < 0 ||
	    kj_vmci_u64(s->v, "OFFSET(zone.vm_stat)", &vm_off) < 0 ||
	    kj_vmci_u64(s->v, "NUMBER(NR_FREE_PAGES)", &nr_free) < 0 || nr_free > 64)
		return -ENOENT;
	if (numa) {
		if (kj_vmci_u64(s->v, "LENGTH(node_data)", &nnodes) < 0 || nnodes == 0)
			return -ENOENT;
		nnodes = MIN(nnodes, (uint64_t)ARRAY_SIZE(nodes));
		if (kj_x86walk_read(&s->w, sym, nodes, nnodes * 8) < 0)
			return -EBADMSG;
	} else {
		nodes[0] = sym;
	}
	for (uint64_t n = 0; n < nnodes; n++) {
		int32_t nz;
		uint64_t node = le64toh(nodes[n]);
		if (!node)
			continue;
		if (kj_x86walk_read(&s->w, node + nr_off, &nz, 4) < 0 ||
		    (nz = (int32_t)le32toh((uint32_t)nz)) < 0 || nz > 8)
			return -EBADMSG;
		for (int z = 0; z < nz; z++) {
			int64_t v;
			if (kj_x86walk_read(&s->w,
					    node + zones_off + (uint64_t)z * zone_size + vm_off +
						nr_free * 8,
					    &v, 8) < 0)
				return -EBADMSG;
			v = (int64_t)le64toh((uint64_t)v);
			sum += v > 0 ? (uint64_t)v : 0;
			zones++;
		}
	}
	*ret_sum = sum;
	*ret_zones = zones;
	return 0;
}

/* The filter must never exclude more than A itself counts as free. */
static int check_counts(struct scan *s)
{
	uint64_t sum, zones;
	int rc = a_free_pages(s, &sum, &zones);

	if (rc == -ENOENT)
		return 0; /* keys missing: nothing to compare with */
	if (rc < 0)
		return kj_errf(rc, s->err, s->errlen,
			       "cannot read the hibernated kernel's free-page counters");
	s->st.a_free = sum;
	s->st.a_free_known = 1;
	if (s->st.free > sum + FREE_SLACK_PER_ZONE * zones)
		return kj_errf(-EBADMSG, s->err, s->errlen,
			       "%llu free pages found, but the hibernated "
			       "kernel counts %llu",
			       (unsigned long long)s->st.free, (unsigned long long)sum);
	return 0;
}

int kj_filter_scan(const struct kj_amem *mem, const struct kj_vmci *vmci,
		   const struct kj_ranges *ranges, struct kj_ranges *ret_excluded,
		   struct kj_filter_stats *st, char *err, size_t errlen)
{
	struct scan s = {.v = vmci, .err = err, .errlen = errlen};
	int rc;

	if ((rc = read_layout(&s)) < 0)
		goto out;
	kj_x86walk_init(&s.w, mem, s.l.init_top_pgt - KJ_X86_KERNEL_MAP + s.l.phys_base,
			(int)s.l.l5, s.l.sme_mask);
	if ((rc = self_test(&s)) < 0 || (rc = read_roots(&s)) < 0)
		goto out;
	for (size_t i = 0; i < ranges->n && rc == 0; i++)
		rc = scan_range(&s, ranges->r[i].start >> KJ_PAGE_SHIFT,
				ranges->r[i].end >> KJ_PAGE_SHIFT);
	if (rc == 0)
		rc = scan_region(&s, mem);
	if (rc == 0)
		rc = check_counts(&s);
	if (rc == 0) {
		kj_ranges_normalize(&s.out);
		*ret_excluded = s.out;
		s.out = (struct kj_ranges){0};
		*st = s.st;
	}
out:
	kj_ranges_free(&s.out);
	free(s.roots);
	return rc;
}
