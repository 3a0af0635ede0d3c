/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kjump-setup's computations: the region fitted to firmware RAM (cases where the old
 * shell's fit_region gave these strings), /proc/swaps, the LUKS UUID, config, meminfo,
 * the boot log's init_on_free, the key wipe, the shell quoting, the mounts a snapshot
 * refuses (captured mountinfo in test/data/setup). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "autoswap.h"
#include "fit.h"
#include "io.h"
#include "mounts.h"
#include "out.h"
#include "swaps.h"
#include "system.h"
#include "tap.h"

#define REGION_128 "memmap=exactmap memmap=636K@0 memmap=127M@1M mem=128M"

/* fw: "START-END,..." (end exclusive) */
static void check_fit(const char *region, const char *fw, int want_rc, const char *want)
{
	struct kj_ranges ram = {0};
	char *got = NULL;
	uint64_t end = 0;
	int rc;

	CHECK(kj_ranges_parse(fw, &ram) == 0);
	kj_ranges_normalize(&ram);
	rc = setup_fit_region(region, strlen(region), &ram, &got, &end);
	CHECK_EQ(rc, want_rc);
	if (want) {
		CHECK(got && !strcmp(got, want));
		if (got && strcmp(got, want))
			fprintf(stderr, "  got  %s\n  want %s\n", got, want);
	}
	free(got);
	kj_ranges_free(&ram);
}

static void test_fit(void)
{
	uint64_t end = 0;

	/* a plain 1 GiB machine */
	check_fit(REGION_128, "0x0-0x9fc00,0x100000-0x40000000", 0,
		  "memmap=exactmap memmap=636K@0x0 memmap=130048K@0x100000 mem=131072K");
	/* a hole in the region: RAM up to 96 MiB, its last page held (reserved) */
	check_fit(REGION_128, "0x0-0x9fc00,0x100000-0x6000000,0x6100000-0xc0000000", 0,
		  "memmap=exactmap memmap=636K@0x0 memmap=97276K@0x100000 memmap=31744K@0x6100000 "
		  "memmap=4K$0x5fff000 mem=131072K");
	/* page 0 not RAM, two RAM ranges ending inside the region */
	check_fit(
	    REGION_128, "0x1000-0x9f000,0x100000-0x3fff000,0x4000000-0x8000000", 0,
	    "memmap=exactmap memmap=628K@0x1000 memmap=64504K@0x100000 memmap=65532K@0x4000000 "
	    "memmap=4K$0x3ffe000 memmap=4K$0x7fff000 mem=131072K");
	/* RAM ending on a partial page inside the region: no page held */
	check_fit(REGION_128, "0x0-0x9fc00,0x100000-0x5000000,0x5000000-0x7ffffff", 0,
		  "memmap=exactmap memmap=636K@0x0 memmap=130044K@0x100000 mem=131072K");
	/* 384 MiB, RAM split at 128 MiB */
	check_fit(
	    "memmap=exactmap memmap=636K@0 memmap=383M@1M mem=384M",
	    "0x0-0x9fc00,0x100000-0x7ffe000,0x8000000-0x40000000", 0,
	    "memmap=exactmap memmap=636K@0x0 memmap=130036K@0x100000 memmap=262144K@0x8000000 "
	    "memmap=4K$0x7ffd000 mem=393216K");
	/* holes of the region are not RAM ($ # !) */
	check_fit("memmap=exactmap memmap=127M@1M memmap=1M$64M mem=128M", "0x0-0x40000000", 0,
		  "memmap=exactmap memmap=64512K@0x100000 memmap=64512K@0x4100000 mem=131072K");
	/* no exactmap, no RAM under it, malformed: refused */
	check_fit("mem=128M", "0x0-0x40000000", -EINVAL, NULL);
	check_fit(REGION_128, "0x80000000-0x90000000", -EINVAL, NULL);
	check_fit("memmap=exactmap memmap=12Q@1M", "0x0-0x40000000", -EINVAL, NULL);
	CHECK(setup_region_end(REGION_128, strlen(REGION_128), &end) == 0);
	CHECK_EQ(end, 128u << 20);
	CHECK(setup_region_end("memmap=exactmap memmap=64M@1M", 29, &end) == 0);
	CHECK_EQ(end, 65u << 20);
}

static void test_swaps(void)
{
	static const char t[] = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
				"/dev/zram0                              partition\t1000\t0\t100\n"
				"/swap\\040file\\134x                       file\t\t2000\t0\t-2\n"
				"/dev/vda1 partition 3000 0 -3\n"
				"garbage\n";
	struct setup_swap *e = NULL;
	size_t n = 0, i = 99;

	CHECK(setup_swaps_parse(t, sizeof(t) - 1, &e, &n) == 0);
	CHECK_EQ(n, 3);
	if (n == 3) {
		CHECK(!strcmp(e[0].name, "/dev/zram0") && !e[0].is_file);
		CHECK(!strcmp(e[1].name, "/swap file\\x") && e[1].is_file);
		CHECK(!strcmp(e[2].name, "/dev/vda1"));
	}
	CHECK(setup_swap_first_partition(e, n, &i) == 0);
	CHECK_EQ(i, 2);
	CHECK(setup_swap_first_partition(e, 2, &i) == -ENOENT);
	free(e);
}

