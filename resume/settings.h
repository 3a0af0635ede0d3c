/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* The kernel command line as kjump-resume reads it: resume=, resume_offset=,
 * noresume, resumewait, resumedelay= as the kernel defines them, and kjump.* keys.
 * Quoting follows the kernel's next_arg(); the last occurrence of a key wins. */
#include <stddef.h>
#include <stdint.h>

enum resume_hotplug { HOTPLUG_AUTO = 0, HOTPLUG_ON, HOTPLUG_OFF };

struct resume_cmdline {
	char resume[256];	/* resume= value, "" when absent */
	uint64_t resume_offset; /* pages */
	int noresume;
	int resumewait;
	unsigned resumedelay; /* seconds */
	/* kjump.* */
	unsigned timeout_ms;   /* kjump.timeout= seconds (float ok): device wait limit */
	int keep;	       /* kjump.keep: never invalidate a refused image (experts) */
	int discard;	       /* kjump.discard: invalidate a kept image (a snapshot) */
	unsigned retries;      /* kjump.retries=: more attempts after an error that may pass */
	unsigned keep_wait_ms; /* kjump.keep_wait= seconds: a savable image's wait; 0: none */
	enum resume_hotplug hotplug; /* kjump.hotplug=on|off */
	char zone[16];		     /* kjump.zone=kernel|movable|auto */
	unsigned threads;	     /* kjump.threads= */
	int io;			     /* kjump.io=auto|direct|buffered: 1, 2, 0; -1 unset */
	int verbose;		     /* kjump.debug */
	char fallback_kernel[256];   /* kjump.fallback_kernel=: kexec into it without probe */
	char fallback_initrd[256];   /* kjump.fallback_initrd= */
	char mac_key[256];	     /* kjump.mac_key=: the image key's path ("none": no key) */
	int verify;		     /* kjump.verify=first|stream: 1, 2; 0 unset */
};

#define RESUME_DEFAULT_TIMEOUT_MS   5000
#define RESUME_DEFAULT_RETRIES	    2
#define RESUME_MAX_RETRIES	    10
#define RESUME_DEFAULT_KEEP_WAIT_MS 30000

void resume_cmdline_init(struct resume_cmdline *c);
/* Seconds with an optional fraction ("2", "0.5"), at most a day, to milliseconds.
 * -EINVAL. */
int resume_parse_seconds_ms(const char *v, unsigned *ret);
/* auto|direct|buffered (--io, kjump.io=) as the loader's direct_io: 1, 2, 0. -EINVAL. */
int resume_parse_io(const char *s, int *ret);
/* Parse buf (size bytes, need not be NUL-terminated). Malformed values of known keys
 * are skipped; each is described by a call of on_error (may be NULL). Returns the
 * number of malformed values. */
int resume_cmdline_parse(const char *buf, size_t size, struct resume_cmdline *c,
			 void (*on_error)(const char *key, const char *value, void *ud), void *ud);
