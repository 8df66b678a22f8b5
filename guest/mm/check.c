/* check.c - mm_check: the memory system's invariants, checked from the
 * outside between operations (unit tests, the fuzz harnesses, debugging).
 *
 * It counts every reference a frame should have and compares with the
 * allocator's reference counts: one for each page table (the top-level one
 * included) and each leaf PTE that holds the frame (present, or PROT_NONE),
 * one for a page-cache page, one for a swap-cache frame, and the
 * allocator's own on the zero page (the kernel's on the huge zero page). A
 * 2 MiB leaf holds one reference on each frame of its block. It checks
 * that every leaf lies in a VMA whose rights allow what the PTE allows
 * (and that a writable one in private memory holds a page nothing else
 * holds), that the reverse map finds
 * every mapping, that each swap slot's use count is the number of PTEs
 * holding its entry, that each address space's table count is right, and
 * that the free lists and the frames in use add up to all the frames. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "kern.h"
#include "mm/internal.h"

struct checker {
	struct kernel *k;
	uint32_t *refs;   /* per frame: the references found */
	uint32_t *slots;  /* per swap slot: the PTEs found holding it */
	struct mm *mm;    /* the address space being visited */
	uint64_t tables;  /* its page tables found */
	uint64_t hugetlb_resv[NR_HSTATES]; /* reserving hugetlb entries found */
	char *err;
	size_t errlen;
	bool failed;
};

static void fail(struct checker *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct checker *c, const char *fmt, ...)
{
	if (c->failed)
		return; /* the first broken invariant is the one to report */
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->err, c->errlen, fmt, ap);
	va_end(ap);
	c->failed = true;
}

static void add_ref(struct checker *c, uint64_t pa, const char *what, uint64_t va)
{
	if (pa >> PAGE_SHIFT >= c->k->frames.nframes || pa < ZERO_PAGE_PA) {
		fail(c, "%s at va %#llx names frame %#llx, outside memory", what,
		     (unsigned long long)va, (unsigned long long)pa);
		return;
	}
	c->refs[pa >> PAGE_SHIFT]++;
}

/* Whether the reverse map reaches (mm, va) from the frame at pa. */
struct rmap_probe {
	struct mm *mm;
	uint64_t va;
	bool found;
};

static bool rmap_one(struct kernel *k, struct mm *mm, uint64_t va, uint64_t *pte, void *arg)
{
	(void)k;
	(void)pte;
	struct rmap_probe *r = arg;
	if (mm == r->mm && va == r->va)
		r->found = true;
	return !r->found;
}

/* A leaf that holds a frame: a VMA must allow what it allows. */
/* in_rmap: the reverse map must find it (not the zero pages, nor a
 * hugetlb page, which are on none). */
static void check_leaf_vma(struct checker *c, const struct mmu_pt_entry *e, uint64_t pa,
			   bool in_rmap)
{
	struct vma *v = vma_find(c->mm, e->va);
	uint64_t pte = e->value;
	if (!v) {
		fail(c, "a PTE maps va %#llx outside every VMA", (unsigned long long)e->va);
		return;
	}
	if (e->va + e->span > v->end) {
		fail(c, "a page at va %#llx reaches past its VMA", (unsigned long long)e->va);
		return;
	}
	bool present = pte & PTE_P;
	bool none = !(v->flags & (VM_READ | VM_WRITE | VM_EXEC));
	if (present == none)
		fail(c, "va %#llx: PTE %s but the VMA %s access", (unsigned long long)e->va,
		     present ? "present" : "PROT_NONE", none ? "allows no" : "allows");
	else if (present && !(pte & PTE_U))
		fail(c, "va %#llx: a user page without U", (unsigned long long)e->va);
	else if (present && (pte & PTE_W) && !(v->flags & VM_WRITE))
		fail(c, "va %#llx: writable PTE in a VMA without VM_WRITE", (unsigned long long)e->va);
	else if (present && !(pte & PTE_NX) && !(v->flags & VM_EXEC))
		fail(c, "va %#llx: executable PTE in a VMA without VM_EXEC", (unsigned long long)e->va);
	else if (present && (pte & PTE_W) && !(v->flags & VM_SHARED) &&
		 (pa == ZERO_PAGE_PA || pagecache_page(c->k, pa) ||
		  c->k->frames.refcount[pa >> PAGE_SHIFT] != 1))
		fail(c, "va %#llx: writable PTE in private memory to a page others see",
		     (unsigned long long)e->va);
	if (c->failed || !in_rmap)
		return;
	struct rmap_probe r = {c->mm, e->va, false};
	rmap_walk(c->k, pa, rmap_one, &r);
	if (!r.found)
		fail(c, "the reverse map of frame %#llx misses va %#llx", (unsigned long long)pa,
		     (unsigned long long)e->va);
}

