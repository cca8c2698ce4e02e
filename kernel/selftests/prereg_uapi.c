// SPDX-License-Identifier: GPL-2.0-only
/*
 * prereg_uapi: the sPAPR preregistration uAPI, case by case, with the exact
 * result each call must give (0 or the exact errno) and the locked memory
 * (VmLck) it must leave.
 *
 * A kselftest_harness test: each scenario is a TEST_F of its own, run in a
 * child process (its own mm, so one scenario's leftovers cannot disturb
 * the next), and every case inside it an EXPECT on the exact outcome. With
 * PREREG_UAPI_JSON set, every case is also appended to that file as a JSON
 * object (after one naming the kernel), so that runs on different kernels
 * can be put side by side case by case.
 *
 * Needs two devices alone in their IOMMU groups (the NVMe, and the NIC for
 * the cases that involve a second container): without them it skips.
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

#include "kselftest_harness.h"

#include "anon_mem.h"
#include "json_out.h"
#include "sysinfo.h"
#include "vfio_spapr.h"

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

/* Appends one JSON object to $PREREG_UAPI_JSON; false if that failed. */
static bool log_json(void (*fill)(struct json_out *j, const void *arg), const void *arg)
{
	const char *path = getenv("PREREG_UAPI_JSON");
	struct json_out j;
	FILE *f;

	if (!path || !*path)
		return true;
	f = fopen(path, "a");
	if (!f)
		return false;
	json_init(&j, f);
	json_begin_object(&j);
	fill(&j, arg);
	json_end_object(&j);
	fputc('\n', f);
	return fclose(f) == 0;
}

struct uapi_case {
	const char *test, *id, *name;
	char want[24], got[24];
	bool ok;
};

static void fill_case(struct json_out *j, const void *arg)
{
	const struct uapi_case *c = arg;

	json_kv_string(j, "test", c->test);
	json_kv_string(j, "id", c->id);
	json_kv_string(j, "name", c->name);
	json_kv_string(j, "want", c->want);
	json_kv_string(j, "got", c->got);
	json_kv_bool(j, "ok", c->ok);
}

/* One case: printed as a TAP comment, logged, and failing the test if its
 * outcome is not the one wanted. */
static void report(struct __test_metadata *_metadata, struct uapi_case *c)
{
	c->test = _metadata->name;
	ksft_print_msg("%-4s %-22s %-52s want %-9s got %s\n", c->ok ? "ok" : "FAIL", c->id,
		       c->name, c->want, c->got);
	EXPECT_TRUE(c->ok) TH_LOG("%s: %s: want %s, got %s", c->id, c->name, c->want, c->got);
	EXPECT_TRUE(log_json(fill_case, c)) TH_LOG("cannot append to $PREREG_UAPI_JSON");
}

/* want: 0 or a negative errno */
static void expect(struct __test_metadata *_metadata, const char *id, const char *name,
		   long got, long want)
{
	struct uapi_case c = { .id = id, .name = name, .ok = got == want };

	fmt_outcome(want, c.want, sizeof(c.want));
	fmt_outcome(got, c.got, sizeof(c.got));
	report(_metadata, &c);
}

