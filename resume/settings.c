/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "settings.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "ranges.h"

void resume_cmdline_init(struct resume_cmdline *c)
{
	memset(c, 0, sizeof(*c));
	c->timeout_ms = RESUME_DEFAULT_TIMEOUT_MS;
	c->retries = RESUME_DEFAULT_RETRIES;
	c->keep_wait_ms = RESUME_DEFAULT_KEEP_WAIT_MS;
	strcpy(c->zone, "kernel");
	c->io = -1;
}

int resume_parse_seconds_ms(const char *v, unsigned *ret)
{
	char *end;
	double d;

	if (!*v || isspace((unsigned char)*v) || *v == '-' || *v == '+')
		return -EINVAL;
	errno = 0;
	d = strtod(v, &end);
	if (errno || *end || d != d || d < 0 || d > 86400)
		return -EINVAL;
	*ret = (unsigned)(d * 1000 + 0.5);
	return 0;
}

static int parse_bool(const char *v, int *ret)
{
	if (!v || !strcmp(v, "1") || !strcmp(v, "yes") || !strcmp(v, "on") || !strcmp(v, "true"))
		*ret = 1;
	else if (!strcmp(v, "0") || !strcmp(v, "no") || !strcmp(v, "off") || !strcmp(v, "false"))
		*ret = 0;
	else
		return -EINVAL;
	return 0;
}

int resume_parse_io(const char *s, int *ret)
{
	if (!strcmp(s, "auto"))
		*ret = 1;
	else if (!strcmp(s, "direct"))
		*ret = 2;
	else if (!strcmp(s, "buffered"))
		*ret = 0;
	else
		return -EINVAL;
	return 0;
}

/* The kernel's own keys. 1 not one of them, 0 applied, <0 malformed. */
static int apply_kernel(struct resume_cmdline *c, const char *key, const char *val)
{
	uint64_t u;

	if (kj_cmdline_key_eq(key, "resume")) {
		if (!val || !*val || strlen(val) >= sizeof(c->resume))
			return -EINVAL;
		strcpy(c->resume, val);
	} else if (kj_cmdline_key_eq(key, "resume_offset")) {
		/* The kernel reads it with %llu: decimal pages. */
		if (!val || !*val || strspn(val, "0123456789") != strlen(val) ||
		    kj_parse_u64(val, &u) < 0 || u > (UINT64_MAX >> 12))
			return -EINVAL;
		c->resume_offset = u;
	} else if (kj_cmdline_key_eq(key, "noresume")) {
		if (val)
			return -EINVAL;
		c->noresume = 1;
	} else if (kj_cmdline_key_eq(key, "resumewait")) {
		if (val)
			return -EINVAL;
		c->resumewait = 1;
	} else if (kj_cmdline_key_eq(key, "resumedelay")) {
		if (!val || kj_parse_u64(val, &u) < 0 || u > 3600)
			return -EINVAL;
		c->resumedelay = (unsigned)u;
	} else
		return 1;
	return 0;
}

/* kjump.* keys that say what to do with an image that is not resumed at once. 1 not
 * one of them, 0 applied, <0 malformed. */
static int apply_refusal(struct resume_cmdline *c, const char *key, const char *val)
{
	uint64_t u;
	unsigned ms;
	int b;

	if (kj_cmdline_key_eq(key, "kjump.keep")) {
		if (parse_bool(val, &b) < 0)
			return -EINVAL;
		c->keep = b;
	} else if (kj_cmdline_key_eq(key, "kjump.discard")) {
		if (parse_bool(val, &b) < 0)
			return -EINVAL;
		c->discard = b;
	} else if (kj_cmdline_key_eq(key, "kjump.retries")) {
		if (!val || kj_parse_u64(val, &u) < 0 || u > RESUME_MAX_RETRIES)
			return -EINVAL;
		c->retries = (unsigned)u;
	} else if (kj_cmdline_key_eq(key, "kjump.keep_wait")) {
		if (!val || resume_parse_seconds_ms(val, &ms) < 0)
			return -EINVAL;
		c->keep_wait_ms = ms;
	} else
		return 1;
	return 0;
}

/* Apply one key[=value]; value is NULL without '='. 0 ok or ignored, <0 malformed. */
static int apply(struct resume_cmdline *c, const char *key, const char *val)
{
	uint64_t u;
	unsigned ms;
	int b, rc;

	if ((rc = apply_kernel(c, key, val)) <= 0 || (rc = apply_refusal(c, key, val)) <= 0)
		return rc;
	if (kj_cmdline_key_eq(key, "kjump.timeout")) {
		if (!val || resume_parse_seconds_ms(val, &ms) < 0)
			return -EINVAL;
		c->timeout_ms = ms;
	} else if (kj_cmdline_key_eq(key, "kjump.debug")) {
		if (parse_bool(val, &b) < 0)
			return -EINVAL;
		c->verbose = b;
	} else if (kj_cmdline_key_eq(key, "kjump.hotplug")) {
		if (parse_bool(val, &b) < 0)
			return -EINVAL;
		c->hotplug = b ? HOTPLUG_ON : HOTPLUG_OFF;
	} else if (kj_cmdline_key_eq(key, "kjump.zone")) {
		if (!val ||
		    (strcmp(val, "kernel") && strcmp(val, "movable") && strcmp(val, "auto")))
			return -EINVAL;
		strcpy(c->zone, val);
	} else if (kj_cmdline_key_eq(key, "kjump.fallback_kernel") ||
		   kj_cmdline_key_eq(key, "kjump.fallback_initrd")) {
		char *dst = key[15] == 'k' ? c->fallback_kernel : c->fallback_initrd;
		if (!val || val[0] != '/' || strlen(val) >= sizeof(c->fallback_kernel))
			return -EINVAL;
		strcpy(dst, val);
	} else if (kj_cmdline_key_eq(key, "kjump.mac_key")) {
		if (!val || (val[0] != '/' && strcmp(val, "none")) ||
		    strlen(val) >= sizeof(c->mac_key))
			return -EINVAL;
		strcpy(c->mac_key, val);
	} else if (kj_cmdline_key_eq(key, "kjump.verify")) {
		if (!val || (strcmp(val, "first") && strcmp(val, "stream")))
			return -EINVAL;
		c->verify = val[0] == 'f' ? 1 : 2;
	} else if (kj_cmdline_key_eq(key, "kjump.io")) {
		if (!val || resume_parse_io(val, &c->io) < 0)
			return -EINVAL;
	} else if (kj_cmdline_key_eq(key, "kjump.threads")) {
		if (!val || kj_parse_u64(val, &u) < 0 || u == 0 || u > 256)
			return -EINVAL;
		c->threads = (unsigned)u;
	}
	return 0; /* everything else belongs to someone else */
}

struct parse_ctx {
	struct resume_cmdline *c;
	void (*on_error)(const char *key, const char *value, void *ud);
	void *ud;
	int bad;
};

static int parse_one(const char *key, const char *value, void *ud)
{
	struct parse_ctx *x = ud;
	if (apply(x->c, key, value) < 0) {
		x->bad++;
		if (x->on_error)
			x->on_error(key, value ? value : "", x->ud);
	}
	return 0;
}

int resume_cmdline_parse(const char *buf, size_t size, struct resume_cmdline *c,
			 void (*on_error)(const char *key, const char *value, void *ud), void *ud)
{
	struct parse_ctx x = {c, on_error, ud, 0};
	kj_cmdline_foreach(buf, size, parse_one, &x);
	return x.bad;
}
