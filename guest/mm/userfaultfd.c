/* userfaultfd.c - the memory side of userfaultfd(2), as Linux's
 * fs/userfaultfd.c has it: the context of one userfaultfd, the faults it
 * is handed (handle_userfault: a missing page of a registered VMA becomes
 * a message, and the faulting task sleeps until the page is filled or it
 * is woken), and UFFDIO_REGISTER and UNREGISTER over the VMAs. The file,
 * its ioctls and their structures are fs/userfaultfd.c's; the filling is
 * mfill_atomic.c's.
 *
 * A sleeping fault is a struct uffd_wait that its task sleeps on as its
 * wait channel: the fault failed its TLB fill without a signal, so RIP
 * stays on the faulting instruction, which runs again when the task is
 * woken. A signal wakes it too (Linux's TASK_INTERRUPTIBLE): the handler
 * runs, then the instruction faults again. Such a record is live while its
 * task sleeps on it; the others are dropped whenever the queue is read. */
#include <errno.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "kern.h"
#include "mm/internal.h"
#include "task/task.h"

_Static_assert(sizeof(struct uffd_msg) == sizeof(((struct uffd_wait *)0)->msg),
	       "uffd_wait.msg holds a struct uffd_msg");

struct userfaultfd_ctx *userfaultfd_ctx_create(struct kernel *k, int flags)
{
	struct mm *mm = k->current->mm;
	struct userfaultfd_ctx *ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return NULL;
	ctx->mm = mm;
	ctx->flags = flags;
	ctx->mm_next = mm->uffd_ctxs;
	mm->uffd_ctxs = ctx;
	return ctx;
}

void userfaultfd_mm_exit(struct mm *mm)
{
	for (struct userfaultfd_ctx *ctx = mm->uffd_ctxs; ctx; ctx = ctx->mm_next)
		ctx->mm = NULL;
	mm->uffd_ctxs = NULL;
}

/* Whether a task still sleeps on w (a signal or its end may have taken
 * it away). */
static bool uffd_wait_live(struct kernel *k, const struct uffd_wait *w)
{
	for (struct process *p = k->procs; p; p = p->next)
		if (p->state == PROC_BLOCKED && p->wait_chan == w)
			return true;
	return false;
}

/* Wakes and drops the faults at [start, end), and drops those no task
 * sleeps on any more (all that wake_userfault(k, ctx, 0, 0) does). */
static void wake_userfault(struct kernel *k, struct userfaultfd_ctx *ctx, uint64_t start,
			   uint64_t end)
{
	for (struct uffd_wait **pw = &ctx->waits; *pw;) {
		struct uffd_wait *w = *pw;
		bool in_range = w->address >= start && w->address < end;
		bool live = uffd_wait_live(k, w);
		if (live && !in_range) {
			pw = &w->next;
			continue;
		}
		if (live)
			kernel_wake(k, w);
		*pw = w->next;
		free(w);
	}
}

void userfaultfd_wake_range(struct kernel *k, struct userfaultfd_ctx *ctx, uint64_t start,
			    uint64_t len)
{
	wake_userfault(k, ctx, start, start + len);
}

bool userfaultfd_take_msg(struct kernel *k, struct userfaultfd_ctx *ctx, uint8_t msg[32])
{
	wake_userfault(k, ctx, 0, 0);
	for (struct uffd_wait *w = ctx->waits; w; w = w->next) {
		if (!w->read) {
			w->read = true;
			memcpy(msg, w->msg, sizeof(w->msg));
			return true;
		}
	}
	return false;
}

unsigned userfaultfd_count(struct kernel *k, struct userfaultfd_ctx *ctx, unsigned *pending)
{
	unsigned total = 0;
	wake_userfault(k, ctx, 0, 0);
	*pending = 0;
	for (struct uffd_wait *w = ctx->waits; w; w = w->next, total++)
		*pending += !w->read;
	return total;
}

bool handle_userfault(struct kernel *k, struct vma *vma, uint64_t va, enum mmu_access access,
		      bool user)
{
	struct userfaultfd_ctx *ctx = vma->vm_userfaultfd_ctx;
	if (!user || (ctx->features & UFFD_FEATURE_SIGBUS))
		return false;
	struct uffd_wait *w = calloc(1, sizeof(*w));
	if (!w)
		return false;
	struct uffd_msg msg = {.event = UFFD_EVENT_PAGEFAULT};
	msg.arg.pagefault.address = va & ~(PAGE_SIZE - 1);
	if (access == MMU_WRITE)
		msg.arg.pagefault.flags |= UFFD_PAGEFAULT_FLAG_WRITE;
	if (ctx->features & UFFD_FEATURE_THREAD_ID)
		msg.arg.pagefault.feat.ptid = (uint32_t)task_pid_vnr(k, k->current);
	memcpy(w->msg, &msg, sizeof(msg));
	w->address = msg.arg.pagefault.address;
	struct uffd_wait **tail = &ctx->waits;
	while (*tail)
		tail = &(*tail)->next;
	*tail = w;
	process_block(k, w);
	k->ops.stop(k->ops.ctx); /* the CPU leaves this task at the instruction */
	k->vm_file_ops->wake(k, &ctx->fd_wqh, POLLIN);
	return true;
}

