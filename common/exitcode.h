/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* Exit statuses of kjump-save, kjump-image and kjump-memhotplug (kjump-resume has its
 * own, finer ones: every status there but usage means "boot on"). */
enum kj_exit {
	KJ_EXIT_OK = 0,
	KJ_EXIT_FAILURE = 1, /* kjump-image status: no failure recorded */
	KJ_EXIT_USAGE = 2,
	KJ_EXIT_PARTIAL = 64, /* kjump-memhotplug: some blocks added, some failed (chmem) */
};
