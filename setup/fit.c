/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "fit.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "macros.h"
#include "region.h"

#define LOW_MEM (1ull << 20)

int setup_region_end(const char *region, size_t size, uint64_t *ret_end)
{
	uint64_t end = 0;
	int rc = kj_region_end_from_cmdline(region, size, &end);

	if (rc < 0)
		return rc;
	if (rc == 0 || end == 0)
		return -EINVAL;
	*ret_end = end;
	return 0;
}

struct fit {
	struct kj_ranges pieces;
	uint64_t *held;
	size_t n_held, cap_held;
};

/* One region range [ps, pe) against one firmware RAM range [fs, fe_incl]. */
static int fit_one(struct fit *f, uint64_t ps, uint64_t pe, uint64_t fs, uint64_t fl, uint64_t rend)
{
	/* a RAM range ending inside the region: without its last (or partial) page */
	uint64_t fe = fl < rend ? ALIGN_DOWN(fl, KJ_PAGE_SIZE) : fl + 1;
	uint64_t lo = ALIGN_UP(MAX(fs, ps), KJ_PAGE_SIZE),
		 hi = ALIGN_DOWN(MIN(fe, pe), KJ_PAGE_SIZE);

	if (hi > lo && kj_ranges_add(&f->pieces, lo, hi) < 0)
		return -ENOMEM;
	/* the dropped page, when it is a whole RAM page above 1 MiB in this range:
	 * reserved (not busy, so /dev/mem reads it even with IO_STRICT_DEVMEM) */
	if (fl < rend && (fl + 1) % KJ_PAGE_SIZE == 0 && fe >= LOW_MEM && fe >= ps && fe < pe) {
		if (KJ_GROW(f->held, f->n_held, f->cap_held, 8) < 0)
			return -ENOMEM;
		f->held[f->n_held++] = fe;
	}
	return 0;
}

static int print_fitted(const struct fit *f, uint64_t rend, char **ret)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (!m)
		return -ENOMEM;
	fputs("memmap=exactmap", m);
	for (size_t i = 0; i < f->pieces.n; i++)
		fprintf(m, " memmap=%" PRIu64 "K@0x%" PRIx64,
			(f->pieces.r[i].end - f->pieces.r[i].start) / 1024, f->pieces.r[i].start);
	for (size_t i = 0; i < f->n_held; i++)
		fprintf(m, " memmap=4K$0x%" PRIx64, f->held[i]);
	fprintf(m, " mem=%" PRIu64 "K", rend / 1024);
	if (fclose(m) != 0) {
		free(buf);
		return -ENOMEM;
	}
	*ret = buf;
	return 0;
}

int setup_fit_region(const char *region, size_t size, const struct kj_ranges *fw_ram,
		     char **ret_fitted, uint64_t *ret_end)
{
	_cleanup_ranges_ struct kj_ranges ram = {0};
	struct fit f = {0};
	uint64_t rend;
	int rc = setup_region_end(region, size, &rend);

	if (rc < 0)
		return rc;
	if ((rc = kj_region_from_cmdline(region, size, &ram)) < 0)
		return rc;
	for (size_t i = 0; rc >= 0 && i < ram.n; i++)
		for (size_t j = 0; rc >= 0 && j < fw_ram->n; j++)
			if (fw_ram->r[j].end > fw_ram->r[j].start)
				rc = fit_one(&f, ram.r[i].start, ram.r[i].end, fw_ram->r[j].start,
					     fw_ram->r[j].end - 1, rend);
	if (rc >= 0) {
		kj_ranges_normalize(&f.pieces);
		rc = f.pieces.n ? print_fitted(&f, rend, ret_fitted) : -EINVAL;
	}
	if (rc >= 0)
		*ret_end = rend;
	kj_ranges_free(&f.pieces);
	free(f.held);
	return rc < 0 ? rc : 0;
}
