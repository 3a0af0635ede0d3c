/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "load.h"

#include <errno.h>
#include <fcntl.h>
#include <lzo/lzo1x.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "crc32c.h"
#include "err.h"
#include "macros.h"

/* Zero runs travel to the workers in jobs of at most this many pages (2 MiB) and runs,
 * so that a large free area is cleared by all of them at once. */
#define ZERO_JOB_PAGES 512u
#define ZERO_JOB_RUNS  64u
/* Consecutive blocks go to one worker as a group read with one large request (large
 * requests are what disks are fastest at), up to this many bytes or blocks or pages. */
#define GROUP_BLOCKS 16u
#define GROUP_BYTES  (((uint64_t)1 << 20) + GROUP_BLOCKS * HDR_SIZE) /* 1 MiB and headers */
#define GROUP_PAGES  1024u

#define HDR_SIZE sizeof(struct kj_disk_block)
/* A group's buffer: a whole group, or one block's worst case, plus the partial pages
 * around it that O_DIRECT reads */
#define GROUP_BUF(block_bytes)                                                                     \
	(ALIGN_UP(MAX(GROUP_BYTES, HDR_SIZE + kj_lzo_bound(block_bytes)), KJ_PAGE_SIZE) +          \
	 2 * KJ_PAGE_SIZE)

struct run {
	uint64_t pfn;
	uint32_t npages;
};

enum job_kind { JOB_DATA, JOB_ZERO };

struct blockjob {
	struct kj_block blk;
	uint8_t hdr[HDR_SIZE];	       /* the block index's copy of the block's header */
	uint8_t digest[KJ_SHA256_LEN]; /* authenticated images: of its stored bytes */
	uint64_t index;		       /* block number */
	uint64_t off;		       /* its header, from the start of the data area */
	uint32_t run0, nruns;	       /* its pages: these runs of the job's list */
};

/* One job of the ring: a group of consecutive data blocks to read, check and place,
 * or zero runs. */
struct slot {
	enum job_kind kind;
	struct blockjob *blocks;
	size_t nblocks;
	struct run *runs;
	size_t nruns;
	uint64_t bytes;	     /* uncompressed bytes the job covers */
	uint8_t *in;	     /* data: a group buffer from the pool (GROUP_BUF, page-aligned) */
	const uint8_t *data; /* where the group starts in it, if the dispatcher read it */
	int busy;	     /* published and not yet released by its worker */
};

struct pipeline {
	struct kj_image *img;
	struct kj_plan *plan;
	const struct kj_load_opts *opts;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct slot *slots;
	size_t nslots, runs_cap; /* runs (and pages) a job may hold */
	size_t head, tail;	 /* published slots not yet taken: [head, tail) modulo nslots */
	int done;		 /* the dispatcher finished producing */
	unsigned idle;		 /* workers waiting for a job */
	uint8_t **bufs;		 /* free group buffers (data jobs hold one each) */
	size_t nbufs, nfree;
	int rc;	    /* first error */
	int direct; /* read with O_DIRECT (cleared if the device refuses it) */
	char err[256];
	uint64_t done_bytes; /* progress: uncompressed bytes placed */
	uint64_t read_bytes; /* progress: bytes read from the device */
};

static void set_error(struct pipeline *pl, int rc, const char *fmt, ...)
{
	pthread_mutex_lock(&pl->lock);
	if (pl->rc == 0) {
		va_list ap;
		pl->rc = rc;
		va_start(ap, fmt);
		vsnprintf(pl->err, sizeof(pl->err), fmt, ap);
		va_end(ap);
	}
	pthread_cond_broadcast(&pl->cond);
	pthread_mutex_unlock(&pl->lock);
}

static int emit_runs(struct pipeline *pl, const struct run *runs, size_t n, const uint8_t *data)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t addr = runs[i].pfn << KJ_PAGE_SHIFT;
		size_t len = (size_t)runs[i].npages << KJ_PAGE_SHIFT;
		int rc = kj_plan_emit(pl->plan, addr, data, len);
		if (rc < 0) {
			set_error(pl, rc, "%s memory at 0x%llx: %s", data ? "writing" : "zeroing",
				  (unsigned long long)addr, strerror(-rc));
			return rc;
		}
		if (data)
			data += len;
	}
	return 0;
}

