/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kjump-resume: the first thing an initramfs runs. Finds a kjump image, validates it,
 * writes it into the memory this kernel does not use, stages the rest as kexec
 * segments and jumps back into the hibernated kernel. With no usable image it exits
 * so that the boot continues. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <mntent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/utsname.h>
#include <time.h>

#include "auth.h"
#include "backend.h"
#include "settings.h"
#include "device.h"
#include "efirt.h"
#include "format.h"
#include "image.h"
#include "imgdev.h"
#include "load.h"
#include "lockdown.h"
#include "log.h"
#include "macros.h"
#include "options.h"
#include "memmap.h"
#include "plan.h"
#include "progress.h"
#include "region.h"
#include "jump.h"
#include "run.h"
#include "root.h"
#include "sys.h"

/* Exit statuses; every one but EXIT_USAGE means "continue the normal boot". */
enum {
	EXIT_OK = 0,	   /* loaded (--no-jump, file target) or --dry-run found it valid */
	EXIT_NO_IMAGE = 1, /* nothing to resume */
	EXIT_USAGE = 2,
	EXIT_BAD_IMAGE = 3, /* corrupt or unsupported image */
	EXIT_MISMATCH = 4,  /* valid image that this system cannot resume */
	EXIT_FAILED = 5,    /* I/O error, or the jump failed */
};

enum verify_mode { VERIFY_AUTO, VERIFY_FIRST, VERIFY_STREAM };

struct args {
	const char *device, *target, *root, *cmdline, *mac_key;
	uint64_t offset;
	int have_offset;
	unsigned threads;
	int dry_run, no_jump, keep, hotplug_only, if_asked;
	unsigned retry_pause_ms; /* between attempts (--retry-pause, for tests) */
	int io, io_set;		 /* lo.direct_io; given as an option */
	enum resume_hotplug hotplug;
	enum verify_mode verify;
	enum kj_log_target log;
};

static void usage(FILE *f)
{
	fputs("Usage: kjump-resume [OPTIONS]\n"
	      "Resume a kjump hibernation image, or exit so that the boot continues.\n"
	      "The device comes from resume=, resume_offset= on the kernel command line\n"
	      "(noresume, resumewait, resumedelay=, kjump.* are honoured); options override.\n\n"
	      "  -d, --device PATH        swap partition or file holding the image\n"
	      "      --offset PAGES       swap header at this page (resume_offset)\n"
	      "      --cmdline STRING     use STRING instead of /proc/cmdline\n"
	      "  -t, --target T           devmem (default), file:PATH or null\n"
	      "  -n, --dry-run            validate everything and print the plan; write nothing\n"
	      "      --no-jump            load the image but do not jump (keeps the image)\n"
	      "      --verify first|stream\n"
	      "                           check every block before writing (default for file\n"
	      "                           targets), or while writing (default for memory)\n"
	      "      --keep               never invalidate a refused image (experts; see\n"
	      "                           kjump-resume(8), KEEP OR INVALIDATE)\n"
	      "      --retry-pause SECONDS\n"
	      "                           pause before another attempt after an error that\n"
	      "                           may pass (default 1; tests)\n"
	      "      --mac-key FILE|none  the image key: resume only images it authenticates\n"
	      "                           (default: kjump.mac_key=, else " KJ_DEFAULT_KEY_PATH "\n"
	      "                           when it exists; none: no key)\n"
	      "      --no-hotplug         do not hot-add memory when the boot continues\n"
	      "      --hotplug-only       only hot-add the rest of RAM (see kjump-memhotplug)\n"
	      "      --if-asked           do nothing (exit 1) unless the command line has\n"
	      "                           resume= or kjump.hotplug on: how the initramfs\n"
	      "                           hooks run it\n"
	      "  -j, --threads N          worker threads, each reading and decoding\n"
	      "                           (default: online CPUs, at most 16)\n"
	      "      --io auto|direct|buffered\n"
	      "                           O_DIRECT reads unless the image is cached (auto),\n"
	      "                           always, or through the page cache with readahead\n"
	      "      --root DIR           read /proc, /sys and /dev under DIR\n"
	      "      --log auto|stderr|kmsg\n"
	      "  -v, --verbose / -q, --quiet\n"
	      "  -h, --help\n\n"
	      "Exit status: 0 loaded or valid (dry run), 1 no image, 2 usage error,\n"
	      "3 unusable image, 4 image does not fit this system, 5 I/O error or failed jump.\n"
	      "Every status but 2 means: continue the normal boot.\n",
	      f);
}

