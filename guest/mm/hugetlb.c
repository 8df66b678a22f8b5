/* hugetlb.c - the pools of 2 MiB and 1 GiB huge pages that MAP_HUGETLB
 * maps (one hstate each), as Linux's mm/hugetlb.c keeps them: a pool takes
 * order-9 (order-18) blocks from the buddy allocator when vm.nr_hugepages
 * (the 2 MiB pool) or --hugepages grows it and gives free ones back when
 * it shrinks; a private map reserves its pages at
 * mmap time (ENOMEM when the pool cannot cover them) unless MAP_NORESERVE,
 * whose faults get SIGBUS once no unreserved page is free.
 *
 * A reservation is kept where Linux's resv_map would note it: in the PDE
 * (PDPTE for 1 GiB) itself, a not-present entry holding only
 * PTE_SW_HUGETLB, which the first fault there consumes and an unmap gives
 * back (fork does not copy it, as a child holds no reservation). Pages
 * are mapped by PDE (PDPTE) leaves with PTE_SW_HUGETLB, never split, on no
 * LRU list; a leaf holds one reference on the page's first frame, a free
 * pool page none. There is no
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

/* A free page's entry: its address, and in bit 0 whether it is still all
 * zeroes (fresh from the buddy allocator, which zeroes), so that a fault
 * clears only pages that were used (1 GiB of memset is not free). */
#define FREE_ZEROED 1ULL

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

static const unsigned hstate_order[NR_HSTATES] = {[HSTATE_2M] = 9, [HSTATE_1G] = 18};

static uint64_t hstate_size(enum hstate_id id)
{
	return PAGE_SIZE << hstate_order[id];
}

/* The paging level of a page's leaf: 2 (PDE) or 3 (PDPTE). */
static int hstate_level(enum hstate_id id)
{
	return id == HSTATE_1G ? 3 : 2;
}

enum hstate_id hstate_of(const struct vma *vma)
{
	return (vma->flags & VM_HUGETLB_1G) ? HSTATE_1G : HSTATE_2M;
}

uint64_t hugetlb_set_pool(struct kernel *k, enum hstate_id id, uint64_t want)
{
	struct hstate *h = &k->hstate[id];
	unsigned order = hstate_order[id];
	while (h->nr < want) {
		uint64_t pa = frame_alloc(k, order);
		if (pa == FRAME_NONE)
			break; /* Linux too stops at what it can find */
		if (push_free(h, pa | FREE_ZEROED)) {
			frame_put(k, pa, order);
			break;
		}
		frame_put_ref(k, pa); /* the pool holds it with no reference */
		h->nr++;
	}
	while (h->nr > want && unreserved_free(h) > 0) {
		uint64_t pa = h->free[--h->nfree] & ~FREE_ZEROED;
		frame_get(k, pa);
		frame_put(k, pa, order);
		h->nr--;
	}
	return h->nr;
}

void hugetlb_destroy(struct kernel *k)
{
	for (int id = 0; id < NR_HSTATES; id++) {
		free(k->hstate[id].free);
		memset(&k->hstate[id], 0, sizeof(k->hstate[id]));
	}
}

int64_t hugetlb_map_check(struct kernel *k, uint64_t flags, uint64_t *len, uint64_t addr,
			  bool fixed, unsigned *vm_flags)
{
	unsigned size_log = (flags >> MAP_HUGE_SHIFT) & MAP_HUGE_MASK;
	enum hstate_id id = size_log == 30 ? HSTATE_1G : HSTATE_2M;
	if (size_log && size_log != 21 && size_log != 30)
		return -EINVAL;
	if (!(flags & MAP_ANONYMOUS) || (flags & MAP_TYPE) != MAP_PRIVATE)
		return -EINVAL;
	uint64_t size = hstate_size(id);
	*len = (*len + size - 1) & ~(size - 1);
	if (!(flags & MAP_NORESERVE) && unreserved_free(&k->hstate[id]) < *len / size)
		return -ENOMEM;
	if (fixed && (addr & (size - 1)))
		return -EINVAL;
	*vm_flags |= VM_HUGETLB | (id == HSTATE_1G ? VM_HUGETLB_1G : 0);
	return 0;
}

uint64_t hugetlb_page_size(unsigned vm_flags)
{
	return (vm_flags & VM_HUGETLB_1G) ? PAGE_SIZE_1G : PAGE_SIZE_2M;
}