/* Bytes [off, off + len) of the data area into a group buffer, in one request: with
 * O_DIRECT (the bytes land where they are decoded, no copy) unless the image is cached.
 * *ret points at them. */
static int read_span(struct pipeline *pl, uint64_t off, size_t len, uint8_t *in,
		     const uint8_t **ret)
{
	struct kj_imgdev *dev = pl->img->dev;
	int rc = -EINVAL;

	off += pl->img->hdr.data_off;
	if (__atomic_load_n(&pl->direct, __ATOMIC_RELAXED)) {
		rc = kj_imgdev_pread_direct(dev, off, len, in, ret);
		if (rc == -EINVAL) /* the device refuses O_DIRECT after all */
			__atomic_store_n(&pl->direct, 0, __ATOMIC_RELAXED);
	}
	if (rc == -EINVAL) {
		rc = kj_imgdev_pread(dev, off, in, len);
		*ret = in;
	}
	return rc;
}

static int decode_block(struct pipeline *pl, const struct slot *sl, const struct blockjob *b,
			const uint8_t *p, uint8_t *out)
{
	const uint8_t *data = p + HDR_SIZE;

	if (memcmp(p, b->hdr, HDR_SIZE)) {
		/* Say what is wrong with the data area's copy when it is broken by itself. */
		struct kj_block x;
		char why[128] = "header differs from the block index";
		kj_block_parse(p, HDR_SIZE, pl->img->hdr.block_pages, &x, why, sizeof(why));
		set_error(pl, -EBADMSG, "data block %llu: %s", (unsigned long long)b->index, why);
		return -EBADMSG;
	}
	if (pl->img->digest_off) {
		/* Authenticated: the stored bytes are the ones the MAC'd digest names, before
		 * anything is made of them. */
		uint8_t d[KJ_SHA256_LEN];
		kj_sha256(data, b->blk.stored_len, d);
		if (memcmp(d, b->digest, sizeof(d))) {
			set_error(pl, -EKEYREJECTED,
				  "data block %llu: does not match its authenticated "
				  "digest (modified or replaced)",
				  (unsigned long long)b->index);
			return -EKEYREJECTED;
		}
	}
	if (b->blk.flags & KJ_BLOCK_LZO) {
		lzo_uint outlen = b->blk.raw_len;
		int r = lzo1x_decompress_safe(data, b->blk.stored_len, out, &outlen, NULL);
		if (r != LZO_E_OK || outlen != b->blk.raw_len) {
			set_error(pl, -EBADMSG, "data block %llu: LZO data is corrupt",
				  (unsigned long long)b->index);
			return -EBADMSG;
		}
		data = out;
	}
	if (crc32c(0, data, b->blk.raw_len) != b->blk.data_crc) {
		set_error(pl, -EBADMSG, "data block %llu: checksum mismatch",
			  (unsigned long long)b->index);
		return -EBADMSG;
	}
	return pl->opts->verify_only ? 0 : emit_runs(pl, sl->runs + b->run0, b->nruns, data);
}

static size_t group_span(const struct slot *sl)
{
	const struct blockjob *last = &sl->blocks[sl->nblocks - 1];
	return (size_t)(last->off - sl->blocks[0].off) + HDR_SIZE + last->blk.stored_len;
}

static int data_job(struct pipeline *pl, const struct slot *sl, uint8_t *out)
{
	const struct blockjob *first = &sl->blocks[0];
	const uint8_t *p = sl->data;
	int rc = p ? 0 : read_span(pl, first->off, group_span(sl), sl->in, &p);

	for (size_t i = 0; i < sl->nblocks; i++) {
		const struct blockjob *b = &sl->blocks[i];
		const uint8_t *bp = rc == 0 ? p + (b->off - first->off) : NULL;
		if (rc < 0) {
			/* The group read failed: block by block, to name the one at fault. */
			rc = read_span(pl, b->off, HDR_SIZE + b->blk.stored_len, sl->in, &bp);
			if (rc < 0) {
				set_error(pl, rc == -ENODATA ? -EBADMSG : rc, "data block %llu: %s",
					  (unsigned long long)b->index,
					  rc == -ENODATA ? "image truncated" : strerror(-rc));
				return rc;
			}
			rc = -EAGAIN; /* and the next one alone too */
		}
		if (decode_block(pl, sl, b, bp, out) < 0)
			return -EBADMSG; /* pl->rc says what */
	}
	return 0;
}

