/* mm_fork.c - the address space of a forked child: the same VMAs, and a
 * copy of the page tables in which every private page is shared
 * copy-on-write (Linux's dup_mmap and copy_page_range). */
#include <errno.h>
#include <string.h>

#include "kern.h"
#include "mm/internal.h"

struct copy_arg {
	struct mm *child;
	unsigned vm_flags;
	int err;
};

/* Shares one leaf with the child; a private writable page becomes
 * read-only in both, so the first write of either copies it. */
static void copy_leaf(struct kernel *k, struct mm *parent, uint64_t va, uint64_t *pte, void *arg)
{
	struct copy_arg *c = arg;
	if (c->err)
		return;
	if (*pte == PMD_HUGETLB_RESERVED)
		return; /* the parent's reservation: the child holds none */
	if (pmd_hugetlb(*pte)) {
		c->err = copy_hugetlb_pmd(k, c->child, parent, va, pte, c->vm_flags);
		return;
	}
	if (*pte & PTE_PS) {
		c->err = copy_huge_pmd(k, c->child, parent, va, pte, c->vm_flags);
		return;
	}
	uint64_t *dst = pgtable_pte(k, c->child, va, true);
	if (!dst) {
		c->err = -ENOMEM;
		return;
	}
	if (pte_is_swap(*pte)) {
		swap_dup(k, swp_offset(*pte));
		*dst = *pte;
		c->child->swap_ents++;
		return;
	}
	uint64_t pa = *pte & PTE_ADDR_MASK;
	if ((*pte & PTE_W) && !(c->vm_flags & VM_SHARED))
		pgtable_update(k, parent, va, pte, *pte & ~PTE_W);
	frame_get(k, pa);
	pagecache_map(k, pa);
	*dst = *pte & ~PTE_A;
	if (pa != ZERO_PAGE_PA)
		c->child->rss_pages++;
}

struct mm *mm_fork(struct kernel *k, struct mm *parent)
{
	struct mm *child = mm_create(k);
	if (!child)
		return NULL;
	child->dumpable = parent->dumpable;
	child->thp_disabled = parent->thp_disabled;
	child->coredump_filter = parent->coredump_filter;
	child->start_brk = parent->start_brk;
	child->brk = parent->brk;
	child->mmap_base = parent->mmap_base;
	child->stack_top = parent->stack_top;
	child->env_start = parent->env_start;
	child->env_end = parent->env_end;
	child->auxv_start = parent->auxv_start;
	child->auxv_end = parent->auxv_end;
	struct copy_arg c = {.child = child};
	for (struct vma *v = parent->vmas; v && !c.err; v = v->next) {
		if (v->flags & VM_DONTCOPY)
			continue; /* MADV_DONTFORK: not the child's */
		/* Locks are not inherited (Linux's dup_mmap), nor a userfaultfd
		 * without UFFD_FEATURE_EVENT_FORK (dup_userfaultfd). */
		struct vma *nv = vma_insert(child, v->start, v->end,
					    v->flags & ~(VM_LOCKED | VM_LOCKONFAULT | VM_UFFD_MISSING));
		if (!nv) {
			c.err = -ENOMEM;
			break;
		}
		memcpy(nv->name, v->name, sizeof(nv->name));
		nv->pgoff = v->pgoff;
		vma_set_file(k, nv, v->vm_file);
		if (v->mapping) {
			nv->mapping = v->mapping;
			mapping_get(v->mapping);
		}
		if (v->flags & VM_WIPEONFORK)
			continue; /* MADV_WIPEONFORK: the child's is new and empty */
		/* A shared hugetlb map's pages are its file's: the child's
		 * faults find them there (Linux's vma_needs_copy). */
		if ((v->flags & (VM_HUGETLB | VM_SHARED)) == (VM_HUGETLB | VM_SHARED))
			continue;
		if (anon_vma_fork(nv, v)) {
			c.err = -ENOMEM;
			break;
		}
		c.vm_flags = v->flags;
		pgtable_walk_leaves(k, parent, v->start, v->end, copy_leaf, &c);
	}
	tlb_gather_finish(k);
	if (c.err) {
		mm_destroy(k, child);
		return NULL;
	}
	return child;
}
