/* sys_rw.c - read, write, their vector and positioned forms, and sendfile,
 * over the guest's buffers as a struct uio (uio.c).
 *
 * The guest buffers are walked page by page, so each kind of file can stop
 * at the first fault: the bytes done so far are returned, or -EFAULT when
 * there are none (Linux's rule). */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include "fs/fs.h"
#include "kern.h"
#include "mm/mm.h"
#include "sys/sys.h"

#define UIO_MAXIOV 1024                                 /* as Linux's */
#define MAX_RW_COUNT (INT_MAX & ~(int)(PAGE_SIZE - 1)) /* Linux's cap on one call */
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

/* Checks the buffers like Linux's import_iovec: lengths, the total capped
 * at MAX_RW_COUNT, and every buffer below the top of user space. */
static int uio_init(const struct kernel *k, struct uio *u, const struct user_iovec *iov, int cnt)
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

static int64_t rw_vector(struct kernel *k, const uint64_t a[6], bool write)
{
	struct file *f = fd_arg(k, a[0]);
	if (!f)
		return -EBADF;
	int cnt = (int)a[2];
	if (cnt < 0 || cnt > UIO_MAXIOV)
		return -EINVAL;
	struct user_iovec *iov = malloc((size_t)cnt * sizeof(*iov) + 1);
	if (!iov)
		return -ENOMEM;
	struct uio u;
	int64_t ret = copy_from_user(k, iov, a[1], (uint64_t)cnt * sizeof(*iov));
	if (!ret)
		ret = uio_init(k, &u, iov, cnt);
	if (!ret)
		ret = do_rw(k, f, &u, -1, write);
	free(iov);
	return ret;
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
		return fd_arg(k, a[0]) ? -EINVAL : -EBADF;
	return rw(k, a, (int64_t)a[3], false);
}

int64_t sys_pwrite64(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	if ((int64_t)a[3] < 0)
		return fd_arg(k, a[0]) ? -EINVAL : -EBADF;
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
	size_t count = a[3] < MAX_RW_COUNT ? (size_t)a[3] : MAX_RW_COUNT;
	off_t *offp = a[2] ? &off : NULL;
	int64_t r = out->host_fd >= 0 ? sendfile_host(out, in, offp, count)
				      : sendfile_to_kernel(k, out, in, offp, count);
	if (r < 0)
		return r;
	if (a[2] && copy_to_user(k, a[2], &off, sizeof(off)))
		return -EFAULT;
	return r;
}
