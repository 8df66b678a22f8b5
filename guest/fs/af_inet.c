/* af_inet.c - AF_INET and AF_INET6 sockets inside the guest kernel, on a
 * network whose only interface is lo, as a fresh Linux network namespace
 * with lo up: 127.0.0.0/8 and ::1 are the machine's own addresses, every
 * other destination is unreachable (ENETUNREACH). No host socket is ever
 * made. This file has the socket itself (Linux's net/ipv4/af_inet.c and
 * net/ipv6/af_inet6.c): creation, addresses, the table of ports with
 * bind(2)'s rules, lookups of the socket a connection or a datagram goes
 * to, receive queues, and the file. TCP is tcp.c, UDP udp.c, options
 * inet_opt.c.
 *
 * Addresses are kept as IPv6 ones, an IPv4 address as ::ffff:a.b.c.d, so
 * that a dual-stack AF_INET6 socket (IPV6_V6ONLY 0, the default) bound to
 * :: takes IPv4 traffic too and shows its peers as IPv4-mapped. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/sockios.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "fs/af_inet.h"
#include "fs/af_unix.h"
#include "fs/internal.h"
#include "kern.h"
#include "mm/mm.h"
#include "task/task.h"


/* Every inet socket of every guest kernel that holds a port or waits
 * for one (a kernel's own are those whose k is it). */
static struct inet_sock *inet_list;

static const struct file_ops inet_ops;

struct inet_sock *inet_sock_first(void)
{
	return inet_list;
}

void inet_sock_wake(struct inet_sock *s)
{
	file_wake(s->k, &s->wait, 0);
}

/* ---- addresses ---- */

bool inet_is_v4(const struct in6_addr *a)
{
	return IN6_IS_ADDR_V4MAPPED(a);
}

static uint32_t v4_of(const struct in6_addr *a)
{
	uint32_t v;
	memcpy(&v, &a->s6_addr[12], 4);
	return ntohl(v);
}

static struct in6_addr mapped(uint32_t v4)
{
	struct in6_addr a = {0};
	a.s6_addr[10] = a.s6_addr[11] = 0xff;
	uint32_t n = htonl(v4);
	memcpy(&a.s6_addr[12], &n, 4);
	return a;
}

static bool is_any(const struct in6_addr *a)
{
	return IN6_IS_ADDR_UNSPECIFIED(a) || (inet_is_v4(a) && v4_of(a) == 0);
}

static bool v4_loopback(uint32_t v)
{
	return (v >> 24) == 127;
}

/* What a wildcard-bound socket takes: IPv4, IPv6 traffic. */
static bool takes_v4(const struct inet_sock *s)
{
	return s->family == AF_INET || inet_is_v4(&s->local.a) || !s->v6only;
}

static bool takes_v6(const struct inet_sock *s)
{
	return s->family == AF_INET6 && !inet_is_v4(&s->local.a);
}

/* How well s's local address takes traffic to a: 0 not, 1 as a
 * wildcard, 2 exactly. */
static int addr_score(const struct inet_sock *s, const struct in6_addr *a)
{
	if (!is_any(&s->local.a))
		return IN6_ARE_ADDR_EQUAL(&s->local.a, a) ? 2 : 0;
	return (inet_is_v4(a) ? takes_v4(s) : takes_v6(s)) ? 1 : 0;
}

/* Whether two sockets' local addresses take any address in common. */
static bool addr_overlap(const struct inet_sock *s1, const struct inet_sock *s2)
{
	bool w1 = is_any(&s1->local.a), w2 = is_any(&s2->local.a);
	if (w1 && w2)
		return (takes_v4(s1) && takes_v4(s2)) || (takes_v6(s1) && takes_v6(s2));
	if (w1)
		return addr_score(s1, &s2->local.a) > 0;
	if (w2)
		return addr_score(s2, &s1->local.a) > 0;
	return IN6_ARE_ADDR_EQUAL(&s1->local.a, &s2->local.a);
}

