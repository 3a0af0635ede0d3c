/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* Segment planner: splits an image's ranges into *direct* ranges, written through the
 * backend now (memory the running kernel does not use), and *staged* ranges that
 * become kexec segments (ranges overlapping the running kernel's RAM, and the page
 * holding the jump-back entry). */
#include <stddef.h>
#include <stdint.h>

#include "backend.h"
#include "image.h"
#include "ranges.h"

#define KJ_KEXEC_SEGMENT_MAX 16 /* linux/kexec.h KEXEC_SEGMENT_MAX */

struct kj_plan {
	struct kj_ranges ram;	 /* running kernel's RAM, page-rounded outwards */
	struct kj_ranges staged; /* merged, page-aligned */
	uint8_t **seg_buf;	 /* content of each staged range when staging in memory */
	uint64_t entry;
	uint64_t ram_bytes;
	uint64_t total_bytes, zero_bytes, direct_bytes, staged_bytes;
	uint64_t staged_image_bytes; /* of staged_bytes, the image's (the rest: zeros over
					A's left-out pages between staged runs) */
	uint64_t max_addr;	     /* end of the highest range */
	struct kj_backend *be;
	int stage_mem; /* keep staged content for kexec_load */
	int write_all; /* also write staged ranges through the backend (file target) */
};

/* Walk the image's range table (checking its CRC and counts) and build the plan.
 * ram: the running kernel's System RAM, or NULL to plan without one (verify,
 * extract: everything direct, no staging limits); fw_ram: this machine's firmware System RAM or
 * NULL when unknown (then not checked). -EBADMSG corrupt table, -ERANGE a range outside
 * firmware RAM, -E2BIG too many segments, -EFBIG staged total over half the RAM,
 * -EINVAL entry outside every saved range, -ENOMEM. err says which limit was hit. */
int kj_plan_build(struct kj_image *img, const struct kj_ranges *ram, const struct kj_ranges *fw_ram,
		  struct kj_plan *ret, char *err, size_t errlen);
/* A plan that stages exactly these ranges (page-aligned), with nothing direct: the
 * jump back from a hibernating kernel that could not save (the entry's page, filled by
 * the caller through kj_plan_segment). -EINVAL, -ENOMEM. */
int kj_plan_init_staged(struct kj_plan *ret, uint64_t entry, const struct kj_ranges *staged);
/* The content buffer of staged segment i (after kj_plan_alloc_staged or
 * kj_plan_init_staged), NULL when there is none. */
uint8_t *kj_plan_segment(struct kj_plan *p, size_t i);
/* Where the direct ranges go; write_all: the staged ones too (a file target stands for
 * memory as it is after the jump). */
void kj_plan_set_target(struct kj_plan *p, struct kj_backend *be, int write_all);
/* Allocate the staged buffers (when the jump will be taken). */
int kj_plan_alloc_staged(struct kj_plan *p);
void kj_plan_free(struct kj_plan *p);

/* Send len bytes for physical address addr (buf NULL: zeros) to where the plan says. */
int kj_plan_emit(struct kj_plan *p, uint64_t addr, const void *buf, size_t len);
