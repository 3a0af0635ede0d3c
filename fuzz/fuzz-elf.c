/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz target: the ELF core reader's header and program-header parser. */
#include <stdint.h>
#include <stdlib.h>

#include "elfcore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kj_elfcore e;
	struct kj_ranges r = {0};
	size_t need;

	kj_elf_header_size(data, size, &need);
	if (kj_elf_parse(data, size, size, &e) == 0) {
		kj_elfcore_ranges(&e, &r);
		kj_ranges_free(&r);
		free(e.loads);
	}
	return 0;
}
