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
#include "macros.h"

#define STREAM_CHUNK ((size_t)2 << 20) /* large sequential reads, bounded memory */

struct run {
	uint64_t pfn;
	uint32_t npages;
};

struct slot {
	struct kj_block blk;
	uint64_t index;
	uint8_t *in;
	struct run *runs;
	size_t nruns;
	int busy; /* published and not yet released by its decoder */
};

struct pipeline {
	struct kj_image *img;
	struct kj_plan *plan;
	const struct kj_load_opts *opts;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct slot *slots;
	size_t nslots;
	size_t head, tail;  /* published slots not yet taken: [head, tail) modulo nslots */
	int done;           /* reader finished producing */
	int rc;             /* first error */
	char err[256];
	uint64_t done_bytes; /* progress: decoded bytes */
};

/* Sequential reader over the image with a large buffer; O_DIRECT when possible. */
struct stream {
	struct kj_imgdev *dev;
	uint8_t *buf;
	size_t len, pos;
	uint64_t next_off; /* device offset (relative to base) of buf's end */
	uint64_t read_bytes;
	int direct;
};

static int stream_fill(struct stream *s)
{
	uint64_t left = s->dev->size > s->next_off ? s->dev->size - s->next_off : 0;
	size_t want = (size_t)MIN(left, STREAM_CHUNK);
	ssize_t n;

	if (want == 0)
		return -ENODATA;
	if (s->direct) {
		/* Aligned offsets and lengths (the data area starts on a page); the tail
		 * may come back short. */
		n = kj_imgdev_read_some(s->dev, s->next_off, s->buf, (size_t)ALIGN_UP(want, 4096), 1);
		if (n == -EINVAL) {
			s->direct = 0; /* the device refuses O_DIRECT after all */
			return stream_fill(s);
		}
		if (n > (ssize_t)want)
			n = (ssize_t)want;
	} else
		n = kj_imgdev_read_some(s->dev, s->next_off, s->buf, want, 0);
	if (n < 0)
		return (int)n;
	if (n == 0)
		return -ENODATA;
	s->len = (size_t)n;
	s->pos = 0;
	s->next_off += (uint64_t)n;
	s->read_bytes += (uint64_t)n;
	return 0;
}

static int stream_read(struct stream *s, void *dst, size_t len)
{
	uint8_t *d = dst;
	while (len) {
		size_t n;
		if (s->pos == s->len) {
			int rc = stream_fill(s);
			if (rc < 0)
				return rc;
		}
		n = MIN(len, s->len - s->pos);
		memcpy(d, s->buf + s->pos, n);
		s->pos += n;
		d += n;
		len -= n;
	}
	return 0;
}

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

static int decode_slot(struct pipeline *pl, struct slot *sl, uint8_t *out)
{
	const uint8_t *data = sl->in + sizeof(struct kj_disk_block); /* after its header */
	size_t off = 0;

	if (sl->blk.flags & KJ_BLOCK_LZO) {
		lzo_uint outlen = sl->blk.raw_len;
		int r = lzo1x_decompress_safe(data, sl->blk.stored_len, out, &outlen, NULL);
		if (r != LZO_E_OK || outlen != sl->blk.raw_len) {
			set_error(pl, -EBADMSG, "data block %llu: LZO data is corrupt",
				  (unsigned long long)sl->index);
			return -EBADMSG;
		}
		data = out;
	}
	if (crc32c(0, data, sl->blk.raw_len) != sl->blk.data_crc) {
		set_error(pl, -EBADMSG, "data block %llu: checksum mismatch",
			  (unsigned long long)sl->index);
		return -EBADMSG;
	}
	if (pl->opts->verify_only)
		return 0;
	for (size_t i = 0; i < sl->nruns; i++) {
		size_t len = (size_t)sl->runs[i].npages << KJ_PAGE_SHIFT;
		int rc = kj_plan_emit(pl->plan, sl->runs[i].pfn << KJ_PAGE_SHIFT, data + off, len);
		if (rc < 0) {
			set_error(pl, rc, "writing memory at 0x%llx: %s",
				  (unsigned long long)(sl->runs[i].pfn << KJ_PAGE_SHIFT),
				  strerror(-rc));
			return rc;
		}
		off += len;
	}
	return 0;
}

