/* stream.c - host fds a call may have to wait for: pipes, FIFOs, sockets
 * and terminals. The guest's processes share one host thread, so a read
 * or write that would wait in the host waits as a sleeping process
 * instead (task/hostwait.c): the host is asked first whether the fd is
 * ready, and the call sleeps until it is. A description the guest made
 * O_NONBLOCK needs none of this: the host answers EAGAIN itself.
 *
 * A blocking write moves PIPE_BUF bytes at a time, each after the fd was
 * seen writable, which for a pipe means a free buffer slot, so no piece
 * can block: a write of at most PIPE_BUF bytes stays atomic, a longer one
 * goes in pieces as Linux's may, and the bytes moved before it slept are
 * kept in io_done across its restarts. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <unistd.h>

#include "fs/internal.h"
#include "kern.h"
#include "mm/mm.h"
#include "task/task.h"

bool stream_blocking(const struct file *f)
{
	if (f->host_fd < 0 || (f->kind != FILE_TTY && f->kind != FILE_OTHER))
		return false;
	int fl = fcntl(f->host_fd, F_GETFL);
	return fl >= 0 && !(fl & O_NONBLOCK);
}

int64_t stream_wait(struct kernel *k, struct file *f, short events)
{
	if (host_fd_ready(f->host_fd, events))
		return 0;
	struct pollfd pfd = {.fd = f->host_fd, .events = events};
	return process_block_host(k, &pfd, 1, NULL);
}

int64_t stream_write(struct kernel *k, struct file *f, struct uio *u)
{
	struct process *p = k->current;
	uint64_t done = p->io_done;
	uio_skip(u, done); /* moved before the call slept */
	char buf[PIPE_BUF];
	while (u->left > 0) {
		if (!host_fd_ready(f->host_fd, POLLOUT)) {
			p->io_done = done;
			struct pollfd pfd = {.fd = f->host_fd, .events = POLLOUT};
			return process_block_host(k, &pfd, 1, NULL);
		}
		size_t n = uio_copy(k, u, buf, sizeof(buf), false);
		if (n == 0)
			break; /* a fault in the guest's buffer */
		ssize_t w = write(f->host_fd, buf, n);
		if (w < 0)
			return done ? (int64_t)done : -errno;
		done += (uint64_t)w;
		if ((size_t)w < n) { /* the rest of this piece after the wait */
			p->io_done = done;
			struct pollfd pfd = {.fd = f->host_fd, .events = POLLOUT};
			return process_block_host(k, &pfd, 1, NULL);
		}
	}
	if (done)
		return (int64_t)done;
	return u->fault ? -EFAULT : 0;
}
