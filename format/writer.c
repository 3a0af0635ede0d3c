/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "writer.h"

#include <errno.h>
#include <lzo/lzo1x.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "crc32c.h"
#include "err.h"
#include "macros.h"

struct job {
	uint8_t *raw, *comp;
	uint64_t first_page;
	uint32_t pages;
	int state; /* 0 free, 1 submitted, 2 compressing, 3 done */
	struct kj_block b;
	const void *payload;
	uint8_t digest[KJ_SHA256_LEN]; /* of the stored bytes, when authenticating */
};

struct wstate {
	struct kj_imgdev *dev;
	const struct kj_write_opts *o;
	uint64_t area; /* usable bytes */
	uint64_t woff; /* where the next block goes */
	uint8_t *raw;  /* the block being filled: jobs[tail % njobs].raw */
	uint32_t raw_pages;
	/* Compression runs in worker threads; blocks are appended in order. */
	struct job *jobs;
	size_t njobs, head, tail, taken; /* append at head, fill at tail, workers take at taken */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t *tids;
	unsigned nthreads;
	int stop;
	uint64_t next_page; /* data page index of raw[0] */
	uint32_t chain;	    /* CRC chain over block headers */
	struct kj_disk_range *table;
	size_t table_n, table_cap;
	struct kj_disk_block *index; /* every block header again, written after the table */
	size_t index_cap;
	uint8_t (*digests)[KJ_SHA256_LEN]; /* authenticating: every block's digest */
	size_t digests_cap;
	uint64_t run_pfn, run_n;
	int run_zero;
	struct kj_write_stats st;
};

/* Write at the end of the data written so far (no copy: straight from the block). */
static int wput(struct wstate *w, const void *buf, size_t len)
{
	int rc;
	if (w->woff + len > w->area)
		return -ENOSPC;
	rc = kj_imgdev_pwrite(w->dev, w->woff, buf, len);
	if (rc == 0)
		w->woff += len;
	return rc;
}

/* Worker: take submitted blocks in order, checksum and compress them. */
static void *compressor(void *arg)
{
	struct wstate *w = arg;
	uint8_t *wrk = malloc(LZO1X_1_MEM_COMPRESS);

	for (;;) {
		struct job *j;
		size_t raw_len;

		pthread_mutex_lock(&w->lock);
		while (!w->stop && w->taken == w->tail)
			pthread_cond_wait(&w->cond, &w->lock);
		if (w->taken == w->tail) {
			pthread_mutex_unlock(&w->lock);
			break;
		}
		j = &w->jobs[w->taken++ % w->njobs];
		j->state = 2;
		pthread_mutex_unlock(&w->lock);

		raw_len = (size_t)j->pages << KJ_PAGE_SHIFT;
		memset(&j->b, 0, sizeof(j->b));
		j->b.raw_len = j->b.stored_len = (uint32_t)raw_len;
		j->b.first_page = j->first_page;
		j->b.data_crc = crc32c(0, j->raw, raw_len);
		j->payload = j->raw;
		if (w->o->compression == KJ_COMP_LZO && wrk) {
			lzo_uint clen = 0;
			if (lzo1x_1_compress(j->raw, raw_len, j->comp, &clen, wrk) == LZO_E_OK &&
			    clen < raw_len) {
				j->b.flags = KJ_BLOCK_LZO;
				j->b.stored_len = (uint32_t)clen;
				j->payload = j->comp;
			}
		}
		if (w->o->key)
			kj_sha256(j->payload, j->b.stored_len, j->digest);
		pthread_mutex_lock(&w->lock);
		j->state = 3;
		pthread_cond_broadcast(&w->cond);
		pthread_mutex_unlock(&w->lock);
	}
	free(wrk);
	return NULL;
}

/* Append the oldest block once compressed (in order: the chain CRC and the layout
 * follow the data pages). */