static int parse_args(int argc, char **argv, struct args *a)
{
	enum {
		O_OFFSET = 256,
		O_NOJUMP,
		O_VERIFY,
		O_KEEP,
		O_ROOT,
		O_CMDLINE,
		O_HPONLY,
		O_NOHP,
		O_IO,
		O_MAC_KEY,
		O_RETRY_PAUSE,
		O_IF_ASKED
	};
	static const struct option opts[] = {
	    {"device", required_argument, NULL, 'd'},
	    {"offset", required_argument, NULL, O_OFFSET},
	    {"cmdline", required_argument, NULL, O_CMDLINE},
	    {"target", required_argument, NULL, 't'},
	    {"dry-run", no_argument, NULL, 'n'},
	    {"no-jump", no_argument, NULL, O_NOJUMP},
	    {"verify", required_argument, NULL, O_VERIFY},
	    {"keep", no_argument, NULL, O_KEEP},
	    {"hotplug-only", no_argument, NULL, O_HPONLY},
	    {"if-asked", no_argument, NULL, O_IF_ASKED},
	    {"no-hotplug", no_argument, NULL, O_NOHP},
	    {"io", required_argument, NULL, O_IO},
	    {"mac-key", required_argument, NULL, O_MAC_KEY},
	    {"retry-pause", required_argument, NULL, O_RETRY_PAUSE},
	    {"threads", required_argument, NULL, 'j'},
	    {"root", required_argument, NULL, O_ROOT},
	    KJ_COMMON_OPTIONS,
	    {0}};
	uint64_t v;
	int c, r;

	a->target = "devmem";
	a->io = 1;
	a->retry_pause_ms = 1000;
	while ((c = getopt_long(argc, argv, "d:t:nj:vqh", opts, NULL)) >= 0) {
		switch (c) {
		case 'd': a->device = optarg; break;
		case 't': a->target = optarg; break;
		case 'n': a->dry_run = 1; break;
		case O_NOJUMP: a->no_jump = 1; break;
		case O_KEEP: a->keep = 1; break;
		case O_HPONLY: a->hotplug_only = 1; break;
		case O_IF_ASKED: a->if_asked = 1; break;
		case O_NOHP: a->hotplug = HOTPLUG_OFF; break;
		case O_IO:
			a->io_set = 1;
			if (resume_parse_io(optarg, &a->io) < 0)
				goto bad;
			break;
		case O_ROOT: a->root = optarg; break;
		case O_CMDLINE: a->cmdline = optarg; break;
		case O_MAC_KEY: a->mac_key = optarg; break;
		case O_RETRY_PAUSE:
			if (resume_parse_seconds_ms(optarg, &a->retry_pause_ms) < 0)
				goto bad;
			break;
		case O_OFFSET:
			if (kj_parse_u64(optarg, &a->offset) < 0)
				goto bad;
			a->have_offset = 1;
			break;
		case 'j':
			if (kj_parse_u64(optarg, &v) < 0 || v == 0 || v > 256)
				goto bad;
			a->threads = (unsigned)v;
			break;
		case O_VERIFY:
			if (!strcmp(optarg, "first"))
				a->verify = VERIFY_FIRST;
			else if (!strcmp(optarg, "stream"))
				a->verify = VERIFY_STREAM;
			else
				goto bad;
			break;
		default:
			if ((r = kj_options_common(c, optarg, &a->log, usage)) == KJ_OPT_DONE)
				return 1;
			if (r < 0)
				return r;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "kjump-resume: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	if (strcmp(a->target, "devmem") && strcmp(a->target, "null") &&
	    (strncmp(a->target, "file:", 5) || !a->target[5])) {
		fprintf(stderr, "kjump-resume: --target must be devmem, null or file:PATH\n");
		return -EINVAL;
	}
	return 0;
bad:
	return kj_options_bad_value(optarg);
}

struct progress_ctx {
	struct kj_progress p;
};

static void on_progress(const struct kj_load_progress *lp, void *userdata)
{
	struct progress_ctx *c = userdata;
	kj_progress_update(&c->p, lp->done_bytes, lp->total_bytes);
}

static int check_arch(const struct kj_header *h, char *err, size_t errlen)
{
	struct utsname u;
	uname(&u);
	if (h->arch != KJ_ARCH_X86_64 || strcmp(u.machine, "x86_64")) {
		snprintf(err, errlen, "image architecture %u does not match this %s kernel",
			 h->arch, u.machine);
		return -EPROTONOSUPPORT;
	}
	return 0;
}

static void on_cmdline_error(const char *key, const char *value, void *ud)
{
	(void)ud;
	log_warning("ignoring malformed %s=%s on the kernel command line", key, value);
}

/* This boot's command line (--cmdline, else /proc/cmdline), read once: the settings
 * come from it, and later the region this kernel was told to stay in. Without one,
 * only the options say what to do. */
static char *load_cmdline(const struct kj_root *root, const struct args *a,
			  struct resume_cmdline *cl, size_t *ret_len)
{
	char *buf = NULL;
	size_t size = 0;
	int rc;

	resume_cmdline_init(cl);
	if (a->cmdline) {
		if ((buf = strdup(a->cmdline)))
			size = strlen(buf);
		else
			log_error("out of memory for --cmdline: its settings are ignored");
	} else if ((rc = kj_root_read_file(root, "/proc/cmdline", 65536, &buf, &size)) < 0) {
		kj_log(rc == -ENOMEM ? LOG_ERR : LOG_DEBUG, "cannot read /proc/cmdline: %s%s",
		       strerror(-rc),
		       rc == -ENOMEM ? ": its settings (resume=, kjump.*) are ignored" : "");
		buf = NULL;
	}
	if (buf)
		resume_cmdline_parse(buf, size, cl, on_cmdline_error, NULL);
	*ret_len = buf ? size : 0;
	return buf;
}

/* A block-device filesystem mounted read-write: resuming would undo its changes and
 * corrupt it. Returns 1 and the mount source when there is one. */
static int rw_block_mount(const struct kj_root *root, char *ret_src, size_t size)
{
	char path[4096];
	struct mntent *m;
	FILE *f;
	int found = 0;

	if (kj_root_path(root, "/proc/mounts", path, sizeof(path)) < 0 ||
	    !(f = setmntent(path, "re")))
		return 0;
	while (!found && (m = getmntent(f))) /* unescapes "\040" and friends */
		if (!strncmp(m->mnt_fsname, "/dev/", 5) && hasmntopt(m, "rw")) {
			snprintf(ret_src, size, "%s on %s", m->mnt_fsname, m->mnt_dir);
			found = 1;
		}
	endmntent(f);
	return found;
}

/* The machine must be the one that hibernated: the same firmware RAM, page by page
 * (kexec-tools hands the hibernating kernel a map whose low RAM starts at 0x400). */
static int check_memmap(const struct kj_header *h, const struct kj_ranges *now_ram, char *err,
			size_t errlen)
{
	_cleanup_ranges_ struct kj_ranges then = {0}; /* freed on every way out */
	int rc = 0;

	if (h->nr_memmap == 0)
		return 0; /* not recorded (converted core): the ranges are still checked */
	for (uint32_t i = 0; i < h->nr_memmap; i++)
		if (h->memmap[i].type == KJ_MEM_RAM &&
		    kj_ranges_add(&then, h->memmap[i].start, h->memmap[i].end) < 0)
			return -ENOMEM;
	kj_ranges_page_align(&then, KJ_PAGE_SIZE);
	for (size_t i = 0; i < MAX(then.n, now_ram->n); i++) {
		const struct kj_range *a = i < then.n ? &then.r[i] : NULL;
		const struct kj_range *b = i < now_ram->n ? &now_ram->r[i] : NULL;
		if (a && b && a->start == b->start && a->end == b->end)
			continue;
		snprintf(err, errlen,
			 "the firmware memory map differs from the one at hibernation (System RAM "
			 "%s0x%llx-0x%llx then, %s0x%llx-0x%llx now): another machine or VM "
			 "configuration",
			 a ? "" : "none, ", a ? (unsigned long long)a->start : 0ull,
			 a ? (unsigned long long)a->end - 1 : 0ull, b ? "" : "none, ",
			 b ? (unsigned long long)b->start : 0ull,
			 b ? (unsigned long long)b->end - 1 : 0ull);
		rc = -ERANGE;
		break;
	}
	return rc;
}

static int probe_page(void *ud, uint64_t addr)
{
	return kj_backend_probe(ud, addr);
}

/* Where this boot really is. A randomizing decompressor (KASLR) may put the kernel
 * outside its region, into the hibernated system's RAM: the kernel then declares that
 * span RAM (so it is staged like the rest of our RAM), but the "RAM buffer" placed
 * after it is off limits to /dev/mem on kernels with CONFIG_IO_STRICT_DEVMEM, and a
 * device or firmware table there can never be written. Refuse before any write. */
static int check_this_boot(const struct kj_iomem *io, const char *cl, size_t clen,
			   struct kj_backend *be, const struct kj_ranges *win, char *err,
			   size_t errlen)
{
	_cleanup_ranges_ struct kj_ranges region = {0};
	struct kj_iomem_entry e;
	enum kj_conflict_kind kind;
	struct kj_range k;
	int outside = 0;

	if (kj_region_kernel(io, &k) == 0) {
		if (cl && kj_region_from_cmdline(cl, clen, &region) > 0 &&
		    !kj_ranges_contains(&region, k.start, k.end - KJ_KERNEL_TAIL))
			outside = 1;
		log_notice("this kernel lies at 0x%llx-0x%llx%s", (unsigned long long)k.start,
			   (unsigned long long)(k.end - KJ_KERNEL_TAIL - 1),
			   outside ? ", outside its region (placed by KASLR); the hibernated "
				     "system's memory there is staged"
				   : ", inside its region");
	}
	if (kj_region_find_conflict(io, win, probe_page, be, &e, &kind) <= 0)
		return 0;
	snprintf(err, errlen,
		 "this boot holds \"%s\" at 0x%llx-0x%llx, inside the hibernated system's RAM%s%s",
		 e.name, (unsigned long long)e.start, (unsigned long long)(e.end - 1),
		 kind == KJ_CONFLICT_BUSY ? ", and /dev/mem refuses it (CONFIG_IO_STRICT_DEVMEM)"
					  : "",
		 outside ? "; this kernel was placed outside its region by KASLR: add mem= with "
			   "the region's end to the resume kernel's command line "
			   "(docs/HIBERNATION.md)"
			 : "");
	return -EADDRINUSE;
}

/* The firmware's runtime regions must be where the hibernated kernel mapped them, at
 * the same virtual addresses: the hibernated kernel goes on calling the firmware that
 * this boot relocated with SetVirtualAddressMap. */
static int check_efi_rt(const struct kj_root *root, const struct kj_header *h, char *err,
			size_t errlen)
{
	_cleanup_efi_rt_ struct kj_efi_rt now = {0};
	int rc;

	if (!(h->compat_flags & KJ_COMPAT_EFI_RT))
		return 0; /* saved without UEFI, or by an older kjump */
	rc = kj_efi_rt_read(root, &now);
	if (rc == -ENOENT && h->nr_efi_rt == 0)
		return 0;
	if (rc < 0) { /* this boot's setup: not a verdict on the image */
		snprintf(err, errlen,
			 "the image was saved with %u EFI runtime regions, but this "
			 "boot has %s",
			 h->nr_efi_rt,
			 rc == -ENOENT ? "no EFI runtime map (booted "
					 "without UEFI, or with noefi/efi=noruntime?)"
				       : "an unreadable EFI runtime map");
		return rc == -ERANGE ? -EIO : rc;
	}
	for (size_t i = 0; i < MIN(now.n, (size_t)MIN(h->nr_efi_rt, KJ_MAX_EFI_RT)); i++) {
		const struct kj_efi_rt_entry *b = &now.e[i];
		if (kj_efi_rt_entry_eq(b, &h->efi_rt[i]))
			continue;
		snprintf(err, errlen,
			 "the EFI runtime map differs from the one at hibernation "
			 "(region %zu: %s 0x%llx+%llu pages at 0x%llx then, %s 0x%llx+%llu pages "
			 "at 0x%llx now)",
			 i, kj_efi_type_to_string(h->efi_rt[i].type),
			 (unsigned long long)h->efi_rt[i].phys,
			 (unsigned long long)h->efi_rt[i].pages,
			 (unsigned long long)h->efi_rt[i].virt, kj_efi_type_to_string(b->type),
			 (unsigned long long)b->phys, (unsigned long long)b->pages,
			 (unsigned long long)b->virt);
		return -ERANGE;
	}
	if (now.n != h->nr_efi_rt || kj_efi_rt_crc(now.e, now.n) != h->efi_rt_crc) {
		snprintf(err, errlen,
			 "the EFI runtime map differs from the one at hibernation "
			 "(%u regions then, %zu now)",
			 h->nr_efi_rt, now.n);
		return -ERANGE;
	}
	return 0;
}

/* The normal boot goes on: it should get all the machine's RAM. Only for the real
 * target; --no-jump, --dry-run and file targets leave the system as it is. */
static int hotplug_wanted(const struct args *a, const struct resume_cmdline *cl)
{
	if (a->hotplug == HOTPLUG_OFF || (a->hotplug == HOTPLUG_AUTO && cl->hotplug == HOTPLUG_OFF))
		return 0;
	return a->hotplug_only || (!strcmp(a->target, "devmem") && !a->dry_run && !a->no_jump);
}

static void hotplug(const struct kj_root *root, const struct args *a,
		    const struct resume_cmdline *cl, const char *cmdline)
{
	struct memhp_run_opts o = {.zone = MEMHP_ZONE_KERNEL,
				   .dry_run = a->dry_run,
				   .cmdline = cmdline,
				   .report = kj_log_msg};

	if (!strcmp(cl->zone, "movable"))
		o.zone = MEMHP_ZONE_MOVABLE;
	else if (!strcmp(cl->zone, "auto"))
		o.zone = MEMHP_ZONE_AUTO;
	o.fallback_kernel = cl->fallback_kernel[0] ? cl->fallback_kernel : NULL;
	o.fallback_initrd = cl->fallback_initrd[0] ? cl->fallback_initrd : NULL;
	memhp_run(root, &o);
}

/* The image's device: --device, else resume=, waited for as configured. */
static int find_device(const struct kj_root *root, const struct args *a,
		       const struct resume_cmdline *cl, char *ret, size_t size)
{
	const char *spec = a->device ? a->device : cl->resume;
	unsigned waited = 0, timeout = cl->resumewait ? UINT_MAX : cl->timeout_ms;
	int rc;

	if (!spec[0]) {
		log_info("no resume= on the kernel command line: nothing to resume");
		return -ENOENT;
	}
	if (a->device && access(a->device, F_OK) == 0) { /* a plain path or image file */
		snprintf(ret, size, "%s", a->device);
		return 0;
	}
	if (cl->resumedelay) {
		log_info("resumedelay=%u: waiting before looking for %s", cl->resumedelay, spec);
		sleep(cl->resumedelay);
	}
	rc = resume_device_wait(root, spec, timeout, ret, size, &waited);
	if (rc == -EINVAL)
		log_error("resume=%s: not a device name kjump understands; continuing the normal "
			  "boot",
			  spec);
	else if (rc == -ENODEV)
		log_warning("resume device %s did not appear within %.1f s; continuing the normal "
			    "boot (kjump.timeout= sets the wait)",
			    spec, waited / 1000.0);
	else if (rc == 0 && waited > 50)
		log_info("resume device %s is %s (after %.1f s)", spec, ret, waited / 1000.0);
	return rc;
}

/* Everything one run of kjump-resume holds, phase to phase. */
struct run {
	struct args a;
	struct kj_root root;
	struct resume_cmdline cl;
	struct kj_imgdev dev;
	struct kj_image img;
	struct kj_image_key key; /* held from phase_auth's start to its end only */
	struct kj_plan plan;
	struct kj_backend *be;
	struct kj_load_opts lo;
	struct progress_ctx pc;
	char *cmdline; /* this boot's, read once (NULL: none) */
	size_t cmdline_len;
	struct kj_iomem io;	      /* /proc/iomem, read once */
	struct kj_ranges ram, fw_ram; /* this kernel's RAM; the firmware's (have_fw) */
	int have_fw, is_file, jumping;
	unsigned attempt, attempts; /* this one (from 1), and at most */
	int retry_rc;		    /* the error that ended the last attempt */
	char devpath[PATH_MAX], err[512];
};

/* A phase returns an exit status to stop with, NEXT to go on, or RETRY to start again
 * from the opening of the image. */
#define NEXT  (-1)
#define RETRY (-2)

/* Sleep ms milliseconds: no busy loop, and a signal does not cut it short. */
static void pause_ms(unsigned ms)
{
	struct timespec until;

	if (!ms || clock_gettime(CLOCK_MONOTONIC, &until) < 0)
		return;
	until.tv_sec += ms / 1000;
	until.tv_nsec += (long)(ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL) == EINTR)
		;
}

