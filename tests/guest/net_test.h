/* net_test.h - what the net_*.c guest programs share: the network they
 * check against, and addresses.
 *
 * Natively, a program first tries to enter a network namespace of its
 * own with only lo up (unshare(CLONE_NEWNET) as root), which is the
 * network vmemu gives its guest; the host's network is not touched. Under
 * vmemu (argument --vmemu) that call is refused and the guest's network
 * is already that one. The checks of unreachable destinations run only
 * in one of those two (a native run without a namespace of its own may
 * have routes to them). */
#ifndef NET_TEST_H
#define NET_TEST_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SIOCOUTQ
#define SIOCOUTQ TIOCOUTQ
#endif
#define CAP_NET_BIND_SERVICE 10
#define CAP_NET_RAW 13

#include "guest_test.h"

/* Whether destinations off lo are unreachable here: under vmemu, or in a
 * namespace of our own with lo up. */
static bool lo_only;

static inline void net_setup(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--vmemu")) {
		lo_only = true;
		return;
	}
	if (unshare(CLONE_NEWNET) != 0)
		return;
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct ifreq ifr = {0};
	strcpy(ifr.ifr_name, "lo");
	CHECK(s >= 0 && ioctl(s, SIOCGIFFLAGS, &ifr) == 0, "lo's flags: %s", strerror(errno));
	ifr.ifr_flags |= IFF_UP;
	CHECK(ioctl(s, SIOCSIFFLAGS, &ifr) == 0, "lo up: %s", strerror(errno));
	close(s);
	lo_only = true;
}

static inline struct sockaddr_in sin4(const char *a, int port)
{
	struct sockaddr_in s = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	CHECK(inet_pton(AF_INET, a, &s.sin_addr) == 1, "address %s", a);
	return s;
}

static inline struct sockaddr_in6 sin6(const char *a, int port)
{
	struct sockaddr_in6 s = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port)};
	CHECK(inet_pton(AF_INET6, a, &s.sin6_addr) == 1, "address %s", a);
	return s;
}

#define SA(x) ((struct sockaddr *)&(x))

/* The local port of fd. */
static inline int port_of(int fd)
{
	struct sockaddr_in6 a;
	socklen_t len = sizeof(a);
	CHECK(getsockname(fd, SA(a), &len) == 0, "getsockname: %s", strerror(errno));
	return ntohs(a.sin6_port); /* sin_port and sin6_port are at the same place */
}

/* A TCP listener on 127.0.0.1, an ephemeral port. */
static inline int listener4(int backlog)
{
	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = sin4("127.0.0.1", 0);
	CHECK(l >= 0 && bind(l, SA(a), sizeof(a)) == 0 && listen(l, backlog) == 0,
	      "listener: %s", strerror(errno));
	return l;
}

/* A connected client of listener l (IPv4), and the server's end in *srv. */
static inline int connect4(int l, int *srv)
{
	int c = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = sin4("127.0.0.1", port_of(l));
	CHECK(c >= 0 && connect(c, SA(a), sizeof(a)) == 0, "connect: %s", strerror(errno));
	*srv = accept(l, NULL, NULL);
	CHECK(*srv >= 0, "accept: %s", strerror(errno));
	return c;
}

static inline short poll1(int fd, short events, int ms)
{
	struct pollfd p = {fd, events, 0};
	CHECK(poll(&p, 1, ms) >= 0, "poll: %s", strerror(errno));
	return p.revents;
}

static inline int getint(int fd, int level, int name)
{
	int v = -12345;
	socklen_t len = sizeof(v);
	CHECK(getsockopt(fd, level, name, &v, &len) == 0 && len == sizeof(v),
	      "getsockopt(%d, %d): %s", level, name, strerror(errno));
	return v;
}

static inline void setint(int fd, int level, int name, int v)
{
	CHECK(setsockopt(fd, level, name, &v, sizeof(v)) == 0, "setsockopt(%d, %d, %d): %s",
	      level, name, v, strerror(errno));
}

/* Drops capability cap from the effective set. */
static inline void drop_cap(int cap)
{
	struct {
		uint32_t version;
		int pid;
	} h = {0x20080522, 0}; /* _LINUX_CAPABILITY_VERSION_3 */
	struct {
		uint32_t effective, permitted, inheritable;
	} d[2];
	CHECK(syscall(SYS_capget, &h, d) == 0, "capget: %s", strerror(errno));
	d[cap / 32].effective &= ~(1u << (cap % 32));
	CHECK(syscall(SYS_capset, &h, d) == 0, "capset: %s", strerror(errno));
}

#endif
