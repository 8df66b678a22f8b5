/* futex_pi.c - priority-inheritance futexes (Linux's kernel/futex/pi.c
 * and requeue.c): a lock whose word holds the owner's TID, with
 * FUTEX_WAITERS set while a task waits for it in the kernel and
 * FUTEX_OWNER_DIED once an owner has died holding it. The kernel hands
 * the lock over: FUTEX_UNLOCK_PI writes the first waiter's TID (with
 * FUTEX_WAITERS, as Linux) before waking it, so a woken FUTEX_LOCK_PI
 * returns owning the lock.
 *
 * vmemu has one CPU and a round-robin scheduler: there is no priority to
 * lend, so waiters are served in arrival order (Linux's order for tasks
 * of equal priority, e.g. all SCHED_OTHER ones). */
#include <errno.h>
#include <linux/futex.h>

#include "kern.h"
#include "mm/mm.h"
#include "task/futex.h"
#include "task/internal.h"

static bool owner_alive(struct kernel *k, uint32_t tid)
{
	const struct process *o = find_task_by_vpid(k, (int)tid);
	return o && !o->exited;
}

/* The first waiter on a PI futex key: NULL, or -EINVAL in *err when a
 * plain FUTEX_WAIT sleeps on the word (Linux: no pi_state there). */
static struct process *pi_top_waiter(struct kernel *k, const struct futex_key *key, int *err)
{
	struct process *top = futex_next_waiter(k, key, 0);
	*err = top && top->futex.kind != FUTEX_Q_PI ? -EINVAL : 0;
	return *err ? NULL : top;
}

/* Linux's futex_lock_pi_atomic: takes the word at uaddr for task t (the
 * caller, or a requeued waiter) when it has no owner: 1; else sets
 * FUTEX_WAITERS and checks that the owner lives: 0, or -ESRCH,
 * -EDEADLK (t owns it already), -EFAULT. */
static int lock_pi_atomic(struct kernel *k, uint64_t uaddr, const struct futex_key *key,
			  const struct process *t)
{
	uint32_t uval;
	int err = futex_get_word(k, uaddr, &uval);
	if (err)
		return err;
	uint32_t tid = uval & FUTEX_TID_MASK;
	if (tid == (uint32_t)task_pid_own(t))
		return -EDEADLK;
	struct process *top = pi_top_waiter(k, key, &err);
	if (err)
		return err;
	if (!tid) {
		uint32_t nv = (uval & FUTEX_OWNER_DIED) | (uint32_t)task_pid_own(t);
		if (top)
			nv |= FUTEX_WAITERS;
		err = futex_put_word(k, uaddr, nv);
		return err ? err : 1;
	}
	if (!(uval & FUTEX_WAITERS) && (err = futex_put_word(k, uaddr, uval | FUTEX_WAITERS)))
		return err;
	return owner_alive(k, tid) ? 0 : -ESRCH;
}

/* FUTEX_LOCK_PI, LOCK_PI2 and TRYLOCK_PI: the timeout is absolute. */
static int64_t futex_lock_pi(struct kernel *k, uint64_t uaddr, bool private, uint64_t uts,
			     bool realtime, bool trylock)
{
	struct process *p = k->current;
	if (p->futex.queued) {
		int64_t ret = futex_rerun(p);
		if (ret != -ERESTARTSYS)
			return ret;
	}
	struct futex_key key;
	int err = futex_key(p->mm, uaddr, private, &key);
	if (!err && !trylock)
		err = futex_set_deadline(k, uts, true, realtime);
	if (err)
		return err;
	err = lock_pi_atomic(k, uaddr, &key, p);
	if (err)
		return err < 0 ? err : 0;
	if (trylock)
		return -EWOULDBLOCK;
	if (futex_timed_out(p))
		return -ETIMEDOUT;
	return futex_queue(k, &(struct futex_wait){.kind = FUTEX_Q_PI, .key = key, .pi_uaddr = uaddr,
						   .bitset = FUTEX_BITSET_MATCH_ANY});
}

/* Gives the PI futex of top's key to top: its TID in the word (written
 * through mm at uaddr) with FUTEX_WAITERS and the extra bits, and wakes it. */
static int pi_hand_over(struct kernel *k, struct process *top, struct mm *mm, uint64_t uaddr,
			uint32_t extra)
{
	uint32_t nv = (uint32_t)task_pid_own(top) | FUTEX_WAITERS | extra;
	if (mm_write_force(k, mm, uaddr, &nv, sizeof(nv)))
		return -EFAULT;
	futex_wake_q(top, 0);
	return 0;
}

static int64_t futex_unlock_pi(struct kernel *k, uint64_t uaddr, bool private)
{
	struct process *p = k->current;
	struct futex_key key;
	uint32_t uval;
	int err = futex_key(p->mm, uaddr, private, &key);
	if (!err)
		err = futex_get_word(k, uaddr, &uval);
	if (err)
		return err;
	if ((uval & FUTEX_TID_MASK) != (uint32_t)task_pid_own(p))
		return -EPERM;
	struct process *top = pi_top_waiter(k, &key, &err);
	if (err)
		return err;
	if (top)
		return pi_hand_over(k, top, p->mm, uaddr, 0);
	return futex_put_word(k, uaddr, 0);
}

/* FUTEX_WAIT_REQUEUE_PI: FUTEX_WAIT on uaddr (a condition variable),
 * from which FUTEX_CMP_REQUEUE_PI moves the task to the PI futex at
 * uaddr2 (its mutex); it returns owning that one. */
