/* shmem.c - the memory behind a MAP_SHARED anonymous mapping: one frame per
 * page, found by page offset, so every VMA that maps it (after fork, after
 * a split) sees the same pages, even those first touched after the fork. */
#include <stdlib.h>

#include "kern.h"

struct shmem *shmem_create(uint64_t npages)
{
	struct shmem *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->frames = calloc(npages ? npages : 1, sizeof(*s->frames));
	if (!s->frames) {
		free(s);
		return NULL;
	}
	s->refs = 1;
	s->npages = npages;
	return s;
}

void shmem_get(struct shmem *s)
{
	s->refs++;
}

void shmem_put(struct kernel *k, struct shmem *s)
{
	if (--s->refs > 0)
		return;
	for (uint64_t i = 0; i < s->npages; i++)
		if (s->frames[i])
			frame_put(k, s->frames[i], 0);
	free(s->frames);
	free(s);
}

uint64_t shmem_frame(struct kernel *k, struct shmem *s, uint64_t pgoff)
{
	if (!s->frames[pgoff]) {
		uint64_t pa = frame_alloc(k, 0);
		if (pa == FRAME_NONE)
			return FRAME_NONE;
		s->frames[pgoff] = pa;
	}
	return s->frames[pgoff];
}
