/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

/* At off, or at the file position when off is AT_POS. */
#define AT_POS UINT64_MAX

static ssize_t xfer(int fd, void *buf, size_t len, uint64_t off, int writing)
{
	uint8_t *p = buf;
	size_t done = 0;

	while (done < len) {
		ssize_t n;
		if (writing)
			n = off == AT_POS ? write(fd, p + done, len - done)
					  : pwrite(fd, p + done, len - done, (off_t)(off + done));
		else
			n = off == AT_POS ? read(fd, p + done, len - done)
					  : pread(fd, p + done, len - done, (off_t)(off + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

/* A write the kernel takes nothing of is -EIO: never retried for ever. */
static int whole_write(int fd, const void *buf, size_t len, uint64_t off)
{
	ssize_t n = xfer(fd, (void *)buf, len, off, 1);

	if (n < 0)
		return (int)n;
	return (size_t)n == len ? 0 : -EIO;
}

ssize_t kj_loop_pread(int fd, void *buf, size_t len, uint64_t off)
{
	return xfer(fd, buf, len, off, 0);
}

int kj_loop_pwrite(int fd, const void *buf, size_t len, uint64_t off)
{
	return whole_write(fd, buf, len, off);
}

ssize_t kj_loop_read(int fd, void *buf, size_t len)
{
	return xfer(fd, buf, len, AT_POS, 0);
}

int kj_loop_write(int fd, const void *buf, size_t len)
{
	return whole_write(fd, buf, len, AT_POS);
}

int kj_wipe_file(const char *path, uint64_t from, int unlink_after)
{
	static const uint8_t zeros[65536];
	struct stat st;
	int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY), rc = 0;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		rc = -errno;
	else if (!S_ISREG(st.st_mode))
		rc = -EINVAL;
	for (uint64_t off = from; rc == 0 && off < (uint64_t)st.st_size;) {
		size_t len = (uint64_t)st.st_size - off < sizeof(zeros)
				 ? (size_t)((uint64_t)st.st_size - off)
				 : sizeof(zeros);
		rc = kj_loop_pwrite(fd, zeros, len, off);
		off += len;
	}
	/* (tmpfs and ramfs have nothing to flush to) */
	if (rc == 0 && fsync(fd) < 0 && errno != EINVAL)
		rc = -errno;
	close(fd);
	if (rc == 0 && unlink_after && unlink(path) < 0)
		rc = -errno;
	return rc;
}
