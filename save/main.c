/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kjump-save: write the memory of a hibernated kernel into a kjump image. Runs in the
 * hibernating kernel B (--memory devmem), or on files for tests and conversions. */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "backend.h"
#include "elfcore.h"
#include "format.h"
#include "imgdev.h"
#include "io.h"
#include "jump.h"
#include "plan.h"
#include "exitcode.h"
#include "filter.h"
#include "log.h"
#include "options.h"
#include "macros.h"
#include "efirt.h"
#include "memmap.h"
#include "region.h"
#include "system.h"
#include "progress.h"
#include "ranges.h"
#include "root.h"
#include "writer.h"

/* The reason this run failed, for the status record a jump back leaves: the last
 * error said (also logged). */
static char fail_reason[256];

static void save_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void save_fail(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(fail_reason, sizeof(fail_reason), "%.255s", msg);
	log_error("%s", msg);
}

struct args {
	const char *memory, *elf, *output, *root, *label, *release;
	const char *ranges, *region, *extents, *vmcoreinfo, *mac_key;
	uint64_t entry, offset, create;
	int have_entry, abort_jump, wipe_mac_key, snapshot;
	uint32_t compression, block_pages;
	enum kj_log_target log;
};

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "Usage: kjump-save [OPTIONS] --output DEV|FILE SOURCE\n"
	    "Save physical memory as a kjump image in a swap area.\n\n"
	    "Sources (one):\n"
	    "  --memory devmem          A's memory through /dev/mem: the firmware's System RAM\n"
	    "                           minus this kernel's own RAM\n"
	    "  --memory file:PATH --ranges LIST\n"
	    "                           a file whose offsets are physical addresses; LIST is\n"
	    "                           START-END[,...] (end exclusive, hex 0x.. or decimal)\n"
	    "  --elf PATH               an ELF64 core (/proc/vmcore, kexec-jump dump.elf)\n\n"
	    "Options:\n"
	    "  -o, --output PATH        swap partition or file that receives the image\n"
	    "      --offset PAGES       swap header at this page (swap files: resume_offset)\n"
	    "      --create SIZE        make PATH a swap area of SIZE (K/M/G) if it is none\n"
	    "      --extents LIST|@FILE a swap file's extents on the --output block device,\n"
	    "                           FILEPAGE:DEVPAGE:COUNT,... (kjump-image extents)\n"
	    "      --label NAME         swap label for --create\n"
	    "      --entry ADDR         jump-back entry (default: kexec_jump_back_entry= from\n"
	    "                           /proc/cmdline)\n"
	    "      --compress lzo|none  data compression (default lzo)\n"
	    "      --block-pages N      pages per data block (default %u)\n"
	    "      --region LIST        the hibernating kernel's RAM to record (default: its\n"
	    "                           System RAM in /proc/iomem)\n"
	    "      --release STR        A's kernel release to record (default: kjump.release=\n"
	    "                           from /proc/cmdline, else uname -r)\n"
	    "      --mac-key FILE       authenticate the image with the image key in FILE\n"
	    "                           (docs/SECURITY.md; the resume kernel needs the same key)\n"
	    "      --wipe-mac-key       overwrite the key file with zeros and remove it once\n"
	    "                           read (the hibernating kernel's only copy in memory)\n"
	    "      --snapshot           mark the image kept: every boot resumes it until it\n"
	    "                           is discarded (docs/SNAPSHOT.md)\n"
	    "      --abort-jump         when saving fails, leave the reason on the swap area\n"
	    "                           and jump back into the hibernated kernel\n"
	    "      --vmcoreinfo ADDR@SIZE  the hibernated kernel's VMCOREINFO note (default\n"
	    "                           kjump.vmcoreinfo=): leave out its free pages\n"
	    "      --root DIR           read /proc, /sys and /dev under DIR\n"
	    "      --log auto|stderr|kmsg\n"
	    "  -v, --verbose / -q, --quiet\n"
	    "  -h, --help\n\n"
	    "Exit status: 0 saved and committed, 1 failure (nothing resumable was left),\n"
	    "2 usage error.\n",
	    KJ_DEFAULT_BLOCK_PAGES);
}

