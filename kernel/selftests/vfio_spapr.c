// SPDX-License-Identifier: GPL-2.0-only
#define _GNU_SOURCE
#include "vfio_spapr.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <linux/vfio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define PCI_DEVICES "/sys/bus/pci/devices"

const char *spapr_mode_name(enum spapr_mode mode)
{
	return mode == SPAPR_V1 ? "v1" : "v2";
}

static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	if (!fgets(buf, (int)len, f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

/* First PCI device whose class starts with @class_prefix ("0x0108": NVMe). */
static int find_by_class(const char *class_prefix, char *bdf, size_t len)
{
	DIR *d = opendir(PCI_DEVICES);
	struct dirent *e;
	char path[PATH_MAX], cls[32];
	int found = -1;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), PCI_DEVICES "/%s/class", e->d_name);
		if (read_line(path, cls, sizeof(cls)) == 0 &&
		    strncmp(cls, class_prefix, strlen(class_prefix)) == 0 &&
		    strlen(e->d_name) < len) {
			memcpy(bdf, e->d_name, strlen(e->d_name) + 1);
			found = 0;
			break;
		}
	}
	closedir(d);
	return found;
}

int spapr_dev_prepare(const char *bdf, const char *class_prefix, struct spapr_dev *dev)
{
	char path[PATH_MAX], link[PATH_MAX], drv[PATH_MAX];
	ssize_t n;

	memset(dev, 0, sizeof(*dev));
	/*
	 * On a real host the runner names the one NVMe the tests may take
	 * (PREREG_NVME); the first one found might hold the root file system.
	 */
	if ((!bdf || !*bdf) && !strcmp(class_prefix, SPAPR_CLASS_NVME) && getenv("PREREG_NVME") &&
	    *getenv("PREREG_NVME"))
		bdf = getenv("PREREG_NVME");
	if (bdf && *bdf) {
		snprintf(dev->bdf, sizeof(dev->bdf), "%s", bdf);
	} else if (find_by_class(class_prefix, dev->bdf, sizeof(dev->bdf))) {
		fprintf(stderr, "error: no %s (PCI class %s) in " PCI_DEVICES
			": the test host needs its passthrough devices\n",
			strcmp(class_prefix, SPAPR_CLASS_NVME) ? "PCI device" : "NVMe controller",
			class_prefix);
		return -1;
	}
	snprintf(path, sizeof(path), PCI_DEVICES "/%s", dev->bdf);
	if (access(path, F_OK)) {
		fprintf(stderr, "error: PCI device %s does not exist\n", dev->bdf);
		return -1;
	}
	snprintf(path, sizeof(path), PCI_DEVICES "/%s/iommu_group", dev->bdf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0) {
		fprintf(stderr, "error: %s has no IOMMU group (is the sPAPR IOMMU enabled?)\n",
			dev->bdf);
		return -1;
	}
	link[n] = '\0';
	dev->group_id = atoi(basename(link));

	/* Already on vfio-pci? */
	snprintf(path, sizeof(path), PCI_DEVICES "/%s/driver", dev->bdf);
	n = readlink(path, drv, sizeof(drv) - 1);
	if (n >= 0) {
		drv[n] = '\0';
		if (strcmp(basename(drv), "vfio-pci") == 0)
			return 0;
		snprintf(path, sizeof(path), PCI_DEVICES "/%s/driver/unbind", dev->bdf);
		if (write_str(path, dev->bdf)) {
			fprintf(stderr, "error: cannot unbind %s from its driver: %s\n",
				dev->bdf, strerror(errno));
			return -1;
		}
	}
	snprintf(path, sizeof(path), PCI_DEVICES "/%s/driver_override", dev->bdf);
	if (write_str(path, "vfio-pci")) {
		fprintf(stderr, "error: cannot set driver_override of %s: %s\n",
			dev->bdf, strerror(errno));
		return -1;
	}
	if (write_str("/sys/bus/pci/drivers_probe", dev->bdf)) {
		fprintf(stderr, "error: vfio-pci did not bind %s: %s (see dmesg)\n",
			dev->bdf, strerror(errno));
		return -1;
	}
	return 0;
}

