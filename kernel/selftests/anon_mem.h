/* SPDX-License-Identifier: GPL-2.0-only */
/* Anonymous memory, already faulted in: what every tool registers or maps. */
#ifndef PREREG_ANON_MEM_H
#define PREREG_ANON_MEM_H

#include <stddef.h>

/* mmap()s @size bytes of private anonymous memory and writes @fill to every
 * byte, so all pages are present. Returns NULL (errno set) on failure. */
void *anon_mem(size_t size, int fill);

#endif