static int append_head(struct wstate *w)
{
	struct job *j = &w->jobs[w->head % w->njobs];
	struct kj_disk_block d;
	int rc;

	pthread_mutex_lock(&w->lock);
	while (j->state != 3)
		pthread_cond_wait(&w->cond, &w->lock);
	pthread_mutex_unlock(&w->lock);
	kj_block_encode(&j->b, &d);
	w->chain = crc32c(w->chain, &d, sizeof(d));
	if (KJ_GROW(w->index, w->st.nr_blocks, w->index_cap, 256) < 0)
		return -ENOMEM;
	w->index[w->st.nr_blocks] = d;
	if (w->o->key) {
		if (KJ_GROW(w->digests, w->st.nr_blocks, w->digests_cap, 256) < 0)
			return -ENOMEM;
		memcpy(w->digests[w->st.nr_blocks], j->digest, KJ_SHA256_LEN);
	}
	if ((rc = wput(w, &d, sizeof(d))) < 0 || (rc = wput(w, j->payload, j->b.stored_len)) < 0)
		return rc;
	w->st.nr_blocks++;
	pthread_mutex_lock(&w->lock);
	j->state = 0;
	w->head++;
	pthread_mutex_unlock(&w->lock);
	return 0;
}

static int flush_block(struct wstate *w)
{
	struct job *j;
	int rc;

	if (!w->raw_pages)
		return 0;
	j = &w->jobs[w->tail % w->njobs];
	j->pages = w->raw_pages;
	j->first_page = w->next_page;
	pthread_mutex_lock(&w->lock);
	j->state = 1;
	w->tail++;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	w->next_page += w->raw_pages;
	w->raw_pages = 0;
	/* The next block to fill must be free: append finished ones until it is. */
	while (w->tail - w->head >= w->njobs)
		if ((rc = append_head(w)) < 0)
			return rc;
	w->raw = w->jobs[w->tail % w->njobs].raw;
	return 0;
}

static int drain(struct wstate *w)
{
	int rc;
	while (w->head < w->tail)
		if ((rc = append_head(w)) < 0)
			return rc;
	return 0;
}

static void stop_workers(struct wstate *w)
{
	pthread_mutex_lock(&w->lock);
	w->stop = 1;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	for (unsigned t = 0; t < w->nthreads; t++)
		pthread_join(w->tids[t], NULL);
	w->nthreads = 0;
}

static int push_run(struct wstate *w)
{
	if (!w->run_n)
		return 0;
	if (KJ_GROW(w->table, w->table_n, w->table_cap, 256) < 0)
		return -ENOMEM;
	kj_range_encode(w->run_pfn, w->run_n, w->run_zero ? KJ_RANGE_ZERO : 0,
			&w->table[w->table_n++]);
	w->run_n = 0;
	return 0;
}

static int page_is_zero(const uint8_t *p)
{
	const uint64_t *q = (const uint64_t *)(const void *)p;
	for (size_t i = 0; i < KJ_PAGE_SIZE / 8; i += 4)
		if (q[i] | q[i + 1] | q[i + 2] | q[i + 3])
			return 0;
	return 1;
}

/* Run bookkeeping for one page; the caller keeps the non-zero ones in the block. */
static int note_page(struct wstate *w, uint64_t pfn, int zero)
{
	int rc;

	if (w->run_n && (pfn != w->run_pfn + w->run_n || zero != w->run_zero))
		if ((rc = push_run(w)) < 0)
			return rc;
	if (!w->run_n) {
		w->run_pfn = pfn;
		w->run_zero = zero;
	}
	w->run_n++;
	w->st.total_pages++;
	if (zero)
		w->st.zero_pages++;
	else
		w->st.data_pages++;
	return 0;
}

/* The pages just read into the block being filled: drop the zero ones (they become
 * zero runs) by moving the others down, and flush the block when full. */
