/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* Root-prefix context: every access to /proc, /sys and /dev goes through it, so tests
 * run against fake trees (like util-linux `chmem --sysroot`). */
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct kj_root {
	char prefix[512]; /* "" for the real root */
};

/* dir may be NULL or "/" for the real root. */
int kj_root_init(struct kj_root *r, const char *dir);
/* Join prefix and an absolute path. -ENAMETOOLONG when it does not fit. */
int kj_root_path(const struct kj_root *r, const char *path, char *buf, size_t size);
int kj_root_open(const struct kj_root *r, const char *path, int flags);
/* Whole small file (sysfs/procfs attribute) into a NUL-terminated malloc'd buffer. */
int kj_root_read_file(const struct kj_root *r, const char *path, size_t max, char **ret_buf,
		      size_t *ret_size);
/* A one-line attribute: its first line without the newline, truncated to size. */
int kj_root_read_line(const struct kj_root *r, const char *path, char *buf, size_t size);
/* A numeric attribute (decimal, or hex with 0x). */
int kj_root_read_u64(const struct kj_root *r, const char *path, uint64_t *ret);
/* Write a string to an attribute (one write(), as sysfs wants). */
int kj_root_write_str(const struct kj_root *r, const char *path, const char *value);
int kj_root_exists(const struct kj_root *r, const char *path);
/* Call fn for each numbered entry of a sysfs directory (/sys/firmware/memmap/0, 1, ...)
 * with its path ("DIR/N"), in readdir order; stops at fn's first error and returns it.
 * -ENOENT (or another -errno) when the directory cannot be opened. */
int kj_root_foreach_numbered(const struct kj_root *r, const char *dir,
			     int (*fn)(const struct kj_root *r, const char *path, void *ud),
			     void *ud);

/* Read a whole fd (regular or not) into a NUL-terminated buffer, at most max bytes. */
int kj_read_fd_all(int fd, size_t max, char **ret_buf, size_t *ret_size);
