/* net_inet6: AF_INET6 over lo. A TCP listener on ::1 and a client
 * (names of 28 bytes, sin6_port, 24-byte addresses accepted, 23 EINVAL,
 * AF_INET addresses EAFNOSUPPORT); dual stack: IPV6_V6ONLY 0 by default,
 * a listener on :: takes an IPv4 client, whose address it shows as
 * ::ffff:127.0.0.1, an AF_INET6 client reaches 127.0.0.1 through
 * ::ffff:127.0.0.1; with IPV6_V6ONLY 1 it does not (ECONNREFUSED),
 * binding a v4-mapped address is EINVAL, the option cannot change once
 * bound (EINVAL); ports: [::] dual-stack and 0.0.0.0 conflict, v6only
 * and 0.0.0.0 do not, ::1 and 127.0.0.1 do not; EADDRNOTAVAIL for
 * 2001:db8::1; UDP over ::1 and from an AF_INET sender to a dual-stack
 * receiver (the sender shown v4-mapped); IPV6_UNICAST_HOPS, IPV6_TCLASS,
 * SO_DOMAIN; ENETUNREACH off lo. */
#include "net_test.h"

static bool mapped_loopback(const struct sockaddr_in6 *a)
{
	static const unsigned char want[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1};
	return a->sin6_family == AF_INET6 && !memcmp(&a->sin6_addr, want, 16);
}

static void check_tcp6(void)
{
	int l = socket(AF_INET6, SOCK_STREAM, 0);
	CHECK(getint(l, SOL_SOCKET, SO_DOMAIN) == AF_INET6, "SO_DOMAIN");
	CHECK(getint(l, IPPROTO_IPV6, IPV6_V6ONLY) == 0, "IPV6_V6ONLY default");
	struct sockaddr_in6 a = sin6("::1", 0);
	CHECK_ERRNO(bind(l, SA(a), 23), EINVAL, "23-byte address");
	struct sockaddr_in four = sin4("127.0.0.1", 0);
	CHECK_ERRNO(bind(l, SA(four), sizeof(four)), EINVAL, "AF_INET address (short)");
	struct sockaddr_in6 wrong = a;
	wrong.sin6_family = AF_INET;
	CHECK_ERRNO(bind(l, SA(wrong), sizeof(wrong)), EAFNOSUPPORT, "AF_INET family");
	struct sockaddr_in6 far = sin6("2001:db8::1", 0);
	CHECK_ERRNO(bind(l, SA(far), sizeof(far)), EADDRNOTAVAIL, "2001:db8::1");
	CHECK(bind(l, SA(a), 24) == 0 && listen(l, 5) == 0, "listen on ::1: %s", strerror(errno));
	struct sockaddr_in6 name;
	socklen_t len = sizeof(name);
	CHECK(getsockname(l, SA(name), &len) == 0 && len == sizeof(name) &&
		      IN6_IS_ADDR_LOOPBACK(&name.sin6_addr),
	      "listener's name (%d bytes)", (int)len);
	int c = socket(AF_INET6, SOCK_STREAM, 0);
	CHECK(connect(c, SA(name), sizeof(name)) == 0, "connect ::1: %s", strerror(errno));
	struct sockaddr_in6 peer;
	len = sizeof(peer);
	int s = accept(l, SA(peer), &len);
	CHECK(s >= 0 && len == sizeof(peer) && IN6_IS_ADDR_LOOPBACK(&peer.sin6_addr) &&
		      ntohs(peer.sin6_port) == port_of(c),
	      "accepted from ::1");
	CHECK(write(c, "six", 3) == 3, "write");
	char buf[8];
	CHECK(read(s, buf, sizeof(buf)) == 3 && !memcmp(buf, "six", 3), "read");
	close(s);
	close(c);
	/* An IPv4 client cannot reach a listener on ::1. */
	c = socket(AF_INET, SOCK_STREAM, 0);
	four.sin_port = name.sin6_port;
	CHECK_ERRNO(connect(c, SA(four), sizeof(four)), ECONNREFUSED, "IPv4 to a ::1 listener");
	close(c);
	close(l);
}

