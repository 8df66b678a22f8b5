/* inotify.c - inotify(7): inotify_init, inotify_init1, inotify_add_watch,
 * inotify_rm_watch and the instance's file (Linux's
 * fs/notify/inotify/inotify_user.c).
 *
 * A guest inotify instance is a host one. The files it watches are host
 * files, which the guest changes through host calls and host processes
 * change too; the host kernel sees every change, numbers the watches of
 * each instance, queues, pads, coalesces and drops events (IN_Q_OVERFLOW
 * at its max_queued_events) exactly as Linux does, because it is Linux.
 * What the guest kernel does itself:
 *
 * - names: inotify_add_watch resolves the path with the guest's own
 *   lookup (namei.c: inside --root, symlinks and ".." included), then
 *   hands the host the file it found through /proc/self/fd/N of its
 *   O_PATH fd, never the guest's name. Following that magic link leads
 *   to the file itself, a symlink too (IN_DONT_FOLLOW's case). The host
 *   checks read access with the guest's credentials (cred_fs.c);
 * - waiting: the host fd is nonblocking whenever the guest's is; a
 *   blocking read of an empty queue sleeps as a guest process until the
 *   host fd is readable (task/hostwait.c), and poll, select and epoll
 *   watch the host fd as for any host file (as the timerfd does);
 * - the kernel's own files (/proc, pipes, sockets, memfds reached through
 *   /proc/PID/fd) have no host file to watch: a watch on them is refused
 *   with EACCES, where Linux would place one (their few events aside);
 * - reads the page cache answers never reach the host, which would then
 *   miss their IN_ACCESS: while the guest has an instance, such a read
 *   also reads one byte of the host file (fsnotify_access below), unless
 *   it filled pages from the host, which gave the event.
 *
 * Where the events still differ from Linux's: stores through a shared
 * map reach the host file at writeback, which gives an IN_MODIFY Linux
 * does not; and the page cache fills and writes back through a duplicate
 * of one open description of the file (mm/filemap.c), so when that
 * description is closed while another stays open, its IN_CLOSE_* comes
 * only when the cache lets go of the duplicate. And one read or write
 * the cache turns into several host calls (a fill of several pages, a
 * write of more than 64 KiB) gives an event per call, which coalesce,
 * unless a directory and its file are both watched: then the pairs
 * repeat where Linux gives one.
 *
 * The limits (/proc/sys/fs/inotify, proc_sys.c) are the host's: the
 * host counts the guest's instances and watches with the host user's. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs/internal.h"
#include "kern.h"
#include "mm/mm.h"
#include "task/task.h"

/* Every bit inotify_add_watch takes (Linux's ALL_INOTIFY_BITS). */
#define ALL_INOTIFY_BITS                                                                   \
	(IN_ALL_EVENTS | IN_UNMOUNT | IN_Q_OVERFLOW | IN_IGNORED | IN_ONLYDIR | IN_DONT_FOLLOW | \
	 IN_EXCL_UNLINK | IN_MASK_CREATE | IN_MASK_ADD | IN_ISDIR | IN_ONESHOT)

/* The largest single host read: more than a full queue of events with
 * the longest names (16384 * 272 bytes). */
#define READ_MAX (8u << 20)


/* read(2): whole events, as many as fit, as the host gives them; EINVAL
 * when the next one does not fit. The file has a plain .read on Linux,
 * so readv reads into the first buffer alone (do_loop_readv_writev stops
 * at a short read). */
static int64_t inotify_read(struct kernel *k, struct file *f, struct uio *u, int64_t pos)
{
	(void)pos;
	uint64_t n = u->left;
	if (u->iov && u->idx < u->cnt && u->iov[u->idx].len - u->off < n)
		n = u->iov[u->idx].len - u->off;
	if (n > READ_MAX)
		n = READ_MAX;
	int fl = fcntl(f->host_fd, F_GETFL);
	if (fl >= 0 && !(fl & O_NONBLOCK) && !host_fd_ready(f->host_fd, POLLIN)) {
		struct pollfd pfd = {.fd = f->host_fd, .events = POLLIN};
		return process_block_host(k, &pfd, 1, NULL);
	}
	char *buf = malloc(n ? n : 1);
	if (!buf)
		return -ENOMEM;
	ssize_t r = read(f->host_fd, buf, n);
	int64_t ret = r < 0 ? -errno : r; /* EAGAIN, EINVAL */
	/* A fault makes it EFAULT, whatever was copied, as on Linux; the
	 * events after the one that faulted are lost too (Linux keeps them
	 * queued). */
	if (r > 0 && uio_copy(k, u, buf, (size_t)r, true) != (size_t)r)
		ret = -EFAULT;
	free(buf);
	return ret;
}

