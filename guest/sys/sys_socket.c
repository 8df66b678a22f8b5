/* sys_socket.c - vmemu makes no sockets (socket(2) is ENOSYS, which
 * glibc's nscd client takes as "no nscd"); a socket can still reach the
 * guest from the host, as its standard input or output. getpeername
 * answers for those, and ENOTSOCK for every other file, as Linux: bash
 * asks it of its standard input. */
#include <errno.h>
#include <sys/socket.h>

#include "fs/fs.h"
#include "kern.h"
#include "mm/mm.h"
#include "sys/sys.h"

/* getpeername(fd, addr, *addrlen): the address is cut to *addrlen, which
 * says how long the whole one is. */
int64_t sys_getpeername(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct file *f = fd_arg(k, a[0]);
	if (!f)
		return -EBADF;
	if (f->host_fd < 0)
		return -ENOTSOCK;
	int32_t ulen;
	if (copy_from_user(k, &ulen, a[2], sizeof(ulen)))
		return -EFAULT;
	if (ulen < 0)
		return -EINVAL;
	struct sockaddr_storage addr;
	socklen_t len = sizeof(addr);
	if (getpeername(f->host_fd, (struct sockaddr *)&addr, &len) < 0)
		return -errno;
	uint64_t n = len < (socklen_t)ulen ? len : (uint64_t)ulen;
	int32_t full = (int32_t)len;
	if ((n && copy_to_user(k, a[1], &addr, n)) || copy_to_user(k, a[2], &full, sizeof(full)))
		return -EFAULT;
	return 0;
}
