// SPDX-License-Identifier: GPL-2.0-only
/*
 * prereg-mapbench: what preregistration buys at the VFIO ioctl level.
 *
 * Binds one PCI device (by default the first NVMe) to vfio-pci and measures,
 * for the non-preregistered (v1) and preregistered (v2) sPAPR containers:
 *   map:      MAP_DMA / UNMAP_DMA latency for 1, 16 and 256 IOMMU pages;
 *   register: REGISTER / UNREGISTER_MEMORY throughput for 256 MiB .. 2 GiB,
 *             next to the cost of touching the same memory from userspace;
 *   regions:  1-page MAP_DMA / UNMAP_DMA latency with 1, 64, 1024 regions
 *             registered (one region per system page, as DPDK does with
 *             one region per hugepage).
 * Modes alternate within each repetition (v1 v2, then v2 v1, ...), so a
 * drift of the machine hits both alike. Output: one JSON document.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "anon_mem.h"
#include "json_out.h"
#include "stats.h"
#include "sysinfo.h"
#include "vfio_spapr.h"

#define TOOL_VERSION "1"
#define IOMMU_PAGE 4096ULL	/* page size of the default 32-bit DMA window */
#define MAX_LIST 16

struct list {
	size_t n;
	unsigned long v[MAX_LIST];
};

static struct {
	const char *device;
	const char *out;
	bool v1, v2;
	bool case_map, case_register, case_regions;
	bool reg_anon, reg_hugetlb;
	unsigned long iterations, warmup, reps;
	struct list pages, reg_mib, regions;
} opt;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static const char *errname(int err)
{
	const char *n = strerrorname_np(err);

	return n ? n : "E?";
}

static void die_errno(const char *what, long neg_err)
{
	if (neg_err > 0)
		fprintf(stderr, "error: %s: the kernel returned %ld instead of 0 or -1\n", what, neg_err);
	else
		fprintf(stderr, "error: %s: %s (%s)\n", what, strerror((int)-neg_err),
			errname((int)-neg_err));
	exit(1);
}

static int parse_list(const char *s, struct list *l)
{
	char *copy = strdup(s), *tok, *save = NULL;

	l->n = 0;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *end;
		unsigned long v = strtoul(tok, &end, 10);

		if (*end || v == 0 || l->n == MAX_LIST) {
			free(copy);
			return -1;
		}
		l->v[l->n++] = v;
	}
	free(copy);
	return l->n ? 0 : -1;
}

static void *map_anon(size_t size, bool touch)
{
	/* Untouched memory is what the registration case times the first
	 * touch of; everything else wants its pages present. */
	void *p = touch ? anon_mem(size, 0x5a) :
		mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (!p || p == MAP_FAILED) {
		fprintf(stderr, "error: mmap %zu bytes: %s\n", size, strerror(errno));
		exit(1);
	}
	return p;
}

/* A growing array of samples. */
struct samples {
	double *v;
	size_t n, cap;
};

static void samples_add(struct samples *s, double x)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 1024;
		s->v = realloc(s->v, s->cap * sizeof(*s->v));
		if (!s->v) {
			perror("realloc");
			exit(1);
		}
	}
	s->v[s->n++] = x;
}

static void write_stats(struct json_out *j, const struct stats *st)
{
	json_key(j, "stats");
	json_begin_object(j);
	json_kv_uint(j, "n", st->n);
	json_kv_double(j, "min", st->min);
	json_kv_double(j, "p50", st->p50);
	json_kv_double(j, "p90", st->p90);
	json_kv_double(j, "p99", st->p99);
	json_kv_double(j, "max", st->max);
	json_kv_double(j, "mean", st->mean);
	json_kv_double(j, "stddev", st->stddev);
	json_end_object(j);
}

/* One result row: all samples of every repetition, plus each repetition's
 * median so the report can show the spread between repetitions. */
struct series {
	struct samples all;
	struct samples rep_p50;
	size_t rep_start;
};

static void series_end_rep(struct series *s)
{
	size_t n = s->all.n - s->rep_start;
	double *tmp;
	struct stats st;

	if (!n)
		return;
	tmp = malloc(n * sizeof(*tmp));
	memcpy(tmp, s->all.v + s->rep_start, n * sizeof(*tmp));
	stats_compute(tmp, n, &st);
	free(tmp);
	samples_add(&s->rep_p50, st.p50);
	s->rep_start = s->all.n;
}

