/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "image.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "err.h"
#include "macros.h"

static int chunks_init(struct kj_chunk_sums *c, uint64_t entries, uint64_t per_chunk)
{
	c->n = entries / per_chunk + (entries % per_chunk != 0);
	c->sum = calloc(c->n ? c->n : 1, sizeof(*c->sum));
	c->seen = calloc(c->n ? c->n : 1, 1);
	return c->sum && c->seen ? 0 : -ENOMEM;
}

static void chunks_free(struct kj_chunk_sums *c)
{
	free(c->sum);
	free(c->seen);
	*c = (struct kj_chunk_sums){0};
}

/* Where the image ends: after the block index, or after the digest table and the auth
 * record of an authenticated image (whose offsets it sets). */
static int image_layout(struct kj_image *img, uint64_t *ret_end)
{
	const struct kj_header *h = &img->hdr;
	uint64_t table = h->nr_blocks * sizeof(struct kj_disk_block), end;

	end = h->index_off + table; /* the header parser checked that this does not overflow */
	if (!(h->incompat_flags & KJ_INCOMPAT_MAC)) {
		*ret_end = end;
		return 0;
	}
	img->digest_off = end;
	if (!kj_add_ok(end, table, &img->auth_off) ||
	    !kj_add_ok(img->auth_off, sizeof(struct kj_disk_auth), &end))
		return -EBADMSG;
	*ret_end = end;
	return 0;
}

int kj_image_open(struct kj_imgdev *dev, struct kj_image *ret, enum kj_sig_kind *ret_kind,
		  char *err, size_t errlen)
{
	uint8_t page[KJ_IMG_PAGE], hpage[KJ_IMG_PAGE];
	struct kj_image img = {.dev = dev};
	enum kj_sig_kind kind;
	uint64_t table_end, area;
	int rc;

	rc = kj_imgdev_pread(dev, 0, page, sizeof(page));
	if (rc < 0)
		return kj_errf(rc == -ENODATA ? -ENOENT : rc, err, errlen,
			       "cannot read the swap header: %s", strerror(-rc));
	kind = kj_sig_classify(page, sizeof(page));
	if (ret_kind)
		*ret_kind = kind;
	if (kind == KJ_SIG_NONE)
		return kj_errf(-ENOENT, err, errlen, "not a swap area");
	if (kind == KJ_SIG_SWAP)
		return kj_errf(-ENOENT, err, errlen, "no image (plain swap)");
	if (kind != KJ_SIG_KJUMP)
		return kj_errf(-EMEDIUMTYPE, err, errlen, "%s, not kjump's: left untouched",
			       kj_sig_kind_to_string(kind));
	kj_swap_parse(page, sizeof(page), &img.swap, NULL, 0);
	if (dev->extmap_rc < 0)
		return kj_errf(-EBADMSG, err, errlen,
			       "%s: where the swap file lies is unknown, so nothing is written to "
			       "the device",
			       dev->extmap_err);
	if (img.swap.version != 1)
		return kj_errf(-EBADMSG, err, errlen, "swap header version %u, expected 1",
			       img.swap.version);
	rc = kj_commit_parse(page, sizeof(page), &img.commit, err, errlen);
	if (rc < 0)
		return rc;
	rc = kj_imgdev_pread(dev, KJ_HEADER_OFF, hpage, sizeof(hpage));
	if (rc < 0)
		return kj_errf(rc == -ENODATA ? -EBADMSG : rc, err, errlen,
			       "cannot read the image header: %s", strerror(-rc));
	rc = kj_header_parse(hpage, sizeof(hpage), &img.hdr, err, errlen);
	if (rc < 0)
		return rc;
	memcpy(img.hdr_raw, hpage, sizeof(hpage));
	if (img.commit.image_id != img.hdr.image_id ||
	    img.commit.header_crc != img.hdr.header_crc ||
	    img.commit.nr_blocks != img.hdr.nr_blocks)
		return kj_errf(-EBADMSG, err, errlen, "commit record does not match the header");
	if (img.hdr.nr_extents != dev->n_ext)
		return kj_errf(-EBADMSG, err, errlen,
			       "header expects %llu swap-file extents, page 0 maps %zu",
			       (unsigned long long)img.hdr.nr_extents, dev->n_ext);
	if (image_layout(&img, &table_end) < 0 || img.commit.image_end != table_end)
		return kj_errf(-EBADMSG, err, errlen, "commit record: bad image end");
	if (img.commit.image_end > dev->size)
		return kj_errf(-EBADMSG, err, errlen,
			       "image truncated: it ends at byte %llu, the device has %llu",
			       (unsigned long long)img.commit.image_end,
			       (unsigned long long)dev->size);
	area = kj_swap_area_bytes(&img.swap, dev->size);
	if (img.commit.image_end > area)
		return kj_errf(
		    -EBADMSG, err, errlen,
		    "image ends at %llu bytes, past the end of the swap area (%llu bytes)",
		    (unsigned long long)img.commit.image_end, (unsigned long long)area);
	img.image_end = table_end;
	if (chunks_init(&img.table, img.hdr.nr_ranges, KJ_TABLE_CHUNK_ENTRIES) < 0 ||
	    chunks_init(&img.index, img.hdr.nr_blocks, KJ_INDEX_CHUNK_BLOCKS) < 0 ||
	    chunks_init(&img.digests, img.digest_off ? img.hdr.nr_blocks : 0,
			KJ_INDEX_CHUNK_BLOCKS) < 0) {
		kj_image_close(&img);
		return kj_errf(-ENOMEM, err, errlen, "out of memory");
	}
	*ret = img;
	return 0;
}

