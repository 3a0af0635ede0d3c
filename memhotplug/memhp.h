/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* Memory hot-add for a kernel that booted with restricted memory: find the firmware's
 * System RAM that the kernel does not have, probe it block by block through
 * /sys/devices/system/memory/probe and online it. Everything goes through the root
 * prefix; the attribute writes go through memhp_ops so tests can emulate the kernel. */
#include <stddef.h>
#include <stdint.h>

#include "ranges.h"
#include "root.h"

enum memhp_zone { MEMHP_ZONE_KERNEL, MEMHP_ZONE_MOVABLE, MEMHP_ZONE_AUTO };

enum memhp_action {
	MEMHP_PROBE_ONLINE, /* absent block fully inside System RAM */
	MEMHP_ONLINE,	    /* present but offline */
};

struct memhp_step {
	uint64_t index, start; /* block number, physical address */
	enum memhp_action action;
};

struct memhp_leftout {
	uint64_t start, end; /* RAM left out */
	const char *why;
};

struct memhp_plan {
	uint64_t block_size;
	int have_probe;
	uint64_t fw_ram_bytes; /* System RAM in the firmware map */
	uint64_t online_bytes; /* RAM in blocks already online */
	uint64_t add_bytes;    /* RAM the steps add */
	uint64_t left_bytes;   /* RAM that cannot be added */
	struct memhp_step *steps;
	size_t n_steps;
	struct memhp_leftout *left;
	size_t n_left;
};

struct memhp_ops {
	/* Write value to an attribute (path absolute, below root). 0 or -errno. */
	int (*write_attr)(const struct kj_root *root, const char *path, const char *value,
			  void *ud);
	void *ud;
};

/* Per-step outcome for the caller to report. */
struct memhp_step_result {
	const struct memhp_step *step;
	int rc;		   /* 0 or -errno */
	const char *stage; /* "probe" or "online" when rc < 0 */
	int was_online;	   /* auto_online_blocks had onlined it already */
};

struct memhp_result {
	size_t added, failed;
	uint64_t added_bytes, failed_bytes;
};

int memhp_plan_build(const struct kj_root *root, struct memhp_plan *ret, char *err, size_t errlen);
void memhp_plan_free(struct memhp_plan *p);

/* Apply the steps in ascending order, one block at a time: each block's struct pages
 * come from memory already online, so probing everything first deadlocks the kernel.
 * on_step (may be NULL) is called after each step. */
int memhp_apply(const struct kj_root *root, const struct memhp_plan *p, enum memhp_zone zone,
		const struct memhp_ops *ops,
		void (*on_step)(const struct memhp_step_result *, void *), void *ud,
		struct memhp_result *ret);

/* MemTotal from /proc/meminfo, in bytes. */
int memhp_memtotal(const struct kj_root *root, uint64_t *ret);
/* A bzImage's init_size: the memory its kernel segment takes when kexec loads it
 * (x86 boot protocol 2.10+: "HdrS" at 0x202, init_size at 0x260). buf: the file's
 * start (0x264 bytes at least). -EINVAL when it is not such a bzImage. */
int memhp_bzimage_init_size(const uint8_t *buf, size_t size, uint64_t *ret);
/* Any /proc/meminfo field ("MemAvailable"), in bytes. */
int memhp_meminfo(const struct kj_root *root, const char *field, uint64_t *ret);

/* Boot-sized limits raised in proportion to the memory growth (old -> new MemTotal):
 * kernel.threads-max, fs.file-max, /sys/power/image_size; capped at what each accepts, and
 * a value set higher already (systemd's fs.file-max) is left alone. Each one written is
 * reported in ret. */
struct memhp_limit {
	const char *name;
	uint64_t before, after;
	int rc;
};
int memhp_raise_limits(const struct kj_root *root, uint64_t old_total, uint64_t new_total,
		       const struct memhp_ops *ops, struct memhp_limit *ret, size_t max,
		       size_t *ret_n);

const char *memhp_zone_state(enum memhp_zone z); /* what to write to memoryN/state */
