/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kjump-setup: what kjump-hibernate needs to know of this system, computed once, in C,
 * with the code the rest of kjump uses (the resume device as kjump-resume chooses it,
 * the region as the kernels read it, the firmware map). kjump-hibernate only runs
 * programs (kexec, cryptsetup, swapoff, systemd-run) and asks this one. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "autoswap.h"
#include "choose.h"
#include "cmdline.h"
#include "exitcode.h"
#include "fit.h"
#include "imgdev.h"
#include "io.h"
#include "log.h"
#include "options.h"
#include "macros.h"
#include "memmap.h"
#include "mounts.h"
#include "out.h"
#include "ranges.h"
#include "root.h"
#include "swaps.h"
#include "system.h"

static void usage(FILE *f)
{
	fputs("Usage: kjump-setup [OPTIONS] COMMAND [ARGS]\n"
	      "What kjump-hibernate needs to know of this system. Values are printed as\n"
	      "NAME='value' lines, single-quoted for the shell (eval \"$(kjump-setup ...)\" is\n"
	      "safe whatever the bytes), or as one value where noted.\n\n"
	      "Commands:\n"
	      "  device                 the swap device and resume_offset kjump-resume takes from\n"
	      "                         this kernel's resume= and resume_offset=, else the first\n"
	      "                         swap partition in use that is not zram: DEVICE, OFFSET,\n"
	      "                         SWAPFILE (the swap file in use at OFFSET)\n"
	      "  device --swapfile FILE the swap file's DEVICE, OFFSET (resume_offset) and\n"
	      "                         EXTENTS (for kjump-save --extents), by FIEMAP\n"
	      "  region --region ARGS   END (bytes) of the region ARGS (memmap=exactmap ...\n"
	      "                         mem=) and FITTED, the region cut to the firmware's RAM\n"
	      "                         (empty without /sys/firmware/memmap)\n"
	      "  swap-entry --device DEV [--offset PAGES]\n"
	      "                         whether the swap area is in use: ACTIVE (1 or 0) and\n"
	      "                         NAME, its /proc/swaps name (for swapoff/swapon); matched\n"
	      "                         by device number and a swap file's first extent\n"
	      "  filter-args [--no-filter]\n"
	      "                         ARGS, the hibernating kernel's page-filter arguments,\n"
	      "                         and WHY, when the filter is off for want of something\n"
	      "  luks DEVICE            LUKS: '' (not device-mapper), 'other' (device-mapper\n"
	      "                         that is not LUKS on one device) or 'luks', with\n"
	      "                         LUKS_NAME, LUKS_DEV (the device below) and LUKS_UUID\n"
	      "  check-key FILE         exit 0 when FILE is root's regular file that nobody\n"
	      "                         else may read, else 1\n"
	      "  kernel-config NAME     one value: y or n for CONFIG_ option NAME of this kernel\n"
	      "                         (/proc/config.gz, else /boot/config-RELEASE); with\n"
	      "                         --release R, of kernel R (/boot/config-R); exit 1\n"
	      "                         and nothing printed when neither can be read\n"
	      "  can-jump               whether this kernel (with --release R, kernel R) can\n"
	      "                         hibernate with kjump: exit 0 when it has\n"
	      "                         CONFIG_KEXEC_JUMP or its config cannot be read; exit 1\n"
	      "                         when it lacks it, with one line saying what to do\n"
	      "  resume-config --device DEV [--offset PAGES]\n"
	      "                         set the kernel's hibernation device (/sys/power/resume\n"
	      "                         and resume_offset) to DEV at PAGES, as systemd-sleep\n"
	      "                         does: logind checks it against the swap in use\n"
	      "  mem-used               one value: KiB in use (MemTotal - MemFree)\n"
	      "  space --device DEV     DEVICE_KIB, the size of block device DEV (0 when sysfs\n"
	      "                         does not say; exit 1 when DEV does not exist), and\n"
	      "                         USED_KIB, the memory in use (0 when unknown)\n"
	      "  console                one value: the console= parameters of this kernel's\n"
	      "                         command line, as written, each followed by a space\n"
	      "  wipe FILE [FROM]       overwrite FILE with zeros from byte FROM to its end\n"
	      "  rw-mounts              the file systems a snapshot must not be taken over, one\n"
	      "                         line each (SOURCE on TARGET (TYPE)): on a block device\n"
	      "                         that is not zram, mounted or writable read-write\n"
	      "                         (/proc/self/mountinfo); nothing when there is none\n"
	      "  autoswap --device DEV  what turns swap area DEV on at a boot that does not\n"
	      "                         resume from it, one line each: an /etc/fstab swap\n"
	      "                         line, or systemd (a GPT swap partition without the\n"
	      "                         \"no-auto\" attribute, from its udev record); nothing\n"
	      "                         when nothing does\n\n"
	      "Options:\n"
	      "      --root DIR         read /proc, /sys, /dev and /boot below DIR\n"
	      "      --log auto|stderr|kmsg\n"
	      "  -v, --verbose / -q, --quiet\n"
	      "      --version\n"
	      "Exit status: 0 done, 1 failure (or 'no'), 2 usage.\n",
	      f);
}

