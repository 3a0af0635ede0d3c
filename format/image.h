/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* Reading a committed image: header, commit record and a streaming range-table cursor. */
#include <stddef.h>
#include <stdint.h>

#include "format.h"
#include "imgdev.h"
#include "sha256.h"

/* The range table, the block index and (authenticated images) the digest table are
 * read in fixed chunks; each chunk's SHA-256 is recorded on its first read and compared
 * on every later read, so a later pass only ever uses entries that an earlier pass
 * validated (a device that answers differently the second time is an I/O error, not a
 * write somewhere unchecked; a hash, not a CRC, so that no crafted second answer
 * passes for the first, which the MAC covered). */
#define KJ_TABLE_CHUNK_ENTRIES 2730u /* 65520 bytes of 24-byte entries */
#define KJ_INDEX_CHUNK_BLOCKS  64u   /* 2 KiB of 32-byte block headers */

struct kj_chunk_sums {
	uint8_t (*sum)[KJ_SHA256_LEN];
	uint8_t *seen;
	uint64_t n;
};

struct kj_image {
	struct kj_imgdev *dev;
	struct kj_swap_info swap;
	struct kj_header hdr;
	struct kj_commit commit;
	uint64_t image_end;
	uint8_t hdr_raw[KJ_IMG_PAGE];  /* the header page as parsed: what the MAC covers */
	uint64_t digest_off, auth_off; /* KJ_INCOMPAT_MAC: the digest table, the auth record */
	struct kj_chunk_sums table, index, digests;
	const char *changed; /* set when the table or index read differently twice: why */
};

/* Open the image on dev: the signature, commit record and header, cross-checked.
 * -ENOENT: a swap area with no image; -EMEDIUMTYPE: another tool's hibernation image
 * (ret_kind tells which); -ENODATA: signature but no commit record; -EBADMSG: corrupt;
 * -EPROTONOSUPPORT: a format this version cannot read. err gets a one-line reason. */
int kj_image_open(struct kj_imgdev *dev, struct kj_image *ret, enum kj_sig_kind *ret_kind,
		  char *err, size_t errlen);
void kj_image_close(struct kj_image *img);

/* Block headers first_block ... (KJ_INDEX_CHUNK_BLOCKS of them, fewer at the end) from
 * the block index: first_block must be a multiple of KJ_INDEX_CHUNK_BLOCKS. -EIO with
 * img->changed set when the chunk differs from its first read. */
int kj_image_read_index(struct kj_image *img, uint64_t first_block, void *buf, size_t *ret_nblocks);
/* Chunk k of the range table (len bytes: KJ_TABLE_CHUNK_ENTRIES entries, fewer at the
 * end), as the range cursor reads it. */
int kj_image_read_table_chunk(struct kj_image *img, uint64_t k, void *buf, size_t len);
/* The same for the digest table of an authenticated image (32 bytes a block). */
int kj_image_read_digests(struct kj_image *img, uint64_t first_block, void *buf,
			  size_t *ret_nblocks);
/* After a read of the range table or the block index failed with rc: the sentence
 * saying that the device answered differently from its first read, or NULL when that
 * was not the cause. */
const char *kj_image_changed_error(const struct kj_image *img, int rc);

struct kj_range_cursor {
	struct kj_image *img;
	uint8_t buf[KJ_TABLE_CHUNK_ENTRIES * 24];
	size_t buf_len, buf_pos;
	uint64_t next;	   /* entries consumed */
	uint64_t read_off; /* next table byte to read */
	uint64_t last_end; /* pfn after the previous entry */
	uint32_t crc;
	uint64_t pages, data_pages;
};

void kj_range_cursor_init(struct kj_range_cursor *c, struct kj_image *img);
/* Next entry: 1 with values, 0 at the end of the table, <0 on error (unsorted or
 * overlapping entries, bad values, I/O). At the end the caller may call
 * kj_range_cursor_finish to check the table's CRC and counts. */
int kj_range_cursor_next(struct kj_range_cursor *c, uint64_t *ret_pfn, uint64_t *ret_npages,
			 uint32_t *ret_flags);
int kj_range_cursor_finish(struct kj_range_cursor *c);

/* Read the whole range table once: its CRC and counts. Corruption is then reported as
 * such before any entry is interpreted. */
int kj_image_check_table(struct kj_image *img);

/* Walk the data blocks' headers only (32 bytes each, a small fraction of the image):
 * sequence, lengths, header checksums, the chained CRC against the commit record, the
 * data area's size. Every structural attack on the data area is refused by this, before
 * anything is written; only the data CRCs wait for the load. */
int kj_image_check_blocks(struct kj_image *img, char *err, size_t errlen);
