// SPDX-License-Identifier: GPL-2.0-only
/*
 * prereg_race: MAP_DMA, UNMAP_DMA and UNREGISTER_MEMORY racing on the same
 * IOVAs, judged by what the device can still do afterwards.
 *
 * A kernel that lets a TCE stay set with nothing pinned behind it cannot be
 * seen from the uAPI's return codes: every call succeeds, and the counters
 * balance. The device sees it. So each round races two threads on one run
 * of pages (one maps it, the other unmaps it after a random delay that
 * lands anywhere in the map), then unmaps the whole run once more: from
 * here nothing of it is mapped, and an NVMe read through the first and the
 * last page of every 512-page batch (what the kernel sets and clears in one
 * hypervisor call) must not change a byte of the buffer. Runs of 1, 511, 512, 513 and 4096
 * pages cover one page, both sides of a 512-TCE batch and many batches.
 * Regularly, and always in the first round, the run is mapped and read
 * whole instead (first, batch-boundary and last pages included): the
 * positive control that the probe does see DMA when there is a mapping.
 *
 * In v2 mode, UNREGISTER_MEMORY then races MAP_DMA of the same buffer: the
 * unregistration may fail with EBUSY (the map came first) or succeed (and
 * then the map must have failed and the device must write nowhere), never
 * both succeed. At the end the preregistered TCE count in debugfs is back
 * to where it started and every buffer unregisters.
 *
 * usage: prereg_race v1|v2 [ROUNDS]   (default 40). Exit 0 when every check
 * passes, 1 when one fails, 2 on a setup error. Each thread must make
 * progress (a minimum of successful calls), so a run that only collected
 * errors fails too.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "anon_mem.h"
#include "check_report.h"
#include "nvme_vfio.h"
#include "vfio_spapr.h"

static const unsigned int run_pages[] = { 1, 511, 512, 513, 4096 };
#define NRUNS (sizeof(run_pages) / sizeof(run_pages[0]))

struct run {
	unsigned int pages;
	uint8_t *buf;
	uint64_t iova, size, block;
	double map_s;		/* how long one MAP_DMA of it takes, measured */
};

enum op { OP_NONE, OP_MAP, OP_UNMAP, OP_UNREGISTER, OP_EXIT };

struct racer {
	enum op op;
	double delay_s;
	long ret;
	long ok;		/* successful calls, for the progress check */
};

static struct spapr_container ct;
static struct ctrl c;
static struct run runs[NRUNS];
static struct run *cur;
/* [0] runs in the main thread, [1] in the racing thread */
static struct racer racers[2];
static pthread_t racer_thread;
/*
 * The racing thread spins on @go rather than sleeping on a barrier: waking
 * a sleeping thread takes long and varies (a lot under emulation), and the
 * two calls would then rarely overlap at all.
 */
static atomic_uint go, done;

static void spin(double s)
{
	double end = now_s() + s;

	while (now_s() < end)
		;
}

static void do_op(struct racer *r)
{
	spin(r->delay_s);
	switch (r->op) {
	case OP_MAP:
		r->ret = spapr_map(&ct, cur->buf, cur->iova, cur->size);
		break;
	case OP_UNMAP:
		r->ret = spapr_unmap(&ct, cur->iova, cur->size);
		break;
	case OP_UNREGISTER:
		r->ret = spapr_unregister(&ct, cur->buf, cur->size);
		break;
	default:
		r->ret = 0;
	}
	if (r->ret == 0)
		r->ok++;
}

static void *racer_main(void *arg)
{
	unsigned int seen = 0;

	(void)arg;
	for (;;) {
		while (atomic_load(&go) == seen)
			sched_yield();
		seen = atomic_load(&go);
		if (racers[1].op == OP_EXIT)
			return NULL;
		do_op(&racers[1]);
		atomic_store(&done, seen);
	}
}

/* Op @a here and op @b in the racing thread, at once, @b after @delay */
static void race(struct run *run, enum op a, enum op b, double delay)
{
	unsigned int gen = atomic_load(&go) + 1;

	cur = run;
	racers[0].op = a;
	racers[0].delay_s = 0;
	racers[1].op = b;
	racers[1].delay_s = delay;
	atomic_store(&go, gen);
	do_op(&racers[0]);
	while (atomic_load(&done) != gen)
		sched_yield();
}

/* TCEs per batched hypervisor call: what a racing clear can orphan whole */
#define BATCH 512

