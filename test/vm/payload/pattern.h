/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* The synthetic image's memory content, a pure function of the physical address, so
 * that the payload can check memory without a copy of it. Freestanding-safe. */
#include <stdint.h>

#define KJ_PATTERN_SEED 0x6b6a756d70ull

static inline uint64_t kj_pattern_mix(uint64_t x)
{
	/* splitmix64 finalizer */
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* The 8 bytes at physical address a (8-aligned). Some 64 KiB runs are zero (zero
 * ranges in the image), a third of the pages repeat one byte (compressible), the rest
 * is random (stored as is). */
static inline uint64_t kj_pattern_word(uint64_t a)
{
	if ((a >> 16) % 5 == 3)
		return 0;
	if ((a >> 12) % 3 == 0)
		return (((a >> 12) & 0xff) | 1) * 0x0101010101010101ull;
	return kj_pattern_mix(a ^ KJ_PATTERN_SEED);
}

#define KJ_MANIFEST_MAGIC 0x54534e4d4a4b4a4bull /* "KJKJMNST" */
#define KJ_MANIFEST_MAX	  48

/* Patched into the payload by synth: the ranges to check. */
struct kj_manifest {
	uint64_t magic;
	uint32_t n;
	uint32_t reserved;
	struct {
		uint64_t start, end;
	} r[KJ_MANIFEST_MAX];
};
