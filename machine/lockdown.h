/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* The kernel lockdown LSM's mode: integrity (Secure Boot's default on Debian, Fedora
 * and Ubuntu) forbids kexec_load and /dev/mem, which a jump back into a hibernated
 * kernel needs; kexec_file_load of a signed kernel stays allowed. */
#include <stddef.h>

#include "root.h"

enum kj_lockdown { KJ_LOCKDOWN_NONE, KJ_LOCKDOWN_INTEGRITY, KJ_LOCKDOWN_CONFIDENTIALITY };

/* /sys/kernel/security/lockdown's text ("none [integrity] confidentiality"): the
 * bracketed mode. -EINVAL when none or an unknown one is bracketed. */
int kj_lockdown_parse(const char *buf, size_t size, enum kj_lockdown *ret);
/* This kernel's mode; KJ_LOCKDOWN_NONE without the LSM or securityfs (then kexec_load
 * and /dev/mem say EPERM themselves). */
int kj_lockdown_read(const struct kj_root *root, enum kj_lockdown *ret);
const char *kj_lockdown_name(enum kj_lockdown l);
