// SPDX-License-Identifier: GPL-2.0-only
/*
 * prereg_window_alloc: creating a DMA window while the kernel's page
 * allocations fail.
 *
 * A window of a v2 container needs host memory besides the TCE table the
 * hypervisor builds: among others, the table's userspace view, one entry
 * per TCE (2 MiB for the 1 GiB window of 4 KiB pages used here). When any
 * of it cannot be allocated, VFIO_IOMMU_SPAPR_TCE_CREATE must fail with an
 * errno and leave nothing behind; it must never create a window without a
 * view (every MAP_DMA would then write through a NULL pointer).
 *
 * fail_page_alloc (debugfs), for this task only (task-filter), fails the
 * page allocations that follow once `space` bytes have been allocated (a
 * burst of up to FAIL_BURST: a single failure is absorbed by the fallbacks
 * of bulk and vmalloc allocations, which retry page by page). The test
 * sweeps that budget from 0 up in 64 KiB steps until a creation needs no
 * failure at all, so that every allocation of the path fails. After each
 * attempt:
 *   - failed: an errno (ENOMEM expected), the locked memory charged to this
 *     process back to what it was, and the window can be created next time;
 *   - succeeded although a failure was injected: the window must work: a
 *     registered page maps at its start and unmaps (this is where a window
 *     without its view would crash), then the window is removed.
 * At least one attempt must have failed with ENOMEM, and the sweep must end
 * with a creation that no injected failure touched.
 *
 * A v2 container creates its default 32-bit window (1 GiB of 4 KiB pages
 * here, charged like any other) at its first MAP_DMA or TCE_CREATE. The
 * test makes it exist before it reads the baseline, so that what the sweep
 * charges and returns is the new window's alone.
 *
 * usage: prereg_window_alloc. Exit 0 when every check passes, 1 when one
 * fails, 2 on a setup error, 77 without fail_page_alloc in debugfs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "anon_mem.h"
#include "check_report.h"
#include "vfio_spapr.h"

#define FAIL_DIR	"/sys/kernel/debug/fail_page_alloc"
#define WINDOW_SHIFT	12		/* 4 KiB IOMMU pages: a large view */
#define WINDOW_SIZE	(1ULL << 30)
#define BUDGET_STEP	(64 << 10)
#define MAX_ATTEMPTS	512		/* 32 MiB of budget: far past the path */
#define FAIL_BURST	64		/* failures injected after the budget */



static void write_file(const char *path, const char *fmt, ...)
{
	FILE *f = fopen(path, "w");
	va_list ap;
	int bad;

	if (!f) {
		fprintf(stderr, "prereg_window_alloc: opening %s: %s\n", path, strerror(errno));
		exit(2);
	}
	va_start(ap, fmt);
	bad = vfprintf(f, fmt, ap) < 0;
	va_end(ap);
	if (fclose(f) || bad) {
		fprintf(stderr, "prereg_window_alloc: writing %s: %s\n", path, strerror(errno));
		exit(2);
	}
}

static long read_number(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (!f || fscanf(f, "%ld", &v) != 1) {
		fprintf(stderr, "prereg_window_alloc: reading %s\n", path);
		exit(2);
	}
	fclose(f);
	return v;
}

/* VmLck of this process, in KiB */
static long locked_kib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long v = -1;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmLck: %ld kB", &v) == 1)
			break;
	if (f)
		fclose(f);
	return v;
}

static long create_window(struct spapr_container *c, uint64_t *start)
{
	struct vfio_iommu_spapr_tce_create cr = {
		.argsz = sizeof(cr), .page_shift = WINDOW_SHIFT,
		.window_size = WINDOW_SIZE, .levels = 1,
	};
	long ret = spapr_ioctl(c->container_fd, VFIO_IOMMU_SPAPR_TCE_CREATE, &cr);

	*start = cr.start_addr;
	return ret;
}

static long remove_window(struct spapr_container *c, uint64_t start)
{
	struct vfio_iommu_spapr_tce_remove rm = { .argsz = sizeof(rm), .start_addr = start };

	return spapr_ioctl(c->container_fd, VFIO_IOMMU_SPAPR_TCE_REMOVE, &rm);
}