/* Why an image is not resumed. The kind alone decides what becomes of it
 * (kjump-resume(8), KEEP OR INVALIDATE): the boot goes on and mounts filesystems
 * read-write, and an image resumed after that corrupts them, so no refused image
 * outlives this boot. One that the user can still save (power off now, fix, boot
 * again) is kept for kjump.keep_wait seconds first, and the console says what to do. */
enum refusal {
	REF_IMAGE,   /* corrupt, unsupported, not authentic: never usable */
	REF_MACHINE, /* another machine, or stale (a filesystem already mounted read-write) */
	REF_SYSTEM,  /* this boot failed (I/O, memory) on every attempt: the machine needs a look */
	REF_SETUP,   /* this boot's setup cannot resume it (key, lockdown, kernel, firmware,
		      * placement): the user boots another */
};

static bool refusal_savable(enum refusal why)
{
	return why == REF_SYSTEM || why == REF_SETUP;
}

/* How long a savable image waits for the power-off: 0 when it is not kept at all. */
static unsigned keep_wait_ms(const struct run *r, enum refusal why)
{
	return r->a.dry_run || r->a.keep || !refusal_savable(why) ? 0 : r->cl.keep_wait_ms;
}

static void invalidate_failed(const struct kj_imgdev *dev, const char *device, int rc)
{
	if (rc == -EUCLEAN)
		log_error("nothing was written to %s: the swap file's extent map cannot be "
			  "trusted, so the image stays. Run 'swapoff' and 'mkswap' on the swap "
			  "file, or fix the map and run 'kjump-image invalidate --offset %llu %s'",
			  device, (unsigned long long)(dev->base >> KJ_PAGE_SHIFT), device);
	else
		log_error("cannot invalidate the image on %s: %s; run 'mkswap' on it before "
			  "using it as swap",
			  device, strerror(-rc));
}

