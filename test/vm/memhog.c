/* SPDX-License-Identifier: GPL-2.0-or-later */
/* memhog --zero MiB: allocate MiB (a write to each page) and check that every page the
 * kernel hands out reads zero, as it promises (it may skip clearing free pages it
 * believes zero: init_on_free). Prints the verdict and exits.
 * memhog --zero-armed MiB DIR: the same check, prepared before a hibernation and run the
 * moment this process runs again after it: the page tables for MiB exist already (the
 * pages were touched and given back), and the check starts when the wall clock jumps
 * against the monotonic one (the time this system was away) or on SIGUSR1. A kernel fed
 * garbage for free pages does not live long; this check needs no new process.
 * memhog MiB DIR: a workload for the QEMU cycle tests. Fills MiB of anonymous memory
 * with a pseudo-random pattern (every page different, incompressible), creates
 * DIR/ready and waits; on SIGUSR1 it checks every page against the pattern and writes
 * the verdict to DIR/result (and stdout). Its memory must come back intact after a
 * hibernation. */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096u

static volatile sig_atomic_t check_now;

static void on_usr1(int sig)
{
	(void)sig;
	check_now = 1;
}

/* The page's words: xorshift64 seeded by the page number and a per-run seed. */
static uint64_t first_word(uint64_t seed, size_t page)
{
	uint64_t x = seed ^ (page * 0x9e3779b97f4a7c15ull);
	return x ? x : 1;
}

static uint64_t next(uint64_t x)
{
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return x;
}

static void fill(uint64_t *m, size_t pages, uint64_t seed)
{
	for (size_t p = 0; p < pages; p++) {
		uint64_t x = first_word(seed, p), *w = m + p * (PAGE / 8);
		for (unsigned i = 0; i < PAGE / 8; i++)
			w[i] = x = next(x);
	}
}

/* The first page that differs, or pages when all are intact. */
static size_t check(const uint64_t *m, size_t pages, uint64_t seed)
{
	for (size_t p = 0; p < pages; p++) {
		uint64_t x = first_word(seed, p);
		const uint64_t *w = m + p * (PAGE / 8);
		for (unsigned i = 0; i < PAGE / 8; i++)
			if (w[i] != (x = next(x)))
				return p;
	}
	return pages;
}

/* DIR/NAME holding text, replaced atomically. */
static void note(const char *dir, const char *name, const char *text)
{
	char tmp[4096], path[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s/.%s", dir, name);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (!(f = fopen(tmp, "w")))
		return;
	fprintf(f, "%s\n", text);
	if (fclose(f) == 0)
		rename(tmp, path);
}

/* Write-fault each of PAGES pages of M and check that the page the kernel gave reads zero. */
static int check_zero(volatile uint8_t *m, size_t pages, size_t mib)
{
	for (size_t p = 0; p < pages; p++) {
		volatile uint8_t *pg = m + p * PAGE;
		pg[0] = 0; /* a write fault: a real page, not the zero page */
		for (unsigned i = 1; i < PAGE; i++)
			if (pg[i]) {
				printf("KJTEST: zero check %zu MiB: page %zu of %zu not zero (byte "
				       "%u = 0x%02x)\n",
				       mib, p, pages, i, pg[i]);
				fflush(stdout);
				return 1;
			}
	}
	printf("KJTEST: zero check %zu MiB: ok\n", mib);
	fflush(stdout);
	return 0;
}

static volatile uint8_t *map_anon(size_t pages)
{
	void *m = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (m == MAP_FAILED) {
		perror("memhog: mmap");
		return NULL;
	}
	return m;
}

static int zero_check(size_t mib)
{
	volatile uint8_t *m = map_anon(mib * 256);

	return m ? check_zero(m, mib * 256, mib) : 1;
}

/* Seconds the wall clock is ahead of the monotonic clock: grows by the time away. */
static double clock_offset(void)
{
	struct timespec r, m;

	clock_gettime(CLOCK_REALTIME, &r);
	clock_gettime(CLOCK_MONOTONIC, &m);
	return (double)(r.tv_sec - m.tv_sec) + (double)(r.tv_nsec - m.tv_nsec) / 1e9;
}

static int zero_check_armed(size_t mib, const char *dir)
{
	size_t pages = mib * 256;
	volatile uint8_t *m = map_anon(pages);
	struct timespec tick = {0, 20 * 1000 * 1000};
	double away0;

	if (!m)
		return 1;
	/* 4 KiB pages only (a huge page is cleared on every fault), their page tables made
	 * now, the pages themselves given back: free memory again, page tables kept */
	madvise((void *)m, pages * PAGE, MADV_NOHUGEPAGE);
	for (size_t p = 0; p < pages; p++)
		m[p * PAGE] = 1;
	if (madvise((void *)m, pages * PAGE, MADV_DONTNEED) < 0) {
		perror("memhog: madvise");
		return 1;
	}
	signal(SIGUSR1, on_usr1);
	away0 = clock_offset();
	note(dir, "ready", "armed");
	while (!check_now && clock_offset() - away0 < 1.5)
		nanosleep(&tick, NULL);
	printf("KJTEST: zero check armed: started by %s\n",
	       check_now ? "the signal" : "the clock jump");
	fflush(stdout);
	return check_zero(m, pages, mib);
}

int main(int argc, char **argv)
{
	size_t mib, pages, bad;
	char msg[128];
	uint64_t seed, *m;

	if (argc == 3 && !strcmp(argv[1], "--zero"))
		return zero_check(strtoul(argv[2], NULL, 10));
	if (argc == 4 && !strcmp(argv[1], "--zero-armed"))
		return zero_check_armed(strtoul(argv[2], NULL, 10), argv[3]);
	if (argc != 3 || (mib = strtoul(argv[1], NULL, 10)) == 0) {
		fprintf(stderr, "usage: memhog MiB DIR\n");
		return 2;
	}
	pages = mib * 256;
	seed = ((uint64_t)getpid() << 32) ^ (uint64_t)time(NULL);
	m = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED) {
		perror("memhog: mmap");
		return 1;
	}
	fill(m, pages, seed);
	signal(SIGUSR1, on_usr1);
	printf("KJTEST: memhog filled %zu MiB\n", mib);
	fflush(stdout);
	note(argv[2], "ready", "filled");
	for (;;) {
		pause();
		if (!check_now)
			continue;
		check_now = 0;
		bad = check(m, pages, seed);
		if (bad == pages)
			snprintf(msg, sizeof(msg), "KJTEST: memhog intact %zu MiB", mib);
		else
			snprintf(msg, sizeof(msg), "KJTEST: memhog corrupt at page %zu of %zu", bad,
				 pages);
		printf("%s\n", msg);
		fflush(stdout);
		note(argv[2], "result", msg);
	}
}
