/* lru.h - the LRU lists reclaim ages pages on (lru.c), as Linux's: an
 * active and an inactive list for anonymous pages and for file pages, and
 * the reverse map that finds every PTE mapping a page (rmap.c). */
#ifndef VMEMU_LRU_H
#define VMEMU_LRU_H

#include <stdbool.h>
#include <stdint.h>

struct kernel;
struct mm;

/* ---- LRU lists (lru.c) ----
 * A page joins an inactive list when it is first mapped or read into the
 * page cache; reclaim scans each list from its tail. A page found
 * referenced on the inactive list moves to the active head (activation);
 * when an inactive list gets shorter than its active list, pages move from
 * the active tail to the inactive head with their A bits cleared
 * (deactivation), so they are reclaimed next unless used again first.
 * Shared anonymous memory and page tables are on no list: nothing could
 * bring them back once dropped. */

enum lru_list { LRU_INACTIVE_ANON, LRU_ACTIVE_ANON, LRU_INACTIVE_FILE, LRU_ACTIVE_FILE, NR_LRU_LISTS };

static inline enum lru_list lru_inactive(bool file)
{
	return file ? LRU_INACTIVE_FILE : LRU_INACTIVE_ANON;
}

static inline enum lru_list lru_active(bool file)
{
	return file ? LRU_ACTIVE_FILE : LRU_ACTIVE_ANON;
}

struct lru {
	/* Per frame: list links by page frame number (0 = none), the list it
	 * is on plus one (0 = on none), PG_referenced (used through read()),
	 * and for anonymous pages the address they are mapped at (Linux's
	 * page->index), which the reverse map looks up in each mm. */
	uint32_t *next, *prev;
	uint8_t *on;
	uint8_t *referenced;
	uint64_t *anon_va;
	uint32_t head[NR_LRU_LISTS], tail[NR_LRU_LISTS];
	uint64_t count[NR_LRU_LISTS];
};

int lru_init(struct kernel *k);
void lru_destroy(struct lru *l);
/* A new anonymous page mapped at va, or a page-cache page. */
void lru_add_anon(struct kernel *k, uint64_t pa, uint64_t va);
void lru_add_file(struct kernel *k, uint64_t pa);
/* The frame is freed: off its list. */
void lru_del(struct kernel *k, uint64_t pa);
bool lru_on_list(struct kernel *k, uint64_t pa);
/* Moves a page to the head of list (or keeps it there). */
void lru_move(struct kernel *k, uint64_t pa, enum lru_list list);
/* The page at the tail of list, or 0 when the list is empty. */
uint64_t lru_tail(struct kernel *k, enum lru_list list);
/* A use through read() or write() (Linux's mark_page_accessed): the first
 * sets PG_referenced, the second activates an inactive page. */
void lru_mark_accessed(struct kernel *k, uint64_t pa);

/* ---- the reverse map (rmap.c) ----
 * Finds the PTEs (present or PROT_NONE) that map a page: an anonymous
 * page at its anon_va in each address space, a page-cache page through
 * the VMAs that map its file. A page moved by mremap while shared with
 * another address space is found only where it was last placed; reclaim
 * then cannot unmap it wholly and leaves it be. */

/* Called for each PTE mapping the page; returns false to stop the walk. */
typedef bool rmap_one_fn(struct kernel *k, struct mm *mm, uint64_t va, uint64_t *pte, void *arg);
void rmap_walk(struct kernel *k, uint64_t pa, rmap_one_fn *fn, void *arg);
/* Clears A in every PTE mapping the page (invalidating each) and returns
 * how many had it set (Linux's folio_referenced); *exec (if not NULL)
 * tells whether one of those PTEs allows instruction fetches. */
unsigned rmap_referenced(struct kernel *k, uint64_t pa, bool *exec);
/* A PTE mapping the page moved from va to new_va (mremap): an anonymous
 * page whose anon_va was va follows it. */
void rmap_move(struct kernel *k, uint64_t pa, uint64_t va, uint64_t new_va);

#endif
