// SPDX-License-Identifier: GPL-2.0-only
/*
 * prereg_faults: what MAP_DMA and UNMAP_DMA leave behind when the
 * hypervisor's batched TCE calls fail, judged by the device and the
 * kernel's counters.
 *
 * Our series' fault attribute fail_tce_multi (debugfs) makes a batched set
 * report a failure after its TCEs went in, and a batched clear fail without
 * clearing: the worst a hypervisor can do. Only this process is affected
 * (task-filter). Three cases, in the mode given (v1 or v2):
 *
 *   set fails:            MAP_DMA fails with EIO and nothing of the run is
 *                         left mapped (the device cannot write there).
 *   set and clear fail:   MAP_DMA fails with EIO. Some TCEs may now be live:
 *                         their pages must stay pinned and accounted (v2:
 *                         counted in debugfs, UNREGISTER refused with EBUSY)
 *                         until an UNMAP_DMA clears them, after which the
 *                         device cannot write there and (v2) the buffer
 *                         unregisters.
 *   clear fails on unmap: UNMAP_DMA fails with EIO. The 512-TCE batch whose
 *                         clear failed stays mapped and accounted (the device
 *                         still reads the right data through it, v2 still
 *                         counts it); the rest of the range is cleared; a
 *                         second UNMAP_DMA then clears the batch.
 *
 * Each case ends with the buffer mapped and read again, pattern checked:
 * nothing was lost. The kernel is expected to warn once for a clear that
 * failed (checked on the build host).
 *
 * usage: prereg_faults v1|v2. Exit 0 when every check passes, 1 when one
 * fails, 2 on a setup error (77 without fail_tce_multi: not our kernel).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "anon_mem.h"
#include "check_report.h"
#include "nvme_vfio.h"
#include "vfio_spapr.h"

#define FAIL_DIR	"/sys/kernel/debug/fail_tce_multi"
#define RUN_PAGES	600	/* one full 512-TCE batch and a partial one */
#define FAILED_BATCH	512	/* the first batch: the one an armed call fails */

static struct spapr_container ct;
static struct ctrl c;
static enum spapr_mode mode;
static uint8_t *buf;
static uint64_t buf_iova, buf_size, block = 9000;


static void write_file(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(val, f) < 0 || fclose(f)) {
		fprintf(stderr, "prereg_faults: writing %s to %s: %s\n", val, path,
			strerror(errno));
		exit(2);
	}
}

/* The next @calls batched TCE calls of this process fail */
static void arm(int calls)
{
	char n[16];

	snprintf(n, sizeof(n), "%d", calls);
	write_file(FAIL_DIR "/times", n);
}

static void disarm(void)
{
	write_file(FAIL_DIR "/times", "0");
}

/* Pages of the buffer's IOVA range the device can write into */
static unsigned int pages_written(void)
{
	unsigned int written = 0;

	/* Every page: a failed set or clear may leave any of them behind */
	for (unsigned int p = 0; p < RUN_PAGES; p++)
		written += device_writes_page(&c, buf + (size_t)p * NVME_PAGE,
					      buf_iova + (uint64_t)p * NVME_PAGE, block + p, NULL);
	return written;
}

/* The buffer maps, reads its pattern and unmaps: nothing was lost */
static void map_read_unmap(const char *when)
{
	long ret = spapr_map(&ct, buf, buf_iova, buf_size);
	int st = -2;

	if (ret == 0) {
		memset(buf, 0, buf_size);
		st = nvme_read(&c, block, buf_iova, RUN_PAGES);
	}
	check(ret == 0 && st == 0 && bad_blocks(buf, block, RUN_PAGES) == 0,
		"%s: map (%ld), read (status %d), pattern in every block", when, ret, st);
	check(spapr_unmap(&ct, buf_iova, buf_size) == 0, "and UNMAP_DMA");
}

static void expect_unmapped(const char *when)
{
	unsigned int w = pages_written();

	check(w == 0, "%s: the device writes no page of the run (wrote %u)", when, w);
}

static void case_set_fails(long base)
{
	long ret;

	arm(1);
	ret = spapr_map(&ct, buf, buf_iova, buf_size);
	disarm();
	check(ret == -EIO, "set fails: MAP_DMA -> %ld (EIO expected)", ret);
	if (mode == SPAPR_V2) {
		check(mapped_tces() == base,
			"set fails: mapped TCEs back to %ld (now %ld)", base, mapped_tces());
	}
	expect_unmapped("set fails");
	map_read_unmap("set fails, afterwards");
}

