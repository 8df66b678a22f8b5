/* sys_poll.c - poll and ppoll: the guest's fds are translated to their
 * host fds and the host waits (one process: nothing else could run). */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <time.h>

#include "kern.h"

#define NSEC_PER_SEC 1000000000L

/* timeout NULL: wait without end. */
static int64_t do_poll(struct kernel *k, uint64_t ufds, uint64_t nfds, struct timespec *timeout)
{
	if (nfds > MAX_FDS) /* Linux: more than RLIMIT_NOFILE */
		return -EINVAL;
	struct pollfd *fds = malloc(nfds * sizeof(*fds) + 1);
	int *guest_fd = malloc(nfds * sizeof(*guest_fd) + 1);
	int64_t ret = -ENOMEM;
	if (!fds || !guest_fd)
		goto out;
	ret = copy_from_user(k, fds, ufds, nfds * sizeof(*fds));
	if (ret)
		goto out;
	int64_t nval = 0;
	for (uint64_t i = 0; i < nfds; i++) {
		guest_fd[i] = fds[i].fd;
		struct file *f = fds[i].fd >= 0 ? fd_file(k->current->files, fds[i].fd) : NULL;
		/* A negative fd is skipped (host fd -1 too); a closed one gets
		 * POLLNVAL without asking the host. */
		fds[i].fd = f ? file_host_fd(f) : -1;
		if (guest_fd[i] >= 0 && !f)
			nval++;
	}
	int r;
	do
		r = nval ? poll(fds, nfds, 0) : ppoll(fds, nfds, timeout, NULL);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		ret = -errno;
		goto out;
	}
	for (uint64_t i = 0; i < nfds; i++) {
		if (guest_fd[i] >= 0 && fds[i].fd < 0)
			fds[i].revents = POLLNVAL;
		fds[i].fd = guest_fd[i];
	}
	ret = copy_to_user(k, ufds, fds, nfds * sizeof(*fds));
	if (!ret)
		ret = r + nval;
out:
	free(fds);
	free(guest_fd);
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