/* An image that is not resumed: invalidated, after the wait for a savable one, so that
 * no later boot resumes it over what this one writes; kept only with --keep. */
static void drop_image(struct run *r, enum refusal why)
{
	unsigned wait = keep_wait_ms(r, why);
	int rc;

	if (r->a.dry_run)
		return;
	if (r->a.keep) {
		log_notice("keeping the image (--keep, kjump.keep): the next boot tries it again, "
			   "whatever this one writes; 'kjump-image invalidate %s' drops it",
			   r->a.device);
		return;
	}
	if (wait) {
		pause_ms(wait);
		log_notice("no power-off within %g s: invalidating the image", wait / 1000.0);
	}
	rc = kj_image_invalidate(&r->dev);
	if (rc < 0)
		invalidate_failed(&r->dev, r->a.device, rc);
	else if (rc > 0)
		log_notice("image invalidated; %s is plain swap again. The hibernated session "
			   "cannot be restored; the system boots normally",
			   r->a.device);
}

/* The image is not resumed: say why (r->err) in one line, with what becomes of the
 * image, then do it. Every way out after the image was found goes through here. */
static int refuse(struct run *r, int status, enum refusal why, const char *what)
{
	unsigned wait = keep_wait_ms(r, why);

	if (wait)
		log_error("%s: %s: %s. The image is kept for now: power off within %g s (nothing "
			  "is mounted yet), fix this and boot again to resume it; after that it is "
			  "invalidated and the boot continues",
			  r->a.device, what, r->err, wait / 1000.0);
	else
		log_error("%s: %s: %s", r->a.device, what, r->err);
	if (why == REF_IMAGE && (r->img.hdr.compat_flags & KJ_COMPAT_KEPT))
		log_error("%s held a snapshot whose data changed since it was taken: its swap "
			  "area was written after a resume (used as swap?); take a new snapshot",
			  r->a.device);
	drop_image(r, why);
	return status;
}