static void *worker(void *arg)
{
	struct pipeline *pl = arg;
	uint8_t *out = malloc((size_t)pl->img->hdr.block_pages << KJ_PAGE_SHIFT);

	if (!out) {
		set_error(pl, -ENOMEM, "out of memory");
		return NULL;
	}
	for (;;) {
		struct slot *sl;
		int rc;

		pthread_mutex_lock(&pl->lock);
		pl->idle++;
		while (pl->head == pl->tail && !pl->done && pl->rc == 0)
			pthread_cond_wait(&pl->cond, &pl->lock);
		pl->idle--;
		if (pl->rc != 0 || pl->head == pl->tail) {
			pthread_mutex_unlock(&pl->lock);
			break;
		}
		sl = &pl->slots[pl->head % pl->nslots];
		pl->head++;
		pthread_mutex_unlock(&pl->lock);

		rc = sl->kind == JOB_ZERO ? emit_runs(pl, sl->runs, sl->nruns, NULL)
					  : data_job(pl, sl, out);

		pthread_mutex_lock(&pl->lock);
		sl->busy = 0;
		if (sl->in)
			pl->bufs[pl->nfree++] = sl->in;
		if (rc == 0) {
			pl->done_bytes += sl->bytes;
			if (sl->kind == JOB_DATA)
				pl->read_bytes += group_span(sl);
		}
		pthread_cond_broadcast(&pl->cond);
		pthread_mutex_unlock(&pl->lock);
	}
	free(out);
	kj_backend_thread_done(); /* this thread's /dev/mem window */
	return NULL;
}

/* Dispatcher side: the next slot of the ring once its worker released it, or NULL
 * when the pipeline failed. */
static struct slot *get_free_slot(struct pipeline *pl)
{
	struct slot *sl = NULL;

	pthread_mutex_lock(&pl->lock);
	while (pl->rc == 0 && pl->slots[pl->tail % pl->nslots].busy)
		pthread_cond_wait(&pl->cond, &pl->lock);
	if (pl->rc == 0)
		sl = &pl->slots[pl->tail % pl->nslots];
	pthread_mutex_unlock(&pl->lock);
	return sl;
}

static void publish_slot(struct pipeline *pl)
{
	pthread_mutex_lock(&pl->lock);
	pl->slots[pl->tail % pl->nslots].busy = 1;
	pl->tail++;
	pthread_cond_broadcast(&pl->cond);
	pthread_mutex_unlock(&pl->lock);
}

static int pipeline_failed(struct pipeline *pl)
{
	int rc;
	pthread_mutex_lock(&pl->lock);
	rc = pl->rc;
	pthread_mutex_unlock(&pl->lock);
	return rc;
}

/* The range-table walk seen from the data: hands out stored pages in block order and
 * gathers zero runs into jobs of their own. Jobs are built here, then handed over. */
struct walker {
	struct kj_range_cursor cur;
	uint8_t index[KJ_INDEX_CHUNK_BLOCKS * HDR_SIZE];	/* block index, read ahead */
	uint8_t digests[KJ_INDEX_CHUNK_BLOCKS * KJ_SHA256_LEN]; /* and its digests (MAC) */
	uint64_t index_first, index_n;
	uint64_t pfn, left; /* current stored run */
	uint64_t zero_bytes;
	struct slot data, zero; /* the jobs being built */
};

