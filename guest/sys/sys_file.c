/* sys_file.c - system calls on file descriptors: open, creat and close,
 * close_range, dup, fcntl (record locks in fs/locks.c), ioctl, lseek,
 * getdents64, ftruncate, fsync, sync, syncfs, sync_file_range, fallocate,
 * fadvise64, readahead, pipe. Argument checks follow Linux; for host-backed files the
 * host does the work on the host fd, in-kernel files (pipes, /proc) answer
 * as Linux's do. An O_PATH fd serves only close, dup, fstat, fchdir and
 * fcntl's F_DUPFD, F_GETFD, F_SETFD and F_GETFL (fd_arg_raw); any other
 * call gets EBADF (fd_arg). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fs/fs.h"
#include "kern.h"
#include "mm/mm.h"
#include "sys/sys.h"
#include "task/task.h"

#define GETDENTS_MAX (64 * 1024) /* bounce buffer; a shorter answer is fine */

static struct fdtable *files(struct kernel *k)
{
	return k->current->files;
}

static int64_t do_open(struct kernel *k, int dirfd, uint64_t upath, int flags, unsigned mode)
{
	char path[PATH_MAX];
	int err = file_user_path(k, path, upath, false);
	struct file *f;
	if (!err)
		err = file_open(k, dirfd, path, flags, mode, &f);
	if (err)
		return err;
	return fd_install_new(k, f, flags & O_CLOEXEC);
}

int64_t sys_open(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return do_open(k, AT_FDCWD, a[0], (int)a[1], (unsigned)a[2]);
}

int64_t sys_openat(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return do_open(k, (int)a[0], a[1], (int)a[2], (unsigned)a[3]);
}

int64_t sys_close(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return fd_close(files(k), (int)(uint32_t)a[0]);
}

/* creat(2): open(2) with O_CREAT | O_WRONLY | O_TRUNC. */
int64_t sys_creat(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return do_open(k, AT_FDCWD, a[0], O_CREAT | O_WRONLY | O_TRUNC, (unsigned)a[1]);
}

#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE (1U << 1)
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* close_range(2): fds first..last closed, or marked close-on-exec; with
 * CLOSE_RANGE_UNSHARE a table shared with other tasks (CLONE_FILES) is
 * copied first and the copy changed, as Linux's dup_fd. */
int64_t sys_close_range(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	uint32_t first = (uint32_t)a[0], last = (uint32_t)a[1], flags = (uint32_t)a[2];
	if (flags & ~(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC))
		return -EINVAL;
	if (first > last)
		return -EINVAL;
	struct process *p = k->current;
	if ((flags & CLOSE_RANGE_UNSHARE) && p->files->users > 1) {
		struct fdtable *t = fdtable_fork(p->files);
		if (!t)
			return -ENOMEM;
		fdtable_put(p->files);
		p->files = t;
	}
	struct fdtable *t = files(k);
	if (last >= (uint32_t)t->max_fds)
		last = (uint32_t)t->max_fds - 1;
	for (uint32_t fd = first; fd <= last; fd++) {
		if (flags & CLOSE_RANGE_CLOEXEC)
			fd_set_cloexec(t, (int)fd, true);
		else if (t->fd[fd])
			fd_close(t, (int)fd);
	}
	return 0;
}

/* fd, or -errno: a new reference to oldfd's file at the lowest free fd >= min. */
static int64_t dup_from(struct kernel *k, uint64_t oldfd, int min, bool cloexec)
{
	struct file *f = fd_arg_raw(k, oldfd);
	if (!f)
		return -EBADF;
	file_get(f);
	int fd = fd_install(k, min, f, cloexec);
	if (fd < 0)
		file_put(f);
	return fd;
}

int64_t sys_dup(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return dup_from(k, a[0], 0, false);
}

static int64_t dup_to(struct kernel *k, uint64_t oldfd, uint64_t newfd, bool cloexec)
{
	if ((uint32_t)newfd >= task_rlimit(k->current, RLIMIT_NOFILE))
		return -EBADF;
	struct file *f = fd_arg_raw(k, oldfd);
	if (!f)
		return -EBADF;
	file_get(f);
	int err = fd_install_at(files(k), (int)(uint32_t)newfd, f, cloexec);
	if (err) {
		file_put(f);
		return err;
	}
	return (int)(uint32_t)newfd;
}

