/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* The hibernated kernel A's kexec control page, as B reads it: where A keeps the head of
 * its indirection list (the list that says which of A's pages relocate_kernel swapped
 * out of B's region). The place moved in Linux 6.14 and depends on the build since, so
 * it is found, not assumed:
 *  1. decoded from the code at A's jump-back entry (the instruction that loads the list
 *     head into %rdi for swap_pages);
 *  2. failing that, by trying every qword of the page that is an indirection entry: the
 *     one whose walk passes every check of kj_amem_init, if exactly one does. */
#include <stddef.h>
#include <stdint.h>

#include "amem.h"

/* The list head's offset in the control page, decoded from the code at entry_off of
 * page (size bytes, the whole page): 0 with *ret_off, -ENOEXEC for code this decoder
 * does not know (the caller falls back), -EINVAL for bad arguments. */
int kj_ctlpage_decode_head(const uint8_t *page, size_t size, size_t entry_off, size_t *ret_off);

enum kj_head_how { KJ_HEAD_DECODED = 1, KJ_HEAD_SCANNED };

/* Open A's memory (kj_amem_init) with the list head found in its control page, which
 * holds A's jump-back entry `entry`. *ret_how says how the head was found. With no
 * usable head: <0 and err says why; nothing else is tried after a decoded head whose
 * list fails its checks (the code says where the head is: a bad list there is not to be
 * second-guessed). */
int kj_ctlpage_open_amem(struct kj_amem *m, kj_phys_read_fn read, void *ctx, uint64_t entry,
			 const struct kj_ranges *b_ram, const struct kj_ranges *a_ram,
			 enum kj_head_how *ret_how, char *err, size_t errlen);
