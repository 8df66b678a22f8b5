/* sys_mm.c - brk, mmap, munmap, mprotect, madvise, msync, mincore, mremap:
 * argument checks as Linux does them, then the address-space operations
 * of mm.c and mremap.c and the page cache's (filemap.c). */
#include <errno.h>
#include <linux/capability.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fs/fs.h"
#include "kern.h"
#include "mm/mm.h"
#include "sys/sys.h"
#include "task/task.h"

#define PAGE_MASK (~(PAGE_SIZE - 1))

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25 /* Linux 6.1 */
#endif

static uint64_t page_align_up(uint64_t x)
{
	return (x + PAGE_SIZE - 1) & PAGE_MASK;
}

static bool range_ok(const struct kernel *k, uint64_t addr, uint64_t len)
{
	return addr <= task_size_max(k) && len <= task_size_max(k) - addr;
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
		if (mlock_future_check(k, mm, mm->def_flags, new_end - old_end) ||
		    mm_map(k, mm, old_end, new_end - old_end, VM_READ | VM_WRITE | VM_HEAP, false) < 0)
			return (int64_t)mm->brk;
		if (mm->def_flags & VM_LOCKED) { /* mlockall(MCL_FUTURE) */
			mm_populate(k, mm, old_end, new_end, true);
			tlb_gather_finish(k);
		}
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

/* Linux's checks for a file map of mmap's arguments a (x86's sys_mmap,
 * do_mmap): the offset, the fd, a kind of file that can be mapped, the
 * access the file was opened with. *m is the file's page cache, *file
 * the file the VMA keeps (Linux's vm_file); VM_MAYWRITE joins *vm_flags
 * for a shared map of a file open for writing. A map of /dev/zero is
 * anonymous memory, as Linux's mmap_zero makes it: *m stays NULL, and a
 * private map keeps /dev/zero as its file, while a shared one is a new
 * shared object with none of its own here (Linux's shmem_zero_setup
 * gives it an unlinked shmem file). Other character
 * devices have no mmap here (ENODEV), as /dev/null and ttys on Linux. */
static int64_t file_map_check(struct kernel *k, const uint64_t a[6], uint64_t len, bool shared,
			      struct mapping **m, unsigned *vm_flags, struct file **file)
{
	uint64_t off = a[5];
	if (off & ~PAGE_MASK)
		return -EINVAL;
	struct file *f = fd_arg(k, a[4]);
	int fl = f ? file_get_flags(f) : -EBADF;
	if (fl < 0 || (fl & O_PATH))
		return -EBADF;
	bool zero = file_is_dev_zero(f);
	if (f->kind == FILE_MEMFD) {
		*m = memfd_map(f, shared, vm_flags);
		if (!*m)
			return -EPERM; /* sealed against writing */
	} else if (!zero) {
		*m = filemap_of(k, f);
	}
	if (!*m && !zero)
		return -ENODEV;
	*file = zero && shared ? NULL : f;
	int acc = fl & O_ACCMODE;
	if (acc == O_WRONLY || (shared && (*vm_flags & VM_WRITE) && acc != O_RDWR))
		return -EACCES;
	if (off + len < off)
		return -EOVERFLOW;
	if (shared && acc == O_RDWR && f->kind != FILE_MEMFD && !zero)
		*vm_flags |= VM_MAYWRITE;
	return 0;
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
	if (len > task_size_max(k))
		return -ENOMEM;
	len = page_align_up(len);
	unsigned vm_flags = prot_to_vm(prot);
	if (flags & MAP_LOCKED) {
		if (!can_do_mlock(k))
			return -EPERM;
		vm_flags |= VM_LOCKED;
	}
	if (mlock_future_check(k, mm, vm_flags | mm->def_flags, len))
		return -EAGAIN;
	struct mapping *m = NULL;
	struct file *file = NULL;
	if (!(flags & MAP_ANONYMOUS)) {
		int64_t err = file_map_check(k, a, len, type != MAP_PRIVATE, &m, &vm_flags, &file);
		if (err)
			return err;
	}
	bool fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE);
	int64_t err = hugetlb_map_check(k, flags, m, a[5] >> PAGE_SHIFT, &len, addr, fixed, &vm_flags);
	if (err)
		return err;
	if (fixed) {
		if (addr & ~PAGE_MASK)
			return -EINVAL;
		if (!range_ok(k, addr, len))
			return -ENOMEM;
		/* Linux's cap_mmap_addr: below vm.mmap_min_addr only with
		 * CAP_SYS_RAWIO (root's). */
		if (addr < (uint64_t)k->vm.mmap_min_addr && !capable(k, CAP_SYS_RAWIO))
			return -EPERM;
	} else if (vm_flags & VM_HUGETLB) {
		/* At a page boundary (Linux's hugetlb_get_unmapped_area). */
		uint64_t size = hugetlb_page_size(vm_flags);
		addr = mm_get_unmapped_area(k, mm, addr & PAGE_MASK, len + size);
		if (!addr)
			return -ENOMEM;
		addr = (addr + size - 1) & ~(size - 1);
	} else if ((flags & MAP_ANONYMOUS) && type == MAP_PRIVATE && !addr &&
		   !(len & (PAGE_SIZE_2M - 1))) {
		addr = mm_get_unmapped_area_thp(k, mm, len);
		if (!addr)
			return -ENOMEM;
	} else {
		addr = mm_get_unmapped_area(k, mm, addr & PAGE_MASK, len);
		if (!addr)
			return -ENOMEM;
	}
	if (flags & MAP_GROWSDOWN)
		vm_flags |= VM_GROWSDOWN;
	if (flags & MAP_NORESERVE)
		vm_flags |= VM_NORESERVE; /* Linux honours it unless overcommit is off */
	if (type != MAP_PRIVATE)
		vm_flags |= VM_SHARED;
	/* --inject mmap: refused where Linux checks RLIMIT_AS (may_expand_vm). */
	if (fail_now(k, FAIL_MMAP))
		return -ENOMEM;
	/* NOREPLACE wins over MAP_FIXED: an overlap is EEXIST, as on Linux. */
	bool replace = (flags & MAP_FIXED) && !(flags & MAP_FIXED_NOREPLACE);
	int64_t ret =
		mm_map_pages(k, mm, addr, len, vm_flags, replace, m, a[5] >> PAGE_SHIFT, file);
	if (ret >= 0 && (vm_flags & VM_HUGETLB) &&
	    hugetlb_mmap(k, mm, addr, addr + len, flags & MAP_NORESERVE)) {
		mm_unmap(k, mm, addr, len);
		ret = -ENOMEM;
	}
	tlb_gather_finish(k);
	/* MAP_POPULATE and a locked map fault the pages in now; a failure
	 * is not reported. */
	unsigned lock = (vm_flags | mm->def_flags) & (VM_LOCKED | VM_LOCKONFAULT);
	if (ret >= 0 && ((flags & (MAP_POPULATE | MAP_NONBLOCK)) == MAP_POPULATE || lock == VM_LOCKED)) {
		mm_populate(k, mm, addr, addr + len, true);
		tlb_gather_finish(k);
	}
	return ret;
}

