/* file_host.c - files backed by a host fd: regular files, directories,
 * ttys and anything else the guest opens by path, and vmemu's own stdio.
 *
 * Data moves between the host fd and the guest's buffers through a bounce
 * buffer of BOUNCE_SIZE bytes, so a 1 GiB read never needs 1 GiB of host
 * memory. A fault after some bytes returns the bytes done, a fault before
 * any byte -EFAULT (Linux's rule). Offsets and status flags live in the
 * host's open file description, which dup'ed guest fds share through one
 * struct file. Regular files go through the page cache (filemap.c): reads
 * from it, writes through it to the host. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "fs/internal.h"
#include "kern.h"
#include "mm/mm.h"
#include "task/task.h"

#define BOUNCE_SIZE (64 * 1024)

/* A read that reaches the cached end of the file: a host process may
 * have appended to it (a log under tail -f) while the guest held it
 * open. The cache then takes the host's size, and its last page, which
 * holds zeroes past the old end, is read again. */
static void cached_read_grown(struct kernel *k, struct mapping *m)
{
	struct stat st;
	if (fstat(m->fd, &st) || (uint64_t)st.st_size <= m->size)
		return;
	uint64_t last = m->size >> PAGE_SHIFT;
	filemap_writeback(k, m, last, last);
	filemap_invalidate(k, m, last, last);
	filemap_resize(k, m, (uint64_t)st.st_size);
}

/* read(2) from the page cache, at and then past the file offset when pos
 * < 0; a file not open for reading gives EBADF as the host would. */
static int64_t cached_read(struct kernel *k, struct file *f, struct mapping *m, struct uio *u,
			   int64_t pos)
{
	if ((f->flags & O_ACCMODE) == O_WRONLY)
		return -EBADF;
	off_t at = pos < 0 ? lseek(f->host_fd, 0, SEEK_CUR) : pos;
	if (at < 0)
		return -errno;
	if ((uint64_t)at + u->left >= m->size)
		cached_read_grown(k, m);
	uint64_t fills = k->stats.cache_reads;
	int64_t r = filemap_read(k, m, u, (uint64_t)at);
	if (r > 0 && k->stats.cache_reads == fills) /* a fill read the host: IN_ACCESS given */
		fsnotify_access(k, f, at);
	if (r > 0 && pos < 0)
		lseek(f->host_fd, at + r, SEEK_SET);
	return r;
}

struct mapping *filemap_of(struct kernel *k, struct file *f)
{
	/* In-kernel files (pipes, /proc) keep their own state in private. */
	if (f->kind != FILE_REGULAR || f->host_fd < 0)
		return NULL;
	if (f->private)
		return f->private;
	int acc;
	struct mapping *m = filemap_get(k, f->host_fd, &acc);
	if (!m)
		return NULL;
	f->private = m;
	f->flags = acc | (f->flags & O_NOFOLLOW);
	return m;
}

/* Linux's memory devices whose reads fill the whole buffer and never
 * wait (read_zero, urandom_read_iter; random's once seeded): /dev/zero,
 * /dev/full, /dev/random, /dev/urandom. */
static bool reads_whole(const struct file *f)
{
	struct stat st;
	if (fstat(f->host_fd, &st) || !S_ISCHR(st.st_mode) || major(st.st_rdev) != 1)
		return false;
	unsigned minor = minor(st.st_rdev);
	return minor == 5 || minor == 7 || minor == 8 || minor == 9;
}

/* pos < 0: at the file offset (read), else at pos (pread). A request of
 * 0 bytes still asks the host, which reports errors such as EISDIR. */
