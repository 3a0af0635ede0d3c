/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* The firmware memory map (/sys/firmware/memmap, as the firmware gave it, before
 * mem=/memmap=) and the running kernel's RAM (/proc/iomem). */
#include <stddef.h>
#include <stdint.h>

#include "ranges.h"
#include "root.h"

enum kj_mem_type {
	KJ_MEM_OTHER = 0,
	KJ_MEM_RAM = 1,
	KJ_MEM_RESERVED = 2,
	KJ_MEM_ACPI = 3,
	KJ_MEM_ACPI_NVS = 4,
	KJ_MEM_UNUSABLE = 5,
	KJ_MEM_PMEM = 6,
	KJ_MEM_SOFT_RESERVED = 7,
};

struct kj_memmap_entry {
	uint64_t start, end; /* end exclusive */
	uint32_t type;	     /* enum kj_mem_type */
};

struct kj_memmap {
	struct kj_memmap_entry *e;
	size_t n;
};

void kj_memmap_free(struct kj_memmap *m);
#define _cleanup_memmap_ __attribute__((cleanup(kj_memmap_free)))

enum kj_mem_type kj_mem_type_from_string(const char *s);
const char *kj_mem_type_to_string(enum kj_mem_type t);

/* Read /sys/firmware/memmap under root, sorted by address. -ENOENT without it. */
int kj_memmap_read(const struct kj_root *root, struct kj_memmap *ret);
/* The entries of one type as a normalized range list. */
int kj_memmap_ranges(const struct kj_memmap *m, enum kj_mem_type type, struct kj_ranges *out);

/* /proc/iomem as a list of entries in file order. */
struct kj_iomem_entry {
	uint64_t start, end; /* end exclusive */
	unsigned depth;	     /* 0 top level, 1 a child of the entry above, ... */
	char name[64];
};

struct kj_iomem {
	struct kj_iomem_entry *e;
	size_t n, cap;
};

void kj_iomem_free(struct kj_iomem *io);
#define _cleanup_iomem_ __attribute__((cleanup(kj_iomem_free)))
/* Parse /proc/iomem text; lines that are not entries are skipped. -EACCES when every
 * address is zero (read without CAP_SYS_ADMIN), -ENOMEM. */
int kj_iomem_parse(const char *buf, size_t size, struct kj_iomem *ret);
int kj_iomem_read(const struct kj_root *root, struct kj_iomem *ret);
/* The ranges of the entries called name (a trailing '*' matches a prefix: "Kernel *"),
 * at any depth or only at the top level, added to out and normalized. */
int kj_iomem_ranges(const struct kj_iomem *io, const char *name, int top_level_only,
		    struct kj_ranges *out);

/* Parse /proc/iomem text: top-level "System RAM" ranges (normalized) into out.
 * -EACCES when the addresses are hidden (read without CAP_SYS_ADMIN). */
int kj_iomem_parse_ram(const char *buf, size_t size, struct kj_ranges *out);
int kj_iomem_read_ram(const struct kj_root *root, struct kj_ranges *out);