/* A system error that may pass: worth another attempt. A device that answered twice
 * differently is failing or hostile: no attempt trusts it again. */
static bool passing(const struct run *r, int rc)
{
	if (kj_image_changed_error(&r->img, rc))
		return false;
	return rc == -EIO || rc == -ENOMEM || rc == -EAGAIN || rc == -EINTR || rc == -ETIMEDOUT;
}

/* RETRY when the error rc may pass and an attempt is left, else 0. */
static int may_retry(struct run *r, int rc)
{
	if (!passing(r, rc) || r->attempt >= r->attempts)
		return 0;
	r->retry_rc = rc;
	return RETRY;
}

/* This boot's error rc (r->err says which): another attempt, or refused with what the
 * user can do about it. */
static int refuse_sys(struct run *r, int rc, const char *what)
{
	size_t n = strlen(r->err);

	if (may_retry(r, rc)) {
		log_error("%s: %s: %s", r->a.device, what, r->err);
		return RETRY;
	}
	if (r->attempt > 1)
		n += (size_t)snprintf(r->err + n, sizeof(r->err) - n, " (%u attempts)", r->attempt);
	if (n < sizeof(r->err))
		snprintf(r->err + n, sizeof(r->err) - n, "%s",
			 rc == -ENOMEM ? "; this boot ran out of memory: a larger kjump region or "
					 "fewer kjump.threads= leave more"
				       : "; check the disk and its connection (dmesg)");
	return refuse(r, EXIT_FAILED, REF_SYSTEM, what);
}

/* A library error: the image's own fault, or the system's. */
static int refuse_lib(struct run *r, int rc, const char *what)
{
	if (rc == -EBADMSG || rc == -ENODATA || rc == -EPROTONOSUPPORT || rc == -EKEYREJECTED)
		return refuse(r, EXIT_BAD_IMAGE, REF_IMAGE, what);
	return refuse_sys(r, rc, what);
}

/* Settings: options over the kernel command line. */
static void merge_settings(struct run *r)
{
	struct args *a = &r->a;
	const struct resume_cmdline *cl = &r->cl;

	if (cl->verbose)
		kj_log_set_max_level(LOG_DEBUG);
	a->keep = a->keep || cl->keep;
	if (!a->threads)
		a->threads = cl->threads;
	if (!a->io_set && cl->io >= 0)
		a->io = cl->io;
	if (!a->have_offset)
		a->offset = cl->resume_offset;
	r->is_file = !strncmp(a->target, "file:", 5);
	r->jumping = !strcmp(a->target, "devmem") && !a->no_jump && !a->dry_run;
	if (a->verify == VERIFY_AUTO && cl->verify)
		a->verify = cl->verify == 1 ? VERIFY_FIRST : VERIFY_STREAM;
	if (a->verify == VERIFY_AUTO)
		a->verify = r->is_file ? VERIFY_FIRST : VERIFY_STREAM;
}

/* Find: the device named by resume= (waited for), once for every attempt. */
static int phase_find(struct run *r)
{
	struct args *a = &r->a;

	if (a->hotplug_only || find_device(&r->root, a, &r->cl, r->devpath, sizeof(r->devpath)) < 0)
		return EXIT_NO_IMAGE;
	a->device = r->devpath;
	return NEXT;
}

/* Open: the device, where every attempt starts; noresume honoured. */
static int phase_open_dev(struct run *r)
{
	struct args *a = &r->a;
	int rc;

	if ((rc = kj_imgdev_open(a->device, a->offset, !a->dry_run, &r->dev)) < 0) {
		if (rc != -ENOENT && may_retry(r, rc)) {
			log_error("cannot open %s: %s", a->device, strerror(-rc));
			return RETRY;
		}
		/* Nothing is known, and nothing can be written: the user must drop an image
		 * there before a later boot resumes it over filesystems this one wrote. */
		log_error("cannot open %s: %s; continuing the normal boot%s", a->device,
			  strerror(-rc),
			  rc == -ENOENT ? ""
					: ". Should it hold an image, run "
					  "'kjump-image invalidate' on it before the next boot");
		return rc == -ENOENT ? EXIT_NO_IMAGE : EXIT_FAILED;
	}
	if (!r->cl.noresume)
		return NEXT;
	/* A later swapon must not find a stale image either. */
	rc = a->dry_run ? 0 : kj_image_invalidate(&r->dev);
	if (rc > 0)
		log_notice("noresume: the image on %s was invalidated", a->device);
	else if (rc < 0)
		invalidate_failed(&r->dev, a->device, rc);
	else
		log_info("noresume: no image on %s", a->device);
	return EXIT_NO_IMAGE;
}

/* A kept image (a snapshot): resumed without being invalidated, on every boot, until
 * kjump.discard (or kjump-image invalidate, or a new image) drops it. */
static int kept_image(struct run *r)
{
	char when[80];
	int rc;

	kj_disk_time(r->img.hdr.created, when, sizeof(when));
	if (!r->cl.discard) {
		log_notice("the image is kept: a snapshot made %s, resumed on every boot "
			   "(kjump.discard drops it)",
			   when);
		return NEXT;
	}
	rc = r->a.dry_run ? 0 : kj_image_invalidate(&r->dev);
	if (rc < 0) {
		invalidate_failed(&r->dev, r->a.device, rc);
		return EXIT_FAILED;
	}
	log_notice("kjump.discard: the snapshot made %s on %s %s; continuing the normal boot", when,
		   r->a.device,
		   r->a.dry_run ? "would be invalidated (dry run)" : "was invalidated");
	return EXIT_NO_IMAGE;
}

/* Validate: signature, commit record, header; the architecture. */
static int phase_open(struct run *r)
{
	enum kj_sig_kind kind = KJ_SIG_NONE;
	const struct kj_header *h = &r->img.hdr;
	char esc[400];
	int rc = kj_image_open(&r->dev, &r->img, &kind, r->err, sizeof(r->err));

	if (rc == -ENOENT || rc == -EMEDIUMTYPE) {
		kj_log(rc == -ENOENT ? LOG_NOTICE : LOG_WARNING,
		       "%s: %s; continuing the normal boot", r->a.device, r->err);
		return EXIT_NO_IMAGE;
	}
	if (rc < 0)
		return refuse_lib(r, rc, "unusable image");
	log_notice("found image of %s (%llu MiB, %llu blocks, %s) on %s",
		   kj_escape(h->release, esc, sizeof(esc)),
		   (unsigned long long)(h->total_pages >> 8), (unsigned long long)h->nr_blocks,
		   h->compression == KJ_COMP_LZO ? "lzo" : "uncompressed", r->a.device);
	if (check_arch(h, r->err, sizeof(r->err)) < 0)
		return refuse(r, EXIT_MISMATCH, REF_MACHINE, "cannot resume this image");
	if (h->compat_flags & KJ_COMPAT_KEPT)
		return kept_image(r);
	return NEXT;
}

