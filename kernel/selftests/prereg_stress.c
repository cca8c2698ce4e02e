// SPDX-License-Identifier: GPL-2.0-only
/*
 * prereg_stress: map and unmap from several threads while another thread
 * unregisters and re-registers the same regions, for a fixed time.
 *
 * What every call may answer is fixed: MAP_DMA 0, EINVAL (region not
 * registered just now) or ENXIO (region being torn down); UNMAP_DMA 0;
 * UNREGISTER 0 or EBUSY (still mapped); REGISTER 0. Anything else, a leak of
 * locked memory at the end, or (checked on the host) a kernel warning in
 * dmesg, fails the run. Upstream's lost EBUSY (U1) and unreferenced lookups
 * (U6) are what this is for. So does a run without progress: each mapper
 * must map and unmap, and the unregisterer unregister, at least a minimum
 * number of times (a kernel that only ever answers EBUSY or EINVAL would
 * otherwise pass).
 *
 * usage: prereg_stress [SECONDS]   (default 10). The random seed is printed;
 * PREREG_STRESS_SEED=N replays it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "anon_mem.h"
#include "sysinfo.h"
#include "vfio_spapr.h"

#define NREGIONS 32
#define MAPPERS 2
#define REGION_PAGES 4

static struct spapr_container c;
static char *buf;
static size_t region_size;
static atomic_bool stop;
static atomic_long bad;
static atomic_long ops;
static atomic_long map_ok[MAPPERS];
static atomic_long unreg_ok;
static unsigned int base_seed;

/* Successful calls each thread must make in a run, whatever its length */
#define MIN_MAPS_PER_MAPPER	50
#define MIN_UNREGISTERS		5

static void unexpected(const char *what, int region, long got)
{
	const char *n = got < 0 ? strerrorname_np((int)-got) : NULL;

	if (n)
		fprintf(stderr, "UNEXPECTED %s region %d: %s\n", what, region, n);
	else
		fprintf(stderr, "UNEXPECTED %s region %d: returned %ld\n", what, region, got);
	atomic_fetch_add(&bad, 1);
}

static void *mapper(void *arg)
{
	long id = (long)arg;
	unsigned int seed = base_seed + (unsigned int)id * 7919u + 1;
	/* Each mapper owns its own IOVA page, so they never collide there. */
	uint64_t iova = c.dma32_start + (uint64_t)(id + 1) * 4096;

	while (!atomic_load(&stop)) {
		int r = rand_r(&seed) % NREGIONS;
		long ret = spapr_map(&c, buf + (size_t)r * region_size, iova, 4096);

		if (ret == 0) {
			ret = spapr_unmap(&c, iova, 4096);
			if (ret != 0)
				unexpected("UNMAP_DMA", r, ret);
			else
				atomic_fetch_add(&map_ok[id], 1);
		} else if (ret != -EINVAL && ret != -ENXIO) {
			unexpected("MAP_DMA", r, ret);
		}
		atomic_fetch_add(&ops, 1);
	}
	return NULL;
}

