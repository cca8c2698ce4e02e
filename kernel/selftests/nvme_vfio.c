// SPDX-License-Identifier: GPL-2.0-only
/* A small userspace NVMe driver over VFIO: see nvme_vfio.h */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/vfio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "nvme_vfio.h"

void die(const char *what)
{
	fprintf(stderr, "%s: error: %s%s%s\n", program_invocation_short_name, what, errno ? ": " : "",
		errno ? strerror(errno) : "");
	exit(2);
}

double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint32_t rd32(struct ctrl *c, unsigned int off)
{
	return *(volatile uint32_t *)(c->bar + off);
}

void wr32(struct ctrl *c, unsigned int off, uint32_t v)
{
	__sync_synchronize();	/* queue entries before the doorbell */
	*(volatile uint32_t *)(c->bar + off) = v;
}

static void wr64(struct ctrl *c, unsigned int off, uint64_t v)
{
	wr32(c, off, (uint32_t)v);
	wr32(c, off + 4, (uint32_t)(v >> 32));
}

static void wait_ready(struct ctrl *c, bool ready, double timeout)
{
	double end = now_s() + timeout;

	while ((rd32(c, 0x1c) & 1) != ready) {
		if (rd32(c, 0x1c) & 2) {
			errno = 0;
			die("NVMe controller fatal status (CSTS.CFS)");
		}
		if (now_s() > end) {
			errno = 0;
			die(ready ? "NVMe controller did not become ready" :
				    "NVMe controller did not stop");
		}
		usleep(1000);
	}
}

/* Submits one command and polls for its completion; returns the NVMe status
 * (0 = success) or -1 after @timeout seconds. Completions of other commands
 * (one that timed out earlier) are consumed on the way. */
static int submit_wait(struct ctrl *c, struct queue *q, struct nvme_sqe *cmd, double timeout)
{
	unsigned int db = 0x1000 + (2 * q->qid) * (4u << c->dstrd);
	double end = now_s() + timeout;
	uint16_t cid = ++q->cid;

	cmd->cdw0 |= (uint32_t)cid << 16;
	q->sq[q->tail] = *cmd;
	q->tail = (q->tail + 1) % QDEPTH;
	wr32(c, db, q->tail);

	for (;;) {
		volatile struct nvme_cqe *cqe = &q->cq[q->head];
		uint16_t status;
		bool mine;

		while ((cqe->status & 1) != q->phase)
			if (now_s() > end)
				return -1;
		__sync_synchronize();
		status = cqe->status >> 1;
		mine = cqe->cid == cid;
		q->head = (q->head + 1) % QDEPTH;
		if (q->head == 0)
			q->phase ^= 1;
		wr32(c, db + (4u << c->dstrd), q->head);
		if (mine)
			return status;
	}
}

static int submit(struct ctrl *c, struct queue *q, struct nvme_sqe *cmd)
{
	return submit_wait(c, q, cmd, 10);
}

uint64_t ctl_iova(struct ctrl *c, int page)
{
	return c->ctl_iova + (uint64_t)page * NVME_PAGE;
}

