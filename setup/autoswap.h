/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* What turns a swap area on at a boot that does not resume from it: a swap line of
 * /etc/fstab (swapon -a), or systemd's gpt-auto-generator for a GPT partition of the
 * swap type without the "no-auto" attribute. swapon(8) reinitializes an area that
 * holds an image, so such a boot drops a snapshot kept there (docs/SNAPSHOT.md). */
#include <stddef.h>

#include "root.h"

struct setup_fstab_swap {
	char spec[1024]; /* the first field, its \ooo escapes undone */
};

/* The swap lines of fstab text (buf, size) that swapon -a turns on (type "swap", no
 * "noauto" option): ret (malloc'd, NULL when none) and their number. Comments, blank
 * and short lines are skipped. 0, -ENOMEM. */
int setup_fstab_swaps(const char *buf, size_t size, struct setup_fstab_swap **ret, size_t *ret_n);

/* From a udev database record (/run/udev/data/bMAJ:MIN text; buf, size): 1 when it
 * describes a GPT partition of the swap type (ID_PART_ENTRY_SCHEME=gpt,
 * ID_PART_ENTRY_TYPE 0657fd6d-a4ab-43c4-84e5-0933c84b4f4f) whose attributes
 * (ID_PART_ENTRY_FLAGS) lack bit 63, "no-auto"; else 0. */
int setup_udev_gpt_autoswap(const char *buf, size_t size);

enum {
	SETUP_AUTOSWAP_FSTAB = 1 << 0, /* an /etc/fstab swap line names it */
	SETUP_AUTOSWAP_GPT = 1 << 1,   /* a GPT swap partition systemd turns on */
};

/* The ways a boot turns swap area dev (a path below root) on: a mask of SETUP_AUTOSWAP_*;
 * with FSTAB, ret_spec gets the fstab line's first field. No /etc/fstab, or no udev
 * record: not that way. 0, -errno when dev cannot be looked at. */
int setup_autoswap(const struct kj_root *root, const char *dev, unsigned *ret_mask, char *ret_spec,
		   size_t specsize);
