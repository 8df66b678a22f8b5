/* futex_pi.c - priority-inheritance futexes and futex_waitv(2):
 * FUTEX_LOCK_PI/LOCK_PI2/TRYLOCK_PI/UNLOCK_PI on the word's TID bits
 * (EDEADLK, EPERM, ESRCH for a dead owner, FUTEX_OWNER_DIED taken over),
 * a lock handed to a waiting thread with FUTEX_WAITERS, a timed-out
 * lock, FUTEX_WAKE refusing a PI word (EINVAL), WAIT_REQUEUE_PI and
 * CMP_REQUEUE_PI with the mutex free and held, a robust PI mutex whose
 * owner process dies (EOWNERDEAD, also for a waiter already asleep),
 * futex_waitv's index, EAGAIN, EINVAL and ETIMEDOUT, and the calls that
 * take no FUTEX_CLOCK_REALTIME (ENOSYS). Waiters are waited for by their
 * FUTEX_WAITERS bit or a retried wake, so no result depends on timing. */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "guest_test.h"

/* <linux/futex.h>'s values (musl-gcc sees no kernel headers). */
enum {
	FUTEX_WAIT = 0, FUTEX_WAKE = 1, FUTEX_LOCK_PI = 6, FUTEX_UNLOCK_PI = 7,
	FUTEX_TRYLOCK_PI = 8, FUTEX_WAIT_REQUEUE_PI = 11, FUTEX_CMP_REQUEUE_PI = 12,
	FUTEX_LOCK_PI2 = 13, FUTEX_PRIVATE_FLAG = 128, FUTEX_CLOCK_REALTIME = 256,
};
#define FUTEX_WAITERS 0x80000000u
#define FUTEX_OWNER_DIED 0x40000000u
#define FUTEX_TID_MASK 0x3fffffffu

struct waitv {
	uint64_t val, uaddr;
	uint32_t flags, reserved;
};
#define FUTEX2_SIZE_U32 2u
#define NR_futex_waitv 449

static long futex(uint32_t *uaddr, int op, uint32_t val, const void *timeout_or_val2,
		  uint32_t *uaddr2, uint32_t val3)
{
	return syscall(SYS_futex, uaddr, op, val, timeout_or_val2, uaddr2, val3);
}

static uint32_t tid(void)
{
	return (uint32_t)syscall(SYS_gettid);
}

static uint32_t load(const uint32_t *w)
{
	return __atomic_load_n(w, __ATOMIC_SEQ_CST);
}

/* Until another task sets FUTEX_WAITERS in *w (it is about to sleep). */
static void await_waiters_bit(const uint32_t *w)
{
	for (int i = 0; i < 5000 && !(load(w) & FUTEX_WAITERS); i++)
		usleep(1000);
	CHECK(load(w) & FUTEX_WAITERS, "no waiter set FUTEX_WAITERS in 5 s (word %#x)", load(w));
}

static struct timespec realtime_in(long ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += ms * 1000000L;
	ts.tv_sec += ts.tv_nsec / 1000000000L;
	ts.tv_nsec %= 1000000000L;
	return ts;
}

/* A pid that names no task: a child that has been reaped. */
static uint32_t dead_tid(void)
{
	pid_t pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0)
		_exit(0);
	CHECK(waitpid(pid, NULL, 0) == pid, "waitpid");
	return (uint32_t)pid;
}

