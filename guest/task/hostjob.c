/* hostjob.c - a host call that may block for good (the open of a FIFO
 * that waits for its other end), run on a host thread of its own while
 * the calling process sleeps on the thread's eventfd (hostwait.c).
 *
 * The system call restarts from its start when it is woken, finds its job
 * done and takes the result. A signal that interrupts the call for good
 * (EINTR, or the process ends) cancels the job: the thread's host call is
 * interrupted by HOST_JOB_CANCEL_SIGNAL, whose handler does nothing and
 * has no SA_RESTART, and a result that came all the same is undone. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "kern.h"
#include "task/internal.h"

#define HOST_JOB_CANCEL_SIGNAL (SIGRTMIN + 3)

struct host_job {
	host_job_fn *fn;
	host_job_undo_fn *undo; /* gives back what a result holds (an fd) */
	pthread_t thread;
	int efd;           /* readable once fn has returned */
	int64_t result;
	bool done;         /* set by the thread before it writes efd */
	_Alignas(max_align_t) char arg[]; /* fn's argument, aligned for any type */
};

static void *job_thread(void *opaque)
{
	struct host_job *job = opaque;
	int64_t r = job->fn(job->arg);
	job->result = r;
	__atomic_store_n(&job->done, true, __ATOMIC_RELEASE);
	uint64_t one = 1;
	ssize_t w = write(job->efd, &one, sizeof(one));
	(void)w;
	return NULL;
}

static void on_cancel(int sig)
{
	(void)sig; /* only to interrupt the job's host call */
}

static int cancel_signal_init(void)
{
	static bool installed;
	if (installed)
		return 0;
	struct sigaction sa = {.sa_handler = on_cancel}; /* no SA_RESTART */
	sigemptyset(&sa.sa_mask);
	if (sigaction(HOST_JOB_CANCEL_SIGNAL, &sa, NULL) < 0)
		return -errno;
	installed = true;
	return 0;
}

static void job_free(struct host_job *job)
{
	close(job->efd);
	free(job);
}

int64_t host_job_start(struct kernel *k, host_job_fn *fn, host_job_undo_fn *undo, const void *arg,
		       size_t argsize)
{
	struct process *p = k->current;
	int err = cancel_signal_init();
	if (err)
		return err;
	struct host_job *job = calloc(1, sizeof(*job) + argsize);
	if (!job)
		return -ENOMEM;
	job->fn = fn;
	job->undo = undo;
	memcpy(job->arg, arg, argsize);
	job->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (job->efd < 0) {
		free(job);
		return -ENOMEM;
	}
	/* The thread must not take vmemu's own signals (they are the guest's). */
	sigset_t all, old;
	sigfillset(&all);
	sigdelset(&all, HOST_JOB_CANCEL_SIGNAL);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&job->thread, NULL, job_thread, job);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		job_free(job);
		return -EAGAIN;
	}
	p->host_job = job;
	return host_job_finish(k);
}

bool host_job_pending(struct kernel *k)
{
	return k->current->host_job != NULL;
}

int64_t host_job_finish(struct kernel *k)
{
	struct process *p = k->current;
	struct host_job *job = p->host_job;
	if (!__atomic_load_n(&job->done, __ATOMIC_ACQUIRE)) {
		struct pollfd pfd = {.fd = job->efd, .events = POLLIN};
		return process_block_host(k, &pfd, 1, job);
	}
	pthread_join(job->thread, NULL);
	int64_t r = job->result;
	p->host_job = NULL;
	job_free(job);
	return r;
}

void host_job_cancel(struct process *p)
{
	struct host_job *job = p->host_job;
	if (!job)
		return;
	p->host_job = NULL;
	/* Until the thread is seen to be done, a signal may still be needed:
	 * it may be just before its blocking call. */
	while (!__atomic_load_n(&job->done, __ATOMIC_ACQUIRE)) {
		pthread_kill(job->thread, HOST_JOB_CANCEL_SIGNAL);
		struct pollfd pfd = {.fd = job->efd, .events = POLLIN};
		poll(&pfd, 1, 1);
	}
	pthread_join(job->thread, NULL);
	if (job->undo)
		job->undo(job->result);
	job_free(job);
}