static void series_write(struct json_out *j, struct series *s)
{
	struct stats st;

	stats_compute(s->all.v, s->all.n, &st);
	write_stats(j, &st);
	json_key(j, "rep_p50");
	json_begin_array(j);
	for (size_t i = 0; i < s->rep_p50.n; i++)
		json_double(j, s->rep_p50.v[i]);
	json_end_array(j);
	free(s->all.v);
	free(s->rep_p50.v);
	memset(s, 0, sizeof(*s));
}

static void row_begin(struct json_out *j, const char *name, enum spapr_mode m, const char *op)
{
	json_begin_object(j);
	json_kv_string(j, "case", name);
	json_kv_string(j, "mode", spapr_mode_name(m));
	json_kv_string(j, "op", op);
	json_kv_string(j, "unit", "ns");
}

/* ---- case: map ---------------------------------------------------------- */

/* Large maps take long and vary little: beyond 64 pages per call, time about
 * as many pages in total as 64-page calls would (at least 50 calls, or all of
 * --iterations if that is fewer), so 4096-page runs stay minutes, not hours. */
static unsigned long scaled(unsigned long n, unsigned long pages)
{
	unsigned long floor = n < 50 ? n : 50;

	if (pages <= 64)
		return n;
	n = n * 64 / pages;
	return n < floor ? floor : n;
}

static void run_map_case(struct json_out *j, const struct spapr_dev *dev)
{
	size_t maxpages = 0, bufsize;
	struct series ser[2][MAX_LIST][3];	/* [mode][pages][map,unmap,both] */
	void *buf;

	memset(ser, 0, sizeof(ser));
	for (size_t i = 0; i < opt.pages.n; i++)
		if (opt.pages.v[i] > maxpages)
			maxpages = opt.pages.v[i];
	bufsize = maxpages * IOMMU_PAGE;
	bufsize = (bufsize + sysconf(_SC_PAGESIZE) - 1) & ~(sysconf(_SC_PAGESIZE) - 1);
	buf = map_anon(bufsize, true);

	for (unsigned long rep = 0; rep < opt.reps; rep++) {
		for (int k = 0; k < 2; k++) {
			enum spapr_mode m = ((rep + k) % 2 == 0) ? SPAPR_V1 : SPAPR_V2;
			struct spapr_container c;
			int mi = m == SPAPR_V1 ? 0 : 1;
			long ret;

			if ((m == SPAPR_V1 && !opt.v1) || (m == SPAPR_V2 && !opt.v2))
				continue;
			if (spapr_open(dev, m, &c))
				exit(1);
			if (m == SPAPR_V2) {
				ret = spapr_register(&c, buf, bufsize);
				if (ret)
					die_errno("REGISTER_MEMORY of the map buffer", ret);
			}
			for (size_t pi = 0; pi < opt.pages.n; pi++) {
				uint64_t size = opt.pages.v[pi] * IOMMU_PAGE;
				uint64_t iova = c.dma32_start;

				if (size > c.dma32_size) {
					fprintf(stderr, "error: %lu pages exceed the %llu-byte DMA window\n",
						opt.pages.v[pi], (unsigned long long)c.dma32_size);
					exit(1);
				}
				unsigned long warmup = scaled(opt.warmup, opt.pages.v[pi]);
				unsigned long iters = scaled(opt.iterations, opt.pages.v[pi]);

				for (unsigned long it = 0; it < warmup + iters; it++) {
					double t0, t1, t2;

					t0 = now_ns();
					ret = spapr_map(&c, buf, iova, size);
					t1 = now_ns();
					if (ret)
						die_errno("MAP_DMA", ret);
					ret = spapr_unmap(&c, iova, size);
					t2 = now_ns();
					if (ret)
						die_errno("UNMAP_DMA", ret);
					if (it < warmup)
						continue;
					samples_add(&ser[mi][pi][0].all, t1 - t0);
					samples_add(&ser[mi][pi][1].all, t2 - t1);
					samples_add(&ser[mi][pi][2].all, t2 - t0);
				}
				for (int op = 0; op < 3; op++)
					series_end_rep(&ser[mi][pi][op]);
			}
			if (m == SPAPR_V2) {
				ret = spapr_unregister(&c, buf, bufsize);
				if (ret)
					die_errno("UNREGISTER_MEMORY of the map buffer", ret);
			}
			spapr_close(&c);
		}
	}
	for (int mi = 0; mi < 2; mi++) {
		for (size_t pi = 0; pi < opt.pages.n; pi++) {
			static const char *const ops[] = { "map", "unmap", "map_unmap" };

			for (int op = 0; op < 3; op++) {
				if (!ser[mi][pi][op].all.n)
					continue;
				row_begin(j, "map", mi ? SPAPR_V2 : SPAPR_V1, ops[op]);
				json_kv_uint(j, "pages", opt.pages.v[pi]);
				json_kv_uint(j, "bytes", opt.pages.v[pi] * IOMMU_PAGE);
				json_kv_uint(j, "iterations", scaled(opt.iterations, opt.pages.v[pi]));
				series_write(j, &ser[mi][pi][op]);
				json_end_object(j);
			}
		}
	}
	munmap(buf, bufsize);
}

