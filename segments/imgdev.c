/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "imgdev.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macros.h"

int kj_imgdev_open(const char *path, uint64_t offset_pages, int writable,
		   struct kj_imgdev *ret)
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
	snprintf(d.path, sizeof(d.path), "%s", path);
	/* O_DIRECT is optional: tmpfs and some filesystems refuse it. */
	d.direct_fd = open(path, O_RDONLY | O_DIRECT | O_CLOEXEC);
	*ret = d;
	return 0;
fail_errno:;
	int rc = -errno;
	close(d.fd);
	return rc;
}

void kj_imgdev_close(struct kj_imgdev *d)
{
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
		ssize_t n = pread(d->fd, p, len, (off_t)(d->base + off));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -ENODATA;
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

int kj_imgdev_pwrite(struct kj_imgdev *d, uint64_t off, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint64_t end;

	if (!kj_add_ok(off, len, &end) || end > d->size)
		return -ENOSPC;
	while (len) {
		ssize_t n = pwrite(d->fd, p, len, (off_t)(d->base + off));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

int kj_imgdev_sync(struct kj_imgdev *d) { return fsync(d->fd) < 0 ? -errno : 0; }

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

int kj_image_invalidate(struct kj_imgdev *d)
{
	uint8_t page[KJ_IMG_PAGE], hdr[KJ_IMG_PAGE];
	struct kj_commit c;
	struct kj_header h;
	const uint8_t *orig = (const uint8_t *)KJ_SWAP_SIG;
	int rc;

	rc = kj_imgdev_pread(d, 0, page, sizeof(page));
	if (rc < 0)
		return rc;
	if (kj_sig_classify(page, sizeof(page)) != KJ_SIG_KJUMP &&
	    memcmp(page + KJ_COMMIT_OFF, KJ_COMMIT_MAGIC, 8))
		return 0;
	/* The original signature: from the commit record, else the header, else the
	 * only one a v1 swap area can have had. */
	if (kj_commit_parse(page, sizeof(page), &c, NULL, 0) == 0 && sig_is_swap(c.orig_sig))
		orig = c.orig_sig;
	else if (kj_imgdev_pread(d, KJ_HEADER_OFF, hdr, sizeof(hdr)) == 0 &&
		 kj_header_parse(hdr, sizeof(hdr), &h, NULL, 0) == 0 && sig_is_swap(h.orig_sig))
		orig = h.orig_sig;
	memmove(page + KJ_SWAP_SIG_OFF, orig, KJ_SIG_LEN);
	memset(page + KJ_COMMIT_OFF, 0, sizeof(struct kj_disk_commit));
	rc = kj_imgdev_pwrite(d, 0, page, sizeof(page));
	if (rc < 0)
		return rc;
	rc = kj_imgdev_sync(d);
	if (rc < 0)
		return rc;
	/* The signature is what matters; dropping the header is tidiness. */
	memset(hdr, 0, sizeof(hdr));
	if (kj_imgdev_pwrite(d, KJ_HEADER_OFF, hdr, sizeof(hdr)) == 0)
		(void)kj_imgdev_sync(d);
	return 1;
}
