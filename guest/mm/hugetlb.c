/* hugetlb.c - the pool of 2 MiB huge pages that MAP_HUGETLB maps, as
 * Linux's mm/hugetlb.c keeps it: the pool takes order-9 blocks from the
 * buddy allocator when vm.nr_hugepages (or --hugepages) grows it and gives
 * free ones back when it shrinks; a private map reserves its pages at
 * mmap time (ENOMEM when the pool cannot cover them) unless MAP_NORESERVE,
 * whose faults get SIGBUS once no unreserved page is free.
 *
 * A reservation is kept where Linux's resv_map would note it: in the PDE
 * itself, a not-present entry holding only PTE_SW_HUGETLB, which the
 * first fault there consumes and an unmap gives back (fork does not copy
 * it, as a child holds no reservation). Pages are mapped by PDE leaves
 * with PTE_SW_HUGETLB, never split, on no LRU list; a PDE holds one
 * reference on the page's first frame, a free pool page none. There is no
 * hugetlbfs: shared maps and memfd_create(MFD_HUGETLB) are refused, and
 * no surplus pages are made (the pool shrinks only by its free pages). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "kern.h"
#include "mm/internal.h"

static uint64_t unreserved_free(const struct hstate *h)
{
	return h->nfree - h->resv;
}

static int push_free(struct hstate *h, uint64_t pa)
{
	if (h->nfree == h->cap) {
		size_t cap = h->cap ? 2 * h->cap : 16;
		uint64_t *n = realloc(h->free, cap * sizeof(*n));
		if (!n)
			return -1;
		h->free = n;
		h->cap = cap;
	}
	h->free[h->nfree++] = pa;
	return 0;
}

uint64_t hugetlb_set_pool(struct kernel *k, uint64_t want)
{
	struct hstate *h = &k->hstate;
	while (h->nr < want) {
		uint64_t pa = frame_alloc(k, HPAGE_PMD_ORDER);
		if (pa == FRAME_NONE)
			break; /* Linux too stops at what it can find */
		if (push_free(h, pa)) {
			frame_put(k, pa, HPAGE_PMD_ORDER);
			break;
		}
		frame_put_ref(k, pa); /* the pool holds it with no reference */
		h->nr++;
	}
	while (h->nr > want && unreserved_free(h) > 0) {
		uint64_t pa = h->free[--h->nfree];
		frame_get(k, pa);
		frame_put(k, pa, HPAGE_PMD_ORDER);
		h->nr--;
	}
	return h->nr;
}

void hugetlb_destroy(struct hstate *h)
{
	free(h->free);
	memset(h, 0, sizeof(*h));
}

int64_t hugetlb_map_check(struct kernel *k, uint64_t flags, uint64_t *len, uint64_t addr,
			  bool fixed)
{
	/* 2 MiB only: no 1 GiB hstate, as on a CPU without pdpe1gb. */
	unsigned size_log = (flags >> MAP_HUGE_SHIFT) & MAP_HUGE_MASK;
	if (size_log && size_log != 21)
		return -EINVAL;
	if (!(flags & MAP_ANONYMOUS) || (flags & MAP_TYPE) != MAP_PRIVATE)
		return -EINVAL;
	*len = (*len + PAGE_SIZE_2M - 1) & ~(PAGE_SIZE_2M - 1);
	if (!(flags & MAP_NORESERVE) && unreserved_free(&k->hstate) < *len / PAGE_SIZE_2M)
		return -ENOMEM;
	if (fixed && (addr & (PAGE_SIZE_2M - 1)))
		return -EINVAL;
	return 0;
}

bool hugetlb_may_split(struct mm *mm, uint64_t addr)
{
	struct vma *v = vma_find(mm, addr);
	return !v || !(v->flags & VM_HUGETLB) || v->start == addr || !(addr & (PAGE_SIZE_2M - 1));
}

