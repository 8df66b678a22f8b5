/* sys_rw.c - read, write, their vector and positioned forms (readv,
 * preadv, preadv2 and their writes, with the RWF_* flags), sendfile,
 * copy_file_range, splice and vmsplice, over the guest's buffers as a struct uio (uio.c).
 *
 * The guest buffers are walked page by page, so each kind of file can stop
 * at the first fault: the bytes done so far are returned, or -EFAULT when
 * there are none (Linux's rule). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs/fs.h"
#include "kern.h"
#include "mm/mm.h"
#include "sys/sys.h"
#include "task/task.h"

#define UIO_MAXIOV 1024                                 /* as Linux's */
#define SENDFILE_CHUNK (64 * 1024) /* into an in-kernel file; a shorter answer is fine */

/* In-kernel files without an offset (pipes) have no positions either:
 * pread/pwrite give ESPIPE; /proc files have both.
 * A file not open for the direction (a pipe's other end) has no op:
 * EBADF, as Linux's FMODE_READ / FMODE_WRITE check. */
static int64_t do_rw(struct kernel *k, struct file *f, struct uio *u, int64_t pos, bool write)
{
	if (pos >= 0 && f->host_fd < 0 && !f->ops->llseek)
		return -ESPIPE;
	if (write)
		return f->ops->write ? f->ops->write(k, f, u, pos) : -EBADF;
	return f->ops->read ? f->ops->read(k, f, u, pos) : -EBADF;
}

int uio_init(const struct kernel *k, struct uio *u, const struct user_iovec *iov, int cnt)
{
	*u = (struct uio){.iov = iov, .cnt = cnt};
	for (int i = 0; i < cnt; i++) {
		if (iov[i].len > SSIZE_MAX - u->left)
			return -EINVAL;
		if (iov[i].base > task_size_max(k) || iov[i].len > task_size_max(k) - iov[i].base)
			return -EFAULT;
		u->left += iov[i].len;
	}
	if (u->left > MAX_RW_COUNT)
		u->left = MAX_RW_COUNT;
	return 0;
}

static int64_t rw(struct kernel *k, const uint64_t a[6], int64_t pos, bool write)
{
	struct file *f = fd_arg(k, a[0]);
	if (!f)
		return -EBADF;
	struct user_iovec iov = {a[1], a[2]};
	struct uio u;
	int err = uio_init(k, &u, &iov, 1);
	if (err)
		return err;
	return do_rw(k, f, &u, pos, write);
}

/* The RWF_* flags of preadv2 and pwritev2 (Linux 6.18's RWF_SUPPORTED;
 * the host's headers may know fewer). */
#define RWF_HIPRI 0x01
#define RWF_DSYNC 0x02
#define RWF_SYNC 0x04
#define RWF_NOWAIT 0x08
#define RWF_APPEND 0x10
#ifndef RWF_NOAPPEND
#define RWF_NOAPPEND 0x20
#endif
#ifndef RWF_ATOMIC
#define RWF_ATOMIC 0x40
#endif
#ifndef RWF_DONTCACHE
#define RWF_DONTCACHE 0x80
#endif
#ifndef RWF_NOSIGNAL
#define RWF_NOSIGNAL 0x100
#endif
#define RWF_KNOWN                                                                        \
	(RWF_HIPRI | RWF_DSYNC | RWF_SYNC | RWF_NOWAIT | RWF_APPEND | RWF_NOAPPEND |     \
	 RWF_ATOMIC | RWF_DONTCACHE | RWF_NOSIGNAL)

/* Whether f has positions (Linux's FMODE_PREAD and FMODE_PWRITE): not a
 * pipe, FIFO, socket or terminal (stream_open, nonseekable_open). */
static bool has_pos(struct file *f)
{
	if (f->host_fd < 0)
		return f->ops->llseek != NULL;
	if (f->kind == FILE_TTY)
		return false;
	struct stat st;
	return fstat(f->host_fd, &st) < 0 || !(S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode));
}