int spapr_open(const struct spapr_dev *dev, enum spapr_mode mode, struct spapr_container *c)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	struct vfio_iommu_spapr_tce_info info = { .argsz = sizeof(info) };
	char path[64];
	int type = mode == SPAPR_V1 ? VFIO_SPAPR_TCE_IOMMU : VFIO_SPAPR_TCE_v2_IOMMU;

	memset(c, 0, sizeof(*c));
	c->mode = mode;
	c->group_fd = -1;
	c->container_fd = open("/dev/vfio/vfio", O_RDWR);
	if (c->container_fd < 0) {
		fprintf(stderr, "error: open /dev/vfio/vfio: %s\n", strerror(errno));
		return -1;
	}
	if (ioctl(c->container_fd, VFIO_CHECK_EXTENSION, type) != 1) {
		fprintf(stderr, "error: this kernel does not offer the sPAPR %s IOMMU\n",
			spapr_mode_name(mode));
		goto fail;
	}
	snprintf(path, sizeof(path), "/dev/vfio/%d", dev->group_id);
	c->group_fd = open(path, O_RDWR);
	if (c->group_fd < 0) {
		fprintf(stderr, "error: open %s: %s\n", path, strerror(errno));
		goto fail;
	}
	if (ioctl(c->group_fd, VFIO_GROUP_GET_STATUS, &status)) {
		fprintf(stderr, "error: VFIO_GROUP_GET_STATUS: %s\n", strerror(errno));
		goto fail;
	}
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		fprintf(stderr, "error: IOMMU group %d is not viable: every device in it must be"
			" bound to vfio-pci (give each passthrough device its own PHB)\n",
			dev->group_id);
		goto fail;
	}
	if (ioctl(c->group_fd, VFIO_GROUP_SET_CONTAINER, &c->container_fd)) {
		fprintf(stderr, "error: VFIO_GROUP_SET_CONTAINER: %s\n", strerror(errno));
		goto fail;
	}
	if (ioctl(c->container_fd, VFIO_SET_IOMMU, type)) {
		fprintf(stderr, "error: VFIO_SET_IOMMU(%s): %s\n", spapr_mode_name(mode),
			strerror(errno));
		goto fail;
	}
	if (ioctl(c->container_fd, VFIO_IOMMU_SPAPR_TCE_GET_INFO, &info)) {
		fprintf(stderr, "error: VFIO_IOMMU_SPAPR_TCE_GET_INFO: %s\n", strerror(errno));
		goto fail;
	}
	c->dma32_start = info.dma32_window_start;
	c->dma32_size = info.dma32_window_size;
	if (info.flags & VFIO_IOMMU_SPAPR_INFO_DDW) {
		c->ddw_pgsizes = info.ddw.pgsizes;
		c->ddw_levels = info.ddw.levels;
		c->ddw_max_windows = info.ddw.max_dynamic_windows_supported;
	}
	/* v1 must be enabled (it charges the whole 32-bit window to locked_vm
	 * here); v2 becomes usable with the first REGISTER_MEMORY. */
	if (mode == SPAPR_V1 && ioctl(c->container_fd, VFIO_IOMMU_ENABLE)) {
		fprintf(stderr, "error: VFIO_IOMMU_ENABLE: %s\n", strerror(errno));
		goto fail;
	}
	return 0;
fail:
	spapr_close(c);
	return -1;
}

void spapr_close(struct spapr_container *c)
{
	if (c->group_fd >= 0)
		close(c->group_fd);
	if (c->container_fd >= 0)
		close(c->container_fd);
	c->group_fd = c->container_fd = -1;
}

long spapr_ioctl(int fd, unsigned long req, void *arg)
{
	int ret = ioctl(fd, req, arg);

	return ret < 0 ? -errno : ret;
}

static long mem_ioctl(struct spapr_container *c, unsigned long req, void *vaddr, uint64_t size)
{
	struct vfio_iommu_spapr_register_memory r = {
		.argsz = sizeof(r),
		.vaddr = (uintptr_t)vaddr,
		.size = size,
	};

	return spapr_ioctl(c->container_fd, req, &r);
}

long spapr_register(struct spapr_container *c, void *vaddr, uint64_t size)
{
	return mem_ioctl(c, VFIO_IOMMU_SPAPR_REGISTER_MEMORY, vaddr, size);
}

long spapr_unregister(struct spapr_container *c, void *vaddr, uint64_t size)
{
	return mem_ioctl(c, VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY, vaddr, size);
}

long spapr_map(struct spapr_container *c, void *vaddr, uint64_t iova, uint64_t size)
{
	struct vfio_iommu_type1_dma_map m = {
		.argsz = sizeof(m),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = (uintptr_t)vaddr,
		.iova = iova,
		.size = size,
	};

	return spapr_ioctl(c->container_fd, VFIO_IOMMU_MAP_DMA, &m);
}

long spapr_unmap(struct spapr_container *c, uint64_t iova, uint64_t size)
{
	struct vfio_iommu_type1_dma_unmap u = {
		.argsz = sizeof(u),
		.iova = iova,
		.size = size,
	};

	return spapr_ioctl(c->container_fd, VFIO_IOMMU_UNMAP_DMA, &u);
}
