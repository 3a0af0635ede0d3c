/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* On-disk structures of a kjump image, version 1. docs/FORMAT.md is the reference.
 * All fields are little-endian; access them through le*toh()/htole*(). */
#include <endian.h>
#include <stddef.h>
#include <stdint.h>

#include "efirt.h"

#define KJ_IMG_PAGE	  4096u
#define KJ_IMG_MAGIC	  "KJUMPIMG"
#define KJ_COMMIT_MAGIC	  "KJCOMMIT"
#define KJ_BLOCK_MAGIC	  0x4b424a4bu /* "KJBK" read as little-endian u32 */
#define KJ_VERSION_MAJOR  1
#define KJ_VERSION_MINOR  1
#define KJ_INCOMPAT_MAC	  1u /* authenticated: digest table and auth record after the index */
#define KJ_INCOMPAT_KNOWN KJ_INCOMPAT_MAC
#define KJ_COMPAT_EFI_RT  1u  /* 1.1: the header holds the EFI runtime map */
#define KJ_COMPAT_FILTER  2u  /* 1.1: the header says what the page filter left out */
#define KJ_COMPAT_KEPT	  4u  /* a snapshot: resumed on every boot, never invalidated by it */
#define KJ_ARCH_X86_64	  62u /* EM_X86_64 */

#define KJ_SWAP_SIG_OFF (KJ_IMG_PAGE - 10)
#define KJ_COMMIT_OFF	(KJ_SWAP_SIG_OFF - 64)
#define KJ_SIG_LEN	10
#define KJ_SWAP_SIG	"SWAPSPACE2"
#define KJ_IMAGE_SIG	"S2SUSPEND\0" /* libblkid: TYPE="swsuspend"; the kernel takes S1 */

/* Swap files: the file's extents, in page 0 where the swap bad-page list would be. */
#define KJ_EXTMAP_OFF	1536
#define KJ_EXTMAP_MAGIC "KJEXTMAP"
#define KJ_EXTMAP_MAX	((KJ_COMMIT_OFF - KJ_EXTMAP_OFF - 16) / 16)

#define KJ_HEADER_OFF	       ((uint64_t)KJ_IMG_PAGE)
#define KJ_DATA_OFF	       ((uint64_t)2 * KJ_IMG_PAGE)
#define KJ_MAX_REGION	       16
#define KJ_MAX_MEMMAP	       128
#define KJ_MAX_EFI_RT	       12 /* entries kept in the header; the CRC covers them all */
#define KJ_DEFAULT_BLOCK_PAGES 64
#define KJ_MAX_BLOCK_PAGES     256 /* 1 MiB */

enum kj_compression {
	KJ_COMP_NONE = 0,
	KJ_COMP_LZO = 1,
};

#define KJ_RANGE_ZERO 1u
#define KJ_BLOCK_LZO  1u

/* Swap header v1 fields we read (linux/swap.h union swap_header). */
struct kj_swap_info {
	uint32_t version;
	uint32_t last_page;
	uint32_t nr_badpages;
	uint8_t uuid[16];
	char label[17];
	char sig[KJ_SIG_LEN];
};

struct kj_disk_commit {
	char magic[8];
	uint64_t image_id;
	uint64_t image_end;
	uint64_t nr_blocks;
	uint32_t header_crc;
	uint32_t blocks_crc;
	uint8_t orig_sig[KJ_SIG_LEN];
	uint8_t reserved[10];
	uint32_t crc;
} __attribute__((packed));
_Static_assert(sizeof(struct kj_disk_commit) == 64, "commit record is 64 bytes");
_Static_assert(KJ_COMMIT_OFF / 512 == (KJ_SWAP_SIG_OFF + KJ_SIG_LEN - 1) / 512,
	       "commit record and signature share one sector");

struct kj_disk_extent {
	uint32_t file_page;
	uint32_t count;
	uint64_t dev_page; /* absolute, from the start of the device */
} __attribute__((packed));
_Static_assert(sizeof(struct kj_disk_extent) == 16, "");

struct kj_disk_extmap {
	char magic[8];
	uint32_t nr;
	uint32_t crc; /* CRC32C of the nr entries that follow */
} __attribute__((packed));
_Static_assert(sizeof(struct kj_disk_extmap) == 16, "");
_Static_assert(KJ_EXTMAP_OFF + 16 + KJ_EXTMAP_MAX * 16 <= KJ_COMMIT_OFF, "map fits page 0");

struct kj_extent {
	uint64_t file_page, dev_page, count;
};

struct kj_disk_range_pair {
	uint64_t start, end;
};
_Static_assert(sizeof(struct kj_disk_range_pair) == 16, "");

