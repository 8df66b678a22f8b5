/* sys_poll.c - poll, ppoll, select and pselect6; epoll_wait, epoll_pwait
 * and epoll_pwait2, whose instance fs/eventpoll.c keeps.
 *
 * In-kernel files (pipes, /proc) answer through their poll op; host-backed
 * fds are asked of the host without waiting. When nothing is ready the
 * caller sleeps like any other blocked process: on file_poll_chan, which
 * every change of an in-kernel file wakes, and on its host fds, which the
 * scheduler watches (task/hostwait.c), until the timeout. It is then woken
 * and the call starts again. The host never waits inside a guest call, so
 * other processes, timers and signals go on meanwhile. ppoll's and
 * pselect6's signal mask applies while the call waits, as rt_sigsuspend's.
 * epoll_wait sleeps the same way, on its instance's host epoll too, which
 * turns readable when the host files it watches change. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/select.h>

#include "fs/fs.h"
#include "kern.h"
#include "mm/mm.h"
#include "sys/sys.h"
#include "task/task.h"

#define NSEC_PER_SEC 1000000000L
#define USEC_PER_SEC 1000000L

/* What select's bits mean in poll's terms (Linux's POLLIN_SET etc.). */
#define POLLIN_SET (POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR)
#define POLLOUT_SET (POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR)
#define POLLEX_SET POLLPRI

/* Fills revents of each entry from the kernel's files and the host (no
 * waiting); returns how many are ready. *host (n of them) gets the host
 * fds to wait for. */
static int poll_once(struct kernel *k, struct pollfd *fds, uint64_t nfds, struct pollfd *host,
		     unsigned *nhost)
{
	int ready = 0;
	*nhost = 0;
	for (uint64_t i = 0; i < nfds; i++) {
		fds[i].revents = 0;
		if (fds[i].fd < 0)
			continue;
		struct file *f = fd_file(k->current->files, fds[i].fd);
		short want = fds[i].events | POLLERR | POLLHUP;
		if (!f) {
			fds[i].revents = POLLNVAL;
		} else if (f->ops->poll) {
			fds[i].revents = (short)(f->ops->poll(f) & want);
			int ep_host = file_is_epoll(f) ? eventpoll_host_fd(f) : -1;
			if (ep_host >= 0) /* its host files' news wake the sleeper */
				host[(*nhost)++] = (struct pollfd){.fd = ep_host, .events = POLLIN};
		} else {
			host[*nhost] = (struct pollfd){.fd = f->host_fd, .events = fds[i].events};
			if (poll(&host[*nhost], 1, 0) > 0)
				fds[i].revents = host[*nhost].revents & (want | POLLNVAL);
			(*nhost)++;
		}
		ready += fds[i].revents != 0;
	}
	return ready;
}

/* Sleeps until a file changes, a host fd is ready, the deadline passes
 * (deadline NULL: none) or a signal comes; -ERESTARTSYS, or 0 once the
 * deadline has passed. The deadline is fixed at the first run of the call. */
static int64_t poll_sleep(struct kernel *k, const struct timespec *timeout,
			  const struct pollfd *host, unsigned nhost)
{
	struct process *p = k->current;
	if (timeout) {
		if (!p->wake_at)
			p->wake_at = kernel_now_ns() + (uint64_t)timeout->tv_sec * NSEC_PER_SEC +
				     (uint64_t)timeout->tv_nsec + 1;
		if (kernel_now_ns() >= p->wake_at)
			return 0;
	}
	if (signal_interrupts(p))
		return -EINTR;
	return process_block_host(k, host, nhost, &file_poll_chan);
}

/* fds (nfds entries, in the kernel) are polled; timeout NULL: no end. The
 * number ready, or -errno / -ERESTARTSYS. */
static int64_t do_poll(struct kernel *k, struct pollfd *fds, uint64_t nfds,
		       const struct timespec *timeout)
{
	struct pollfd *host = malloc(nfds * sizeof(*host) + 1);
	if (!host)
		return -ENOMEM;
	unsigned nhost;
	int64_t ret = poll_once(k, fds, nfds, host, &nhost);
	if (ret == 0 && !(timeout && !timeout->tv_sec && !timeout->tv_nsec))
		ret = poll_sleep(k, timeout, host, nhost);
	free(host);
	return ret;
}

/* ppoll's and pselect6's mask: in force while the call sleeps, put back
 * after the handler of a signal that ends it (Linux's set_user_sigmask). */
static int64_t set_wait_mask(struct kernel *k, uint64_t umask, uint64_t size)
{
	if (!umask)
		return 0;
	if (size != sizeof(uint64_t))
		return -EINVAL;
	uint64_t mask;
	if (copy_from_user(k, &mask, umask, sizeof(mask)))
		return -EFAULT;
	struct signal_state *s = &k->current->sig;
	if (!s->restore_blocked) {
		s->saved_blocked = s->blocked;
		s->restore_blocked = true;
	}
	s->blocked = signal_blockable(mask);
	return 0;
}

