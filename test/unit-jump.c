/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The jump through the syscall seam, with a recorder in place of the kernel: the
 * segments handed to kexec_load are the plan's staged ranges with their content, the
 * flags preserve context, sync comes before reboot(KEXEC); every failure is reported
 * with the segment table and returned. */
#include <errno.h>
#include <linux/reboot.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jump.h"
#include "sys.h"
#include "tap.h"

static struct {
	int load_rc, reboot_rc;
	int loads, reboots, syncs, sync_before_reboot;
	unsigned long entry, nr, flags;
	struct kexec_segment segs[16];
	uint8_t first_bytes[16];
	int reboot_cmd;
} rec;

static int rec_load(unsigned long entry, unsigned long nr, struct kexec_segment *segs,
		    unsigned long flags)
{
	rec.loads++;
	rec.entry = entry;
	rec.nr = nr;
	rec.flags = flags;
	for (unsigned long i = 0; i < nr && i < 16; i++) {
		rec.segs[i] = segs[i];
		rec.first_bytes[i] = *(const uint8_t *)segs[i].buf;
	}
	return rec.load_rc;
}
static int rec_reboot(int cmd)
{
	rec.reboots++;
	rec.reboot_cmd = cmd;
	rec.sync_before_reboot = rec.syncs > 0;
	return rec.reboot_rc;
}
static void rec_sync(void)
{
	rec.syncs++;
}
static const struct kj_sys_ops recorder = {
    .kexec_load = rec_load, .reboot = rec_reboot, .sync = rec_sync};

static struct kj_plan make_plan(void)
{
	struct kj_plan p = {0};
	struct kj_ranges r = {0};
	kj_ranges_add(&r, 0x4000000, 0x4004000);
	kj_ranges_add(&r, 0x10000, 0x20000);
	CHECK_EQ(kj_plan_init_staged(&p, 0x4000040, &r), 0);
	kj_ranges_free(&r);
	kj_plan_segment(&p, 0)[0] = 0xaa; /* sorted by address */
	kj_plan_segment(&p, 1)[0] = 0xbb;
	CHECK(kj_plan_segment(&p, 2) == NULL);
	return p;
}

static void run(int load_rc, int reboot_rc, int want_rc, const char *want_err)
{
	struct kj_plan p = make_plan();
	char err[512] = "";
	int rc;

	memset(&rec, 0, sizeof(rec));
	rec.load_rc = load_rc;
	rec.reboot_rc = reboot_rc;
	rc = kj_jump_load(&p, err, sizeof(err));
	if (rc == 0)
		rc = kj_jump_go(err, sizeof(err));
	CHECK_EQ(rc, want_rc);
	CHECK_EQ(rec.loads, 1);
	CHECK_EQ(rec.entry, 0x4000040);
	CHECK_EQ(rec.nr, 2);
	CHECK_EQ(rec.flags, KEXEC_PRESERVE_CONTEXT);
	CHECK_EQ((uintptr_t)rec.segs[0].mem, 0x10000);
	CHECK_EQ(rec.segs[0].bufsz, 0x10000);
	CHECK_EQ(rec.segs[0].memsz, 0x10000);
	CHECK_EQ((uintptr_t)rec.segs[1].mem, 0x4000000);
	CHECK_EQ(rec.segs[1].memsz, 0x4000);
	CHECK_EQ(rec.first_bytes[0], 0xaa);
	CHECK_EQ(rec.first_bytes[1], 0xbb);
	if (load_rc == 0) {
		CHECK_EQ(rec.reboots, 1);
		CHECK_EQ(rec.reboot_cmd, LINUX_REBOOT_CMD_KEXEC);
		CHECK(rec.sync_before_reboot);
	} else {
		CHECK_EQ(rec.reboots, 0); /* never reboot without a loaded image */
		CHECK(strstr(err, "segments: 0x10000-0x20000 0x4000000-0x4004000") != NULL);
	}
	CHECK(strstr(err, want_err) != NULL);
	if (!strstr(err, want_err))
		fprintf(stderr, "error was: %s\n", err);
	kj_plan_free(&p);
}

int main(void)
{
	kj_sys_set(&recorder);
	run(-EPERM, 0, -EPERM, "lockdown");
	run(-EBUSY, 0, -EBUSY, "another kexec image");
	run(-EINVAL, 0, -EINVAL, "kexec_load failed: Invalid argument");
	run(-ENOSYS, 0, -ENOSYS, "without CONFIG_KEXEC");
	run(0, -EINVAL, -EINVAL, "CONFIG_KEXEC_JUMP");
	run(0, 0, -ECANCELED, "the jump did not happen (reboot returned)");
	return kj_test_result("unit-jump");
}
