// SPDX-License-Identifier: GPL-2.0-only
/*
 * prereg_uapi: the sPAPR preregistration uAPI, case by case, with the exact
 * errno each call must give and the locked memory (VmLck) it must leave.
 *
 * Runs on the POWER test host against whatever kernel booted it. Prints one
 * line per case and exits non-zero if any case differs from what it expects.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <linux/vfio.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sysinfo.h"
#include "vfio_spapr.h"

static int failures, cases;
static long page;

static const char *errname0(int e)
{
	const char *n;

	if (e == 0)
		return "0";
	n = strerrorname_np(e);
	return n ? n : "E?";
}

static void expect(const char *name, int got_neg, int want_errno)
{
	int got = -got_neg;
	bool ok = got == want_errno;

	cases++;
	if (!ok)
		failures++;
	printf("%-4s %-52s want %-7s got %s\n", ok ? "ok" : "FAIL", name,
	       errname0(want_errno), errname0(got));
}

static void expect_vmlck(const char *name, long want_kib)
{
	long got = sysinfo_vmlck_kib();
	bool ok = got == want_kib;

	cases++;
	if (!ok)
		failures++;
	printf("%-4s %-52s want %ld KiB got %ld KiB\n", ok ? "ok" : "FAIL", name, want_kib, got);
}

static int reg_raw(struct spapr_container *c, unsigned long req, uint32_t argsz,
		   uint32_t flags, uint64_t vaddr, uint64_t size)
{
	struct vfio_iommu_spapr_register_memory r = {
		.argsz = argsz, .flags = flags, .vaddr = vaddr, .size = size,
	};

	return ioctl(c->container_fd, req, &r) ? -errno : 0;
}

#define REG VFIO_IOMMU_SPAPR_REGISTER_MEMORY
#define UNREG VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY
#define ARGSZ ((uint32_t)sizeof(struct vfio_iommu_spapr_register_memory))

static void v2_cases(const struct spapr_dev *dev)
{
	struct spapr_container c;
	size_t size = 4 * page;
	char *buf = mmap(NULL, 8 * page, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t va;
	long base, table_kib;

	if (buf == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	memset(buf, 1, 8 * page);
	va = (uintptr_t)buf;
	if (spapr_open(dev, SPAPR_V2, &c))
		exit(1);
	base = sysinfo_vmlck_kib();

	expect("v2 MAP_DMA before any REGISTER", spapr_map(&c, buf, c.dma32_start, 4096), EPERM);
	expect("REGISTER argsz too small", reg_raw(&c, REG, ARGSZ - 8, 0, va, size), EINVAL);
	expect("REGISTER flags set", reg_raw(&c, REG, ARGSZ, 1, va, size), EINVAL);
	expect("REGISTER vaddr not page aligned", reg_raw(&c, REG, ARGSZ, 0, va + 8, size), EINVAL);
	expect("REGISTER size not page aligned", reg_raw(&c, REG, ARGSZ, 0, va, size - 8), EINVAL);
	expect("REGISTER address wraps", reg_raw(&c, REG, ARGSZ, 0, -(uint64_t)page, 2 * page), EINVAL);
	expect_vmlck("VmLck unchanged after refused REGISTERs", base);
	expect("REGISTER 4 pages", reg_raw(&c, REG, ARGSZ, 0, va, size), 0);
	expect_vmlck("VmLck charged once for the region", base + size / 1024);
	expect("REGISTER same range again (same container)", reg_raw(&c, REG, ARGSZ, 0, va, size), EBUSY);
	expect("REGISTER a subset (overlap)", reg_raw(&c, REG, ARGSZ, 0, va + page, page), EINVAL);
	expect("REGISTER a superset (overlap)", reg_raw(&c, REG, ARGSZ, 0, va, 2 * size), EINVAL);
	expect_vmlck("VmLck unchanged after refused overlaps", base + size / 1024);
	expect("MAP_DMA of unregistered memory", spapr_map(&c, buf + size, c.dma32_start, 4096), EINVAL);
	expect("MAP_DMA of registered memory", spapr_map(&c, buf, c.dma32_start, 4096), 0);
	/* The first MAP creates the default window, whose TCE table (8 bytes
	 * per 4 KiB IOMMU page) is charged to locked memory until the
	 * container closes. */
	table_kib = ((c.dma32_size / 4096 * 8 + page - 1) / page) * page / 1024;
	expect_vmlck("VmLck = region + default window's TCE table", base + size / 1024 + table_kib);
	expect("UNMAP_DMA", spapr_unmap(&c, c.dma32_start, 4096), 0);
	expect("UNREGISTER a range never registered", reg_raw(&c, UNREG, ARGSZ, 0, va + size, page), ENOENT);
	expect("UNREGISTER part of a region", reg_raw(&c, UNREG, ARGSZ, 0, va, page), ENOENT);
	expect("UNREGISTER argsz too small", reg_raw(&c, UNREG, ARGSZ - 8, 0, va, size), EINVAL);
	expect("UNREGISTER flags set", reg_raw(&c, UNREG, ARGSZ, 1, va, size), EINVAL);
	expect("UNREGISTER the region", reg_raw(&c, UNREG, ARGSZ, 0, va, size), 0);
	expect_vmlck("VmLck back to baseline + TCE table", base + table_kib);
	expect("UNREGISTER it again", reg_raw(&c, UNREG, ARGSZ, 0, va, size), ENOENT);
	spapr_close(&c);
	munmap(buf, 8 * page);
}

static void v1_cases(const struct spapr_dev *dev)
{
	struct spapr_container c;
	char *buf = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (buf == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	if (spapr_open(dev, SPAPR_V1, &c))
		exit(1);
	expect("v1 REGISTER is not a v1 ioctl", spapr_register(&c, buf, page), ENOTTY);
	expect("v1 MAP_DMA (pins on demand)", spapr_map(&c, buf, c.dma32_start, 4096), 0);
	expect("v1 UNMAP_DMA", spapr_unmap(&c, c.dma32_start, 4096), 0);
	spapr_close(&c);
	munmap(buf, page);
}

int main(int argc, char **argv)
{
	struct spapr_dev dev;
	long before;

	page = sysconf(_SC_PAGESIZE);
	if (spapr_dev_prepare(argc > 1 ? argv[1] : NULL, &dev))
		return 1;
	before = sysinfo_vmlck_kib();
	printf("# prereg_uapi on %s, page size %ld, device %s (group %d)\n",
	       "this kernel", page, dev.bdf, dev.group_id);
	v2_cases(&dev);
	v1_cases(&dev);
	expect_vmlck("VmLck back to the start after all containers closed", before);
	printf("# %d cases, %d failed\n", cases, failures);
	return failures ? 1 : 0;
}
