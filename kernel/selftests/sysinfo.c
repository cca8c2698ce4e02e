// SPDX-License-Identifier: GPL-2.0-only
#define _GNU_SOURCE
#include "sysinfo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

/* First value of "key<spaces>:<value>" in a /proc file, trimmed. */
static int proc_field(const char *path, const char *key, char *out, size_t len)
{
	char line[512];
	size_t klen = strlen(key);
	FILE *f = fopen(path, "r");
	int ret = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *colon, *v;

		if (strncmp(line, key, klen) || !(colon = strchr(line, ':')))
			continue;
		if (line[klen] != ' ' && line[klen] != '\t' && line[klen] != ':')
			continue;
		v = colon + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		v[strcspn(v, "\n")] = '\0';
		snprintf(out, len, "%s", v);
		ret = 0;
		break;
	}
	fclose(f);
	return ret;
}

void sysinfo_write_kernel(struct json_out *j)
{
	struct utsname u;
	char cmdline[1024] = "";
	FILE *f;

	uname(&u);
	f = fopen("/proc/cmdline", "r");
	if (f) {
		if (!fgets(cmdline, sizeof(cmdline), f))
			cmdline[0] = '\0';
		cmdline[strcspn(cmdline, "\n")] = '\0';
		fclose(f);
	}
	json_key(j, "kernel");
	json_begin_object(j);
	json_kv_string(j, "release", u.release);
	json_kv_string(j, "version", u.version);
	json_kv_string(j, "machine", u.machine);
	json_kv_string(j, "cmdline", cmdline);
	json_kv_int(j, "page_size", sysconf(_SC_PAGESIZE));
	json_end_object(j);
}

/* The [selected] word of a sysfs choice file, e.g. THP's "always [madvise] never". */
static void sysfs_choice(const char *path, char *out, size_t len)
{
	char line[256], *open, *close;
	FILE *f = fopen(path, "r");

	snprintf(out, len, "unknown");
	if (!f)
		return;
	if (fgets(line, sizeof(line), f) && (open = strchr(line, '[')) && (close = strchr(open, ']'))) {
		*close = '\0';
		snprintf(out, len, "%s", open + 1);
	}
	fclose(f);
}

void sysinfo_write_machine(struct json_out *j)
{
	char cpu[256] = "unknown", platform[256] = "unknown", model[256] = "unknown";
	char mem[64] = "0", mmu[64] = "unknown", thp[32], thp_defrag[32];

	proc_field("/proc/cpuinfo", "cpu", cpu, sizeof(cpu));
	proc_field("/proc/cpuinfo", "platform", platform, sizeof(platform));
	proc_field("/proc/cpuinfo", "model", model, sizeof(model));
	if (!strcmp(cpu, "unknown"))
		proc_field("/proc/cpuinfo", "model name", cpu, sizeof(cpu));
	proc_field("/proc/meminfo", "MemTotal", mem, sizeof(mem));
	/* Hash or Radix: the MMU changes what pinning and faulting cost */
	proc_field("/proc/cpuinfo", "MMU", mmu, sizeof(mmu));
	sysfs_choice("/sys/kernel/mm/transparent_hugepage/enabled", thp, sizeof(thp));
	sysfs_choice("/sys/kernel/mm/transparent_hugepage/defrag", thp_defrag, sizeof(thp_defrag));
	json_key(j, "machine");
	json_begin_object(j);
	json_kv_string(j, "cpu", cpu);
	json_kv_string(j, "platform", platform);
	json_kv_string(j, "model", model);
	json_kv_int(j, "ncpus", sysconf(_SC_NPROCESSORS_ONLN));
	json_kv_int(j, "mem_total_kib", atol(mem));
	json_kv_string(j, "mmu", mmu);
	json_kv_string(j, "thp_enabled", thp);
	json_kv_string(j, "thp_defrag", thp_defrag);
	json_end_object(j);
}

long sysinfo_vmlck_kib(void)
{
	char v[64];

	if (proc_field("/proc/self/status", "VmLck", v, sizeof(v)))
		return -1;
	return atol(v);
}
