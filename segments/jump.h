/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* The jump back into the hibernated kernel, through the kj_sys() seam:
 *   kj_jump_load: the staged ranges become the segments of
 *                 kexec_load(entry, n, segs, KEXEC_PRESERVE_CONTEXT);
 *   kj_jump_go:   sync, then reboot(LINUX_REBOOT_CMD_KEXEC).
 * kj_jump_go returns only when the jump did not happen. On failure err says why, with
 * a hint and the segment table. */
#include <stddef.h>

#include "plan.h"

int kj_jump_load(const struct kj_plan *plan, char *err, size_t errlen);
int kj_jump_go(char *err, size_t errlen);
/* Unload what kj_jump_load loaded (when the jump must not happen after all). */
int kj_jump_unload(void);
