/* af_inet.h - what the files of AF_INET and AF_INET6 sockets share: the
 * socket, its addresses and ports (af_inet.c), TCP's connections and
 * byte streams (tcp.c), UDP's datagrams (udp.c) and the options of every
 * level (inet_opt.c). fs/ only.
 *
 * The guest's network is a Linux machine's whose only interface is lo:
 * 127.0.0.0/8 and ::1 are local, everything else unreachable. No packet
 * is ever made: a connection is two sockets that are each other's peer,
 * and what one sends is queued on the other, as AF_UNIX does. */
#ifndef VMEMU_FS_AF_INET_H
#define VMEMU_FS_AF_INET_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "fs/fs.h"

/* sk_state, Linux's numbers (they show in /proc/net/tcp). */
enum {
	TCPS_ESTABLISHED = 1,
	TCPS_SYN_SENT = 2,
	TCPS_CLOSE = 7,
	TCPS_CLOSE_WAIT = 8,
	TCPS_LISTEN = 10,
};

#define IP_LOCAL_PORT_LOW 32768 /* net.ipv4.ip_local_port_range */
#define IP_LOCAL_PORT_HIGH 60999
#define PROT_SOCK 1024          /* ports below need CAP_NET_BIND_SERVICE */
#define UDP_MAX_PAYLOAD 65507   /* 65535 less the IPv4 and UDP headers */
#define UDP6_MAX_PAYLOAD 65527  /* 65535 less the UDP header (no jumbograms) */
#define TCP_QUEUE_MAX (4u << 20) /* bytes a connection holds unread (Linux autotunes; see README) */
#define TCP_SNDBUF_DEFAULT 16384 /* net.ipv4.tcp_wmem[1] */
#define TCP_RCVBUF_DEFAULT 131072 /* net.ipv4.tcp_rmem[1] */
#define UDP_BUF_DEFAULT 212992    /* net.core.[rw]mem_default */
/* SO_SNDBUF once connected over lo, unless set (tcp_sndbuf_expand:
 * 2 x 10 segments of lo's MSS; measured on Linux 6.18). */
#define TCP_SNDBUF_LO 3939840

/* An address and port; IPv4 ones kept as IPv4-mapped IPv6 addresses
 * (::ffff:a.b.c.d), so that both families compare alike. port is in
 * host order. */
struct inet_addr {
	struct in6_addr a;
	uint16_t port;
};

/* One datagram (UDP) or part of a stream (TCP) on a receive queue. */
struct sk_buff {
	struct sk_buff *next;
	struct inet_addr from;
	uint32_t len, off; /* off: bytes a stream read took already */
	char data[];
};

struct inet_sock {
	struct kernel *k;
	int refs;                /* its file, its peer, a listener's accept queue */
	struct inet_sock *next;  /* every socket of every kernel (af_inet.c) */
	int family, type, protocol;
	int state;               /* TCPS_*; UDP: ESTABLISHED when connected */
	bool dead;               /* its file is closed, or it was never accepted */
	bool bound;              /* has a local port (in the table of ports) */
	bool bind_port_lock;     /* bind(2) chose the port (Linux's SOCK_BINDPORT_LOCK) */
	bool bind_addr_lock;     /* bind(2) chose the address */
	struct inet_addr local, remote;
	struct inet_sock *peer;  /* TCP: the other end (a reference) */
	struct inet_sock *syn_to; /* SYN_SENT: the listener whose queue was full (a reference) */
	bool connecting;         /* a blocking connect sleeps for SYN_SENT to end */
	int shutdown;            /* RCV_SHUTDOWN | SEND_SHUTDOWN */
	int err;                 /* sk_err: given once */
	struct sk_buff *head, *tail;
	uint64_t queued;         /* bytes in the queue */
	unsigned qlen;
	struct inet_sock *acc_head, *acc_tail, *acc_next; /* the accept queue; acc_next links it */
	int acc_len, backlog;
	/* options */
	bool reuseaddr, reuseport, keepalive, broadcast, nodelay, v6only, oobinline, cork;
	bool recverr, pktinfo, quickack;
	int linger_on, linger;
	int sndbuf, rcvbuf, rcvlowat, priority, mark;
	bool sndbuf_lock;        /* SO_SNDBUF was set (Linux's SOCK_SNDBUF_LOCK) */
	int64_t rcvtimeo, sndtimeo;
	int keepidle, keepintvl, keepcnt, maxseg, syncnt, user_timeout, defer_accept;
	int tos, ttl, tclass, hoplimit, mtu_discover;
	uint64_t ino;
	struct timespec created;
	uint32_t uid, gid;
	char wait;               /* every waiter: readers, writers, connectors, accepters */
};

