/* vm_limits.c - RLIMIT_AS and RLIMIT_DATA: whether an address space may
 * take npages more (Linux's may_expand_vm). RLIMIT_AS bounds every map;
 * RLIMIT_DATA the private writable ones that are not the stack (Linux
 * 6.1's is_data_mapping, which counts the heap too). */
#include <sys/resource.h>

#include "kern.h"
#include "mm/internal.h"

static bool is_data_mapping(unsigned flags)
{
	return (flags & (VM_WRITE | VM_SHARED | VM_STACK | VM_GROWSDOWN)) == VM_WRITE;
}

/* Pages of mm outside [start, end): what stays of it when that range is
 * mapped anew (Linux's count_vma_pages_range, the other way round). */
static void vm_outside(const struct mm *mm, uint64_t start, uint64_t end, uint64_t *total,
		       uint64_t *data)
{
	*total = *data = 0;
	for (const struct vma *v = mm->vmas; v; v = v->next) {
		uint64_t in_lo = v->start > start ? v->start : start;
		uint64_t in_hi = v->end < end ? v->end : end;
		uint64_t pages = (v->end - v->start - (in_hi > in_lo ? in_hi - in_lo : 0)) >> PAGE_SHIFT;
		*total += pages;
		if (is_data_mapping(v->flags))
			*data += pages;
	}
}

bool may_expand_vm(struct kernel *k, const struct mm *mm, unsigned flags, uint64_t start,
		   uint64_t len)
{
	uint64_t as = rlimit(k, RLIMIT_AS), data_lim = rlimit(k, RLIMIT_DATA);
	bool data = is_data_mapping(flags);
	if (as == RLIM_INFINITY && (!data || data_lim == RLIM_INFINITY))
		return true;
	uint64_t total, data_vm, npages = len >> PAGE_SHIFT;
	vm_outside(mm, start, start + len, &total, &data_vm);
	if (as != RLIM_INFINITY && total + npages > as >> PAGE_SHIFT)
		return false;
	return !data || data_lim == RLIM_INFINITY || data_vm + npages <= data_lim >> PAGE_SHIFT;
}