static int keep_pages(struct wstate *w, uint64_t addr, size_t len)
{
	uint8_t *dst = w->raw + ((size_t)w->raw_pages << KJ_PAGE_SHIFT);
	size_t keep = 0;
	int rc;

	for (size_t off = 0; off < len; off += KJ_PAGE_SIZE) {
		int zero = page_is_zero(dst + off);
		if ((rc = note_page(w, (addr + off) >> KJ_PAGE_SHIFT, zero)) < 0)
			return rc;
		if (!zero) {
			if (keep != off)
				memmove(dst + keep, dst + off, KJ_PAGE_SIZE);
			keep += KJ_PAGE_SIZE;
		}
	}
	w->raw_pages += (uint32_t)(keep >> KJ_PAGE_SHIFT);
	return w->raw_pages == w->o->block_pages ? flush_block(w) : 0;
}

static int sig_ok_for_write(const uint8_t *page, char *err, size_t errlen)
{
	enum kj_sig_kind k = kj_sig_classify(page, KJ_IMG_PAGE);
	struct kj_swap_info s;

	if (k != KJ_SIG_SWAP && k != KJ_SIG_KJUMP)
		return kj_errf(-EMEDIUMTYPE, err, errlen,
			       "output is not a swap area (%s); use --create SIZE to make one",
			       kj_sig_kind_to_string(k));
	kj_swap_parse(page, KJ_IMG_PAGE, &s, NULL, 0);
	if (s.version != 1)
		return kj_errf(-EMEDIUMTYPE, err, errlen, "swap area version %u is not supported",
			       s.version);
	if (s.nr_badpages)
		return kj_errf(-EOPNOTSUPP, err, errlen,
			       "swap area has a bad-page list; run mkswap without -c");
	return 0;
}

/* Phase 1: the swap area is ours to write (swap or an older kjump image, which stops
 * being resumable before its space is reused); page0 keeps the header for the commit. */
static int prepare_device(struct wstate *w, uint8_t *page0, char *err, size_t errlen)
{
	struct kj_swap_info swap;
	int rc;

	if ((rc = kj_imgdev_pread(w->dev, 0, page0, KJ_IMG_PAGE)) < 0)
		return kj_errf(rc, err, errlen, "cannot read the swap header: %s", strerror(-rc));
	if ((rc = sig_ok_for_write(page0, err, errlen)) < 0)
		return rc;
	if ((rc = kj_image_invalidate(w->dev)) < 0)
		return kj_errf(rc, err, errlen, "cannot invalidate the old image: %s",
			       strerror(-rc));
	if ((rc = kj_imgdev_pread(w->dev, 0, page0, KJ_IMG_PAGE)) < 0)
		return rc;
	memset(page0 + KJ_SEED_OFF, 0, sizeof(struct kj_disk_seed)); /* no older count */
	kj_swap_parse(page0, KJ_IMG_PAGE, &swap, NULL, 0);
	w->area = kj_swap_area_bytes(&swap, w->dev->size);
	return 0;
}

/* Phase 2: the job buffers and one compression thread per CPU (at most 64). */
static int start_workers(struct wstate *w)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned want = w->o->threads ? w->o->threads : n < 1 ? 1 : n > 64 ? 64 : (unsigned)n;
	size_t block = (size_t)w->o->block_pages << KJ_PAGE_SHIFT;
	int oom;

	w->njobs = 2 * (size_t)want + 2;
	w->jobs = calloc(w->njobs, sizeof(*w->jobs));
	w->tids = calloc(want, sizeof(*w->tids));
	oom = !w->jobs || !w->tids;
	for (size_t i = 0; w->jobs && i < w->njobs; i++) {
		w->jobs[i].raw = malloc(block);
		w->jobs[i].comp = malloc(kj_lzo_bound(block));
		oom |= !w->jobs[i].raw || !w->jobs[i].comp;
	}
	if (oom)
		return -ENOMEM;
	for (; w->nthreads < want; w->nthreads++)
		if (pthread_create(&w->tids[w->nthreads], NULL, compressor, w))
			return -EAGAIN;
	w->raw = w->jobs[0].raw;
	return 0;
}