/* ---- case: register ----------------------------------------------------- */

/* Writing one word per system page: what touching the memory costs
 * userspace, the floor any registration has to walk the same pages. */
static double touch_pages(volatile char *p, size_t size)
{
	long pg = sysconf(_SC_PAGESIZE);
	double t0 = now_ns();

	for (size_t off = 0; off < size; off += pg)
		p[off] = (char)off;
	return now_ns() - t0;
}

/* Memory to register, not touched yet: anonymous (THP where the kernel gives
 * it) or hugetlb (MAP_HUGETLB, the default huge page size). */
static void *map_backing(size_t size, bool hugetlb)
{
	void *p;

	if (!hugetlb)
		return map_anon(size, false);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		fprintf(stderr, "error: hugetlb mmap of %zu MiB: %s (reserve huge pages: "
			"vm.nr_hugepages or vm.nr_overcommit_hugepages)\n", size >> 20, strerror(errno));
		exit(1);
	}
	return p;
}

/*
 * Registrations whose locked_vm charge was not exactly their size, or not
 * returned by UNREGISTER: a benchmark of a wrong result is not a result, so
 * mapbench still writes its JSON but exits 1.
 */
static unsigned int charge_errors;

static void check_charge(uint64_t size, long base, long registered, long after)
{
	long want = (long)(size >> 10);

	if (registered - base != want) {
		fprintf(stderr, "mapbench: REGISTER of %llu KiB charged %ld KiB of VmLck (%ld -> %ld)\n",
			(unsigned long long)(size >> 10), registered - base, base, registered);
		charge_errors++;
	}
	if (after != base) {
		fprintf(stderr, "mapbench: after UNREGISTER of %llu KiB VmLck is %ld KiB, was %ld\n",
			(unsigned long long)(size >> 10), after, base);
		charge_errors++;
	}
}

/*
 * Our kernel unpins an unregistered region's pages in a worker after an RCU
 * grace period. Until it has, those pages are still pinned and the next case
 * would run beside that work: wait until debugfs shows nothing pinned for
 * this process (our kernel only; without the file there is nothing to wait
 * for that can be seen). Returns the time waited, in ns, or -1 without the
 * file.
 */
#define MM_IOMMU_DEBUGFS "/sys/kernel/debug/powerpc/mm_iommu"

static long pinned_pages_of_self(void)
{
	FILE *f = fopen(MM_IOMMU_DEBUGFS, "r");
	char line[256];
	long tgid, regions, pinned = 0;
	unsigned long long bytes;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%ld %ld %llu %ld", &tgid, &regions, &bytes, &pinned) == 4 &&
		    tgid == (long)getpid())
			break;
		else
			pinned = 0;
	fclose(f);
	return pinned;
}

static double wait_unpinned(void)
{
	double t0 = now_ns();
	long pinned = pinned_pages_of_self();

	if (pinned < 0)
		return -1;
	while (pinned > 0) {
		if (now_ns() - t0 > 60e9) {
			fprintf(stderr, "mapbench: %ld pages still pinned 60 s after UNREGISTER\n", pinned);
			charge_errors++;
			break;
		}
		usleep(1000);
		pinned = pinned_pages_of_self();
	}
	return now_ns() - t0;
}

