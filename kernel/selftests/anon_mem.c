// SPDX-License-Identifier: GPL-2.0-only
#include "anon_mem.h"

#include <string.h>
#include <sys/mman.h>

void *anon_mem(size_t size, int fill)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	memset(p, fill, size);
	return p;
}
