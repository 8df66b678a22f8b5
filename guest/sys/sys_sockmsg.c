/* sys_sockmsg.c - the data calls of sockets: sendto, recvfrom, sendmsg,
 * recvmsg, sendmmsg and recvmmsg (Linux's net/socket.c): the guest's
 * buffers, address and control data brought in and out, the rest done by
 * the socket (fs/af_unix.c). read, write and poll work as on any file. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "fs/fs.h"
#include "kern.h"
#include "mm/mm.h"
#include "sys/sys.h"
#include "sys/sys_socket.h"
#include "task/task.h"

#define UIO_MAXIOV 1024
#define OPTMEM_MAX 131072 /* net.core.optmem_max: the most control data a send takes */
#define CONTROL_OUT_MAX 2048 /* room for SCM_CREDENTIALS and SCM_MAX_FD fds */

/* Checks one user buffer as import_ubuf: 0 or -EFAULT. */
static int import_ubuf(struct kernel *k, uint64_t buf, uint64_t len, struct user_iovec *iov,
		       struct uio *u)
{
	if (len > MAX_RW_COUNT)
		len = MAX_RW_COUNT;
	if (buf > task_size_max(k) || len > task_size_max(k) - buf)
		return -EFAULT;
	*iov = (struct user_iovec){buf, len};
	*u = (struct uio){.iov = iov, .cnt = 1, .left = len};
	return 0;
}

/* sendto(fd, buf, len, flags, addr, addrlen) */
int64_t sys_sendto(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct user_iovec iov;
	struct uio u;
	int err = import_ubuf(k, a[1], a[2], &iov, &u);
	if (err)
		return err;
	struct file *f = sockfd_lookup(k, a[0], &err);
	if (!f)
		return err;
	struct sockaddr_storage addr;
	struct unix_msghdr m = {.u = &u, .restart = true};
	if (a[4]) {
		if ((err = move_addr_to_kernel(k, a[4], (int)a[5], &addr)))
			return err;
		m.name = &addr;
		m.namelen = (int)a[5];
	}
	return sock_ops(f)->sendmsg(k, f, &m, (int)a[3]);
}

/* recvfrom(fd, buf, len, flags, addr, addrlen) */
int64_t sys_recvfrom(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct user_iovec iov;
	struct uio u;
	int err = import_ubuf(k, a[1], a[2], &iov, &u);
	if (err)
		return err;
	struct file *f = sockfd_lookup(k, a[0], &err);
	if (!f)
		return err;
	struct sockaddr_storage addr;
	struct unix_msghdr m = {.u = &u, .name = a[4] ? &addr : NULL, .restart = true};
	int64_t n = sock_ops(f)->recvmsg(k, f, &m, (int)a[3]);
	if (n < 0 || !a[4])
		return n;
	err = move_addr_to_user(k, &addr, m.namelen, a[4], a[5]);
	return err ? err : n;
}

/* One msghdr from the guest (Linux's __copy_msghdr and import_iovec):
 * the iovecs into *iovp (malloc'd) and u, the address (send: copied in)
 * and the control data's place. 0 or -errno. */
static int copy_msghdr(struct kernel *k, uint64_t umsg, struct msghdr *hdr,
		       struct user_iovec **iovp, struct uio *u, struct sockaddr_storage *addr,
		       bool send)
{
	*iovp = NULL;
	if (copy_from_user(k, hdr, umsg, sizeof(*hdr)))
		return -EFAULT;
	int namelen = (int)hdr->msg_namelen;
	if (!hdr->msg_name)
		namelen = 0;
	if (namelen < 0)
		return -EINVAL;
	if (namelen > (int)sizeof(*addr))
		namelen = (int)sizeof(*addr);
	if (send && hdr->msg_name && namelen) {
		int err = move_addr_to_kernel(k, (uint64_t)hdr->msg_name, namelen, addr);
		if (err)
			return err;
	}
	hdr->msg_namelen = (socklen_t)namelen;
	if (hdr->msg_iovlen > UIO_MAXIOV)
		return -EMSGSIZE;
	int cnt = (int)hdr->msg_iovlen;
	struct user_iovec *iov = malloc((size_t)cnt * sizeof(*iov) + 1);
	if (!iov)
		return -ENOMEM;
	*iovp = iov;
	if (copy_from_user(k, iov, (uint64_t)hdr->msg_iov, (uint64_t)cnt * sizeof(*iov)))
		return -EFAULT;
	return uio_init(k, u, iov, cnt);
}

