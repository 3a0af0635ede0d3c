/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The page filter against synthetic hibernated kernels (test/synth-a.c): the note
 * parser, the page-table walk (4 and 5 levels, 1 GiB / 2 MiB / 4 KiB pages, a shifted
 * kernel, a randomized direct map and vmemmap), B's region read back through a kexec
 * list, free blocks of every order found exactly, and every inconsistency turning the
 * filter off instead of excluding anything. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "amem.h"
#include "ctlpage.h"
#include "macros.h"
#include "scan.h"
#include "synth-a.h"
#include "tap.h"
#include "vmcoreinfo.h"
#include "x86walk.h"

#define MiB (1ull << 20)
#define GiB (1ull << 30)

static void test_note(void)
{
	static const char good[] =
	    "OSRELEASE=6.1.0\nPAGESIZE=4096\nSYMBOL(init_top_pgt)=ffffffff8260a000\n"
	    "NUMBER(phys_base)=-1073741824\nKERNELOFFSET=1e000000\n";
	uint8_t note[512] = {0};
	struct kj_vmci v;
	uint32_t hdr[3] = {11, sizeof(good), 0};
	uint64_t u;
	int64_t i;
	char s[16];

	memcpy(note, hdr, 12);
	memcpy(note + 12, "VMCOREINFO", 11);
	memcpy(note + 24, good, sizeof(good));
	CHECK_EQ(kj_vmci_parse_note(note, 24 + sizeof(good), &v), 0);
	CHECK_EQ(kj_vmci_u64(&v, "SYMBOL(init_top_pgt)", &u), 0);
	CHECK_EQ(u, 0xffffffff8260a000ull);
	CHECK_EQ(kj_vmci_u64(&v, "KERNELOFFSET", &u), 0);
	CHECK_EQ(u, 0x1e000000);
	CHECK_EQ(kj_vmci_s64(&v, "NUMBER(phys_base)", &i), 0);
	CHECK_EQ(i, -1073741824);
	CHECK_EQ(kj_vmci_u64(&v, "NUMBER(phys_base)", &u), -EBADMSG); /* a sign is not unsigned */
	CHECK_EQ(kj_vmci_u64(&v, "NUMBER(nope)", &u), -ENOENT);
	CHECK_EQ(kj_vmci_str(&v, "OSRELEASE", s, sizeof(s)), 0);
	CHECK(!strcmp(s, "6.1.0"));
	CHECK_EQ(kj_vmci_str(&v, "OSRELEASE", s, 3), -ENAMETOOLONG);
	/* wrong name, type, size; a line without '='; a key twice; a control character */
	note[12] = 'X';
	CHECK_EQ(kj_vmci_parse_note(note, 24 + sizeof(good), &v), -EBADMSG);
	note[12] = 'V';
	CHECK_EQ(kj_vmci_parse_note(note, 24 + sizeof(good) - 8, &v), -EBADMSG);
	memcpy(note + 24, "A=1\nB\n", 7);
	CHECK_EQ(kj_vmci_parse_note(note, 24 + sizeof(good), &v), -EBADMSG);
	memcpy(note + 24, "A=1\nA=2\n", 9);
	CHECK_EQ(kj_vmci_parse_note(note, 24 + sizeof(good), &v), -EBADMSG);
	memcpy(note + 24, "A=1\x1b\n", 6);
	CHECK_EQ(kj_vmci_parse_note(note, 24 + sizeof(good), &v), -EBADMSG);
}

/* A's view of its memory, with B's region swapped out or not. */
static int open_amem(struct sa_a *a, struct kj_amem *m, char *err, size_t errlen)
{
	struct kj_ranges b = {0}, ar = {0};
	int rc;

	if (!a->o.region_end)
		return kj_amem_init_direct(m, sa_read, &a->m, NULL);
	kj_ranges_add(&b, MiB, a->o.region_end);
	kj_ranges_add(&ar, 0, a->o.ram_end);
	rc = kj_amem_init(m, sa_read, &a->m, a->kexec_head, &b, &ar, err, errlen);
	kj_ranges_free(&b);
	kj_ranges_free(&ar);
	return rc;
}