struct kj_disk_memmap_entry {
	uint64_t start, end;
	uint32_t type;
	uint32_t reserved;
};
_Static_assert(sizeof(struct kj_disk_memmap_entry) == 24, "");

struct kj_disk_efi_rt {
	uint32_t type;
	uint32_t reserved;
	uint64_t phys, virt, pages;
} __attribute__((packed));
_Static_assert(sizeof(struct kj_disk_efi_rt) == 32, "");

/* The page filter's outcome. */
enum kj_filter_state {
	KJ_FILTER_NONE = 0, /* not asked for (no VMCOREINFO): everything saved */
	KJ_FILTER_ON = 1,   /* free, offline, poisoned pages left out (or zeroed) */
	KJ_FILTER_OFF = 2,  /* asked for, but unsafe here: everything saved; reason says why */
};
enum kj_filter_mode { KJ_FILTER_OMIT = 0, KJ_FILTER_ZERO = 1 };

struct kj_disk_filter {
	uint32_t state; /* enum kj_filter_state */
	uint32_t mode;	/* enum kj_filter_mode: free pages left out, or saved as zero */
	uint64_t free_pages, offline_pages, poison_pages;
	uint64_t a_free_pages; /* A's own count of free pages, 0 when unknown */
	char reason[88];
} __attribute__((packed));
_Static_assert(sizeof(struct kj_disk_filter) == 128, "");

/* The same in host order (the header's, and what kjump-save hands the writer). */
struct kj_filter_record {
	uint32_t state, mode; /* enum kj_filter_state, enum kj_filter_mode */
	uint64_t free_pages, offline_pages, poison_pages;
	uint64_t a_free_pages; /* 0 when unknown */
	char reason[89];
};

struct kj_disk_header {
	char magic[8];
	uint16_t version_major;
	uint16_t version_minor;
	uint32_t incompat_flags;
	uint32_t compat_flags;
	uint32_t page_size;
	uint32_t arch;
	uint32_t compression;
	uint64_t image_id;
	uint64_t created;
	uint64_t entry;
	uint32_t block_pages;
	uint32_t nr_region;
	uint64_t nr_ranges;
	uint64_t total_pages;
	uint64_t data_pages;
	uint64_t nr_blocks;
	uint64_t data_off;
	uint64_t data_bytes;
	uint64_t table_off;
	uint32_t table_crc;
	uint32_t nr_memmap;
	char release[80];
	uint8_t orig_sig[16];
	uint64_t nr_extents; /* entries in page 0's extent map, 0 when contiguous */
	uint64_t index_off;  /* block index: a copy of every block header, after the table */
	struct kj_disk_range_pair region[KJ_MAX_REGION];
	struct kj_disk_memmap_entry memmap[KJ_MAX_MEMMAP];
	uint32_t nr_efi_rt;  /* KJ_COMPAT_EFI_RT: runtime regions in the map */
	uint32_t efi_rt_crc; /* CRC32C of all of them as kj_disk_efi_rt records */
	struct kj_disk_efi_rt efi_rt[KJ_MAX_EFI_RT]; /* the first ones */
	struct kj_disk_filter filter;		     /* KJ_COMPAT_FILTER */
	uint8_t reserved[4];
	uint32_t header_crc;
} __attribute__((packed));
_Static_assert(sizeof(struct kj_disk_header) == KJ_IMG_PAGE, "header is one page");
_Static_assert(offsetof(struct kj_disk_header, release) == 128, "");
_Static_assert(offsetof(struct kj_disk_header, region) == 240, "");
_Static_assert(offsetof(struct kj_disk_header, memmap) == 496, "");
_Static_assert(offsetof(struct kj_disk_header, nr_efi_rt) == 3568, "");
_Static_assert(offsetof(struct kj_disk_header, filter) == 3960, "");

struct kj_disk_range {
	uint64_t start_pfn;
	uint64_t npages;
	uint32_t flags;
	uint32_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct kj_disk_range) == 24, "range entry is 24 bytes");

struct kj_disk_block {
	uint32_t magic;
	uint32_t flags;
	uint32_t raw_len;
	uint32_t stored_len;
	uint64_t first_page;
	uint32_t data_crc;
	uint32_t hdr_crc;
} __attribute__((packed));
_Static_assert(sizeof(struct kj_disk_block) == 32, "block header is 32 bytes");

/* Authenticated images (KJ_INCOMPAT_MAC): after the block index, the digest table
 * (SHA-256 of every block's stored bytes, 32 bytes a block, in block order), then this
 * record. docs/FORMAT.md says what the MAC covers. */
