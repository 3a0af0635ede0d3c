/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* Image authentication (docs/SECURITY.md, docs/FORMAT.md "Authenticated images"): the
 * image key, the MAC over an image's metadata, and its check before anything is
 * written. The data blocks are bound through the digest table the MAC covers; the
 * loader checks each block's digest before it uses the block. */
#include <stddef.h>
#include <stdint.h>

#include "format.h"
#include "image.h"
#include "root.h"
#include "sha256.h"

#define KJ_KEY_MIN	    32u /* bytes: 256 random bits */
#define KJ_KEY_MAX	    256u
#define KJ_DEFAULT_KEY_PATH "/etc/kjump/image.key"

struct kj_image_key {
	uint8_t key[KJ_KEY_MAX];
	size_t len;
	uint8_t id[KJ_KEY_ID_LEN]; /* names the key in the image without revealing it */
};

/* The key from len bytes: -EINVAL when shorter than KJ_KEY_MIN or longer than KJ_KEY_MAX. */
int kj_image_key_set(struct kj_image_key *k, const void *buf, size_t len);
/* The key file at path (under root when root is not NULL): -ENOENT when there is none,
 * -EINVAL for a wrong size, -errno. The buffers that held it are wiped. */
int kj_image_key_read(const struct kj_root *root, const char *path, struct kj_image_key *ret);
void kj_image_key_wipe(struct kj_image_key *k);

/* The MAC's start: the key and the format's domain string. The writer and the check
 * then feed the same bytes: header page, range table, block index, digest table, the
 * auth record up to its mac field. */
void kj_auth_mac_start(struct kj_hmac *m, const struct kj_image_key *k);

/* The auth record of an authenticated image, parsed (and as read, into ret_raw when
 * not NULL: sizeof(struct kj_disk_auth) bytes): -ENOENT when the image has none,
 * -EBADMSG corrupt or truncated, -errno. */
int kj_image_read_auth(struct kj_image *img, struct kj_auth *ret, void *ret_raw, char *err,
		       size_t errlen);

/* Before anything is written. With key NULL: 0 for an unauthenticated image,
 * -ENOKEY for an authenticated one (nothing here can check it). With a key: -EKEYREJECTED
 * for an unauthenticated image, one made with another key, or a MAC that does not match
 * (forged or modified); -EBADMSG for a corrupt auth record; -EIO when the device answers
 * differently from an earlier read. err says which. */
int kj_image_check_auth(struct kj_image *img, const struct kj_image_key *key, char *err,
			size_t errlen);
