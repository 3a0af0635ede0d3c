/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sys.h"

#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/random.h>
#include <linux/reboot.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
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

static int real_add_entropy(const char *path, const void *buf, size_t len, unsigned bits)
{
	/* struct rand_pool_info and its buffer: two ints, then up to 256 bytes */
	uint32_t words[2 + 64];
	struct rand_pool_info *p = (struct rand_pool_info *)words;
	struct stat st;
	int fd, rc = 0;

	if (len > sizeof(words) - sizeof(*p) || bits > len * 8)
		return -EINVAL;
	p->entropy_count = (int)bits;
	p->buf_size = (int)len;
	memcpy(p->buf, buf, len);
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
		rc = -errno;
	else if (fstat(fd, &st) < 0)
		rc = -errno;
	else if (S_ISREG(st.st_mode)) /* a captured tree (--root): what the kernel would get */
		rc = kj_loop_write(fd, buf, len);
	else if (ioctl(fd, RNDADDENTROPY, p) < 0 || ioctl(fd, RNDRESEEDCRNG) < 0)
		rc = -errno;
	if (fd >= 0)
		close(fd);
	explicit_bzero(words, sizeof(words));
	return rc;
}

static const struct kj_sys_ops real_ops = {
    .kexec_load = real_kexec_load,
    .kexec_file_load = real_kexec_file_load,
    .reboot = real_reboot,
    .sync = real_sync,
    .add_entropy = real_add_entropy,
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
