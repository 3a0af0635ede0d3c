/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "imgdev.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "btrfs.h"
#include "crc32c.h"
#include "io.h"
#include "macros.h"
#include "ranges.h"

int kj_imgdev_open(const char *path, uint64_t offset_pages, int writable, struct kj_imgdev *ret)
{
	struct kj_imgdev d = {.fd = -1, .direct_fd = -1, .writable = writable};
	struct stat st;
	uint64_t total;

	if (offset_pages > (UINT64_MAX >> KJ_PAGE_SHIFT))
		return -EINVAL;
	d.fd = open(path, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (d.fd < 0)
		return -errno;
	if (fstat(d.fd, &st) < 0)
		goto fail_errno;
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(d.fd, BLKGETSIZE64, &total) < 0)
			goto fail_errno;
	} else if (S_ISREG(st.st_mode)) {
		total = (uint64_t)st.st_size;
	} else {
		close(d.fd);
		return -ENOTBLK;
	}
	d.base = offset_pages << KJ_PAGE_SHIFT;
	d.size = total > d.base ? total - d.base : 0;
	d.dev_bytes = total;
	snprintf(d.path, sizeof(d.path), "%s", path);
	/* O_DIRECT is optional: tmpfs and some filesystems refuse it. */
	d.direct_fd = open(path, O_RDONLY | O_DIRECT | O_CLOEXEC);
	{
		/* A swap file's image is addressed through the extent map in its page 0. */
		uint8_t page[KJ_IMG_PAGE];
		struct kj_extent e[KJ_EXTMAP_MAX];
		size_t n = 0;
		if (kj_imgdev_pread(&d, 0, page, sizeof(page)) == 0) {
			d.extmap_rc = kj_extmap_parse(page, sizeof(page), offset_pages, e, &n,
						      d.extmap_err, sizeof(d.extmap_err));
			if (d.extmap_rc == 0 && n &&
			    (d.extmap_rc = kj_imgdev_set_extents(&d, e, n)) < 0)
				snprintf(d.extmap_err, sizeof(d.extmap_err),
					 "extent map points past the end of the device");
		}
	}
	*ret = d;
	return 0;
fail_errno:;
	int rc = -errno;
	close(d.fd);
	return rc;
}

int kj_imgdev_set_extents(struct kj_imgdev *d, const struct kj_extent *e, size_t n)
{
	struct kj_extent *copy;
	uint64_t next = 0;

	uint64_t dev_pages = d->dev_bytes >> KJ_PAGE_SHIFT;

	if (n == 0 || e[0].dev_page > dev_pages || e[0].dev_page << KJ_PAGE_SHIFT != d->base)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (e[i].file_page != next || e[i].count == 0 || e[i].dev_page > dev_pages ||
		    e[i].count > dev_pages - e[i].dev_page)
			return -EINVAL;
		next += e[i].count;
	}
	copy = malloc(n * sizeof(*copy));
	if (!copy)
		return -ENOMEM;
	memcpy(copy, e, n * sizeof(*copy));
	free(d->ext);
	d->ext = copy;
	d->n_ext = n;
	d->size = next << KJ_PAGE_SHIFT;
	d->extmap_rc = 0; /* validated extents replace whatever page 0 held */
	d->extmap_err[0] = 0;
	return 0;
}

/* Device offset of image offset off, and how many bytes follow contiguously. */
static void map_off(const struct kj_imgdev *d, uint64_t off, uint64_t *ret_dev,
		    uint64_t *ret_contig)
{
	size_t lo = 0, hi = d->n_ext;
	uint64_t page = off >> KJ_PAGE_SHIFT;

	if (!d->ext) {
		*ret_dev = d->base + off;
		*ret_contig = d->size - off;
		return;
	}
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (d->ext[mid].file_page <= page)
			lo = mid;
		else
			hi = mid;
	}
	*ret_dev = (d->ext[lo].dev_page << KJ_PAGE_SHIFT) +
		   (off - (d->ext[lo].file_page << KJ_PAGE_SHIFT));
	*ret_contig = ((d->ext[lo].file_page + d->ext[lo].count) << KJ_PAGE_SHIFT) - off;
}

