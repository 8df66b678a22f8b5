/* thread_pool.c - a pthread worker pool: 8 threads take jobs from a queue
 * under a mutex and a condition variable, count with atomics and in
 * thread-local storage, are joined; then a thread blocked in a
 * cancellation point is cancelled and its cleanup handler runs. The
 * output depends only on the jobs, so it equals the native run's. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <unistd.h>

#include "guest_test.h"

#define NTHREADS 8
#define NJOBS 4000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t more = PTHREAD_COND_INITIALIZER;
static int queue[NJOBS];
static int head, tail;
static bool closed;

static atomic_uint_fast64_t sum;
static atomic_int done_jobs;
static _Thread_local uint64_t my_sum = 7; /* each thread starts with the initial image */
static _Thread_local int my_jobs;

/* A job's result: a few thousand steps of a hash, so jobs take a while
 * and threads interleave. */
static uint64_t work(int job)
{
	uint64_t h = 1469598103934665603ULL ^ (uint64_t)job;
	for (int i = 0; i < 2000; i++)
		h = (h ^ (uint64_t)i) * 1099511628211ULL;
	return h % 1000003;
}

static int take(void)
{
	pthread_mutex_lock(&lock);
	while (head == tail && !closed)
		pthread_cond_wait(&more, &lock);
	int job = head < tail ? queue[head++] : -1;
	pthread_mutex_unlock(&lock);
	return job;
}

struct result {
	uint64_t tls_sum;
	int jobs;
	pid_t tid;
};

static void *worker(void *arg)
{
	struct result *r = arg;
	CHECK(my_sum == 7 && my_jobs == 0, "TLS not fresh in a new thread: %lu %d",
	      (unsigned long)my_sum, my_jobs);
	my_sum = 0;
	for (int job; (job = take()) >= 0;) {
		uint64_t v = work(job);
		my_sum += v;
		my_jobs++;
		atomic_fetch_add(&sum, v);
		atomic_fetch_add(&done_jobs, 1);
	}
	r->tls_sum = my_sum;
	r->jobs = my_jobs;
	r->tid = gettid();
	return r;
}

static void pool(void)
{
	pthread_t t[NTHREADS];
	struct result res[NTHREADS];
	for (int i = 0; i < NTHREADS; i++)
		CHECK(pthread_create(&t[i], NULL, worker, &res[i]) == 0, "pthread_create %d", i);
	/* Jobs arrive in batches while the workers run. */
	for (int batch = 0; batch < 40; batch++) {
		pthread_mutex_lock(&lock);
		for (int j = 0; j < NJOBS / 40; j++)
			queue[tail] = tail, tail++;
		pthread_cond_broadcast(&more);
		pthread_mutex_unlock(&lock);
	}
	pthread_mutex_lock(&lock);
	closed = true;
	pthread_cond_broadcast(&more);
	pthread_mutex_unlock(&lock);

	uint64_t tls_total = 0;
	int jobs = 0;
	for (int i = 0; i < NTHREADS; i++) {
		void *ret;
		CHECK(pthread_join(t[i], &ret) == 0 && ret == &res[i], "join %d", i);
		CHECK(res[i].tid != getpid() && res[i].tid > 0, "thread %d has tid %d", i,
		      (int)res[i].tid);
		for (int j = 0; j < i; j++)
			CHECK(res[j].tid != res[i].tid, "threads %d and %d share tid %d", j, i,
			      (int)res[i].tid);
		tls_total += res[i].tls_sum;
		jobs += res[i].jobs;
	}
	uint64_t expect = 0;
	for (int j = 0; j < NJOBS; j++)
		expect += work(j);
	CHECK(jobs == NJOBS && atomic_load(&done_jobs) == NJOBS, "jobs %d, counted %d", jobs,
	      atomic_load(&done_jobs));
	CHECK(tls_total == expect && atomic_load(&sum) == expect,
	      "sums: TLS %lu, atomic %lu, expected %lu", (unsigned long)tls_total,
	      (unsigned long)atomic_load(&sum), (unsigned long)expect);
	CHECK(my_sum == 7, "the main thread's TLS changed: %lu", (unsigned long)my_sum);
	printf("pool: %d threads, %d jobs, sum %lu\n", NTHREADS, jobs, (unsigned long)expect);
}

/* ---- cancellation ---- */

static pthread_mutex_t gate = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t never = PTHREAD_COND_INITIALIZER;
static atomic_int waiting, cleaned;

static void cleanup(void *arg)
{
	atomic_store(&cleaned, *(int *)arg);
	pthread_mutex_unlock(&gate); /* cond_wait gives the mutex back when cancelled */
}

static void *sleeper(void *arg)
{
	pthread_mutex_lock(&gate);
	pthread_cleanup_push(cleanup, arg);
	atomic_store(&waiting, 1);
	for (;;)
		pthread_cond_wait(&never, &gate);
	pthread_cleanup_pop(0);
	return NULL;
}

static void *reader(void *arg)
{
	(void)arg;
	int fds[2];
	CHECK(pipe(fds) == 0, "pipe: %s", strerror(errno));
	char c;
	atomic_store(&waiting, 2);
	(void)read(fds[0], &c, 1); /* nobody writes: only cancellation ends it */
	return NULL;
}

static void cancel(void *(*fn)(void *), int state, const char *what)
{
	static int token = 42;
	pthread_t t;
	atomic_store(&waiting, 0);
	atomic_store(&cleaned, 0);
	CHECK(pthread_create(&t, NULL, fn, &token) == 0, "pthread_create %s", what);
	while (atomic_load(&waiting) != state)
		sched_yield();
	usleep(20000); /* let it reach the blocking call */
	CHECK(pthread_cancel(t) == 0, "pthread_cancel %s", what);
	void *ret;
	CHECK(pthread_join(t, &ret) == 0, "join %s", what);
	CHECK(ret == PTHREAD_CANCELED, "%s: joined with %p, not PTHREAD_CANCELED", what, ret);
	printf("cancel %s: canceled, cleanup %d\n", what, atomic_load(&cleaned));
}

int main(void)
{
	pool();
	cancel(sleeper, 1, "cond_wait");
	CHECK(atomic_load(&cleaned) == 42, "the cleanup handler did not run");
	CHECK(pthread_mutex_trylock(&gate) == 0, "the cancelled waiter kept the mutex");
	pthread_mutex_unlock(&gate);
	cancel(reader, 2, "read");
	printf("ok\n");
	return 0;
}