static void single_task(void)
{
	uint32_t w = 0, me = tid();
	CHECK(futex(&w, FUTEX_LOCK_PI, 0, NULL, NULL, 0) == 0, "LOCK_PI of a free word: %s",
	      strerror(errno));
	CHECK(w == me, "LOCK_PI wrote %#x, not the TID %#x", w, me);
	CHECK_ERRNO(futex(&w, FUTEX_LOCK_PI, 0, NULL, NULL, 0), EDEADLK, "LOCK_PI of one's own");
	CHECK_ERRNO(futex(&w, FUTEX_TRYLOCK_PI, 0, NULL, NULL, 0), EDEADLK, "TRYLOCK_PI of one's own");
	CHECK(futex(&w, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0) == 0, "UNLOCK_PI: %s", strerror(errno));
	CHECK(w == 0, "UNLOCK_PI with no waiter left %#x", w);
	CHECK_ERRNO(futex(&w, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0), EPERM, "UNLOCK_PI of a free word");
	CHECK(futex(&w, FUTEX_LOCK_PI2 | FUTEX_PRIVATE_FLAG, 0, NULL, NULL, 0) == 0, "LOCK_PI2");
	CHECK(w == me, "LOCK_PI2 wrote %#x", w);
	CHECK(futex(&w, FUTEX_UNLOCK_PI | FUTEX_PRIVATE_FLAG, 0, NULL, NULL, 0) == 0, "UNLOCK_PI");

	/* An owner that does not exist: ESRCH, FUTEX_WAITERS set on the way. */
	uint32_t gone = dead_tid();
	w = gone;
	CHECK_ERRNO(futex(&w, FUTEX_LOCK_PI, 0, NULL, NULL, 0), ESRCH, "LOCK_PI of a dead owner's");
	CHECK(w == (gone | FUTEX_WAITERS), "after ESRCH the word is %#x", w);
	w = gone | FUTEX_OWNER_DIED;
	CHECK_ERRNO(futex(&w, FUTEX_TRYLOCK_PI, 0, NULL, NULL, 0), ESRCH, "TRYLOCK_PI, dead owner");
	/* No owner, the last one died: taken, FUTEX_OWNER_DIED kept. */
	w = FUTEX_OWNER_DIED;
	CHECK(futex(&w, FUTEX_TRYLOCK_PI, 0, NULL, NULL, 0) == 0, "TRYLOCK_PI after a death");
	CHECK(w == (me | FUTEX_OWNER_DIED), "TRYLOCK_PI after a death wrote %#x", w);
	/* A stale FUTEX_WAITERS with nobody waiting goes. */
	w = FUTEX_WAITERS;
	CHECK(futex(&w, FUTEX_TRYLOCK_PI, 0, NULL, NULL, 0) == 0, "TRYLOCK_PI of FUTEX_WAITERS");
	CHECK(w == me, "TRYLOCK_PI of FUTEX_WAITERS wrote %#x", w);
	CHECK(futex(&w, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0) == 0 && w == 0, "UNLOCK_PI");

	/* Linux 6.x: FUTEX_CLOCK_REALTIME only with WAIT_BITSET,
	 * WAIT_REQUEUE_PI and LOCK_PI2. */
	struct timespec zero = {0, 0};
	CHECK_ERRNO(futex(&w, FUTEX_WAIT | FUTEX_CLOCK_REALTIME, 1, &zero, NULL, 0), ENOSYS,
		    "FUTEX_WAIT|FUTEX_CLOCK_REALTIME");
	CHECK_ERRNO(futex(&w, FUTEX_LOCK_PI | FUTEX_CLOCK_REALTIME, 0, NULL, NULL, 0), ENOSYS,
		    "FUTEX_LOCK_PI|FUTEX_CLOCK_REALTIME");

	uint32_t c = 0, m = 0;
	CHECK_ERRNO(futex(&c, FUTEX_CMP_REQUEUE_PI, 2, (void *)1, &m, 0), EINVAL,
		    "CMP_REQUEUE_PI waking 2");
	CHECK_ERRNO(futex(&c, FUTEX_CMP_REQUEUE_PI, 1, (void *)1, &c, 0), EINVAL,
		    "CMP_REQUEUE_PI onto itself");
	CHECK_ERRNO(futex(&c, FUTEX_CMP_REQUEUE_PI, 1, (void *)1, &m, 5), EAGAIN,
		    "CMP_REQUEUE_PI, value changed");
	CHECK(futex(&c, FUTEX_CMP_REQUEUE_PI, 1, (void *)1, &m, 0) == 0, "CMP_REQUEUE_PI, none");
	CHECK_ERRNO(futex(&c, FUTEX_WAIT_REQUEUE_PI, 0, NULL, &c, 0), EINVAL,
		    "WAIT_REQUEUE_PI onto itself");
	CHECK_ERRNO(futex(&c, FUTEX_WAIT_REQUEUE_PI, 1, NULL, &m, 0), EAGAIN,
		    "WAIT_REQUEUE_PI, value changed");
	struct timespec past;
	clock_gettime(CLOCK_MONOTONIC, &past);
	CHECK_ERRNO(futex(&c, FUTEX_WAIT_REQUEUE_PI, 0, &past, &m, 0), ETIMEDOUT,
		    "WAIT_REQUEUE_PI, deadline passed");
	puts("single task: ok");
}