void kj_image_close(struct kj_image *img)
{
	chunks_free(&img->table);
	chunks_free(&img->index);
	chunks_free(&img->digests);
}

#define CHANGED " changed since it was first read (a failing or hostile device)"

const char *kj_image_changed_error(const struct kj_image *img, int rc)
{
	return rc == -EIO ? img->changed : NULL;
}

/* Read chunk k (len bytes at off): remember its hash the first time, compare after;
 * what: the sentence that says it changed. */
static int read_chunk(struct kj_image *img, struct kj_chunk_sums *c, const char *what, uint64_t k,
		      uint64_t off, void *buf, size_t len)
{
	uint8_t sum[KJ_SHA256_LEN];
	int rc;

	if (k >= c->n)
		return -EINVAL;
	if ((rc = kj_imgdev_pread(img->dev, off, buf, len)) < 0)
		return rc;
	kj_sha256(buf, len, sum);
	if (!c->seen[k]) {
		memcpy(c->sum[k], sum, sizeof(sum));
		c->seen[k] = 1;
	} else if (memcmp(c->sum[k], sum, sizeof(sum))) {
		img->changed = what;
		return -EIO;
	}
	return 0;
}

int kj_image_read_index(struct kj_image *img, uint64_t first_block, void *buf, size_t *ret_nblocks)
{
	const struct kj_header *h = &img->hdr;
	size_t n;
	int rc;

	if (first_block % KJ_INDEX_CHUNK_BLOCKS || first_block >= h->nr_blocks)
		return -EINVAL;
	n = (size_t)MIN(h->nr_blocks - first_block, (uint64_t)KJ_INDEX_CHUNK_BLOCKS);
	rc = read_chunk(img, &img->index, "the block index" CHANGED,
			first_block / KJ_INDEX_CHUNK_BLOCKS,
			h->index_off + first_block * sizeof(struct kj_disk_block), buf,
			n * sizeof(struct kj_disk_block));
	if (rc == 0)
		*ret_nblocks = n;
	return rc;
}

int kj_image_read_table_chunk(struct kj_image *img, uint64_t k, void *buf, size_t len)
{
	const uint64_t chunk = KJ_TABLE_CHUNK_ENTRIES * sizeof(struct kj_disk_range);
	return read_chunk(img, &img->table, "the range table" CHANGED, k,
			  img->hdr.table_off + k * chunk, buf, len);
}

int kj_image_read_digests(struct kj_image *img, uint64_t first_block, void *buf,
			  size_t *ret_nblocks)
{
	const struct kj_header *h = &img->hdr;
	size_t n;
	int rc;

	if (!img->digest_off || first_block % KJ_INDEX_CHUNK_BLOCKS || first_block >= h->nr_blocks)
		return -EINVAL;
	n = (size_t)MIN(h->nr_blocks - first_block, (uint64_t)KJ_INDEX_CHUNK_BLOCKS);
	rc = read_chunk(img, &img->digests, "the digest table" CHANGED,
			first_block / KJ_INDEX_CHUNK_BLOCKS,
			img->digest_off + first_block * KJ_SHA256_LEN, buf, n * KJ_SHA256_LEN);
	if (rc == 0)
		*ret_nblocks = n;
	return rc;
}

void kj_range_cursor_init(struct kj_range_cursor *c, struct kj_image *img)
{
	c->img = img;
	c->buf_len = c->buf_pos = 0;
	c->next = 0;
	c->read_off = img->hdr.table_off;
	c->last_end = 0;
	c->crc = 0;
	c->pages = c->data_pages = 0;
}

