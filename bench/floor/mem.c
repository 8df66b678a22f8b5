/* mem.c - the floor runner's memory calls. brk moves within its region;
 * mmap is a bump allocator in its own region, whose pointer moves back when
 * the block at the top is unmapped (the common map/unmap pair). A file map
 * is the host's own private map of the file, placed in the buffer. Freed
 * memory is replaced by fresh anonymous host memory, so it reads as zeros
 * when handed out again, as new anonymous memory must. */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "floor.h"

static void discard(struct floor *f, uint64_t va, uint64_t len)
{
	if (!len)
		return;
	mmap(f->mem + va, len, PROT_READ | PROT_WRITE,
	     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
	madvise(f->mem + va, len, MADV_HUGEPAGE); /* as vmemu's guest memory */
}

int64_t floor_brk(struct floor *f, uint64_t addr)
{
	if (addr >= f->brk_start && addr <= FLOOR_MMAP_BASE) {
		uint64_t old_end = floor_page_up(f->brk), new_end = floor_page_up(addr);
		if (new_end < old_end)
			discard(f, new_end, old_end - new_end);
		f->brk = addr;
	}
	return (int64_t)f->brk;
}

static int64_t bump(struct floor *f, uint64_t len)
{
	if (len > FLOOR_MMAP_END - f->mmap_top)
		return -ENOMEM;
	uint64_t va = f->mmap_top;
	f->mmap_top += len;
	return (int64_t)va;
}

int64_t floor_mmap(struct floor *f, uint64_t addr, uint64_t len, int prot, int flags, int fd,
		   int64_t off)
{
	(void)prot;
	if (len == 0)
		return -EINVAL;
	len = floor_page_up(len);
	int64_t va;
	if (flags & MAP_FIXED) {
		if (!floor_ptr(f, addr, len) || (addr & (FLOOR_PAGE - 1)))
			return -EINVAL;
		discard(f, addr, len);
		va = (int64_t)addr;
	} else if ((va = bump(f, len)) < 0) {
		return va;
	}
	/* Private even when the guest asks for MAP_SHARED: these programs
	 * never write to a shared map. */
	if (!(flags & MAP_ANONYMOUS) &&
	    mmap(f->mem + va, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd, off) ==
		    MAP_FAILED) {
		int err = errno;
		floor_munmap(f, (uint64_t)va, len);
		return -err;
	}
	return va;
}

int64_t floor_munmap(struct floor *f, uint64_t addr, uint64_t len)
{
	len = floor_page_up(len);
	if (!floor_ptr(f, addr, len) || (addr & (FLOOR_PAGE - 1)))
		return -EINVAL;
	discard(f, addr, len);
	if (addr + len == f->mmap_top)
		f->mmap_top = addr;
	return 0;
}

int64_t floor_mremap(struct floor *f, uint64_t old, uint64_t old_len, uint64_t new_len,
		     int flags)
{
	old_len = floor_page_up(old_len);
	new_len = floor_page_up(new_len);
	if (!floor_ptr(f, old, old_len) || new_len == 0)
		return -EINVAL;
	bool top = old + old_len == f->mmap_top;
	if (new_len <= old_len) {
		discard(f, old + new_len, old_len - new_len);
		if (top)
			f->mmap_top = old + new_len;
		return (int64_t)old;
	}
	if (top && new_len - old_len <= FLOOR_MMAP_END - f->mmap_top) {
		f->mmap_top = old + new_len;
		return (int64_t)old;
	}
	if (!(flags & MREMAP_MAYMOVE))
		return -ENOMEM;
	int64_t va = bump(f, new_len);
	if (va < 0)
		return va;
	memcpy(f->mem + va, f->mem + old, old_len);
	discard(f, old, old_len);
	return va;
}

int64_t floor_madvise(struct floor *f, uint64_t addr, uint64_t len, int advice)
{
	if (!floor_ptr(f, addr, len))
		return -EINVAL;
	return madvise(f->mem + addr, len, advice) ? -errno : 0;
}