/* The image key, when one is set up: --mac-key (a path), else kjump.mac_key= or the
 * default path in this root. 1 with the key, 0 without, <0 when a key that is set up
 * cannot be read. */
static int read_image_key(struct run *r)
{
	const char *cl = r->cl.mac_key[0] ? r->cl.mac_key : NULL;
	const char *path = r->a.mac_key ? r->a.mac_key : cl ? cl : KJ_DEFAULT_KEY_PATH;
	int rc;

	if (!strcmp(path, "none"))
		return 0;
	rc = kj_image_key_read(r->a.mac_key ? NULL : &r->root, path, &r->key);
	if (rc == -ENOENT && !r->a.mac_key && !cl)
		return 0;
	if (rc < 0)
		log_error("image key %s: %s", path,
			  rc == -EINVAL ? "not an image key (32 to 256 bytes)" : strerror(-rc));
	return rc < 0 ? rc : 1;
}

/* Authentic: with an image key set up, only an image it authenticates (the MAC over
 * header and tables here, before anything is written; each block's digest before the
 * loader uses it); without one, no authenticated image. */
static int phase_auth(struct run *r)
{
	int have = read_image_key(r), rc;

	if (have < 0) {
		snprintf(r->err, sizeof(r->err),
			 "the image key that is set up cannot be read: boot an initramfs "
			 "that holds a good one");
		return refuse(r, EXIT_FAILED, REF_SETUP, "cannot check this image");
	}
	rc = kj_image_check_auth(&r->img, have ? &r->key : NULL, r->err, sizeof(r->err));
	kj_image_key_wipe(&r->key);
	if (rc == -ENOKEY) { /* an initramfs not rebuilt after --add-image-key */
		size_t n = strlen(r->err);
		snprintf(r->err + n, sizeof(r->err) - n,
			 "; boot an initramfs that holds the "
			 "image key (" KJ_DEFAULT_KEY_PATH ", or kjump.mac_key=)");
		return refuse(r, EXIT_MISMATCH, REF_SETUP, "cannot resume this image");
	}
	if (rc < 0)
		return refuse_lib(r, rc, rc == -EKEYREJECTED ? "refused" : "unusable image");
	if (have)
		log_notice("image authenticated (HMAC-SHA256): header, tables and block digests");
	return NEXT;
}

/* Lockdown (Secure Boot's, or lockdown= on the command line) forbids what the jump
 * needs: the system's setting, not the image's fault. */
static int locked_down(struct run *r, const char *how)
{
	snprintf(r->err, sizeof(r->err),
		 "this kernel is locked down (%s): it refuses kexec_load "
		 "and /dev/mem, so no image can be resumed; turn Secure Boot's enforcement off, "
		 "or boot without lockdown= (kjump(7), SECURE BOOT)",
		 how);
	return refuse(r, EXIT_FAILED, REF_SETUP, "cannot resume this image");
}

/* Fits this machine: the same firmware RAM and EFI runtime map; nothing mounted. */
static int phase_fits(struct run *r)
{
	_cleanup_memmap_ struct kj_memmap mm = {0};
	enum kj_lockdown lock;
	char mnt[300];
	int rc;

	if ((rc = kj_iomem_read(&r->root, &r->io)) < 0 ||
	    (rc = kj_iomem_ranges(&r->io, "System RAM", 1, &r->ram)) < 0) {
		snprintf(r->err, sizeof(r->err),
			 "cannot read this kernel's RAM from /proc/iomem: %s", strerror(-rc));
		return refuse_sys(r, rc, "cannot resume this image");
	}
	if ((rc = kj_memmap_read(&r->root, &mm)) == 0 &&
	    (rc = kj_memmap_ranges(&mm, KJ_MEM_RAM, &r->fw_ram)) == 0) {
		kj_ranges_page_align(&r->fw_ram, KJ_PAGE_SIZE);
		r->have_fw = 1;
	} else if (rc == -ENOMEM) { /* there, but not read: no reason to skip the check */
		snprintf(r->err, sizeof(r->err),
			 "cannot read the firmware memory map (/sys/firmware/memmap): %s",
			 strerror(-rc));
		return refuse_sys(r, rc, "cannot resume this image");
	} else if (r->jumping) {
		snprintf(r->err, sizeof(r->err),
			 "no firmware memory map (/sys/firmware/memmap): "
			 "cannot check that the image fits this machine; the kernel needs "
			 "CONFIG_FIRMWARE_MEMMAP: boot one that has it");
		return refuse(r, EXIT_MISMATCH, REF_SETUP, "cannot resume this image");
	}
	if (r->jumping && kj_lockdown_read(&r->root, &lock) == 0 && lock != KJ_LOCKDOWN_NONE)
		return locked_down(r, kj_lockdown_name(lock));
	if (r->have_fw && (rc = check_memmap(&r->img.hdr, &r->fw_ram, r->err, sizeof(r->err))) < 0)
		return rc == -ENOMEM
			   ? (snprintf(r->err, sizeof(r->err), "out of memory"),
			      refuse_sys(r, rc, "cannot compare the memory maps"))
			   : refuse(r, EXIT_MISMATCH, REF_MACHINE, "cannot resume this image");
	if ((rc = check_efi_rt(&r->root, &r->img.hdr, r->err, sizeof(r->err))) < 0)
		return refuse(r, EXIT_MISMATCH, rc == -ERANGE ? REF_MACHINE : REF_SETUP,
			      "cannot resume this image");
	if (!strcmp(r->a.target, "devmem") && !r->a.dry_run &&
	    rw_block_mount(&r->root, mnt, sizeof(mnt))) {
		snprintf(r->err, sizeof(r->err),
			 "%s is mounted read-write: resuming now would "
			 "corrupt it. kjump-resume must run before any filesystem is mounted.",
			 mnt);
		return refuse(r, EXIT_MISMATCH, REF_MACHINE, "cannot resume this image");
	}
	return NEXT;
}