/* Value of KEY= on a kernel command line (last one wins, as the kernel does). */
static int parse_args(int argc, char **argv, struct args *a)
{
	enum {
		O_OFFSET = 256,
		O_CREATE,
		O_LABEL,
		O_ENTRY,
		O_COMPRESS,
		O_BLOCK,
		O_REGION,
		O_RELEASE,
		O_ROOT,
		O_RANGES,
		O_MEMORY,
		O_ELF,
		O_EXTENTS,
		O_ABORT,
		O_VMCI,
		O_MAC_KEY,
		O_WIPE_KEY,
		O_SNAPSHOT
	};
	static const struct option opts[] = {{"memory", required_argument, NULL, O_MEMORY},
					     {"elf", required_argument, NULL, O_ELF},
					     {"ranges", required_argument, NULL, O_RANGES},
					     {"extents", required_argument, NULL, O_EXTENTS},
					     {"abort-jump", no_argument, NULL, O_ABORT},
					     {"vmcoreinfo", required_argument, NULL, O_VMCI},
					     {"mac-key", required_argument, NULL, O_MAC_KEY},
					     {"wipe-mac-key", no_argument, NULL, O_WIPE_KEY},
					     {"snapshot", no_argument, NULL, O_SNAPSHOT},
					     {"output", required_argument, NULL, 'o'},
					     {"offset", required_argument, NULL, O_OFFSET},
					     {"create", required_argument, NULL, O_CREATE},
					     {"label", required_argument, NULL, O_LABEL},
					     {"entry", required_argument, NULL, O_ENTRY},
					     {"compress", required_argument, NULL, O_COMPRESS},
					     {"block-pages", required_argument, NULL, O_BLOCK},
					     {"region", required_argument, NULL, O_REGION},
					     {"release", required_argument, NULL, O_RELEASE},
					     {"root", required_argument, NULL, O_ROOT},
					     KJ_COMMON_OPTIONS,
					     {0}};
	int c, r;
	uint64_t v;

	a->compression = KJ_COMP_LZO;
	while ((c = getopt_long(argc, argv, "o:vqh", opts, NULL)) >= 0) {
		switch (c) {
		case O_MEMORY: a->memory = optarg; break;
		case O_ELF: a->elf = optarg; break;
		case O_RANGES: a->ranges = optarg; break;
		case O_EXTENTS: a->extents = optarg; break;
		case O_ABORT: a->abort_jump = 1; break;
		case O_VMCI: a->vmcoreinfo = optarg; break;
		case O_MAC_KEY: a->mac_key = optarg; break;
		case O_WIPE_KEY: a->wipe_mac_key = 1; break;
		case O_SNAPSHOT: a->snapshot = 1; break;
		case 'o': a->output = optarg; break;
		case O_LABEL: a->label = optarg; break;
		case O_REGION: a->region = optarg; break;
		case O_RELEASE: a->release = optarg; break;
		case O_ROOT: a->root = optarg; break;
		case O_OFFSET:
			if (kj_parse_u64(optarg, &a->offset) < 0)
				goto bad;
			break;
		case O_CREATE:
			if (kj_parse_size(optarg, &a->create) < 0 || a->create < 64 * 1024)
				goto bad;
			break;
		case O_ENTRY:
			if (kj_parse_u64(optarg, &a->entry) < 0)
				goto bad;
			a->have_entry = 1;
			break;
		case O_COMPRESS:
			if (!strcmp(optarg, "lzo"))
				a->compression = KJ_COMP_LZO;
			else if (!strcmp(optarg, "none"))
				a->compression = KJ_COMP_NONE;
			else
				goto bad;
			break;
		case O_BLOCK:
			if (kj_parse_u64(optarg, &v) < 0 || v == 0 || v > KJ_MAX_BLOCK_PAGES)
				goto bad;
			a->block_pages = (uint32_t)v;
			break;
		default:
			if ((r = kj_options_common(c, optarg, &a->log, usage)) == KJ_OPT_DONE)
				return 1;
			if (r < 0)
				return r;
		}
	}
	if (optind != argc || !a->output || (!!a->memory + !!a->elf) != 1 ||
	    (a->memory && !strncmp(a->memory, "file:", 5) && !a->ranges) ||
	    (a->ranges && !a->memory)) {
		fprintf(stderr, "kjump-save: need --output and exactly one source; "
				"--memory file:PATH needs --ranges\n");
		return -EINVAL;
	}
	return 0;
bad:
	return kj_options_bad_value(optarg);
}