static int64_t futex_wait_requeue_pi(struct kernel *k, uint64_t uaddr, bool private,
				     uint32_t val, uint64_t uts, bool realtime, uint64_t uaddr2)
{
	struct process *p = k->current;
	if (p->futex.queued) {
		int64_t ret = futex_rerun(p);
		if (ret != -ERESTARTSYS)
			return ret;
	}
	if (uaddr == uaddr2)
		return -EINVAL;
	struct futex_key key, key2;
	int err = futex_set_deadline(k, uts, true, realtime);
	if (!err)
		err = futex_key(p->mm, uaddr, private, &key);
	if (!err)
		err = futex_key(p->mm, uaddr2, private, &key2);
	uint32_t cur;
	if (!err)
		err = futex_get_word(k, uaddr, &cur);
	if (err)
		return err;
	if (cur != val)
		return -EAGAIN;
	if (futex_key_eq(&key, &key2))
		return -EINVAL;
	if (futex_timed_out(p))
		return -ETIMEDOUT;
	return futex_queue(k, &(struct futex_wait){.kind = FUTEX_Q_REQUEUE_PI, .key = key,
						   .pi_key = key2, .pi_uaddr = uaddr2,
						   .bitset = FUTEX_BITSET_MATCH_ANY});
}

/* FUTEX_CMP_REQUEUE_PI: the first waiter takes the PI futex at uaddr2 if
 * it is free (Linux's futex_proxy_trylock_atomic), and up to nr_requeue
 * more (or nr_requeue + 1 when the first could not take it) move to
 * the PI futex's queue. Returns how many were woken or moved. */
static int64_t futex_cmp_requeue_pi(struct kernel *k, uint64_t uaddr, bool private,
				    int64_t nr_wake, int64_t nr_requeue, uint64_t uaddr2,
				    uint32_t val3)
{
	if (nr_wake < 0 || nr_requeue < 0 || uaddr == uaddr2 || nr_wake != 1)
		return -EINVAL;
	struct process *p = k->current;
	struct futex_key key, key2;
	int err = futex_key(p->mm, uaddr, private, &key);
	if (!err)
		err = futex_key(p->mm, uaddr2, private, &key2);
	if (err)
		return err;
	if (futex_key_eq(&key, &key2))
		return -EINVAL;
	uint32_t cur;
	if ((err = futex_get_word(k, uaddr, &cur)))
		return err;
	if (cur != val3)
		return -EAGAIN;
	struct process *top = futex_next_waiter(k, &key, 0);
	if (!top)
		return 0;
	if (top->futex.kind != FUTEX_Q_REQUEUE_PI || !futex_key_eq(&top->futex.pi_key, &key2))
		return -EINVAL;
	int64_t count = 0;
	int got = lock_pi_atomic(k, uaddr2, &key2, top);
	if (got < 0)
		return got;
	if (got) {
		futex_wake_q(top, 0);
		count = 1;
	}
	uint32_t uval;
	if (count - nr_wake < nr_requeue && futex_next_waiter(k, &key, 0) &&
	    !futex_get_word(k, uaddr2, &uval) && !(uval & FUTEX_WAITERS) &&
	    (err = futex_put_word(k, uaddr2, uval | FUTEX_WAITERS)))
		return err; /* waiters to requeue: the owner must call UNLOCK_PI */
	for (struct process *w; count - nr_wake < nr_requeue && (w = futex_next_waiter(k, &key, 0));
	     count++) {
		struct futex_wait *q = &w->futex;
		if (q->kind != FUTEX_Q_REQUEUE_PI || !futex_key_eq(&q->pi_key, &key2))
			return -EINVAL;
		q->kind = FUTEX_Q_PI;
		q->key = key2;
		q->requeued = true;
		q->seq = ++k->futex_seq; /* behind the PI futex's own waiters */
	}
	return count;
}

int64_t futex_pi_call(struct kernel *k, int cmd, uint64_t uaddr, bool private, bool realtime,
		      uint32_t val, uint64_t a3, uint64_t uaddr2, uint32_t val3)
{
	switch (cmd) {
	case FUTEX_LOCK_PI: /* on CLOCK_REALTIME, FUTEX_LOCK_PI2 on CLOCK_MONOTONIC */
		return futex_lock_pi(k, uaddr, private, a3, true, false);
	case FUTEX_LOCK_PI2:
		return futex_lock_pi(k, uaddr, private, a3, realtime, false);
	case FUTEX_TRYLOCK_PI:
		return futex_lock_pi(k, uaddr, private, 0, false, true);
	case FUTEX_UNLOCK_PI:
		return futex_unlock_pi(k, uaddr, private);
	case FUTEX_WAIT_REQUEUE_PI:
		return futex_wait_requeue_pi(k, uaddr, private, val, a3, realtime, uaddr2);
	default: /* FUTEX_CMP_REQUEUE_PI */
		return futex_cmp_requeue_pi(k, uaddr, private, (int32_t)val, (int32_t)a3, uaddr2,
					    val3);
	}
}

void futex_pi_exit(struct kernel *k, struct process *p)
{
	for (struct process *t = k->procs; t; t = t->next) {
		struct futex_wait *w = &t->futex;
		if (!w->queued || w->woken || w->kind != FUTEX_Q_PI ||
		    futex_next_waiter(k, &w->key, 0) != t)
			continue; /* one look per futex: through its first waiter */
		uint32_t uval;
		if (mm_read_force(k, t->mm, w->pi_uaddr, &uval, sizeof(uval)))
			continue;
		uint32_t tid = uval & FUTEX_TID_MASK;
		/* Its TID, or none left by the robust list's FUTEX_OWNER_DIED. */
		if (tid == (uint32_t)task_pid_own(p) || (!tid && (uval & FUTEX_OWNER_DIED)))
			pi_hand_over(k, t, t->mm, w->pi_uaddr, FUTEX_OWNER_DIED);
	}
}
