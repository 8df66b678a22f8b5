/* proc_pid_mem.c - the binary files of /proc/PID: pagemap (one 64-bit
 * entry per virtual page, at offset page number * 8) and mem (the
 * address space itself, at offset = address), as Linux's
 * fs/proc/task_mmu.c and fs/proc/base.c serve them. */
#include <errno.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <unistd.h>

#include "fs/internal.h"
#include "kern.h"
#include "mm/mm.h"
#include "task/task.h"

/* A pagemap entry (Documentation/admin-guide/mm/pagemap.rst). */
#define PM_ENTRY_BYTES 8
#define PM_PFRAME_MASK ((1ULL << 55) - 1)
#define PM_SOFT_DIRTY (1ULL << 55)
#define PM_MMAP_EXCLUSIVE (1ULL << 56)
#define PM_FILE (1ULL << 61)
#define PM_SWAP (1ULL << 62)
#define PM_PRESENT (1ULL << 63)
#define MAX_SWAPFILES_SHIFT 5
#define PAGEMAP_BATCH 512 /* entries copied out at a time */

/* pagemap_pte_range: a present page's frame (shown to root only, as
 * CAP_SYS_ADMIN decides at open; here the caller's), a swapped one's
 * type and offset; file or shared memory pages are PM_FILE, a page
 * mapped by one PTE only is PM_MMAP_EXCLUSIVE. The parts of a huge page
 * show its frames one by one (pagemap_pmd_range, pagemap_hugetlb_range). */
static uint64_t pagemap_entry(struct kernel *k, struct mm *mm, uint64_t va, bool show_pfn)
{
	struct page_info pi;
	page_info_at(k, mm, va, &pi);
	uint64_t e = 0;
	if (pi.present) {
		e = PM_PRESENT | (show_pfn ? pi.pfn & PM_PFRAME_MASK : 0);
		if (pi.normal && !pi.anon)
			e |= PM_FILE;
		if (pi.normal && pi.mapcount == 1)
			e |= PM_MMAP_EXCLUSIVE;
	} else if (pi.swapped) {
		e = PM_SWAP | ((pi.swap_slot << MAX_SWAPFILES_SHIFT) & PM_PFRAME_MASK);
		if (pi.swapcount == 1)
			e |= PM_MMAP_EXCLUSIVE;
	}
	return e;
}

/* pagemap_read: whole entries only (EINVAL), none past the top of user
 * space, an exited process reads as empty. */
int64_t proc_pagemap_read(struct kernel *k, struct process *p, struct uio *u, uint64_t pos)
{
	if (!p->mm)
		return 0;
	if (pos % PM_ENTRY_BYTES || u->left % PM_ENTRY_BYTES)
		return -EINVAL;
	uint64_t first = pos / PM_ENTRY_BYTES, last = USER_TOP >> PAGE_SHIFT;
	uint64_t buf[PAGEMAP_BATCH];
	int64_t done = 0;
	bool show_pfn = capable(k, CAP_SYS_ADMIN);
	for (uint64_t pfn = first; pfn < last && u->left;) {
		size_t n = 0;
		for (; n < PAGEMAP_BATCH && pfn < last && n * PM_ENTRY_BYTES < u->left; n++, pfn++)
			buf[n] = pagemap_entry(k, p->mm, pfn << PAGE_SHIFT, show_pfn);
		size_t copied = uio_copy(k, u, buf, n * PM_ENTRY_BYTES, true);
		done += (int64_t)copied;
		if (copied < n * PM_ENTRY_BYTES)
			return done ? done : -EFAULT;
	}
	return done;
}

/* mem_rw: through a bounce buffer a page at a time; an address that
 * cannot be reached ends the call (EIO when it is the first). */
static int64_t mem_rw(struct kernel *k, struct process *p, struct uio *u, uint64_t pos,
		      bool write)
{
	if (!p->mm || !u->left)
		return 0;
	static uint8_t page[PAGE_SIZE];
	int64_t done = 0;
	while (u->left) {
		uint64_t n = u->left < PAGE_SIZE ? u->left : PAGE_SIZE;
		int64_t got;
		if (write) {
			struct uio peek = *u;
			n = uio_copy(k, &peek, page, n, false);
			if (!n)
				return done ? done : -EFAULT;
			got = access_remote_vm(k, p->mm, pos, page, n, true);
			uio_skip(u, (uint64_t)got);
		} else {
			got = access_remote_vm(k, p->mm, pos, page, n, false);
			if (got && uio_copy(k, u, page, (size_t)got, true) < (size_t)got)
				return done ? done : -EFAULT;
		}
		done += got;
		pos += (uint64_t)got;
		if ((uint64_t)got < n)
			break;
	}
	return done ? done : -EIO;
}

int64_t proc_mem_read(struct kernel *k, struct process *p, struct uio *u, uint64_t pos)
{
	return mem_rw(k, p, u, pos, false);
}

int64_t proc_mem_write(struct kernel *k, struct process *p, struct uio *u, uint64_t pos)
{
	return mem_rw(k, p, u, pos, true);
}
