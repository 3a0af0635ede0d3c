/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* The hibernated kernel A's physical memory, as A left it, read from the hibernating
 * kernel B. With --load-preserve-context, relocate_kernel swapped every page of B's
 * region (a kexec destination D) with a source page S outside it: A's content of D now
 * lives in S. A's kexec indirection list says which: its head is saved in A's control
 * page (the jump-back entry's page; ctlpage.h finds where). Reads of B's own RAM that no
 * source page stands for are refused: that is B's memory, not A's. */
#include <stddef.h>
#include <stdint.h>

#include "ranges.h"

typedef int (*kj_phys_read_fn)(void *ctx, uint64_t pa, void *buf, size_t len);

struct kj_redirect {
	uint64_t dst, src; /* page frame numbers */
};

struct kj_amem {
	kj_phys_read_fn read; /* B's view of physical memory (/dev/mem) */
	void *ctx;
	struct kj_ranges b_ram;	 /* B's own RAM: A's pages there only through the map */
	struct kj_redirect *map; /* sorted by dst */
	size_t n, cap;
};

/* Follow A's indirection list from head (an entry: address | IND_* flags). Every page
 * of b_ram that a_ram also has must be a destination, every source outside b_ram;
 * otherwise -EBADMSG with err saying why. */
int kj_amem_init(struct kj_amem *m, kj_phys_read_fn read, void *ctx, uint64_t head,
		 const struct kj_ranges *b_ram, const struct kj_ranges *a_ram, char *err,
		 size_t errlen);
/* The same, with no redirection (A's memory is all outside b_ram: tests, cores). */
int kj_amem_init_direct(struct kj_amem *m, kj_phys_read_fn read, void *ctx,
			const struct kj_ranges *b_ram);
void kj_amem_free(struct kj_amem *m);
/* The source page standing for A's page pfn in B's region, or NULL. */
const struct kj_redirect *kj_amem_source(const struct kj_amem *m, uint64_t pfn);
/* len bytes of A's memory at pa (may cross pages). -EFAULT for B's own RAM. */
int kj_amem_read(const struct kj_amem *m, uint64_t pa, void *buf, size_t len);