/* Plan: which ranges go straight to memory and which become kexec segments. */
static int phase_plan(struct run *r)
{
	const struct kj_plan *p = &r->plan;
	int rc = kj_plan_build(&r->img, &r->ram, r->have_fw ? &r->fw_ram : NULL, &r->plan, r->err,
			       sizeof(r->err));

	if (rc == -ERANGE || rc == -E2BIG || rc == -EFBIG || rc == -EINVAL)
		return refuse(r, EXIT_MISMATCH, REF_MACHINE, "cannot resume this image");
	if (rc < 0)
		return refuse_lib(r, rc, "cannot resume this image");
	log_notice("plan: %.1f MiB direct, %.1f MiB staged in %zu kexec segments, %.1f MiB zero; "
		   "entry 0x%llx",
		   p->direct_bytes / 1048576.0, p->staged_bytes / 1048576.0, p->staged.n,
		   p->zero_bytes / 1048576.0, (unsigned long long)p->entry);
	for (size_t i = 0; i < p->staged.n; i++)
		log_debug("  segment %zu: 0x%llx-0x%llx", i,
			  (unsigned long long)p->staged.r[i].start,
			  (unsigned long long)p->staged.r[i].end);
	return NEXT;
}

/* Check the data before writing: the block headers (streaming), or everything. */
static int phase_verify(struct run *r)
{
	struct kj_load_opts *lo = &r->lo;
	int rc;

	lo->threads = r->a.threads;
	lo->direct_io = r->a.io;
	lo->progress = on_progress;
	lo->userdata = &r->pc;
	/* Streaming writes memory as it reads: refuse a malformed data area first. */
	if (r->a.verify == VERIFY_STREAM && !r->a.dry_run &&
	    (rc = kj_image_check_blocks(&r->img, r->err, sizeof(r->err))) < 0)
		return refuse_lib(r, rc, "unusable image");
	if (!r->a.dry_run && r->a.verify != VERIFY_FIRST)
		return NEXT;
	lo->verify_only = 1;
	if (!r->a.dry_run)
		log_info("checking every block before writing anything (verify first)");
	kj_progress_start(&r->pc.p, "verifying");
	if ((rc = kj_image_load(&r->img, NULL, lo, r->err, sizeof(r->err))) < 0)
		return refuse_lib(r, rc, "unusable image");
	lo->verify_only = 0;
	if (!r->a.dry_run)
		return NEXT;
	log_info("dry run: the image is valid; nothing was written");
	return EXIT_OK;
}

/* The target: /dev/mem windows outside this kernel, checked against this boot. */
static int phase_target(struct run *r)
{
	_cleanup_ranges_ struct kj_ranges win = {0};
	int rc;

	if ((rc = kj_backend_open(r->a.target, &r->root, 1, &r->be)) < 0) {
		if (rc == -EPERM && !strcmp(r->a.target, "devmem"))
			return locked_down(r, "/dev/mem refused; no securityfs to say more");
		snprintf(r->err, sizeof(r->err), "cannot open target %s: %s", r->a.target,
			 strerror(-rc));
		return refuse(r, EXIT_FAILED, REF_SETUP, "cannot resume this image");
	}
	if (r->be->kind == KJ_BACKEND_DEVMEM && r->have_fw) {
		if ((rc = kj_ranges_subtract(&r->fw_ram, &r->plan.ram, &win)) < 0 ||
		    (rc = kj_backend_set_windows(r->be, &win)) < 0) {
			snprintf(r->err, sizeof(r->err), "cannot set up the memory windows: %s",
				 strerror(-rc));
			return refuse_sys(r, rc, "cannot resume this image");
		}
		if (check_this_boot(&r->io, r->cmdline, r->cmdline_len, r->be, &win, r->err,
				    sizeof(r->err)) < 0)
			return refuse(r, EXIT_MISMATCH, REF_SETUP, "cannot resume this image now");
	}
	/* a file stands for memory as it is after the jump: staged ranges too */
	kj_plan_set_target(&r->plan, r->be, r->is_file);
	if (r->jumping && (rc = kj_plan_alloc_staged(&r->plan)) < 0) {
		snprintf(r->err, sizeof(r->err),
			 "cannot allocate %llu MiB for the staged segments: %s",
			 (unsigned long long)(r->plan.staged_bytes >> 20), strerror(-rc));
		return refuse_sys(r, rc, "cannot resume this image");
	}
	return NEXT;
}

/* Load: every block decoded, checked and placed; the rate on the console. */
static int phase_load(struct run *r)
{
	const struct kj_header *h = &r->img.hdr;
	uint64_t bytes = h->total_pages << KJ_PAGE_SHIFT, data = h->data_pages << KJ_PAGE_SHIFT;
	double t0 = kj_now(), dt;
	int rc;

	kj_progress_start(&r->pc.p, "loading");
	if ((rc = kj_image_load(&r->img, &r->plan, &r->lo, r->err, sizeof(r->err))) < 0)
		return refuse_lib(r, rc, "loading failed");
	if ((rc = r->be->ops->sync(r->be)) < 0) {
		snprintf(r->err, sizeof(r->err), "cannot sync the target: %s", strerror(-rc));
		return refuse_sys(r, rc, "loading failed");
	}
	dt = kj_now() - t0;
	/* All pages, and the non-zero ones alone (what other tools count). */
	log_notice("loaded %llu pages (%llu MiB, %llu MiB of data) in %.2f s, %.1f MB/s "
		   "(%.1f MB/s of data)",
		   (unsigned long long)h->total_pages, (unsigned long long)(bytes >> 20),
		   (unsigned long long)(data >> 20), dt, kj_mbps(bytes, dt), kj_mbps(data, dt));
	return r->jumping ? NEXT : EXIT_OK;
}

/* A kept image stays valid; the kernel that runs next gets fresh entropy from this one
 * (the reseed record), or the snapshot's random generator would repeat its output on
 * every boot. getrandom() waits for this kernel's own generator to be seeded. */
