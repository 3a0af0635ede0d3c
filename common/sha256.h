/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104): image authentication
 * (docs/SECURITY.md) and the fingerprints that tie a later read of a table to the
 * first one. Plain C, no tables beyond the round constants. */
#include <stddef.h>
#include <stdint.h>

#define KJ_SHA256_LEN	32u
#define KJ_SHA256_BLOCK 64u

struct kj_sha256 {
	uint32_t h[8];
	uint64_t len; /* bytes hashed so far */
	uint8_t buf[KJ_SHA256_BLOCK];
	size_t fill;
};

void kj_sha256_init(struct kj_sha256 *s);
void kj_sha256_update(struct kj_sha256 *s, const void *data, size_t len);
/* Writes the digest and wipes the state. */
void kj_sha256_final(struct kj_sha256 *s, uint8_t out[KJ_SHA256_LEN]);
void kj_sha256(const void *data, size_t len, uint8_t out[KJ_SHA256_LEN]);

struct kj_hmac {
	struct kj_sha256 inner, outer;
};

void kj_hmac_init(struct kj_hmac *m, const void *key, size_t keylen);
void kj_hmac_update(struct kj_hmac *m, const void *data, size_t len);
/* Writes the MAC and wipes the state (and with it every trace of the key). */
void kj_hmac_final(struct kj_hmac *m, uint8_t out[KJ_SHA256_LEN]);

/* Which implementation: want 1 the CPU's SHA extensions when it has them, 0 plain C,
 * -1 decide by the CPU (the default). Returns 1 when the extensions are used. */
int kj_sha256_accel(int want);

/* 1 when the n bytes are equal; the time taken does not depend on where they differ. */
int kj_equal_ct(const void *a, const void *b, size_t n);
