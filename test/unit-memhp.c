/* SPDX-License-Identifier: GPL-2.0-or-later */
/* memhotplug against fake sysfs trees captured from QEMU guests, with the kernel's side
 * of probe/online emulated through memhp_ops: what is written where, in which order,
 * and what happens when a probe fails or a block came online by itself. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "memhp.h"
#include "run.h"
#include "log.h"
#include "tap.h"

struct emu {
	char dir[256];
	uint64_t fail_addr; /* probe of this address fails */
	int fail_rc;
	int auto_online;    /* probe onlines the block itself */
	char log[8192];     /* every write, in order */
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

static void test_failures(void)
{
	struct emu e = {0};
	struct kj_root r = tree(&e, "q1g-mem256");
	struct memhp_ops ops = {emu_write, &e};
	struct memhp_run_opts o = {.ops = &ops};

	e.fail_addr = 0x20000000; /* block 4 */
	e.fail_rc = -EEXIST;
	CHECK_EQ(memhp_run(&r, &o), 64); /* partial, as chmem says it */
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
	return kj_test_result("unit-memhp");
}
