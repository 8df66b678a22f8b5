/* futex.c - futex(2): sleeping on a 32-bit word of user memory until
 * another process (or thread) wakes the word (Linux's kernel/futex/).
 *
 * A word is known by its key, as Linux's get_futex_key: a word in a
 * MAP_SHARED mapping by the mapping and its offset in it, so processes
 * that map it at different addresses meet there; any other word (private
 * memory, or FUTEX_PRIVATE_FLAG) by its address space and address. A
 * waiter is queued in its task (struct futex_wait) in arrival order
 * (seq) and sleeps; a wake marks it woken, so the call, made again when
 * the task runs, returns 0 even if the word changed meanwhile. A wake is
 * never lost to a signal: a woken wait returns 0, not EINTR.
 *
 * The guest does not run while the kernel does, so the read-compare-sleep
 * of FUTEX_WAIT and the read-modify-write of FUTEX_WAKE_OP are atomic. The
 * PI futexes are in futex_pi.c, futex_waitv(2) in futex_waitv.c. */
#include <errno.h>
#include <linux/futex.h>
#include <stddef.h>
#include <stdlib.h>
#include <time.h>

#include "kern.h"
#include "mm/mm.h"
#include "task/futex.h"
#include "task/internal.h"

int futex_key(struct mm *mm, uint64_t uaddr, bool private, struct futex_key *key)
{
	if (uaddr & 3)
		return -EINVAL;
	struct vma *v = private ? NULL : vma_find(mm, uaddr);
	if (v && (v->flags & VM_SHARED) && v->mapping) {
		*key = (struct futex_key){v->mapping,
					  ((v->pgoff << PAGE_SHIFT) + (uaddr - v->start))};
		return 0;
	}
	*key = (struct futex_key){mm, uaddr};
	return 0;
}

bool futex_key_eq(const struct futex_key *a, const struct futex_key *b)
{
	return a->object == b->object && a->offset == b->offset;
}

int futex_get_word(struct kernel *k, uint64_t uaddr, uint32_t *val)
{
	return copy_from_user(k, val, uaddr, sizeof(*val)) ? -EFAULT : 0;
}

int futex_put_word(struct kernel *k, uint64_t uaddr, uint32_t val)
{
	return copy_to_user(k, uaddr, &val, sizeof(val)) ? -EFAULT : 0;
}

int futex_q_match(const struct futex_wait *w, const struct futex_key *key)
{
	if (w->kind != FUTEX_Q_VEC)
		return futex_key_eq(&w->key, key) ? 0 : -1;
	for (uint32_t i = 0; i < w->nkeys; i++)
		if (futex_key_eq(&w->keys[i], key))
			return (int)i;
	return -1;
}

struct process *futex_next_waiter(struct kernel *k, const struct futex_key *key, uint64_t after)
{
	struct process *next = NULL;
	for (struct process *p = k->procs; p; p = p->next) {
		const struct futex_wait *w = &p->futex;
		if (w->queued && !w->woken && w->seq > after && futex_q_match(w, key) >= 0 &&
		    (!next || w->seq < next->futex.seq))
			next = p;
	}
	return next;
}

void futex_wake_q(struct process *p, uint32_t index)
{
	p->futex.woken = true;
	p->futex.woken_index = index;
	if (p->state == PROC_BLOCKED && p->wait_chan == &p->futex)
		process_wake(p);
}

int64_t futex_queue(struct kernel *k, const struct futex_wait *w)
{
	struct process *p = k->current;
	p->futex = *w;
	p->futex.seq = ++k->futex_seq;
	p->futex.queued = true;
	p->futex.woken = false;
	process_block(k, &p->futex);
	return -ERESTARTSYS;
}

static bool plain_waiter(const struct process *p)
{
	return p->futex.kind == FUTEX_Q_WAIT || p->futex.kind == FUTEX_Q_VEC;
}