struct args {
	const char *cmd, *region, *swapfile, *device, *rootdir, *release;
	uint64_t offset;
	int no_filter;
	char **rest;
	int n_rest;
};

static int cmd_device(const struct kj_root *root, const struct args *a)
{
	struct setup_device d;
	char dev[PATH_MAX];
	_cleanup_free_ char *ext = NULL;
	uint64_t off;
	int rc;

	if (a->swapfile) {
		if ((rc = setup_swapfile_map(root, a->swapfile, dev, sizeof(dev), &off, &ext)) <
		    0) {
			log_error("cannot map swap file %s: %s", a->swapfile,
				  kj_file_extents_strerror(rc));
			return KJ_EXIT_FAILURE;
		}
		setup_put(stdout, "DEVICE", dev);
		setup_put_u64(stdout, "OFFSET", off);
		setup_put(stdout, "EXTENTS", ext);
		return KJ_EXIT_OK;
	}
	if ((rc = setup_device_choose(root, &d)) < 0) {
		if (rc == -ENOENT)
			log_debug("no swap device: no resume= on the command line, no swap "
				  "partition in use");
		else
			log_error("resume= of this kernel's command line names %s: kjump-resume "
				  "would not "
				  "find it either",
				  rc == -EINVAL ? "no device in a form kjump knows"
						: "no device of this system");
		return KJ_EXIT_FAILURE;
	}
	setup_put(stdout, "DEVICE", d.path);
	if (d.offset)
		setup_put_u64(stdout, "OFFSET", d.offset);
	else
		setup_put(stdout, "OFFSET", "");
	setup_put(stdout, "SWAPFILE", d.swapfile);
	return KJ_EXIT_OK;
}

static int cmd_region(const struct kj_root *root, const struct args *a)
{
	_cleanup_memmap_ struct kj_memmap m = {0};
	_cleanup_ranges_ struct kj_ranges ram = {0};
	_cleanup_free_ char *fitted = NULL;
	uint64_t end;
	int rc;

	if (!a->region)
		return -EINVAL;
	if ((rc = kj_memmap_read(root, &m)) == 0 &&
	    (rc = kj_memmap_ranges(&m, KJ_MEM_RAM, &ram)) == 0)
		rc = setup_fit_region(a->region, strlen(a->region), &ram, &fitted, &end);
	else if (rc == -ENOENT)
		rc = setup_region_end(a->region, strlen(a->region), &end);
	if (rc < 0) {
		log_error("region '%s': %s", a->region,
			  rc == -EINVAL
			      ? "not memmap=exactmap with memmap=nn@ss ranges in the firmware's RAM"
			      : strerror(-rc));
		return KJ_EXIT_FAILURE;
	}
	setup_put_u64(stdout, "END", end);
	setup_put(stdout, "FITTED", fitted ? fitted : "");
	return KJ_EXIT_OK;
}

static int cmd_swap_entry(const struct kj_root *root, const struct args *a)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_free_ struct setup_swap *e = NULL;
	size_t size = 0, n = 0, i;
	int rc;

	if (!a->device)
		return -EINVAL;
	if ((rc = kj_root_read_file(root, "/proc/swaps", 1 << 20, &buf, &size)) == 0)
		rc = setup_swaps_parse(buf, size, &e, &n);
	if (rc == 0)
		rc = setup_swap_find(root, e, n, a->device, a->offset, &i);
	if (rc < 0) {
		log_error("cannot tell whether %s is in use as swap: %s", a->device, strerror(-rc));
		return KJ_EXIT_FAILURE;
	}
	setup_put(stdout, "ACTIVE", rc ? "1" : "0");
	setup_put(stdout, "NAME", rc ? e[i].name : "");
	return KJ_EXIT_OK;
}