/* Linux's kiocb_set_rw_flags: which flags f takes. RWF_NOWAIT needs a
 * file that can say "not now" (FMODE_NOWAIT): not /proc, and a buffered
 * write to a host file is EOPNOTSUPP (ext4's answer); RWF_ATOMIC needs an
 * O_DIRECT file of a file system that has atomic writes (none here);
 * RWF_DONTCACHE a regular file of a disk's file system. */
static int rwf_check(const struct file *f, int rwf, bool write)
{
	bool host_regular = f->kind == FILE_REGULAR && f->host_fd >= 0;
	if (rwf & ~RWF_KNOWN)
		return -EOPNOTSUPP;
	if ((rwf & RWF_APPEND) && (rwf & RWF_NOAPPEND))
		return -EINVAL;
	if ((rwf & RWF_NOWAIT) && (f->kind == FILE_PROC || (write && host_regular)))
		return -EOPNOTSUPP;
	if (rwf & RWF_ATOMIC)
		return -EOPNOTSUPP;
	if ((rwf & RWF_DONTCACHE) && !host_regular)
		return -EOPNOTSUPP;
	return 0;
}

/* RWF_NOWAIT on a cached regular file: a read takes only the pages the
 * page cache has, from the first on (EAGAIN when it has not that one). */
static int nowait_trim(struct kernel *k, struct file *f, struct uio *u, int64_t pos)
{
	struct mapping *m = filemap_of(k, f);
	if (!m)
		return 0;
	int64_t at = pos >= 0 ? pos : lseek(f->host_fd, 0, SEEK_CUR);
	if (at < 0 || (uint64_t)at >= m->size)
		return 0; /* the end of the file: read says 0 */
	uint64_t avail = 0, page = (uint64_t)at >> PAGE_SHIFT;
	while (avail < u->left && pagecache_lookup(k, m, page)) {
		avail = ((page + 1) << PAGE_SHIFT) - (uint64_t)at;
		page++;
	}
	if (!avail)
		return -EAGAIN;
	if (avail < u->left)
		u->left = avail;
	return 0;
}

/* One read or write with preadv2/pwritev2 flags: RWF_NOWAIT is O_NONBLOCK
 * for the call (or nowait_trim), RWF_APPEND and RWF_NOAPPEND set or clear
 * O_APPEND for it, RWF_DSYNC and RWF_SYNC sync the file after a write,
 * RWF_NOSIGNAL sends a socket's data without SIGPIPE, RWF_HIPRI and
 * RWF_DONTCACHE change nothing here. */
static int64_t rw_flags(struct kernel *k, struct file *f, struct uio *u, int64_t pos, int rwf,
			bool write)
{
	if (!rwf)
		return do_rw(k, f, u, pos, write);
	bool host_regular = f->kind == FILE_REGULAR && f->host_fd >= 0;
	if ((rwf & RWF_NOWAIT) && !write && host_regular) {
		int err = nowait_trim(k, f, u, pos);
		if (err)
			return err;
	}
	int old = file_get_flags(f), now = old;
	if ((rwf & RWF_NOWAIT) && !host_regular)
		now |= O_NONBLOCK;
	if (write && (rwf & RWF_APPEND))
		now |= O_APPEND;
	if (write && (rwf & RWF_NOAPPEND))
		now &= ~O_APPEND;
	if (old >= 0 && now != old) {
		int err = file_set_flags(f, now);
		if (err)
			return err;
	}
	int64_t ret;
	if (write && (rwf & RWF_NOSIGNAL) && f->kind == FILE_SOCKET) {
		struct unix_msghdr msg = {.u = u, .restart = true};
		ret = sock_ops(f)->sendmsg(k, f, &msg, MSG_NOSIGNAL);
	} else
		ret = do_rw(k, f, u, pos, write);
	if (old >= 0 && now != old)
		file_set_flags(f, old);
	if (ret > 0 && write && (rwf & (RWF_DSYNC | RWF_SYNC)) && f->host_fd >= 0) {
		struct mapping *m = filemap_of(k, f);
		if (m && filemap_writeback(k, m, 0, UINT64_MAX >> PAGE_SHIFT))
			return -EIO;
		if (((rwf & RWF_SYNC) ? fsync(f->host_fd) : fdatasync(f->host_fd)) < 0 &&
		    errno != EINVAL && errno != EROFS)
			return -errno;
	}
	return ret;
}

