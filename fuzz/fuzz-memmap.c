/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz target: /proc/iomem text, memory-map type names, range lists, the bzImage header
 * the boot into all memory reads. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "memhp.h"
#include "memmap.h"
#include "ranges.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kj_ranges r = {0}, l = {0};
	char *s = malloc(size + 1);
	uint64_t v;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = 0;
	kj_iomem_parse_ram((const char *)data, size, &r);
	kj_mem_type_from_string(s);
	if (kj_ranges_parse(s, &l) == 0)
		kj_ranges_page_align(&l, 4096);
	kj_parse_size(s, &v);
	memhp_bzimage_init_size(data, size, &v);
	kj_ranges_free(&r);
	kj_ranges_free(&l);
	free(s);
	return 0;
}
