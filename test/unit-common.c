/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for common/: ranges, number parsing, CRC32C, iomem and memmap parsers,
 * root-prefixed access. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crc32c.h"
#include "efirt.h"
#include "lockdown.h"
#include "log.h"
#include "macros.h"
#include "memmap.h"
#include "region.h"
#include "ranges.h"
#include "root.h"
#include "tap.h"

static void test_parse(void)
{
	uint64_t v;
	CHECK_EQ(kj_parse_u64("0x1000", &v), 0);
	CHECK_EQ(v, 0x1000);
	CHECK_EQ(kj_parse_u64("4096", &v), 0);
	CHECK_EQ(v, 4096);
	CHECK_EQ(kj_parse_u64("", &v), -EINVAL);
	CHECK_EQ(kj_parse_u64("0x", &v), -EINVAL);
	CHECK_EQ(kj_parse_u64("-1", &v), -EINVAL);
	CHECK_EQ(kj_parse_u64("12abc", &v), -EINVAL);
	CHECK_EQ(kj_parse_u64("0x10000000000000000", &v), -ERANGE);
	CHECK_EQ(kj_parse_size("64M", &v), 0);
	CHECK_EQ(v, 64 << 20);
	CHECK_EQ(kj_parse_size("1g", &v), 0);
	CHECK_EQ(v, 1ull << 30);
	CHECK_EQ(kj_parse_size("M", &v), -EINVAL);
	CHECK_EQ(kj_parse_size("99999999999T", &v), -ERANGE);
}

static void test_ranges(void)
{
	struct kj_ranges a = {0}, b = {0}, out = {0};

	CHECK_EQ(kj_ranges_parse("0x3000-0x5000,0x0-0x1000,4096-8192", &a), 0);
	kj_ranges_normalize(&a);
	CHECK_EQ(a.n, 2); /* 0-0x2000 merged (touching), 0x3000-0x5000 */
	CHECK_EQ(a.r[0].end, 0x2000);
	CHECK_EQ(kj_ranges_total(&a), 0x4000);
	CHECK(kj_ranges_contains(&a, 0x3000, 0x5000));
	CHECK(!kj_ranges_contains(&a, 0x1000, 0x3001));
	CHECK_EQ(kj_ranges_find(&a, 0), 0);	 /* inside the first */
	CHECK_EQ(kj_ranges_find(&a, 0x2000), 1); /* in the gap: the next one */
	CHECK_EQ(kj_ranges_find(&a, 0x4fff), 1);
	CHECK_EQ(kj_ranges_find(&a, 0x5000), 2); /* past the last */
	CHECK_EQ(kj_ranges_add(&b, 0x1000, 0x4000), 0);
	CHECK_EQ(kj_ranges_subtract(&a, &b, &out), 0);
	CHECK_EQ(out.n, 2);
	CHECK_EQ(out.r[0].start, 0);
	CHECK_EQ(out.r[0].end, 0x1000);
	CHECK_EQ(out.r[1].start, 0x4000);
	kj_ranges_free(&out);
	CHECK_EQ(kj_ranges_intersect(&a, &b, &out), 0);
	CHECK_EQ(out.n, 2);
	CHECK_EQ(kj_ranges_total(&out), 0x2000);
	kj_ranges_free(&out);
	kj_ranges_free(&a);
	CHECK_EQ(kj_ranges_parse("0x400-0x9fc00", &a), 0);
	kj_ranges_page_align(&a, 4096);
	CHECK_EQ(a.r[0].start, 0);
	CHECK_EQ(a.r[0].end, 0xa0000);
	kj_ranges_free(&a);
	CHECK_EQ(kj_ranges_parse("0x5000-0x1000", &a), -EINVAL);
	CHECK_EQ(kj_ranges_parse("", &a), -EINVAL);
	CHECK_EQ(kj_ranges_parse("12", &a), -EINVAL);
	kj_ranges_free(&a);
	kj_ranges_free(&b);
}

