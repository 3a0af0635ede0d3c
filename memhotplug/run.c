/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "run.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/reboot.h>
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmdline.h"
#include "exitcode.h"
#include "io.h"
#include "macros.h"
#include "sys.h"

/* What the caller hears: nothing without a sink (a library does not log). */
static void say(const struct memhp_run_opts *o, int prio, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void say(const struct memhp_run_opts *o, int prio, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (!o->report)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	o->report(prio, msg);
}

struct step_ctx {
	const struct memhp_run_opts *o;
	const struct memhp_plan *p;
};

static void on_step(const struct memhp_step_result *r, void *ud)
{
	const struct step_ctx *c = ud;
	const struct memhp_run_opts *o = c->o;
	const struct memhp_plan *p = c->p;
	uint64_t s = r->step->start, e = s + p->block_size - 1;

	if (r->rc < 0)
		say(o, LOG_ERR, "memory block %llu (0x%llx-0x%llx): %s failed: %s",
		    (unsigned long long)r->step->index, (unsigned long long)s,
		    (unsigned long long)e, r->stage, strerror(-r->rc));
	else
		say(o, LOG_DEBUG, "memory block %llu (0x%llx-0x%llx) %s",
		    (unsigned long long)r->step->index, (unsigned long long)s,
		    (unsigned long long)e, r->was_online ? "already online" : "online");
}

/* A parameter that restricts the boot's RAM (and is dropped for a full boot). */
static int is_restriction(const struct kj_cmdline_param *p)
{
	const char *v = p->value;
	if (kj_cmdline_key_eq(p->key, "mem"))
		return 1;
	if (!kj_cmdline_key_eq(p->key, "memmap") || !v)
		return 0;
	/* exactmap and size@start define RAM; size$start, size#start, size!start reserve
	 * or mark memory and stay. */
	return !strcmp(v, "exactmap") || (strchr(v, '@') && !strpbrk(v, "$#!"));
}

int memhp_unrestricted_cmdline(const char *in, char *out, size_t size)
{
	struct kj_cmdline_param p;
	size_t o = 0, pos = 0, len = strlen(in);

	while (kj_cmdline_next(in, len, &pos, &p) > 0) {
		if (is_restriction(&p) || kj_cmdline_key_eq(p.key, "kjump.fallback") ||
		    kj_cmdline_key_eq(p.key, "retain_initrd"))
			continue;
		if (o + p.raw_len + 2 > size)
			return -E2BIG;
		if (o)
			out[o++] = ' ';
		memcpy(out + o, p.raw, p.raw_len); /* as written, quotes and all */
		o += p.raw_len;
	}
	/* Mark the new boot so that it never falls back again. */
	if (o + 22 > size)
		return -E2BIG;
	o += (size_t)snprintf(out + o, size - o, "%skjump.fallback=done", o ? " " : "");
	return 0;
}

/* What the full-memory boot is made of: a kernel and an initrd, open and measured. */
struct fallback_files {
	const char *kernel, *initrd;
	int kfd, ifd;
	uint64_t bytes;	    /* both files */
	uint64_t seg_bytes; /* the kexec image: the kernel's init_size and the initrd */
};

static void fallback_files_close(struct fallback_files *f)
{
	if (f->kfd >= 0)
		close(f->kfd);
	if (f->ifd >= 0)
		close(f->ifd);
}

static int open_measured(const struct kj_root *root, const char *path, int *ret_fd, uint64_t *bytes)
{
	struct stat st;
	int fd = kj_root_open(root, path, O_RDONLY), rc;

	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	*bytes += (uint64_t)st.st_size;
	*ret_fd = fd;
	return 0;
}

/* The kexec image's size: the kernel as it unpacks (init_size), and the initrd. */
static int measure_image(struct fallback_files *f, uint64_t ibytes)
{
	uint8_t hdr[0x264];
	uint64_t init_size;
	ssize_t n = kj_loop_pread(f->kfd, hdr, sizeof(hdr), 0);

	if (n < 0)
		return (int)n;
	if (memhp_bzimage_init_size(hdr, (size_t)n, &init_size) < 0)
		return -ENOEXEC;
	f->seg_bytes = MAX(init_size, f->bytes - ibytes) + ibytes;
	return 0;
}

/* The kernel and initrd: given, or the defaults when they are there. 0, or 1 with the
 * reason logged when there is none to boot. */
static int open_files(const struct kj_root *root, const struct memhp_run_opts *o, uint64_t missing,
		      struct fallback_files *f)
{
	uint64_t ibytes = 0;
	int rc;

	f->kernel = o->fallback_kernel;
	if (!f->kernel && kj_root_exists(root, MEMHP_FALLBACK_KERNEL) > 0)
		f->kernel = MEMHP_FALLBACK_KERNEL;
	f->initrd = o->fallback_initrd;
	if (!f->initrd && kj_root_exists(root, MEMHP_RETAINED_INITRD) > 0)
		f->initrd = MEMHP_RETAINED_INITRD;
	if (!f->kernel) {
		say(o, LOG_WARNING,
		    "this kernel has no memory probe interface (CONFIG_ARCH_MEMORY_PROBE) and "
		    "this initramfs no kernel to boot with all memory (%s, "
		    "kjump.fallback_kernel=): "
		    "%llu MiB of RAM stay unused until the next full boot",
		    MEMHP_FALLBACK_KERNEL, (unsigned long long)(missing >> 20));
		return 1;
	}
	if (!f->initrd) {
		say(o, LOG_WARNING,
		    "no memory probe interface, and this boot's initrd was not kept for the "
		    "boot with all memory (retain_initrd, as kjump-hibernate --resume-cmdline "
		    "prints it): %llu MiB of RAM stay unused until the next full boot",
		    (unsigned long long)(missing >> 20));
		return 1;
	}
	if ((rc = open_measured(root, f->kernel, &f->kfd, &f->bytes)) < 0 ||
	    (rc = open_measured(root, f->initrd, &f->ifd, &ibytes)) < 0) {
		say(o, LOG_ERR, "cannot open %s: %s; continuing with the memory present",
		    f->kfd < 0 ? f->kernel : f->initrd, strerror(-rc));
		return 1;
	}
	f->bytes += ibytes;
	if ((rc = measure_image(f, ibytes)) < 0) {
		say(o, LOG_ERR, "%s: %s; continuing with the memory present", f->kernel,
		    rc == -ENOEXEC ? "not a bzImage kexec can boot" : strerror(-rc));
		return 1;
	}
	return 0;
}

/* The kernel takes at most half of RAM for a kexec image, and while loading it holds
 * the files and the image at once: 1 with the reason logged when this boot cannot. */
static int too_big(const struct kj_root *root, const struct memhp_run_opts *o,
		   const struct fallback_files *f)
{
	uint64_t total = 0, avail = 0, need = f->seg_bytes + f->bytes + (16ull << 20);

	if (memhp_memtotal(root, &total) < 0 || memhp_meminfo(root, "MemAvailable", &avail) < 0)
		return 0; /* the kernel will say */
	if (f->seg_bytes <= total / 2 && need <= avail)
		return 0;
	say(o, LOG_ERR,
	    "the boot with all memory does not fit in this one: %s and %s take %llu MiB "
	    "(at most half of RAM, %llu MiB) and %llu MiB while loading (%llu MiB "
	    "available): make the resume region larger or the initramfs smaller; "
	    "continuing with the memory present",
	    f->kernel, f->initrd, (unsigned long long)(f->seg_bytes >> 20),
	    (unsigned long long)(total >> 21), (unsigned long long)(need >> 20),
	    (unsigned long long)(avail >> 20));
	return 1;
}

/* What a failed kexec_file_load most likely means, after its errno. */
static const char *kexec_file_hint(int rc)
{
	switch (rc) {
	case -ENOSYS: return " (no CONFIG_KEXEC_FILE)";
	case -EPERM:
	case -EKEYREJECTED:
	case -EBADMSG: return " (the kernel's signature: lockdown or KEXEC_SIG)";
	case -ENOMEM:
	case -EADDRNOTAVAIL: return " (not enough memory in this boot)";
	default: return "";
	}
}

/* Boot the full-memory kernel: kexec_file_load, then reboot into it. Returns only when
 * that failed. */
static int fallback(const struct kj_root *root, const struct memhp_run_opts *o, uint64_t missing)
{
	struct fallback_files f = {.kfd = -1, .ifd = -1};
	_cleanup_free_ char *cl = NULL;
	char newcl[4096], val[16];
	int rc = KJ_EXIT_FAILURE, r;

	if (o->cmdline)
		cl = strdup(o->cmdline);
	else if (kj_root_read_file(root, "/proc/cmdline", 65536, &cl, NULL) < 0)
		cl = strdup("");
	if (!cl)
		return KJ_EXIT_FAILURE;
	if (kj_cmdline_get(cl, strlen(cl), "kjump.fallback", val, sizeof(val)) &&
	    !strcmp(val, "done")) {
		say(o, LOG_ERR,
		    "already booted through the fallback kernel and memory is still missing; "
		    "continuing with what is there");
		return KJ_EXIT_FAILURE;
	}
	if (memhp_unrestricted_cmdline(cl, newcl, sizeof(newcl)) < 0) {
		say(o, LOG_ERR, "kernel command line too long for the fallback kernel");
		return KJ_EXIT_FAILURE;
	}
	if ((r = open_files(root, o, missing, &f)) != 0 || too_big(root, o, &f)) {
		rc = r == 1 && !f.kernel ? KJ_EXIT_OK : KJ_EXIT_FAILURE;
		goto out;
	}
	say(o, LOG_NOTICE,
	    "no memory probe interface: booting %s with all memory (%llu MiB more; kexec, "
	    "no firmware)",
	    f.kernel, (unsigned long long)(missing >> 20));
	if (o->dry_run) {
		say(o, LOG_INFO, "dry run: would kexec %s with %s and: %s", f.kernel, f.initrd,
		    newcl);
		rc = KJ_EXIT_OK;
		goto out;
	}
	if ((r = kj_sys()->kexec_file_load(f.kfd, f.ifd, newcl, 0)) < 0) {
		say(o, LOG_ERR,
		    "cannot load %s for the boot with all memory: %s%s; continuing with the "
		    "memory present",
		    f.kernel, strerror(-r), kexec_file_hint(r));
		goto out;
	}
	kj_sys()->sync();
	r = kj_sys()->reboot(LINUX_REBOOT_CMD_KEXEC);
	say(o, LOG_ERR, "the kexec into %s failed: %s; continuing with the memory present",
	    f.kernel, strerror(-r));
	kj_sys()->kexec_file_load(-1, -1, NULL, KEXEC_FILE_UNLOAD);
out:
	fallback_files_close(&f);
	return rc;
}

int memhp_run(const struct kj_root *root, const struct memhp_run_opts *o)
{
	struct memhp_plan p;
	struct memhp_result r = {0};
	struct memhp_limit lim[4];
	uint64_t before = 0, after = 0, probe_bytes = 0;
	int have_total;
	size_t nlim = 0;
	char err[256];
	int rc;

	rc = memhp_plan_build(root, &p, err, sizeof(err));
	if (rc < 0) {
		say(o, LOG_WARNING, "memory hot-add: %s", err);
		return KJ_EXIT_FAILURE;
	}
	for (size_t i = 0; i < p.n_steps; i++)
		if (p.steps[i].action == MEMHP_PROBE_ONLINE)
			probe_bytes += p.block_size;
	say(o, LOG_NOTICE,
	    "memory: block size %llu MiB, firmware RAM %llu MiB, online %llu MiB, to add "
	    "%llu MiB in %zu blocks, left out %llu KiB",
	    (unsigned long long)(p.block_size >> 20), (unsigned long long)(p.fw_ram_bytes >> 20),
	    (unsigned long long)(p.online_bytes >> 20), (unsigned long long)(p.add_bytes >> 20),
	    p.n_steps, (unsigned long long)(p.left_bytes >> 10));
	for (size_t i = 0; i < p.n_left; i++)
		say(o, LOG_NOTICE, "left out: 0x%llx-0x%llx (%llu KiB): %s",
		    (unsigned long long)p.left[i].start, (unsigned long long)p.left[i].end - 1,
		    (unsigned long long)((p.left[i].end - p.left[i].start) >> 10), p.left[i].why);
	if (!p.have_probe && probe_bytes) {
		rc = fallback(root, o, probe_bytes);
		memhp_plan_free(&p);
		return rc;
	}
	if (o->dry_run) {
		for (size_t i = 0; i < p.n_steps; i++)
			say(o, LOG_INFO, "would %s memory block %llu (0x%llx-0x%llx) as %s",
			    p.steps[i].action == MEMHP_PROBE_ONLINE ? "probe and online" : "online",
			    (unsigned long long)p.steps[i].index,
			    (unsigned long long)p.steps[i].start,
			    (unsigned long long)(p.steps[i].start + p.block_size - 1),
			    memhp_zone_state(o->zone));
		memhp_plan_free(&p);
		return KJ_EXIT_OK;
	}
	if (p.n_steps == 0) {
		memhp_plan_free(&p);
		return KJ_EXIT_OK;
	}
	have_total = memhp_memtotal(root, &before) == 0;
	memhp_apply(root, &p, o->zone, o->ops, on_step, &(struct step_ctx){o, &p}, &r);
	have_total = have_total && memhp_memtotal(root, &after) == 0;
	say(o, LOG_NOTICE,
	    "memory: added %llu MiB in %zu blocks, %zu failed; left out %llu KiB; MemTotal "
	    "%llu MiB -> %llu MiB",
	    (unsigned long long)(r.added_bytes >> 20), r.added, r.failed,
	    (unsigned long long)(p.left_bytes >> 10), (unsigned long long)(before >> 20),
	    (unsigned long long)(after >> 20));
	if (!have_total)
		say(o, LOG_WARNING,
		    "cannot read MemTotal from /proc/meminfo: boot-sized limits not raised");
	else
		memhp_raise_limits(root, before, after, o->ops, lim, ARRAY_SIZE(lim), &nlim);
	for (size_t i = 0; i < nlim; i++) {
		if (lim[i].rc < 0)
			say(o, LOG_WARNING, "cannot raise %s to %llu: %s", lim[i].name,
			    (unsigned long long)lim[i].after, strerror(-lim[i].rc));
		else
			say(o, LOG_INFO, "raised %s from %llu to %llu", lim[i].name,
			    (unsigned long long)lim[i].before, (unsigned long long)lim[i].after);
	}
	if (after > 2 * before && before)
		say(o, LOG_NOTICE,
		    "hash tables (dentry, inode, TCP, mount) keep their boot size; for a large "
		    "machine boot with dhash_entries=, ihash_entries=, thash_entries=, "
		    "mhash_entries= (see kjump(7))");
	memhp_plan_free(&p);
	return r.failed == 0 ? KJ_EXIT_OK : r.added ? KJ_EXIT_PARTIAL : KJ_EXIT_FAILURE;
}
