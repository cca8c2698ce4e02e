/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * check_report: the "ok"/"FAIL" lines the prereg selftests print, one per
 * check, and the count of failed checks their exit status comes from.
 */
#ifndef CHECK_REPORT_H
#define CHECK_REPORT_H

#include <stdbool.h>

/* Checks that failed so far */
extern int check_failures;

/* Prints "ok" or "FAIL" and what was checked (printf-style); counts a failure */
void check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * check(), silent when @ok unless PREREG_CHECK_VERBOSE is set: for checks
 * repeated thousands of times, whose successes would drown the failures.
 */
void check_quiet(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
