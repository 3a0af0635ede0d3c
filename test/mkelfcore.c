/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Test helper: make an ELF64 ET_CORE from a memory file, one PT_LOAD per range (like
 * /proc/vmcore), plus an empty PT_NOTE. Usage: mkelfcore MEMFILE RANGES OUT */
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ranges.h"

int main(int argc, char **argv)
{
	struct kj_ranges r = {0};
	Elf64_Ehdr eh = {0};
	int in, out;
	uint64_t off;
	static char buf[1 << 16];

	if (argc != 4 || kj_ranges_parse(argv[2], &r) < 0)
		return 2;
	kj_ranges_normalize(&r);
	in = open(argv[1], O_RDONLY);
	out = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (in < 0 || out < 0)
		return 1;
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_CORE;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_phoff = sizeof(eh);
	eh.e_ehsize = sizeof(eh);
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_phnum = (uint16_t)(r.n + 1);
	if (write(out, &eh, sizeof(eh)) != sizeof(eh))
		return 1;
	off = 4096; /* data after the headers, page aligned */
	{
		Elf64_Phdr note = {.p_type = PT_NOTE, .p_offset = off};
		if (write(out, &note, sizeof(note)) != sizeof(note))
			return 1;
	}
	for (size_t i = 0; i < r.n; i++) {
		Elf64_Phdr ph = {.p_type = PT_LOAD,
				 .p_flags = PF_R | PF_W | PF_X,
				 .p_offset = off,
				 .p_paddr = r.r[i].start,
				 .p_vaddr = 0xffff888000000000ull + r.r[i].start,
				 .p_filesz = r.r[i].end - r.r[i].start,
				 .p_memsz = r.r[i].end - r.r[i].start,
				 .p_align = 0};
		if (write(out, &ph, sizeof(ph)) != sizeof(ph))
			return 1;
		off += ph.p_filesz;
	}
	off = 4096;
	for (size_t i = 0; i < r.n; i++)
		for (uint64_t a = r.r[i].start; a < r.r[i].end;) {
			size_t n =
			    (size_t)(r.r[i].end - a < sizeof(buf) ? r.r[i].end - a : sizeof(buf));
			ssize_t got = pread(in, buf, n, (off_t)a);
			if (got < 0)
				return 1;
			if ((size_t)got < n)
				memset(buf + got, 0, n - (size_t)got);
			if (pwrite(out, buf, n, (off_t)off) != (ssize_t)n)
				return 1;
			a += n;
			off += n;
		}
	close(out);
	close(in);
	kj_ranges_free(&r);
	return 0;
}
