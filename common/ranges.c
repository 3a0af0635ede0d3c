/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ranges.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macros.h"

void kj_ranges_free(struct kj_ranges *l)
{
	free(l->r);
	l->r = NULL;
	l->n = l->cap = 0;
}

int kj_ranges_add(struct kj_ranges *l, uint64_t start, uint64_t end)
{
	if (end <= start)
		return 0;
	if (KJ_GROW(l->r, l->n, l->cap, 16) < 0)
		return -ENOMEM;
	l->r[l->n++] = (struct kj_range){start, end};
	return 0;
}

static int cmp_range(const void *a, const void *b)
{
	const struct kj_range *x = a, *y = b;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->end < y->end ? -1 : x->end > y->end;
}

void kj_ranges_normalize(struct kj_ranges *l)
{
	size_t o = 0;

	if (l->n == 0)
		return;
	qsort(l->r, l->n, sizeof(*l->r), cmp_range);
	for (size_t i = 1; i < l->n; i++) {
		if (l->r[i].start <= l->r[o].end)
			l->r[o].end = MAX(l->r[o].end, l->r[i].end);
		else
			l->r[++o] = l->r[i];
	}
	l->n = o + 1;
}

int kj_ranges_subtract(const struct kj_ranges *a, const struct kj_ranges *b, struct kj_ranges *out)
{
	size_t j = 0;

	for (size_t i = 0; i < a->n; i++) {
		uint64_t s = a->r[i].start, e = a->r[i].end;
		while (j < b->n && b->r[j].end <= s)
			j++;
		for (size_t k = j; k < b->n && b->r[k].start < e; k++) {
			if (b->r[k].start > s && kj_ranges_add(out, s, b->r[k].start) < 0)
				return -ENOMEM;
			s = MAX(s, b->r[k].end);
		}
		if (s < e && kj_ranges_add(out, s, e) < 0)
			return -ENOMEM;
	}
	return 0;
}

int kj_ranges_intersect(const struct kj_ranges *a, const struct kj_ranges *b, struct kj_ranges *out)
{
	size_t i = 0, j = 0;

	while (i < a->n && j < b->n) {
		uint64_t s = MAX(a->r[i].start, b->r[j].start);
		uint64_t e = MIN(a->r[i].end, b->r[j].end);
		if (s < e && kj_ranges_add(out, s, e) < 0)
			return -ENOMEM;
		if (a->r[i].end < b->r[j].end)
			i++;
		else
			j++;
	}
	return 0;
}

void kj_ranges_page_align(struct kj_ranges *l, uint64_t page)
{
	for (size_t i = 0; i < l->n; i++) {
		l->r[i].start = ALIGN_DOWN(l->r[i].start, page);
		/* Saturate instead of wrapping at the top of the address space. */
		l->r[i].end = l->r[i].end > UINT64_MAX - page ? ALIGN_DOWN(UINT64_MAX, page)
							      : ALIGN_UP(l->r[i].end, page);
	}
	kj_ranges_normalize(l);
}

size_t kj_ranges_find(const struct kj_ranges *l, uint64_t addr)
{
	size_t lo = 0, hi = l->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (l->r[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int kj_ranges_contains(const struct kj_ranges *l, uint64_t start, uint64_t end)
{
	size_t i = kj_ranges_find(l, start);
	return i < l->n && l->r[i].start <= start && end <= l->r[i].end;
}

uint64_t kj_ranges_total(const struct kj_ranges *l)
{
	uint64_t t = 0;
	for (size_t i = 0; i < l->n; i++)
		t += l->r[i].end - l->r[i].start;
	return t;
}

int kj_parse_u64(const char *s, uint64_t *ret)
{
	char *end;
	unsigned long long v;
	int base = 10;

	if (!s || !*s || isspace((unsigned char)*s) || *s == '-' || *s == '+')
		return -EINVAL;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		if (!isxdigit((unsigned char)*s))
			return -EINVAL;
	}
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno == ERANGE)
		return -ERANGE;
	if (end == s || *end)
		return -EINVAL;
	*ret = v;
	return 0;
}

int kj_parse_size(const char *s, uint64_t *ret)
{
	char num[64];
	size_t n;
	unsigned shift = 0;
	uint64_t v;
	int rc;

	if (!s || !*s)
		return -EINVAL;
	n = strlen(s);
	switch (toupper((unsigned char)s[n - 1])) {
	case 'K': shift = 10; break;
	case 'M': shift = 20; break;
	case 'G': shift = 30; break;
	case 'T': shift = 40; break;
	}
	if (shift)
		n--;
	if (n == 0 || n >= sizeof(num))
		return -EINVAL;
	memcpy(num, s, n);
	num[n] = 0;
	rc = kj_parse_u64(num, &v);
	if (rc < 0)
		return rc;
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	*ret = v << shift;
	return 0;
}

int kj_ranges_parse(const char *s, struct kj_ranges *out)
{
	_cleanup_free_ char *copy = strdup(s);
	char *save = NULL;

	if (!copy)
		return -ENOMEM;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *dash = strchr(tok, '-');
		uint64_t a, b;
		int rc;
		if (!dash)
			return -EINVAL;
		*dash = 0;
		if ((rc = kj_parse_u64(tok, &a)) < 0 || (rc = kj_parse_u64(dash + 1, &b)) < 0)
			return rc;
		if (b <= a)
			return -EINVAL;
		if (kj_ranges_add(out, a, b) < 0)
			return -ENOMEM;
	}
	return out->n ? 0 : -EINVAL;
}
