/* kpageflags.c - each frame as /proc/kpageflags and /proc/kpagecount
 * report it: Linux's stable_page_flags (the KPF_* bits of
 * Documentation/admin-guide/mm/pagemap.rst) and page_mapcount.
 *
 * What a frame is comes from the kernel's own records: the buddy
 * allocator's free lists (KPF_BUDDY), the page tables of every address
 * space (KPF_PGTABLE), the page cache, the LRU lists and the swap cache,
 * and the huge leaves (THP and hugetlb: a compound page, its first frame
 * the head) found by walking every address space, plus the hugetlb
 * pools' free pages and the hugetlbfs files' pages. Frame 0 is reserved
 * (vmemu never hands it out), frame 1 is the zero page, and the vDSO's
 * pages are reserved too, as the kernel's own. A tail page shows
 * what Linux's shows of one: its compound's kind and mapping, not the
 * head's LRU, dirty or referenced bits. Counts: the PTEs (and PDEs)
 * mapping the page; free pages and page tables count 0, as Linux's
 * typed pages do. */
#include <errno.h>
#include <stdlib.h>

#include "kern.h"
#include "mm/internal.h"

#define KPF_REFERENCED 2
#define KPF_UPTODATE 3
#define KPF_DIRTY 4
#define KPF_LRU 5
#define KPF_ACTIVE 6
#define KPF_BUDDY 10
#define KPF_MMAP 11
#define KPF_ANON 12
#define KPF_SWAPCACHE 13
#define KPF_SWAPBACKED 14
#define KPF_COMPOUND_HEAD 15
#define KPF_COMPOUND_TAIL 16
#define KPF_HUGE 17
#define KPF_UNEVICTABLE 18
#define KPF_THP 22
#define KPF_ZERO_PAGE 24
#define KPF_PGTABLE 26
#define KPF_RESERVED 32
#define KPF_MLOCKED 33
#define BIT(n) (1ULL << (n))

/* What the walks found of a frame. */
#define K_BUDDY 0x01
#define K_PGTABLE 0x02
#define K_HEAD 0x04    /* first frame of a compound page */
#define K_TAIL 0x08    /* another frame of one */
#define K_HUGETLB 0x10 /* the compound is a hugetlb page (else a THP) */
#define K_MLOCKED 0x20 /* mapped in a VM_LOCKED area */

struct kpage_map {
	struct kernel *k;
	uint8_t *kind;
	uint32_t *maps; /* per head: the huge leaves mapping its compound */
	bool locked;    /* the VMA walked is VM_LOCKED */
};

static void mark_compound(struct kpage_map *m, uint64_t pa, uint64_t size, uint8_t kind)
{
	uint64_t head = pa >> PAGE_SHIFT, n = size >> PAGE_SHIFT;
	if (head + n > m->k->frames.nframes)
		return;
	m->kind[head] |= K_HEAD | kind;
	for (uint64_t i = 1; i < n; i++)
		m->kind[head + i] |= K_TAIL | kind;
}

static void mark_table(uint64_t pa, void *arg)
{
	struct kpage_map *m = arg;
	m->kind[pa >> PAGE_SHIFT] |= K_PGTABLE;
}

static void mark_leaf(struct kernel *k, struct mm *mm, uint64_t va, uint64_t *pte, void *arg)
{
	struct kpage_map *m = arg;
	uint64_t e = *pte;
	if (!(e & PTE_P) || pte_is_swap(e))
		return;
	uint64_t pa = e & PTE_ADDR_MASK, size = PAGE_SIZE;
	if (pmd_hugetlb(e) || (e & PTE_PS)) {
		pgtable_page_pte(k, mm, va, &size);
		pa &= ~(size - 1);
		if (!is_huge_zero_pmd(k, e))
			m->maps[pa >> PAGE_SHIFT]++;
		mark_compound(m, pa, size, pmd_hugetlb(e) ? K_HUGETLB : 0);
	}
	if (m->locked)
		for (uint64_t i = 0; i < size >> PAGE_SHIFT; i++)
			m->kind[(pa >> PAGE_SHIFT) + i] |= K_MLOCKED;
}

static void mark_free(struct kpage_map *m)
{
	const struct frame_allocator *fa = &m->k->frames;
	for (unsigned o = 0; o <= FRAME_MAX_ORDER; o++)
		for (uint64_t pfn = fa->free_head[o]; pfn != FRAME_NONE; pfn = fa->next[pfn])
			for (uint64_t i = 0; i < (1ULL << o); i++)
				m->kind[pfn + i] |= K_BUDDY;
}

static void mark_hugetlb_file_page(uint64_t pa, uint64_t size, void *arg)
{
	mark_compound(arg, pa, size, K_HUGETLB);
}

