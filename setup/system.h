/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
#include <stdbool.h>
/* What kjump-hibernate asks of this system: the swap device's LUKS mapping, whether a
 * key file is private, a kernel option, the memory in use, B's page-filter arguments.
 * Every /proc, /sys and /dev (and /boot) access goes through the root. */
#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "root.h"

enum setup_luks_kind { SETUP_LUKS_NONE = 0, SETUP_LUKS = 1, SETUP_LUKS_OTHER = 2 };

struct setup_luks {
	enum setup_luks_kind kind; /* OTHER: device-mapper that is not LUKS on one device */
	char name[128];		   /* the mapping's name */
	char backing[PATH_MAX];	   /* /dev/NAME of the one device below it */
	char uuid[40];		   /* the LUKS UUID, with dashes */
};

/* The swap device dev (a path below root) on dm-crypt with LUKS. 0 (kind NONE when it
 * is not device-mapper at all), -errno. */
int setup_luks_of(const struct kj_root *root, const char *dev, struct setup_luks *ret);

/* A LUKS UUID from device-mapper's "CRYPT-LUKS2-<32 hex digits>-<name>": 1 and the
 * UUID with dashes, 0 when uuid is not LUKS's, -EINVAL malformed. */
int setup_luks_uuid(const char *dm_uuid, char *ret, size_t size);

/* A key file fit to hand over: a regular file of root's that no one else may read.
 * 1 yes, 0 no, -errno cannot tell (missing). */
int setup_key_private(const struct kj_root *root, const char *path);

/* A kernel's CONFIG_ option name: the running kernel's (running: /proc/config.gz, else
 * /boot/config-RELEASE) or kernel RELEASE's (/boot/config-RELEASE only): 'y', 'n'
 * (absent, m, or anything else), -ENOENT when none can be read. */
int setup_kernel_config(const struct kj_root *root, const char *release, bool running,
			const char *name);

/* The value of option name in config text (buf, size): 'y' or 'n'. */
int setup_config_value(const char *buf, size_t size, const char *name);

/* "MAJ:MIN" of block device dev (a path below root), from sysfs. 0, -errno. */
int setup_block_devno(const struct kj_root *root, const char *dev, char *buf, size_t size);

/* The size of block device dev (a path below root) in KiB, from sysfs (0 when sysfs does
 * not say). 0, -ENOENT when dev does not exist. */
int setup_device_kib(const struct kj_root *root, const char *dev, uint64_t *ret_kib);

/* The kernel's hibernation device (/sys/power/resume, resume_offset) set to block device
 * dev at offset (pages), as systemd-sleep sets it before the kernel's own hibernation:
 * logind checks it against the swap areas in use. 1 when written, 0 when it was already
 * so or the kernel has no hibernation (no /sys/power/resume), -errno. */
int setup_resume_config(const struct kj_root *root, const char *dev, uint64_t offset);

/* KiB this kernel uses (MemTotal - MemFree of /proc/meminfo text). 0, -EINVAL. */
int setup_meminfo_used(const char *buf, size_t size, uint64_t *ret_kib);

/* B's page-filter arguments (kjump.filter=off, or kjump.vmcoreinfo=ADDR@0xSIZE
 * [kjump.free=zero]) into ret. Free pages must read back as this kernel expects:
 * with init_on_free it skips zeroing them (kjump.free=zero); with page poisoning it
 * checks them (no filter). ret_why: why the filter is off, or "" . 0, -errno. */
int setup_filter_args(const struct kj_root *root, const char *release, char *ret, size_t size,
		      const char **ret_why);

/* The heap-free setting the kernel printed at boot ("mem auto-init: ... heap free:on"),
 * in log text (buf, size): 1 on, 0 off, -ENOENT not printed. The last line wins. */
int setup_autoinit_from_log(const char *buf, size_t size);
