// SPDX-License-Identifier: GPL-2.0-only
/*
 * prereg_dma: real DMA through the TCEs that VFIO sets, checked byte by byte.
 *
 * Drives the test host's NVMe from userspace through a VFIO container (v1 or
 * v2), reads a multi-page buffer from it and compares every byte with the
 * pattern its backing file holds (each 4 KiB block repeats "prereg block
 * %010d\n" with its own number). A wrong TCE shows up as wrong bytes, zeros,
 * or a DMA error from the device.
 *
 * It also maps a run that crosses into a page it must not map: in v2 a page
 * that is not registered (MAP_DMA must fail with EINVAL), in v1 a page that
 * cannot be pinned because it is PROT_NONE (EFAULT). Either way no TCE of the
 * run may be left set, which the device proves by failing to write there,
 * and the same buffer must map and read correctly again afterwards.
 *
 * Usage: prereg_dma v1|v2 [PAGES]   (default 600 pages: more than one 512-TCE
 * batch). Exit 0 when every check passes, 1 when one fails, 2 on a setup
 * error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/vfio.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "anon_mem.h"
#include "nvme_vfio.h"
#include "vfio_spapr.h"
static int failures;

static void check(bool ok, const char *what)
{
	printf("%-4s %s\n", ok ? "ok" : "FAIL", what);
	if (!ok)
		failures++;
}

int main(int argc, char **argv)
{
	long sys_page = sysconf(_SC_PAGESIZE);
	unsigned int pages = argc > 2 ? (unsigned int)strtoul(argv[2], NULL, 10) : 600;
	enum spapr_mode mode;
	struct spapr_container ct;
	struct spapr_dev dev;
	struct ctrl c = { 0 };
	size_t ctl_size, buf_size;
	uint8_t *buf;
	uint64_t buf_iova, block = 1000;
	char what[160];
	long ret;
	int st;

	if (argc < 2 || (strcmp(argv[1], "v1") && strcmp(argv[1], "v2")) || pages < 2 ||
	    pages > 4096 || NVME_PAGE % 4096) {
		fprintf(stderr, "usage: prereg_dma v1|v2 [PAGES (2..4096, default 600)]\n");
		return 2;
	}
	mode = !strcmp(argv[1], "v1") ? SPAPR_V1 : SPAPR_V2;
	ctl_size = ((NCTL * NVME_PAGE + sys_page - 1) / sys_page) * sys_page;
	buf_size = (((size_t)pages * NVME_PAGE + sys_page - 1) / sys_page) * sys_page;
	if (spapr_dev_prepare(NULL, SPAPR_CLASS_NVME, &dev) || spapr_open(&dev, mode, &ct))
		return 2;
	open_device(&c, &dev, &ct);
	c.ctl = anon_mem(ctl_size, 0);
	buf = anon_mem(buf_size + sys_page, 0);	/* one page more: the fault case */
	if (!c.ctl || !buf)
		die("allocating DMA memory");
	c.ctl_iova = ct.dma32_start;
	buf_iova = ct.dma32_start + ctl_size;
	printf("# prereg_dma %s: NVMe %s, %u pages of %u bytes at IOVA %#llx\n",
	       spapr_mode_name(mode), dev.bdf, pages, NVME_PAGE, (unsigned long long)buf_iova);

	if (mode == SPAPR_V2 && (spapr_register(&ct, c.ctl, ctl_size) ||
				 spapr_register(&ct, buf, buf_size)))
		die("REGISTER_MEMORY of the DMA buffers");
	ret = spapr_map(&ct, c.ctl, c.ctl_iova, ctl_size);
	if (ret)
		errno = (int)-ret, die("MAP_DMA of the control pages");
	nvme_init(&c);
	printf("# NVMe ready: %u-byte blocks\n", 1u << c.lba_shift);

	ret = spapr_map(&ct, buf, buf_iova, buf_size);
	snprintf(what, sizeof(what), "MAP_DMA of the %u-page buffer", pages);
	check(ret == 0, what);
	if (ret == 0) {
		memset(buf, 0, buf_size);
		st = nvme_read(&c, block, buf_iova, pages);
		snprintf(what, sizeof(what), "NVMe read of %u blocks into it completes (status %#x)",
			 pages, st);
		check(st == 0, what);
		snprintf(what, sizeof(what), "all %u blocks hold their pattern", pages);
		check(st == 0 && bad_blocks(buf, block, pages) == 0, what);
		check(spapr_unmap(&ct, buf_iova, buf_size) == 0, "UNMAP_DMA of the buffer");
		check(!device_can_write(&c, buf, buf_iova, block),
		      "after UNMAP_DMA the device cannot write there");
	}

	{
		/*
		 * The page after the buffer: not registered (v2), or not
		 * pinnable (v1). In v1 the run is longer than one 512-page
		 * batch, so the batch holding the bad page goes page by page.
		 */
		long before = mode == SPAPR_V2 ? mapped_tces() : -1;
		long expect = mode == SPAPR_V2 ? -EINVAL : -EFAULT;

		if (mode == SPAPR_V1 && mprotect(buf + buf_size, sys_page, PROT_NONE))
			die("mprotect of the page after the buffer");
		ret = spapr_map(&ct, buf, buf_iova, buf_size + sys_page);
		snprintf(what, sizeof(what), "MAP_DMA of a run crossing into %s: %s (got %ld)",
			 mode == SPAPR_V2 ? "an unregistered page" : "a PROT_NONE page",
			 mode == SPAPR_V2 ? "EINVAL" : "EFAULT", ret);
		check(ret == expect, what);
		if (before >= 0)
			check(mapped_tces() == before, "no TCE of the failed run counted in debugfs");
		check(!device_can_write(&c, buf, buf_iova, block),
		      "no TCE of the failed run is set (the device cannot write there)");
		ret = spapr_map(&ct, buf, buf_iova, buf_size);
		check(ret == 0, "the same buffer maps again afterwards");
		if (ret == 0) {
			memset(buf, 0, buf_size);
			st = nvme_read(&c, block + pages, buf_iova, pages);
			check(st == 0 && bad_blocks(buf, block + pages, pages) == 0,
			      "a second read through the new TCEs holds the next blocks' pattern");
			check(spapr_unmap(&ct, buf_iova, buf_size) == 0, "UNMAP_DMA again");
		}
	}

	wr32(&c, 0x14, 0);	/* stop the controller before its queues go away */
	munmap((void *)c.bar, c.bar_size);
	close(c.dev_fd);
	spapr_unmap(&ct, c.ctl_iova, ctl_size);
	spapr_close(&ct);
	printf("# %d failed\n", failures);
	return failures ? 1 : 0;
}