int inet_addr_from_user(const struct inet_sock *s, const void *addr, int len,
			struct inet_addr *out)
{
	sa_family_t family;
	if (s->family == AF_INET) {
		struct sockaddr_in sin;
		if (len < (int)sizeof(sin))
			return -EINVAL;
		memcpy(&sin, addr, sizeof(sin));
		family = sin.sin_family;
		if (family != AF_INET && family != AF_UNSPEC)
			return -EAFNOSUPPORT;
		/* AF_UNSPEC is taken as AF_INET (udp_sendmsg; connect has
		 * made it a disconnect before). */
		*out = (struct inet_addr){mapped(ntohl(sin.sin_addr.s_addr)), ntohs(sin.sin_port)};
		return 0;
	}
	struct sockaddr_in6 sin6 = {0};
	if (len < 24) /* SIN6_LEN_RFC2133: no sin6_scope_id needed */
		return -EINVAL;
	memcpy(&sin6, addr, (size_t)len < sizeof(sin6) ? (size_t)len : sizeof(sin6));
	if (sin6.sin6_family != AF_INET6)
		return -EAFNOSUPPORT;
	*out = (struct inet_addr){sin6.sin6_addr, ntohs(sin6.sin6_port)};
	return 0;
}

int inet_addr_to_user(const struct inet_sock *s, const struct inet_addr *a, void *out)
{
	if (s->family == AF_INET) {
		struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(a->port)};
		sin.sin_addr.s_addr = htonl(v4_of(&a->a));
		memcpy(out, &sin, sizeof(sin));
		return (int)sizeof(sin);
	}
	struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6, .sin6_port = htons(a->port),
				    .sin6_addr = a->a};
	memcpy(out, &sin6, sizeof(sin6));
	return (int)sizeof(sin6);
}

int inet_route(const struct inet_sock *s, struct inet_addr *dst, struct in6_addr *src)
{
	if (inet_is_v4(&dst->a)) {
		if (s->family == AF_INET6 && s->v6only)
			return -ENETUNREACH;
		if (!is_any(&s->local.a) && !inet_is_v4(&s->local.a))
			return -ENETUNREACH; /* ::1 cannot reach IPv4 */
		uint32_t d = v4_of(&dst->a);
		if (d == 0)
			dst->a = mapped(INADDR_LOOPBACK); /* 0.0.0.0 is this machine */
		else if (!v4_loopback(d))
			return -ENETUNREACH;
		*src = is_any(&s->local.a) ? mapped(INADDR_LOOPBACK) : s->local.a;
		return 0;
	}
	if (IN6_IS_ADDR_UNSPECIFIED(&dst->a))
		dst->a = in6addr_loopback; /* :: is this machine */
	if (!IN6_IS_ADDR_LOOPBACK(&dst->a))
		return -ENETUNREACH;
	if (!is_any(&s->local.a) && inet_is_v4(&s->local.a))
		return -ENETUNREACH; /* an IPv4 source cannot reach ::1 */
	*src = in6addr_loopback;
	return 0;
}

/* ---- ports ---- */

/* Whether s may hold port beside the sockets holding it already
 * (Linux's inet_csk_bind_conflict and udp_lib_lport_inuse): overlapping
 * addresses conflict unless both have SO_REUSEADDR (for TCP, while the
 * other does not listen) or both SO_REUSEPORT and the same owner. */
static bool port_conflict(const struct inet_sock *s, uint16_t port)
{
	for (const struct inet_sock *o = inet_list; o; o = o->next) {
		if (o == s || o->k != s->k || o->protocol != s->protocol || !o->bound ||
		    o->local.port != port || !addr_overlap(s, o))
			continue;
		if (s->reuseaddr && o->reuseaddr &&
		    (s->protocol == IPPROTO_UDP || o->state != TCPS_LISTEN))
			continue;
		if (s->reuseport && o->reuseport && s->uid == o->uid)
			continue;
		return true;
	}
	return false;
}

bool inet_listen_conflict(const struct inet_sock *s)
{
	return port_conflict(s, s->local.port);
}

