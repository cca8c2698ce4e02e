// SPDX-License-Identifier: GPL-2.0-only
/*
 * prereg_kvm_attach: which VFIO containers KVM may attach to a guest TCE
 * table (KVM_DEV_VFIO_GROUP_SET_SPAPR_TCE), so that the guest's H_PUT_TCE
 * calls are handled in the kernel.
 *
 * KVM writes userspace addresses of preregistered memory into the hardware
 * table's userspace view. A container without preregistration (v1) keeps
 * its own bookkeeping there (the TCE of each entry, whose page it unpins on
 * unmap), so sharing the table would let one side release what the other
 * pinned. The attach must be refused for v1 (EPERM) and work for v2.
 *
 * A kselftest_harness test, one variant per container type; it skips
 * without /dev/kvm or an NVMe alone in its IOMMU group.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "anon_mem.h"
#include "vfio_spapr.h"

/* Their older names, in the headers of older kernels */
#ifndef KVM_DEV_VFIO_FILE
#define KVM_DEV_VFIO_FILE KVM_DEV_VFIO_GROUP
#define KVM_DEV_VFIO_FILE_ADD KVM_DEV_VFIO_GROUP_ADD
#endif
#ifndef KVM_VM_PPC_HV
#define KVM_VM_PPC_HV 1
#endif

FIXTURE(attach) {
	struct spapr_container ct;
	bool ct_open;
	long page;
	void *mem;
	int kvm, vm, table, vfio_dev;
};

FIXTURE_VARIANT(attach) {
	enum spapr_mode mode;
	int want_errno;
};

FIXTURE_VARIANT_ADD(attach, v1) {
	.mode = SPAPR_V1,
	.want_errno = EPERM,
};

FIXTURE_VARIANT_ADD(attach, v2) {
	.mode = SPAPR_V2,
	.want_errno = 0,
};

/* A container whose default window exists (something is mapped through
 * it), a HV guest with a TCE table over that window, and a KVM VFIO device
 * that knows the container's group. */
FIXTURE_SETUP(attach)
{
	struct kvm_create_spapr_tce_64 tce = { .liobn = 0x80000001, .page_shift = 12 };
	struct kvm_create_device vfio_dev = { .type = KVM_DEV_TYPE_VFIO };
	struct kvm_device_attr attr = {
		.group = KVM_DEV_VFIO_FILE, .attr = KVM_DEV_VFIO_FILE_ADD,
	};
	struct spapr_dev dev;

	self->kvm = self->vm = self->table = self->vfio_dev = -1;
	self->page = sysconf(_SC_PAGESIZE);
	if (access("/dev/kvm", R_OK | W_OK))
		SKIP(return, "no /dev/kvm");
	if (spapr_dev_prepare(NULL, SPAPR_CLASS_NVME, &dev))
		SKIP(return, "no NVMe alone in its IOMMU group");
	ASSERT_EQ(0, spapr_open(&dev, variant->mode, &self->ct));
	self->ct_open = true;
	self->mem = anon_mem((size_t)self->page, 0);
	ASSERT_NE(NULL, self->mem);
	if (variant->mode == SPAPR_V2)
		ASSERT_EQ(0, spapr_register(&self->ct, self->mem, (uint64_t)self->page));
	ASSERT_EQ(0, spapr_map(&self->ct, self->mem, self->ct.dma32_start, (uint64_t)self->page));

	self->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->kvm) TH_LOG("/dev/kvm: %s", strerror(errno));
	self->vm = ioctl(self->kvm, KVM_CREATE_VM, KVM_VM_PPC_HV);
	ASSERT_LE(0, self->vm) TH_LOG("KVM_CREATE_VM (HV): %s", strerror(errno));
	tce.offset = self->ct.dma32_start >> tce.page_shift;
	tce.size = self->ct.dma32_size >> tce.page_shift;
	self->table = ioctl(self->vm, KVM_CREATE_SPAPR_TCE_64, &tce);
	ASSERT_LE(0, self->table) TH_LOG("KVM_CREATE_SPAPR_TCE_64: %s", strerror(errno));
	ASSERT_EQ(0, ioctl(self->vm, KVM_CREATE_DEVICE, &vfio_dev))
		TH_LOG("KVM_CREATE_DEVICE (VFIO): %s", strerror(errno));
	self->vfio_dev = vfio_dev.fd;
	attr.addr = (uintptr_t)&self->ct.group_fd;
	ASSERT_EQ(0, ioctl(self->vfio_dev, KVM_SET_DEVICE_ATTR, &attr))
		TH_LOG("KVM_DEV_VFIO_FILE_ADD: %s", strerror(errno));
}

FIXTURE_TEARDOWN(attach)
{
	if (self->vfio_dev >= 0)
		close(self->vfio_dev);
	if (self->table >= 0)
		close(self->table);
	if (self->vm >= 0)
		close(self->vm);
	if (self->kvm >= 0)
		close(self->kvm);
	/* The container last, once KVM let go of its group */
	if (self->ct_open) {
		spapr_unmap(&self->ct, self->ct.dma32_start, (uint64_t)self->page);
		spapr_close(&self->ct);
	}
}

TEST_F_TIMEOUT(attach, set_spapr_tce, 120)
{
	struct kvm_vfio_spapr_tce param = {
		.groupfd = self->ct.group_fd, .tablefd = self->table,
	};
	struct kvm_device_attr attr = {
		.group = KVM_DEV_VFIO_FILE, .attr = KVM_DEV_VFIO_GROUP_SET_SPAPR_TCE,
		.addr = (uintptr_t)&param,
	};
	int ret = ioctl(self->vfio_dev, KVM_SET_DEVICE_ATTR, &attr);
	int err = ret ? errno : 0;

	TH_LOG("%s container, window %#llx+%#llx: SET_SPAPR_TCE -> %s",
	       spapr_mode_name(variant->mode), (unsigned long long)self->ct.dma32_start,
	       (unsigned long long)self->ct.dma32_size, err ? strerror(err) : "0");
	EXPECT_EQ(variant->want_errno, err);
}

TEST_HARNESS_MAIN
