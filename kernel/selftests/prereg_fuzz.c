// SPDX-License-Identifier: GPL-2.0-only
/*
 * prereg_fuzz: many REGISTER / UNREGISTER / MAP_DMA / UNMAP_DMA calls with
 * random arguments (argsz, flags, addresses, sizes, IOVAs), biased towards
 * the edges: aligned and misaligned, inside and outside registered memory,
 * zero, wrapping and absurd sizes.
 *
 * Each ioctl may only answer 0 or one of the errnos its uAPI documents; a
 * positive return or another errno is a failure. At the end the window is
 * cleared and every region still registered is unregistered: locked memory
 * must be back where it started. (The host checks dmesg.)
 *
 * usage: prereg_fuzz [CALLS [SEED]]   (defaults 1000000, random). The seed
 * is printed at the start: passing it again replays the run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/vfio.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "anon_mem.h"
#include "sysinfo.h"
#include "vfio_spapr.h"

#define POOL_PAGES 64
#define MAX_REGS 256

enum op { OP_REG, OP_UNREG, OP_MAP, OP_UNMAP, NOPS };
static const char *op_name[NOPS] = { "REGISTER", "UNREGISTER", "MAP_DMA", "UNMAP_DMA" };
/* The errnos each ioctl documents (0 is always allowed). */
static const int allowed[NOPS][8] = {
	[OP_REG] = { EINVAL, EBUSY, EFAULT, ENOMEM, EPERM },
	[OP_UNREG] = { EINVAL, ENOENT, EBUSY, EPERM },
	[OP_MAP] = { EINVAL, EPERM, ENXIO, EFAULT, EBUSY, ENOMEM },
	[OP_UNMAP] = { EINVAL, ENXIO, EPERM, EBUSY },
};

static uint64_t rng = 1;
static long page;
static char *pool;
static struct { uint64_t va, size; } regs[MAX_REGS];
static int nregs;
static long counts[NOPS][140];	/* [op][errno]; index 0 = success */

static uint64_t next(void)
{
	/* xorshift64*: reproducible from the seed printed at the start */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ULL;
}

static uint64_t pick(uint64_t n) { return n ? next() % n : 0; }

static uint64_t rand_vaddr(void)
{
	switch (pick(8)) {
	case 0: return next();				/* anything */
	case 1: return 0;
	case 2: return (uintptr_t)pool + pick(POOL_PAGES * page);	/* misaligned */
	case 3: return 0xc000000000000000ULL;		/* kernel address */
	default: return (uintptr_t)pool + pick(POOL_PAGES) * page;
	}
}

static uint64_t rand_size(void)
{
	switch (pick(8)) {
	case 0: return next();
	case 1: return 0;
	case 2: return pick(8 * page);			/* misaligned */
	case 3: return -(uint64_t)page;			/* wraps */
	default: return (1 + pick(8)) * page;
	}
}

static uint32_t rand_argsz(void)
{
	switch (pick(16)) {
	case 0: return (uint32_t)pick(64);
	case 1: return 4096;
	default: return 0;	/* 0 = the right size, filled in by the caller */
	}
}

static bool is_allowed(enum op op, long ret)
{
	if (ret == 0)
		return true;
	if (ret > 0)
		return false;
	for (int i = 0; i < 8 && allowed[op][i]; i++)
		if (-ret == allowed[op][i])
			return true;
	return false;
}

static void track_reg(uint64_t va, uint64_t size)
{
	if (nregs < MAX_REGS) {
		regs[nregs].va = va;
		regs[nregs].size = size;
		nregs++;
	}
}

static void untrack_reg(uint64_t va, uint64_t size)
{
	for (int i = 0; i < nregs; i++) {
		if (regs[i].va == va && regs[i].size == size) {
			regs[i] = regs[--nregs];
			return;
		}
	}
}

