/* udp.c - UDP over the guest's lo (Linux's net/ipv4/udp.c, udpv6 and
 * ip4_datagram_connect): datagrams with their boundaries and senders'
 * addresses, connect and disconnect (AF_UNSPEC). A datagram goes to the
 * socket inet_lookup finds, or nowhere: sent to a port nobody has, it is
 * dropped, and a connected sender learns it as lo's ICMP port
 * unreachable tells Linux's: ECONNREFUSED on its next call. A receiver
 * whose queue holds its SO_RCVBUF drops what comes (Linux counts skbs'
 * truesize; bytes here). */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fs/af_inet.h"
#include "fs/af_unix.h"
#include "kern.h"
#include "mm/mm.h"

/* Linux's ip4_datagram_connect (and ip6's): the default destination. */
int udp_connect(struct kernel *k, struct inet_sock *s, const struct inet_addr *dst_in)
{
	(void)k;
	int err = inet_connect_route(s, dst_in, -EAGAIN);
	if (!err)
		s->state = TCPS_ESTABLISHED;
	return err;
}

/* Linux's udp_disconnect: the address and port bind(2) did not choose go
 * too. */
int udp_disconnect(struct inet_sock *s)
{
	s->state = TCPS_CLOSE;
	s->remote.port = 0;
	if (!s->bind_addr_lock) {
		if (s->family == AF_INET)
			memset(&s->local.a.s6_addr[12], 0, 4);
		else
			s->local.a = in6addr_any;
	}
	if (!s->bind_port_lock)
		inet_sock_unhash(s);
	memset(&s->remote.a, 0, sizeof(s->remote.a));
	return 0;
}

int64_t udp_sendmsg(struct kernel *k, struct inet_sock *s, struct unix_msghdr *msg, int flags)
{
	(void)flags;
	struct inet_addr dst;
	if (msg->namelen) {
		int err = inet_addr_from_user(s, msg->name, msg->namelen, &dst);
		if (err)
			return err;
		if (!dst.port)
			return -EINVAL;
	} else {
		if (s->state != TCPS_ESTABLISHED)
			return -EDESTADDRREQ;
		dst = s->remote;
	}
	uint64_t n = msg->u->left;
	bool v4 = inet_is_v4(&dst.a);
	if (n > (v4 ? UDP_MAX_PAYLOAD : UDP6_MAX_PAYLOAD))
		return -EMSGSIZE;
	struct in6_addr src;
	int err = inet_route(s, &dst, &src);
	if (err)
		return err;
	if ((err = inet_autobind(s)))
		return -EAGAIN;
	if (s->err)
		return inet_sock_error(s); /* Linux's sock_alloc_send_skb */
	if (s->shutdown & SEND_SHUTDOWN)
		return -EPIPE;
	struct sk_buff *m = inet_skb_from_user(k, msg->u, n, &err);
	if (!m)
		return err;
	m->from = (struct inet_addr){src, s->local.port};
	struct inet_sock *to = inet_lookup(k, IPPROTO_UDP, &m->from, &dst);
	if (!to) {
		free(m);
		if (s->state == TCPS_ESTABLISHED) {
			s->err = ECONNREFUSED; /* ICMP port unreachable */
			inet_sock_wake(s);
		}
		return (int64_t)n;
	}
	if ((to->shutdown & RCV_SHUTDOWN) || to->queued + n > (uint64_t)to->rcvbuf) {
		free(m); /* dropped */
		return (int64_t)n;
	}
	inet_queue_tail(to, m);
	inet_sock_wake(to);
	return (int64_t)n;
}

/* One datagram; the rest of it dropped (MSG_TRUNC says so; as a flag it
 * makes the call return the datagram's length). */
int64_t udp_recvmsg(struct kernel *k, struct inet_sock *s, struct unix_msghdr *msg, int flags)
{
	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	int err = inet_sock_error(s);
	if (err)
		return err;
	struct sk_buff *m = s->head;
	if (!m) {
		if (s->shutdown & RCV_SHUTDOWN)
			return 0;
		return unix_wait(k, &s->wait, s->rcvtimeo, flags & MSG_DONTWAIT);
	}
	uint64_t size = msg->u->left;
	if (size > m->len)
		size = m->len;
	else if (size < m->len)
		msg->flags |= MSG_TRUNC;
	if (uio_copy(k, msg->u, m->data, size, true) < size && size)
		return -EFAULT;
	if (msg->name)
		msg->namelen = inet_addr_to_user(s, &m->from, msg->name);
	int64_t ret = flags & MSG_TRUNC ? m->len : (int64_t)size;
	if (!(flags & MSG_PEEK)) {
		inet_queue_pop(s);
		inet_sock_wake(s);
	}
	return ret;
}

/* Linux's datagram_poll. */
unsigned udp_poll(struct inet_sock *s)
{
	unsigned ev = POLLOUT | POLLWRNORM | POLLWRBAND;
	if (s->err)
		ev |= POLLERR;
	if (s->shutdown & RCV_SHUTDOWN)
		ev |= POLLRDHUP | POLLIN | POLLRDNORM;
	if (s->shutdown == SHUTDOWN_MASK)
		ev |= POLLHUP;
	if (s->head)
		ev |= POLLIN | POLLRDNORM;
	return ev;
}