static void run_register_backing(struct json_out *j, const struct spapr_dev *dev, bool hugetlb)
{
	for (size_t si = 0; si < opt.reg_mib.n; si++) {
		uint64_t size = (uint64_t)opt.reg_mib.v[si] << 20;
		struct series reg = { 0 }, unreg = { 0 }, first = { 0 }, again = { 0 };
		long vmlck_base = 0, vmlck_reg = 0, vmlck_after = 0;
		double unpin_wait_max = -1;

		/*
		 * Warm-up, untimed: one registration of the same size first, so
		 * that the first timed repetition does not also pay for the
		 * first use of the path (page tables, slab caches, the worker).
		 */
		{
			struct spapr_container c;
			void *buf = map_backing(size, hugetlb);

			touch_pages(buf, size);
			if (spapr_open(dev, SPAPR_V2, &c))
				exit(1);
			if (spapr_register(&c, buf, size) || spapr_unregister(&c, buf, size)) {
				fprintf(stderr, "error: warm-up registration of %llu MiB failed\n",
					(unsigned long long)(size >> 20));
				exit(1);
			}
			spapr_close(&c);
			munmap(buf, size);
			wait_unpinned();
		}

		for (unsigned long rep = 0; rep < opt.reps; rep++) {
			struct spapr_container c;
			void *buf = map_backing(size, hugetlb);
			double t0, t1;
			long ret;

			/* A hugetlb fault without a free huge page is SIGBUS: the
			 * MAP_NORESERVE mapping above is checked here, page by page. */
			samples_add(&first.all, touch_pages(buf, size));
			samples_add(&again.all, touch_pages(buf, size));
			if (spapr_open(dev, SPAPR_V2, &c))
				exit(1);
			vmlck_base = sysinfo_vmlck_kib();
			t0 = now_ns();
			ret = spapr_register(&c, buf, size);
			t1 = now_ns();
			if (ret)
				die_errno("REGISTER_MEMORY (is RLIMIT_MEMLOCK large enough?)", ret);
			samples_add(&reg.all, t1 - t0);
			vmlck_reg = sysinfo_vmlck_kib();
			t0 = now_ns();
			ret = spapr_unregister(&c, buf, size);
			t1 = now_ns();
			if (ret)
				die_errno("UNREGISTER_MEMORY", ret);
			samples_add(&unreg.all, t1 - t0);
			vmlck_after = sysinfo_vmlck_kib();
			check_charge(size, vmlck_base, vmlck_reg, vmlck_after);
			spapr_close(&c);
			munmap(buf, size);
			{
				double w = wait_unpinned();

				if (w > unpin_wait_max)
					unpin_wait_max = w;
			}
			series_end_rep(&reg);
			series_end_rep(&unreg);
			series_end_rep(&first);
			series_end_rep(&again);
		}
		struct { const char *op; struct series *s; } rows[] = {
			{ "register", &reg }, { "unregister", &unreg },
			{ "touch_first", &first }, { "touch_again", &again },
		};
		for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
			row_begin(j, "register", SPAPR_V2, rows[r].op);
			json_kv_string(j, "backing", hugetlb ? "hugetlb" : "anon");
			json_kv_uint(j, "bytes", size);
			if (!strcmp(rows[r].op, "register")) {
				/* locked_vm seen by this process: charged once, returned once */
				json_kv_int(j, "vmlck_kib_before", vmlck_base);
				json_kv_int(j, "vmlck_kib_registered", vmlck_reg);
				json_kv_int(j, "vmlck_kib_after", vmlck_after);
				/* longest wait for the deferred unpin; -1: not visible */
				json_kv_int(j, "unpin_wait_us_max",
					    unpin_wait_max < 0 ? -1 : (long)(unpin_wait_max / 1e3));
			}
			series_write(j, rows[r].s);
			json_end_object(j);
		}
	}
}

static void run_register_case(struct json_out *j, const struct spapr_dev *dev)
{
	if (opt.reg_anon)
		run_register_backing(j, dev, false);
	if (opt.reg_hugetlb)
		run_register_backing(j, dev, true);
}

/* ---- case: regions ------------------------------------------------------ */

