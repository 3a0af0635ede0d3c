/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Swap files on btrfs: the chunk tree's search results parsed from (buf, size), every
 * truncation and malformed item refused; logical addresses mapped to the device, and
 * what a swap file cannot use (DUP and RAID profiles, another device, an address no
 * chunk holds) refused with its own error. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "btrfs.h"
#include "tap.h"

#define CHUNK_TREE_FIRST 256u
#define CHUNK_ITEM	 228u
#define DATA		 1u	   /* BTRFS_BLOCK_GROUP_DATA */
#define DUP		 (1u << 5) /* BTRFS_BLOCK_GROUP_DUP */
#define RAID0		 (1u << 3)

static void put_le(uint8_t *p, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* A search header at p and item length len: the bytes written. */
static size_t put_header(uint8_t *p, uint64_t objectid, uint32_t type, uint64_t offset,
			 uint32_t len)
{
	memset(p, 0, 32);
	put_le(p, 7, 8); /* transid */
	put_le(p + 8, objectid, 8);
	put_le(p + 16, offset, 8);
	put_le(p + 24, type, 4);
	put_le(p + 28, len, 4);
	return 32;
}

/* A chunk item with its search header: ns stripes, stripe i on devid + i at phys +
 * i * length. The bytes written. */
static size_t put_chunk(uint8_t *p, uint64_t start, uint64_t length, uint64_t type, uint16_t ns,
			uint64_t devid, uint64_t phys)
{
	uint32_t len = 48 + 32u * ns;
	size_t o = put_header(p, CHUNK_TREE_FIRST, CHUNK_ITEM, start, len);

	memset(p + o, 0, len);
	put_le(p + o, length, 8);
	put_le(p + o + 8, 2, 8);      /* owner */
	put_le(p + o + 16, 65536, 8); /* stripe_len */
	put_le(p + o + 24, type, 8);
	put_le(p + o + 40, 4096, 4); /* sector_size */
	put_le(p + o + 44, ns, 2);
	put_le(p + o + 46, 1, 2); /* sub_stripes */
	for (uint16_t i = 0; i < ns; i++) {
		put_le(p + o + 48 + 32 * i, devid + i, 8);
		put_le(p + o + 48 + 32 * i + 8, phys + i * length, 8);
	}
	return o + len;
}

static void test_parse(void)
{
	uint8_t buf[1024];
	struct kj_btrfs_chunk c[4];
	size_t size = 0, n = 0;
	uint64_t last = 0;

	size += put_chunk(buf, 0x1500000, 8 << 20, DATA, 1, 1, 0x1500000);
	size += put_header(buf + size, 1, 216, 0x1d00000, 8); /* a DEV_ITEM: skipped */
	memset(buf + size, 0xee, 8);
	size += 8;
	size += put_chunk(buf + size, 0x1d00000, 32 << 20, 4 | DUP, 2, 1, 0x2500000);
	CHECK_EQ(kj_btrfs_chunks_parse(buf, size, 3, c, 4, &n, &last), 0);
	CHECK_EQ(n, 2);
	CHECK_EQ(last, 0x1d00000);
	CHECK_EQ(c[0].start, 0x1500000);
	CHECK_EQ(c[0].length, 8 << 20);
	CHECK_EQ(c[0].type, DATA);
	CHECK_EQ(c[0].num_stripes, 1);
	CHECK_EQ(c[0].devid, 1);
	CHECK_EQ(c[0].physical, 0x1500000);
	CHECK_EQ(c[1].type, 4 | DUP);
	CHECK_EQ(c[1].num_stripes, 2);
	CHECK_EQ(c[1].physical, 0x2500000); /* stripe 0 */
	/* fewer items than the buffer holds: only those */
	CHECK_EQ(kj_btrfs_chunks_parse(buf, size, 1, c, 4, &n, &last), 0);
	CHECK_EQ(n, 1);
	CHECK_EQ(last, 0x1500000);
	CHECK_EQ(kj_btrfs_chunks_parse(buf, size, 0, c, 4, &n, &last), 0);
	CHECK_EQ(n, 0);
	/* no room */
	CHECK_EQ(kj_btrfs_chunks_parse(buf, size, 3, c, 1, &n, &last), -E2BIG);
	/* every truncation: an item that overruns the buffer, never a read past it */
	for (size_t s = 0; s < size; s++)
		CHECK_EQ(kj_btrfs_chunks_parse(buf, s, 3, c, 4, &n, &last), -EBADMSG);
	/* more items than the buffer holds */
	CHECK_EQ(kj_btrfs_chunks_parse(buf, size, 4, c, 4, &n, &last), -EBADMSG);
}

static void test_parse_malformed(void)
{
	uint8_t buf[256];
	struct kj_btrfs_chunk c[2];
	size_t size, n;
	uint64_t last;

	size = put_chunk(buf, 0x100000, 1 << 20, DATA, 1, 1, 0x100000);
	CHECK_EQ(kj_btrfs_chunks_parse(buf, size, 1, c, 2, &n, &last), 0);
	put_le(buf + 32 + 44, 0, 2); /* no stripe */
	CHECK_EQ(kj_btrfs_chunks_parse(buf, size, 1, c, 2, &n, &last), -EBADMSG);
	put_le(buf + 32 + 44, 2, 2); /* two stripes claimed, one there */
	CHECK_EQ(kj_btrfs_chunks_parse(buf, size, 1, c, 2, &n, &last), -EBADMSG);
	put_le(buf + 32 + 44, 1, 2);
	put_le(buf, 0, 8); /* (transid is not looked at) */
	CHECK_EQ(kj_btrfs_chunks_parse(buf, size, 1, c, 2, &n, &last), 0);
	put_le(buf + 32, 0, 8); /* length 0 */
	CHECK_EQ(kj_btrfs_chunks_parse(buf, size, 1, c, 2, &n, &last), -EBADMSG);
	size = put_chunk(buf, UINT64_MAX - 4095, 8192, DATA, 1, 1, 0); /* past 2^64 */
	CHECK_EQ(kj_btrfs_chunks_parse(buf, size, 1, c, 2, &n, &last), -EBADMSG);
	size = put_header(buf, CHUNK_TREE_FIRST, CHUNK_ITEM, 0x100000, 40); /* too short */
	memset(buf + size, 0, 40);
	CHECK_EQ(kj_btrfs_chunks_parse(buf, size + 40, 1, c, 2, &n, &last), -EBADMSG);
	size = put_header(buf, CHUNK_TREE_FIRST, CHUNK_ITEM, 0, UINT32_MAX); /* len overflow */
	CHECK_EQ(kj_btrfs_chunks_parse(buf, sizeof(buf), 1, c, 2, &n, &last), -EBADMSG);
}

static void test_map(void)
{
	struct kj_btrfs_chunk c[] = {
	    {.start = 0x1500000,
	     .length = 8 << 20,
	     .type = DATA,
	     .num_stripes = 1,
	     .devid = 1,
	     .physical = 0x1500000},
	    {.start = 0x1d00000,
	     .length = 32 << 20,
	     .type = 4 | DUP,
	     .num_stripes = 2,
	     .devid = 1,
	     .physical = 0x2500000},
	    {.start = 0x4000000,
	     .length = 64 << 20,
	     .type = DATA,
	     .num_stripes = 1,
	     .devid = 1,
	     .physical = 0x6500000},
	    {.start = 0x8000000,
	     .length = 16 << 20,
	     .type = DATA,
	     .num_stripes = 1,
	     .devid = 2,
	     .physical = 0x100000},
	    {.start = 0x9000000,
	     .length = 16 << 20,
	     .type = DATA | RAID0,
	     .num_stripes = 1,
	     .devid = 1,
	     .physical = 0x200000},
	    {.start = 0xa000000,
	     .length = 16 << 20,
	     .type = DATA,
	     .num_stripes = 2,
	     .devid = 1,
	     .physical = 0x300000},
	    {.start = 0xb000000,
	     .length = 16 << 20,
	     .type = DATA,
	     .num_stripes = 1,
	     .devid = 1,
	     .physical = UINT64_MAX - 4095},
	};
	struct kj_btrfs b = {.devid = 1, .chunk = c, .n_chunk = sizeof(c) / sizeof(c[0])};
	uint64_t phys = 0, run = 0;

	/* inside a single chunk: its stripe's offset plus the distance from its start */
	CHECK_EQ(kj_btrfs_map(&b, 0x4003000, 0x2000, &phys, &run), 0);
	CHECK_EQ(phys, 0x6503000);
	CHECK_EQ(run, 0x2000);
	/* up to the chunk's end, no further */
	CHECK_EQ(kj_btrfs_map(&b, 0x7fff000, 0x10000, &phys, &run), 0);
	CHECK_EQ(phys, 0xa4ff000);
	CHECK_EQ(run, 0x1000);
	CHECK_EQ(kj_btrfs_map(&b, 0x1500000, 8 << 20, &phys, &run), 0);
	CHECK_EQ(phys, 0x1500000);
	CHECK_EQ(run, 8 << 20);
	/* before the first chunk, in a gap, past the last */
	CHECK_EQ(kj_btrfs_map(&b, 0x1000, 4096, &phys, &run), -EUCLEAN);
	CHECK_EQ(kj_btrfs_map(&b, 0x3d00000, 4096, &phys, &run), -EUCLEAN);
	CHECK_EQ(kj_btrfs_map(&b, 0xc000000, 4096, &phys, &run), -EUCLEAN);
	/* DUP, a RAID profile, two stripes: not one copy on one place */
	CHECK_EQ(kj_btrfs_map(&b, 0x1d01000, 4096, &phys, &run), -EMEDIUMTYPE);
	CHECK_EQ(kj_btrfs_map(&b, 0x9000000, 4096, &phys, &run), -EMEDIUMTYPE);
	CHECK_EQ(kj_btrfs_map(&b, 0xa000000, 4096, &phys, &run), -EMEDIUMTYPE);
	/* another device */
	CHECK_EQ(kj_btrfs_map(&b, 0x8000000, 4096, &phys, &run), -EXDEV);
	/* an offset past 2^64 */
	CHECK_EQ(kj_btrfs_map(&b, 0xb001000, 4096, &phys, &run), -EUCLEAN);
	/* the out-parameters are left alone on failure */
	phys = run = 42;
	CHECK_EQ(kj_btrfs_map(&b, 0x8000000, 4096, &phys, &run), -EXDEV);
	CHECK_EQ(phys, 42);
	CHECK_EQ(run, 42);
	/* no chunks at all */
	b.n_chunk = 0;
	CHECK_EQ(kj_btrfs_map(&b, 0x4003000, 4096, &phys, &run), -EUCLEAN);
}

int main(void)
{
	test_parse();
	test_parse_malformed();
	test_map();
	return kj_test_result("unit-btrfs");
}
