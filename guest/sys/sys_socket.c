/* sys_socket.c - the socket calls, which the guest kernel answers
 * itself: socket, socketpair, bind, listen,
 * connect, accept, accept4, getsockname, getpeername, shutdown,
 * getsockopt and setsockopt, with Linux's order of checks (net/socket.c),
 * for AF_UNIX sockets (fs/af_unix*.c) and those of the loopback network,
 * AF_INET and AF_INET6 (fs/af_inet.c, tcp.c, udp.c), each through its
 * family's proto_ops. The data calls are in sys_sockmsg.c. Every other
 * family is EAFNOSUPPORT, as a kernel built without it answers. A host
 * socket can still reach the guest as its standard input or output:
 * getpeername answers for those with the host's name, and ENOTSOCK for
 * every other file, as Linux (bash asks it of its standard input). */
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>

#include "fs/fs.h"
#include "kern.h"
#include "mm/mm.h"
#include "sys/sys.h"
#include "sys/sys_socket.h"
#include "task/task.h"

#define SOCK_TYPE_MASK 0xf
#define SOCK_MAX (SOCK_PACKET + 1)
#define SOCKOPT_MAX 256 /* the longest option: TCP_INFO's struct tcp_info (232) */

int move_addr_to_kernel(struct kernel *k, uint64_t uaddr, int64_t ulen,
			struct sockaddr_storage *out)
{
	if (ulen < 0 || ulen > (int64_t)sizeof(*out))
		return -EINVAL;
	if (ulen && copy_from_user(k, out, uaddr, (uint64_t)ulen))
		return -EFAULT;
	return 0;
}

int move_addr_to_user(struct kernel *k, const void *addr, int klen, uint64_t uaddr,
		      uint64_t ulen)
{
	int32_t len;
	if (copy_from_user(k, &len, ulen, sizeof(len)))
		return -EFAULT;
	if (len > klen)
		len = klen;
	if (len < 0)
		return -EINVAL;
	int32_t full = klen;
	if ((len && copy_to_user(k, uaddr, addr, (uint64_t)len)) ||
	    copy_to_user(k, ulen, &full, sizeof(full)))
		return -EFAULT;
	return 0;
}

struct file *sockfd_lookup(struct kernel *k, uint64_t fd, int *err)
{
	struct file *f = fd_arg(k, fd);
	*err = !f ? -EBADF : f->kind != FILE_SOCKET ? -ENOTSOCK : 0;
	return *err ? NULL : f;
}

/* socket(2)'s and socketpair(2)'s checks (__sock_create, unix_create):
 * the type, or -errno; *flags gets O_NONBLOCK. AF_INET and AF_INET6
 * check their own type and protocol (inet_create). */
static int sock_type(int family, int type, int protocol, int *flags)
{
	int extra = type & ~SOCK_TYPE_MASK;
	type &= SOCK_TYPE_MASK;
	if (extra & ~(SOCK_CLOEXEC | SOCK_NONBLOCK))
		return -EINVAL;
	*flags = extra & SOCK_NONBLOCK ? O_NONBLOCK : 0;
	if (family < 0 || family >= AF_MAX)
		return -EAFNOSUPPORT;
	if (type >= SOCK_MAX)
		return -EINVAL;
	if (family == AF_INET || family == AF_INET6)
		return type;
	if (family != AF_UNIX)
		return -EAFNOSUPPORT; /* the loopback network and AF_UNIX only */
	if (protocol && protocol != PF_UNIX)
		return -EPROTONOSUPPORT;
	if (type == SOCK_RAW)
		type = SOCK_DGRAM; /* as Linux's unix_create */
	if (type != SOCK_STREAM && type != SOCK_DGRAM && type != SOCK_SEQPACKET)
		return -ESOCKTNOSUPPORT;
	return type;
}

/* socket(family, type, protocol) */
int64_t sys_socket(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	int flags, type = sock_type((int)a[0], (int)a[1], (int)a[2], &flags);
	if (type < 0)
		return type;
	struct file *f;
	int family = (int)a[0];
	int err = family == AF_UNIX ? unix_create(k, type, flags, &f)
				    : inet_create(k, family, type, (int)a[2], flags, &f);
	if (err)
		return err;
	return fd_install_new(k, f, (int)a[1] & SOCK_CLOEXEC);
}