static int parse(struct sa_a *a, struct kj_amem *m, struct kj_vmci *v)
{
	uint8_t note[4200];
	if (kj_amem_read(m, a->note_pa, note, a->note_size) < 0)
		return -EIO;
	return kj_vmci_parse_note(note, a->note_size, v);
}

/* The save ranges: A's RAM above B's region (or above 1 MiB). */
static void save_ranges(const struct sa_a *a, struct kj_ranges *r)
{
	uint64_t lo = a->o.region_end ? a->o.region_end : MiB;
	if (a->o.ram_end > 4 * GiB) {
		kj_ranges_add(r, lo, 3 * GiB);
		kj_ranges_add(r, 4 * GiB, a->o.ram_end);
	} else {
		kj_ranges_add(r, lo, a->o.ram_end);
	}
}

/* Build A with free blocks of every order (plus offline and poisoned pages), scan, and
 * compare with what was put there. */
static void scan_case(const char *name, const struct sa_opts *o)
{
	struct sa_a *a = calloc(1, sizeof(*a));
	struct kj_ranges save = {0}, want = {0}, got = {0};
	struct kj_filter_stats st = {0};
	struct kj_amem m;
	struct kj_vmci v;
	char err[256] = "", why[256] = "";
	uint64_t base;
	int rc;

	CHECK_EQ(sa_build(a, o), 0);
	base = (a->o.region_end ? a->o.region_end : 256 * MiB) / 4096 + 4096; /* 16 MiB above */
	for (unsigned order = 0; order <= 10; order++) {
		uint64_t pfn = (base + 1024 * order * 2) & ~((1ull << order) - 1);
		sa_set_free(a, pfn, order);
		kj_ranges_add(&want, pfn * 4096, (pfn + (1ull << order)) * 4096);
	}
	if (o->region_end) { /* free in B's region: its source pages (see swap_region) go */
		uint64_t d = 64 * MiB / 4096, src = (o->region_end + 128 * MiB + 63 * MiB) / 4096;
		sa_set_free(a, d, 4);
		kj_ranges_add(&want, src * 4096, (src + 16) * 4096);
	}
	sa_set_type(a, base + 30000, sa_type(o, 1)); /* offline */
	if (o->pgty) /* a page table (PGTY_table): typed, but neither free nor offline */
		sa_set_type(a, base + 30003, 0xf2000000u);
	sa_set_flags(a, base + 30001, 1ull << 23); /* hwpoison */
	kj_ranges_add(&want, (base + 30000) * 4096, (base + 30002) * 4096);
	if (o->ram_end > 4 * GiB) { /* a block above 4 GiB */
		sa_set_free(a, (5 * GiB) / 4096, 9);
		kj_ranges_add(&want, 5 * GiB, 5 * GiB + 2 * MiB);
	}
	kj_ranges_normalize(&want);
	sa_finish(a);
	save_ranges(a, &save);
	rc = open_amem(a, &m, err, sizeof(err));
	CHECK_EQ(rc, 0);
	if (rc == 0) {
		CHECK_EQ(parse(a, &m, &v), 0);
		rc = kj_filter_scan(&m, &v, &save, &got, &st, why, sizeof(why));
		if (rc < 0)
			fprintf(stderr, "%s: %s\n", name, why);
		CHECK_EQ(rc, 0);
		CHECK_EQ(got.n, want.n);
		for (size_t i = 0; i < got.n && i < want.n; i++) {
			CHECK_EQ(got.r[i].start, want.r[i].start);
			CHECK_EQ(got.r[i].end, want.r[i].end);
		}
		CHECK_EQ(st.free, a->free_pages);
		CHECK_EQ(st.region_free, o->region_end ? 16 : 0);
		CHECK_EQ(st.offline, 1);
		CHECK_EQ(st.poison, 1);
		CHECK(st.a_free_known && st.a_free == a->free_pages);
		CHECK(!strcmp(st.release, "6.1.0-synth"));
		kj_amem_free(&m);
	}
	fprintf(stderr, "  %s: %llu free pages found in %zu runs, %llu struct pages read\n", name,
		(unsigned long long)st.free, got.n, (unsigned long long)st.scanned);
	kj_ranges_free(&save);
	kj_ranges_free(&want);
	kj_ranges_free(&got);
	sa_free_mem(&a->m);
	free(a);
}

