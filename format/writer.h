/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* Streaming image writer: reads memory range by range from a source, writes data
 * blocks, range table and header, syncs, and commits last. */
#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "efirt.h"
#include "format.h"
#include "imgdev.h"
#include "ranges.h"

/* Reads len bytes of physical memory at addr. */
typedef int (*kj_mem_read_fn)(void *ctx, uint64_t addr, void *buf, size_t len);

struct kj_write_opts {
	uint32_t compression; /* enum kj_compression */
	uint32_t block_pages; /* 0: default */
	unsigned threads;     /* compression threads; 0: online CPUs */
	uint64_t entry;
	uint32_t arch;
	char release[81];
	uint32_t nr_region;
	struct kj_range region[KJ_MAX_REGION];
	uint32_t nr_memmap;
	struct {
		uint64_t start, end;
		uint32_t type;
	} memmap[KJ_MAX_MEMMAP];
	/* The EFI runtime map (when the machine has one): its count and CRC over all
	 * entries (kj_efi_rt_crc), the first KJ_MAX_EFI_RT entries. */
	int have_efi_rt;
	uint32_t nr_efi_rt, efi_rt_crc;
	struct kj_efi_rt_entry efi_rt[KJ_MAX_EFI_RT];
	/* The page filter's outcome (have_filter: record it). */
	int have_filter;
	struct kj_filter_record filter;
	/* Authenticate the image with this key (a digest table and an auth record after
	 * the block index, KJ_INCOMPAT_MAC); NULL: unauthenticated. */
	const struct kj_image_key *key;
	/* A snapshot: the image is marked kept (KJ_COMPAT_KEPT), resumed on every boot. */
	int kept;
	/* Testing: stop before the commit record (as a power loss would). */
	int no_commit;
};

struct kj_write_stats {
	uint64_t total_pages, zero_pages, data_pages, nr_ranges, nr_blocks;
	uint64_t stored_bytes; /* data area bytes on disk */
	uint64_t image_bytes;  /* whole image, header to its last record */
};

/* ranges: page-aligned, normalized. -ENOSPC when the swap area is too small,
 * -EMEDIUMTYPE when dev holds something else than swap or a kjump image. */
int kj_image_write(struct kj_imgdev *dev, const struct kj_write_opts *o, kj_mem_read_fn read,
		   void *read_ctx, const struct kj_ranges *ranges, struct kj_write_stats *ret,
		   char *err, size_t errlen);
