/* vma.c - virtual memory areas: found, linked, split and merged as mmap,
 * munmap, mprotect, mremap and brk change an address space. They live in
 * a balanced tree by address (vma_tree.c) and on a list in address order;
 * mm->map_count counts them, as Linux's vm.max_map_count limits them.
 *
 * Neighbours merge as Linux's vma_merge merges them: when nothing tells
 * them apart, that is the same flags, the same open file (or the same
 * shared memory) at consecutive page offsets (anonymous memory too: its
 * offset is its address when it was mapped), and compatible anonymous
 * memory (anon_vma). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kern.h"
#include "mm/internal.h"

static uint64_t vma_pages(const struct vma *v)
{
	return (v->end - v->start) >> PAGE_SHIFT;
}

struct vma *vma_find(struct mm *mm, uint64_t va)
{
	struct vma *v = vma_first_after(mm, va);
	return v && v->start <= va ? v : NULL;
}

bool vma_overlaps(struct mm *mm, uint64_t start, uint64_t end)
{
	const struct vma *v = vma_first_after(mm, start);
	return v && v->start < end;
}

bool vma_covers(const struct mm *mm, uint64_t start, uint64_t end)
{
	uint64_t covered = start;
	for (const struct vma *v = vma_first_after(mm, start); v && covered < end; v = v->next) {
		if (v->start > covered)
			return false;
		covered = v->end;
	}
	return covered >= end;
}

/* ---- anon_vma ---- */

static void anon_vma_get(struct anon_vma *av)
{
	if (av)
		av->refs++;
}

static void anon_vma_put(struct anon_vma *av)
{
	if (av && --av->refs == 0)
		free(av);
}

/* a (below) and b could share anonymous memory: adjacent, the same file
 * at consecutive offsets, flags equal but for the access bits (Linux's
 * anon_vma_compatible). */
static bool anon_vma_compatible(const struct vma *a, const struct vma *b)
{
	return a->end == b->start && a->mapping == b->mapping && a->vm_file == b->vm_file &&
	       !((a->flags ^ b->flags) & ~(VM_READ | VM_WRITE | VM_EXEC)) &&
	       b->pgoff == a->pgoff + vma_pages(a);
}

/* old's anon_vma, if one may join it (not a fork child's). */
static struct anon_vma *reusable_anon_vma(const struct vma *old)
{
	return old->anon_vma && !old->anon_fork_child ? old->anon_vma : NULL;
}

int anon_vma_prepare(struct vma *v)
{
	if (v->anon_vma)
		return 0;
	struct anon_vma *av = NULL;
	if (v->next && anon_vma_compatible(v, v->next))
		av = reusable_anon_vma(v->next);
	if (!av && v->prev && anon_vma_compatible(v->prev, v))
		av = reusable_anon_vma(v->prev);
	if (av) {
		anon_vma_get(av);
	} else {
		av = calloc(1, sizeof(*av));
		if (!av)
			return -1;
		av->refs = 1;
	}
	v->anon_vma = av;
	return 0;
}

int anon_vma_fork(struct vma *child, const struct vma *parent)
{
	if (!parent->anon_vma)
		return 0;
	child->anon_vma = calloc(1, sizeof(*child->anon_vma));
	if (!child->anon_vma)
		return -1;
	child->anon_vma->refs = 1;
	child->anon_fork_child = true;
	return 0;
}

/* ---- linking ---- */

/* Links v, whose start is not in any VMA, in address order. */
static void vma_link(struct mm *mm, struct vma *v)
{
	struct vma *next = vma_first_after(mm, v->start);
	struct vma *prev = next ? next->prev : vma_last(mm);
	v->prev = prev;
	v->next = next;
	*(prev ? &prev->next : &mm->vmas) = v;
	if (next)
		next->prev = v;
	vma_tree_insert(mm, v);
	mm->map_count++;
}

