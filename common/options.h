/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* What every program's option parsing shares: the options all of them take
 * (KJ_LOG_OPTIONS in their getopt_long table, and -h/--help) and the messages for a bad
 * value or an unknown option. */
#include <getopt.h>
#include <stdio.h>

#include "log.h"

/* The options every program takes, for the end of its getopt_long table. */
#define KJ_COMMON_OPTIONS                                                                          \
	KJ_LOG_OPTIONS,                                                                            \
	{                                                                                          \
		"help", no_argument, NULL, 'h'                                                     \
	}

/* The end of a program's option switch (its default: branch): 1 when c was a shared
 * option and is handled, KJ_OPT_DONE when --help or --version printed what they print
 * (exit 0), -EINVAL for a bad value or an unknown option (said on stderr, with the usage
 * for the latter). */
int kj_options_common(int c, const char *arg, enum kj_log_target *log, void (*usage)(FILE *));
/* A bad option value, said on stderr: -EINVAL. */
int kj_options_bad_value(const char *arg);
