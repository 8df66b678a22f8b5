/* gup.c - faulting user pages in for the kernel, as Linux's
 * faultin_vma_page_range (MADV_POPULATE_READ and _WRITE) and
 * populate_vma_page_range (MAP_POPULATE, mlock): each page is touched as
 * the CPU would touch it, through the MMU, and what is missing goes
 * through the page-fault handler. */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "kern.h"
#include "mm/internal.h"

/* Faults in [start, end) of the current process as user reads, or
 * writes (which break copy-on-write): 0, or -EFAULT where a fault could
 * not be fixed (SIGBUS past the end of a file, out of memory). */
static int faultin_range(struct kernel *k, uint64_t start, uint64_t end, bool write)
{
	enum mmu_access access = write ? MMU_WRITE : MMU_READ;
	for (uint64_t va = start; va < end; va += PAGE_SIZE) {
		struct mmu_req req = {.va = va, .access = access, .user = true};
		struct mmu_translation t;
		struct mmu_fault f;
		struct fault_signal why;
		int tries = 0;
		while (!mmu_translate(&k->mmu, &req, &t, &f, NULL)) {
			if (++tries > 3 || !handle_mm_fault(k, &f, access, false, &why))
				return -EFAULT;
		}
		if (write)
			frame_written(k, t.page_pa);
	}
	return 0;
}

int mm_populate_vma(struct kernel *k, struct vma *v, uint64_t start, uint64_t end, bool write)
{
	/* check_vma_flags: a write needs VM_WRITE, a read VM_READ. */
	if (!(v->flags & (write ? VM_WRITE : VM_READ)))
		return -EINVAL;
	return faultin_range(k, start, end, write);
}

int mm_populate(struct kernel *k, struct mm *mm, uint64_t start, uint64_t end, bool ignore_errors)
{
	for (uint64_t at = start; at < end;) {
		struct vma *v = vma_first_after(mm, at);
		if (!v || v->start >= end)
			break;
		if (v->start > at)
			at = v->start;
		uint64_t e = v->end < end ? v->end : end;
		/* populate_vma_page_range: a private writable map is written,
		 * so it gets its own pages; VM_LOCKONFAULT pages come as they
		 * are touched, even under MAP_POPULATE; PROT_NONE cannot be
		 * faulted in: EFAULT (mlock's ENOMEM). */
		bool write = (v->flags & (VM_WRITE | VM_SHARED)) == VM_WRITE;
		if (!(v->flags & VM_LOCKONFAULT) &&
		    (!(v->flags & (VM_READ | VM_WRITE | VM_EXEC)) || faultin_range(k, at, e, write)) &&
		    !ignore_errors)
			return -EFAULT;
		at = e;
	}
	return 0;
}

/* One page's frame for a read by access_remote_vm, faulted in as a read
 * when missing or swapped (PROT_NONE pages too: FOLL_FORCE); a part of a
 * huge page is read in place. */
static uint64_t read_frame(struct kernel *k, struct mm *mm, struct vma *v, uint64_t va)
{
	uint64_t size, pte = pgtable_page_pte(k, mm, va, &size);
	enum fault_kind kind;
	if (!(pte & (PTE_P | PTE_SW_PROTNONE))) {
		if (handle_pte_fault(k, mm, v, va, MMU_READ, &kind))
			return 0;
		pte = pgtable_page_pte(k, mm, va, &size);
		if (!(pte & (PTE_P | PTE_SW_PROTNONE)))
			return 0;
	}
	return pte & PTE_ADDR_MASK;
}

int64_t access_remote_vm(struct kernel *k, struct mm *mm, uint64_t va, void *buf, uint64_t len,
			 bool write)
{
	uint8_t *p = buf;
	uint64_t done = 0;
	while (done < len) {
		uint64_t at = va + done;
		uint64_t n = PAGE_SIZE - (at & (PAGE_SIZE - 1));
		if (n > len - done)
			n = len - done;
		struct vma *v = at < USER_TOP ? vma_find(mm, at) : NULL;
		if (!v)
			break;
		if (write) {
			/* FOLL_FORCE writes only where copy-on-write keeps the
			 * file and the other processes unchanged. */
			if (!(v->flags & VM_WRITE) && (v->flags & VM_SHARED))
				break;
			if (mm_write_force(k, mm, at, p + done, n))
				break;
		} else {
			uint64_t pa = read_frame(k, mm, v, at);
			if (!pa)
				break;
			memcpy(p + done, phys_ptr(k, pa + (at & (PAGE_SIZE - 1))), n);
		}
		done += n;
	}
	tlb_gather_finish(k);
	return (int64_t)done;
}