/* Each broken A: the scan refuses and excludes nothing. */
static void refuse_case(const char *name, const char *line, void (*spoil)(struct sa_a *))
{
	struct sa_a *a = calloc(1, sizeof(*a));
	struct sa_opts o = {.kphys = 16 * MiB,
			    .page_offset = 0xffff888000000000ull,
			    .vmemmap = 0xffffea0000000000ull,
			    .ram_end = 1 * GiB,
			    .direct_1g = 1,
			    .region_end = 128 * MiB};
	struct kj_ranges save = {0}, got = {0};
	struct kj_filter_stats st = {0};
	struct kj_amem m;
	struct kj_vmci v;
	char err[256], why[256] = "";
	int rc;

	CHECK_EQ(sa_build(a, &o), 0);
	sa_set_free(a, 0x20000, 3);
	if (spoil)
		spoil(a);
	if (line) { /* drop the key's line; KEY=VALUE puts another value in */
		char key[128], *p, *nl;
		snprintf(key, sizeof(key), "%.*s=", (int)strcspn(line, "="), line);
		p = strstr(a->text, key);
		nl = p ? strchr(p, '\n') : NULL;
		CHECK(p && nl);
		if (p && nl)
			memmove(p, nl + 1, strlen(nl + 1) + 1);
		if (strchr(line, '='))
			strcat(a->text, line), strcat(a->text, "\n");
	}
	sa_finish(a);
	save_ranges(a, &save);
	if ((rc = open_amem(a, &m, err, sizeof(err))) == 0) {
		if ((rc = parse(a, &m, &v)) == 0)
			rc = kj_filter_scan(&m, &v, &save, &got, &st, why, sizeof(why));
		else
			snprintf(why, sizeof(why), "the note does not parse");
		kj_amem_free(&m);
	} else {
		snprintf(why, sizeof(why), "%s", err);
	}
	CHECK(rc < 0);
	CHECK_EQ(got.n, 0);
	if (rc < 0)
		fprintf(stderr, "  refused, %s: %s\n", name, why);
	else
		fprintf(stderr, "  NOT refused: %s\n", name);
	kj_ranges_free(&save);
	kj_ranges_free(&got);
	sa_free_mem(&a->m);
	free(a);
}

/* The lab kernel's shape at 512 MiB: no KASLR, the kernel inside B's 128 MiB region. */
#define LAB_512                                                                                    \
	((struct sa_opts){.kphys = 16 * MiB,                                                       \
			  .page_offset = 0xffff888000000000ull,                                    \
			  .vmemmap = 0xffffea0000000000ull,                                        \
			  .ram_end = 512 * MiB,                                                    \
			  .direct_1g = 1,                                                          \
			  .region_end = 128 * MiB})

/* B's region read back through a broken kexec list: refused, not read as A's. */
static void test_broken_list(void)
{
	struct sa_a *a = calloc(1, sizeof(*a));
	struct sa_opts o = LAB_512;
	struct kj_amem m;
	char err[256] = "";
	uint64_t ind, done = 4, bad = 0x1234000 | 8;
	uint8_t buf[64];

	CHECK_EQ(sa_build(a, &o), 0);
	sa_finish(a);
	ind = a->kexec_head & ~0xfffull;
	CHECK_EQ(open_amem(a, &m, err, sizeof(err)), 0);
	/* A's page at 16 MiB comes from its source page, not from B's garbage */
	CHECK_EQ(kj_amem_read(&m, 16 * MiB, buf, sizeof(buf)), 0);
	CHECK(buf[0] != 0xb5);
	kj_amem_free(&m);
	{
		struct kj_ranges b = {0};
		kj_ranges_add(&b, MiB, 128 * MiB);
		CHECK_EQ(kj_amem_init_direct(&m, sa_read, &a->m, &b), 0);
		CHECK_EQ(kj_amem_read(&m, 16 * MiB, buf, 8), -EFAULT); /* B's own RAM */
		kj_amem_free(&m);
		kj_ranges_free(&b);
	}
	sa_write(&a->m, ind + 8 * 100, &done, 8); /* the list ends early */
	CHECK(open_amem(a, &m, err, sizeof(err)) < 0);
	CHECK(strstr(err, "no source page") != NULL);
	sa_write(&a->m, ind + 8, &bad, 8); /* a source inside B's RAM */
	CHECK(open_amem(a, &m, err, sizeof(err)) < 0);
	CHECK(strstr(err, "inside the hibernating kernel's RAM") != NULL);
	if (!strstr(err, "inside"))
		fprintf(stderr, "err: %s\n", err);
	a->kexec_head = ind | 8; /* a source before any destination */
	CHECK(open_amem(a, &m, err, sizeof(err)) < 0);
	sa_free_mem(&a->m);
	free(a);
}