int main(void)
{
	struct spapr_container c;
	struct spapr_dev dev;
	long page = sysconf(_SC_PAGESIZE), ret, base_lck;
	unsigned int attempt, enomem = 0, other = 0, survived = 0;
	bool clean = false;
	uint64_t start;
	void *buf;

	if (access(FAIL_DIR "/space", W_OK)) {
		fprintf(stderr, "prereg_window_alloc: no %s: kernel without FAIL_PAGE_ALLOC\n",
			FAIL_DIR);
		return 77;
	}
	if (spapr_dev_prepare(NULL, SPAPR_CLASS_NVME, &dev) || spapr_open(&dev, SPAPR_V2, &c))
		return 2;
	buf = anon_mem((size_t)page, 0);
	if (!buf || spapr_register(&c, buf, (uint64_t)page)) {
		fprintf(stderr, "prereg_window_alloc: registering a page failed\n");
		return 2;
	}
	/* The default window, made now (at the first MAP_DMA), outside the sweep */
	if (spapr_map(&c, buf, c.dma32_start, (uint64_t)page) ||
	    spapr_unmap(&c, c.dma32_start, (uint64_t)page)) {
		fprintf(stderr, "prereg_window_alloc: a map in the default window failed\n");
		return 2;
	}
	/* Every page allocation of this task may fail, sleeping ones and order 0 too */
	write_file(FAIL_DIR "/task-filter", "Y");
	write_file(FAIL_DIR "/probability", "100");
	write_file(FAIL_DIR "/interval", "1");
	write_file(FAIL_DIR "/ignore-gfp-wait", "N");
	write_file(FAIL_DIR "/ignore-gfp-highmem", "N");
	write_file(FAIL_DIR "/min-order", "0");
	write_file(FAIL_DIR "/verbose", "0");
	base_lck = locked_kib();
	printf("# prereg_window_alloc: NVMe %s, a %llu MiB window of %u KiB pages, VmLck %ld KiB\n",
	       dev.bdf, WINDOW_SIZE >> 20, 1U << (WINDOW_SHIFT - 10), base_lck);

	for (attempt = 0; attempt < MAX_ATTEMPTS && !clean; attempt++) {
		bool injected;

		write_file(FAIL_DIR "/space", "%u", attempt * BUDGET_STEP);
		write_file(FAIL_DIR "/times", "%d", FAIL_BURST);
		write_file("/proc/self/make-it-fail", "1");
		ret = create_window(&c, &start);
		write_file("/proc/self/make-it-fail", "0");
		injected = read_number(FAIL_DIR "/times") < FAIL_BURST;
		write_file(FAIL_DIR "/times", "0");

		if (!injected) {
			check(ret == 0, "budget %u KiB: no allocation failed, TCE_CREATE returned %ld",
			      attempt * BUDGET_STEP >> 10, ret);
			clean = true;
		} else if (ret < 0) {
			if (ret == -ENOMEM)
				enomem++;
			else
				other++;
			check(locked_kib() == base_lck,
			      "budget %u KiB: TCE_CREATE failed (%s), VmLck back to %ld KiB (is %ld)",
			      attempt * BUDGET_STEP >> 10, strerror((int)-ret), base_lck,
			      locked_kib());
			continue;
		} else {
			survived++;
		}
		if (ret == 0) {
			/* The window must be usable: this writes its userspace view */
			check(spapr_map(&c, buf, start, (uint64_t)page) == 0,
			      "budget %u KiB: MAP_DMA a page at the window's start",
			      attempt * BUDGET_STEP >> 10);
			check(spapr_unmap(&c, start, (uint64_t)page) == 0, "UNMAP_DMA it");
			check(remove_window(&c, start) == 0, "TCE_REMOVE the window");
		}
	}
	printf("# %u attempts: %u ENOMEM, %u other errors, %u windows created despite a failure\n",
	       attempt, enomem, other, survived);
	check(clean, "the sweep reached a budget no creation exhausted");
	check(enomem > 0, "some injected failure made TCE_CREATE fail with ENOMEM (%u)", enomem);
	check(other == 0, "no failure other than ENOMEM (%u)", other);
	check(locked_kib() == base_lck, "VmLck at the end %ld KiB, as at the start", locked_kib());
	spapr_unregister(&c, buf, (uint64_t)page);
	spapr_close(&c);
	printf("# %d failed\n", check_failures);
	return check_failures ? 1 : 0;
}
