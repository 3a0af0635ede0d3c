/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SHA-256 against FIPS 180-4's examples and HMAC-SHA256 against RFC 4231's test cases;
 * every split of a message hashes like the whole; the constant-time compare. */
#include <stdlib.h>
#include <string.h>

#include "sha256.h"
#include "tap.h"

static void hex(const uint8_t *d, char *out)
{
	for (unsigned i = 0; i < KJ_SHA256_LEN; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

static int sha_is(const void *msg, size_t len, const char *want)
{
	uint8_t d[KJ_SHA256_LEN];
	char got[2 * KJ_SHA256_LEN + 1];
	kj_sha256(msg, len, d);
	hex(d, got);
	if (strcmp(got, want))
		fprintf(stderr, "sha256 of %zu bytes: %s, expected %s\n", len, got, want);
	return !strcmp(got, want);
}

static int hmac_is(const void *key, size_t klen, const void *msg, size_t len, const char *want)
{
	struct kj_hmac m;
	uint8_t d[KJ_SHA256_LEN];
	char got[2 * KJ_SHA256_LEN + 1];
	kj_hmac_init(&m, key, klen);
	kj_hmac_update(&m, msg, len);
	kj_hmac_final(&m, d);
	hex(d, got);
	if (strcmp(got, want))
		fprintf(stderr, "hmac of %zu bytes: %s, expected %s\n", len, got, want);
	return !strcmp(got, want);
}

static void test_sha256(void)
{
	const char *m2 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	char *million = malloc(1000000);

	CHECK(sha_is("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
	CHECK(sha_is("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
	CHECK(sha_is(m2, strlen(m2),
		     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"));
	if (million) {
		memset(million, 'a', 1000000);
		CHECK(sha_is(million, 1000000,
			     "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"));
	}
	free(million);
}

/* Every length around the padding boundaries, every split point: same digest. */
static void test_splits(void)
{
	uint8_t msg[1000], whole[KJ_SHA256_LEN], part[KJ_SHA256_LEN];
	char got[2 * KJ_SHA256_LEN + 1];

	for (unsigned i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)((i * 7 + 3) % 251);
	kj_sha256(msg, sizeof(msg), whole);
	hex(whole, got);
	/* the same pattern hashed by Python's hashlib */
	CHECK(!strcmp(got, "a9425c416f534025a4e2422bd14adba4ec3d4a68d10c3329be8df612964d2b6e"));
	for (size_t len = 50; len <= 140; len++) {
		kj_sha256(msg, len, whole);
		for (size_t cut = 0; cut <= len; cut += 3) {
			struct kj_sha256 s;
			kj_sha256_init(&s);
			kj_sha256_update(&s, msg, cut);
			kj_sha256_update(&s, msg + cut, len - cut);
			kj_sha256_final(&s, part);
			CHECK(!memcmp(whole, part, sizeof(part)));
		}
	}
}

static void test_hmac(void)
{
	uint8_t k20[20], kaa[131], dd[50];
	const char *t6 = "Test Using Larger Than Block-Size Key - Hash Key First";
	const char *t7 =
	    "This is a test using a larger than block-size key and a larger than "
	    "block-size data. The key needs to be hashed before being used by the HMAC "
	    "algorithm.";

	memset(k20, 0x0b, sizeof(k20));
	CHECK(hmac_is(k20, 20, "Hi There", 8,
		      "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"));
	CHECK(hmac_is("Jefe", 4, "what do ya want for nothing?", 28,
		      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"));
	memset(kaa, 0xaa, sizeof(kaa));
	memset(dd, 0xdd, sizeof(dd));
	CHECK(hmac_is(kaa, 20, dd, 50,
		      "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"));
	CHECK(hmac_is(kaa, 131, t6, strlen(t6),
		      "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"));
	CHECK(hmac_is(kaa, 131, t7, strlen(t7),
		      "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"));
}

static void test_equal(void)
{
	uint8_t a[32] = {0}, b[32] = {0};
	CHECK(kj_equal_ct(a, b, 32));
	b[31] = 1;
	CHECK(!kj_equal_ct(a, b, 32));
	CHECK(kj_equal_ct(a, b, 31));
	b[0] = 0x80;
	CHECK(!kj_equal_ct(a, b, 1));
}

int main(void)
{
	/* plain C, then the CPU's SHA extensions where it has them: the same answers */
	for (int accel = 0; accel <= 1; accel++) {
		if (kj_sha256_accel(accel) != accel) {
			printf("unit-sha256: no SHA extensions on this CPU: plain C only\n");
			break;
		}
		printf("unit-sha256: %s\n", accel ? "SHA extensions" : "plain C");
		test_sha256();
		test_splits();
		test_hmac();
	}
	test_equal();
	return kj_test_result("unit-sha256");
}
