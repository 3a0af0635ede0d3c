/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "options.h"

#include <errno.h>

int kj_options_bad_value(const char *arg)
{
	fprintf(stderr, "%s: invalid value for option: '%s'\n", program_invocation_short_name,
		arg ? arg : "");
	return -EINVAL;
}

int kj_options_common(int c, const char *arg, enum kj_log_target *log, void (*usage)(FILE *))
{
	int r;

	if (c == 'h') {
		usage(stdout);
		return KJ_OPT_DONE;
	}
	r = kj_log_option(c, arg, log);
	if (r < 0)
		return kj_options_bad_value(arg);
	if (r > 0)
		return r;
	usage(stderr); /* getopt said which option it did not know */
	return -EINVAL;
}
