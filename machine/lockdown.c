/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "lockdown.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macros.h"

static const char *const names[] = {"none", "integrity", "confidentiality"};

int kj_lockdown_parse(const char *buf, size_t size, enum kj_lockdown *ret)
{
	const char *open = memchr(buf, '[', size), *close;
	size_t n;

	if (!open)
		return -EINVAL;
	close = memchr(open, ']', size - (size_t)(open - buf));
	if (!close)
		return -EINVAL;
	n = (size_t)(close - open - 1);
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (strlen(names[i]) == n && !memcmp(open + 1, names[i], n)) {
			*ret = (enum kj_lockdown)i;
			return 0;
		}
	return -EINVAL;
}

int kj_lockdown_read(const struct kj_root *root, enum kj_lockdown *ret)
{
	_cleanup_free_ char *buf = NULL;
	size_t size;
	int rc = kj_root_read_file(root, "/sys/kernel/security/lockdown", 4096, &buf, &size);

	if (rc == -ENOENT) {
		*ret = KJ_LOCKDOWN_NONE;
		return 0;
	}
	return rc < 0 ? rc : kj_lockdown_parse(buf, size, ret);
}

const char *kj_lockdown_name(enum kj_lockdown l)
{
	return (size_t)l < ARRAY_SIZE(names) ? names[l] : "?";
}
