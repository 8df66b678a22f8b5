/* watchdog.c - the hard end of a run slice, for guest code that neither
 * misses the TLB nor makes a system call (where cpu.c ends slices exactly).
 *
 * Unicorn can stop only between memory accesses: a stop from outside the
 * CPU is noticed by the check it makes after each load and store, which
 * puts RIP back to the start of that instruction, so a read-modify-write
 * instruction whose store was done runs again (`add [m], 1` adds 2;
 * measured on 2.1.4, tests/guest/proc_slices.c). That risk is taken only
 * when nothing else can end the slice, and as late as possible: after
 * limit ns of the CPU thread's own CPU time in one slice, or grace ns
 * after cpu_interrupt asked for the end. Unicorn's own time limit would
 * count wall-clock time, and on a loaded host it expired while the CPU
 * thread was not even running, which made that rare stop a frequent one. */
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "watchdog.h"

#define POLL_NS 5000000ULL /* how often the watchdog looks */

struct watchdog {
	uc_engine *uc;
	clockid_t cpu_clock;  /* the CPU thread's CPU time */
	pthread_t thread;
	pthread_mutex_t lock; /* a stop never reaches the next slice */
	bool quit;
	bool armed;           /* a slice runs */
	bool stopped;         /* the watchdog stopped it */
	uint64_t start, limit, grace;
	volatile sig_atomic_t *kick; /* cpu.c's: end the slice (a signal handler sets it) */
	uint64_t kicked_at;   /* CPU time when the kick was seen */
};

static uint64_t cpu_now(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* With the lock held: whether the running slice is due to end now. */
static bool due(struct watchdog *w)
{
	uint64_t now = cpu_now(w->cpu_clock);
	if (*w->kick && !w->kicked_at)
		w->kicked_at = now;
	return (w->limit && now - w->start >= w->limit) ||
	       (w->kicked_at && now - w->kicked_at >= w->grace);
}

static void *watch(void *opaque)
{
	struct watchdog *w = opaque;
	const struct timespec tick = {0, (long)POLL_NS};
	for (;;) {
		nanosleep(&tick, NULL);
		pthread_mutex_lock(&w->lock);
		if (w->quit) {
			pthread_mutex_unlock(&w->lock);
			return NULL;
		}
		if (w->armed && !w->stopped && due(w)) {
			w->stopped = true;
			uc_emu_stop(w->uc);
		}
		pthread_mutex_unlock(&w->lock);
	}
}

struct watchdog *watchdog_start(uc_engine *uc, volatile sig_atomic_t *kick, uint64_t grace_ns)
{
	struct watchdog *w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->uc = uc;
	w->kick = kick;
	w->grace = grace_ns;
	pthread_mutex_init(&w->lock, NULL);
	if (pthread_getcpuclockid(pthread_self(), &w->cpu_clock) ||
	    pthread_create(&w->thread, NULL, watch, w)) {
		pthread_mutex_destroy(&w->lock);
		free(w);
		return NULL;
	}
	return w;
}

void watchdog_arm(struct watchdog *w, uint64_t limit_ns)
{
	pthread_mutex_lock(&w->lock);
	w->armed = true;
	w->stopped = false;
	w->start = cpu_now(w->cpu_clock);
	w->limit = limit_ns;
	pthread_mutex_unlock(&w->lock);
}

bool watchdog_disarm(struct watchdog *w)
{
	pthread_mutex_lock(&w->lock);
	w->armed = false;
	bool stopped = w->stopped;
	w->kicked_at = 0;
	pthread_mutex_unlock(&w->lock);
	return stopped;
}

void watchdog_destroy(struct watchdog *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->quit = true;
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	pthread_mutex_destroy(&w->lock);
	free(w);
}