static void run_regions_case(struct json_out *j, const struct spapr_dev *dev)
{
	long pg = sysconf(_SC_PAGESIZE);

	for (size_t ni = 0; ni < opt.regions.n; ni++) {
		unsigned long nreg = opt.regions.v[ni];
		size_t size = nreg * pg;
		struct series map = { 0 }, unmap = { 0 }, both = { 0 };
		char *buf = map_anon(size, true);

		for (unsigned long rep = 0; rep < opt.reps; rep++) {
			struct spapr_container c;
			long ret;

			if (spapr_open(dev, SPAPR_V2, &c))
				exit(1);
			for (unsigned long r = 0; r < nreg; r++) {
				ret = spapr_register(&c, buf + r * pg, pg);
				if (ret)
					die_errno("REGISTER_MEMORY of one region", ret);
			}
			for (unsigned long it = 0; it < opt.warmup + opt.iterations; it++) {
				/* Visit every region in turn (a prime stride), so the
				 * figure is the average over the whole registry, not the
				 * best or worst place in one data structure. */
				char *va = buf + ((it * 7919UL) % nreg) * pg;
				double t0, t1, t2;

				t0 = now_ns();
				ret = spapr_map(&c, va, c.dma32_start, IOMMU_PAGE);
				t1 = now_ns();
				if (ret)
					die_errno("MAP_DMA into a registered region", ret);
				ret = spapr_unmap(&c, c.dma32_start, IOMMU_PAGE);
				t2 = now_ns();
				if (ret)
					die_errno("UNMAP_DMA", ret);
				if (it < opt.warmup)
					continue;
				samples_add(&map.all, t1 - t0);
				samples_add(&unmap.all, t2 - t1);
				samples_add(&both.all, t2 - t0);
			}
			for (unsigned long r = 0; r < nreg; r++) {
				ret = spapr_unregister(&c, buf + r * pg, pg);
				if (ret)
					die_errno("UNREGISTER_MEMORY of one region", ret);
			}
			spapr_close(&c);
			series_end_rep(&map);
			series_end_rep(&unmap);
			series_end_rep(&both);
		}
		struct { const char *op; struct series *s; } rows[] = {
			{ "map", &map }, { "unmap", &unmap }, { "map_unmap", &both },
		};
		for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
			row_begin(j, "regions", SPAPR_V2, rows[r].op);
			json_kv_uint(j, "regions", nreg);
			json_kv_uint(j, "pages", 1);
			series_write(j, rows[r].s);
			json_end_object(j);
		}
		munmap(buf, size);
	}
}