static void test_crc(void)
{
	CHECK_EQ(crc32c(0, "123456789", 9), 0xE3069283u); /* the standard check value */
	CHECK_EQ(crc32c(crc32c(0, "1234", 4), "56789", 5), 0xE3069283u);
	CHECK_EQ(crc32c(0, "", 0), 0);

	/* Against a bit-at-a-time reference: lengths around the interleaved stretches
	 * (3 x 256, 3 x 8192 bytes), odd offsets, and split computations. */
	{
		static const size_t lens[] = {1,     7,	    8,	   767,	  768,	 769,	800,
					      24575, 24576, 24577, 50000, 73735, 262144};
		size_t max = 262144 + 16;
		uint8_t *buf = malloc(max);
		uint64_t x = 88172645463325252ull;
		for (size_t i = 0; i < max; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			buf[i] = (uint8_t)x;
		}
		for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++)
			for (size_t off = 0; off < 4; off += 3) {
				const uint8_t *p = buf + off;
				size_t n = lens[k], cut = n / 3 + 5 < n ? n / 3 + 5 : n;
				uint32_t ref = ~0u;
				for (size_t i = 0; i < n; i++) {
					ref ^= p[i];
					for (int b = 0; b < 8; b++)
						ref = (ref >> 1) ^ (0x82F63B78u & -(ref & 1));
				}
				ref = ~ref;
				CHECK_EQ(crc32c(0, p, n), ref);
				CHECK_EQ(crc32c(crc32c(0, p, cut), p + cut, n - cut), ref);
			}
		free(buf);
	}
}

static void test_iomem(void)
{
	const char *io = "00000000-00000fff : Reserved\n"
			 "00001000-0009efff : System RAM\n"
			 "000f0000-000fffff : System ROM\n"
			 "00100000-07ffffff : System RAM\n"
			 "  01000000-01ffffff : Kernel code\n"
			 "fd000000-fdffffff : PCI Bus 0000:00\n";
	const char *hidden = "00000000-00000000 : Reserved\n00000000-00000000 : System RAM\n";
	struct kj_ranges r = {0};

	CHECK_EQ(kj_iomem_parse_ram(io, strlen(io), &r), 0);
	CHECK_EQ(r.n, 2);
	CHECK_EQ(r.r[0].start, 0x1000);
	CHECK_EQ(r.r[0].end, 0x9f000);
	CHECK_EQ(r.r[1].end, 0x8000000);
	kj_ranges_free(&r);
	CHECK_EQ(kj_iomem_parse_ram(hidden, strlen(hidden), &r), -EACCES);
	kj_ranges_free(&r);
	CHECK_EQ(kj_iomem_parse_ram("garbage\n\n", 9, &r), 0);
	CHECK_EQ(r.n, 0);
	kj_ranges_free(&r);
}

static char *slurp(const char *rel, size_t *ret_size)
{
	char p[1024];
	FILE *f;
	char *buf = malloc(1 << 16);
	snprintf(p, sizeof(p), "%s/test/data/%s", getenv("KJ_SRC") ? getenv("KJ_SRC") : ".", rel);
	f = fopen(p, "r");
	CHECK(f != NULL && buf != NULL);
	if (!f || !buf) {
		free(buf);
		return NULL;
	}
	*ret_size = fread(buf, 1, (1 << 16) - 1, f);
	buf[*ret_size] = 0;
	fclose(f);
	return buf;
}

static int probe_refuses(void *ud, uint64_t addr)
{
	(void)ud;
	(void)addr;
	return -EPERM;
}

static int probe_allows(void *ud, uint64_t addr)
{
	*(uint64_t *)ud = addr;
	return 0;
}

/* Where a kernel is, against where its command line says it should be: iomem
 * captured from the distro kernel (KASLR) under QEMU, -m 1G, region 1M-128M. */