int64_t sys_munmap(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	uint64_t addr = a[0], len = a[1];
	if ((addr & ~PAGE_MASK) || len == 0)
		return -EINVAL;
	len = page_align_up(len);
	if (!range_ok(k, addr, len))
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
	if (!range_ok(k, addr, len))
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
	switch (advice) {
	case MADV_DONTNEED:
	case MADV_FREE:
	case MADV_WILLNEED:
	case MADV_NORMAL:
	case MADV_RANDOM:
	case MADV_SEQUENTIAL:
	case MADV_HUGEPAGE:
	case MADV_NOHUGEPAGE:
	case MADV_COLLAPSE:
	case MADV_DONTFORK:
	case MADV_DOFORK:
	case MADV_DONTDUMP:
	case MADV_DODUMP:
	case MADV_POPULATE_READ:
	case MADV_POPULATE_WRITE:
	case MADV_WIPEONFORK:
	case MADV_KEEPONFORK:
	case MADV_COLD:
	case MADV_PAGEOUT:
		break;
	default:
		return -EINVAL;
	}
	if (addr & ~PAGE_MASK)
		return -EINVAL;
	if (!range_ok(k, addr, len))
		return -EINVAL;
	if (len == 0)
		return 0;
	int64_t ret = mm_madvise(k, k->current->mm, addr, addr + len, advice);
	tlb_gather_finish(k);
	return ret;
}

/* Shared file maps in the range are written back (MS_ASYNC too: the
 * write to the host file is cheap, and Dirty then says what it should);
 * MS_SYNC also waits for the host file to reach its disk (fsync), as
 * Linux's msync waits for the writeback I/O; MS_INVALIDATE has nothing to
 * drop, the maps see the cache. */
int64_t sys_msync(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	uint64_t start = a[0], len = page_align_up(a[1]);
	uint64_t flags = a[2];
	if (flags & ~(uint64_t)(MS_ASYNC | MS_INVALIDATE | MS_SYNC))
		return -EINVAL;
	if ((start & ~PAGE_MASK) || ((flags & MS_ASYNC) && (flags & MS_SYNC)))
		return -EINVAL;
	if (start + len < start || a[1] > task_size_max(k))
		return -ENOMEM;
	struct mm *mm = k->current->mm;
	uint64_t end = start + len;
	int64_t ret = vma_covers(mm, start, end) ? 0 : -ENOMEM;
	for (struct vma *v = mm->vmas; v && v->start < end; v = v->next) {
		if (v->end <= start)
			continue;
		uint64_t s = v->start > start ? v->start : start, e = v->end < end ? v->end : end;
		if ((v->flags & VM_SHARED) && v->mapping && (flags & (MS_ASYNC | MS_SYNC)) &&
		    filemap_writeback(k, v->mapping, v->pgoff + ((s - v->start) >> PAGE_SHIFT),
				      v->pgoff + ((e - v->start) >> PAGE_SHIFT) - 1))
			return -EIO;
		if ((v->flags & VM_SHARED) && v->mapping && v->mapping->fd >= 0 &&
		    (flags & MS_SYNC) && fsync(v->mapping->fd) < 0)
			return -EIO;
	}
	return ret;
}

