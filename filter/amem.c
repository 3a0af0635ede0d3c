/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "amem.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "macros.h"

/* include/linux/kexec.h */
enum { IND_DESTINATION = 1, IND_INDIRECTION = 2, IND_DONE = 4, IND_SOURCE = 8 };
#define IND_FLAGS   0xfULL
#define MAX_ENTRIES (1u << 24) /* far more than any region's pages plus list pages */

static int cmp_dst(const void *a, const void *b)
{
	const struct kj_redirect *x = a, *y = b;
	return x->dst < y->dst ? -1 : x->dst > y->dst;
}

static int push(struct kj_amem *m, uint64_t dst, uint64_t src)
{
	if (KJ_GROW(m->map, m->n, m->cap, 1024) < 0)
		return -ENOMEM;
	m->map[m->n++] = (struct kj_redirect){dst, src};
	return 0;
}

/* Walk the list as relocate_kernel's swap_pages does. Its pages are A's, outside B's
 * RAM (A allocated them away from every destination): the walk reads nothing else, so a
 * wrong head never makes it read device memory. */
static int walk_list(struct kj_amem *m, uint64_t head, const struct kj_ranges *a_ram, char *err,
		     size_t errlen)
{
	uint64_t entry = head, ind = 0, dst = 0;
	unsigned slot = 0;
	int have_dst = 0, rc;

	for (uint32_t i = 0; i < MAX_ENTRIES; i++) {
		uint64_t addr = entry & ~(uint64_t)(KJ_PAGE_SIZE - 1);
		unsigned flags = (unsigned)(entry & IND_FLAGS);

		if (flags & IND_DONE)
			return 0;
		if (flags == IND_DESTINATION) {
			dst = addr;
			have_dst = 1;
		} else if (flags == IND_INDIRECTION) {
			if (!kj_ranges_contains(a_ram, addr, addr + KJ_PAGE_SIZE) ||
			    kj_ranges_contains(&m->b_ram, addr, addr + 1))
				return kj_errf(
				    -EBADMSG, err, errlen,
				    "kexec list: indirection page 0x%llx "
				    "outside the hibernated kernel's RAM or inside this kernel's",
				    (unsigned long long)addr);
			ind = addr;
			slot = 0;
		} else if (flags == IND_SOURCE) {
			if (!have_dst)
				return kj_errf(-EBADMSG, err, errlen,
					       "kexec list: a source before any destination");
			if ((rc = push(m, dst >> KJ_PAGE_SHIFT, addr >> KJ_PAGE_SHIFT)) < 0)
				return rc;
			dst += KJ_PAGE_SIZE;
		} else if (flags != 0 || i > 0) {
			return kj_errf(-EBADMSG, err, errlen, "kexec list: bad entry 0x%llx",
				       (unsigned long long)entry);
		}
		if (!ind)
			return kj_errf(-EBADMSG, err, errlen, "kexec list: no indirection page");
		if (slot == KJ_PAGE_SIZE / 8)
			return kj_errf(-EBADMSG, err, errlen, "kexec list: runs off its page");
		if ((rc = m->read(m->ctx, ind + 8ull * slot++, &entry, 8)) < 0)
			return kj_errf(rc, err, errlen, "kexec list: cannot read 0x%llx",
				       (unsigned long long)(ind + 8ull * (slot - 1)));
	}
	return kj_errf(-EBADMSG, err, errlen, "kexec list: no end");
}

static const struct kj_redirect *lookup(const struct kj_amem *m, uint64_t pfn)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (m->map[mid].dst < pfn)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < m->n && m->map[lo].dst == pfn ? &m->map[lo] : NULL;
}

