/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "x86walk.h"

#include <endian.h>
#include <errno.h>

#include "macros.h"

#define PTE_PRESENT 0x1ull
#define PTE_PSE	    0x80ull
#define ADDR_BITS   0x000ffffffffff000ull

void kj_x86walk_init(struct kj_x86walk *w, const struct kj_amem *mem, uint64_t root, int five_level,
		     uint64_t sme_mask)
{
	*w = (struct kj_x86walk){
	    .mem = mem, .root = root, .levels = five_level ? 5 : 4, .mask = ADDR_BITS & ~sme_mask};
}

static int canonical(uint64_t va, int levels)
{
	int bits = levels == 5 ? 57 : 48;
	uint64_t top = va >> (bits - 1);
	return top == 0 || top == (UINT64_MAX >> (bits - 1));
}

int kj_x86walk_translate(struct kj_x86walk *w, uint64_t va, uint64_t *ret_pa, uint64_t *ret_left)
{
	uint64_t table = w->root, e;
	int rc;

	if (w->c_size && va >= w->c_va && va - w->c_va < w->c_size) {
		*ret_pa = w->c_pa + (va - w->c_va);
		*ret_left = w->c_size - (va - w->c_va);
		return 0;
	}
	if (!canonical(va, w->levels))
		return -EFAULT;
	for (int level = w->levels; level >= 1; level--) {
		unsigned shift = 12 + 9 * (unsigned)(level - 1);
		uint64_t idx = (va >> shift) & 511, size = 1ull << shift;
		if ((rc = kj_amem_read(w->mem, table + idx * 8, &e, 8)) < 0)
			return rc;
		e = le64toh(e);
		if (!(e & PTE_PRESENT))
			return -EFAULT;
		if (level == 1 || ((level == 2 || level == 3) && (e & PTE_PSE))) {
			uint64_t base = e & w->mask & ~(size - 1);
			if (level > 1 && (e & w->mask & (size - 1) & ~0x1fffull))
				return -EBADMSG; /* a large page's address not aligned to its size
						  */
			w->c_va = va & ~(size - 1);
			w->c_pa = base;
			w->c_size = size;
			*ret_pa = base + (va & (size - 1));
			*ret_left = size - (va & (size - 1));
			return 0;
		}
		if ((level == 4 || level == 5) && (e & PTE_PSE))
			return -EBADMSG; /* no huge pages above 1 GiB */
		table = e & w->mask;
	}
	return -EFAULT; /* not reached */
}

int kj_x86walk_read(struct kj_x86walk *w, uint64_t va, void *buf, uint64_t len)
{
	uint8_t *p = buf;

	while (len) {
		uint64_t pa, left, n;
		int rc = kj_x86walk_translate(w, va, &pa, &left);
		if (rc < 0)
			return rc;
		n = MIN(len, left);
		if ((rc = kj_amem_read(w->mem, pa, p, (size_t)n)) < 0)
			return rc;
		p += n;
		va += n;
		len -= n;
	}
	return 0;
}
