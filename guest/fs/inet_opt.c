/* inet_opt.c - getsockopt(2) and setsockopt(2) of AF_INET and AF_INET6
 * sockets: the SOL_SOCKET options (Linux's sk_getsockopt and
 * sk_setsockopt), SOL_TCP (do_tcp_getsockopt, do_tcp_setsockopt), SOL_IP
 * (do_ip_getsockopt...) and SOL_IPV6 ones vmemu keeps, stored and read
 * back as Linux does; their limits and defaults are Linux's. ENOPROTOOPT
 * for the others; a level the socket has not (SOL_TCP of a UDP socket,
 * SOL_IPV6 of an AF_INET one) is ENOPROTOOPT to set and, as measured,
 * EOPNOTSUPP to get from an AF_INET socket. */
#include <errno.h>
#include <limits.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "fs/af_inet.h"
#include "fs/af_unix.h"
#include "kern.h"

#define MEM_MAX 212992         /* net.core.wmem_max, rmem_max */
#define SOCK_MIN_SNDBUF 4608
#define SOCK_MIN_RCVBUF 2304
#define TCP_MSS_UNCONNECTED 536    /* what TCP_MAXSEG reads before a connection */
#define TCP_MSS_LO 65483       /* lo's MTU 65536 less the headers and timestamps */
#define MAX_TCP_KEEPIDLE 32767
#define MAX_TCP_KEEPCNT 127
#define MAX_TCP_SYNCNT 127
#define IPV6_DEFAULT_HOPLIMIT 64
#define IP_DEFAULT_TTL 64      /* net.ipv4.ip_default_ttl */
#define INET_ECN_MASK 3

static int put_int(int v, void *val, int *len)
{
	if (*len < 0)
		return -EINVAL;
	if (*len > (int)sizeof(v))
		*len = (int)sizeof(v);
	memcpy(val, &v, (size_t)*len);
	return 0;
}

static int put_bytes(const void *p, int n, void *val, int *len)
{
	if (*len < 0)
		return -EINVAL;
	if (*len > n)
		*len = n;
	memcpy(val, p, (size_t)*len);
	return 0;
}

static int sol_socket_get(struct inet_sock *s, int name, void *val, int *len)
{
	struct timeval tv;
	switch (name) {
	case SO_RCVTIMEO_OLD:
	case SO_RCVTIMEO_NEW:
		sock_get_timeout(s->rcvtimeo, &tv);
		return put_bytes(&tv, sizeof(tv), val, len);
	case SO_SNDTIMEO_OLD:
	case SO_SNDTIMEO_NEW:
		sock_get_timeout(s->sndtimeo, &tv);
		return put_bytes(&tv, sizeof(tv), val, len);
	case SO_LINGER: {
		struct linger l = {s->linger_on, s->linger};
		return put_bytes(&l, sizeof(l), val, len);
	}
	case SO_PEERCRED: {
		struct ucred c = {0, (uid_t)-1, (gid_t)-1}; /* no credentials cross TCP */
		return put_bytes(&c, sizeof(c), val, len);
	}
	case SO_TYPE:
		return put_int(s->type, val, len);
	case SO_PROTOCOL:
		return put_int(s->protocol, val, len);
	case SO_DOMAIN:
		return put_int(s->family, val, len);
	case SO_ERROR:
		return put_int(-inet_sock_error(s), val, len);
	case SO_ACCEPTCONN:
		return put_int(s->state == TCPS_LISTEN, val, len);
	case SO_REUSEADDR:
		return put_int(s->reuseaddr, val, len);
	case SO_REUSEPORT:
		return put_int(s->reuseport, val, len);
	case SO_KEEPALIVE:
		return put_int(s->keepalive, val, len);
	case SO_BROADCAST:
		return put_int(s->broadcast, val, len);
	case SO_OOBINLINE:
		return put_int(s->oobinline, val, len);
	case SO_SNDBUF:
		return put_int(s->sndbuf, val, len);
	case SO_RCVBUF:
		return put_int(s->rcvbuf, val, len);
	case SO_RCVLOWAT:
		return put_int(s->rcvlowat, val, len);
	case SO_SNDLOWAT:
		return put_int(1, val, len);
	case SO_PRIORITY:
		return put_int(s->priority, val, len);
	case SO_MARK:
		return put_int(s->mark, val, len);
	default:
		return -ENOPROTOOPT;
	}
}

static int buf_size(int v, int min)
{
	unsigned u = (unsigned)v < MEM_MAX ? (unsigned)v : MEM_MAX;
	return (int)u * 2 > min ? (int)u * 2 : min;
}

