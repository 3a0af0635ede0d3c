/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* Memory backends: where restored pages go (and, for kjump-save, where they come from).
 *   file:PATH  sparse file, offset = physical address (tests and dry runs)
 *   devmem     mmap windows of /dev/mem (read()/write() on it fail above the running
 *              kernel's RAM, mmap works)
 *   null       discards everything (benchmarks)
 * write/zero are called from several decode threads at once, on disjoint ranges. */
#include <stddef.h>
#include <stdint.h>

#include "ranges.h"
#include "root.h"

enum kj_backend_kind { KJ_BACKEND_FILE, KJ_BACKEND_DEVMEM, KJ_BACKEND_NULL };

struct kj_backend;

struct kj_backend_ops {
	int (*write)(struct kj_backend *b, uint64_t addr, const void *buf, size_t len);
	int (*zero)(struct kj_backend *b, uint64_t addr, size_t len);
	int (*read)(struct kj_backend *b, uint64_t addr, void *buf, size_t len);
	int (*sync)(struct kj_backend *b);
	void (*close)(struct kj_backend *b);
};

struct kj_backend {
	const struct kj_backend_ops *ops;
	enum kj_backend_kind kind;
	int fd;
	int writable;
	/* devmem: where large windows may be mapped (memory outside the running kernel's
	 * RAM); empty: map each access on its own. */
	struct kj_ranges windows;
	int windows_set; /* fail closed: an access outside the windows is refused */
};

/* spec: "file:PATH", "devmem" or "null". writable: open for restoring. */
int kj_backend_open(const char *spec, const struct kj_root *root, int writable,
		    struct kj_backend **ret);
void kj_backend_close(struct kj_backend *b);
/* devmem: allow windows over these ranges (normalized, page-aligned); from then on
 * every access outside them fails with -EFAULT (never MMIO, never the running
 * kernel's own RAM). -ENOMEM. */
int kj_backend_set_windows(struct kj_backend *b, const struct kj_ranges *r);
/* devmem: can the page at addr be mapped as restoring needs (the kernel may refuse
 * it: CONFIG_IO_STRICT_DEVMEM and a busy resource there)? 0 yes (and always for the
 * other backends), else -errno (-EPERM). Maps nothing afterwards. */
int kj_backend_probe(struct kj_backend *b, uint64_t addr);
/* Unmap the calling thread's devmem window (each thread keeps one mapped): call it
 * before a thread that used a devmem backend exits. */
void kj_backend_thread_done(void);
