/* SPDX-License-Identifier: GPL-2.0-only */
/* Summary statistics of latency samples: the one definition of p50/p90/p99
 * that every prereg result uses. */
#ifndef PREREG_STATS_H
#define PREREG_STATS_H

#include <stddef.h>
#include <stdint.h>

struct stats {
	size_t n;
	double min, max, mean, stddev;
	double p50, p90, p99;
};

/* Percentile q (0..100) of n ascending samples, by linear interpolation
 * between closest ranks (the definition numpy and R type 7 use). */
double stats_percentile_sorted(const double *sorted, size_t n, double q);

/* Sorts samples in place and fills *out. n == 0 gives all zeros. */
void stats_compute(double *samples, size_t n, struct stats *out);

#endif
