/* sys_poll.c - poll and ppoll.
 *
 * In-kernel files (pipes) answer through their poll op, host-backed fds
 * are asked of the host. The host may wait only when every fd is a host
 * fd (or there is none: poll as a sleep). Once an in-kernel file is among
 * them, the host is asked without waiting and, when nothing is ready, the
 * caller blocks on file_poll_chan: every change of an in-kernel file wakes
 * it and the call starts again, or the timeout ends the wait. So while it
 * waits, its host fds are looked at again only when some pipe changes or
 * the time is up. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <time.h>

#include "fs/fs.h"
#include "kern.h"
#include "mm/mm.h"
#include "sys/sys.h"
#include "task/task.h"

#define NSEC_PER_SEC 1000000000L

/* What the kernel knows of one entry before the host is asked. */
struct poll_slot {
	int guest_fd;
	short revents; /* of an in-kernel file or a closed fd */
};

/* timeout NULL: wait without end. */
static int64_t do_poll(struct kernel *k, uint64_t ufds, uint64_t nfds, struct timespec *timeout)
{
	if (nfds > MAX_FDS) /* Linux: more than RLIMIT_NOFILE */
		return -EINVAL;
	struct pollfd *fds = malloc(nfds * sizeof(*fds) + 1);
	struct poll_slot *slot = malloc(nfds * sizeof(*slot) + 1);
	int64_t ret = -ENOMEM;
	if (!fds || !slot)
		goto out;
	ret = copy_from_user(k, fds, ufds, nfds * sizeof(*fds));
	if (ret)
		goto out;
	int64_t ready = 0, nhost = 0;
	bool in_kernel = false;
	for (uint64_t i = 0; i < nfds; i++) {
		slot[i] = (struct poll_slot){.guest_fd = fds[i].fd};
		struct file *f = fds[i].fd >= 0 ? fd_file(k->current->files, fds[i].fd) : NULL;
		/* The host skips negative fds: all but the host-backed ones. */
		fds[i].fd = f && f->host_fd >= 0 ? f->host_fd : -1;
		nhost += fds[i].fd >= 0;
		if (slot[i].guest_fd < 0)
			continue;
		if (!f) {
			slot[i].revents = POLLNVAL;
		} else if (f->ops->poll) {
			in_kernel = true;
			slot[i].revents = (short)(f->ops->poll(f) & (fds[i].events | POLLERR | POLLHUP));
		}
		ready += slot[i].revents != 0;
	}
	bool host_may_wait = !ready && !in_kernel;
	struct timespec zero = {0, 0};
	int r = 0;
	if (nhost || host_may_wait) {
		do
			r = ppoll(fds, nfds, host_may_wait ? timeout : &zero, NULL);
		while (r < 0 && errno == EINTR);
	}
	if (r < 0) {
		ret = -errno;
		goto out;
	}
	if (r + ready == 0 && in_kernel) {
		/* Wait for a change of some in-kernel file, or the timeout. */
		if (!timeout) {
			process_block(k, &file_poll_chan);
			ret = -ERESTARTSYS;
			goto out;
		}
		ret = process_block_until(k, &file_poll_chan,
					  kernel_now_ns() + (uint64_t)timeout->tv_sec * NSEC_PER_SEC +
						  (uint64_t)timeout->tv_nsec);
		if (ret)
			goto out;
	}
	for (uint64_t i = 0; i < nfds; i++) {
		if (fds[i].fd < 0)
			fds[i].revents = slot[i].revents;
		fds[i].fd = slot[i].guest_fd;
	}
	ret = copy_to_user(k, ufds, fds, nfds * sizeof(*fds));
	if (!ret)
		ret = r + ready;
out:
	free(fds);
	free(slot);
	return ret;
}

int64_t sys_poll(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	int ms = (int)a[2];
	struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
	return do_poll(k, a[0], a[1], ms < 0 ? NULL : &t);
}

/* The signal mask is ignored until signals exist. */
int64_t sys_ppoll(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct timespec t;
	if (a[2]) {
		if (copy_from_user(k, &t, a[2], sizeof(t)))
			return -EFAULT;
		if (t.tv_sec < 0 || t.tv_nsec < 0 || t.tv_nsec >= NSEC_PER_SEC)
			return -EINVAL;
	}
	return do_poll(k, a[0], a[1], a[2] ? &t : NULL);
}