int userfaultfd_validate_range(const struct userfaultfd_ctx *ctx, uint64_t start, uint64_t len)
{
	uint64_t task_size = ctx->mm ? ctx->mm->task_size : USER_TOP;
	if ((start | len) & (PAGE_SIZE - 1) || !len)
		return -EINVAL;
	if (start >= task_size || len > task_size - start)
		return -EINVAL;
	return 0;
}

/* vma_can_userfault: private anonymous memory (the stack and the heap
 * too); not file maps, shared memory or hugetlb maps, which vmemu's
 * userfaultfd does not take. */
static bool vma_can_userfault(const struct vma *v)
{
	return !v->mapping && !v->vm_file && !(v->flags & (VM_SHARED | VM_HUGETLB));
}

/* The VMAs of [start, end): EINVAL when there is none (Linux 6.1 said
 * ENOMEM when none was at or after start; the host's 6.18 says EINVAL),
 * or one may not be registered; EBUSY when another userfaultfd has one
 * (register). */
static int check_range(struct mm *mm, struct userfaultfd_ctx *ctx, uint64_t start, uint64_t end)
{
	struct vma *v = vma_first_after(mm, start);
	if (!v || v->start >= end)
		return -EINVAL;
	for (; v && v->start < end; v = v->next) {
		if (!vma_can_userfault(v))
			return -EINVAL;
		if (ctx && v->vm_userfaultfd_ctx && v->vm_userfaultfd_ctx != ctx)
			return -EBUSY;
	}
	return 0;
}

/* REGISTER (vm_flags) and UNREGISTER (0) of [start, start + len): each
 * part of a VMA there gets vm_flags and ctx, or loses both, whichever
 * userfaultfd had it (its faults there are woken and then fault as
 * without one). */
static int update_range(struct kernel *k, struct userfaultfd_ctx *ctx, uint64_t start,
			uint64_t len, unsigned vm_flags)
{
	int err = userfaultfd_validate_range(ctx, start, len);
	struct mm *mm = ctx->mm;
	struct userfaultfd_ctx *to = vm_flags ? ctx : NULL;
	if (err)
		return err;
	if (!mm)
		return -ENOMEM;
	uint64_t end = start + len;
	err = check_range(mm, to, start, end);
	for (uint64_t at = start; !err && at < end;) {
		struct vma *v = vma_first_after(mm, at);
		if (!v || v->start >= end)
			break;
		uint64_t s = v->start > at ? v->start : at, e = v->end < end ? v->end : end;
		struct userfaultfd_ctx *now = v->vm_userfaultfd_ctx;
		if (now && !to)
			wake_userfault(k, now, s, e);
		if (now != to || (v->flags & VM_UFFD_MISSING) != vm_flags)
			err = vma_modify_uffd(k, mm, v, s, e, (v->flags & ~VM_UFFD_MISSING) | vm_flags,
					      to);
		at = e;
	}
	return err;
}

int userfaultfd_register(struct kernel *k, struct userfaultfd_ctx *ctx, uint64_t start,
			 uint64_t len, unsigned vm_flags, uint64_t *ioctls)
{
	*ioctls = 1ULL << _UFFDIO_WAKE | 1ULL << _UFFDIO_COPY | 1ULL << _UFFDIO_ZEROPAGE;
	return update_range(k, ctx, start, len, vm_flags);
}

int userfaultfd_unregister(struct kernel *k, struct userfaultfd_ctx *ctx, uint64_t start,
			   uint64_t len)
{
	return update_range(k, ctx, start, len, 0);
}

void userfaultfd_ctx_release(struct kernel *k, struct userfaultfd_ctx *ctx)
{
	struct mm *mm = ctx->mm;
	if (mm) {
		for (struct vma *v = mm->vmas; v; v = v->next) {
			if (v->vm_userfaultfd_ctx != ctx)
				continue;
			uint64_t s = v->start;
			/* Merging needs no memory; a huge page at an edge may
			 * need a split that fails: the VMA then stays apart. */
			if (vma_modify_uffd(k, mm, v, v->start, v->end, v->flags & ~VM_UFFD_MISSING, NULL)) {
				v->flags &= ~VM_UFFD_MISSING;
				v->vm_userfaultfd_ctx = NULL;
			}
			v = vma_find(mm, s);
		}
		struct userfaultfd_ctx **pc = &mm->uffd_ctxs;
		while (*pc != ctx)
			pc = &(*pc)->mm_next;
		*pc = ctx->mm_next;
	}
	wake_userfault(k, ctx, 0, UINT64_MAX);
	free(ctx);
}
