/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "progress.h"

#include <time.h>

#include "log.h"

double kj_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void kj_progress_start(struct kj_progress *p, const char *what)
{
	p->what = what;
	p->start = kj_now();
	p->last_pct = 0;
}

double kj_mbps(uint64_t bytes, double seconds)
{
	return seconds > 0 ? (double)bytes / 1e6 / seconds : 0.0;
}

void kj_progress_update(struct kj_progress *p, uint64_t done, uint64_t total)
{
	int pct = total ? (int)(done * 100 / total) : 100;

	/* A few lines, not a flood: the console may be a slow serial port. */
	if (pct < p->last_pct + 20 || pct >= 100 || kj_now() - p->start < 1.0)
		return;
	p->last_pct = pct - pct % 20;
	log_notice("%s: %d%% (%llu/%llu MiB, %.1f MB/s)", p->what, pct,
		   (unsigned long long)(done >> 20), (unsigned long long)(total >> 20),
		   kj_mbps(done, kj_now() - p->start));
}
