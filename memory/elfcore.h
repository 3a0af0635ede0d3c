/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* ELF64 core files (/proc/vmcore, kexec-jump's dump.elf) as a memory source:
 * every PT_LOAD is physical memory at p_paddr. */
#include <stddef.h>
#include <stdint.h>

#include "ranges.h"

struct kj_elf_load {
	uint64_t paddr, offset, filesz, memsz;
};

struct kj_elfcore {
	int fd;
	struct kj_elf_load *loads; /* sorted by paddr, non-overlapping */
	size_t n;
	uint16_t machine;
};

/* Bytes of the file the parser needs to see: header plus program headers. */
int kj_elf_header_size(const void *buf, size_t size, size_t *ret);
/* Parse an ELF64 LE ET_CORE (buf covers the program headers). -EBADMSG if malformed. */
int kj_elf_parse(const void *buf, size_t size, uint64_t file_size, struct kj_elfcore *ret);

int kj_elfcore_open(const char *path, struct kj_elfcore *ret, char *err, size_t errlen);
void kj_elfcore_close(struct kj_elfcore *e);
/* The memory the core holds, page-rounded. */
int kj_elfcore_ranges(const struct kj_elfcore *e, struct kj_ranges *out);
/* kj_mem_read_fn: bytes not backed by the file read as zero. */
int kj_elfcore_read(void *ctx, uint64_t addr, void *buf, size_t len);
