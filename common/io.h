/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* Whole reads and writes at an offset: the one place that loops over short transfers
 * and EINTR. */
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Read up to len bytes at off: the number read (fewer only at the end of the file),
 * or -errno. */
ssize_t kj_loop_pread(int fd, void *buf, size_t len, uint64_t off);
/* Write len bytes at off: 0, or -errno; -EIO when the kernel accepts nothing (a write
 * that returns 0 is never retried forever). */
int kj_loop_pwrite(int fd, const void *buf, size_t len, uint64_t off);
/* The same at the file position (pipes, /proc and /sys files, character devices). */
ssize_t kj_loop_read(int fd, void *buf, size_t len);
int kj_loop_write(int fd, const void *buf, size_t len);

/* Overwrite file path with zeros from byte from to its end, flushed (a key file: it must
 * not linger in memory or on a disk), then remove it when unlink_after. 0, -errno;
 * -EINVAL for something other than a regular file. */
int kj_wipe_file(const char *path, uint64_t from, int unlink_after);
