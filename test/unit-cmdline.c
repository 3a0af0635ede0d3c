/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The kernel command-line parser: every resume= form, kjump.* keys, quoting, repeated
 * keys, malformed values. */
#include <string.h>

#include "cmdline.h"
#include "settings.h"
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

/* The splitter itself, against the kernel's next_arg()/parameq() rules. */
static void test_kernel_rules(void)
{
	const char *cl = "  a=1 \"b=x y\" c=\"p q\" d \"e f\" g=\"h\"i x-y_z=3 -- init=arg";
	struct kj_cmdline_param p;
	size_t pos = 0, len = strlen(cl);
	char v[64];

	CHECK_EQ(kj_cmdline_next(cl, len, &pos, &p), 1);
	CHECK(!strcmp(p.key, "a") && !strcmp(p.value, "1"));
	CHECK_EQ(kj_cmdline_next(cl, len, &pos, &p), 1); /* a quoted parameter */
	CHECK(!strcmp(p.key, "b") && !strcmp(p.value, "x y"));
	CHECK_EQ(p.raw_len, 7u);
	CHECK_EQ(kj_cmdline_next(cl, len, &pos, &p), 1); /* a quoted value */
	CHECK(!strcmp(p.key, "c") && !strcmp(p.value, "p q"));
	CHECK_EQ(kj_cmdline_next(cl, len, &pos, &p), 1); /* a flag */
	CHECK(!strcmp(p.key, "d") && p.value == NULL);
	CHECK_EQ(kj_cmdline_next(cl, len, &pos, &p), 1); /* a quoted flag */
	CHECK(!strcmp(p.key, "e f") && p.value == NULL);
	CHECK_EQ(kj_cmdline_next(cl, len, &pos, &p), 1); /* the opening quote of a value goes */
	CHECK(!strcmp(p.key, "g") && !strcmp(p.value, "h\"i"));
	CHECK_EQ(kj_cmdline_next(cl, len, &pos, &p), 1);
	CHECK(kj_cmdline_key_eq(p.key, "x_y-z"));
	CHECK(!kj_cmdline_key_eq(p.key, "x_y_zz"));
	CHECK_EQ(kj_cmdline_next(cl, len, &pos, &p), 0); /* "--": the rest is init's */
	/* the last one wins; names match with - and _ alike */
	CHECK_EQ(kj_cmdline_get("k=1 x k_2=a k-2=b k=3", 21, "k", v, sizeof(v)), 1);
	CHECK(!strcmp(v, "3"));
	CHECK_EQ(kj_cmdline_get("k=1 x k_2=a k-2=b k=3", 21, "k_2", v, sizeof(v)), 1);
	CHECK(!strcmp(v, "b"));
	CHECK_EQ(kj_cmdline_get("k=1 -- k=2", 10, "k", v, sizeof(v)), 1);
	CHECK(!strcmp(v, "1"));
	CHECK_EQ(kj_cmdline_get("kx=1", 4, "k", v, sizeof(v)), 0);
	/* resume_offset and resume-offset are one parameter to the kernel */
	{
		int bad;
		struct resume_cmdline c = parse("resume-offset=99 resume=/dev/x", &bad);
		CHECK_EQ(c.resume_offset, 99);
		CHECK_EQ(bad, 0);
	}
}

int main(void)
{
	static const char *forms[] = {
	    "/dev/vda1",
	    "/dev/disk/by-uuid/0a1b2c3d-1111-2222-3333-444455556666",
	    "UUID=0a1b2c3d-1111-2222-3333-444455556666",
	    "LABEL=swap",
	    "PARTUUID=12345678-01",
	    "PARTUUID=0b7d3c9e-aaaa-bbbb-cccc-ddddeeeeffff/PARTNROFF=1",
	    "PARTLABEL=kjswap",
	    "8:1",
	    "0801",
	    "/dev/disk/by-partlabel/kj\\x20swap",
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
		  "resumedelay=3",
		  &bad);
	CHECK_EQ(bad, 0);
	CHECK(!strcmp(c.resume, "/dev/sdb2")); /* last one wins */
	CHECK_EQ(c.resume_offset, 34816);
	CHECK(c.noresume && c.resumewait);
	CHECK_EQ(c.resumedelay, 3);
	CHECK_EQ(c.timeout_ms, RESUME_DEFAULT_TIMEOUT_MS);
	CHECK_EQ(c.retries, 2);		 /* two more attempts after an error that may pass */
	CHECK_EQ(c.keep_wait_ms, 30000); /* a savable image kept 30 s, then invalidated */

	c = parse("kjump.retries=0 kjump.keep_wait=0", &bad);
	CHECK_EQ(bad, 0);
	CHECK_EQ(c.retries, 0);
	CHECK_EQ(c.keep_wait_ms, 0);
	c = parse("kjump.retries=10 kjump.keep_wait=1.5 kjump.keep-wait=2", &bad);
	CHECK_EQ(bad, 0);
	CHECK_EQ(c.retries, 10);
	CHECK_EQ(c.keep_wait_ms, 2000); /* the last one wins, - and _ alike */
	c = parse(
	    "kjump.retries=11 kjump.retries=-1 kjump.retries kjump.retries=x "
	    "kjump.keep_wait=-1 kjump.keep_wait kjump.keep_wait=forever kjump.keep_wait=90000",
	    &bad);
	CHECK_EQ(bad, 8);
	CHECK_EQ(c.retries, RESUME_DEFAULT_RETRIES);
	CHECK_EQ(c.keep_wait_ms, RESUME_DEFAULT_KEEP_WAIT_MS);
	CHECK(!c.discard);
	/* kjump.discard: a kept image (a snapshot) is dropped */
	c = parse("kjump.discard", &bad);
	CHECK(bad == 0 && c.discard);
	c = parse("kjump.discard kjump.discard=0", &bad);
	CHECK(bad == 0 && !c.discard);
	c = parse("kjump.discard=maybe", &bad);
	CHECK(bad == 1 && !c.discard);

	c = parse("\"resume=LABEL=my swap\" kjump.timeout=2.5 kjump.keep kjump.hotplug=off "
		  "kjump.zone=movable kjump.threads=3 kjump.debug=1 kjump.io=buffered "
		  "kjump.verify=first kjump.mac_key=/etc/kjump/other.key",
		  &bad);
	CHECK_EQ(bad, 0);
	CHECK_EQ(c.verify, 1);
	CHECK(!strcmp(c.mac_key, "/etc/kjump/other.key"));
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
		  "kjump.threads=0 kjump.hotplug=2 resumewait=yes kjump.io=fast resume=/dev/vdb1 "
		  "kjump.verify=later kjump.mac_key=relative/key kjump.mac_key",
		  &bad);
	CHECK_EQ(bad, 16);
	CHECK_EQ(c.verify, 0);
	CHECK(!c.mac_key[0]);
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
	test_kernel_rules();
	return kj_test_result("unit-cmdline");
}
