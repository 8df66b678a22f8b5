/* sys_mm.c - brk, mmap, munmap, mprotect, madvise: argument checks as
 * Linux does them, then the address-space operations of mm.c. */
#include <errno.h>
#include <sys/mman.h>

#include "kern.h"

#define PAGE_MASK (~(PAGE_SIZE - 1))

static uint64_t page_align_up(uint64_t x)
{
	return (x + PAGE_SIZE - 1) & PAGE_MASK;
}

static bool range_ok(uint64_t addr, uint64_t len)
{
	return addr <= USER_TOP && len <= USER_TOP - addr;
}

int64_t sys_brk(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct mm *mm = k->current->mm;
	uint64_t want = a[0];
	if (want < mm->start_brk || want > USER_TOP)
		return (int64_t)mm->brk;
	uint64_t old_end = page_align_up(mm->brk), new_end = page_align_up(want);
	if (new_end > old_end) {
		/* Linux keeps a guard page between the heap and the next map. */
		if (vma_overlaps(mm, old_end, new_end + PAGE_SIZE))
			return (int64_t)mm->brk;
		if (mm_map(k, mm, old_end, new_end - old_end, VM_READ | VM_WRITE | VM_HEAP, false) < 0)
			return (int64_t)mm->brk;
	} else if (new_end < old_end) {
		mm_unmap(k, mm, new_end, old_end - new_end);
		tlb_gather_finish(k);
	}
	mm->brk = want;
	return (int64_t)want;
}

static unsigned prot_to_vm(uint64_t prot)
{
	return (unsigned)prot & (VM_READ | VM_WRITE | VM_EXEC);
}

#define MMAP_KNOWN_FLAGS                                                                      \
	(MAP_SHARED | MAP_PRIVATE | MAP_SHARED_VALIDATE | MAP_FIXED | MAP_ANONYMOUS |          \
	 MAP_GROWSDOWN | MAP_DENYWRITE | MAP_EXECUTABLE | MAP_LOCKED | MAP_NORESERVE |         \
	 MAP_POPULATE | MAP_NONBLOCK | MAP_STACK | MAP_FIXED_NOREPLACE)

int64_t sys_mmap(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct mm *mm = k->current->mm;
	uint64_t addr = a[0], len = a[1], prot = a[2], flags = a[3];
	if (len == 0 || (prot & ~(uint64_t)(PROT_READ | PROT_WRITE | PROT_EXEC)))
		return -EINVAL;
	uint64_t type = flags & MAP_TYPE;
	if (type != MAP_PRIVATE && type != MAP_SHARED && type != MAP_SHARED_VALIDATE)
		return -EINVAL;
	if (type == MAP_SHARED_VALIDATE && (flags & ~(uint64_t)MMAP_KNOWN_FLAGS))
		return -EOPNOTSUPP;
	if (!(flags & MAP_ANONYMOUS))
		return -ENODEV; /* file maps come with the page cache */
	if (len > USER_TOP)
		return -ENOMEM;
	len = page_align_up(len);
	bool fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE);
	if (fixed) {
		if (addr & ~PAGE_MASK)
			return -EINVAL;
		if (!range_ok(addr, len))
			return -ENOMEM;
	} else {
		addr = mm_get_unmapped_area(mm, addr & PAGE_MASK, len);
		if (!addr)
			return -ENOMEM;
	}
	unsigned vm_flags = prot_to_vm(prot);
	if (flags & MAP_GROWSDOWN)
		vm_flags |= VM_GROWSDOWN;
	if (type != MAP_PRIVATE)
		vm_flags |= VM_SHARED;
	/* NOREPLACE wins over MAP_FIXED: an overlap is EEXIST, as on Linux. */
	bool replace = (flags & MAP_FIXED) && !(flags & MAP_FIXED_NOREPLACE);
	int64_t ret = mm_map(k, mm, addr, len, vm_flags, replace);
	tlb_gather_finish(k);
	return ret;
}

int64_t sys_munmap(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	uint64_t addr = a[0], len = a[1];
	if ((addr & ~PAGE_MASK) || len == 0)
		return -EINVAL;
	len = page_align_up(len);
	if (!range_ok(addr, len))
		return -EINVAL;
	int ret = mm_unmap(k, k->current->mm, addr, len);
	tlb_gather_finish(k);
	return ret;
}

int64_t sys_mprotect(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	uint64_t addr = a[0], len = a[1], prot = a[2];
	if (addr & ~PAGE_MASK)
		return -EINVAL;
	if (prot & ~(uint64_t)(PROT_READ | PROT_WRITE | PROT_EXEC))
		return -EINVAL;
	len = page_align_up(len);
	if (len == 0)
		return 0;
	if (!range_ok(addr, len))
		return -ENOMEM;
	int ret = mm_protect(k, k->current->mm, addr, len, prot_to_vm(prot));
	tlb_gather_finish(k);
	return ret;
}

int64_t sys_madvise(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	uint64_t addr = a[0], len = page_align_up(a[1]);
	int advice = (int)a[2];
	if (addr & ~PAGE_MASK)
		return -EINVAL;
	if (!range_ok(addr, len))
		return -EINVAL;
	switch (advice) {
	case MADV_DONTNEED:
	case MADV_FREE:
		/* Anonymous private memory reads back as zero-fill afterwards. */
		pgtable_unmap_range(k, k->current->mm, addr, addr + len);
		tlb_gather_finish(k);
		return 0;
	case MADV_NORMAL:
	case MADV_RANDOM:
	case MADV_SEQUENTIAL:
	case MADV_WILLNEED:
	case MADV_HUGEPAGE:
	case MADV_NOHUGEPAGE:
	case MADV_DONTFORK:
	case MADV_DOFORK:
	case MADV_DONTDUMP:
	case MADV_DODUMP:
		return 0;
	default:
		return -EINVAL;
	}
}
