// SPDX-License-Identifier: GPL-2.0-only
/*
 * prereg_uapi: the sPAPR preregistration uAPI, case by case, with the exact
 * result each call must give and the locked memory (VmLck) it must leave.
 *
 * Runs on the POWER test host against whatever kernel booted it. Prints one
 * line per case, optionally writes them as JSON (--json FILE) so that runs on
 * different kernels can be put side by side, and exits 1 if any case differs
 * from what it expects (2 on a setup error).
 *
 * Needs two devices in their own IOMMU groups (the NVMe, and the NIC for
 * the cases that involve a second container).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/vfio.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "anon_mem.h"
#include "json_out.h"
#include "sysinfo.h"
#include "vfio_spapr.h"

#define MAX_CASES 96

struct result {
	char id[48];
	char name[96];
	char want[24], got[24];
	bool ok;
};

static struct result results[MAX_CASES];
static int ncases, failures;
static long page;

/* A raw ioctl outcome: -errno, 0, or a (bogus) positive return value. */
static void fmt_outcome(long v, char *buf, size_t len)
{
	const char *n;

	if (v == 0) {
		snprintf(buf, len, "0");
	} else if (v > 0) {
		snprintf(buf, len, "ret=%ld", v);
	} else {
		n = strerrorname_np((int)-v);
		snprintf(buf, len, "%s", n ? n : "E?");
	}
}

static struct result *record(const char *id, const char *name, bool ok)
{
	struct result *r = &results[ncases < MAX_CASES ? ncases : MAX_CASES - 1];

	if (ncases < MAX_CASES)
		ncases++;
	snprintf(r->id, sizeof(r->id), "%s", id);
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->ok = ok;
	if (!ok)
		failures++;
	return r;
}

static void print(const struct result *r)
{
	printf("%-4s %-28s %-56s want %-9s got %s\n", r->ok ? "ok" : "FAIL", r->id, r->name,
	       r->want, r->got);
}

/* want: 0 or a negative errno */
static void expect(const char *id, const char *name, long got, long want)
{
	struct result *r = record(id, name, got == want);

	fmt_outcome(want, r->want, sizeof(r->want));
	fmt_outcome(got, r->got, sizeof(r->got));
	print(r);
}

static void expect_vmlck(const char *id, const char *name, long want_kib)
{
	long got = sysinfo_vmlck_kib();
	struct result *r = record(id, name, got == want_kib);

	snprintf(r->want, sizeof(r->want), "%ldK", want_kib);
	snprintf(r->got, sizeof(r->got), "%ldK", got);
	print(r);
}

static long reg_raw(struct spapr_container *c, unsigned long req, uint32_t argsz,
		    uint32_t flags, uint64_t vaddr, uint64_t size)
{
	struct vfio_iommu_spapr_register_memory r = {
		.argsz = argsz, .flags = flags, .vaddr = vaddr, .size = size,
	};

	return spapr_ioctl(c->container_fd, req, &r);
}

#define REG VFIO_IOMMU_SPAPR_REGISTER_MEMORY
#define UNREG VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY
#define ARGSZ ((uint32_t)sizeof(struct vfio_iommu_spapr_register_memory))

static char *map_anon(size_t size)
{
	char *p = anon_mem(size, 1);

	if (!p) {
		perror("mmap");
		exit(2);
	}
	return p;
}

/* A shared, writable mapping of a file on the root filesystem (ext4): the
 * kind of memory a long-term pin must refuse, because the filesystem tracks
 * its dirtiness. */