/* A 2 MiB leaf holds its order-9 block: one reference on each frame (on
 * the first only for the huge zero page), in a VMA that allows THP. */
static void check_huge_leaf(struct checker *c, const struct mmu_pt_entry *e, uint64_t pa)
{
	if (pa & (PAGE_SIZE_2M - 1)) {
		fail(c, "the huge page at va %#llx is at %#llx, not 2 MiB aligned",
		     (unsigned long long)e->va, (unsigned long long)pa);
		return;
	}
	struct vma *v = vma_find(c->mm, e->va);
	if (v && (v->mapping || (v->flags & VM_SHARED))) {
		fail(c, "a huge page at va %#llx in a shared or file VMA", (unsigned long long)e->va);
		return;
	}
	if (is_huge_zero_pmd(c->k, e->value)) {
		add_ref(c, pa, "a huge zero PDE", e->va);
		check_leaf_vma(c, e, pa, false); /* no reverse map, as the zero page */
		return;
	}
	for (uint64_t i = 0; i < HPAGE_PMD_NR && !c->failed; i++)
		add_ref(c, pa + i * PAGE_SIZE, "a huge PDE", e->va);
	check_leaf_vma(c, e, pa, true);
}

/* A hugetlb PDE or PDPTE, in a hugetlb VMA of its page size: a page (one
 * reference on its first frame) or a reservation (counted against its
 * pool's HugePages_Rsvd); a private map's leaf of a file's page may hold
 * one too. */
static void check_hugetlb_leaf(struct checker *c, const struct mmu_pt_entry *e, uint64_t pa)
{
	struct vma *v = vma_find(c->mm, e->va);
	if (!v || !(v->flags & VM_HUGETLB) || hugetlb_page_size(v->flags) != e->span) {
		fail(c, "a hugetlb entry at va %#llx outside a hugetlb VMA of its size",
		     (unsigned long long)e->va);
		return;
	}
	if (e->value == PMD_HUGETLB_RESERVED || (e->value & PTE_SW_HUGETLB_RESV))
		c->hugetlb_resv[hstate_of(v)]++;
	if (e->value == PMD_HUGETLB_RESERVED)
		return;
	if ((e->value & PTE_SW_HUGETLB_RESV) && (!v->mapping || (v->flags & VM_SHARED)))
		fail(c, "va %#llx: a hugetlb leaf holds a reservation outside a private file map",
		     (unsigned long long)e->va);
	if (pa & (e->span - 1))
		fail(c, "the hugetlb page at va %#llx is at %#llx, not aligned to its size",
		     (unsigned long long)e->va, (unsigned long long)pa);
	add_ref(c, pa, "a hugetlb PDE", e->va);
	check_leaf_vma(c, e, pa, false); /* on no reverse map */
}

/* A pool: its free pages hold no reference, its reservations are the
 * reserving entries found. */