static void *decoder(void *arg)
{
	struct pipeline *pl = arg;
	uint8_t *out = malloc((size_t)pl->img->hdr.block_pages << KJ_PAGE_SHIFT);

	if (!out) {
		set_error(pl, -ENOMEM, "out of memory");
		return NULL;
	}
	for (;;) {
		struct slot *sl;
		size_t raw;

		pthread_mutex_lock(&pl->lock);
		while (pl->head == pl->tail && !pl->done && pl->rc == 0)
			pthread_cond_wait(&pl->cond, &pl->lock);
		if (pl->rc != 0 || pl->head == pl->tail) {
			pthread_mutex_unlock(&pl->lock);
			break;
		}
		sl = &pl->slots[pl->head % pl->nslots];
		pl->head++;
		pthread_mutex_unlock(&pl->lock);

		raw = sl->blk.raw_len;
		decode_slot(pl, sl, out);

		pthread_mutex_lock(&pl->lock);
		sl->busy = 0;
		pl->done_bytes += raw;
		pthread_cond_broadcast(&pl->cond);
		pthread_mutex_unlock(&pl->lock);
	}
	free(out);
	return NULL;
}

/* Reader side: the next slot of the ring once its decoder released it, or NULL when
 * the pipeline failed. */
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

/* The range-table walk seen from the data stream: hands out stored pages in order,
 * emitting zero runs as they pass. */
struct walker {
	struct kj_range_cursor cur;
	uint8_t index[64 * sizeof(struct kj_disk_block)]; /* block index, read ahead */
	uint64_t index_first, index_n;
	uint64_t pfn, left; /* current stored run */
	uint64_t zero_bytes;
};