static int build(struct kernel *k, struct kpage_map *m)
{
	*m = (struct kpage_map){.k = k, .kind = calloc(k->frames.nframes, 1),
				.maps = calloc(k->frames.nframes, sizeof(uint32_t))};
	if (!m->kind || !m->maps) {
		free(m->kind);
		free(m->maps);
		return -ENOMEM;
	}
	mark_free(m);
	for (struct mm *mm = k->mms; mm; mm = mm->next) {
		pgtable_walk_tables(k, mm, mark_table, m);
		for (struct vma *v = mm->vmas; v; v = v->next) {
			m->locked = v->flags & VM_LOCKED;
			pgtable_walk_leaves(k, mm, v->start, v->end, mark_leaf, m);
		}
	}
	for (int id = 0; id < NR_HSTATES; id++) {
		const struct hstate *h = &k->hstate[id];
		for (uint64_t i = 0; i < h->nfree; i++)
			mark_compound(m, h->free[i], huge_page_size(id), K_HUGETLB);
		for (struct mapping *f = h->files; f; f = f->next)
			hugetlb_file_for_each_page(f, mark_hugetlb_file_page, m);
	}
	if (k->huge_zero_pa)
		mark_compound(m, k->huge_zero_pa, PAGE_SIZE_2M, 0);
	return 0;
}

/* A frame's flags, and its mapcount in *count. */
static uint64_t frame_flags(const struct kpage_map *m, uint64_t pfn, uint64_t *count)
{
	struct kernel *k = m->k;
	uint8_t kind = m->kind[pfn];
	uint64_t pa = pfn << PAGE_SHIFT, head = pfn;
	*count = 0;
	if (pfn == 0)
		return BIT(KPF_RESERVED);
	if (pa == ZERO_PAGE_PA)
		return BIT(KPF_ZERO_PAGE) | BIT(KPF_RESERVED);
	if (kind & K_BUDDY)
		return BIT(KPF_BUDDY);
	if (kind & K_PGTABLE)
		return BIT(KPF_PGTABLE);
	uint64_t f = kind & K_MLOCKED ? BIT(KPF_MLOCKED) | BIT(KPF_UNEVICTABLE) : 0;
	if (kind & (K_HEAD | K_TAIL)) {
		while (head > 0 && !(m->kind[head] & K_HEAD))
			head--;
		f |= BIT(kind & K_HEAD ? KPF_COMPOUND_HEAD : KPF_COMPOUND_TAIL);
		f |= BIT(kind & K_HUGETLB ? KPF_HUGE : KPF_THP);
		if (k->huge_zero_pa == head << PAGE_SHIFT)
			return f | BIT(KPF_ZERO_PAGE);
		*count = m->maps[head];
		f |= *count ? BIT(KPF_MMAP) : 0;
		if (kind & K_TAIL)
			return f | (kind & K_HUGETLB ? 0 : BIT(KPF_ANON));
		if (kind & K_HUGETLB)
			return f | BIT(KPF_UPTODATE);
	}
	if (!frame_refcount(k, pa) && !(kind & K_HEAD))
		return f; /* a hugetlb pool's frame, or one in transit */
	f |= BIT(KPF_UPTODATE);
	uint8_t on = k->lru.on[pfn];
	if (on)
		f |= BIT(KPF_LRU) |
		     (on - 1 == LRU_ACTIVE_ANON || on - 1 == LRU_ACTIVE_FILE ? BIT(KPF_ACTIVE) : 0);
	if (k->lru.referenced[pfn])
		f |= BIT(KPF_REFERENCED);
	const struct cache_page *cp = pagecache_page(k, pa);
	if (cp && vdso_mapping(k, cp->mapping)) {
		/* The vDSO's text is the kernel's own (PG_reserved on Linux). */
		*count = cp->mapcount;
		return (f & BIT(KPF_REFERENCED)) | BIT(KPF_RESERVED) | (*count ? BIT(KPF_MMAP) : 0);
	}
	if (cp) {
		if (!(kind & K_HEAD))
			*count = cp->mapcount;
		if (cp->dirty)
			f |= BIT(KPF_DIRTY);
		if (cp->mapping->anon) /* shmem: swap-backed, on no list here */
			f |= BIT(KPF_SWAPBACKED) | BIT(KPF_UNEVICTABLE);
		return f | (*count ? BIT(KPF_MMAP) : 0);
	}
	bool in_swap_cache = k->swap.nslots && k->swap.slot_of[pfn];
	if (!(kind & K_HEAD))
		*count = frame_refcount(k, pa) - (in_swap_cache ? 1 : 0);
	f |= BIT(KPF_ANON) | BIT(KPF_SWAPBACKED) | (*count ? BIT(KPF_MMAP) : 0);
	/* Dirty but for a page read back from swap and not written since. */
	f |= in_swap_cache ? BIT(KPF_SWAPCACHE) : BIT(KPF_DIRTY);
	return f;
}

uint64_t kpage_max_pfn(const struct kernel *k)
{
	return k->frames.nframes;
}

int kpage_read(struct kernel *k, uint64_t first, uint64_t n, uint64_t *flags, uint64_t *counts)
{
	struct kpage_map m;
	int err = build(k, &m);
	if (err)
		return err;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t count, f = frame_flags(&m, first + i, &count);
		if (flags)
			flags[i] = f;
		if (counts)
			counts[i] = count;
	}
	free(m.kind);
	free(m.maps);
	return 0;
}