static void check_dual_stack(void)
{
	int l = socket(AF_INET6, SOCK_STREAM, 0);
	struct sockaddr_in6 any = sin6("::", 0);
	CHECK(bind(l, SA(any), sizeof(any)) == 0 && listen(l, 5) == 0, "listen on ::");
	int v = 1;
	CHECK_ERRNO(setsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &v, sizeof(v)), EINVAL,
		    "V6ONLY once bound");
	int port = port_of(l);
	/* An AF_INET client. */
	int c = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in to4 = sin4("127.0.0.1", port);
	CHECK(connect(c, SA(to4), sizeof(to4)) == 0, "IPv4 to [::]: %s", strerror(errno));
	struct sockaddr_in6 peer, name;
	socklen_t len = sizeof(peer);
	int s = accept(l, SA(peer), &len);
	CHECK(s >= 0 && mapped_loopback(&peer) && ntohs(peer.sin6_port) == port_of(c),
	      "IPv4 peer shown v4-mapped");
	len = sizeof(name);
	CHECK(getsockname(s, SA(name), &len) == 0 && mapped_loopback(&name), "server end's name");
	close(s);
	close(c);
	/* An AF_INET6 client to ::ffff:127.0.0.1. */
	c = socket(AF_INET6, SOCK_STREAM, 0);
	struct sockaddr_in6 to = sin6("::ffff:127.0.0.1", port);
	CHECK(connect(c, SA(to), sizeof(to)) == 0, "v4-mapped connect: %s", strerror(errno));
	len = sizeof(name);
	CHECK(getsockname(c, SA(name), &len) == 0 && mapped_loopback(&name), "client's mapped name");
	s = accept(l, NULL, NULL);
	CHECK(s >= 0, "accept");
	close(s);
	close(c);
	/* Ports: [::] with v6only 0 takes 0.0.0.0's too. */
	int b = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in wild4 = sin4("0.0.0.0", port);
	CHECK_ERRNO(bind(b, SA(wild4), sizeof(wild4)), EADDRINUSE, "0.0.0.0 beside dual [::]");
	struct sockaddr_in lo4 = sin4("127.0.0.1", port);
	CHECK_ERRNO(bind(b, SA(lo4), sizeof(lo4)), EADDRINUSE, "127.0.0.1 beside dual [::]");
	close(b);
	close(l);

	/* IPV6_V6ONLY 1. */
	l = socket(AF_INET6, SOCK_STREAM, 0);
	setint(l, IPPROTO_IPV6, IPV6_V6ONLY, 1);
	CHECK(getint(l, IPPROTO_IPV6, IPV6_V6ONLY) == 1, "V6ONLY set");
	struct sockaddr_in6 m = sin6("::ffff:127.0.0.1", 0);
	CHECK_ERRNO(bind(l, SA(m), sizeof(m)), EINVAL, "v4-mapped on a v6only socket");
	CHECK(bind(l, SA(any), sizeof(any)) == 0 && listen(l, 5) == 0, "v6only listener");
	port = port_of(l);
	b = socket(AF_INET, SOCK_STREAM, 0);
	wild4 = sin4("0.0.0.0", port);
	CHECK(bind(b, SA(wild4), sizeof(wild4)) == 0, "0.0.0.0 beside v6only [::]: %s",
	      strerror(errno));
	close(b);
	c = socket(AF_INET, SOCK_STREAM, 0);
	to4 = sin4("127.0.0.1", port);
	CHECK_ERRNO(connect(c, SA(to4), sizeof(to4)), ECONNREFUSED, "IPv4 to a v6only listener");
	close(c);
	close(l);

	/* ::1 and 127.0.0.1 on one port. */
	l = socket(AF_INET6, SOCK_STREAM, 0);
	struct sockaddr_in6 lo6 = sin6("::1", 0);
	CHECK(bind(l, SA(lo6), sizeof(lo6)) == 0, "bind ::1");
	b = socket(AF_INET, SOCK_STREAM, 0);
	lo4 = sin4("127.0.0.1", port_of(l));
	CHECK(bind(b, SA(lo4), sizeof(lo4)) == 0, "127.0.0.1 beside ::1: %s", strerror(errno));
	close(b);
	close(l);

	if (lo_only) {
		c = socket(AF_INET6, SOCK_STREAM, 0);
		struct sockaddr_in6 f = sin6("2001:db8::1", 80);
		CHECK_ERRNO(connect(c, SA(f), sizeof(f)), ENETUNREACH, "connect 2001:db8::1");
		close(c);
	}
}