struct inet_sock *inet_syn_waiter(const struct inet_sock *l)
{
	struct inet_sock *first = NULL;
	for (struct inet_sock *s = inet_list; s; s = s->next)
		if (s->state == TCPS_SYN_SENT && s->syn_to == l)
			first = s; /* the list is newest first */
	return first;
}

static bool port_used(const struct inet_sock *s, uint16_t port)
{
	for (const struct inet_sock *o = inet_list; o; o = o->next)
		if (o->k == s->k && o->protocol == s->protocol && o->bound && o->local.port == port)
			return true;
	return false;
}

static void hash(struct inet_sock *s, uint16_t port)
{
	s->local.port = port;
	s->bound = true;
}

void inet_sock_unhash(struct inet_sock *s)
{
	s->bound = false;
	s->local.port = 0;
}

int inet_autobind(struct inet_sock *s)
{
	if (s->bound)
		return 0;
	unsigned n = IP_LOCAL_PORT_HIGH - IP_LOCAL_PORT_LOW + 1;
	unsigned start = (unsigned)rand() % n;
	for (unsigned i = 0; i < n; i++) {
		uint16_t port = (uint16_t)(IP_LOCAL_PORT_LOW + (start + i) % n);
		if (!port_used(s, port)) {
			hash(s, port);
			return 0;
		}
	}
	return -EADDRINUSE;
}

int inet_connect_route(struct inet_sock *s, const struct inet_addr *dst_in, int bind_err)
{
	struct inet_addr dst = *dst_in;
	struct in6_addr src;
	int err = inet_route(s, &dst, &src);
	if (err)
		return err;
	if (inet_autobind(s))
		return bind_err;
	if (!s->bind_addr_lock)
		s->local.a = src;
	s->remote = dst;
	return 0;
}

/* Linux's __inet_bind and __inet6_bind. */
static int inet_bind(struct kernel *k, struct file *f, const void *addr, int len)
{
	struct inet_sock *s = f->private;
	struct inet_addr a;
	int err;
	if (s->family == AF_INET) {
		/* AF_UNSPEC with INADDR_ANY is taken as AF_INET (old programs). */
		struct sockaddr_in sin;
		if (len < (int)sizeof(sin))
			return -EINVAL;
		memcpy(&sin, addr, sizeof(sin));
		if (sin.sin_family != AF_INET &&
		    !(sin.sin_family == AF_UNSPEC && sin.sin_addr.s_addr == htonl(INADDR_ANY)))
			return -EAFNOSUPPORT;
		a = (struct inet_addr){mapped(ntohl(sin.sin_addr.s_addr)), ntohs(sin.sin_port)};
		uint32_t v = v4_of(&a.a);
		if (v != INADDR_ANY && !v4_loopback(v))
			return -EADDRNOTAVAIL;
		if (a.port && a.port < PROT_SOCK && !capable(k, CAP_NET_BIND_SERVICE))
			return -EACCES;
	} else {
		if ((err = inet_addr_from_user(s, addr, len, &a)))
			return err;
		if (a.port && a.port < PROT_SOCK && !capable(k, CAP_NET_BIND_SERVICE))
			return -EACCES;
		if (inet_is_v4(&a.a)) {
			if (s->v6only)
				return -EINVAL;
			uint32_t v = v4_of(&a.a);
			if (v != INADDR_ANY && !v4_loopback(v))
				return -EADDRNOTAVAIL;
		} else if (!IN6_IS_ADDR_UNSPECIFIED(&a.a) && !IN6_IS_ADDR_LOOPBACK(&a.a)) {
			return -EADDRNOTAVAIL;
		}
	}
	if (s->state != TCPS_CLOSE || s->bound)
		return -EINVAL;
	struct in6_addr old = s->local.a;
	s->local.a = a.a;
	if (a.port ? port_conflict(s, a.port) : (err = inet_autobind(s)) != 0) {
		s->local.a = old;
		return -EADDRINUSE;
	}
	if (a.port)
		hash(s, a.port);
	s->bind_addr_lock = !is_any(&a.a);
	s->bind_port_lock = a.port != 0;
	return 0;
}

