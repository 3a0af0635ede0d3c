/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* The kernel command line, split as the kernel does (kernel/params.c next_arg(),
 * parameq()): parameters are separated by white space, double quotes group white
 * space, the quote opening a parameter or its value and the one closing it are
 * dropped, "--" ends the kernel's part (the rest is for init), and in names '-' and
 * '_' are the same. When a parameter is given twice the last one wins: callers see
 * every occurrence in order. */
#include <stddef.h>

struct kj_cmdline_param {
	const char *raw; /* the parameter as written (quotes included) */
	size_t raw_len;
	char key[256];	   /* name, quotes removed */
	const char *value; /* NULL without '=', else the value, quotes removed */
	char value_buf[1024];
};

/* The next parameter from *pos: 1 with p filled, 0 at the end (or at "--"). Longer
 * names or values are truncated to the buffers. */
int kj_cmdline_next(const char *buf, size_t size, size_t *pos, struct kj_cmdline_param *p);
/* fn for each parameter; stops at fn's first non-zero return and returns it. */
int kj_cmdline_foreach(const char *buf, size_t size,
		       int (*fn)(const char *key, const char *value, void *ud), void *ud);
/* Names equal in the kernel's sense ('-' == '_'). */
int kj_cmdline_key_eq(const char *a, const char *b);
/* The last value of key: 1 and its value ("" for a bare key), 0 when absent. */
int kj_cmdline_get(const char *buf, size_t size, const char *key, char *ret, size_t retsize);