int64_t sys_dup2(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	if ((uint32_t)a[0] == (uint32_t)a[1])
		return fd_arg_raw(k, a[0]) ? (int)(uint32_t)a[1] : -EBADF;
	return dup_to(k, a[0], a[1], false);
}

int64_t sys_dup3(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	if ((a[2] & ~(uint64_t)O_CLOEXEC) || (uint32_t)a[0] == (uint32_t)a[1])
		return -EINVAL;
	return dup_to(k, a[0], a[1], a[2] & O_CLOEXEC);
}

/* The commands an O_PATH fd allows (Linux's check_fcntl_cmd). */
static bool path_fcntl_cmd(int cmd)
{
	return cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC || cmd == F_GETFD || cmd == F_SETFD ||
	       cmd == F_GETFL;
}

int64_t sys_fcntl(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	int cmd = (int)a[1];
	struct file *f = path_fcntl_cmd(cmd) ? fd_arg_raw(k, a[0]) : fd_arg(k, a[0]);
	if (!f)
		return -EBADF;
	int fd = (int)(uint32_t)a[0];
	switch (cmd) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		if (a[2] >= task_rlimit(k->current, RLIMIT_NOFILE))
			return -EINVAL;
		return dup_from(k, a[0], (int)a[2], (int)a[1] == F_DUPFD_CLOEXEC);
	case F_GETFD:
		return fd_cloexec(files(k), fd) ? FD_CLOEXEC : 0;
	case F_SETFD:
		fd_set_cloexec(files(k), fd, a[2] & FD_CLOEXEC);
		return 0;
	case F_GETFL:
		return file_get_flags(f);
	case F_SETFL:
		return file_set_flags(f, (int)a[2]);
	case F_GETPIPE_SZ:
		return pipe_capacity(f);
	case F_ADD_SEALS:
	case F_GET_SEALS:
		return memfd_fcntl_seals(k, f, cmd, a[2]);
	case F_GETLK:
	case F_SETLK:
	case F_SETLKW:
	case F_OFD_GETLK:
	case F_OFD_SETLK:
	case F_OFD_SETLKW:
		return fcntl_lock(k, f, cmd, a[2]);
	default:
		return -EINVAL;
	}
}

/* Bytes ready to read: the host's answer, or a pipe's count. */
static int64_t fionread(struct kernel *k, struct file *f, uint64_t arg)
{
	int n;
	if (f->host_fd < 0)
		n = pipe_nread(f);
	else if (ioctl(f->host_fd, FIONREAD, &n) < 0)
		return -errno;
	return n < 0 ? n : copy_to_user(k, arg, &n, sizeof(n));
}

/* O_NONBLOCK on or off, as F_SETFL would (any kind of file). */
static int64_t fionbio(struct kernel *k, struct file *f, uint64_t arg)
{
	int on;
	if (copy_from_user(k, &on, arg, sizeof(on)))
		return -EFAULT;
	int flags = file_get_flags(f);
	if (flags < 0)
		return flags;
	return file_set_flags(f, on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK);
}

int64_t sys_ioctl(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct file *f = fd_arg(k, a[0]);
	if (!f)
		return -EBADF;
	switch ((uint32_t)a[1]) {
	case FIOCLEX:
	case FIONCLEX:
		fd_set_cloexec(files(k), (int)(uint32_t)a[0], (uint32_t)a[1] == FIOCLEX);
		return 0;
	case FIONREAD: /* a tty's is its line discipline's (TIOCINQ) */
		if (file_kind(f) == FILE_PTY)
			return tty_ioctl(k, f, FIONREAD, a[2]);
		if (file_kind(f) == FILE_SOCKET && f->ops->ioctl) /* SIOCINQ */
			return f->ops->ioctl(k, f, FIONREAD, a[2]);
		return fionread(k, f, a[2]);
	case FIONBIO:
		return fionbio(k, f, a[2]);
	default: /* a kind's own (userfaultfd), terminals (fs/tty.c); else ENOTTY */
		if (f->ops->ioctl)
			return f->ops->ioctl(k, f, (uint32_t)a[1], a[2]);
		if (file_is_dev_userfaultfd(f))
			return userfaultfd_dev_ioctl(k, (uint32_t)a[1], a[2]);
		return tty_ioctl(k, f, (uint32_t)a[1], a[2]);
	}
}