/* Linux's vfs_readv and vfs_writev, once the fd is known: the direction
 * (EBADF), the iovec (import_iovec), nothing to move (0, the flags
 * unchecked), the flags; pos < 0: at the file offset. */
static int64_t rw_iov(struct kernel *k, struct file *f, uint64_t uiov, uint64_t cnt, int64_t pos,
		      int rwf, bool write)
{
	if (!(f->f_mode & (write ? FMODE_WRITE : FMODE_READ)))
		return -EBADF;
	if (cnt > UIO_MAXIOV)
		return -EINVAL;
	struct user_iovec *iov = malloc((size_t)cnt * sizeof(*iov) + 1);
	if (!iov)
		return -ENOMEM;
	struct uio u;
	int64_t ret = copy_from_user(k, iov, uiov, cnt * sizeof(*iov));
	if (!ret)
		ret = uio_init(k, &u, iov, (int)cnt);
	if (!ret && u.left && !(ret = rwf_check(f, rwf, write)))
		ret = rw_flags(k, f, &u, pos, rwf, write);
	free(iov);
	return ret;
}

static int64_t rw_vector(struct kernel *k, const uint64_t a[6], bool write)
{
	struct file *f = fd_arg(k, a[0]);
	return f ? rw_iov(k, f, a[1], a[2], -1, 0, write) : -EBADF;
}

/* preadv, pwritev, and preadv2, pwritev2 with an offset: EINVAL for a
 * negative one (before the fd), ESPIPE for a file without positions.
 * (pos_h, the high half, is nothing on 64-bit: pos_from_hilo.) */
static int64_t rw_vector_at(struct kernel *k, const uint64_t a[6], int rwf, bool write)
{
	int64_t pos = (int64_t)a[3];
	if (pos < 0)
		return -EINVAL;
	struct file *f = fd_arg(k, a[0]);
	if (!f)
		return -EBADF;
	if (!has_pos(f))
		return -ESPIPE;
	return rw_iov(k, f, a[1], a[2], pos, rwf, write);
}

/* preadv2, pwritev2: offset -1 is the file offset (readv, writev). */
static int64_t rw_vector2(struct kernel *k, const uint64_t a[6], bool write)
{
	int rwf = (int)(uint32_t)a[5];
	if ((int64_t)a[3] != -1)
		return rw_vector_at(k, a, rwf, write);
	struct file *f = fd_arg(k, a[0]);
	return f ? rw_iov(k, f, a[1], a[2], -1, rwf, write) : -EBADF;
}

int64_t sys_preadv(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return rw_vector_at(k, a, 0, false);
}

int64_t sys_pwritev(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return rw_vector_at(k, a, 0, true);
}

int64_t sys_preadv2(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return rw_vector2(k, a, false);
}

int64_t sys_pwritev2(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return rw_vector2(k, a, true);
}

int64_t sys_read(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return rw(k, a, -1, false);
}

int64_t sys_write(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return rw(k, a, -1, true);
}

int64_t sys_pread64(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	if ((int64_t)a[3] < 0)
		return -EINVAL; /* ksys_pread64: before the fd */
	return rw(k, a, (int64_t)a[3], false);
}

int64_t sys_pwrite64(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	if ((int64_t)a[3] < 0)
		return -EINVAL; /* ksys_pread64: before the fd */
	return rw(k, a, (int64_t)a[3], true);
}

int64_t sys_readv(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return rw_vector(k, a, false);
}

int64_t sys_writev(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return rw_vector(k, a, true);
}

