/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* Virtual to physical in the hibernated kernel, by walking its own page tables
 * (x86_64, 4 or 5 levels, 1 GiB / 2 MiB / 4 KiB pages), read through its memory: this is
 * what follows KASLR (kernel text, direct map and vmemmap) without a System.map. */
#include <stdint.h>

#include "amem.h"

#define KJ_X86_KERNEL_MAP 0xffffffff80000000ull /* __START_KERNEL_map */

struct kj_x86walk {
	const struct kj_amem *mem;
	uint64_t root;		     /* physical address of the top table */
	int levels;		     /* 4 or 5 */
	uint64_t mask;		     /* address bits of an entry (the encryption bit cleared) */
	uint64_t c_va, c_pa, c_size; /* the last mapping found */
};

/* root: physical address of init_top_pgt; sme_mask as VMCOREINFO says (0 normally). */
void kj_x86walk_init(struct kj_x86walk *w, const struct kj_amem *mem, uint64_t root, int five_level,
		     uint64_t sme_mask);
/* pa of va, and how many bytes from va on lie in the same mapping. -EFAULT not mapped
 * (or a non-canonical address), -EBADMSG a table entry that makes no sense, or a read
 * error. */
int kj_x86walk_translate(struct kj_x86walk *w, uint64_t va, uint64_t *ret_pa, uint64_t *ret_left);
/* len bytes of A's memory at virtual address va. */
int kj_x86walk_read(struct kj_x86walk *w, uint64_t va, void *buf, uint64_t len);