static const char *release(void)
{
	static struct utsname u;
	return uname(&u) == 0 ? u.release : "";
}

static int cmd_filter_args(const struct kj_root *root, const struct args *a)
{
	char args[512];
	const char *why = "";
	int rc;

	if (a->no_filter)
		snprintf(args, sizeof(args), "kjump.filter=off");
	else if ((rc = setup_filter_args(root, release(), args, sizeof(args), &why)) < 0) {
		log_error("page filter arguments: %s", strerror(-rc));
		return KJ_EXIT_FAILURE;
	}
	setup_put(stdout, "ARGS", args);
	setup_put(stdout, "WHY", why);
	return KJ_EXIT_OK;
}

/* console= of this kernel's command line, as written, for the hibernating kernel. */
static int cmd_console(const struct kj_root *root, const struct args *a)
{
	_cleanup_free_ char *buf = NULL;
	struct kj_cmdline_param p;
	size_t size = 0, pos = 0;

	(void)a;
	if (kj_root_read_file(root, "/proc/cmdline", 65536, &buf, &size) < 0)
		size = 0;
	while (size && kj_cmdline_next(buf, size, &pos, &p) > 0)
		if (kj_cmdline_key_eq(p.key, "console"))
			printf("%.*s ", (int)p.raw_len, p.raw);
	printf("\n");
	return KJ_EXIT_OK;
}

static int cmd_luks(const struct kj_root *root, const struct args *a)
{
	static const char *kinds[] = {"", "luks", "other"};
	struct setup_luks l;
	int rc;

	if (a->n_rest != 1)
		return -EINVAL;
	if ((rc = setup_luks_of(root, a->rest[0], &l)) < 0) {
		log_error("%s: %s", a->rest[0], strerror(-rc));
		return KJ_EXIT_FAILURE;
	}
	setup_put(stdout, "LUKS", kinds[l.kind]);
	setup_put(stdout, "LUKS_NAME", l.name);
	setup_put(stdout, "LUKS_DEV", l.backing);
	setup_put(stdout, "LUKS_UUID", l.uuid);
	return KJ_EXIT_OK;
}

static int cmd_check_key(const struct kj_root *root, const struct args *a)
{
	if (a->n_rest != 1)
		return -EINVAL;
	return setup_key_private(root, a->rest[0]) > 0 ? KJ_EXIT_OK : KJ_EXIT_FAILURE;
}

static int cmd_kernel_config(const struct kj_root *root, const struct args *a)
{
	int v;

	if (a->n_rest != 1)
		return -EINVAL;
	if ((v = a->release ? setup_kernel_config(root, a->release, false, a->rest[0])
			    : setup_kernel_config(root, release(), true, a->rest[0])) < 0)
		return KJ_EXIT_FAILURE;
	printf("%c\n", v);
	return KJ_EXIT_OK;
}

/* A stock kernel without kexec jump (Debian's, for one): the one line every part of
 * kjump says, and points the user at. An unreadable config is no answer: go on. */
static int cmd_can_jump(const struct kj_root *root, const struct args *a)
{
	int v = a->release ? setup_kernel_config(root, a->release, false, "CONFIG_KEXEC_JUMP")
			   : setup_kernel_config(root, release(), true, "CONFIG_KEXEC_JUMP");

	if (v != 'n')
		return KJ_EXIT_OK;
	printf("%s lacks CONFIG_KEXEC_JUMP, which kjump needs: build one with it "
	       "(docs/KERNEL.md, /usr/share/doc/kjump/KERNEL.md)\n",
	       a->release ? a->release : "this kernel");
	return KJ_EXIT_FAILURE;
}

static int cmd_resume_config(const struct kj_root *root, const struct args *a)
{
	int rc;

	if (!a->device)
		return -EINVAL;
	if ((rc = setup_resume_config(root, a->device, a->offset)) < 0) {
		log_error("cannot set the kernel's hibernation device to %s: %s", a->device,
			  strerror(-rc));
		return KJ_EXIT_FAILURE;
	}
	if (rc > 0)
		log_info("the kernel's hibernation device is %s, offset %" PRIu64 " now", a->device,
			 a->offset);
	return KJ_EXIT_OK;
}

