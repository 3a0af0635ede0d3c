/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* The mounts of this system (/proc/self/mountinfo), and which of them a snapshot must
 * not be taken over: a file system on a persistent block device that can be written. */
#include <stddef.h>

struct setup_mount {
	char target[1024]; /* mount point, its \ooo escapes undone */
	char source[512];  /* mount source ("/dev/vda2", "tmpfs", "overlay", ...) */
	char fstype[64];
	int rw;	   /* this mount is read-write (its mount options) */
	int sb_rw; /* its file system is read-write (the superblock's options) */
};

/* Parse mountinfo text (buf, size): ret (malloc'd, NULL when empty) and its length.
 * 0, -ENOMEM, -EBADMSG for a line that is not a mountinfo entry (a mount that cannot be
 * read could be any). */
int setup_mountinfo_parse(const char *buf, size_t size, struct setup_mount **ret, size_t *ret_n);

/* 1 when m would be corrupted by a snapshot resumed again after it was written: its
 * source is a block device (/dev/...) that is not zram (RAM, gone at power-off), and
 * the mount or its file system is read-write. Else 0. */
int setup_mount_unsafe(const struct setup_mount *m);
