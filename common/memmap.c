/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "memmap.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macros.h"

static const char *const type_names[] = {
	[KJ_MEM_RAM] = "System RAM",
	[KJ_MEM_RESERVED] = "Reserved",
	[KJ_MEM_ACPI] = "ACPI Tables",
	[KJ_MEM_ACPI_NVS] = "ACPI Non-volatile Storage",
	[KJ_MEM_UNUSABLE] = "Unusable memory",
	[KJ_MEM_PMEM] = "Persistent Memory",
	[KJ_MEM_SOFT_RESERVED] = "Soft Reserved",
};

enum kj_mem_type kj_mem_type_from_string(const char *s)
{
	size_t n = strcspn(s, "\n");
	for (size_t i = 1; i < ARRAY_SIZE(type_names); i++)
		if (strlen(type_names[i]) == n && !strncmp(s, type_names[i], n))
			return (enum kj_mem_type)i;
	return KJ_MEM_OTHER;
}

const char *kj_mem_type_to_string(enum kj_mem_type t)
{
	if ((size_t)t < ARRAY_SIZE(type_names) && type_names[t])
		return type_names[t];
	return "other";
}

void kj_memmap_free(struct kj_memmap *m)
{
	free(m->e);
	m->e = NULL;
	m->n = 0;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct kj_memmap_entry *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

int kj_memmap_read(const struct kj_root *root, struct kj_memmap *ret)
{
	char dirpath[4096];
	DIR *d;
	struct dirent *de;
	struct kj_memmap m = {0};
	size_t cap = 0;
	int rc = kj_root_path(root, "/sys/firmware/memmap", dirpath, sizeof(dirpath));

	if (rc < 0)
		return rc;
	d = opendir(dirpath);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char p[320];
		uint64_t start, end;
		_cleanup_free_ char *type = NULL;
		uint64_t idx;

		if (kj_parse_u64(de->d_name, &idx) < 0)
			continue;
		snprintf(p, sizeof(p), "/sys/firmware/memmap/%s/start", de->d_name);
		if ((rc = kj_root_read_u64(root, p, &start)) < 0)
			goto fail;
		snprintf(p, sizeof(p), "/sys/firmware/memmap/%s/end", de->d_name);
		if ((rc = kj_root_read_u64(root, p, &end)) < 0)
			goto fail;
		snprintf(p, sizeof(p), "/sys/firmware/memmap/%s/type", de->d_name);
		if ((rc = kj_root_read_file(root, p, 256, &type, NULL)) < 0)
			goto fail;
		/* sysfs "end" is inclusive. */
		if (end < start || end == UINT64_MAX) {
			rc = -EBADMSG;
			goto fail;
		}
		if (KJ_GROW(m.e, m.n, cap, 32) < 0) {
			rc = -ENOMEM;
			goto fail;
		}
		m.e[m.n++] = (struct kj_memmap_entry){start, end + 1, kj_mem_type_from_string(type)};
	}
	closedir(d);
	if (m.n == 0)
		return -ENOENT;
	qsort(m.e, m.n, sizeof(*m.e), cmp_entry);
	*ret = m;
	return 0;
fail:
	closedir(d);
	kj_memmap_free(&m);
	return rc;
}

int kj_memmap_ranges(const struct kj_memmap *m, enum kj_mem_type type, struct kj_ranges *out)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->e[i].type == (uint32_t)type &&
		    kj_ranges_add(out, m->e[i].start, m->e[i].end) < 0)
			return -ENOMEM;
	kj_ranges_normalize(out);
	return 0;
}

int kj_iomem_parse_ram(const char *buf, size_t size, struct kj_ranges *out)
{
	const char *p = buf, *end = buf + size;
	int any_nonzero = 0, any = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char line[256];
		unsigned long long s, e;
		int off = 0;

		if (len < sizeof(line) && p[0] != ' ') {
			memcpy(line, p, len);
			line[len] = 0;
			if (sscanf(line, "%llx-%llx : %n", &s, &e, &off) == 2 && off > 0) {
				any = 1;
				if (e)
					any_nonzero = 1;
				if (e >= s && e != UINT64_MAX &&
				    !strcmp(line + off, "System RAM") &&
				    kj_ranges_add(out, s, e + 1) < 0)
					return -ENOMEM;
			}
		}
		p += len + 1;
	}
	if (any && !any_nonzero)
		return -EACCES;
	kj_ranges_normalize(out);
	return 0;
}

int kj_iomem_read_ram(const struct kj_root *root, struct kj_ranges *out)
{
	_cleanup_free_ char *buf = NULL;
	size_t size;
	int rc = kj_root_read_file(root, "/proc/iomem", 1 << 20, &buf, &size);
	if (rc < 0)
		return rc;
	return kj_iomem_parse_ram(buf, size, out);
}
