/* hugetlb.c - the pools of 2 MiB and 1 GiB huge pages that hugetlb maps
 * use (one hstate each), as Linux's mm/hugetlb.c keeps them: a pool takes
 * order-9 (order-18) blocks from the buddy allocator when vm.nr_hugepages
 * (the 2 MiB pool) or --hugepages grows it and gives free ones back when
 * it shrinks. A map reserves its pages at mmap time (ENOMEM when the pool
 * cannot cover them) unless MAP_NORESERVE, whose faults get SIGBUS once
 * no unreserved page is free.
 *
 * Private maps (MAP_PRIVATE|MAP_ANONYMOUS|MAP_HUGETLB, or MAP_PRIVATE of
 * a hugetlbfs file) keep a reservation where Linux's resv_map would note
 * it: in the PDE (PDPTE for 1 GiB) itself, a not-present entry holding
 * only PTE_SW_HUGETLB, which the first fault there consumes and an unmap
 * gives back (fork does not copy it, as a child holds no reservation); a
 * leaf mapping a file's page read-only keeps it in PTE_SW_HUGETLB_RESV
 * for the copy its first write makes. Shared maps (MAP_SHARED with
 * MAP_HUGETLB, a memfd made with MFD_HUGETLB) map the pages of a
 * hugetlbfs file (hugetlb_file.c), which also keeps their reservations.
 * Pages are mapped by PDE (PDPTE) leaves with PTE_SW_HUGETLB, never
 * split, on no LRU list; a leaf holds one reference on the page's first
 * frame, a file one on each of its pages, a free pool page none. No
 * surplus pages are made (the pool shrinks only by its free pages). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "kern.h"
#include "mm/internal.h"

static uint64_t unreserved_free(const struct hstate *h)
{
	return h->nfree - h->resv;
}

uint64_t hugetlb_unreserved(struct kernel *k, enum hstate_id id)
{
	return unreserved_free(&k->hstate[id]);
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

uint64_t huge_page_size(enum hstate_id id)
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

int hstate_sizelog(unsigned size_log, enum hstate_id *id)
{
	if (size_log && size_log != 21 && size_log != 30)
		return -1;
	*id = size_log == 30 ? HSTATE_1G : HSTATE_2M;
	return 0;
}

int64_t hugetlb_map_check(struct kernel *k, uint64_t flags, const struct mapping *m,
			  uint64_t pgoff, uint64_t *len, uint64_t addr, bool fixed, unsigned *vm_flags)
{
	enum hstate_id id;
	if (!(flags & MAP_ANONYMOUS) && (!m || !m->hugetlb))
		return (flags & MAP_HUGETLB) ? -EINVAL : 0; /* not a hugetlbfs file */
	if (m)
		id = m->hugetlb->id; /* MAP_HUGETLB and its size are ignored */
	else if (!(flags & MAP_HUGETLB))
		return 0;
	else if (hstate_sizelog((flags >> MAP_HUGE_SHIFT) & MAP_HUGE_MASK, &id))
		return -EINVAL;
	uint64_t size = huge_page_size(id);
	*len = (*len + size - 1) & ~(size - 1);
	bool shared = (flags & MAP_TYPE) != MAP_PRIVATE;
	uint64_t first = pgoff / (size >> PAGE_SHIFT), need = *len / size;
	if (m && shared)
		need = hugetlb_file_needs(m, first, first + need);
	if (!(flags & MAP_NORESERVE) && unreserved_free(&k->hstate[id]) < need)
		return -ENOMEM;
	if (fixed && (addr & (size - 1)))
		return -EINVAL;
	/* hugetlbfs_file_mmap: a file offset at a page boundary, and the
	 * map's end within a loff_t. */
	if (m && ((pgoff & ((size >> PAGE_SHIFT) - 1)) || pgoff > (INT64_MAX >> PAGE_SHIFT) ||
		  *len > INT64_MAX - (pgoff << PAGE_SHIFT)))
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