/* Linux's ____sys_sendmsg for the msghdr at umsg: bytes sent or -errno;
 * *left says whether some of it was not. */
static int64_t do_sendmsg(struct kernel *k, struct file *f, uint64_t umsg, int flags,
			  bool restart, bool *left)
{
	struct msghdr hdr;
	struct user_iovec *iov;
	struct uio u;
	struct sockaddr_storage addr;
	char *control = NULL;
	int64_t ret = copy_msghdr(k, umsg, &hdr, &iov, &u, &addr, true);
	if (!ret && hdr.msg_controllen > INT_MAX)
		ret = -ENOBUFS;
	if (!ret && hdr.msg_controllen) {
		if (hdr.msg_controllen > OPTMEM_MAX)
			ret = -ENOBUFS;
		else if (!(control = malloc(hdr.msg_controllen)))
			ret = -ENOMEM;
		else if (copy_from_user(k, control, (uint64_t)hdr.msg_control, hdr.msg_controllen))
			ret = -EFAULT;
	}
	if (!ret) {
		struct unix_msghdr m = {.u = &u, .name = hdr.msg_namelen ? &addr : NULL,
					.namelen = (int)hdr.msg_namelen, .control = control,
					.controllen = hdr.msg_controllen, .restart = restart};
		ret = sock_ops(f)->sendmsg(k, f, &m, flags);
		*left = u.left > 0;
	}
	free(control);
	free(iov);
	return ret;
}

/* Linux's ____sys_recvmsg for the msghdr at umsg: bytes received or
 * -errno; the address, control data, msg_flags and lengths written back. */
static int64_t do_recvmsg(struct kernel *k, struct file *f, uint64_t umsg, int flags,
			  bool restart)
{
	struct msghdr hdr;
	struct user_iovec *iov;
	struct uio u;
	struct sockaddr_storage addr;
	int64_t ret = copy_msghdr(k, umsg, &hdr, &iov, &u, &addr, false);
	if (ret) {
		free(iov);
		return ret;
	}
	size_t room = hdr.msg_control ? hdr.msg_controllen : 0;
	room = room < CONTROL_OUT_MAX ? room : CONTROL_OUT_MAX;
	char control[CONTROL_OUT_MAX];
	struct unix_msghdr m = {.u = &u, .name = hdr.msg_name ? &addr : NULL,
				.control = hdr.msg_control ? control : NULL, .controllen = room,
				.restart = restart};
	ret = sock_ops(f)->recvmsg(k, f, &m, flags);
	free(iov);
	if (ret < 0)
		return ret;
	int out_flags = m.flags | (flags & MSG_CMSG_CLOEXEC);
	uint64_t controllen = m.controllen;
	int err = 0;
	if (hdr.msg_name)
		err = move_addr_to_user(k, &addr, m.namelen, (uint64_t)hdr.msg_name,
					umsg + offsetof(struct msghdr, msg_namelen));
	if (!err && m.controllen &&
	    copy_to_user(k, (uint64_t)hdr.msg_control, control, m.controllen))
		err = -EFAULT;
	if (!err && (copy_to_user(k, umsg + offsetof(struct msghdr, msg_flags), &out_flags,
				  sizeof(out_flags)) ||
		     copy_to_user(k, umsg + offsetof(struct msghdr, msg_controllen), &controllen,
				  sizeof(controllen))))
		err = -EFAULT;
	return err ? err : ret;
}

