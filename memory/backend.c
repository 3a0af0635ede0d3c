/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "backend.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "io.h"
#include "macros.h"

static const uint8_t zeros[64 * 1024];

/* /dev/mem: each thread keeps one window of up to KJ_DEVMEM_WINDOW bytes mapped, inside
 * the ranges it may map (memory the running kernel does not own); mmap() of /dev/mem
 * fills the page tables at once, so a window bounds that cost. Once the ranges are set,
 * nothing outside them is mapped; before (kjump-save --ranges, the jump-back page),
 * each access maps exactly the pages it touches. */
#define KJ_DEVMEM_WINDOW ((uint64_t)32 << 20)

static __thread struct {
	const struct kj_backend *be;
	uint64_t start, end;
	uint8_t *p;
} win;

static void window_drop(void)
{
	if (win.p)
		munmap(win.p, (size_t)(win.end - win.start));
	win.p = NULL;
	win.be = NULL;
}

static int file_write(struct kj_backend *b, uint64_t addr, const void *buf, size_t len)
{
	return kj_loop_pwrite(b->fd, buf, len, addr);
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
	ssize_t n = kj_loop_pread(b->fd, buf, len, addr);
	if (n < 0)
		return (int)n;
	/* past the end of a sparse memory file: zeros */
	memset((uint8_t *)buf + n, 0, len - (size_t)n);
	return 0;
}

static int fd_sync(struct kj_backend *b)
{
	return fsync(b->fd) < 0 ? -errno : 0;
}

static void fd_close(struct kj_backend *b)
{
	if (win.be == b)
		window_drop();
	if (b->fd >= 0)
		close(b->fd);
	kj_ranges_free(&b->windows);
	free(b);
}

static const struct kj_backend_ops file_ops = {
    .write = file_write,
    .zero = file_zero,
    .read = file_read,
    .sync = fd_sync,
    .close = fd_close,
};

/* Pointer to addr in this thread's window and how many bytes follow, or NULL. */
static uint8_t *window_at(struct kj_backend *b, uint64_t addr, size_t *ret_avail)
{
	const struct kj_ranges *r = &b->windows;
	size_t lo;
	uint64_t s, e;
	void *m;

	if (win.p && win.be == b && addr >= win.start && addr < win.end) {
		*ret_avail = (size_t)(win.end - addr);
		return win.p + (addr - win.start);
	}
	lo = kj_ranges_find(r, addr);
	if (lo == r->n || r->r[lo].start > addr)
		return NULL;
	s = MAX(r->r[lo].start, ALIGN_DOWN(addr, KJ_DEVMEM_WINDOW));
	e = MIN(r->r[lo].end, ALIGN_DOWN(addr, KJ_DEVMEM_WINDOW) + KJ_DEVMEM_WINDOW);
	window_drop();
	m = mmap(NULL, (size_t)(e - s), b->writable ? PROT_READ | PROT_WRITE : PROT_READ,
		 MAP_SHARED, b->fd, (off_t)s);
	if (m == MAP_FAILED)
		return NULL;
	win.be = b;
	win.start = s;
	win.end = e;
	win.p = m;
	*ret_avail = (size_t)(e - addr);
	return win.p + (addr - s);
}

static int devmem_map(struct kj_backend *b, uint64_t addr, size_t len, int prot, uint8_t **ret_base,
		      size_t *ret_maplen, size_t *ret_delta)
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