static void check_hugetlb_pool(struct checker *c, enum hstate_id id)
{
	const struct hstate *h = &c->k->hstate[id];
	if (h->nfree > h->nr || h->resv > h->nfree)
		fail(c, "hugetlb pool: %llu pages, %llu free, %llu reserved", (unsigned long long)h->nr,
		     (unsigned long long)h->nfree, (unsigned long long)h->resv);
	for (uint64_t i = 0; i < h->nfree && !c->failed; i++)
		if (c->k->frames.refcount[h->free[i] >> PAGE_SHIFT]) /* bit 0 aside */
			fail(c, "free hugetlb page %#llx has references",
			     (unsigned long long)h->free[i] & PTE_ADDR_MASK);
	if (!c->failed && c->hugetlb_resv[id] != h->resv)
		fail(c, "%llu hugetlb pages reserved, %llu reserving entries found",
		     (unsigned long long)h->resv, (unsigned long long)c->hugetlb_resv[id]);
}

static void visit_entry(void *ctx, const struct mmu_pt_entry *e)
{
	struct checker *c = ctx;
	if (c->failed)
		return;
	uint64_t pa = e->value & PTE_ADDR_MASK;
	if (!e->leaf) {
		c->tables++;
		add_ref(c, pa, "a table entry", e->va);
		return;
	}
	if ((e->level == 2 || e->level == 3) && pmd_hugetlb(e->value)) {
		check_hugetlb_leaf(c, e, pa);
	} else if (e->level == 2 && pmd_trans_huge(e->value)) {
		check_huge_leaf(c, e, pa);
	} else if ((e->value & PTE_P) || (e->value & PTE_SW_PROTNONE)) {
		add_ref(c, pa, "a PTE", e->va);
		check_leaf_vma(c, e, pa, pa != ZERO_PAGE_PA);
	} else if (pte_is_swap(e->value)) {
		uint64_t slot = swp_offset(e->value);
		if (!slot || slot >= c->k->swap.nslots)
			fail(c, "va %#llx holds swap slot %llu of %llu", (unsigned long long)e->va,
			     (unsigned long long)slot, (unsigned long long)c->k->swap.nslots);
		else
			c->slots[slot]++;
	}
}

static void check_mm(struct checker *c, struct mm *mm)
{
	struct mmu_regs regs = c->k->mmu.regs;
	regs.cr3 = mm->pml4;
	c->mm = mm;
	c->tables = 1;
	add_ref(c, mm->pml4, "the top-level table", 0);
	struct mmu_phys phys = {c->k->phys, c->k->phys_size};
	mmu_pt_visit(&phys, &regs, 0, mm->task_size, visit_entry, c);
	if (c->tables != mm->pt_pages)
		fail(c, "an address space has %llu page tables but counts %llu",
		     (unsigned long long)c->tables, (unsigned long long)mm->pt_pages);
}

/* A hugetlbfs file's pages (one reference each, on a page of its pool)
 * and its reservations. */
static void count_hugetlb_file(struct checker *c, const struct mapping *m, enum hstate_id id)
{
	const struct hugetlb_file *hf = m->hugetlb;
	uint64_t pages = 0;
	for (size_t i = 0; i < hf->n && !c->failed; i++) {
		const struct huge_slot *s = &hf->slots[i];
		if (i && s->index <= hf->slots[i - 1].index)
			fail(c, "a hugetlbfs file's slots are out of order at index %llu",
			     (unsigned long long)s->index);
		if (!s->pa) {
			c->hugetlb_resv[id]++;
			continue;
		}
		pages++;
		if (s->pa & (huge_page_size(id) - 1))
			fail(c, "a hugetlbfs file's page %#llx is not aligned to its size",
			     (unsigned long long)s->pa);
		add_ref(c, s->pa, "a hugetlbfs file's page", s->index);
	}
	if (!c->failed && (hf->id != id || pages != m->npages))
		fail(c, "a hugetlbfs file of pool %d on pool %d's list counts %llu pages, %llu found",
		     hf->id, id, (unsigned long long)m->npages, (unsigned long long)pages);
}

