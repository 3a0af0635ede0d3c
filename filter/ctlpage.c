/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ctlpage.h"

#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "macros.h"

/* include/linux/kexec.h */
#define IND_INDIRECTION 2u
#define IND_FLAGS	0xfu
#define MAX_INSNS	8 /* relocate_kernel loads %rdi within its first four instructions */

static int32_t rel32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return (int32_t)le32toh(v);
}

/* The code after relocate_kernel's `call *%rdx` (its jump-back entry), up to the load
 * of %rdi, in the only forms relocate_kernel_64.S has written it:
 *   6.1-6.13: mov (%rsp),%rbp; lea rel(%rip),%r8 (the page); mov d(%r8),%r10;
 *             mov d(%r8),%rdi
 *   6.14-:    pop %rbp; mov rel(%rip),%r10; mov rel(%rip),%rdi
 * Offsets are page offsets: the code runs from the control page it decodes. */
int kj_ctlpage_decode_head(const uint8_t *page, size_t size, size_t entry_off, size_t *ret_off)
{
	int64_t ip = (int64_t)entry_off, r8 = -1, head = -1;

	if (!page || size < 16 || size > KJ_PAGE_SIZE)
		return -EINVAL;
	if (entry_off < 2 || entry_off >= size || page[entry_off - 2] != 0xff ||
	    page[entry_off - 1] != 0xd2)
		return -ENOEXEC; /* not right after `call *%rdx` */
	for (int n = 0; n < MAX_INSNS && head < 0; n++) {
		const uint8_t *p = page + ip;
		int64_t left = (int64_t)size - ip, next = ip + 7;

		if (left >= 1 && p[0] == 0x5d) { /* pop %rbp */
			ip += 1;
			continue;
		}
		if (left >= 4 && !memcmp(p, "\x48\x8b\x2c\x24", 4)) { /* mov (%rsp),%rbp */
			ip += 4;
			continue;
		}
		if (left < 7)
			return -ENOEXEC;
		if (!memcmp(p, "\x4c\x8d\x05", 3)) /* lea rel(%rip),%r8 */
			r8 = next + rel32(p + 3);
		else if (!memcmp(p, "\x4d\x8b\x90", 3) || !memcmp(p, "\x4c\x8b\x15", 3))
			; /* mov d(%r8),%r10 or mov rel(%rip),%r10: the swap page */
		else if (!memcmp(p, "\x49\x8b\xb8", 3) && r8 >= 0) /* mov d(%r8),%rdi */
			head = r8 + rel32(p + 3);
		else if (!memcmp(p, "\x48\x8b\x3d", 3)) /* mov rel(%rip),%rdi */
			head = next + rel32(p + 3);
		else
			return -ENOEXEC;
		ip = next;
	}
	if (head < 0 || head % 8 || head + 8 > (int64_t)size)
		return -ENOEXEC; /* not found, or not a qword of this page */
	*ret_off = (size_t)head;
	return 0;
}

/* Every indirection entry of the page whose list passes the checks: exactly one list
 * (the same head may stand twice: a register saved on the page's stack). */
static int scan_heads(struct kj_amem *m, kj_phys_read_fn read, void *ctx, const uint64_t *q,
		      const struct kj_ranges *b_ram, const struct kj_ranges *a_ram, char *err,
		      size_t errlen)
{
	uint64_t found = 0;

	for (size_t i = 0; i < KJ_PAGE_SIZE / 8; i++) {
		uint64_t v = le64toh(q[i]);
		struct kj_amem t;

		if ((v & IND_FLAGS) != IND_INDIRECTION || v == found ||
		    kj_amem_init(&t, read, ctx, v, b_ram, a_ram, NULL, 0) < 0)
			continue;
		if (found) {
			kj_amem_free(&t);
			kj_amem_free(m);
			return kj_errf(-EBADMSG, err, errlen,
				       "the control page holds two kexec lists "
				       "that pass every check (0x%llx, 0x%llx)",
				       (unsigned long long)found, (unsigned long long)v);
		}
		*m = t;
		found = v;
	}
	if (!found)
		return kj_errf(-EBADMSG, err, errlen,
			       "unknown code at the jump-back entry, and no "
			       "kexec list in its page passes the checks");
	return 0;
}

int kj_ctlpage_open_amem(struct kj_amem *m, kj_phys_read_fn read, void *ctx, uint64_t entry,
			 const struct kj_ranges *b_ram, const struct kj_ranges *a_ram,
			 enum kj_head_how *ret_how, char *err, size_t errlen)
{
	_cleanup_free_ uint64_t *q = malloc(KJ_PAGE_SIZE);
	uint64_t cp = ALIGN_DOWN(entry, KJ_PAGE_SIZE), head;
	size_t off;
	int rc;

	if (!q)
		return -ENOMEM;
	if (kj_ranges_contains(b_ram, cp, cp + KJ_PAGE_SIZE) ||
	    !kj_ranges_contains(a_ram, cp, cp + KJ_PAGE_SIZE))
		return kj_errf(-EBADMSG, err, errlen,
			       "the jump-back entry 0x%llx is not in the "
			       "hibernated kernel's RAM outside this kernel's",
			       (unsigned long long)entry);
	if ((rc = read(ctx, cp, q, KJ_PAGE_SIZE)) < 0)
		return kj_errf(rc, err, errlen, "cannot read the hibernated kernel's control page");
	if (kj_ctlpage_decode_head((const uint8_t *)q, KJ_PAGE_SIZE, (size_t)(entry - cp), &off) <
	    0) {
		if ((rc = scan_heads(m, read, ctx, q, b_ram, a_ram, err, errlen)) == 0)
			*ret_how = KJ_HEAD_SCANNED;
		return rc;
	}
	head = le64toh(q[off / 8]);
	if ((rc = kj_amem_init(m, read, ctx, head, b_ram, a_ram, err, errlen)) == 0)
		*ret_how = KJ_HEAD_DECODED;
	return rc;
}
