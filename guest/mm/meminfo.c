/* meminfo.c - the system-wide memory counters of /proc/meminfo, sysinfo(2)
 * and --meminfo, computed from the kernel's own state when asked.
 *
 * Every frame the allocator manages (all but frame 0 and the zero page)
 * is MemTotal. A frame in use holds one of: a page table (PageTables),
 * file data (the page cache: Cached, whose counters pagecache.c keeps;
 * they do not include shared memory), a page of MAP_SHARED anonymous
 * memory (Shmem, which Linux counts in Cached too), a private anonymous
 * page (AnonPages), or swap data no PTE maps any more (part of
 * SwapCached). The kernel's own structures live in host memory, outside
 * MemTotal, so Slab, KernelStack and the like are 0.
 *
 * Mapped pages are found by walking every address space once and
 * counting each frame once, however many PTEs map it (a page shared
 * copy-on-write after fork is one page, as in Linux). AnonHugePages are
 * the transparent huge pages some PDE maps whole (AnonPages too).
 *
 * Active/Inactive are the lengths of the LRU lists (lru.c); unmapped
 * swap cache stays on the anonymous ones, as on Linux. Shared memory is on
 * no list, since vmemu cannot swap it: it counts as Unevictable (as
 * ramfs pages do on Linux) instead of anon LRU. Pages mapped in a locked
 * VMA (mlock.c) are Mlocked, and Unevictable too.
 *
 * Committed_AS counts the mappings charged for (VM_ACCOUNT: private and
 * writable, or made writable once, not MAP_NORESERVE) and, once per shared
 * object, the first mapping of it seen (Linux accounts a shmem object's
 * size once). */
#include <errno.h>
#include <linux/capability.h>
#include <stdlib.h>

#include "kern.h"
#include "mm/internal.h"

#define KB(pages) ((pages) << (PAGE_SHIFT - 10))

#define SEEN 1u      /* mapped */
#define SEEN_HUGE 2u /* the first frame of a huge page mapped by a PDE */
#define MLOCKED 4u   /* in a locked VMA */

struct walk {
	uint8_t *frame;         /* per frame: SEEN, SEEN_HUGE, MLOCKED */
	bool locked;            /* the VMA walked is VM_LOCKED */
	uint64_t anon;
	uint64_t anon_huge;     /* pages of huge pages mapped by PDEs */
	uint64_t mlocked, mlocked_unevictable; /* the latter: not shared memory */
	struct mapping **shm;   /* each shared anonymous object once */
	size_t nshm, shm_cap;
	uint64_t committed;     /* pages */
};

/* A frame mapped by a locked VMA counts as Mlocked once. */
static void mlock_frame(struct walk *w, uint8_t *seen, bool unevictable)
{
	if (!w->locked || (*seen & MLOCKED))
		return;
	w->mlocked++;
	w->mlocked_unevictable += unevictable;
	*seen |= MLOCKED;
}

static void leaf(struct kernel *k, struct mm *mm, uint64_t va, uint64_t *pte, void *arg)
{
	(void)mm;
	(void)va;
	struct walk *w = arg;
	uint64_t pa = *pte & PTE_ADDR_MASK;
	if (pmd_hugetlb(*pte) || pte_is_swap(*pte) || pa == ZERO_PAGE_PA ||
	    is_huge_zero_pmd(k, *pte))
		return; /* hugetlb pages are counted from the pool */
	if (*pte & PTE_PS) {
		/* A huge page: AnonHugePages once, however many PDEs map it. */
		w->anon_huge += w->frame[pa >> PAGE_SHIFT] & SEEN_HUGE ? 0 : HPAGE_PMD_NR;
		for (uint64_t i = 0; i < HPAGE_PMD_NR; i++) {
			uint8_t *seen = &w->frame[(pa >> PAGE_SHIFT) + i];
			w->anon += !*seen;
			mlock_frame(w, seen, true);
			*seen |= SEEN;
		}
		w->frame[pa >> PAGE_SHIFT] |= SEEN_HUGE;
		return;
	}
	uint8_t *seen = &w->frame[pa >> PAGE_SHIFT];
	const struct cache_page *cp = pagecache_page(k, pa);
	/* Shared memory and file pages are counted from their objects. */
	if (!cp)
		w->anon += !*seen;
	mlock_frame(w, seen, !cp || !cp->mapping->anon); /* shmem is counted already */
	*seen |= SEEN;
}