/* Can the device write to page @p of @run? One read command of one page */
static bool page_written(struct run *run, unsigned int p)
{
	return device_writes_page(&c, run->buf + (size_t)p * NVME_PAGE,
				  run->iova + (uint64_t)p * NVME_PAGE, run->block + p, NULL);
}

/*
 * Can the device write anywhere in @run? The kernel sets and clears TCEs in
 * batches of 512 from the start of a MAP_DMA, so a racing clear leaves whole
 * batches behind: the first and last page of every batch are probed, each
 * with its own read command (so one that fails does not hide the next).
 * Returns the probed pages the device wrote.
 */
static unsigned int pages_written(struct run *run)
{
	unsigned int written = 0;

	for (unsigned int b = 0; b < run->pages; b += BATCH) {
		unsigned int last = b + BATCH < run->pages ? b + BATCH - 1 : run->pages - 1;

		written += page_written(run, b);
		if (last != b)
			written += page_written(run, last);
	}
	return written;
}

/* The positive control: mapped whole, the run reads its pattern everywhere */
static void control(struct run *run)
{
	long ret = spapr_map(&ct, run->buf, run->iova, run->size);
	int st = -2;

	if (ret == 0) {
		memset(run->buf, 0, run->size);
		st = nvme_read(&c, run->block, run->iova, run->pages);
	}
	check_quiet(ret == 0 && st == 0 && bad_blocks(run->buf, run->block, run->pages) == 0,
		"control: %u-page run mapped (%ld) and read (status %d), pattern in all blocks",
		run->pages, ret, st);
	check_quiet(spapr_unmap(&ct, run->iova, run->size) == 0, "control: UNMAP_DMA of the run");
}

static double map_time(struct run *run)
{
	double best = 1;

	for (int i = 0; i < 3; i++) {
		double t0 = now_s();

		if (spapr_map(&ct, run->buf, run->iova, run->size))
			die("MAP_DMA while timing a run");
		t0 = now_s() - t0;
		if (t0 < best)
			best = t0;
		if (spapr_unmap(&ct, run->iova, run->size))
			die("UNMAP_DMA while timing a run");
	}
	return best;
}

static void map_unmap_round(unsigned int round, struct run *run)
{
	/* Anywhere from before the map starts to just after it ends */
	double delay = run->map_s * 1.2 * (double)rand() / RAND_MAX;
	unsigned int written;
	long ret;

	race(run, OP_MAP, OP_UNMAP, delay);
	check_quiet(racers[0].ret == 0 && racers[1].ret == 0,
		"round %u, %u pages: MAP_DMA %ld, UNMAP_DMA %ld (0 expected)",
		round, run->pages, racers[0].ret, racers[1].ret);
	ret = spapr_unmap(&ct, run->iova, run->size);
	check_quiet(ret == 0, "round %u, %u pages: final UNMAP_DMA %ld", round, run->pages, ret);
	written = pages_written(run);
	check_quiet(written == 0,
		"round %u, %u pages (unmap %.0f us into a %.0f us map): after UNMAP_DMA the device wrote %u probed pages",
		round, run->pages, delay * 1e6, run->map_s * 1e6, written);
}

static void unregister_round(unsigned int round, struct run *run)
{
	double delay = run->map_s * 1.2 * (double)rand() / RAND_MAX;
	long map_ret, unreg_ret, ret;

	race(run, OP_MAP, OP_UNREGISTER, delay);
	map_ret = racers[0].ret;
	unreg_ret = racers[1].ret;
	check_quiet((map_ret == 0 && unreg_ret == -EBUSY) ||
	      (unreg_ret == 0 && (map_ret == -EINVAL || map_ret == -ENXIO)),
		"round %u: MAP_DMA %ld and UNREGISTER %ld: one of them fails (EBUSY, or EINVAL/ENXIO for the map)",
		round, map_ret, unreg_ret);
	if (unreg_ret == 0) {
		unsigned int written = pages_written(run);

		check_quiet(written == 0,
			"round %u: after UNREGISTER won, the device wrote %u probed pages",
			round, written);
	} else {
		ret = spapr_unmap(&ct, run->iova, run->size);
		check_quiet(ret == 0, "UNMAP_DMA after the refused UNREGISTER");
		ret = spapr_unregister(&ct, run->buf, run->size);
		check_quiet(ret == 0, "round %u: UNREGISTER once unmapped: %ld", round, ret);
	}
	if (spapr_register(&ct, run->buf, run->size))
		die("REGISTER_MEMORY again after a round");
}

