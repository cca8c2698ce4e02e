// SPDX-License-Identifier: GPL-2.0-only
/*
 * prereg-memhog MIB SECONDS: allocates MIB MiB of anonymous memory, writes
 * every page, holds it for SECONDS and exits. The memory-pressure test runs
 * it beside a guest whose RAM is pinned, to make the kernel reclaim: pinned
 * pages must neither move nor be reclaimed. It offers itself to the OOM
 * killer first (oom_score_adj 1000), so that overshooting kills the hog,
 * never the guest's QEMU. Prints how much it touched.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long page = sysconf(_SC_PAGESIZE);
	unsigned long mib, secs, done = 0;
	char *p;
	FILE *f;

	if (argc != 3 || (mib = strtoul(argv[1], NULL, 10)) == 0) {
		fprintf(stderr, "usage: prereg-memhog MIB SECONDS\n");
		return 2;
	}
	secs = strtoul(argv[2], NULL, 10);
	f = fopen("/proc/self/oom_score_adj", "w");
	if (!f || fprintf(f, "1000\n") < 0 || fclose(f)) {
		fprintf(stderr, "prereg-memhog: cannot set oom_score_adj\n");
		return 2;
	}
	p = mmap(NULL, mib << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		 -1, 0);
	if (p == MAP_FAILED) {
		perror("prereg-memhog: mmap");
		return 2;
	}
	for (unsigned long off = 0; off < mib << 20; off += (unsigned long)page) {
		p[off] = (char)off;
		done += (unsigned long)page;
	}
	printf("prereg-memhog: touched %lu MiB, holding %lu s\n", done >> 20, secs);
	fflush(stdout);
	sleep((unsigned int)secs);
	return 0;
}
