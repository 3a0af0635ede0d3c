/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* The no-image path as the programs run it: plan, report, hot-add, raise limits, or
 * fall back. Shared by kjump-resume and kjump-memhotplug; what it has to say goes to
 * the caller's report function (the programs log it), never to a log of its own. */
#include "memhp.h"

struct memhp_run_opts {
	enum memhp_zone zone;
	int dry_run;
	/* Without a probe interface: kexec (kexec_file_load) into this kernel with all
	 * memory; NULL: MEMHP_FALLBACK_KERNEL when it is there (kjump's initramfs hooks put
	 * it there for a kernel without the probe interface) */
	const char *fallback_kernel;
	const char *fallback_initrd; /* NULL: this boot's own, if kept (retain_initrd) */
	const char *cmdline;	     /* this boot's command line (NULL: /proc/cmdline) */
	const struct memhp_ops *ops; /* NULL: write sysfs for real */
	/* each message with its syslog priority (LOG_ERR...); NULL: silent */
	void (*report)(int prio, const char *msg);
};

#define MEMHP_FALLBACK_KERNEL "/usr/lib/kjump/vmlinuz"
#define MEMHP_RETAINED_INITRD "/sys/firmware/initrd"

/* Exit status in chmem's style: 0 done (or nothing to do), 1 failure, 64 partial. */
int memhp_run(const struct kj_root *root, const struct memhp_run_opts *o);

/* The command line for a full-memory boot: mem=, RAM-defining memmap= and
 * retain_initrd removed, kjump.fallback=done added. */
int memhp_unrestricted_cmdline(const char *in, char *out, size_t size);
