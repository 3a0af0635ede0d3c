/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "synth-a.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PG	     4096ull
#define KMAP	     0xffffffff80000000ull
#define KTEXT	     (16ull << 20) /* the kernel image's offset from phys_base */
#define PTE	     0x63ull	   /* present, rw, accessed, dirty */
#define PSE	     0x80ull
#define SPAGE	     64 /* SIZE(page) */
#define OFF_FLAGS    0
#define OFF_PRIVATE  40
#define OFF_MAPCOUNT 48
#define BUDDY	     0xffffff7fu
#define SECTION_BITS 27
#define ROOTS	     2048 /* 2^(46-27) sections / 256 a root */

static uint8_t *page_at(struct sa_mem *m, uint64_t pfn, int create)
{
	size_t h;

	if (!m->cap) {
		if (!create)
			return NULL;
		m->cap = 1 << 17;
		m->pfn = calloc(m->cap, sizeof(*m->pfn));
		m->page = calloc(m->cap, sizeof(*m->page));
	}
	for (h = (size_t)(pfn * 0x9e3779b97f4a7c15ull >> 40) & (m->cap - 1);;
	     h = (h + 1) & (m->cap - 1)) {
		if (m->page[h] && m->pfn[h] == pfn)
			return m->page[h];
		if (!m->page[h])
			break;
	}
	if (!create || m->n + 1 >= m->cap / 2) {
		if (create)
			fprintf(stderr, "synth-a: memory full\n");
		return NULL;
	}
	m->pfn[h] = pfn;
	m->page[h] = calloc(1, PG);
	m->n++;
	return m->page[h];
}

int sa_read(void *ctx, uint64_t pa, void *buf, size_t len)
{
	uint8_t *p = buf;
	while (len) {
		size_t off = (size_t)(pa % PG), n = len < PG - off ? len : (size_t)(PG - off);
		uint8_t *pg = page_at(ctx, pa / PG, 0);
		if (pg)
			memcpy(p, pg + off, n);
		else
			memset(p, 0, n);
		p += n;
		pa += n;
		len -= n;
	}
	return 0;
}

void sa_write(struct sa_mem *m, uint64_t pa, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	while (len) {
		size_t off = (size_t)(pa % PG), n = len < PG - off ? len : (size_t)(PG - off);
		memcpy(page_at(m, pa / PG, 1) + off, p, n);
		p += n;
		pa += n;
		len -= n;
	}
}

void sa_free_mem(struct sa_mem *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->page[i]);
	free(m->pfn);
	free(m->page);
	memset(m, 0, sizeof(*m));
}

static void put64(struct sa_a *a, uint64_t pa, uint64_t v)
{
	sa_write(&a->m, pa, &v, 8);
}
static uint64_t get64(struct sa_a *a, uint64_t pa)
{
	uint64_t v;
	sa_read(&a->m, pa, &v, 8);
	return v;
}

static uint64_t alloc_page(struct sa_a *a)
{
	uint64_t pa = a->next_pa;
	a->next_pa += PG;
	page_at(&a->m, pa / PG, 1);
	return pa;
}

/* Map va -> pa with a page of 1 << shift bytes (12, 21, 30). */
static void map(struct sa_a *a, uint64_t va, uint64_t pa, unsigned shift)
{
	uint64_t table = a->top_pa;
	for (int level = a->o.l5 ? 5 : 4; level >= 1; level--) {
		unsigned s = 12 + 9 * (unsigned)(level - 1);
		uint64_t slot = table + ((va >> s) & 511) * 8, e;
		if (s == shift) {
			put64(a, slot, pa | PTE | (shift > 12 ? PSE : 0));
			return;
		}
		e = get64(a, slot);
		if (!e) {
			e = alloc_page(a) | PTE;
			put64(a, slot, e);
		}
		table = e & 0x000ffffffffff000ull;
	}
}

static int is_ram(const struct sa_a *a, uint64_t pa)
{
	return pa < a->o.ram_end &&
	       !(a->o.ram_end > (3ull << 30) && pa >= (3ull << 30) && pa < (4ull << 30));
}

/* __pa_symbol(va) = va - __START_KERNEL_map + phys_base */
static uint64_t kva(const struct sa_a *a, uint64_t pa)
{
	return pa - a->phys_base + KMAP;
}
static uint64_t dva(const struct sa_a *a, uint64_t pa)
{
	return a->o.page_offset + pa;
}

