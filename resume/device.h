/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* Finding the device named by resume=: every form the kernel and udev users write,
 * resolved with libblkid and sysfs (no udev needed), polled until it appears. */
#include <stddef.h>
#include <stdint.h>

#include "root.h"

/* Poll with backoff until found or timeout_ms has passed (UINT_MAX: forever). */
int resume_device_wait(const struct kj_root *root, const char *spec, unsigned timeout_ms,
		       char *ret_path, size_t size, unsigned *ret_waited_ms);

/* Kernel dev_t forms: "MAJ:MIN" and the plain hex of name_to_dev_t(). */
int resume_parse_devnum(const char *spec, unsigned *ret_major, unsigned *ret_minor);

/* The node of block device MAJ:MIN (its DEVNAME in sysfs), root-prefixed. 0, -ENODEV. */
int resume_device_by_devnum(const struct kj_root *root, unsigned maj, unsigned min, char *ret,
			    size_t size);

/* The device and resume_offset (pages, 0 when not given) that kjump-resume takes from
 * this command line (buf, size bytes): resume= resolved once, without waiting. 0;
 * -ENOENT without resume=; -EINVAL a form kjump does not know; -ENODEV not present.
 * Under a root other than /, tags are looked up by their udev links there only. */
int resume_device_from_cmdline(const struct kj_root *root, const char *buf, size_t size,
			       char *ret_path, size_t pathsize, uint64_t *ret_offset);
