/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* Minimal checks for the C unit tests: every failed CHECK is printed; main returns
 * kj_test_result(). */
#include <stdio.h>

static int kj_test_failures, kj_test_checks;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		kj_test_checks++;                                                                  \
		if (!(cond)) {                                                                     \
			kj_test_failures++;                                                        \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);   \
		}                                                                                  \
	} while (0)

#define CHECK_EQ(a, b)                                                                             \
	do {                                                                                       \
		long long _a = (long long)(a), _b = (long long)(b);                                \
		kj_test_checks++;                                                                  \
		if (_a != _b) {                                                                    \
			kj_test_failures++;                                                        \
			fprintf(stderr, "%s:%d: CHECK failed: %s == %s (%lld != %lld)\n",          \
				__FILE__, __LINE__, #a, #b, _a, _b);                               \
		}                                                                                  \
	} while (0)

/* Write val to dir/rel (a file of a fake /proc or /sys tree). */
static inline void kj_test_put(const char *dir, const char *rel, const char *val)
{
	char p[1024];
	FILE *f;
	snprintf(p, sizeof(p), "%.255s/%.700s", dir, rel[0] == '/' ? rel + 1 : rel);
	f = fopen(p, "w");
	if (f) {
		fputs(val, f);
		fclose(f);
	}
}

static inline int kj_test_result(const char *name)
{
	printf("%s: %d checks, %d failed\n", name, kj_test_checks, kj_test_failures);
	return kj_test_failures ? 1 : 0;
}