static void bad_order(struct sa_a *a)
{
	uint64_t big = 11;
	sa_set_type(a, 0x21000, 0xffffff7fu);
	sa_write(&a->m, 0, &big, 0); /* (keeps the helper used) */
	sa_set_free(a, 0x21001, 1);  /* misaligned for order 1 */
}
static void too_many_free(struct sa_a *a)
{
	for (uint64_t p = 0x22000; p < 0x22000 + 64 * 1024; p += 1024)
		sa_set_free(a, p, 10);
	a->free_pages = 100; /* A's counters say otherwise */
}
static void wrong_release(struct sa_a *a)
{
	(void)a;
}
static void broken_list(struct sa_a *a)
{
	a->o.region_end = 128 * MiB;
}

/* The keys and layout the scan needs are all in the real VMCOREINFO of the lab 6.1 and
 * of Debian's 6.12.117 and 7.3.4 (captured in QEMU: the note read back with QEMU's
 * pmemsave): over an empty memory the scan gets as far as the self-test, and the page
 * types are 6.1's ~PG_buddy/~PG_offline or, from 6.12 on, PGTY_buddy/PGTY_offline << 24. */
static int zero_read(void *ctx, uint64_t pa, void *buf, size_t len)
{
	(void)ctx;
	(void)pa;
	memset(buf, 0, len);
	return 0;
}

static void real_note(const char *file, int64_t buddy, int64_t offline)
{
	char path[512], text[4096];
	uint8_t note[4200] = {0};
	struct kj_ranges r = {0}, out = {0};
	struct kj_filter_stats st;
	struct kj_amem m;
	struct kj_vmci v;
	char why[256] = "";
	uint32_t hdr[3] = {11, 0, 0};
	int64_t b = 0, o = 0;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/test/data/vmcoreinfo/%s",
		 getenv("KJ_SRC") ? getenv("KJ_SRC") : ".", file);
	CHECK((f = fopen(path, "r")) != NULL);
	if (!f)
		return;
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	hdr[1] = (uint32_t)n + 1;
	memcpy(note, hdr, 12);
	memcpy(note + 12, "VMCOREINFO", 11);
	memcpy(note + 24, text, n);
	CHECK_EQ(kj_vmci_parse_note(note, 24 + n + 1, &v), 0);
	CHECK_EQ(kj_vmci_s64(&v, "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)", &b), 0);
	CHECK_EQ(b, buddy);
	CHECK_EQ(kj_vmci_s64(&v, "NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)", &o), 0);
	CHECK_EQ(o, offline);
	kj_amem_init_direct(&m, zero_read, NULL, NULL);
	kj_ranges_add(&r, 128 * MiB, 512 * MiB);
	CHECK(kj_filter_scan(&m, &v, &r, &out, &st, why, sizeof(why)) < 0);
	CHECK(strstr(why, "self-test") != NULL);
	if (!strstr(why, "self-test"))
		fprintf(stderr, "real note %s: %s\n", file, why);
	CHECK_EQ(out.n, 0);
	kj_amem_free(&m);
	kj_ranges_free(&r);
}

static void test_real_note(void)
{
	real_note("6.1.192-lab.txt", -129, -257);
	real_note("6.12.117-kjump.txt", (int32_t)0xf0000000u, (int32_t)0xf1000000u);
	real_note("7.3.4-kjump.txt", (int32_t)0xf0000000u, (int32_t)0xf1000000u);
}

