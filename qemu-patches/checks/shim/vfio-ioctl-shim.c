// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-ioctl-shim: an LD_PRELOAD library for tests of our QEMU in the test
 * host. It stands between QEMU and the kernel's sPAPR VFIO ioctls to show
 * or change what the kernel answers, where the test host's kernel cannot be
 * made to answer that way:
 *
 *   PREREG_SHIM_LOG=FILE         appends a line per VFIO_IOMMU_SPAPR_TCE_CREATE
 *                                ("create levels=L window=0x... ret=R errno=E")
 *                                and per UNREGISTER_MEMORY ("unregister
 *                                vaddr=0x... size=0x... ret=R errno=E");
 *   PREREG_SHIM_DDW_LEVELS=N     makes VFIO_IOMMU_SPAPR_TCE_GET_INFO report N
 *                                levels for the DDW (0: the kernel does not
 *                                say);
 *   PREREG_SHIM_MAX_LEVELS=N     fails VFIO_IOMMU_SPAPR_TCE_CREATE with EINVAL,
 *                                without asking the kernel, when it asks for
 *                                more than N levels (a host that refuses deep
 *                                tables; our pseries kernel takes levels as a
 *                                hint and never refuses);
 *   PREREG_SHIM_UNREGISTER_ERRNO=E  fails VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY
 *                                with errno E without asking the kernel, which
 *                                keeps the memory registered, as when the
 *                                kernel refuses (EBUSY: TCEs still use it).
 *
 * Every other ioctl goes to the kernel untouched.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <linux/vfio.h>

typedef int (*ioctl_fn)(int, unsigned long, ...);

static ioctl_fn real_ioctl(void)
{
	static ioctl_fn fn;

	if (!fn)
		fn = (ioctl_fn)dlsym(RTLD_NEXT, "ioctl");
	return fn;
}

static void shim_log(const char *fmt, ...)
{
	const char *path = getenv("PREREG_SHIM_LOG");
	va_list ap;
	FILE *f;

	if (!path)
		return;
	f = fopen(path, "a");
	if (!f)
		return;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
}

/* An environment variable as a number, or -1 when it is not set */
static long env_number(const char *name)
{
	const char *v = getenv(name);

	return v ? strtol(v, NULL, 0) : -1;
}

int ioctl(int fd, unsigned long request, ...)
{
	void *arg;
	va_list ap;
	int ret, err;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);

	if (request == VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY) {
		struct vfio_iommu_spapr_register_memory *reg = arg;
		long fail = env_number("PREREG_SHIM_UNREGISTER_ERRNO");

		if (fail > 0) {
			ret = -1;
			errno = (int)fail;
		} else {
			ret = real_ioctl()(fd, request, arg);
		}
		err = ret ? errno : 0;
		shim_log("unregister vaddr=0x%llx size=0x%llx ret=%d errno=%d\n",
			 (unsigned long long)reg->vaddr,
			 (unsigned long long)reg->size, ret, err);
		errno = err;
		return ret;
	}

	if (request == VFIO_IOMMU_SPAPR_TCE_CREATE &&
	    env_number("PREREG_SHIM_MAX_LEVELS") > 0 &&
	    ((struct vfio_iommu_spapr_tce_create *)arg)->levels >
	    env_number("PREREG_SHIM_MAX_LEVELS")) {
		ret = -1;
		err = EINVAL;
	} else {
		ret = real_ioctl()(fd, request, arg);
		err = errno;
	}

	if (request == VFIO_IOMMU_SPAPR_TCE_CREATE) {
		struct vfio_iommu_spapr_tce_create *create = arg;

		shim_log("create levels=%u window=0x%llx ret=%d errno=%d\n",
			 create->levels,
			 (unsigned long long)create->window_size, ret,
			 ret ? err : 0);
	} else if (request == VFIO_IOMMU_SPAPR_TCE_GET_INFO && !ret) {
		struct vfio_iommu_spapr_tce_info *info = arg;
		long levels = env_number("PREREG_SHIM_DDW_LEVELS");

		if (levels >= 0 && (info->flags & VFIO_IOMMU_SPAPR_INFO_DDW))
			info->ddw.levels = (__u32)levels;
		shim_log("get-info ddw-levels=%u\n", info->ddw.levels);
	}
	errno = err;
	return ret;
}