static int write_seed(struct run *r)
{
	struct kj_seed old, s = {.state = KJ_SEED_FRESH, .image_id = r->img.hdr.image_id};
	int rc = kj_seed_read(&r->dev, &old, NULL, 0);
	uint64_t n = (rc > 0 && old.image_id == s.image_id ? old.resumes : 0) + 1;

	s.resumes = n;
	s.time = (uint64_t)time(NULL);
	if (getrandom(s.seed, sizeof(s.seed), 0) != (ssize_t)sizeof(s.seed))
		rc = errno ? -errno : -EIO;
	else
		rc = kj_seed_write(&r->dev, &s);
	explicit_bzero(&s, sizeof(s));
	if (rc < 0)
		snprintf(r->err, sizeof(r->err),
			 "cannot leave fresh entropy for the snapshot (the reseed record): %s; "
			 "resumed without it, it would repeat its random numbers",
			 strerror(-rc));
	else
		log_notice("the image stays (a snapshot): resume %llu; fresh entropy left for "
			   "its random generator",
			   (unsigned long long)n);
	return rc;
}

/* Jump: the jump loaded (the kernel may refuse it: a refusal like the others, the
 * image still valid), the image invalidated (never resumed twice) or, kept, given its
 * reseed record, then the jump. */
static int phase_jump(struct run *r)
{
	bool kept = r->img.hdr.compat_flags & KJ_COMPAT_KEPT;
	int rc = kj_jump_load(&r->plan, r->err, sizeof(r->err));

	if (rc == -ENOMEM)
		return refuse_sys(r, rc, "cannot jump");
	if (rc < 0) /* a kernel that cannot jump: the user boots one that can */
		return refuse(r, EXIT_FAILED, REF_SETUP, "cannot jump");
	if (kept && (rc = write_seed(r)) < 0) {
		kj_jump_unload();
		return refuse_sys(r, rc, "cannot jump");
	}
	if (kept) {
		log_notice("jumping back into the snapshot at 0x%llx",
			   (unsigned long long)r->plan.entry);
		kj_jump_go(r->err, sizeof(r->err));
		log_error("%s", r->err);
		/* the boot goes on and may write what the snapshot believes it knows */
		rc = kj_image_invalidate(&r->dev);
		if (rc < 0)
			invalidate_failed(&r->dev, r->a.device, rc);
		log_error("resume failed; the snapshot was invalidated, continuing the normal "
			  "boot");
		return EXIT_FAILED;
	}
	if ((rc = kj_image_invalidate(&r->dev)) < 0) {
		kj_jump_unload();
		log_error("cannot invalidate the image before the jump: not jumping");
		invalidate_failed(&r->dev, r->a.device, rc);
		return EXIT_FAILED;
	}
	log_notice("jumping back into the hibernated kernel at 0x%llx",
		   (unsigned long long)r->plan.entry);
	kj_jump_go(r->err, sizeof(r->err));
	log_error("%s", r->err);
	log_error("resume failed; the image was invalidated, continuing the normal boot");
	return EXIT_FAILED;
}

/* What one attempt holds: released, so that the next starts from nothing. */
static void release_attempt(struct run *r)
{
	kj_plan_free(&r->plan);
	kj_image_close(&r->img);
	kj_backend_close(r->be);
	kj_imgdev_close(&r->dev);
	kj_ranges_free(&r->ram);
	kj_ranges_free(&r->fw_ram);
	kj_iomem_free(&r->io);
	r->plan = (struct kj_plan){0};
	r->img = (struct kj_image){0};
	r->be = NULL;
	r->dev = KJ_IMGDEV_CLOSED;
	r->lo = (struct kj_load_opts){0};
	r->have_fw = 0;
	r->err[0] = 0;
}

/* One attempt, from the opening of the device: everything read again and validated
 * again, and written again where it was written before (the same bytes, into memory
 * nothing else uses). */
static int attempt(struct run *r)
{
	static int (*const phases[])(struct run *) = {
	    phase_open_dev, phase_open,	  phase_auth, phase_fits, phase_plan,
	    phase_verify,   phase_target, phase_load, phase_jump,
	};
	int ret = NEXT;

	for (size_t i = 0; i < ARRAY_SIZE(phases) && ret == NEXT; i++)
		ret = phases[i](r);
	return ret == NEXT ? EXIT_FAILED : ret;
}

/* Find the device, then attempt until one ends without an error that may pass, or
 * kjump.retries more attempts are spent (kjump-resume(8), KEEP OR INVALIDATE). */
static int resume(struct run *r)
{
	int ret = phase_find(r);

	r->attempts = 1 + r->cl.retries;
	for (r->attempt = 1; ret == NEXT; r->attempt++) {
		if ((ret = attempt(r)) != RETRY)
			break;
		release_attempt(r);
		log_warning("%s: retrying after a system error (%s): attempt %u of %u", r->a.device,
			    strerror(-r->retry_rc), r->attempt + 1, r->attempts);
		pause_ms(r->a.retry_pause_ms);
		ret = NEXT;
	}
	return ret;
}

/* With --if-asked (the initramfs hooks): anything to do only when this boot names a
 * resume device or asks for memory hot-add; the one parser of those words is ours. */
static bool asked(const struct run *r)
{
	return !r->a.if_asked || r->a.device || r->cl.resume[0] || r->cl.hotplug == HOTPLUG_ON;
}

int main(int argc, char **argv)
{
	struct run *r = calloc(1, sizeof(*r));
	int rc, ret;

	atexit(kj_close_stdout);

	if (!r) {
		fprintf(stderr, "kjump-resume: out of memory; continuing the normal boot\n");
		return EXIT_FAILED;
	}
	r->dev = KJ_IMGDEV_CLOSED;
	rc = parse_args(argc, argv, &r->a);
	if (rc) {
		free(r);
		return rc > 0 ? EXIT_OK : EXIT_USAGE;
	}
	kj_log_open("kjump-resume", r->a.log, NULL);
	if (kj_root_init(&r->root, r->a.root) < 0) {
		log_error("--root path too long");
		free(r);
		return EXIT_USAGE;
	}
	r->cmdline = load_cmdline(&r->root, &r->a, &r->cl, &r->cmdline_len);
	merge_settings(r);
	if (!asked(r)) {
		free(r->cmdline);
		free(r);
		return EXIT_NO_IMAGE;
	}
	ret = resume(r);
	release_attempt(r);
	if (ret != EXIT_OK && hotplug_wanted(&r->a, &r->cl))
		hotplug(&r->root, &r->a, &r->cl, r->cmdline); /* NULL: it reads its own */
	free(r->cmdline);
	free(r);
	return ret;
}