/* The call is over without a signal: the caller's own mask again at once.
 * After EINTR the signal is delivered under the call's mask, which comes
 * back after its handler (Linux's restore_saved_sigmask_unless). */
static int64_t end_wait_mask(struct kernel *k, int64_t ret)
{
	struct signal_state *s = &k->current->sig;
	if (ret != -ERESTARTSYS && ret != -EINTR && s->restore_blocked) {
		s->blocked = s->saved_blocked;
		s->restore_blocked = false;
	}
	return ret;
}

static int64_t poll_user(struct kernel *k, uint64_t ufds, uint64_t nfds,
			 const struct timespec *timeout)
{
	if (nfds > task_rlimit(k->current, RLIMIT_NOFILE))
		return -EINVAL;
	struct pollfd *fds = malloc(nfds * sizeof(*fds) + 1);
	if (!fds)
		return -ENOMEM;
	int64_t ret = copy_from_user(k, fds, ufds, nfds * sizeof(*fds));
	if (!ret)
		ret = do_poll(k, fds, nfds, timeout);
	if (ret >= 0) {
		for (uint64_t i = 0; i < nfds && ret >= 0; i++)
			if (copy_to_user(k, ufds + i * sizeof(*fds) + offsetof(struct pollfd, revents),
					 &fds[i].revents, sizeof(fds[i].revents)))
				ret = -EFAULT;
	}
	free(fds);
	return ret;
}

int64_t sys_poll(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	int ms = (int)a[2];
	struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
	return poll_user(k, a[0], a[1], ms < 0 ? NULL : &t);
}

static int64_t get_timespec(struct kernel *k, uint64_t uts, struct timespec *t)
{
	if (copy_from_user(k, t, uts, sizeof(*t)))
		return -EFAULT;
	if (t->tv_sec < 0 || t->tv_nsec < 0 || t->tv_nsec >= NSEC_PER_SEC)
		return -EINVAL;
	return 0;
}

/* ppoll(fds, nfds, timeout, sigmask, sigsetsize). */
int64_t sys_ppoll(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct timespec t;
	int64_t err = a[2] ? get_timespec(k, a[2], &t) : 0;
	if (!err)
		err = set_wait_mask(k, a[3], a[4]);
	if (err)
		return err;
	return end_wait_mask(k, poll_user(k, a[0], a[1], a[2] ? &t : NULL));
}

/* ---- select: the three fd_sets become pollfds and back ---- */

static bool bit_of(const uint8_t *set, int fd)
{
	return set && (set[fd / 8] >> (fd % 8) & 1);
}

/* The polling of select's sets, in and out of the kernel copies set[3]
 * of bytes each and fds. */
static int64_t select_sets(struct kernel *k, int n, const uint64_t uset[3], uint8_t *set[3],
			   size_t bytes, struct pollfd *fds, const struct timespec *timeout)
{
	for (int s = 0; s < 3; s++)
		if (uset[s] && copy_from_user(k, set[s], uset[s], bytes))
			return -EFAULT;
	int nfds = 0;
	for (int fd = 0; fd < n; fd++) {
		short ev = (bit_of(set[0], fd) ? POLLIN : 0) | (bit_of(set[1], fd) ? POLLOUT : 0) |
			   (bit_of(set[2], fd) ? POLLPRI : 0);
		if (!ev)
			continue;
		if (!fd_file(k->current->files, fd))
			return -EBADF; /* select, unlike poll, refuses a closed fd */
		fds[nfds++] = (struct pollfd){.fd = fd, .events = ev};
	}
	int64_t ret = do_poll(k, fds, (uint64_t)nfds, timeout);
	if (ret < 0)
		return ret;
	for (int s = 0; s < 3; s++)
		memset(set[s], 0, bytes);
	ret = 0;
	for (int i = 0; i < nfds; i++) {
		int fd = fds[i].fd;
		short r = fds[i].revents;
		short got[3] = {(short)(r & POLLIN_SET & (fds[i].events & POLLIN ? ~0 : 0)),
				(short)(r & POLLOUT_SET & (fds[i].events & POLLOUT ? ~0 : 0)),
				(short)(r & POLLEX_SET & fds[i].events)};
		for (int s = 0; s < 3; s++)
			if (got[s]) {
				set[s][fd / 8] |= (uint8_t)(1u << (fd % 8));
				ret++;
			}
	}
	for (int s = 0; s < 3; s++)
		if (uset[s] && copy_to_user(k, uset[s], set[s], bytes))
			return -EFAULT;
	return ret;
}

static int64_t do_select(struct kernel *k, int n, uint64_t uin, uint64_t uout, uint64_t uex,
			 const struct timespec *timeout)
{
	if (n < 0)
		return -EINVAL;
	if (n > k->current->files->max_fds)
		n = k->current->files->max_fds; /* Linux cuts n to the size of the fd table */
	size_t bytes = ((size_t)n + 7) / 8;
	uint8_t *buf = calloc(3, bytes + 1);
	struct pollfd *fds = malloc(((size_t)n + 1) * sizeof(*fds));
	int64_t ret = -ENOMEM;
	if (buf && fds) {
		uint64_t uset[3] = {uin, uout, uex};
		uint8_t *set[3] = {buf, buf + bytes + 1, buf + 2 * (bytes + 1)};
		ret = select_sets(k, n, uset, set, bytes, fds, timeout);
	}
	free(buf);
	free(fds);
	return ret;
}