/* 1 when the page is in memory: mapped (the zero page and the parts of a
 * huge page too), in the swap cache, or in the page cache of the file a
 * map shows. */
static uint8_t page_resident(struct kernel *k, struct mm *mm, const struct vma *v, uint64_t va)
{
	uint64_t size, pte = pgtable_page_pte(k, mm, va, &size);
	if (pte_is_swap(pte))
		return k->swap.cache[swp_offset(pte)] != 0;
	if (pte)
		return 1;
	return v->mapping &&
	       pagecache_lookup(k, v->mapping, v->pgoff + ((va - v->start) >> PAGE_SHIFT));
}

#define MINCORE_CHUNK 512 /* bytes of the vector filled per copy */

int64_t sys_mincore(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	uint64_t va = a[0], len = a[1], vec = a[2];
	if (va & ~PAGE_MASK)
		return -EINVAL;
	if (!range_ok(k, va, len))
		return -ENOMEM;
	struct mm *mm = k->current->mm;
	uint64_t pages = page_align_up(len) >> PAGE_SHIFT;
	uint8_t buf[MINCORE_CHUNK];
	while (pages > 0) {
		const struct vma *v = vma_find(mm, va);
		if (!v)
			return -ENOMEM;
		uint64_t n = (v->end - va) >> PAGE_SHIFT;
		if (n > pages)
			n = pages;
		if (n > MINCORE_CHUNK)
			n = MINCORE_CHUNK;
		for (uint64_t i = 0; i < n; i++)
			buf[i] = page_resident(k, mm, v, va + (i << PAGE_SHIFT));
		if (copy_to_user(k, vec, buf, n))
			return -EFAULT;
		vec += n;
		va += n << PAGE_SHIFT;
		pages -= n;
	}
	return 0;
}

/* mremap(old, old_len, new_len, flags, new): the checks of Linux's
 * check_mremap_params, in its order; mm_remap does the rest. */
int64_t sys_mremap(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	uint64_t old = a[0], flags = a[3], new = a[4];
	/* PAGE_ALIGN first: a length past the top wraps to 0. */
	uint64_t old_len = page_align_up(a[1]), new_len = page_align_up(a[2]);
	if (flags & ~(uint64_t)(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP))
		return -EINVAL;
	if (old & ~PAGE_MASK)
		return -EINVAL;
	if (new_len == 0 || new_len > task_size_max(k))
		return -EINVAL;
	/* Both name a new address: MREMAP_DONTUNMAP's is a hint. */
	if (flags & (MREMAP_FIXED | MREMAP_DONTUNMAP)) {
		if (new > task_size_max(k) - new_len || (new & ~PAGE_MASK) || !(flags & MREMAP_MAYMOVE))
			return -EINVAL;
		if ((flags & MREMAP_DONTUNMAP) && old_len != new_len)
			return -EINVAL; /* a move, never a resize */
		if (old + old_len > new && new + new_len > old)
			return -EINVAL; /* old and new overlap */
		/* Room for both unmaps to split a VMA in three, and the move
		 * (Linux 6.18's check, before any unmap). */
		if (k->current->mm->map_count + 2 >= k->vm.max_map_count - 3)
			return -ENOMEM;
	}
	struct mm *mm = k->current->mm;
	int64_t ret = mm_remap(k, mm, old, old_len, new_len, flags, new);
	tlb_gather_finish(k);
	return ret;
}

/* mlock(2), mlock2(2) (MLOCK_ONFAULT), munlock(2), mlockall(2), munlockall(2). */
int64_t sys_mlock(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return mm_mlock(k, k->current->mm, a[0], a[1], VM_LOCKED);
}

int64_t sys_mlock2(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	if (a[2] & ~(uint64_t)MLOCK_ONFAULT)
		return -EINVAL;
	unsigned lock = VM_LOCKED | (a[2] & MLOCK_ONFAULT ? VM_LOCKONFAULT : 0);
	return mm_mlock(k, k->current->mm, a[0], a[1], lock);
}

int64_t sys_munlock(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return mm_mlock(k, k->current->mm, a[0], a[1], 0);
}

int64_t sys_mlockall(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return mm_mlockall(k, k->current->mm, (int)a[0]);
}

int64_t sys_munlockall(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	(void)a;
	return mm_munlockall(k, k->current->mm);
}
