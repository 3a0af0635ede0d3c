/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "filter.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amem.h"
#include "ctlpage.h"
#include "log.h"
#include "macros.h"
#include "scan.h"
#include "vmcoreinfo.h"

struct settings {
	uint64_t note_pa, note_size;
	int asked, off, zero;
};

static int mem_read(void *ctx, uint64_t pa, void *buf, size_t len)
{
	struct kj_backend *be = ctx;
	return be->ops->read(be, pa, buf, len);
}

/* kjump.vmcoreinfo=0xADDR@0xSIZE (as /sys/kernel/vmcoreinfo says, size in hex). */
static int parse_vmci(const char *v, struct settings *s)
{
	char a[32], b[32];
	size_t n = strcspn(v, "@");

	if (n == 0 || n >= sizeof(a) || !v[n] || strlen(v + n + 1) >= sizeof(b))
		return -EINVAL;
	memcpy(a, v, n);
	a[n] = 0;
	snprintf(b, sizeof(b), "%s", v + n + 1);
	if (kj_parse_u64(a, &s->note_pa) < 0 || kj_parse_u64(b, &s->note_size) < 0 ||
	    s->note_size < 24 || s->note_size > 2 * KJ_VMCI_MAX_TEXT)
		return -EINVAL;
	return 0;
}

static void read_settings(const struct save_system *sys, const char *opt, struct settings *s,
			  char *err, size_t errlen)
{
	char v[128];

	if (save_system_cmdline(sys, "kjump.filter", v, sizeof(v)) && !strcmp(v, "off")) {
		s->off = 1;
		snprintf(err, errlen, "turned off (kjump.filter=off)");
	}
	if (save_system_cmdline(sys, "kjump.free", v, sizeof(v)))
		s->zero = !strcmp(v, "zero");
	if (opt || save_system_cmdline(sys, "kjump.vmcoreinfo", v, sizeof(v))) {
		s->asked = 1;
		if (parse_vmci(opt ? opt : v, s) < 0 && !s->off) {
			s->off = 1;
			snprintf(err, errlen, "malformed kjump.vmcoreinfo=%.60s", opt ? opt : v);
		}
	}
}

/* A's memory, its note and the scan. 0 with the excluded pages, or <0 with err. */
static int scan(const struct save_system *sys, struct kj_backend *mem, uint64_t entry,
		const struct kj_ranges *ranges, const struct settings *set, struct kj_ranges *ret,
		struct kj_filter_stats *st, char *err, size_t errlen)
{
	_cleanup_ranges_ struct kj_ranges own = {0}, fw = {0};
	struct kj_vmci *v = calloc(1, sizeof(*v));
	struct kj_amem am = {0};
	uint8_t *note = malloc(set->note_size);
	enum kj_head_how how;
	int rc;

	if (!v || !note) {
		rc = -ENOMEM;
		goto out;
	}
	if ((rc = save_system_ram(sys, &own)) < 0 || (rc = save_system_fw_ram(sys, &fw)) < 0) {
		snprintf(err, errlen, "cannot read the memory maps");
		goto out;
	}
	kj_ranges_page_align(&own, KJ_PAGE_SIZE);
	if ((rc = kj_ctlpage_open_amem(&am, mem_read, mem, entry, &own, &fw, &how, err, errlen)) <
	    0)
		goto out;
	log_notice("page filter: the hibernated kernel's kexec list %s",
		   how == KJ_HEAD_DECODED ? "found by decoding its jump-back code"
					  : "found by a scan of its control page");
	if ((rc = kj_amem_read(&am, set->note_pa, note, set->note_size)) < 0 ||
	    (rc = kj_vmci_parse_note(note, set->note_size, v)) < 0) {
		snprintf(err, errlen, "no VMCOREINFO note at 0x%llx",
			 (unsigned long long)set->note_pa);
		goto out;
	}
	rc = kj_filter_scan(&am, v, ranges, ret, st, err, errlen);
out:
	kj_amem_free(&am);
	free(note);
	free(v);
	return rc;
}

static void record(struct kj_write_opts *wo, uint32_t state, int zero,
		   const struct kj_filter_stats *st, const char *err)
{
	struct kj_filter_record *f = &wo->filter;

	wo->have_filter = 1;
	f->state = state;
	f->mode = zero ? KJ_FILTER_ZERO : KJ_FILTER_OMIT;
	if (st) {
		f->free_pages = st->free;
		f->offline_pages = st->offline;
		f->poison_pages = st->poison;
		f->a_free_pages = st->a_free_known ? st->a_free : 0;
	}
	snprintf(f->reason, sizeof(f->reason), "%.88s", err ? err : "");
}

void save_filter_run(const struct save_system *sys, struct kj_backend *mem, uint64_t entry,
		     const struct kj_ranges *ranges, const char *cmdline_vmci,
		     struct kj_write_opts *wo, struct save_filter *ret)
{
	struct settings set = {0};
	struct kj_filter_stats st = {0};
	char err[160] = "";
	uint64_t total = kj_ranges_total(ranges);

	*ret = (struct save_filter){0};
	read_settings(sys, cmdline_vmci, &set, err, sizeof(err));
	if (!set.asked && !set.off)
		return; /* nobody handed us a VMCOREINFO: today's save, nothing recorded */
	if (!set.off &&
	    scan(sys, mem, entry, ranges, &set, &ret->excluded, &st, err, sizeof(err)) == 0) {
		ret->zero = set.zero;
		record(wo, KJ_FILTER_ON, set.zero, &st, NULL);
		log_notice("page filter: %s %llu MiB of free pages (%llu MiB of them held for B's "
			   "region; %llu offline, %llu poisoned pages) of %llu MiB; the hibernated "
			   "kernel counts %llu MiB free",
			   set.zero ? "zeroing" : "leaving out", (unsigned long long)(st.free >> 8),
			   (unsigned long long)(st.region_free >> 8),
			   (unsigned long long)st.offline, (unsigned long long)st.poison,
			   (unsigned long long)(total >> 20), (unsigned long long)(st.a_free >> 8));
		return;
	}
	kj_ranges_free(&ret->excluded);
	record(wo, KJ_FILTER_OFF, set.zero, NULL, err);
	log_warning("page filter off: %s; saving all %llu MiB", err,
		    (unsigned long long)(total >> 20));
}

void save_filter_free(struct save_filter *f)
{
	kj_ranges_free(&f->excluded);
}
