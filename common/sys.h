/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* The one seam for raw system calls that change the machine's state. Tests replace
 * the table with a recorder (kj_sys_set). */
#include <linux/kexec.h>
#include <stddef.h>
#include <stdint.h>

struct kj_sys_ops {
	/* kexec_load(2): 0 or -errno. */
	int (*kexec_load)(unsigned long entry, unsigned long nr_segments,
			  struct kexec_segment *segments, unsigned long flags);
	/* kexec_file_load(2) (initrd_fd -1 with KEXEC_FILE_NO_INITRAMFS): 0 or -errno. */
	int (*kexec_file_load)(int kernel_fd, int initrd_fd, const char *cmdline,
			       unsigned long flags);
	/* reboot(2) with LINUX_REBOOT_CMD_*: 0 or -errno. */
	int (*reboot)(int cmd);
	void (*sync)(void);
	/* len bytes (at most 256) into the kernel's random pool through the random device
	 * at path, credited as bits of entropy (RNDADDENTROPY), then the generator
	 * reseeded from it at once (RNDRESEEDCRNG): 0 or -errno. */
	int (*add_entropy)(const char *path, const void *buf, size_t len, unsigned bits);
};

const struct kj_sys_ops *kj_sys(void);
void kj_sys_set(const struct kj_sys_ops *ops);