static void vma_unlink(struct mm *mm, struct vma *v)
{
	struct vma *next = v->next;
	*(v->prev ? &v->prev->next : &mm->vmas) = next;
	if (next)
		next->prev = v->prev;
	vma_tree_erase(mm, v, next);
	mm->map_count--;
}

struct vma *vma_insert(struct mm *mm, uint64_t start, uint64_t end, unsigned flags)
{
	struct vma *v = calloc(1, sizeof(*v));
	if (!v)
		return NULL;
	v->start = start;
	v->end = end;
	v->flags = flags;
	v->pgoff = start >> PAGE_SHIFT;
	if (flags & VM_HEAP)
		strcpy(v->name, "[heap]");
	else if (flags & VM_STACK)
		strcpy(v->name, "[stack]");
	vma_link(mm, v);
	return v;
}

void vma_set_end(struct mm *mm, struct vma *v, uint64_t end)
{
	v->end = end;
	if (v->next)
		vma_tree_update(mm, v->next);
}

void vma_set_file(struct kernel *k, struct vma *v, struct file *f)
{
	v->vm_file = f;
	if (f)
		k->vm_file_ops->get(f);
}

static void vma_free(struct kernel *k, struct vma *v)
{
	if (v->mapping)
		mapping_put(v->mapping);
	if (v->vm_file)
		k->vm_file_ops->put(v->vm_file);
	anon_vma_put(v->anon_vma);
	free(v);
}

/* ---- split ---- */

int vma_split(struct kernel *k, struct mm *mm, struct vma *v, uint64_t addr)
{
	struct vma *hi = malloc(sizeof(*hi));
	if (!hi)
		return -1;
	*hi = *v;
	hi->start = addr;
	hi->pgoff += (addr - v->start) >> PAGE_SHIFT;
	if (hi->mapping)
		mapping_get(hi->mapping);
	vma_set_file(k, hi, v->vm_file);
	anon_vma_get(hi->anon_vma);
	vma_set_end(mm, v, addr);
	vma_link(mm, hi);
	return 0;
}

bool vma_may_split(struct mm *mm, uint64_t addr)
{
	struct vma *v = vma_find(mm, addr);
	if (v && (v->flags & VM_DONTEXPAND) && v->start != addr)
		return false;
	return hugetlb_may_split(mm, addr);
}

int vma_split_at(struct kernel *k, struct mm *mm, uint64_t start, uint64_t end)
{
	struct vma *v = vma_find(mm, start);
	if (v && v->start < start && vma_split(k, mm, v, start))
		return -1;
	v = vma_find(mm, end);
	if (v && v->start < end && vma_split(k, mm, v, end))
		return -1;
	return 0;
}

void vma_remove_range(struct kernel *k, struct mm *mm, uint64_t start, uint64_t end)
{
	struct vma *v = vma_first_after(mm, start);
	while (v && v->start < end) {
		struct vma *next = v->next;
		if (v->start >= start && v->end <= end) {
			vma_unlink(mm, v);
			vma_free(k, v);
		}
		v = next;
	}
}

/* ---- merge ---- */

/* One side may have no anon_vma yet and take the other's, unless that
 * one belongs to a fork child (Linux keeps those apart: vma_is_fork_child). */
static bool anon_vmas_mergeable(const struct vma *a, const struct vma *b)
{
	if (a->anon_vma == b->anon_vma)
		return true;
	if (a->anon_vma && b->anon_vma)
		return false;
	return !(a->anon_vma ? a : b)->anon_fork_child;
}

/* A System V segment's VMAs never merge: Linux keeps apart VMAs whose
 * vm_ops have a close (shm_close counts them in shm_nattch); nor do the
 * kernel's special maps (VM_SPECIAL). */
