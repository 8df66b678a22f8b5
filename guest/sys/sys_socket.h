/* sys_socket.h - what sys_socket.c and sys_sockmsg.c share: socket
 * addresses between the guest and the kernel, and the socket behind an
 * fd (Linux's net/socket.c helpers). sys/ only. */
#ifndef VMEMU_SYS_SOCKET_H
#define VMEMU_SYS_SOCKET_H

#include <stdint.h>
#include <sys/socket.h>

struct kernel;
struct file;

/* An address from the guest: 0, -EINVAL (ulen < 0 or too long) or -EFAULT. */
int move_addr_to_kernel(struct kernel *k, uint64_t uaddr, int64_t ulen,
			struct sockaddr_storage *out);
/* An address out to the guest, cut to *ulen, which then says how long
 * the whole one is: 0, -EFAULT or -EINVAL. */
int move_addr_to_user(struct kernel *k, const void *addr, int klen, uint64_t uaddr,
		      uint64_t ulen);
/* The socket behind fd: NULL and *err -EBADF or -ENOTSOCK when none. */
struct file *sockfd_lookup(struct kernel *k, uint64_t fd, int *err);

#endif
