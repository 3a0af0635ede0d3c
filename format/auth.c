/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "auth.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "io.h"

#define MAC_DOMAIN    "KJUMPMAC" /* the MAC's first bytes: a kjump image's, version 1 */
#define KEY_ID_DOMAIN "kjump image key id"

int kj_image_key_set(struct kj_image_key *k, const void *buf, size_t len)
{
	struct kj_hmac m;
	uint8_t id[KJ_MAC_LEN];

	if (len < KJ_KEY_MIN || len > KJ_KEY_MAX)
		return -EINVAL;
	memcpy(k->key, buf, len);
	k->len = len;
	kj_hmac_init(&m, k->key, k->len);
	kj_hmac_update(&m, KEY_ID_DOMAIN, strlen(KEY_ID_DOMAIN));
	kj_hmac_final(&m, id);
	memcpy(k->id, id, sizeof(k->id));
	return 0;
}

int kj_image_key_read(const struct kj_root *root, const char *path, struct kj_image_key *ret)
{
	uint8_t buf[KJ_KEY_MAX + 1];
	ssize_t got;
	int fd, rc = 0;

	fd = root ? kj_root_open(root, path, O_RDONLY | O_CLOEXEC)
		  : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return root ? fd : -errno;
	got = kj_loop_read(fd, buf, sizeof(buf));
	if (got < 0)
		rc = (int)got;
	close(fd);
	if (rc == 0)
		rc = kj_image_key_set(ret, buf, (size_t)got);
	explicit_bzero(buf, sizeof(buf));
	return rc;
}

void kj_image_key_wipe(struct kj_image_key *k)
{
	explicit_bzero(k, sizeof(*k));
}

void kj_auth_mac_start(struct kj_hmac *m, const struct kj_image_key *k)
{
	kj_hmac_init(m, k->key, k->len);
	kj_hmac_update(m, MAC_DOMAIN, strlen(MAC_DOMAIN));
}

/* The range table, the block index and the digest table into the MAC, read through the
 * image's chunk reads (so that every later read must equal what was authenticated). */
static int mac_tables(struct kj_image *img, struct kj_hmac *m, char *err, size_t errlen)
{
	const size_t tchunk = KJ_TABLE_CHUNK_ENTRIES * sizeof(struct kj_disk_range);
	uint64_t tbytes = img->hdr.nr_ranges * sizeof(struct kj_disk_range);
	uint8_t *buf = malloc(tchunk);
	uint8_t small[KJ_INDEX_CHUNK_BLOCKS * KJ_SHA256_LEN];
	int rc = 0;

	if (!buf)
		return kj_errf(-ENOMEM, err, errlen, "out of memory");
	for (uint64_t off = 0; off < tbytes && rc == 0; off += tchunk) {
		size_t len = tbytes - off < tchunk ? (size_t)(tbytes - off) : tchunk;
		rc = kj_image_read_table_chunk(img, off / tchunk, buf, len);
		if (rc == 0)
			kj_hmac_update(m, buf, len);
	}
	for (uint64_t i = 0; i < img->hdr.nr_blocks && rc == 0;) {
		size_t n = 0;
		rc = kj_image_read_index(img, i, small, &n);
		if (rc == 0)
			kj_hmac_update(m, small, n * sizeof(struct kj_disk_block));
		i += n;
	}
	for (uint64_t i = 0; i < img->hdr.nr_blocks && rc == 0;) {
		size_t n = 0;
		rc = kj_image_read_digests(img, i, small, &n);
		if (rc == 0)
			kj_hmac_update(m, small, n * KJ_SHA256_LEN);
		i += n;
	}
	free(buf);
	if (rc < 0 && kj_image_changed_error(img, rc))
		return kj_errf(rc, err, errlen, "%s", kj_image_changed_error(img, rc));
	if (rc < 0)
		return kj_errf(rc == -ENODATA ? -EBADMSG : rc, err, errlen,
			       "reading the image's "
			       "tables: %s",
			       rc == -ENODATA ? "image truncated" : strerror(-rc));
	return 0;
}

int kj_image_read_auth(struct kj_image *img, struct kj_auth *ret, void *ret_raw, char *err,
		       size_t errlen)
{
	uint8_t rec[sizeof(struct kj_disk_auth)];
	int rc;

	if (!img->auth_off)
		return -ENOENT;
	rc = kj_imgdev_pread(img->dev, img->auth_off, rec, sizeof(rec));
	if (rc < 0)
		return kj_errf(rc == -ENODATA ? -EBADMSG : rc, err, errlen,
			       "cannot read the auth "
			       "record: %s",
			       rc == -ENODATA ? "image truncated" : strerror(-rc));
	if ((rc = kj_auth_parse(rec, sizeof(rec), ret, err, errlen)) == 0 && ret_raw)
		memcpy(ret_raw, rec, sizeof(rec));
	return rc;
}

int kj_image_check_auth(struct kj_image *img, const struct kj_image_key *key, char *err,
			size_t errlen)
{
	uint8_t rec[sizeof(struct kj_disk_auth)], mac[KJ_MAC_LEN];
	struct kj_auth a;
	struct kj_hmac m;
	int rc;

	if (!(img->hdr.incompat_flags & KJ_INCOMPAT_MAC))
		return key ? kj_errf(-EKEYREJECTED, err, errlen,
				     "the image is not authenticated, "
				     "and an image key is set up here: refused")
			   : 0;
	if (!key)
		return kj_errf(-ENOKEY, err, errlen,
			       "the image is authenticated, and no image key "
			       "is set up here (%s) to check it",
			       KJ_DEFAULT_KEY_PATH);
	if ((rc = kj_image_read_auth(img, &a, rec, err, errlen)) < 0)
		return rc;
	if (!kj_equal_ct(a.key_id, key->id, sizeof(a.key_id)))
		return kj_errf(-EKEYREJECTED, err, errlen,
			       "the image was authenticated with another "
			       "image key: refused");
	kj_auth_mac_start(&m, key);
	kj_hmac_update(&m, img->hdr_raw, sizeof(img->hdr_raw));
	if ((rc = mac_tables(img, &m, err, errlen)) < 0) {
		kj_hmac_final(&m, mac); /* wipes the key's traces */
		return rc;
	}
	kj_hmac_update(&m, rec, KJ_AUTH_MAC_PREFIX);
	kj_hmac_final(&m, mac);
	if (!kj_equal_ct(mac, a.mac, sizeof(mac)))
		return kj_errf(-EKEYREJECTED, err, errlen,
			       "the image's MAC does not match: it was "
			       "modified or forged; refused");
	return 0;
}