/* sendmsg(fd, msg, flags) */
int64_t sys_sendmsg(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	int err;
	struct file *f = sockfd_lookup(k, a[0], &err);
	bool left;
	return f ? do_sendmsg(k, f, a[1], (int)a[2], true, &left) : err;
}

/* recvmsg(fd, msg, flags) */
int64_t sys_recvmsg(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	int err;
	struct file *f = sockfd_lookup(k, a[0], &err);
	return f ? do_recvmsg(k, f, a[1], (int)a[2], true) : err;
}

/* A multi-message call that must wait after some messages: it sleeps,
 * p->io_done counting the messages done, which its restart skips (and
 * which an interrupting signal makes its result). */
static int64_t mmsg_wait(struct kernel *k, int64_t ret, unsigned done)
{
	if (ret == -ERESTARTSYS)
		k->current->io_done = done;
	return ret;
}

/* sendmmsg(fd, msgvec, vlen, flags) */
int64_t sys_sendmmsg(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	unsigned vlen = (unsigned)a[2] > UIO_MAXIOV ? UIO_MAXIOV : (unsigned)a[2];
	int err;
	struct file *f = sockfd_lookup(k, a[0], &err);
	if (!f)
		return err;
	unsigned datagrams = (unsigned)k->current->io_done;
	int64_t ret = 0;
	for (; datagrams < vlen; datagrams++) {
		uint64_t entry = a[1] + datagrams * sizeof(struct mmsghdr);
		bool left = false;
		ret = do_sendmsg(k, f, entry, (int)a[3], false, &left);
		if (ret < 0)
			break;
		uint32_t len = (uint32_t)ret;
		if (copy_to_user(k, entry + offsetof(struct mmsghdr, msg_len), &len, sizeof(len))) {
			ret = -EFAULT;
			break;
		}
		if (left) {
			datagrams++;
			break;
		}
	}
	if (ret == -ERESTARTSYS)
		return mmsg_wait(k, ret, datagrams);
	return datagrams ? datagrams : ret;
}

/* recvmmsg(fd, msgvec, vlen, flags, timeout): the timeout is checked
 * after each message, as Linux does, and written back with what is left
 * of it (measured from this turn of the call). */
int64_t sys_recvmmsg(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct timespec ts;
	uint64_t ns = 0;
	if (a[4] && copy_from_user(k, &ts, a[4], sizeof(ts)))
		return -EFAULT;
	if (a[4] && !timespec_to_ns(&ts, &ns))
		return -EINVAL;
	uint64_t end = a[4] ? kernel_now_ns() + ns : 0;
	int err;
	struct file *f = sockfd_lookup(k, a[0], &err);
	if (!f)
		return err;
	unsigned vlen = (unsigned)a[2];
	int flags = (int)a[3];
	unsigned datagrams = (unsigned)k->current->io_done;
	if (datagrams && (flags & MSG_WAITFORONE))
		flags |= MSG_DONTWAIT;
	int64_t ret = 0;
	bool timed_out = false;
	for (; datagrams < vlen && !timed_out; datagrams++) {
		uint64_t entry = a[1] + datagrams * sizeof(struct mmsghdr);
		ret = do_recvmsg(k, f, entry, flags & ~MSG_WAITFORONE, false);
		if (ret < 0)
			break;
		uint32_t len = (uint32_t)ret;
		if (copy_to_user(k, entry + offsetof(struct mmsghdr, msg_len), &len, sizeof(len))) {
			ret = -EFAULT;
			break;
		}
		if (flags & MSG_WAITFORONE)
			flags |= MSG_DONTWAIT;
		if (end) {
			uint64_t now = kernel_now_ns();
			uint64_t rest = now < end ? end - now : 0;
			ts = (struct timespec){(time_t)(rest / 1000000000ULL), (long)(rest % 1000000000ULL)};
			timed_out = rest == 0;
		}
	}
	if (ret == -ERESTARTSYS)
		return mmsg_wait(k, ret, datagrams);
	if (!datagrams)
		return ret;
	if (a[4] && copy_to_user(k, a[4], &ts, sizeof(ts)))
		return -EFAULT;
	return datagrams;
}
