/* SPDX-License-Identifier: GPL-2.0-or-later */
/* LD_PRELOAD shim for fault-injection tests. On the file named by KJ_FAULT_PATH:
 *   KJ_FAULT_READ_AT=OFF   a read covering byte OFF fails with EIO
 *   KJ_FAULT_READ_FROM=OFF every read at or after OFF fails with ENODEV (device gone)
 *   KJ_FAULT_CLOSES=N      the two above pass once the program has closed the file N
 *                          times (its last descriptor on it): an error that is gone when
 *                          the program opens the file again; default: they never pass
 *   KJ_FAULT_SHORT=1       every read returns at most 512 bytes (short reads)
 *   KJ_FAULT_POWERLOSS_AT=N  power loss before the Nth write or sync of the file (write,
 *                          pwrite, pwritev, fsync, fdatasync, sync_file_range, syncfs and
 *                          sync all count), or at exit when the process makes fewer: what
 *                          was written since the file's last sync is undone, as on a disk
 *                          that never got it, and the process dies with status 137 (at
 *                          exit it keeps its own)
 *   KJ_FAULT_LOSE=MODE     what the power loss takes of those writes. A disk may persist
 *                          unsynced writes in any order: all (the default), none, odd (the
 *                          1st, 3rd, ...), even, early (the older half), late (the newer
 *                          half), sectors:SEED (each 512-byte sector at random: torn writes)
 *   KJ_FAULT_TRACE=FILE    appends "N write OFF LEN" or "N sync" for every call on the file
 *                          and, at the power loss, "cut N" (or "cut exit") and then "lost",
 *                          "kept" or "torn" "OFF LEN" for every unsynced write, oldest first
 * Knobs that break the model, to show that a test notices a broken commit protocol:
 *   KJ_FAULT_SKIP_SYNC=K   the Kth sync of the file makes nothing durable (as if missing)
 *   KJ_FAULT_NO_UNDO=1     the power loss reports the writes lost but leaves them in place
 * For any file:
 *   KJ_FAULT_KILL_AT=N     the process dies (as at a crash) before its Nth pwrite or
 *                          fsync; KJ_FAULT_COUNT=FILE appends one line per call */
#undef _FILE_OFFSET_BITS /* define pread and pread64 both, not one through the other */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "shim.h"

#define SECTOR	  512  /* what a disk writes atomically: the unit of a torn write */
#define BUF_ALIGN 4096 /* journal buffers fit O_DIRECT, should they ever meet it */
#define OFF_END	  INT64_MAX

