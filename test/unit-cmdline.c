/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The kernel command-line parser: every resume= form, kjump.* keys, quoting, repeated
 * keys, malformed values. */
#include <string.h>

#include "cmdline.h"
#include "tap.h"

static int errors;
static void on_err(const char *k, const char *v, void *ud)
{
	(void)ud;
	fprintf(stderr, "  (expected) malformed %s=%s\n", k, v);
	errors++;
}

static struct resume_cmdline parse(const char *s, int *ret_bad)
{
	struct resume_cmdline c;
	resume_cmdline_init(&c);
	errors = 0;
	*ret_bad = resume_cmdline_parse(s, strlen(s), &c, on_err, NULL);
	CHECK_EQ(*ret_bad, errors);
	return c;
}

int main(void)
{
	static const char *forms[] = {
		"/dev/vda1", "/dev/disk/by-uuid/0a1b2c3d-1111-2222-3333-444455556666",
		"UUID=0a1b2c3d-1111-2222-3333-444455556666", "LABEL=swap",
		"PARTUUID=12345678-01", "PARTUUID=0b7d3c9e-aaaa-bbbb-cccc-ddddeeeeffff/PARTNROFF=1",
		"PARTLABEL=kjswap", "8:1", "0801", "/dev/disk/by-partlabel/kj\\x20swap",
	};
	struct resume_cmdline c;
	int bad;
	char buf[512];

	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		snprintf(buf, sizeof(buf), "BOOT_IMAGE=/vmlinuz root=/dev/vda2 ro resume=%s quiet",
			 forms[i]);
		c = parse(buf, &bad);
		CHECK_EQ(bad, 0);
		CHECK(!strcmp(c.resume, forms[i]));
	}
	c = parse("resume=/dev/sda1 resume=/dev/sdb2 resume_offset=34816 noresume resumewait "
		  "resumedelay=3", &bad);
	CHECK_EQ(bad, 0);
	CHECK(!strcmp(c.resume, "/dev/sdb2")); /* last one wins */
	CHECK_EQ(c.resume_offset, 34816);
	CHECK(c.noresume && c.resumewait);
	CHECK_EQ(c.resumedelay, 3);
	CHECK_EQ(c.timeout_ms, RESUME_DEFAULT_TIMEOUT_MS);

	c = parse("\"resume=LABEL=my swap\" kjump.timeout=2.5 kjump.keep kjump.hotplug=off "
		  "kjump.zone=movable kjump.threads=3 kjump.debug=1 kjump.io=buffered", &bad);
	CHECK_EQ(bad, 0);
	CHECK(!strcmp(c.resume, "LABEL=my swap"));
	CHECK_EQ(c.timeout_ms, 2500);
	CHECK(c.keep);
	CHECK_EQ(c.hotplug, HOTPLUG_OFF);
	CHECK(!strcmp(c.zone, "movable"));
	CHECK_EQ(c.threads, 3);
	CHECK(c.verbose);
	CHECK_EQ(c.io, 0);

	c = parse("resume=\"PARTLABEL=a b\" root=x", &bad);
	CHECK(!strcmp(c.resume, "PARTLABEL=a b"));

	/* Malformed values: each rejected, the rest still parsed, nothing crashes. */
	c = parse("resume= resume_offset=-1 resume_offset=0x10 resumedelay=abc noresume=1 "
		  "kjump.timeout=-3 kjump.timeout=nan kjump.keep=maybe kjump.zone=dma "
		  "kjump.threads=0 kjump.hotplug=2 resumewait=yes kjump.io=fast resume=/dev/vdb1", &bad);
	CHECK_EQ(bad, 13);
	CHECK_EQ(c.io, -1);
	CHECK(!strcmp(c.resume, "/dev/vdb1"));
	CHECK_EQ(c.resume_offset, 0);
	CHECK(!c.noresume && !c.resumewait && !c.keep);
	CHECK_EQ(c.timeout_ms, RESUME_DEFAULT_TIMEOUT_MS);

	/* Everything after "--" belongs to init. */
	c = parse("quiet -- resume=/dev/sda9", &bad);
	CHECK(!c.resume[0]);

	/* Odd input: unterminated quotes, NULs, huge tokens, empty. */
	c = parse("\"resume=/dev/vda1", &bad);
	CHECK(!strcmp(c.resume, "/dev/vda1"));
	{
		char big[5000];
		memset(big, 'a', sizeof(big) - 1);
		big[sizeof(big) - 1] = 0;
		memcpy(big, "resume=", 7);
		c = parse(big, &bad);
		CHECK_EQ(bad, 1);
		CHECK(!c.resume[0]);
	}
	{
		const char nul[] = "resume=/dev/a\0resume=/dev/b";
		resume_cmdline_init(&c);
		resume_cmdline_parse(nul, sizeof(nul) - 1, &c, NULL, NULL);
		CHECK(!strcmp(c.resume, "/dev/b"));
	}
	c = parse("", &bad);
	CHECK_EQ(bad, 0);
	return kj_test_result("unit-cmdline");
}
