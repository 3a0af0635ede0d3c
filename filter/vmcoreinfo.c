/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "vmcoreinfo.h"

#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define NOTE_NAME "VMCOREINFO"

static uint32_t le32_at(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return le32toh(v);
}

/* The line of key, or NULL; *ret_val points after '=' and *ret_len is the value's. */
static const char *find_line(const struct kj_vmci *v, const char *key, const char **ret_val,
			     size_t *ret_len)
{
	size_t kl = strlen(key);

	for (const char *p = v->text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		if (n > kl && !strncmp(p, key, kl) && p[kl] == '=') {
			*ret_val = p + kl + 1;
			*ret_len = n - kl - 1;
			return p;
		}
		p += n + (nl != NULL);
	}
	return NULL;
}

/* Every line KEY=VALUE, printable, no key twice. */
static int check_lines(const struct kj_vmci *v)
{
	for (const char *p = v->text; *p;) {
		const char *nl = strchr(p, '\n'), *eq, *val;
		size_t n = nl ? (size_t)(nl - p) : strlen(p), len;
		char key[128];

		if (n == 0)
			return -EBADMSG;
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)p[i] < 0x20 || (unsigned char)p[i] > 0x7e)
				return -EBADMSG;
		eq = memchr(p, '=', n);
		if (!eq || eq == p || (size_t)(eq - p) >= sizeof(key))
			return -EBADMSG;
		memcpy(key, p, (size_t)(eq - p));
		key[eq - p] = 0;
		if (find_line(v, key, &val, &len) != p)
			return -EBADMSG; /* an earlier line has the same key */
		p += n + (nl != NULL);
	}
	return 0;
}

int kj_vmci_parse_note(const void *buf, size_t size, struct kj_vmci *ret)
{
	const uint8_t *b = buf;
	uint32_t namesz, descsz, type;
	size_t name_bytes;
	struct kj_vmci *v;
	int rc;

	if (size < 12)
		return -EBADMSG;
	namesz = le32_at(b);
	descsz = le32_at(b + 4);
	type = le32_at(b + 8);
	name_bytes = (namesz + 3u) & ~3u;
	if (namesz != sizeof(NOTE_NAME) || type != 0 || descsz == 0 || descsz > KJ_VMCI_MAX_TEXT ||
	    size - 12 < name_bytes || size - 12 - name_bytes < descsz ||
	    memcmp(b + 12, NOTE_NAME, sizeof(NOTE_NAME)))
		return -EBADMSG;
	if (!(v = calloc(1, sizeof(*v))))
		return -ENOMEM;
	memcpy(v->text, b + 12 + name_bytes, descsz);
	v->len = strnlen(v->text, descsz); /* the kernel pads with NULs */
	for (size_t i = v->len; i < descsz; i++)
		if (v->text[i]) {
			free(v);
			return -EBADMSG;
		}
	v->text[v->len] = 0;
	rc = v->len ? check_lines(v) : -EBADMSG;
	if (rc == 0)
		*ret = *v;
	free(v);
	return rc;
}

/* Parse [s, s+n) as an unsigned number in base: every character a digit. */
static int parse_num(const char *s, size_t n, int base, uint64_t *ret)
{
	uint64_t v = 0;

	if (n == 0 || n > 20)
		return -EBADMSG;
	for (size_t i = 0; i < n; i++) {
		int d = s[i] >= '0' && s[i] <= '9'   ? s[i] - '0'
			: s[i] >= 'a' && s[i] <= 'f' ? s[i] - 'a' + 10
			: s[i] >= 'A' && s[i] <= 'F' ? s[i] - 'A' + 10
						     : 99;
		if (d >= base || v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			return -EBADMSG;
		v = v * (uint64_t)base + (uint64_t)d;
	}
	*ret = v;
	return 0;
}

static int is_hex_key(const char *key)
{
	return !strncmp(key, "SYMBOL(", 7) || !strcmp(key, "KERNELOFFSET");
}

int kj_vmci_u64(const struct kj_vmci *v, const char *key, uint64_t *ret)
{
	const char *val;
	size_t len;

	if (!find_line(v, key, &val, &len))
		return -ENOENT;
	return parse_num(val, len, is_hex_key(key) ? 16 : 10, ret);
}

int kj_vmci_s64(const struct kj_vmci *v, const char *key, int64_t *ret)
{
	const char *val;
	size_t len;
	uint64_t u;
	int neg, rc;

	if (!find_line(v, key, &val, &len))
		return -ENOENT;
	neg = len && val[0] == '-';
	if ((rc = parse_num(val + neg, len - (size_t)neg, 10, &u)) < 0)
		return rc;
	if (u > (uint64_t)INT64_MAX + (uint64_t)neg)
		return -EBADMSG;
	*ret = neg ? (int64_t)(0 - u) : (int64_t)u;
	return 0;
}

int kj_vmci_str(const struct kj_vmci *v, const char *key, char *buf, size_t size)
{
	const char *val;
	size_t len;

	if (!find_line(v, key, &val, &len))
		return -ENOENT;
	if (len >= size)
		return -ENAMETOOLONG;
	memcpy(buf, val, len);
	buf[len] = 0;
	return 0;
}