/* Up to len bytes at off (one extent at most), through the O_DIRECT fd when direct and
 * available: bytes read, 0 at the end, -errno. */
static ssize_t kj_imgdev_read_some(struct kj_imgdev *d, uint64_t off, void *buf, size_t len,
				   int direct)
{
	uint64_t dev, contig;

	if (off >= d->size)
		return 0;
	map_off(d, off, &dev, &contig);
	len = (size_t)MIN((uint64_t)len, contig);
	return kj_loop_pread(direct && d->direct_fd >= 0 ? d->direct_fd : d->fd, buf, len, dev);
}

void kj_imgdev_close(struct kj_imgdev *d)
{
	free(d->ext);
	d->ext = NULL;
	if (d->fd >= 0)
		close(d->fd);
	if (d->direct_fd >= 0)
		close(d->direct_fd);
	d->fd = d->direct_fd = -1;
}

int kj_imgdev_pread(struct kj_imgdev *d, uint64_t off, void *buf, size_t len)
{
	uint8_t *p = buf;
	uint64_t end;

	if (!kj_add_ok(off, len, &end) || end > d->size)
		return -ENODATA; /* beyond the device: truncated image */
	while (len) {
		ssize_t n = kj_imgdev_read_some(d, off, p, len, 0);
		if (n < 0)
			return (int)n;
		if (n == 0)
			return -ENODATA;
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

int kj_imgdev_pread_direct(struct kj_imgdev *d, uint64_t off, size_t len, void *buf,
			   const uint8_t **ret_data)
{
	uint64_t start = ALIGN_DOWN(off, KJ_PAGE_SIZE), end;
	size_t want = (size_t)(off - start) + len, cap = (size_t)ALIGN_UP(want, KJ_PAGE_SIZE),
	       got = 0;
	uint8_t *p = buf;

	if (!kj_add_ok(off, len, &end) || end > d->size)
		return -ENODATA;
	if (d->direct_fd < 0)
		return -EINVAL;
	while (got < want) {
		ssize_t n = kj_imgdev_read_some(d, start + got, p + got, cap - got, 1);
		if (n < 0)
			return (int)n;
		if (n == 0)
			return -ENODATA;
		got += (size_t)n;
		if ((n & (KJ_PAGE_SIZE - 1)) && got < want) {
			/* a short read off the page grid: the rest through the page cache */
			int rc = kj_imgdev_pread(d, start + got, p + got, want - got);
			if (rc < 0)
				return rc;
			break;
		}
	}
	*ret_data = p + (off - start);
	return 0;
}

int kj_imgdev_pwrite(struct kj_imgdev *d, uint64_t off, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint64_t end;

	if (d->extmap_rc < 0)
		return -EUCLEAN; /* where the swap file's pages lie is unknown: never write */
	if (!kj_add_ok(off, len, &end) || end > d->size)
		return -ENOSPC;
	while (len) { /* one extent of a swap file at a time */
		uint64_t dev, contig;
		size_t n;
		int rc;
		map_off(d, off, &dev, &contig);
		n = (size_t)MIN((uint64_t)len, contig);
		if ((rc = kj_loop_pwrite(d->fd, p, n, dev)) < 0)
			return rc;
		p += n;
		off += n;
		len -= n;
	}
	return 0;
}

int kj_imgdev_sync(struct kj_imgdev *d)
{
	return fsync(d->fd) < 0 ? -errno : 0;
}

enum kj_sig_kind kj_sig_classify(const void *page0, size_t size)
{
	static const uint8_t toi[8] = {0xed, 0xc3, 0x02, 0xe9, 0x98, 0x56, 0xe5, 0x0c};
	const char *sig;

	if (size < KJ_IMG_PAGE)
		return KJ_SIG_NONE;
	sig = (const char *)page0 + KJ_SWAP_SIG_OFF;
	if (!memcmp(page0, toi, sizeof(toi)))
		return KJ_SIG_TUXONICE;
	if (!memcmp(sig, KJ_SWAP_SIG, 10) || !memcmp(sig, "SWAP-SPACE", 10))
		return KJ_SIG_SWAP;
	if (!memcmp(sig, KJ_IMAGE_SIG, 10))
		return KJ_SIG_KJUMP;
	if (!memcmp(sig, "S1SUSPEND", 9))
		return KJ_SIG_SWSUSP;
	if (!memcmp(sig, "ULSUSPEND", 9))
		return KJ_SIG_USWSUSP;
	if (!memcmp(sig, "LINHIB0001", 10))
		return KJ_SIG_OTHER_HIBER;
	return KJ_SIG_NONE;
}

const char *kj_sig_kind_to_string(enum kj_sig_kind k)
{
	switch (k) {
	case KJ_SIG_SWAP: return "swap area without an image";
	case KJ_SIG_KJUMP: return "kjump image";
	case KJ_SIG_SWSUSP: return "Linux hibernation image (S1SUSPEND)";
	case KJ_SIG_USWSUSP: return "uswsusp image (ULSUSPEND)";
	case KJ_SIG_TUXONICE: return "TuxOnIce image";
	case KJ_SIG_OTHER_HIBER: return "hibernation image of another tool";
	case KJ_SIG_NONE: break;
	}
	return "not a swap area";
}

uint64_t kj_swap_area_bytes(const struct kj_swap_info *s, uint64_t dev_size)
{
	uint64_t area = ((uint64_t)s->last_page + 1) << KJ_PAGE_SHIFT;
	return MIN(area, dev_size);
}

int kj_imgdev_mkswap(struct kj_imgdev *d, uint64_t size, const char *label)
{
	uint8_t page[KJ_IMG_PAGE] = {0};
	uint32_t v;
	uint64_t pages = size >> KJ_PAGE_SHIFT;
	int rc;

	if (pages < 10 || pages - 1 > UINT32_MAX)
		return -EINVAL;
	v = htole32(1);
	memcpy(page + 1024, &v, 4);
	v = htole32((uint32_t)(pages - 1));
	memcpy(page + 1028, &v, 4);
	if (getrandom(page + 1036, 16, 0) != 16)
		return -EIO;
	page[1036 + 6] = (page[1036 + 6] & 0x0f) | 0x40; /* RFC 4122 version 4 */
	page[1036 + 8] = (page[1036 + 8] & 0x3f) | 0x80;
	if (label)
		strncpy((char *)page + 1052, label, 16);
	memcpy(page + KJ_SWAP_SIG_OFF, KJ_SWAP_SIG, KJ_SIG_LEN);
	if (d->size < size) {
		struct stat st;
		if (fstat(d->fd, &st) < 0)
			return -errno;
		if (!S_ISREG(st.st_mode))
			return -ENOSPC;
		if (ftruncate(d->fd, (off_t)(d->base + size)) < 0)
			return -errno;
		d->size = size;
	}
	rc = kj_imgdev_pwrite(d, 0, page, sizeof(page));
	return rc < 0 ? rc : kj_imgdev_sync(d);
}

static int sig_is_swap(const uint8_t *s)
{
	return !memcmp(s, KJ_SWAP_SIG, 10) || !memcmp(s, "SWAP-SPACE", 10);
}

/* The header page (page 1) belongs to the swap area: the whole device is the area, a
 * validated extent map places it, or the header found there says that its image was
 * written without a map (contiguously, so by the writer at exactly that page). */
static int header_page_is_ours(const struct kj_imgdev *d, const struct kj_header *h, int have_h)
{
	return d->base == 0 || d->n_ext > 0 || (have_h && h->nr_extents == 0);
}

int kj_image_invalidate(struct kj_imgdev *d)
{
	uint8_t page[KJ_IMG_PAGE], hdr[KJ_IMG_PAGE];
	struct kj_commit c;
	struct kj_header h;
	const uint8_t *orig = (const uint8_t *)KJ_SWAP_SIG;
	int rc, have_h;

	rc = kj_imgdev_pread(d, 0, page, sizeof(page));
	if (rc < 0)
		return rc;
	if (kj_sig_classify(page, sizeof(page)) != KJ_SIG_KJUMP &&
	    memcmp(page + KJ_COMMIT_OFF, KJ_COMMIT_MAGIC, 8))
		return 0;
	if (d->extmap_rc < 0)
		return -EUCLEAN; /* a swap file whose pages are unknown: write nothing */
	have_h = kj_imgdev_pread(d, KJ_HEADER_OFF, hdr, sizeof(hdr)) == 0 &&
		 kj_header_parse(hdr, sizeof(hdr), &h, NULL, 0) == 0;
	/* The original signature: from the commit record, else the header, else the
	 * only one a v1 swap area can have had. */
	if (kj_commit_parse(page, sizeof(page), &c, NULL, 0) == 0 && sig_is_swap(c.orig_sig))
		orig = c.orig_sig;
	else if (have_h && sig_is_swap(h.orig_sig))
		orig = h.orig_sig;
	memmove(page + KJ_SWAP_SIG_OFF, orig, KJ_SIG_LEN);
	memset(page + KJ_COMMIT_OFF, 0, sizeof(struct kj_disk_commit));
	memset(page + KJ_SEED_OFF, 0, sizeof(struct kj_disk_seed));
	kj_extmap_encode(NULL, 0, page); /* page 0 as mkswap left it */
	rc = kj_imgdev_pwrite(d, 0, page, sizeof(page));
	if (rc < 0)
		return rc;
	rc = kj_imgdev_sync(d);
	if (rc < 0)
		return rc;
	/* The signature is what matters; dropping the header is tidiness, and only where
	 * the page is known to be the swap area's. */
	if (!header_page_is_ours(d, &h, have_h))
		return 1;
	memset(hdr, 0, sizeof(hdr));
	if (kj_imgdev_pwrite(d, KJ_HEADER_OFF, hdr, sizeof(hdr)) == 0)
		(void)kj_imgdev_sync(d);
	return 1;
}

static int extent_push(struct kj_extent *ret, size_t max, size_t *n, uint64_t fp, uint64_t dp,
		       uint64_t count)
{
	if (*n && ret[*n - 1].file_page + ret[*n - 1].count == fp &&
	    ret[*n - 1].dev_page + ret[*n - 1].count == dp) {
		ret[*n - 1].count += count;
		return 0;
	}
	if (*n == max)
		return -E2BIG;
	ret[(*n)++] = (struct kj_extent){fp, dp, count};
	return 0;
}

int kj_extents_parse(const char *s, struct kj_extent *ret, size_t max, size_t *ret_n)
{
	size_t n = 0;
	const char *p = s;

	while (*p) {
		char tok[96], *a, *b;
		uint64_t fp, dp, c;
		size_t len = strcspn(p, ",");
		int rc;
		if (len == 0 || len >= sizeof(tok))
			return -EINVAL;
		memcpy(tok, p, len);
		tok[len] = 0;
		p += len + (p[len] == ',');
		a = strchr(tok, ':');
		b = a ? strchr(a + 1, ':') : NULL;
		if (!b)
			return -EINVAL;
		*a = *b = 0;
		if (kj_parse_u64(tok, &fp) < 0 || kj_parse_u64(a + 1, &dp) < 0 ||
		    kj_parse_u64(b + 1, &c) < 0 || c == 0 || fp > UINT32_MAX || c > UINT32_MAX ||
		    dp > (UINT64_MAX >> KJ_PAGE_SHIFT) - c)
			return -EINVAL; /* pages, so that byte offsets never overflow */
		if ((rc = extent_push(ret, max, &n, fp, dp, c)) < 0)
			return rc;
	}
	if (n == 0)
		return -EINVAL;
	*ret_n = n;
	return 0;
}

/* One FIEMAP extent, len bytes of the file at file_off whose address is addr: its
 * device pages (on btrfs, addr is a logical address, mapped chunk by chunk). */
static int push_mapped(const struct kj_btrfs *bt, struct kj_extent *ret, size_t max, size_t *n,
		       uint64_t file_off, uint64_t addr, uint64_t len)
{
	while (len) {
		uint64_t phys = addr, run = len;
		int rc;
		if (bt && (rc = kj_btrfs_map(bt, addr, len, &phys, &run)) < 0)
			return rc;
		if (phys % KJ_PAGE_SIZE || run % KJ_PAGE_SIZE)
			return -EINVAL; /* not on the device's page grid */
		if ((rc = extent_push(ret, max, n, file_off >> KJ_PAGE_SHIFT, phys >> KJ_PAGE_SHIFT,
				      run >> KJ_PAGE_SHIFT)) < 0)
			return rc;
		file_off += run;
		addr += run;
		len -= run;
	}
	return 0;
}

/* On btrfs: the file is nocow, and bt its file system's device and chunks. 1 on btrfs,
 * 0 elsewhere, -errno. */
static int btrfs_setup(const struct kj_root *root, int fd, struct kj_btrfs *bt)
{
	struct statfs sfs;
	int rc;

	if (fstatfs(fd, &sfs) < 0)
		return -errno;
	if ((uint32_t)sfs.f_type != KJ_BTRFS_MAGIC)
		return 0;
	if ((rc = kj_btrfs_check_nocow(fd)) < 0 || (rc = kj_btrfs_load(root, fd, bt)) < 0)
		return rc;
	return 1;
}

int kj_file_extents(const struct kj_root *root, int fd, struct kj_extent *ret, size_t max,
		    size_t *ret_n, dev_t *ret_dev)
{
	enum { BATCH = 64 };
	struct kj_btrfs bt = {0};
	struct stat st;
	struct fiemap *fm = NULL;
	uint64_t start = 0, expect = 0;
	size_t n = 0;
	int rc = 0, last = 0, on_btrfs;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if ((on_btrfs = btrfs_setup(root, fd, &bt)) < 0)
		return on_btrfs;
	fm = calloc(1, sizeof(*fm) + BATCH * sizeof(struct fiemap_extent));
	if (!fm) {
		rc = -ENOMEM;
		goto out;
	}
	while (!last && start < (uint64_t)st.st_size) {
		memset(fm, 0, sizeof(*fm));
		fm->fm_start = start;
		fm->fm_length = (uint64_t)st.st_size - start;
		fm->fm_flags = FIEMAP_FLAG_SYNC;
		fm->fm_extent_count = BATCH;
		if (ioctl(fd, FS_IOC_FIEMAP, fm) < 0) {
			rc = errno == ENOTTY || errno == EOPNOTSUPP ? -EOPNOTSUPP : -errno;
			goto out;
		}
		if (fm->fm_mapped_extents == 0)
			break;
		for (unsigned i = 0; i < fm->fm_mapped_extents; i++) {
			struct fiemap_extent *e = &fm->fm_extents[i];
			const unsigned bad = FIEMAP_EXTENT_UNKNOWN | FIEMAP_EXTENT_DELALLOC |
					     FIEMAP_EXTENT_ENCODED | FIEMAP_EXTENT_DATA_ENCRYPTED |
					     FIEMAP_EXTENT_NOT_ALIGNED | FIEMAP_EXTENT_DATA_INLINE |
					     FIEMAP_EXTENT_DATA_TAIL | FIEMAP_EXTENT_SHARED;
			uint64_t len = MIN(e->fe_length, (uint64_t)st.st_size - e->fe_logical);
			if ((e->fe_flags & bad) || e->fe_logical != expect ||
			    e->fe_logical % KJ_PAGE_SIZE) {
				rc = -EINVAL; /* a hole, or bytes the device does not hold as is */
				goto out;
			}
			if ((rc = push_mapped(on_btrfs ? &bt : NULL, ret, max, &n, e->fe_logical,
					      e->fe_physical, ALIGN_DOWN(len, KJ_PAGE_SIZE))) < 0)
				goto out;
			expect = e->fe_logical + e->fe_length;
			start = expect;
			if (e->fe_flags & FIEMAP_EXTENT_LAST)
				last = 1;
		}
	}
	if (n == 0 || expect < (uint64_t)st.st_size) {
		rc = -EINVAL;
		goto out;
	}
	*ret_n = n;
	*ret_dev = on_btrfs ? bt.dev : st.st_dev;
out:
	free(fm);
	kj_btrfs_free(&bt);
	return rc;
}

const char *kj_file_extents_strerror(int rc)
{
	switch (rc) {
	case -E2BIG: return "too fragmented for a kjump image (defragment it)";
	case -EOPNOTSUPP: return "the filesystem does not report extents (FIEMAP)";
	case -EINVAL:
		return "it has holes or extents the raw device does not hold as is (inline, "
		       "compressed, shared, unaligned)";
	case -ESTALE:
		return "it is copy-on-write on btrfs: a swap file there must be nocow (chattr +C "
		       "on the empty file, or btrfs filesystem mkswapfile)";
	case -EXDEV:
		return "its btrfs has more than one device: a swap file needs a single-device "
		       "btrfs";
	case -EMEDIUMTYPE:
		return "it lies in btrfs chunks whose profile is not single (DUP or RAID: more "
		       "than one copy): a swap file needs the single data profile";
	case -EPERM: return "reading btrfs's chunk tree needs root (CAP_SYS_ADMIN)";
	case -EUCLEAN: return "btrfs's chunk tree does not map its extents";
	case -EBADMSG: return "btrfs's chunk tree reads back malformed";
	}
	return strerror(-rc);
}

int kj_status_write(struct kj_imgdev *d, int error, const char *msg, bool flush)
{
	uint8_t page[KJ_IMG_PAGE] = {0};
	struct kj_status st = {.time = (uint64_t)time(NULL), .error = error};
	struct kj_disk_status disk;
	int rc;

	if (error >= 0 || error < -KJ_STATUS_MAX_ERRNO || st.time > INT64_MAX)
		return -EINVAL; /* never a record kj_status_parse() refuses */
	/* Only into a plain swap area: never over an image or someone else's data. */
	rc = kj_imgdev_pread(d, 0, page, sizeof(page));
	if (rc < 0)
		return rc;
	if (kj_sig_classify(page, sizeof(page)) != KJ_SIG_SWAP)
		return -EMEDIUMTYPE;
	memset(page, 0, sizeof(page));
	snprintf(st.msg, sizeof(st.msg), "%s", msg);
	kj_status_encode(&st, &disk);
	memcpy(page, &disk, sizeof(disk));
	rc = kj_imgdev_pwrite(d, KJ_HEADER_OFF, page, sizeof(page));
	return rc < 0 || !flush ? rc : kj_imgdev_sync(d);
}

int kj_status_read(struct kj_imgdev *d, struct kj_status *ret, char *err, size_t errlen)
{
	struct kj_disk_status disk;
	int rc = kj_imgdev_pread(d, KJ_HEADER_OFF, &disk, sizeof(disk));

	if (rc == 0)
		rc = kj_status_parse(&disk, sizeof(disk), ret, err, errlen);
	if (rc == -ENODATA)
		return 0; /* no record, or a device too small to hold one */
	return rc < 0 ? rc : 1;
}

int kj_status_clear(struct kj_imgdev *d)
{
	uint8_t page[KJ_IMG_PAGE] = {0};
	int rc = kj_imgdev_pwrite(d, KJ_HEADER_OFF, page, sizeof(page));
	return rc < 0 ? rc : kj_imgdev_sync(d);
}

int kj_seed_read(struct kj_imgdev *d, struct kj_seed *ret, char *err, size_t errlen)
{
	struct kj_disk_seed disk;
	int rc = kj_imgdev_pread(d, KJ_SEED_OFF, &disk, sizeof(disk));

	if (rc == 0)
		rc = kj_seed_parse(&disk, sizeof(disk), ret, err, errlen);
	if (rc == -ENODATA)
		return 0;
	return rc < 0 ? rc : 1;
}

int kj_seed_write(struct kj_imgdev *d, const struct kj_seed *s)
{
	struct kj_disk_seed disk;
	int rc;

	kj_seed_encode(s, &disk);
	rc = kj_imgdev_pwrite(d, KJ_SEED_OFF, &disk, sizeof(disk));
	explicit_bzero(&disk, sizeof(disk));
	return rc < 0 ? rc : kj_imgdev_sync(d);
}
