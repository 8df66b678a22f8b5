/* tcp.c - TCP over the guest's lo (Linux's net/ipv4/tcp*.c, as lo makes
 * them look): listen, connect, accept, the byte stream, shutdown, close
 * and resets. No segment exists: a connect finds the listener at once
 * and makes the server's end (Linux's child socket, here complete at
 * once) on its accept queue; the two ends are each other's peer, and a
 * write queues its bytes on the peer's receive queue, up to
 * TCP_QUEUE_MAX unread, then waits (or EAGAIN).
 *
 * What the peer sees is what lo delivers on Linux: a FIN (shutdown(SHUT_WR)
 * or close) is end of file after the data; a close with unread data, or
 * SO_LINGER with 0, is a reset (ECONNRESET once, then end of file; writes
 * EPIPE). Writing to a peer that has closed succeeds once and is answered
 * by a reset (EPIPE then, with SIGPIPE). A connect with no listener is
 * ECONNREFUSED; a non-blocking one is EINPROGRESS and its outcome is in
 * SO_ERROR, as on Linux, where the handshake is finished by the time the
 * call returns. A listener whose queue is full leaves the connector in
 * SYN_SENT until an accept makes room (Linux retransmits the SYN). No
 * TIME_WAIT: a port is free once its sockets are closed. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fs/af_inet.h"
#include "fs/af_unix.h"
#include "kern.h"
#include "mm/mm.h"
#include "task/task.h"

#define SOMAXCONN_DEFAULT 4096 /* net.core.somaxconn */
#define TCP_CHUNK 65536

static bool acceptq_full(const struct inet_sock *l)
{
	return l->acc_len > l->backlog; /* Linux's sk_acceptq_is_full */
}

static void link_peers(struct inet_sock *a, struct inet_sock *b)
{
	a->peer = b;
	b->refs++;
	b->peer = a;
	a->refs++;
}

/* a and b part: each lets go of the other. */
static void unlink_peers(struct inet_sock *a)
{
	struct inet_sock *b = a->peer;
	if (!b)
		return;
	a->peer = NULL;
	b->peer = NULL;
	inet_sock_put(a);
	inet_sock_put(b);
}

/* A reset reaches s (Linux's tcp_reset): ECONNREFUSED in SYN_SENT, EPIPE
 * in CLOSE_WAIT, else ECONNRESET; the connection is over. */
static void tcp_reset(struct inet_sock *s)
{
	s->err = s->state == TCPS_SYN_SENT    ? ECONNREFUSED
		 : s->state == TCPS_CLOSE_WAIT ? EPIPE
					       : ECONNRESET;
	s->state = TCPS_CLOSE;
	s->shutdown = SHUTDOWN_MASK;
	inet_sock_wake(s);
}

/* The connection of client c to listener l is made: the server's end
 * joins l's accept queue. 0 or -ENOMEM. */
static int tcp_make_child(struct inet_sock *l, struct inet_sock *c)
{
	struct inet_sock *n = inet_sock_alloc(l->k, l->family, l->type, l->protocol);
	if (!n)
		return -ENOMEM;
	n->state = TCPS_ESTABLISHED;
	n->local = (struct inet_addr){c->remote.a, l->local.port};
	n->remote = c->local;
	n->bound = true;
	n->bind_port_lock = true;
	/* What a child inherits from its listener (Linux's sk_clone_lock). */
	n->reuseaddr = l->reuseaddr;
	n->reuseport = l->reuseport;
	n->keepalive = l->keepalive;
	n->nodelay = l->nodelay;
	n->linger_on = l->linger_on;
	n->linger = l->linger;
	n->sndbuf = l->sndbuf_lock ? l->sndbuf : TCP_SNDBUF_LO;
	n->sndbuf_lock = l->sndbuf_lock;
	n->rcvbuf = l->rcvbuf;
	n->rcvtimeo = l->rcvtimeo;
	n->sndtimeo = l->sndtimeo;
	n->keepidle = l->keepidle;
	n->keepintvl = l->keepintvl;
	n->keepcnt = l->keepcnt;
	n->maxseg = l->maxseg;
	n->tos = l->tos;
	n->ttl = l->ttl;
	n->v6only = l->v6only;
	n->uid = l->uid;
	n->gid = l->gid;
	link_peers(n, c);
	c->state = TCPS_ESTABLISHED;
	if (!c->sndbuf_lock)
		c->sndbuf = TCP_SNDBUF_LO;
	*(l->acc_tail ? &l->acc_tail->acc_next : &l->acc_head) = n; /* the queue's reference */
	l->acc_tail = n;
	l->acc_len++;
	inet_sock_wake(l);
	inet_sock_wake(c);
	return 0;
}