/* A free group buffer, or NULL when the pipeline failed. */
static uint8_t *get_buffer(struct pipeline *pl)
{
	uint8_t *b = NULL;

	pthread_mutex_lock(&pl->lock);
	while (pl->rc == 0 && pl->nfree == 0)
		pthread_cond_wait(&pl->cond, &pl->lock);
	if (pl->rc == 0)
		b = pl->bufs[--pl->nfree];
	pthread_mutex_unlock(&pl->lock);
	return b;
}

/* Hand a job to the workers: its fields and lists go to the next free slot, which gives
 * its own lists back. A data group gets a buffer, and is read into it first when every
 * worker is busy: the dispatcher has time then, and the read overlaps their decoding;
 * an idle worker reads its own instead (several reads in flight). A failed read here
 * is left for the worker to redo, which names the block at fault. */
static int publish(struct pipeline *pl, struct slot *job)
{
	struct slot *sl;
	struct run *spare_runs;
	struct blockjob *spare_blocks;
	uint8_t *in = NULL;
	unsigned idle;

	if (job->kind == JOB_DATA && !(in = get_buffer(pl)))
		return -ECANCELED;
	if (!(sl = get_free_slot(pl))) {
		if (in) { /* back to the pool, for the cleanup */
			pthread_mutex_lock(&pl->lock);
			pl->bufs[pl->nfree++] = in;
			pthread_mutex_unlock(&pl->lock);
		}
		return -ECANCELED;
	}
	spare_runs = sl->runs;
	spare_blocks = sl->blocks;
	*sl = *job;
	sl->in = in;
	sl->data = NULL;
	job->runs = spare_runs;
	job->blocks = spare_blocks;
	job->nruns = job->nblocks = 0;
	job->bytes = 0;
	if (in) {
		pthread_mutex_lock(&pl->lock);
		idle = pl->idle;
		pthread_mutex_unlock(&pl->lock);
		if (!idle && read_span(pl, sl->blocks[0].off, group_span(sl), in, &sl->data) < 0)
			sl->data = NULL;
	}
	publish_slot(pl);
	return 0;
}

static int zero_flush(struct pipeline *pl, struct walker *w)
{
	return w->zero.nruns ? publish(pl, &w->zero) : 0;
}

static int zero_add(struct pipeline *pl, struct walker *w, uint64_t pfn, uint64_t n)
{
	struct slot *z = &w->zero;

	w->zero_bytes += n << KJ_PAGE_SHIFT;
	if (pl->opts->verify_only)
		return 0;
	while (n) {
		uint64_t room = ZERO_JOB_PAGES - (z->bytes >> KJ_PAGE_SHIFT);
		uint32_t take = (uint32_t)MIN(n, room);
		int rc;
		z->kind = JOB_ZERO;
		z->runs[z->nruns++] = (struct run){pfn, take};
		z->bytes += (uint64_t)take << KJ_PAGE_SHIFT;
		pfn += take;
		n -= take;
		if ((take == room || z->nruns == ZERO_JOB_RUNS) && (rc = publish(pl, z)) < 0)
			return rc;
	}
	return 0;
}

static void set_table_error(struct pipeline *pl, int rc)
{
	const char *changed = kj_image_changed_error(pl->img, rc);

	if (changed)
		set_error(pl, rc, "%s: nothing unvalidated was written", changed);
	else
		set_error(pl, rc, "range table is corrupt or does not match the data");
}

/* The runs of the next `pages` stored pages, appended to the job's list. */
static int walker_take(struct pipeline *pl, struct walker *w, struct slot *job, uint64_t pages)
{
	while (pages) {
		uint64_t take;
		while (w->left == 0) {
			uint64_t pfn, n;
			uint32_t flags;
			int rc = kj_range_cursor_next(&w->cur, &pfn, &n, &flags);
			if (rc == 0)
				rc = -EBADMSG; /* blocks hold more pages than the table lists */
			if (rc < 0) {
				set_table_error(pl, rc);
				return rc;
			}
			if (flags & KJ_RANGE_ZERO) {
				if (zero_add(pl, w, pfn, n) < 0)
					return -ECANCELED;
				continue;
			}
			w->pfn = pfn;
			w->left = n;
		}
		take = MIN(pages, w->left);
		job->runs[job->nruns++] = (struct run){w->pfn, (uint32_t)take};
		w->pfn += take;
		w->left -= take;
		pages -= take;
	}
	return 0;
}