int main(int argc, char **argv)
{
	long sys_page = sysconf(_SC_PAGESIZE);
	unsigned int rounds = argc > 2 ? (unsigned int)strtoul(argv[2], NULL, 10) : 40;
	unsigned int seed = (unsigned int)time(NULL);
	enum spapr_mode mode;
	struct spapr_dev dev;
	uint64_t iova, block = 2000;
	size_t ctl_size;
	long tces_before = -1, tces_after;

	if (argc < 2 || (strcmp(argv[1], "v1") && strcmp(argv[1], "v2")) || rounds < 1 ||
	    rounds > 100000 || sys_page != NVME_PAGE) {
		fprintf(stderr, "usage: prereg_race v1|v2 [ROUNDS (1..100000, default 40)]\n"
				"(needs 4 KiB system pages)\n");
		return 2;
	}
	if (getenv("PREREG_RACE_SEED"))
		seed = (unsigned int)strtoul(getenv("PREREG_RACE_SEED"), NULL, 0);
	srand(seed);
	mode = !strcmp(argv[1], "v1") ? SPAPR_V1 : SPAPR_V2;
	if (spapr_dev_prepare(NULL, SPAPR_CLASS_NVME, &dev) || spapr_open(&dev, mode, &ct))
		return 2;
	open_device(&c, &dev, &ct);
	ctl_size = NCTL * NVME_PAGE;
	c.ctl = anon_mem(ctl_size, 0);
	c.ctl_iova = ct.dma32_start;
	if (!c.ctl)
		die("allocating the control pages");
	if (mode == SPAPR_V2 && spapr_register(&ct, c.ctl, ctl_size))
		die("REGISTER_MEMORY of the control pages");
	if (spapr_map(&ct, c.ctl, c.ctl_iova, ctl_size))
		die("MAP_DMA of the control pages");
	nvme_init(&c);

	iova = ct.dma32_start + ctl_size;
	for (unsigned int i = 0; i < NRUNS; i++) {
		struct run *r = &runs[i];

		r->pages = run_pages[i];
		r->size = (uint64_t)r->pages * NVME_PAGE;
		r->buf = anon_mem(r->size, 0);
		r->iova = iova;
		r->block = block;
		iova += r->size;
		block += r->pages;
		if (!r->buf)
			die("allocating a run's buffer");
		if (mode == SPAPR_V2 && spapr_register(&ct, r->buf, r->size))
			die("REGISTER_MEMORY of a run's buffer");
		r->map_s = map_time(r);
	}
	tces_before = mode == SPAPR_V2 ? mapped_tces() : -1;
	printf("# prereg_race %s: NVMe %s, %u rounds, seed %u (PREREG_RACE_SEED replays it)\n",
	       spapr_mode_name(mode), dev.bdf, rounds, seed);
	for (unsigned int i = 0; i < NRUNS; i++)
		printf("# run of %u pages at IOVA %#llx: MAP_DMA %.0f us\n", runs[i].pages,
		       (unsigned long long)runs[i].iova, runs[i].map_s * 1e6);

	if (pthread_create(&racer_thread, NULL, racer_main, NULL))
		die("pthread_create");

	for (unsigned int round = 0; round < rounds; round++) {
		for (unsigned int i = 0; i < NRUNS; i++) {
			if (round % 8 == 0)
				control(&runs[i]);
			map_unmap_round(round, &runs[i]);
		}
		if (mode == SPAPR_V2)
			unregister_round(round, &runs[NRUNS - 1]);
	}

	{
		long need = (long)(rounds * NRUNS / 2);

		check(racers[0].ok >= need && racers[1].ok >= need,
			"progress: mapper %ld and unmapper %ld successful calls (at least %ld each)",
			racers[0].ok, racers[1].ok, need);
	}
	racers[1].op = OP_EXIT;
	atomic_fetch_add(&go, 1);
	pthread_join(racer_thread, NULL);

	if (mode == SPAPR_V2) {
		tces_after = mapped_tces();
		check(tces_before < 0 || tces_after == tces_before,
			"mapped TCEs in debugfs back to %ld (now %ld)", tces_before, tces_after);
		for (unsigned int i = 0; i < NRUNS; i++) {
			long ret = spapr_unregister(&ct, runs[i].buf, runs[i].size);

			check_quiet(ret == 0,
				"%u-page buffer unregisters at the end: %ld", runs[i].pages, ret);
		}
	}

	wr32(&c, 0x14, 0);	/* stop the controller before its queues go away */
	spapr_unmap(&ct, c.ctl_iova, ctl_size);
	spapr_close(&ct);
	printf("# %d failed\n", check_failures);
	return check_failures ? 1 : 0;
}
