/* vclock_gettime.c - the vDSO's clocks: clock_gettime, gettimeofday,
 * time and clock_getres, exported as Linux's are (__vdso_* with weak
 * unprefixed aliases, version LINUX_2.6: vdso.lds). Built for user space
 * with no library: it runs in the guest process, mapped by the guest
 * kernel after its data pages.
 *
 * The clocks take the system call: vmemu's clock mode is
 * VDSO_CLOCKMODE_NONE (vvar.h), which is what Linux's own vDSO does for a
 * clocksource user space cannot read. clock_getres answers from the data
 * page, as Linux's does for the clocks it knows. */
#include <asm/unistd.h>
#include <stddef.h>
#include <sys/time.h>
#include <time.h>

#include "vvar.h"

/* The data page, placed by the linker script before the text. */
extern const struct vdso_data vvar_data __attribute__((visibility("hidden")));

static long syscall2(long nr, long a, long b)
{
	long ret;
	__asm__ volatile("syscall" : "=a"(ret) : "0"(nr), "D"(a), "S"(b) : "rcx", "r11", "memory");
	return ret;
}

int __vdso_clock_gettime(clockid_t clock, struct timespec *ts);
int __vdso_gettimeofday(struct timeval *tv, struct timezone *tz);
time_t __vdso_time(time_t *t);
int __vdso_clock_getres(clockid_t clock, struct timespec *res);

int __vdso_clock_gettime(clockid_t clock, struct timespec *ts)
{
	return (int)syscall2(__NR_clock_gettime, clock, (long)ts);
}

int __vdso_gettimeofday(struct timeval *tv, struct timezone *tz)
{
	return (int)syscall2(__NR_gettimeofday, (long)tv, (long)tz);
}

time_t __vdso_time(time_t *t)
{
	return syscall2(__NR_time, (long)t, 0);
}

/* The resolution of a clock the data page knows, or 0 for one it does
 * not (CPU-time clocks, the alarm clocks, a bad id): the system call
 * answers those. */
static long known_res(clockid_t clock)
{
	switch (clock) {
	case CLOCK_REALTIME: case CLOCK_MONOTONIC: case CLOCK_BOOTTIME: case CLOCK_TAI:
	case CLOCK_MONOTONIC_RAW:
		return vvar_data.hrtimer_res;
	case CLOCK_REALTIME_COARSE: case CLOCK_MONOTONIC_COARSE:
		return vvar_data.coarse_res;
	default:
		return 0;
	}
}

int __vdso_clock_getres(clockid_t clock, struct timespec *res)
{
	long ns = known_res(clock);
	if (!ns)
		return (int)syscall2(__NR_clock_getres, clock, (long)res);
	if (res)
		*res = (struct timespec){0, ns};
	return 0;
}

int clock_gettime(clockid_t, struct timespec *) __attribute__((weak, alias("__vdso_clock_gettime")));
int gettimeofday(struct timeval *, void *) __attribute__((weak, alias("__vdso_gettimeofday")));
time_t time(time_t *) __attribute__((weak, alias("__vdso_time")));
int clock_getres(clockid_t, struct timespec *) __attribute__((weak, alias("__vdso_clock_getres")));
