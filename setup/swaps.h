/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* The swap areas in use (/proc/swaps), and which of them is the one kjump writes to:
 * matched as systemd's hibernation code matches its resume device, by the device's
 * dev_t and, for a swap file, the device page where the file starts (its first
 * extent), never by the name. */
#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "root.h"

/* One field of a /proc line (/proc/swaps, /proc/self/mountinfo): up to white space; the
 * kernel writes names with " \t\n\\" as \ooo (seq_file's escaping), undone with
 * unescape. 0, -EINVAL when it does not fit, is empty or holds a NUL. */
int setup_take_field(const char **p, const char *end, char *out, size_t size, int unescape);

/* Node a (a path) is the device sb is the stat of, b its path: the same dev_t, or in a
 * tree of plain files the same file. 1 or 0. */
struct stat;
int setup_same_node(const char *a, const struct stat *sb, const char *b);

/* Each line of text (buf, size) given to parse(line, its end, slot), slot elem bytes:
 * kept when parse returns 1, used again for the next line at 0, the whole text refused
 * at < 0 (parse's error). ret (malloc'd, NULL when none is kept) and the number kept.
 * 0, -ENOMEM, parse's error. */
int setup_parse_lines(const char *buf, size_t size, size_t elem,
		      int (*parse)(const char *s, const char *end, void *slot), void **ret,
		      size_t *ret_n);

struct setup_swap {
	char name[PATH_MAX]; /* as /proc/swaps gives it, its \ooo escapes undone */
	int is_file;	     /* type "file" (else "partition") */
};

/* Parse /proc/swaps text (buf, size): ret (malloc'd, NULL when none) and its length.
 * Lines that are not entries (the header) are skipped. 0, -ENOMEM. */
int setup_swaps_parse(const char *buf, size_t size, struct setup_swap **ret, size_t *ret_n);

/* The swap area at device page offset of block device devpath (both under root; offset
 * 0 for a partition): 1 and the entry's index when it is in use, 0 when it is not,
 * -errno when devpath cannot be looked at. A swap file matches when it lies on the
 * device and its first extent starts at offset; a partition when it is the same
 * device (the same node, in a captured tree of plain files). */
int setup_swap_find(const struct kj_root *root, const struct setup_swap *e, size_t n,
		    const char *devpath, uint64_t offset, size_t *ret_index);

/* The first swap partition in use that is not zram (RAM-backed, gone at power-off):
 * its index, or -ENOENT. */
int setup_swap_first_partition(const struct setup_swap *e, size_t n, size_t *ret_index);