/* Remembers a shared anonymous object once; false if already seen. */
static bool shm_add(struct walk *w, struct mapping *m)
{
	for (size_t i = 0; i < w->nshm; i++)
		if (w->shm[i] == m)
			return false;
	if (w->nshm == w->shm_cap) {
		size_t cap = w->shm_cap ? 2 * w->shm_cap : 16;
		struct mapping **n = realloc(w->shm, cap * sizeof(*n));
		if (!n)
			return false; /* counted short rather than not at all */
		w->shm = n;
		w->shm_cap = cap;
	}
	w->shm[w->nshm++] = m;
	return true;
}

static void walk_mm(struct kernel *k, struct mm *mm, struct walk *w)
{
	for (struct vma *v = mm->vmas; v; v = v->next) {
		uint64_t pages = (v->end - v->start) >> PAGE_SHIFT;
		if (v->flags & VM_ACCOUNT)
			w->committed += pages;
		else if (v->mapping && v->mapping->anon && !v->mapping->hugetlb &&
			 !vdso_mapping(k, v->mapping) && shm_add(w, v->mapping))
			w->committed += pages; /* hugetlb pages are the pool's (accountable_mapping) */
		w->locked = v->flags & VM_LOCKED;
		pgtable_walk_leaves(k, mm, v->start, v->end, leaf, w);
	}
}

