/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "out.h"

#include <inttypes.h>

void setup_put(FILE *f, const char *name, const char *value)
{
	fprintf(f, "%s='", name);
	for (const char *p = value; *p; p++)
		if (*p == '\'')
			fputs("'\\''", f);
		else
			fputc(*p, f);
	fputs("'\n", f);
}

void setup_put_u64(FILE *f, const char *name, uint64_t value)
{
	fprintf(f, "%s='%" PRIu64 "'\n", name, value);
}
