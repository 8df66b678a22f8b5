/* mremap.c - mremap(2) once sys_mm.c has checked its arguments, in the
 * order Linux's do_mremap (6.17 and later) checks and acts: a move to a
 * fixed address without a change of size moves every VMA of the range in
 * turn; otherwise the VMA at the old address must exist (EFAULT), and a
 * call that maps new space (a growth, a fixed move) needs what it keeps
 * of the old range inside that VMA (EFAULT) before it changes anything;
 * a fixed move then unmaps the destination, shrinks the old range and
 * moves it; a shrink in place just unmaps the tail, even across VMAs; a
 * growth grows in place when the space after it is free, else moves;
 * MREMAP_DONTUNMAP moves a range of one VMA and leaves that mapped. A
 * move carries the PTEs over to the new addresses (Linux's
 * move_page_tables), so the pages move without a copy; glibc's realloc
 * of large blocks relies on it. Huge pages are split to move. */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "kern.h"
#include "mm/internal.h"

struct move_arg {
	uint64_t delta; /* new address minus old */
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
	pgtable_set_new(k, dst, *pte);
	pgtable_update(k, mm, va, pte, 0);
}

/* munmap's own argument checks (Linux's do_vmi_munmap), then the unmap. */
static int unmap_checked(struct kernel *k, struct mm *mm, uint64_t start, uint64_t len)
{
	if (start > mm->task_size || len > mm->task_size - start)
		return -EINVAL;
	return mm_unmap(k, mm, start, len);
}

/* Moves [old, old+len), inside VMA v, to the free range at new: a VMA of
 * new_len bytes (room for growth) takes the pages, then the old range is
 * unmapped (Linux's move_vma). With MREMAP_DONTUNMAP it stays mapped,
 * empty and unlocked: its next touch faults in fresh zeroes, or the
 * file's or shared memory's pages again. */
static int64_t move_vma(struct kernel *k, struct mm *mm, struct vma *v, uint64_t old,
			uint64_t len, uint64_t new, uint64_t new_len, bool dontunmap)
{
	/* Room for the unmap to split a VMA in three (Linux's prep_move_vma). */
	if (mm->map_count >= k->vm.max_map_count - 3)
		return -ENOMEM;
	/* A part of a special map stays (its may_split). */
	if (!vma_may_split(mm, old) || !vma_may_split(mm, old + len))
		return -EINVAL;
	struct move_arg m = {.delta = new - old};
	pgtable_walk_ptes(k, mm, old, old + len, alloc_leaf, &m);
	if (m.err) {
		pgtable_unmap_range(k, mm, new, new + len); /* frees the empty tables */
		return m.err;
	}
	/* Without UFFD_FEATURE_EVENT_REMAP the new place is no longer the
	 * userfaultfd's (Linux's mremap_userfaultfd_prep). */
	struct vma *nv = vma_insert(mm, new, new + new_len, v->flags & ~VM_UFFD_MISSING);
	if (!nv) {
		pgtable_unmap_range(k, mm, new, new + len);
		return -ENOMEM;
	}
	memcpy(nv->name, v->name, sizeof(nv->name));
	nv->mapping = v->mapping;
	vma_set_file(k, nv, v->vm_file);
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
	pgtable_walk_ptes(k, mm, old, old + len, move_leaf, &m);
	/* Only emptied entries are left: this frees their tables. */
	pgtable_unmap_range(k, mm, old, old + len);
	vma_merge_range(k, mm, new, new + new_len);
	if (dontunmap) {
		struct vma *ov = vma_find(mm, old);
		if (ov && (ov->flags & (VM_LOCKED | VM_LOCKONFAULT)))
			vma_modify_flags(k, mm, ov, old, old + len,
					 ov->flags & ~(VM_LOCKED | VM_LOCKONFAULT));
	} else if (len) {
		mm_unmap(k, mm, old, len); /* old_len 0 keeps the old map: a duplicate */
	}
	return (int64_t)new;
}

/* Linux's check_prep_vma: when the call maps new space (a growth, or
 * any move to a fixed address), what it keeps of the old range must lie
 * in v (a shrink keeps new_len bytes, the rest is unmapped). */
static int check_prep_vma(struct kernel *k, const struct mm *mm, const struct vma *v, uint64_t old,
			  uint64_t old_len, uint64_t new_len, uint64_t flags)
{
	if (!v)
		return -EFAULT;
	if (new_len <= old_len && !(flags & (MREMAP_FIXED | MREMAP_DONTUNMAP)))
		return 0; /* a shrink in place or nothing: no more checks */
	/* The kernel's special maps neither grow nor stay behind. */
	if ((flags & MREMAP_DONTUNMAP) && (v->flags & (VM_DONTEXPAND | VM_PFNMAP)))
		return -EINVAL;
	if (new_len > old_len && (v->flags & (VM_DONTEXPAND | VM_PFNMAP)))
		return -EFAULT;
	/* old_len 0 makes a second map of a shared map's pages; private
	 * pages would not be the same ones. */
	if (old_len == 0 && !(v->flags & VM_SHARED))
		return -EINVAL;
	uint64_t kept = new_len < old_len ? new_len : old_len;
	if (kept > v->end - old)
		return -EFAULT;
	/* The growth passes RLIMIT_AS and RLIMIT_DATA (vma_to_resize). */
	if (new_len > old_len && !may_expand_vm(k, mm, v->flags, v->end, new_len - old_len))
		return -ENOMEM;
	return 0;
}