/* Phase 3: every range read straight into the block being filled (no copy for data
 * pages), blocks compressed and written in order. 0 or -errno; *ret_read_failed tells
 * a read error (described in err) from a write error. */
static int stream_ranges(struct wstate *w, kj_mem_read_fn read, void *read_ctx,
			 const struct kj_ranges *ranges, int *ret_read_failed, char *err,
			 size_t errlen)
{
	uint32_t bp = w->o->block_pages;
	int rc;

	for (size_t i = 0; i < ranges->n; i++) {
		for (uint64_t a = ranges->r[i].start; a < ranges->r[i].end;) {
			size_t room = (size_t)(bp - w->raw_pages) << KJ_PAGE_SHIFT;
			size_t len = (size_t)MIN(ranges->r[i].end - a, (uint64_t)room);
			uint8_t *dst = w->raw + ((size_t)w->raw_pages << KJ_PAGE_SHIFT);
			if ((rc = read(read_ctx, a, dst, len)) < 0) {
				*ret_read_failed = 1;
				return kj_errf(rc, err, errlen, "reading memory at 0x%llx: %s",
					       (unsigned long long)a, strerror(-rc));
			}
			if ((rc = keep_pages(w, a, len)) < 0)
				return rc;
			a += len;
		}
	}
	if ((rc = flush_block(w)) < 0 || (rc = drain(w)) < 0 || (rc = push_run(w)) < 0)
		return rc;
	return 0;
}

/* Phase 4: the header, from what was written and what the caller recorded. */
static int fill_header(const struct wstate *w, const uint8_t *page0, struct kj_header *h)
{
	const struct kj_write_opts *o = w->o;

	h->version_major = KJ_VERSION_MAJOR;
	h->version_minor = KJ_VERSION_MINOR;
	h->page_size = KJ_IMG_PAGE;
	h->arch = o->arch;
	h->compression = o->compression;
	if (getrandom(&h->image_id, sizeof(h->image_id), 0) != sizeof(h->image_id))
		return -EIO;
	h->created = (uint64_t)time(NULL);
	h->entry = o->entry;
	h->block_pages = o->block_pages;
	h->nr_ranges = w->table_n;
	h->total_pages = w->st.total_pages;
	h->data_pages = w->st.data_pages;
	h->nr_blocks = w->st.nr_blocks;
	h->data_off = KJ_DATA_OFF;
	h->data_bytes = w->woff - KJ_DATA_OFF;
	h->table_off = ALIGN_UP(w->woff, KJ_IMG_PAGE);
	h->table_crc = crc32c(0, w->table, w->table_n * sizeof(struct kj_disk_range));
	h->index_off = h->table_off + w->table_n * sizeof(struct kj_disk_range);
	snprintf(h->release, sizeof(h->release), "%s", o->release);
	h->nr_extents = w->dev->n_ext;
	if (o->key)
		h->incompat_flags |= KJ_INCOMPAT_MAC;
	memcpy(h->orig_sig, page0 + KJ_SWAP_SIG_OFF, KJ_SIG_LEN);
	h->nr_region = o->nr_region;
	for (uint32_t i = 0; i < o->nr_region; i++) {
		h->region[i].start = o->region[i].start;
		h->region[i].end = o->region[i].end;
	}
	h->nr_memmap = o->nr_memmap;
	for (uint32_t i = 0; i < o->nr_memmap; i++) {
		h->memmap[i].start = o->memmap[i].start;
		h->memmap[i].end = o->memmap[i].end;
		h->memmap[i].type = o->memmap[i].type;
	}
	if (o->kept)
		h->compat_flags |= KJ_COMPAT_KEPT;
	if (o->have_filter) {
		h->compat_flags |= KJ_COMPAT_FILTER;
		h->filter = o->filter;
	}
	if (o->have_efi_rt) {
		h->compat_flags |= KJ_COMPAT_EFI_RT;
		h->nr_efi_rt = o->nr_efi_rt;
		h->efi_rt_crc = o->efi_rt_crc;
		for (uint32_t i = 0; i < o->nr_efi_rt && i < KJ_MAX_EFI_RT; i++)
			h->efi_rt[i] = o->efi_rt[i];
	}
	return 0;
}

