/* hostwait.c - waiting for host file descriptors inside the scheduler.
 *
 * The guest's processes share one host thread, so no guest call may wait
 * in the host: a call that would (a read from a host pipe or tty, poll on
 * host fds, a FIFO's open) notes the host fds it waits for and blocks like
 * any other sleeper. The scheduler asks the host about all of them at once
 * (host_wait_poll): without waiting while some process can run, and, when
 * none can, in one ppoll that also ends at the next timer and when a host
 * signal is posted (the kernel's wake pipe). So timers, signals and other
 * processes go on while one process waits for its terminal. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kern.h"
#include "task/internal.h"

int64_t process_block_host(struct kernel *k, const struct pollfd *fds, unsigned n,
			   const void *chan)
{
	struct process *p = k->current;
	if (n > p->host_wait_cap) {
		struct pollfd *grown = realloc(p->host_wait, n * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		p->host_wait = grown;
		p->host_wait_cap = n;
	}
	if (n) /* poll with no fds passes none */
		memcpy(p->host_wait, fds, n * sizeof(*fds));
	p->nhost_wait = n;
	process_block(k, chan ? chan : p->host_wait);
	return -ERESTARTSYS;
}

bool host_fd_ready(int fd, short events)
{
	struct pollfd pfd = {.fd = fd, .events = events};
	int r;
	do
		r = poll(&pfd, 1, 0);
	while (r < 0 && errno == EINTR);
	/* An error or hang-up is an answer the call itself must give. */
	return r != 0;
}

/* Processes that wait for host fds now. */
static bool waiting_on_host(const struct process *p)
{
	return p->state == PROC_BLOCKED && p->nhost_wait;
}

bool host_waiters(struct kernel *k)
{
	for (struct process *p = k->procs; p; p = p->next)
		if (waiting_on_host(p))
			return true;
	return false;
}

/* Empties the wake pipe; the posted host signals are in k->host_signals. */
static void drain_wake_pipe(struct kernel *k)
{
	char buf[64];
	while (read(k->wake_fd[0], buf, sizeof(buf)) > 0)
		;
}

void host_wait_poll(struct kernel *k, uint64_t deadline_ns, bool wait)
{
	unsigned n = 1;
	for (struct process *p = k->procs; p; p = p->next)
		if (waiting_on_host(p))
			n += p->nhost_wait;
	struct pollfd *fds = malloc(n * sizeof(*fds));
	if (!fds)
		return; /* looked at again next time */
	fds[0] = (struct pollfd){.fd = k->wake_fd[0], .events = POLLIN};
	unsigned i = 1;
	for (struct process *p = k->procs; p; p = p->next)
		if (waiting_on_host(p)) {
			memcpy(fds + i, p->host_wait, p->nhost_wait * sizeof(*fds));
			i += p->nhost_wait;
		}
	struct timespec zero = {0, 0}, left, *timeout = &zero;
	if (wait && deadline_ns) {
		uint64_t now = kernel_now_ns();
		uint64_t ns = deadline_ns > now ? deadline_ns - now : 0;
		left = (struct timespec){(time_t)(ns / 1000000000ULL), (long)(ns % 1000000000ULL)};
		timeout = &left;
	} else if (wait) {
		timeout = NULL;
	}
	int r = ppoll(fds, n, timeout, NULL);
	if (r > 0) {
		if (fds[0].revents)
			drain_wake_pipe(k);
		i = 1;
		for (struct process *p = k->procs; p; p = p->next) {
			if (!waiting_on_host(p))
				continue;
			bool ready = false;
			for (unsigned j = 0; j < p->nhost_wait; j++)
				ready |= fds[i + j].revents != 0;
			i += p->nhost_wait;
			if (ready)
				process_wake(p);
		}
	}
	free(fds);
}

void kernel_post_signal(struct kernel *k, int sig)
{
	/* From a host signal handler: only async-signal-safe steps. */
	__atomic_or_fetch(&k->host_signals, 1ULL << (sig - 1), __ATOMIC_SEQ_CST);
	char c = 0;
	ssize_t w = write(k->wake_fd[1], &c, 1); /* full: a wake-up is pending anyway */
	(void)w;
}
