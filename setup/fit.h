/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* The kjump region as this machine's kernels must get it: the RAM a region's command
 * line fragment gives (memmap=exactmap memmap=nn@ss ..., mem=) cut to the firmware's
 * System RAM, so that no ACPI NVS or reserved memory is ever claimed as RAM. */
#include <stddef.h>
#include <stdint.h>

#include "ranges.h"

/* Fit region (size bytes) to fw_ram (the firmware's System RAM, normalized). Each
 * range of the region is cut to whole pages of RAM; a RAM range that ends inside the
 * region loses its last page (kexec-tools backs up whole pages only up to the aligned
 * inclusive end), which, when it is a whole page above 1 MiB, is reserved instead
 * (memmap=4K$ADDR: kjump-save saves it directly). ret_fitted (malloc'd):
 * "memmap=exactmap memmap=nnK@0xADDR ... [memmap=4K$0xADDR ...] mem=nnK"; ret_end: where
 * the region ends (mem=). 0; -EINVAL malformed, without memmap=exactmap, or empty;
 * -ENOMEM. */
int setup_fit_region(const char *region, size_t size, const struct kj_ranges *fw_ram,
		     char **ret_fitted, uint64_t *ret_end);

/* Only the end (no firmware map needed): 0, -EINVAL, -ENOMEM. */
int setup_region_end(const char *region, size_t size, uint64_t *ret_end);
