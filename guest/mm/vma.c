/* vma.c - virtual memory areas: a list sorted by address, split and merged
 * as mmap, munmap, mprotect and brk change an address space. */
#include <stdlib.h>
#include <string.h>

#include "kern.h"
#include "mm/internal.h"

struct vma *vma_find(struct mm *mm, uint64_t va)
{
	for (struct vma *v = mm->vmas; v && v->start <= va; v = v->next)
		if (va < v->end)
			return v;
	return NULL;
}

bool vma_overlaps(struct mm *mm, uint64_t start, uint64_t end)
{
	for (struct vma *v = mm->vmas; v && v->start < end; v = v->next)
		if (v->end > start)
			return true;
	return false;
}

bool vma_covers(const struct mm *mm, uint64_t start, uint64_t end)
{
	uint64_t covered = start;
	for (const struct vma *v = mm->vmas; v && v->start < end && covered < end; v = v->next) {
		if (v->end <= covered)
			continue;
		if (v->start > covered)
			return false;
		covered = v->end;
	}
	return covered >= end;
}

/* Links a new VMA in address order. NULL when out of host memory. */
struct vma *vma_insert(struct mm *mm, uint64_t start, uint64_t end, unsigned flags)
{
	struct vma *v = calloc(1, sizeof(*v));
	if (!v)
		return NULL;
	v->start = start;
	v->end = end;
	v->flags = flags;
	if (flags & VM_HEAP)
		strcpy(v->name, "[heap]");
	else if (flags & VM_STACK)
		strcpy(v->name, "[stack]");
	struct vma **pp = &mm->vmas;
	while (*pp && (*pp)->start < start)
		pp = &(*pp)->next;
	v->next = *pp;
	*pp = v;
	return v;
}

/* Splits v at addr (inside it); v keeps the lower part. */
static struct vma *vma_split(struct vma *v, uint64_t addr)
{
	struct vma *hi = malloc(sizeof(*hi));
	if (!hi)
		return NULL;
	*hi = *v;
	hi->start = addr;
	if (hi->mapping) {
		mapping_get(hi->mapping);
		hi->pgoff += (addr - v->start) >> PAGE_SHIFT;
	}
	v->end = addr;
	v->next = hi;
	return hi;
}

/* Splits VMAs so that start and end fall on VMA boundaries. */
int vma_split_at(struct mm *mm, uint64_t start, uint64_t end)
{
	for (struct vma *v = mm->vmas; v && v->start < end; v = v->next) {
		if (v->start < start && start < v->end && !vma_split(v, start))
			return -1;
		if (v->start < end && end < v->end && !vma_split(v, end))
			return -1;
	}
	return 0;
}

static void vma_free(struct kernel *k, struct vma *v)
{
	(void)k;
	if (v->mapping)
		mapping_put(v->mapping);
	free(v);
}

void vma_remove_range(struct kernel *k, struct mm *mm, uint64_t start, uint64_t end)
{
	struct vma **pp = &mm->vmas;
	while (*pp) {
		struct vma *v = *pp;
		if (v->start >= start && v->end <= end) {
			*pp = v->next;
			vma_free(k, v);
		} else {
			pp = &v->next;
		}
	}
}

/* Neighbours merge when nothing tells them apart: same flags and name,
 * and for file maps and shared memory the same mapping at consecutive
 * offsets. */
static bool mergeable(const struct vma *v, const struct vma *n)
{
	if (v->end != n->start || v->flags != n->flags || strcmp(v->name, n->name))
		return false;
	if (v->mapping != n->mapping)
		return false;
	return !v->mapping || n->pgoff == v->pgoff + ((v->end - v->start) >> PAGE_SHIFT);
}

void vma_merge(struct kernel *k, struct mm *mm)
{
	for (struct vma *v = mm->vmas; v && v->next;) {
		struct vma *n = v->next;
		if (mergeable(v, n)) {
			v->end = n->end;
			v->next = n->next;
			vma_free(k, n);
		} else {
			v = n;
		}
	}
}

void vma_free_all(struct kernel *k, struct mm *mm)
{
	while (mm->vmas) {
		struct vma *v = mm->vmas;
		mm->vmas = v->next;
		vma_free(k, v);
	}
}
