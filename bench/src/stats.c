// SPDX-License-Identifier: GPL-2.0-only
#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double stats_percentile_sorted(const double *sorted, size_t n, double q)
{
	double rank, frac;
	size_t lo;

	if (n == 0)
		return 0.0;
	if (q <= 0.0)
		return sorted[0];
	if (q >= 100.0)
		return sorted[n - 1];
	rank = q / 100.0 * (double)(n - 1);
	lo = (size_t)rank;
	frac = rank - (double)lo;
	if (lo + 1 >= n)
		return sorted[n - 1];
	return sorted[lo] + frac * (sorted[lo + 1] - sorted[lo]);
}

void stats_compute(double *samples, size_t n, struct stats *out)
{
	double sum = 0.0, sq = 0.0;

	memset(out, 0, sizeof(*out));
	if (n == 0)
		return;
	qsort(samples, n, sizeof(*samples), cmp_double);
	for (size_t i = 0; i < n; i++)
		sum += samples[i];
	out->n = n;
	out->mean = sum / (double)n;
	for (size_t i = 0; i < n; i++)
		sq += (samples[i] - out->mean) * (samples[i] - out->mean);
	/* Sample standard deviation (n - 1): these are samples of a process. */
	out->stddev = n > 1 ? sqrt(sq / (double)(n - 1)) : 0.0;
	out->min = samples[0];
	out->max = samples[n - 1];
	out->p50 = stats_percentile_sorted(samples, n, 50.0);
	out->p90 = stats_percentile_sorted(samples, n, 90.0);
	out->p99 = stats_percentile_sorted(samples, n, 99.0);
}
