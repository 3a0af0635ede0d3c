/* SPDX-License-Identifier: GPL-2.0-or-later */
/* LD_PRELOAD shim for fault-injection tests. On the file named by KJ_FAULT_PATH:
 *   KJ_FAULT_READ_AT=OFF   a read covering byte OFF fails with EIO
 *   KJ_FAULT_READ_FROM=OFF every read at or after OFF fails with ENODEV (device gone)
 *   KJ_FAULT_SHORT=1       every read returns at most 512 bytes (short reads)
 * For any file:
 *   KJ_FAULT_KILL_AT=N     the process dies (as at a power loss) before its Nth
 *                          pwrite or fsync; KJ_FAULT_COUNT=FILE appends one line per call */
#undef _FILE_OFFSET_BITS /* define pread and pread64 both, not one through the other */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int is_target(int fd)
{
	const char *want = getenv("KJ_FAULT_PATH");
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

static long long env_ll(const char *name)
{
	const char *v = getenv(name);
	return v ? strtoll(v, NULL, 0) : -1;
}

static int faulty_read(int fd, size_t *count, off_t off)
{
	long long at = env_ll("KJ_FAULT_READ_AT"), from = env_ll("KJ_FAULT_READ_FROM");

	if (!is_target(fd))
		return 0;
	if (at >= 0 && off <= at && at < off + (off_t)*count) {
		errno = EIO;
		return -1;
	}
	if (from >= 0 && off + (off_t)*count > from) {
		errno = ENODEV;
		return -1;
	}
	if (getenv("KJ_FAULT_SHORT") && *count > 512)
		*count = 512;
	return 0;
}

ssize_t pread64(int fd, void *buf, size_t count, off_t off)
{
	static ssize_t (*real)(int, void *, size_t, off_t);
	if (!real)
		real = (ssize_t(*)(int, void *, size_t, off_t))dlsym(RTLD_NEXT, "pread64");
	if (faulty_read(fd, &count, off) < 0)
		return -1;
	return real(fd, buf, count, off);
}

ssize_t pread(int fd, void *buf, size_t count, off_t off) { return pread64(fd, buf, count, off); }

static void maybe_die(const char *what)
{
	static long long calls;
	long long kill_at = env_ll("KJ_FAULT_KILL_AT");
	const char *count = getenv("KJ_FAULT_COUNT");

	calls++;
	if (count) {
		FILE *f = fopen(count, "a");
		if (f) {
			fprintf(f, "%s\n", what);
			fclose(f);
		}
	}
	if (kill_at > 0 && calls >= kill_at)
		_exit(137);
}

ssize_t pwrite64(int fd, const void *buf, size_t count, off_t off)
{
	static ssize_t (*real)(int, const void *, size_t, off_t);
	if (!real)
		real = (ssize_t(*)(int, const void *, size_t, off_t))dlsym(RTLD_NEXT, "pwrite64");
	maybe_die("pwrite");
	return real(fd, buf, count, off);
}

ssize_t pwrite(int fd, const void *buf, size_t count, off_t off) { return pwrite64(fd, buf, count, off); }

int fsync(int fd)
{
	static int (*real)(int);
	if (!real)
		real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
	maybe_die("fsync");
	return real(fd);
}
