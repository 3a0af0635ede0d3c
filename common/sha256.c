/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sha256.h"

#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#define KJ_SHA_NI 1
#endif

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static inline uint32_t ror(uint32_t x, unsigned n)
{
	return (x >> n) | (x << (32 - n));
}

static inline uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* One 64-byte block into the state, in plain C. */
static void compress_generic(uint32_t h[8], const uint8_t *p)
{
	uint32_t w[64], a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6],
			k = h[7];

	for (int i = 0; i < 16; i++)
		w[i] = be32(p + 4 * i);
	for (int i = 16; i < 64; i++) {
		uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	for (int i = 0; i < 64; i++) {
		uint32_t t1 =
		    k + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
		uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
		k = g;
		g = f;
		f = e;
		e = d + t1;
		d = c;
		c = b;
		b = a;
		a = t1 + t2;
	}
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
	h[4] += e;
	h[5] += f;
	h[6] += g;
	h[7] += k;
}

#ifdef KJ_SHA_NI
/* The same with the x86 SHA extensions (SHA-NI): about ten times as fast. The rounds
 * instruction keeps the state as two vectors, lanes 3..0 = (A,B,E,F) and (C,D,G,H);
 * each sha256rnds2 does two rounds and returns the new (A,B,E,F), the old one becoming
 * (C,D,G,H). The message schedule runs four words ahead in four vectors. */
__attribute__((target("sha,sse4.1,ssse3"))) static void compress_ni(uint32_t h[8], const uint8_t *p)
{
	const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
	__m128i abcd = _mm_loadu_si128((const __m128i *)(const void *)h);
	__m128i efgh = _mm_loadu_si128((const __m128i *)(const void *)(h + 4));
	__m128i t = _mm_shuffle_epi32(abcd, 0xB1);  /* (C,D,A,B) from lane 3 down */
	__m128i s1 = _mm_shuffle_epi32(efgh, 0x1B); /* (E,F,G,H) */
	__m128i s0 = _mm_alignr_epi8(t, s1, 8);	    /* (A,B,E,F) */
	__m128i m[4], save0, save1;

	s1 = _mm_blend_epi16(s1, t, 0xF0); /* (C,D,G,H) */
	save0 = s0;
	save1 = s1;
	for (int i = 0; i < 4; i++)
		m[i] = _mm_shuffle_epi8(
		    _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * i)), bswap);
	for (int i = 0; i < 16; i++) {
		__m128i wk = _mm_add_epi32(
		    m[i % 4], _mm_loadu_si128((const __m128i *)(const void *)&K[4 * i]));
		s1 = _mm_sha256rnds2_epu32(s1, s0, wk);
		/* two more: the (A,B,E,F) of two rounds ago is now (C,D,G,H) */
		s0 = _mm_sha256rnds2_epu32(s0, s1, _mm_shuffle_epi32(wk, 0x0E));
		if (i < 12) {
			/* W[t..t+3] = sigma1 terms (msg2) + W[t-7..t-4] + sigma0 terms + W[t-16..]
			 * (msg1) */
			__m128i x = _mm_sha256msg1_epu32(m[i % 4], m[(i + 1) % 4]);
			x = _mm_add_epi32(x, _mm_alignr_epi8(m[(i + 3) % 4], m[(i + 2) % 4], 4));
			m[i % 4] = _mm_sha256msg2_epu32(x, m[(i + 3) % 4]);
		}
	}
	s0 = _mm_add_epi32(s0, save0);
	s1 = _mm_add_epi32(s1, save1);
	t = _mm_shuffle_epi32(s0, 0x1B);  /* (F,E,B,A) */
	s1 = _mm_shuffle_epi32(s1, 0xB1); /* (G,H,C,D) */
	abcd = _mm_blend_epi16(t, s1, 0xF0);
	efgh = _mm_alignr_epi8(s1, t, 8);
	_mm_storeu_si128((__m128i *)(void *)h, abcd);
	_mm_storeu_si128((__m128i *)(void *)(h + 4), efgh);
}

static int cpu_has_sha_ni(void)
{
	unsigned a, b, c, d;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 9)) || !(c & (1u << 19)))
		return 0; /* SSSE3, SSE4.1 */
	return __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1u << 29));
}
#endif

static int use_accel = -1; /* -1: not decided yet */

int kj_sha256_accel(int want)
{
#ifdef KJ_SHA_NI
	int have = cpu_has_sha_ni();
#else
	int have = 0;
#endif
	__atomic_store_n(&use_accel, want < 0 ? have : want && have, __ATOMIC_RELAXED);
	return __atomic_load_n(&use_accel, __ATOMIC_RELAXED);
}

