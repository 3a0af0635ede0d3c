/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Round trip over many random memory maps: save with the writer, plan and load into a
 * file target, and check that every saved byte comes back, that staged segments hold
 * the right bytes, and that nothing outside the saved ranges is touched. Odd iterations
 * load through the devmem backend over a fake root's /dev/mem (a plain file), whose
 * pages start dirty, zero, or zero but for their last byte.
 * Usage: roundtrip [ITERATIONS [SEED]] */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend.h"
#include "image.h"
#include "imgdev.h"
#include "load.h"
#include "plan.h"
#include "ranges.h"
#include "tap.h"
#include "writer.h"

#define PAGE	 4096u
#define SENTINEL 0xA5

static uint64_t rng_state;
static uint64_t rnd(void)
{
	/* xorshift64*: deterministic for a given seed */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ull;
}
static uint64_t rnd_below(uint64_t n)
{
	return rnd() % n;
}

static void fill_page(uint8_t *p)
{
	static const char *words[] = {"kexec ",	  "jump ",   "memory ", "page ", "swap ",
				      "resume\n", "0x1000 ", "struct ", "{ } ",	 "static "};
	switch (rnd_below(10)) {
	case 0:
	case 1:
	case 2: /* zero */ memset(p, 0, PAGE); break;
	case 3:
	case 4:
	case 5:
	case 6: /* text-like, compressible */
		for (size_t o = 0; o < PAGE;) {
			const char *w = words[rnd_below(10)];
			size_t n = strlen(w);
			if (n > PAGE - o)
				n = PAGE - o;
			memcpy(p + o, w, n);
			o += n;
		}
		break;
	case 7:
	case 8: /* incompressible */
		for (size_t o = 0; o < PAGE; o += 8) {
			uint64_t v = rnd();
			memcpy(p + o, &v, 8);
		}
		break;
	default: /* almost zero: a few bytes set, never all zero */
		memset(p, 0, PAGE);
		p[rnd_below(PAGE)] = (uint8_t)(rnd() | 1);
		break;
	}
}

struct src {
	int fd;
};

static int src_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct src *s = ctx;
	ssize_t n = pread(s->fd, buf, len, (off_t)addr);
	if (n < 0)
		return -errno;
	if ((size_t)n < len)
		memset((uint8_t *)buf + n, 0, len - (size_t)n);
	return 0;
}

/* The source memory: a random map (holes of 0..40 pages, 0 making touching ranges,
 * runs of 1..200) of random pages, and garbage right after it that must not leak into
 * the image. Returns the end of the map. */
static uint64_t make_source(struct src *s, struct kj_ranges *ranges, uint64_t addr,
			    unsigned nranges, uint8_t *page)
{
	for (unsigned r = 0; r < nranges; r++) {
		uint64_t len = (1 + rnd_below(200)) * PAGE;
		addr += rnd_below(41) * PAGE;
		kj_ranges_add(ranges, addr, addr + len);
		for (uint64_t o = 0; o < len; o += PAGE) {
			fill_page(page);
			CHECK_EQ(pwrite(s->fd, page, PAGE, (off_t)(addr + o)), PAGE);
		}
		addr += len;
	}
	memset(page, 0x3c, PAGE);
	CHECK_EQ(pwrite(s->fd, page, PAGE, (off_t)addr), PAGE);
	kj_ranges_normalize(ranges);
	return addr;
}

/* The target: sentinel bytes over [lo, hi); for devmem also pages that are zero
 * already, or zero but their last byte (it zeroes only what is not zero). */
static void fill_target(const char *path, uint64_t lo, uint64_t hi, int devmem,
			const struct kj_ranges *ranges)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	uint8_t *fill = malloc(hi - lo);

	memset(fill, SENTINEL, hi - lo);
	for (uint64_t o = 0; devmem && o < hi - lo; o += PAGE) {
		uint64_t kind = rnd_below(3);
		if (kind && kj_ranges_contains(ranges, lo + o, lo + o + PAGE))
			memset(fill + o, 0, PAGE - (kind == 2));
	}
	CHECK_EQ(pwrite(fd, fill, hi - lo, (off_t)lo), (ssize_t)(hi - lo));
	close(fd);
	free(fill);
}