/* Host file to host file, inside the host. */
static int64_t sendfile_host(struct file *out, struct file *in, off_t *off, size_t count)
{
	ssize_t r;
	do
		r = sendfile(out->host_fd, in->host_fd, off, count);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : r;
}

/* Host file into an in-kernel file (a pipe): the host reads at the offset,
 * the file takes what it can, and only that much is consumed, so a call
 * that blocks and restarts loses nothing. */
static int64_t sendfile_to_kernel(struct kernel *k, struct file *out, struct file *in,
				  off_t *off, size_t count)
{
	if (!out->ops->write)
		return -EBADF;
	off_t pos = off ? *off : lseek(in->host_fd, 0, SEEK_CUR);
	if (pos < 0)
		return errno == ESPIPE ? -EINVAL : -errno;
	char *buf = malloc(SENDFILE_CHUNK);
	if (!buf)
		return -ENOMEM;
	ssize_t r;
	do
		r = pread(in->host_fd, buf, count < SENDFILE_CHUNK ? count : SENDFILE_CHUNK, pos);
	while (r < 0 && errno == EINTR);
	int64_t ret = r < 0 ? -errno : 0;
	if (r > 0) {
		struct uio u = uio_kernel(buf, (uint64_t)r);
		ret = out->ops->write(k, out, &u, -1);
	}
	free(buf);
	if (ret > 0) {
		pos += ret;
		if (off)
			*off = pos;
		else
			lseek(in->host_fd, pos, SEEK_SET);
	}
	return ret;
}

/* No guest memory moves but the offset. */
int64_t sys_sendfile(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct file *out = fd_arg(k, a[0]), *in = fd_arg(k, a[1]);
	if (!out || !in)
		return -EBADF;
	/* Linux reads the input through the page cache, which a pipe has not. */
	if (in->host_fd < 0)
		return in->ops->read ? -EINVAL : -EBADF;
	off_t off;
	if (a[2] && copy_from_user(k, &off, a[2], sizeof(off)))
		return -EFAULT;
	uint64_t count = a[3] < MAX_RW_COUNT ? a[3] : MAX_RW_COUNT;
	/* Linux's write into a regular file checks RLIMIT_FSIZE; the host's
	 * sendfile would not. */
	int64_t err = out->host_fd >= 0 ? file_write_check_limits(k, out, -1, &count) : 0;
	if (err)
		return err;
	off_t *offp = a[2] ? &off : NULL;
	int64_t r = out->host_fd >= 0 ? sendfile_host(out, in, offp, count)
				      : sendfile_to_kernel(k, out, in, offp, count);
	if (r < 0)
		return r;
	if (a[2] && copy_to_user(k, a[2], &off, sizeof(off)))
		return -EFAULT;
	return r;
}

/* ---- copy_file_range(2) ---- */

#define COPY_CHUNK (64 * 1024)
/* What one call copies at most: the bytes go through the guest's page
 * cache, so a copy of gigabytes would hold every other task up; a
 * shorter count is an answer copy_file_range may give (callers loop). */
#define COPY_MAX (16 * 1024 * 1024)

/* The file offset of f, 0 for a file that has none (a pipe's f_pos). */
static int64_t file_offset(struct file *f)
{
	int64_t r = f->host_fd >= 0 ? lseek(f->host_fd, 0, SEEK_CUR)
		    : f->ops->llseek ? f->ops->llseek(f, 0, SEEK_CUR)
				     : 0;
	return r < 0 ? 0 : r;
}

static void file_set_offset(struct file *f, int64_t pos)
{
	if (f->host_fd >= 0)
		lseek(f->host_fd, pos, SEEK_SET);
	else if (f->ops->llseek)
		f->ops->llseek(f, pos, SEEK_SET);
}