/* A move to a new address (Linux's mremap_to): with MREMAP_FIXED the
 * destination is unmapped, else (MREMAP_DONTUNMAP) the hint new is only
 * a hint; the old range is shrunk to new_len, then moved. */
static int64_t remap_to(struct kernel *k, struct mm *mm, uint64_t old, uint64_t old_len,
			uint64_t new_len, uint64_t new, uint64_t flags)
{
	int err = 0;
	if (flags & MREMAP_FIXED)
		err = unmap_checked(k, mm, new, new_len);
	else if (!(new = mm_get_unmapped_area(k, mm, new, new_len)))
		err = -ENOMEM;
	if (err)
		return err;
	if (!vma_find(mm, old))
		return -EFAULT;
	if (new_len < old_len) {
		err = unmap_checked(k, mm, old + new_len, old_len - new_len);
		if (err)
			return err;
		old_len = new_len;
	}
	struct vma *v = vma_find(mm, old);
	if (!v)
		return -EFAULT;
	return move_vma(k, mm, v, old, old_len, new, new_len, flags & MREMAP_DONTUNMAP);
}

/* A move to a fixed address without a change of size may take several
 * VMAs along (Linux's remap_move, since 6.17): each part of the range
 * moves in turn, the gaps between them kept; the range must start in a
 * VMA. Returns where the first part went. */
static int64_t remap_move(struct kernel *k, struct mm *mm, uint64_t start, uint64_t len,
			  uint64_t new)
{
	uint64_t end = start + len, target = new, last_end = start;
	int64_t res = -EFAULT;
	bool seen = false;
	for (struct vma *v = vma_first_after(mm, start); v && v->start < end;
	     v = vma_first_after(mm, last_end)) {
		if (!seen && start < v->start)
			return -EFAULT; /* no gap at the start */
		uint64_t addr = v->start > start ? v->start : start;
		uint64_t part = (v->end < end ? v->end : end) - addr;
		uint64_t offset = seen ? v->start - last_end : 0;
		last_end = v->end;
		int64_t r = remap_to(k, mm, addr, part, part, target + offset, MREMAP_FIXED);
		if (r < 0)
			return r;
		if (!seen)
			res = r;
		seen = true;
		target = (uint64_t)r + part;
	}
	return res;
}

/* A growth (Linux's expand_vma): in place when the range ends its VMA
 * and the space after it is free, else moved if allowed. */
static int64_t expand(struct kernel *k, struct mm *mm, struct vma *v, uint64_t old,
		      uint64_t old_len, uint64_t new_len, uint64_t flags)
{
	uint64_t end = v->end + (new_len - old_len);
	if (v->end == old + old_len && end > v->end && end <= mm->task_size &&
	    !vma_overlaps(mm, v->end, end)) {
		vma_set_end(mm, v, end);
		vma_merge_range(k, mm, v->start, end);
		return (int64_t)old;
	}
	if (!(flags & MREMAP_MAYMOVE))
		return -ENOMEM;
	uint64_t to = mm_get_unmapped_area(k, mm, 0, new_len);
	if (!to)
		return -ENOMEM;
	return move_vma(k, mm, v, old, old_len, to, new_len, false);
}

int64_t mm_remap(struct kernel *k, struct mm *mm, uint64_t old, uint64_t old_len, uint64_t new_len,
		 uint64_t flags, uint64_t new)
{
	/* hugetlb maps stay where they are (Linux moves them between huge
	 * page boundaries; vmemu does not). */
	struct vma *hv = vma_find(mm, old);
	if (hv && (hv->flags & VM_HUGETLB))
		return -EINVAL;
	/* MREMAP_DONTUNMAP moves one VMA's range only. */
	if ((flags & MREMAP_FIXED) && old_len == new_len && !(flags & MREMAP_DONTUNMAP))
		return remap_move(k, mm, old, old_len, new);
	struct vma *v = vma_find(mm, old);
	int err = check_prep_vma(k, mm, v, old, old_len, new_len, flags);
	if (err)
		return err;
	/* A growth is charged (Linux's vma_to_resize). */
	if (new_len > old_len && (v->flags & VM_ACCOUNT) &&
	    vm_enough_memory(k, mm, (new_len - old_len) >> PAGE_SHIFT))
		return -ENOMEM;
	if (flags & (MREMAP_FIXED | MREMAP_DONTUNMAP))
		return remap_to(k, mm, old, old_len, new_len, new, flags);
	if (new_len == old_len)
		return (int64_t)old;
	if (new_len < old_len) {
		err = unmap_checked(k, mm, old + new_len, old_len - new_len);
		return err ? err : (int64_t)old;
	}
	return expand(k, mm, v, old, old_len, new_len, flags);
}