/* The host fd behind guest fd arg: -EBADF if arg is not open, -no_host
 * (what the call answers for an in-kernel file, a pipe) if it has none. */
static int host_fd_arg(struct kernel *k, uint64_t arg, int no_host)
{
	struct file *f = fd_arg(k, arg);
	if (!f)
		return -EBADF;
	return f->host_fd < 0 ? -no_host : f->host_fd;
}

int64_t sys_lseek(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct file *f = fd_arg(k, a[0]);
	if (f && f->ops->llseek)
		return f->ops->llseek(f, (int64_t)a[1], (int)a[2]); /* /proc */
	int fd = host_fd_arg(k, a[0], ESPIPE);
	if (fd < 0)
		return fd;
	off_t r = lseek(fd, (off_t)a[1], (int)a[2]);
	return r < 0 ? -errno : r;
}

int64_t sys_getdents64(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct file *f = fd_arg(k, a[0]);
	bool in_kernel = f && f->ops->getdents; /* a /proc directory */
	int fd = in_kernel ? -1 : host_fd_arg(k, a[0], ENOTDIR);
	if (fd < 0 && !in_kernel)
		return fd;
	uint32_t count = (uint32_t)a[2];
	if (a[1] > task_size_max(k) || count > task_size_max(k) - a[1])
		return -EFAULT;
	size_t n = count < GETDENTS_MAX ? count : GETDENTS_MAX;
	char *buf = malloc(n ? n : 1);
	if (!buf)
		return -ENOMEM;
	int64_t r;
	if (in_kernel) {
		r = f->ops->getdents(k, f, buf, n);
	} else {
		r = syscall(SYS_getdents64, fd, buf, n);
		r = r < 0 ? -errno : r;
	}
	int64_t ret = r;
	if (r > 0 && copy_to_user(k, a[1], buf, (uint64_t)r))
		ret = -EFAULT;
	free(buf);
	return ret;
}

int64_t sys_ftruncate(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct file *mf = fd_arg(k, a[0]);
	if (mf && mf->kind == FILE_MEMFD)
		return (int64_t)a[1] < 0 ? -EINVAL : memfd_truncate(k, mf, a[1]);
	int fd = host_fd_arg(k, a[0], EINVAL); /* not a regular file */
	if (fd < 0)
		return fd;
	struct stat st;
	int err = fstat(fd, &st) < 0 ? -errno : inode_newsize_ok(k, (uint64_t)st.st_size, a[1]);
	if (err)
		return err;
	if (ftruncate(fd, (off_t)a[1]) < 0)
		return -errno;
	struct mapping *m = filemap_of(k, fd_arg(k, a[0]));
	if (m)
		filemap_resize(k, m, a[1]); /* the page cache follows */
	return 0;
}

int64_t sys_fsync(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct file *mf = fd_arg(k, a[0]);
	if (mf && mf->kind == FILE_MEMFD)
		return 0; /* memory: nothing to sync (shmem's noop_fsync) */
	int fd = host_fd_arg(k, a[0], EINVAL); /* nothing to sync, as Linux's pipes */
	if (fd < 0)
		return fd;
	/* Pages dirtied through shared maps go to the file first. */
	struct mapping *m = filemap_of(k, fd_arg(k, a[0]));
	if (m && filemap_writeback(k, m, 0, UINT64_MAX >> PAGE_SHIFT))
		return -EIO;
	return fsync(fd) < 0 ? -errno : 0;
}

/* Writes back the dirty pages of every cached file (dev: only those on
 * that host device), as sync(2) and syncfs(2) do before the host syncs:
 * pages dirtied through shared maps are in the kernel's cache only.
 * 0, or -EIO when a page could not be written. */
static int writeback_files(struct kernel *k, const uint64_t *dev)
{
	int err = 0;
	for (struct mapping *m = k->pagecache.files; m; m = m->next)
		if (!m->anon && m->fd >= 0 && (!dev || m->dev == *dev) &&
		    filemap_writeback(k, m, 0, UINT64_MAX >> PAGE_SHIFT))
			err = -EIO;
	return err;
}

int64_t sys_sync(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	(void)a;
	writeback_files(k, NULL);
	sync();
	return 0;
}

/* syncfs(2): the file system of fd; the kernel's own (pipes, /proc,
 * memfds) have nothing to write. */