static void test_region(void)
{
	const char *cl = "console=ttyS0 memmap=exactmap memmap=636K@0 memmap=127M@1M "
			 "memmap=16M$0x4000000 mem=100M quiet";
	struct kj_ranges r = {0}, win = {0};
	struct kj_iomem io = {0};
	struct kj_iomem_entry e;
	enum kj_conflict_kind kind;
	struct kj_range k;
	uint64_t probed = 0;
	size_t n;
	char *buf;

	/* exactmap, a hole ($) and mem= cut the region */
	CHECK_EQ(kj_region_from_cmdline(cl, strlen(cl), &r), 1);
	CHECK_EQ(r.n, 3);
	CHECK_EQ(r.r[0].start, 0);
	CHECK_EQ(r.r[0].end, 636 << 10);
	CHECK_EQ(r.r[1].start, 1 << 20);
	CHECK_EQ(r.r[1].end, 0x4000000);
	CHECK_EQ(r.r[2].start, 0x5000000);
	CHECK_EQ(r.r[2].end, 100 << 20);
	kj_ranges_free(&r);
	/* entries before exactmap are dropped, as the kernel does; no exactmap: 0 */
	CHECK_EQ(kj_region_from_cmdline("memmap=1G@4G memmap=exactmap,1M@1M", 35, &r), 1);
	CHECK_EQ(r.n, 1);
	CHECK_EQ(r.r[0].start, 1 << 20);
	kj_ranges_free(&r);
	CHECK_EQ(kj_region_from_cmdline("mem=128M quiet", 14, &r), 0);
	CHECK_EQ(r.n, 0);
	CHECK_EQ(kj_region_from_cmdline("memmap=exactmap memmap=12Q@1M", 29, &r), -EINVAL);
	CHECK_EQ(kj_region_from_cmdline("memmap=exactmap mem=", 20, &r), -EINVAL);
	CHECK_EQ(kj_region_from_cmdline("memmap=exactmap memmap=1@18446744073709551615", 46, &r),
		 -EINVAL);
	CHECK_EQ(r.n, 0);

	/* KASLR put the kernel at 0x27a00000, outside 1M-128M: its span, then the busy
	 * "RAM buffer" after it in what the hibernated system had as RAM */
	CHECK((buf = slurp("iomem/distro-kaslr-outside.txt", &n)) != NULL);
	CHECK_EQ(kj_iomem_parse(buf, n, &io), 0);
	CHECK_EQ(kj_region_kernel(&io, &k), 0);
	CHECK_EQ(k.start, 0x27a00000);
	CHECK_EQ(k.end, 0x29400000 + KJ_KERNEL_TAIL);
	kj_ranges_add(&win, 0x8000000, 0x27a00000);
	kj_ranges_add(&win, 0x29430000, 0x3ffdf000);
	CHECK_EQ(kj_region_find_conflict(&io, &win, probe_refuses, NULL, &e, &kind), 1);
	CHECK_EQ(kind, KJ_CONFLICT_BUSY);
	CHECK_EQ(e.start, 0x29430000);
	CHECK(!strcmp(e.name, "RAM buffer"));
	/* a kernel without IO_STRICT_DEVMEM maps it: no conflict; the probe saw its start */
	CHECK_EQ(kj_region_find_conflict(&io, &win, probe_allows, &probed, &e, &kind), 0);
	CHECK_EQ(probed, 0x29430000);
	/* windows over the kernel's own span: its RAM and code are hit, whatever the probe */
	kj_ranges_add(&win, 0x27a00000, 0x29430000);
	kj_ranges_normalize(&win);
	CHECK_EQ(kj_region_find_conflict(&io, &win, probe_allows, &probed, &e, &kind), 1);
	CHECK_EQ(kind, KJ_CONFLICT_RESOURCE);
	CHECK_EQ(e.start, 0x27a00000);
	strcpy(io.e[9].name, "PCI Bus 0000:ff"); /* skipped: the next hit is the code */
	CHECK_EQ(kj_region_find_conflict(&io, &win, probe_allows, &probed, &e, &kind), 1);
	CHECK(!strcmp(e.name, "Kernel code"));
	kj_iomem_free(&io);
	free(buf);

	/* mem=128M kept it inside: nothing in the windows above 128M but a device BAR
	 * moved into them would be */
	CHECK((buf = slurp("iomem/distro-mem128m.txt", &n)) != NULL);
	CHECK_EQ(kj_iomem_parse(buf, n, &io), 0);
	CHECK_EQ(kj_region_kernel(&io, &k), 0);
	CHECK_EQ(k.start, 0x3800000);
	CHECK_EQ(kj_region_from_cmdline(cl, 59, &r), 1); /* up to memmap=127M@1M */
	CHECK_EQ(r.n, 2);
	CHECK(kj_ranges_contains(&r, k.start, k.end - KJ_KERNEL_TAIL));
	kj_ranges_free(&win);
	kj_ranges_add(&win, 0x8000000, 0x3ffdf000);
	CHECK_EQ(kj_region_find_conflict(&io, &win, probe_refuses, NULL, &e, &kind), 0);
	/* the low MiB: the kernel's own page 0 and RAM buffer hold nothing of this boot */
	kj_ranges_add(&win, 0x400, 0x1000);
	kj_ranges_add(&win, 0x9f000, 0x9fc00);
	CHECK_EQ(kj_region_find_conflict(&io, &win, probe_refuses, NULL, &e, &kind), 0);
	/* a page the command line reserved (memmap=4K$0x10000000): fine where it maps */
	io.e[io.n - 1] = (struct kj_iomem_entry){0x10000000, 0x10001000, 0, "Reserved"};
	CHECK_EQ(kj_region_find_conflict(&io, &win, probe_allows, &probed, &e, &kind), 0);
	CHECK_EQ(kj_region_find_conflict(&io, &win, probe_refuses, NULL, &e, &kind), 1);
	CHECK_EQ(kind, KJ_CONFLICT_BUSY);
	io.e[io.n - 1] =
	    (struct kj_iomem_entry){0x100000000ull, 0x180000000ull, 0, "PCI Bus 0000:00"};
	kj_ranges_add(&win, 0xfd000000, 0xfd001000);
	CHECK_EQ(kj_region_find_conflict(&io, &win, probe_refuses, NULL, &e, &kind), 1);
	CHECK(!strcmp(e.name, "0000:00:02.0"));
	CHECK_EQ(e.depth, 1);
	kj_ranges_free(&win);
	kj_ranges_free(&r);
	kj_iomem_free(&io);
	free(buf);
}

