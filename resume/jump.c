/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "jump.h"

#include <errno.h>
#include <linux/reboot.h>
#include <string.h>

#include "log.h"
#include "sys.h"

int resume_jump(const struct kj_plan *plan)
{
	struct kexec_segment segs[KJ_KEXEC_SEGMENT_MAX];
	const struct kj_sys_ops *sys = kj_sys();
	int rc;

	for (size_t i = 0; i < plan->staged.n; i++) {
		segs[i].buf = plan->seg_buf[i];
		segs[i].bufsz = (size_t)(plan->staged.r[i].end - plan->staged.r[i].start);
		segs[i].mem = (void *)(uintptr_t)plan->staged.r[i].start;
		segs[i].memsz = segs[i].bufsz;
	}
	rc = sys->kexec_load(plan->entry, plan->staged.n, segs,
			     KEXEC_PRESERVE_CONTEXT | KEXEC_ARCH_DEFAULT);
	if (rc < 0) {
		log_error("kexec_load failed: %s%s", strerror(-rc),
			  rc == -EPERM ? " (kexec disabled by lockdown or kexec_load_disabled?)"
			  : rc == -ENOSYS ? " (kernel built without CONFIG_KEXEC)"
			  : rc == -EBUSY ? " (another kexec image is being loaded)" : "");
		for (size_t i = 0; i < plan->staged.n; i++)
			log_error("  segment %zu: 0x%llx-0x%llx", i,
				  (unsigned long long)plan->staged.r[i].start,
				  (unsigned long long)plan->staged.r[i].end);
		return rc;
	}
	log_notice("jumping back into the hibernated kernel at 0x%llx",
		   (unsigned long long)plan->entry);
	sys->sync();
	rc = sys->reboot(LINUX_REBOOT_CMD_KEXEC);
	/* With KEXEC_PRESERVE_CONTEXT, reboot() returns only if the jump did not happen
	 * or the other side jumped back to us. */
	log_error("the jump did not happen (%s)%s", rc < 0 ? strerror(-rc) : "returned",
		  rc == -EINVAL ? "; kernel without CONFIG_KEXEC_JUMP?" : "");
	return rc < 0 ? rc : -ECANCELED;
}