static uint32_t word, cond_word;
static uint32_t thread_tid;
static long thread_ret;
static int thread_errno;
static uint32_t word_seen;

static void *lock_pi_thread(void *arg)
{
	(void)arg;
	__atomic_store_n(&thread_tid, tid(), __ATOMIC_SEQ_CST);
	thread_ret = futex(&word, FUTEX_LOCK_PI, 0, NULL, NULL, 0);
	thread_errno = errno;
	word_seen = load(&word);
	if (thread_ret == 0)
		futex(&word, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0);
	return NULL;
}

static void *wait_requeue_thread(void *arg)
{
	(void)arg;
	__atomic_store_n(&thread_tid, tid(), __ATOMIC_SEQ_CST);
	thread_ret = futex(&cond_word, FUTEX_WAIT_REQUEUE_PI, 0, NULL, &word, 0);
	thread_errno = errno;
	word_seen = load(&word);
	if (thread_ret == 0)
		futex(&word, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0);
	return NULL;
}

static uint32_t held, release;

static void *holder_thread(void *arg)
{
	(void)arg;
	__atomic_store_n(&thread_tid, tid(), __ATOMIC_SEQ_CST);
	if (futex(&word, FUTEX_LOCK_PI, 0, NULL, NULL, 0) != 0)
		return NULL;
	__atomic_store_n(&held, 1, __ATOMIC_SEQ_CST);
	while (!load(&release))
		usleep(1000);
	futex(&word, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0);
	return NULL;
}

static void start(pthread_t *t, void *(*fn)(void *))
{
	thread_tid = 0;
	thread_ret = -2;
	CHECK(pthread_create(t, NULL, fn, NULL) == 0, "pthread_create");
	while (!load(&thread_tid))
		usleep(1000);
}

static void join(pthread_t t, long want_ret, uint32_t want_word, const char *what)
{
	CHECK(pthread_join(t, NULL) == 0, "pthread_join");
	CHECK(thread_ret == want_ret, "%s: the thread's call returned %ld (%s)", what, thread_ret,
	      strerror(thread_errno));
	CHECK(word_seen == want_word, "%s: the thread saw the word %#x, not %#x", what, word_seen,
	      want_word);
}

/* A CMP_REQUEUE_PI, retried until the waiter is there; its count. */
static long requeue_when_waiting(uint32_t nr_requeue)
{
	for (int i = 0; i < 5000; i++) {
		long r = futex(&cond_word, FUTEX_CMP_REQUEUE_PI, 1, (void *)(uintptr_t)nr_requeue,
			       &word, 0);
		CHECK(r >= 0, "CMP_REQUEUE_PI: %s", strerror(errno));
		if (r > 0)
			return r;
		usleep(1000);
	}
	fail("no WAIT_REQUEUE_PI waiter showed up in 5 s");
}