int kj_range_cursor_next(struct kj_range_cursor *c, uint64_t *ret_pfn, uint64_t *ret_npages,
			 uint32_t *ret_flags)
{
	const size_t esz = sizeof(struct kj_disk_range);
	uint64_t pfn, n;
	uint32_t flags;
	int rc;

	if (c->next == c->img->hdr.nr_ranges)
		return 0;
	if (c->buf_pos == c->buf_len) {
		uint64_t left = (c->img->hdr.nr_ranges - c->next) * esz;
		size_t want = (size_t)MIN(left, sizeof(c->buf));
		uint64_t k = (c->read_off - c->img->hdr.table_off) / sizeof(c->buf);
		rc = kj_image_read_table_chunk(c->img, k, c->buf, want);
		if (rc < 0)
			return rc == -ENODATA ? -EBADMSG : rc;
		c->crc = crc32c(c->crc, c->buf, want);
		c->read_off += want;
		c->buf_len = want;
		c->buf_pos = 0;
	}
	rc = kj_range_parse(c->buf + c->buf_pos, esz, &pfn, &n, &flags);
	if (rc < 0)
		return rc;
	if (c->next > 0 && pfn < c->last_end)
		return -EBADMSG; /* unsorted or overlapping */
	c->buf_pos += esz;
	c->next++;
	c->last_end = pfn + n;
	if (!kj_add_ok(c->pages, n, &c->pages))
		return -EBADMSG;
	if (!(flags & KJ_RANGE_ZERO))
		c->data_pages += n;
	*ret_pfn = pfn;
	*ret_npages = n;
	*ret_flags = flags;
	return 1;
}

int kj_range_cursor_finish(struct kj_range_cursor *c)
{
	if (c->next != c->img->hdr.nr_ranges || c->crc != c->img->hdr.table_crc ||
	    c->pages != c->img->hdr.total_pages || c->data_pages != c->img->hdr.data_pages)
		return -EBADMSG;
	return 0;
}

int kj_image_check_table(struct kj_image *img)
{
	struct kj_range_cursor *c = malloc(sizeof(*c));
	uint64_t pfn, n;
	uint32_t flags;
	int rc;

	if (!c)
		return -ENOMEM;
	kj_range_cursor_init(c, img);
	while ((rc = kj_range_cursor_next(c, &pfn, &n, &flags)) > 0)
		;
	if (rc == 0)
		rc = kj_range_cursor_finish(c);
	free(c);
	return rc;
}

int kj_image_check_blocks(struct kj_image *img, char *err, size_t errlen)
{
	const struct kj_header *h = &img->hdr;
	uint64_t sum = 0;
	uint32_t chain = 0;
	uint8_t buf[KJ_INDEX_CHUNK_BLOCKS * sizeof(struct kj_disk_block)];

	/* The block index: the headers in one sequential read, a small fraction of the
	 * image, so that the data area is known sound before anything is written. */
	for (uint64_t i = 0; i < h->nr_blocks;) {
		size_t n;
		int rc = kj_image_read_index(img, i, buf, &n);
		if (rc < 0 && kj_image_changed_error(img, rc))
			return kj_errf(rc, err, errlen, "%s", kj_image_changed_error(img, rc));
		if (rc < 0)
			return kj_errf(rc == -ENODATA ? -EBADMSG : rc, err, errlen,
				       "block index: %s",
				       rc == -ENODATA ? "image truncated" : strerror(-rc));
		chain = crc32c(chain, buf, n * 32);
		for (size_t k = 0; k < n; k++, i++) {
			struct kj_block b;
			uint64_t first = i * h->block_pages;
			uint64_t pages = MIN((uint64_t)h->block_pages, h->data_pages - first);
			char why[128];
			rc = kj_block_parse(buf + k * 32, 32, h->block_pages, &b, why, sizeof(why));
			if (rc < 0)
				return kj_errf(rc, err, errlen, "data block %llu: %s",
					       (unsigned long long)i, why);
			if (b.first_page != first || b.raw_len != pages << KJ_PAGE_SHIFT)
				return kj_errf(-EBADMSG, err, errlen,
					       "data block %llu: block out of sequence",
					       (unsigned long long)i);
			sum += 32 + (uint64_t)b.stored_len;
		}
	}
	if (sum != h->data_bytes || chain != img->commit.blocks_crc)
		return kj_errf(-EBADMSG, err, errlen, "data blocks do not match the commit record");
	return 0;
}