/* Wakes up to n plain waiters on key whose bitset meets bitset, oldest
 * first; returns how many. As Linux's futex_wake, a count of 0 or less
 * still wakes one, and a PI waiter met on the way (FUTEX_LOCK_PI,
 * FUTEX_WAIT_REQUEUE_PI) makes it EINVAL, the ones woken before it
 * staying woken. */
static int wake_key(struct kernel *k, const struct futex_key *key, int32_t n, uint32_t bitset)
{
	int woken = 0;
	uint64_t after = 0;
	for (struct process *p; (woken == 0 || woken < n) && (p = futex_next_waiter(k, key, after));
	     after = p->futex.seq) {
		if (!plain_waiter(p))
			return -EINVAL;
		if (p->futex.bitset & bitset) {
			futex_wake_q(p, (uint32_t)futex_q_match(&p->futex, key));
			woken++;
		}
	}
	return woken;
}

int64_t futex_end_wait(struct process *p)
{
	struct futex_wait *w = &p->futex;
	if (!w->queued)
		return -ERESTARTSYS;
	int64_t ret = -ERESTARTSYS;
	if (w->woken)
		ret = w->kind == FUTEX_Q_VEC ? w->woken_index : 0;
	else if (w->requeued) /* Linux: no restart once requeued to the PI futex */
		ret = -EWOULDBLOCK;
	else if (w->kind == FUTEX_Q_PI || w->kind == FUTEX_Q_REQUEUE_PI)
		ret = -ERESTARTNOINTR;
	free(w->keys);
	*w = (struct futex_wait){0};
	return ret;
}

int64_t futex_rerun(struct process *p)
{
	bool woken = p->futex.woken, requeued = p->futex.requeued;
	int64_t ret = futex_end_wait(p);
	if (woken)
		return ret;
	if (futex_timed_out(p))
		return -ETIMEDOUT;
	/* Linux: no restart once requeued to the PI futex. Else a signal
	 * woke it and the call starts again with the same deadline. */
	return requeued ? -EWOULDBLOCK : -ERESTARTSYS;
}

int futex_deadline(struct kernel *k, uint64_t uts, bool absolute, bool realtime,
		   uint64_t *deadline)
{
	*deadline = 0;
	if (!uts)
		return 0;
	struct timespec ts;
	uint64_t t;
	if (copy_from_user(k, &ts, uts, sizeof(ts)))
		return -EFAULT;
	if (!timespec_to_ns(&ts, &t))
		return -EINVAL;
	if (!absolute)
		*deadline = kernel_now_ns() + t;
	else
		*deadline = realtime ? clock_deadline(CLOCK_REALTIME, t)
				     : clock_deadline(CLOCK_MONOTONIC,
						      timens_to_host(k->current, CLOCK_MONOTONIC, t));
	if (!*deadline)
		*deadline = 1; /* 0 means none */
	return 0;
}

int futex_set_deadline(struct kernel *k, uint64_t uts, bool absolute, bool realtime)
{
	struct process *p = k->current;
	if (p->wake_at)
		return 0;
	uint64_t deadline;
	int err = futex_deadline(k, uts, absolute, realtime, &deadline);
	if (!err)
		p->wake_at = deadline;
	return err;
}

bool futex_timed_out(const struct process *p)
{
	return p->wake_at && kernel_now_ns() >= p->wake_at;
}

static int64_t futex_wait(struct kernel *k, uint64_t uaddr, bool private, uint32_t val,
			  uint64_t uts, uint32_t bitset, bool absolute, bool realtime)
{
	struct process *p = k->current;
	if (p->futex.queued) {
		int64_t ret = futex_rerun(p);
		if (ret != -ERESTARTSYS)
			return ret;
	}
	if (!bitset)
		return -EINVAL;
	struct futex_key key;
	int err = futex_key(p->mm, uaddr, private, &key);
	if (!err)
		err = futex_set_deadline(k, uts, absolute, realtime);
	uint32_t cur;
	if (!err)
		err = futex_get_word(k, uaddr, &cur);
	if (err)
		return err;
	if (cur != val)
		return -EAGAIN;
	if (futex_timed_out(p))
		return -ETIMEDOUT;
	if (signal_interrupts(p))
		return -EINTR;
	return futex_queue(k, &(struct futex_wait){.kind = FUTEX_Q_WAIT, .key = key, .bitset = bitset});
}

