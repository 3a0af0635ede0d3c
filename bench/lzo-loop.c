/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The codec's limits for the benchmark, as plain single-threaded loops: decompress
 * every LZO block of an image (no checks, no writes), or compress a memory file in
 * 256 KiB blocks. Prints uncompressed MB/s.
 * Usage: lzo-loop IMAGE | lzo-loop --compress MEMFILE [OFFSET] */
#include <fcntl.h>
#include <lzo/lzo1x.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>

#include "format.h"

static double secs(struct timespec a, struct timespec b)
{
	return (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
}

static int compress_loop(const char *path, off_t start)
{
	struct stat st;
	const uint8_t *mem;
	uint8_t *out = malloc(kj_lzo_bound(256 << 10)), *wrk = malloc(LZO1X_1_MEM_COMPRESS);
	struct timespec t0, t1;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st) < 0 || !out || !wrk || lzo_init() != LZO_E_OK)
		return 1;
	mem = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	if (mem == MAP_FAILED)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (off_t o = start; o + (256 << 10) <= st.st_size; o += 256 << 10) {
		lzo_uint n;
		lzo1x_1_compress(mem + o, 256 << 10, out, &n, wrk);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%.1f\n", (double)(st.st_size - start) / 1e6 / secs(t0, t1));
	free(out);
	free(wrk);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "--compress")) /* [OFFSET]: where the memory starts */
		return compress_loop(argv[2], argc > 3 ? (off_t)strtoull(argv[3], NULL, 0) : 0);
	struct kj_header h;
	struct stat st;
	const uint8_t *img;
	uint8_t *out;
	uint64_t off, raw = 0;
	struct timespec t0, t1;
	int fd;

	if (argc != 2 || (fd = open(argv[1], O_RDONLY)) < 0 || fstat(fd, &st) < 0)
		return 2;
	img = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	if (img == MAP_FAILED ||
	    kj_header_parse(img + KJ_HEADER_OFF, KJ_IMG_PAGE, &h, NULL, 0) < 0 ||
	    lzo_init() != LZO_E_OK)
		return 1;
	out = malloc((size_t)h.block_pages * KJ_IMG_PAGE);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	off = h.data_off;
	for (uint64_t i = 0; i < h.nr_blocks; i++) {
		struct kj_disk_block b;
		lzo_uint n = (lzo_uint)h.block_pages * KJ_IMG_PAGE;
		memcpy(&b, img + off, sizeof(b));
		if (b.flags & KJ_BLOCK_LZO)
			lzo1x_decompress(img + off + 32, b.stored_len, out, &n, NULL);
		else
			memcpy(out, img + off + 32, b.raw_len);
		raw += b.raw_len;
		off += 32 + b.stored_len;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%.1f\n", (double)raw / 1e6 / secs(t0, t1));
	free(out);
	return 0;
}
