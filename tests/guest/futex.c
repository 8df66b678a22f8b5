/* futex.c - futex(2) between processes: FUTEX_WAIT and FUTEX_WAKE on
 * shared and private memory, timeouts (relative and absolute), bitsets,
 * CMP_REQUEUE (and where it puts the waiters it moves), WAKE_OP, a signal interrupting a wait, and the errors. A
 * waker retries until its wake finds the waiter, so no result depends on
 * timing. */
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>

#include "proc_test.h"

/* <linux/futex.h>'s values (musl-gcc sees no kernel headers). */
enum {
	FUTEX_WAIT = 0, FUTEX_WAKE = 1, FUTEX_CMP_REQUEUE = 4, FUTEX_WAKE_OP = 5,
	FUTEX_WAIT_BITSET = 9, FUTEX_WAKE_BITSET = 10, FUTEX_PRIVATE_FLAG = 128,
	FUTEX_WAIT_PRIVATE = FUTEX_WAIT | FUTEX_PRIVATE_FLAG,
	FUTEX_OP_SET = 0, FUTEX_OP_ADD = 1, FUTEX_OP_CMP_EQ = 0, FUTEX_OP_CMP_GT = 4,
};
#define FUTEX_BITSET_MATCH_ANY 0xffffffffu
#define FUTEX_OP(op, oparg, cmp, cmparg)                                                   \
	((uint32_t)(((op)&0xf) << 28 | ((cmp)&0xf) << 24 | ((oparg)&0xfff) << 12 | ((cmparg)&0xfff)))

