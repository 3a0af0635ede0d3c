/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* kjump-save's use of the page filter (filter/): from the hibernating kernel's command
 * line (kjump.vmcoreinfo=ADDR@SIZE, handed over by kjump-hibernate; kjump.filter=off;
 * kjump.free=zero when A zeroes free pages itself), decide which pages of A are not
 * saved. Any doubt saves everything, and says why. */
#include <stdint.h>

#include "backend.h"
#include "ranges.h"
#include "system.h"
#include "writer.h"

struct save_filter {
	struct kj_ranges excluded; /* pages not to read: left out (omit) or zero (zero) */
	int zero;		   /* kjump.free=zero: excluded pages saved as zero runs */
};

/* Decide, log the outcome in one line, and record it in wo. Never fails the save:
 * problems turn the filter off. cmdline_vmci: --vmcoreinfo, overriding the command line. */
void save_filter_run(const struct save_system *sys, struct kj_backend *mem, uint64_t entry,
		     const struct kj_ranges *ranges, const char *cmdline_vmci,
		     struct kj_write_opts *wo, struct save_filter *ret);
void save_filter_free(struct save_filter *f);
