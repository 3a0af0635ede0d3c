/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz target: kjump-setup's parsers and the region fit. The input is text: up to the
 * first NUL the region (a command line fragment), after it the firmware's RAM as 16-byte
 * little-endian (start, end) pairs; the whole input also goes through the /proc/swaps,
 * mountinfo, fstab, udev record, meminfo, kernel-config and boot-log parsers and the
 * LUKS UUID. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "autoswap.h"
#include "fit.h"
#include "mounts.h"
#include "swaps.h"
#include "system.h"

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void fuzz_fit(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t rlen = nul ? (size_t)(nul - data) : size;
	struct kj_ranges ram = {0};
	char *fitted = NULL;
	uint64_t end;

	for (size_t off = rlen + 1; nul && off + 16 <= size && ram.n < 64; off += 16) {
		uint64_t s = le64(data + off), e = le64(data + off + 8);
		if (s < e && kj_ranges_add(&ram, s, e) < 0)
			break;
	}
	kj_ranges_normalize(&ram);
	if (setup_fit_region((const char *)data, rlen, &ram, &fitted, &end) == 0) {
		/* a fitted region is never empty and always names its end */
		if (!fitted || strncmp(fitted, "memmap=exactmap memmap=", 23) ||
		    !strstr(fitted, " mem="))
			abort();
	}
	free(fitted);
	kj_ranges_free(&ram);
}

static void fuzz_mounts(const char *s, size_t size)
{
	struct setup_mount *m = NULL;
	size_t n = 0;

	if (setup_mountinfo_parse(s, size, &m, &n) < 0)
		return;
	for (size_t i = 0; i < n; i++)
		/* NUL-terminated fields, and only a /dev/ source is ever unsafe */
		if (strnlen(m[i].source, sizeof(m[i].source)) == sizeof(m[i].source) ||
		    (setup_mount_unsafe(&m[i]) && strncmp(m[i].source, "/dev/", 5)))
			abort();
	free(m);
}

static void fuzz_fstab(const char *s, size_t size)
{
	struct setup_fstab_swap *v = NULL;
	size_t n = 0;

	if (setup_fstab_swaps(s, size, &v, &n) == 0) {
		/* a spec is never empty, and always NUL-terminated */
		for (size_t i = 0; i < n; i++)
			if (!v[i].spec[0] ||
			    strnlen(v[i].spec, sizeof(v[i].spec)) == sizeof(v[i].spec))
				abort();
		free(v);
	}
	if (setup_udev_gpt_autoswap(s, size) > 0 &&
	    !memmem(s, size, "E:ID_PART_ENTRY_SCHEME=gpt", 26))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct setup_swap *e = NULL;
	size_t n = 0, i;
	uint64_t kib;
	char *s = malloc(size + 1), u[40];

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = 0;
	fuzz_fit(data, size);
	if (setup_swaps_parse(s, size, &e, &n) == 0) {
		for (i = 0; i < n; i++)
			if (e[i].name[0] != '/')
				abort();
		setup_swap_first_partition(e, n, &i);
		free(e);
	}
	fuzz_mounts(s, size);
	fuzz_fstab(s, size);
	setup_meminfo_used(s, size, &kib);
	setup_config_value(s, size, "CONFIG_KEXEC_JUMP");
	setup_autoinit_from_log(s, size);
	setup_luks_uuid(s, u, sizeof(u));
	free(s);
	return 0;
}
