/* futex_waitv.c - futex_waitv(2): one sleep on up to FUTEX_WAITV_MAX
 * 32-bit futex words; any FUTEX_WAKE of one of them ends it, and the call
 * returns that word's index (Linux's kernel/futex/waitwake.c). */
#include <errno.h>
#include <linux/futex.h>
#include <stdlib.h>
#include <time.h>

#include "kern.h"
#include "mm/mm.h"
#include "task/futex.h"
#include "task/internal.h"

#define FUTEX2_SIZE_MASK 3
#define FUTEX2_SIZE_U32 2
#define FUTEX2_PRIVATE FUTEX_PRIVATE_FLAG

/* The waiters' keys, once each entry is checked (Linux's
 * futex_parse_waitv) and its word still holds its value: 0, or -EAGAIN
 * (a word changed), -EINVAL, -EFAULT. */
static int waitv_setup(struct kernel *k, const struct futex_waitv *v, uint32_t n,
		       struct futex_key *keys)
{
	for (uint32_t i = 0; i < n; i++) {
		if ((v[i].flags & ~(uint32_t)(FUTEX2_SIZE_MASK | FUTEX2_PRIVATE)) ||
		    (v[i].flags & FUTEX2_SIZE_MASK) != FUTEX2_SIZE_U32 || v[i].__reserved)
			return -EINVAL;
	}
	for (uint32_t i = 0; i < n; i++) {
		uint32_t cur;
		int err = futex_key(k->current->mm, v[i].uaddr, v[i].flags & FUTEX2_PRIVATE, &keys[i]);
		if (!err)
			err = futex_get_word(k, v[i].uaddr, &cur);
		if (err)
			return err;
		if (cur != (uint32_t)v[i].val)
			return -EAGAIN;
	}
	return 0;
}

/* futex_waitv(waiters, nr_futexes, flags, timeout, clockid): the timeout
 * is absolute on clockid (CLOCK_MONOTONIC or CLOCK_REALTIME). */
int64_t sys_futex_waitv(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct process *p = k->current;
	uint32_t n = (uint32_t)a[1];
	int clockid = (int)a[4];
	if (p->futex.queued) {
		int64_t ret = futex_rerun(p);
		if (ret != -ERESTARTSYS)
			return ret;
	}
	if (a[2] || !n || n > FUTEX_WAITV_MAX || !a[0])
		return -EINVAL;
	if (a[3] && clockid != CLOCK_REALTIME && clockid != CLOCK_MONOTONIC)
		return -EINVAL;
	int err = futex_set_deadline(k, a[3], true, clockid == CLOCK_REALTIME);
	if (err)
		return err;
	struct futex_waitv *v = malloc(n * sizeof(*v));
	struct futex_key *keys = malloc(n * sizeof(*keys));
	if (!v || !keys)
		err = -ENOMEM;
	else if (copy_from_user(k, v, a[0], n * sizeof(*v)))
		err = -EFAULT;
	else
		err = waitv_setup(k, v, n, keys);
	free(v);
	if (!err && futex_timed_out(p))
		err = -ETIMEDOUT;
	if (err) {
		free(keys);
		return err;
	}
	return futex_queue(k, &(struct futex_wait){.kind = FUTEX_Q_VEC, .keys = keys, .nkeys = n,
						   .bitset = FUTEX_BITSET_MATCH_ANY});
}