/* The listener (TCP) or receiver (UDP) that takes what src sends to dst:
 * the best address match (an exact one over a wildcard, an AF_INET
 * socket over a dual-stack one); a connected UDP socket only from its
 * peer, and before the others. */
struct inet_sock *inet_lookup(struct kernel *k, int protocol, const struct inet_addr *src,
			      const struct inet_addr *dst)
{
	struct inet_sock *best = NULL;
	int best_score = 0;
	for (struct inet_sock *s = inet_list; s; s = s->next) {
		if (s->k != k || s->protocol != protocol || !s->bound || s->dead ||
		    s->local.port != dst->port)
			continue;
		if (protocol == IPPROTO_TCP && s->state != TCPS_LISTEN)
			continue;
		int score = addr_score(s, &dst->a) * 2;
		if (!score)
			continue;
		if (s->family == AF_INET)
			score++;
		if (protocol == IPPROTO_UDP && s->state == TCPS_ESTABLISHED) {
			if (s->remote.port != src->port || !IN6_ARE_ADDR_EQUAL(&s->remote.a, &src->a))
				continue;
			score += 8;
		}
		if (score > best_score) {
			best = s;
			best_score = score;
		}
	}
	return best;
}

/* ---- queues ---- */

void inet_queue_tail(struct inet_sock *s, struct sk_buff *m)
{
	*(s->tail ? &s->tail->next : &s->head) = m;
	s->tail = m;
	s->queued += m->len;
	s->qlen++;
}

void inet_queue_pop(struct inet_sock *s)
{
	struct sk_buff *m = s->head;
	s->head = m->next;
	if (!s->head)
		s->tail = NULL;
	s->queued -= m->len - m->off;
	s->qlen--;
	free(m);
}

void inet_queue_purge(struct inet_sock *s)
{
	while (s->head)
		inet_queue_pop(s);
}

struct sk_buff *inet_skb_from_user(struct kernel *k, struct uio *u, uint64_t n, int *err)
{
	struct sk_buff *m = malloc(sizeof(*m) + (n ? n : 1));
	if (!m) {
		*err = -ENOMEM;
		return NULL;
	}
	*m = (struct sk_buff){.len = (uint32_t)n};
	if (uio_copy(k, u, m->data, n, false) < n) {
		free(m);
		*err = -EFAULT;
		return NULL;
	}
	return m;
}

int inet_sock_error(struct inet_sock *s)
{
	int err = s->err;
	s->err = 0;
	return -err;
}

int64_t inet_broken(struct kernel *k, bool nosignal)
{
	if (!nosignal) {
		struct ksiginfo info = {.signo = SIGPIPE, .code = SI_USER, .pid = k->current->pid,
					.uid = (int)k->current->cred.uid};
		signal_send(k, k->current, &info);
	}
	return -EPIPE;
}

/* ---- the socket ---- */

struct inet_sock *inet_sock_alloc(struct kernel *k, int family, int type, int protocol)
{
	struct inet_sock *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->k = k;
	s->refs = 1;
	s->family = family;
	s->type = type;
	s->protocol = protocol;
	s->state = TCPS_CLOSE;
	s->local.a = family == AF_INET ? mapped(INADDR_ANY) : in6addr_any;
	s->remote.a = s->local.a;
	bool tcp = protocol == IPPROTO_TCP;
	s->sndbuf = tcp ? TCP_SNDBUF_DEFAULT : UDP_BUF_DEFAULT;
	s->rcvbuf = tcp ? TCP_RCVBUF_DEFAULT : UDP_BUF_DEFAULT;
	s->rcvlowat = 1;
	s->rcvtimeo = s->sndtimeo = -1;
	s->keepidle = 7200;
	s->keepintvl = 75;
	s->keepcnt = 9;
	s->syncnt = 6;
	s->ttl = -1;
	s->hoplimit = -1;
	s->mtu_discover = IP_PMTUDISC_WANT; /* net.ipv4.ip_no_pmtu_disc 0 */
	s->quickack = true;
	s->ino = sockfs_new_ino();
	clock_gettime(CLOCK_REALTIME, &s->created);
	s->uid = current_fs_cred(k).fsuid;
	s->gid = current_fs_cred(k).fsgid;
	s->next = inet_list;
	inet_list = s;
	return s;
}

