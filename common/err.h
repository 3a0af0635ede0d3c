/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* Libraries do not log: they return -errno and, where the reason matters to a user,
 * describe it into a caller's buffer. */
#include <stddef.h>

/* Format the reason into err (when not NULL) and return rc. */
int kj_errf(int rc, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