void nvme_init(struct ctrl *c)
{
	uint64_t cap = rd32(c, 0) | (uint64_t)rd32(c, 4) << 32;
	double timeout = ((cap >> 24) & 0xff) * 0.5 + 1;
	struct nvme_sqe cmd;
	int st;

	c->dstrd = (cap >> 32) & 0xf;
	wr32(c, 0x14, 0);			/* CC.EN = 0: also cancels what is pending */
	wait_ready(c, false, timeout);
	memset(c->ctl, 0, NCTL * NVME_PAGE);
	c->admin = (struct queue){ .sq = (void *)(c->ctl + ASQ * NVME_PAGE),
				   .cq = (void *)(c->ctl + ACQ * NVME_PAGE), .phase = 1 };
	wr32(c, 0x24, (QDEPTH - 1) << 16 | (QDEPTH - 1));	/* AQA */
	wr64(c, 0x28, ctl_iova(c, ASQ));
	wr64(c, 0x30, ctl_iova(c, ACQ));
	/* IOCQES 16 bytes, IOSQES 64 bytes, 4 KiB pages, NVM command set */
	wr32(c, 0x14, 4u << 20 | 6u << 16 | 1);
	wait_ready(c, true, timeout);

	memset(&cmd, 0, sizeof(cmd));			/* Identify Namespace 1 */
	cmd.cdw0 = 0x06;
	cmd.nsid = 1;
	cmd.prp1 = ctl_iova(c, IDBUF);
	if ((st = submit(c, &c->admin, &cmd)) != 0) {
		errno = 0;
		fprintf(stderr, "nvme_vfio: Identify Namespace status %#x\n", st);
		die("Identify Namespace failed (is DMA to the control pages working?)");
	}
	{
		uint8_t *id = c->ctl + IDBUF * NVME_PAGE;
		uint8_t flbas = id[26] & 0xf;
		uint32_t lbaf;

		memcpy(&lbaf, id + 128 + 4 * flbas, 4);
		c->lba_shift = (lbaf >> 16) & 0xff;
	}

	memset(&cmd, 0, sizeof(cmd));			/* Create I/O CQ 1, polled */
	cmd.cdw0 = 0x05;
	cmd.prp1 = ctl_iova(c, IOCQ);
	cmd.cdw10 = (QDEPTH - 1) << 16 | 1;
	cmd.cdw11 = 1;
	if (submit(c, &c->admin, &cmd) != 0)
		die("Create I/O Completion Queue failed");
	memset(&cmd, 0, sizeof(cmd));			/* Create I/O SQ 1 on CQ 1 */
	cmd.cdw0 = 0x01;
	cmd.prp1 = ctl_iova(c, IOSQ);
	cmd.cdw10 = (QDEPTH - 1) << 16 | 1;
	cmd.cdw11 = 1u << 16 | 1;
	if (submit(c, &c->admin, &cmd) != 0)
		die("Create I/O Submission Queue failed");
	c->io = (struct queue){ .sq = (void *)(c->ctl + IOSQ * NVME_PAGE),
				.cq = (void *)(c->ctl + IOCQ * NVME_PAGE), .phase = 1, .qid = 1 };
}

/* Reads @pages 4 KiB blocks from block @block into IOVA @iova; returns the
 * NVMe status of the first command that fails, or 0. */
int nvme_read_wait(struct ctrl *c, uint64_t block, uint64_t iova, unsigned int pages,
			  double timeout)
{
	uint64_t *prp = (uint64_t *)(c->ctl + PRPLIST * NVME_PAGE);

	for (unsigned int done = 0; done < pages; done += CHUNK_PAGES) {
		unsigned int n = pages - done < CHUNK_PAGES ? pages - done : CHUNK_PAGES;
		uint64_t first = iova + (uint64_t)done * NVME_PAGE;
		struct nvme_sqe cmd = { .cdw0 = 0x02, .nsid = 1, .prp1 = first };
		uint64_t lba = (block + done) * (NVME_PAGE >> c->lba_shift);
		int st;

		if (n == 2) {
			cmd.prp2 = first + NVME_PAGE;
		} else if (n > 2) {
			for (unsigned int i = 1; i < n; i++)
				prp[i - 1] = first + (uint64_t)i * NVME_PAGE;
			cmd.prp2 = ctl_iova(c, PRPLIST);
		}
		cmd.cdw10 = (uint32_t)lba;
		cmd.cdw11 = (uint32_t)(lba >> 32);
		cmd.cdw12 = n * (NVME_PAGE >> c->lba_shift) - 1;
		st = submit_wait(c, &c->io, &cmd, timeout);
		if (st)
			return st;
	}
	return 0;
}

int nvme_read(struct ctrl *c, uint64_t block, uint64_t iova, unsigned int pages)
{
	return nvme_read_wait(c, block, iova, pages, 10);
}

/*
 * Can the device write one page at @iova? Judged by the bytes, not by the
 * command's status: a DMA that hits no TCE may fail the command, complete it
 * with the data dropped (QEMU's NVMe does, through a bounce buffer), or leave
 * it waiting for a mapping that could come later; after a short wait the
 * controller is reset, which cancels it, so it cannot write into a buffer
 * mapped at that address afterwards.
 */
