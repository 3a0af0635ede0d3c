/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "efirt.h"

#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "macros.h"

void kj_efi_rt_free(struct kj_efi_rt *m)
{
	free(m->e);
	m->e = NULL;
	m->n = m->cap = 0;
}

static int kj_efi_rt_type_kept(uint32_t type)
{
	return type == KJ_EFI_RUNTIME_CODE || type == KJ_EFI_RUNTIME_DATA || type == KJ_EFI_MMIO ||
	       type == KJ_EFI_MMIO_PORT || type == KJ_EFI_PAL_CODE;
}

const char *kj_efi_type_to_string(uint32_t type)
{
	switch (type) {
	case KJ_EFI_RUNTIME_CODE: return "runtime code";
	case KJ_EFI_RUNTIME_DATA: return "runtime data";
	case KJ_EFI_MMIO: return "MMIO";
	case KJ_EFI_MMIO_PORT: return "MMIO port space";
	case KJ_EFI_PAL_CODE: return "PAL code";
	}
	return "other";
}

static int rt_entry(const struct kj_root *root, const char *dir, void *ud)
{
	static const char *const names[] = {"type", "phys_addr", "virt_addr", "num_pages"};
	struct kj_efi_rt *m = ud;
	uint64_t v[4];
	char p[4200];
	int rc;

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
		if ((rc = kj_root_read_u64(root, p, &v[i])) < 0)
			return rc;
	}
	if (v[0] > UINT32_MAX || v[3] == 0 || v[3] > (UINT64_MAX - v[1]) >> KJ_PAGE_SHIFT)
		return -EBADMSG;
	if (!kj_efi_rt_type_kept((uint32_t)v[0]))
		return 0;
	if (KJ_GROW(m->e, m->n, m->cap, 32) < 0)
		return -ENOMEM;
	m->e[m->n++] = (struct kj_efi_rt_entry){(uint32_t)v[0], v[1], v[2], v[3]};
	return 0;
}

static int cmp_phys(const void *a, const void *b)
{
	const struct kj_efi_rt_entry *x = a, *y = b;
	return x->phys < y->phys ? -1 : x->phys > y->phys;
}

int kj_efi_rt_read(const struct kj_root *root, struct kj_efi_rt *ret)
{
	struct kj_efi_rt m = {0};
	int rc = kj_root_foreach_numbered(root, "/sys/firmware/efi/runtime-map", rt_entry, &m);

	if (rc < 0) {
		kj_efi_rt_free(&m);
		return rc;
	}
	if (m.n)
		qsort(m.e, m.n, sizeof(*m.e), cmp_phys);
	*ret = m;
	return 0;
}

uint32_t kj_efi_rt_crc(const struct kj_efi_rt_entry *e, size_t n)
{
	uint32_t crc = 0;

	for (size_t i = 0; i < n; i++) {
		uint64_t rec[4] = {htole64((uint64_t)e[i].type), htole64(e[i].phys),
				   htole64(e[i].virt), htole64(e[i].pages)};
		crc = crc32c(crc, rec, sizeof(rec));
	}
	return crc;
}

int kj_efi_rt_entry_eq(const struct kj_efi_rt_entry *a, const struct kj_efi_rt_entry *b)
{
	return a->type == b->type && a->phys == b->phys && a->virt == b->virt &&
	       a->pages == b->pages;
}
