/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* Small helpers shared by every module: cleanup attributes and arithmetic. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#define KJ_PAGE_SIZE  4096u
#define KJ_PAGE_SHIFT 12

#define ARRAY_SIZE(a)	 (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b)	 ((a) < (b) ? (a) : (b))
#define MAX(a, b)	 ((a) > (b) ? (a) : (b))
#define ALIGN_DOWN(x, a) ((x) & ~((uint64_t)(a)-1))
#define ALIGN_UP(x, a)	 ALIGN_DOWN((x) + (uint64_t)(a)-1, (a))

static inline void kj_freep(void *p)
{
	free(*(void **)p);
}
static inline void kj_closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}
#define _cleanup_free_	__attribute__((cleanup(kj_freep)))
#define _cleanup_close_ __attribute__((cleanup(kj_closep)))

/* Hand ownership out of a cleanup variable. */
#define TAKE_PTR(p)                                                                                \
	({                                                                                         \
		__typeof__(p) _t = (p);                                                            \
		(p) = NULL;                                                                        \
		_t;                                                                                \
	})
#define TAKE_FD(fd)                                                                                \
	({                                                                                         \
		int _t = (fd);                                                                     \
		(fd) = -1;                                                                         \
		_t;                                                                                \
	})

/* Room for one more element in a growing array arr holding n of cap: doubles cap
 * (starting at first) when full. 0, or -ENOMEM with arr and cap unchanged. */
#define KJ_GROW(arr, n, cap, first)                                                                \
	({                                                                                         \
		int _r = 0;                                                                        \
		if ((n) == (cap)) {                                                                \
			size_t _c = (cap) ? (size_t)(cap)*2 : (first);                             \
			__typeof__(arr) _p = _c <= SIZE_MAX / sizeof(*(arr))                       \
						 ? realloc((arr), _c * sizeof(*(arr)))             \
						 : NULL;                                           \
			if (_p) {                                                                  \
				(arr) = _p;                                                        \
				(cap) = _c;                                                        \
			} else                                                                     \
				_r = -ENOMEM;                                                      \
		}                                                                                  \
		_r;                                                                                \
	})

/* Overflow-checked add: false when a + b does not fit. */
static inline int kj_add_ok(uint64_t a, uint64_t b, uint64_t *ret)
{
	return !__builtin_add_overflow(a, b, ret);
}