static void *unregisterer(void *arg)
{
	unsigned int seed = base_seed + 4242;

	(void)arg;
	while (!atomic_load(&stop)) {
		int r = rand_r(&seed) % NREGIONS;
		char *va = buf + (size_t)r * region_size;
		long ret = spapr_unregister(&c, va, region_size);

		if (ret == 0) {
			atomic_fetch_add(&unreg_ok, 1);
			ret = spapr_register(&c, va, region_size);
			if (ret != 0)
				unexpected("re-REGISTER", r, ret);
		} else if (ret != -EBUSY) {
			unexpected("UNREGISTER", r, ret);
		}
		atomic_fetch_add(&ops, 1);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int seconds = argc > 1 ? atoi(argv[1]) : 10;
	pthread_t th[MAPPERS + 1];
	struct spapr_dev dev;
	long before, base, after_unreg, after_close;
	long leftover = 0;

	if (seconds <= 0) {
		fprintf(stderr, "usage: prereg_stress [SECONDS]\n");
		return 2;
	}
	base_seed = getenv("PREREG_STRESS_SEED") ?
		(unsigned int)strtoul(getenv("PREREG_STRESS_SEED"), NULL, 0) :
		(unsigned int)time(NULL);
	printf("prereg_stress: seed %u (PREREG_STRESS_SEED replays it)\n", base_seed);
	region_size = REGION_PAGES * (size_t)sysconf(_SC_PAGESIZE);
	buf = anon_mem(NREGIONS * region_size, 7);
	if (!buf) {
		perror("mmap");
		return 2;
	}
	if (spapr_dev_prepare(NULL, SPAPR_CLASS_NVME, &dev))
		return 2;
	before = sysinfo_vmlck_kib();
	if (spapr_open(&dev, SPAPR_V2, &c))
		return 2;
	for (int r = 0; r < NREGIONS; r++) {
		if (spapr_register(&c, buf + (size_t)r * region_size, region_size)) {
			fprintf(stderr, "error: initial REGISTER failed\n");
			return 2;
		}
	}
	/* One map/unmap creates the default window (and its locked TCE table)
	 * before the baseline is taken. */
	if (spapr_map(&c, buf, c.dma32_start, 4096) || spapr_unmap(&c, c.dma32_start, 4096)) {
		fprintf(stderr, "error: first MAP_DMA failed\n");
		return 2;
	}
	base = sysinfo_vmlck_kib();

	for (long i = 0; i < MAPPERS; i++)
		pthread_create(&th[i], NULL, mapper, (void *)i);
	pthread_create(&th[MAPPERS], NULL, unregisterer, NULL);
	sleep((unsigned int)seconds);
	atomic_store(&stop, true);
	for (int i = 0; i <= MAPPERS; i++)
		pthread_join(th[i], NULL);

	/* Every mapping was undone by its mapper; every region is registered
	 * again (the unregisterer re-registers what it removed). */
	if (sysinfo_vmlck_kib() != base) {
		fprintf(stderr, "FAIL VmLck %ld KiB after the run, %ld KiB before it\n",
			sysinfo_vmlck_kib(), base);
		atomic_fetch_add(&bad, 1);
	}
	for (int r = 0; r < NREGIONS; r++) {
		long ret = spapr_unregister(&c, buf + (size_t)r * region_size, region_size);

		if (ret) {
			fprintf(stderr, "FAIL final UNREGISTER of region %d: %ld\n", r, ret);
			leftover++;
		}
	}
	after_unreg = sysinfo_vmlck_kib();
	spapr_close(&c);
	after_close = sysinfo_vmlck_kib();
	printf("prereg_stress: %d s, %ld operations, %ld unexpected results, %ld regions left behind\n",
	       seconds, atomic_load(&ops), atomic_load(&bad), leftover);
	printf("prereg_stress: VmLck %ld KiB at start, %ld in the run, %ld after unregistering all, %ld after close\n",
	       before, base, after_unreg, after_close);
	for (int i = 0; i < MAPPERS; i++) {
		printf("prereg_stress: mapper %d mapped and unmapped %ld times (at least %d)\n", i,
		       atomic_load(&map_ok[i]), MIN_MAPS_PER_MAPPER);
		if (atomic_load(&map_ok[i]) < MIN_MAPS_PER_MAPPER) {
			printf("FAIL mapper %d made too little progress\n", i);
			atomic_fetch_add(&bad, 1);
		}
	}
	printf("prereg_stress: %ld successful unregistrations (at least %d)\n",
	       atomic_load(&unreg_ok), MIN_UNREGISTERS);
	if (atomic_load(&unreg_ok) < MIN_UNREGISTERS) {
		printf("FAIL the unregisterer made too little progress\n");
		atomic_fetch_add(&bad, 1);
	}
	if (after_close != before) {
		printf("FAIL locked memory leaked: %ld KiB\n", after_close - before);
		return 1;
	}
	return (atomic_load(&bad) || leftover) ? 1 : 0;
}
