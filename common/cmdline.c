/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cmdline.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int is_sep(char c)
{
	return c == 0 || isspace((unsigned char)c);
}

static void copy_span(const char *s, const char *e, char *out, size_t size)
{
	size_t n = e > s ? (size_t)(e - s) : 0;
	if (n >= size)
		n = size - 1;
	memcpy(out, s, n);
	out[n] = 0;
}

/* As next_arg(): a parameter opening with a quote is quoted up to the matching one;
 * '=' splits at its first occurrence; a value opening with a quote loses it and the
 * parameter's last character if that is a quote; so does a quoted parameter. */
int kj_cmdline_next(const char *buf, size_t size, size_t *pos, struct kj_cmdline_param *p)
{
	size_t i = *pos, s, end, equals = 0;
	int in_quote = 0, quoted = 0, last_quote;
	const char *v, *vend;

	while (i < size && is_sep(buf[i]))
		i++;
	if (i >= size)
		return 0;
	p->raw = buf + i;
	s = i;
	if (buf[s] == '"') {
		s++;
		in_quote = quoted = 1;
	}
	for (end = s; end < size && buf[end] && (in_quote || !isspace((unsigned char)buf[end]));
	     end++) {
		if (!equals && buf[end] == '=' && end > s)
			equals = end;
		if (buf[end] == '"')
			in_quote = !in_quote;
	}
	*pos = end;
	p->raw_len = (size_t)(buf + end - p->raw);
	last_quote = end > s && buf[end - 1] == '"';
	if (!equals) {
		copy_span(buf + s, buf + end - (quoted && last_quote), p->key, sizeof(p->key));
		p->value = NULL;
		return strcmp(p->key, "--") ? 1 : 0; /* the rest is for init */
	}
	copy_span(buf + s, buf + equals, p->key, sizeof(p->key));
	v = buf + equals + 1;
	vend = buf + end;
	if (v < vend && *v == '"') {
		v++;
		if (last_quote)
			vend--;
	} else if (quoted && last_quote) {
		vend--;
	}
	copy_span(v, vend, p->value_buf, sizeof(p->value_buf));
	p->value = p->value_buf;
	return 1;
}

int kj_cmdline_foreach(const char *buf, size_t size,
		       int (*fn)(const char *key, const char *value, void *ud), void *ud)
{
	struct kj_cmdline_param p;
	size_t pos = 0;
	int rc;

	while (kj_cmdline_next(buf, size, &pos, &p) > 0)
		if ((rc = fn(p.key, p.value, ud)) != 0)
			return rc;
	return 0;
}

int kj_cmdline_key_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = *a == '-' ? '_' : *a, y = *b == '-' ? '_' : *b;
		if (x != y)
			return 0;
	}
	return *a == *b;
}

struct get_ctx {
	const char *key;
	char *ret;
	size_t size;
	int found;
};

static int get_one(const char *key, const char *value, void *ud)
{
	struct get_ctx *g = ud;
	if (kj_cmdline_key_eq(key, g->key)) {
		snprintf(g->ret, g->size, "%s", value ? value : "");
		g->found = 1;
	}
	return 0;
}

int kj_cmdline_get(const char *buf, size_t size, const char *key, char *ret, size_t retsize)
{
	struct get_ctx g = {key, ret, retsize, 0};
	kj_cmdline_foreach(buf, size, get_one, &g);
	return g.found;
}
