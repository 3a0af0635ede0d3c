/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sys.h"

#include <errno.h>
#include <linux/reboot.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int real_kexec_load(unsigned long entry, unsigned long nr, struct kexec_segment *segs,
			   unsigned long flags)
{
	return syscall(SYS_kexec_load, entry, nr, segs, flags) < 0 ? -errno : 0;
}

static int real_kexec_file_load(int kernel_fd, int initrd_fd, const char *cmdline,
				unsigned long flags)
{
	unsigned long len = cmdline ? strlen(cmdline) + 1 : 0;
	return syscall(SYS_kexec_file_load, kernel_fd, initrd_fd, len, cmdline, flags) < 0 ? -errno
											   : 0;
}

static int real_reboot(int cmd)
{
	return syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, cmd, NULL) < 0 ? -errno
											    : 0;
}

static void real_sync(void)
{
	sync();
}

static const struct kj_sys_ops real_ops = {
    .kexec_load = real_kexec_load,
    .kexec_file_load = real_kexec_file_load,
    .reboot = real_reboot,
    .sync = real_sync,
};

static const struct kj_sys_ops *current = &real_ops;

const struct kj_sys_ops *kj_sys(void)
{
	return current;
}
void kj_sys_set(const struct kj_sys_ops *ops)
{
	current = ops ? ops : &real_ops;
}