int64_t sys_syncfs(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct file *f = fd_arg(k, a[0]);
	if (!f)
		return -EBADF;
	struct stat st;
	if (f->host_fd < 0 || fstat(f->host_fd, &st) < 0)
		return 0;
	uint64_t dev = st.st_dev;
	int err = writeback_files(k, &dev);
	if (syncfs(f->host_fd) < 0)
		return -errno;
	return err;
}

/* sync_file_range(2): Linux's checks (flags, a range that must not wrap,
 * ESPIPE but for regular files, directories, block devices and
 * symlinks); SYNC_FILE_RANGE_WRITE writes the range's dirty cached pages
 * back, then the host does the rest on its file. */
int64_t sys_sync_file_range(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct file *f = fd_arg(k, a[0]);
	if (!f)
		return -EBADF;
	int64_t off = (int64_t)a[1], nbytes = (int64_t)a[2];
	unsigned flags = (unsigned)a[3];
	int64_t end = (int64_t)((uint64_t)off + (uint64_t)nbytes);
	if (flags & ~(unsigned)SYNC_FILE_RANGE_WRITE_AND_WAIT)
		return -EINVAL;
	if (off < 0 || end < 0 || end < off)
		return -EINVAL;
	struct stat st;
	int err = file_stat(f, &st);
	if (err)
		return err;
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode) && !S_ISDIR(st.st_mode) &&
	    !S_ISLNK(st.st_mode))
		return -ESPIPE;
	if (f->host_fd < 0)
		return 0; /* memory (a memfd, /proc): nothing to write */
	struct mapping *m = filemap_of(k, f);
	uint64_t last = nbytes == 0 ? UINT64_MAX >> PAGE_SHIFT : (uint64_t)(end - 1) >> PAGE_SHIFT;
	if (m && (flags & SYNC_FILE_RANGE_WRITE) &&
	    filemap_writeback(k, m, (uint64_t)off >> PAGE_SHIFT, last))
		return -EIO;
	return sync_file_range(f->host_fd, off, nbytes, flags) < 0 ? -errno : 0;
}

/* fallocate(2): Linux's argument checks, then the host file does the
 * work. The modes that move or zero bytes (punch, zero, collapse, insert)
 * change the file under the page cache: its dirty pages from offset on
 * are written back first and dropped after, and the cache takes the size
 * the file has then. In-kernel files have no fallocate: ESPIPE for a
 * pipe, ENODEV for a socket, EOPNOTSUPP for /proc. */
int64_t sys_fallocate(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	int mode = (int)a[1];
	int64_t off = (int64_t)a[2], len = (int64_t)a[3];
	const int modes = FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE | FALLOC_FL_COLLAPSE_RANGE |
			  FALLOC_FL_ZERO_RANGE | FALLOC_FL_INSERT_RANGE | FALLOC_FL_UNSHARE_RANGE;
	if (off < 0 || len <= 0)
		return -EINVAL;
	if (mode & ~modes)
		return -EOPNOTSUPP;
	struct file *f = fd_arg(k, a[0]);
	if (!f)
		return -EBADF;
	if (f->kind == FILE_MEMFD)
		return memfd_fallocate(k, f, mode, (uint64_t)off, (uint64_t)len);
	if (f->host_fd < 0) {
		if (!(f->f_mode & FMODE_WRITE))
			return -EBADF;
		if (f->kind == FILE_PIPE)
			return -ESPIPE;
		return f->kind == FILE_SOCKET ? -ENODEV : -EOPNOTSUPP;
	}
	struct mapping *m = filemap_of(k, f);
	bool moves = mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_COLLAPSE_RANGE |
			     FALLOC_FL_ZERO_RANGE | FALLOC_FL_INSERT_RANGE);
	uint64_t first = (uint64_t)off >> PAGE_SHIFT;
	struct stat st;
	/* Growing the file passes RLIMIT_FSIZE first (ext4's and shmem's
	 * fallocate ask inode_newsize_ok). */
	if (!(mode & (FALLOC_FL_KEEP_SIZE | FALLOC_FL_COLLAPSE_RANGE | FALLOC_FL_INSERT_RANGE)) &&
	    fstat(f->host_fd, &st) == 0) {
		int err = inode_newsize_ok(k, (uint64_t)st.st_size, (uint64_t)off + (uint64_t)len);
		if (err)
			return err;
	}
	if (m && moves && filemap_writeback(k, m, first, UINT64_MAX >> PAGE_SHIFT))
		return -EIO;
	if (fallocate(f->host_fd, mode, off, len) < 0)
		return -errno;
	if (m && moves)
		filemap_invalidate(k, m, first, UINT64_MAX >> PAGE_SHIFT);
	if (m && fstat(f->host_fd, &st) == 0 && (uint64_t)st.st_size != m->size)
		filemap_resize(k, m, (uint64_t)st.st_size);
	return 0;
}