/* The next definition of a function this shim interposes: libc's, or a sanitizer's. */
#define REAL(name)                                                                                 \
	({                                                                                         \
		static __typeof__(&name) real_;                                                    \
		if (!real_)                                                                        \
			real_ = (__typeof__(&name))dlsym(RTLD_NEXT, #name);                        \
		real_;                                                                             \
	})

static int is_target(int fd)
{
	return shim_is_target(fd, "KJ_FAULT_PATH");
}

static long long env_ll(const char *name)
{
	const char *v = getenv(name);
	return v ? strtoll(v, NULL, 0) : -1;
}

static long long closes; /* times the program closed its last descriptor on the file */

/* Whether the read faults still strike (KJ_FAULT_CLOSES). */
static int strike(void)
{
	long long n = env_ll("KJ_FAULT_CLOSES");

	return n < 0 || __atomic_load_n(&closes, __ATOMIC_RELAXED) < n;
}

static int faulty_read(int fd, size_t *count, off_t off)
{
	long long at = env_ll("KJ_FAULT_READ_AT"), from = env_ll("KJ_FAULT_READ_FROM");

	if (!is_target(fd))
		return 0;
	if (at >= 0 && off <= at && at < off + (off_t)*count && strike()) {
		errno = EIO;
		return -1;
	}
	if (from >= 0 && off + (off_t)*count > from && strike()) {
		errno = ENODEV;
		return -1;
	}
	if (getenv("KJ_FAULT_SHORT") && *count > 512)
		*count = 512;
	return 0;
}

ssize_t pread64(int fd, void *buf, size_t count, off_t off)
{
	if (faulty_read(fd, &count, off) < 0)
		return -1;
	return REAL(pread64)(fd, buf, count, off);
}

ssize_t pread(int fd, void *buf, size_t count, off_t off)
{
	return pread64(fd, buf, count, off);
}

static void maybe_die(const char *what)
{
	static long long calls;
	long long kill_at = env_ll("KJ_FAULT_KILL_AT");
	const char *count = getenv("KJ_FAULT_COUNT");
	/* loader workers write in parallel: count atomically (ThreadSanitizer saw it) */
	long long n = __atomic_add_fetch(&calls, 1, __ATOMIC_RELAXED);

	if (count) {
		FILE *f = fopen(count, "a");
		if (f) {
			fprintf(f, "%s\n", what);
			fclose(f);
		}
	}
	if (kill_at > 0 && n >= kill_at)
		_exit(137);
}

/* ---- Power loss. Every write to the file since its last sync is journaled with the
 * bytes it overwrote (read before the write, through our own descriptor) and the bytes
 * it wrote; the cut puts the overwritten bytes back newest first, which leaves the file
 * as the last sync did, then writes again, oldest first, what the disk may have kept. */

struct jentry {
	off_t off;
	size_t len;
	uint8_t *old;  /* what the write overwrote (zeros past the end of the file) */
	uint8_t *data; /* what it wrote */
};

static struct {
	pthread_mutex_t lock; /* one write or sync at a time: journal and file agree */
	struct jentry *e;
	size_t n, cap;
	int pending; /* e[n - 1] belongs to the write in flight */
	long long calls, syncs;
	int fd; /* ours on the file: no O_DIRECT, whatever the program opened it with */
} J = {.lock = PTHREAD_MUTEX_INITIALIZER, .fd = -1};

static int powerloss_armed(void)
{
	return env_ll("KJ_FAULT_POWERLOSS_AT") > 0;
}

static int watched(int fd)
{
	return (powerloss_armed() || getenv("KJ_FAULT_TRACE")) && is_target(fd);
}

static void trace(const char *fmt, ...)
{
	const char *path = getenv("KJ_FAULT_TRACE");
	FILE *f;
	va_list ap;

	if (!path || !(f = fopen(path, "a")))
		return;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fclose(f);
}

/* The shim cannot model the power loss it was asked for: a test must not pass on that. */
static void give_up(const char *why, int err)
{
	fprintf(stderr, "faultio: %s: %s\n", why, strerror(err));
	_exit(98);
}

static void free_entry(struct jentry *e)
{
	free(e->old);
	free(e->data);
}

static int put(const uint8_t *buf, off_t off, size_t len)
{
	while (len) {
		ssize_t n = REAL(pwrite64)(J.fd, buf, len, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		buf += n;
		off += n;
		len -= (size_t)n;
	}
	return 0;
}

/* What the power loss does to sector `sector` (its byte offset) of the ith of n writes. */
static int spared(const char *mode, size_t i, size_t n, off_t sector)
{
	uint64_t x;

	if (!strcmp(mode, "none"))
		return 1;
	if (!strcmp(mode, "odd"))
		return i % 2 == 1;
	if (!strcmp(mode, "even"))
		return i % 2 == 0;
	if (!strcmp(mode, "early"))
		return i >= n / 2;
	if (!strcmp(mode, "late"))
		return i < n / 2;
	if (strncmp(mode, "sectors:", 8))
		return 0; /* all */
	/* splitmix64: a fixed, well-spread choice per seed, write and sector */
	x = strtoull(mode + 8, NULL, 0) ^ ((uint64_t)i << 40) ^ (uint64_t)sector;
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return (x ^ (x >> 31)) & 1;
}

static int mode_known(const char *m)
{
	static const char *const modes[] = {"all", "none", "odd", "even", "early", "late"};

	for (size_t i = 0; i < sizeof(modes) / sizeof(*modes); i++)
		if (!strcmp(m, modes[i]))
			return 1;
	return !strncmp(m, "sectors:", 8) && m[8];
}

/* The bytes of e[i] the disk kept, written again unless dry: returns how many. */
static size_t replay(const char *mode, size_t i, int dry)
{
	const struct jentry *e = &J.e[i];
	off_t end = e->off + (off_t)e->len;
	size_t kept = 0;
	int rc;

	for (off_t s = e->off; s < end;) {
		off_t run = s;
		int keep = spared(mode, i, J.n, s - s % SECTOR);
		do /* the run of sectors that share this fate */
			s = (s / SECTOR + 1) * SECTOR < end ? (s / SECTOR + 1) * SECTOR : end;
		while (s < end && spared(mode, i, J.n, s) == keep);
		if (!keep)
			continue;
		if (!dry && (rc = put(e->data + (run - e->off), run, (size_t)(s - run))) < 0)
			give_up("cannot replay a kept write", -rc);
		kept += (size_t)(s - run);
	}
	return kept;
}

static void power_loss(const char *at)
{
	const char *mode = getenv("KJ_FAULT_LOSE") ? getenv("KJ_FAULT_LOSE") : "all";
	int undo = !getenv("KJ_FAULT_NO_UNDO"), rc;

	if (!mode_known(mode))
		give_up("unknown KJ_FAULT_LOSE mode", EINVAL);
	trace("cut %s", at);
	for (size_t i = J.n; undo && i-- > 0;)
		if ((rc = put(J.e[i].old, J.e[i].off, J.e[i].len)) < 0)
			give_up("cannot undo a write", -rc);
	for (size_t i = 0; i < J.n; i++) {
		size_t kept = replay(mode, i, !undo);
		trace("%s %lld %zu",
		      kept == 0		   ? "lost"
		      : kept == J.e[i].len ? "kept"
					   : "torn",
		      (long long)J.e[i].off, J.e[i].len);
	}
}

/* A write or sync of the file: counted, and the power loss may strike before it. */
static void tick(const char *what, off_t off, size_t len)
{
	char at[32];

	J.calls++;
	if (off >= 0)
		trace("%lld %s %lld %zu", J.calls, what, (long long)off, len);
	else
		trace("%lld %s", J.calls, what);
	if (J.calls != env_ll("KJ_FAULT_POWERLOSS_AT"))
		return;
	snprintf(at, sizeof(at), "%lld", J.calls);
	power_loss(at);
	_exit(137);
}

static uint8_t *aligned(size_t len)
{
	void *p = NULL;
	size_t cap = (len + BUF_ALIGN - 1) / BUF_ALIGN * BUF_ALIGN;
	return posix_memalign(&p, BUF_ALIGN, cap ? cap : BUF_ALIGN) ? NULL : p;
}

/* Read what [off, off + len) holds now; past the end of the file it reads as zeros (a
 * lost write that would have grown the file leaves a hole, not a shorter file). */
static int save_old(uint8_t *old, off_t off, size_t len)
{
	size_t got = 0;

	memset(old, 0, len);
	while (got < len) {
		ssize_t n = REAL(pread64)(J.fd, old + got, len - got, off + (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return 0;
}

/* Journal a write about to be made: what it will overwrite, and what it writes. */
static int journal_add(off_t off, const struct iovec *iov, int iovcnt, size_t len)
{
	struct jentry e = {.off = off, .len = len};
	size_t at = 0;
	int rc;

	if (J.fd < 0 && (J.fd = open(getenv("KJ_FAULT_PATH"), O_RDWR | O_CLOEXEC)) < 0)
		return -errno;
	if (J.n == J.cap) {
		size_t cap = J.cap ? 2 * J.cap : 64;
		struct jentry *p = realloc(J.e, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		J.e = p;
		J.cap = cap;
	}
	e.old = aligned(len);
	e.data = aligned(len);
	if (!e.old || !e.data) {
		free_entry(&e);
		return -ENOMEM;
	}
	if ((rc = save_old(e.old, off, len)) < 0) {
		free_entry(&e);
		return rc;
	}
	for (int i = 0; i < iovcnt; at += iov[i++].iov_len)
		memcpy(e.data + at, iov[i].iov_base, iov[i].iov_len);
	J.e[J.n++] = e;
	J.pending = 1;
	return 0;
}

/* Before a write of the file: count it, journal it. Leaves the journal locked. */
static void write_begin(off_t off, const struct iovec *iov, int iovcnt)
{
	size_t len = 0;
	int rc;

	for (int i = 0; i < iovcnt; i++)
		len += iov[i].iov_len;
	pthread_mutex_lock(&J.lock);
	tick("write", off, len);
	if (len && powerloss_armed() && (rc = journal_add(off, iov, iovcnt, len)) < 0)
		give_up("cannot journal a write", -rc);
}

/* The bytes of e from `from` to `to` (inside it), as an entry of their own. */
static int sub_entry(const struct jentry *e, off_t from, off_t to, struct jentry *ret)
{
	size_t len = (size_t)(to - from), skip = (size_t)(from - e->off);

	*ret = (struct jentry){.off = from, .len = len, .old = aligned(len), .data = aligned(len)};
	if (!ret->old || !ret->data) {
		free_entry(ret);
		return -ENOMEM;
	}
	memcpy(ret->old, e->old + skip, len);
	memcpy(ret->data, e->data + skip, len);
	return 0;
}

static void journal_clear(void)
{
	for (size_t i = 0; i < J.n; i++)
		free_entry(&J.e[i]);
	J.n = 0;
}

/* Bytes [from, to) of the file are durable: drop them from the journal. The parts of a
 * write outside the range stay, in its place (the replay keeps the order of writes). */
static int journal_sync(off_t from, off_t to)
{
	struct jentry *keep;
	size_t w = 0, cap = 2 * J.n + 1;

	if (from <= 0 && to == OFF_END) {
		journal_clear();
		return 0;
	}
	if (!(keep = malloc(cap * sizeof(*keep))))
		return -ENOMEM;
	for (size_t i = 0; i < J.n; i++) {
		struct jentry *e = &J.e[i];
		off_t end = e->off + (off_t)e->len;
		if (end <= from || e->off >= to) {
			keep[w++] = *e;
			continue;
		}
		if ((e->off < from && sub_entry(e, e->off, from, &keep[w++]) < 0) ||
		    (end > to && sub_entry(e, to, end, &keep[w++]) < 0)) {
			free(keep);
			return -ENOMEM;
		}
		free_entry(e);
	}
	free(J.e);
	J.e = keep;
	J.n = w;
	J.cap = cap;
	return 0;
}

/* After a write: keep in the journal what it did (n bytes, or nothing). Through O_SYNC
 * or O_DSYNC what it wrote is durable when it returns, over older unsynced writes too. */
static ssize_t write_end(int fd, off_t off, ssize_t n)
{
	int fl = fcntl(fd, F_GETFL), rc = 0;

	if (J.pending && n <= 0)
		free_entry(&J.e[--J.n]);
	else if (J.pending && (size_t)n < J.e[J.n - 1].len)
		J.e[J.n - 1].len = (size_t)n;
	J.pending = 0;
	if (n > 0 && fl >= 0 && (fl & O_DSYNC))
		rc = journal_sync(off, off + n);
	if (rc < 0)
		give_up("cannot record a synchronous write", -rc);
	pthread_mutex_unlock(&J.lock);
	return n;
}

static void sync_begin(void)
{
	pthread_mutex_lock(&J.lock);
	tick("sync", -1, 0);
}

/* A sync that succeeded made [from, to) durable, unless it is the one to skip. */
static void sync_end(int ok, off_t from, off_t to)
{
	int err;

	if (++J.syncs != env_ll("KJ_FAULT_SKIP_SYNC") && ok && (err = journal_sync(from, to)) < 0)
		give_up("cannot record a sync", -err);
	pthread_mutex_unlock(&J.lock);
}

/* A power loss after a process that never reached the cut: what it left unsynced. */
__attribute__((destructor)) static void exit_cut(void)
{
	if (!powerloss_armed() || !J.calls)
		return;
	pthread_mutex_lock(&J.lock);
	power_loss("exit");
	pthread_mutex_unlock(&J.lock);
}

/* ---- The interposed writes and syncs. */

ssize_t pwrite64(int fd, const void *buf, size_t count, off_t off)
{
	struct iovec v = {(void *)buf, count};

	maybe_die("pwrite");
	if (!watched(fd))
		return REAL(pwrite64)(fd, buf, count, off);
	write_begin(off, &v, 1);
	return write_end(fd, off, REAL(pwrite64)(fd, buf, count, off));
}

ssize_t pwrite(int fd, const void *buf, size_t count, off_t off)
{
	return pwrite64(fd, buf, count, off);
}

ssize_t pwritev64(int fd, const struct iovec *iov, int iovcnt, off_t off)
{
	if (!watched(fd) || iovcnt < 0)
		return REAL(pwritev64)(fd, iov, iovcnt, off);
	write_begin(off, iov, iovcnt);
	return write_end(fd, off, REAL(pwritev64)(fd, iov, iovcnt, off));
}

ssize_t pwritev(int fd, const struct iovec *iov, int iovcnt, off_t off)
{
	return pwritev64(fd, iov, iovcnt, off);
}

/* write() goes where the file offset is, or to the end with O_APPEND. */
static off_t write_pos(int fd)
{
	struct stat st;
	int fl = fcntl(fd, F_GETFL);

	if (fl >= 0 && (fl & O_APPEND))
		return fstat(fd, &st) < 0 ? -1 : st.st_size;
	return lseek(fd, 0, SEEK_CUR);
}

ssize_t write(int fd, const void *buf, size_t count)
{
	struct iovec v = {(void *)buf, count};
	off_t off;

	if (!watched(fd) || (off = write_pos(fd)) < 0)
		return REAL(write)(fd, buf, count);
	write_begin(off, &v, 1);
	return write_end(fd, off, REAL(write)(fd, buf, count));
}

int fsync(int fd)
{
	int rc;

	maybe_die("fsync");
	if (!watched(fd))
		return REAL(fsync)(fd);
	sync_begin();
	rc = REAL(fsync)(fd);
	sync_end(rc == 0, 0, OFF_END);
	return rc;
}

int fdatasync(int fd)
{
	int rc;

	if (!watched(fd))
		return REAL(fdatasync)(fd);
	sync_begin();
	rc = REAL(fdatasync)(fd);
	sync_end(rc == 0, 0, OFF_END);
	return rc;
}

/* Durable only when it waited for the writeback it started; it never flushes the
 * disk's cache, so this is generous (kjump does not call it). */
int sync_file_range(int fd, off_t off, off_t nbytes, unsigned int flags)
{
	const unsigned int durable = SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER;
	int rc;

	if (!watched(fd))
		return REAL(sync_file_range)(fd, off, nbytes, flags);
	sync_begin();
	rc = REAL(sync_file_range)(fd, off, nbytes, flags);
	sync_end(rc == 0 && (flags & durable) == durable, off, nbytes ? off + nbytes : OFF_END);
	return rc;
}

/* syncfs() on the file's filesystem, and sync(), sync the file too. */
static int same_fs(int fd)
{
	struct stat a, b;
	const char *path = getenv("KJ_FAULT_PATH");

	return path && fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev;
}

int syncfs(int fd)
{
	int rc, on = (powerloss_armed() || getenv("KJ_FAULT_TRACE")) && same_fs(fd);

	if (!on)
		return REAL(syncfs)(fd);
	sync_begin();
	rc = REAL(syncfs)(fd);
	sync_end(rc == 0, 0, OFF_END);
	return rc;
}

void sync(void)
{
	const char *path = getenv("KJ_FAULT_PATH");

	if (!path || !(powerloss_armed() || getenv("KJ_FAULT_TRACE"))) {
		REAL(sync)();
		return;
	}
	sync_begin();
	REAL(sync)();
	sync_end(1, 0, OFF_END);
}

/* ---- The closes that end a passing read fault. */

/* Whether the program still has a descriptor on the file (the journal's is ours). */
static int still_open(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int found = 0;

	if (!d)
		return 1;
	while (!found && (e = readdir(d))) {
		int fd = atoi(e->d_name);
		found = e->d_name[0] != '.' && fd != dirfd(d) && fd != J.fd && is_target(fd);
	}
	closedir(d);
	return found;
}

int close(int fd)
{
	int counted = getenv("KJ_FAULT_CLOSES") && is_target(fd), rc = REAL(close)(fd);

	if (counted && rc == 0 && !still_open())
		__atomic_add_fetch(&closes, 1, __ATOMIC_RELAXED);
	return rc;
}
