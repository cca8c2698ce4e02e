// SPDX-License-Identifier: GPL-2.0-only
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "check_report.h"

int check_failures;

static void vcheck(bool ok, bool shown, const char *fmt, va_list ap)
{
	if (shown) {
		printf("%-4s ", ok ? "ok" : "FAIL");
		vprintf(fmt, ap);
		putchar('\n');
	}
	if (!ok)
		check_failures++;
}

void check(bool ok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vcheck(ok, true, fmt, ap);
	va_end(ap);
}

void check_quiet(bool ok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vcheck(ok, !ok || getenv("PREREG_CHECK_VERBOSE"), fmt, ap);
	va_end(ap);
}