/* The page cache's frames, the swap cache's, the hugetlbfs files'. */
static void count_caches(struct checker *c)
{
	for (int id = 0; id < NR_HSTATES; id++)
		for (const struct mapping *m = c->k->hstate[id].files; m; m = m->next)
			count_hugetlb_file(c, m, id);
	struct page_cache *pc = &c->k->pagecache;
	for (uint64_t b = 0; b <= pc->hash_mask; b++)
		for (struct cache_page *cp = pc->hash[b]; cp; cp = cp->hnext)
			add_ref(c, cp->pa, "a page-cache page", cp->index << PAGE_SHIFT);
	struct swap *s = &c->k->swap;
	for (uint64_t slot = 1; slot < s->nslots; slot++)
		if (s->cache[slot])
			add_ref(c, s->cache[slot], "a swap-cache frame", slot);
}

static void compare_refs(struct checker *c)
{
	struct frame_allocator *fa = &c->k->frames;
	c->refs[ZERO_PAGE_PA >> PAGE_SHIFT]++; /* the allocator's own */
	if (c->k->huge_zero_pa)
		c->refs[c->k->huge_zero_pa >> PAGE_SHIFT]++; /* the kernel's own */
	for (uint64_t pfn = 1; pfn < fa->nframes && !c->failed; pfn++)
		if (c->refs[pfn] != fa->refcount[pfn])
			fail(c, "frame %#llx has %u references, %u found", (unsigned long long)pfn
			     << PAGE_SHIFT, fa->refcount[pfn], c->refs[pfn]);
	struct swap *s = &c->k->swap;
	uint64_t used = 0;
	for (uint64_t slot = 1; slot < s->nslots && !c->failed; slot++) {
		used += s->count[slot] != 0;
		if (s->count[slot] != c->slots[slot])
			fail(c, "swap slot %llu counts %u PTEs, %u found", (unsigned long long)slot,
			     s->count[slot], c->slots[slot]);
	}
	if (!c->failed && used != s->used)
		fail(c, "%llu swap slots in use, %llu counted", (unsigned long long)used,
		     (unsigned long long)s->used);
}

static void check_free_lists(struct checker *c)
{
	struct frame_allocator *fa = &c->k->frames;
	uint64_t free = 0;
	for (unsigned order = 0; order <= FRAME_MAX_ORDER; order++)
		for (uint64_t pfn = fa->free_head[order]; pfn != FRAME_NONE; pfn = fa->next[pfn]) {
			if (fa->refcount[pfn]) {
				fail(c, "free block %#llx has references",
				     (unsigned long long)pfn << PAGE_SHIFT);
				return;
			}
			free += 1ULL << order;
		}
	if (free + fa->in_use != fa->nframes - FRAME_FIRST)
		fail(c, "%llu frames free and %llu in use, of %llu", (unsigned long long)free,
		     (unsigned long long)fa->in_use, (unsigned long long)(fa->nframes - FRAME_FIRST));
}

int mm_check(struct kernel *k, char *err, size_t errlen)
{
	struct checker c = {.k = k, .err = err, .errlen = errlen};
	c.refs = calloc(k->frames.nframes, sizeof(*c.refs));
	c.slots = calloc(k->swap.nslots + 1, sizeof(*c.slots));
	if (!c.refs || !c.slots) {
		fail(&c, "out of host memory");
	} else {
		for (struct mm *mm = k->mms; mm && !c.failed; mm = mm->next)
			check_mm(&c, mm);
		if (!c.failed)
			count_caches(&c);
		if (!c.failed)
			compare_refs(&c);
		if (!c.failed)
			check_free_lists(&c);
		for (int id = 0; id < NR_HSTATES && !c.failed; id++)
			check_hugetlb_pool(&c, id);
	}
	free(c.refs);
	free(c.slots);
	return c.failed ? -1 : 0;
}
