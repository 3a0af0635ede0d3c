/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "mounts.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "swaps.h"

/* "rw" among the comma-separated options of a field. */
static int has_rw(const char *opts)
{
	size_t n = strlen(opts);

	for (const char *p = opts; p < opts + n;) {
		size_t len = strcspn(p, ",");
		if (len == 2 && !strncmp(p, "rw", 2))
			return 1;
		p += len + 1;
	}
	return 0;
}

/* ID PARENT MAJ:MIN ROOT TARGET OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER_OPTIONS */
static int parse_line(const char *s, const char *end, struct setup_mount *ret)
{
	char f[1024], opts[512];
	int i;

	for (i = 0; i < 4; i++) /* id, parent, maj:min, root */
		if (setup_take_field(&s, end, f, sizeof(f), 0) < 0)
			return -EBADMSG;
	if (setup_take_field(&s, end, ret->target, sizeof(ret->target), 1) < 0 ||
	    setup_take_field(&s, end, opts, sizeof(opts), 0) < 0)
		return -EBADMSG;
	ret->rw = has_rw(opts);
	do /* the optional fields, up to the separator */
		if (setup_take_field(&s, end, f, sizeof(f), 0) < 0)
			return -EBADMSG;
	while (strcmp(f, "-"));
	if (setup_take_field(&s, end, ret->fstype, sizeof(ret->fstype), 1) < 0 ||
	    setup_take_field(&s, end, ret->source, sizeof(ret->source), 1) < 0 ||
	    setup_take_field(&s, end, opts, sizeof(opts), 0) < 0)
		return -EBADMSG;
	ret->sb_rw = has_rw(opts);
	return 0;
}

/* A mountinfo line: 1, 0 for an empty one (the last newline), -EBADMSG. */
static int mount_line(const char *s, const char *end, void *slot)
{
	if (s == end)
		return 0;
	return parse_line(s, end, slot) < 0 ? -EBADMSG : 1;
}

int setup_mountinfo_parse(const char *buf, size_t size, struct setup_mount **ret, size_t *ret_n)
{
	return setup_parse_lines(buf, size, sizeof(**ret), mount_line, (void **)ret, ret_n);
}

int setup_mount_unsafe(const struct setup_mount *m)
{
	if (strncmp(m->source, "/dev/", 5) || !strncmp(m->source, "/dev/zram", 9))
		return 0;
	return m->rw || m->sb_rw;
}
