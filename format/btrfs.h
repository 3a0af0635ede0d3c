/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* Swap files on btrfs. FIEMAP reports a btrfs extent at its logical address (btrfs's
 * own address space, spread over its devices by chunks), and stat() a device number
 * of its own (0:N): both are mapped here to the one block device that holds the file
 * system. What the kernel refuses for a swap file (btrfs_swap_activate) is refused
 * here too: more than one device, a chunk profile other than single (DUP, RAID), a
 * copy-on-write file. */
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "root.h"

#define KJ_BTRFS_MAGIC 0x9123683Eu /* statfs f_type (BTRFS_SUPER_MAGIC) */

/* A chunk: logical [start, start + length) lies on stripe 0 at physical. */
struct kj_btrfs_chunk {
	uint64_t start; /* the chunk item's key offset */
	uint64_t length;
	uint64_t type; /* BTRFS_BLOCK_GROUP_* bits */
	uint32_t num_stripes;
	uint64_t devid;	   /* stripe 0's device */
	uint64_t physical; /* stripe 0's byte offset on that device */
};

/* A single-device btrfs, as a swap file's extents need it. */
struct kj_btrfs {
	dev_t dev;		      /* its block device (st_rdev) */
	uint64_t devid;		      /* that device's btrfs id */
	struct kj_btrfs_chunk *chunk; /* by start, ascending, not overlapping */
	size_t n_chunk;
};

/* Parse one BTRFS_IOC_TREE_SEARCH result: nr_items items in buf (size bytes), each a
 * 32-byte search header (u64 transid, u64 objectid, u64 offset, u32 type, u32 len) and
 * len bytes of item. Chunk items (objectid 256, type 228) go to ret (room for max);
 * other items are skipped. ret_last: the key offset of the last item (where the next
 * search goes on). 0; -EBADMSG for an item that overruns buf or a malformed chunk
 * item; -E2BIG when ret is full. */
int kj_btrfs_chunks_parse(const void *buf, size_t size, uint32_t nr_items,
			  struct kj_btrfs_chunk *ret, size_t max, size_t *ret_n,
			  uint64_t *ret_last);

/* Where len bytes at logical address logical lie on b's device: ret_physical, and
 * ret_len (<= len) of them contiguously (up to the end of the chunk holding logical).
 * 0; -EUCLEAN no chunk holds logical (or the offset overflows); -EMEDIUMTYPE the
 * chunk's profile is not single (DUP, RAID: more than one stripe); -EXDEV its stripe
 * is on another device. */
int kj_btrfs_map(const struct kj_btrfs *b, uint64_t logical, uint64_t len, uint64_t *ret_physical,
		 uint64_t *ret_len);

/* The btrfs that holds the open file fd: its one device (its path from the file
 * system, looked at below root) and its chunk tree. 0; -EXDEV more than one device;
 * -EPERM reading the chunk tree needs CAP_SYS_ADMIN; -EBADMSG malformed search
 * results; -ENOTBLK the device's path is not a block device; other -errno. */
int kj_btrfs_load(const struct kj_root *root, int fd, struct kj_btrfs *ret);
void kj_btrfs_free(struct kj_btrfs *b);

/* 0 when the file fd is nocow (chattr +C, as the kernel wants a swap file), -ESTALE
 * when it is copy-on-write (its pages move when written), other -errno. */
int kj_btrfs_check_nocow(int fd);
