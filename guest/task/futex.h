/* futex.h - what futex.c, futex_pi.c and futex_waitv.c share (Linux's
 * kernel/futex/futex.h): keys, the wait queue, deadlines. */
#ifndef VMEMU_TASK_FUTEX_H
#define VMEMU_TASK_FUTEX_H

#include <stdbool.h>
#include <stdint.h>

#include "task/task.h"

struct kernel;
struct mm;

#define NSEC_PER_SEC 1000000000ULL

/* The key of the word at uaddr in mm: 0 or -EINVAL (not aligned). */
int futex_key(struct mm *mm, uint64_t uaddr, bool private, struct futex_key *key);
bool futex_key_eq(const struct futex_key *a, const struct futex_key *b);
/* The word at uaddr of the running task: 0 or -EFAULT. */
int futex_get_word(struct kernel *k, uint64_t uaddr, uint32_t *val);
int futex_put_word(struct kernel *k, uint64_t uaddr, uint32_t val);

/* The index of key among w's keys (0 for a single-key wait), or -1. */
int futex_q_match(const struct futex_wait *w, const struct futex_key *key);
/* The oldest queued, unwoken waiter on key that came after arrival
 * number after (0: the oldest of all), or NULL. */
struct process *futex_next_waiter(struct kernel *k, const struct futex_key *key, uint64_t after);
/* p's wait ends with a wake (of w's key number index). */
void futex_wake_q(struct process *p, uint32_t index);
/* The running task sleeps in the wait *w describes (queued in arrival
 * order): returns -ERESTARTSYS. */
int64_t futex_queue(struct kernel *k, const struct futex_wait *w);

/* A futex call made again after its task slept in it (p->futex.queued):
 * what it returns now (a wake's result; -ETIMEDOUT; -EWOULDBLOCK once
 * requeued to a PI futex), or -ERESTARTSYS when it starts again. */
int64_t futex_rerun(struct process *p);

/* The absolute deadline in CLOCK_MONOTONIC ns of the timespec at uts:
 * relative (from now) or absolute on CLOCK_REALTIME or CLOCK_MONOTONIC.
 * 0 with *deadline 0 when uts is 0 (none); -EFAULT, -EINVAL. */
int futex_deadline(struct kernel *k, uint64_t uts, bool absolute, bool realtime,
		   uint64_t *deadline);
/* The deadline of the call the running task makes: fixed by its first
 * run, kept across its restarts (p->wake_at). 0 or -errno. */
int futex_set_deadline(struct kernel *k, uint64_t uts, bool absolute, bool realtime);
/* Whether the running task's deadline has passed. */
bool futex_timed_out(const struct process *p);

/* FUTEX_LOCK_PI, LOCK_PI2, TRYLOCK_PI, UNLOCK_PI, WAIT_REQUEUE_PI and
 * CMP_REQUEUE_PI (futex_pi.c); the arguments as sys_futex has them. */
int64_t futex_pi_call(struct kernel *k, int cmd, uint64_t uaddr, bool private, bool realtime,
		      uint32_t val, uint64_t a3, uint64_t uaddr2, uint32_t val3);
/* The PI futexes that p, exiting or execing, owns go to their first
 * waiters with FUTEX_OWNER_DIED (Linux's exit_pi_state_list). */
void futex_pi_exit(struct kernel *k, struct process *p);

#endif