struct src {
	struct kj_backend *be;
	struct kj_elfcore elf;
	struct kj_progress prog;
	uint64_t total, done;
	const struct kj_ranges *zero; /* pages the filter says are zero for A (not read) */
};

static int src_read_one(struct src *s, uint64_t addr, void *buf, size_t len)
{
	return s->be ? s->be->ops->read(s->be, addr, buf, len)
		     : kj_elfcore_read(&s->elf, addr, buf, len);
}

/* Memory at addr, with the filter's zero pages as zeros (never read: they are free). */
static int src_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct src *s = ctx;
	uint8_t *p = buf;
	int rc = 0;

	s->done += len;
	kj_progress_update(&s->prog, s->done, s->total);
	while (len && rc == 0) {
		size_t i = s->zero ? kj_ranges_find(s->zero, addr) : 0;
		const struct kj_range *z = s->zero && i < s->zero->n ? &s->zero->r[i] : NULL;
		size_t n = len;
		if (z && z->start <= addr) { /* inside a zero run */
			n = (size_t)MIN((uint64_t)len, z->end - addr);
			memset(p, 0, n);
		} else {
			if (z && z->start < addr + len)
				n = (size_t)(z->start - addr);
			rc = src_read_one(s, addr, p, n);
		}
		p += n;
		addr += n;
		len -= n;
	}
	return rc;
}

/* A randomizing decompressor (KASLR) may have put this kernel outside its region, over
 * the hibernated kernel's memory: those pages are lost, and the kernel counts them as
 * its own RAM, so they would silently be missing from the image. Refuse to save. */
static int check_own_kernel(const struct save_system *sys)
{
	_cleanup_ranges_ struct kj_ranges region = {0};
	struct kj_range k;
	uint64_t kend;

	if (sys->io_rc < 0 || kj_region_kernel(&sys->io, &k) < 0 || !sys->cmdline ||
	    kj_region_from_cmdline(sys->cmdline, sys->cmdline_len, &region) <= 0)
		return 0; /* nothing to compare with: no memmap=exactmap region */
	kend = k.end - KJ_KERNEL_TAIL;
	if (kj_ranges_contains(&region, k.start, kend)) {
		log_notice("this kernel lies at 0x%llx-0x%llx, inside its region",
			   (unsigned long long)k.start, (unsigned long long)(kend - 1));
		return 0;
	}
	save_fail("this kernel lies at 0x%llx-0x%llx, outside its region (placed there by "
		  "KASLR?): the hibernated kernel's memory there is overwritten; boot the "
		  "hibernating kernel with nokaslr",
		  (unsigned long long)k.start, (unsigned long long)(kend - 1));
	return -EADDRINUSE;
}

/* devmem: what A had = firmware System RAM minus our own RAM, both page-rounded out
 * (a page shared with our RAM is ours to use, so not A's to save). */
static int devmem_ranges(const struct save_system *sys, struct kj_ranges *out)
{
	_cleanup_ranges_ struct kj_ranges fw = {0}, own = {0};
	int rc;

	if (sys->mm_rc < 0) {
		rc = sys->mm_rc;
		save_fail("cannot read the firmware memory map (/sys/firmware/memmap): %s%s",
			  strerror(-rc),
			  rc == -ENOENT ? " (kernel needs CONFIG_FIRMWARE_MEMMAP)" : "");
		return rc;
	}
	if ((rc = save_system_fw_ram(sys, &fw)) < 0)
		return rc;
	if ((rc = save_system_ram(sys, &own)) < 0) {
		save_fail("cannot read this kernel's RAM from /proc/iomem: %s", strerror(-rc));
		return rc;
	}
	if ((rc = check_own_kernel(sys)) < 0)
		return rc;
	kj_ranges_page_align(&fw, KJ_PAGE_SIZE);
	kj_ranges_page_align(&own, KJ_PAGE_SIZE);
	return kj_ranges_subtract(&fw, &own, out);
}