#define KJ_AUTH_MAGIC	    "KJAUTH01"
#define KJ_AUTH_HMAC_SHA256 1u
#define KJ_KEY_ID_LEN	    16
#define KJ_MAC_LEN	    32
struct kj_disk_auth {
	char magic[8];
	uint32_t alg; /* KJ_AUTH_HMAC_SHA256 */
	uint32_t reserved;
	uint8_t key_id[KJ_KEY_ID_LEN]; /* which key: HMAC(key, "kjump image key id"), cut */
	uint8_t mac[KJ_MAC_LEN];
	uint8_t reserved2[60];
	uint32_t crc; /* CRC32C of bytes 0-123: corruption, told apart from forgery */
} __attribute__((packed));
_Static_assert(sizeof(struct kj_disk_auth) == 128, "auth record is 128 bytes");
#define KJ_AUTH_MAC_PREFIX offsetof(struct kj_disk_auth, mac) /* what the MAC covers of it */

struct kj_auth {
	uint32_t alg;
	uint8_t key_id[KJ_KEY_ID_LEN];
	uint8_t mac[KJ_MAC_LEN];
};

/* Left in page 1 by a hibernating kernel that could not save, before it jumps back:
 * tells the hibernated kernel why (kjump-image status). Only where no image is.
 * Version 1 (CRC over msg only, no version field) reads as no valid status. */
#define KJ_STATUS_MAGIC	    "KJSTATUS"
#define KJ_STATUS_VERSION   2u
#define KJ_STATUS_MSG_LEN   240
#define KJ_STATUS_MAX_ERRNO 4095 /* error is -1 .. -4095 */
struct kj_disk_status {
	char magic[8];
	uint32_t version;	     /* KJ_STATUS_VERSION */
	int32_t error;		     /* -errno */
	uint64_t time;		     /* seconds since 1970, UTC; at most INT64_MAX */
	char msg[KJ_STATUS_MSG_LEN]; /* NUL-terminated, zero after the NUL */
	uint32_t reserved;	     /* 0 */
	uint32_t crc;		     /* CRC32C of bytes 0-267 */
} __attribute__((packed));
_Static_assert(sizeof(struct kj_disk_status) == 272, "status record is 272 bytes");
_Static_assert(offsetof(struct kj_disk_status, time) == 16, "");
_Static_assert(offsetof(struct kj_disk_status, msg) == 24, "");
_Static_assert(offsetof(struct kj_disk_status, crc) == 268, "");

struct kj_status {
	uint64_t time;
	int32_t error;
	char msg[KJ_STATUS_MSG_LEN]; /* NUL-terminated */
};

/* The reseed record of a kept image (a snapshot), in page 0's swap-header padding:
 * kjump-resume writes fresh entropy there before each jump back, the resumed kernel
 * feeds it to its random generator and wipes it (kjump-image reseed). */
#define KJ_SEED_OFF	 1152 /* in page 0, inside the swap header's padding (1068-1535) */
#define KJ_SEED_MAGIC	 "KJRESEED"
#define KJ_SEED_VERSION	 1u
#define KJ_SEED_LEN	 64
#define KJ_SEED_FRESH	 1u /* the seed is there, for the kernel that runs next */
#define KJ_SEED_CONSUMED 2u /* fed to the kernel and wiped: the count stays */
struct kj_disk_seed {
	char magic[8];
	uint32_t version;	   /* KJ_SEED_VERSION */
	uint32_t state;		   /* KJ_SEED_FRESH or KJ_SEED_CONSUMED */
	uint64_t image_id;	   /* the kept image's */
	uint64_t resumes;	   /* this resume's number, from 1 */
	uint64_t time;		   /* the resume kernel's clock at the write, seconds UTC */
	uint8_t seed[KJ_SEED_LEN]; /* zero once consumed */
	uint8_t reserved[20];	   /* 0 */
	uint32_t crc;		   /* CRC32C of bytes 0-123 */
} __attribute__((packed));
_Static_assert(sizeof(struct kj_disk_seed) == 128, "reseed record is 128 bytes");
_Static_assert(offsetof(struct kj_disk_seed, seed) == 40, "");
_Static_assert(KJ_SEED_OFF >= 1068 && KJ_SEED_OFF + 128 <= KJ_EXTMAP_OFF,
	       "reseed record lies in the swap header's padding");

struct kj_seed {
	uint32_t state;
	uint64_t image_id, resumes, time;
	uint8_t seed[KJ_SEED_LEN];
};

