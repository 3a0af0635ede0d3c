/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "backend.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "macros.h"

static const uint8_t zeros[64 * 1024];

static int file_write(struct kj_backend *b, uint64_t addr, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	while (len) {
		ssize_t n = pwrite(b->fd, p, len, (off_t)addr);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		addr += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

static int file_zero(struct kj_backend *b, uint64_t addr, size_t len)
{
	while (len) {
		size_t n = MIN(len, sizeof(zeros));
		int rc = file_write(b, addr, zeros, n);
		if (rc < 0)
			return rc;
		addr += n;
		len -= n;
	}
	return 0;
}

static int file_read(struct kj_backend *b, uint64_t addr, void *buf, size_t len)
{
	uint8_t *p = buf;
	while (len) {
		ssize_t n = pread(b->fd, p, len, (off_t)addr);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0) { /* past the end of a sparse memory file: zeros */
			memset(p, 0, len);
			return 0;
		}
		p += n;
		addr += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

static int fd_sync(struct kj_backend *b) { return fsync(b->fd) < 0 ? -errno : 0; }

static void fd_close(struct kj_backend *b)
{
	if (b->fd >= 0)
		close(b->fd);
	free(b);
}

static const struct kj_backend_ops file_ops = {
	.write = file_write, .zero = file_zero, .read = file_read, .sync = fd_sync,
	.close = fd_close,
};

/* /dev/mem: map exactly the pages touched (page-aligned window) for each call. Calls
 * are block-sized (≥ 256 KiB), so the mapping cost is small next to the copy. */
static int devmem_map(struct kj_backend *b, uint64_t addr, size_t len, int prot,
		      uint8_t **ret_base, size_t *ret_maplen, size_t *ret_delta)
{
	uint64_t start = ALIGN_DOWN(addr, KJ_PAGE_SIZE);
	size_t delta = (size_t)(addr - start);
	size_t maplen = (size_t)ALIGN_UP(len + delta, KJ_PAGE_SIZE);
	void *m = mmap(NULL, maplen, prot, MAP_SHARED, b->fd, (off_t)start);
	if (m == MAP_FAILED)
		return -errno;
	*ret_base = m;
	*ret_maplen = maplen;
	*ret_delta = delta;
	return 0;
}

static int devmem_write(struct kj_backend *b, uint64_t addr, const void *buf, size_t len)
{
	uint8_t *m = NULL;
	size_t maplen = 0, delta = 0;
	int rc = devmem_map(b, addr, len, PROT_READ | PROT_WRITE, &m, &maplen, &delta);
	if (rc < 0)
		return rc;
	if (buf)
		memcpy(m + delta, buf, len);
	else
		memset(m + delta, 0, len);
	munmap(m, maplen);
	return 0;
}

static int devmem_zero(struct kj_backend *b, uint64_t addr, size_t len)
{
	/* Zero runs can be huge: map them in bounded windows. */
	while (len) {
		size_t n = MIN(len, (size_t)64 << 20);
		int rc = devmem_write(b, addr, NULL, n);
		if (rc < 0)
			return rc;
		addr += n;
		len -= n;
	}
	return 0;
}

static int devmem_read(struct kj_backend *b, uint64_t addr, void *buf, size_t len)
{
	uint8_t *m = NULL;
	size_t maplen = 0, delta = 0;
	int rc = devmem_map(b, addr, len, PROT_READ, &m, &maplen, &delta);
	if (rc < 0)
		return rc;
	memcpy(buf, m + delta, len);
	munmap(m, maplen);
	return 0;
}

static int devmem_sync(struct kj_backend *b)
{
	(void)b; /* plain cached memory: nothing to flush before a jump */
	return 0;
}

static const struct kj_backend_ops devmem_ops = {
	.write = devmem_write, .zero = devmem_zero, .read = devmem_read, .sync = devmem_sync,
	.close = fd_close,
};

static int null_write(struct kj_backend *b, uint64_t a, const void *buf, size_t len)
{
	(void)b, (void)a, (void)buf, (void)len;
	return 0;
}
static int null_zero(struct kj_backend *b, uint64_t a, size_t len)
{
	(void)b, (void)a, (void)len;
	return 0;
}
static int null_read(struct kj_backend *b, uint64_t a, void *buf, size_t len)
{
	(void)b, (void)a;
	memset(buf, 0, len);
	return 0;
}
static int null_sync(struct kj_backend *b)
{
	(void)b;
	return 0;
}

static const struct kj_backend_ops null_ops = {
	.write = null_write, .zero = null_zero, .read = null_read, .sync = null_sync,
	.close = fd_close,
};

int kj_backend_open(const char *spec, const struct kj_root *root, int writable,
		    struct kj_backend **ret)
{
	struct kj_backend *b = calloc(1, sizeof(*b));
	int fd = -1;

	if (!b)
		return -ENOMEM;
	b->fd = -1;
	if (!strncmp(spec, "file:", 5) && spec[5]) {
		fd = open(spec + 5, (writable ? O_RDWR | O_CREAT : O_RDONLY) | O_CLOEXEC, 0600);
		b->ops = &file_ops;
		b->kind = KJ_BACKEND_FILE;
	} else if (!strcmp(spec, "devmem")) {
		/* No O_SYNC: write-back caching, as RAM wants. */
		fd = kj_root_open(root, "/dev/mem", writable ? O_RDWR : O_RDONLY);
		if (fd < 0) {
			free(b);
			return fd;
		}
		b->ops = &devmem_ops;
		b->kind = KJ_BACKEND_DEVMEM;
	} else if (!strcmp(spec, "null")) {
		b->ops = &null_ops;
		b->kind = KJ_BACKEND_NULL;
		*ret = b;
		return 0;
	} else {
		free(b);
		return -EINVAL;
	}
	if (fd < 0) {
		int rc = -errno;
		free(b);
		return rc;
	}
	b->fd = fd;
	*ret = b;
	return 0;
}

void kj_backend_close(struct kj_backend *b)
{
	if (b)
		b->ops->close(b);
}

const char *kj_backend_kind_to_string(enum kj_backend_kind k)
{
	switch (k) {
	case KJ_BACKEND_FILE: return "file";
	case KJ_BACKEND_DEVMEM: return "devmem";
	case KJ_BACKEND_NULL: return "null";
	}
	return "?";
}