/* select(n, in, out, ex, timeout): the timeval is updated with the time
 * left, as Linux does. */
int64_t sys_select(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct timespec t;
	if (a[4]) {
		struct timeval tv;
		if (copy_from_user(k, &tv, a[4], sizeof(tv)))
			return -EFAULT;
		if (tv.tv_sec < 0 || tv.tv_usec < 0)
			return -EINVAL;
		t.tv_sec = tv.tv_sec + tv.tv_usec / USEC_PER_SEC;
		t.tv_nsec = tv.tv_usec % USEC_PER_SEC * 1000;
	}
	int64_t ret = do_select(k, (int)a[0], a[1], a[2], a[3], a[4] ? &t : NULL);
	if (a[4] && ret >= 0) {
		uint64_t now = kernel_now_ns(), end = k->current->wake_at;
		uint64_t left = end > now ? end - now : 0;
		if (!end) /* it did not wait */
			left = (uint64_t)t.tv_sec * NSEC_PER_SEC + (uint64_t)t.tv_nsec;
		struct timeval tv = {(time_t)(left / NSEC_PER_SEC),
				     (suseconds_t)(left % NSEC_PER_SEC / 1000)};
		if (copy_to_user(k, a[4], &tv, sizeof(tv)))
			return -EFAULT;
	}
	return ret;
}

/* pselect6(n, in, out, ex, timeout, {sigmask, sigsetsize}). */
int64_t sys_pselect6(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct timespec t;
	int64_t err = a[4] ? get_timespec(k, a[4], &t) : 0;
	if (err)
		return err;
	if (a[5]) {
		uint64_t sig[2]; /* the mask's address and size */
		if (copy_from_user(k, sig, a[5], sizeof(sig)))
			return -EFAULT;
		err = set_wait_mask(k, sig[0], sig[1]);
		if (err)
			return err;
	}
	return end_wait_mask(k, do_select(k, (int)a[0], a[1], a[2], a[3], a[4] ? &t : NULL));
}

/* ---- epoll_wait, epoll_pwait, epoll_pwait2 ---- */

/* Linux's EP_MAX_EVENTS. */
#define EP_MAX_EVENTS (INT32_MAX / (int)sizeof(struct epoll_event))

/* do_epoll_wait: maxevents, the fd, then events or a sleep until one
 * comes, the deadline passes (timeout NULL: none) or a signal does.
 * A bad buffer is EFAULT only once there is an event to store (Linux 6.x
 * checks nothing before). */
static int64_t do_epoll_wait(struct kernel *k, uint64_t epfd, uint64_t uevents, int maxevents,
			     const struct timespec *timeout)
{
	if (maxevents <= 0 || maxevents > EP_MAX_EVENTS)
		return -EINVAL;
	struct file *f = fd_arg(k, epfd);
	if (!f)
		return -EBADF;
	if (!file_is_epoll(f))
		return -EINVAL;
	int64_t n = eventpoll_send_events(k, f, uevents, maxevents);
	if (n || (timeout && !timeout->tv_sec && !timeout->tv_nsec))
		return n; /* events, -EFAULT, or none and no wait */
	struct pollfd host = {.fd = eventpoll_host_fd(f), .events = POLLIN};
	return poll_sleep(k, timeout, &host, host.fd >= 0);
}

static struct timespec ms_timespec(int ms)
{
	return (struct timespec){ms / 1000, (ms % 1000) * 1000000L};
}

int64_t sys_epoll_wait(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	int ms = (int)a[3];
	struct timespec t = ms_timespec(ms);
	return do_epoll_wait(k, a[0], a[1], (int)a[2], ms < 0 ? NULL : &t);
}

/* epoll_pwait(epfd, events, maxevents, timeout, sigmask, sigsetsize): the
 * mask is taken first, as Linux's set_user_sigmask. */
int64_t sys_epoll_pwait(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	int64_t err = set_wait_mask(k, a[4], a[5]);
	if (err)
		return err;
	int ms = (int)a[3];
	struct timespec t = ms_timespec(ms);
	return end_wait_mask(k, do_epoll_wait(k, a[0], a[1], (int)a[2], ms < 0 ? NULL : &t));
}

/* epoll_pwait2: a timespec timeout (NULL: none), checked before the mask. */
int64_t sys_epoll_pwait2(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct timespec t;
	int64_t err = a[3] ? get_timespec(k, a[3], &t) : 0;
	if (!err)
		err = set_wait_mask(k, a[4], a[5]);
	if (err)
		return err;
	return end_wait_mask(k, do_epoll_wait(k, a[0], a[1], (int)a[2], a[3] ? &t : NULL));
}