int hugetlb_reserve(struct kernel *k, struct mm *mm, uint64_t start, uint64_t end)
{
	struct hstate *h = &k->hstate;
	uint64_t pages = (end - start) / PAGE_SIZE_2M;
	if (unreserved_free(h) < pages)
		return -ENOMEM;
	for (uint64_t va = start; va < end; va += PAGE_SIZE_2M) {
		uint64_t *pmd = pgtable_pmd(k, mm, va, true);
		if (!pmd)
			return -ENOMEM; /* the caller unmaps: the markers made go back */
		pgtable_set_new(k, pmd, PMD_HUGETLB_RESERVED);
		h->resv++;
	}
	return 0;
}

/* A free page: one reserved for it, else an unreserved one; FRAME_NONE
 * when there is none. */
static uint64_t dequeue(struct kernel *k, bool reserved)
{
	struct hstate *h = &k->hstate;
	if (!reserved && !unreserved_free(h))
		return FRAME_NONE;
	uint64_t pa = h->free[--h->nfree];
	if (reserved)
		h->resv--;
	frame_get(k, pa);
	return pa;
}

static void put_page(struct kernel *k, uint64_t pa)
{
	if (frame_refcount(k, pa) == 1) {
		frame_put_ref(k, pa);
		/* Room was there when the pool grew: push_free cannot fail. */
		push_free(&k->hstate, pa);
		return;
	}
	frame_put_ref(k, pa);
}

int hugetlb_fault(struct kernel *k, struct mm *mm, struct vma *vma, uint64_t va, uint64_t *pmd,
		  bool write, enum fault_kind *kind)
{
	uint64_t haddr = va & HPAGE_PMD_MASK;
	uint64_t bits = pgtable_prot_bits(vma->flags) | PTE_PS | PTE_SW_HUGETLB;
	if (!(*pmd & (PTE_P | PTE_SW_PROTNONE))) {
		*kind = FAULT_DEMAND_ZERO;
		uint64_t pa = dequeue(k, *pmd == PMD_HUGETLB_RESERVED);
		if (pa == FRAME_NONE)
			return FAULT_SIGBUS;
		memset(phys_ptr(k, pa), 0, PAGE_SIZE_2M);
		pgtable_set_new(k, pmd, pa | bits);
		return 0;
	}
	uint64_t old = *pmd & PTE_ADDR_MASK;
	if (!write || (*pmd & PTE_W)) {
		*kind = FAULT_SPURIOUS;
		pgtable_update(k, mm, haddr, pmd, *pmd);
	} else if (frame_refcount(k, old) == 1) {
		*kind = FAULT_COW;
		k->stats.cow_reused++;
		pgtable_update(k, mm, haddr, pmd, *pmd | PTE_W);
	} else {
		/* Shared after fork: a copy from the unreserved free pages. */
		*kind = FAULT_COW;
		uint64_t pa = dequeue(k, false);
		if (pa == FRAME_NONE)
			return FAULT_SIGBUS;
		memcpy(phys_ptr(k, pa), phys_ptr(k, old), PAGE_SIZE_2M);
		pgtable_update(k, mm, haddr, pmd, pa | bits);
		put_page(k, old);
		k->stats.cow_copied++;
	}
	tlb_gather_finish(k);
	return 0;
}

void hugetlb_zap(struct kernel *k, struct mm *mm, uint64_t va, uint64_t *pmd)
{
	if (*pmd == PMD_HUGETLB_RESERVED) {
		k->hstate.resv--;
		pgtable_set_new(k, pmd, 0);
		return;
	}
	uint64_t pa = *pmd & PTE_ADDR_MASK;
	pgtable_update(k, mm, va, pmd, 0);
	put_page(k, pa);
}

void copy_hugetlb_pmd(struct kernel *k, struct mm *parent, uint64_t va, uint64_t *pmd,
		      uint64_t *dst)
{
	if (*pmd & PTE_W)
		pgtable_update(k, parent, va, pmd, *pmd & ~PTE_W);
	frame_get(k, *pmd & PTE_ADDR_MASK);
	pgtable_set_new(k, dst, *pmd & ~PTE_A);
}
