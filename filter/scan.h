/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* Which of A's pages A does not need saved: free (buddy) pages, offline pages and
 * hwpoisoned ones, read from A's own struct pages the way makedumpfile does (SPARSEMEM
 * mem_section -> struct page -> page_type/flags/private), through A's page tables.
 * Everything is cross-checked; any inconsistency makes the caller save everything. */
#include <stdint.h>

#include "amem.h"
#include "ranges.h"
#include "vmcoreinfo.h"

struct kj_filter_stats {
	uint64_t scanned;		/* pages whose struct page was read */
	uint64_t free, offline, poison; /* pages excluded, by class */
	uint64_t region_free;		/* of free: A's pages in B's region, whose source pages
					   (holding them while B runs) are left out */
	uint64_t a_free; /* A's own free-page counters (sum of zones' NR_FREE_PAGES) */
	int a_free_known;
	char release[65]; /* A's OSRELEASE, checked against its init_uts_ns */
};

/* Scan A's struct pages for the pages of ranges (page-aligned), and for A's pages in
 * B's region: a free one's source page is left out too. On success ret_excluded holds
 * the excluded pages (normalized) and st the counts. On any inconsistency
 * (missing key, a self-test that fails, an impossible order, more free pages than A
 * counts) -EBADMSG or -ENOENT with err set: nothing may be excluded then. */
int kj_filter_scan(const struct kj_amem *mem, const struct kj_vmci *vmci,
		   const struct kj_ranges *ranges, struct kj_ranges *ret_excluded,
		   struct kj_filter_stats *st, char *err, size_t errlen);
