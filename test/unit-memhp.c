/* SPDX-License-Identifier: GPL-2.0-or-later */
/* memhotplug against fake sysfs trees captured from QEMU guests, with the kernel's side
 * of probe/online emulated through memhp_ops: what is written where, in which order,
 * and what happens when a probe fails or a block came online by itself. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <linux/reboot.h>
#include <sys/stat.h>
#include <unistd.h>

#include "memhp.h"
#include "run.h"
#include "log.h"
#include "sys.h"
#include "tap.h"

struct emu {
	char dir[256];
	uint64_t fail_addr; /* probe of this address fails */
	int fail_rc;
	int auto_online; /* probe onlines the block itself */
	char log[8192];	 /* every write, in order */
	uint64_t block_size;
};

static uint64_t meminfo_total(const char *dir)
{
	char p[1024];
	unsigned long long kb = 0;
	FILE *f;
	snprintf(p, sizeof(p), "%s/proc/meminfo", dir);
	f = fopen(p, "r");
	if (f) {
		if (fscanf(f, "MemTotal: %llu kB", &kb) != 1)
			kb = 0;
		fclose(f);
	}
	return kb;
}

/* The kernel, as far as memhotplug can tell. */
static int emu_write(const struct kj_root *root, const char *path, const char *value, void *ud)
{
	struct emu *e = ud;
	char p[1024], v[96];
	(void)root;

	snprintf(v, sizeof(v), "%s %s\n", path, value);
	strncat(e->log, v, sizeof(e->log) - strlen(e->log) - 1);
	if (!strcmp(path, "/sys/devices/system/memory/probe")) {
		uint64_t a = strtoull(value, NULL, 0), idx = a / e->block_size;
		if (a == e->fail_addr)
			return e->fail_rc;
		snprintf(p, sizeof(p), "%s/sys/devices/system/memory/memory%llu", e->dir,
			 (unsigned long long)idx);
		mkdir(p, 0755);
		snprintf(p, sizeof(p), "/sys/devices/system/memory/memory%llu/state",
			 (unsigned long long)idx);
		kj_test_put(e->dir, p, e->auto_online ? "online\n" : "offline\n");
		if (e->auto_online)
			goto grow;
		return 0;
	}
	if (strstr(path, "/state")) {
		kj_test_put(e->dir, path, "online\n");
	grow:
		snprintf(v, sizeof(v), "MemTotal: %llu kB\n",
			 (unsigned long long)(meminfo_total(e->dir) + (e->block_size >> 10)));
		kj_test_put(e->dir, "/proc/meminfo", v);
		return 0;
	}
	kj_test_put(e->dir, path, value); /* sysctls, image_size */
	return 0;
}

static struct kj_root tree(struct emu *e, const char *name)
{
	char cmd[1024];
	struct kj_root r;
	snprintf(e->dir, sizeof(e->dir), "/tmp/kjump-memhp-XXXXXX");
	if (!mkdtemp(e->dir))
		abort();
	snprintf(cmd, sizeof(cmd), "tar xzf %s/test/data/memtrees/%s.tar.gz -C %s",
		 getenv("KJ_SRC") ? getenv("KJ_SRC") : ".", name, e->dir);
	CHECK_EQ(system(cmd), 0);
	kj_root_init(&r, e->dir);
	e->block_size = 128ull << 20;
	e->log[0] = 0;
	return r;
}

static void cleanup(struct emu *e)
{
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", e->dir);
	CHECK_EQ(system(cmd), 0);
}

