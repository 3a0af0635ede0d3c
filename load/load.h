/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* The load pipeline: the caller's thread walks the block index and the range table and
 * hands out jobs (groups of consecutive blocks, or zero runs); N worker threads each
 * read their group with one request (O_DIRECT into the decode buffer when the image is
 * not cached), check it against the index, decompress, verify and emit the pages
 * through the plan. While every worker is busy, the caller's thread reads the next group
 * itself. Memory: a 1 MiB group buffer per worker plus one, and a block-sized decode
 * buffer per worker, whatever the image size. */
#include <stddef.h>
#include <stdint.h>

#include "image.h"
#include "plan.h"

struct kj_load_progress {
	uint64_t done_bytes;  /* uncompressed bytes handled (data + zero runs) */
	uint64_t total_bytes; /* image total */
	uint64_t read_bytes;  /* bytes read from the device */
};

struct kj_load_opts {
	unsigned threads; /* worker threads; 0: online CPUs */
	int verify_only;  /* decode and check everything, write nothing */
	int direct_io;	  /* 1: O_DIRECT unless the image is already cached, 2: always
			   * O_DIRECT (when the device allows it), 0: through the page cache */
	void (*progress)(const struct kj_load_progress *p, void *userdata);
	void *userdata;
};

/* plan may be NULL only with verify_only. -EBADMSG on any corruption (err says which
 * block or table entry), -errno on I/O errors, -ENOMEM (err: out of memory). */
int kj_image_load(struct kj_image *img, struct kj_plan *plan, const struct kj_load_opts *o,
		  char *err, size_t errlen);