/* A fake /sys/firmware/efi/runtime-map under dir from a captured map: one line per
 * entry, "type phys virt pages attribute" as sysfs prints them. */
static void make_efi_rt(const char *dir, const char *rel)
{
	char p[512], d[128], f[5][64], *line = NULL;
	size_t n, cap = 0;
	char *buf = slurp(rel, &n);
	FILE *in = buf ? fmemopen(buf, n, "r") : NULL;
	static const char *const names[] = {"type", "phys_addr", "virt_addr", "num_pages",
					    "attribute"};

	snprintf(p, sizeof(p),
		 "rm -rf '%s/sys/firmware/efi' && mkdir -p '%s/sys/firmware/efi/runtime-map'", dir,
		 dir);
	CHECK_EQ(system(p), 0);
	for (int i = 0; in && getline(&line, &cap, in) > 0; i++) {
		CHECK_EQ(sscanf(line, "%63s %63s %63s %63s %63s", f[0], f[1], f[2], f[3], f[4]), 5);
		snprintf(p, sizeof(p), "%s/sys/firmware/efi/runtime-map/%d", dir, i);
		mkdir(p, 0755);
		for (int k = 0; k < 5; k++) {
			snprintf(d, sizeof(d), "sys/firmware/efi/runtime-map/%d/%s", i, names[k]);
			kj_test_put(dir, d, f[k]);
		}
	}
	free(line);
	if (in)
		fclose(in);
	free(buf);
}

/* The runtime regions of a full OVMF boot and of a boot restricted to 1M-128M (whose
 * map also lists ~100 boot-services regions it could not free) are the same. */
static void test_efi_rt(void)
{
	char dir[] = "/tmp/kjump-unit-XXXXXX", p[512];
	struct kj_efi_rt full = {0}, restricted = {0};
	struct kj_root root;

	CHECK(mkdtemp(dir) != NULL);
	CHECK_EQ(kj_root_init(&root, dir), 0);
	CHECK_EQ(kj_efi_rt_read(&root, &full), -ENOENT);
	make_efi_rt(dir, "efi/ovmf-1g-full.txt");
	CHECK_EQ(kj_efi_rt_read(&root, &full), 0);
	CHECK_EQ(full.n, 5);
	CHECK_EQ(full.e[0].phys, 0x3eaa0000);
	CHECK_EQ(full.e[0].type, KJ_EFI_RUNTIME_DATA);
	CHECK_EQ(full.e[0].virt, 0xfffffffefe6a0000ull);
	CHECK_EQ(full.e[0].pages, 0x102);
	CHECK_EQ(full.e[4].type, KJ_EFI_MMIO);
	make_efi_rt(dir, "efi/ovmf-1g-restricted.txt");
	CHECK_EQ(kj_efi_rt_read(&root, &restricted), 0);
	CHECK_EQ(restricted.n, 5);
	CHECK_EQ(kj_efi_rt_crc(full.e, full.n), kj_efi_rt_crc(restricted.e, restricted.n));
	/* one virtual address moved: the CRC sees it */
	restricted.e[2].virt += 0x200000;
	CHECK(kj_efi_rt_crc(full.e, full.n) != kj_efi_rt_crc(restricted.e, restricted.n));
	CHECK(kj_efi_rt_crc(full.e, full.n) != kj_efi_rt_crc(full.e, full.n - 1));
	kj_efi_rt_free(&restricted);
	/* a malformed attribute file fails the read, it is not skipped */
	kj_test_put(dir, "sys/firmware/efi/runtime-map/3/num_pages", "0");
	CHECK_EQ(kj_efi_rt_read(&root, &restricted), -EBADMSG);
	kj_test_put(dir, "sys/firmware/efi/runtime-map/3/num_pages", "zz");
	CHECK(kj_efi_rt_read(&root, &restricted) < 0);
	kj_efi_rt_free(&full);
	snprintf(p, sizeof(p), "rm -rf '%s'", dir);
	CHECK_EQ(system(p), 0);
}