/* Connectors left in SYN_SENT by a full queue, while there is room. */
static void tcp_retry_syn(struct inet_sock *l)
{
	struct inet_sock *c;
	while (!acceptq_full(l) && (c = inet_syn_waiter(l))) {
		c->syn_to = NULL;
		if (tcp_make_child(l, c)) {
			c->state = TCPS_SYN_SENT;
			tcp_reset(c);
		}
		inet_sock_put(l);
	}
}

int tcp_listen(struct inet_sock *s, int backlog)
{
	if (s->state != TCPS_CLOSE && s->state != TCPS_LISTEN)
		return -EINVAL;
	if ((unsigned)backlog > SOMAXCONN_DEFAULT)
		backlog = SOMAXCONN_DEFAULT;
	if (s->state == TCPS_LISTEN) {
		s->backlog = backlog;
		tcp_retry_syn(s);
		return 0;
	}
	int err = inet_autobind(s);
	if (err)
		return err;
	s->state = TCPS_LISTEN;
	if (inet_listen_conflict(s)) {
		s->state = TCPS_CLOSE;
		return -EADDRINUSE;
	}
	s->backlog = backlog;
	s->shutdown = 0;
	return 0;
}

/* Linux's __inet_stream_connect with tcp_v4_connect and tcp_v6_connect. */
int tcp_connect(struct kernel *k, struct file *f, const struct inet_addr *dst_in)
{
	struct inet_sock *s = f->private;
	bool nonblock = f->flags & O_NONBLOCK;
	if (s->connecting) {
		/* A connect in progress (SS_CONNECTING): a blocking one that
		 * slept runs again, or another call after EINPROGRESS. */
		if (s->state == TCPS_SYN_SENT) {
			if (nonblock)
				return -EALREADY;
			int err = (int)unix_wait(k, &s->wait, s->sndtimeo, false);
			return err == -EAGAIN ? -EINPROGRESS : err;
		}
		s->connecting = false;
		if (s->state == TCPS_CLOSE)
			return inet_sock_error(s) ?: -ECONNABORTED;
		return 0;
	}
	if (s->state == TCPS_SYN_SENT)
		return -EALREADY;
	if (s->state != TCPS_CLOSE)
		return -EISCONN;
	int err = inet_connect_route(s, dst_in, -EADDRNOTAVAIL);
	if (err)
		return err;
	s->shutdown = 0;
	struct inet_sock *l = inet_lookup(k, IPPROTO_TCP, &s->local, &s->remote);
	if (!l || (l->shutdown & RCV_SHUTDOWN)) {
		/* A reset answers the SYN. */
		if (!s->bind_port_lock) /* tcp_done gives back a port bind(2) did not choose */
			inet_sock_unhash(s);
		if (!s->bind_addr_lock)
			s->local.a = s->family == AF_INET6 ? in6addr_any : s->local.a;
		if (s->family == AF_INET && !s->bind_addr_lock)
			memset(&s->local.a.s6_addr[12], 0, 4);
		s->remote.port = 0;
		s->shutdown = SHUTDOWN_MASK; /* Linux's tcp_done */
		if (nonblock) {
			s->err = ECONNREFUSED;
			s->connecting = true;
			inet_sock_wake(s);
			return -EINPROGRESS;
		}
		return -ECONNREFUSED;
	}
	if (!acceptq_full(l)) {
		err = tcp_make_child(l, s);
		if (err)
			return err;
		s->connecting = nonblock;
		return nonblock ? -EINPROGRESS : 0;
	}
	s->state = TCPS_SYN_SENT;
	s->syn_to = l;
	l->refs++;
	s->connecting = true;
	if (nonblock)
		return -EINPROGRESS;
	err = (int)unix_wait(k, &s->wait, s->sndtimeo, false);
	return err == -EAGAIN ? -EINPROGRESS : err;
}

int tcp_accept(struct kernel *k, struct file *f, int flags, struct file **out)
{
	struct inet_sock *l = f->private;
	if (l->state != TCPS_LISTEN)
		return -EINVAL;
	struct inet_sock *n = l->acc_head;
	if (!n)
		return (int)unix_wait(k, &l->wait, l->rcvtimeo, f->flags & O_NONBLOCK);
	*out = inet_file(n, flags);
	if (!*out)
		return -ENOMEM;
	l->acc_head = n->acc_next;
	if (!l->acc_head)
		l->acc_tail = NULL;
	n->acc_next = NULL;
	l->acc_len--;
	tcp_retry_syn(l);
	inet_sock_wake(l);
	return 0;
}