/* The firmware's runtime regions and their virtual addresses, as the hibernated kernel
 * set them (kexec-tools hands them to this kernel): the resume kernel must agree. */
static int record_efi_rt(const struct kj_root *root, struct kj_write_opts *o)
{
	_cleanup_efi_rt_ struct kj_efi_rt rt = {0};
	int rc = kj_efi_rt_read(root, &rt);

	if (rc == -ENOENT)
		return 0; /* no UEFI runtime services */
	if (rc < 0) {
		save_fail("cannot read the EFI runtime map (/sys/firmware/efi/runtime-map): %s",
			  strerror(-rc));
		return rc;
	}
	o->have_efi_rt = 1;
	o->nr_efi_rt = (uint32_t)rt.n;
	o->efi_rt_crc = kj_efi_rt_crc(rt.e, rt.n);
	for (size_t i = 0; i < rt.n && i < KJ_MAX_EFI_RT; i++)
		o->efi_rt[i] = rt.e[i];
	log_debug("EFI runtime map: %zu regions, CRC32C 0x%08x", rt.n, o->efi_rt_crc);
	return 0;
}

static int fill_metadata(const struct kj_root *root, const struct save_system *sys,
			 const struct args *a, struct kj_write_opts *o)
{
	const struct kj_memmap *m = &sys->mm;
	_cleanup_ranges_ struct kj_ranges region = {0};
	struct utsname u;
	char val[128];
	int rc;

	o->compression = a->compression;
	o->block_pages = a->block_pages;
	o->kept = a->snapshot;
	uname(&u);
	if (strcmp(u.machine, "x86_64")) {
		save_fail("architecture %s is not supported (x86_64 only)", u.machine);
		return -EOPNOTSUPP;
	}
	o->arch = KJ_ARCH_X86_64;
	if (a->have_entry)
		o->entry = a->entry;
	else if (save_system_cmdline(sys, "kexec_jump_back_entry", val, sizeof(val)) &&
		 kj_parse_u64(val, &o->entry) == 0)
		log_debug("jump-back entry 0x%llx from the kernel command line",
			  (unsigned long long)o->entry);
	else {
		save_fail("no jump-back entry: give --entry, or run in a kernel started by "
			  "kexec with kexec_jump_back_entry= on its command line");
		return -EINVAL;
	}
	if (a->release)
		snprintf(o->release, sizeof(o->release), "%.80s", a->release);
	else if (save_system_cmdline(sys, "kjump.release", val, sizeof(val)))
		snprintf(o->release, sizeof(o->release), "%.80s", val);
	else
		snprintf(o->release, sizeof(o->release), "%.80s", u.release);

	rc = a->region ? kj_ranges_parse(a->region, &region) : save_system_ram(sys, &region);
	if (rc < 0 && a->region) {
		save_fail("invalid --region '%s'", a->region);
		return rc;
	}
	if (rc == 0) { /* an unknown region is recorded as empty, not an error */
		kj_ranges_normalize(&region);
		if (region.n > KJ_MAX_REGION) {
			log_warning(
			    "hibernating kernel's RAM has %zu ranges; recording the first %d",
			    region.n, KJ_MAX_REGION);
			region.n = KJ_MAX_REGION;
		}
		for (size_t i = 0; i < region.n; i++)
			o->region[i] = region.r[i];
		o->nr_region = (uint32_t)region.n;
	}
	if ((rc = record_efi_rt(root, o)) < 0)
		return rc;
	if (sys->mm_rc == 0) {
		o->nr_memmap = (uint32_t)MIN(m->n, (size_t)KJ_MAX_MEMMAP);
		for (uint32_t i = 0; i < o->nr_memmap; i++) {
			o->memmap[i].start = m->e[i].start;
			o->memmap[i].end = m->e[i].end;
			o->memmap[i].type = m->e[i].type;
		}
	}
	return 0;
}