/* The logger reopens kmsg every few lines (the kernel's burst limit is per open file):
 * every line still arrives, in order. The burst itself is only real in a kernel:
 * test/vm/test-distro.sh checks that no kjump line is suppressed there. */
static void test_log_kmsg(void)
{
	char path[] = "/tmp/kjump-kmsg-XXXXXX", *buf = NULL;
	size_t n = 0;
	int fd = mkstemp(path), lines = 0;
	FILE *f;

	CHECK(fd >= 0);
	close(fd);
	kj_log_open("unit", KJ_LOG_KMSG, path);
	for (int i = 0; i < 25; i++)
		log_notice("line %d", i);
	kj_log_open("unit", KJ_LOG_STDERR, NULL);
	CHECK((f = fopen(path, "r")) != NULL);
	while (f && getline(&buf, &n, f) > 0)
		lines += !strncmp(buf, "<5>unit: line ", 14);
	if (f)
		fclose(f);
	free(buf);
	CHECK_EQ(lines, 25);
	unlink(path);
	{
		/* an image's strings on a terminal: no escape sequences, no line breaks */
		char esc[64], tiny[6];
		CHECK(!strcmp(kj_escape("6.1\x1b[2J\n\\ok\xc3", esc, sizeof(esc)),
			      "6.1\\x1b[2J\\x0a\\x5cok\\xc3"));
		CHECK(!strcmp(kj_escape("ab\x01"
					"cd",
					tiny, sizeof(tiny)),
			      "ab")); /* never half */
		CHECK(!strcmp(kj_escape("plain 6.1.0-13-amd64", esc, sizeof(esc)),
			      "plain 6.1.0-13-amd64"));
	}
}

static void test_memmap(void)
{
	char dir[] = "/tmp/kjump-unit-XXXXXX", p[512];
	struct kj_root root;
	struct kj_memmap m = {0};
	struct kj_ranges ram = {0};
	static const char *ent[][4] = {
	    {"0", "0x0", "0x9fbff", "System RAM"},
	    {"1", "0x9fc00", "0x9ffff", "Reserved"},
	    {"10", "0x100000000", "0x13fffffff", "System RAM"},
	    {"2", "0x100000", "0x1ffdffff", "System RAM"},
	};

	CHECK(mkdtemp(dir) != NULL);
	CHECK_EQ(kj_root_init(&root, dir), 0);
	CHECK_EQ(kj_memmap_read(&root, &m), -ENOENT);
	snprintf(p, sizeof(p), "%s/sys", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/sys/firmware", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/sys/firmware/memmap", dir);
	mkdir(p, 0755);
	for (size_t i = 0; i < 4; i++) {
		char d[64];
		snprintf(p, sizeof(p), "%s/sys/firmware/memmap/%s", dir, ent[i][0]);
		mkdir(p, 0755);
		snprintf(d, sizeof(d), "sys/firmware/memmap/%s/start", ent[i][0]);
		kj_test_put(dir, d, ent[i][1]);
		snprintf(d, sizeof(d), "sys/firmware/memmap/%s/end", ent[i][0]);
		kj_test_put(dir, d, ent[i][2]);
		snprintf(d, sizeof(d), "sys/firmware/memmap/%s/type", ent[i][0]);
		kj_test_put(dir, d, ent[i][3]);
	}
	CHECK_EQ(kj_memmap_read(&root, &m), 0);
	CHECK_EQ(m.n, 4);
	CHECK_EQ(m.e[0].end, 0x9fc00); /* inclusive end converted */
	CHECK_EQ(m.e[1].type, KJ_MEM_RESERVED);
	CHECK_EQ(m.e[3].start, 0x100000000ull); /* sorted by address, not by name */
	CHECK_EQ(kj_memmap_ranges(&m, KJ_MEM_RAM, &ram), 0);
	CHECK_EQ(ram.n, 3);
	CHECK_EQ(kj_mem_type_from_string("ACPI Non-volatile Storage\n"), KJ_MEM_ACPI_NVS);
	CHECK_EQ(kj_mem_type_from_string("Something"), KJ_MEM_OTHER);
	kj_memmap_free(&m);
	kj_ranges_free(&ram);
	kj_test_put(dir, "sys/firmware/memmap/0/end", "zzz");
	CHECK(kj_memmap_read(&root, &m) < 0);
	snprintf(p, sizeof(p), "rm -rf '%s'", dir);
	CHECK_EQ(system(p), 0);
}