/* Every saved page of [lo, hi) restored, every other one still the sentinel, nothing
 * past hi; the staged segments hold their pages. */
static void compare_window(unsigned iter, struct src *s, const char *out_path, uint64_t lo,
			   uint64_t hi, const struct kj_ranges *ranges, struct kj_plan *plan)
{
	uint8_t *a = malloc(hi - lo), *b = malloc(hi - lo);
	int fd = open(out_path, O_RDONLY);
	struct stat stt;

	CHECK_EQ(pread(fd, b, hi - lo, (off_t)lo), (ssize_t)(hi - lo));
	fstat(fd, &stt);
	CHECK_EQ((uint64_t)stt.st_size, hi); /* nothing written past the window */
	close(fd);
	src_read(s, lo, a, hi - lo);
	for (uint64_t o = 0; o < hi - lo; o += PAGE) {
		uint64_t pa = lo + o;
		int saved = kj_ranges_contains(ranges, pa, pa + PAGE);
		int ok = 1;
		if (saved)
			ok = !memcmp(a + o, b + o, PAGE);
		else
			for (size_t k = 0; k < PAGE && ok; k++)
				ok = b[o + k] == SENTINEL;
		if (!ok) {
			fprintf(
			    stderr, "iteration %u: page 0x%llx %s\n", iter, (unsigned long long)pa,
			    saved ? "differs from the source" : "was written outside the ranges");
			CHECK(ok);
			break;
		}
	}
	for (size_t i = 0; i < plan->staged.n; i++) {
		const struct kj_range *r = &plan->staged.r[i];
		CHECK(!memcmp(kj_plan_segment(plan, i), a + (r->start - lo), r->end - r->start));
	}
	free(a);
	free(b);
}

