/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* A kjump region: the RAM a restricted kernel (B or C) is told to use on its command
 * line, and where that kernel really is: its own image ("Kernel code" ... "Kernel bss"
 * in /proc/iomem), which a randomizing (KASLR) decompressor may have put outside the
 * region, and anything else this boot holds in the hibernated system's RAM. */
#include <stddef.h>
#include <stdint.h>

#include "memmap.h"
#include "ranges.h"

/* The RAM the command line (buf, size bytes) restricts the kernel to, as the kernel
 * proper reads it: memmap=exactmap with memmap=nn@ss regions, minus memmap=nn$ss /
 * nn#ss / nn!ss, cut at mem=nn (or memmap=nn). Returns 1 and the normalized ranges
 * when memmap=exactmap is given, 0 when it is not (ret untouched), -EINVAL for a
 * malformed memmap=/mem= value, -ENOMEM. */
int kj_region_from_cmdline(const char *buf, size_t size, struct kj_ranges *ret);

/* Where that region ends: mem= (or memmap=nn) when given, else the end of its last
 * range. 1 and the end, 0 without memmap=exactmap, -EINVAL, -ENOMEM. */
int kj_region_end_from_cmdline(const char *buf, size_t size, uint64_t *ret_end);
/* This kernel's image as /proc/iomem shows it: from the start of "Kernel code" to the
 * end of "Kernel bss" (the brk area after it is not listed: 192 KiB on 6.1, so the end
 * is extended by KJ_KERNEL_TAIL). 0 and the range, -ENOENT when not listed. */
#define KJ_KERNEL_TAIL (2ull << 20)
int kj_region_kernel(const struct kj_iomem *io, struct kj_range *ret);

/* Why a direct write into win (memory the running kernel does not use) would hit
 * something of this boot. */
enum kj_conflict_kind {
	KJ_CONFLICT_NONE = 0,
	KJ_CONFLICT_RESOURCE, /* a device, firmware table, the kernel itself, ... */
	KJ_CONFLICT_BUSY,     /* a placeholder ("RAM buffer") that /dev/mem refuses
				 (CONFIG_IO_STRICT_DEVMEM) */
};

/* Look for the first /proc/iomem entry overlapping win that a write must not touch.
 * Windows of a bus ("PCI Bus ...") are routing, not memory: skipped (their devices are
 * entries of their own); so are the kernel's "Reserved" page 0 and "RAM buffer" below
 * 1 MiB, which it does not use. "RAM buffer" placeholders and "Reserved" ranges (in the
 * hibernated system's RAM only by memmap=nn$ss) are checked with probe(ud, addr),
 * which returns 0 when a page at addr can be mapped, else -errno. Returns 1 with the
 * entry and its kind in ret_*, or 0. */
int kj_region_find_conflict(const struct kj_iomem *io, const struct kj_ranges *win,
			    int (*probe)(void *ud, uint64_t addr), void *ud,
			    struct kj_iomem_entry *ret_entry, enum kj_conflict_kind *ret_kind);
