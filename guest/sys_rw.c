/* sys_rw.c - read, write, and their vector and positioned forms.
 *
 * Data moves between the host fd and guest memory through a bounce buffer
 * of BOUNCE_SIZE bytes, so a 1 GiB read never needs 1 GiB of host memory.
 * The guest buffers are walked page by page: a fault after some bytes
 * returns the bytes done, a fault before any byte -EFAULT (Linux's rule). */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include "kern.h"

#define BOUNCE_SIZE (64 * 1024)
#define UIO_MAXIOV 1024                                 /* as Linux's */
#define MAX_RW_COUNT (INT_MAX & ~(int)(PAGE_SIZE - 1)) /* Linux's cap on one call */

struct user_iovec {
	uint64_t base, len;
};

/* A walk over the guest's buffers (Linux's iov_iter). */
struct uio {
	const struct user_iovec *iov;
	int cnt, idx;
	uint64_t off;  /* into iov[idx] */
	uint64_t left; /* bytes still to move */
	bool fault;
};

/* Moves up to n bytes between buf and the guest buffers; returns how many
 * before the first fault. */
static size_t uio_copy(struct kernel *k, struct uio *u, void *buf, size_t n, bool to_user)
{
	size_t done = 0;
	while (done < n && u->left > 0 && u->idx < u->cnt) {
		const struct user_iovec *v = &u->iov[u->idx];
		if (u->off == v->len) {
			u->idx++;
			u->off = 0;
			continue;
		}
		uint64_t va = v->base + u->off;
		uint64_t piece = PAGE_SIZE - (va & (PAGE_SIZE - 1));
		if (piece > v->len - u->off)
			piece = v->len - u->off;
		if (piece > n - done)
			piece = n - done;
		if (piece > u->left)
			piece = u->left;
		char *p = (char *)buf + done;
		int err = to_user ? copy_to_user(k, va, p, piece) : copy_from_user(k, p, va, piece);
		if (err) {
			u->fault = true;
			break;
		}
		done += piece;
		u->off += piece;
		u->left -= piece;
	}
	return done;
}

uint64_t copy_to_user_partial(struct kernel *k, uint64_t uva, const void *src, uint64_t n)
{
	struct user_iovec iov = {uva, n};
	struct uio u = {.iov = &iov, .cnt = 1, .left = n};
	return uio_copy(k, &u, (void *)src, n, true);
}

/* pos < 0: at the file offset (read), else at pos (pread). A request of
 * 0 bytes still asks the host, which reports errors such as EISDIR. */
static int64_t do_read(struct kernel *k, struct file *f, struct uio *u, int64_t pos)
{
	char *bounce = malloc(BOUNCE_SIZE);
	if (!bounce)
		return -ENOMEM;
	int fd = file_host_fd(f);
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
			 * can seek (a pipe's are lost). */
			if (pos < 0)
				lseek(fd, (off_t)c - (off_t)r, SEEK_CUR);
			break;
		}
		/* Only a regular file is read on: a pipe or tty could block. */
		if ((size_t)r < want || file_kind(f) != FILE_REGULAR)
			break;
	} while (u->left > 0);
	free(bounce);
	if (done > 0)
		return done;
	return err ? -err : u->fault ? -EFAULT : 0;
}

/* Writes all n bytes unless the host fails; returns the bytes written, or
 * -errno when none were. */
static int64_t host_write(int fd, const char *buf, size_t n, int64_t pos)
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

static int64_t do_write(struct kernel *k, struct file *f, struct uio *u, int64_t pos)
{
	char *bounce = malloc(BOUNCE_SIZE);
	if (!bounce)
		return -ENOMEM;
	int64_t done = 0;
	int64_t err = 0;
	do {
		size_t n = uio_copy(k, u, bounce, BOUNCE_SIZE, false);
		if (n == 0 && u->fault)
			break;
		int64_t w = host_write(file_host_fd(f), bounce, n, pos < 0 ? -1 : pos + done);
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

/* Checks the buffers like Linux's import_iovec: lengths, the total capped
 * at MAX_RW_COUNT, and every buffer below the top of user space. */
static int uio_init(struct uio *u, const struct user_iovec *iov, int cnt)
{
	*u = (struct uio){.iov = iov, .cnt = cnt};
	for (int i = 0; i < cnt; i++) {
		if (iov[i].len > SSIZE_MAX - u->left)
			return -EINVAL;
		if (iov[i].base > USER_TOP || iov[i].len > USER_TOP - iov[i].base)
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
	int err = uio_init(&u, &iov, 1);
	if (err)
		return err;
	return write ? do_write(k, f, &u, pos) : do_read(k, f, &u, pos);
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
		ret = uio_init(&u, iov, cnt);
	if (!ret)
		ret = write ? do_write(k, f, &u, -1) : do_read(k, f, &u, -1);
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

/* File to file inside the host: no guest memory but the offset. */
int64_t sys_sendfile(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct file *out = fd_arg(k, a[0]), *in = fd_arg(k, a[1]);
	if (!out || !in)
		return -EBADF;
	off_t off;
	if (a[2] && copy_from_user(k, &off, a[2], sizeof(off)))
		return -EFAULT;
	size_t count = a[3] < MAX_RW_COUNT ? (size_t)a[3] : MAX_RW_COUNT;
	ssize_t r;
	do
		r = sendfile(file_host_fd(out), file_host_fd(in), a[2] ? &off : NULL, count);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	if (a[2] && copy_to_user(k, a[2], &off, sizeof(off)))
		return -EFAULT;
	return r;
}
