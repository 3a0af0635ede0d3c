/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz target: btrfs's chunk tree search results (a swap file's extents on btrfs). The
 * input is a little-endian u16 item count, then the search buffer. What the parser
 * accepts, in key order and not overlapping as the chunk tree's are, maps each chunk's
 * first and last byte to its own stripe, or is refused. */
#include <errno.h>
#include <stdint.h>

#include "btrfs.h"

static int in_order(const struct kj_btrfs_chunk *c, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (c[i].start <= c[i - 1].start || c[i].start - c[i - 1].start < c[i - 1].length)
			return 0;
	return 1;
}

static void check_map(const struct kj_btrfs *b, const struct kj_btrfs_chunk *c)
{
	uint64_t phys, run;
	int rc = kj_btrfs_map(b, c->start, UINT64_MAX, &phys, &run);

	if (rc == 0 && (phys != c->physical || run != c->length || c->devid != b->devid))
		__builtin_trap();
	if (rc != 0 && rc != -EMEDIUMTYPE && rc != -EXDEV && rc != -EUCLEAN)
		__builtin_trap();
	rc = kj_btrfs_map(b, c->start + c->length - 1, 4096, &phys, &run);
	if (rc == 0 && (run != 1 || phys != c->physical + c->length - 1))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kj_btrfs_chunk c[64];
	struct kj_btrfs b = {.chunk = c};
	uint64_t last;
	uint32_t nr;

	if (size < 2)
		return 0;
	nr = (uint32_t)data[0] | (uint32_t)data[1] << 8;
	if (kj_btrfs_chunks_parse(data + 2, size - 2, nr, c, 64, &b.n_chunk, &last) < 0)
		return 0;
	if (b.n_chunk > nr || b.n_chunk > 64)
		__builtin_trap();
	if (!b.n_chunk || !in_order(c, b.n_chunk))
		return 0;
	b.devid = c[0].devid;
	for (size_t i = 0; i < b.n_chunk; i++)
		check_map(&b, &c[i]);
	return 0;
}
