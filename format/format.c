/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "format.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "crc32c.h"
#include "err.h"
#include "macros.h"

int kj_swap_parse(const void *page, size_t size, struct kj_swap_info *ret, char *err, size_t errlen)
{
	const uint8_t *p = page;
	struct kj_swap_info s = {0};
	uint32_t v;

	if (size < KJ_IMG_PAGE)
		return kj_errf(-EBADMSG, err, errlen, "swap header truncated");
	memcpy(s.sig, p + KJ_SWAP_SIG_OFF, KJ_SIG_LEN);
	memcpy(&v, p + 1024, 4);
	s.version = le32toh(v);
	memcpy(&v, p + 1028, 4);
	s.last_page = le32toh(v);
	memcpy(&v, p + 1032, 4);
	s.nr_badpages = le32toh(v);
	memcpy(s.uuid, p + 1036, 16);
	memcpy(s.label, p + 1052, 16);
	s.label[16] = 0;
	*ret = s;
	return 0;
}

int kj_commit_parse(const void *page, size_t size, struct kj_commit *ret, char *err, size_t errlen)
{
	struct kj_disk_commit d;
	struct kj_commit c;

	if (size < KJ_IMG_PAGE)
		return kj_errf(-EBADMSG, err, errlen, "swap header page truncated");
	memcpy(&d, (const uint8_t *)page + KJ_COMMIT_OFF, sizeof(d));
	if (memcmp(d.magic, KJ_COMMIT_MAGIC, 8))
		return kj_errf(-ENODATA, err, errlen, "no commit record (image incomplete)");
	if (crc32c(0, &d, offsetof(struct kj_disk_commit, crc)) != le32toh(d.crc))
		return kj_errf(-EBADMSG, err, errlen, "commit record checksum mismatch");
	c.image_id = le64toh(d.image_id);
	c.image_end = le64toh(d.image_end);
	c.nr_blocks = le64toh(d.nr_blocks);
	c.header_crc = le32toh(d.header_crc);
	c.blocks_crc = le32toh(d.blocks_crc);
	memcpy(c.orig_sig, d.orig_sig, KJ_SIG_LEN);
	*ret = c;
	return 0;
}

int kj_auth_parse(const void *buf, size_t size, struct kj_auth *ret, char *err, size_t errlen)
{
	struct kj_disk_auth d;
	struct kj_auth a;

	if (size < sizeof(d))
		return kj_errf(-EBADMSG, err, errlen, "auth record truncated");
	memcpy(&d, buf, sizeof(d));
	if (memcmp(d.magic, KJ_AUTH_MAGIC, 8))
		return kj_errf(-EBADMSG, err, errlen,
			       "no auth record where the header says one is");
	if (crc32c(0, &d, offsetof(struct kj_disk_auth, crc)) != le32toh(d.crc))
		return kj_errf(-EBADMSG, err, errlen, "auth record checksum mismatch");
	a.alg = le32toh(d.alg);
	if (a.alg != KJ_AUTH_HMAC_SHA256)
		return kj_errf(-EPROTONOSUPPORT, err, errlen,
			       "image authenticated with unknown "
			       "algorithm %u",
			       a.alg);
	memcpy(a.key_id, d.key_id, sizeof(a.key_id));
	memcpy(a.mac, d.mac, sizeof(a.mac));
	*ret = a;
	return 0;
}

void kj_auth_encode(const struct kj_auth *a, struct kj_disk_auth *out)
{
	memset(out, 0, sizeof(*out));
	memcpy(out->magic, KJ_AUTH_MAGIC, 8);
	out->alg = htole32(a->alg);
	memcpy(out->key_id, a->key_id, sizeof(out->key_id));
	memcpy(out->mac, a->mac, sizeof(out->mac));
	out->crc = htole32(crc32c(0, out, offsetof(struct kj_disk_auth, crc)));
}