int main(int argc, char **argv)
{
	long calls = argc > 1 ? atol(argv[1]) : 1000000;
	struct spapr_container c;
	struct spapr_dev dev;
	long before, base, bad = 0;
	/* PREREG_FUZZ_TRACE=1 prints each call before making it: for finding
	 * the one that hangs or crashes. */
	bool trace = getenv("PREREG_FUZZ_TRACE") != NULL;

	rng = argc > 2 ? strtoull(argv[2], NULL, 0) :
		((uint64_t)time(NULL) * 2654435761u ^ (uint64_t)getpid()) | 1;
	if (calls <= 0 || rng == 0) {
		fprintf(stderr, "usage: prereg_fuzz [CALLS [SEED (non-zero)]]\n");
		return 2;
	}
	page = sysconf(_SC_PAGESIZE);
	pool = anon_mem(POOL_PAGES * page, 9);
	if (!pool) {
		perror("mmap");
		return 2;
	}
	/* A hole, so some ranges run into unmapped memory. */
	munmap(pool + 40 * page, 4 * page);
	if (spapr_dev_prepare(NULL, SPAPR_CLASS_NVME, &dev))
		return 2;
	before = sysinfo_vmlck_kib();
	if (spapr_open(&dev, SPAPR_V2, &c))
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("prereg_fuzz: %ld calls, seed %llu (prereg_fuzz %ld %llu replays it)\n", calls,
	       (unsigned long long)rng, calls, (unsigned long long)rng);

	for (long i = 0; i < calls; i++) {
		enum op op = (enum op)pick(NOPS);

		if (calls >= 10 && i % (calls / 10) == 0)
			fprintf(stderr, "prereg_fuzz: %ld%% (%ld calls)\n", i * 100 / calls, i);
		uint32_t argsz = rand_argsz();
		uint32_t flags = pick(16) ? 0 : (uint32_t)next();
		uint64_t va = rand_vaddr(), size = rand_size();
		uint64_t iova = pick(8) ? c.dma32_start + pick(c.dma32_size / 4096) * 4096 : next();
		long ret;

		if (trace)
			fprintf(stderr, "call %ld: %s argsz %u flags %#x vaddr %#llx size %#llx iova %#llx\n",
				i, op_name[op], argsz, flags, (unsigned long long)va,
				(unsigned long long)size, (unsigned long long)iova);
		if (op == OP_REG || op == OP_UNREG) {
			struct vfio_iommu_spapr_register_memory r = {
				.argsz = argsz ? argsz : sizeof(r), .flags = flags,
				.vaddr = va, .size = size,
			};

			ret = spapr_ioctl(c.container_fd, op == OP_REG ?
					  VFIO_IOMMU_SPAPR_REGISTER_MEMORY :
					  VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY, &r);
			if (ret == 0 && op == OP_REG)
				track_reg(va, size);
			if (ret == 0 && op == OP_UNREG)
				untrack_reg(va, size);
		} else if (op == OP_MAP) {
			struct vfio_iommu_type1_dma_map m = {
				.argsz = argsz ? argsz : sizeof(m),
				.flags = flags ? flags : VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
				.vaddr = va, .iova = iova, .size = size,
			};

			ret = spapr_ioctl(c.container_fd, VFIO_IOMMU_MAP_DMA, &m);
		} else {
			struct vfio_iommu_type1_dma_unmap u = {
				.argsz = argsz ? argsz : sizeof(u), .flags = flags,
				.iova = iova, .size = size,
			};

			ret = spapr_ioctl(c.container_fd, VFIO_IOMMU_UNMAP_DMA, &u);
		}
		if (!is_allowed(op, ret)) {
			if (bad++ < 20)
				fprintf(stderr, "UNEXPECTED call %ld: %s argsz %u flags %#x vaddr %#llx size %#llx iova %#llx -> %ld\n",
					i, op_name[op], argsz, flags, (unsigned long long)va,
					(unsigned long long)size, (unsigned long long)iova, ret);
		}
		counts[op][ret <= 0 && -ret < 140 ? -ret : 139]++;
	}

	/* Clean up: clear the whole 32-bit window, then unregister what is
	 * still registered; only the window's TCE table may stay charged. */
	spapr_unmap(&c, c.dma32_start, c.dma32_size);
	base = sysinfo_vmlck_kib();
	for (int i = nregs - 1; i >= 0; i--) {
		long ret = spapr_unregister(&c, (void *)(uintptr_t)regs[i].va, regs[i].size);

		if (ret) {
			fprintf(stderr, "FAIL final UNREGISTER %#llx+%#llx: %ld\n",
				(unsigned long long)regs[i].va, (unsigned long long)regs[i].size, ret);
			bad++;
		}
	}
	spapr_close(&c);
	for (int op = 0; op < NOPS; op++) {
		printf("%-10s", op_name[op]);
		for (int e = 0; e < 140; e++) {
			if (counts[op][e]) {
				const char *n = e ? strerrorname_np(e) : "0";

				printf(" %s:%ld", e == 139 ? "other" : (n ? n : "E?"), counts[op][e]);
			}
		}
		printf("\n");
	}
	printf("prereg_fuzz: VmLck %ld KiB at start, %ld before the final unregisters, %ld at the end\n",
	       before, base, sysinfo_vmlck_kib());
	if (sysinfo_vmlck_kib() != before) {
		printf("FAIL locked memory leaked: %ld KiB\n", sysinfo_vmlck_kib() - before);
		bad++;
	}
	printf("prereg_fuzz: %ld unexpected results\n", bad);
	return bad ? 1 : 0;
}
