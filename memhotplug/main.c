/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kjump-memhotplug: hot-add the RAM a restricted boot does not have, on its own (the
 * same thing kjump-resume does when there is no image). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exitcode.h"
#include "log.h"
#include "options.h"
#include "root.h"
#include "run.h"

static void usage(FILE *f)
{
	fputs("Usage: kjump-memhotplug [OPTIONS]\n"
	      "Add the firmware's System RAM that this kernel does not have, one memory block at\n"
	      "a time (probe, then online), and raise the limits sized at boot.\n\n"
	      "  -n, --dry-run            print the plan, change nothing\n"
	      "  -z, --zone kernel|movable|auto\n"
	      "                           online_kernel (default), online_movable, or online\n"
	      "      --fallback-kernel K  without a probe interface, kexec into kernel K with all\n"
	      "                           memory (default " MEMHP_FALLBACK_KERNEL " if there)\n"
	      "      --fallback-initrd I  with initrd I (default this boot's, if kept:\n"
	      "                           " MEMHP_RETAINED_INITRD ")\n"
	      "      --cmdline STRING     this boot's command line (default /proc/cmdline)\n"
	      "      --root DIR           use /proc and /sys below DIR\n"
	      "      --log auto|stderr|kmsg\n"
	      "  -v, --verbose / -q, --quiet\n"
	      "Exit status: 0 done or nothing to do, 1 failure, 64 some blocks failed, 2 usage.\n",
	      f);
}

int main(int argc, char **argv)
{
	enum { O_FK = 256, O_FI, O_CMDLINE, O_ROOT };
	static const struct option opts[] = {{"dry-run", no_argument, NULL, 'n'},
					     {"zone", required_argument, NULL, 'z'},
					     {"fallback-kernel", required_argument, NULL, O_FK},
					     {"fallback-initrd", required_argument, NULL, O_FI},
					     {"cmdline", required_argument, NULL, O_CMDLINE},
					     {"root", required_argument, NULL, O_ROOT},
					     KJ_COMMON_OPTIONS,
					     {0}};
	struct memhp_run_opts o = {.zone = MEMHP_ZONE_KERNEL, .report = kj_log_msg};
	enum kj_log_target log = KJ_LOG_AUTO;
	const char *rootdir = NULL;
	struct kj_root root;
	int c, r;

	atexit(kj_close_stdout);

	while ((c = getopt_long(argc, argv, "nz:vqh", opts, NULL)) >= 0) {
		switch (c) {
		case 'n': o.dry_run = 1; break;
		case 'z':
			if (!strcmp(optarg, "kernel"))
				o.zone = MEMHP_ZONE_KERNEL;
			else if (!strcmp(optarg, "movable"))
				o.zone = MEMHP_ZONE_MOVABLE;
			else if (!strcmp(optarg, "auto"))
				o.zone = MEMHP_ZONE_AUTO;
			else
				goto bad_value;
			break;
		case O_FK: o.fallback_kernel = optarg; break;
		case O_FI: o.fallback_initrd = optarg; break;
		case O_CMDLINE: o.cmdline = optarg; break;
		case O_ROOT: rootdir = optarg; break;
		default:
			if ((r = kj_options_common(c, optarg, &log, usage)) == KJ_OPT_DONE)
				return KJ_EXIT_OK;
			if (r < 0)
				return KJ_EXIT_USAGE;
		}
	}
	if (optind != argc)
		goto bad;
	kj_log_open("kjump-memhotplug", log, NULL);
	if (kj_root_init(&root, rootdir) < 0)
		goto bad;
	return memhp_run(&root, &o);
bad:
	fprintf(stderr, "kjump-memhotplug: invalid arguments; see --help\n");
	return KJ_EXIT_USAGE;
bad_value:
	kj_options_bad_value(optarg);
	return KJ_EXIT_USAGE;
}