static uint64_t read_u64(const char *dir, const char *rel)
{
	char p[1024];
	unsigned long long v = 0;
	FILE *f;
	snprintf(p, sizeof(p), "%.255s%.700s", dir, rel);
	f = fopen(p, "r");
	if (f) {
		if (fscanf(f, "%llu", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}

static void test_plan_6g(void)
{
	struct emu e = {0};
	struct kj_root r = tree(&e, "q6g-mem256");
	struct memhp_plan p;
	char err[256];

	CHECK_EQ(memhp_plan_build(&r, &p, err, sizeof(err)), 0);
	CHECK_EQ(p.block_size, 128 << 20);
	CHECK(p.have_probe);
	CHECK_EQ(p.n_steps, 45); /* 256M..2.875G (21) and 4G..7G (24) */
	CHECK_EQ(p.steps[0].start, 0x10000000);
	CHECK_EQ(p.steps[20].start, 0xb0000000);
	CHECK_EQ(p.steps[21].start, 0x100000000ull); /* above 4 GiB */
	CHECK_EQ(p.steps[44].start, 0x1b8000000ull);
	for (size_t i = 1; i < p.n_steps; i++)
		CHECK(p.steps[i].start > p.steps[i - 1].start); /* ascending */
	CHECK_EQ(p.n_left, 1);
	CHECK_EQ(p.left[0].start, 0xb8000000);
	CHECK_EQ(p.left[0].end, 0xbffdd000);
	memhp_plan_free(&p);
	cleanup(&e);
}

static void test_apply(enum memhp_zone zone, const char *state)
{
	struct emu e = {0};
	struct kj_root r = tree(&e, "q1g-mem256");
	struct memhp_ops ops = {emu_write, &e};
	struct memhp_run_opts o = {.zone = zone, .ops = &ops};
	uint64_t tm = read_u64(e.dir, "/proc/sys/kernel/threads-max");
	uint64_t before = meminfo_total(e.dir);
	char expect[4096] = "";

	CHECK_EQ(memhp_run(&r, &o), 0);
	for (int b = 2; b <= 6; b++) {
		char l[200];
		snprintf(l, sizeof(l),
			 "/sys/devices/system/memory/probe 0x%x\n"
			 "/sys/devices/system/memory/memory%d/state %s\n",
			 b * 0x8000000, b, state);
		strcat(expect, l);
	}
	/* One block at a time: probe, online, then the next. */
	CHECK(!strncmp(e.log, expect, strlen(expect)));
	if (strncmp(e.log, expect, strlen(expect)))
		fprintf(stderr, "writes were:\n%s\nexpected:\n%s", e.log, expect);
	CHECK_EQ(meminfo_total(e.dir), before + 5 * 131072);
	/* threads-max grows with memory */
	CHECK_EQ(read_u64(e.dir, "/proc/sys/kernel/threads-max"),
		 tm * (before + 5 * 131072) / before);
	CHECK(strstr(e.log, "/proc/sys/fs/file-max") != NULL);
	CHECK(strstr(e.log, "/sys/power/image_size") != NULL);
	cleanup(&e);
}

/* A limit set above the boot size already (systemd's fs.file-max = LONG_MAX) is left
 * alone: scaled, it would overflow; threads-max is capped at FUTEX_TID_MASK. */
static void test_limits_saturate(void)
{
	struct emu e = {0};
	struct kj_root r = tree(&e, "q1g-mem256");
	struct memhp_ops ops = {emu_write, &e};
	struct memhp_limit lim[4];
	size_t n = 9;

	kj_test_put(e.dir, "/proc/sys/fs/file-max", "9223372036854775807\n");
	kj_test_put(e.dir, "/proc/sys/kernel/threads-max", "1000000000\n");
	CHECK_EQ(memhp_raise_limits(&r, 128ull << 20, 8ull << 30, &ops, lim, 4, &n), 0);
	CHECK_EQ(read_u64(e.dir, "/proc/sys/fs/file-max"), 9223372036854775807ull);
	CHECK(strstr(e.log, "/proc/sys/fs/file-max") == NULL);
	CHECK_EQ(read_u64(e.dir, "/proc/sys/kernel/threads-max"), 0x3fffffff);
	CHECK_EQ(n, 2); /* threads-max and image_size */
	for (size_t i = 0; i < n; i++)
		CHECK(lim[i].after > lim[i].before);
	cleanup(&e);
}

/* What memhp_run reports: the library logs nothing itself, the caller's sink hears it. */
static char reported[4096];
static int reported_errors;
static void report(int prio, const char *msg)
{
	size_t n = strlen(reported);
	snprintf(reported + n, sizeof(reported) - n, "%d %s\n", prio, msg);
	reported_errors += prio <= LOG_ERR;
}

static void test_failures(void)
{
	struct emu e = {0};
	struct kj_root r = tree(&e, "q1g-mem256");
	struct memhp_ops ops = {emu_write, &e};
	struct memhp_run_opts o = {.ops = &ops, .report = report};

	e.fail_addr = 0x20000000; /* block 4 */
	e.fail_rc = -EEXIST;
	CHECK_EQ(memhp_run(&r, &o), 64); /* partial, as chmem says it */
	CHECK_EQ(reported_errors, 1);
	CHECK(strstr(reported, "memory block 4 (0x20000000-0x27ffffff): ") != NULL);
	CHECK(strstr(reported, "memory: added ") != NULL);
	CHECK(strstr(e.log, "memory5/state online_kernel") != NULL); /* went on after it */
	CHECK(strstr(e.log, "memory4/state") == NULL);
	cleanup(&e);

	r = tree(&e, "q1g-mem256");
	e.fail_addr = 0x10000000;
	e.fail_rc = -ENOMEM;
	e.auto_online = 1; /* the others came online by themselves: no state writes */
	CHECK_EQ(memhp_run(&r, &o), 64);
	CHECK(strstr(e.log, "/state") == NULL);
	cleanup(&e);
}

static void test_already_online(void)
{
	struct emu e = {0};
	struct kj_root r = tree(&e, "q1g-mem256");
	struct memhp_plan p;
	char err[256], d[512];

	/* Block 2 present and online, block 3 present but offline. */
	snprintf(d, sizeof(d), "%s/sys/devices/system/memory/memory2", e.dir);
	mkdir(d, 0755);
	kj_test_put(e.dir, "/sys/devices/system/memory/memory2/state", "online\n");
	snprintf(d, sizeof(d), "%s/sys/devices/system/memory/memory3", e.dir);
	mkdir(d, 0755);
	kj_test_put(e.dir, "/sys/devices/system/memory/memory3/state", "offline\n");
	CHECK_EQ(memhp_plan_build(&r, &p, err, sizeof(err)), 0);
	CHECK_EQ(p.n_steps, 4);
	CHECK_EQ(p.steps[0].index, 3);
	CHECK_EQ(p.steps[0].action, MEMHP_ONLINE);
	CHECK_EQ(p.steps[1].index, 4);
	CHECK_EQ(p.steps[1].action, MEMHP_PROBE_ONLINE);
	memhp_plan_free(&p);
	cleanup(&e);
}

static void test_cmdline(void)
{
	char out[512];
	CHECK_EQ(memhp_unrestricted_cmdline("root=/dev/vda2 memmap=exactmap memmap=636K@0 "
					    "memmap=127M@1M memmap=64M$0x20000000 mem=128M quiet",
					    out, sizeof(out)),
		 0);
	CHECK(!strcmp(out, "root=/dev/vda2 memmap=64M$0x20000000 quiet kjump.fallback=done"));
	CHECK_EQ(memhp_unrestricted_cmdline("", out, sizeof(out)), 0);
	CHECK(!strcmp(out, "kjump.fallback=done"));
	CHECK_EQ(memhp_unrestricted_cmdline("a b c", out, 8), -E2BIG);
}

/* The boot with all memory through the syscall seam: what is loaded, in which order. */
static struct {
	int loads, unloads, syncs, reboots, load_rc, reboot_rc, synced_before_reboot;
	char kernel[32], initrd[32], cmdline[512];
	unsigned long flags;
} fb;

static void fd_text(int fd, char *buf, size_t size)
{
	ssize_t n = pread(fd, buf, size - 1, 0);
	buf[n > 0 ? n : 0] = 0;
}

static int fb_file_load(int kfd, int ifd, const char *cmdline, unsigned long flags)
{
	if (flags & KEXEC_FILE_UNLOAD) {
		fb.unloads++;
		return 0;
	}
	fb.loads++;
	fd_text(kfd, fb.kernel, sizeof(fb.kernel));
	fd_text(ifd, fb.initrd, sizeof(fb.initrd));
	snprintf(fb.cmdline, sizeof(fb.cmdline), "%s", cmdline ? cmdline : "(null)");
	fb.flags = flags;
	return fb.load_rc;
}
static int fb_reboot(int cmd)
{
	fb.reboots += cmd == LINUX_REBOOT_CMD_KEXEC;
	fb.synced_before_reboot = fb.syncs > 0;
	return fb.reboot_rc;
}
static void fb_sync(void)
{
	fb.syncs++;
}
static const struct kj_sys_ops fb_ops = {
    .kexec_file_load = fb_file_load, .reboot = fb_reboot, .sync = fb_sync};

/* A file that looks like a bzImage to the fallback: text at 0, the boot header's
 * magic, version and init_size where the x86 boot protocol has them. */
static void put_bzimage(const char *dir, const char *rel, const char *text, uint32_t init_size)
{
	uint8_t img[0x300] = {0};
	uint16_t version = 0x20f;
	char p[1024];
	FILE *f;

	memcpy(img, text, strlen(text));
	memcpy(img + 0x202, "HdrS", 4);
	memcpy(img + 0x206, &version, 2);
	memcpy(img + 0x260, &init_size, 4);
	snprintf(p, sizeof(p), "%.255s%.700s", dir, rel);
	f = fopen(p, "w");
	if (f) {
		fwrite(img, 1, sizeof(img), f);
		fclose(f);
	}
}

static void test_bzimage(void)
{
	uint8_t img[0x300] = {0};
	uint16_t version = 0x20a;
	uint32_t init = 0x3638000; /* 7.3.4's */
	uint64_t v = 0;

	memcpy(img + 0x202, "HdrS", 4);
	memcpy(img + 0x206, &version, 2);
	memcpy(img + 0x260, &init, 4);
	CHECK_EQ(memhp_bzimage_init_size(img, sizeof(img), &v), 0);
	CHECK_EQ(v, 0x3638000);
	CHECK_EQ(memhp_bzimage_init_size(img, 0x263, &v), -EINVAL); /* cut short */
	version = 0x209;					    /* no init_size before 2.10 */
	memcpy(img + 0x206, &version, 2);
	CHECK_EQ(memhp_bzimage_init_size(img, sizeof(img), &v), -EINVAL);
	img[0x202] = 'X';
	CHECK_EQ(memhp_bzimage_init_size(img, sizeof(img), &v), -EINVAL);
	CHECK_EQ(memhp_bzimage_init_size(NULL, 0, &v), -EINVAL);
}

static void test_fallback(void)
{
	struct emu e = {0};
	struct kj_root r = tree(&e, "q1g-exactmap16");
	struct memhp_run_opts o = {
	    .cmdline = "root=/dev/vda2 memmap=exactmap memmap=640K@0 memmap=240M@16M mem=256M "
		       "retain_initrd quiet"};
	char p[1024];

	snprintf(p, sizeof(p), "%s/sys/devices/system/memory/probe", e.dir);
	CHECK_EQ(unlink(p), 0);
	snprintf(p, sizeof(p), "mkdir -p %s/usr/lib/kjump %s/sys/firmware", e.dir, e.dir);
	CHECK_EQ(system(p), 0);
	put_bzimage(e.dir, MEMHP_FALLBACK_KERNEL, "the kernel", 8u << 20);
	kj_test_put(e.dir, MEMHP_RETAINED_INITRD, "the initrd");
	kj_sys_set(&fb_ops);
	/* loaded, synced, rebooted into; a reboot that returns is a failure, unloaded */
	fb.reboot_rc = -EPERM;
	CHECK_EQ(memhp_run(&r, &o), 1);
	CHECK_EQ(fb.loads, 1);
	CHECK(!strcmp(fb.kernel, "the kernel"));
	CHECK(!strcmp(fb.initrd, "the initrd"));
	CHECK(!strcmp(fb.cmdline, "root=/dev/vda2 quiet kjump.fallback=done"));
	CHECK_EQ(fb.flags, 0);
	CHECK_EQ(fb.reboots, 1);
	CHECK(fb.synced_before_reboot);
	CHECK_EQ(fb.unloads, 1);
	/* the load refused (lockdown, an unsigned kernel): no reboot */
	memset(&fb, 0, sizeof(fb));
	fb.load_rc = -EKEYREJECTED;
	CHECK_EQ(memhp_run(&r, &o), 1);
	CHECK_EQ(fb.loads, 1);
	CHECK_EQ(fb.reboots, 0);
	/* a dry run and a boot through the fallback already: nothing */
	memset(&fb, 0, sizeof(fb));
	o.dry_run = 1;
	CHECK_EQ(memhp_run(&r, &o), 0);
	o.dry_run = 0;
	o.cmdline = "root=/dev/vda2 kjump.fallback=done";
	CHECK_EQ(memhp_run(&r, &o), 1);
	CHECK_EQ(fb.loads + fb.reboots, 0);
	/* a kernel that unpacks to more than half of this boot's RAM (214 MiB): not tried */
	memset(&fb, 0, sizeof(fb));
	o.cmdline = "root=/dev/vda2 mem=256M";
	put_bzimage(e.dir, MEMHP_FALLBACK_KERNEL, "the kernel", 120u << 20);
	CHECK_EQ(memhp_run(&r, &o), 1);
	CHECK_EQ(fb.loads, 0);
	memset(&fb, 0, sizeof(fb));
	kj_test_put(e.dir, MEMHP_FALLBACK_KERNEL, "not a bzImage");
	CHECK_EQ(memhp_run(&r, &o), 1);
	CHECK_EQ(fb.loads, 0);
	kj_sys_set(NULL);
	cleanup(&e);
}

int main(void)
{
	kj_log_open("unit-memhp", KJ_LOG_STDERR, NULL);
	test_plan_6g();
	test_apply(MEMHP_ZONE_KERNEL, "online_kernel");
	test_apply(MEMHP_ZONE_MOVABLE, "online_movable");
	test_limits_saturate();
	test_failures();
	test_already_online();
	test_cmdline();
	test_bzimage();
	test_fallback();
	return kj_test_result("unit-memhp");
}