bool device_writes_page(struct ctrl *c, uint8_t *va, uint64_t iova, uint64_t block, int *status)
{
	bool changed = false;
	int st;

	memset(va, 0x5a, NVME_PAGE);
	st = nvme_read_wait(c, block, iova, 1, 2);
	if (st < 0)
		nvme_init(c);
	for (unsigned int i = 0; i < NVME_PAGE; i++)
		changed |= va[i] != 0x5a;
	if (status)
		*status = st;
	return changed;
}

bool device_can_write(struct ctrl *c, uint8_t *va, uint64_t iova, uint64_t block)
{
	int st;
	bool changed = device_writes_page(c, va, iova, block, &st);

	printf("# DMA to IOVA %#llx: %s, page %s\n", (unsigned long long)iova,
	       st < 0 ? "no completion (controller reset)" : st ? "failed" : "completed",
	       changed ? "written" : "unchanged");
	return changed;
}

/* Counts 4 KiB blocks of @buf that differ from the backing file's pattern. */
unsigned int bad_blocks(const uint8_t *buf, uint64_t block, unsigned int pages)
{
	unsigned int bad = 0;
	char line[32], expect[NVME_PAGE];

	for (unsigned int p = 0; p < pages; p++) {
		int len = snprintf(line, sizeof(line), "prereg block %010llu\n",
				   (unsigned long long)(block + p));

		for (unsigned int off = 0; off < NVME_PAGE; off += len)
			memcpy(expect + off, line, NVME_PAGE - off < (unsigned int)len ?
			       NVME_PAGE - off : (unsigned int)len);
		if (memcmp(buf + (size_t)p * NVME_PAGE, expect, NVME_PAGE)) {
			if (!bad)
				fprintf(stderr, "nvme_vfio: first bad block %u: \"%.20s\"\n", p,
					buf + (size_t)p * NVME_PAGE);
			bad++;
		}
	}
	return bad;
}

/* mapped_tces of this process in debugfs (our kernel), or -1 without it. */
long mapped_tces(void)
{
	char line[256];
	long v = -1, tgid, r, b, p, m;
	FILE *f = fopen("/sys/kernel/debug/powerpc/mm_iommu", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%ld %ld %ld %ld %ld", &tgid, &r, &b, &p, &m) == 5 &&
		    tgid == getpid())
			v = m;
	fclose(f);
	return v < 0 ? 0 : v;
}

void open_device(struct ctrl *c, const struct spapr_dev *dev, struct spapr_container *ct)
{
	struct vfio_region_info bar = { .argsz = sizeof(bar), .index = VFIO_PCI_BAR0_REGION_INDEX };
	struct vfio_region_info cfg = { .argsz = sizeof(cfg), .index = VFIO_PCI_CONFIG_REGION_INDEX };
	uint16_t cmd;

	c->dev_fd = ioctl(ct->group_fd, VFIO_GROUP_GET_DEVICE_FD, dev->bdf);
	if (c->dev_fd < 0)
		die("VFIO_GROUP_GET_DEVICE_FD");
	if (ioctl(c->dev_fd, VFIO_DEVICE_GET_REGION_INFO, &cfg) ||
	    ioctl(c->dev_fd, VFIO_DEVICE_GET_REGION_INFO, &bar))
		die("VFIO_DEVICE_GET_REGION_INFO");
	/* Memory space and bus mastering: the device may now DMA */
	if (pread(c->dev_fd, &cmd, 2, cfg.offset + 4) != 2)
		die("reading the PCI command register");
	cmd |= 0x6;
	if (pwrite(c->dev_fd, &cmd, 2, cfg.offset + 4) != 2)
		die("writing the PCI command register");
	c->bar_size = bar.size;
	c->bar = mmap(NULL, bar.size, PROT_READ | PROT_WRITE, MAP_SHARED, c->dev_fd, bar.offset);
	if (c->bar == MAP_FAILED)
		die("mmap of BAR0");
}
