/* SPDX-License-Identifier: BSD-3-Clause */
/* Device memory: first fit over a free list kept sorted by address, merged on free. */
#include <errno.h>
#include <string.h>

#include "swnpu_priv.h"

#define EXT_MAX (sizeof(((struct swnpu_alloc *)0)->free) / sizeof(struct swnpu_extent))

void swnpu_alloc_init(struct swnpu_alloc *a, uint64_t size)
{
	a->size = size;
	a->nb = 1;
	a->free[0].addr = 0;
	a->free[0].len = size;
}

int swnpu_alloc_get(struct swnpu_alloc *a, uint64_t len, uint64_t *addr)
{
	for (unsigned int i = 0; i < a->nb; i++) {
		struct swnpu_extent *e = &a->free[i];

		if (e->len < len)
			continue;
		*addr = e->addr;
		e->addr += len;
		e->len -= len;
		if (e->len == 0) {
			memmove(e, e + 1, (a->nb - i - 1) * sizeof(*e));
			a->nb--;
		}
		return 0;
	}
	return -ENOSPC;
}

void swnpu_alloc_put(struct swnpu_alloc *a, uint64_t addr, uint64_t len)
{
	unsigned int i = 0;
	bool prev, next;

	while (i < a->nb && a->free[i].addr < addr)
		i++;
	prev = i > 0 && a->free[i - 1].addr + a->free[i - 1].len == addr;
	next = i < a->nb && addr + len == a->free[i].addr;
	if (prev && next) {
		a->free[i - 1].len += len + a->free[i].len;
		memmove(&a->free[i], &a->free[i + 1], (a->nb - i - 1) * sizeof(a->free[0]));
		a->nb--;
	} else if (prev) {
		a->free[i - 1].len += len;
	} else if (next) {
		a->free[i].addr = addr;
		a->free[i].len += len;
	} else {
		/* Extents never outnumber allocations + 1: never taken. */
		if (a->nb == EXT_MAX)
			return;
		memmove(&a->free[i + 1], &a->free[i], (a->nb - i) * sizeof(a->free[0]));
		a->free[i].addr = addr;
		a->free[i].len = len;
		a->nb++;
	}
}

uint64_t swnpu_alloc_free_bytes(const struct swnpu_alloc *a)
{
	uint64_t n = 0;

	for (unsigned int i = 0; i < a->nb; i++)
		n += a->free[i].len;
	return n;
}
