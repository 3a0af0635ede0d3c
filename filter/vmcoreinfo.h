/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* The hibernated kernel's VMCOREINFO note (kernel/crash_core.c): an ELF note named
 * "VMCOREINFO" whose text holds KEY=VALUE lines: OSRELEASE=, PAGESIZE=, SYMBOL(x)=hex,
 * NUMBER(x)=signed decimal, OFFSET(s.f)=, SIZE(s)=, LENGTH(x)= decimal, KERNELOFFSET=hex.
 * Everything the page filter knows about A's layout comes from here. */
#include <stddef.h>
#include <stdint.h>

#define KJ_VMCI_MAX_TEXT 4096 /* VMCOREINFO_BYTES: one page */

struct kj_vmci {
	char text[KJ_VMCI_MAX_TEXT + 1]; /* the lines, NUL-terminated */
	size_t len;
};

/* Parse a note (buf, size bytes: the note header, name and text). Refuses anything but
 * one note named "VMCOREINFO" of type 0 whose text is printable lines of KEY=VALUE with
 * no key twice: -EBADMSG. */
int kj_vmci_parse_note(const void *buf, size_t size, struct kj_vmci *ret);
/* The value of key ("SYMBOL(init_top_pgt)", "NUMBER(phys_base)", "PAGESIZE", ...), read
 * as the kernel printed it (hex for SYMBOL() and KERNELOFFSET, decimal otherwise;
 * NUMBER() may be negative). 0, -ENOENT absent, -EBADMSG malformed. */
int kj_vmci_u64(const struct kj_vmci *v, const char *key, uint64_t *ret);
int kj_vmci_s64(const struct kj_vmci *v, const char *key, int64_t *ret);
/* A string value (OSRELEASE): 0, -ENOENT, -ENAMETOOLONG when it does not fit. */
int kj_vmci_str(const struct kj_vmci *v, const char *key, char *buf, size_t size);
