/* nanosleep.c - the time left of a sleep that a signal handler ends
 * (Linux's nanosleep_copyout): nanosleep and a relative clock_nanosleep
 * write it to their rmtp argument, when they have one, and return EINTR.
 * The sleeps themselves are timed blocks (sys/sys_time.c), or wait for a
 * CPU clock (cputime.c). */
#include <errno.h>
#include <sys/syscall.h>
#include <time.h>

#include "kern.h"
#include "mm/mm.h"
#include "task/internal.h"

#define NSEC_PER_SEC 1000000000ULL

int64_t nanosleep_interrupted(struct kernel *k, struct process *p)
{
	const struct cpu_context *ctx = &p->ctx;
	int clock = CLOCK_MONOTONIC;
	uint64_t urem;
	if (ctx->rax == SYS_nanosleep) {
		urem = ctx->rsi;
	} else if (ctx->rax == SYS_clock_nanosleep && !(ctx->rsi & TIMER_ABSTIME)) {
		clock = (int)ctx->rdi;
		urem = ctx->r10;
	} else {
		return -EINTR;
	}
	uint64_t left = 0, now;
	if (clock < 0 || clock == CLOCK_PROCESS_CPUTIME_ID) {
		if (cpu_clock_get(k, clock, &now))
			return -EINTR; /* the clock's task is gone: no time left to tell */
		left = p->cpu_sleep_until > now ? p->cpu_sleep_until - now : 0;
	} else {
		now = kernel_now_ns();
		left = p->wake_at > now ? p->wake_at - now : 0;
	}
	if (!left)
		return 0; /* it had slept its time: done, as on Linux */
	if (!urem)
		return -EINTR;
	const struct timespec ts = {(time_t)(left / NSEC_PER_SEC), (long)(left % NSEC_PER_SEC)};
	int64_t err = copy_to_user(k, urem, &ts, sizeof(ts));
	return err ? err : -EINTR;
}
