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
 * usage: prereg_kvm_attach v1|v2. Exit 0 when the answer is the expected
 * one, 1 when not, 2 on a setup error (no /dev/kvm, no VFIO device).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

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

static int setup_error(const char *what)
{
	fprintf(stderr, "prereg_kvm_attach: error: %s: %s\n", what, strerror(errno));
	return 2;
}

int main(int argc, char **argv)
{
	struct kvm_create_spapr_tce_64 tce = { .liobn = 0x80000001, .page_shift = 12 };
	struct kvm_create_device vfio_dev = { .type = KVM_DEV_TYPE_VFIO };
	struct kvm_vfio_spapr_tce param;
	struct kvm_device_attr attr = { .group = KVM_DEV_VFIO_FILE };
	struct spapr_container ct;
	struct spapr_dev dev;
	enum spapr_mode mode;
	int kvm, vm, table, ret, err;
	long page = sysconf(_SC_PAGESIZE);
	void *mem;

	if (argc != 2 || (strcmp(argv[1], "v1") && strcmp(argv[1], "v2"))) {
		fprintf(stderr, "usage: prereg_kvm_attach v1|v2\n");
		return 2;
	}
	mode = !strcmp(argv[1], "v1") ? SPAPR_V1 : SPAPR_V2;
	if (spapr_dev_prepare(NULL, SPAPR_CLASS_NVME, &dev) || spapr_open(&dev, mode, &ct))
		return 2;
	/* The default window exists once something was mapped through it */
	mem = anon_mem((size_t)page, 0);
	if (!mem || (mode == SPAPR_V2 && spapr_register(&ct, mem, (uint64_t)page)) ||
	    spapr_map(&ct, mem, ct.dma32_start, (uint64_t)page))
		return setup_error("mapping a page to create the default window");

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		return setup_error("/dev/kvm");
	vm = ioctl(kvm, KVM_CREATE_VM, KVM_VM_PPC_HV);
	if (vm < 0)
		return setup_error("KVM_CREATE_VM (HV)");
	tce.offset = ct.dma32_start >> tce.page_shift;
	tce.size = ct.dma32_size >> tce.page_shift;
	table = ioctl(vm, KVM_CREATE_SPAPR_TCE_64, &tce);
	if (table < 0)
		return setup_error("KVM_CREATE_SPAPR_TCE_64");
	if (ioctl(vm, KVM_CREATE_DEVICE, &vfio_dev))
		return setup_error("KVM_CREATE_DEVICE (VFIO)");

	attr.attr = KVM_DEV_VFIO_FILE_ADD;
	attr.addr = (uintptr_t)&ct.group_fd;
	if (ioctl(vfio_dev.fd, KVM_SET_DEVICE_ATTR, &attr))
		return setup_error("KVM_DEV_VFIO_FILE_ADD");

	param.groupfd = ct.group_fd;
	param.tablefd = table;
	attr.attr = KVM_DEV_VFIO_GROUP_SET_SPAPR_TCE;
	attr.addr = (uintptr_t)&param;
	ret = ioctl(vfio_dev.fd, KVM_SET_DEVICE_ATTR, &attr);
	err = ret ? errno : 0;
	printf("# %s container, window %#llx+%#llx: SET_SPAPR_TCE -> %s\n",
	       spapr_mode_name(mode), (unsigned long long)ct.dma32_start,
	       (unsigned long long)ct.dma32_size, err ? strerror(err) : "0");

	if (mode == SPAPR_V1) {
		printf("%-4s a v1 container's table is refused with EPERM (got %s)\n",
		       err == EPERM ? "ok" : "FAIL", err ? strerror(err) : "success");
		ret = err == EPERM ? 0 : 1;
	} else {
		printf("%-4s a v2 container's table is attached (got %s)\n", err ? "FAIL" : "ok",
		       err ? strerror(err) : "success");
		ret = err ? 1 : 0;
	}

	close(vfio_dev.fd);
	close(table);
	close(vm);
	close(kvm);
	spapr_unmap(&ct, ct.dma32_start, (uint64_t)page);
	spapr_close(&ct);
	return ret;
}
