/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A small userspace NVMe driver over a VFIO sPAPR container, for the
 * selftests that prove what the TCEs VFIO sets let a device do: read a
 * buffer through them (every byte checked against the backing file's
 * pattern) and probe whether the device can still write through an IOVA.
 * The test host's NVMe's backing file repeats, in each 4 KiB block,
 * "prereg block %010d\n" with the block's number.
 */
#ifndef PREREG_NVME_VFIO_H
#define PREREG_NVME_VFIO_H

#include <stdbool.h>
#include <stdint.h>

#include "vfio_spapr.h"

#define NVME_PAGE	4096u
#define QDEPTH		16u
#define CHUNK_PAGES	16u	/* pages per read command (one PRP list) */

/* Control pages, in this order, at the start of the DMA window. */
enum { ASQ, ACQ, IOSQ, IOCQ, IDBUF, PRPLIST, NCTL };

struct nvme_sqe {
	uint32_t cdw0, nsid, rsvd[2];
	uint64_t mptr, prp1, prp2;
	uint32_t cdw10, cdw11, cdw12, cdw13, cdw14, cdw15;
};

struct nvme_cqe {
	uint32_t result, rsvd;
	uint16_t sqhd, sqid, cid, status;
};

struct queue {
	struct nvme_sqe *sq;
	volatile struct nvme_cqe *cq;
	unsigned int tail, head, phase, qid;
	uint16_t cid;
};

struct ctrl {
	int dev_fd;
	volatile uint8_t *bar;
	size_t bar_size;
	unsigned int dstrd;
	uint64_t ctl_iova;
	uint8_t *ctl;
	struct queue admin, io;
	unsigned int lba_shift;
};

/* Prints "error: WHAT" (with errno's text when set) and exits 2 */
void die(const char *what);
double now_s(void);
void wr32(struct ctrl *c, unsigned int off, uint32_t v);
uint64_t ctl_iova(struct ctrl *c, int page);
/* Enables the controller with its queues in the control pages (mapped) */
void nvme_init(struct ctrl *c);
/* Reads @pages blocks from @block into @iova: the first failing command's
 * NVMe status, -1 on a timeout, or 0 */
int nvme_read_wait(struct ctrl *c, uint64_t block, uint64_t iova, unsigned int pages,
		   double timeout);
int nvme_read(struct ctrl *c, uint64_t block, uint64_t iova, unsigned int pages);
/*
 * Can the device write the page at @iova (@va is what it should map to)?
 * Judged by the bytes, not by the command's status: a DMA that hits no TCE
 * may fail the command, complete it with the data dropped, or never
 * complete (then the controller is reset, which cancels it). @status gets
 * the command's NVMe status, -1 for no completion. Quiet.
 */
bool device_writes_page(struct ctrl *c, uint8_t *va, uint64_t iova, uint64_t block, int *status);
/* device_writes_page(), saying what happened on stdout */
bool device_can_write(struct ctrl *c, uint8_t *va, uint64_t iova, uint64_t block);
unsigned int bad_blocks(const uint8_t *buf, uint64_t block, unsigned int pages);
/* mapped_tces of this process in debugfs powerpc/mm_iommu (our kernel), -1
 * without that file */
long mapped_tces(void);
void open_device(struct ctrl *c, const struct spapr_dev *dev, struct spapr_container *ct);

#endif
