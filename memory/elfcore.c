/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "elfcore.h"

#include <elf.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io.h"
#include "macros.h"

int kj_elf_header_size(const void *buf, size_t size, size_t *ret)
{
	Elf64_Ehdr eh;
	uint64_t end;

	if (size < sizeof(eh))
		return -EBADMSG;
	memcpy(&eh, buf, sizeof(eh));
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_ident[EI_DATA] != ELFDATA2LSB)
		return -EBADMSG;
	if (le16toh(eh.e_phentsize) != sizeof(Elf64_Phdr))
		return -EBADMSG;
	end = le64toh(eh.e_phoff) + (uint64_t)le16toh(eh.e_phnum) * sizeof(Elf64_Phdr);
	if (end < le64toh(eh.e_phoff) || end > (1u << 24))
		return -EBADMSG;
	*ret = (size_t)MAX(end, sizeof(eh));
	return 0;
}

static int cmp_load(const void *a, const void *b)
{
	const struct kj_elf_load *x = a, *y = b;
	return x->paddr < y->paddr ? -1 : x->paddr > y->paddr;
}

int kj_elf_parse(const void *buf, size_t size, uint64_t file_size, struct kj_elfcore *ret)
{
	Elf64_Ehdr eh;
	struct kj_elf_load *loads;
	size_t need, n = 0;
	uint16_t phnum;

	if (kj_elf_header_size(buf, size, &need) < 0 || need > size)
		return -EBADMSG;
	memcpy(&eh, buf, sizeof(eh));
	if (le16toh(eh.e_type) != ET_CORE)
		return -EBADMSG;
	phnum = le16toh(eh.e_phnum);
	loads = calloc(phnum ? phnum : 1, sizeof(*loads));
	if (!loads)
		return -ENOMEM;
	for (uint16_t i = 0; i < phnum; i++) {
		Elf64_Phdr ph;
		struct kj_elf_load l;
		uint64_t fend, mend;

		memcpy(&ph, (const uint8_t *)buf + le64toh(eh.e_phoff) + i * sizeof(ph),
		       sizeof(ph));
		if (le32toh(ph.p_type) != PT_LOAD)
			continue;
		l.paddr = le64toh(ph.p_paddr);
		l.offset = le64toh(ph.p_offset);
		l.filesz = le64toh(ph.p_filesz);
		l.memsz = le64toh(ph.p_memsz);
		if (l.filesz > l.memsz || !kj_add_ok(l.offset, l.filesz, &fend) ||
		    fend > file_size || !kj_add_ok(l.paddr, l.memsz, &mend) ||
		    mend > (UINT64_MAX - KJ_PAGE_SIZE)) {
			free(loads);
			return -EBADMSG;
		}
		if (l.memsz)
			loads[n++] = l;
	}
	qsort(loads, n, sizeof(*loads), cmp_load);
	for (size_t i = 1; i < n; i++)
		if (loads[i].paddr < loads[i - 1].paddr + loads[i - 1].memsz) {
			free(loads);
			return -EBADMSG;
		}
	ret->fd = -1;
	ret->loads = loads;
	ret->n = n;
	ret->machine = le16toh(eh.e_machine);
	return 0;
}

int kj_elfcore_open(const char *path, struct kj_elfcore *ret, char *err, size_t errlen)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	_cleanup_free_ uint8_t *buf = NULL;
	uint8_t eh[sizeof(Elf64_Ehdr)];
	struct stat st;
	size_t need;
	int rc;

	if (fd < 0 || fstat(fd, &st) < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return rc;
	}
	if (kj_loop_pread(fd, eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) ||
	    kj_elf_header_size(eh, sizeof(eh), &need) < 0) {
		snprintf(err, errlen, "%s is not an ELF64 little-endian file", path);
		return -EBADMSG;
	}
	buf = malloc(need);
	if (!buf)
		return -ENOMEM;
	if (kj_loop_pread(fd, buf, need, 0) != (ssize_t)need) {
		snprintf(err, errlen, "%s: program headers truncated", path);
		return -EBADMSG;
	}
	/* /proc/vmcore reports its size; a 0-size special file is taken on trust. */
	rc = kj_elf_parse(
	    buf, need, S_ISREG(st.st_mode) && st.st_size ? (uint64_t)st.st_size : UINT64_MAX, ret);
	if (rc < 0) {
		snprintf(err, errlen, "%s is not a valid ELF core", path);
		return rc;
	}
	ret->fd = TAKE_FD(fd);
	return 0;
}

void kj_elfcore_close(struct kj_elfcore *e)
{
	if (e->fd >= 0)
		close(e->fd);
	free(e->loads);
	e->loads = NULL;
	e->fd = -1;
}

int kj_elfcore_ranges(const struct kj_elfcore *e, struct kj_ranges *out)
{
	for (size_t i = 0; i < e->n; i++)
		if (kj_ranges_add(out, e->loads[i].paddr, e->loads[i].paddr + e->loads[i].memsz) <
		    0)
			return -ENOMEM;
	kj_ranges_page_align(out, KJ_PAGE_SIZE);
	return 0;
}

int kj_elfcore_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct kj_elfcore *e = ctx;
	uint8_t *p = buf;

	memset(buf, 0, len);
	for (size_t i = 0; i < e->n && len; i++) {
		const struct kj_elf_load *l = &e->loads[i];
		uint64_t s = MAX(addr, l->paddr), end = MIN(addr + len, l->paddr + l->filesz);
		if (s >= end)
			continue;
		ssize_t n = kj_loop_pread(e->fd, p + (s - addr), (size_t)(end - s),
					  l->offset + (s - l->paddr));
		if (n < 0)
			return (int)n;
		if ((uint64_t)n != end - s)
			return -EIO; /* the core is shorter than its headers say */
	}
	return 0;
}
