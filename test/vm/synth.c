/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Build the memory of a synthetic "hibernated kernel" for the QEMU tests: every page of
 * firmware RAM outside the resume kernel's RAM (as a captured tree describes them), plus
 * a range of low memory inside it (to be staged), filled with the address pattern, and
 * the payload at its link address with its manifest filled in. Prints the ranges for
 * kjump-save --ranges.
 * Usage: synth TREE PAYLOAD.BIN PAYLOAD_ADDR LOW_RANGE MEMORY_OUT */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "memmap.h"
#include "payload/pattern.h"
#include "ranges.h"
#include "root.h"

static int fill(int fd, uint64_t s, uint64_t e)
{
	static uint64_t buf[1 << 16];
	while (s < e) {
		uint64_t n = e - s < sizeof(buf) ? e - s : sizeof(buf);
		for (uint64_t i = 0; i < n / 8; i++)
			buf[i] = kj_pattern_word(s + i * 8);
		if (pwrite(fd, buf, n, (off_t)s) != (ssize_t)n)
			return -1;
		s += n;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct kj_root root;
	struct kj_memmap mm = {0};
	struct kj_ranges fw = {0}, own = {0}, pat = {0}, low = {0};
	struct kj_manifest man = {.magic = KJ_MANIFEST_MAGIC};
	uint64_t paddr;
	uint8_t *pl;
	long plen;
	FILE *f;
	int fd;

	if (argc != 6 || kj_root_init(&root, argv[1]) < 0 || kj_parse_u64(argv[3], &paddr) < 0 ||
	    kj_ranges_parse(argv[4], &low) < 0) {
		fprintf(stderr,
			"usage: synth TREE PAYLOAD.BIN PAYLOAD_ADDR LOW_RANGE MEMORY_OUT\n");
		return 2;
	}
	if (kj_memmap_read(&root, &mm) < 0 || kj_memmap_ranges(&mm, KJ_MEM_RAM, &fw) < 0 ||
	    kj_iomem_read_ram(&root, &own) < 0) {
		fprintf(stderr, "synth: cannot read the tree's memory maps\n");
		return 1;
	}
	kj_ranges_page_align(&fw, 4096);
	kj_ranges_page_align(&own, 4096);
	kj_ranges_subtract(&fw, &own, &pat);
	for (size_t i = 0; i < low.n; i++)
		kj_ranges_add(&pat, low.r[i].start, low.r[i].end);
	kj_ranges_normalize(&pat);
	if (pat.n > KJ_MANIFEST_MAX)
		return 1;
	for (size_t i = 0; i < pat.n; i++) {
		man.r[i].start = pat.r[i].start;
		man.r[i].end = pat.r[i].end;
	}
	man.n = (uint32_t)pat.n;

	f = fopen(argv[2], "rb");
	if (!f || fseek(f, 0, SEEK_END) < 0 || (plen = ftell(f)) <= 0)
		return 1;
	rewind(f);
	plen = (plen + 4095) & ~4095L;
	pl = calloc(1, (size_t)plen);
	if (!pl || fread(pl, 1, (size_t)plen, f) == 0)
		return 1;
	fclose(f);
	for (long o = 0; o + (long)sizeof(man) <= plen; o += 8) {
		uint64_t m;
		memcpy(&m, pl + o, 8);
		if (m == KJ_MANIFEST_MAGIC) {
			memcpy(pl + o, &man, sizeof(man));
			break;
		}
		if (o + 8 + (long)sizeof(man) > plen) {
			fprintf(stderr, "synth: no manifest in the payload\n");
			return 1;
		}
	}
	fd = open(argv[5], O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return 1;
	for (size_t i = 0; i < pat.n; i++)
		if (fill(fd, pat.r[i].start, pat.r[i].end) < 0)
			return 1;
	if (pwrite(fd, pl, (size_t)plen, (off_t)paddr) != plen)
		return 1;
	close(fd);
	for (size_t i = 0; i < pat.n; i++)
		printf("0x%llx-0x%llx,", (unsigned long long)pat.r[i].start,
		       (unsigned long long)pat.r[i].end);
	printf("0x%llx-0x%llx\n", (unsigned long long)paddr,
	       (unsigned long long)(paddr + (uint64_t)plen));
	free(pl);
	kj_memmap_free(&mm);
	kj_ranges_free(&fw);
	kj_ranges_free(&own);
	kj_ranges_free(&pat);
	kj_ranges_free(&low);
	return 0;
}