/* The bytes at the jump-back entry (from the `call *%rdx` before it) of three real
 * kernels, read from their vmlinux: the lab 6.1, Debian's 6.12.117 and 7.3.4 with
 * KEXEC_JUMP (shared/testkernel). The list head: 0x830, 0x830 and 0x558 in their pages. */
static const struct real_entry {
	const char *name;
	size_t entry, head;
	uint8_t code[30];
} real_entries[] = {
    {"6.1-kjump", 0xfb, 0x830, {0xff, 0xd2, 0x48, 0x8b, 0x2c, 0x24, 0x4c, 0x8d, 0x05, 0xfa,
				0xfe, 0xff, 0xff, 0x4d, 0x8b, 0x90, 0x28, 0x08, 0x00, 0x00,
				0x49, 0x8b, 0xb8, 0x30, 0x08, 0x00, 0x00, 0x49, 0x8b, 0x80}},
    {"6.12.117-kjump", 0xf2, 0x830, {0xff, 0xd2, 0x48, 0x8b, 0x2c, 0x24, 0x4c, 0x8d, 0x05, 0x03,
				     0xff, 0xff, 0xff, 0x4d, 0x8b, 0x90, 0x28, 0x08, 0x00, 0x00,
				     0x49, 0x8b, 0xb8, 0x30, 0x08, 0x00, 0x00, 0x49, 0x8b, 0x80}},
    {"7.3.4-kjump", 0x12d, 0x558, {0xff, 0xd2, 0x5d, 0x4c, 0x8b, 0x15, 0x1b, 0x04, 0x00, 0x00,
				   0x48, 0x8b, 0x3d, 0x1c, 0x04, 0x00, 0x00, 0x48, 0x8b, 0x05,
				   0x05, 0x04, 0x00, 0x00, 0x0f, 0x22, 0xd8, 0x4c, 0x8d, 0x05}},
};

static void put_code(uint8_t *page, const struct real_entry *e)
{
	memset(page, 0, KJ_PAGE_SIZE);
	memcpy(page + e->entry - 2, e->code, sizeof(e->code));
}

static void test_ctlpage_decode(void)
{
	static uint8_t page[KJ_PAGE_SIZE];
	size_t off = 0;

	for (size_t i = 0; i < ARRAY_SIZE(real_entries); i++) {
		const struct real_entry *e = &real_entries[i];
		put_code(page, e);
		off = 0;
		CHECK_EQ(kj_ctlpage_decode_head(page, sizeof(page), e->entry, &off), 0);
		CHECK_EQ(off, e->head);
		if (off != e->head)
			fprintf(stderr, "%s: head 0x%zx, not 0x%zx\n", e->name, off, e->head);
		/* one byte off the entry, or the call before it gone: not decoded */
		CHECK_EQ(kj_ctlpage_decode_head(page, sizeof(page), e->entry + 1, &off), -ENOEXEC);
		page[e->entry - 1] = 0x90;
		CHECK_EQ(kj_ctlpage_decode_head(page, sizeof(page), e->entry, &off), -ENOEXEC);
		/* an instruction this decoder does not know between the entry and the load */
		put_code(page, e);
		page[e->entry] = 0x90;
		CHECK_EQ(kj_ctlpage_decode_head(page, sizeof(page), e->entry, &off), -ENOEXEC);
		/* the code near the end of the page: cut off, never read past it */
		CHECK_EQ(kj_ctlpage_decode_head(page + KJ_PAGE_SIZE - 20, 20, 2, &off), -ENOEXEC);
	}
	/* 7.3's rip-relative load followed wherever it points (the layout moves with the
	 * build: 0x548 in Debian's stock 7.3.4), but never off the page or unaligned */
	put_code(page, &real_entries[2]);
	page[0x12d + 11] = 0x0c; /* rel32 0x40c: 0x12d + 15 + 0x40c = 0x548 */
	CHECK_EQ(kj_ctlpage_decode_head(page, sizeof(page), 0x12d, &off), 0);
	CHECK_EQ(off, 0x548);
	page[0x12d + 11] = 0x0d;
	CHECK_EQ(kj_ctlpage_decode_head(page, sizeof(page), 0x12d, &off), -ENOEXEC);
	page[0x12d + 11] = 0x1c;
	page[0x12d + 13] = 0x40; /* 0x401c past the instruction: off the page */
	CHECK_EQ(kj_ctlpage_decode_head(page, sizeof(page), 0x12d, &off), -ENOEXEC);
	/* 6.1's %r8-relative load needs %r8 set first */
	put_code(page, &real_entries[0]);
	memset(page + 0xfb + 4, 0x5d, 7); /* the lea replaced by pops */
	CHECK_EQ(kj_ctlpage_decode_head(page, sizeof(page), 0xfb, &off), -ENOEXEC);
	CHECK_EQ(kj_ctlpage_decode_head(NULL, sizeof(page), 0xfb, &off), -EINVAL);
	CHECK_EQ(kj_ctlpage_decode_head(page, sizeof(page), 0, &off), -ENOEXEC);
}