/* Authenticated images: the digest table after the block index, then the auth record
 * with the MAC over header page, range table, block index, digest table and the
 * record's own first fields (docs/FORMAT.md). Returns the image's end. */
static int write_auth(struct wstate *w, const struct kj_disk_header *dh, uint64_t off,
		      uint64_t *ret_end)
{
	uint64_t dbytes = w->st.nr_blocks * (uint64_t)KJ_SHA256_LEN;
	struct kj_auth a = {.alg = KJ_AUTH_HMAC_SHA256};
	struct kj_disk_auth da;
	struct kj_hmac m;
	int rc;

	if (off + dbytes + sizeof(da) > w->area)
		return -ENOSPC;
	memcpy(a.key_id, w->o->key->id, sizeof(a.key_id));
	kj_auth_encode(&a, &da);
	kj_auth_mac_start(&m, w->o->key);
	kj_hmac_update(&m, dh, sizeof(*dh));
	kj_hmac_update(&m, w->table, w->table_n * sizeof(struct kj_disk_range));
	kj_hmac_update(&m, w->index, w->st.nr_blocks * sizeof(*w->index));
	kj_hmac_update(&m, w->digests, dbytes);
	kj_hmac_update(&m, &da, KJ_AUTH_MAC_PREFIX);
	kj_hmac_final(&m, a.mac);
	kj_auth_encode(&a, &da);
	if ((dbytes && (rc = kj_imgdev_pwrite(w->dev, off, w->digests, dbytes)) < 0) ||
	    (rc = kj_imgdev_pwrite(w->dev, off + dbytes, &da, sizeof(da))) < 0)
		return rc;
	*ret_end = off + dbytes + sizeof(da);
	return 0;
}

/* Phase 5: range table, block index and header after the data, and a swap file's
 * extent map (or its zeroed area) in page 0 (the signature still says plain swap), all synced: the
 * commit that follows changes only page 0's last sector, which lands whole or not at all. */
static int write_metadata(struct wstate *w, const struct kj_header *h, struct kj_disk_header *dh,
			  uint8_t *page0)
{
	uint64_t table_bytes = w->table_n * sizeof(struct kj_disk_range);
	uint64_t index_bytes = w->st.nr_blocks * sizeof(*w->index);
	int rc;

	if (h->index_off + index_bytes > w->area)
		return -ENOSPC;
	if ((rc = kj_imgdev_pwrite(w->dev, h->table_off, w->table, table_bytes)) < 0 ||
	    (index_bytes &&
	     (rc = kj_imgdev_pwrite(w->dev, h->index_off, w->index, index_bytes)) < 0))
		return rc;
	kj_header_encode(h, dh);
	w->st.image_bytes = h->index_off + index_bytes;
	if (w->o->key && (rc = write_auth(w, dh, w->st.image_bytes, &w->st.image_bytes)) < 0)
		return rc;
	if ((rc = kj_imgdev_pwrite(w->dev, KJ_HEADER_OFF, dh, sizeof(*dh))) < 0)
		return rc;
	kj_extmap_encode(w->dev->ext, w->dev->n_ext, page0); /* none: the area zeroed */
	if ((rc = kj_imgdev_pwrite(w->dev, 0, page0, KJ_IMG_PAGE)) < 0)
		return rc;
	return kj_imgdev_sync(w->dev);
}

/* Phase 6, last: the commit record and the image signature in page 0, in one sector
 * write, synced. Until it lands nothing here is resumable. */