static int open_output(const struct args *a, struct kj_imgdev *dev)
{
	uint8_t page[KJ_IMG_PAGE];
	struct stat st;
	int rc;

	if (a->create && stat(a->output, &st) < 0 && errno == ENOENT) {
		FILE *f = fopen(a->output, "wx");
		if (!f) {
			save_fail("cannot create %s: %m", a->output);
			return -errno;
		}
		fclose(f);
	}
	rc = kj_imgdev_open(a->output, a->offset, 1, dev);
	if (rc < 0) {
		save_fail("cannot open %s: %s", a->output, strerror(-rc));
		return rc;
	}
	if (kj_imgdev_pread(dev, 0, page, sizeof(page)) < 0 ||
	    kj_sig_classify(page, sizeof(page)) == KJ_SIG_NONE) {
		if (!a->create) {
			save_fail(
			    "%s is not a swap area; make one with mkswap, or pass --create SIZE",
			    a->output);
			kj_imgdev_close(dev);
			return -EMEDIUMTYPE;
		}
		rc = kj_imgdev_mkswap(dev, a->create, a->label);
		if (rc < 0) {
			save_fail("cannot create a swap area on %s: %s", a->output, strerror(-rc));
			kj_imgdev_close(dev);
			return rc;
		}
		log_info("created a %llu MiB swap area on %s",
			 (unsigned long long)(a->create >> 20), a->output);
	}
	return 0;
}

/* A swap file written through the raw device: its extents say where its pages are. */
static int set_extents(const struct args *a, struct kj_imgdev *dev)
{
	struct kj_extent e[KJ_EXTMAP_MAX];
	_cleanup_free_ char *text = NULL;
	const char *list = a->extents;
	size_t n;
	int rc;

	if (list[0] == '@') {
		_cleanup_close_ int fd = open(list + 1, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || kj_read_fd_all(fd, 1 << 20, &text, NULL) < 0) {
			save_fail("cannot read extents from %s: %m", list + 1);
			return -EINVAL;
		}
		text[strcspn(text, " \t\n")] = 0;
		list = text;
	}
	rc = kj_extents_parse(list, e, KJ_EXTMAP_MAX, &n);
	if (rc == -E2BIG) {
		save_fail("the swap file has more than %d extents; defragment it (e4defrag) or "
			  "use a swap partition",
			  KJ_EXTMAP_MAX);
		return rc;
	}
	if (rc < 0) {
		save_fail("invalid --extents list");
		return rc;
	}
	rc = kj_imgdev_set_extents(dev, e, n);
	if (rc < 0)
		save_fail("--extents do not fit %s: the first must start at file page 0 on "
			  "device page --offset (%llu), and all must lie inside the device",
			  a->output, (unsigned long long)(dev->base >> KJ_PAGE_SHIFT));
	return rc;
}

/* Saving failed in the hibernating kernel: tell the hibernated one why, and go back to
 * it. The page holding the jump-back entry is staged with its current content (read
 * through /dev/mem): the jumping kernel's page tables must map it. */
static void abort_jump(const struct kj_root *root, uint64_t entry, struct kj_imgdev *dev,
		       const char *why)
{
	struct kj_plan plan = {0};
	_cleanup_ranges_ struct kj_ranges pages = {0};
	struct kj_backend *mem = NULL;
	uint64_t page = ALIGN_DOWN(entry, KJ_PAGE_SIZE);
	char err[512];
	int rc;

	if (dev->fd >= 0 && (rc = kj_status_write(dev, -EIO, why, true)) < 0)
		log_warning("cannot leave the failure reason on %s: %s", dev->path, strerror(-rc));
	if ((rc = kj_ranges_add(&pages, page, page + KJ_PAGE_SIZE)) < 0 ||
	    (rc = kj_plan_init_staged(&plan, entry, &pages)) < 0 ||
	    (rc = kj_backend_open("devmem", root, 0, &mem)) < 0 ||
	    (rc = mem->ops->read(mem, page, kj_plan_segment(&plan, 0), KJ_PAGE_SIZE)) < 0) {
		save_fail("cannot prepare the jump back: %s", strerror(-rc));
		goto out;
	}
	rc = kj_jump_load(&plan, err, sizeof(err));
	if (rc == 0) {
		log_notice("saving failed: jumping back into the hibernated kernel at 0x%llx",
			   (unsigned long long)entry);
		kj_jump_go(err, sizeof(err));
	}
	save_fail("%s", err);
out:
	kj_backend_close(mem);
	kj_plan_free(&plan);
}