/* A's list opened from a control page in its memory: decoded, scanned when the code is
 * unknown (a decoy entry beside it), refused when a decoded head is wrong. */
static void test_ctlpage_open(void)
{
	struct sa_a *a = calloc(1, sizeof(*a));
	struct sa_opts o = LAB_512;
	static uint8_t page[KJ_PAGE_SIZE];
	struct kj_ranges b = {0}, ar = {0};
	uint64_t cp = 500 * MiB, decoy = (200 * MiB) | 2, bad = (300 * MiB) | 2;
	enum kj_head_how how = 0;
	struct kj_amem m = {0};
	char err[256] = "";

	CHECK_EQ(sa_build(a, &o), 0);
	sa_finish(a);
	kj_ranges_add(&b, MiB, o.region_end);
	kj_ranges_add(&ar, 0, o.ram_end);
	put_code(page, &real_entries[2]);
	memcpy(page + 0x558, &a->kexec_head, 8);
	memcpy(page + 0x800, &decoy, 8);
	sa_write(&a->m, cp, page, sizeof(page));
	CHECK_EQ(
	    kj_ctlpage_open_amem(&m, sa_read, &a->m, cp + 0x12d, &b, &ar, &how, err, sizeof(err)),
	    0);
	CHECK_EQ(how, KJ_HEAD_DECODED);
	CHECK(m.n > 0);
	kj_amem_free(&m);
	/* the code unknown: the one list in the page that passes the checks */
	page[0x12d] = 0x90;
	sa_write(&a->m, cp, page, sizeof(page));
	CHECK_EQ(
	    kj_ctlpage_open_amem(&m, sa_read, &a->m, cp + 0x12d, &b, &ar, &how, err, sizeof(err)),
	    0);
	CHECK_EQ(how, KJ_HEAD_SCANNED);
	kj_amem_free(&m);
	/* no list passes: the filter is off, with the reason */
	memset(page + 0x558, 0, 8);
	sa_write(&a->m, cp, page, sizeof(page));
	CHECK(kj_ctlpage_open_amem(&m, sa_read, &a->m, cp + 0x12d, &b, &ar, &how, err,
				   sizeof(err)) < 0);
	CHECK(strstr(err, "no kexec list") != NULL);
	/* the code says where the head is: a wrong one there is refused, nothing scanned */
	page[0x12d] = 0x5d;
	memcpy(page + 0x558, &bad, 8);
	memcpy(page + 0x560, &a->kexec_head, 8);
	sa_write(&a->m, cp, page, sizeof(page));
	CHECK(kj_ctlpage_open_amem(&m, sa_read, &a->m, cp + 0x12d, &b, &ar, &how, err,
				   sizeof(err)) < 0);
	CHECK(strstr(err, "kexec list") != NULL);
	/* a head pointing into B's own RAM or outside A's: never followed */
	bad = (64 * MiB) | 2;
	memcpy(page + 0x558, &bad, 8);
	sa_write(&a->m, cp, page, sizeof(page));
	CHECK(kj_ctlpage_open_amem(&m, sa_read, &a->m, cp + 0x12d, &b, &ar, &how, err,
				   sizeof(err)) < 0);
	CHECK(strstr(err, "indirection page") != NULL);
	bad = 0xfee00000ull | 2; /* the local APIC, say */
	memcpy(page + 0x558, &bad, 8);
	sa_write(&a->m, cp, page, sizeof(page));
	CHECK(kj_ctlpage_open_amem(&m, sa_read, &a->m, cp + 0x12d, &b, &ar, &how, err,
				   sizeof(err)) < 0);
	CHECK(strstr(err, "indirection page") != NULL);
	/* the entry itself in B's RAM */
	CHECK(kj_ctlpage_open_amem(&m, sa_read, &a->m, 64 * MiB + 0x12d, &b, &ar, &how, err,
				   sizeof(err)) < 0);
	CHECK(strstr(err, "jump-back entry") != NULL);
	kj_ranges_free(&b);
	kj_ranges_free(&ar);
	sa_free_mem(&a->m);
	free(a);
}

