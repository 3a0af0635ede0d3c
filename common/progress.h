/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* Progress and summary lines for long loads and saves (top-level use only). */
#include <stdint.h>

struct kj_progress {
	const char *what; /* "loading", "saving" */
	double start;	  /* kj_now() at the start */
	int last_pct;	  /* last percent printed */
};

double kj_now(void); /* CLOCK_MONOTONIC seconds */
void kj_progress_start(struct kj_progress *p, const char *what);
/* Prints "what: 40% (400/1000 MiB, 812.3 MB/s)" at most every 20 %. */
void kj_progress_update(struct kj_progress *p, uint64_t done, uint64_t total);
double kj_mbps(uint64_t bytes, double seconds);