static char *map_ext4_file(size_t size)
{
	const char *path = "/var/tmp/prereg-uapi-file";
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	char *p;

	if (fd < 0 || ftruncate(fd, (off_t)size)) {
		perror(path);
		exit(2);
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	unlink(path);
	if (p == MAP_FAILED) {
		perror("mmap file");
		exit(2);
	}
	memset(p, 1, size);
	return p;
}

static void v2_argument_cases(const struct spapr_dev *dev)
{
	struct spapr_container c;
	size_t size = 4 * page;
	char *buf = map_anon(8 * page);
	uint64_t va = (uintptr_t)buf;
	long base, table_kib;

	if (spapr_open(dev, SPAPR_V2, &c))
		exit(2);
	base = sysinfo_vmlck_kib();

	expect("map-before-register", "v2 MAP_DMA before any REGISTER", spapr_map(&c, buf, c.dma32_start, 4096), -EPERM);
	expect("reg-argsz", "REGISTER argsz too small", reg_raw(&c, REG, ARGSZ - 8, 0, va, size), -EINVAL);
	expect("reg-flags", "REGISTER flags set", reg_raw(&c, REG, ARGSZ, 1, va, size), -EINVAL);
	expect("reg-vaddr-misaligned", "REGISTER vaddr not page aligned", reg_raw(&c, REG, ARGSZ, 0, va + 8, size), -EINVAL);
	expect("reg-size-misaligned", "REGISTER size not page aligned", reg_raw(&c, REG, ARGSZ, 0, va, size - 8), -EINVAL);
	expect("reg-size-zero", "REGISTER zero bytes", reg_raw(&c, REG, ARGSZ, 0, va, 0), -EINVAL);
	expect("reg-wrap", "REGISTER address wraps", reg_raw(&c, REG, ARGSZ, 0, -(uint64_t)page, 2 * page), -EINVAL);
	expect_vmlck("vmlck-after-refused", "VmLck unchanged after refused REGISTERs", base);
	expect("reg-ok", "REGISTER 4 pages", reg_raw(&c, REG, ARGSZ, 0, va, size), 0);
	expect_vmlck("vmlck-charged", "VmLck charged once for the region", base + size / 1024);
	expect("reg-duplicate", "REGISTER same range again (same container)", reg_raw(&c, REG, ARGSZ, 0, va, size), -EBUSY);
	expect("reg-subset", "REGISTER a subset (overlap)", reg_raw(&c, REG, ARGSZ, 0, va + page, page), -EINVAL);
	expect("reg-superset", "REGISTER a superset (overlap)", reg_raw(&c, REG, ARGSZ, 0, va, 2 * size), -EINVAL);
	expect_vmlck("vmlck-after-overlap", "VmLck unchanged after refused overlaps", base + size / 1024);
	expect("map-unregistered", "MAP_DMA of unregistered memory", spapr_map(&c, buf + size, c.dma32_start, 4096), -EINVAL);
	expect("map-ok", "MAP_DMA of registered memory", spapr_map(&c, buf, c.dma32_start, 4096), 0);
	/* The first MAP creates the default window, whose TCE table (8 bytes
	 * per 4 KiB IOMMU page) is charged to locked memory until the
	 * container closes. */
	table_kib = ((c.dma32_size / 4096 * 8 + page - 1) / page) * page / 1024;
	expect_vmlck("vmlck-window", "VmLck = region + default window's TCE table", base + size / 1024 + table_kib);
	expect("unreg-mapped", "UNREGISTER while a TCE points into it", reg_raw(&c, UNREG, ARGSZ, 0, va, size), -EBUSY);
	expect_vmlck("vmlck-after-busy", "VmLck still charged after the refused UNREGISTER", base + size / 1024 + table_kib);
	expect("unmap-ok", "UNMAP_DMA", spapr_unmap(&c, c.dma32_start, 4096), 0);
	expect("unmap-past-window", "UNMAP_DMA from the window's last page past its end",
	       spapr_unmap(&c, c.dma32_start + c.dma32_size - 4096, 2 * 4096), -EINVAL);
	expect("unreg-unknown", "UNREGISTER a range never registered", reg_raw(&c, UNREG, ARGSZ, 0, va + size, page), -ENOENT);
	expect("unreg-partial", "UNREGISTER part of a region", reg_raw(&c, UNREG, ARGSZ, 0, va, page), -ENOENT);
	expect("unreg-argsz", "UNREGISTER argsz too small", reg_raw(&c, UNREG, ARGSZ - 8, 0, va, size), -EINVAL);
	expect("unreg-flags", "UNREGISTER flags set", reg_raw(&c, UNREG, ARGSZ, 1, va, size), -EINVAL);
	expect("unreg-ok", "UNREGISTER the region once unmapped", reg_raw(&c, UNREG, ARGSZ, 0, va, size), 0);
	expect_vmlck("vmlck-after-unreg", "VmLck back to baseline + TCE table", base + table_kib);
	expect("unreg-again", "UNREGISTER it again", reg_raw(&c, UNREG, ARGSZ, 0, va, size), -ENOENT);
	spapr_close(&c);
	munmap(buf, 8 * page);
}

static void v2_memory_cases(const struct spapr_dev *dev)
{
	struct spapr_container c;
	char *buf = map_anon(4 * page);
	char *file = map_ext4_file(2 * page);
	long base;

	if (spapr_open(dev, SPAPR_V2, &c))
		exit(2);
	base = sysinfo_vmlck_kib();
	/* A hole in the middle of the range: the pin comes up short. */
	munmap(buf + 2 * page, 2 * page);
	expect("reg-short-pin", "REGISTER a range that runs into a hole",
	       reg_raw(&c, REG, ARGSZ, 0, (uintptr_t)buf, 4 * page), -EFAULT);
	expect_vmlck("vmlck-after-short", "VmLck unchanged after the short pin", base);
	expect("reg-ext4-shared", "REGISTER a shared writable ext4 file mapping",
	       reg_raw(&c, REG, ARGSZ, 0, (uintptr_t)file, 2 * page), -EFAULT);
	expect_vmlck("vmlck-after-file", "VmLck unchanged after the refused file", base);
	spapr_close(&c);
	munmap(buf, 2 * page);
	munmap(file, 2 * page);
}

/* The registry is per process: the same range registered by two containers
 * is shared and charged once; each container must unregister its own. */
static void two_container_cases(const struct spapr_dev *a_dev, const struct spapr_dev *b_dev)
{
	struct spapr_container a, b;
	char *buf = map_anon(4 * page);
	uint64_t va = (uintptr_t)buf;
	long base;

	if (spapr_open(a_dev, SPAPR_V2, &a) || spapr_open(b_dev, SPAPR_V2, &b))
		exit(2);
	base = sysinfo_vmlck_kib();
	expect("two-reg-a", "container A: REGISTER", reg_raw(&a, REG, ARGSZ, 0, va, 4 * page), 0);
	expect("two-reg-b-same", "container B: REGISTER the same range (shared)", reg_raw(&b, REG, ARGSZ, 0, va, 4 * page), 0);
	expect_vmlck("two-vmlck-once", "VmLck charged once for both", base + 4 * page / 1024);
	expect("two-reg-b-overlap", "container B: REGISTER an overlapping range", reg_raw(&b, REG, ARGSZ, 0, va, 2 * page), -EINVAL);
	expect("two-unreg-b", "container B: UNREGISTER its reference", reg_raw(&b, UNREG, ARGSZ, 0, va, 4 * page), 0);
	expect("two-unreg-b-again", "container B: UNREGISTER again", reg_raw(&b, UNREG, ARGSZ, 0, va, 4 * page), -ENOENT);
	expect_vmlck("two-vmlck-held", "VmLck still charged (A holds it)", base + 4 * page / 1024);
	expect("two-unreg-a", "container A: UNREGISTER the last reference", reg_raw(&a, UNREG, ARGSZ, 0, va, 4 * page), 0);
	expect_vmlck("two-vmlck-free", "VmLck back to baseline", base);
	spapr_close(&b);
	spapr_close(&a);
	munmap(buf, 4 * page);
}

static void v1_cases(const struct spapr_dev *dev)
{
	struct spapr_container c;
	char *buf = map_anon(page);
	char *file = map_ext4_file(page);

	if (spapr_open(dev, SPAPR_V1, &c))
		exit(2);
	expect("v1-reg", "v1: REGISTER is not a v1 ioctl", spapr_register(&c, buf, page), -ENOTTY);
	expect("v1-map", "v1: MAP_DMA pins on demand", spapr_map(&c, buf, c.dma32_start, 4096), 0);
	expect("v1-unmap", "v1: UNMAP_DMA", spapr_unmap(&c, c.dma32_start, 4096), 0);
	expect("v1-map-ext4-shared", "v1: MAP_DMA of a shared writable ext4 file mapping",
	       spapr_map(&c, file, c.dma32_start, 4096), -EFAULT);
	spapr_unmap(&c, c.dma32_start, 4096);	/* in case a kernel let it through */
	spapr_close(&c);
	munmap(buf, page);
	munmap(file, page);
}

/* ---- RLIMIT_MEMLOCK without CAP_IPC_LOCK -------------------------------- */

static int drop_cap_ipc_lock(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -1;
	d[CAP_IPC_LOCK / 32].effective &= ~(1u << (CAP_IPC_LOCK % 32));
	d[CAP_IPC_LOCK / 32].permitted &= ~(1u << (CAP_IPC_LOCK % 32));
	return syscall(SYS_capset, &h, d) ? -1 : 0;
}

/*
 * The limit and the capability that count are the caller's. A child process
 * (its own mm, locked_vm 0) drops CAP_IPC_LOCK, sets a 64 KiB memlock limit
 * and registers within, then beyond it. It reports raw outcomes through a
 * shared page; the parent judges them.
 */
static void rlimit_cases(const struct spapr_dev *dev)
{
	long *shared = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t pid;
	int status;

	if (shared == MAP_FAILED) {
		perror("mmap shared");
		exit(2);
	}
	pid = fork();
	if (pid == 0) {
		struct rlimit rl = { 64 * 1024, 64 * 1024 };
		struct spapr_container c;
		char *buf = map_anon(32 * 4096);

		if (drop_cap_ipc_lock() || setrlimit(RLIMIT_MEMLOCK, &rl) ||
		    spapr_open(dev, SPAPR_V2, &c))
			_exit(2);
		shared[0] = reg_raw(&c, REG, ARGSZ, 0, (uintptr_t)buf, 4 * 4096);
		shared[1] = reg_raw(&c, REG, ARGSZ, 0, (uintptr_t)buf + 16 * 4096, 16 * 4096);
		shared[2] = sysinfo_vmlck_kib();
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		fprintf(stderr, "error: the memlock child could not set itself up\n");
		exit(2);
	}
	expect("rlimit-within", "no CAP_IPC_LOCK, 64K memlock: REGISTER 16K", shared[0], 0);
	expect("rlimit-beyond", "no CAP_IPC_LOCK, 64K memlock: REGISTER 64K more", shared[1], -ENOMEM);
	{
		struct result *r = record("rlimit-vmlck", "no CAP_IPC_LOCK: VmLck holds only the 16K",
					  shared[2] == 16);

		snprintf(r->want, sizeof(r->want), "16K");
		snprintf(r->got, sizeof(r->got), "%ldK", shared[2]);
		print(r);
	}
	munmap(shared, (size_t)page);
}

/* ---- IOMMU page size a region may back ---------------------------------- */

#define HUGE_2M (2UL << 20)

static long tce_create(struct spapr_container *c, uint32_t shift, uint64_t size, uint64_t *start)
{
	struct vfio_iommu_spapr_tce_create cr = {
		.argsz = sizeof(cr), .page_shift = shift, .window_size = size, .levels = 1,
	};
	long ret = spapr_ioctl(c->container_fd, VFIO_IOMMU_SPAPR_TCE_CREATE, &cr);

	*start = cr.start_addr;
	return ret;
}

static long tce_remove(struct spapr_container *c, uint64_t start)
{
	struct vfio_iommu_spapr_tce_remove rm = { .argsz = sizeof(rm), .start_addr = start };

	return spapr_ioctl(c->container_fd, VFIO_IOMMU_SPAPR_TCE_REMOVE, &rm);
}

/* A 2 MiB-aligned address range of @size, reserved with an anonymous map. */
static char *reserve_aligned(size_t size, size_t align)
{
	char *p = mmap(NULL, size + align, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(2);
	}
	return (char *)(((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1));
}

static void put_hugetlb(char *at)
{
	if (mmap(at, HUGE_2M, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_HUGETLB, -1, 0) != at) {
		perror("mmap MAP_HUGETLB (are hugepages reserved?)");
		exit(2);
	}
	memset(at, 2, HUGE_2M);
}

/*
 * Only hugetlb memory may back IOMMU pages larger than the system page, and
 * only if every page of the region is hugetlb: a region that starts with a
 * hugepage and continues with normal memory must not back 64 KiB IOMMU pages
 * anywhere (upstream kept the first page's size for the rest, U4).
 */
static void pagesize_cases(const struct spapr_dev *dev)
{
	struct spapr_container c;
	char *huge, *anon, *mixed;
	uint64_t win = 0;
	const uint64_t io64k = 1 << 16;
	FILE *f = fopen("/proc/sys/vm/nr_hugepages", "w");

	if (!f || fprintf(f, "8\n") < 0 || fclose(f)) {
		perror("reserving hugepages");
		exit(2);
	}
	huge = reserve_aligned(HUGE_2M, HUGE_2M);
	put_hugetlb(huge);
	anon = reserve_aligned(HUGE_2M, HUGE_2M);
	memset(anon, 3, HUGE_2M);
	mixed = reserve_aligned(2 * HUGE_2M, 2 * HUGE_2M);
	put_hugetlb(mixed);
	memset(mixed + HUGE_2M, 4, HUGE_2M);

	if (spapr_open(dev, SPAPR_V2, &c))
		exit(2);
	expect("win64k-create", "TCE_CREATE a 256 MiB window of 64 KiB pages", tce_create(&c, 16, 256 << 20, &win), 0);
	expect("huge-reg", "REGISTER 2 MiB of hugetlb", reg_raw(&c, REG, ARGSZ, 0, (uintptr_t)huge, HUGE_2M), 0);
	expect("huge-map64k", "MAP_DMA a 64 KiB IOMMU page of hugetlb", spapr_map(&c, huge, win, io64k), 0);
	expect("huge-unmap64k", "UNMAP_DMA it", spapr_unmap(&c, win, io64k), 0);
	expect("anon-reg", "REGISTER 2 MiB of normal memory", reg_raw(&c, REG, ARGSZ, 0, (uintptr_t)anon, HUGE_2M), 0);
	expect("anon-map64k", "MAP_DMA a 64 KiB IOMMU page of normal memory", spapr_map(&c, anon, win, io64k), -EINVAL);
	expect("mixed-reg", "REGISTER 2 MiB hugetlb followed by 2 MiB normal", reg_raw(&c, REG, ARGSZ, 0, (uintptr_t)mixed, 2 * HUGE_2M), 0);
	expect("mixed-map64k", "MAP_DMA a 64 KiB page of its hugetlb half", spapr_map(&c, mixed, win, io64k), -EINVAL);
	spapr_unmap(&c, win, io64k);	/* in case a kernel let it through */
	expect("mixed-unreg", "UNREGISTER the mixed region", reg_raw(&c, UNREG, ARGSZ, 0, (uintptr_t)mixed, 2 * HUGE_2M), 0);
	expect("anon-unreg", "UNREGISTER the normal region", reg_raw(&c, UNREG, ARGSZ, 0, (uintptr_t)anon, HUGE_2M), 0);
	expect("huge-unreg", "UNREGISTER the hugetlb region", reg_raw(&c, UNREG, ARGSZ, 0, (uintptr_t)huge, HUGE_2M), 0);
	expect("win64k-remove", "TCE_REMOVE the window", tce_remove(&c, win), 0);
	spapr_close(&c);
	munmap(huge, HUGE_2M);
	munmap(anon, HUGE_2M);
	munmap(mixed, 2 * HUGE_2M);
}

/* One counter of this process's line in debugfs powerpc/mm_iommu (a header
 * line names the columns, then a line per mm): its value, -ENOENT without the
 * file (a kernel without it) or without a line for this process (nothing
 * registered), -EINVAL without the column. */
static long prereg_counter(const char *key)
{
	char line[256], *tok, *save;
	const char *path = "/sys/kernel/debug/powerpc/mm_iommu";
	int col = -1, i;
	long v = -ENOENT;
	FILE *f = fopen(path, "r");

	if (!f)
		return -errno;
	if (fgets(line, sizeof(line), f))
		for (i = 0, tok = strtok_r(line, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save), i++)
			if (!strcmp(tok, key))
				col = i;
	if (col < 0) {
		fclose(f);
		return -EINVAL;
	}
	while (v == -ENOENT && fgets(line, sizeof(line), f)) {
		tok = strtok_r(line, " \n", &save);
		if (!tok || atoi(tok) != (int)getpid())
			continue;
		for (i = 1; i <= col && (tok = strtok_r(NULL, " \n", &save)); i++)
			;
		v = tok ? strtol(tok, NULL, 10) : -EINVAL;
	}
	fclose(f);
	return v;
}

static void expect_counter(const char *id, const char *key, long want)
{
	char name[96];
	long got = prereg_counter(key);
	struct result *r;

	snprintf(name, sizeof(name), "debugfs %s", key);
	r = record(id, name, got == want);
	fmt_outcome(want, r->want, sizeof(r->want));
	if (got >= 0)
		snprintf(r->got, sizeof(r->got), "%ld", got);
	else
		fmt_outcome(got, r->got, sizeof(r->got));
	if (want > 0)
		snprintf(r->want, sizeof(r->want), "%ld", want);
	print(r);
}

/* The per-mm counters in debugfs follow registration and mapping exactly,
 * and the line goes away with the last region. Runs first: upstream's
 * defects leave orphaned regions that later cases' addresses can overlap. */
static void debugfs_cases(const struct spapr_dev *dev)
{
	struct spapr_container c;
	char *buf = map_anon(6 * page);
	long tces = 3 * page / 4096; /* the default window has 4 KiB TCEs */

	if (spapr_open(dev, SPAPR_V2, &c))
		exit(2);
	expect_counter("dbg-none", "regions", -ENOENT);
	expect("dbg-reg-4", "REGISTER 4 pages", spapr_register(&c, buf, 4 * page), 0);
	expect("dbg-reg-2", "REGISTER the next 2 pages", spapr_register(&c, buf + 4 * page, 2 * page), 0);
	expect("dbg-map", "MAP_DMA 3 pages across them", spapr_map(&c, buf + page, c.dma32_start, 3 * page), 0);
	expect_counter("dbg-regions", "regions", 2);
	expect_counter("dbg-bytes", "registered_bytes", 6 * page);
	expect_counter("dbg-pinned", "pinned_pages", 6);
	expect_counter("dbg-mapped", "mapped_tces", tces);
	expect("dbg-unmap", "UNMAP_DMA of the 3 pages", spapr_unmap(&c, c.dma32_start, 3 * page), 0);
	expect_counter("dbg-unmapped", "mapped_tces", 0);
	expect("dbg-unreg", "UNREGISTER the 2-page region", spapr_unregister(&c, buf + 4 * page, 2 * page), 0);
	expect_counter("dbg-regions-1", "regions", 1);
	expect_counter("dbg-pinned-1", "pinned_pages", 4);
	expect("dbg-unreg-last", "UNREGISTER the last region", spapr_unregister(&c, buf, 4 * page), 0);
	expect_counter("dbg-gone", "regions", -ENOENT);
	spapr_close(&c);
	munmap(buf, 6 * page);
}

static void write_json(const char *path)
{
	FILE *f = fopen(path, "w");
	struct json_out j;

	if (!f) {
		perror(path);
		exit(2);
	}
	json_init(&j, f);
	json_begin_object(&j);
	json_kv_string(&j, "schema", "prereg-uapi/1");
	sysinfo_write_kernel(&j);
	json_key(&j, "cases");
	json_begin_array(&j);
	for (int i = 0; i < ncases; i++) {
		json_begin_object(&j);
		json_kv_string(&j, "id", results[i].id);
		json_kv_string(&j, "name", results[i].name);
		json_kv_string(&j, "want", results[i].want);
		json_kv_string(&j, "got", results[i].got);
		json_kv_bool(&j, "ok", results[i].ok);
		json_end_object(&j);
	}
	json_end_array(&j);
	json_kv_int(&j, "failures", failures);
	json_end_object(&j);
	fclose(f);
}

int main(int argc, char **argv)
{
	struct spapr_dev nvme, nic;
	const char *json = NULL;
	long before;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json") && i + 1 < argc) {
			json = argv[++i];
		} else {
			fprintf(stderr, "usage: prereg_uapi [--json FILE]\n");
			return 2;
		}
	}
	page = sysconf(_SC_PAGESIZE);
	if (spapr_dev_prepare(NULL, SPAPR_CLASS_NVME, &nvme) ||
	    spapr_dev_prepare(NULL, SPAPR_CLASS_ETHERNET, &nic))
		return 2;
	before = sysinfo_vmlck_kib();
	printf("# prereg_uapi: page size %ld; NVMe %s (group %d), NIC %s (group %d)\n",
	       page, nvme.bdf, nvme.group_id, nic.bdf, nic.group_id);
	debugfs_cases(&nvme);
	v2_argument_cases(&nvme);
	v2_memory_cases(&nvme);
	two_container_cases(&nvme, &nic);
	pagesize_cases(&nvme);
	v1_cases(&nvme);
	expect_vmlck("vmlck-end", "VmLck back to the start after all containers closed", before);
	rlimit_cases(&nvme);
	printf("# %d cases, %d failed\n", ncases, failures);
	if (json)
		write_json(json);
	return failures ? 1 : 0;
}