/* Every page of both stood for by a source; else the missing runs (the first few). */
static int missing_sources(const struct kj_amem *m, const struct kj_ranges *both, char *err,
			   size_t errlen)
{
	char list[200] = "";
	size_t runs = 0, o = 0;
	uint64_t run_start = 0, prev = 0;

	for (size_t i = 0; i < both->n; i++)
		for (uint64_t p = ALIGN_UP(both->r[i].start, KJ_PAGE_SIZE); p < both->r[i].end;
		     p += KJ_PAGE_SIZE) {
			if (lookup(m, p >> KJ_PAGE_SHIFT))
				continue;
			if (!runs || p != prev + KJ_PAGE_SIZE) {
				if (runs && runs <= 4 && o < sizeof(list))
					o += (size_t)snprintf(
					    list + o, sizeof(list) - o, "-0x%llx",
					    (unsigned long long)(prev + KJ_PAGE_SIZE));
				runs++;
				run_start = p;
				if (runs <= 4 && o < sizeof(list))
					o += (size_t)snprintf(list + o, sizeof(list) - o,
							      "%s0x%llx", runs > 1 ? " " : "",
							      (unsigned long long)run_start);
			}
			prev = p;
		}
	if (!runs)
		return 0;
	if (runs <= 4 && o < sizeof(list))
		snprintf(list + o, sizeof(list) - o, "-0x%llx",
			 (unsigned long long)(prev + KJ_PAGE_SIZE));
	return kj_errf(-EBADMSG, err, errlen,
		       "kexec list: no source page for %zu run%s of the "
		       "hibernating kernel's RAM: %s%s",
		       runs, runs > 1 ? "s" : "", list, runs > 4 ? " ..." : "");
}

/* Sorted, no page twice; sources outside B's RAM; every page of A's RAM in B's RAM
 * stood for. */
static int check_map(struct kj_amem *m, const struct kj_ranges *a_ram, char *err, size_t errlen)
{
	_cleanup_ranges_ struct kj_ranges both = {0};
	int rc;

	qsort(m->map, m->n, sizeof(*m->map), cmp_dst);
	for (size_t i = 0; i < m->n; i++) {
		uint64_t s = m->map[i].src << KJ_PAGE_SHIFT;
		if (i && m->map[i].dst == m->map[i - 1].dst)
			return kj_errf(-EBADMSG, err, errlen, "kexec list: page 0x%llx twice",
				       (unsigned long long)(m->map[i].dst << KJ_PAGE_SHIFT));
		if (m->map[i].src != m->map[i].dst &&
		    kj_ranges_contains(&m->b_ram, s, s + KJ_PAGE_SIZE))
			return kj_errf(-EBADMSG, err, errlen,
				       "kexec list: source 0x%llx inside the "
				       "hibernating kernel's RAM",
				       (unsigned long long)s);
	}
	if ((rc = kj_ranges_intersect(&m->b_ram, a_ram, &both)) < 0)
		return rc;
	return missing_sources(m, &both, err, errlen);
}

int kj_amem_init_direct(struct kj_amem *m, kj_phys_read_fn read, void *ctx,
			const struct kj_ranges *b_ram)
{
	*m = (struct kj_amem){.read = read, .ctx = ctx};
	for (size_t i = 0; b_ram && i < b_ram->n; i++)
		if (kj_ranges_add(&m->b_ram, b_ram->r[i].start, b_ram->r[i].end) < 0) {
			kj_amem_free(m);
			return -ENOMEM;
		}
	kj_ranges_normalize(&m->b_ram);
	return 0;
}

int kj_amem_init(struct kj_amem *m, kj_phys_read_fn read, void *ctx, uint64_t head,
		 const struct kj_ranges *b_ram, const struct kj_ranges *a_ram, char *err,
		 size_t errlen)
{
	int rc = kj_amem_init_direct(m, read, ctx, b_ram);

	if (rc == 0 && (rc = walk_list(m, head, a_ram, err, errlen)) == 0)
		rc = check_map(m, a_ram, err, errlen);
	if (rc < 0)
		kj_amem_free(m);
	return rc;
}

void kj_amem_free(struct kj_amem *m)
{
	free(m->map);
	kj_ranges_free(&m->b_ram);
	m->map = NULL;
	m->n = m->cap = 0;
}

const struct kj_redirect *kj_amem_source(const struct kj_amem *m, uint64_t pfn)
{
	return lookup(m, pfn);
}

int kj_amem_read(const struct kj_amem *m, uint64_t pa, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		uint64_t page = pa >> KJ_PAGE_SHIFT, off = pa & (KJ_PAGE_SIZE - 1);
		size_t n = (size_t)MIN((uint64_t)len, KJ_PAGE_SIZE - off);
		const struct kj_redirect *r = lookup(m, page);
		uint64_t from = pa;
		int rc;

		if (r)
			from = (r->src << KJ_PAGE_SHIFT) + off;
		else if (kj_ranges_contains(&m->b_ram, pa, pa + 1))
			return -EFAULT;
		if ((rc = m->read(m->ctx, from, p, n)) < 0)
			return rc;
		p += n;
		pa += n;
		len -= n;
	}
	return 0;
}
