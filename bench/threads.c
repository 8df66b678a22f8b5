/* threads: a pthread worker pool of 8 threads that take 100,000 jobs from
 * a queue under a mutex and a condition variable (each job a few thousand
 * steps of a hash), add into an atomic counter and a per-thread sum in
 * thread-local storage, and are joined.  Prints the sum.  What it costs:
 * thread creation (clone), futex waits and wakes as the threads contend,
 * and switches between tasks of one address space.  Usage: threads [JOBS]. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define NTHREADS 8

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t more = PTHREAD_COND_INITIALIZER;
static int next_job, njobs, posted;
static atomic_uint_fast64_t total;
static _Thread_local uint64_t mine;

static uint64_t work(int job)
{
    uint64_t h = 1469598103934665603ULL ^ (uint64_t)job;
    for (int i = 0; i < 4000; i++)
        h = (h ^ (uint64_t)i) * 1099511628211ULL;
    return h % 1000003;
}

static void *worker(void *arg)
{
    uint64_t *out = arg;
    for (;;) {
        pthread_mutex_lock(&lock);
        while (next_job == posted && posted < njobs)
            pthread_cond_wait(&more, &lock);
        int job = next_job < posted ? next_job++ : -1;
        pthread_mutex_unlock(&lock);
        if (job < 0)
            break;
        uint64_t v = work(job);
        mine += v;
        atomic_fetch_add(&total, v);
    }
    *out = mine;
    return NULL;
}

int main(int argc, char **argv)
{
    njobs = argc > 1 ? atoi(argv[1]) : 100000;
    pthread_t t[NTHREADS];
    uint64_t sums[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        if (pthread_create(&t[i], NULL, worker, &sums[i]))
            return 1;
    /* Jobs are posted in batches of 50, so workers wait and are woken. */
    while (posted < njobs) {
        pthread_mutex_lock(&lock);
        posted = posted + 50 < njobs ? posted + 50 : njobs;
        pthread_cond_broadcast(&more);
        pthread_mutex_unlock(&lock);
    }
    uint64_t sum = 0;
    for (int i = 0; i < NTHREADS; i++) {
        pthread_join(t[i], NULL);
        sum += sums[i];
    }
    if (sum != atomic_load(&total))
        return 1;
    printf("%d jobs, sum %llu\n", njobs, (unsigned long long)sum);
    return 0;
}
