/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "system.h"

#include <stdlib.h>

#include "cmdline.h"

void save_system_read(const struct kj_root *root, struct save_system *ret)
{
	struct save_system s = {0};

	if (kj_root_read_file(root, "/proc/cmdline", 65536, &s.cmdline, &s.cmdline_len) < 0) {
		s.cmdline = NULL;
		s.cmdline_len = 0;
	}
	s.io_rc = kj_iomem_read(root, &s.io);
	s.mm_rc = kj_memmap_read(root, &s.mm);
	*ret = s;
}

void save_system_free(struct save_system *s)
{
	free(s->cmdline);
	s->cmdline = NULL;
	kj_iomem_free(&s->io);
	kj_memmap_free(&s->mm);
}

int save_system_cmdline(const struct save_system *s, const char *key, char *buf, size_t size)
{
	return s->cmdline ? kj_cmdline_get(s->cmdline, s->cmdline_len, key, buf, size) : 0;
}

int save_system_ram(const struct save_system *s, struct kj_ranges *out)
{
	return s->io_rc < 0 ? s->io_rc : kj_iomem_ranges(&s->io, "System RAM", 1, out);
}

int save_system_fw_ram(const struct save_system *s, struct kj_ranges *out)
{
	return s->mm_rc < 0 ? s->mm_rc : kj_memmap_ranges(&s->mm, KJ_MEM_RAM, out);
}
