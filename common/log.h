/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* Logging for the programs' top level only; library code returns errors instead.
 * In early boot messages go to /dev/kmsg as "<prio>kjump-resume: ..." so that they show
 * in dmesg and on the console; elsewhere to stderr. */
#include <stdarg.h>
#include <stddef.h>
#include <syslog.h>

enum kj_log_target {
	KJ_LOG_AUTO, /* kmsg inside an initramfs, stderr otherwise */
	KJ_LOG_STDERR,
	KJ_LOG_KMSG,
};

/* ident: program name; kmsg_path: NULL for /dev/kmsg (tests pass a file). */
void kj_log_open(const char *ident, enum kj_log_target target, const char *kmsg_path);

/* The programs' shared options, for their getopt_long tables and switches:
 * --log auto|stderr|kmsg, -v/--verbose, -q/--quiet, --version. */
#define KJ_OPT_LOG     0x10000
#define KJ_OPT_VERSION 0x10001
#define KJ_LOG_OPTIONS                                                                             \
	{"log", required_argument, NULL, KJ_OPT_LOG}, {"verbose", no_argument, NULL, 'v'},         \
	    {"quiet", no_argument, NULL, 'q'},                                                     \
	{                                                                                          \
		"version", no_argument, NULL, KJ_OPT_VERSION                                       \
	}
/* 1: c was a logging option (handled), KJ_OPT_DONE: --version was printed (exit 0),
 * 0: not one of these, -EINVAL: bad --log value. */
#define KJ_OPT_DONE 2
int kj_log_option(int c, const char *arg, enum kj_log_target *target);
/* At exit (atexit): stdout must have reached its file; a full disk or a closed pipe is
 * an error, as in util-linux's close_stdout(). */
void kj_close_stdout(void);
void kj_log_set_max_level(int prio);

void kj_log(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* One finished message: the sink programs hand to a library's report function. */
void kj_log_msg(int prio, const char *msg);

#define log_error(...)	 kj_log(LOG_ERR, __VA_ARGS__)
#define log_warning(...) kj_log(LOG_WARNING, __VA_ARGS__)
#define log_notice(...)	 kj_log(LOG_NOTICE, __VA_ARGS__)
#define log_info(...)	 kj_log(LOG_INFO, __VA_ARGS__)
#define log_debug(...)	 kj_log(LOG_DEBUG, __VA_ARGS__)

/* s made safe for a terminal or the kernel log: bytes outside printable ASCII become
 * \xHH (an image's strings are not trusted: no escape sequences, no line breaks).
 * Returns buf, truncated to size. */
const char *kj_escape(const char *s, char *buf, size_t size);