static int sol_socket_set(struct inet_sock *s, int name, const void *val, int len)
{
	if (name == SO_RCVTIMEO_OLD || name == SO_RCVTIMEO_NEW)
		return sock_set_timeout(&s->rcvtimeo, val, len);
	if (name == SO_SNDTIMEO_OLD || name == SO_SNDTIMEO_NEW)
		return sock_set_timeout(&s->sndtimeo, val, len);
	if (len < (int)sizeof(int))
		return -EINVAL;
	int v;
	memcpy(&v, val, sizeof(v));
	switch (name) {
	case SO_LINGER: {
		struct linger l;
		if (len < (int)sizeof(l))
			return -EINVAL;
		memcpy(&l, val, sizeof(l));
		s->linger_on = l.l_onoff != 0;
		s->linger = l.l_onoff ? l.l_linger : s->linger;
		return 0;
	}
	case SO_REUSEADDR:
		s->reuseaddr = v != 0;
		return 0;
	case SO_REUSEPORT:
		s->reuseport = v != 0;
		return 0;
	case SO_KEEPALIVE:
		s->keepalive = v != 0;
		return 0;
	case SO_BROADCAST:
		s->broadcast = v != 0;
		return 0;
	case SO_OOBINLINE:
		s->oobinline = v != 0;
		return 0;
	case SO_SNDBUF:
		s->sndbuf = buf_size(v, SOCK_MIN_SNDBUF);
		s->sndbuf_lock = true;
		inet_sock_wake(s);
		return 0;
	case SO_RCVBUF:
		s->rcvbuf = buf_size(v, SOCK_MIN_RCVBUF);
		return 0;
	case SO_RCVLOWAT:
		s->rcvlowat = v > 0 ? v : 1;
		return 0;
	case SO_PRIORITY:
		if ((v < 0 || v > 6) && !capable(s->k, CAP_NET_ADMIN))
			return -EPERM;
		s->priority = v;
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

static int tcp_get(struct inet_sock *s, int name, void *val, int *len)
{
	bool connected = s->state == TCPS_ESTABLISHED || s->state == TCPS_CLOSE_WAIT;
	switch (name) {
	case TCP_NODELAY:
		return put_int(s->nodelay, val, len);
	case TCP_MAXSEG:
		return put_int(s->maxseg && (!connected || s->maxseg < TCP_MSS_LO) ? s->maxseg
			       : connected ? TCP_MSS_LO
					   : TCP_MSS_UNCONNECTED,
			       val, len);
	case TCP_KEEPIDLE:
		return put_int(s->keepidle, val, len);
	case TCP_KEEPINTVL:
		return put_int(s->keepintvl, val, len);
	case TCP_KEEPCNT:
		return put_int(s->keepcnt, val, len);
	case TCP_SYNCNT:
		return put_int(s->syncnt, val, len);
	case TCP_USER_TIMEOUT:
		return put_int(s->user_timeout, val, len);
	case TCP_CORK:
		return put_int(s->cork, val, len);
	case TCP_QUICKACK:
		return put_int(s->quickack, val, len);
	case TCP_INFO: {
		struct tcp_info ti = {0};
		ti.tcpi_state = (uint8_t)s->state;
		ti.tcpi_snd_mss = connected ? TCP_MSS_LO : TCP_MSS_UNCONNECTED;
		ti.tcpi_rcv_mss = TCP_MSS_UNCONNECTED;
		ti.tcpi_pmtu = 65536;
		ti.tcpi_snd_ssthresh = 0x7fffffff;
		ti.tcpi_rcv_ssthresh = (uint32_t)s->rcvbuf / 2;
		ti.tcpi_snd_cwnd = 10;
		ti.tcpi_advmss = 65483;
		ti.tcpi_reordering = 3;
		return put_bytes(&ti, sizeof(ti), val, len);
	}
	default:
		return -ENOPROTOOPT;
	}
}

static int tcp_set(struct inet_sock *s, int name, int v)
{
	switch (name) {
	case TCP_NODELAY:
		s->nodelay = v != 0;
		return 0;
	case TCP_MAXSEG:
		if (v && (v < 88 || v > 32767)) /* TCP_MIN_MSS, MAX_TCP_WINDOW */
			return -EINVAL;
		s->maxseg = v;
		return 0;
	case TCP_KEEPIDLE:
	case TCP_KEEPINTVL:
		if (v < 1 || v > MAX_TCP_KEEPIDLE)
			return -EINVAL;
		*(name == TCP_KEEPIDLE ? &s->keepidle : &s->keepintvl) = v;
		return 0;
	case TCP_KEEPCNT:
		if (v < 1 || v > MAX_TCP_KEEPCNT)
			return -EINVAL;
		s->keepcnt = v;
		return 0;
	case TCP_SYNCNT:
		if (v < 1 || v > MAX_TCP_SYNCNT)
			return -EINVAL;
		s->syncnt = v;
		return 0;
	case TCP_USER_TIMEOUT:
		if (v < 0)
			return -EINVAL;
		s->user_timeout = v;
		return 0;
	case TCP_CORK:
		s->cork = v != 0;
		return 0;
	case TCP_QUICKACK:
		s->quickack = v != 0;
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

static int ip_get(struct inet_sock *s, int name, void *val, int *len)
{
	switch (name) {
	case IP_TOS:
		return put_int(s->tos, val, len);
	case IP_TTL:
		return put_int(s->ttl < 0 ? IP_DEFAULT_TTL : s->ttl, val, len);
	case IP_RECVERR:
		return put_int(s->recverr, val, len);
	case IP_PKTINFO:
		return put_int(s->pktinfo, val, len);
	case IP_MTU_DISCOVER:
		return put_int(s->mtu_discover, val, len);
	default:
		return -ENOPROTOOPT;
	}
}

static int ip_set(struct inet_sock *s, int name, int v)
{
	switch (name) {
	case IP_TOS:
		if (s->type == SOCK_STREAM) { /* the ECN bits are TCP's own */
			v &= ~INET_ECN_MASK;
			v |= s->tos & INET_ECN_MASK;
		}
		s->tos = v & 0xff;
		return 0;
	case IP_TTL:
		if (v != -1 && (v < 1 || v > 255))
			return -EINVAL;
		s->ttl = v;
		return 0;
	case IP_RECVERR:
		s->recverr = v != 0;
		return 0;
	case IP_PKTINFO:
		s->pktinfo = v != 0;
		return 0;
	case IP_MTU_DISCOVER:
		if (v < IP_PMTUDISC_DONT || v > IP_PMTUDISC_OMIT)
			return -EINVAL;
		s->mtu_discover = v;
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

static int ipv6_get(struct inet_sock *s, int name, void *val, int *len)
{
	switch (name) {
	case IPV6_V6ONLY:
		return put_int(s->v6only, val, len);
	case IPV6_UNICAST_HOPS:
		return put_int(s->hoplimit < 0 ? IPV6_DEFAULT_HOPLIMIT : s->hoplimit, val, len);
	case IPV6_TCLASS:
		return put_int(s->tclass, val, len);
	case IPV6_RECVERR:
		return put_int(s->recverr, val, len);
	default:
		return -ENOPROTOOPT;
	}
}

static int ipv6_set(struct inet_sock *s, int name, int v)
{
	switch (name) {
	case IPV6_V6ONLY:
		if (s->bound)
			return -EINVAL;
		s->v6only = v != 0;
		return 0;
	case IPV6_UNICAST_HOPS:
		if (v < -1 || v > 255)
			return -EINVAL;
		s->hoplimit = v;
		return 0;
	case IPV6_TCLASS:
		if (v < -1 || v > 255)
			return -EINVAL;
		s->tclass = v < 0 ? 0 : v;
		return 0;
	case IPV6_RECVERR:
		s->recverr = v != 0;
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

int inet_getsockopt(struct kernel *k, struct file *f, int level, int name, void *val, int *len)
{
	(void)k;
	struct inet_sock *s = f->private;
	if (*len < 0)
		return -EINVAL;
	/* A level the socket has not: ip_getsockopt's EOPNOTSUPP, ipv6's ENOPROTOOPT. */
	int none = s->family == AF_INET ? -EOPNOTSUPP : -ENOPROTOOPT;
	switch (level) {
	case SOL_SOCKET:
		return sol_socket_get(s, name, val, len);
	case SOL_TCP:
		return s->protocol == IPPROTO_TCP ? tcp_get(s, name, val, len) : none;
	case SOL_IP:
		return ip_get(s, name, val, len);
	case SOL_IPV6:
		return s->family == AF_INET6 ? ipv6_get(s, name, val, len) : none;
	default:
		return none;
	}
}

int inet_setsockopt(struct file *f, int level, int name, const void *val, int len)
{
	struct inet_sock *s = f->private;
	if (level == SOL_SOCKET)
		return sol_socket_set(s, name, val, len);
	bool known = level == SOL_IP || (level == SOL_IPV6 && s->family == AF_INET6) ||
		     (level == SOL_TCP && s->protocol == IPPROTO_TCP);
	if (!known)
		return -ENOPROTOOPT;
	if (len < (int)sizeof(int))
		return -EINVAL;
	int v;
	memcpy(&v, val, sizeof(v));
	if (level == SOL_TCP)
		return tcp_set(s, name, v);
	if (level == SOL_IP)
		return ip_set(s, name, v);
	return ipv6_set(s, name, v);
}
