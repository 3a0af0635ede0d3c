/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* Which swap area kjump-hibernate writes to: the one the resume kernel reads. This
 * kernel is the resume kernel booted again, so its resume= and resume_offset= name it,
 * resolved by kjump-resume's own code (resume/device.c); without resume=, the first
 * swap partition in use that is not zram. */
#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "format.h"
#include "root.h"

struct setup_device {
	char path[PATH_MAX];	 /* the block device, as a path of the system (no root) */
	uint64_t offset;	 /* resume_offset= (pages), 0 without */
	char swapfile[PATH_MAX]; /* with an offset: the swap file in use that starts there */
	int from_cmdline;	 /* 1 resume=, 0 /proc/swaps */
};

/* 0; -ENOENT no resume= and no swap partition in use; for resume=: -EINVAL a form
 * kjump does not know, -ENODEV no such device here. */
int setup_device_choose(const struct kj_root *root, struct setup_device *ret);

/* A swap file's block device, resume_offset (its first page on the device) and extent
 * list ("FILEPAGE:DEVPAGE:COUNT,..." as kjump-save --extents takes it, malloc'd). The
 * file is path below root. 0, -errno (kj_file_extents's: -E2BIG too fragmented,
 * -EOPNOTSUPP no FIEMAP, -EINVAL holes or extents not usable as they are, and on
 * btrfs the refusals kj_file_extents_strerror() explains). */
int setup_swapfile_map(const struct kj_root *root, const char *path, char *ret_dev, size_t devsize,
		       uint64_t *ret_offset, char **ret_extents);
