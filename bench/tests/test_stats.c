// SPDX-License-Identifier: GPL-2.0-only
/* Host unit test of the statistics every result relies on. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "stats.h"

static int failed;

#define CHECK_NEAR(got, want)                                                   \
	do {                                                                    \
		double g_ = (got), w_ = (want);                                 \
		if (fabs(g_ - w_) > 1e-9 * (fabs(w_) + 1)) {                    \
			fprintf(stderr, "%s:%d: %s = %.12g, want %.12g\n",      \
				__FILE__, __LINE__, #got, g_, w_);              \
			failed++;                                               \
		}                                                               \
	} while (0)

int main(void)
{
	struct stats st;
	double one[] = { 42 };
	double ten[] = { 10, 1, 9, 2, 8, 3, 7, 4, 6, 5 };	/* unsorted on purpose */
	double same[] = { 3, 3, 3, 3 };
	double *big = malloc(1001 * sizeof(*big));

	stats_compute(NULL, 0, &st);
	CHECK_NEAR(st.n, 0);
	CHECK_NEAR(st.p50, 0);

	stats_compute(one, 1, &st);
	CHECK_NEAR(st.p50, 42);
	CHECK_NEAR(st.p99, 42);
	CHECK_NEAR(st.stddev, 0);

	stats_compute(ten, 10, &st);
	CHECK_NEAR(st.min, 1);
	CHECK_NEAR(st.max, 10);
	CHECK_NEAR(st.mean, 5.5);
	CHECK_NEAR(st.p50, 5.5);		/* between 5 and 6 */
	CHECK_NEAR(st.p90, 9.1);		/* rank 8.1 */
	CHECK_NEAR(st.p99, 9.91);		/* rank 8.91 */
	CHECK_NEAR(st.stddev, sqrt(82.5 / 9));	/* sample stddev of 1..10 */
	CHECK_NEAR(ten[0], 1);			/* sorted in place */

	stats_compute(same, 4, &st);
	CHECK_NEAR(st.p90, 3);
	CHECK_NEAR(st.stddev, 0);

	for (int i = 0; i <= 1000; i++)
		big[i] = 1000 - i;
	stats_compute(big, 1001, &st);
	CHECK_NEAR(st.p50, 500);
	CHECK_NEAR(st.p90, 900);
	CHECK_NEAR(st.p99, 990);
	CHECK_NEAR(stats_percentile_sorted(big, 1001, 0), 0);
	CHECK_NEAR(stats_percentile_sorted(big, 1001, 100), 1000);
	CHECK_NEAR(stats_percentile_sorted(big, 1001, 150), 1000);
	free(big);

	if (failed)
		fprintf(stderr, "%d check(s) failed\n", failed);
	else
		printf("stats: all checks passed\n");
	return failed ? 1 : 0;
}