static int inotify_stat(struct file *f, struct stat *st)
{
	return fstat(f->host_fd, st) < 0 ? -errno : 0;
}

static void inotify_release(struct file *f)
{
	close(f->host_fd);
	((struct kernel *)f->private)->inotify_instances--;
}

/* One "inotify wd:... ino:... sdev:... mask:... ignored_mask:..." line
 * per watch, with its file handle: the host's own lines. */
static void inotify_show_fdinfo(struct file *f, struct seq *s)
{
	host_fdinfo_tail(f->host_fd, s);
}

/* poll is NULL: poll and epoll ask the host about host_fd (POLLIN while
 * events wait). */
static const struct file_ops inotify_ops = {
	.read = inotify_read, /* no write: the file is open for reading only (EBADF) */
	.stat = inotify_stat,
	.release = inotify_release,
	.anon_name = "inotify",
	.show_fdinfo = inotify_show_fdinfo,
};

static int64_t do_inotify_init(struct kernel *k, int flags)
{
	if (flags & ~(IN_CLOEXEC | IN_NONBLOCK))
		return -EINVAL;
	int host_fd = inotify_init1(IN_CLOEXEC | (flags & IN_NONBLOCK));
	if (host_fd < 0)
		return -errno; /* EMFILE past max_user_instances */
	struct file *f = file_alloc(&inotify_ops, FILE_ANON, O_RDONLY | (flags & O_NONBLOCK), k);
	if (!f) {
		close(host_fd);
		return -ENOMEM;
	}
	f->host_fd = host_fd;
	f->f_mode = FMODE_READ;
	k->inotify_instances++;
	return fd_install_new(k, f, flags & IN_CLOEXEC);
}

int64_t sys_inotify_init(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx, (void)a;
	return do_inotify_init(k, 0);
}

int64_t sys_inotify_init1(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return do_inotify_init(k, (int)a[0]);
}

/* The instance behind guest fd: its file, or NULL with *err -EBADF (not
 * open) or -EINVAL (another kind of file). */
static struct file *inotify_file(struct kernel *k, uint64_t fd, int *err)
{
	struct file *f = fd_arg(k, fd);
	*err = !f ? -EBADF : f->ops != &inotify_ops ? -EINVAL : 0;
	return *err ? NULL : f;
}

/* The host watch on what p names: the wd, or -errno. */
static int add_host_watch(const struct file *f, const struct path *p, uint32_t mask)
{
	int fd = path_host_fd(p);
	if (fd < 0)
		return -EACCES; /* one of the kernel's own files (see above) */
	if ((mask & IN_ONLYDIR) && !path_is_dir(p))
		return -ENOTDIR;
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	/* The guest's lookup followed (or not) the last symlink already. */
	int wd = inotify_add_watch(f->host_fd, proc, mask & ~IN_DONT_FOLLOW);
	return wd < 0 ? -errno : wd; /* EACCES, EEXIST, ENOSPC */
}

/* In Linux's order: the mask's bits, the fd, IN_MASK_ADD with
 * IN_MASK_CREATE, the kind of file, then the name. */
int64_t sys_inotify_add_watch(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	uint32_t mask = (uint32_t)a[2];
	if ((mask & ~ALL_INOTIFY_BITS) || !(mask & ALL_INOTIFY_BITS))
		return -EINVAL;
	if (!fd_arg(k, a[0]))
		return -EBADF;
	if ((mask & IN_MASK_ADD) && (mask & IN_MASK_CREATE))
		return -EINVAL;
	int err;
	struct file *f = inotify_file(k, a[0], &err);
	if (!f)
		return err;
	char name[PATH_MAX];
	if ((err = file_user_path(k, name, a[1], false)))
		return err;
	struct path p;
	unsigned flags = mask & IN_DONT_FOLLOW ? 0 : LOOKUP_FOLLOW;
	if ((err = path_lookup(k, AT_FDCWD, name, flags, &p)))
		return err;
	int wd = add_host_watch(f, &p, mask);
	path_put(&p);
	return wd;
}

/* The host queues IN_IGNORED for the watch it removes. */
int64_t sys_inotify_rm_watch(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	int err;
	struct file *f = inotify_file(k, a[0], &err);
	if (!f)
		return err;
	return inotify_rm_watch(f->host_fd, (int)a[1]) < 0 ? -errno : 0;
}

void fsnotify_access(struct kernel *k, struct file *f, int64_t pos)
{
	char c;
	if (k->inotify_instances && pread(f->host_fd, &c, 1, pos) < 0)
		return; /* no event, as with no byte read */
}
