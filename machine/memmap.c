/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "memmap.h"

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

struct memmap_walk {
	struct kj_memmap m;
	size_t cap;
};

static int memmap_entry(const struct kj_root *root, const char *dir, void *ud)
{
	struct memmap_walk *w = ud;
	_cleanup_free_ char *type = NULL;
	uint64_t start, end;
	char p[4200];
	int rc;

	snprintf(p, sizeof(p), "%s/start", dir);
	if ((rc = kj_root_read_u64(root, p, &start)) < 0)
		return rc;
	snprintf(p, sizeof(p), "%s/end", dir);
	if ((rc = kj_root_read_u64(root, p, &end)) < 0)
		return rc;
	snprintf(p, sizeof(p), "%s/type", dir);
	if ((rc = kj_root_read_file(root, p, 256, &type, NULL)) < 0)
		return rc;
	/* sysfs "end" is inclusive. */
	if (end < start || end == UINT64_MAX)
		return -EBADMSG;
	if (KJ_GROW(w->m.e, w->m.n, w->cap, 32) < 0)
		return -ENOMEM;
	w->m.e[w->m.n++] = (struct kj_memmap_entry){start, end + 1, kj_mem_type_from_string(type)};
	return 0;
}

int kj_memmap_read(const struct kj_root *root, struct kj_memmap *ret)
{
	struct memmap_walk w = {0};
	int rc = kj_root_foreach_numbered(root, "/sys/firmware/memmap", memmap_entry, &w);

	if (rc == 0 && w.m.n == 0)
		rc = -ENOENT;
	if (rc < 0) {
		kj_memmap_free(&w.m);
		return rc;
	}
	qsort(w.m.e, w.m.n, sizeof(*w.m.e), cmp_entry);
	*ret = w.m;
	return 0;
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

void kj_iomem_free(struct kj_iomem *io)
{
	free(io->e);
	io->e = NULL;
	io->n = io->cap = 0;
}

/* One line "  00100000-07ffffff : System RAM": depth is the indentation / 2. 0 parsed,
 * -EINVAL not an entry line. */
static int iomem_parse_line(const char *p, size_t len, struct kj_iomem_entry *ret)
{
	char line[256];
	unsigned long long s, e;
	size_t ind = 0;
	int off = 0;

	if (len >= sizeof(line))
		return -EINVAL;
	memcpy(line, p, len);
	line[len] = 0;
	while (line[ind] == ' ')
		ind++;
	if (sscanf(line + ind, "%llx-%llx : %n", &s, &e, &off) != 2 || off <= 0 || e < s ||
	    e == UINT64_MAX)
		return -EINVAL;
	ret->start = s;
	ret->end = e + 1;
	ret->depth = (unsigned)(ind / 2);
	snprintf(ret->name, sizeof(ret->name), "%s", line + ind + off);
	return 0;
}

int kj_iomem_parse(const char *buf, size_t size, struct kj_iomem *ret)
{
	struct kj_iomem io = {0};
	const char *p = buf, *end = buf + size;
	int any_nonzero = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct kj_iomem_entry en;

		p += len + 1;
		if (iomem_parse_line(p - len - 1, len, &en) < 0)
			continue;
		if (KJ_GROW(io.e, io.n, io.cap, 64) < 0) {
			kj_iomem_free(&io);
			return -ENOMEM;
		}
		io.e[io.n++] = en;
		if (en.end > 1)
			any_nonzero = 1;
	}
	if (io.n && !any_nonzero) { /* addresses hidden from an unprivileged reader */
		kj_iomem_free(&io);
		return -EACCES;
	}
	*ret = io;
	return 0;
}

int kj_iomem_read(const struct kj_root *root, struct kj_iomem *ret)
{
	_cleanup_free_ char *buf = NULL;
	size_t size;
	int rc = kj_root_read_file(root, "/proc/iomem", 1 << 20, &buf, &size);
	if (rc < 0)
		return rc;
	return kj_iomem_parse(buf, size, ret);
}

int kj_iomem_ranges(const struct kj_iomem *io, const char *name, int top_level_only,
		    struct kj_ranges *out)
{
	size_t n = strlen(name), want = name[n ? n - 1 : 0] == '*' ? n - 1 : SIZE_MAX;

	for (size_t i = 0; i < io->n; i++) {
		const struct kj_iomem_entry *e = &io->e[i];
		int match =
		    want != SIZE_MAX ? !strncmp(e->name, name, want) : !strcmp(e->name, name);
		if (match && (!top_level_only || e->depth == 0) &&
		    kj_ranges_add(out, e->start, e->end) < 0)
			return -ENOMEM;
	}
	kj_ranges_normalize(out);
	return 0;
}

/* The top-level "System RAM" of a parse (rc its result), freed. */
static int ram_of(struct kj_iomem *io, int rc, struct kj_ranges *out)
{
	if (rc < 0)
		return rc;
	rc = kj_iomem_ranges(io, "System RAM", 1, out);
	kj_iomem_free(io);
	return rc;
}

int kj_iomem_parse_ram(const char *buf, size_t size, struct kj_ranges *out)
{
	struct kj_iomem io = {0};
	return ram_of(&io, kj_iomem_parse(buf, size, &io), out);
}

int kj_iomem_read_ram(const struct kj_root *root, struct kj_ranges *out)
{
	struct kj_iomem io = {0};
	return ram_of(&io, kj_iomem_read(root, &io), out);
}