/* The lockdown LSM's file, as 6.1, 6.12 and 7.3 write it, and a root without it. */
static void test_lockdown(void)
{
	static const char *const texts[] = {"[none] integrity confidentiality\n",
					    "none [integrity] confidentiality\n",
					    "none integrity [confidentiality]\n"};
	enum kj_lockdown l = KJ_LOCKDOWN_CONFIDENTIALITY;
	char dir[] = "/tmp/kjump-lockdown-XXXXXX", p[200];
	struct kj_root r;

	for (int i = 0; i < 3; i++) {
		CHECK_EQ(kj_lockdown_parse(texts[i], strlen(texts[i]), &l), 0);
		CHECK_EQ(l, i);
	}
	CHECK(!strcmp(kj_lockdown_name(KJ_LOCKDOWN_INTEGRITY), "integrity"));
	CHECK_EQ(kj_lockdown_parse("none integrity\n", 15, &l), -EINVAL);
	CHECK_EQ(kj_lockdown_parse("[integ", 6, &l), -EINVAL);
	CHECK_EQ(kj_lockdown_parse("[integrityx] none", 17, &l), -EINVAL);
	CHECK_EQ(kj_lockdown_parse("[none", 5, &l), -EINVAL);
	CHECK(mkdtemp(dir) != NULL);
	kj_root_init(&r, dir);
	CHECK_EQ(kj_lockdown_read(&r, &l), 0); /* no LSM, or no securityfs */
	CHECK_EQ(l, KJ_LOCKDOWN_NONE);
	snprintf(p, sizeof(p), "mkdir -p %s/sys/kernel/security", dir);
	CHECK_EQ(system(p), 0);
	kj_test_put(dir, "/sys/kernel/security/lockdown", texts[1]);
	CHECK_EQ(kj_lockdown_read(&r, &l), 0);
	CHECK_EQ(l, KJ_LOCKDOWN_INTEGRITY);
	snprintf(p, sizeof(p), "rm -rf %s", dir);
	CHECK_EQ(system(p), 0);
}

/* kj_read_fd_all: a file of exactly max bytes is read whole; one byte more, or a max
 * below the first buffer's 4096 bytes, is refused with -EFBIG. */
static void test_read_fd_all(void)
{
	static const size_t sizes[] = {0, 1, 100, 4095, 4096, 4097, 10000};
	char path[] = "/tmp/kjump-readall-XXXXXX";
	int fd = mkstemp(path);
	char *buf, *data = malloc(10001);

	CHECK(fd >= 0 && data);
	if (fd < 0 || !data)
		return;
	for (size_t i = 0; i < 10001; i++)
		data[i] = (char)('a' + i % 26);
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		size_t n = sizes[i], got = 0;
		CHECK_EQ(ftruncate(fd, 0), 0);
		CHECK_EQ(pwrite(fd, data, n, 0), (ssize_t)n);
		/* max = n: whole; max = n - 1: too large */
		CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
		CHECK_EQ(kj_read_fd_all(fd, n, &buf, &got), 0);
		CHECK_EQ(got, n);
		CHECK(!memcmp(buf, data, n) && buf[n] == 0);
		free(buf);
		if (n) {
			CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
			CHECK_EQ(kj_read_fd_all(fd, n - 1, &buf, &got), -EFBIG);
		}
		CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
		CHECK_EQ(kj_read_fd_all(fd, 1 << 20, &buf, &got), 0);
		CHECK_EQ(got, n);
		free(buf);
	}
	close(fd);
	unlink(path);
	free(data);
}

int main(void)
{
	test_parse();
	test_ranges();
	test_crc();
	test_iomem();
	test_memmap();
	test_region();
	test_efi_rt();
	test_log_kmsg();
	test_lockdown();
	test_read_fd_all();
	return kj_test_result("unit-common");
}