/* FUTEX_WAKE_OP's operation on oldval, encoded in val3 as Linux has it. */
static int wake_op_apply(uint32_t val3, uint32_t oldval, uint32_t *newval, bool *cmp)
{
	unsigned op = (val3 >> 28) & 7, cmpop = (val3 >> 24) & 15;
	uint32_t oparg = (val3 >> 12) & 0xfff, cmparg = val3 & 0xfff;
	if (val3 & ((uint32_t)FUTEX_OP_OPARG_SHIFT << 28)) {
		if (oparg > 31)
			return -EINVAL;
		oparg = 1u << oparg;
	} else {
		oparg = (uint32_t)((int32_t)(oparg << 20) >> 20); /* sign-extend 12 bits */
	}
	cmparg = (uint32_t)((int32_t)(cmparg << 20) >> 20);
	switch (op) {
	case FUTEX_OP_SET: *newval = oparg; break;
	case FUTEX_OP_ADD: *newval = oldval + oparg; break;
	case FUTEX_OP_OR: *newval = oldval | oparg; break;
	case FUTEX_OP_ANDN: *newval = oldval & ~oparg; break;
	case FUTEX_OP_XOR: *newval = oldval ^ oparg; break;
	default: return -ENOSYS;
	}
	int32_t o = (int32_t)oldval, c = (int32_t)cmparg;
	switch (cmpop) {
	case FUTEX_OP_CMP_EQ: *cmp = o == c; break;
	case FUTEX_OP_CMP_NE: *cmp = o != c; break;
	case FUTEX_OP_CMP_LT: *cmp = o < c; break;
	case FUTEX_OP_CMP_LE: *cmp = o <= c; break;
	case FUTEX_OP_CMP_GT: *cmp = o > c; break;
	case FUTEX_OP_CMP_GE: *cmp = o >= c; break;
	default: return -ENOSYS;
	}
	return 0;
}

static int64_t futex_wake_op(struct kernel *k, uint64_t uaddr, uint64_t uaddr2, bool private,
			     uint32_t nr_wake, uint32_t nr_wake2, uint32_t val3)
{
	struct futex_key key, key2;
	int err = futex_key(k->current->mm, uaddr, private, &key);
	if (!err)
		err = futex_key(k->current->mm, uaddr2, private, &key2);
	uint32_t oldval, newval;
	bool cmp;
	if (!err)
		err = futex_get_word(k, uaddr2, &oldval);
	if (!err)
		err = wake_op_apply(val3, oldval, &newval, &cmp);
	if (!err)
		err = futex_put_word(k, uaddr2, newval);
	if (err)
		return err;
	int woken = wake_key(k, &key, (int32_t)nr_wake, FUTEX_BITSET_MATCH_ANY);
	if (woken >= 0 && cmp) {
		int woken2 = wake_key(k, &key2, (int32_t)nr_wake2, FUTEX_BITSET_MATCH_ANY);
		woken = woken2 < 0 ? woken2 : woken + woken2;
	}
	return woken;
}

/* FUTEX_REQUEUE and FUTEX_CMP_REQUEUE (cmp: *uaddr must still be val3).
 * A PI waiter among them is EINVAL, as for a wake. */