int main(void)
{
	test_note();
	test_ctlpage_decode();
	test_ctlpage_open();
	test_real_note();
	/* the lab kernel's shape: no KASLR, the kernel inside B's region */
	scan_case("4-level, kernel in B's region, 1 GiB direct map",
		  &(struct sa_opts){.kphys = 16 * MiB,
				    .page_offset = 0xffff888000000000ull,
				    .vmemmap = 0xffffea0000000000ull,
				    .ram_end = 1 * GiB,
				    .direct_1g = 1,
				    .region_end = 128 * MiB});
	/* a distribution kernel: KASLR everywhere, kernel above the region */
	scan_case("4-level, KASLR, 2 MiB direct map, 4 KiB vmemmap, 6 GiB",
		  &(struct sa_opts){.kphys = 0x2a000000,
				    .kaslr = 0x1e000000,
				    .page_offset = 0xffff9b8d40000000ull,
				    .vmemmap = 0xffffd3e540000000ull,
				    .ram_end = 6 * GiB,
				    .vmemmap_4k = 1,
				    .region_end = 128 * MiB});
	scan_case("5-level, KASLR, phys_base below zero",
		  &(struct sa_opts){.l5 = 1,
				    .kphys = 32 * MiB,
				    .kaslr = 0x3c000000,
				    .page_offset = 0xff11000000000000ull,
				    .vmemmap = 0xffd4000000000000ull,
				    .ram_end = 1 * GiB,
				    .direct_1g = 1,
				    .region_end = 128 * MiB});
	/* 6.12 and 7.3: page types in the top byte, KASLR */
	scan_case("6.12 page types (PGTY << 24), KASLR, 2 MiB direct map",
		  &(struct sa_opts){.kphys = 0x2a000000,
				    .kaslr = 0x1e000000,
				    .pgty = 1,
				    .page_offset = 0xffff9b8d40000000ull,
				    .vmemmap = 0xffffd3e540000000ull,
				    .ram_end = 1 * GiB,
				    .region_end = 128 * MiB});
	scan_case("no region (the filter over a core)",
		  &(struct sa_opts){.kphys = 0x40000000,
				    .page_offset = 0xffff888000000000ull,
				    .vmemmap = 0xffffea0000000000ull,
				    .ram_end = 2 * GiB});
	refuse_case("a key missing", "SYMBOL(mem_section)", NULL);
	refuse_case("5-level tables claimed for 4", "NUMBER(pgtable_l5_enabled)=1", NULL);
	refuse_case("memory encryption", "NUMBER(sme_mask)=140737488355328", NULL);
	refuse_case("an unknown page size", "PAGESIZE=65536", NULL);
	refuse_case("a buddy value that is no page type", "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=5",
		    NULL);
	refuse_case("a wrong phys_base", "NUMBER(phys_base)=2097152", NULL);
	refuse_case("the release does not match", "OSRELEASE=6.1.0-other", wrong_release);
	refuse_case("an impossible order", NULL, bad_order);
	refuse_case("more free pages than A counts", NULL, too_many_free);
	(void)broken_list;
	test_broken_list();
	return kj_test_result("unit-filter");
}