static int walker_take(struct pipeline *pl, struct walker *w, struct slot *sl, uint64_t pages)
{
	sl->nruns = 0;
	while (pages) {
		uint64_t take;
		while (w->left == 0) {
			uint64_t pfn, n;
			uint32_t flags;
			int rc = kj_range_cursor_next(&w->cur, &pfn, &n, &flags);
			if (rc == 0)
				rc = -EBADMSG; /* blocks hold more pages than the table lists */
			if (rc < 0) {
				set_error(pl, rc, "range table is corrupt or does not match the data");
				return rc;
			}
			if (flags & KJ_RANGE_ZERO) {
				w->zero_bytes += n << KJ_PAGE_SHIFT;
				if (!pl->opts->verify_only) {
					rc = kj_plan_emit(pl->plan, pfn << KJ_PAGE_SHIFT, NULL,
							  (size_t)(n << KJ_PAGE_SHIFT));
					if (rc < 0) {
						set_error(pl, rc, "zeroing memory at 0x%llx: %s",
							  (unsigned long long)(pfn << KJ_PAGE_SHIFT),
							  strerror(-rc));
						return rc;
					}
				}
				continue;
			}
			w->pfn = pfn;
			w->left = n;
		}
		take = MIN(pages, w->left);
		sl->runs[sl->nruns++] = (struct run){w->pfn, (uint32_t)take};
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

unsigned kj_default_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 64 ? 64 : (unsigned)n;
}

static void report(struct pipeline *pl, struct stream *st, struct walker *w)
{
	struct kj_load_progress p;
	if (!pl->opts->progress)
		return;
	pthread_mutex_lock(&pl->lock);
	p.done_bytes = pl->done_bytes + w->zero_bytes;
	pthread_mutex_unlock(&pl->lock);
	p.total_bytes = pl->img->hdr.total_pages << KJ_PAGE_SHIFT;
	p.read_bytes = st->read_bytes;
	pl->opts->progress(&p, pl->opts->userdata);
}

int kj_image_load(struct kj_image *img, struct kj_plan *plan, const struct kj_load_opts *o,
		  char *err, size_t errlen)
{
	const struct kj_header *h = &img->hdr;
	struct pipeline pl = {.img = img, .plan = plan, .opts = o};
	struct stream st = {.dev = img->dev, .next_off = h->data_off};
	struct walker *w = NULL;
	unsigned nthreads = o->threads ? o->threads : kj_default_threads();
	pthread_t *tids = NULL;
	unsigned started = 0;
	size_t in_cap = sizeof(struct kj_disk_block) + kj_lzo_bound((size_t)h->block_pages << KJ_PAGE_SHIFT);
	uint64_t consumed = 0, last_report = 0;
	uint32_t chain = 0;
	int rc = 0;

	if (!plan && !o->verify_only)
		return -EINVAL;
	if (lzo_init() != LZO_E_OK)
		return -ENOPKG;
	pthread_mutex_init(&pl.lock, NULL);
	pthread_cond_init(&pl.cond, NULL);
	pl.nslots = nthreads + 2;
	pl.slots = calloc(pl.nslots, sizeof(*pl.slots));
	tids = calloc(nthreads, sizeof(*tids));
	w = malloc(sizeof(*w));
	st.direct = o->direct_io && img->dev->direct_fd >= 0 &&
		    (o->direct_io == 2 || !data_is_cached(img->dev, h->data_off, h->data_bytes));
	if (!st.direct)
		/* The kernel's readahead then overlaps the disk with the decoders. */
		posix_fadvise(img->dev->fd, (off_t)img->dev->base, 0, POSIX_FADV_SEQUENTIAL);
	if (posix_memalign((void **)&st.buf, 4096, STREAM_CHUNK))
		st.buf = NULL;
	if (!pl.slots || !tids || !w || !st.buf) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < pl.nslots; i++) {
		pl.slots[i].in = malloc(in_cap);
		pl.slots[i].runs = malloc(h->block_pages * sizeof(struct run));
		if (!pl.slots[i].in || !pl.slots[i].runs) {
			rc = -ENOMEM;
			goto out;
		}
	}
	memset(w, 0, sizeof(*w));
	kj_range_cursor_init(&w->cur, img);
	for (; started < nthreads; started++)
		if (pthread_create(&tids[started], NULL, decoder, &pl)) {
			rc = -EAGAIN;
			goto stop;
		}

	for (uint64_t i = 0; i < h->nr_blocks; i++) {
		uint8_t raw[sizeof(struct kj_disk_block)];
		struct slot *sl = get_free_slot(&pl);
		uint64_t first = i * h->block_pages;
		uint64_t pages = MIN((uint64_t)h->block_pages, h->data_pages - first);
		char why[128];

		if (!sl)
			break;
		why[0] = 0;
		rc = 0;
		if (i < w->index_first || i >= w->index_first + w->index_n) {
			/* The block index (checked before the load, or by the chain at the end)
			 * says where each block ends: the data area must say the same. */
			w->index_first = i;
			w->index_n = MIN(h->nr_blocks - i, (uint64_t)sizeof(w->index) / sizeof(raw));
			rc = kj_imgdev_pread(img->dev, h->index_off + i * sizeof(raw), w->index,
					     (size_t)w->index_n * sizeof(raw));
			if (rc < 0) {
				w->index_n = 0;
				snprintf(why, sizeof(why), "block index: %s",
					 rc == -ENODATA ? "image truncated" : strerror(-rc));
			}
		}
		if (rc == 0 && !st.direct) {
			/* Buffered: header and payload straight into the slot, in one read
			 * whose length the index gives (no copy through the stream buffer). */
			struct kj_block ib;
			rc = kj_block_parse(w->index + (i - w->index_first) * sizeof(raw), sizeof(raw),
					    h->block_pages, &ib, why, sizeof(why));
			if (rc == 0 && consumed + sizeof(raw) + ib.stored_len > h->data_bytes) {
				rc = -EBADMSG;
				snprintf(why, sizeof(why), "blocks run past the data area");
			}
			if (rc == 0) {
				rc = kj_imgdev_pread(img->dev, h->data_off + consumed, sl->in,
						     sizeof(raw) + ib.stored_len);
				if (rc < 0)
					snprintf(why, sizeof(why), "%s",
						 rc == -ENODATA ? "image truncated" : strerror(-rc));
				else
					st.read_bytes += sizeof(raw) + ib.stored_len;
			}
		} else if (rc == 0) {
			rc = stream_read(&st, sl->in, sizeof(raw));
			if (rc < 0)
				snprintf(why, sizeof(why), "%s",
					 rc == -ENODATA ? "image truncated" : strerror(-rc));
		}
		if (rc == 0) {
			memcpy(raw, sl->in, sizeof(raw));
			rc = kj_block_parse(raw, sizeof(raw), h->block_pages, &sl->blk, why, sizeof(why));
		}
		if (rc == 0 && (sl->blk.first_page != first || sl->blk.raw_len != pages << KJ_PAGE_SHIFT)) {
			rc = -EBADMSG;
			snprintf(why, sizeof(why), "block out of sequence");
		}
		if (rc == 0 && memcmp(raw, w->index + (i - w->index_first) * sizeof(raw), sizeof(raw))) {
			rc = -EBADMSG;
			snprintf(why, sizeof(why), "header differs from the block index");
		}
		if (rc == 0) {
			chain = crc32c(chain, raw, sizeof(raw));
			consumed += sizeof(raw) + sl->blk.stored_len;
			if (consumed > h->data_bytes) {
				rc = -EBADMSG;
				snprintf(why, sizeof(why), "blocks run past the data area");
			}
		}
		if (rc == 0 && st.direct) {
			rc = stream_read(&st, sl->in + sizeof(raw), sl->blk.stored_len);
			if (rc < 0)
				snprintf(why, sizeof(why), "%s",
					 rc == -ENODATA ? "image truncated" : strerror(-rc));
		}
		if (rc < 0) {
			set_error(&pl, rc == -ENODATA ? -EBADMSG : rc, "data block %llu: %s",
				  (unsigned long long)i, why);
			break;
		}
		sl->index = i;
		if (walker_take(&pl, w, sl, pages) < 0)
			break;
		publish_slot(&pl);
		if (st.read_bytes - last_report >= (64u << 20)) {
			last_report = st.read_bytes;
			report(&pl, &st, w);
		}
	}
	/* After the last block only zero runs may remain in the table. */
	if (!pipeline_failed(&pl)) {
		uint64_t pfn, n;
		uint32_t flags;
		int r;
		while ((r = kj_range_cursor_next(&w->cur, &pfn, &n, &flags)) > 0) {
			if (!(flags & KJ_RANGE_ZERO)) {
				r = -EBADMSG;
				break;
			}
			w->zero_bytes += n << KJ_PAGE_SHIFT;
			if (!o->verify_only &&
			    (r = kj_plan_emit(plan, pfn << KJ_PAGE_SHIFT, NULL,
					      (size_t)(n << KJ_PAGE_SHIFT))) < 0)
				break;
		}
		if (r == 0 && w->left == 0)
			r = kj_range_cursor_finish(&w->cur);
		else if (r == 0)
			r = -EBADMSG;
		if (r < 0)
			set_error(&pl, r, r == -EBADMSG ? "range table is corrupt or does not match the data"
							: "writing memory: %s", strerror(-r));
		else if (consumed != h->data_bytes || chain != img->commit.blocks_crc)
			set_error(&pl, -EBADMSG, "data blocks do not match the commit record");
	}
stop:
	pthread_mutex_lock(&pl.lock);
	pl.done = 1;
	pthread_cond_broadcast(&pl.cond);
	pthread_mutex_unlock(&pl.lock);
	for (unsigned t = 0; t < started; t++)
		pthread_join(tids[t], NULL);
	if (pl.rc == 0 && rc == 0)
		report(&pl, &st, w);
	if (pl.rc < 0) {
		rc = pl.rc;
		snprintf(err, errlen, "%s", pl.err);
	}
out:
	if (pl.slots)
		for (size_t i = 0; i < pl.nslots; i++) {
			free(pl.slots[i].in);
			free(pl.slots[i].runs);
		}
	free(pl.slots);
	free(tids);
	free(w);
	free(st.buf);
	pthread_mutex_destroy(&pl.lock);
	pthread_cond_destroy(&pl.cond);
	return rc;
}
