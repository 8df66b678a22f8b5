/* mm.c - address spaces: create and destroy, map, unmap, protect, and the
 * kernel's forced writes into a process image. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kern.h"
#include "mm/internal.h"

/* Linux's mmap_base without randomisation: TASK_SIZE minus the 128 MiB
 * minimum gap kept for the stack; exec moves it (mm_pick_mmap_layout). */
#define MMAP_BASE (USER_TOP - (128ULL << 20))
#define STACK_GUARD_GAP (256ULL << 12) /* Linux's stack_guard_gap: 256 pages */

struct mm *mm_create(struct kernel *k)
{
	struct mm *mm = calloc(1, sizeof(*mm));
	if (!mm)
		return NULL;
	mm->coredump_filter = MMF_DUMP_FILTER_DEFAULT;
	mm->pml4 = frame_alloc(k, 0);
	if (mm->pml4 == FRAME_NONE) {
		free(mm);
		return NULL;
	}
	mm->users = 1;
	mm->dumpable = SUID_DUMP_USER;
	mm->pt_pages = 1;
	k->stats.page_table_pages++;
	init_new_context(k, mm);
	mm->mmap_base = MMAP_BASE;
	mm->task_size = task_size_max(k);
	mm->next = k->mms;
	if (k->mms)
		k->mms->prev = mm;
	k->mms = mm;
	return mm;
}

void mm_destroy(struct kernel *k, struct mm *mm)
{
	filemap_unmap_range(k, mm, 0, mm->task_size); /* exit writes shared maps back */
	pgtable_free_all(k, mm);
	k->stats.page_table_pages -= mm->pt_pages;
	destroy_context(k, mm);
	vma_free_all(k, mm);
	userfaultfd_mm_exit(mm);
	*(mm->prev ? &mm->prev->next : &k->mms) = mm->next;
	if (mm->next)
		mm->next->prev = mm->prev;
	free(mm);
}

void mm_put(struct kernel *k, struct mm *mm)
{
	if (--mm->users == 0)
		mm_destroy(k, mm);
}

uint64_t mm_hiwater_rss(const struct mm *mm)
{
	return mm->rss_pages > mm->hiwater_rss ? mm->rss_pages : mm->hiwater_rss;
}

void mm_reset_hiwater_rss(struct mm *mm)
{
	mm->hiwater_rss = mm->rss_pages;
}

void mm_zap_range(struct kernel *k, struct mm *mm, uint64_t start, uint64_t end)
{
	filemap_unmap_range(k, mm, start, end);
	pgtable_unmap_range(k, mm, start, end);
}

int mm_unmap(struct kernel *k, struct mm *mm, uint64_t start, uint64_t len)
{
	uint64_t end = start + len;
	struct vma *v = vma_first_after(mm, start);
	if (!v || v->start >= end)
		return 0;
	/* A hole punched inside one VMA adds one: Linux refuses it at the
	 * limit (other splits are let through, the unmap frees them). */
	if (start > v->start && end < v->end && mm->map_count >= k->vm.max_map_count)
		return -ENOMEM;
	if (!vma_may_split(mm, start) || !vma_may_split(mm, end))
		return -EINVAL;
	if (vma_split_at(k, mm, start, end))
		return -ENOMEM;
	mm_zap_range(k, mm, start, end);
	vma_remove_range(k, mm, start, end);
	return 0;
}

int64_t mm_map(struct kernel *k, struct mm *mm, uint64_t start, uint64_t len, unsigned flags,
	       bool fixed)
{
	return mm_map_pages(k, mm, start, len, flags, fixed, NULL, 0, NULL);
}

int64_t mm_map_pages(struct kernel *k, struct mm *mm, uint64_t start, uint64_t len,
		     unsigned flags, bool fixed, struct mapping *m, uint64_t pgoff, struct file *file)
{
	if (mm->map_count > k->vm.max_map_count)
		return -ENOMEM; /* Linux's do_mmap: "Too many mappings?" */
	if (!may_expand_vm(k, mm, flags, start, len))
		return -ENOMEM; /* RLIMIT_AS, RLIMIT_DATA (mmap_region) */
	/* Linux's accountable_mapping: private, writable, not MAP_NORESERVE. */
	if ((flags & (VM_NORESERVE | VM_SHARED | VM_WRITE | VM_HUGETLB)) == VM_WRITE)
		flags |= VM_ACCOUNT; /* hugetlb maps reserve from their pool instead */
	flags |= mm->def_flags; /* mlockall(MCL_FUTURE) */
	if (fixed) {
		int err = mm_unmap(k, mm, start, len);
		if (err)
			return err;
	} else if (vma_overlaps(mm, start, start + len)) {
		return -EEXIST;
	}
	/* Charged after the old maps went, as Linux's mmap_region. */
	if ((flags & VM_ACCOUNT) && vm_enough_memory(k, mm, len >> PAGE_SHIFT))
		return -ENOMEM;
	struct vma *v = vma_insert(mm, start, start + len, flags);
	if (!v)
		return -ENOMEM;
	/* A file's offset, a private map of /dev/zero's too (Linux's
	 * mmap_zero leaves vm_file and vm_pgoff to it). */
	if (file)
		v->pgoff = pgoff;
	vma_set_file(k, v, file);
	if (m) {
		mapping_get(m);
		v->pgoff = pgoff;
	} else if (flags & VM_SHARED) {
		/* A file of hugetlbfs, or of shmem (Linux's shmem_zero_setup). */
		m = !(flags & VM_HUGETLB) ? shmem_create(k, len)
		    : hugetlb_file_create(k, (flags & VM_HUGETLB_1G) ? HSTATE_1G : HSTATE_2M, len);
		if (!m) {
			vma_remove_range(k, mm, start, start + len);
			return -ENOMEM;
		}
		v->pgoff = 0;
	}
	v->mapping = m;
	vma_merge_range(k, mm, start, start + len);
	return (int64_t)start;
}