/* Bytes of u queued on the peer's receive queue: all of them, in turns
 * when the reader is slow (a blocking call that restarts resumes after
 * p->io_done bytes), as a pipe write. */
int64_t tcp_sendmsg(struct kernel *k, struct inet_sock *s, struct unix_msghdr *msg, int flags)
{
	bool nonblock = flags & MSG_DONTWAIT, nosignal = flags & MSG_NOSIGNAL;
	struct uio *u = msg->u;
	if (flags & MSG_OOB)
		return -EOPNOTSUPP; /* urgent data: not in vmemu */
	if (s->state != TCPS_ESTABLISHED && s->state != TCPS_CLOSE_WAIT) {
		if (s->state == TCPS_SYN_SENT)
			return unix_wait(k, &s->wait, s->sndtimeo, nonblock);
		int err = inet_sock_error(s); /* Linux's sk_stream_wait_connect */
		return err && err != -EPIPE ? err : inet_broken(k, nosignal);
	}
	struct process *p = k->current;
	bool whole = !nonblock && msg->restart;
	uint64_t before = whole ? p->io_done : 0;
	uio_skip(u, before);
	if (s->err || (s->shutdown & SEND_SHUTDOWN)) {
		int err = inet_sock_error(s);
		if (before)
			return (int64_t)before;
		return err && err != -EPIPE ? err : inet_broken(k, nosignal);
	}
	if (u->left == 0)
		return (int64_t)before;
	struct inet_sock *to = s->peer;
	if (!to) {
		/* The peer has closed: lo takes the bytes, the peer answers
		 * with a reset. */
		uint64_t n = u->left;
		uio_skip(u, n);
		tcp_reset(s);
		return (int64_t)(before + n);
	}
	uint64_t done = 0;
	while (u->left > 0 && to->queued < TCP_QUEUE_MAX) {
		uint64_t n = TCP_QUEUE_MAX - to->queued;
		n = n < u->left ? n : u->left;
		n = n < TCP_CHUNK ? n : TCP_CHUNK;
		int err;
		struct sk_buff *m = inet_skb_from_user(k, u, n, &err);
		if (!m) {
			if (before + done)
				break;
			return err;
		}
		inet_queue_tail(to, m);
		done += n;
	}
	if (done)
		inet_sock_wake(to);
	return stream_send_end(k, &to->wait, s->sndtimeo, nonblock, whole, before, done, u->left);
}

/* Linux's tcp_recvmsg: bytes across the queue; a blocking MSG_WAITALL
 * read sleeps for the rest. MSG_TRUNC drops the bytes instead of
 * copying them. */
int64_t tcp_recvmsg(struct kernel *k, struct inet_sock *s, struct unix_msghdr *msg, int flags)
{
	if (s->state == TCPS_LISTEN)
		return -ENOTCONN;
	if (flags & MSG_OOB)
		return -EINVAL; /* no urgent data */
	msg->namelen = 0;
	struct uio *u = msg->u;
	struct process *p = k->current;
	bool nonblock = flags & MSG_DONTWAIT, peek = flags & MSG_PEEK, trunc = flags & MSG_TRUNC;
	bool whole = (flags & MSG_WAITALL) && !nonblock && msg->restart && !peek;
	uint64_t before = whole ? p->io_done : 0;
	uio_skip(u, before);
	uint64_t target = whole ? u->left : 1, copied = 0;
	int64_t err = 0;
	struct sk_buff *m = s->head;
	uint64_t peek_off = 0;
	while (u->left > 0) {
		if (!m) {
			if (copied >= target)
				break;
			if (s->err) {
				err = inet_sock_error(s);
				break;
			}
			if (s->shutdown & RCV_SHUTDOWN)
				break;
			if (s->state == TCPS_CLOSE) {
				if (!s->remote.port)
					err = -ENOTCONN;
				break;
			}
			err = unix_wait(k, &s->wait, s->rcvtimeo, nonblock);
			if (err == -ERESTARTSYS)
				p->io_done = before + copied;
			break;
		}
		uint64_t avail = m->len - m->off - (peek ? peek_off : 0);
		size_t c;
		if (trunc) {
			c = avail < u->left ? avail : u->left;
			uio_skip(u, c);
		} else {
			c = uio_copy(k, u, m->data + m->off + (peek ? peek_off : 0), avail, true);
			if (u->fault && c == 0) {
				if (copied == 0)
					err = -EFAULT;
				break;
			}
		}
		copied += c;
		if (peek) {
			peek_off += c;
			if (peek_off < m->len - m->off)
				break;
			m = m->next;
			peek_off = 0;
			continue;
		}
		m->off += (uint32_t)c;
		s->queued -= c;
		if (m->off < m->len)
			break;
		inet_queue_pop(s);
		m = s->head;
		if (u->fault)
			break;
	}
	if (copied && !peek) {
		inet_sock_wake(s); /* the peer's writers wait for room on s's queue */
		if (s->peer)
			inet_sock_wake(s->peer); /* and its poll's POLLOUT changes */
	}
	if (err == -ERESTARTSYS || (!copied && !before && err))
		return err;
	return (int64_t)(before + copied);
}

