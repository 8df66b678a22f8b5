/* file.c - open file descriptions and the per-process fd table.
 *
 * A guest fd names a struct file; its kind's file_ops do the work (host
 * fds in file_host.c, pipes in pipe.c, /proc in procfs.c). Names become
 * files in namei.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "fs/internal.h"
#include "kern.h"
#include "mm/mm.h"
#include "task/task.h"

/* The status flags F_SETFL may change, as Linux's setfl() (O_ASYNC
 * needs signal-driven I/O, which the kernel has not). */
#define SETFL_MASK (O_APPEND | O_NONBLOCK | O_DIRECT | O_NOATIME)

/* Only its address matters: a wait channel. */
const char file_poll_chan = 0;

struct file *file_alloc(const struct file_ops *ops, enum file_kind kind, int flags,
			void *private)
{
	struct file *f = malloc(sizeof(*f));
	if (!f)
		return NULL;
	*f = (struct file){.refcount = 1, .ops = ops, .kind = kind, .host_fd = -1, .flags = flags,
			   .private = private};
	return f;
}

struct file *anon_inode_file(const struct file_ops *ops, void *private)
{
	struct file *f = file_alloc(ops, FILE_ANON, O_RDWR, private);
	if (f)
		f->f_mode = FMODE_READ | FMODE_WRITE;
	return f;
}

void file_get(struct file *f)
{
	f->refcount++;
}

void file_put(struct file *f)
{
	if (--f->refcount > 0)
		return;
	if (f->f_ep)
		eventpoll_release(f);
	f->ops->release(f);
	free(f);
}

int file_host_fd(const struct file *f)
{
	return f->host_fd;
}

enum file_kind file_kind(const struct file *f)
{
	return f->kind;
}

int file_stat(struct file *f, struct stat *st)
{
	return f->ops->stat(f, st);
}

int anon_inode_stat(struct file *f, struct stat *st)
{
	(void)f;
	static int anon_fd = -1; /* a host eventfd, kept for its inode */
	if (anon_fd < 0)
		anon_fd = eventfd(0, EFD_CLOEXEC);
	if (anon_fd < 0)
		return -errno;
	return fstat(anon_fd, st) < 0 ? -errno : 0;
}

int64_t file_rw_einval(struct kernel *k, struct file *f, struct uio *u, int64_t pos)
{
	(void)k, (void)f, (void)u, (void)pos;
	return -EINVAL;
}

bool file_is_dev_zero(struct file *f)
{
	struct stat st;
	return f->kind == FILE_OTHER && file_stat(f, &st) == 0 && S_ISCHR(st.st_mode) &&
	       st.st_rdev == makedev(1, 5);
}

int file_get_flags(struct file *f)
{
	if (f->host_fd < 0)
		return f->flags;
	int r = fcntl(f->host_fd, F_GETFL);
	return r < 0 ? -errno : (r & ~O_NOFOLLOW) | (f->flags & O_NOFOLLOW);
}

int file_set_flags(struct file *f, int flags)
{
	if (f->host_fd < 0) {
		f->flags = (f->flags & ~SETFL_MASK) | (flags & SETFL_MASK);
		return 0;
	}
	return fcntl(f->host_fd, F_SETFL, flags) < 0 ? -errno : 0;
}

/* A 64-bit mix (splitmix64's finalizer). */
static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
	h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
	h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
	return h ^ (h >> 31);
}

/* The process (its leader's serial, never reused), its image (the
 * address space's ctx_id, new at execve) and its capabilities: what
 * changes where Linux gives a task new credentials. */
uint64_t current_cred_token(struct kernel *k)
{
	struct process *p = k->current;
	if (!p)
		return 0;
	const struct process *leader = p->signal && p->signal->leader ? p->signal->leader : p;
	uint64_t h = mix(0, leader->serial);
	h = mix(h, p->mm ? p->mm->ctx_id : 0);
	h = mix(h, p->cap.effective);
	h = mix(h, p->cap.permitted);
	h = mix(h, p->cap.inheritable);
	return h | 1; /* never 0 */
}

unsigned open_fmode(int flags)
{
	static const unsigned acc_mode[4] = {FMODE_READ, FMODE_WRITE, FMODE_READ | FMODE_WRITE, 0};
	return flags & O_PATH ? FMODE_PATH : acc_mode[flags & O_ACCMODE];
}

/* A new open of the host file f is on (/proc/PID/fd/N, exe): the same
 * file, not a name looked up again. */
static int host_reopen(struct kernel *k, struct file *f, int flags, struct file **out)
{
	unsigned want = open_fmode(flags);
	bool writes = (want & FMODE_WRITE) || (!(flags & O_PATH) && (flags & O_TRUNC));
	if (writes && f->inode && f->inode->writecount < 0)
		return -ETXTBSY;
	if ((f->f_mode & FMODE_OUTSIDE_ROOT) &&
	    (((want & ~f->f_mode) & (FMODE_READ | FMODE_WRITE)) ||
	     (writes && !(f->f_mode & FMODE_WRITE))))
		return -EACCES;
	struct stat st;
	int fd;
	if (fifo_open_waits(flags) && fstat(f->host_fd, &st) == 0 && S_ISFIFO(st.st_mode)) {
		int path_fd = fcntl(f->host_fd, F_DUPFD_CLOEXEC, 0);
		fd = path_fd < 0 ? -errno : fifo_open_start(k, path_fd, flags);
	} else {
		char proc[64];
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", f->host_fd);
		fd = host_openat(k, AT_FDCWD, proc, flags & ~(O_CREAT | O_EXCL | O_NOFOLLOW), 0);
	}
	if (fd < 0)
		return fd;
	int err = file_create(k, fd, flags, out);
	if (!err)
		(*out)->f_mode |= f->f_mode & FMODE_OUTSIDE_ROOT;
	return err;
}

int file_reopen(struct kernel *k, struct file *f, int flags, struct file **out)
{
	struct proc_ref ref;
	if (f->kind == FILE_PIPE)
		return pipe_reopen(f, flags, out);
	if (nsfs_file_ns(f, NULL))
		return nsfs_reopen(f, flags, out);
	if (f->kind == FILE_SOCKET || f->kind == FILE_ANON)
		return -ENXIO; /* as Linux's sockets and anon inodes, which have no open */
	if (f->kind == FILE_MEMFD)
		return memfd_reopen(k, f, flags, out);
	if (f->kind == FILE_MQUEUE)
		return mqueue_reopen(k, f, flags, out);
	if (f->kind == FILE_PTY)
		return pty_reopen(k, f, flags, out);
	if (procfs_file_ref(f, &ref))
		return procfs_open(k, &ref, flags, out);
	return host_reopen(k, f, flags, out);
}

/* ---- path lookup ---- */

int file_user_path(struct kernel *k, char path[PATH_MAX], uint64_t va, bool empty_ok)
{
	int64_t n = strncpy_from_user(k, path, va, PATH_MAX);
	if (n < 0)
		return (int)n;
	return n == 0 && !empty_ok ? -ENOENT : 0;
}

int file_open_root(const char *root)
{
	int fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}