/* Linux 6.x's generic_copy_file_checks and rw_verify_area: regular files
 * only (EISDIR, EINVAL), in open for reading and out for writing without
 * O_APPEND (EBADF), one file system (EXDEV: no file system here copies
 * between two), no offset that wraps (EOVERFLOW), the count cut at the
 * end of in, no overlap within one file (EINVAL), no negative offset. */
static int copy_checks(struct file *in, int64_t pos_in, struct file *out, int64_t pos_out,
		       uint64_t *count)
{
	struct stat si, so;
	int err = file_stat(in, &si);
	if (!err)
		err = file_stat(out, &so);
	if (err)
		return err;
	if (S_ISDIR(si.st_mode) || S_ISDIR(so.st_mode))
		return -EISDIR;
	if (!S_ISREG(si.st_mode) || !S_ISREG(so.st_mode))
		return -EINVAL;
	int oflags = file_get_flags(out);
	if (!(in->f_mode & FMODE_READ) || !(out->f_mode & FMODE_WRITE) ||
	    (oflags >= 0 && (oflags & O_APPEND)))
		return -EBADF;
	/* Files of the kernel's own (/proc, memfds) are a file system apart
	 * from the host's; memfds share one. */
	bool in_host = in->host_fd >= 0 && in->kind != FILE_PROC;
	bool out_host = out->host_fd >= 0 && out->kind != FILE_PROC;
	if (in_host != out_host || si.st_dev != so.st_dev || in->kind == FILE_PROC ||
	    out->kind == FILE_PROC)
		return -EXDEV;
	uint64_t n = *count;
	if ((uint64_t)pos_in + n < (uint64_t)pos_in || (uint64_t)pos_out + n < (uint64_t)pos_out)
		return -EOVERFLOW;
	if (pos_in >= si.st_size)
		n = 0;
	else if (n > (uint64_t)si.st_size - (uint64_t)pos_in)
		n = (uint64_t)si.st_size - (uint64_t)pos_in;
	bool same = si.st_dev == so.st_dev && si.st_ino == so.st_ino;
	/* In unsigned arithmetic, as Linux's loff_t + u64. */
	if (same && (uint64_t)pos_out + n > (uint64_t)pos_in &&
	    (uint64_t)pos_out < (uint64_t)pos_in + n)
		return -EINVAL;
	if (pos_in < 0 || pos_out < 0 || (int64_t)((uint64_t)pos_in + n) < 0 ||
	    (int64_t)((uint64_t)pos_out + n) < 0)
		return -EINVAL;
	*count = n;
	return 0;
}

/* Through the kernel's own reads and writes (do_splice_direct): the page
 * cache of both files stays true to them. The bytes copied (short at an
 * error after some), or -errno. */
static int64_t copy_range(struct kernel *k, struct file *in, int64_t pos_in, struct file *out,
			  int64_t pos_out, uint64_t count)
{
	char *buf = malloc(COPY_CHUNK);
	if (!buf)
		return -ENOMEM;
	int64_t done = 0, err = 0;
	if (count > COPY_MAX)
		count = COPY_MAX;
	while ((uint64_t)done < count) {
		uint64_t want = count - (uint64_t)done < COPY_CHUNK ? count - (uint64_t)done : COPY_CHUNK;
		struct uio r = uio_kernel(buf, want);
		int64_t got = in->ops->read(k, in, &r, pos_in + done);
		if (got <= 0) {
			err = got;
			break;
		}
		struct uio w = uio_kernel(buf, (uint64_t)got);
		int64_t put = out->ops->write(k, out, &w, pos_out + done);
		if (put <= 0) {
			err = put;
			break;
		}
		done += put;
		if (put < got)
			break;
	}
	free(buf);
	return done ? done : err;
}

