/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* Lists of physical address ranges [start, end): sorted, merged set algebra. */
#include <stddef.h>
#include <stdint.h>

struct kj_range {
	uint64_t start;
	uint64_t end; /* exclusive */
};

struct kj_ranges {
	struct kj_range *r;
	size_t n, cap;
};

void kj_ranges_free(struct kj_ranges *l);
static inline void kj_ranges_freep(struct kj_ranges *l)
{
	kj_ranges_free(l);
}
#define _cleanup_ranges_ __attribute__((cleanup(kj_ranges_freep)))

int kj_ranges_add(struct kj_ranges *l, uint64_t start, uint64_t end);
/* Sort and merge overlapping or touching ranges. */
void kj_ranges_normalize(struct kj_ranges *l);
/* out = a minus b (both normalized); out is normalized. */
int kj_ranges_subtract(const struct kj_ranges *a, const struct kj_ranges *b, struct kj_ranges *out);
/* out = a intersected with b (both normalized). */
int kj_ranges_intersect(const struct kj_ranges *a, const struct kj_ranges *b,
			struct kj_ranges *out);
/* Round every range out to whole pages and normalize. */
void kj_ranges_page_align(struct kj_ranges *l, uint64_t page);
/* Index of the first range of l (sorted, disjoint) that ends after addr: the one
 * holding addr, or the next one; l->n when there is none. */
size_t kj_ranges_find(const struct kj_ranges *l, uint64_t addr);
/* 1 if [start,end) lies fully inside one range of l (normalized), else 0. */
int kj_ranges_contains(const struct kj_ranges *l, uint64_t start, uint64_t end);
uint64_t kj_ranges_total(const struct kj_ranges *l);

/* Parse "START-END[,START-END...]" (end exclusive, hex with 0x or decimal). */
int kj_ranges_parse(const char *s, struct kj_ranges *out);

/* Numbers: hex with 0x, else decimal; full string must be consumed. */
int kj_parse_u64(const char *s, uint64_t *ret);
/* Sizes: number with optional K/M/G/T suffix (powers of 1024). */
int kj_parse_size(const char *s, uint64_t *ret);