/* The memory to save: an ELF core's segments, --ranges, or (devmem) A's RAM. Returns an
 * exit status, or -1 to go on. */
static int open_source(const struct kj_root *root, const struct save_system *sys,
		       const struct args *a, struct src *s, struct kj_ranges *ranges)
{
	char err[256];
	int rc;

	if (a->elf) {
		if ((rc = kj_elfcore_open(a->elf, &s->elf, err, sizeof(err))) < 0) {
			save_fail("%s", err);
			return KJ_EXIT_FAILURE;
		}
		return kj_elfcore_ranges(&s->elf, ranges) < 0 ? KJ_EXIT_FAILURE : -1;
	}
	if ((rc = kj_backend_open(a->memory, root, 0, &s->be)) < 0) {
		save_fail("cannot open memory source %s: %s", a->memory, strerror(-rc));
		return KJ_EXIT_FAILURE;
	}
	if (!a->ranges)
		return devmem_ranges(sys, ranges) < 0 ? KJ_EXIT_FAILURE : -1;
	if (kj_ranges_parse(a->ranges, ranges) < 0) {
		save_fail("invalid --ranges '%s'", a->ranges);
		return KJ_EXIT_USAGE;
	}
	kj_ranges_page_align(ranges, KJ_PAGE_SIZE);
	return -1;
}

/* Before anything is written: something to save, the jump-back entry among it (else
 * the image could never be resumed), /dev/mem limited to A's memory. */
static int check_source(const struct args *a, const struct kj_write_opts *wo, struct src *s,
			const struct kj_ranges *ranges)
{
	uint64_t page = ALIGN_DOWN(wo->entry, KJ_PAGE_SIZE);
	int rc;

	if (ranges->n == 0) {
		save_fail("no memory to save");
		return -ENODATA;
	}
	if (!kj_ranges_contains(ranges, page, page + KJ_PAGE_SIZE)) {
		save_fail("the jump-back entry 0x%llx lies outside every range to save: such an "
			  "image could never be resumed",
			  (unsigned long long)wo->entry);
		return -EINVAL;
	}
	/* A's memory only: never ours, never MMIO */
	if (s->be && s->be->kind == KJ_BACKEND_DEVMEM && !a->ranges &&
	    (rc = kj_backend_set_windows(s->be, ranges)) < 0) {
		save_fail("cannot set up the memory windows: %s", strerror(-rc));
		return rc;
	}
	s->total = kj_ranges_total(ranges);
	return 0;
}

/* The page filter (when the hibernated kernel's VMCOREINFO was handed over): free pages
 * left out of the ranges, or read as zero. */
static int apply_filter(const struct save_system *sys, const struct args *a,
			struct kj_write_opts *wo, struct src *s, struct kj_ranges *ranges,
			struct save_filter *f)
{
	_cleanup_ranges_ struct kj_ranges kept = {0};
	int rc;

	save_filter_run(sys, s->be, wo->entry, ranges, a->vmcoreinfo, wo, f);
	if (!f->excluded.n)
		return 0;
	if (f->zero) {
		s->zero = &f->excluded;
		return 0;
	}
	if ((rc = kj_ranges_subtract(ranges, &f->excluded, &kept)) < 0)
		return rc;
	kj_ranges_free(ranges);
	*ranges = kept;
	kept = (struct kj_ranges){0};
	s->total = kj_ranges_total(ranges);
	return 0;
}

