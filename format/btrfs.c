/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "btrfs.h"

#include <endian.h>
#include <errno.h>
#include <limits.h>
#include <linux/btrfs.h>
#include <linux/btrfs_tree.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "macros.h"

/* The search results' layout: a search header (the kernel's, in the CPU's byte order:
 * little-endian, as kjump is x86_64 only), then the item as it is on disk
 * (little-endian): a chunk item is 48 bytes and one 32-byte stripe per stripe. */
#define SH_SIZE		 32
#define SH_OBJECTID	 8
#define SH_OFFSET	 16
#define SH_TYPE		 24
#define SH_LEN		 28
#define CHUNK_FIXED	 48
#define CHUNK_LENGTH	 0
#define CHUNK_TYPE	 24
#define CHUNK_NSTRIPES	 44
#define STRIPE_SIZE	 32
#define STRIPE_DEVID	 0
#define STRIPE_OFFSET	 8
#define SEARCH_MAX_ITEMS 4096u

_Static_assert(sizeof(struct btrfs_ioctl_search_header) == SH_SIZE, "search header");
_Static_assert(offsetof(struct btrfs_ioctl_search_header, objectid) == SH_OBJECTID, "");
_Static_assert(offsetof(struct btrfs_ioctl_search_header, offset) == SH_OFFSET, "");
_Static_assert(offsetof(struct btrfs_ioctl_search_header, type) == SH_TYPE, "");
_Static_assert(offsetof(struct btrfs_ioctl_search_header, len) == SH_LEN, "");
_Static_assert(offsetof(struct btrfs_chunk, stripe) == CHUNK_FIXED, "chunk item");
_Static_assert(offsetof(struct btrfs_chunk, length) == CHUNK_LENGTH, "");
_Static_assert(offsetof(struct btrfs_chunk, type) == CHUNK_TYPE, "");
_Static_assert(offsetof(struct btrfs_chunk, num_stripes) == CHUNK_NSTRIPES, "");
_Static_assert(sizeof(struct btrfs_stripe) == STRIPE_SIZE, "stripe");
_Static_assert(offsetof(struct btrfs_stripe, devid) == STRIPE_DEVID, "");
_Static_assert(offsetof(struct btrfs_stripe, offset) == STRIPE_OFFSET, "");

static uint64_t get_le64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return le64toh(v);
}

static uint32_t get_le32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return le32toh(v);
}

static uint16_t get_le16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, sizeof(v));
	return le16toh(v);
}

/* One chunk item (len bytes at p) whose key offset is start. */
static int chunk_parse(const uint8_t *p, uint32_t len, uint64_t start, struct kj_btrfs_chunk *ret)
{
	uint64_t end;
	uint16_t ns;

	if (len < CHUNK_FIXED + STRIPE_SIZE)
		return -EBADMSG;
	ns = get_le16(p + CHUNK_NSTRIPES);
	if (ns == 0 || len != CHUNK_FIXED + (uint32_t)ns * STRIPE_SIZE)
		return -EBADMSG;
	*ret = (struct kj_btrfs_chunk){
	    .start = start,
	    .length = get_le64(p + CHUNK_LENGTH),
	    .type = get_le64(p + CHUNK_TYPE),
	    .num_stripes = ns,
	    .devid = get_le64(p + CHUNK_FIXED + STRIPE_DEVID),
	    .physical = get_le64(p + CHUNK_FIXED + STRIPE_OFFSET),
	};
	if (ret->length == 0 || !kj_add_ok(start, ret->length, &end))
		return -EBADMSG;
	return 0;
}

int kj_btrfs_chunks_parse(const void *buf, size_t size, uint32_t nr_items,
			  struct kj_btrfs_chunk *ret, size_t max, size_t *ret_n, uint64_t *ret_last)
{
	const uint8_t *p = buf;
	size_t off = 0, n = 0;
	uint64_t last = 0;

	for (uint32_t i = 0; i < nr_items; i++) {
		uint64_t objectid, key;
		uint32_t type, len;
		int rc;

		if (size - off < SH_SIZE)
			return -EBADMSG;
		objectid = get_le64(p + off + SH_OBJECTID);
		key = get_le64(p + off + SH_OFFSET);
		type = get_le32(p + off + SH_TYPE);
		len = get_le32(p + off + SH_LEN);
		off += SH_SIZE;
		if (len > size - off)
			return -EBADMSG;
		if (objectid == BTRFS_FIRST_CHUNK_TREE_OBJECTID && type == BTRFS_CHUNK_ITEM_KEY) {
			if (n == max)
				return -E2BIG;
			if ((rc = chunk_parse(p + off, len, key, &ret[n])) < 0)
				return rc;
			n++;
		}
		last = key;
		off += len;
	}
	*ret_n = n;
	*ret_last = last;
	return 0;
}