static void compress(uint32_t h[8], const uint8_t *p)
{
	int accel = __atomic_load_n(&use_accel, __ATOMIC_RELAXED);

	if (accel < 0)
		accel = kj_sha256_accel(-1);
#ifdef KJ_SHA_NI
	if (accel) {
		compress_ni(h, p);
		return;
	}
#endif
	compress_generic(h, p);
}

void kj_sha256_init(struct kj_sha256 *s)
{
	static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
				       0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
	memcpy(s->h, iv, sizeof(iv));
	s->len = 0;
	s->fill = 0;
}

void kj_sha256_update(struct kj_sha256 *s, const void *data, size_t len)
{
	const uint8_t *p = data;

	s->len += len;
	if (s->fill) {
		size_t take = KJ_SHA256_BLOCK - s->fill < len ? KJ_SHA256_BLOCK - s->fill : len;
		memcpy(s->buf + s->fill, p, take);
		s->fill += take;
		p += take;
		len -= take;
		if (s->fill < KJ_SHA256_BLOCK)
			return;
		compress(s->h, s->buf);
		s->fill = 0;
	}
	for (; len >= KJ_SHA256_BLOCK; p += KJ_SHA256_BLOCK, len -= KJ_SHA256_BLOCK)
		compress(s->h, p);
	memcpy(s->buf, p, len);
	s->fill = len;
}

void kj_sha256_final(struct kj_sha256 *s, uint8_t out[KJ_SHA256_LEN])
{
	uint64_t bits = s->len * 8;

	s->buf[s->fill++] = 0x80;
	if (s->fill > KJ_SHA256_BLOCK - 8) {
		memset(s->buf + s->fill, 0, KJ_SHA256_BLOCK - s->fill);
		compress(s->h, s->buf);
		s->fill = 0;
	}
	memset(s->buf + s->fill, 0, KJ_SHA256_BLOCK - 8 - s->fill);
	for (int i = 0; i < 8; i++)
		s->buf[KJ_SHA256_BLOCK - 1 - i] = (uint8_t)(bits >> (8 * i));
	compress(s->h, s->buf);
	for (int i = 0; i < 8; i++) {
		out[4 * i] = (uint8_t)(s->h[i] >> 24);
		out[4 * i + 1] = (uint8_t)(s->h[i] >> 16);
		out[4 * i + 2] = (uint8_t)(s->h[i] >> 8);
		out[4 * i + 3] = (uint8_t)s->h[i];
	}
	explicit_bzero(s, sizeof(*s));
}

void kj_sha256(const void *data, size_t len, uint8_t out[KJ_SHA256_LEN])
{
	struct kj_sha256 s;
	kj_sha256_init(&s);
	kj_sha256_update(&s, data, len);
	kj_sha256_final(&s, out);
}

void kj_hmac_init(struct kj_hmac *m, const void *key, size_t keylen)
{
	uint8_t k[KJ_SHA256_BLOCK] = {0}, pad[KJ_SHA256_BLOCK];

	if (keylen > KJ_SHA256_BLOCK)
		kj_sha256(key, keylen, k);
	else if (keylen)
		memcpy(k, key, keylen);
	for (size_t i = 0; i < sizeof(pad); i++)
		pad[i] = k[i] ^ 0x36;
	kj_sha256_init(&m->inner);
	kj_sha256_update(&m->inner, pad, sizeof(pad));
	for (size_t i = 0; i < sizeof(pad); i++)
		pad[i] = k[i] ^ 0x5c;
	kj_sha256_init(&m->outer);
	kj_sha256_update(&m->outer, pad, sizeof(pad));
	explicit_bzero(k, sizeof(k));
	explicit_bzero(pad, sizeof(pad));
}

void kj_hmac_update(struct kj_hmac *m, const void *data, size_t len)
{
	kj_sha256_update(&m->inner, data, len);
}

void kj_hmac_final(struct kj_hmac *m, uint8_t out[KJ_SHA256_LEN])
{
	uint8_t ih[KJ_SHA256_LEN];

	kj_sha256_final(&m->inner, ih);
	kj_sha256_update(&m->outer, ih, sizeof(ih));
	kj_sha256_final(&m->outer, out);
	explicit_bzero(ih, sizeof(ih));
}

int kj_equal_ct(const void *a, const void *b, size_t n)
{
	const volatile uint8_t *x = a, *y = b;
	uint8_t d = 0;

	for (size_t i = 0; i < n; i++)
		d |= x[i] ^ y[i];
	return d == 0;
}