static void expect_vmlck(struct __test_metadata *_metadata, const char *id, const char *name,
			 long want_kib)
{
	long got = sysinfo_vmlck_kib();
	struct uapi_case c = { .id = id, .name = name, .ok = got == want_kib };

	snprintf(c.want, sizeof(c.want), "%ldK", want_kib);
	snprintf(c.got, sizeof(c.got), "%ldK", got);
	report(_metadata, &c);
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

static char *map_anon(struct __test_metadata *_metadata, size_t size)
{
	char *p = anon_mem(size, 1);

	ASSERT_NE(NULL, p) TH_LOG("mmap of %zu bytes: %s", size, strerror(errno));
	return p;
}

/* A shared, writable mapping of a file on the root filesystem (ext4): the
 * kind of memory a long-term pin must refuse, because the filesystem tracks
 * its dirtiness. */
static char *map_ext4_file(struct __test_metadata *_metadata, size_t size)
{
	const char *path = "/var/tmp/prereg-uapi-file";
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	char *p;

	ASSERT_LE(0, fd) TH_LOG("%s: %s", path, strerror(errno));
	ASSERT_EQ(0, ftruncate(fd, (off_t)size)) TH_LOG("%s: %s", path, strerror(errno));
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	unlink(path);
	ASSERT_NE(MAP_FAILED, p) TH_LOG("mmap of %s: %s", path, strerror(errno));
	memset(p, 1, size);
	return p;
}

static void v2_argument_cases(struct __test_metadata *_metadata, const struct spapr_dev *dev)
{
	struct spapr_container c;
	size_t size = 4 * page;
	char *buf = map_anon(_metadata, 8 * page);
	uint64_t va = (uintptr_t)buf;
	long base, table_kib;

	ASSERT_EQ(0, spapr_open(dev, SPAPR_V2, &c));
	base = sysinfo_vmlck_kib();

	expect(_metadata, "map-before-register", "v2 MAP_DMA before any REGISTER", spapr_map(&c, buf, c.dma32_start, 4096), -EPERM);
	expect(_metadata, "reg-argsz", "REGISTER argsz too small", reg_raw(&c, REG, ARGSZ - 8, 0, va, size), -EINVAL);
	expect(_metadata, "reg-flags", "REGISTER flags set", reg_raw(&c, REG, ARGSZ, 1, va, size), -EINVAL);
	expect(_metadata, "reg-vaddr-misaligned", "REGISTER vaddr not page aligned", reg_raw(&c, REG, ARGSZ, 0, va + 8, size), -EINVAL);
	expect(_metadata, "reg-size-misaligned", "REGISTER size not page aligned", reg_raw(&c, REG, ARGSZ, 0, va, size - 8), -EINVAL);
	expect(_metadata, "reg-size-zero", "REGISTER zero bytes", reg_raw(&c, REG, ARGSZ, 0, va, 0), -EINVAL);
	expect(_metadata, "reg-wrap", "REGISTER address wraps", reg_raw(&c, REG, ARGSZ, 0, -(uint64_t)page, 2 * page), -EINVAL);
	expect_vmlck(_metadata, "vmlck-after-refused", "VmLck unchanged after refused REGISTERs", base);
	expect(_metadata, "reg-ok", "REGISTER 4 pages", reg_raw(&c, REG, ARGSZ, 0, va, size), 0);
	expect_vmlck(_metadata, "vmlck-charged", "VmLck charged once for the region", base + size / 1024);
	expect(_metadata, "reg-duplicate", "REGISTER same range again (same container)", reg_raw(&c, REG, ARGSZ, 0, va, size), -EBUSY);
	expect(_metadata, "reg-subset", "REGISTER a subset (overlap)", reg_raw(&c, REG, ARGSZ, 0, va + page, page), -EINVAL);
	expect(_metadata, "reg-superset", "REGISTER a superset (overlap)", reg_raw(&c, REG, ARGSZ, 0, va, 2 * size), -EINVAL);
	expect_vmlck(_metadata, "vmlck-after-overlap", "VmLck unchanged after refused overlaps", base + size / 1024);
	expect(_metadata, "map-unregistered", "MAP_DMA of unregistered memory", spapr_map(&c, buf + size, c.dma32_start, 4096), -EINVAL);
	expect(_metadata, "map-ok", "MAP_DMA of registered memory", spapr_map(&c, buf, c.dma32_start, 4096), 0);
	/* The first MAP creates the default window, whose TCE table (8 bytes
	 * per 4 KiB IOMMU page) is charged to locked memory until the
	 * container closes. */
	table_kib = ((c.dma32_size / 4096 * 8 + page - 1) / page) * page / 1024;
	expect_vmlck(_metadata, "vmlck-window", "VmLck = region + default window's TCE table", base + size / 1024 + table_kib);
	expect(_metadata, "unreg-mapped", "UNREGISTER while a TCE points into it", reg_raw(&c, UNREG, ARGSZ, 0, va, size), -EBUSY);
	expect_vmlck(_metadata, "vmlck-after-busy", "VmLck still charged after the refused UNREGISTER", base + size / 1024 + table_kib);
	expect(_metadata, "unmap-ok", "UNMAP_DMA", spapr_unmap(&c, c.dma32_start, 4096), 0);
	expect(_metadata, "unmap-past-window", "UNMAP_DMA from the window's last page past its end",
	       spapr_unmap(&c, c.dma32_start + c.dma32_size - 4096, 2 * 4096), -EINVAL);
	expect(_metadata, "unreg-unknown", "UNREGISTER a range never registered", reg_raw(&c, UNREG, ARGSZ, 0, va + size, page), -ENOENT);
	expect(_metadata, "unreg-partial", "UNREGISTER part of a region", reg_raw(&c, UNREG, ARGSZ, 0, va, page), -ENOENT);
	expect(_metadata, "unreg-argsz", "UNREGISTER argsz too small", reg_raw(&c, UNREG, ARGSZ - 8, 0, va, size), -EINVAL);
	expect(_metadata, "unreg-flags", "UNREGISTER flags set", reg_raw(&c, UNREG, ARGSZ, 1, va, size), -EINVAL);
	expect(_metadata, "unreg-ok", "UNREGISTER the region once unmapped", reg_raw(&c, UNREG, ARGSZ, 0, va, size), 0);
	expect_vmlck(_metadata, "vmlck-after-unreg", "VmLck back to baseline + TCE table", base + table_kib);
	expect(_metadata, "unreg-again", "UNREGISTER it again", reg_raw(&c, UNREG, ARGSZ, 0, va, size), -ENOENT);
	spapr_close(&c);
	munmap(buf, 8 * page);
}

static void v2_memory_cases(struct __test_metadata *_metadata, const struct spapr_dev *dev)
{
	struct spapr_container c;
	char *buf = map_anon(_metadata, 4 * page);
	char *file = map_ext4_file(_metadata, 2 * page);
	long base;

	ASSERT_EQ(0, spapr_open(dev, SPAPR_V2, &c));
	base = sysinfo_vmlck_kib();
	/* A hole in the middle of the range: the pin comes up short. */
	munmap(buf + 2 * page, 2 * page);
	expect(_metadata, "reg-short-pin", "REGISTER a range that runs into a hole",
	       reg_raw(&c, REG, ARGSZ, 0, (uintptr_t)buf, 4 * page), -EFAULT);
	expect_vmlck(_metadata, "vmlck-after-short", "VmLck unchanged after the short pin", base);
	expect(_metadata, "reg-ext4-shared", "REGISTER a shared writable ext4 file mapping",
	       reg_raw(&c, REG, ARGSZ, 0, (uintptr_t)file, 2 * page), -EFAULT);
	expect_vmlck(_metadata, "vmlck-after-file", "VmLck unchanged after the refused file", base);
	spapr_close(&c);
	munmap(buf, 2 * page);
	munmap(file, 2 * page);
}

/* The registry is per process: the same range registered by two containers
 * is shared and charged once; each container must unregister its own. */
static void two_container_cases(struct __test_metadata *_metadata, const struct spapr_dev *a_dev,
				const struct spapr_dev *b_dev)
{
	struct spapr_container a, b;
	char *buf = map_anon(_metadata, 4 * page);
	uint64_t va = (uintptr_t)buf;
	long base;

	ASSERT_EQ(0, spapr_open(a_dev, SPAPR_V2, &a));
	ASSERT_EQ(0, spapr_open(b_dev, SPAPR_V2, &b));
	base = sysinfo_vmlck_kib();
	expect(_metadata, "two-reg-a", "container A: REGISTER", reg_raw(&a, REG, ARGSZ, 0, va, 4 * page), 0);
	expect(_metadata, "two-reg-b-same", "container B: REGISTER the same range (shared)", reg_raw(&b, REG, ARGSZ, 0, va, 4 * page), 0);
	expect_vmlck(_metadata, "two-vmlck-once", "VmLck charged once for both", base + 4 * page / 1024);
	expect(_metadata, "two-reg-b-overlap", "container B: REGISTER an overlapping range", reg_raw(&b, REG, ARGSZ, 0, va, 2 * page), -EINVAL);
	expect(_metadata, "two-unreg-b", "container B: UNREGISTER its reference", reg_raw(&b, UNREG, ARGSZ, 0, va, 4 * page), 0);
	expect(_metadata, "two-unreg-b-again", "container B: UNREGISTER again", reg_raw(&b, UNREG, ARGSZ, 0, va, 4 * page), -ENOENT);
	expect_vmlck(_metadata, "two-vmlck-held", "VmLck still charged (A holds it)", base + 4 * page / 1024);
	expect(_metadata, "two-unreg-a", "container A: UNREGISTER the last reference", reg_raw(&a, UNREG, ARGSZ, 0, va, 4 * page), 0);
	expect_vmlck(_metadata, "two-vmlck-free", "VmLck back to baseline", base);
	spapr_close(&b);
	spapr_close(&a);
	munmap(buf, 4 * page);
}

static void v1_cases(struct __test_metadata *_metadata, const struct spapr_dev *dev)
{
	struct spapr_container c;
	char *buf = map_anon(_metadata, page);
	char *file = map_ext4_file(_metadata, page);

	ASSERT_EQ(0, spapr_open(dev, SPAPR_V1, &c));
	expect(_metadata, "v1-reg", "v1: REGISTER is not a v1 ioctl", spapr_register(&c, buf, page), -ENOTTY);
	expect(_metadata, "v1-map", "v1: MAP_DMA pins on demand", spapr_map(&c, buf, c.dma32_start, 4096), 0);
	expect(_metadata, "v1-unmap", "v1: UNMAP_DMA", spapr_unmap(&c, c.dma32_start, 4096), 0);
	expect(_metadata, "v1-map-ext4-shared", "v1: MAP_DMA of a shared writable ext4 file mapping",
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
static void rlimit_cases(struct __test_metadata *_metadata, const struct spapr_dev *dev)
{
	long *shared = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct uapi_case vmlck = {
		.id = "rlimit-vmlck", .name = "no CAP_IPC_LOCK: VmLck holds only the 16K",
	};
	pid_t pid;
	int status;

	ASSERT_NE(MAP_FAILED, shared) TH_LOG("mmap shared: %s", strerror(errno));
	pid = fork();
	if (pid == 0) {
		/* Not the harness's process: report by exit status only. */
		struct rlimit rl = { 64 * 1024, 64 * 1024 };
		struct spapr_container c;
		char *buf = anon_mem(32 * 4096, 1);

		if (!buf || drop_cap_ipc_lock() || setrlimit(RLIMIT_MEMLOCK, &rl) ||
		    spapr_open(dev, SPAPR_V2, &c))
			_exit(2);
		shared[0] = reg_raw(&c, REG, ARGSZ, 0, (uintptr_t)buf, 4 * 4096);
		shared[1] = reg_raw(&c, REG, ARGSZ, 0, (uintptr_t)buf + 16 * 4096, 16 * 4096);
		shared[2] = sysinfo_vmlck_kib();
		_exit(0);
	}
	ASSERT_LT(0, pid) TH_LOG("fork: %s", strerror(errno));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("the memlock child could not set itself up");
	expect(_metadata, "rlimit-within", "no CAP_IPC_LOCK, 64K memlock: REGISTER 16K", shared[0], 0);
	expect(_metadata, "rlimit-beyond", "no CAP_IPC_LOCK, 64K memlock: REGISTER 64K more", shared[1], -ENOMEM);
	vmlck.ok = shared[2] == 16;
	snprintf(vmlck.want, sizeof(vmlck.want), "16K");
	snprintf(vmlck.got, sizeof(vmlck.got), "%ldK", shared[2]);
	report(_metadata, &vmlck);
	munmap(shared, (size_t)page);
}

/* ---- IOMMU page size a region may back ---------------------------------- */

#define HUGE_2M (2UL << 20)
#define NR_HUGEPAGES "/proc/sys/vm/nr_hugepages"

static int read_nr_hugepages(long *nr)
{
	FILE *f = fopen(NR_HUGEPAGES, "r");
	int ok = f && fscanf(f, "%ld", nr) == 1;

	if (f)
		fclose(f);
	return ok ? 0 : -1;
}

static int write_nr_hugepages(long nr)
{
	FILE *f = fopen(NR_HUGEPAGES, "w");

	if (!f)
		return -1;
	if (fprintf(f, "%ld\n", nr) < 0) {
		fclose(f);
		return -1;
	}
	return fclose(f) ? -1 : 0;
}

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
static char *reserve_aligned(struct __test_metadata *_metadata, size_t size, size_t align)
{
	char *p = mmap(NULL, size + align, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, p) TH_LOG("mmap: %s", strerror(errno));
	return (char *)(((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1));
}

static void put_hugetlb(struct __test_metadata *_metadata, char *at)
{
	ASSERT_EQ(at, mmap(at, HUGE_2M, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_HUGETLB, -1, 0))
		TH_LOG("mmap MAP_HUGETLB (are hugepages reserved?): %s", strerror(errno));
	memset(at, 2, HUGE_2M);
}

/*
 * Only hugetlb memory may back IOMMU pages larger than the system page, and
 * only if every page of the region is hugetlb: a region that starts with a
 * hugepage and continues with normal memory must not back 64 KiB IOMMU pages
 * anywhere (upstream kept the first page's size for the rest, U4).
 */
static void pagesize_cases(struct __test_metadata *_metadata, const struct spapr_dev *dev)
{
	struct spapr_container c;
	char *huge, *anon, *mixed;
	uint64_t win = 0;
	const uint64_t io64k = 1 << 16;
	long nr_before = -1;

	/* Eight 2 MiB hugepages, given back at the end */
	ASSERT_EQ(0, read_nr_hugepages(&nr_before)) TH_LOG("reading nr_hugepages");
	ASSERT_EQ(0, write_nr_hugepages(nr_before + 8)) TH_LOG("reserving hugepages");
	huge = reserve_aligned(_metadata, HUGE_2M, HUGE_2M);
	put_hugetlb(_metadata, huge);
	anon = reserve_aligned(_metadata, HUGE_2M, HUGE_2M);
	memset(anon, 3, HUGE_2M);
	mixed = reserve_aligned(_metadata, 2 * HUGE_2M, 2 * HUGE_2M);
	put_hugetlb(_metadata, mixed);
	memset(mixed + HUGE_2M, 4, HUGE_2M);

	ASSERT_EQ(0, spapr_open(dev, SPAPR_V2, &c));
	expect(_metadata, "win64k-create", "TCE_CREATE a 256 MiB window of 64 KiB pages", tce_create(&c, 16, 256 << 20, &win), 0);
	expect(_metadata, "huge-reg", "REGISTER 2 MiB of hugetlb", reg_raw(&c, REG, ARGSZ, 0, (uintptr_t)huge, HUGE_2M), 0);
	expect(_metadata, "huge-map64k", "MAP_DMA a 64 KiB IOMMU page of hugetlb", spapr_map(&c, huge, win, io64k), 0);
	expect(_metadata, "huge-unmap64k", "UNMAP_DMA it", spapr_unmap(&c, win, io64k), 0);
	expect(_metadata, "anon-reg", "REGISTER 2 MiB of normal memory", reg_raw(&c, REG, ARGSZ, 0, (uintptr_t)anon, HUGE_2M), 0);
	expect(_metadata, "anon-map64k", "MAP_DMA a 64 KiB IOMMU page of normal memory", spapr_map(&c, anon, win, io64k), -EINVAL);
	expect(_metadata, "mixed-reg", "REGISTER 2 MiB hugetlb followed by 2 MiB normal", reg_raw(&c, REG, ARGSZ, 0, (uintptr_t)mixed, 2 * HUGE_2M), 0);
	expect(_metadata, "mixed-map64k", "MAP_DMA a 64 KiB page of its hugetlb half", spapr_map(&c, mixed, win, io64k), -EINVAL);
	spapr_unmap(&c, win, io64k);	/* in case a kernel let it through */
	expect(_metadata, "mixed-unreg", "UNREGISTER the mixed region", reg_raw(&c, UNREG, ARGSZ, 0, (uintptr_t)mixed, 2 * HUGE_2M), 0);
	expect(_metadata, "anon-unreg", "UNREGISTER the normal region", reg_raw(&c, UNREG, ARGSZ, 0, (uintptr_t)anon, HUGE_2M), 0);
	expect(_metadata, "huge-unreg", "UNREGISTER the hugetlb region", reg_raw(&c, UNREG, ARGSZ, 0, (uintptr_t)huge, HUGE_2M), 0);
	expect(_metadata, "win64k-remove", "TCE_REMOVE the window", tce_remove(&c, win), 0);
	spapr_close(&c);
	munmap(huge, HUGE_2M);
	munmap(anon, HUGE_2M);
	munmap(mixed, 2 * HUGE_2M);
	EXPECT_EQ(0, write_nr_hugepages(nr_before)) TH_LOG("giving the hugepages back");
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

static void expect_counter(struct __test_metadata *_metadata, const char *id, const char *key,
			   long want)
{
	char name[96];
	long got = prereg_counter(key);
	struct uapi_case c = { .id = id, .name = name, .ok = got == want };

	snprintf(name, sizeof(name), "debugfs %s", key);
	if (want > 0)
		snprintf(c.want, sizeof(c.want), "%ld", want);
	else
		fmt_outcome(want, c.want, sizeof(c.want));
	if (got >= 0)
		snprintf(c.got, sizeof(c.got), "%ld", got);
	else
		fmt_outcome(got, c.got, sizeof(c.got));
	report(_metadata, &c);
}

/* The per-mm counters in debugfs follow registration and mapping exactly,
 * and the line goes away with the last region. */
static void debugfs_cases(struct __test_metadata *_metadata, const struct spapr_dev *dev)
{
	struct spapr_container c;
	char *buf = map_anon(_metadata, 6 * page);
	long tces = 3 * page / 4096; /* the default window has 4 KiB TCEs */

	ASSERT_EQ(0, spapr_open(dev, SPAPR_V2, &c));
	expect_counter(_metadata, "dbg-none", "regions", -ENOENT);
	expect(_metadata, "dbg-reg-4", "REGISTER 4 pages", spapr_register(&c, buf, 4 * page), 0);
	expect(_metadata, "dbg-reg-2", "REGISTER the next 2 pages", spapr_register(&c, buf + 4 * page, 2 * page), 0);
	expect(_metadata, "dbg-map", "MAP_DMA 3 pages across them", spapr_map(&c, buf + page, c.dma32_start, 3 * page), 0);
	expect_counter(_metadata, "dbg-regions", "regions", 2);
	expect_counter(_metadata, "dbg-bytes", "registered_bytes", 6 * page);
	expect_counter(_metadata, "dbg-pinned", "pinned_pages", 6);
	expect_counter(_metadata, "dbg-mapped", "mapped_tces", tces);
	expect(_metadata, "dbg-unmap", "UNMAP_DMA of the 3 pages", spapr_unmap(&c, c.dma32_start, 3 * page), 0);
	expect_counter(_metadata, "dbg-unmapped", "mapped_tces", 0);
	expect(_metadata, "dbg-unreg", "UNREGISTER the 2-page region", spapr_unregister(&c, buf + 4 * page, 2 * page), 0);
	expect_counter(_metadata, "dbg-regions-1", "regions", 1);
	expect_counter(_metadata, "dbg-pinned-1", "pinned_pages", 4);
	expect(_metadata, "dbg-unreg-last", "UNREGISTER the last region", spapr_unregister(&c, buf, 4 * page), 0);
	expect_counter(_metadata, "dbg-gone", "regions", -ENOENT);
	spapr_close(&c);
	munmap(buf, 6 * page);
}

/* ---- the tests ---------------------------------------------------------- */

FIXTURE(uapi) {
	struct spapr_dev nvme, nic;
	long vmlck_start;
};

FIXTURE_SETUP(uapi)
{
	page = sysconf(_SC_PAGESIZE);
	if (spapr_dev_prepare(NULL, SPAPR_CLASS_NVME, &self->nvme) ||
	    spapr_dev_prepare(NULL, SPAPR_CLASS_ETHERNET, &self->nic))
		SKIP(return, "needs an NVMe and a second PCI device, each alone in an IOMMU group");
	self->vmlck_start = sysinfo_vmlck_kib();
}

FIXTURE_TEARDOWN(uapi)
{
}

/*
 * Each test ends where it started: once its containers are closed, the
 * process holds no more locked memory than before (upstream's U1 orphan
 * stays charged: vmlck-end). The timeouts allow for an emulated host.
 */
static void expect_back_to_start(struct __test_metadata *_metadata, const char *id,
				 long vmlck_start)
{
	expect_vmlck(_metadata, id, "VmLck back to the start once the containers closed",
		     vmlck_start);
}

TEST_F_TIMEOUT(uapi, debugfs_counters, 300)
{
	debugfs_cases(_metadata, &self->nvme);
	expect_back_to_start(_metadata, "dbg-vmlck-end", self->vmlck_start);
}

TEST_F_TIMEOUT(uapi, v2_arguments, 300)
{
	v2_argument_cases(_metadata, &self->nvme);
	expect_back_to_start(_metadata, "vmlck-end", self->vmlck_start);
}

TEST_F_TIMEOUT(uapi, v2_memory, 300)
{
	v2_memory_cases(_metadata, &self->nvme);
	expect_back_to_start(_metadata, "mem-vmlck-end", self->vmlck_start);
}

TEST_F_TIMEOUT(uapi, two_containers, 300)
{
	two_container_cases(_metadata, &self->nvme, &self->nic);
	expect_back_to_start(_metadata, "two-vmlck-end", self->vmlck_start);
}

TEST_F_TIMEOUT(uapi, iommu_page_size, 300)
{
	pagesize_cases(_metadata, &self->nvme);
	expect_back_to_start(_metadata, "huge-vmlck-end", self->vmlck_start);
}

TEST_F_TIMEOUT(uapi, v1, 300)
{
	v1_cases(_metadata, &self->nvme);
	expect_back_to_start(_metadata, "v1-vmlck-end", self->vmlck_start);
}

/* The limit is the child's own: it charges nothing to this process. */
TEST_F_TIMEOUT(uapi, memlock_limit, 300)
{
	rlimit_cases(_metadata, &self->nvme);
	expect_back_to_start(_metadata, "rlimit-vmlck-end", self->vmlck_start);
}

static void fill_kernel(struct json_out *j, const void *arg)
{
	json_kv_string(j, "schema", arg);
	sysinfo_write_kernel(j);
}

int main(int argc, char **argv)
{
	if (!log_json(fill_kernel, "prereg-uapi/2"))
		ksft_exit_fail_msg("cannot write $PREREG_UAPI_JSON: %s\n", strerror(errno));
	return test_harness_run(argc, argv);
}
