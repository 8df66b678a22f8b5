/* futex_exit.c - what a thread leaves behind in futexes when it lets go
 * of its memory (exit, exec), as Linux's mm_release and
 * exit_robust_list (kernel/futex/core.c):
 *
 * - the robust list (set_robust_list): each lock of a robust mutex a
 *   thread holds is on a list in user memory; at exit every futex word on
 *   it that still holds the thread's TID gets FUTEX_OWNER_DIED (keeping
 *   FUTEX_WAITERS), and one waiter is woken, so the next owner learns
 *   the lock's holder died (EOWNERDEAD);
 * - the clear-TID word (set_tid_address, CLONE_CHILD_CLEARTID): zeroed and
 *   woken, which is how pthread_join learns a thread has ended.
 *
 * The thread may end by another's hand (exit_group, a fatal signal, the
 * OOM killer), so its memory is read and written as its mm, not through
 * the running one. A robust PI futex is marked here and handed to its
 * first waiter with the PI futexes the thread owns (futex_pi.c). */
#include <errno.h>
#include <linux/futex.h>
#include <stddef.h>

#include "kern.h"
#include "mm/mm.h"
#include "task/futex.h"
#include "task/internal.h"

/* struct robust_list_head as x86-64 user space lays it out: list.next,
 * futex_offset, list_op_pending (<linux/futex.h> has it with pointers). */
struct user_robust_head {
	uint64_t next;
	int64_t futex_offset;
	uint64_t list_op_pending;
};

/* Linux's handle_futex_death for the word at uaddr of a lock p held (or
 * was about to take or release: pending). */
static void handle_futex_death(struct kernel *k, struct process *p, uint64_t uaddr, bool pi,
			       bool pending)
{
	struct mm *mm = p->mm;
	uint32_t uval;
	if ((uaddr & 3) || mm_read_force(k, mm, uaddr, &uval, sizeof(uval)))
		return;
	/* Died between setting list_op_pending and taking the lock, after an
	 * unlock that left the word 0: a waiter may sleep with no one left
	 * to wake it. */
	if (pending && !pi && !uval) {
		futex_wake_word(k, mm, uaddr);
		return;
	}
	if ((uval & FUTEX_TID_MASK) != (uint32_t)task_pid_own(p))
		return;
	uint32_t mval = (uval & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
	if (mm_write_force(k, mm, uaddr, &mval, sizeof(mval)))
		return;
	if (!pi && (uval & FUTEX_WAITERS))
		futex_wake_word(k, mm, uaddr);
}

/* A list pointer: the address, and bit 0 for a PI futex. */
static int fetch_entry(struct kernel *k, struct mm *mm, uint64_t at, uint64_t *entry, bool *pi)
{
	uint64_t v;
	if (mm_read_force(k, mm, at, &v, sizeof(v)))
		return -EFAULT;
	*entry = v & ~1ULL;
	*pi = v & 1;
	return 0;
}

/* Linux's exit_robust_list: at most ROBUST_LIST_LIMIT entries, so a list
 * made circular by a bug cannot keep the kernel busy. */
static void exit_robust_list(struct kernel *k, struct process *p)
{
	struct mm *mm = p->mm;
	uint64_t head = p->robust_list, entry, next, pending;
	bool pi, next_pi, pending_pi;
	struct user_robust_head h;
	if (mm_read_force(k, mm, head, &h, sizeof(h)) ||
	    fetch_entry(k, mm, head, &entry, &pi) ||
	    fetch_entry(k, mm, head + offsetof(struct user_robust_head, list_op_pending), &pending,
			&pending_pi))
		return;
	for (unsigned limit = ROBUST_LIST_LIMIT; entry != head && limit; limit--) {
		int rc = fetch_entry(k, mm, entry, &next, &next_pi);
		if (entry != pending)
			handle_futex_death(k, p, entry + (uint64_t)h.futex_offset, pi, false);
		if (rc)
			return;
		entry = next;
		pi = next_pi;
	}
	if (pending)
		handle_futex_death(k, p, pending + (uint64_t)h.futex_offset, pending_pi, true);
}

void exit_mm_release(struct kernel *k, struct process *p)
{
	if (!p->mm)
		return;
	if (p->robust_list)
		exit_robust_list(k, p);
	p->robust_list = 0;
	futex_pi_exit(k, p);
	/* Zeroed only where the memory lives on: another thread, or the
	 * parent of a vfork child. */
	if (p->clear_child_tid && p->mm->users > 1) {
		const uint32_t zero = 0;
		if (!mm_write_force(k, p->mm, p->clear_child_tid, &zero, sizeof(zero)))
			futex_wake_word(k, p->mm, p->clear_child_tid);
	}
	p->clear_child_tid = 0;
}

/* set_robust_list(head, len): the thread's list, walked at its exit. */
int64_t sys_set_robust_list(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	if (a[1] != sizeof(struct user_robust_head))
		return -EINVAL;
	k->current->robust_list = a[0];
	return 0;
}

/* get_robust_list(tid, *head, *len): a thread's list (0: the caller's). */
int64_t sys_get_robust_list(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	int tid = (int)a[0];
	struct process *p = tid ? find_task_by_vpid(k, tid) : k->current;
	if (!p)
		return -ESRCH;
	const uint64_t len = sizeof(struct user_robust_head);
	if (copy_to_user(k, a[2], &len, sizeof(len)))
		return -EFAULT;
	return copy_to_user(k, a[1], &p->robust_list, sizeof(p->robust_list));
}
