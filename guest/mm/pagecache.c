/* pagecache.c - the page cache: the pages of every mapping found by
 * (mapping, page offset) in one hash table, the page each frame holds (for
 * the fault paths and reclaim), and the counters /proc/meminfo shows. File
 * pages are on the file LRU lists (lru.c); shared anonymous pages are
 * found the same way but are neither on an LRU list nor counted as Cached:
 * nothing could bring them back once dropped. */
#include <stdlib.h>
#include <unistd.h>

#include "kern.h"
#include "mm/internal.h"

int pagecache_init(struct kernel *k)
{
	struct page_cache *pc = &k->pagecache;
	uint64_t n = 1024; /* at most one page per frame: no resizing needed */
	while (n < k->frames.nframes / 2)
		n <<= 1;
	pc->hash = calloc(n, sizeof(*pc->hash));
	pc->page_of = calloc(k->frames.nframes, sizeof(*pc->page_of));
	if (!pc->hash || !pc->page_of)
		return -1;
	pc->hash_mask = n - 1;
	return 0;
}

static struct cache_page **bucket(struct page_cache *pc, const struct mapping *m, uint64_t index)
{
	uint64_t h = ((uint64_t)(uintptr_t)m >> 4) ^ (index * 0x9e3779b97f4a7c15ULL);
	return &pc->hash[(h ^ h >> 29) & pc->hash_mask];
}

struct cache_page *pagecache_lookup(struct kernel *k, struct mapping *m, uint64_t index)
{
	for (struct cache_page *cp = *bucket(&k->pagecache, m, index); cp; cp = cp->hnext)
		if (cp->mapping == m && cp->index == index)
			return cp;
	return NULL;
}

struct cache_page *pagecache_page(struct kernel *k, uint64_t pa)
{
	return k->pagecache.page_of[pa >> PAGE_SHIFT];
}

struct cache_page *pagecache_add(struct kernel *k, struct mapping *m, uint64_t index, uint64_t pa)
{
	struct page_cache *pc = &k->pagecache;
	struct cache_page *cp = calloc(1, sizeof(*cp));
	if (!cp) {
		frame_put(k, pa, 0);
		return NULL;
	}
	*cp = (struct cache_page){.mapping = m, .index = index, .pa = pa};
	struct cache_page **b = bucket(pc, m, index);
	cp->hnext = *b;
	*b = cp;
	pc->page_of[pa >> PAGE_SHIFT] = cp;
	cp->mnext = m->pages;
	if (m->pages)
		m->pages->mprev = cp;
	m->pages = cp;
	m->npages++;
	if (!m->anon) {
		lru_add_file(k, pa);
		k->cache_pages++;
	}
	return cp;
}

void pagecache_delete(struct kernel *k, struct cache_page *cp)
{
	struct page_cache *pc = &k->pagecache;
	struct mapping *m = cp->mapping;
	struct cache_page **pp = bucket(pc, m, cp->index);
	while (*pp != cp)
		pp = &(*pp)->hnext;
	*pp = cp->hnext;
	pc->page_of[cp->pa >> PAGE_SHIFT] = NULL;
	*(cp->mprev ? &cp->mprev->mnext : &m->pages) = cp->mnext;
	if (cp->mnext)
		cp->mnext->mprev = cp->mprev;
	m->npages--;
	if (!m->anon) {
		lru_del(k, cp->pa); /* even if a read still holds the frame */
		k->cache_pages--;
		k->cache_dirty -= cp->dirty;
		k->cache_mapped -= cp->mapcount > 0;
	}
	frame_put(k, cp->pa, 0);
	free(cp);
}

void pagecache_set_dirty(struct kernel *k, struct cache_page *cp, bool dirty)
{
	if (cp->mapping->anon || cp->dirty == dirty)
		return;
	cp->dirty = dirty;
	if (dirty)
		k->cache_dirty++;
	else
		k->cache_dirty--;
}

void pagecache_map(struct kernel *k, uint64_t pa)
{
	struct cache_page *cp = pagecache_page(k, pa);
	if (cp && cp->mapcount++ == 0 && !cp->mapping->anon)
		k->cache_mapped++;
}

void pagecache_unmap(struct kernel *k, uint64_t pa)
{
	struct cache_page *cp = pagecache_page(k, pa);
	if (cp && --cp->mapcount == 0 && !cp->mapping->anon)
		k->cache_mapped--;
}

uint64_t pagecache_reclaim_page(struct kernel *k, struct cache_page *cp)
{
	struct mapping *m = cp->mapping;
	if (m->anon || frame_refcount(k, cp->pa) != 1)
		return 0; /* mapped, or pinned by a read in progress */
	if (cp->dirty && filemap_write_page(k, cp))
		return 0;
	pagecache_delete(k, cp);
	k->stats.cache_reclaimed++;
	mapping_free_if_unused(m);
	return 1;
}

void pagecache_drop_clean(struct kernel *k)
{
	struct mapping *next;
	for (struct mapping *m = k->pagecache.files; m; m = next) {
		next = m->next;
		struct cache_page *cp_next;
		for (struct cache_page *cp = m->pages; cp; cp = cp_next) {
			cp_next = cp->mnext;
			if (!cp->dirty && frame_refcount(k, cp->pa) == 1)
				pagecache_delete(k, cp);
		}
		mapping_free_if_unused(m);
	}
}

/* ---- mappings ---- */

struct mapping *mapping_alloc(struct kernel *k, bool anon)
{
	struct mapping *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	*m = (struct mapping){.kernel = k, .refs = 1, .anon = anon, .fd = -1};
	if (!anon) {
		m->next = k->pagecache.files;
		k->pagecache.files = m;
	}
	return m;
}

struct mapping *shmem_create(struct kernel *k, uint64_t size)
{
	struct mapping *m = mapping_alloc(k, true);
	if (m)
		m->size = size;
	return m;
}

void mapping_get(struct mapping *m)
{
	m->refs++;
	if (m->shm) /* a segment's references but the table's are attachments */
		shm_vm_open(m->kernel, m->shm);
}

static void mapping_free(struct mapping *m)
{
	if (!m->anon) {
		struct mapping **pp = &m->kernel->pagecache.files;
		while (*pp != m)
			pp = &(*pp)->next;
		*pp = m->next;
	}
	if (m->fd >= 0)
		close(m->fd);
	free(m);
}

void mapping_free_if_unused(struct mapping *m)
{
	if (m->refs == 0 && m->npages == 0)
		mapping_free(m);
}

void mapping_put(struct mapping *m)
{
	if (m->shm)
		shm_vm_close(m->kernel, m->shm);
	if (--m->refs > 0)
		return;
	if (m->hugetlb)
		hugetlb_file_release(m->kernel, m);
	if (m->anon) {
		while (m->pages)
			pagecache_delete(m->kernel, m->pages);
	} else {
		filemap_idle(m);
	}
	mapping_free_if_unused(m);
}

void pagecache_drop_all(struct kernel *k)
{
	for (struct mapping *m = k->pagecache.files, *next; m; m = next) {
		next = m->next;
		while (m->pages) {
			if (m->pages->dirty)
				filemap_write_page(k, m->pages);
			pagecache_delete(k, m->pages);
		}
		mapping_free_if_unused(m);
	}
}

void pagecache_destroy(struct kernel *k)
{
	struct page_cache *pc = &k->pagecache;
	pagecache_drop_all(k);
	/* Mappings still referenced belong to files no process holds any more
	 * (a unit test's): they go with the kernel. */
	while (pc->files)
		mapping_free(pc->files);
	free(pc->hash);
	free(pc->page_of);
	*pc = (struct page_cache){0};
}