/* O_DIRECT avoids a copy and keeps a small resume kernel's page cache free, but reads
 * from the disk even when the image is cached (a warm file): check the first MiB. */
static int data_is_cached(struct kj_imgdev *d, uint64_t off, uint64_t len)
{
	unsigned char vec[256];
	size_t n = (size_t)MIN(len, (uint64_t)sizeof(vec) * KJ_PAGE_SIZE), pages, res = 0;
	void *m;

	if (d->ext || n < KJ_PAGE_SIZE)
		return 0;
	n = ALIGN_DOWN(n, KJ_PAGE_SIZE);
	m = mmap(NULL, n, PROT_READ, MAP_SHARED, d->fd, (off_t)(d->base + off));
	if (m == MAP_FAILED)
		return 0;
	pages = n / KJ_PAGE_SIZE;
	if (mincore(m, n, vec) == 0)
		for (size_t i = 0; i < pages; i++)
			res += vec[i] & 1;
	munmap(m, n);
	return res * 2 > pages;
}

/* Online CPUs, at most 16: each worker costs about 1.3 MiB, and the resume kernel's
 * memory is a small region; 16 LZO decoders outrun any disk. */
static unsigned kj_default_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 16 ? 16 : (unsigned)n;
}

static void report(struct pipeline *pl)
{
	struct kj_load_progress p;
	if (!pl->opts->progress)
		return;
	pthread_mutex_lock(&pl->lock);
	p.done_bytes = pl->done_bytes;
	p.read_bytes = pl->read_bytes;
	pthread_mutex_unlock(&pl->lock);
	p.total_bytes = pl->img->hdr.total_pages << KJ_PAGE_SHIFT;
	pl->opts->progress(&p, pl->opts->userdata);
}

/* Block i's header from the block index (read ahead in batches), parsed and checked
 * against its place in the sequence, added to the group being built (the workers
 * compare the data area's copy with it). */
static int next_block(struct pipeline *pl, struct walker *w, uint64_t i, uint64_t consumed)
{
	struct slot *job = &w->data;
	const struct kj_header *h = &pl->img->hdr;
	uint64_t first = i * h->block_pages;
	uint64_t pages = MIN((uint64_t)h->block_pages, h->data_pages - first);
	struct blockjob b = {.index = i, .off = consumed};
	char why[128] = "";
	int rc = 0;

	if (i < w->index_first || i >= w->index_first + w->index_n) {
		size_t got = 0;
		w->index_first = i;
		rc = kj_image_read_index(pl->img, i, w->index, &got);
		if (rc == 0 && pl->img->digest_off)
			rc = kj_image_read_digests(pl->img, i, w->digests, &got);
		w->index_n = rc < 0 ? 0 : got;
		if (rc < 0 && kj_image_changed_error(pl->img, rc))
			snprintf(why, sizeof(why), "%s", kj_image_changed_error(pl->img, rc));
		else if (rc < 0)
			snprintf(why, sizeof(why), "block index: %s",
				 rc == -ENODATA ? "image truncated" : strerror(-rc));
	}
	if (rc == 0) {
		memcpy(b.hdr, w->index + (i - w->index_first) * HDR_SIZE, HDR_SIZE);
		memcpy(b.digest, w->digests + (i - w->index_first) * KJ_SHA256_LEN, KJ_SHA256_LEN);
		rc = kj_block_parse(b.hdr, HDR_SIZE, h->block_pages, &b.blk, why, sizeof(why));
	}
	if (rc == 0 && (b.blk.first_page != first || b.blk.raw_len != pages << KJ_PAGE_SHIFT)) {
		rc = -EBADMSG;
		snprintf(why, sizeof(why), "block out of sequence");
	}
	if (rc == 0 && consumed + HDR_SIZE + b.blk.stored_len > h->data_bytes) {
		rc = -EBADMSG;
		snprintf(why, sizeof(why), "blocks run past the data area");
	}
	if (rc < 0) {
		set_error(pl, rc == -ENODATA ? -EBADMSG : rc, "data block %llu: %s",
			  (unsigned long long)i, why);
		return rc;
	}
	if (job->nblocks &&
	    (job->nblocks == GROUP_BLOCKS ||
	     consumed + HDR_SIZE + b.blk.stored_len - job->blocks[0].off > GROUP_BYTES ||
	     (job->bytes >> KJ_PAGE_SHIFT) + pages > pl->runs_cap) &&
	    publish(pl, job) < 0)
		return -ECANCELED;
	job->kind = JOB_DATA;
	b.run0 = (uint32_t)job->nruns;
	rc = walker_take(pl, w, job, pages);
	if (rc < 0)
		return rc;
	b.nruns = (uint32_t)job->nruns - b.run0;
	job->blocks[job->nblocks++] = b;
	job->bytes += pages << KJ_PAGE_SHIFT;
	return 0;
}