/* ---- main --------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: prereg-mapbench [options]\n"
		"  --device BDF        PCI device to use (default: first NVMe)\n"
		"  --mode v1|v2|both   containers for the map case (default both)\n"
		"  --cases LIST        map,register,regions (default all)\n"
		"  --iterations N      timed iterations per repetition (default 2000)\n"
		"  --warmup N          untimed iterations first (default 200)\n"
		"  --reps N            repetitions, modes alternating (default 3)\n"
		"  --pages LIST        IOMMU pages per MAP_DMA (default 1,16,256,4096; beyond 64\n"
		"                      pages, fewer iterations: as many pages as 64-page calls)\n"
		"  --register-mib LIST sizes to register (default 256,512,1024,2048)\n"
		"  --register-backing anon|hugetlb|both  memory registered (default both)\n"
		"  --regions LIST      registered region counts (default 1,64,1024)\n"
		"  --out FILE          JSON output (default stdout)\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "mode", required_argument, NULL, 'm' },
		{ "cases", required_argument, NULL, 'c' },
		{ "iterations", required_argument, NULL, 'i' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "reps", required_argument, NULL, 'r' },
		{ "pages", required_argument, NULL, 'p' },
		{ "register-mib", required_argument, NULL, 'g' },
		{ "regions", required_argument, NULL, 'n' },
		{ "register-backing", required_argument, NULL, 'b' },
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct spapr_dev dev;
	struct spapr_container probe;
	struct json_out j;
	FILE *f = stdout;
	int c;

	opt.v1 = opt.v2 = true;
	opt.case_map = opt.case_register = opt.case_regions = true;
	opt.reg_anon = opt.reg_hugetlb = true;
	opt.iterations = 2000;
	opt.warmup = 200;
	opt.reps = 3;
	parse_list("1,16,256,4096", &opt.pages);
	parse_list("256,512,1024,2048", &opt.reg_mib);
	parse_list("1,64,1024", &opt.regions);

	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'd': opt.device = optarg; break;
		case 'm':
			opt.v1 = !strcmp(optarg, "v1") || !strcmp(optarg, "both");
			opt.v2 = !strcmp(optarg, "v2") || !strcmp(optarg, "both");
			if (!opt.v1 && !opt.v2) {
				fprintf(stderr, "error: --mode must be v1, v2 or both\n");
				return 2;
			}
			break;
		case 'c':
			opt.case_map = strstr(optarg, "map") != NULL;
			opt.case_register = strstr(optarg, "register") != NULL;
			opt.case_regions = strstr(optarg, "regions") != NULL;
			break;
		case 'b':
			opt.reg_anon = !strcmp(optarg, "anon") || !strcmp(optarg, "both");
			opt.reg_hugetlb = !strcmp(optarg, "hugetlb") || !strcmp(optarg, "both");
			if (!opt.reg_anon && !opt.reg_hugetlb) {
				fprintf(stderr, "error: --register-backing must be anon, hugetlb or both\n");
				return 2;
			}
			break;
		case 'i': opt.iterations = strtoul(optarg, NULL, 10); break;
		case 'w': opt.warmup = strtoul(optarg, NULL, 10); break;
		case 'r': opt.reps = strtoul(optarg, NULL, 10); break;
		case 'p':
		case 'g':
		case 'n':
			if (parse_list(optarg, c == 'p' ? &opt.pages : c == 'g' ? &opt.reg_mib : &opt.regions)) {
				fprintf(stderr, "error: bad list '%s' (positive integers, comma separated, at most %d)\n",
					optarg, MAX_LIST);
				return 2;
			}
			break;
		case 'o': opt.out = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (opt.iterations == 0 || opt.reps == 0) {
		fprintf(stderr, "error: --iterations and --reps must be at least 1\n");
		return 2;
	}
	if (spapr_dev_prepare(opt.device, SPAPR_CLASS_NVME, &dev))
		return 1;
	/* Fail before any output if the device cannot serve a container. */
	if (spapr_open(&dev, SPAPR_V2, &probe))
		return 1;
	if (opt.out && !(f = fopen(opt.out, "w"))) {
		fprintf(stderr, "error: cannot write %s: %s\n", opt.out, strerror(errno));
		return 1;
	}
	json_init(&j, f);
	json_begin_object(&j);
	json_kv_string(&j, "schema", "prereg-mapbench/1");
	json_kv_string(&j, "tool_version", TOOL_VERSION);
	sysinfo_write_kernel(&j);
	sysinfo_write_machine(&j);
	json_key(&j, "device");
	json_begin_object(&j);
	json_kv_string(&j, "bdf", dev.bdf);
	json_kv_int(&j, "iommu_group", dev.group_id);
	json_end_object(&j);
	json_key(&j, "iommu");
	json_begin_object(&j);
	json_kv_uint(&j, "dma32_start", probe.dma32_start);
	json_kv_uint(&j, "dma32_size", probe.dma32_size);
	json_kv_uint(&j, "ddw_pgsizes", probe.ddw_pgsizes);
	json_kv_uint(&j, "ddw_levels", probe.ddw_levels);
	json_kv_uint(&j, "ddw_max_windows", probe.ddw_max_windows);
	json_kv_uint(&j, "iommu_page_size", IOMMU_PAGE);
	json_end_object(&j);
	spapr_close(&probe);
	json_key(&j, "params");
	json_begin_object(&j);
	json_kv_uint(&j, "iterations", opt.iterations);
	json_kv_uint(&j, "warmup", opt.warmup);
	json_kv_uint(&j, "reps", opt.reps);
	json_end_object(&j);
	json_key(&j, "results");
	json_begin_array(&j);
	if (opt.case_map)
		run_map_case(&j, &dev);
	/* Each case starts once the previous one's deferred unpins are done */
	wait_unpinned();
	if (opt.case_register)
		run_register_case(&j, &dev);
	wait_unpinned();
	if (opt.case_regions)
		run_regions_case(&j, &dev);
	json_end_array(&j);
	json_end_object(&j);
	if (f != stdout && fclose(f)) {
		fprintf(stderr, "error: writing %s: %s\n", opt.out, strerror(errno));
		return 1;
	}
	if (charge_errors) {
		fprintf(stderr, "mapbench: %u locked_vm charge errors (above)\n", charge_errors);
		return 1;
	}
	return 0;
}