void inet_sock_put(struct inet_sock *s)
{
	if (--s->refs > 0)
		return;
	for (struct inet_sock **pp = &inet_list; *pp; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	inet_queue_purge(s);
	free(s);
}

struct file *inet_file(struct inet_sock *s, int flags)
{
	struct file *f = file_alloc(&inet_ops, FILE_SOCKET, O_RDWR | flags, s);
	if (!f)
		return NULL;
	f->f_mode = FMODE_READ | FMODE_WRITE;
	return f;
}

static void inet_release(struct file *f)
{
	struct inet_sock *s = f->private;
	if (s->protocol == IPPROTO_TCP) {
		tcp_close(s);
	} else {
		s->dead = true;
		inet_sock_unhash(s);
		inet_queue_purge(s);
		inet_sock_wake(s);
	}
	inet_sock_put(s);
}

static int inet_getname(struct file *f, void *out, bool peer)
{
	struct inet_sock *s = f->private;
	if (!peer)
		return inet_addr_to_user(s, &s->local, out);
	if (!s->remote.port || s->state == TCPS_CLOSE || s->state == TCPS_SYN_SENT)
		return -ENOTCONN;
	return inet_addr_to_user(s, &s->remote, out);
}

static int inet_listen(struct file *f, int backlog)
{
	struct inet_sock *s = f->private;
	if (s->protocol != IPPROTO_TCP)
		return -EOPNOTSUPP;
	return tcp_listen(s, backlog);
}

/* Linux's inet_stream_connect and inet_dgram_connect: AF_UNSPEC
 * disconnects. */
static int inet_connect(struct kernel *k, struct file *f, const void *addr, int len)
{
	struct inet_sock *s = f->private;
	sa_family_t family;
	if (len < (int)sizeof(family))
		return -EINVAL;
	memcpy(&family, addr, sizeof(family));
	if (family == AF_UNSPEC) {
		if (s->protocol == IPPROTO_UDP)
			return udp_disconnect(s);
		return tcp_shutdown(s, -1);
	}
	struct inet_addr dst;
	int err = inet_addr_from_user(s, addr, len, &dst);
	if (err)
		return err;
	if (s->protocol == IPPROTO_UDP)
		return udp_connect(k, s, &dst);
	return tcp_connect(k, f, &dst);
}

static int inet_accept(struct kernel *k, struct file *f, int flags, struct file **out)
{
	struct inet_sock *s = f->private;
	if (s->protocol != IPPROTO_TCP)
		return -EOPNOTSUPP;
	return tcp_accept(k, f, flags, out);
}

/* Linux's inet_shutdown: the flags are set even when it answers ENOTCONN. */
static int inet_shutdown(struct file *f, int how)
{
	struct inet_sock *s = f->private;
	if (how < SHUT_RD || how > SHUT_RDWR)
		return -EINVAL;
	int mode = how + 1, err = 0;
	if (s->protocol == IPPROTO_TCP && (s->state == TCPS_LISTEN || s->state == TCPS_SYN_SENT)) {
		if (s->state == TCPS_LISTEN && !(mode & RCV_SHUTDOWN))
			return 0;
		return tcp_shutdown(s, -1);
	}
	if (s->state == TCPS_CLOSE)
		err = -ENOTCONN;
	s->shutdown |= mode;
	if (s->protocol == IPPROTO_TCP)
		tcp_shutdown(s, mode);
	inet_sock_wake(s);
	return err;
}

static int64_t inet_sendmsg(struct kernel *k, struct file *f, struct unix_msghdr *m, int flags)
{
	struct inet_sock *s = f->private;
	if (f->flags & O_NONBLOCK)
		flags |= MSG_DONTWAIT;
	if (s->protocol == IPPROTO_TCP)
		return tcp_sendmsg(k, s, m, flags);
	return udp_sendmsg(k, s, m, flags);
}

static int64_t inet_recvmsg(struct kernel *k, struct file *f, struct unix_msghdr *m, int flags)
{
	struct inet_sock *s = f->private;
	if (f->flags & O_NONBLOCK)
		flags |= MSG_DONTWAIT;
	m->flags = 0;
	m->controllen = 0; /* no control data: IP_PKTINFO, IP_RECVERR's queue are not kept */
	if (s->protocol == IPPROTO_TCP)
		return tcp_recvmsg(k, s, m, flags);
	return udp_recvmsg(k, s, m, flags);
}

static unsigned inet_poll(struct file *f)
{
	struct inet_sock *s = f->private;
	return s->protocol == IPPROTO_TCP ? tcp_poll(s) : udp_poll(s);
}

static int inet_stat(struct file *f, struct stat *st)
{
	struct inet_sock *s = f->private;
	sock_stat(st, s->ino, s->uid, s->gid, &s->created);
	return 0;
}

static int inet_poll_chans(struct file *f, const void *chans[])
{
	chans[0] = &((struct inet_sock *)f->private)->wait;
	return 1;
}

/* SIOCINQ (FIONREAD): TCP's unread bytes (EINVAL while listening), the
 * size of UDP's next datagram; SIOCOUTQ and SIOCOUTQNSD: 0, as lo takes
 * every byte at once. */
static int64_t inet_ioctl(struct kernel *k, struct file *f, unsigned cmd, uint64_t arg)
{
	struct inet_sock *s = f->private;
	int n;
	switch (cmd) {
	case SIOCINQ:
		if (s->protocol == IPPROTO_TCP) {
			if (s->state == TCPS_LISTEN)
				return -EINVAL;
			n = (int)s->queued;
		} else {
			n = s->head ? (int)s->head->len : 0;
		}
		break;
	case SIOCOUTQ:
	case SIOCOUTQNSD:
		if (s->state == TCPS_LISTEN)
			return -EINVAL;
		n = 0;
		break;
	default:
		return -ENOTTY;
	}
	return copy_to_user(k, arg, &n, sizeof(n)) ? -EFAULT : 0;
}

static uint64_t inet_ino(struct file *f)
{
	return ((struct inet_sock *)f->private)->ino;
}

static const struct proto_ops inet_proto_ops = {
	.family = AF_INET,
	.bind = inet_bind,
	.listen = inet_listen,
	.connect = inet_connect,
	.accept = inet_accept,
	.getname = inet_getname,
	.shutdown = inet_shutdown,
	.sendmsg = inet_sendmsg,
	.recvmsg = inet_recvmsg,
	.getsockopt = inet_getsockopt,
	.setsockopt = inet_setsockopt,
	.ino = inet_ino,
};

static const struct file_ops inet_ops = {
	.read = sock_read,
	.write = sock_write,
	.poll = inet_poll,
	.stat = inet_stat,
	.release = inet_release,
	.poll_chans = inet_poll_chans,
	.ioctl = inet_ioctl,
	.sock = &inet_proto_ops,
};

/* Linux's inet_create and inet6_create: the type's protocol (0: its
 * default), EPROTONOSUPPORT for another, ESOCKTNOSUPPORT for a type the
 * family lacks; SOCK_RAW needs CAP_NET_RAW and is not provided. */
int inet_create(struct kernel *k, int family, int type, int protocol, int flags,
		struct file **out)
{
	int want;
	switch (type) {
	case SOCK_STREAM:
		want = IPPROTO_TCP;
		break;
	case SOCK_DGRAM:
		want = IPPROTO_UDP;
		break;
	case SOCK_RAW:
		if (!capable(k, CAP_NET_RAW))
			return -EPERM;
		return -EPROTONOSUPPORT; /* raw sockets: not in vmemu (README) */
	default:
		return -ESOCKTNOSUPPORT;
	}
	if (protocol && protocol != want)
		return -EPROTONOSUPPORT;
	struct inet_sock *s = inet_sock_alloc(k, family, type, want);
	if (!s)
		return -ENOMEM;
	*out = inet_file(s, flags);
	if (*out)
		return 0;
	inet_sock_put(s);
	return -ENOMEM;
}
