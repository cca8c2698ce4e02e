/* SPDX-License-Identifier: GPL-2.0-only */
/* Setting up an sPAPR VFIO container for one PCI device, in either mode:
 *   v1: VFIO_SPAPR_TCE_IOMMU + VFIO_IOMMU_ENABLE, MAP_DMA pins per page;
 *   v2: VFIO_SPAPR_TCE_v2_IOMMU, memory preregistered with
 *       VFIO_IOMMU_SPAPR_REGISTER_MEMORY, MAP_DMA only translates. */
#ifndef PREREG_VFIO_SPAPR_H
#define PREREG_VFIO_SPAPR_H

#include <stddef.h>
#include <stdint.h>

enum spapr_mode { SPAPR_V1 = 1, SPAPR_V2 = 2 };

struct spapr_dev {
	char bdf[32];
	int group_id;
};

struct spapr_container {
	enum spapr_mode mode;
	int container_fd;
	int group_fd;
	uint64_t dma32_start, dma32_size;
	uint64_t ddw_pgsizes;
	uint32_t ddw_levels, ddw_max_windows;
};

#define SPAPR_CLASS_NVME "0x0108"
#define SPAPR_CLASS_ETHERNET "0x0200"

/* Uses @bdf, or when it is NULL or empty the first PCI device whose class
 * starts with @class_prefix; checks that it has an IOMMU group and binds it to
 * vfio-pci. Returns 0, or -1 with a message on stderr saying what is missing. */
int spapr_dev_prepare(const char *bdf, const char *class_prefix, struct spapr_dev *dev);

/* Opens the container and the group and selects the mode. */
int spapr_open(const struct spapr_dev *dev, enum spapr_mode mode, struct spapr_container *c);
void spapr_close(struct spapr_container *c);

/* Thin ioctl wrappers, never printing. They return what the kernel said:
 * -errno, 0, or (a kernel bug the selftest looks for) a positive value. */
long spapr_ioctl(int fd, unsigned long req, void *arg);
long spapr_register(struct spapr_container *c, void *vaddr, uint64_t size);
long spapr_unregister(struct spapr_container *c, void *vaddr, uint64_t size);
long spapr_map(struct spapr_container *c, void *vaddr, uint64_t iova, uint64_t size);
long spapr_unmap(struct spapr_container *c, uint64_t iova, uint64_t size);

const char *spapr_mode_name(enum spapr_mode mode);

#endif