bool hugetlb_may_split(struct mm *mm, uint64_t addr)
{
	struct vma *v = vma_find(mm, addr);
	return !v || !(v->flags & VM_HUGETLB) || v->start == addr ||
	       !(addr & (hugetlb_page_size(v->flags) - 1));
}

int hugetlb_reserve(struct kernel *k, struct mm *mm, uint64_t start, uint64_t end)
{
	enum hstate_id id = hstate_of(vma_find(mm, start));
	struct hstate *h = &k->hstate[id];
	uint64_t size = hstate_size(id);
	if (unreserved_free(h) < (end - start) / size)
		return -ENOMEM;
	for (uint64_t va = start; va < end; va += size) {
		uint64_t *e = pgtable_entry(k, mm, va, hstate_level(id), true);
		if (!e)
			return -ENOMEM; /* the caller unmaps: the markers made go back */
		pgtable_set_new(k, e, PMD_HUGETLB_RESERVED);
		h->resv++;
	}
	return 0;
}

/* A free page, zeroed: one reserved for it, else an unreserved one;
 * FRAME_NONE when there is none. */
static uint64_t dequeue(struct hstate *h, struct kernel *k, bool reserved, uint64_t size)
{
	if (!reserved && !unreserved_free(h))
		return FRAME_NONE;
	uint64_t entry = h->free[--h->nfree], pa = entry & ~FREE_ZEROED;
	if (reserved)
		h->resv--;
	frame_get(k, pa);
	if (!(entry & FREE_ZEROED))
		memset(phys_ptr(k, pa), 0, size);
	return pa;
}

static void put_page(struct kernel *k, struct hstate *h, uint64_t pa)
{
	if (frame_refcount(k, pa) == 1) {
		frame_put_ref(k, pa);
		/* Room was there when the pool grew: push_free cannot fail. */
		push_free(h, pa);
		return;
	}
	frame_put_ref(k, pa);
}

int hugetlb_fault(struct kernel *k, struct mm *mm, struct vma *vma, uint64_t va, bool write,
		  enum fault_kind *kind)
{
	enum hstate_id id = hstate_of(vma);
	struct hstate *h = &k->hstate[id];
	uint64_t size = hstate_size(id), haddr = va & ~(size - 1);
	uint64_t *pmd = pgtable_entry(k, mm, va, hstate_level(id), true);
	if (!pmd)
		return -1;
	uint64_t bits = pgtable_prot_bits(vma->flags) | PTE_PS | PTE_SW_HUGETLB;
	if (!(*pmd & (PTE_P | PTE_SW_PROTNONE))) {
		*kind = FAULT_DEMAND_ZERO;
		uint64_t pa = dequeue(h, k, *pmd == PMD_HUGETLB_RESERVED, size);
		if (pa == FRAME_NONE)
			return FAULT_SIGBUS;
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
		uint64_t pa = dequeue(h, k, false, 0); /* overwritten whole */
		if (pa == FRAME_NONE)
			return FAULT_SIGBUS;
		memcpy(phys_ptr(k, pa), phys_ptr(k, old), size);
		pgtable_update(k, mm, haddr, pmd, pa | bits);
		put_page(k, h, old);
		k->stats.cow_copied++;
	}
	tlb_gather_finish(k);
	return 0;
}

void hugetlb_zap(struct kernel *k, struct mm *mm, uint64_t va, uint64_t *pmd)
{
	struct hstate *h = &k->hstate[hstate_of(vma_find(mm, va))];
	if (*pmd == PMD_HUGETLB_RESERVED) {
		h->resv--;
		pgtable_set_new(k, pmd, 0);
		return;
	}
	uint64_t pa = *pmd & PTE_ADDR_MASK;
	pgtable_update(k, mm, va, pmd, 0);
	put_page(k, h, pa);
}

int copy_hugetlb_pmd(struct kernel *k, struct mm *child, struct mm *parent, uint64_t va,
		     uint64_t *pmd, unsigned vm_flags)
{
	uint64_t *dst = pgtable_entry(k, child, va, (vm_flags & VM_HUGETLB_1G) ? 3 : 2, true);
	if (!dst)
		return -ENOMEM;
	if (*pmd & PTE_W)
		pgtable_update(k, parent, va, pmd, *pmd & ~PTE_W);
	frame_get(k, *pmd & PTE_ADDR_MASK);
	pgtable_set_new(k, dst, *pmd & ~PTE_A);
	return 0;
}
