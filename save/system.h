/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* What the hibernating kernel says about itself, read once at the start of a save: its
 * command line, /proc/iomem (its own RAM and image) and the firmware memory map. Every
 * part that kjump-save and its page filter use comes from this one copy; each part
 * keeps its own read error, reported by whoever needs that part. */
#include <stddef.h>

#include "memmap.h"
#include "ranges.h"
#include "root.h"

struct save_system {
	char *cmdline; /* NUL-terminated; NULL when /proc/cmdline could not be read */
	size_t cmdline_len;
	struct kj_iomem io;
	int io_rc; /* <0: /proc/iomem could not be read (io empty) */
	struct kj_memmap mm;
	int mm_rc; /* <0: no firmware memory map (mm empty); -ENOENT without one */
};

/* Read all parts under root. Never fails: a part that cannot be read records why. */
void save_system_read(const struct kj_root *root, struct save_system *ret);
void save_system_free(struct save_system *s);

/* The last value of key on the command line: 1 and the value, 0 absent (or none). */
int save_system_cmdline(const struct save_system *s, const char *key, char *buf, size_t size);
/* This kernel's RAM (top-level "System RAM" of /proc/iomem), added to out. */
int save_system_ram(const struct save_system *s, struct kj_ranges *out);
/* The firmware's System RAM, added to out. */
int save_system_fw_ram(const struct save_system *s, struct kj_ranges *out);
