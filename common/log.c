/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <linux/magic.h>
#include <sys/statfs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *log_ident = "kjump";
static int log_fd = -1; /* -1: stderr */
static int log_max = LOG_INFO;

static int in_initramfs(void)
{
	struct statfs sfs;

	/* systemd and dracut mark the initramfs with /etc/initrd-release; any initramfs
	 * runs from a ramfs or tmpfs root with an /init. */
	if (access("/etc/initrd-release", F_OK) == 0)
		return 1;
	return statfs("/", &sfs) == 0 &&
	       ((unsigned long)sfs.f_type == RAMFS_MAGIC ||
		(unsigned long)sfs.f_type == TMPFS_MAGIC) &&
	       access("/init", F_OK) == 0;
}

/* The kernel drops lines beyond a burst of 10 per 5 s on each open /dev/kmsg
 * (printk.devkmsg=ratelimit, the default) and still reports success: a fresh open
 * every few lines keeps every line of a busy early boot. */
#define KMSG_LINES_PER_OPEN 8
static char log_kmsg_path[256];
static unsigned log_kmsg_lines;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static int open_kmsg(void)
{
	return open(log_kmsg_path, O_WRONLY | O_CLOEXEC | O_NOCTTY | O_APPEND);
}

void kj_log_open(const char *ident, enum kj_log_target target, const char *kmsg_path)
{
	log_ident = ident;
	if (log_fd >= 0)
		close(log_fd);
	log_fd = -1;
	if (target == KJ_LOG_AUTO)
		target = in_initramfs() ? KJ_LOG_KMSG : KJ_LOG_STDERR;
	snprintf(log_kmsg_path, sizeof(log_kmsg_path), "%s", kmsg_path ? kmsg_path : "/dev/kmsg");
	log_kmsg_lines = 0;
	if (target == KJ_LOG_KMSG)
		log_fd = open_kmsg();
	/* No /dev/kmsg: stderr is still better than silence. */
}

static int kj_log_parse_target(const char *s, enum kj_log_target *ret)
{
	if (!strcmp(s, "auto"))
		*ret = KJ_LOG_AUTO;
	else if (!strcmp(s, "stderr"))
		*ret = KJ_LOG_STDERR;
	else if (!strcmp(s, "kmsg"))
		*ret = KJ_LOG_KMSG;
	else
		return -EINVAL;
	return 0;
}

/* "PROGRAM (kjump) VERSION" on stdout. */
static void kj_print_version(void)
{
	printf("%s (kjump) %s\n", program_invocation_short_name, KJ_VERSION_STRING);
}

int kj_log_option(int c, const char *arg, enum kj_log_target *target)
{
	switch (c) {
	case KJ_OPT_LOG: return kj_log_parse_target(arg, target) < 0 ? -EINVAL : 1;
	case 'v': log_max = LOG_DEBUG; return 1;
	case 'q': log_max = LOG_WARNING; return 1;
	case KJ_OPT_VERSION: kj_print_version(); return KJ_OPT_DONE;
	}
	return 0;
}

void kj_close_stdout(void)
{
	int err = ferror(stdout);

	if (fclose(stdout) != 0 || err) {
		if (!err && errno == EBADF)
			return; /* stdout was closed by the caller already */
		fprintf(stderr, "%s: write error on standard output: %s\n",
			program_invocation_short_name, strerror(err && !errno ? EIO : errno));
		_exit(EXIT_FAILURE);
	}
}

void kj_log_set_max_level(int prio)
{
	log_max = prio;
}

void kj_log_msg(int prio, const char *msg)
{
	kj_log(prio, "%s", msg);
}

void kj_log(int prio, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	int n;

	if (prio > log_max)
		return; /* errors always pass: log_max is at least LOG_WARNING */
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	pthread_mutex_lock(&log_lock); /* progress lines may come from worker threads */
	if (log_fd >= 0 && ++log_kmsg_lines > KMSG_LINES_PER_OPEN) {
		int fd = open_kmsg();
		if (fd >= 0) {
			close(log_fd);
			log_fd = fd;
			log_kmsg_lines = 1;
		}
	}
	if (log_fd >= 0) {
		char line[1100];
		n = snprintf(line, sizeof(line), "<%d>%s: %s\n", prio, log_ident, msg);
		if (n > 0 && write(log_fd, line,
				   (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1) >= 0) {
			pthread_mutex_unlock(&log_lock);
			return;
		}
	}
	pthread_mutex_unlock(&log_lock);
	fprintf(stderr, "%s: %s\n", log_ident, msg);
}

const char *kj_escape(const char *s, char *buf, size_t size)
{
	size_t o = 0;

	if (size == 0)
		return buf;
	for (; *s && o + 1 < size; s++) {
		unsigned char c = (unsigned char)*s;
		if (c >= 0x20 && c < 0x7f && c != '\\') {
			buf[o++] = (char)c;
			continue;
		}
		if (o + 5 > size)
			break;
		snprintf(buf + o, size - o, "\\x%02x", c);
		o += 4;
	}
	buf[o] = 0;
	return buf;
}
