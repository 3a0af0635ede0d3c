/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "crc32c.h"

#include <string.h>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

static uint32_t table[8][256];

static void __attribute__((constructor)) crc32c_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0x82F63B78u & -(c & 1));
		table[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++)
		for (int t = 1; t < 8; t++)
			table[t][i] = (table[t - 1][i] >> 8) ^ table[0][table[t - 1][i] & 0xff];
}

/* Slicing-by-8: portable fallback, ~1-2 GB/s. */
static uint32_t crc32c_sw(uint32_t c, const uint8_t *p, size_t len)
{
	while (len >= 8) {
		uint64_t v;
		memcpy(&v, p, 8);
		v ^= c;
		c = table[7][v & 0xff] ^ table[6][(v >> 8) & 0xff] ^ table[5][(v >> 16) & 0xff] ^
		    table[4][(v >> 24) & 0xff] ^ table[3][(v >> 32) & 0xff] ^
		    table[2][(v >> 40) & 0xff] ^ table[1][(v >> 48) & 0xff] ^ table[0][v >> 56];
		p += 8;
		len -= 8;
	}
	while (len--)
		c = (c >> 8) ^ table[0][(c ^ *p++) & 0xff];
	return c;
}

#if defined(__x86_64__)
/* SSE4.2 crc32 instruction. One chain of it is bound by the instruction's latency (3
 * cycles for 8 bytes); three independent chains over three stretches of the buffer run
 * at its throughput, and are then joined: the CRC register is linear, so
 * crc(r, A||B) = shift(crc(r, A), |B|) ^ crc(0, B), where shift(c, n) runs c over n zero
 * bytes, itself a linear map on 32 bits applied through four byte tables. */
#define CRC_LONG  8192u
#define CRC_SHORT 256u
static uint32_t shift_long[4][256], shift_short[4][256];

__attribute__((target("sse4.2"))) static uint32_t run_zeros(uint32_t c, size_t n)
{
	uint64_t c64 = c;
	for (size_t i = 0; i < n / 8; i++)
		c64 = _mm_crc32_u64(c64, 0);
	return (uint32_t)c64;
}

static void shift_table_init(uint32_t t[4][256], size_t n)
{
	uint32_t basis[32];
	for (int k = 0; k < 32; k++)
		basis[k] = run_zeros(1u << k, n);
	for (int j = 0; j < 4; j++)
		for (uint32_t b = 0; b < 256; b++) {
			uint32_t v = 0;
			for (int k = 0; k < 8; k++)
				if (b & (1u << k))
					v ^= basis[8 * j + k];
			t[j][b] = v;
		}
}

static inline uint32_t shift(const uint32_t t[4][256], uint32_t c)
{
	return t[0][c & 0xff] ^ t[1][(c >> 8) & 0xff] ^ t[2][(c >> 16) & 0xff] ^ t[3][c >> 24];
}

static int have_sse42;

static void __attribute__((constructor)) crc32c_hw_init(void)
{
	__builtin_cpu_init(); /* may run before libgcc's own constructor */
	have_sse42 = __builtin_cpu_supports("sse4.2");
	if (have_sse42) {
		shift_table_init(shift_long, CRC_LONG);
		shift_table_init(shift_short, CRC_SHORT);
	}
}

/* Three chains over three stretches of n bytes each (n a multiple of 8). */
__attribute__((target("sse4.2"))) static uint32_t crc3(uint32_t c, const uint8_t *p, size_t n,
						       const uint32_t t[4][256])
{
	uint64_t c0 = c, c1 = 0, c2 = 0;
	for (size_t i = 0; i < n; i += 8) {
		uint64_t v0, v1, v2;
		memcpy(&v0, p + i, 8);
		memcpy(&v1, p + n + i, 8);
		memcpy(&v2, p + 2 * n + i, 8);
		c0 = _mm_crc32_u64(c0, v0);
		c1 = _mm_crc32_u64(c1, v1);
		c2 = _mm_crc32_u64(c2, v2);
	}
	return shift(t, shift(t, (uint32_t)c0) ^ (uint32_t)c1) ^ (uint32_t)c2;
}

__attribute__((target("sse4.2"))) static uint32_t crc32c_hw(uint32_t c, const uint8_t *p,
							    size_t len)
{
	uint64_t c64;
	for (; len >= 3 * CRC_LONG; p += 3 * CRC_LONG, len -= 3 * CRC_LONG)
		c = crc3(c, p, CRC_LONG, shift_long);
	for (; len >= 3 * CRC_SHORT; p += 3 * CRC_SHORT, len -= 3 * CRC_SHORT)
		c = crc3(c, p, CRC_SHORT, shift_short);
	c64 = c;
	while (len >= 8) {
		uint64_t v;
		memcpy(&v, p, 8);
		c64 = _mm_crc32_u64(c64, v);
		p += 8;
		len -= 8;
	}
	c = (uint32_t)c64;
	while (len--)
		c = _mm_crc32_u8(c, *p++);
	return c;
}
#endif

uint32_t crc32c(uint32_t crc, const void *buf, size_t len)
{
	uint32_t c = ~crc;
#if defined(__x86_64__)
	if (have_sse42)
		return ~crc32c_hw(c, buf, len);
#endif
	return ~crc32c_sw(c, buf, len);
}