/* After the last block only zero runs may remain in the table. */
static void finish_table(struct pipeline *pl, struct walker *w, uint64_t consumed, uint32_t chain)
{
	uint64_t pfn, n;
	uint32_t flags;
	int r;

	while ((r = kj_range_cursor_next(&w->cur, &pfn, &n, &flags)) > 0) {
		if (!(flags & KJ_RANGE_ZERO)) {
			r = -EBADMSG;
			break;
		}
		if (zero_add(pl, w, pfn, n) < 0)
			return;
	}
	if (r == 0 && w->left == 0)
		r = kj_range_cursor_finish(&w->cur);
	else if (r == 0)
		r = -EBADMSG;
	if (r < 0)
		set_table_error(pl, r);
	else if (consumed != pl->img->hdr.data_bytes || chain != pl->img->commit.blocks_crc)
		set_error(pl, -EBADMSG, "data blocks do not match the commit record");
	else if (w->data.nblocks == 0 || publish(pl, &w->data) == 0)
		zero_flush(pl, w);
}

/* The pipeline's memory: job slots with their run and block lists, and the group
 * buffers (one per worker and one the dispatcher reads ahead into). */
static int pipeline_alloc(struct pipeline *pl, struct walker *w, unsigned nthreads)
{
	const struct kj_header *h = &pl->img->hdr;

	pl->nslots = 2 * (size_t)nthreads + 4; /* jobs are small: plenty queue */
	pl->nbufs = (size_t)nthreads + 1;
	pl->bufs = calloc(pl->nbufs, sizeof(*pl->bufs));
	pl->runs_cap = MAX(MAX((size_t)h->block_pages, (size_t)GROUP_PAGES), (size_t)ZERO_JOB_RUNS);
	pl->slots = calloc(pl->nslots, sizeof(*pl->slots));
	if (!pl->slots || !pl->bufs)
		return -ENOMEM;
	/* Every slot and both jobs being built own one run list and one block list;
	 * publishing swaps them. */
	for (size_t i = 0; i < pl->nslots + 2; i++) {
		struct slot *sl = i < pl->nslots    ? &pl->slots[i]
				  : i == pl->nslots ? &w->data
						    : &w->zero;
		sl->runs = malloc(pl->runs_cap * sizeof(struct run));
		sl->blocks = malloc(GROUP_BLOCKS * sizeof(struct blockjob));
		if (!sl->runs || !sl->blocks)
			return -ENOMEM;
	}
	for (; pl->nfree < pl->nbufs; pl->nfree++)
		if (posix_memalign((void **)&pl->bufs[pl->nfree], KJ_PAGE_SIZE,
				   GROUP_BUF((size_t)h->block_pages << KJ_PAGE_SHIFT)))
			return -ENOMEM;
	return 0;
}

static void pipeline_free(struct pipeline *pl, struct walker *w)
{
	for (size_t i = 0; pl->slots && w && i < pl->nslots + 2; i++) {
		struct slot *sl = i < pl->nslots    ? &pl->slots[i]
				  : i == pl->nslots ? &w->data
						    : &w->zero;
		free(sl->runs);
		free(sl->blocks);
	}
	for (size_t i = 0; pl->bufs && i < pl->nfree; i++)
		free(pl->bufs[i]);
	free(pl->bufs);
	free(pl->slots);
}