bool vma_can_merge(const struct vma *a, const struct vma *b)
{
	return a->end == b->start && !(a->mapping && a->mapping->shm) &&
	       !(a->flags & VM_DONTEXPAND) && a->flags == b->flags &&
	       a->vm_userfaultfd_ctx == b->vm_userfaultfd_ctx && a->mapping == b->mapping &&
	       a->vm_file == b->vm_file && b->pgoff == a->pgoff + vma_pages(a) &&
	       anon_vmas_mergeable(a, b);
}

/* b joins a, the VMA before it. */
static void merge_into(struct kernel *k, struct mm *mm, struct vma *a, struct vma *b)
{
	if (!a->anon_vma) {
		a->anon_vma = b->anon_vma;
		a->anon_fork_child = b->anon_fork_child;
		b->anon_vma = NULL;
	}
	vma_unlink(mm, b);
	vma_set_end(mm, a, b->end);
	vma_free(k, b);
}

void vma_merge_range(struct kernel *k, struct mm *mm, uint64_t start, uint64_t end)
{
	struct vma *v = vma_first_after(mm, start);
	if (!v)
		return;
	if (v->prev && v->prev->end == v->start)
		v = v->prev;
	/* Every adjacent pair from the VMA before the range to the one after. */
	while (v->next && v->start < end) {
		if (vma_can_merge(v, v->next))
			merge_into(k, mm, v, v->next);
		else
			v = v->next;
	}
}

/* Whether [s, e) of v, with flags, would merge with v's neighbour on
 * that side instead of needing a split there. */
static bool merges_with(const struct vma *v, uint64_t s, uint64_t e, unsigned flags,
			struct userfaultfd_ctx *uffd, const struct vma *neighbour)
{
	if (!neighbour)
		return false;
	struct vma part = *v;
	part.start = s;
	part.end = e;
	part.flags = flags;
	part.vm_userfaultfd_ctx = uffd;
	part.pgoff = v->pgoff + ((s - v->start) >> PAGE_SHIFT);
	return neighbour->start < s ? vma_can_merge(neighbour, &part) : vma_can_merge(&part, neighbour);
}

int vma_modify_uffd(struct kernel *k, struct mm *mm, struct vma *v, uint64_t s, uint64_t e,
		    unsigned flags, struct userfaultfd_ctx *uffd)
{
	if (flags == v->flags && uffd == v->vm_userfaultfd_ctx)
		return 0;
	if (!vma_may_split(mm, s) || !vma_may_split(mm, e))
		return -EINVAL;
	/* No huge page may straddle a VMA boundary. */
	if (split_huge_edges(k, mm, s, e))
		return -ENOMEM;
	bool left = s == v->start && merges_with(v, s, e, flags, uffd, v->prev);
	bool right = e == v->end && merges_with(v, s, e, flags, uffd, v->next);
	if (s > v->start && !right) {
		if (mm->map_count >= k->vm.max_map_count || vma_split(k, mm, v, s))
			return -ENOMEM;
		v = v->next;
	}
	if (e < v->end && !left) {
		if (mm->map_count >= k->vm.max_map_count || vma_split(k, mm, v, e))
			return -ENOMEM;
	}
	/* A merge does what the missing split would have: cut v there. */
	if (vma_split_at(k, mm, s, e))
		return -ENOMEM;
	v = vma_find(mm, s);
	v->flags = flags;
	v->vm_userfaultfd_ctx = uffd;
	vma_merge_range(k, mm, s, e);
	return 0;
}

int vma_modify_flags(struct kernel *k, struct mm *mm, struct vma *v, uint64_t s, uint64_t e,
		     unsigned flags)
{
	return vma_modify_uffd(k, mm, v, s, e, flags, v->vm_userfaultfd_ctx);
}

void vma_free_all(struct kernel *k, struct mm *mm)
{
	while (mm->vmas) {
		struct vma *v = mm->vmas;
		mm->vmas = v->next;
		vma_free(k, v);
	}
	mm->vma_root = NULL;
	mm->map_count = 0;
}
