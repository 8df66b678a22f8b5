/* fdtable.c - the per-process fd table (Linux's files_struct and fdtable,
 * fs/file.c): a growable array of open files with their close-on-exec
 * marks. It starts at 64 slots and grows as Linux's expand_files does;
 * new fds are allocated below the process's RLIMIT_NOFILE (alloc_fd). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "fs/internal.h"
#include "kern.h"
#include "task/task.h"

#define NR_OPEN_DEFAULT 64 /* Linux's: BITS_PER_LONG */

/* The size a table that must hold fd nr grows to (Linux's alloc_fdtable):
 * a power of two times a kilobyte of pointers, cut at NR_OPEN. */
static int fdtable_size(int nr)
{
	int per_kb = 1024 / sizeof(struct file *);
	int n = 1;
	while (n < nr / per_kb + 1)
		n <<= 1;
	n *= per_kb;
	return n > NR_OPEN ? NR_OPEN : n;
}

/* Gives t room for max slots (max > t->max_fds): 0 or -ENOMEM. */
static int fdtable_resize(struct fdtable *t, int max)
{
	struct file **fd = realloc(t->fd, (size_t)max * sizeof(*fd));
	if (!fd)
		return -ENOMEM;
	t->fd = fd;
	bool *cloexec = realloc(t->cloexec, (size_t)max * sizeof(*cloexec));
	if (!cloexec)
		return -ENOMEM;
	t->cloexec = cloexec;
	memset(t->fd + t->max_fds, 0, (size_t)(max - t->max_fds) * sizeof(*fd));
	memset(t->cloexec + t->max_fds, 0, (size_t)(max - t->max_fds) * sizeof(*cloexec));
	t->max_fds = max;
	return 0;
}

/* Makes fd fit in t (Linux's expand_files): 0, -EMFILE past NR_OPEN, -ENOMEM. */
static int expand_files(struct fdtable *t, int fd)
{
	if (fd < t->max_fds)
		return 0;
	if (fd >= NR_OPEN)
		return -EMFILE;
	return fdtable_resize(t, fdtable_size(fd));
}

static struct fdtable *fdtable_alloc(int max)
{
	struct fdtable *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->users = 1;
	if (fdtable_resize(t, max)) {
		free(t->fd);
		free(t);
		return NULL;
	}
	return t;
}

static void fdtable_free(struct fdtable *t)
{
	free(t->fd);
	free(t->cloexec);
	free(t);
}

struct fdtable *fdtable_create_inherited(struct kernel *k)
{
	struct fdtable *t = fdtable_alloc(NR_OPEN_DEFAULT);
	if (!t)
		return NULL;
	/* Duplicates, so the guest closing its stdout leaves vmemu's alone. A
	 * host fd that is not open leaves the guest fd closed too. */
	static const int stdio[] = {0, 1, 2};
	const int *fds = k->cfg.host_fds ? k->cfg.host_fds : stdio;
	int n = k->cfg.host_fds ? k->cfg.nhost_fds : 3;
	for (int i = 0; i < n; i++) {
		int fd = fds[i], host_fd = -1, err = expand_files(t, fd);
		if (err == -EMFILE)
			break; /* ascending: no room for the rest */
		if (!err) {
			host_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
			if (host_fd < 0)
				continue;
			err = file_create(k, host_fd, fcntl(host_fd, F_GETFL), &t->fd[fd]);
		}
		if (err) {
			errno = -err;
			fdtable_put(t);
			return NULL;
		}
		if (k->cfg.root)
			t->fd[fd]->f_mode |= FMODE_OUTSIDE_ROOT;
	}
	return t;
}

void fdtable_get(struct fdtable *t)
{
	t->users++;
}

void fdtable_put(struct fdtable *t)
{
	if (--t->users)
		return;
	for (int fd = 0; fd < t->max_fds; fd++)
		if (t->fd[fd])
			fd_close(t, fd);
	fdtable_free(t);
}

/* The child's table is as big as the parent's open fds need (Linux's
 * dup_fd: count_open_files rounds up to 64). */
struct fdtable *fdtable_fork(struct fdtable *t)
{
	int open_files = t->max_fds;
	while (open_files > NR_OPEN_DEFAULT && !t->fd[open_files - 1])
		open_files--;
	open_files = (open_files + NR_OPEN_DEFAULT - 1) / NR_OPEN_DEFAULT * NR_OPEN_DEFAULT;
	struct fdtable *c = fdtable_alloc(open_files > NR_OPEN_DEFAULT ? fdtable_size(open_files - 1)
								      : NR_OPEN_DEFAULT);
	if (!c)
		return NULL;
	for (int fd = 0; fd < open_files; fd++) {
		c->fd[fd] = t->fd[fd];
		c->cloexec[fd] = t->cloexec[fd];
		if (c->fd[fd])
			file_get(c->fd[fd]);
	}
	return c;
}

void fdtable_exec(struct fdtable *t)
{
	for (int fd = 0; fd < t->max_fds; fd++)
		if (t->fd[fd] && t->cloexec[fd])
			fd_close(t, fd);
}

struct file *fd_file(struct fdtable *t, int fd)
{
	if (fd < 0 || fd >= t->max_fds)
		return NULL;
	return t->fd[fd];
}

struct file *fd_arg_raw(struct kernel *k, uint64_t arg)
{
	uint32_t fd = (uint32_t)arg;
	return fd > INT32_MAX ? NULL : fd_file(k->current->files, (int)fd);
}

struct file *fd_arg(struct kernel *k, uint64_t arg)
{
	struct file *f = fd_arg_raw(k, arg);
	return f && !(f->f_mode & FMODE_PATH) ? f : NULL;
}

bool fd_cloexec(const struct fdtable *t, int fd)
{
	return fd >= 0 && fd < t->max_fds && t->cloexec[fd];
}

void fd_set_cloexec(struct fdtable *t, int fd, bool on)
{
	if (fd_file(t, fd))
		t->cloexec[fd] = on;
}

/* Linux's alloc_fd: the lowest free fd from min, EMFILE at the limit. */
int fd_install(struct kernel *k, int min, struct file *f, bool cloexec)
{
	struct fdtable *t = k->current->files;
	uint64_t end = task_rlimit(k->current, RLIMIT_NOFILE);
	int fd = min < 0 ? 0 : min;
	while (fd < t->max_fds && t->fd[fd])
		fd++;
	if ((uint64_t)fd >= end)
		return -EMFILE;
	int err = expand_files(t, fd);
	if (err)
		return err;
	t->fd[fd] = f;
	t->cloexec[fd] = cloexec;
	return fd;
}

int fd_install_new(struct kernel *k, struct file *f, bool cloexec)
{
	int fd = fd_install(k, 0, f, cloexec);
	if (fd < 0)
		file_put(f);
	return fd;
}

int fd_install_at(struct fdtable *t, int fd, struct file *f, bool cloexec)
{
	int err = expand_files(t, fd);
	if (err)
		return err;
	if (t->fd[fd])
		fd_close(t, fd);
	t->fd[fd] = f;
	t->cloexec[fd] = cloexec;
	return 0;
}

int fd_close(struct fdtable *t, int fd)
{
	struct file *f = fd_file(t, fd);
	if (!f)
		return -EBADF;
	t->fd[fd] = NULL;
	t->cloexec[fd] = false;
	locks_remove_posix(t, f);
	if (f->ops->flush)
		f->ops->flush(f, t);
	file_put(f);
	return 0;
}