int kj_btrfs_map(const struct kj_btrfs *b, uint64_t logical, uint64_t len, uint64_t *ret_physical,
		 uint64_t *ret_len)
{
	const struct kj_btrfs_chunk *c;
	size_t lo = 0, hi = b->n_chunk;
	uint64_t delta, phys;

	while (lo < hi) { /* lo: the first chunk that starts after logical */
		size_t mid = lo + (hi - lo) / 2;
		if (b->chunk[mid].start <= logical)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return -EUCLEAN;
	c = &b->chunk[lo - 1];
	delta = logical - c->start;
	if (delta >= c->length)
		return -EUCLEAN;
	if ((c->type & BTRFS_BLOCK_GROUP_PROFILE_MASK) || c->num_stripes != 1)
		return -EMEDIUMTYPE;
	if (c->devid != b->devid)
		return -EXDEV;
	if (!kj_add_ok(c->physical, delta, &phys))
		return -EUCLEAN;
	*ret_physical = phys;
	*ret_len = MIN(len, c->length - delta);
	return 0;
}

/* Room for more chunks in b: at least want free entries. */
static int chunks_reserve(struct kj_btrfs *b, size_t *cap, size_t want)
{
	struct kj_btrfs_chunk *p;

	if (*cap - b->n_chunk >= want)
		return 0;
	if (want > SIZE_MAX / sizeof(*p) - b->n_chunk)
		return -ENOMEM;
	p = realloc(b->chunk, (b->n_chunk + want) * sizeof(*p));
	if (!p)
		return -ENOMEM;
	b->chunk = p;
	*cap = b->n_chunk + want;
	return 0;
}

/* Every chunk item of the chunk tree, in key order: one search after another, each
 * going on after the last key the one before returned. */
static int load_chunks(int fd, struct kj_btrfs *b)
{
	struct btrfs_ioctl_search_args args;
	uint64_t next = 0;
	size_t cap = 0;

	for (;;) {
		size_t n, first = b->n_chunk;
		uint64_t last;
		int rc;

		memset(&args, 0, sizeof(args));
		args.key.tree_id = BTRFS_CHUNK_TREE_OBJECTID;
		args.key.min_objectid = args.key.max_objectid = BTRFS_FIRST_CHUNK_TREE_OBJECTID;
		args.key.min_type = args.key.max_type = BTRFS_CHUNK_ITEM_KEY;
		args.key.min_offset = next;
		args.key.max_offset = UINT64_MAX;
		args.key.max_transid = UINT64_MAX;
		args.key.nr_items = SEARCH_MAX_ITEMS;
		if (ioctl(fd, BTRFS_IOC_TREE_SEARCH, &args) < 0)
			return -errno;
		if (args.key.nr_items == 0)
			break;
		if (args.key.nr_items > SEARCH_MAX_ITEMS)
			return -EBADMSG;
		if ((rc = chunks_reserve(b, &cap, args.key.nr_items)) < 0)
			return rc;
		rc = kj_btrfs_chunks_parse(args.buf, sizeof(args.buf), args.key.nr_items,
					   b->chunk + first, cap - first, &n, &last);
		if (rc < 0)
			return rc;
		b->n_chunk += n;
		for (size_t i = first ? first : 1; i < b->n_chunk; i++)
			if (b->chunk[i].start <= b->chunk[i - 1].start ||
			    b->chunk[i].start - b->chunk[i - 1].start < b->chunk[i - 1].length)
				return -EBADMSG; /* out of order, or overlapping */
		if (last < next)
			return -EBADMSG; /* a search must go forward */
		if (last == UINT64_MAX)
			break;
		next = last + 1;
	}
	return 0;
}

/* The file system's one device: its devid, and its block device's number (the path the
 * file system gives for it, looked at below root). */
static int load_device(const struct kj_root *root, int fd, struct kj_btrfs *b)
{
	struct btrfs_ioctl_fs_info_args fi;
	struct btrfs_ioctl_dev_info_args di;
	char p[PATH_MAX];
	struct stat st;

	memset(&fi, 0, sizeof(fi));
	if (ioctl(fd, BTRFS_IOC_FS_INFO, &fi) < 0)
		return -errno;
	if (fi.num_devices != 1)
		return -EXDEV;
	for (uint64_t id = 1; id <= fi.max_id; id++) {
		memset(&di, 0, sizeof(di));
		di.devid = id;
		if (ioctl(fd, BTRFS_IOC_DEV_INFO, &di) < 0) {
			if (errno == ENODEV)
				continue; /* an id no device has (any more) */
			return -errno;
		}
		di.path[sizeof(di.path) - 1] = 0;
		if (di.path[0] != '/')
			return -ENODEV; /* a missing device */
		if (kj_root_path(root, (const char *)di.path, p, sizeof(p)) < 0)
			return -ENAMETOOLONG;
		if (stat(p, &st) < 0)
			return -errno;
		if (!S_ISBLK(st.st_mode))
			return -ENOTBLK;
		b->devid = id;
		b->dev = st.st_rdev;
		return 0;
	}
	return -ENODEV;
}

int kj_btrfs_load(const struct kj_root *root, int fd, struct kj_btrfs *ret)
{
	struct kj_btrfs b = {0};
	int rc;

	if ((rc = load_device(root, fd, &b)) < 0 || (rc = load_chunks(fd, &b)) < 0) {
		kj_btrfs_free(&b);
		return rc;
	}
	*ret = b;
	return 0;
}

void kj_btrfs_free(struct kj_btrfs *b)
{
	free(b->chunk);
	b->chunk = NULL;
	b->n_chunk = 0;
}

int kj_btrfs_check_nocow(int fd)
{
	int attr = 0;

	if (ioctl(fd, FS_IOC_GETFLAGS, &attr) < 0)
		return -errno;
	return attr & FS_NOCOW_FL ? 0 : -ESTALE;
}