static int cmd_mem_used(const struct kj_root *root, const struct args *a)
{
	_cleanup_free_ char *buf = NULL;
	size_t size;
	uint64_t kib;
	int rc;

	(void)a;
	if ((rc = kj_root_read_file(root, "/proc/meminfo", 1 << 20, &buf, &size)) == 0)
		rc = setup_meminfo_used(buf, size, &kib);
	if (rc < 0) {
		log_error("cannot read the memory in use from /proc/meminfo: %s", strerror(-rc));
		return KJ_EXIT_FAILURE;
	}
	printf("%" PRIu64 "\n", kib);
	return KJ_EXIT_OK;
}

/* The swap device's size against the memory in use. */
static int cmd_space(const struct kj_root *root, const struct args *a)
{
	_cleanup_free_ char *buf = NULL;
	uint64_t dev_kib, used = 0;
	size_t size;
	int rc;

	if (!a->device)
		return -EINVAL;
	if ((rc = setup_device_kib(root, a->device, &dev_kib)) < 0) {
		log_error("%s: %s", a->device, strerror(-rc));
		return KJ_EXIT_FAILURE;
	}
	if (kj_root_read_file(root, "/proc/meminfo", 1 << 20, &buf, &size) < 0 ||
	    setup_meminfo_used(buf, size, &used) < 0)
		used = 0;
	setup_put_u64(stdout, "DEVICE_KIB", dev_kib);
	setup_put_u64(stdout, "USED_KIB", used);
	return KJ_EXIT_OK;
}

static int cmd_wipe(const struct kj_root *root, const struct args *a)
{
	uint64_t from = 0;
	int rc;

	(void)root;
	if (a->n_rest < 1 || a->n_rest > 2 ||
	    (a->n_rest == 2 && kj_parse_u64(a->rest[1], &from) < 0))
		return -EINVAL;
	rc = kj_wipe_file(a->rest[0], from, 0);
	if (rc == -ENOENT)
		return KJ_EXIT_OK; /* nothing to wipe */
	if (rc < 0) {
		log_error("cannot wipe %s: %s", a->rest[0], strerror(-rc));
		return KJ_EXIT_FAILURE;
	}
	return KJ_EXIT_OK;
}

/* Each mount a snapshot would corrupt when resumed again (kjump-hibernate --snapshot
 * refuses while there is one). */
static int cmd_rw_mounts(const struct kj_root *root, const struct args *a)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_free_ struct setup_mount *m = NULL;
	char e1[1100], e2[2100], e3[200];
	size_t size = 0, n = 0;
	int rc;

	(void)a;
	if ((rc = kj_root_read_file(root, "/proc/self/mountinfo", 16 << 20, &buf, &size)) == 0)
		rc = setup_mountinfo_parse(buf, size, &m, &n);
	if (rc < 0) {
		log_error("cannot read the mounts (/proc/self/mountinfo): %s",
			  rc == -EBADMSG ? "a line is not a mount entry" : strerror(-rc));
		return KJ_EXIT_FAILURE;
	}
	for (size_t i = 0; i < n; i++)
		if (setup_mount_unsafe(&m[i]))
			printf("%s on %s (%s%s)\n", kj_escape(m[i].source, e1, sizeof(e1)),
			       kj_escape(m[i].target, e2, sizeof(e2)),
			       kj_escape(m[i].fstype, e3, sizeof(e3)),
			       m[i].rw ? "" : ", read-only here but its file system read-write");
	return KJ_EXIT_OK;
}

/* What turns the swap area on at a boot that does not resume it (kjump-hibernate
 * --snapshot warns: such a boot drops the snapshot). */
static int cmd_autoswap(const struct kj_root *root, const struct args *a)
{
	char spec[1024], e[2100];
	unsigned mask = 0;
	int rc;

	if (!a->device)
		return -EINVAL;
	if ((rc = setup_autoswap(root, a->device, &mask, spec, sizeof(spec))) < 0) {
		log_error("%s: %s", a->device, strerror(-rc));
		return KJ_EXIT_FAILURE;
	}
	if (mask & SETUP_AUTOSWAP_FSTAB)
		printf("/etc/fstab turns it on as swap (%s)\n", kj_escape(spec, e, sizeof(e)));
	if (mask & SETUP_AUTOSWAP_GPT)
		printf("systemd turns it on as swap: a GPT swap partition without the \"no-auto\" "
		       "attribute (bit 63)\n");
	return KJ_EXIT_OK;
}