/* The dispatcher: every block header from the index, in order, into groups for the
 * workers; then the table's remaining zero runs and the commit record's totals. */
static void dispatch(struct pipeline *pl, struct walker *w)
{
	const struct kj_header *h = &pl->img->hdr;
	uint64_t consumed = 0, last_report = 0;
	uint32_t chain = 0;

	for (uint64_t i = 0; i < h->nr_blocks; i++) {
		const struct blockjob *b;
		if (next_block(pl, w, i, consumed) < 0)
			return;
		b = &w->data.blocks[w->data.nblocks - 1];
		chain = crc32c(chain, b->hdr, HDR_SIZE);
		consumed += HDR_SIZE + b->blk.stored_len;
		if (consumed - last_report >= (64u << 20)) {
			last_report = consumed;
			report(pl);
		}
	}
	if (!pipeline_failed(pl))
		finish_table(pl, w, consumed, chain);
}

/* Tell the workers to finish, wait for them, take back what a failure left queued. */
static void pipeline_stop(struct pipeline *pl, pthread_t *tids, unsigned started)
{
	pthread_mutex_lock(&pl->lock);
	pl->done = 1;
	pthread_cond_broadcast(&pl->cond);
	pthread_mutex_unlock(&pl->lock);
	for (unsigned t = 0; t < started; t++)
		pthread_join(tids[t], NULL);
	for (size_t i = 0; i < pl->nslots; i++)
		if (pl->slots[i].busy && pl->slots[i].in)
			pl->bufs[pl->nfree++] = pl->slots[i].in;
}

int kj_image_load(struct kj_image *img, struct kj_plan *plan, const struct kj_load_opts *o,
		  char *err, size_t errlen)
{
	const struct kj_header *h = &img->hdr;
	struct pipeline pl = {.img = img, .plan = plan, .opts = o};
	struct walker *w = NULL;
	unsigned nthreads = o->threads ? o->threads : kj_default_threads();
	pthread_t *tids = NULL;
	unsigned started = 0;
	int rc = 0;

	if (!plan && !o->verify_only)
		return -EINVAL;
	if (lzo_init() != LZO_E_OK)
		return -ENOPKG;
	pthread_mutex_init(&pl.lock, NULL);
	pthread_cond_init(&pl.cond, NULL);
	tids = calloc(nthreads, sizeof(*tids));
	w = calloc(1, sizeof(*w));
	if (!tids || !w || (rc = pipeline_alloc(&pl, w, nthreads)) < 0) {
		rc = kj_errf(-ENOMEM, err, errlen, "out of memory");
		goto out;
	}
	pl.direct = o->direct_io && img->dev->direct_fd >= 0 &&
		    (o->direct_io == 2 || !data_is_cached(img->dev, h->data_off, h->data_bytes));
	if (!pl.direct)
		/* The kernel's readahead then keeps the disk busy ahead of the workers. */
		posix_fadvise(img->dev->fd, (off_t)img->dev->base, 0, POSIX_FADV_SEQUENTIAL);
	kj_range_cursor_init(&w->cur, img);
	for (; started < nthreads; started++)
		if (pthread_create(&tids[started], NULL, worker, &pl)) {
			rc = -EAGAIN;
			break;
		}
	if (rc == 0)
		dispatch(&pl, w);
	pipeline_stop(&pl, tids, started);
	if (pl.rc == 0 && rc == 0) {
		pl.done_bytes += w->zero_bytes * !!o->verify_only; /* never queued */
		report(&pl);
	}
	if (pl.rc < 0) {
		rc = pl.rc;
		snprintf(err, errlen, "%s", pl.err);
	}
out:
	pipeline_free(&pl, w);
	free(tids);
	free(w);
	pthread_mutex_destroy(&pl.lock);
	pthread_cond_destroy(&pl.cond);
	return rc;
}