/* fadvise64(fd, offset, len, advice): advice only, so the host gets it
 * for its own cache (the kernel's page cache reads ahead nothing and
 * keeps what it holds until reclaim); the checks are Linux's. */
int64_t sys_fadvise64(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	int fd = host_fd_arg(k, a[0], ESPIPE); /* a pipe */
	if (fd < 0)
		return fd;
	if ((int64_t)a[2] < 0 || a[3] > POSIX_FADV_NOREUSE)
		return -EINVAL;
	return -posix_fadvise(fd, (off_t)a[1], (off_t)a[2], (int)a[3]);
}

/* readahead(2): a file open for reading (EBADF) that can read ahead: a
 * regular file (EINVAL for anything else, a pipe, a socket, a
 * directory). A host file the kernel caches gets the pages of the range
 * into the page cache, at most ra_pages of them (Linux's
 * force_page_cache_ra caps a request at the device's window), within the
 * file, as long as frames are free above the low watermark; the others
 * (memfds, /proc, tmpfs: no backing device) read nothing ahead. */
int64_t sys_readahead(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct file *f = fd_arg(k, a[0]);
	if (!f || !(f->f_mode & FMODE_READ))
		return -EBADF;
	struct stat st;
	if (file_stat(f, &st) || !S_ISREG(st.st_mode))
		return -EINVAL;
	int64_t off = (int64_t)a[1], len = (int64_t)a[2];
	if (len < 0)
		return -EINVAL; /* generic_fadvise: a count past LLONG_MAX */
	struct mapping *m = filemap_of(k, f);
	if (!m || !m->ra_pages || off < 0)
		return 0;
	uint64_t end = (uint64_t)off + (uint64_t)len;
	uint64_t last = !len || end < (uint64_t)len ? INT64_MAX : end - 1;
	uint64_t first = (uint64_t)off >> PAGE_SHIFT, stop = (last >> PAGE_SHIFT) + 1;
	uint64_t eof = (m->size + PAGE_SIZE - 1) >> PAGE_SHIFT;
	if (stop > eof)
		stop = eof;
	if (first < stop && stop - first > m->ra_pages)
		stop = first + m->ra_pages;
	for (uint64_t i = first; i < stop; i++) {
		if (pagecache_lookup(k, m, i))
			continue;
		struct cache_page *cp;
		if (frames_free(k) <= k->wmark_low || mapping_page(k, m, i, &cp))
			break; /* best effort, as Linux's read-ahead */
	}
	return 0;
}

static int64_t do_pipe(struct kernel *k, uint64_t ufds, uint64_t flags)
{
	if (flags & ~(uint64_t)(O_CLOEXEC | O_NONBLOCK | O_DIRECT))
		return -EINVAL;
	struct file *ends[2];
	int err = pipe_create(k, (int)flags, ends);
	if (err)
		return err;
	int fds[2];
	fds[0] = fd_install(k, 0, ends[0], flags & O_CLOEXEC);
	if (fds[0] < 0) {
		file_put(ends[0]);
		file_put(ends[1]);
		return fds[0];
	}
	fds[1] = fd_install(k, 0, ends[1], flags & O_CLOEXEC);
	if (fds[1] < 0) {
		fd_close(files(k), fds[0]);
		file_put(ends[1]);
		return fds[1];
	}
	if (copy_to_user(k, ufds, fds, sizeof(fds))) {
		fd_close(files(k), fds[0]);
		fd_close(files(k), fds[1]);
		return -EFAULT;
	}
	return 0;
}

int64_t sys_pipe(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return do_pipe(k, a[0], 0);
}

int64_t sys_pipe2(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return do_pipe(k, a[0], a[1]);
}