static void check_udp6(void)
{
	int r = socket(AF_INET6, SOCK_DGRAM, 0);
	struct sockaddr_in6 any = sin6("::", 0);
	CHECK(bind(r, SA(any), sizeof(any)) == 0, "udp bind ::");
	int port = port_of(r);
	int s6 = socket(AF_INET6, SOCK_DGRAM, 0);
	struct sockaddr_in6 to = sin6("::1", port);
	CHECK(sendto(s6, "v6", 2, 0, SA(to), sizeof(to)) == 2, "sendto ::1: %s", strerror(errno));
	struct sockaddr_in6 from;
	socklen_t len = sizeof(from);
	char buf[8];
	CHECK(recvfrom(r, buf, sizeof(buf), 0, SA(from), &len) == 2 && len == sizeof(from) &&
		      IN6_IS_ADDR_LOOPBACK(&from.sin6_addr) && ntohs(from.sin6_port) == port_of(s6),
	      "from ::1");
	int s4 = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in to4 = sin4("127.0.0.1", port);
	CHECK(sendto(s4, "v4", 2, 0, SA(to4), sizeof(to4)) == 2, "sendto 127.0.0.1");
	len = sizeof(from);
	CHECK(recvfrom(r, buf, sizeof(buf), 0, SA(from), &len) == 2 && mapped_loopback(&from) &&
		      ntohs(from.sin6_port) == port_of(s4),
	      "IPv4 sender shown v4-mapped");
	/* Reply to the mapped address from the AF_INET6 socket. */
	CHECK(sendto(r, "re", 2, 0, SA(from), len) == 2, "reply to a mapped address");
	struct sockaddr_in f4;
	len = sizeof(f4);
	CHECK(recvfrom(s4, buf, sizeof(buf), 0, SA(f4), &len) == 2 && len == sizeof(f4) &&
		      f4.sin_addr.s_addr == htonl(INADDR_LOOPBACK) && ntohs(f4.sin_port) == port,
	      "reply's sender");
	CHECK(getint(s6, IPPROTO_IPV6, IPV6_UNICAST_HOPS) == 64, "IPV6_UNICAST_HOPS");
	setint(s6, IPPROTO_IPV6, IPV6_UNICAST_HOPS, 5);
	CHECK(getint(s6, IPPROTO_IPV6, IPV6_UNICAST_HOPS) == 5, "IPV6_UNICAST_HOPS set");
	setint(s6, IPPROTO_IPV6, IPV6_TCLASS, 0x20);
	CHECK(getint(s6, IPPROTO_IPV6, IPV6_TCLASS) == 0x20, "IPV6_TCLASS");
	CHECK(getint(s6, IPPROTO_IP, IP_TTL) == 64, "IP_TTL of AF_INET6");
	close(s4);
	close(s6);
	close(r);
}

int main(int argc, char **argv)
{
	net_setup(argc, argv);
	check_tcp6();
	check_dual_stack();
	check_udp6();
	puts("net_inet6 ok");
	return 0;
}
