/* uaccess.c - the kernel touches user memory through the MMU (rule 4):
 * supervisor accesses with SMAP lifted (as after STAC), taking the normal
 * fault path, so a not-yet-touched page is faulted in and a bad pointer
 * gives -EFAULT.
 *
 * The kernel side of a copy may itself be guest memory: read(2) copies
 * from a page-cache frame, and the user's buffer may be a shared map of
 * that very frame. Linux's copy_to_user and copy_from_user copy forward
 * (rep movsb, or words in order), so every copy here does the same,
 * overlap or not (copy_forward). */
#include <errno.h>
#include <string.h>

#include "kern.h"
#include "mm/internal.h"

/* Translates one user page for the kernel, faulting it in if need be.
 * Returns a host pointer to uva, or NULL for -EFAULT. */
static uint8_t *user_page(struct kernel *k, uint64_t uva, enum mmu_access access)
{
	if (uva >= task_size_max(k))
		return NULL;
	struct mmu_req req = {.va = uva, .access = access, .user = false, .rflags_ac = true};
	struct mmu_translation t;
	struct mmu_fault f;
	for (int tries = 0; tries < 3; tries++) {
		if (mmu_translate(&k->mmu, &req, &t, &f, NULL)) {
			if (!t.user)
				return NULL;
			if (access == MMU_WRITE)
				frame_written(k, t.page_pa);
			return phys_ptr(k, t.pa);
		}
		if (!handle_page_fault(k, &f, access, false))
			return NULL;
	}
	return NULL;
}

/* Copies n bytes from src to dst front to back, as the CPU's rep movsb
 * does even when the two overlap: with dst above src, bytes already
 * copied are read again, so the first (dst - src) bytes repeat; with dst
 * below src the result is memmove's. */
static void copy_forward(uint8_t *dst, const uint8_t *src, uint64_t n)
{
	if (dst <= src || dst >= src + n) {
		memmove(dst, src, n);
		return;
	}
	uint64_t step = (uint64_t)(dst - src);
	for (uint64_t done = 0; done < n; done += step)
		memcpy(dst + done, src + done, n - done < step ? n - done : step);
}

static uint64_t chunk_len(uint64_t uva, uint64_t n)
{
	uint64_t room = PAGE_SIZE - (uva & (PAGE_SIZE - 1));
	return n < room ? n : room;
}

int copy_to_user(struct kernel *k, uint64_t uva, const void *src, uint64_t n)
{
	const uint8_t *from = src;
	while (n > 0) {
		uint64_t len = chunk_len(uva, n);
		uint8_t *to = user_page(k, uva, MMU_WRITE);
		if (!to)
			return -EFAULT;
		copy_forward(to, from, len);
		from += len;
		uva += len;
		n -= len;
	}
	return 0;
}

int copy_from_user(struct kernel *k, void *dst, uint64_t uva, uint64_t n)
{
	uint8_t *to = dst;
	while (n > 0) {
		uint64_t len = chunk_len(uva, n);
		const uint8_t *from = user_page(k, uva, MMU_READ);
		if (!from)
			return -EFAULT;
		copy_forward(to, from, len);
		to += len;
		uva += len;
		n -= len;
	}
	return 0;
}

int64_t strncpy_from_user(struct kernel *k, char *dst, uint64_t uva, uint64_t n)
{
	uint64_t done = 0;
	while (done < n) {
		uint64_t len = chunk_len(uva + done, n - done);
		const char *from = (const char *)user_page(k, uva + done, MMU_READ);
		if (!from)
			return -EFAULT;
		const char *nul = memchr(from, 0, len);
		if (nul) {
			memcpy(dst + done, from, (size_t)(nul - from) + 1);
			return (int64_t)(done + (uint64_t)(nul - from));
		}
		memcpy(dst + done, from, len);
		done += len;
	}
	return -ENAMETOOLONG;
}