static int commit(struct wstate *w, const struct kj_header *h, const struct kj_disk_header *dh,
		  uint8_t *page0)
{
	struct kj_commit c = {0};
	struct kj_disk_commit dc;
	int rc;

	c.image_id = h->image_id;
	c.image_end = w->st.image_bytes;
	c.nr_blocks = h->nr_blocks;
	c.header_crc = le32toh(dh->header_crc);
	c.blocks_crc = w->chain;
	memcpy(c.orig_sig, h->orig_sig, KJ_SIG_LEN);
	kj_commit_encode(&c, &dc);
	memcpy(page0 + KJ_COMMIT_OFF, &dc, sizeof(dc));
	memcpy(page0 + KJ_SWAP_SIG_OFF, KJ_IMAGE_SIG, KJ_SIG_LEN);
	kj_extmap_encode(w->dev->ext, w->dev->n_ext, page0); /* as synced before, or none */
	if ((rc = kj_imgdev_pwrite(w->dev, 0, page0, KJ_IMG_PAGE)) < 0)
		return rc;
	return kj_imgdev_sync(w->dev);
}

static void free_workers(struct wstate *w)
{
	if (w->jobs)
		stop_workers(w);
	for (size_t i = 0; w->jobs && i < w->njobs; i++) {
		free(w->jobs[i].raw);
		free(w->jobs[i].comp);
	}
	free(w->jobs);
	free(w->tids);
	free(w->table);
	free(w->index);
	free(w->digests);
}

int kj_image_write(struct kj_imgdev *dev, const struct kj_write_opts *o, kj_mem_read_fn read,
		   void *read_ctx, const struct kj_ranges *ranges, struct kj_write_stats *ret,
		   char *err, size_t errlen)
{
	struct kj_write_opts opts = *o;
	struct wstate w = {.dev = dev, .o = &opts};
	uint8_t page0[KJ_IMG_PAGE];
	struct kj_header h = {0};
	struct kj_disk_header dh;
	int rc, read_failed = 0;

	if (!opts.block_pages)
		opts.block_pages = KJ_DEFAULT_BLOCK_PAGES;
	if (opts.block_pages > KJ_MAX_BLOCK_PAGES || opts.nr_region > KJ_MAX_REGION ||
	    opts.nr_memmap > KJ_MAX_MEMMAP)
		return -EINVAL;
	if (lzo_init() != LZO_E_OK)
		return -ENOPKG;
	if ((rc = prepare_device(&w, page0, err, errlen)) < 0)
		return rc;
	pthread_mutex_init(&w.lock, NULL);
	pthread_cond_init(&w.cond, NULL);
	w.woff = KJ_DATA_OFF;
	if ((rc = start_workers(&w)) < 0)
		goto out;
	if ((rc = stream_ranges(&w, read, read_ctx, ranges, &read_failed, err, errlen)) < 0) {
		if (read_failed)
			goto out;
		goto fail;
	}
	if (w.table_n == 0) {
		rc = kj_errf(-EINVAL, err, errlen, "nothing to save: no memory ranges");
		goto out;
	}
	if ((rc = fill_header(&w, page0, &h)) < 0)
		goto out;
	if ((rc = write_metadata(&w, &h, &dh, page0)) < 0)
		goto fail;
	w.st.nr_ranges = w.table_n;
	w.st.stored_bytes = h.data_bytes;
	if (!opts.no_commit && (rc = commit(&w, &h, &dh, page0)) < 0)
		goto fail;
	if (ret)
		*ret = w.st;
	goto out;
fail:
	if (rc == -ENOSPC)
		kj_errf(rc, err, errlen,
			"the swap area is too small for this image (%llu MiB available)",
			(unsigned long long)(w.area >> 20));
	else
		kj_errf(rc, err, errlen, "writing the image: %s", strerror(-rc));
out:
	free_workers(&w);
	pthread_mutex_destroy(&w.lock);
	pthread_cond_destroy(&w.cond);
	return rc;
}