static const struct {
	const char *name;
	int (*fn)(const struct kj_root *root, const struct args *a);
	int max_rest; /* positional arguments after the command */
} commands[] = {
    {"device", cmd_device, 0},
    {"region", cmd_region, 0},
    {"swap-entry", cmd_swap_entry, 0},
    {"filter-args", cmd_filter_args, 0},
    {"luks", cmd_luks, 1},
    {"check-key", cmd_check_key, 1},
    {"kernel-config", cmd_kernel_config, 1},
    {"can-jump", cmd_can_jump, 0},
    {"resume-config", cmd_resume_config, 0},
    {"mem-used", cmd_mem_used, 0},
    {"wipe", cmd_wipe, 2},
    {"console", cmd_console, 0},
    {"space", cmd_space, 0},
    {"rw-mounts", cmd_rw_mounts, 0},
    {"autoswap", cmd_autoswap, 0},
};

/* Options and arguments; KJ_OPT_DONE after --help or --version, -EINVAL. */
static int parse_args(int argc, char **argv, struct args *a, enum kj_log_target *log)
{
	enum { O_ROOT = 256, O_REGION, O_SWAPFILE, O_DEVICE, O_OFFSET, O_NO_FILTER, O_RELEASE };
	static const struct option opts[] = {{"root", required_argument, NULL, O_ROOT},
					     {"region", required_argument, NULL, O_REGION},
					     {"swapfile", required_argument, NULL, O_SWAPFILE},
					     {"device", required_argument, NULL, O_DEVICE},
					     {"offset", required_argument, NULL, O_OFFSET},
					     {"no-filter", no_argument, NULL, O_NO_FILTER},
					     {"release", required_argument, NULL, O_RELEASE},
					     KJ_COMMON_OPTIONS,
					     {0}};
	int c, r;

	while ((c = getopt_long(argc, argv, "vqh", opts, NULL)) >= 0) {
		switch (c) {
		case O_ROOT: a->rootdir = optarg; break;
		case O_REGION: a->region = optarg; break;
		case O_SWAPFILE: a->swapfile = optarg; break;
		case O_DEVICE: a->device = optarg; break;
		case O_OFFSET:
			if (kj_parse_u64(optarg, &a->offset) < 0)
				return kj_options_bad_value(optarg);
			break;
		case O_NO_FILTER: a->no_filter = 1; break;
		case O_RELEASE: a->release = optarg; break;
		default:
			if ((r = kj_options_common(c, optarg, log, usage)) == KJ_OPT_DONE)
				return KJ_OPT_DONE;
			if (r < 0)
				return r;
		}
	}
	if (optind >= argc)
		return -EINVAL;
	a->cmd = argv[optind];
	a->rest = argv + optind + 1;
	a->n_rest = argc - optind - 1;
	return 0;
}

int main(int argc, char **argv)
{
	struct args a = {0};
	enum kj_log_target log = KJ_LOG_STDERR;
	struct kj_root root;
	char rootbuf[PATH_MAX];
	int r;

	atexit(kj_close_stdout);
	if ((r = parse_args(argc, argv, &a, &log)) == KJ_OPT_DONE)
		return KJ_EXIT_OK;
	kj_log_open("kjump-setup", log, NULL);
	/* absolute: paths found below it (realpath) are given back without it */
	if (r == 0 && a.rootdir && !(a.rootdir = realpath(a.rootdir, rootbuf)))
		a.rootdir = "/nonexistent";
	if (r < 0 || kj_root_init(&root, a.rootdir) < 0)
		goto bad;
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		if (strcmp(a.cmd, commands[i].name))
			continue;
		if (a.n_rest > commands[i].max_rest)
			goto bad;
		r = commands[i].fn(&root, &a);
		if (r < 0)
			goto bad;
		return r;
	}
bad:
	fprintf(stderr, "kjump-setup: invalid arguments; see --help\n");
	return KJ_EXIT_USAGE;
}
