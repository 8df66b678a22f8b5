/* swap.h - swap entries and the swap area (swap.c), and what frees memory
 * when it runs low: reclaim (reclaim.c) and the OOM killer (oom.c). */
#ifndef VMEMU_SWAP_H
#define VMEMU_SWAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kernel;

/* ---- swap (swap.c) ----
 * A swap entry lives in a not-present PTE in Linux's x86-64 format: type
 * in bits 9-13, the offset inverted from bit 14 up (so a stray entry never
 * points at real memory, Linux's L1TF rule). Slot 0 is never used. */

struct swap {
	int fd;            /* the host file */
	uint64_t nslots;
	uint16_t *count;   /* per slot: PTEs holding its entry */
	uint64_t *cache;   /* per slot: frame holding its data (swap cache), or 0 */
	uint64_t *slot_of; /* per frame: its slot while in the swap cache, or 0 */
	uint64_t used, cached, next;
};

#define SWP_TYPE_FIRST_BIT 9
#define SWP_TYPE_BITS 5
#define SWP_OFFSET_FIRST_BIT (SWP_TYPE_FIRST_BIT + SWP_TYPE_BITS)
#define SWP_OFFSET_SHIFT (SWP_OFFSET_FIRST_BIT + SWP_TYPE_BITS)

static inline uint64_t swp_pte(uint64_t slot)
{
	return ~slot << SWP_OFFSET_SHIFT >> SWP_TYPE_BITS; /* type 0: one swap area */
}

static inline uint64_t swp_offset(uint64_t pte)
{
	return ~pte << SWP_TYPE_BITS >> SWP_OFFSET_SHIFT;
}

/* A not-present PTE that holds a swap entry. */
static inline bool pte_is_swap(uint64_t pte)
{
	return pte && !(pte & (1ULL << 0)) && !(pte & (1ULL << 8));
}

/* A sparse host file of size bytes at path (or an unnamed one in /tmp).
 * 0, or -1 with a message. */
int swap_init(struct kernel *k, uint64_t size, const char *path, char *err, size_t errlen);
void swap_destroy(struct swap *s);
/* Writes the page at pa to swap unless it is there already, and takes a
 * use of its slot for one PTE. Returns the slot, or 0 (no swap space). */
uint64_t swap_out(struct kernel *k, uint64_t pa);
/* The frame with slot's data: from the swap cache, or read into a new
 * frame that the cache keeps. FRAME_NONE if out of memory or I/O fails. */
uint64_t swap_in(struct kernel *k, uint64_t slot);
/* A PTE let go of its entry (swapped in, unmapped); the last frees the slot. */
void swap_put(struct kernel *k, uint64_t slot);
/* One more PTE holds the entry (fork). */
void swap_dup(struct kernel *k, uint64_t slot);
/* Frees the frame at pa when only the swap cache holds it. */
bool swap_cache_free(struct kernel *k, uint64_t pa);

/* ---- reclaim and the OOM killer (reclaim.c, oom.c) ---- */

/* Free frames now. */
uint64_t frames_free(struct kernel *k);
/* Frees up to target frames from the LRU lists: file pages first, then,
 * with swap, anonymous ones. Returns how many. */
uint64_t reclaim(struct kernel *k, uint64_t target);
/* Before an operation that allocates: below the min watermark, reclaim to
 * the low one, and when nothing can be freed, call the OOM killer. */
void reclaim_direct(struct kernel *k);
/* Between run slices: below the low watermark, reclaim to the high one. */
void reclaim_background(struct kernel *k);
/* Kills the process with the highest badness (resident + swapped + page
 * tables) with SIGKILL and says so as Linux's log does. False if none. */
bool oom_kill(struct kernel *k);

#endif