/* Host-order views produced by the parsers below. */
struct kj_header {
	uint16_t version_major, version_minor;
	uint32_t incompat_flags, compat_flags;
	uint32_t page_size, arch, compression;
	uint64_t image_id, created, entry;
	uint32_t block_pages;
	uint64_t nr_ranges, total_pages, data_pages, nr_blocks;
	uint64_t data_off, data_bytes, table_off;
	uint32_t table_crc;
	char release[81];
	uint8_t orig_sig[KJ_SIG_LEN];
	uint32_t nr_region, nr_memmap;
	uint64_t nr_extents;
	uint64_t index_off;
	struct {
		uint64_t start, end;
	} region[KJ_MAX_REGION];
	struct {
		uint64_t start, end;
		uint32_t type;
	} memmap[KJ_MAX_MEMMAP];
	uint32_t nr_efi_rt, efi_rt_crc; /* valid with compat_flags & KJ_COMPAT_EFI_RT */
	struct kj_efi_rt_entry efi_rt[KJ_MAX_EFI_RT];
	struct kj_filter_record filter; /* valid with compat_flags & KJ_COMPAT_FILTER */
	uint32_t header_crc;
};

struct kj_commit {
	uint64_t image_id, image_end, nr_blocks;
	uint32_t header_crc, blocks_crc;
	uint8_t orig_sig[KJ_SIG_LEN];
};

struct kj_block {
	uint32_t flags, raw_len, stored_len;
	uint64_t first_page;
	uint32_t data_crc;
};

/* Worst-case LZO1X output for n input bytes (liblzo2's documented bound). */
static inline size_t kj_lzo_bound(size_t n)
{
	return n + n / 16 + 64 + 3;
}

/* Parsers take (buf, size); they check checksums and internal consistency and return
 * -EBADMSG for anything corrupt, -EPROTONOSUPPORT for a version or feature they do not
 * know. Error details go to err (may be NULL) for the caller to log. */
int kj_swap_parse(const void *page, size_t size, struct kj_swap_info *ret, char *err,
		  size_t errlen);
int kj_commit_parse(const void *page, size_t size, struct kj_commit *ret, char *err, size_t errlen);
int kj_header_parse(const void *buf, size_t size, struct kj_header *ret, char *err, size_t errlen);
int kj_block_parse(const void *buf, size_t size, uint32_t block_pages, struct kj_block *ret,
		   char *err, size_t errlen);
/* One range-table entry; checks flags and npages only (ordering is the caller's). */
int kj_range_parse(const void *buf, size_t size, uint64_t *ret_pfn, uint64_t *ret_npages,
		   uint32_t *ret_flags);

/* The extent map in page 0: 0 with *ret_n = 0 when there is none; else a map that
 * starts at file page 0 = base_page and covers the file contiguously. ret holds
 * KJ_EXTMAP_MAX entries. */
int kj_extmap_parse(const void *page, size_t size, uint64_t base_page, struct kj_extent *ret,
		    size_t *ret_n, char *err, size_t errlen);
void kj_extmap_encode(const struct kj_extent *e, size_t n, void *page);

/* The auth record: -EBADMSG when corrupt, -EPROTONOSUPPORT for another algorithm. */
int kj_auth_parse(const void *buf, size_t size, struct kj_auth *ret, char *err, size_t errlen);
void kj_auth_encode(const struct kj_auth *a, struct kj_disk_auth *out);

/* The status record: -ENODATA when there is none (no magic), -EBADMSG when it is
 * corrupt, of another version or holds a field out of range. */
int kj_status_parse(const void *buf, size_t size, struct kj_status *ret, char *err, size_t errlen);
/* msg is cut to KJ_STATUS_MSG_LEN - 1 bytes. */
void kj_status_encode(const struct kj_status *s, struct kj_disk_status *out);

/* The reseed record: -ENODATA when there is none (no magic), -EBADMSG when it is
 * corrupt, of another version, or consumed with a seed left. */
/* A time read from disk (seconds since 1970) as a UTC date in buf; as the raw number
 * when no calendar holds it (gmtime_r fails far beyond year 2^31, and a u64 above
 * INT64_MAX is no time_t). Returns buf. */
const char *kj_disk_time(uint64_t secs, char *buf, size_t size);
int kj_seed_parse(const void *buf, size_t size, struct kj_seed *ret, char *err, size_t errlen);
void kj_seed_encode(const struct kj_seed *s, struct kj_disk_seed *out);

void kj_header_encode(const struct kj_header *h, struct kj_disk_header *out);
void kj_commit_encode(const struct kj_commit *c, struct kj_disk_commit *out);
void kj_block_encode(const struct kj_block *b, struct kj_disk_block *out);
void kj_range_encode(uint64_t pfn, uint64_t npages, uint32_t flags, struct kj_disk_range *out);