/* af_inet.c */
struct inet_sock *inet_sock_first(void); /* every socket, newest first, by ->next */
struct inet_sock *inet_sock_alloc(struct kernel *k, int family, int type, int protocol);
void inet_sock_put(struct inet_sock *s);
struct file *inet_file(struct inet_sock *s, int flags); /* takes s's reference; NULL: no memory */
void inet_sock_wake(struct inet_sock *s);
void inet_sock_unhash(struct inet_sock *s); /* out of the table of ports */
bool inet_is_v4(const struct in6_addr *a);
/* An address from the guest for a socket of s's family: 0 and *out, or
 * -EINVAL (short), -EAFNOSUPPORT (another family). */
int inet_addr_from_user(const struct inet_sock *s, const void *addr, int len,
			struct inet_addr *out);
/* The local address a destination is reached from, and whether it can
 * be: 0, or -ENETUNREACH (not on lo). *dst becomes what is reached
 * (0.0.0.0 and :: are 127.0.0.1 and ::1). */
int inet_route(const struct inet_sock *s, struct inet_addr *dst, struct in6_addr *src);
/* A local port for s (bind port 0, connect, listen, a send): 0 or
 * -EADDRINUSE, -EAGAIN (none left). */
int inet_autobind(struct inet_sock *s);
/* What every connect does first (Linux's ip4_datagram_connect and
 * tcp_v4_connect): the route to dst, a local port (bind_err when none
 * is left), the local address the route gives unless bind(2) chose one,
 * and dst as the remote end: 0 or -errno. */
int inet_connect_route(struct inet_sock *s, const struct inet_addr *dst, int bind_err);
/* The socket of protocol that takes what is sent from src to dst: a
 * listener (TCP) or a receiver (UDP); NULL when none. */
struct inet_sock *inet_lookup(struct kernel *k, int protocol, const struct inet_addr *src,
			      const struct inet_addr *dst);
/* A struct sockaddr_in or sockaddr_in6 for s's family; its length. */
int inet_addr_to_user(const struct inet_sock *s, const struct inet_addr *a, void *out);
/* Queues m on s (its bytes counted). */
void inet_queue_tail(struct inet_sock *s, struct sk_buff *m);
void inet_queue_pop(struct inet_sock *s);
void inet_queue_purge(struct inet_sock *s);
/* The next n bytes of u in a new buffer from s: NULL and *err. */
struct sk_buff *inet_skb_from_user(struct kernel *k, struct uio *u, uint64_t n, int *err);
int inet_sock_error(struct inet_sock *s);
/* EPIPE, and SIGPIPE unless nosignal. */
int64_t inet_broken(struct kernel *k, bool nosignal);

/* The first socket in SYN_SENT for listener l's room, or NULL; whether
 * listener s's port is taken by another listener. */
struct inet_sock *inet_syn_waiter(const struct inet_sock *l);
bool inet_listen_conflict(const struct inet_sock *s);

/* tcp.c */
int tcp_listen(struct inet_sock *s, int backlog);
int tcp_connect(struct kernel *k, struct file *f, const struct inet_addr *dst);
int tcp_accept(struct kernel *k, struct file *f, int flags, struct file **out);
int64_t tcp_sendmsg(struct kernel *k, struct inet_sock *s, struct unix_msghdr *m, int flags);
int64_t tcp_recvmsg(struct kernel *k, struct inet_sock *s, struct unix_msghdr *m, int flags);
int tcp_shutdown(struct inet_sock *s, int mode);
void tcp_close(struct inet_sock *s);
unsigned tcp_poll(struct inet_sock *s);

/* udp.c */
int udp_connect(struct kernel *k, struct inet_sock *s, const struct inet_addr *dst);
int udp_disconnect(struct inet_sock *s);
int64_t udp_sendmsg(struct kernel *k, struct inet_sock *s, struct unix_msghdr *m, int flags);
int64_t udp_recvmsg(struct kernel *k, struct inet_sock *s, struct unix_msghdr *m, int flags);
unsigned udp_poll(struct inet_sock *s);

/* inet_opt.c */
int inet_getsockopt(struct kernel *k, struct file *f, int level, int name, void *val, int *len);
int inet_setsockopt(struct file *f, int level, int name, const void *val, int len);

#endif
