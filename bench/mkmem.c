/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A memory image of a realistic mix for the benchmark: zero pages, text-like pages
 * (compressible), random pages (incompressible), in runs as real memory has them.
 * Usage: mkmem OUT SIZE_MIB ZERO% TEXT% (the rest is random) */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint64_t s = 0x6b6a756d70ull;
static uint64_t rnd(void)
{
	s ^= s >> 12;
	s ^= s << 25;
	s ^= s >> 27;
	return s * 2685821657736338717ull;
}

int main(int argc, char **argv)
{
	static const char *words[] = {"struct ", "page ",	"0x1f3c ", "return ", "kernel ",
				      "if (",	 "mutex_lock ", "\n\t",	   "NULL",    "int "};
	static uint8_t buf[1 << 20];
	int fd, zero, text;
	long mib;

	if (argc != 5)
		return 2;
	mib = atol(argv[2]);
	zero = atoi(argv[3]);
	text = atoi(argv[4]);
	fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return 1;
	for (long m = 0; m < mib; m++) {
		for (int p = 0; p < 256;) {
			/* a run of 1-16 pages of one kind */
			int kind = (int)(rnd() % 100), run = 1 + (int)(rnd() % 16);
			for (; run > 0 && p < 256; run--, p++) {
				uint8_t *pg = buf + (size_t)p * 4096;
				if (kind < zero)
					memset(pg, 0, 4096);
				else if (kind < zero + text)
					for (size_t o = 0; o < 4096;) {
						const char *w = words[rnd() % 10];
						size_t n =
						    strlen(w) < 4096 - o ? strlen(w) : 4096 - o;
						memcpy(pg + o, w, n);
						o += n;
					}
				else
					for (size_t o = 0; o < 4096; o += 8) {
						uint64_t v = rnd();
						memcpy(pg + o, &v, 8);
					}
			}
		}
		if (write(fd, buf, 1 << 20) != 1 << 20)
			return 1;
	}
	close(fd);
	return 0;
}
