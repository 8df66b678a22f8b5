/* proc_clear_refs.c - /proc/PID/clear_refs, as Linux's clear_refs_write:
 * writing 1 forgets which pages of the process were used lately (the A
 * bits our MMU sets in its page tables, and PG_referenced), 2 only those
 * of anonymous memory, 3 only those of file and shared memory; smaps'
 * Referenced then counts the pages used since through a TLB miss (no TLB
 * entry is flushed: Linux flushes only for soft-dirty). 5 resets the RSS
 * high-water mark (VmHWM). 4 clears soft-dirty bits, which vmemu does
 * not keep, as a kernel built without CONFIG_MEM_SOFT_DIRTY (pagemap's
 * bit 55 stays 0): the write is taken and changes nothing. */
#include <errno.h>

#include "fs/internal.h"
#include "kern.h"
#include "mm/mm.h"
#include "task/task.h"

enum clear_refs_types {
	CLEAR_REFS_ALL = 1,
	CLEAR_REFS_ANON,
	CLEAR_REFS_MAPPED,
	CLEAR_REFS_SOFT_DIRTY,
	CLEAR_REFS_MM_HIWATER_RSS,
	CLEAR_REFS_LAST,
};

/* clear_refs_test_walk: hugetlb memory is not walked (no hugetlb_entry);
 * "anonymous" is memory with no file behind it, shared anonymous memory
 * having its shmem file. */
static bool clear_refs_walks(const struct vma *v, int type)
{
	if (v->flags & VM_HUGETLB)
		return false;
	if (type == CLEAR_REFS_ANON)
		return !v->mapping;
	if (type == CLEAR_REFS_MAPPED)
		return v->mapping;
	return true;
}

int64_t proc_clear_refs_write(struct kernel *k, struct process *p, struct uio *u, uint64_t pos)
{
	(void)pos;
	int type;
	int64_t n = proc_write_int(k, u, 10, &type);
	if (n < 0)
		return n;
	if (type < CLEAR_REFS_ALL || type >= CLEAR_REFS_LAST)
		return -EINVAL;
	struct mm *mm = p->mm;
	if (!mm || type == CLEAR_REFS_SOFT_DIRTY)
		return n;
	if (type == CLEAR_REFS_MM_HIWATER_RSS) {
		mm_reset_hiwater_rss(mm);
		return n;
	}
	for (const struct vma *v = mm->vmas; v; v = v->next)
		if (clear_refs_walks(v, type))
			mm_clear_young(k, mm, v->start, v->end);
	return n;
}
