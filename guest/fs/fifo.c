/* fifo.c - open(2) of a FIFO, which waits for the other end (Linux's
 * fifo_open: a reader for a writer, a writer for a reader). The wait may
 * last for ever, so it runs on a host thread (task/hostjob.c) while the
 * process sleeps; a signal interrupts it as it would on Linux.
 *
 * The name is looked up once, O_PATH and confined to --root like every
 * open, and the thread opens what was found through /proc/self/fd: an
 * O_PATH fd holds no end of the FIFO, so looking does not wake a writer
 * that waits for a reader. */
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
	struct fifo_open *o = arg;
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

/* An open that cannot wait: read and write at once, non-blocking, O_PATH,
 * or one that creates the file (O_EXCL finds no FIFO to wait on). */
static bool cannot_wait(int flags)
{
	return (flags & O_ACCMODE) == O_RDWR || (flags & (O_NONBLOCK | O_PATH)) ||
	       (flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL);
}

int file_openat_wait(struct kernel *k, int dirfd, const char *path, int flags, unsigned mode)
{
	if (host_job_pending(k)) /* the same open, woken: the thread's fd */
		return (int)host_job_finish(k);
	if (cannot_wait(flags))
		return file_openat(k, dirfd, path, flags, mode);
	int path_fd = file_openat(k, dirfd, path, (flags & (O_NOFOLLOW | O_DIRECTORY)) | O_PATH, 0);
	struct stat st;
	if (path_fd < 0 || fstat(path_fd, &st) < 0 || !S_ISFIFO(st.st_mode)) {
		if (path_fd >= 0)
			close(path_fd);
		return file_openat(k, dirfd, path, flags, mode);
	}
	struct fifo_open o = {.path_fd = path_fd, .flags = flags};
	int64_t r = host_job_start(k, fifo_open_job, fifo_open_undo, &o, sizeof(o));
	if (r != -ERESTARTSYS)
		close(path_fd); /* no thread took it */
	return (int)r;
}