/* Each address space once (a vfork child shares its parent's). */
static void walk_all(struct kernel *k, struct walk *w)
{
	for (struct mm *mm = k->mms; mm; mm = mm->next)
		walk_mm(k, mm, w);
	/* System V segments are shmem whether attached or not. */
	for (int i = 0, max = shm_max_idx(k); i <= max; i++) {
		struct shmid_kernel *shp = shm_obtain_object(k, i);
		if (shp)
			shm_add(w, shp->mapping);
	}
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* Linux's si_mem_available(): free pages above the reserve, plus the
 * file LRU pages reclaim could drop, less what the low watermark keeps
 * of them (the least of half of them and the low watermark). The reserve
 * is the high watermark (Linux's totalreserve_pages is the high
 * watermarks plus lowmem reserves, which one zone does not have). Linux
 * adds reclaimable slab and kernel memory the same way: vmemu's kernel
 * has none in guest memory. The swap cache is on the anonymous lists
 * and counts no more than on Linux. */
static uint64_t mem_available(struct kernel *k, uint64_t free, const uint64_t *lru)
{
	uint64_t pagecache = lru[LRU_ACTIVE_FILE] + lru[LRU_INACTIVE_FILE];
	int64_t avail = (int64_t)free - (int64_t)k->wmark_high;
	avail += (int64_t)(pagecache - min_u64(pagecache / 2, k->wmark_low));
	return avail < 0 ? 0 : (uint64_t)avail;
}

/* Linux's vm_commit_limit, in pages: vm.overcommit_kbytes, or
 * overcommit_ratio percent of the memory hugetlb pools leave, plus swap. */
static uint64_t vm_commit_limit(struct kernel *k)
{
	uint64_t total = k->frames.nframes - FRAME_FIRST;
	uint64_t hugetlb = (k->hstate[HSTATE_2M].nr * PAGE_SIZE_2M +
			    k->hstate[HSTATE_1G].nr * PAGE_SIZE_1G) >> PAGE_SHIFT;
	uint64_t swap_pages = k->swap.nslots ? k->swap.nslots - 1 : 0;
	uint64_t mem = k->vm.overcommit_kbytes
			       ? (uint64_t)k->vm.overcommit_kbytes >> (PAGE_SHIFT - 10)
			       : (total - hugetlb) * (uint64_t)k->vm.overcommit_ratio / 100;
	return mem + swap_pages;
}

static uint64_t total_vm(const struct mm *mm)
{
	uint64_t pages = 0;
	for (const struct vma *v = mm->vmas; v; v = v->next)
		pages += (v->end - v->start) >> PAGE_SHIFT;
	return pages;
}

int vm_enough_memory(struct kernel *k, struct mm *mm, uint64_t pages)
{
	uint64_t swap_pages = k->swap.nslots ? k->swap.nslots - 1 : 0;
	switch (k->vm.overcommit_memory) {
	case 1: /* OVERCOMMIT_ALWAYS */
		return 0;
	case 0: /* OVERCOMMIT_GUESS: only an obvious overcommit fails */
		return pages > k->frames.nframes - FRAME_FIRST + swap_pages ? -ENOMEM : 0;
	default: { /* OVERCOMMIT_NEVER: Committed_AS with the new pages stays in bounds */
		int64_t allowed = (int64_t)vm_commit_limit(k);
		if (!capable(k, CAP_SYS_ADMIN))
			allowed -= k->vm.admin_reserve_kbytes >> (PAGE_SHIFT - 10);
		int64_t user = k->vm.user_reserve_kbytes >> (PAGE_SHIFT - 10);
		int64_t share = (int64_t)(total_vm(mm) / 32);
		allowed -= share < user ? share : user;
		struct meminfo m;
		kernel_meminfo(k, &m);
		int64_t committed = (int64_t)(m.committed_as >> (PAGE_SHIFT - 10));
		return committed + (int64_t)pages < allowed ? 0 : -ENOMEM;
	}
	}
}

void kernel_meminfo(struct kernel *k, struct meminfo *mi)
{
	struct walk w = {.frame = calloc(k->frames.nframes, 1)};
	if (w.frame)
		walk_all(k, &w);
	uint64_t shmem = 0, shmem_mapped = 0;
	for (size_t i = 0; i < w.nshm; i++) {
		for (struct cache_page *cp = w.shm[i]->pages; cp; cp = cp->mnext) {
			shmem++;
			shmem_mapped += w.frame[cp->pa >> PAGE_SHIFT] & SEEN;
		}
	}
	free(w.frame);
	free(w.shm);

	uint64_t total = k->frames.nframes - FRAME_FIRST, free_pages = frames_free(k);
	uint64_t cache = k->cache_pages;
	const uint64_t *lru = k->lru.count;
	/* Slot 0 is never used, like the header page of a Linux swap area. */
	uint64_t swap_pages = k->swap.nslots ? k->swap.nslots - 1 : 0;
	*mi = (struct meminfo){
		.mem_total = KB(total),
		.mem_free = KB(free_pages),
		.mem_available = KB(mem_available(k, free_pages, lru)),
		.cached = KB(cache + shmem),
		.swap_cached = KB(k->swap.cached),
		.active_anon = KB(lru[LRU_ACTIVE_ANON]),
		.inactive_anon = KB(lru[LRU_INACTIVE_ANON]),
		.active_file = KB(lru[LRU_ACTIVE_FILE]),
		.inactive_file = KB(lru[LRU_INACTIVE_FILE]),
		.unevictable = KB(shmem + w.mlocked_unevictable),
		.mlocked = KB(w.mlocked),
		.swap_total = KB(swap_pages),
		.swap_free = KB(swap_pages - k->swap.used),
		.dirty = KB(k->cache_dirty),
		.anon_pages = KB(w.anon),
		.anon_huge_pages = KB(w.anon_huge),
		/* The default (2 MiB) pool's counts; Hugetlb is every pool's. */
		.huge_total = k->hstate[HSTATE_2M].nr,
		.huge_free = k->hstate[HSTATE_2M].nfree,
		.huge_rsvd = k->hstate[HSTATE_2M].resv,
		.hugetlb = k->hstate[HSTATE_2M].nr * (PAGE_SIZE_2M >> 10) +
			   k->hstate[HSTATE_1G].nr * (PAGE_SIZE_1G >> 10),
		.mapped = KB(k->cache_mapped + shmem_mapped),
		.shmem = KB(shmem),
		.page_tables = KB(k->stats.page_table_pages),
		.commit_limit = KB(vm_commit_limit(k)),
		.committed_as = KB(w.committed),
	};
}
