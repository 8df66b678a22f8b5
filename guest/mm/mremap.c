/* mremap.c - mremap(2) once sys_mm.c has checked its arguments: shrink a
 * mapping in place, grow it in place when the space after it is free, else
 * move it: the VMA moves and its PTEs are carried over to the new addresses
 * (Linux's move_page_tables), so the pages move without a copy. glibc's
 * realloc of large blocks relies on it. */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "kern.h"
#include "mm/internal.h"

#define PAGE_MASK (~(PAGE_SIZE - 1))

struct move_arg {
	uint64_t delta; /* new address minus old */
	struct mm *mm;
	int err;
};

/* First pass: the tables for every destination PTE, so that the move
 * itself cannot fail half way. */
static void alloc_leaf(struct kernel *k, struct mm *mm, uint64_t va, uint64_t *pte, void *arg)
{
	(void)pte;
	struct move_arg *m = arg;
	if (!m->err && !pgtable_pte(k, mm, va + m->delta, true))
		m->err = -ENOMEM;
}

/* The entry (present, swap or PROT_NONE) changes address, nothing else. */
static void move_leaf(struct kernel *k, struct mm *mm, uint64_t va, uint64_t *pte, void *arg)
{
	struct move_arg *m = arg;
	uint64_t *dst = pgtable_pte(k, mm, va + m->delta, false);
	if (*pte & (PTE_P | PTE_SW_PROTNONE))
		rmap_move(k, *pte & PTE_ADDR_MASK, va, va + m->delta);
	pgtable_set_new(k, dst, *pte);
	pgtable_update(k, mm, va, pte, 0);
}

/* Moves [old, old+len), inside one VMA v, to new (a free range): the
 * pages go along; afterwards the VMA covers new+len (room for growth). */
static int64_t move_vma(struct kernel *k, struct mm *mm, struct vma *v, uint64_t old,
			uint64_t len, uint64_t new, uint64_t new_len)
{
	struct move_arg m = {.delta = new - old, .mm = mm};
	pgtable_walk_leaves(k, mm, old, old + len, alloc_leaf, &m);
	if (m.err) {
		pgtable_unmap_range(k, mm, new, new + len); /* frees the empty tables */
		return m.err;
	}
	struct vma *nv = vma_insert(mm, new, new + new_len, v->flags);
	if (!nv) {
		pgtable_unmap_range(k, mm, new, new + len);
		return -ENOMEM;
	}
	memcpy(nv->name, v->name, sizeof(nv->name));
	nv->mapping = v->mapping;
	nv->file_id = v->file_id;
	if (nv->mapping)
		mapping_get(nv->mapping);
	/* Anonymous memory never written takes its new address as offset,
	 * so it merges there; written memory keeps its offset (copy_vma). */
	if (!v->mapping && !v->anon_vma)
		nv->pgoff = new >> PAGE_SHIFT;
	else
		nv->pgoff = v->pgoff + ((old - v->start) >> PAGE_SHIFT);
	nv->anon_vma = v->anon_vma;
	nv->anon_fork_child = v->anon_fork_child;
	if (nv->anon_vma)
		nv->anon_vma->refs++;
	pgtable_walk_leaves(k, mm, old, old + len, move_leaf, &m);
	/* Only emptied entries are left: this frees their tables. */
	pgtable_unmap_range(k, mm, old, old + len);
	vma_merge_range(k, mm, new, new + new_len);
	if (vma_split_at(mm, old, old + len) == 0)
		vma_remove_range(k, mm, old, old + len);
	return (int64_t)new;
}

int64_t mm_remap(struct kernel *k, struct mm *mm, uint64_t old, uint64_t old_len, uint64_t new_len,
		 uint64_t flags, uint64_t new)
{
	struct vma *v = vma_find(mm, old);
	if (!v || old_len > v->end - old)
		return -EFAULT; /* the old range must lie in one VMA */
	if (flags & MREMAP_FIXED) {
		if (new < old + old_len && old < new + new_len)
			return -EINVAL;
		int err = mm_unmap(k, mm, new, new_len);
		if (err)
			return err;
		if (new_len < old_len) {
			mm_unmap(k, mm, old + new_len, old_len - new_len);
			old_len = new_len;
		}
		v = vma_find(mm, old); /* the unmaps may have split it */
		return move_vma(k, mm, v, old, old_len, new, new_len);
	}
	if (new_len <= old_len) {
		if (new_len < old_len)
			mm_unmap(k, mm, old + new_len, old_len - new_len);
		return (int64_t)old;
	}
	uint64_t old_end = old + old_len, new_end = old + new_len;
	/* In place: the range ends with its VMA, and what follows is free. */
	if (old_end == v->end && new_end <= USER_TOP && !vma_overlaps(mm, old_end, new_end)) {
		vma_set_end(mm, v, new_end);
		vma_merge_range(k, mm, v->start, new_end);
		return (int64_t)old;
	}
	if (!(flags & MREMAP_MAYMOVE))
		return -ENOMEM;
	uint64_t to = mm_get_unmapped_area(mm, 0, new_len);
	if (!to)
		return -ENOMEM;
	return move_vma(k, mm, v, old, old_len, to, new_len);
}