static void add(struct sa_a *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#include <stdarg.h>
static void add(struct sa_a *a, const char *fmt, ...)
{
	va_list ap;
	size_t n = strlen(a->text);
	va_start(ap, fmt);
	vsnprintf(a->text + n, sizeof(a->text) - n, fmt, ap);
	va_end(ap);
}

int sa_build(struct sa_a *a, const struct sa_opts *o)
{
	uint64_t kbase, roots, sections, pgdat, nodes, uts, end = o->ram_end;

	memset(a, 0, sizeof(*a));
	a->o = *o;
	kbase = o->kphys;
	a->phys_base = o->kphys - KTEXT - o->kaslr;
	a->next_pa = kbase + (8ull << 20); /* tables and data after 8 MiB of "text" */
	a->top_pa = alloc_page(a);
	/* the kernel image: 32 MiB with 2 MiB pages */
	for (uint64_t off = 0; off < (32ull << 20); off += 2ull << 20)
		map(a, kva(a, kbase + off), kbase + off, 21);
	/* the direct map over RAM */
	for (uint64_t pa = 0; pa < end; pa += o->direct_1g ? 1ull << 30 : 2ull << 20)
		if (is_ram(a, pa))
			map(a, dva(a, pa), pa, o->direct_1g ? 30 : 21);
	/* vmemmap: struct pages of all RAM, in a pool of its own at 2 MiB pages (its first
	 * 2 MiB at 4 KiB pages when asked) */
	{
		uint64_t pool = (end > (4ull << 30) ? (4ull << 30) : (end - (64ull << 20))) &
				~((2ull << 20) - 1);
		uint64_t bytes = end / PG * SPAGE;
		for (uint64_t off = 0; off < bytes; off += 2ull << 20) {
			if (o->vmemmap_4k && off == 0)
				for (uint64_t k = 0; k < (2ull << 20); k += PG)
					map(a, o->vmemmap + k, pool + k, 12);
			else
				map(a, o->vmemmap + off, pool + off, 21);
		}
	}
	/* mem_section: one root array, sections of RAM present */
	roots = alloc_page(a);
	for (int i = 0; i < 3; i++)
		alloc_page(a);
	sections = alloc_page(a);
	put64(a, roots, dva(a, sections)); /* root 0: sections 0..255 (32 GiB) */
	for (uint64_t nr = 0; nr < 256 && (nr << SECTION_BITS) < end; nr++)
		if (is_ram(a, nr << SECTION_BITS))
			put64(a, sections + nr * 16, o->vmemmap | 0x7); /* present, map, online */
	/* node 0 and its two zones */
	pgdat = alloc_page(a);
	alloc_page(a);
	nodes = alloc_page(a);
	put64(a, nodes, dva(a, pgdat));
	{
		uint32_t nz = 2;
		sa_write(&a->m, pgdat + 8, &nz, 4);
	}
	a->zone_pa = pgdat + 64 + 256; /* zone 0 at +64, vm_stat at +256 */
	uts = alloc_page(a);
	sa_write(&a->m, uts + 4 + 130, "6.1.0-synth", 12);
	a->note_pa = alloc_page(a);
	snprintf(a->text, sizeof(a->text), "OSRELEASE=6.1.0-synth\nPAGESIZE=4096\n");
	add(a, "SYMBOL(init_uts_ns)=%llx\nOFFSET(uts_namespace.name)=4\n",
	    (unsigned long long)kva(a, uts));
	add(a,
	    "SYMBOL(mem_section)=%llx\nLENGTH(mem_section)=%d\nSIZE(mem_section)=16\n"
	    "OFFSET(mem_section.section_mem_map)=0\nNUMBER(SECTION_SIZE_BITS)=%d\n"
	    "NUMBER(MAX_PHYSMEM_BITS)=%d\n",
	    (unsigned long long)dva(a, roots), ROOTS, SECTION_BITS, o->l5 ? 52 : 46);
	add(a,
	    "SIZE(page)=%d\nSIZE(pglist_data)=4096\nSIZE(zone)=1024\nOFFSET(page.flags)=%d\n"
	    "OFFSET(page._mapcount)=%d\nOFFSET(page.private)=%d\nOFFSET(pglist_data.node_zones)="
	    "64\n"
	    "OFFSET(pglist_data.nr_zones)=8\nOFFSET(zone.vm_stat)=256\nLENGTH(zone.free_area)=11\n"
	    "NUMBER(NR_FREE_PAGES)=0\nNUMBER(PG_slab)=9\nNUMBER(PG_hwpoison)=23\n"
	    "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=%d\nNUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)=%d\n",
	    SPAGE, OFF_FLAGS, OFF_MAPCOUNT, OFF_PRIVATE, (int)sa_type(o, 0), (int)sa_type(o, 1));
	add(a,
	    "NUMBER(phys_base)=%lld\nSYMBOL(init_top_pgt)=%llx\nNUMBER(pgtable_l5_enabled)=%d\n"
	    "SYMBOL(node_data)=%llx\nLENGTH(node_data)=1\nKERNELOFFSET=%llx\nNUMBER(sme_mask)=0\n",
	    (long long)a->phys_base, (unsigned long long)kva(a, a->top_pa), o->l5,
	    (unsigned long long)kva(a, nodes), (unsigned long long)o->kaslr);
	/* the kernel-image mapping must reach everything allocated so far */
	return a->next_pa - kbase < (32ull << 20) ? 0 : -1;
}

static uint64_t page_pa(struct sa_a *a, uint64_t pfn)
{
	uint64_t pa = 0, va = a->o.vmemmap + pfn * SPAGE, table = a->top_pa;
	for (int level = a->o.l5 ? 5 : 4; level >= 1; level--) {
		unsigned s = 12 + 9 * (unsigned)(level - 1);
		uint64_t e = get64(a, table + ((va >> s) & 511) * 8);
		if (level == 1 || (e & PSE))
			return (e & 0x000ffffffffff000ull & ~((1ull << s) - 1)) +
			       (va & ((1ull << s) - 1));
		table = e & 0x000ffffffffff000ull;
	}
	return pa;
}

uint32_t sa_type(const struct sa_opts *o, int offline)
{
	if (o->pgty) /* PGTY_buddy 0xf0, PGTY_offline 0xf1 (6.12 include/linux/page-flags.h) */
		return (offline ? 0xf1u : 0xf0u) << 24;
	return offline ? 0xfffffeffu : BUDDY; /* ~PG_buddy, ~PG_offline (6.1) */
}

void sa_set_type(struct sa_a *a, uint64_t pfn, uint32_t type)
{
	sa_write(&a->m, page_pa(a, pfn) + OFF_MAPCOUNT, &type, 4);
}
void sa_set_flags(struct sa_a *a, uint64_t pfn, uint64_t flags)
{
	sa_write(&a->m, page_pa(a, pfn) + OFF_FLAGS, &flags, 8);
}

void sa_set_free(struct sa_a *a, uint64_t pfn, unsigned order)
{
	uint64_t o = order;
	/* from 6.12 on the owner may use the low 24 bits: the filter must look past them */
	sa_set_type(a, pfn, sa_type(&a->o, 0) | (a->o.pgty ? (uint32_t)(pfn & 0xff) : 0));
	sa_write(&a->m, page_pa(a, pfn) + OFF_PRIVATE, &o, 8);
	a->free_pages += 1ull << order;
}

/* relocate_kernel's swap: every page of [1 MiB, region_end) to a source page in a pool
 * at region_end + 128 MiB, B's garbage left in its place; the list that says so. */
static void swap_region(struct sa_a *a)
{
	uint64_t src = a->o.region_end + (128ull << 20), ind = src + a->o.region_end, slot = 0;
	const uint64_t first = 1ull << 20;
	uint8_t garbage[PG];

	memset(garbage, 0xb5, sizeof(garbage));
	a->kexec_head = ind | 2;
	put64(a, ind + 8 * slot++, first | 1);
	for (uint64_t d = first; d < a->o.region_end; d += PG, src += PG) {
		uint8_t buf[PG];
		sa_read(&a->m, d, buf, PG);
		sa_write(&a->m, src, buf, PG);
		sa_write(&a->m, d, garbage, PG);
		if (slot == 511) { /* chain to the next indirection page */
			uint64_t next = ind + PG;
			put64(a, ind + 8 * slot, next | 2);
			ind = next;
			slot = 0;
		}
		put64(a, ind + 8 * slot++, src | 8);
	}
	put64(a, ind + 8 * slot, 4);
}

void sa_finish(struct sa_a *a)
{
	uint32_t namesz = 11, descsz = (uint32_t)strlen(a->text) + 1, type = 0;
	uint64_t v = a->free_pages;

	sa_write(&a->m, a->zone_pa, &v, 8);
	sa_write(&a->m, a->note_pa, &namesz, 4);
	sa_write(&a->m, a->note_pa + 4, &descsz, 4);
	sa_write(&a->m, a->note_pa + 8, &type, 4);
	sa_write(&a->m, a->note_pa + 12, "VMCOREINFO", 11);
	sa_write(&a->m, a->note_pa + 24, a->text, descsz);
	a->note_size = 24 + descsz;
	if (a->o.region_end)
		swap_region(a);
}