static int64_t host_read(struct kernel *k, struct file *f, struct uio *u, int64_t pos)
{
	struct mapping *m = filemap_of(k, f);
	if (m)
		return cached_read(k, f, m, u, pos);
	if (pos < 0 && stream_blocking(f)) {
		int64_t w = stream_wait(k, f, POLLIN);
		if (w)
			return w;
	}
	char *bounce = malloc(BOUNCE_SIZE);
	if (!bounce)
		return -ENOMEM;
	int fd = f->host_fd;
	int64_t done = 0;
	int err = 0;
	do {
		size_t want = u->left < BOUNCE_SIZE ? (size_t)u->left : BOUNCE_SIZE;
		ssize_t r = pos < 0 ? read(fd, bounce, want) : pread(fd, bounce, want, pos + done);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			err = r < 0 ? errno : 0;
			break;
		}
		size_t c = uio_copy(k, u, bounce, (size_t)r, true);
		done += (int64_t)c;
		if (c < (size_t)r) {
			/* Bytes read but not delivered stay unread where the file
			 * can seek (a host pipe's are lost). */
			if (pos < 0)
				lseek(fd, (off_t)c - (off_t)r, SEEK_CUR);
			break;
		}
		/* Only a regular file or a memory device is read on: a pipe
		 * or tty could block. */
		if ((size_t)r < want || (f->kind != FILE_REGULAR && !reads_whole(f)))
			break;
	} while (u->left > 0);
	free(bounce);
	if (done > 0)
		return done;
	return err ? -err : u->fault ? -EFAULT : 0;
}

/* Writes all n bytes unless the host fails; returns the bytes written, or
 * -errno when none were. */
