/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
#include <stddef.h>
#include <stdint.h>

/* CRC32C (Castagnoli). crc32c(0, buf, n) is the plain CRC of buf; pass a previous
 * result as the first argument to continue it over more bytes. */
uint32_t crc32c(uint32_t crc, const void *buf, size_t len);
