/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* A synthetic hibernated kernel A for the page filter's tests: a sparse physical memory
 * holding what the filter reads of a real 6.1 x86_64 kernel (page tables of 4 or 5
 * levels with 1 GiB, 2 MiB and 4 KiB pages, a shifted kernel (phys_base, KASLR), a
 * randomized direct map and vmemmap, mem_section, struct pages, node_data with its
 * free counters, init_uts_ns, the VMCOREINFO note) and, optionally, B's region swapped
 * out to source pages through a kexec indirection list as relocate_kernel leaves it. */
#include <stddef.h>
#include <stdint.h>

#include "vmcoreinfo.h"

struct sa_mem {
	uint64_t *pfn;
	uint8_t **page;
	size_t cap, n;
};

struct sa_opts {
	int l5;		      /* 5-level paging */
	uint64_t kphys;	      /* physical address of the kernel image (_text) */
	uint64_t kaslr;	      /* virtual shift of the kernel image (KERNELOFFSET) */
	uint64_t page_offset; /* direct map base */
	uint64_t vmemmap;     /* struct page array base (1 GiB aligned) */
	uint64_t ram_end;     /* RAM is [0, ram_end) less [3 GiB, 4 GiB) when larger */
	int direct_1g;	      /* direct map with 1 GiB pages (else 2 MiB) */
	int vmemmap_4k;	      /* part of vmemmap mapped with 4 KiB pages */
	uint64_t region_end;  /* B's region [1 MiB, region_end), swapped out; 0: none */
	int pgty;	      /* page types as 6.12 on: PGTY_* << 24 (the owner's low bits set) */
};

struct sa_a {
	struct sa_mem m;
	struct sa_opts o;
	char text[4096]; /* the VMCOREINFO lines */
	uint64_t note_pa, note_size;
	uint64_t kexec_head; /* the indirection list head (0 without a region) */
	uint64_t free_pages; /* what node 0's counters say */
	uint64_t zone_pa;    /* zone 0's vm_stat[NR_FREE_PAGES], physical */
	uint64_t next_pa;    /* bump allocator for tables and data */
	uint64_t top_pa;     /* the top page table */
	uint64_t phys_base;  /* kphys less the kernel's virtual offset (may wrap) */
};

int sa_read(void *ctx, uint64_t pa, void *buf, size_t len); /* ctx: struct sa_mem */
void sa_write(struct sa_mem *m, uint64_t pa, const void *buf, size_t len);
void sa_free_mem(struct sa_mem *m);
/* Build A (without the region swap: call sa_finish after setting pages). */
int sa_build(struct sa_a *a, const struct sa_opts *o);
/* Mark pages: a free block of 2^order pages at pfn (its head), offline, hwpoisoned. */
void sa_set_free(struct sa_a *a, uint64_t pfn, unsigned order);
/* The buddy (offline=0) or offline type word as A writes it. */
uint32_t sa_type(const struct sa_opts *o, int offline);
void sa_set_type(struct sa_a *a, uint64_t pfn, uint32_t type);
void sa_set_flags(struct sa_a *a, uint64_t pfn, uint64_t flags);
/* Counters, the note, and the region swap with its kexec list. */
void sa_finish(struct sa_a *a);