static int64_t write_all(int fd, const char *buf, size_t n, int64_t pos)
{
	size_t off = 0;
	do {
		ssize_t w = pos < 0 ? write(fd, buf + off, n - off)
				    : pwrite(fd, buf + off, n - off, pos + (int64_t)off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return off ? (int64_t)off : -errno;
		if (w == 0)
			break;
		off += (size_t)w;
	} while (off < n);
	return (int64_t)off;
}

/* Where a write lands in the file, for the page cache: with O_APPEND the
 * end of the file (even for pwrite, as Linux), else pos, or the file
 * offset when pos < 0. -1 if the host cannot say. */
static int64_t write_pos(const struct file *f, const struct mapping *m, int64_t pos)
{
	int fl = fcntl(f->host_fd, F_GETFL);
	if (fl >= 0 && (fl & O_APPEND))
		return (int64_t)m->size;
	return pos >= 0 ? pos : lseek(f->host_fd, 0, SEEK_CUR);
}

/* Write-through: a cached file's bytes go from the guest's buffers into
 * its cached pages (filemap_perform_write), then from the bounce buffer,
 * which gets them too, to the host file. */
static int64_t write_cached(struct kernel *k, struct file *f, struct uio *u, int64_t pos)
{
	struct mapping *m = filemap_of(k, f);
	char *bounce = malloc(BOUNCE_SIZE);
	if (!bounce)
		return -ENOMEM;
	int64_t done = 0;
	int64_t err = 0;
	do {
		int64_t at = m ? write_pos(f, m, pos < 0 ? -1 : pos + done) : -1;
		size_t n = at >= 0 ? filemap_perform_write(k, m, u, (uint64_t)at, (uint8_t *)bounce,
							   BOUNCE_SIZE)
				   : uio_copy(k, u, bounce, BOUNCE_SIZE, false);
		if (n == 0 && u->fault)
			break;
		int64_t w = write_all(f->host_fd, bounce, n, pos < 0 ? -1 : pos + done);
		if (at >= 0 && (w < 0 ? 0 : (size_t)w) < n)
			filemap_write_failed(k, m, (uint64_t)at + (uint64_t)(w < 0 ? 0 : w),
					     (uint64_t)at + n);
		if (w < 0) {
			err = w;
			break;
		}
		done += w;
		if ((size_t)w < n)
			break;
	} while (u->left > 0 && !u->fault);
	free(bounce);
	if (done > 0)
		return done;
	return err ? err : u->fault ? -EFAULT : 0;
}

/* A regular file is written only up to RLIMIT_FSIZE. */
static int64_t host_write(struct kernel *k, struct file *f, struct uio *u, int64_t pos)
{
	if (pos < 0 && stream_blocking(f))
		return stream_write(k, f, u);
	uint64_t count = u->left;
	int err_fsize = file_write_check_limits(k, f, pos, &count);
	if (err_fsize)
		return err_fsize;
	uint64_t cut = u->left - count; /* past RLIMIT_FSIZE: not written */
	u->left = count;
	int64_t ret = write_cached(k, f, u, pos);
	u->left += cut;
	return ret;
}

static int host_stat(struct file *f, struct stat *st)
{
	return fstat(f->host_fd, st) < 0 ? -errno : 0;
}

static void host_release(struct file *f)
{
	if (f->inode) {
		locks_remove_file(f);
		if (f->f_mode & FMODE_WRITE)
			put_write_access(f->inode);
		if (f->f_mode & FMODE_EXEC)
			allow_write_access(f->inode);
		inode_put(f->inode);
	}
	if (f->private)
		mapping_put(f->private);
	close(f->host_fd);
}

/* poll is NULL: sys_poll hands host fds to the host's poll. */
static const struct file_ops host_file_ops = {
	.read = host_read,
	.write = host_write,
	.stat = host_stat,
	.release = host_release,
};

static enum file_kind kind_of(int host_fd, const struct stat *st)
{
	if (S_ISREG(st->st_mode))
		return FILE_REGULAR;
	if (S_ISDIR(st->st_mode))
		return FILE_DIRECTORY;
	if (S_ISCHR(st->st_mode) && isatty(host_fd))
		return FILE_TTY;
	return FILE_OTHER;
}

int file_create(struct kernel *k, int host_fd, int flags, struct file **out)
{
	struct stat st;
	if (fstat(host_fd, &st) < 0)
		st.st_mode = 0;
	enum file_kind kind = kind_of(host_fd, &st);
	struct file *f = file_alloc(&host_file_ops, kind, 0, NULL);
	if (!f) {
		close(host_fd);
		return -ENOMEM;
	}
	f->host_fd = host_fd;
	f->flags = flags & O_NOFOLLOW; /* the host's description says O_NOFOLLOW always */
	f->f_mode = open_fmode(flags);
	f->f_cred = current_cred_token(k);
	if (kind == FILE_REGULAR) {
		f->inode = inode_get(k, &st);
		int err = f->inode ? 0 : -ENOMEM;
		if (!err && (f->f_mode & FMODE_WRITE) && (err = get_write_access(f->inode)))
			f->f_mode &= ~FMODE_WRITE;
		if (err) {
			file_put(f);
			return err;
		}
	}
	*out = f;
	return 0;
}

/* open(2) ignores flag bits it does not know: keep only the ones it acts
 * on, as its build_open_how() does. */
#define OPEN_FLAGS_KNOWN                                                             \
	(O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND | O_NONBLOCK |  \
	 O_DSYNC | O_SYNC | O_ASYNC | O_DIRECT | KERNEL_O_LARGEFILE | O_DIRECTORY |   \
	 O_NOFOLLOW | O_NOATIME | O_CLOEXEC | O_PATH | O_TMPFILE)

/* What open(2) keeps of the flags with O_PATH. */
#define O_PATH_FLAGS (O_DIRECTORY | O_NOFOLLOW | O_PATH | O_CLOEXEC)

int host_openat(struct kernel *k, int dir_fd, const char *name, int flags, unsigned mode)
{
	flags &= flags & O_PATH ? O_PATH_FLAGS : OPEN_FLAGS_KNOWN;
	bool creates = (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE;
	/* The host applies the guest's umask (and a default ACL instead). */
	mode_t old = creates ? umask(current_umask(k)) : 0;
	int fd;
	do
		fd = openat(dir_fd, name, flags | O_CLOEXEC, (mode_t)(mode & 07777));
	while (fd < 0 && errno == EINTR);
	int err = errno;
	if (creates)
		umask(old);
	return fd < 0 ? -err : fd;
}

int file_open_exe(struct kernel *k, int host_fd, struct file **out)
{
	int fd = fcntl(host_fd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	struct file *f;
	int err = file_create(k, fd, O_RDONLY, &f);
	if (err)
		return err;
	err = f->inode ? deny_write_access(f->inode) : -EACCES;
	if (err) {
		file_put(f);
		return err;
	}
	f->f_mode |= FMODE_EXEC;
	char name[PATH_MAX];
	if (host_fd_name(k, fd, name, NULL) == -EXDEV)
		f->f_mode |= FMODE_OUTSIDE_ROOT;
	*out = f;
	return 0;
}
