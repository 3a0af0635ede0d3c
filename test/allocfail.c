/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Allocation failures on demand, for the allocation-failure sweep (test-allocfail.sh).
 * Linked into test-only builds of the programs with -Wl,--wrap=malloc (and calloc,
 * realloc, strdup, posix_memalign): the linker sends every call to them from the
 * objects of that link (the program and kjump's static libraries) here. The shared
 * libraries' own calls are not counted: libc's (inside fopen, opendir, setmntent),
 * libblkid's, liblzo2's. __real_* are the allocator the program would have called
 * (under ASan its interceptors, so LeakSanitizer still sees every block).
 *   KJ_ALLOC_FAIL=N        the Nth allocation call (from 1, counted over all threads)
 *                          fails, and every later one: memory that ran out stays out,
 *                          so the error paths, and the retries after them, meet it too
 *   KJ_ALLOC_FAIL=N,1      the Nth alone fails, the later ones succeed again (a failure
 *                          that passes: what comes after the error path runs too)
 *   KJ_ALLOC_FAIL_STACK=1  the first failing call prints its stack (sanitized builds)
 * A failing call returns NULL (posix_memalign: ENOMEM) with errno ENOMEM; the first one
 * says on stderr which call it is: "kj-allocfail: allocation N (FUNCTION) fails". A run
 * without that line made fewer than N allocation calls. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
char *__real_strdup(const char *s);
int __real_posix_memalign(void **p, size_t align, size_t size);

void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);
char *__wrap_strdup(const char *s);
int __wrap_posix_memalign(void **p, size_t align, size_t size);

/* The sanitizers' runtime has it; a plain build does not. */
void __sanitizer_print_stack_trace(void) __attribute__((weak));

static unsigned long fail_at; /* 0: never */
static int fail_once, print_stack;
static unsigned long calls;

/* Before main: the first allocation calls come from main's thread, before any other. */
__attribute__((constructor)) static void allocfail_init(void)
{
	const char *v = getenv("KJ_ALLOC_FAIL");
	char *end;

	if (!v || !*v)
		return;
	fail_at = strtoul(v, &end, 10);
	fail_once = !strcmp(end, ",1");
	print_stack = (v = getenv("KJ_ALLOC_FAIL_STACK")) && !strcmp(v, "1");
	if (!fail_once && *end) {
		static const char msg[] = "kj-allocfail: KJ_ALLOC_FAIL must be N or N,1\n";
		(void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
		_exit(2);
	}
}

/* Whether this call fails; the first failure says so (stack buffer, one write). */
static int should_fail(const char *fn)
{
	unsigned long n;
	char line[96];
	int len;

	if (!fail_at)
		return 0;
	n = __atomic_add_fetch(&calls, 1, __ATOMIC_RELAXED);
	if (n < fail_at || (fail_once && n > fail_at))
		return 0;
	if (n == fail_at) {
		len = snprintf(line, sizeof(line), "kj-allocfail: allocation %lu (%s) fails\n", n,
			       fn);
		(void)!write(STDERR_FILENO, line, (size_t)len);
		if (print_stack && __sanitizer_print_stack_trace)
			__sanitizer_print_stack_trace();
	}
	errno = ENOMEM;
	return 1;
}

void *__wrap_malloc(size_t size)
{
	return should_fail("malloc") ? NULL : __real_malloc(size);
}

void *__wrap_calloc(size_t n, size_t size)
{
	return should_fail("calloc") ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t size)
{
	return should_fail("realloc") ? NULL : __real_realloc(p, size);
}

char *__wrap_strdup(const char *s)
{
	return should_fail("strdup") ? NULL : __real_strdup(s);
}

int __wrap_posix_memalign(void **p, size_t align, size_t size)
{
	return should_fail("posix_memalign") ? ENOMEM : __real_posix_memalign(p, align, size);
}
