/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* The EFI runtime map (/sys/firmware/efi/runtime-map, CONFIG_EFI_RUNTIME_MAP): where
 * the firmware's runtime services live and the virtual addresses the kernel gave them
 * with SetVirtualAddressMap. A hibernated kernel keeps calling the firmware at its own
 * virtual addresses after the resume, but the firmware it meets was relocated by the
 * resume kernel: both boots must agree on every runtime region. */
#include <stddef.h>
#include <stdint.h>

#include "root.h"

/* EFI memory types that are runtime regions of their own. Boot-services code and
 * data (3, 4) also carry the runtime attribute when a kernel restricted with
 * memmap=exactmap cannot free them, so they differ between a full and a restricted
 * boot and are left out. */
enum {
	KJ_EFI_RUNTIME_CODE = 5,
	KJ_EFI_RUNTIME_DATA = 6,
	KJ_EFI_MMIO = 11,
	KJ_EFI_MMIO_PORT = 12,
	KJ_EFI_PAL_CODE = 13,
};

struct kj_efi_rt_entry {
	uint32_t type;
	uint64_t phys, virt, pages;
};

struct kj_efi_rt {
	struct kj_efi_rt_entry *e;
	size_t n, cap;
};

void kj_efi_rt_free(struct kj_efi_rt *m);
#define _cleanup_efi_rt_ __attribute__((cleanup(kj_efi_rt_free)))
/* Read the map under root: runtime regions only, sorted by physical address. -ENOENT
 * without the directory (no UEFI, or a kernel without CONFIG_EFI_RUNTIME_MAP). */
int kj_efi_rt_read(const struct kj_root *root, struct kj_efi_rt *ret);
/* CRC32C over entries encoded as 32-byte little-endian records {type, 0, phys, virt,
 * pages} (the image header's kj_disk_efi_rt). */
uint32_t kj_efi_rt_crc(const struct kj_efi_rt_entry *e, size_t n);
/* 1 when both describe the same region at the same virtual address. */
int kj_efi_rt_entry_eq(const struct kj_efi_rt_entry *a, const struct kj_efi_rt_entry *b);
const char *kj_efi_type_to_string(uint32_t type);
