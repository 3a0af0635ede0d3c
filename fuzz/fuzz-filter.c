/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz target: the page filter on arbitrary input. The input is a VMCOREINFO note (its
 * length in the first two bytes) and a physical memory (the rest): the note parser, the
 * page-table walk from a root inside that memory, the control-page decoder (memory's
 * first page as A's control page, every entry offset) and the list walk from it, and
 * the whole scan must never crash; whatever the scan excludes must lie inside the
 * ranges it was given, and a decoded list head must be a qword of the page. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "amem.h"
#include "ctlpage.h"
#include "scan.h"
#include "vmcoreinfo.h"
#include "x86walk.h"

struct mem {
	const uint8_t *p;
	size_t n;
};

static int mem_read(void *ctx, uint64_t pa, void *buf, size_t len)
{
	const struct mem *m = ctx;
	memset(buf, 0, len);
	if (pa < m->n)
		memcpy(buf, m->p + pa, len < m->n - pa ? len : (size_t)(m->n - pa));
	return pa > (1ull << 40) ? -14 : 0; /* far away: as /dev/mem past RAM */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kj_vmci *v = malloc(sizeof(*v));
	struct mem m;
	struct kj_amem am;
	struct kj_x86walk w;
	struct kj_ranges ranges = {0}, out = {0};
	struct kj_filter_stats st;
	size_t nl;
	char why[256];

	if (!v || size < 2)
		goto out;
	nl = (size_t)data[0] | (size_t)data[1] << 8;
	if (nl > size - 2)
		nl = size - 2;
	m.p = data + 2 + nl;
	m.n = size - 2 - nl;
	if (m.n >= 4096) {
		struct kj_ranges a_ram = {0}, b_ram = {0};
		enum kj_head_how how;
		size_t off;
		for (size_t e = 0; e < 4096; e++)
			if (kj_ctlpage_decode_head(m.p, 4096, e, &off) == 0 &&
			    (off % 8 || off > 4088))
				abort();
		kj_ranges_add(&a_ram, 0, m.n & ~4095ull);
		kj_ranges_add(&b_ram, 1ull << 41, (1ull << 41) + 4096);
		if (kj_ctlpage_open_amem(&am, mem_read, &m, m.p[4] | (m.p[5] & 0xf) << 8, &b_ram,
					 &a_ram, &how, why, sizeof(why)) == 0)
			kj_amem_free(&am);
		kj_ranges_free(&a_ram);
		kj_ranges_free(&b_ram);
	}
	kj_amem_init_direct(&am, mem_read, &m, NULL);
	for (int l5 = 0; l5 <= 1; l5++) { /* walk from a root at 0 */
		uint64_t va = 0, pa, left;
		if (m.n >= 8)
			memcpy(&va, m.p, 8);
		kj_x86walk_init(&w, &am, 0, l5, 0);
		kj_x86walk_translate(&w, va, &pa, &left);
		kj_x86walk_translate(&w, 0xffff888000000000ull | (va & 0xffffffffff), &pa, &left);
	}
	if (kj_vmci_parse_note(data + 2, nl, v) == 0) {
		kj_ranges_add(&ranges, 0, (m.n + 4095) & ~4095ull);
		if (kj_filter_scan(&am, v, &ranges, &out, &st, why, sizeof(why)) == 0)
			for (size_t i = 0; i < out.n; i++)
				if (!kj_ranges_contains(&ranges, out.r[i].start, out.r[i].end))
					abort(); /* excluded something it was not asked about */
	}
	kj_amem_free(&am);
	kj_ranges_free(&ranges);
	kj_ranges_free(&out);
out:
	free(v);
	return 0;
}
