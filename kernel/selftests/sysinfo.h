/* SPDX-License-Identifier: GPL-2.0-only */
/* Who produced a result: the running kernel and the machine, as JSON objects
 * every prereg tool writes the same way. */
#ifndef PREREG_SYSINFO_H
#define PREREG_SYSINFO_H

#include "json_out.h"

/* "kernel": {release, version, machine, cmdline, page_size} */
void sysinfo_write_kernel(struct json_out *j);
/* "machine": {cpu, platform, model, ncpus, mem_total_kib} */
void sysinfo_write_machine(struct json_out *j);
/* Current VmLck of this process in KiB, or -1. */
long sysinfo_vmlck_kib(void);

#endif