static void two_threads(void)
{
	pthread_t t;
	uint32_t me = tid();

	/* Held here: the thread sleeps, UNLOCK_PI hands the lock over. */
	word = me;
	start(&t, lock_pi_thread);
	await_waiters_bit(&word);
	CHECK(load(&word) == (me | FUTEX_WAITERS), "with a waiter the word is %#x", load(&word));
	CHECK_ERRNO(futex(&word, FUTEX_WAKE, 1, NULL, NULL, 0), EINVAL, "FUTEX_WAKE of a PI word");
	CHECK_ERRNO(futex(&word, FUTEX_TRYLOCK_PI, 0, NULL, NULL, 0), EDEADLK, "TRYLOCK_PI, own");
	CHECK(futex(&word, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0) == 0, "UNLOCK_PI to a waiter");
	join(t, 0, thread_tid | FUTEX_WAITERS, "LOCK_PI handed over");
	CHECK(load(&word) == 0, "after the thread's UNLOCK_PI the word is %#x", load(&word));

	/* Held by a thread that keeps it: the deadline passes. */
	word = 0;
	held = release = 0;
	start(&t, holder_thread);
	while (!load(&held))
		usleep(1000);
	struct timespec until = realtime_in(50);
	CHECK_ERRNO(futex(&word, FUTEX_LOCK_PI, 0, &until, NULL, 0), ETIMEDOUT,
		    "LOCK_PI past its deadline");
	CHECK(load(&word) == (thread_tid | FUTEX_WAITERS), "after ETIMEDOUT the word is %#x",
	      load(&word));
	__atomic_store_n(&release, 1, __ATOMIC_SEQ_CST);
	CHECK(pthread_join(t, NULL) == 0, "pthread_join");
	CHECK(load(&word) == 0, "the holder's UNLOCK_PI left %#x", load(&word));
	word = thread_tid; /* an ended thread's TID: ESRCH, no wait */
	CHECK_ERRNO(futex(&word, FUTEX_LOCK_PI, 0, NULL, NULL, 0), ESRCH,
		    "LOCK_PI of an ended thread's word");

	/* WAIT_REQUEUE_PI, requeued to a mutex that is free: the waiter
	 * owns it at once (CMP_REQUEUE_PI counts it). */
	cond_word = 0;
	word = 0;
	start(&t, wait_requeue_thread);
	CHECK(requeue_when_waiting(0) == 1, "CMP_REQUEUE_PI to a free mutex");
	join(t, 0, thread_tid, "requeued to a free mutex");
	CHECK(load(&word) == 0, "after the thread's unlock the word is %#x", load(&word));

	/* ... to a mutex held here: it waits there until UNLOCK_PI. */
	word = me;
	start(&t, wait_requeue_thread);
	for (int i = 0; i < 5000; i++) { /* a plain wake of its word is EINVAL once it waits */
		if (futex(&cond_word, FUTEX_WAKE, 1, NULL, NULL, 0) == -1)
			break;
		usleep(1000);
	}
	CHECK_ERRNO(futex(&cond_word, FUTEX_WAKE, 1, NULL, NULL, 0), EINVAL,
		    "FUTEX_WAKE of a WAIT_REQUEUE_PI waiter");
	CHECK(requeue_when_waiting(0) == 1, "CMP_REQUEUE_PI to a held mutex");
	CHECK(load(&word) == (me | FUTEX_WAITERS), "the held mutex's word is %#x", load(&word));
	CHECK(futex(&word, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0) == 0, "UNLOCK_PI to the requeued");
	join(t, 0, thread_tid | FUTEX_WAITERS, "requeued to a held mutex");
	puts("two threads: ok");
}

/* A robust, process-shared PI mutex whose owner process dies holding it:
 * the next locker gets EOWNERDEAD, also one already asleep in it. */
static void robust_owner_death(void)
{
	pthread_mutex_t *mx = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
				   -1, 0);
	CHECK(mx != MAP_FAILED, "mmap");
	pthread_mutexattr_t at;
	pthread_mutexattr_init(&at);
	CHECK(pthread_mutexattr_setpshared(&at, PTHREAD_PROCESS_SHARED) == 0, "setpshared");
	CHECK(pthread_mutexattr_setrobust(&at, PTHREAD_MUTEX_ROBUST) == 0, "setrobust");
	CHECK(pthread_mutexattr_setprotocol(&at, PTHREAD_PRIO_INHERIT) == 0, "setprotocol");
	CHECK(pthread_mutex_init(mx, &at) == 0, "pthread_mutex_init");
	for (int asleep = 0; asleep < 2; asleep++) {
		int go[2], done[2];
		CHECK(pipe(go) == 0 && pipe(done) == 0, "pipe");
		pid_t pid = fork();
		CHECK(pid >= 0, "fork");
		if (pid == 0) {
			if (pthread_mutex_lock(mx) != 0)
				_exit(2);
			char b = 1;
			if (write(done[1], &b, 1) != 1 || read(go[0], &b, 1) != 1)
				_exit(3);
			_exit(0); /* holding it */
		}
		char b;
		CHECK(read(done[0], &b, 1) == 1, "the child did not lock");
		if (asleep) { /* the child dies while this one sleeps in the lock */
			pid_t killer = fork();
			CHECK(killer >= 0, "fork");
			if (killer == 0) {
				/* The lock word's place in pthread_mutex_t is the
				 * libc's: give the parent time to fall asleep. */
				usleep(100000);
				_exit(write(go[1], &b, 1) == 1 ? 0 : 1);
			}
			CHECK(pthread_mutex_lock(mx) == EOWNERDEAD, "a sleeping locker did not get EOWNERDEAD");
			int st;
			CHECK(waitpid(killer, &st, 0) == killer && st == 0, "the helper child");
		} else {
			CHECK(write(go[1], &b, 1) == 1, "write");
			int st;
			CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && !WEXITSTATUS(st),
			      "the child exited %#x", st);
			CHECK(pthread_mutex_lock(mx) == EOWNERDEAD, "the next locker did not get EOWNERDEAD");
		}
		if (asleep)
			CHECK(waitpid(pid, NULL, 0) == pid, "waitpid");
		CHECK(pthread_mutex_consistent(mx) == 0, "pthread_mutex_consistent");
		CHECK(pthread_mutex_unlock(mx) == 0, "pthread_mutex_unlock");
		close(go[0]), close(go[1]), close(done[0]), close(done[1]);
	}
	puts("robust owner death: ok");
}

