/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* The device or file that holds a swap area and maybe an image, addressed relative
 * to the swap header page (the image base). */
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "format.h"
#include "root.h"

struct kj_imgdev {
	int fd;
	int direct_fd; /* O_DIRECT twin for cold sequential reads, or -1 */
	uint64_t base; /* byte offset of the swap header page */
	uint64_t size; /* bytes from base to the end of the device/file */
	int writable;
	char path[256];
	uint64_t dev_bytes;    /* whole device/file */
	struct kj_extent *ext; /* swap file extents (file page -> device page), or NULL */
	size_t n_ext;
	int extmap_rc; /* <0: page 0 holds a corrupt extent map: no writes */
	char extmap_err[128];
};
/* A closed device, safe to pass to kj_imgdev_close(): kj_imgdev_open() fills it. */
#define KJ_IMGDEV_CLOSED ((struct kj_imgdev){.fd = -1, .direct_fd = -1})

enum kj_sig_kind {
	KJ_SIG_NONE = 0,    /* not a swap area */
	KJ_SIG_SWAP,	    /* plain swap: no image */
	KJ_SIG_KJUMP,	    /* kjump image signature (commit still to be checked) */
	KJ_SIG_SWSUSP,	    /* Linux's own hibernation image (S1SUSPEND) */
	KJ_SIG_USWSUSP,	    /* uswsusp (ULSUSPEND) */
	KJ_SIG_TUXONICE,    /* TuxOnIce */
	KJ_SIG_OTHER_HIBER, /* LINHIB0001 and other hibernation signatures */
};

int kj_imgdev_open(const char *path, uint64_t offset_pages, int writable, struct kj_imgdev *ret);
void kj_imgdev_close(struct kj_imgdev *d);
/* Address the image through a swap file's extents (validated against the device). */
int kj_imgdev_set_extents(struct kj_imgdev *d, const struct kj_extent *e, size_t n);
int kj_imgdev_pread(struct kj_imgdev *d, uint64_t off, void *buf, size_t len);
/* len bytes at off through the O_DIRECT fd: buf (4096-aligned) receives the pages
 * around them, at least ALIGN_UP((off & 4095) + len, 4096) bytes; *ret_data points at
 * the bytes asked for. -ENODATA past the end, -EINVAL when the device refuses O_DIRECT. */
int kj_imgdev_pread_direct(struct kj_imgdev *d, uint64_t off, size_t len, void *buf,
			   const uint8_t **ret_data);
/* -EUCLEAN while page 0 holds an unusable extent map (until kj_imgdev_set_extents). */
int kj_imgdev_pwrite(struct kj_imgdev *d, uint64_t off, const void *buf, size_t len);
int kj_imgdev_sync(struct kj_imgdev *d);

/* "FILEPAGE:DEVPAGE:COUNT[,...]" (decimal or 0x hex) into at most max extents; merges
 * neighbours that continue each other. -EINVAL malformed, -E2BIG too many. */
int kj_extents_parse(const char *s, struct kj_extent *ret, size_t max, size_t *ret_n);
/* The extents of a file on its block device (FIEMAP), in pages; the device's dev_t in
 * ret_dev. On btrfs, FIEMAP's logical addresses are mapped through the chunk tree and
 * the device is the file system's one block device (its path below root). -EOPNOTSUPP
 * when the filesystem cannot say, -EINVAL for holes, inline, compressed, shared or
 * unaligned extents, which a raw-device writer cannot use, -E2BIG more than max; on
 * btrfs (what the kernel refuses for a swap file, or a map cannot express) -ESTALE a
 * copy-on-write file, -EXDEV more than one device, -EMEDIUMTYPE a chunk profile other
 * than single, -EPERM not allowed to read the chunk tree, -EUCLEAN or -EBADMSG a chunk
 * tree that does not map the file. kj_file_extents_strerror() says which, for a
 * message that follows the file's name. */
int kj_file_extents(const struct kj_root *root, int fd, struct kj_extent *ret, size_t max,
		    size_t *ret_n, dev_t *ret_dev);
const char *kj_file_extents_strerror(int rc);

enum kj_sig_kind kj_sig_classify(const void *page0, size_t size);
const char *kj_sig_kind_to_string(enum kj_sig_kind k);

/* Bytes usable by an image: min(device, swap area). */
uint64_t kj_swap_area_bytes(const struct kj_swap_info *s, uint64_t dev_size);

/* Write a fresh v1 swap header (like mkswap) over size bytes; uuid random. */
int kj_imgdev_mkswap(struct kj_imgdev *d, uint64_t size, const char *label);

/* The status record of a failed save (page 1): write it (error -1 .. -4095, else
 * -EINVAL; flushed to the device unless flush is false: a sync() that follows at once
 * carries it), read it (1 found, 0 none,
 * -EBADMSG corrupt or of another version, with err saying which), clear it. */
int kj_status_write(struct kj_imgdev *d, int error, const char *msg, bool flush);
int kj_status_read(struct kj_imgdev *d, struct kj_status *ret, char *err, size_t errlen);
int kj_status_clear(struct kj_imgdev *d);

/* The reseed record in page 0 (a kept image's): read it (1 found, 0 none, -EBADMSG
 * corrupt, with err saying why), write it (synced). The write leaves every other byte
 * of page 0 as it is, the commit record's sector included. */
int kj_seed_read(struct kj_imgdev *d, struct kj_seed *ret, char *err, size_t errlen);
int kj_seed_write(struct kj_imgdev *d, const struct kj_seed *s);

/* Restore the original swap signature and drop the commit record, the reseed record
 * and the header, synced. Returns 1 when an image signature was removed, 0 when there
 * was none; -EUCLEAN, writing nothing, when page 0 holds an extent map that cannot be
 * used (a swap file whose pages are unknown). Nothing is written outside page 0 and the pages a
 * validated map gives the file; without a map at a nonzero offset the header page is
 * dropped only when it holds a header written there without a map. */
int kj_image_invalidate(struct kj_imgdev *d);