static void test_small(void)
{
	char u[64], buf[64];
	uint64_t kib = 0;
	static const char cfg[] =
	    "# CONFIG_A is not set\nCONFIG_KEXEC=y\nCONFIG_KEXEC_JUMP=m\nCONFIG_KEXECX=y\n";
	static const char mi[] = "MemTotal:  1000000 kB\nMemFree:    600000 kB\n";
	static const char log1[] =
	    "6,1,2,-;mem auto-init: stack:all(zero), heap alloc:on, heap free:on\n";
	static const char log2[] =
	    "6,1,2,-;mem auto-init: stack:off, heap alloc:off, heap free:off\n";

	CHECK(setup_luks_uuid("CRYPT-LUKS2-0123456789abcdef0123456789abcdef-swap", u, sizeof(u)) ==
	      1);
	CHECK(!strcmp(u, "01234567-89ab-cdef-0123-456789abcdef"));
	CHECK(setup_luks_uuid("LVM-xyz", u, sizeof(u)) == 0);
	CHECK(setup_luks_uuid("CRYPT-LUKS1-0123-swap", u, sizeof(u)) == -EINVAL);
	CHECK_EQ(setup_config_value(cfg, sizeof(cfg) - 1, "CONFIG_KEXEC"), 'y');
	CHECK_EQ(setup_config_value(cfg, sizeof(cfg) - 1, "CONFIG_KEXEC_JUMP"), 'n');
	CHECK_EQ(setup_config_value(cfg, sizeof(cfg) - 1, "CONFIG_A"), 'n');
	CHECK(setup_meminfo_used(mi, sizeof(mi) - 1, &kib) == 0);
	CHECK_EQ(kib, 400000);
	CHECK(setup_meminfo_used("MemTotal: 5 kB\n", 15, &kib) == -EINVAL);
	CHECK_EQ(setup_autoinit_from_log(log1, sizeof(log1) - 1), 1);
	CHECK_EQ(setup_autoinit_from_log(log2, sizeof(log2) - 1), 0);
	CHECK_EQ(setup_autoinit_from_log("x\n", 2), -ENOENT);

	/* the quoting: a quote closes, escapes and reopens; nothing else is touched */
	{
		FILE *f = tmpfile();
		char line[256];
		setup_put(f, "V", "a'b$(x)`y`\\\"");
		rewind(f);
		CHECK(fgets(line, sizeof(line), f) && !strcmp(line, "V='a'\\''b$(x)`y`\\\"'\n"));
		fclose(f);
	}
	/* the wipe: zeros from FROM to the end, nothing before */
	{
		char path[] = "/tmp/kjump-unit-setup.XXXXXX";
		int fd = mkstemp(path);
		CHECK(fd >= 0);
		if (fd >= 0) {
			memset(buf, 'k', sizeof(buf));
			CHECK(write(fd, buf, sizeof(buf)) == (ssize_t)sizeof(buf));
			CHECK(kj_wipe_file(path, 10, 0) == 0);
			CHECK(pread(fd, buf, sizeof(buf), 0) == (ssize_t)sizeof(buf));
			CHECK(buf[9] == 'k' && buf[10] == 0 && buf[63] == 0);
			close(fd);
			unlink(path);
		}
		CHECK(kj_wipe_file("/nonexistent/kjump", 0, 0) == -ENOENT);
	}
}

/* The captured mountinfo file name below test/data/setup: its mounts. */
static size_t read_mounts(const char *name, struct setup_mount **ret)
{
	char path[1024], *buf = NULL;
	size_t size = 0, n = 0;
	const char *src = getenv("KJ_SRC");
	int fd;

	*ret = NULL;
	snprintf(path, sizeof(path), "%s/test/data/setup/%s", src ? src : ".", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0 && kj_read_fd_all(fd, 1 << 20, &buf, &size) == 0);
	if (fd >= 0)
		close(fd);
	CHECK(buf && setup_mountinfo_parse(buf, size, ret, &n) == 0);
	free(buf);
	return n;
}