static int all_zero(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

int kj_status_parse(const void *buf, size_t size, struct kj_status *ret, char *err, size_t errlen)
{
	struct kj_disk_status d;
	struct kj_status s;
	size_t len;

	if (size < sizeof(d))
		return kj_errf(-EBADMSG, err, errlen, "status record truncated");
	memcpy(&d, buf, sizeof(d));
	if (memcmp(d.magic, KJ_STATUS_MAGIC, 8))
		return kj_errf(-ENODATA, err, errlen, "no status record");
	if (crc32c(0, &d, offsetof(struct kj_disk_status, crc)) != le32toh(d.crc))
		return kj_errf(-EBADMSG, err, errlen,
			       "status record checksum mismatch "
			       "(corrupt, or written by an older kjump)");
	if (le32toh(d.version) != KJ_STATUS_VERSION)
		return kj_errf(-EBADMSG, err, errlen, "status record version %u is not supported",
			       le32toh(d.version));
	s.time = le64toh(d.time);
	s.error = (int32_t)le32toh((uint32_t)d.error);
	if (s.time > INT64_MAX)
		return kj_errf(-EBADMSG, err, errlen, "status record: bad time %llu",
			       (unsigned long long)s.time);
	if (s.error >= 0 || s.error < -KJ_STATUS_MAX_ERRNO)
		return kj_errf(-EBADMSG, err, errlen, "status record: bad error %d", (int)s.error);
	if (d.reserved)
		return kj_errf(-EBADMSG, err, errlen, "status record: reserved field not zero");
	len = strnlen(d.msg, sizeof(d.msg));
	if (len == sizeof(d.msg) || !all_zero(d.msg + len, sizeof(d.msg) - len))
		return kj_errf(-EBADMSG, err, errlen, "status record: message not terminated");
	memcpy(s.msg, d.msg, sizeof(s.msg));
	*ret = s;
	return 0;
}

void kj_status_encode(const struct kj_status *s, struct kj_disk_status *d)
{
	memset(d, 0, sizeof(*d));
	memcpy(d->magic, KJ_STATUS_MAGIC, 8);
	d->version = htole32(KJ_STATUS_VERSION);
	d->error = (int32_t)htole32((uint32_t)s->error);
	d->time = htole64(s->time);
	memcpy(d->msg, s->msg, strnlen(s->msg, sizeof(d->msg) - 1));
	d->crc = htole32(crc32c(0, d, offsetof(struct kj_disk_status, crc)));
}

int kj_seed_parse(const void *buf, size_t size, struct kj_seed *ret, char *err, size_t errlen)
{
	struct kj_disk_seed d;
	struct kj_seed s;

	if (size < sizeof(d))
		return kj_errf(-EBADMSG, err, errlen, "reseed record truncated");
	memcpy(&d, buf, sizeof(d));
	if (memcmp(d.magic, KJ_SEED_MAGIC, 8))
		return kj_errf(-ENODATA, err, errlen, "no reseed record");
	if (crc32c(0, &d, offsetof(struct kj_disk_seed, crc)) != le32toh(d.crc))
		return kj_errf(-EBADMSG, err, errlen, "reseed record checksum mismatch");
	if (le32toh(d.version) != KJ_SEED_VERSION)
		return kj_errf(-EBADMSG, err, errlen, "reseed record version %u is not supported",
			       le32toh(d.version));
	s.state = le32toh(d.state);
	s.image_id = le64toh(d.image_id);
	s.resumes = le64toh(d.resumes);
	s.time = le64toh(d.time);
	memcpy(s.seed, d.seed, sizeof(s.seed));
	if (s.state != KJ_SEED_FRESH && s.state != KJ_SEED_CONSUMED)
		return kj_errf(-EBADMSG, err, errlen, "reseed record: bad state %u", s.state);
	if (!all_zero((const char *)d.reserved, sizeof(d.reserved)) || s.time > INT64_MAX ||
	    (s.state == KJ_SEED_CONSUMED && !all_zero((const char *)d.seed, sizeof(d.seed))))
		return kj_errf(-EBADMSG, err, errlen, "reseed record: a field out of range");
	*ret = s;
	return 0;
}

void kj_seed_encode(const struct kj_seed *s, struct kj_disk_seed *d)
{
	memset(d, 0, sizeof(*d));
	memcpy(d->magic, KJ_SEED_MAGIC, 8);
	d->version = htole32(KJ_SEED_VERSION);
	d->state = htole32(s->state);
	d->image_id = htole64(s->image_id);
	d->resumes = htole64(s->resumes);
	d->time = htole64(s->time);
	if (s->state == KJ_SEED_FRESH)
		memcpy(d->seed, s->seed, sizeof(d->seed));
	d->crc = htole32(crc32c(0, d, offsetof(struct kj_disk_seed, crc)));
}

/* The fixed-size fields, to host order. */
static void header_fields(const struct kj_disk_header *d, struct kj_header *ret)
{
	struct kj_header h = *ret;

	h.page_size = le32toh(d->page_size);
	h.arch = le32toh(d->arch);
	h.compression = le32toh(d->compression);
	h.image_id = le64toh(d->image_id);
	h.created = le64toh(d->created);
	h.entry = le64toh(d->entry);
	h.block_pages = le32toh(d->block_pages);
	h.nr_region = le32toh(d->nr_region);
	h.nr_ranges = le64toh(d->nr_ranges);
	h.total_pages = le64toh(d->total_pages);
	h.data_pages = le64toh(d->data_pages);
	h.nr_blocks = le64toh(d->nr_blocks);
	h.data_off = le64toh(d->data_off);
	h.data_bytes = le64toh(d->data_bytes);
	h.table_off = le64toh(d->table_off);
	h.table_crc = le32toh(d->table_crc);
	h.nr_memmap = le32toh(d->nr_memmap);
	memcpy(h.release, d->release, sizeof(d->release));
	h.release[sizeof(d->release)] = 0;
	memcpy(h.orig_sig, d->orig_sig, KJ_SIG_LEN);
	*ret = h;
}

/* Sizes and places: every count consistent, every area inside the image and in order. */
static int header_geometry(const struct kj_disk_header *d, struct kj_header *ret, char *err,
			   size_t errlen)
{
	struct kj_header h = *ret;
	uint64_t blocks, table_bytes, data_end;

	if (h.page_size != KJ_IMG_PAGE)
		return kj_errf(-EPROTONOSUPPORT, err, errlen, "page size %u is not supported",
			       h.page_size);
	if (h.compression > KJ_COMP_LZO)
		return kj_errf(-EPROTONOSUPPORT, err, errlen, "unknown compression %u",
			       h.compression);
	if (h.block_pages == 0 || h.block_pages > KJ_MAX_BLOCK_PAGES)
		return kj_errf(-EBADMSG, err, errlen, "bad block size (%u pages)", h.block_pages);
	if (h.nr_region > KJ_MAX_REGION || h.nr_memmap > KJ_MAX_MEMMAP)
		return kj_errf(-EBADMSG, err, errlen, "bad region or memory map count");
	h.nr_extents = le64toh(d->nr_extents);
	h.index_off = le64toh(d->index_off);
	if (h.nr_extents > KJ_EXTMAP_MAX)
		return kj_errf(-EBADMSG, err, errlen, "bad extent count");
	if (h.data_pages > h.total_pages || h.total_pages > (UINT64_MAX >> KJ_PAGE_SHIFT))
		return kj_errf(-EBADMSG, err, errlen, "bad page counts");
	blocks = h.data_pages / h.block_pages + (h.data_pages % h.block_pages != 0);
	if (blocks != h.nr_blocks)
		return kj_errf(-EBADMSG, err, errlen, "block count %llu does not match %llu pages",
			       (unsigned long long)h.nr_blocks, (unsigned long long)h.data_pages);
	if (h.data_off != KJ_DATA_OFF || !kj_add_ok(h.data_off, h.data_bytes, &data_end) ||
	    h.table_off < data_end || h.table_off % KJ_IMG_PAGE ||
	    __builtin_mul_overflow(h.nr_ranges, sizeof(struct kj_disk_range), &table_bytes) ||
	    !kj_add_ok(h.table_off, table_bytes, &table_bytes) || h.nr_ranges == 0)
		return kj_errf(-EBADMSG, err, errlen, "bad data or range table location");
	/* The block index follows the range table directly. */
	if (h.index_off != table_bytes ||
	    __builtin_mul_overflow(h.nr_blocks, sizeof(struct kj_disk_block), &blocks) ||
	    !kj_add_ok(h.index_off, blocks, &blocks))
		return kj_errf(-EBADMSG, err, errlen, "bad block index location");
	if (h.data_bytes < h.nr_blocks * sizeof(struct kj_disk_block))
		return kj_errf(-EBADMSG, err, errlen, "data size too small for its blocks");
	*ret = h;
	return 0;
}

/* The region, the firmware map and the EFI runtime map: every entry non-empty. */
static int header_arrays(const struct kj_disk_header *d, struct kj_header *ret, char *err,
			 size_t errlen)
{
	struct kj_header h = *ret;

	for (uint32_t i = 0; i < h.nr_region; i++) {
		h.region[i].start = le64toh(d->region[i].start);
		h.region[i].end = le64toh(d->region[i].end);
		if (h.region[i].end <= h.region[i].start)
			return kj_errf(-EBADMSG, err, errlen, "bad region entry %u", i);
	}
	for (uint32_t i = 0; i < h.nr_memmap; i++) {
		h.memmap[i].start = le64toh(d->memmap[i].start);
		h.memmap[i].end = le64toh(d->memmap[i].end);
		h.memmap[i].type = le32toh(d->memmap[i].type);
		if (h.memmap[i].end <= h.memmap[i].start)
			return kj_errf(-EBADMSG, err, errlen, "bad memory map entry %u", i);
	}
	if (h.compat_flags & KJ_COMPAT_FILTER) {
		h.filter.state = le32toh(d->filter.state);
		h.filter.mode = le32toh(d->filter.mode);
		h.filter.free_pages = le64toh(d->filter.free_pages);
		h.filter.offline_pages = le64toh(d->filter.offline_pages);
		h.filter.poison_pages = le64toh(d->filter.poison_pages);
		h.filter.a_free_pages = le64toh(d->filter.a_free_pages);
		memcpy(h.filter.reason, d->filter.reason, sizeof(d->filter.reason));
		if (h.filter.state > KJ_FILTER_OFF || h.filter.mode > KJ_FILTER_ZERO)
			return kj_errf(-EBADMSG, err, errlen, "bad page filter record");
	}
	if (h.compat_flags & KJ_COMPAT_EFI_RT) {
		h.nr_efi_rt = le32toh(d->nr_efi_rt);
		h.efi_rt_crc = le32toh(d->efi_rt_crc);
		for (uint32_t i = 0; i < h.nr_efi_rt && i < KJ_MAX_EFI_RT; i++) {
			h.efi_rt[i].type = le32toh(d->efi_rt[i].type);
			h.efi_rt[i].phys = le64toh(d->efi_rt[i].phys);
			h.efi_rt[i].virt = le64toh(d->efi_rt[i].virt);
			h.efi_rt[i].pages = le64toh(d->efi_rt[i].pages);
			if (h.efi_rt[i].pages == 0 ||
			    h.efi_rt[i].pages > (UINT64_MAX - h.efi_rt[i].phys) >> KJ_PAGE_SHIFT)
				return kj_errf(-EBADMSG, err, errlen,
					       "bad EFI runtime map entry %u", i);
		}
	}
	*ret = h;
	return 0;
}

int kj_header_parse(const void *buf, size_t size, struct kj_header *ret, char *err, size_t errlen)
{
	const struct kj_disk_header *d = buf;
	struct kj_header h = {0};
	int rc;

	if (size < sizeof(*d))
		return kj_errf(-EBADMSG, err, errlen, "header truncated");
	if (memcmp(d->magic, KJ_IMG_MAGIC, 8))
		return kj_errf(-EBADMSG, err, errlen, "header magic missing");
	h.header_crc = le32toh(d->header_crc);
	if (crc32c(0, d, offsetof(struct kj_disk_header, header_crc)) != h.header_crc)
		return kj_errf(-EBADMSG, err, errlen, "header checksum mismatch");
	h.version_major = le16toh(d->version_major);
	h.version_minor = le16toh(d->version_minor);
	h.incompat_flags = le32toh(d->incompat_flags);
	h.compat_flags = le32toh(d->compat_flags);
	if (h.version_major != KJ_VERSION_MAJOR)
		return kj_errf(-EPROTONOSUPPORT, err, errlen,
			       "format version %u.%u is not supported (this kjump reads %u.x)",
			       h.version_major, h.version_minor, KJ_VERSION_MAJOR);
	if (h.incompat_flags & ~KJ_INCOMPAT_KNOWN)
		return kj_errf(-EPROTONOSUPPORT, err, errlen,
			       "image uses features unknown to this kjump (incompat 0x%x)",
			       h.incompat_flags);
	header_fields(d, &h);
	if ((rc = header_geometry(d, &h, err, errlen)) < 0 ||
	    (rc = header_arrays(d, &h, err, errlen)) < 0)
		return rc;
	*ret = h;
	return 0;
}

int kj_block_parse(const void *buf, size_t size, uint32_t block_pages, struct kj_block *ret,
		   char *err, size_t errlen)
{
	struct kj_disk_block d;
	struct kj_block b;

	if (size < sizeof(d))
		return kj_errf(-EBADMSG, err, errlen, "block header truncated");
	memcpy(&d, buf, sizeof(d));
	if (le32toh(d.magic) != KJ_BLOCK_MAGIC)
		return kj_errf(-EBADMSG, err, errlen, "block magic missing");
	if (crc32c(0, &d, offsetof(struct kj_disk_block, hdr_crc)) != le32toh(d.hdr_crc))
		return kj_errf(-EBADMSG, err, errlen, "block header checksum mismatch");
	b.flags = le32toh(d.flags);
	b.raw_len = le32toh(d.raw_len);
	b.stored_len = le32toh(d.stored_len);
	b.first_page = le64toh(d.first_page);
	b.data_crc = le32toh(d.data_crc);
	if (b.flags & ~KJ_BLOCK_LZO)
		return kj_errf(-EBADMSG, err, errlen, "unknown block flags 0x%x", b.flags);
	if (b.raw_len == 0 || b.raw_len % KJ_IMG_PAGE ||
	    b.raw_len > (uint64_t)block_pages * KJ_IMG_PAGE)
		return kj_errf(-EBADMSG, err, errlen, "bad block length %u", b.raw_len);
	if (b.flags & KJ_BLOCK_LZO ? b.stored_len == 0 || b.stored_len > kj_lzo_bound(b.raw_len)
				   : b.stored_len != b.raw_len)
		return kj_errf(-EBADMSG, err, errlen, "bad stored length %u", b.stored_len);
	*ret = b;
	return 0;
}

int kj_range_parse(const void *buf, size_t size, uint64_t *ret_pfn, uint64_t *ret_npages,
		   uint32_t *ret_flags)
{
	struct kj_disk_range d;
	uint64_t pfn, n, end;

	if (size < sizeof(d))
		return -EBADMSG;
	memcpy(&d, buf, sizeof(d));
	pfn = le64toh(d.start_pfn);
	n = le64toh(d.npages);
	if (n == 0 || le32toh(d.flags) & ~KJ_RANGE_ZERO || d.reserved || !kj_add_ok(pfn, n, &end) ||
	    end > (UINT64_MAX >> KJ_PAGE_SHIFT))
		return -EBADMSG;
	*ret_pfn = pfn;
	*ret_npages = n;
	*ret_flags = le32toh(d.flags);
	return 0;
}

void kj_header_encode(const struct kj_header *h, struct kj_disk_header *d)
{
	memset(d, 0, sizeof(*d));
	memcpy(d->magic, KJ_IMG_MAGIC, 8);
	d->version_major = htole16(h->version_major);
	d->version_minor = htole16(h->version_minor);
	d->incompat_flags = htole32(h->incompat_flags);
	d->compat_flags = htole32(h->compat_flags);
	d->page_size = htole32(h->page_size);
	d->arch = htole32(h->arch);
	d->compression = htole32(h->compression);
	d->image_id = htole64(h->image_id);
	d->created = htole64(h->created);
	d->entry = htole64(h->entry);
	d->block_pages = htole32(h->block_pages);
	d->nr_region = htole32(h->nr_region);
	d->nr_ranges = htole64(h->nr_ranges);
	d->total_pages = htole64(h->total_pages);
	d->data_pages = htole64(h->data_pages);
	d->nr_blocks = htole64(h->nr_blocks);
	d->data_off = htole64(h->data_off);
	d->data_bytes = htole64(h->data_bytes);
	d->table_off = htole64(h->table_off);
	d->table_crc = htole32(h->table_crc);
	d->nr_memmap = htole32(h->nr_memmap);
	d->nr_extents = htole64(h->nr_extents);
	d->index_off = htole64(h->index_off);
	memcpy(d->release, h->release, strnlen(h->release, sizeof(d->release)));
	memcpy(d->orig_sig, h->orig_sig, KJ_SIG_LEN);
	for (uint32_t i = 0; i < h->nr_region && i < KJ_MAX_REGION; i++) {
		d->region[i].start = htole64(h->region[i].start);
		d->region[i].end = htole64(h->region[i].end);
	}
	for (uint32_t i = 0; i < h->nr_memmap && i < KJ_MAX_MEMMAP; i++) {
		d->memmap[i].start = htole64(h->memmap[i].start);
		d->memmap[i].end = htole64(h->memmap[i].end);
		d->memmap[i].type = htole32(h->memmap[i].type);
	}
	if (h->compat_flags & KJ_COMPAT_FILTER) {
		d->filter.state = htole32(h->filter.state);
		d->filter.mode = htole32(h->filter.mode);
		d->filter.free_pages = htole64(h->filter.free_pages);
		d->filter.offline_pages = htole64(h->filter.offline_pages);
		d->filter.poison_pages = htole64(h->filter.poison_pages);
		d->filter.a_free_pages = htole64(h->filter.a_free_pages);
		memcpy(d->filter.reason, h->filter.reason,
		       strnlen(h->filter.reason, sizeof(d->filter.reason)));
	}
	if (h->compat_flags & KJ_COMPAT_EFI_RT) {
		d->nr_efi_rt = htole32(h->nr_efi_rt);
		d->efi_rt_crc = htole32(h->efi_rt_crc);
		for (uint32_t i = 0; i < h->nr_efi_rt && i < KJ_MAX_EFI_RT; i++) {
			d->efi_rt[i].type = htole32(h->efi_rt[i].type);
			d->efi_rt[i].phys = htole64(h->efi_rt[i].phys);
			d->efi_rt[i].virt = htole64(h->efi_rt[i].virt);
			d->efi_rt[i].pages = htole64(h->efi_rt[i].pages);
		}
	}
	d->header_crc = htole32(crc32c(0, d, offsetof(struct kj_disk_header, header_crc)));
}

void kj_commit_encode(const struct kj_commit *c, struct kj_disk_commit *d)
{
	memset(d, 0, sizeof(*d));
	memcpy(d->magic, KJ_COMMIT_MAGIC, 8);
	d->image_id = htole64(c->image_id);
	d->image_end = htole64(c->image_end);
	d->nr_blocks = htole64(c->nr_blocks);
	d->header_crc = htole32(c->header_crc);
	d->blocks_crc = htole32(c->blocks_crc);
	memcpy(d->orig_sig, c->orig_sig, KJ_SIG_LEN);
	d->crc = htole32(crc32c(0, d, offsetof(struct kj_disk_commit, crc)));
}

void kj_block_encode(const struct kj_block *b, struct kj_disk_block *d)
{
	d->magic = htole32(KJ_BLOCK_MAGIC);
	d->flags = htole32(b->flags);
	d->raw_len = htole32(b->raw_len);
	d->stored_len = htole32(b->stored_len);
	d->first_page = htole64(b->first_page);
	d->data_crc = htole32(b->data_crc);
	d->hdr_crc = htole32(crc32c(0, d, offsetof(struct kj_disk_block, hdr_crc)));
}

void kj_range_encode(uint64_t pfn, uint64_t npages, uint32_t flags, struct kj_disk_range *d)
{
	d->start_pfn = htole64(pfn);
	d->npages = htole64(npages);
	d->flags = htole32(flags);
	d->reserved = 0;
}

int kj_extmap_parse(const void *page, size_t size, uint64_t base_page, struct kj_extent *ret,
		    size_t *ret_n, char *err, size_t errlen)
{
	const uint8_t *p = page;
	struct kj_disk_extmap m;
	uint64_t next = 0;

	if (size < KJ_IMG_PAGE)
		return kj_errf(-EBADMSG, err, errlen, "swap header page truncated");
	memcpy(&m, p + KJ_EXTMAP_OFF, sizeof(m));
	if (memcmp(m.magic, KJ_EXTMAP_MAGIC, 8)) {
		*ret_n = 0;
		return 0;
	}
	if (le32toh(m.nr) == 0 || le32toh(m.nr) > KJ_EXTMAP_MAX)
		return kj_errf(-EBADMSG, err, errlen, "extent map: bad count");
	if (crc32c(0, p + KJ_EXTMAP_OFF + sizeof(m),
		   le32toh(m.nr) * sizeof(struct kj_disk_extent)) != le32toh(m.crc))
		return kj_errf(-EBADMSG, err, errlen, "extent map checksum mismatch");
	for (uint32_t i = 0; i < le32toh(m.nr); i++) {
		struct kj_disk_extent d;
		uint64_t end;
		memcpy(&d, p + KJ_EXTMAP_OFF + sizeof(m) + i * sizeof(d), sizeof(d));
		ret[i].file_page = le32toh(d.file_page);
		ret[i].count = le32toh(d.count);
		ret[i].dev_page = le64toh(d.dev_page);
		if (ret[i].file_page != next || ret[i].count == 0 ||
		    !kj_add_ok(ret[i].dev_page, ret[i].count, &end) ||
		    end > (UINT64_MAX >> KJ_PAGE_SHIFT))
			return kj_errf(-EBADMSG, err, errlen, "extent map entry %u is invalid", i);
		next += ret[i].count;
	}
	if (ret[0].dev_page != base_page)
		return kj_errf(-EBADMSG, err, errlen,
			       "extent map does not start at resume_offset (%llu != %llu)",
			       (unsigned long long)ret[0].dev_page, (unsigned long long)base_page);
	*ret_n = le32toh(m.nr);
	return 0;
}

void kj_extmap_encode(const struct kj_extent *e, size_t n, void *page)
{
	uint8_t *p = page;
	struct kj_disk_extmap m;

	memset(p + KJ_EXTMAP_OFF, 0, sizeof(m) + KJ_EXTMAP_MAX * sizeof(struct kj_disk_extent));
	if (n == 0)
		return;
	for (size_t i = 0; i < n; i++) {
		struct kj_disk_extent d = {htole32((uint32_t)e[i].file_page),
					   htole32((uint32_t)e[i].count), htole64(e[i].dev_page)};
		memcpy(p + KJ_EXTMAP_OFF + sizeof(m) + i * sizeof(d), &d, sizeof(d));
	}
	memcpy(m.magic, KJ_EXTMAP_MAGIC, 8);
	m.nr = htole32((uint32_t)n);
	m.crc =
	    htole32(crc32c(0, p + KJ_EXTMAP_OFF + sizeof(m), n * sizeof(struct kj_disk_extent)));
	memcpy(p + KJ_EXTMAP_OFF, &m, sizeof(m));
}

const char *kj_disk_time(uint64_t secs, char *buf, size_t size)
{
	time_t t = (time_t)secs;
	struct tm tm;

	if (secs <= INT64_MAX && gmtime_r(&t, &tm) &&
	    strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm) > 0)
		return buf;
	snprintf(buf, size, "%" PRIu64 " (seconds since 1970, not a valid date)", secs);
	return buf;
}
