/* swap.c - the swap area: a host file of page-sized slots, a use count per
 * slot (one per PTE holding its swap entry), and the swap cache: the frame
 * that holds a slot's data while it is in memory, so a page shared by
 * several processes is written once and read once. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kern.h"
#include "mm/internal.h"

int swap_init(struct kernel *k, uint64_t size, const char *path, char *err, size_t errlen)
{
	struct swap *s = &k->swap;
	s->nslots = size >> PAGE_SHIFT;
	/* Without a path: an unnamed, sparse file that vanishes with us. */
	s->fd = path ? open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)
		     : open("/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (s->fd < 0 || ftruncate(s->fd, (off_t)(s->nslots << PAGE_SHIFT)) < 0) {
		snprintf(err, errlen, "swap file %s: %s", path ? path : "in /tmp", strerror(errno));
		return -1;
	}
	s->count = calloc(s->nslots, sizeof(*s->count));
	s->cache = calloc(s->nslots, sizeof(*s->cache));
	s->slot_of = calloc(k->frames.nframes, sizeof(*s->slot_of));
	if (!s->count || !s->cache || !s->slot_of) {
		snprintf(err, errlen, "out of host memory for %llu swap slots",
			 (unsigned long long)s->nslots);
		return -1;
	}
	return 0;
}

void swap_destroy(struct swap *s)
{
	if (s->fd > 0)
		close(s->fd);
	free(s->count);
	free(s->cache);
	free(s->slot_of);
	memset(s, 0, sizeof(*s));
}

/* Slot 0 is never used, so 0 means "no slot" (as Linux keeps its header). */
static uint64_t slot_alloc(struct swap *s)
{
	for (uint64_t n = 1; n < s->nslots; n++) {
		uint64_t slot = (s->next + n) % s->nslots;
		if (slot && !s->count[slot] && !s->cache[slot]) {
			s->next = slot;
			s->used++;
			return slot;
		}
	}
	return 0;
}

static void slot_free(struct kernel *k, uint64_t slot)
{
	struct swap *s = &k->swap;
	uint64_t pa = s->cache[slot];
	if (pa) {
		s->cache[slot] = 0;
		s->slot_of[pa >> PAGE_SHIFT] = 0;
		s->cached--;
		frame_put(k, pa, 0);
	}
	s->used--;
}

uint64_t swap_out(struct kernel *k, uint64_t pa)
{
	struct swap *s = &k->swap;
	if (!s->nslots)
		return 0; /* no swap device: slot_of is not even allocated */
	uint64_t slot = s->slot_of[pa >> PAGE_SHIFT];
	if (!slot) {
		if (!(slot = slot_alloc(s)))
			return 0;
		if (fail_now(k, FAIL_SWAP_WRITE) ||
		    pwrite(s->fd, phys_ptr(k, pa), PAGE_SIZE, (off_t)(slot << PAGE_SHIFT)) !=
		    (ssize_t)PAGE_SIZE) {
			s->used--;
			return 0;
		}
		s->cache[slot] = pa;
		s->slot_of[pa >> PAGE_SHIFT] = slot;
		s->cached++;
		frame_get(k, pa); /* the swap cache's reference */
		k->stats.swap_outs++;
	}
	s->count[slot]++;
	return slot;
}

int swap_in(struct kernel *k, uint64_t slot, uint64_t *pap)
{
	struct swap *s = &k->swap;
	if (s->cache[slot]) {
		*pap = s->cache[slot];
		return 0;
	}
	uint64_t pa = frame_alloc(k, 0);
	if (pa == FRAME_NONE)
		return -ENOMEM;
	if (fail_now(k, FAIL_SWAP_READ) ||
	    pread(s->fd, phys_ptr(k, pa), PAGE_SIZE, (off_t)(slot << PAGE_SHIFT)) !=
	    (ssize_t)PAGE_SIZE) {
		frame_put(k, pa, 0);
		return -EIO;
	}
	s->cache[slot] = pa; /* the frame's first reference is the cache's */
	s->slot_of[pa >> PAGE_SHIFT] = slot;
	s->cached++;
	k->stats.swap_ins++;
	*pap = pa;
	return 0;
}

void swap_put(struct kernel *k, uint64_t slot)
{
	struct swap *s = &k->swap;
	if (--s->count[slot] == 0)
		slot_free(k, slot);
}

void swap_dup(struct kernel *k, uint64_t slot)
{
	k->swap.count[slot]++;
}

bool swap_cache_free(struct kernel *k, uint64_t pa)
{
	struct swap *s = &k->swap;
	uint64_t slot = s->nslots ? s->slot_of[pa >> PAGE_SHIFT] : 0;
	/* Mapped by nobody: the data is safe in the slot. */
	if (!slot || frame_refcount(k, pa) != 1)
		return false;
	s->cache[slot] = 0;
	s->slot_of[pa >> PAGE_SHIFT] = 0;
	s->cached--;
	frame_put(k, pa, 0);
	return true;
}
