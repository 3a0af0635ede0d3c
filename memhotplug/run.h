/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* The no-image path as the programs run it: plan, report, hot-add, raise limits, or
 * fall back (top-level code: it logs). Shared by kjump-resume and kjump-memhotplug. */
#include "memhp.h"

struct memhp_run_opts {
	enum memhp_zone zone;
	int dry_run;
	const char *fallback_kernel; /* kexec into it when there is no probe interface */
	const char *fallback_initrd;
	const char *kexec;           /* kexec-tools binary (default "kexec") */
	const char *cmdline;         /* this boot's command line (NULL: /proc/cmdline) */
	const struct memhp_ops *ops; /* NULL: write sysfs for real */
};

/* Exit status in chmem's style: 0 done (or nothing to do), 1 failure, 64 partial. */
int memhp_run(const struct kj_root *root, const struct memhp_run_opts *o);

/* The command line for a full-memory boot: mem= and RAM-defining memmap= removed. */
int memhp_unrestricted_cmdline(const char *in, char *out, size_t size);