static int one(unsigned iter, uint32_t comp, const char *dir)
{
	char mem_path[256], swap_path[256], out_path[256], spec[300], err[256] = "";
	int devmem = iter & 1;
	struct kj_root root;
	struct kj_ranges ranges = {0}, ram = {0};
	struct kj_write_opts *wo = calloc(1, sizeof(*wo));
	struct kj_write_stats st;
	struct kj_imgdev dev;
	struct kj_image img = {0};
	struct kj_plan plan = {0};
	struct kj_backend *be = NULL;
	struct kj_load_opts lo = {0};
	struct src s;
	uint64_t addr = ((uint64_t)0x8000 + rnd_below(0x8000)) * PAGE, lo_addr, hi_addr;
	unsigned nranges = 1 + (unsigned)rnd_below(10);
	uint8_t *page = malloc(PAGE);
	int fails = kj_test_failures, rc;

	snprintf(mem_path, sizeof(mem_path), "%s/mem", dir);
	snprintf(swap_path, sizeof(swap_path), "%s/swap", dir);
	snprintf(out_path, sizeof(out_path), devmem ? "%s/dev/mem" : "%s/out", dir);
	unlink(mem_path);
	unlink(swap_path);
	unlink(out_path);
	s.fd = open(mem_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK(s.fd >= 0);

	addr = make_source(&s, &ranges, addr, nranges, page);
	wo->compression = comp;
	static const uint32_t bp[] = {1, 3, 16, 64, 256};
	wo->block_pages = bp[rnd_below(5)];
	wo->arch = 62;
	snprintf(wo->release, sizeof(wo->release), "roundtrip-%u", iter);
	/* The entry lies in a random saved page. */
	{
		const struct kj_range *r = &ranges.r[rnd_below(ranges.n)];
		wo->entry = r->start + rnd_below(r->end - r->start);
	}

	{
		int fd = open(swap_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
		close(fd);
	}
	CHECK_EQ(kj_imgdev_open(swap_path, 0, 1, &dev), 0);
	CHECK_EQ(kj_imgdev_mkswap(&dev, 64 << 20, "rt"), 0);
	rc = kj_image_write(&dev, wo, src_read, &s, &ranges, &st, err, sizeof(err));
	if (rc < 0)
		fprintf(stderr, "write: %s\n", err);
	CHECK_EQ(rc, 0);
	CHECK_EQ(st.total_pages, kj_ranges_total(&ranges) / PAGE);

	/* A fake running kernel whose RAM covers part of the map: those bytes are staged. */
	lo_addr = ranges.r[0].start;
	hi_addr = ranges.r[ranges.n - 1].end;
	if (rnd_below(2)) {
		uint64_t s0 = lo_addr + rnd_below((hi_addr - lo_addr) / PAGE) * PAGE;
		kj_ranges_add(&ram, s0, s0 + (1 + rnd_below(8)) * PAGE);
	}
	kj_ranges_add(&ram, 0x100000, 0x8000000); /* 127 MiB of "RAM" below the map */

	CHECK_EQ(kj_image_open(&dev, &img, NULL, err, sizeof(err)), 0);
	rc = kj_plan_build(&img, &ram, NULL, &plan, err, sizeof(err));
	if (rc < 0)
		fprintf(stderr, "plan: %s\n", err);
	CHECK_EQ(rc, 0);
	CHECK_EQ(plan.total_bytes, kj_ranges_total(&ranges));
	CHECK_EQ(kj_plan_alloc_staged(&plan), 0);

	/* Target: sentinel bytes around the whole map. */
	lo_addr -= 16 * PAGE;
	hi_addr += 16 * PAGE;
	fill_target(out_path, lo_addr, hi_addr, devmem, &ranges);
	snprintf(spec, sizeof(spec), "file:%s", out_path);
	CHECK_EQ(kj_root_init(&root, dir), 0);
	CHECK_EQ(kj_backend_open(devmem ? "devmem" : spec, &root, 1, &be), 0);
	if (devmem && rnd_below(2)) { /* large windows over the target, or page by page */
		struct kj_ranges w = {0};
		kj_ranges_add(&w, lo_addr, hi_addr);
		CHECK_EQ(kj_backend_set_windows(be, &w), 0);
		kj_ranges_free(&w);
	}
	kj_plan_set_target(&plan, be, 1);
	lo.threads = 1 + (unsigned)rnd_below(4);
	rc = kj_image_load(&img, &plan, &lo, err, sizeof(err));
	if (rc < 0)
		fprintf(stderr, "load: %s\n", err);
	CHECK_EQ(rc, 0);
	kj_backend_close(be);
	kj_image_close(&img);

	compare_window(iter, &s, out_path, lo_addr, hi_addr, &ranges, &plan);
	kj_plan_free(&plan);
	kj_imgdev_close(&dev);
	kj_ranges_free(&ranges);
	kj_ranges_free(&ram);
	close(s.fd);
	free(page);
	free(wo);
	return kj_test_failures != fails;
}

int main(int argc, char **argv)
{
	unsigned n = argc > 1 ? (unsigned)atoi(argv[1]) : 200;
	uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 0) : 0x6b6a756d70ull;
	char dir[] = "/tmp/kjump-rt-XXXXXX";
	char cmd[64], devdir[64];
	unsigned bad = 0;

	rng_state = seed ? seed : 1;
	if (!mkdtemp(dir))
		return 1;
	snprintf(devdir, sizeof(devdir), "%s/dev", dir);
	if (mkdir(devdir, 0700) < 0)
		return 1;
	for (unsigned i = 0; i < n; i++)
		for (uint32_t comp = 0; comp <= 1; comp++)
			if (one(i, comp, dir)) {
				fprintf(stderr, "iteration %u (%s) failed; seed 0x%llx\n", i,
					comp ? "lzo" : "none", (unsigned long long)seed);
				if (++bad > 5)
					goto done;
			}
done:
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		return 1;
	printf("roundtrip: %u random memory maps x {none, lzo}\n", n);
	return kj_test_result("roundtrip");
}