static void case_set_and_clear_fail(long base)
{
	long ret, tces;

	arm(2);
	ret = spapr_map(&ct, buf, buf_iova, buf_size);
	disarm();
	check(ret == -EIO, "set and clear fail: MAP_DMA -> %ld (EIO expected)", ret);
	if (mode == SPAPR_V2) {
		tces = mapped_tces();
		check(tces > base,
			"set and clear fail: the TCEs that may be live stay counted (%ld > %ld)",
			tces, base);
		ret = spapr_unregister(&ct, buf, buf_size);
		check(ret == -EBUSY,
			"set and clear fail: UNREGISTER refused while they may be live (%ld, EBUSY expected)",
			ret);
		if (ret == 0 && spapr_register(&ct, buf, buf_size))
			die("REGISTER_MEMORY again");
	}
	ret = spapr_unmap(&ct, buf_iova, buf_size);
	check(ret == 0, "set and clear fail: UNMAP_DMA then -> %ld", ret);
	expect_unmapped("set and clear fail, after UNMAP_DMA");
	if (mode == SPAPR_V2) {
		check(mapped_tces() == base,
			"set and clear fail: mapped TCEs back to %ld (now %ld)",
			base, mapped_tces());
		ret = spapr_unregister(&ct, buf, buf_size);
		check(ret == 0, "set and clear fail: UNREGISTER then -> %ld", ret);
		if (spapr_register(&ct, buf, buf_size))
			die("REGISTER_MEMORY again");
	}
	map_read_unmap("set and clear fail, afterwards");
}

static void case_clear_fails(long base)
{
	long ret;
	int st;

	if (spapr_map(&ct, buf, buf_iova, buf_size))
		die("MAP_DMA for the clear case");
	arm(1);
	ret = spapr_unmap(&ct, buf_iova, buf_size);
	disarm();
	check(ret == -EIO, "clear fails: UNMAP_DMA -> %ld (EIO expected)", ret);
	if (mode == SPAPR_V2) {
		check(mapped_tces() == base + FAILED_BATCH,
			"clear fails: the %d TCEs of the failed batch still counted (%ld)",
			FAILED_BATCH, mapped_tces() - base);
	}
	memset(buf, 0, buf_size);
	st = nvme_read(&c, block, buf_iova, FAILED_BATCH);
	check(st == 0 && bad_blocks(buf, block, FAILED_BATCH) == 0,
		"clear fails: the failed batch stays mapped, the device reads its pattern (status %d)",
		st);
	ret = spapr_unmap(&ct, buf_iova, buf_size);
	check(ret == 0, "clear fails: a second UNMAP_DMA -> %ld", ret);
	expect_unmapped("clear fails, after the second UNMAP_DMA");
	if (mode == SPAPR_V2) {
		check(mapped_tces() == base,
			"clear fails: mapped TCEs back to %ld (now %ld)", base, mapped_tces());
	}
}

int main(int argc, char **argv)
{
	struct spapr_dev dev;
	long base = -1;

	if (argc != 2 || (strcmp(argv[1], "v1") && strcmp(argv[1], "v2")) ||
	    sysconf(_SC_PAGESIZE) != NVME_PAGE) {
		fprintf(stderr, "usage: prereg_faults v1|v2   (needs 4 KiB system pages)\n");
		return 2;
	}
	if (access(FAIL_DIR "/times", W_OK)) {
		fprintf(stderr, "prereg_faults: no %s: a kernel without prereg's fault attribute\n",
			FAIL_DIR);
		return 77;
	}
	mode = !strcmp(argv[1], "v1") ? SPAPR_V1 : SPAPR_V2;
	/* Every batched call of this task fails while armed, others never */
	write_file(FAIL_DIR "/probability", "100");
	write_file(FAIL_DIR "/interval", "1");
	write_file(FAIL_DIR "/verbose", "0");
	write_file(FAIL_DIR "/task-filter", "Y");
	disarm();
	write_file("/proc/self/make-it-fail", "1");

	if (spapr_dev_prepare(NULL, SPAPR_CLASS_NVME, &dev) || spapr_open(&dev, mode, &ct))
		return 2;
	open_device(&c, &dev, &ct);
	c.ctl = anon_mem(NCTL * NVME_PAGE, 0);
	buf_size = (uint64_t)RUN_PAGES * NVME_PAGE;
	buf = anon_mem(buf_size, 0);
	if (!c.ctl || !buf)
		die("allocating DMA memory");
	c.ctl_iova = ct.dma32_start;
	buf_iova = ct.dma32_start + NCTL * NVME_PAGE;
	if (mode == SPAPR_V2 && (spapr_register(&ct, c.ctl, NCTL * NVME_PAGE) ||
				 spapr_register(&ct, buf, buf_size)))
		die("REGISTER_MEMORY");
	/* The control pages map one by one: the batched calls never see them */
	for (unsigned int i = 0; i < NCTL; i++)
		if (spapr_map(&ct, c.ctl + i * NVME_PAGE, c.ctl_iova + i * NVME_PAGE, NVME_PAGE))
			die("MAP_DMA of the control pages");
	nvme_init(&c);
	if (mode == SPAPR_V2)
		base = mapped_tces();
	printf("# prereg_faults %s: NVMe %s, a %d-page run at IOVA %#llx\n", spapr_mode_name(mode),
	       dev.bdf, RUN_PAGES, (unsigned long long)buf_iova);
	map_read_unmap("before any fault");

	case_set_fails(base);
	case_set_and_clear_fail(base);
	case_clear_fails(base);

	write_file("/proc/self/make-it-fail", "0");
	wr32(&c, 0x14, 0);
	for (unsigned int i = 0; i < NCTL; i++)
		spapr_unmap(&ct, c.ctl_iova + i * NVME_PAGE, NVME_PAGE);
	spapr_close(&ct);
	printf("# %d failed\n", check_failures);
	return check_failures ? 1 : 0;
}
