/* futex.c - futex(2): sleeping on a 32-bit word of user memory until
 * another process (or thread) wakes the word (Linux's kernel/futex/).
 *
 * A word is known by its key, as Linux's get_futex_key: a word in a
 * MAP_SHARED mapping by the mapping and its offset in it, so processes
 * that map it at different addresses meet there; any other word (private
 * memory, or FUTEX_PRIVATE_FLAG) by its address space and address. A
 * waiter is queued in its process (struct futex_wait) in arrival order
 * (seq) and sleeps; a wake marks it woken, so the call, made again when
 * the process runs, returns 0 even if the word changed meanwhile. A wake
 * is never lost to a signal: a woken wait returns 0, not EINTR.
 *
 * The guest does not run while the kernel does, so the read-compare-sleep
 * of FUTEX_WAIT and the read-modify-write of FUTEX_WAKE_OP are atomic. PI
 * futexes (FUTEX_LOCK_PI and the like) are not implemented: ENOSYS. */
#include <errno.h>
#include <linux/futex.h>
#include <stddef.h>
#include <time.h>

#include "kern.h"
#include "mm/mm.h"
#include "task/internal.h"

#define NSEC_PER_SEC 1000000000ULL

/* The key of the word at uaddr in mm: 0 or -EINVAL (not aligned). */
static int futex_key(struct mm *mm, uint64_t uaddr, bool private, struct futex_key *key)
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

static bool key_eq(const struct futex_key *a, const struct futex_key *b)
{
	return a->object == b->object && a->offset == b->offset;
}

static int get_word(struct kernel *k, uint64_t uaddr, uint32_t *val)
{
	return copy_from_user(k, val, uaddr, sizeof(*val)) ? -EFAULT : 0;
}

/* The oldest waiter on key whose bitset meets bitset, or NULL. */
static struct process *first_waiter(struct kernel *k, const struct futex_key *key,
				    uint32_t bitset)
{
	struct process *first = NULL;
	for (struct process *p = k->procs; p; p = p->next) {
		const struct futex_wait *w = &p->futex;
		if (w->queued && !w->woken && key_eq(&w->key, key) && (w->bitset & bitset) &&
		    (!first || w->seq < first->futex.seq))
			first = p;
	}
	return first;
}

static void wake_one(struct process *p)
{
	p->futex.woken = true;
	if (p->state == PROC_BLOCKED && p->wait_chan == &p->futex)
		process_wake(p);
}

/* Wakes up to n waiters on key; returns how many. As Linux's futex_wake,
 * a count of 0 or less still wakes one. */
static int wake_key(struct kernel *k, const struct futex_key *key, int32_t n, uint32_t bitset)
{
	int woken = 0;
	struct process *p;
	while ((woken == 0 || woken < n) && (p = first_waiter(k, key, bitset))) {
		wake_one(p);
		woken++;
	}
	return woken;
}

bool futex_end_wait(struct process *p)
{
	bool woken = p->futex.queued && p->futex.woken;
	p->futex.queued = false;
	p->futex.woken = false;
	return woken;
}

/* The deadline of a wait in CLOCK_MONOTONIC ns: the relative timeout of
 * FUTEX_WAIT, or the absolute one of FUTEX_WAIT_BITSET (on CLOCK_REALTIME
 * with FUTEX_CLOCK_REALTIME). 0 and *deadline = 0 for none, or -errno. */
static int wait_deadline(struct kernel *k, uint64_t uts, bool absolute, bool realtime,
			 uint64_t *deadline)
{
	*deadline = 0;
	if (!uts)
		return 0;
	struct timespec ts;
	if (copy_from_user(k, &ts, uts, sizeof(ts)))
		return -EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || (uint64_t)ts.tv_nsec >= NSEC_PER_SEC)
		return -EINVAL;
	uint64_t t = (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
	uint64_t now = kernel_now_ns();
	if (!absolute) {
		*deadline = now + t;
	} else if (realtime) {
		struct timespec rt;
		clock_gettime(CLOCK_REALTIME, &rt);
		uint64_t rnow = (uint64_t)rt.tv_sec * NSEC_PER_SEC + (uint64_t)rt.tv_nsec;
		*deadline = t > rnow ? now + (t - rnow) : now;
	} else {
		*deadline = t;
	}
	if (!*deadline)
		*deadline = 1; /* 0 means none */
	return 0;
}

static int64_t futex_wait(struct kernel *k, uint64_t uaddr, bool private, uint32_t val,
			  uint64_t uts, uint32_t bitset, bool absolute, bool realtime)
{
	struct process *p = k->current;
	struct futex_wait *w = &p->futex;
	if (w->queued) { /* made again after sleeping */
		if (futex_end_wait(p))
			return 0;
		if (p->wake_at && kernel_now_ns() >= p->wake_at)
			return -ETIMEDOUT;
		/* Else a signal woke it and the call starts again, as Linux's
		 * restart of futex_wait does, with the same deadline. */
	}
	if (!bitset)
		return -EINVAL;
	struct futex_key key;
	int err = futex_key(k->current->mm, uaddr, private, &key);
	if (err)
		return err;
	/* The deadline is fixed by the first run of the call. */
	if (!p->wake_at) {
		uint64_t deadline;
		err = wait_deadline(k, uts, absolute, realtime, &deadline);
		if (err)
			return err;
		p->wake_at = deadline;
	}
	uint32_t cur;
	err = get_word(k, uaddr, &cur);
	if (err)
		return err;
	if (cur != val)
		return -EAGAIN;
	if (p->wake_at && kernel_now_ns() >= p->wake_at)
		return -ETIMEDOUT;
	if (signal_interrupts(p))
		return -EINTR;
	*w = (struct futex_wait){.key = key, .bitset = bitset, .seq = ++k->futex_seq, .queued = true};
	process_block(k, w);
	return -ERESTARTSYS;
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
		err = get_word(k, uaddr2, &oldval);
	if (!err)
		err = wake_op_apply(val3, oldval, &newval, &cmp);
	if (!err && copy_to_user(k, uaddr2, &newval, sizeof(newval)))
		err = -EFAULT;
	if (err)
		return err;
	int woken = wake_key(k, &key, (int32_t)nr_wake, FUTEX_BITSET_MATCH_ANY);
	if (cmp)
		woken += wake_key(k, &key2, (int32_t)nr_wake2, FUTEX_BITSET_MATCH_ANY);
	return woken;
}

/* FUTEX_REQUEUE and FUTEX_CMP_REQUEUE (cmp: *uaddr must still be val3). */
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
		err = get_word(k, uaddr, &cur);
		if (err)
			return err;
		if (cur != val3)
			return -EAGAIN;
	}
	int64_t done = 0;
	struct process *p;
	for (; done < nr_wake && (p = first_waiter(k, &key, FUTEX_BITSET_MATCH_ANY)); done++)
		wake_one(p);
	for (int64_t moved = 0; moved < nr_requeue && !key_eq(&key, &key2) &&
				(p = first_waiter(k, &key, FUTEX_BITSET_MATCH_ANY));
	     moved++) {
		p->futex.key = key2; /* keeps its place by seq */
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
	if (realtime && cmd != FUTEX_WAIT && cmd != FUTEX_WAIT_BITSET)
		return -ENOSYS;
	switch (cmd) {
	case FUTEX_WAIT:
		return futex_wait(k, uaddr, private, val, a[3], FUTEX_BITSET_MATCH_ANY, false,
				  realtime);
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