/* Linux's mmap_base (x86, no randomisation): below the stack, a gap of
 * its limit and the guard gap, at least 128 MiB and at most 5/6 of user
 * space (so an unlimited stack takes the most; Linux's legacy bottom-up
 * layout is not kept here). */
void mm_pick_mmap_layout(struct mm *mm, uint64_t stack_limit)
{
	const uint64_t gap_min = 128ULL << 20, gap_max = USER_TOP / 6 * 5;
	uint64_t gap = stack_limit + STACK_GUARD_GAP > stack_limit ? stack_limit + STACK_GUARD_GAP
								   : stack_limit;
	gap = gap < gap_min ? gap_min : gap > gap_max ? gap_max : gap;
	mm->mmap_base = (USER_TOP - gap + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
}

uint64_t mm_get_unmapped_area(struct kernel *k, struct mm *mm, uint64_t hint, uint64_t len)
{
	/* vm.mmap_min_addr rounded up to a page, as Linux's mmap_min_addr_handler. */
	uint64_t low = ((uint64_t)k->vm.mmap_min_addr + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	if (hint >= low && len <= mm->task_size && hint <= mm->task_size - len &&
	    !vma_overlaps(mm, hint, hint + len))
		return hint;
	/* A hint above the 47-bit window opens the space above it (Linux's
	 * arch_get_unmapped_area_topdown with 5-level paging). */
	if (hint > USER_TOP && mm->task_size > USER_TOP) {
		uint64_t high = vma_gap_topdown(mm, low, mm->task_size, len);
		if (high)
			return high;
	}
	/* Top-down: the highest gap below mmap_base that fits. */
	return vma_gap_topdown(mm, low, mm->mmap_base, len);
}

uint64_t mm_get_unmapped_area_thp(struct kernel *k, struct mm *mm, uint64_t len)
{
	uint64_t at = mm_get_unmapped_area(k, mm, 0, len + PAGE_SIZE_2M);
	if (!at)
		return mm_get_unmapped_area(k, mm, 0, len);
	/* Top-down: an area found aligned gives its upper part, so the gap
	 * stays below it (__thp_get_unmapped_area). */
	uint64_t up = (0 - at) & (PAGE_SIZE_2M - 1);
	return at + (up ? up : PAGE_SIZE_2M);
}

/* A shared file map is writable in its PTEs only once a write fault has
 * dirtied the page (write-notify): mprotect leaves W to that fault. The
 * page stays present read-only meanwhile, a write-only map too (x86 has
 * no write-only pages; Linux maps those as its private read-only prot). */
static unsigned pte_flags(const struct vma *v)
{
	bool notify = (v->flags & VM_SHARED) && v->mapping && !v->mapping->anon;
	if (!notify || !(v->flags & VM_WRITE))
		return v->flags;
	return (v->flags & ~VM_WRITE) | VM_READ;
}

int mm_protect(struct kernel *k, struct mm *mm, uint64_t start, uint64_t len, unsigned prot)
{
	uint64_t end = start + len, at = start;
	struct vma *v = vma_first_after(mm, start);
	if (!v || v->start > start)
		return -ENOMEM;
	/* VMA by VMA as Linux goes: those before a hole or a refused one
	 * keep their new protection. */
	int err = 0;
	while (at < end) {
		if (!v || v->start > at) {
			err = -ENOMEM; /* a hole */
			break;
		}
		/* PROT_WRITE on a shared map of a file not open for writing
		 * (or a memfd sealed against it); MAP_ANONYMOUS shared memory
		 * has no file to ask. */
		if ((prot & VM_WRITE) && (v->flags & VM_SHARED) && v->mapping &&
		    (!v->mapping->anon || v->vm_file) && !(v->flags & VM_MAYWRITE)) {
			err = -EACCES;
			break;
		}
		/* The vDSO's data pages have no VM_MAYWRITE, VM_MAYEXEC. */
		if ((prot & (VM_WRITE | VM_EXEC)) && (v->flags & VM_PFNMAP)) {
			err = -EACCES;
			break;
		}
		/* A merge may have joined v to what was done already. */
		uint64_t e = v->end < end ? v->end : end;
		unsigned flags = (v->flags & ~(VM_READ | VM_WRITE | VM_EXEC)) | prot;
		/* Memory turning into data passes RLIMIT_DATA (mprotect_fixup). */
		if ((prot & VM_WRITE) && !may_expand_vm(k, mm, flags, at, e - at) &&
		    may_expand_vm(k, mm, v->flags, at, e - at)) {
			err = -ENOMEM;
			break;
		}
		/* Private memory becoming writable is charged from now on; the
		 * charge goes again only from anonymous memory never written
		 * (no anon_vma), as in Linux's mprotect_fixup. */
		if ((prot & VM_WRITE) &&
		    !(v->flags & (VM_ACCOUNT | VM_WRITE | VM_SHARED | VM_NORESERVE))) {
			if (vm_enough_memory(k, mm, (e - at) >> PAGE_SHIFT)) {
				err = -ENOMEM;
				break;
			}
			flags |= VM_ACCOUNT;
		} else if (!(prot & VM_WRITE) && !v->mapping && !v->anon_vma) {
			flags &= ~VM_ACCOUNT;
		}
		if (flags != v->flags) {
			err = vma_modify_flags(k, mm, v, at, e, flags);
			if (err)
				break;
			pgtable_protect_range(k, mm, at, e, pte_flags(vma_find(mm, at)));
		}
		at = e;
		v = vma_first_after(mm, at);
	}
	return err;
}

/* The frame behind va, faulted in as a write would (our own copy) or a
 * read would: 0, or -EFAULT (no VMA; a read that cannot fault the page
 * in), -ENOMEM, -EIO (a write's file page could not be read). A huge page
 * is used in place, as Linux's get_user_pages uses it, not split. */
static int force_page(struct kernel *k, struct mm *mm, uint64_t va, bool write, uint64_t *pa)
{
	struct vma *vma = vma_find(mm, va);
	if (!vma)
		return -EFAULT;
	uint64_t size, pte = pgtable_page_pte(k, mm, va, &size);
	/* A write needs our own page (not missing, swapped, shared, a zero
	 * page or a clean shared file page); a read any present one. A
	 * hugetlb page's references are on its first frame. */
	uint64_t old = pte & PTE_ADDR_MASK;
	uint64_t ref = pmd_hugetlb(pte) ? old & ~(size - 1) : old;
	bool ready = (pte & PTE_P) &&
		     (!write || ((vma->flags & VM_SHARED) ? (pte & PTE_W) != 0
							  : !is_zero_page(k, old) && frame_refcount(k, ref) == 1));
	enum fault_kind kind;
	int err = ready ? 0 : handle_pte_fault(k, mm, vma, va, write ? MMU_WRITE : MMU_READ, &kind);
	if (err && !write)
		return -EFAULT;
	if (err) /* the file could not be read: EIO, as Linux's exec */
		return err == FAULT_SIGBUS ? -EIO : -ENOMEM;
	pte = pgtable_page_pte(k, mm, va, &size);
	if (!(pte & (PTE_P | PTE_SW_PROTNONE))) /* PROT_NONE keeps its frame */
		return -EFAULT;
	*pa = pte & PTE_ADDR_MASK;
	return 0;
}

/* mm_write_force and mm_read_force: page by page through force_page. */
static int access_force(struct kernel *k, struct mm *mm, uint64_t va, uint8_t *buf, uint64_t len,
			bool write)
{
	while (len > 0) {
		uint64_t pa;
		int err = force_page(k, mm, va, write, &pa);
		if (err)
			return err;
		uint64_t off = va & (PAGE_SIZE - 1);
		uint64_t n = PAGE_SIZE - off < len ? PAGE_SIZE - off : len;
		if (write) {
			memcpy(phys_ptr(k, pa + off), buf, n);
			frame_written(k, pa);
		} else {
			memcpy(buf, phys_ptr(k, pa + off), n);
		}
		buf += n;
		va += n;
		len -= n;
	}
	return 0;
}

int mm_write_force(struct kernel *k, struct mm *mm, uint64_t va, const void *src, uint64_t len)
{
	return access_force(k, mm, va, (uint8_t *)src, len, true);
}

int mm_read_force(struct kernel *k, struct mm *mm, uint64_t va, void *dst, uint64_t len)
{
	return access_force(k, mm, va, dst, len, false);
}

void mm_reap(struct kernel *k, struct mm *mm)
{
	for (struct vma *v = mm->vmas; v; v = v->next)
		if (!(v->flags & VM_SHARED))
			mm_zap_range(k, mm, v->start, v->end);
	tlb_gather_finish(k);
}
