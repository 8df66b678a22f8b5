/* fifo.c - open(2) of a FIFO, which waits for the other end (Linux's
 * fifo_open: a reader for a writer, a writer for a reader). The wait may
 * last for ever, so it runs on a host thread (task/hostjob.c) while the
 * process sleeps; a signal interrupts it as it would on Linux.
 *
 * The resolver (namei.c) has found the FIFO; the thread opens it through
 * /proc/self/fd of an O_PATH fd, which holds no end of the FIFO, so
 * looking does not wake a writer that waits for a reader. The restarted
 * open(2) takes the thread's fd (fifo_open_finish). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs/internal.h"
#include "kern.h"
#include "task/task.h"

struct fifo_open {
	int path_fd; /* O_PATH fd of the FIFO, owned by the job */
	int flags;
};

static int64_t fifo_open_job(void *arg)
{
	const struct fifo_open *o = arg;
	char proc[32];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", o->path_fd);
	int fd = open(proc, (o->flags & ~(O_NOFOLLOW | O_CREAT | O_EXCL)) | O_CLOEXEC);
	int64_t r = fd < 0 ? -errno : fd;
	close(o->path_fd);
	return r;
}

static void fifo_open_undo(int64_t fd)
{
	if (fd >= 0)
		close((int)fd);
}

bool fifo_open_waits(int flags)
{
	/* Not one that reads and writes at once, is non-blocking or O_PATH,
	 * or creates the file (O_EXCL finds no FIFO to wait on). */
	return (flags & O_ACCMODE) != O_RDWR && !(flags & (O_NONBLOCK | O_PATH)) &&
	       (flags & (O_CREAT | O_EXCL)) != (O_CREAT | O_EXCL);
}

int fifo_open_start(struct kernel *k, int path_fd, int flags)
{
	struct fifo_open o = {.path_fd = path_fd, .flags = flags};
	int64_t r = host_job_start(k, fifo_open_job, fifo_open_undo, &o, sizeof(o));
	if (r != -ERESTARTSYS)
		close(path_fd); /* no thread took it */
	return (int)r;
}

int fifo_open_finish(struct kernel *k)
{
	return host_job_pending(k) ? (int)host_job_finish(k) : -ENOENT;
}
