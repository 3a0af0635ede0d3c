/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* The jump back into the hibernated kernel: the staged ranges become the segments of
 * kexec_load(entry, n, segs, KEXEC_PRESERVE_CONTEXT), then sync and
 * reboot(LINUX_REBOOT_CMD_KEXEC), all through the kj_sys() seam. Returns only on
 * failure (-errno), after logging it with the segment table. */
#include "plan.h"

int resume_jump(const struct kj_plan *plan);