int64_t sys_copy_file_range(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct file *in = fd_arg(k, a[0]);
	if (!in)
		return -EBADF;
	struct file *out = fd_arg(k, a[2]);
	if (!out)
		return -EBADF;
	int64_t pos_in, pos_out;
	if (a[1] ? copy_from_user(k, &pos_in, a[1], sizeof(pos_in)) : (pos_in = file_offset(in), 0))
		return -EFAULT;
	if (a[3] ? copy_from_user(k, &pos_out, a[3], sizeof(pos_out))
		 : (pos_out = file_offset(out), 0))
		return -EFAULT;
	if ((uint32_t)a[5])
		return -EINVAL;
	uint64_t count = a[4];
	int64_t ret = copy_checks(in, pos_in, out, pos_out, &count);
	if (ret || !count)
		return ret;
	ret = copy_range(k, in, pos_in, out, pos_out, count);
	if (ret <= 0)
		return ret;
	pos_in += ret;
	pos_out += ret;
	if (!a[1])
		file_set_offset(in, pos_in);
	else if (copy_to_user(k, a[1], &pos_in, sizeof(pos_in)))
		ret = -EFAULT;
	if (!a[3])
		file_set_offset(out, pos_out);
	else if (copy_to_user(k, a[3], &pos_out, sizeof(pos_out)))
		ret = -EFAULT;
	return ret;
}

/* ---- splice(2) and vmsplice(2) ----
 * The kernel's pipes are one side at least; the bytes go through a
 * kernel buffer, and only what the other side took is consumed. (tee(2)
 * would need to read a pipe without consuming it: not here.) */

#define SPLICE_F_NONBLOCK_ 0x02
#define SPLICE_F_ALL 0x0f /* MOVE, NONBLOCK, MORE, GIFT */
#define SPLICE_CHUNK (64 * 1024)

static bool is_pipe(const struct file *f)
{
	return f->kind == FILE_PIPE;
}

/* A pipe with no reader: the write that says so (EPIPE and SIGPIPE),
 * before anything is consumed from the other side; else 0. */
static int64_t pipe_broken(struct kernel *k, struct file *out)
{
	if (!out->ops->poll || !(out->ops->poll(out) & POLLERR))
		return 0;
	char c = 0;
	struct uio u = uio_kernel(&c, 1);
	return out->ops->write(k, out, &u, -1);
}

/* Room in pipe out: > 0, or -EAGAIN (nonblock), or the call waits. */
static int64_t pipe_room(struct kernel *k, struct file *out, bool nonblock)
{
	int room = pipe_capacity(out) - pipe_nread(out);
	if (room > 0)
		return room;
	if (nonblock)
		return -EAGAIN;
	process_block(k, &file_poll_chan);
	return -ERESTARTSYS;
}

/* Moves up to n bytes: read from in at pos_in (-1: its offset or a
 * stream), write to out at pos_out; a pipe end in nonblocking mode for
 * the call when nonblock. The bytes written, 0 at the end of in, -errno. */
static int64_t splice_chunk(struct kernel *k, struct file *in, int64_t pos_in, struct file *out,
			    int64_t pos_out, size_t n, bool nonblock)
{
	char *buf = malloc(n ? n : 1);
	if (!buf)
		return -ENOMEM;
	int in_fl = is_pipe(in) && nonblock ? file_get_flags(in) : -1;
	if (in_fl >= 0)
		file_set_flags(in, in_fl | O_NONBLOCK);
	struct uio r = uio_kernel(buf, n);
	int64_t got = in->ops->read ? in->ops->read(k, in, &r, pos_in) : -EBADF;
	if (in_fl >= 0)
		file_set_flags(in, in_fl);
	int64_t ret = got;
	if (got > 0) {
		struct uio w = uio_kernel(buf, (uint64_t)got);
		ret = out->ops->write ? out->ops->write(k, out, &w, pos_out) : -EBADF;
	}
	free(buf);
	return ret;
}

