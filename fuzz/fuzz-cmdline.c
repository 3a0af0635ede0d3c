/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz target: the kernel command-line parser, the device-number forms and the
 * memhotplug command-line rewrite, the region (memmap=exactmap ...) parser. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "settings.h"
#include "device.h"
#include "region.h"
#include "run.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct resume_cmdline c;
	char *s = malloc(size + 1), out[4096];
	unsigned maj, min;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = 0;
	resume_cmdline_init(&c);
	resume_cmdline_parse((const char *)data, size, &c, NULL, NULL);
	resume_parse_devnum(s, &maj, &min);
	memhp_unrestricted_cmdline(s, out, sizeof(out));
	{
		struct kj_ranges r = {0};
		if (kj_region_from_cmdline((const char *)data, size, &r) > 0)
			for (size_t i = 0; i < r.n; i++)
				if (r.r[i].start >= r.r[i].end)
					abort(); /* normalized ranges are never empty */
		kj_ranges_free(&r);
	}
	free(s);
	return 0;
}
