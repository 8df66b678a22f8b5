/* lru.c - the four LRU lists: doubly linked through per-frame arrays, by
 * page frame number, heads the most recently added. */
#include <stdlib.h>
#include <string.h>

#include "kern.h"
#include "mm/internal.h"

int lru_init(struct kernel *k)
{
	struct lru *l = &k->lru;
	uint64_t n = k->frames.nframes;
	if (n > UINT32_MAX)
		return -1; /* links are 32-bit frame numbers: 16 TiB */
	l->next = calloc(n, sizeof(*l->next));
	l->prev = calloc(n, sizeof(*l->prev));
	l->on = calloc(n, sizeof(*l->on));
	l->referenced = calloc(n, sizeof(*l->referenced));
	l->anon_index = calloc(n, sizeof(*l->anon_index));
	if (!l->next || !l->prev || !l->on || !l->referenced || !l->anon_index)
		return -1;
	return 0;
}

void lru_destroy(struct lru *l)
{
	free(l->next);
	free(l->prev);
	free(l->on);
	free(l->referenced);
	free(l->anon_index);
	memset(l, 0, sizeof(*l));
}

static void unlink_pfn(struct lru *l, uint32_t pfn)
{
	enum lru_list list = l->on[pfn] - 1;
	uint32_t next = l->next[pfn], prev = l->prev[pfn];
	*(prev ? &l->next[prev] : &l->head[list]) = next;
	*(next ? &l->prev[next] : &l->tail[list]) = prev;
	l->count[list]--;
	l->on[pfn] = 0;
}

static void push_head(struct lru *l, uint32_t pfn, enum lru_list list)
{
	uint32_t old = l->head[list];
	l->next[pfn] = old;
	l->prev[pfn] = 0;
	*(old ? &l->prev[old] : &l->tail[list]) = pfn;
	l->head[list] = pfn;
	l->count[list]++;
	l->on[pfn] = (uint8_t)(list + 1);
}

void lru_add_anon(struct kernel *k, uint64_t pa, const struct vma *v, uint64_t va)
{
	lru_add_anon_index(k, pa, linear_page_index(v, va));
}

void lru_add_anon_index(struct kernel *k, uint64_t pa, uint64_t index)
{
	uint32_t pfn = (uint32_t)(pa >> PAGE_SHIFT);
	k->lru.anon_index[pfn] = index;
	push_head(&k->lru, pfn, LRU_INACTIVE_ANON);
}

void lru_add_file(struct kernel *k, uint64_t pa)
{
	push_head(&k->lru, (uint32_t)(pa >> PAGE_SHIFT), LRU_INACTIVE_FILE);
}

void lru_del(struct kernel *k, uint64_t pa)
{
	uint32_t pfn = (uint32_t)(pa >> PAGE_SHIFT);
	if (k->lru.on[pfn])
		unlink_pfn(&k->lru, pfn);
	k->lru.referenced[pfn] = 0;
}

bool lru_on_list(struct kernel *k, uint64_t pa)
{
	return k->lru.on[pa >> PAGE_SHIFT] != 0;
}

void lru_move(struct kernel *k, uint64_t pa, enum lru_list list)
{
	uint32_t pfn = (uint32_t)(pa >> PAGE_SHIFT);
	unlink_pfn(&k->lru, pfn);
	push_head(&k->lru, pfn, list);
}

uint64_t lru_tail(struct kernel *k, enum lru_list list)
{
	return (uint64_t)k->lru.tail[list] << PAGE_SHIFT;
}

void lru_mark_accessed(struct kernel *k, uint64_t pa)
{
	struct lru *l = &k->lru;
	uint32_t pfn = (uint32_t)(pa >> PAGE_SHIFT);
	if (!l->on[pfn])
		return;
	enum lru_list list = l->on[pfn] - 1;
	if (!l->referenced[pfn]) {
		l->referenced[pfn] = 1;
	} else if (list == LRU_INACTIVE_ANON || list == LRU_INACTIVE_FILE) {
		l->referenced[pfn] = 0;
		lru_move(k, pa, lru_active(list == LRU_INACTIVE_FILE));
		k->stats.pages_activated++;
	}
}
