/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "jump.h"

#include <errno.h>
#include <linux/reboot.h>
#include <stdio.h>
#include <string.h>

#include "sys.h"

int kj_jump_load(const struct kj_plan *plan, char *err, size_t errlen)
{
	struct kexec_segment segs[KJ_KEXEC_SEGMENT_MAX];
	size_t o;
	int rc;

	if (plan->staged.n > KJ_KEXEC_SEGMENT_MAX || !plan->seg_buf)
		return -EINVAL;
	for (size_t i = 0; i < plan->staged.n; i++) {
		segs[i].buf = plan->seg_buf[i];
		segs[i].bufsz = (size_t)(plan->staged.r[i].end - plan->staged.r[i].start);
		segs[i].mem = (void *)(uintptr_t)plan->staged.r[i].start;
		segs[i].memsz = segs[i].bufsz;
	}
	rc = kj_sys()->kexec_load(plan->entry, plan->staged.n, segs,
				  KEXEC_PRESERVE_CONTEXT | KEXEC_ARCH_DEFAULT);
	if (rc == 0)
		return 0;
	o = (size_t)snprintf(
	    err, errlen, "kexec_load failed: %s%s; entry 0x%llx, segments:", strerror(-rc),
	    rc == -EPERM    ? " (kexec disabled by lockdown or kexec_load_disabled?)"
	    : rc == -ENOSYS ? " (kernel built without CONFIG_KEXEC)"
	    : rc == -EBUSY  ? " (another kexec image is being loaded)"
	    : rc == -EINVAL ? " (segment limits, or no CONFIG_KEXEC_JUMP in this kernel)"
			    : "",
	    (unsigned long long)plan->entry);
	for (size_t i = 0; i < plan->staged.n && o < errlen; i++)
		o += (size_t)snprintf(err + o, errlen - o, " 0x%llx-0x%llx",
				      (unsigned long long)plan->staged.r[i].start,
				      (unsigned long long)plan->staged.r[i].end);
	return rc;
}

int kj_jump_unload(void)
{
	return kj_sys()->kexec_load(0, 0, NULL, KEXEC_ARCH_DEFAULT);
}

int kj_jump_go(char *err, size_t errlen)
{
	int rc;

	kj_sys()->sync();
	rc = kj_sys()->reboot(LINUX_REBOOT_CMD_KEXEC);
	/* With KEXEC_PRESERVE_CONTEXT, reboot() returns only if the jump did not happen
	 * or the other side jumped back to us. */
	snprintf(err, errlen, "the jump did not happen (%s)%s",
		 rc < 0 ? strerror(-rc) : "reboot returned",
		 rc == -EINVAL ? "; kernel without CONFIG_KEXEC_JUMP?" : "");
	return rc < 0 ? rc : -ECANCELED;
}