int64_t sys_socketpair(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	int flags, type = sock_type((int)a[0], (int)a[1], (int)a[2], &flags);
	if (type < 0)
		return type;
	if ((int)a[0] != AF_UNIX)
		return -EOPNOTSUPP; /* Linux's sock_no_socketpair */
	struct file *ends[2];
	int err = unix_socketpair(k, type, flags, ends);
	if (err)
		return err;
	struct fdtable *t = k->current->files;
	bool cloexec = (int)a[1] & SOCK_CLOEXEC;
	int fds[2];
	fds[0] = fd_install(k, 0, ends[0], cloexec);
	if (fds[0] < 0) {
		file_put(ends[0]);
		file_put(ends[1]);
		return fds[0];
	}
	fds[1] = fd_install(k, 0, ends[1], cloexec);
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

/* bind(fd, addr, addrlen) */
int64_t sys_bind(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	int err;
	struct file *f = sockfd_lookup(k, a[0], &err);
	if (!f)
		return err;
	struct sockaddr_storage addr;
	err = move_addr_to_kernel(k, a[1], (int)a[2], &addr);
	return err ? err : sock_ops(f)->bind(k, f, &addr, (int)a[2]);
}

/* connect(fd, addr, addrlen): EBADF, then the address, then ENOTSOCK. */
int64_t sys_connect(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct file *f = fd_arg(k, a[0]);
	if (!f)
		return -EBADF;
	struct sockaddr_storage addr;
	int err = move_addr_to_kernel(k, a[1], (int)a[2], &addr);
	if (err)
		return err;
	if (f->kind != FILE_SOCKET)
		return -ENOTSOCK;
	return sock_ops(f)->connect(k, f, &addr, (int)a[2]);
}

/* listen(fd, backlog) */
int64_t sys_listen(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	int err;
	struct file *f = sockfd_lookup(k, a[0], &err);
	return f ? sock_ops(f)->listen(f, (int)a[1]) : err;
}

static int64_t do_accept(struct kernel *k, const uint64_t a[6], int flags)
{
	if (flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK))
		return -EINVAL;
	int err;
	struct file *f = sockfd_lookup(k, a[0], &err);
	if (!f)
		return err;
	struct file *nf;
	err = sock_ops(f)->accept(k, f, flags & SOCK_NONBLOCK ? O_NONBLOCK : 0, &nf);
	if (err)
		return err;
	if (a[1]) {
		struct sockaddr_storage addr;
		int len = sock_ops(nf)->getname(nf, &addr, true);
		err = len < 0 ? -ECONNABORTED : move_addr_to_user(k, &addr, len, a[1], a[2]);
		if (err) {
			file_put(nf);
			return err;
		}
	}
	return fd_install_new(k, nf, flags & SOCK_CLOEXEC);
}

/* accept(fd, addr, addrlen) */
int64_t sys_accept(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return do_accept(k, a, 0);
}

/* accept4(fd, addr, addrlen, flags) */
int64_t sys_accept4(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return do_accept(k, a, (int)a[3]);
}

/* getsockname(fd, addr, addrlen) */
int64_t sys_getsockname(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	int err;
	struct file *f = sockfd_lookup(k, a[0], &err);
	if (!f)
		return err;
	struct sockaddr_storage addr;
	int len = sock_ops(f)->getname(f, &addr, false);
	return move_addr_to_user(k, &addr, len, a[1], a[2]);
}

/* getpeername(fd, addr, addrlen); a host socket's is the host's. */
int64_t sys_getpeername(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct file *f = fd_arg(k, a[0]);
	if (!f)
		return -EBADF;
	struct sockaddr_storage addr;
	int len;
	if (f->kind == FILE_SOCKET) {
		len = sock_ops(f)->getname(f, &addr, true);
		if (len < 0)
			return len;
	} else {
		if (f->host_fd < 0)
			return -ENOTSOCK;
		socklen_t hlen = sizeof(addr);
		if (getpeername(f->host_fd, (struct sockaddr *)&addr, &hlen) < 0)
			return -errno;
		len = (int)hlen;
	}
	return move_addr_to_user(k, &addr, len, a[1], a[2]);
}

int64_t sys_shutdown(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct file *f = fd_arg(k, a[0]);
	if (!f)
		return -EBADF;
	return f->kind == FILE_SOCKET ? sock_ops(f)->shutdown(f, (int)a[1]) : -ENOTSOCK;
}

/* getsockopt(fd, level, name, val, *len) */
int64_t sys_getsockopt(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	int err;
	struct file *f = sockfd_lookup(k, a[0], &err);
	if (!f)
		return err;
	int32_t len;
	if (copy_from_user(k, &len, a[4], sizeof(len)))
		return -EFAULT;
	char val[SOCKOPT_MAX];
	err = sock_ops(f)->getsockopt(k, f, (int)a[1], (int)a[2], val, &len);
	if (err)
		return err;
	if ((len && copy_to_user(k, a[3], val, (uint64_t)len)) ||
	    copy_to_user(k, a[4], &len, sizeof(len)))
		return -EFAULT;
	return 0;
}

/* setsockopt(fd, level, name, val, len) */
int64_t sys_setsockopt(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	int err;
	struct file *f = sockfd_lookup(k, a[0], &err);
	if (!f)
		return err;
	int len = (int)a[4];
	if (len < 0)
		return -EINVAL;
	char val[SOCKOPT_MAX];
	if (copy_from_user(k, val, a[3], len < (int)sizeof(val) ? (uint64_t)len : sizeof(val)))
		return -EFAULT;
	return sock_ops(f)->setsockopt(f, (int)a[1], (int)a[2], val, len);
}
