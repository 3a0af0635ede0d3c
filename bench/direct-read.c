/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The disk's rate for kjump's request pattern, with no processing: THREADS readers take
 * consecutive CHUNK_KIB pieces of FILE in turn with O_DIRECT (as kjump-resume keeps
 * workers + 1 group reads of about 1 MiB in flight). Prints MB/s.
 * Usage: direct-read FILE THREADS CHUNK_KIB */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static int fd;
static size_t chunk;
static off_t size;
static off_t next_off;
static int failed;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void *reader(void *arg)
{
	void *buf;

	if (posix_memalign(&buf, 4096, chunk))
		return arg;
	for (;;) {
		off_t o;
		pthread_mutex_lock(&lock);
		o = next_off;
		next_off += (off_t)chunk;
		pthread_mutex_unlock(&lock);
		if (o >= size)
			break;
		if (pread(fd, buf, chunk, o) < 0) {
			failed = 1;
			break;
		}
	}
	free(buf);
	return arg;
}

int main(int argc, char **argv)
{
	struct timespec t0, t1;
	pthread_t tid[64];
	int n;

	if (argc != 4 || (n = atoi(argv[2])) < 1 || n > 64 || atoi(argv[3]) < 4)
		return 2;
	chunk = (size_t)atoi(argv[3]) << 10;
	fd = open(argv[1], O_RDONLY | O_DIRECT);
	if (fd < 0 || (size = lseek(fd, 0, SEEK_END)) <= 0)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < n; i++)
		if (pthread_create(&tid[i], NULL, reader, NULL))
			return 1;
	for (int i = 0; i < n; i++)
		pthread_join(tid[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (failed)
		return 1;
	printf("%.1f\n",
	       (double)size / 1e6 /
		   ((double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9));
	return 0;
}