static int64_t futex_requeue(struct kernel *k, uint64_t uaddr, uint64_t uaddr2, bool private,
			     int64_t nr_wake, int64_t nr_requeue, bool cmp, uint32_t val3)
{
	if (nr_wake < 0 || nr_requeue < 0)
		return -EINVAL;
	struct futex_key key, key2;
	int err = futex_key(k->current->mm, uaddr, private, &key);
	if (!err)
		err = futex_key(k->current->mm, uaddr2, private, &key2);
	if (err)
		return err;
	if (cmp) {
		uint32_t cur;
		err = futex_get_word(k, uaddr, &cur);
		if (err)
			return err;
		if (cur != val3)
			return -EAGAIN;
	}
	int64_t done = 0;
	struct process *p;
	for (; done < nr_wake && (p = futex_next_waiter(k, &key, 0)); done++) {
		if (!plain_waiter(p))
			return -EINVAL;
		futex_wake_q(p, (uint32_t)futex_q_match(&p->futex, &key));
	}
	for (int64_t moved = 0; moved < nr_requeue && !futex_key_eq(&key, &key2) &&
				(p = futex_next_waiter(k, &key, 0));
	     moved++) {
		struct futex_wait *w = &p->futex;
		if (!plain_waiter(p))
			return -EINVAL;
		/* Linux's requeue_futex appends the waiter to key2's queue: it
		 * goes behind the waiters already there. A futex_waitv waiter
		 * keeps one place for all its words, so it keeps its seq. */
		if (w->kind == FUTEX_Q_VEC) {
			w->keys[futex_q_match(w, &key)] = key2;
		} else {
			w->key = key2;
			w->seq = ++k->futex_seq;
		}
		done++;
	}
	return done;
}

/* futex(uaddr, op, val, timeout or val2, uaddr2, val3) */
int64_t sys_futex(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	uint64_t uaddr = a[0], uaddr2 = a[4];
	int op = (int)a[1];
	uint32_t val = (uint32_t)a[2], val3 = (uint32_t)a[5];
	bool private = op & FUTEX_PRIVATE_FLAG, realtime = op & FUTEX_CLOCK_REALTIME;
	int cmd = op & FUTEX_CMD_MASK;
	/* As Linux 6.x: only these take FUTEX_CLOCK_REALTIME (FUTEX_WAIT's
	 * relative timeout has no clock to choose). */
	if (realtime && cmd != FUTEX_WAIT_BITSET && cmd != FUTEX_WAIT_REQUEUE_PI &&
	    cmd != FUTEX_LOCK_PI2)
		return -ENOSYS;
	switch (cmd) {
	case FUTEX_WAIT:
		return futex_wait(k, uaddr, private, val, a[3], FUTEX_BITSET_MATCH_ANY, false, false);
	case FUTEX_WAIT_BITSET:
		return futex_wait(k, uaddr, private, val, a[3], val3, true, realtime);
	case FUTEX_WAKE:
	case FUTEX_WAKE_BITSET: {
		uint32_t bitset = cmd == FUTEX_WAKE ? FUTEX_BITSET_MATCH_ANY : val3;
		if (!bitset)
			return -EINVAL;
		struct futex_key key;
		int err = futex_key(k->current->mm, uaddr, private, &key);
		return err ? err : wake_key(k, &key, (int32_t)val, bitset);
	}
	case FUTEX_REQUEUE:
		return futex_requeue(k, uaddr, uaddr2, private, (int32_t)val, (int32_t)a[3], false, 0);
	case FUTEX_CMP_REQUEUE:
		return futex_requeue(k, uaddr, uaddr2, private, (int32_t)val, (int32_t)a[3], true, val3);
	case FUTEX_WAKE_OP:
		return futex_wake_op(k, uaddr, uaddr2, private, val, (uint32_t)a[3], val3);
	case FUTEX_LOCK_PI:
	case FUTEX_LOCK_PI2:
	case FUTEX_TRYLOCK_PI:
	case FUTEX_UNLOCK_PI:
	case FUTEX_WAIT_REQUEUE_PI:
	case FUTEX_CMP_REQUEUE_PI:
		return futex_pi_call(k, cmd, uaddr, private, realtime, val, a[3], uaddr2, val3);
	default:
		return -ENOSYS;
	}
}

void futex_wake_word(struct kernel *k, struct mm *mm, uint64_t uaddr)
{
	struct futex_key key;
	if (!futex_key(mm, uaddr, false, &key))
		wake_key(k, &key, 1, FUTEX_BITSET_MATCH_ANY);
}