static void do_close(struct inet_sock *s, bool reset);

/* shutdown(2)'s effect on the peer (mode: RCV_SHUTDOWN | SEND_SHUTDOWN;
 * SEND_SHUTDOWN sends a FIN), or, mode -1, Linux's tcp_disconnect (a
 * listener stops, a connection is reset). */
int tcp_shutdown(struct inet_sock *s, int mode)
{
	if (mode < 0) {
		uint16_t port = s->local.port;
		bool bound = s->bound;
		do_close(s, true);
		s->dead = false;
		s->shutdown = 0;
		s->remote.port = 0;
		if (bound) { /* the port stays, as measured, bind(2)'s or not */
			s->local.port = port;
			s->bound = true;
		}
		if (!s->bind_addr_lock)
			s->local.a = s->family == AF_INET ? (struct in6_addr){.s6_addr = {[10] = 0xff, [11] = 0xff}}
							  : in6addr_any;
		inet_sock_wake(s);
		return 0;
	}
	struct inet_sock *peer = s->peer;
	if ((mode & SEND_SHUTDOWN) && peer) {
		peer->shutdown |= RCV_SHUTDOWN;
		if (peer->state == TCPS_ESTABLISHED)
			peer->state = TCPS_CLOSE_WAIT;
		inet_sock_wake(peer);
	}
	return 0;
}

/* The file is closed (Linux's tcp_close and inet_csk_listen_stop), or
 * (reset) the connection is dropped by tcp_disconnect. */
static void do_close(struct inet_sock *s, bool reset)
{
	s->dead = true;
	if (s->state == TCPS_LISTEN) {
		/* Connections nobody accepted are reset. */
		while (s->acc_head) {
			struct inet_sock *n = s->acc_head;
			s->acc_head = n->acc_next;
			n->acc_next = NULL;
			if (n->peer)
				tcp_reset(n->peer);
			unlink_peers(n);
			n->dead = true;
			inet_sock_unhash(n);
			inet_sock_put(n);
		}
		s->acc_tail = NULL;
		s->acc_len = 0;
		struct inet_sock *c; /* connectors waiting for room: refused */
		while ((c = inet_syn_waiter(s))) {
			c->syn_to = NULL;
			tcp_reset(c);
			inet_sock_put(s);
		}
	} else if (s->state == TCPS_SYN_SENT && s->syn_to) {
		inet_sock_put(s->syn_to);
		s->syn_to = NULL;
	}
	struct inet_sock *peer = s->peer;
	if (peer) {
		if (reset || s->head || (s->linger_on && s->linger == 0)) {
			tcp_reset(peer);
		} else {
			peer->shutdown |= RCV_SHUTDOWN;
			if (peer->state == TCPS_ESTABLISHED)
				peer->state = TCPS_CLOSE_WAIT;
			inet_sock_wake(peer);
		}
		unlink_peers(s);
	}
	s->connecting = false;
	s->state = TCPS_CLOSE;
	s->shutdown = SHUTDOWN_MASK;
	inet_sock_unhash(s);
	inet_queue_purge(s);
	inet_sock_wake(s);
}

void tcp_close(struct inet_sock *s)
{
	do_close(s, false);
}

/* Linux's tcp_poll (and inet_csk_listen_poll). */
unsigned tcp_poll(struct inet_sock *s)
{
	if (s->state == TCPS_LISTEN)
		return s->acc_head ? POLLIN | POLLRDNORM : 0;
	unsigned ev = 0;
	if (s->shutdown == SHUTDOWN_MASK || s->state == TCPS_CLOSE)
		ev |= POLLHUP;
	if (s->shutdown & RCV_SHUTDOWN)
		ev |= POLLIN | POLLRDNORM | POLLRDHUP;
	if (s->state != TCPS_SYN_SENT) {
		if (s->head)
			ev |= POLLIN | POLLRDNORM;
		const struct inet_sock *to = s->peer;
		if ((s->shutdown & SEND_SHUTDOWN) || !to || to->queued < TCP_QUEUE_MAX)
			ev |= POLLOUT | POLLWRNORM;
	}
	if (s->err)
		ev |= POLLERR;
	return ev;
}
