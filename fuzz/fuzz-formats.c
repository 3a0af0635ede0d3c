/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz target: the on-disk parsers, each on the raw input: swap header, commit
 * record, extent map, kjump header, auth record, block header, range entries, status
 * record, reseed record. */
#include <stdint.h>
#include <string.h>

#include "format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kj_swap_info s;
	struct kj_commit c;
	struct kj_header h;
	struct kj_block b;
	struct kj_auth a;
	struct kj_status st;
	struct kj_disk_status ds;
	struct kj_seed sd;
	struct kj_disk_seed dsd;
	struct kj_extent e[KJ_EXTMAP_MAX];
	size_t n;
	char err[128];
	uint64_t pfn, np;
	uint32_t flags;

	kj_swap_parse(data, size, &s, err, sizeof(err));
	kj_commit_parse(data, size, &c, err, sizeof(err));
	kj_extmap_parse(data, size, 0, e, &n, err, sizeof(err));
	kj_header_parse(data, size, &h, err, sizeof(err));
	kj_auth_parse(data, size, &a, err, sizeof(err));
	if (kj_status_parse(data, size, &st, err, sizeof(err)) == 0) {
		/* What it accepts, msg NUL-terminated, the encoder writes back byte for byte. */
		kj_status_encode(&st, &ds);
		if (strnlen(st.msg, sizeof(st.msg)) == sizeof(st.msg) ||
		    memcmp(&ds, data, sizeof(ds)))
			__builtin_trap();
	}
	if (kj_seed_parse(data, size, &sd, err, sizeof(err)) == 0) {
		/* what it accepts, the encoder writes back byte for byte */
		kj_seed_encode(&sd, &dsd);
		if (memcmp(&dsd, data, sizeof(dsd)))
			__builtin_trap();
	}
	for (size_t o = 0; o + 32 <= size && o < 4096; o += 32)
		kj_block_parse(data + o, size - o, 64, &b, err, sizeof(err));
	for (size_t o = 0; o + 24 <= size && o < 4096; o += 24)
		kj_range_parse(data + o, size - o, &pfn, &np, &flags);
	return 0;
}
