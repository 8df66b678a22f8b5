/* sys_socket.c - socketpair(2) of AF_UNIX sockets, which the guest kernel
 * keeps (fs/af_unix.c), and the calls on them: shutdown(2), sendto(2) and
 * recvfrom(2) without addresses (a connected pair has no names); read,
 * write and poll work as on any file. vmemu has no network: every other
 * family is EAFNOSUPPORT, as a kernel built without it answers, and
 * socket(2) is ENOSYS (glibc's nscd client takes that as "no nscd"). A
 * host socket can still reach the guest as its standard input or output:
 * getpeername answers for those as for a pair, and ENOTSOCK for every
 * other file, as Linux (bash asks it of its standard input). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/socket.h>

#include "fs/fs.h"
#include "kern.h"
#include "mm/mm.h"
#include "sys/sys.h"
#include "task/task.h"

#define SOCK_TYPE_MASK 0xf
#define MAX_RW_COUNT (INT_MAX & ~(int)(PAGE_SIZE - 1))

int64_t sys_socketpair(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	int family = (int)a[0], type = (int)a[1] & SOCK_TYPE_MASK, protocol = (int)a[2];
	int flags = (int)a[1] & ~SOCK_TYPE_MASK;
	if (flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK))
		return -EINVAL;
	if (family < 0 || family >= AF_MAX)
		return -EAFNOSUPPORT;
	if (family != AF_UNIX)
		return -EAFNOSUPPORT;
	if (protocol && protocol != PF_UNIX)
		return -EPROTONOSUPPORT;
	if (type == SOCK_RAW)
		type = SOCK_DGRAM; /* as Linux's unix_create */
	if (type != SOCK_STREAM && type != SOCK_DGRAM && type != SOCK_SEQPACKET)
		return -ESOCKTNOSUPPORT;
	struct file *ends[2];
	int err = unix_socketpair(k, type, flags & SOCK_NONBLOCK ? O_NONBLOCK : 0, ends);
	if (err)
		return err;
	struct fdtable *t = k->current->files;
	bool cloexec = flags & SOCK_CLOEXEC;
	int fds[2];
	fds[0] = fd_install(t, 0, ends[0], cloexec);
	if (fds[0] < 0) {
		file_put(ends[0]);
		file_put(ends[1]);
		return fds[0];
	}
	fds[1] = fd_install(t, 0, ends[1], cloexec);
	if (fds[1] < 0) {
		fd_close(t, fds[0]);
		file_put(ends[1]);
		return fds[1];
	}
	if (copy_to_user(k, a[3], fds, sizeof(fds))) {
		fd_close(t, fds[0]);
		fd_close(t, fds[1]);
		return -EFAULT;
	}
	return 0;
}

int64_t sys_shutdown(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct file *f = fd_arg(k, a[0]);
	return f ? unix_shutdown(f, (int)a[1]) : -EBADF;
}

/* An address out to the user (move_addr_to_user): cut to *ulen, which
 * then says how long the whole one is. 0, or -EFAULT or -EINVAL. */
static int put_sockaddr(struct kernel *k, uint64_t uaddr, uint64_t ulen, const void *addr,
			socklen_t len)
{
	int32_t room;
	if (copy_from_user(k, &room, ulen, sizeof(room)))
		return -EFAULT;
	if (room < 0)
		return -EINVAL;
	uint64_t n = len < (socklen_t)room ? len : (uint64_t)room;
	int32_t full = (int32_t)len;
	if ((n && copy_to_user(k, uaddr, addr, n)) || copy_to_user(k, ulen, &full, sizeof(full)))
		return -EFAULT;
	return 0;
}

/* The socket behind fd and a uio over one user buffer: 0, or -errno. */
static int sock_buf(struct kernel *k, uint64_t fd, uint64_t buf, uint64_t len, struct file **f,
		    struct user_iovec *iov, struct uio *u)
{
	*f = fd_arg(k, fd);
	if (!*f)
		return -EBADF;
	if ((*f)->kind != FILE_SOCKET)
		return -ENOTSOCK;
	if (len > MAX_RW_COUNT)
		len = MAX_RW_COUNT;
	if (buf > USER_TOP || len > USER_TOP - buf)
		return -EFAULT;
	*iov = (struct user_iovec){buf, len};
	*u = (struct uio){.iov = iov, .cnt = 1, .left = len};
	return 0;
}

/* sendto's and recvfrom's first four arguments: the socket, a uio over
 * the buffer and the flags, of which MSG_OOB is EOPNOTSUPP (no
 * out-of-band data on AF_UNIX). 0, or -errno. */
static int sock_msg(struct kernel *k, const uint64_t a[6], struct file **f,
		    struct user_iovec *iov, struct uio *u, int *flags)
{
	int err = sock_buf(k, a[0], a[1], a[2], f, iov, u);
	if (err)
		return err;
	*flags = (int)a[3];
	return *flags & MSG_OOB ? -EOPNOTSUPP : 0;
}

/* sendto(fd, buf, len, flags, addr, addrlen): a connected pair takes no
 * address (EISCONN for a stream, which Linux answers so; a datagram
 * socket's address would name another socket, which a pair cannot). */
int64_t sys_sendto(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct file *f;
	struct user_iovec iov;
	struct uio u;
	int flags, err = sock_msg(k, a, &f, &iov, &u, &flags);
	if (err)
		return err;
	if (a[4])
		return -EISCONN;
	return unix_send(k, f, &u, flags & MSG_DONTWAIT, flags & MSG_NOSIGNAL);
}

/* recvfrom(fd, buf, len, flags, addr, addrlen): the peer of a pair has no
 * name, so an address asked for is AF_UNIX alone (addrlen 2). */
int64_t sys_recvfrom(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct file *f;
	struct user_iovec iov;
	struct uio u;
	int flags, err = sock_msg(k, a, &f, &iov, &u, &flags);
	if (err)
		return err;
	int64_t n = unix_recv(k, f, &u, flags & MSG_DONTWAIT);
	if (n < 0 || !a[4] || !a[5])
		return n;
	sa_family_t family = AF_UNIX;
	err = put_sockaddr(k, a[4], a[5], &family, sizeof(family));
	return err ? err : n;
}

/* getpeername(fd, addr, *addrlen): the peer of a pair has no name, so it
 * is AF_UNIX alone; a host socket's is the host's. */
int64_t sys_getpeername(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct file *f = fd_arg(k, a[0]);
	if (!f)
		return -EBADF;
	if (f->kind == FILE_SOCKET) {
		sa_family_t family = AF_UNIX;
		return put_sockaddr(k, a[1], a[2], &family, sizeof(family));
	}
	if (f->host_fd < 0)
		return -ENOTSOCK;
	struct sockaddr_storage addr;
	socklen_t len = sizeof(addr);
	if (getpeername(f->host_fd, (struct sockaddr *)&addr, &len) < 0)
		return -errno;
	return put_sockaddr(k, a[1], a[2], &addr, len);
}