int64_t sys_splice(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	uint64_t len = a[4];
	unsigned flags = (unsigned)a[5];
	if (!len)
		return 0;
	if (flags & ~SPLICE_F_ALL)
		return -EINVAL;
	struct file *in = fd_arg(k, a[0]), *out = in ? fd_arg(k, a[2]) : NULL;
	if (!in || !out)
		return -EBADF;
	bool ipipe = is_pipe(in), opipe = is_pipe(out);
	if ((ipipe && a[1]) || (opipe && a[3]))
		return -ESPIPE;
	int64_t off_in = 0, off_out = 0;
	if (a[3] && copy_from_user(k, &off_out, a[3], sizeof(off_out)))
		return -EFAULT;
	if (a[1] && copy_from_user(k, &off_in, a[1], sizeof(off_in)))
		return -EFAULT;
	if (!(in->f_mode & FMODE_READ) || !(out->f_mode & FMODE_WRITE))
		return -EBADF;
	if (!ipipe && !opipe)
		return -EINVAL;
	bool nonblock = flags & SPLICE_F_NONBLOCK_;
	size_t n = len < SPLICE_CHUNK ? (size_t)len : SPLICE_CHUNK;
	int64_t ret;
	if (ipipe && opipe) {
		struct stat si, so;
		if (!file_stat(in, &si) && !file_stat(out, &so) && si.st_ino == so.st_ino)
			return -EINVAL; /* a pipe into itself */
		nonblock |= ((file_get_flags(in) | file_get_flags(out)) & O_NONBLOCK) != 0;
		unsigned ev = in->ops->poll ? in->ops->poll(in) : POLLIN;
		if (!(ev & POLLIN)) {
			if (ev & POLLHUP)
				return 0; /* no writer: the end */
			if (nonblock)
				return -EAGAIN;
			process_block(k, &file_poll_chan);
			return -ERESTARTSYS;
		}
		if ((ret = pipe_broken(k, out)) || (ret = pipe_room(k, out, nonblock)) < 0)
			return ret;
		return splice_chunk(k, in, -1, out, -1, n < (size_t)ret ? n : (size_t)ret, true);
	}
	struct file *f = ipipe ? out : in;
	bool offset_given = ipipe ? a[3] : a[1];
	bool seekable = has_pos(f);
	if (offset_given && !seekable)
		return -EINVAL;
	int64_t pos = offset_given ? (ipipe ? off_out : off_in) : seekable ? file_offset(f) : 0;
	if (ipipe && (file_get_flags(out) & O_APPEND))
		return -EINVAL;
	if (pos < 0 || (int64_t)((uint64_t)pos + len) < 0)
		return -EINVAL;
	int64_t at = seekable ? pos : -1;
	if (ipipe) {
		nonblock |= (file_get_flags(in) & O_NONBLOCK) != 0;
		ret = splice_chunk(k, in, -1, out, at, n, nonblock);
	} else {
		nonblock |= (file_get_flags(out) & O_NONBLOCK) != 0;
		if ((ret = pipe_broken(k, out)) || (ret = pipe_room(k, out, nonblock)) < 0)
			return ret;
		ret = splice_chunk(k, in, at, out, -1, n < (size_t)ret ? n : (size_t)ret, false);
	}
	if (ret <= 0)
		return ret;
	pos += ret;
	uint64_t uoff = ipipe ? a[3] : a[1];
	if (!offset_given) {
		if (seekable)
			file_set_offset(f, pos);
	} else if (copy_to_user(k, uoff, &pos, sizeof(pos))) {
		return -EFAULT;
	}
	return ret;
}

/* vmsplice(2): the guest's buffers into a pipe's write end, or out of its
 * read end (writev and readv; SPLICE_F_NONBLOCK as RWF_NOWAIT). */
int64_t sys_vmsplice(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	unsigned flags = (unsigned)a[3];
	if (flags & ~SPLICE_F_ALL)
		return -EINVAL;
	struct file *f = fd_arg(k, a[0]);
	if (!f || !is_pipe(f) || !(f->f_mode & (FMODE_READ | FMODE_WRITE)))
		return -EBADF;
	bool write = f->f_mode & FMODE_WRITE;
	return rw_iov(k, f, a[1], a[2], -1, flags & SPLICE_F_NONBLOCK_ ? RWF_NOWAIT : 0, write);
}