/* A private map's reservations: one in each PDE (PDPTE). */
static int reserve_private(struct kernel *k, struct mm *mm, enum hstate_id id, uint64_t start,
			   uint64_t end)
{
	struct hstate *h = &k->hstate[id];
	uint64_t size = huge_page_size(id);
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

int hugetlb_mmap(struct kernel *k, struct mm *mm, uint64_t start, uint64_t end, bool noreserve)
{
	struct vma *v = vma_find(mm, start);
	enum hstate_id id = hstate_of(v);
	uint64_t per = huge_page_size(id) >> PAGE_SHIFT;
	/* v may have merged with a neighbour: the file's pages from start. */
	uint64_t first = linear_page_index(v, start) / per;
	uint64_t last = first + ((end - start) >> PAGE_SHIFT) / per;
	int err = 0;
	if (!noreserve)
		err = (v->flags & VM_SHARED) ? hugetlb_file_reserve(k, v->mapping, first, last)
					     : reserve_private(k, mm, id, start, end);
	if (!err && v->mapping && (v->flags & VM_WRITE) && v->mapping->size < last * per * PAGE_SIZE)
		v->mapping->size = last * per * PAGE_SIZE;
	return err;
}

uint64_t hugetlb_dequeue(struct kernel *k, enum hstate_id id, bool reserved, bool zero)
{
	struct hstate *h = &k->hstate[id];
	if (!reserved && !unreserved_free(h))
		return FRAME_NONE;
	uint64_t entry = h->free[--h->nfree], pa = entry & ~FREE_ZEROED;
	if (reserved)
		h->resv--;
	frame_get(k, pa);
	if (zero && !(entry & FREE_ZEROED))
		memset(phys_ptr(k, pa), 0, huge_page_size(id));
	return pa;
}

void hugetlb_put_page(struct kernel *k, enum hstate_id id, uint64_t pa)
{
	if (frame_refcount(k, pa) == 1) {
		frame_put_ref(k, pa);
		/* Room was there when the pool grew: push_free cannot fail. */
		push_free(&k->hstate[id], pa);
		return;
	}
	frame_put_ref(k, pa);
}

/* The index in its file of the page at haddr of vma. */
static uint64_t file_index(const struct vma *vma, uint64_t haddr)
{
	return linear_page_index(vma, haddr) / (hugetlb_page_size(vma->flags) >> PAGE_SHIFT);
}

/* A private page for the leaf at haddr: a copy of src, or zeroes (src 0),
 * from the leaf's reservation when it holds one, else from the unreserved
 * free pages. */
static int private_page(struct kernel *k, struct mm *mm, struct vma *vma, uint64_t haddr,
			uint64_t *pmd, uint64_t src)
{
	enum hstate_id id = hstate_of(vma);
	bool reserved = *pmd == PMD_HUGETLB_RESERVED || (*pmd & PTE_SW_HUGETLB_RESV);
	uint64_t pa = hugetlb_dequeue(k, id, reserved, !src);
	if (pa == FRAME_NONE)
		return FAULT_SIGBUS;
	if (src)
		memcpy(phys_ptr(k, pa), phys_ptr(k, src), huge_page_size(id));
	uint64_t leaf = pa | pgtable_prot_bits(vma->flags) | PTE_PS | PTE_SW_HUGETLB;
	if (*pmd & PTE_P) {
		pgtable_update(k, mm, haddr, pmd, leaf);
		hugetlb_put_page(k, id, src);
	} else {
		pgtable_set_new(k, pmd, leaf);
	}
	return 0;
}

/* A missing page (Linux's hugetlb_no_page): a shared map's comes from its
 * file (allocated there at first use); a private map of a file maps the
 * file's page read-only, or copies it for a write, and where the file has
 * none it gets a zeroed page of its own, as private anonymous memory. */
static int hugetlb_no_page(struct kernel *k, struct mm *mm, struct vma *vma, uint64_t haddr,
			   uint64_t *pmd, bool write, enum fault_kind *kind)
{
	struct mapping *m = vma->mapping;
	*kind = FAULT_DEMAND_ZERO;
	if (!m)
		return private_page(k, mm, vma, haddr, pmd, 0);
	uint64_t index = file_index(vma, haddr), pa;
	if (index >= m->size / hugetlb_page_size(vma->flags))
		return FAULT_SIGBUS;
	uint64_t bits = pgtable_prot_bits(vma->flags) | PTE_PS | PTE_SW_HUGETLB;
	if (vma->flags & VM_SHARED) {
		int err = hugetlb_file_page(k, m, index, &pa);
		if (err)
			return err == -ENOMEM ? -1 : FAULT_SIGBUS;
		*kind = FAULT_FILE;
		frame_get(k, pa);
		pgtable_set_new(k, pmd, pa | bits);
		return 0;
	}
	pa = hugetlb_file_lookup(m, index);
	if (!pa)
		return private_page(k, mm, vma, haddr, pmd, 0);
	*kind = write ? FAULT_COW : FAULT_FILE;
	if (write)
		return private_page(k, mm, vma, haddr, pmd, pa);
	frame_get(k, pa);
	uint64_t resv = *pmd == PMD_HUGETLB_RESERVED ? PTE_SW_HUGETLB_RESV : 0;
	pgtable_set_new(k, pmd, pa | (bits & ~PTE_W) | resv);
	return 0;
}

int hugetlb_fault(struct kernel *k, struct mm *mm, struct vma *vma, uint64_t va, bool write,
		  enum fault_kind *kind)
{
	enum hstate_id id = hstate_of(vma);
	uint64_t size = huge_page_size(id), haddr = va & ~(size - 1);
	uint64_t *pmd = pgtable_entry(k, mm, va, hstate_level(id), true);
	if (!pmd)
		return -1;
	int err = 0;
	if (!(*pmd & (PTE_P | PTE_SW_PROTNONE))) {
		err = hugetlb_no_page(k, mm, vma, haddr, pmd, write, kind);
	} else if (!write || (*pmd & PTE_W)) {
		*kind = FAULT_SPURIOUS;
		pgtable_update(k, mm, haddr, pmd, *pmd);
	} else if (frame_refcount(k, *pmd & PTE_ADDR_MASK) == 1) {
		*kind = FAULT_COW;
		k->stats.cow_reused++;
		pgtable_update(k, mm, haddr, pmd, *pmd | PTE_W);
	} else {
		/* Shared after fork, or a file's page: a copy. */
		*kind = FAULT_COW;
		err = private_page(k, mm, vma, haddr, pmd, *pmd & PTE_ADDR_MASK);
		k->stats.cow_copied += !err;
	}
	tlb_gather_finish(k);
	return err;
}

void hugetlb_zap(struct kernel *k, struct mm *mm, uint64_t va, uint64_t *pmd)
{
	enum hstate_id id = hstate_of(vma_find(mm, va));
	if (*pmd == PMD_HUGETLB_RESERVED || (*pmd & PTE_SW_HUGETLB_RESV))
		k->hstate[id].resv--;
	if (*pmd == PMD_HUGETLB_RESERVED) {
		pgtable_set_new(k, pmd, 0);
		return;
	}
	uint64_t pa = *pmd & PTE_ADDR_MASK;
	pgtable_update(k, mm, va, pmd, 0);
	hugetlb_put_page(k, id, pa);
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
	/* The reservation a leaf may hold stays the parent's. */
	pgtable_set_new(k, dst, *pmd & ~(PTE_A | PTE_SW_HUGETLB_RESV));
	return 0;
}
