/* SPDX-License-Identifier: GPL-2.0-or-later */
/* LD_PRELOAD shim: a device that answers differently the second time (flaky, or
 * hostile). On the file KJ_REREAD_PATH, every pread covering bytes KJ_REREAD_OFF ...
 * (as many as KJ_REREAD_DATA has, hex) is counted; from the KJ_REREAD_NTH-th such read
 * on (default 2), those bytes read back as KJ_REREAD_DATA instead of what is stored.
 * KJ_REREAD_COUNT=FILE appends one line per counted read (to find the read positions). */
#undef _FILE_OFFSET_BITS /* define pread and pread64 both, not one through the other */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "shim.h"

static int is_target(int fd)
{
	return shim_is_target(fd, "KJ_REREAD_PATH");
}

/* The replacement bytes, parsed once. */
static size_t replacement(unsigned char *out, size_t max)
{
	const char *hex = getenv("KJ_REREAD_DATA");
	size_t n = 0;

	for (; hex && hex[0] && hex[1] && n < max; hex += 2) {
		unsigned v;
		if (sscanf(hex, "%2x", &v) != 1)
			break;
		out[n++] = (unsigned char)v;
	}
	return n;
}

static void tamper(int fd, void *buf, ssize_t got, off_t off)
{
	static long long reads;
	unsigned char data[256];
	const char *o = getenv("KJ_REREAD_OFF"), *nth = getenv("KJ_REREAD_NTH"), *cnt;
	size_t len = replacement(data, sizeof(data));
	long long at = o ? strtoll(o, NULL, 0) : -1;

	if (got <= 0 || at < 0 || len == 0 || !is_target(fd) || at < off ||
	    at + (long long)len > off + got)
		return;
	reads++;
	if ((cnt = getenv("KJ_REREAD_COUNT"))) {
		FILE *f = fopen(cnt, "a");
		if (f) {
			fprintf(f, "read %lld at %lld+%zd\n", reads, (long long)off, got);
			fclose(f);
		}
	}
	if (reads >= (nth ? strtoll(nth, NULL, 0) : 2))
		memcpy((unsigned char *)buf + (at - off), data, len);
}

ssize_t pread64(int fd, void *buf, size_t count, off_t off)
{
	static ssize_t (*real)(int, void *, size_t, off_t);
	ssize_t got;

	if (!real)
		real = (ssize_t(*)(int, void *, size_t, off_t))dlsym(RTLD_NEXT, "pread64");
	got = real(fd, buf, count, off);
	tamper(fd, buf, got, off);
	return got;
}

ssize_t pread(int fd, void *buf, size_t count, off_t off)
{
	return pread64(fd, buf, count, off);
}
