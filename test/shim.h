/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* Shared by the LD_PRELOAD shims (faultio.c, rereadio.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* 1 when fd is open on the file named by the environment variable env. */
static inline int shim_is_target(int fd, const char *env)
{
	const char *want = getenv(env);
	char link[64], path[4096];
	ssize_t n;

	if (!want)
		return 0;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n < 0)
		return 0;
	path[n] = 0;
	return strcmp(path, want) == 0;
}