/* Write the image, with progress and the rate at the end. */
static int save(const struct args *a, const struct kj_write_opts *wo, struct src *s,
		const struct kj_ranges *ranges, struct kj_imgdev *dev)
{
	struct kj_write_stats st;
	char err[256] = "";
	double t0, dt;
	int rc;

	log_notice("saving %llu MiB in %zu ranges to %s (%s%s%s)",
		   (unsigned long long)(s->total >> 20), ranges->n, a->output,
		   a->compression == KJ_COMP_LZO ? "lzo" : "uncompressed",
		   wo->key ? ", authenticated" : "", wo->kept ? ", kept: a snapshot" : "");
	kj_progress_start(&s->prog, "saving");
	t0 = kj_now();
	rc = kj_image_write(dev, wo, src_read, s, ranges, &st, err, sizeof(err));
	if (rc < 0) {
		/* The writer invalidated any older image first and commits last: nothing
		 * resumable is left behind. */
		save_fail("%s", err[0] ? err : strerror(-rc));
		return rc;
	}
	dt = kj_now() - t0;
	log_notice("saved %llu pages (%llu MiB, %llu zero pages) as %llu MiB in %.2f s, %.1f MB/s",
		   (unsigned long long)st.total_pages, (unsigned long long)(st.total_pages >> 8),
		   (unsigned long long)st.zero_pages, (unsigned long long)(st.image_bytes >> 20),
		   dt, kj_mbps(st.total_pages << KJ_PAGE_SHIFT, dt));
	return 0;
}

/* The image key for --mac-key, read before anything is written. */
static int read_key(const struct args *a, struct kj_image_key *key)
{
	int rc = kj_image_key_read(NULL, a->mac_key, key), wrc;

	/* zeros over the key file, then gone: in B's RAM-backed initramfs that leaves no
	 * copy behind, even when saving fails and the jump back hands B's memory to A */

	if (a->wipe_mac_key && (wrc = kj_wipe_file(a->mac_key, 0, 1)) < 0)
		log_warning("--wipe-mac-key %s: %s", a->mac_key, strerror(-wrc));
	if (rc == -EINVAL)
		save_fail("--mac-key %s: an image key is %u to %u bytes", a->mac_key, KJ_KEY_MIN,
			  KJ_KEY_MAX);
	else if (rc < 0)
		save_fail("--mac-key %s: %s", a->mac_key, strerror(-rc));
	return rc;
}

int main(int argc, char **argv)
{
	struct kj_image_key key;
	struct args a = {0};
	struct kj_root root;
	struct kj_write_opts *wo = NULL;
	struct kj_imgdev dev = KJ_IMGDEV_CLOSED;
	struct src s = {0};
	_cleanup_ranges_ struct kj_ranges ranges = {0};
	struct save_filter filter = {0};
	struct save_system sys = {0};
	int rc, ret = KJ_EXIT_FAILURE;

	atexit(kj_close_stdout);

	s.elf.fd = -1;
	rc = parse_args(argc, argv, &a);
	if (rc)
		return rc > 0 ? KJ_EXIT_OK : KJ_EXIT_USAGE;
	kj_log_open("kjump-save", a.log, NULL);
	if (kj_root_init(&root, a.root) < 0) {
		save_fail("--root path too long");
		return KJ_EXIT_USAGE;
	}
	wo = calloc(1, sizeof(*wo));
	if (!wo)
		return KJ_EXIT_FAILURE;
	save_system_read(&root, &sys);
	if (fill_metadata(&root, &sys, &a, wo) < 0)
		goto out;
	if ((rc = open_source(&root, &sys, &a, &s, &ranges)) >= 0) {
		ret = rc;
		goto out;
	}
	if (check_source(&a, wo, &s, &ranges) < 0)
		goto out;
	if (a.mac_key) {
		if (read_key(&a, &key) < 0)
			goto out;
		wo->key = &key;
	}
	if (s.be && (rc = apply_filter(&sys, &a, wo, &s, &ranges, &filter)) < 0)
		goto out;
	if (open_output(&a, &dev) < 0 || (a.extents && set_extents(&a, &dev) < 0) ||
	    save(&a, wo, &s, &ranges, &dev) < 0)
		goto out;
	ret = KJ_EXIT_OK;
out:
	kj_image_key_wipe(&key); /* before a jump back hands this memory over */
	if (ret != KJ_EXIT_OK && a.abort_jump && wo && wo->entry)
		abort_jump(&root, wo->entry, &dev,
			   fail_reason[0] ? fail_reason : "kjump-save failed");
	kj_imgdev_close(&dev);
	kj_backend_close(s.be);
	kj_elfcore_close(&s.elf);
	save_filter_free(&filter);
	save_system_free(&sys);
	free(wo);
	return ret;
}
