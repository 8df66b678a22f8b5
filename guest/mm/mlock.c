/* mlock.c - mlock(2), mlock2, munlock, mlockall and munlockall, as Linux's
 * mm/mlock.c: VM_LOCKED on the VMAs of a range (split and merged as any
 * flag change), their pages faulted in at once or, with VM_LOCKONFAULT
 * (MLOCK_ONFAULT, MCL_ONFAULT), as they are touched; MCL_FUTURE puts the
 * flags on every later map (mm->def_flags). Reclaim leaves the pages of
 * a locked VMA in memory (reclaim.c), so they are Unevictable and
 * Mlocked in /proc/meminfo, VmLck in /proc/PID/status.
 *
 * RLIMIT_MEMLOCK (vmemu's own limit, as its other limits) bounds the
 * locked bytes of a process unless it has CAP_IPC_LOCK. A forked
 * child locks nothing, and execve starts unlocked. */
#include <errno.h>
#include <linux/capability.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include "kern.h"
#include "mm/internal.h"

#define VM_LOCKED_MASK (VM_LOCKED | VM_LOCKONFAULT)

uint64_t mlock_limit(struct kernel *k)
{
	uint64_t lim = rlimit(k, RLIMIT_MEMLOCK);
	return lim == RLIM_INFINITY ? UINT64_MAX : lim >> PAGE_SHIFT;
}

bool can_do_mlock(struct kernel *k)
{
	return mlock_limit(k) != 0 || capable(k, CAP_IPC_LOCK);
}

uint64_t mm_locked_vm(const struct mm *mm)
{
	uint64_t pages = 0;
	for (const struct vma *v = mm->vmas; v; v = v->next)
		if (v->flags & VM_LOCKED)
			pages += (v->end - v->start) >> PAGE_SHIFT;
	return pages;
}

/* The locked pages of [start, end) (Linux's count_mm_mlocked_page_nr). */
static uint64_t locked_in(const struct mm *mm, uint64_t start, uint64_t end)
{
	uint64_t pages = 0;
	for (const struct vma *v = vma_first_after(mm, start); v && v->start < end; v = v->next) {
		if (!(v->flags & VM_LOCKED))
			continue;
		uint64_t s = v->start > start ? v->start : start, e = v->end < end ? v->end : end;
		pages += (e - s) >> PAGE_SHIFT;
	}
	return pages;
}

int mlock_future_check(struct kernel *k, const struct mm *mm, unsigned flags, uint64_t len)
{
	if (!(flags & VM_LOCKED))
		return 0;
	uint64_t locked = (len >> PAGE_SHIFT) + mm_locked_vm(mm);
	return locked > mlock_limit(k) && !capable(k, CAP_IPC_LOCK) ? -EAGAIN : 0;
}

/* [s, e) of v gets lock flags `lock` (Linux's mlock_fixup). */
static int mlock_fixup(struct kernel *k, struct mm *mm, struct vma *v, uint64_t s, uint64_t e,
		       unsigned lock)
{
	unsigned flags = (v->flags & ~VM_LOCKED_MASK) | lock;
	if (v->flags & VM_DONTEXPAND)
		return 0; /* the kernel's pages: never counted as locked (VM_SPECIAL) */
	return flags == v->flags ? 0 : vma_modify_flags(k, mm, v, s, e, flags);
}

/* Linux's apply_vma_lock_flags: the VMAs of [start, end) in address
 * order; a hole is ENOMEM, after the parts before it changed. */
static int apply_vma_lock_flags(struct kernel *k, struct mm *mm, uint64_t start, uint64_t end,
				unsigned lock)
{
	for (uint64_t at = start; at < end;) {
		struct vma *v = vma_first_after(mm, at);
		if (!v || v->start > at)
			return -ENOMEM;
		uint64_t e = v->end < end ? v->end : end;
		int err = mlock_fixup(k, mm, v, at, e, lock);
		if (err)
			return err;
		at = e;
	}
	return 0;
}

int mm_mlock(struct kernel *k, struct mm *mm, uint64_t start, uint64_t len, unsigned lock)
{
	if (lock && !can_do_mlock(k))
		return -EPERM;
	uint64_t off = start & (PAGE_SIZE - 1);
	if (len > UINT64_MAX - off - PAGE_SIZE)
		return -EINVAL;
	len = (len + off + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	start -= off;
	uint64_t end = start + len;
	if (end < start)
		return -EINVAL;
	if (end == start)
		return 0;
	if (lock) {
		uint64_t locked = (len >> PAGE_SHIFT) + mm_locked_vm(mm);
		if (locked > mlock_limit(k) && !capable(k, CAP_IPC_LOCK))
			locked -= locked_in(mm, start, end); /* locked already: no charge */
		if (locked > mlock_limit(k) && !capable(k, CAP_IPC_LOCK))
			return -ENOMEM;
	}
	int err = apply_vma_lock_flags(k, mm, start, end, lock);
	tlb_gather_finish(k);
	if (err || !lock)
		return err;
	/* A page that cannot be had is ENOMEM, as mlock's POSIX errors say. */
	err = mm_populate(k, mm, start, end, false);
	tlb_gather_finish(k);
	return err ? -ENOMEM : 0;
}

/* Linux's apply_mlockall_flags: MCL_FUTURE for later maps, MCL_CURRENT
 * for every VMA now (their failures ignored, as Linux's). */
static void apply_mlockall_flags(struct kernel *k, struct mm *mm, int flags)
{
	unsigned onfault = flags & MCL_ONFAULT ? VM_LOCKONFAULT : 0;
	mm->def_flags &= ~VM_LOCKED_MASK;
	if (flags & MCL_FUTURE)
		mm->def_flags |= VM_LOCKED | onfault;
	if ((flags & MCL_FUTURE) && !(flags & MCL_CURRENT))
		return;
	unsigned lock = flags & MCL_CURRENT ? VM_LOCKED | onfault : 0;
	for (struct vma *v = mm->vmas, *next; v; v = next) {
		uint64_t end = v->end;
		mlock_fixup(k, mm, v, v->start, v->end, lock);
		next = vma_first_after(mm, end);
	}
	tlb_gather_finish(k);
}

int mm_mlockall(struct kernel *k, struct mm *mm, int flags)
{
	if (!flags || (flags & ~(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)) || flags == MCL_ONFAULT)
		return -EINVAL;
	if (!can_do_mlock(k))
		return -EPERM;
	uint64_t total_vm = 0;
	for (const struct vma *v = mm->vmas; v; v = v->next)
		total_vm += (v->end - v->start) >> PAGE_SHIFT;
	if ((flags & MCL_CURRENT) && total_vm > mlock_limit(k) && !capable(k, CAP_IPC_LOCK))
		return -ENOMEM;
	apply_mlockall_flags(k, mm, flags);
	if (flags & MCL_CURRENT) {
		mm_populate(k, mm, 0, USER_TOP, true);
		tlb_gather_finish(k);
	}
	return 0;
}

int mm_munlockall(struct kernel *k, struct mm *mm)
{
	apply_mlockall_flags(k, mm, 0);
	return 0;
}