/* 1 if n bytes at p are all zero; stops at the first non-zero 64-byte group. */
static int all_zero(const uint8_t *p, size_t n)
{
	if (((uintptr_t)p & 7) == 0 && (n & 63) == 0) {
		const uint64_t *w = (const uint64_t *)(const void *)p;
		for (size_t i = 0; i < n / 8; i += 8)
			if (w[i] | w[i + 1] | w[i + 2] | w[i + 3] | w[i + 4] | w[i + 5] | w[i + 6] |
			    w[i + 7])
				return 0;
		return 1;
	}
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

/* Zero memory page by page, skipping pages that already are: the test stops at the
 * first non-zero word of a dirty page, and reading a zero page costs less than
 * writing it (in a VM it also leaves never-touched guest memory unallocated). */
static void zero_unless_zero(uint8_t *mem, size_t n)
{
	while (n) {
		size_t piece = MIN(n, KJ_PAGE_SIZE - ((uintptr_t)mem & (KJ_PAGE_SIZE - 1)));
		if (!all_zero(mem, piece))
			memset(mem, 0, piece);
		mem += piece;
		n -= piece;
	}
}

static void copy(uint8_t *mem, uint8_t *buf, size_t n, int to_mem)
{
	if (!to_mem)
		memcpy(buf, mem, n);
	else if (buf)
		memcpy(mem, buf, n);
	else
		zero_unless_zero(mem, n);
}

/* Copy len bytes to (buf != NULL, to_mem) or from physical memory, or zero it. */
static int devmem_access(struct kj_backend *b, uint64_t addr, void *buf, size_t len, int to_mem)
{
	uint8_t *p = buf;
	uint64_t end;

	if (b->windows_set &&
	    (!kj_add_ok(addr, len, &end) || !kj_ranges_contains(&b->windows, addr, end)))
		return -EFAULT;
	while (len) {
		size_t avail, n;
		uint8_t *w = window_at(b, addr, &avail);
		if (!w) { /* not in a window range: map just these pages */
			uint8_t *m = NULL;
			size_t maplen = 0, delta = 0;
			int rc =
			    devmem_map(b, addr, len, to_mem ? PROT_READ | PROT_WRITE : PROT_READ,
				       &m, &maplen, &delta);
			if (rc < 0)
				return rc;
			n = len;
			copy(m + delta, p, n, to_mem);
			munmap(m, maplen);
		} else {
			n = MIN(len, avail);
			copy(w, p, n, to_mem);
		}
		addr += n;
		len -= n;
		if (p)
			p += n;
	}
	return 0;
}

static int devmem_write(struct kj_backend *b, uint64_t addr, const void *buf, size_t len)
{
	return devmem_access(b, addr, (void *)buf, len, 1);
}

static int devmem_zero(struct kj_backend *b, uint64_t addr, size_t len)
{
	return devmem_access(b, addr, NULL, len, 1);
}

static int devmem_read(struct kj_backend *b, uint64_t addr, void *buf, size_t len)
{
	return devmem_access(b, addr, buf, len, 0);
}

static int devmem_sync(struct kj_backend *b)
{
	(void)b; /* plain cached memory: nothing to flush before a jump */
	return 0;
}

static const struct kj_backend_ops devmem_ops = {
    .write = devmem_write,
    .zero = devmem_zero,
    .read = devmem_read,
    .sync = devmem_sync,
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
    .write = null_write,
    .zero = null_zero,
    .read = null_read,
    .sync = null_sync,
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
	b->writable = writable;
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

int kj_backend_set_windows(struct kj_backend *b, const struct kj_ranges *r)
{
	kj_ranges_free(&b->windows);
	for (size_t i = 0; i < r->n; i++)
		if (kj_ranges_add(&b->windows, ALIGN_UP(r->r[i].start, KJ_PAGE_SIZE),
				  ALIGN_DOWN(r->r[i].end, KJ_PAGE_SIZE)) < 0)
			return -ENOMEM;
	kj_ranges_normalize(&b->windows);
	b->windows_set = 1;
	return 0;
}

int kj_backend_probe(struct kj_backend *b, uint64_t addr)
{
	uint8_t *base = NULL;
	size_t maplen = 0, delta;
	int rc;

	if (b->kind != KJ_BACKEND_DEVMEM)
		return 0;
	rc = devmem_map(b, addr, KJ_PAGE_SIZE, b->writable ? PROT_READ | PROT_WRITE : PROT_READ,
			&base, &maplen, &delta);
	if (rc == 0)
		munmap(base, maplen);
	return rc;
}

void kj_backend_thread_done(void)
{
	window_drop();
}
