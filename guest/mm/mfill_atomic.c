/* mfill_atomic.c - UFFDIO_COPY and UFFDIO_ZEROPAGE, as Linux's
 * mm/userfaultfd.c (mfill_atomic): the missing pages of a range of a VMA
 * that a userfaultfd has are filled, page by page, with a copy of the
 * caller's memory or with the shared zero page, never over a page that
 * is there (EEXIST). What it filled counts even when a later page fails.
 * The destination is the userfaultfd's mm, which need not be the
 * caller's; the source is the caller's memory. */
#include <errno.h>

#include "kern.h"
#include "mm/internal.h"

/* find_dst_vma: one VMA covers the range, and a userfaultfd has it. */
static struct vma *find_dst_vma(struct mm *mm, uint64_t dst, uint64_t len)
{
	struct vma *v = vma_find(mm, dst);
	if (!v || len > v->end - dst || !v->vm_userfaultfd_ctx)
		return NULL;
	return v;
}

/* The page at va: 0 when filled, else -errno. */
static int mfill_page(struct kernel *k, struct mm *mm, struct vma *v, uint64_t va, uint64_t src,
		      bool zeropage)
{
	uint64_t size;
	if (pgtable_page_pte(k, mm, va, &size))
		return -EEXIST;
	uint64_t pa = ZERO_PAGE_PA;
	if (!zeropage) {
		pa = frame_alloc(k, 0);
		if (pa == FRAME_NONE)
			return -ENOMEM;
		/* The source faults in as for any copy of the kernel's (a
		 * missing page of a registered VMA is EFAULT to it). */
		if (copy_from_user(k, phys_ptr(k, pa), src, PAGE_SIZE)) {
			frame_put(k, pa, 0);
			return -EFAULT;
		}
	}
	uint64_t *pte = anon_vma_prepare(v) ? NULL : pgtable_pte(k, mm, va, true);
	if (!pte) {
		if (!zeropage)
			frame_put(k, pa, 0);
		return -ENOMEM;
	}
	if (zeropage) {
		frame_get(k, ZERO_PAGE_PA);
		pgtable_set_new(k, pte, ZERO_PAGE_PA | (pgtable_prot_bits(v->flags) & ~PTE_W));
		return 0;
	}
	pgtable_set_new(k, pte, pa | pgtable_prot_bits(v->flags));
	lru_add_anon(k, pa, v, va);
	mm->rss_pages++;
	return 0;
}

static int64_t mfill_atomic(struct kernel *k, struct userfaultfd_ctx *ctx, uint64_t dst,
			    uint64_t src, uint64_t len, bool zeropage, bool wp)
{
	struct mm *mm = ctx->mm;
	if (!mm)
		return -ESRCH;
	struct vma *v = find_dst_vma(mm, dst, len);
	if (!v)
		return -ENOENT;
	if (wp) /* the VMA is not registered with UFFDIO_REGISTER_MODE_WP */
		return -EINVAL;
	uint64_t done = 0;
	int err = 0;
	while (done < len && !err) {
		err = mfill_page(k, mm, v, dst + done, src + done, zeropage);
		if (!err)
			done += PAGE_SIZE;
	}
	return done ? (int64_t)done : err;
}

int64_t mfill_atomic_copy(struct kernel *k, struct userfaultfd_ctx *ctx, uint64_t dst,
			  uint64_t src, uint64_t len, bool wp)
{
	return mfill_atomic(k, ctx, dst, src, len, false, wp);
}

int64_t mfill_atomic_zeropage(struct kernel *k, struct userfaultfd_ctx *ctx, uint64_t dst,
			      uint64_t len)
{
	return mfill_atomic(k, ctx, dst, 0, len, true, false);
}