static uint32_t vwords[3];
static long waitv_ret;

static void *waitv_thread(void *arg)
{
	(void)arg;
	struct waitv v[3];
	for (int i = 0; i < 3; i++)
		v[i] = (struct waitv){.val = 0, .uaddr = (uintptr_t)&vwords[i],
				      .flags = FUTEX2_SIZE_U32 | FUTEX_PRIVATE_FLAG};
	__atomic_store_n(&thread_tid, tid(), __ATOMIC_SEQ_CST);
	waitv_ret = syscall(NR_futex_waitv, v, 3, 0, NULL, 0);
	return NULL;
}

static void futex_waitv(void)
{
	struct waitv v[2] = {{.val = 0, .uaddr = (uintptr_t)&vwords[0], .flags = FUTEX2_SIZE_U32},
			     {.val = 7, .uaddr = (uintptr_t)&vwords[1], .flags = FUTEX2_SIZE_U32}};
	CHECK_ERRNO(syscall(NR_futex_waitv, v, 2, 0, NULL, 0), EAGAIN, "futex_waitv, a value differs");
	CHECK_ERRNO(syscall(NR_futex_waitv, v, 2, 1, NULL, 0), EINVAL, "futex_waitv flags 1");
	CHECK_ERRNO(syscall(NR_futex_waitv, v, 0, 0, NULL, 0), EINVAL, "futex_waitv of none");
	CHECK_ERRNO(syscall(NR_futex_waitv, v, 129, 0, NULL, 0), EINVAL, "futex_waitv of 129");
	v[1].val = 0;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	CHECK_ERRNO(syscall(NR_futex_waitv, v, 2, 0, &ts, CLOCK_BOOTTIME), EINVAL,
		    "futex_waitv on CLOCK_BOOTTIME");
	CHECK_ERRNO(syscall(NR_futex_waitv, v, 2, 0, &ts, CLOCK_MONOTONIC), ETIMEDOUT,
		    "futex_waitv, deadline passed");
	v[1].flags = 3; /* 64-bit words: not yet */
	CHECK_ERRNO(syscall(NR_futex_waitv, v, 2, 0, NULL, 0), EINVAL, "futex_waitv of a u64");
	v[1].flags = FUTEX2_SIZE_U32;
	v[1].reserved = 1;
	CHECK_ERRNO(syscall(NR_futex_waitv, v, 2, 0, NULL, 0), EINVAL, "futex_waitv, reserved");
	v[1].reserved = 0;
	v[1].uaddr = (uintptr_t)&vwords[1] + 1;
	CHECK_ERRNO(syscall(NR_futex_waitv, v, 2, 0, NULL, 0), EINVAL, "futex_waitv, unaligned");

	pthread_t t;
	start(&t, waitv_thread);
	long woken = 0;
	for (int i = 0; i < 5000 && !woken; i++) { /* until the wake finds it */
		woken = futex(&vwords[2], FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, NULL, NULL, 0);
		if (!woken)
			usleep(1000);
	}
	CHECK(woken == 1, "FUTEX_WAKE of futex_waitv's third word woke %ld", woken);
	CHECK(pthread_join(t, NULL) == 0, "pthread_join");
	CHECK(waitv_ret == 2, "futex_waitv returned %ld, not the index 2", waitv_ret);
	puts("futex_waitv: ok");
}

int main(void)
{
	single_task();
	two_threads();
	robust_owner_death();
	futex_waitv();
	return 0;
}