static long futex(uint32_t *uaddr, int op, uint32_t val, const void *timeout_or_val2,
		  uint32_t *uaddr2, uint32_t val3)
{
	return syscall(SYS_futex, uaddr, op, val, timeout_or_val2, uaddr2, val3);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Wakes waiters of word (up to n) until one is found; how many woke. */
static long wake_when_waiting(uint32_t *word, int op, uint32_t n, uint32_t *word2, uint32_t val3)
{
	for (int i = 0; i < 5000; i++) {
		long r = futex(word, op, n, (void *)(uintptr_t)1, word2, val3);
		CHECK(r >= 0, "wake op %d: %s", op, strerror(errno));
		if (r > 0)
			return r;
		usleep(1000);
	}
	fail("no waiter showed up on %p in 5 s", (void *)word);
}

/* Sets *word and wakes all its waiters: they see it and leave. */
static void release(uint32_t *word, uint32_t value)
{
	__atomic_store_n(word, value, __ATOMIC_SEQ_CST);
	CHECK(futex(word, FUTEX_WAKE, 0x7fffffff, NULL, NULL, 0) >= 0, "FUTEX_WAKE all");
}

static void single_process(void)
{
	uint32_t w = 1;
	CHECK_ERRNO(futex(&w, FUTEX_WAIT, 2, NULL, NULL, 0), EAGAIN, "FUTEX_WAIT, value differs");
	CHECK(futex(&w, FUTEX_WAKE, 1, NULL, NULL, 0) == 0, "FUTEX_WAKE with no waiter");
	struct timespec rel = {0, 50000000};
	double t0 = now();
	CHECK_ERRNO(futex(&w, FUTEX_WAIT_PRIVATE, 1, &rel, NULL, 0), ETIMEDOUT, "timed wait");
	CHECK(now() - t0 >= 0.049, "timed wait returned after %.3f s", now() - t0);
	struct timespec abs;
	clock_gettime(CLOCK_MONOTONIC, &abs);
	abs.tv_nsec += 30000000;
	if (abs.tv_nsec >= 1000000000) {
		abs.tv_sec++;
		abs.tv_nsec -= 1000000000;
	}
	CHECK_ERRNO(futex(&w, FUTEX_WAIT_BITSET, 1, &abs, NULL, FUTEX_BITSET_MATCH_ANY), ETIMEDOUT,
		    "absolute wait");
	CHECK_ERRNO(futex(&w, FUTEX_WAIT_BITSET, 1, &abs, NULL, 0), EINVAL, "bitset 0");
	CHECK_ERRNO(futex((uint32_t *)((char *)&w + 1), FUTEX_WAKE, 1, NULL, NULL, 0), EINVAL,
		    "unaligned word");
	struct timespec bad = {0, 1000000000};
	CHECK_ERRNO(futex(&w, FUTEX_WAIT, 1, &bad, NULL, 0), EINVAL, "tv_nsec 1e9");
	CHECK_ERRNO(futex(NULL, FUTEX_WAIT, 0, NULL, NULL, 0), EFAULT, "NULL word");
	CHECK_ERRNO(futex(&w, FUTEX_CMP_REQUEUE, 1, (void *)1, &w + 1, 7), EAGAIN,
		    "CMP_REQUEUE with a stale value");
	printf("single process: ok\n");
}

/* A child waits on word (shared memory) for the value to leave 0. */
static pid_t waiter(uint32_t *word, int op, uint32_t bitset)
{
	pid_t pid = xfork();
	if (pid == 0) {
		while (__atomic_load_n(word, __ATOMIC_SEQ_CST) == 0) {
			long r = futex(word, op, 0, NULL, NULL, bitset);
			CHECK(r == 0 || errno == EAGAIN, "child wait: %s", strerror(errno));
		}
		_exit(0);
	}
	return pid;
}

static void shared_wake(uint32_t *shm)
{
	shm[0] = 0;
	pid_t pid = waiter(&shm[0], FUTEX_WAIT, 0);
	CHECK(wake_when_waiting(&shm[0], FUTEX_WAKE, 1, NULL, 0) == 1, "one waiter woken");
	release(&shm[0], 1);
	expect_exit(wait_for(pid), 0, "shared waiter");
	/* A bitset that does not meet the waiter's wakes nobody. */
	shm[1] = 0;
	pid = waiter(&shm[1], FUTEX_WAIT_BITSET, 0x1);
	usleep(50000);
	CHECK(futex(&shm[1], FUTEX_WAKE_BITSET, 1, NULL, NULL, 0x2) == 0, "bitset 2 woke someone");
	CHECK(wake_when_waiting(&shm[1], FUTEX_WAKE_BITSET, 1, NULL, 0x1) == 1, "bitset 1");
	release(&shm[1], 1);
	expect_exit(wait_for(pid), 0, "bitset waiter");
	printf("shared wake and bitsets: ok\n");
}

/* Private memory after fork is each process's own: a wake in the parent
 * does not reach the child's copy, whose wait times out. */
static void private_copies(void)
{
	static uint32_t word;
	pid_t pid = xfork();
	if (pid == 0) {
		struct timespec rel = {0, 200000000};
		CHECK_ERRNO(futex(&word, FUTEX_WAIT, 0, &rel, NULL, 0), ETIMEDOUT,
			    "child's private word");
		_exit(0);
	}
	for (int i = 0; i < 20; i++) {
		CHECK(futex(&word, FUTEX_WAKE, 1, NULL, NULL, 0) == 0, "woke the child's copy");
		usleep(5000);
	}
	expect_exit(wait_for(pid), 0, "private waiter");
	printf("private copies: ok\n");
}

static void requeue(uint32_t *shm)
{
	shm[2] = 0;
	shm[3] = 0;
	pid_t a = waiter(&shm[2], FUTEX_WAIT, 0), b = waiter(&shm[2], FUTEX_WAIT, 0);
	/* Both waiters of word 2 move to word 3 (none woken), as they come. */
	long moved = 0;
	for (int i = 0; moved < 2; i++) {
		CHECK(i < 5000, "two waiters never showed up (%ld moved)", moved);
		long r = futex(&shm[2], FUTEX_CMP_REQUEUE, 0, (void *)0x7fffffff, &shm[3], 0);
		CHECK(r >= 0, "CMP_REQUEUE: %s", strerror(errno));
		moved += r;
		if (moved < 2)
			usleep(1000);
	}
	CHECK(futex(&shm[2], FUTEX_WAKE, 2, NULL, NULL, 0) == 0, "a waiter stayed on word 2");
	shm[2] = 1;
	CHECK(futex(&shm[3], FUTEX_WAKE, 1, NULL, NULL, 0) == 1, "first requeued waiter");
	CHECK(futex(&shm[3], FUTEX_WAKE, 1, NULL, NULL, 0) == 1, "second requeued waiter");
	expect_exit(wait_for(a), 0, "requeued a");
	expect_exit(wait_for(b), 0, "requeued b");
	printf("requeue: ok\n");
}

/* Waits for process pid to sleep (state S in /proc/PID/stat). */
static void await_sleep(pid_t pid)
{
	char path[64], buf[256];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	for (int i = 0; i < 5000; i++) {
		FILE *f = fopen(path, "r");
		CHECK(f, "%s: %s", path, strerror(errno));
		size_t n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = 0;
		const char *state = strrchr(buf, ')');
		if (state && state[1] == ' ' && state[2] == 'S')
			return;
		usleep(1000);
	}
	fail("process %d never slept", (int)pid);
}

/* A child that waits on word once and exits with tag when woken. */
static pid_t one_wait(uint32_t *word, int tag)
{
	pid_t pid = xfork();
	if (pid == 0) {
		long r = futex(word, FUTEX_WAIT, 0, NULL, NULL, 0);
		CHECK(r == 0, "one wait: %s", strerror(errno));
		_exit(tag);
	}
	await_sleep(pid);
	return pid;
}

/* A requeued waiter goes behind the waiters already on the target word,
 * as Linux's requeue_futex appends it to the target's queue. */
static void requeue_order(uint32_t *shm)
{
	shm[5] = 0;
	shm[6] = 0;
	/* The waiter to be moved comes first, so arrival order is not enough. */
	pid_t second = one_wait(&shm[5], 2), first = one_wait(&shm[6], 1);
	CHECK(futex(&shm[5], FUTEX_CMP_REQUEUE, 0, (void *)1, &shm[6], 0) == 1, "requeue one");
	for (int tag = 1; tag <= 2; tag++) {
		CHECK(futex(&shm[6], FUTEX_WAKE, 1, NULL, NULL, 0) == 1, "wake %d", tag);
		int status;
		pid_t pid = waitpid(-1, &status, 0);
		CHECK(pid == (tag == 1 ? first : second) && WIFEXITED(status) &&
			      WEXITSTATUS(status) == tag,
		      "wake %d woke pid %d (status %#x), not the one queued %s", tag, (int)pid,
		      status, tag == 1 ? "first" : "second");
	}
	printf("requeue order: ok\n");
}

static void wake_op(uint32_t *shm)
{
	shm[4] = 0;
	shm[5] = 0;
	shm[7] = 0;
	/* The child waits on word 4 until word 7 is set. */
	pid_t pid = xfork();
	if (pid == 0) {
		while (!__atomic_load_n(&shm[7], __ATOMIC_SEQ_CST))
			futex(&shm[4], FUTEX_WAIT, shm[4], NULL, NULL, 0);
		_exit(0);
	}
	/* Word 5 becomes 5; one waiter of word 4 wakes, and as word 5 was 0
	 * (CMP_EQ 0) one of word 5 would too (it has none). */
	uint32_t op = FUTEX_OP(FUTEX_OP_SET, 5, FUTEX_OP_CMP_EQ, 0);
	for (int i = 0;; i++) {
		CHECK(i < 5000, "the waiter never showed up");
		shm[5] = 0;
		long r = futex(&shm[4], FUTEX_WAKE_OP, 1, (void *)1, &shm[5], op);
		CHECK(r >= 0, "FUTEX_WAKE_OP: %s", strerror(errno));
		CHECK(shm[5] == 5, "word 5 is %u", shm[5]);
		if (r == 1)
			break;
		usleep(1000);
	}
	release(&shm[7], 1);
	CHECK(futex(&shm[4], FUTEX_WAKE, 1, NULL, NULL, 0) >= 0, "wake word 4");
	expect_exit(wait_for(pid), 0, "wake_op waiter");
	/* ADD with a false comparison: changed, nobody woken. */
	op = FUTEX_OP(FUTEX_OP_ADD, 3, FUTEX_OP_CMP_GT, 100);
	CHECK(futex(&shm[4], FUTEX_WAKE_OP, 1, (void *)1, &shm[5], op) == 0, "ADD woke someone");
	CHECK(shm[5] == 8, "5 + 3 is %u", shm[5]);
	printf("wake_op: ok\n");
}

static void on_usr1(int sig)
{
	(void)sig;
}

static void interrupted(uint32_t *shm)
{
	shm[6] = 0;
	pid_t pid = xfork();
	if (pid == 0) {
		struct sigaction sa = {.sa_handler = on_usr1};
		sigaction(SIGUSR1, &sa, NULL);
		CHECK_ERRNO(futex(&shm[6], FUTEX_WAIT, 0, NULL, NULL, 0), EINTR, "interrupted wait");
		_exit(0);
	}
	usleep(100000);
	kill(pid, SIGUSR1);
	expect_exit(wait_for(pid), 0, "interrupted waiter");
	printf("signal: ok\n");
}

int main(void)
{
	uint32_t *shm = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(shm != MAP_FAILED, "mmap: %s", strerror(errno));
	single_process();
	shared_wake(shm);
	private_copies();
	requeue(shm);
	requeue_order(shm);
	wake_op(shm);
	interrupted(shm);
	return 0;
}
