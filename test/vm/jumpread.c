/* SPDX-License-Identifier: GPL-2.0-or-later */
/* jumpread CMDDEV DEVICE: the kexec jump into the loaded hibernating kernel; when it
 * returns, the first line of CMDDEV (a disk the host writes) names the kjump-image
 * command to run on DEVICE ("snapshot" when it is empty), then 32 bytes of /dev/urandom
 * are read and printed in hex. The same process count after every resume, so that the
 * bytes differ only by what the command did to the random generator (vm-snapshot-reseed:
 * "reseed" against "snapshot"). */
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/reboot.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* The block device's cached pages dropped (the other kernels wrote it), then its first
 * line, "" when none. */
static void first_line(const char *dev, char *buf, size_t size)
{
	int fd = open(dev, O_RDONLY | O_CLOEXEC);
	ssize_t n = -1;

	buf[0] = 0;
	if (fd >= 0 && ioctl(fd, BLKFLSBUF, 0) == 0)
		n = read(fd, buf, size - 1);
	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = 0;
	buf[strcspn(buf, "\n")] = 0;
}

int main(int argc, char **argv)
{
	unsigned char b[32];
	char cmd[64];
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC), dfd, st;
	pid_t pid;

	if (argc != 3 || fd < 0)
		return 2;
	sync();
	if (syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_KEXEC,
		    NULL) < 0) {
		perror("jumpread: kexec jump");
		return 1;
	}
	first_line(argv[1], cmd, sizeof(cmd));
	if ((dfd = open(argv[2], O_RDONLY | O_CLOEXEC)) >= 0) {
		ioctl(dfd, BLKFLSBUF, 0);
		close(dfd);
	}
	if ((pid = fork()) == 0) {
		execlp("kjump-image", "kjump-image", cmd[0] ? cmd : "snapshot", argv[2],
		       (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) < 0 || read(fd, b, sizeof(b)) != (ssize_t)sizeof(b))
		return 1;
	printf("KJTEST: ran kjump-image %s, exit %d\n", cmd[0] ? cmd : "snapshot",
	       WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	printf("KJTEST: urandom at the jump ");
	for (unsigned i = 0; i < sizeof(b); i++)
		printf("%02x", b[i]);
	printf("\n");
	return 0;
}