static void test_mounts(void)
{
	static const char bad[] = "22 1 0:21 / /proc rw,relatime proc proc rw\n";
	struct setup_mount *m;
	size_t n = read_mounts("mountinfo-appliance", &m), i, unsafe = 0;

	/* the appliance: root in RAM, /usr read-only, /var an overlay, zram, an ISO */
	CHECK_EQ(n, 9);
	for (i = 0; i < n; i++)
		unsafe += setup_mount_unsafe(&m[i]);
	CHECK_EQ(unsafe, 0);
	CHECK(n == 9 && !strcmp(m[5].source, "/dev/vda1") && !m[5].rw && !m[5].sb_rw);
	CHECK(n == 9 && !strcmp(m[4].target, "/dev/shm") && !strcmp(m[4].fstype, "tmpfs"));
	free(m);
	/* a disk mounted read-write (an escaped mount point, optional fields), a read-only
	 * bind of a file system that is read-write, a loop device: each refused */
	n = read_mounts("mountinfo-unsafe", &m);
	CHECK_EQ(n, 5);
	CHECK(n == 5 && !setup_mount_unsafe(&m[0]) && !setup_mount_unsafe(&m[1]));
	CHECK(n == 5 && setup_mount_unsafe(&m[2]) && !strcmp(m[2].target, "/mnt/my data") &&
	      !strcmp(m[2].source, "/dev/vda3") && m[2].rw);
	CHECK(n == 5 && setup_mount_unsafe(&m[3]) && !m[3].rw && m[3].sb_rw);
	CHECK(n == 5 && setup_mount_unsafe(&m[4]));
	free(m);
	/* a line without the separator is no mount entry: the whole text is refused */
	m = NULL;
	CHECK_EQ(setup_mountinfo_parse(bad, sizeof(bad) - 1, &m, &n), -EBADMSG);
	CHECK(m == NULL);
	CHECK_EQ(setup_mountinfo_parse("", 0, &m, &n), 0);
	CHECK_EQ(n, 0);
	free(m);
}

static void test_autoswap(void)
{
	static const char fstab[] = "# /etc/fstab\n"
				    "UUID=6b6a-root / ext4 ro,noatime 0 1\n"
				    "\n"
				    "  /dev/vda2\tnone swap sw 0 0\n"
				    "/dev/vda3 none swap noauto,sw 0 0\n"
				    "LABEL=my\\040swap none swap\n"
				    "/swapfile none swap defaults,noauto\n"
				    "tmpfs /tmp tmpfs mode=1777 0 0\n"
				    "short line";
	static const char gpt[] = "S:disk/by-partlabel/swap\n"
				  "E:ID_PART_ENTRY_SCHEME=gpt\n"
				  "E:ID_PART_ENTRY_NAME=swap\n"
				  "E:ID_PART_ENTRY_TYPE=0657fd6d-a4ab-43c4-84e5-0933c84b4f4f\n"
				  "E:ID_PART_ENTRY_NUMBER=2\n";
	static const char nul[] = "\\000x none swap\n/dev/\0a none swap\n";
	char rec[512];
	struct setup_fstab_swap *v = NULL;
	size_t n = 0;

	/* swap lines that swapon -a takes: not noauto, escapes undone, leading blanks */
	CHECK_EQ(setup_fstab_swaps(fstab, sizeof(fstab) - 1, &v, &n), 0);
	CHECK_EQ(n, 2);
	CHECK(n == 2 && !strcmp(v[0].spec, "/dev/vda2") && !strcmp(v[1].spec, "LABEL=my swap"));
	free(v);
	CHECK_EQ(setup_fstab_swaps("# none\n", 7, &v, &n), 0);
	CHECK(n == 0 && v == NULL);
	/* a NUL in a field, raw or escaped, makes the line unreadable (fuzz-setup found it) */
	CHECK_EQ(setup_fstab_swaps(nul, sizeof(nul) - 1, &v, &n), 0);
	CHECK(n == 0 && v == NULL);
	/* a GPT swap partition: systemd turns it on, unless bit 63 (no-auto) is set */
	CHECK_EQ(setup_udev_gpt_autoswap(gpt, sizeof(gpt) - 1), 1);
	snprintf(rec, sizeof(rec), "%sE:ID_PART_ENTRY_FLAGS=0x8000000000000000\n", gpt);
	CHECK_EQ(setup_udev_gpt_autoswap(rec, strlen(rec)), 0);
	snprintf(rec, sizeof(rec), "%sE:ID_PART_ENTRY_FLAGS=0x4\n", gpt);
	CHECK_EQ(setup_udev_gpt_autoswap(rec, strlen(rec)), 1);
	/* upper-case type, as some tools write it; the last line without its newline */
	snprintf(rec, sizeof(rec),
		 "E:ID_PART_ENTRY_TYPE=0657FD6D-A4AB-43C4-84E5-0933C84B4F4F\nE:ID_PART_ENTRY_"
		 "SCHEME=gpt");
	CHECK_EQ(setup_udev_gpt_autoswap(rec, strlen(rec)), 1);
	/* another type, another scheme, a flags value that cannot be read, nothing */
	snprintf(rec, sizeof(rec),
		 "E:ID_PART_ENTRY_SCHEME=gpt\nE:ID_PART_ENTRY_TYPE="
		 "0fc63daf-8483-4772-8e79-3d69d8477de4\n");
	CHECK_EQ(setup_udev_gpt_autoswap(rec, strlen(rec)), 0);
	snprintf(rec, sizeof(rec), "E:ID_PART_ENTRY_SCHEME=dos\nE:ID_PART_ENTRY_TYPE=0x82\n");
	CHECK_EQ(setup_udev_gpt_autoswap(rec, strlen(rec)), 0);
	CHECK_EQ(setup_udev_gpt_autoswap("", 0), 0);
}

int main(void)
{
	test_fit();
	test_swaps();
	test_small();
	test_mounts();
	test_autoswap();
	return kj_test_result("unit-setup");
}
