/* net_udp: UDP over lo (IPv4). Datagrams by sendto/recvfrom with the
 * sender's address (an unbound sender gets an ephemeral port and shows
 * as 127.0.0.1), message boundaries, MSG_TRUNC as a result and as a
 * flag, MSG_PEEK, empty datagrams, 65507 bytes and EMSGSIZE past it,
 * FIONREAD (the next datagram's size), EAGAIN and SO_RCVTIMEO; connect
 * (the name becomes 127.0.0.1, send without an address, datagrams from
 * others ignored, getpeername) and AF_UNSPEC (ENOTCONN, the automatic
 * port given back); a datagram to a port nobody has is dropped, and a
 * connected sender gets ECONNREFUSED once (poll POLLERR); EDESTADDRREQ,
 * EINVAL for port 0, EADDRINUSE and SO_REUSEADDR, shutdown's ENOTCONN
 * and EPIPE; options (SO_TYPE, SO_PROTOCOL, SO_RCVBUF, SO_BROADCAST,
 * IP_TTL, TCP options ENOPROTOOPT); ENETUNREACH off lo; a forked child
 * echoing datagrams back. */
#include "net_test.h"

static int udp_bound(const char *addr)
{
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = sin4(addr, 0);
	CHECK(s >= 0 && bind(s, SA(a), sizeof(a)) == 0, "udp bind: %s", strerror(errno));
	return s;
}

static void check_datagrams(void)
{
	int r = udp_bound("127.0.0.1");
	struct sockaddr_in to = sin4("127.0.0.1", port_of(r));
	int s = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
	CHECK(sendto(s, "one", 3, 0, SA(to), sizeof(to)) == 3, "sendto: %s", strerror(errno));
	CHECK(sendto(s, "second", 6, 0, SA(to), sizeof(to)) == 6, "sendto 2");
	CHECK(sendto(s, "", 0, 0, SA(to), sizeof(to)) == 0, "empty sendto");
	int sport = port_of(s);
	{
		char line[256];
		struct stat sb;
		FILE *f = fopen("/proc/net/udp", "r");
		CHECK(f && fstat(r, &sb) == 0, "/proc/net/udp: %s", strerror(errno));
		bool found = false;
		while (fgets(line, sizeof(line), f)) {
			unsigned long ino;
			unsigned port;
			if (sscanf(line, " %*d: %*X:%X %*X:%*X %*X %*X:%*X %*X:%*X %*X %*u %*d %lu", &port,
				   &ino) == 2 && ino == sb.st_ino && (int)port == port_of(r))
				found = true;
		}
		fclose(f);
		CHECK(found, "/proc/net/udp: the receiver's line");
	}
	CHECK(sport >= 32768 && sport <= 60999, "sender's automatic port %d", sport);
	CHECK(poll1(r, POLLIN | POLLOUT, 1000) == (POLLIN | POLLOUT), "receiver polls");
	int n = -1;
	CHECK(ioctl(r, FIONREAD, &n) == 0 && n == 3, "FIONREAD %d", n);
	char buf[100];
	struct sockaddr_in from;
	socklen_t flen = sizeof(from);
	CHECK(recvfrom(r, buf, sizeof(buf), MSG_PEEK, SA(from), &flen) == 3, "peek");
	CHECK(recvfrom(r, buf, sizeof(buf), 0, SA(from), &flen) == 3 && !memcmp(buf, "one", 3),
	      "one");
	CHECK(flen == sizeof(from) && from.sin_family == AF_INET &&
		      from.sin_addr.s_addr == htonl(INADDR_LOOPBACK) && ntohs(from.sin_port) == sport,
	      "sender %s:%d", inet_ntoa(from.sin_addr), ntohs(from.sin_port));
	/* A short buffer: the rest of the datagram is gone. */
	struct iovec iov = {buf, 2};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	CHECK(recvmsg(r, &mh, 0) == 2 && (mh.msg_flags & MSG_TRUNC) && !memcmp(buf, "se", 2),
	      "truncated");
	CHECK(recv(r, buf, sizeof(buf), 0) == 0, "the empty datagram");
	CHECK_ERRNO(recv(r, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN, "nothing left");
	CHECK(ioctl(r, FIONREAD, &n) == 0 && n == 0, "FIONREAD empty %d", n);
	CHECK(sendto(s, "abcdef", 6, 0, SA(to), sizeof(to)) == 6, "sendto 3");
	CHECK(recv(r, buf, 1, MSG_TRUNC) == 6, "MSG_TRUNC: the whole length");

	/* The largest datagram, and one byte more. */
	static char big[65508];
	memset(big, 'b', sizeof(big));
	CHECK(sendto(s, big, 65507, 0, SA(to), sizeof(to)) == 65507, "65507: %s", strerror(errno));
	CHECK_ERRNO(sendto(s, big, 65508, 0, SA(to), sizeof(to)), EMSGSIZE, "65508");
	CHECK(recv(r, big, sizeof(big), 0) == 65507, "65507 received");

	/* Errors. */
	CHECK_ERRNO(send(s, "x", 1, 0), EDESTADDRREQ, "send unconnected");
	struct sockaddr_in zero = sin4("127.0.0.1", 0);
	CHECK_ERRNO(sendto(s, "x", 1, 0, SA(zero), sizeof(zero)), EINVAL, "port 0");
	CHECK_ERRNO(sendto(s, "x", 1, 0, SA(to), 4), EINVAL, "short address");
	CHECK_ERRNO(listen(r, 1), EOPNOTSUPP, "listen");
	CHECK_ERRNO(accept(r, NULL, NULL), EOPNOTSUPP, "accept");
	int b = socket(AF_INET, SOCK_DGRAM, 0);
	CHECK_ERRNO(bind(b, SA(to), sizeof(to)), EADDRINUSE, "same port");
	close(b);
	if (lo_only) {
		struct sockaddr_in far = sin4("192.0.2.1", 9);
		CHECK_ERRNO(sendto(s, "x", 1, 0, SA(far), sizeof(far)), ENETUNREACH, "192.0.2.1");
	}

	/* SO_RCVTIMEO. */
	struct timeval tv = {0, 30000};
	CHECK(setsockopt(r, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0, "SO_RCVTIMEO");
	CHECK_ERRNO(recv(r, buf, 1, 0), EAGAIN, "timed out");
	/* shutdown of an unconnected socket: ENOTCONN, yet reads end. */
	CHECK_ERRNO(shutdown(r, SHUT_RDWR), ENOTCONN, "shutdown unconnected");
	CHECK(recv(r, buf, 1, 0) == 0, "recv after it");
	close(s);
	close(r);
}

static void check_connected(void)
{
	int r = udp_bound("127.0.0.1"), other = udp_bound("127.0.0.1");
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in to = sin4("127.0.0.1", port_of(r));
	CHECK(connect(s, SA(to), sizeof(to)) == 0, "connect: %s", strerror(errno));
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	CHECK(getsockname(s, SA(a), &len) == 0 && a.sin_addr.s_addr == htonl(INADDR_LOOPBACK) &&
		      ntohs(a.sin_port) >= 32768,
	      "connected name %s:%d", inet_ntoa(a.sin_addr), ntohs(a.sin_port));
	CHECK(getpeername(s, SA(a), &len) == 0 && a.sin_port == to.sin_port, "peer");
	CHECK(send(s, "hi", 2, 0) == 2, "send connected");
	char buf[16];
	CHECK(recv(r, buf, sizeof(buf), 0) == 2, "received");
	/* Only the peer's datagrams reach a connected socket. */
	struct sockaddr_in sa = sin4("127.0.0.1", port_of(s));
	CHECK(sendto(other, "no", 2, 0, SA(sa), sizeof(sa)) == 2, "from another");
	struct sockaddr_in ra = sin4("127.0.0.1", port_of(r));
	(void)ra;
	CHECK(sendto(r, "yes", 3, 0, SA(sa), sizeof(sa)) == 3, "from the peer");
	CHECK(recv(s, buf, sizeof(buf), 0) == 3 && !memcmp(buf, "yes", 3), "peer's only");
	CHECK_ERRNO(recv(s, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN, "the other's dropped");
	/* A connected socket learns that nobody has the port. */
	close(r);
	CHECK(send(s, "lost", 4, 0) == 4, "send to a closed port");
	CHECK(poll1(s, POLLIN | POLLOUT, 1000) == (POLLOUT | POLLERR), "refused polls %#x",
	      poll1(s, POLLIN | POLLOUT, 0));
	CHECK_ERRNO(send(s, "x", 1, 0), ECONNREFUSED, "next send");
	CHECK(send(s, "x", 1, 0) == 1, "then fine");
	usleep(10000);
	CHECK_ERRNO(recv(s, buf, 1, MSG_DONTWAIT), ECONNREFUSED, "recv gets it too");
	/* An unconnected sender never hears of it. */
	CHECK(sendto(other, "x", 1, 0, SA(to), sizeof(to)) == 1, "unconnected to a closed port");
	CHECK(getint(other, SOL_SOCKET, SO_ERROR) == 0, "no error");
	/* AF_UNSPEC: no peer, and the port bind did not choose is given back. */
	struct sockaddr un = {.sa_family = AF_UNSPEC};
	CHECK(connect(s, &un, sizeof(un)) == 0, "disconnect: %s", strerror(errno));
	CHECK_ERRNO(getpeername(s, SA(a), &len), ENOTCONN, "getpeername after");
	CHECK(getsockname(s, SA(a), &len) == 0 && a.sin_port == 0 && a.sin_addr.s_addr == 0,
	      "name after disconnect %s:%d", inet_ntoa(a.sin_addr), ntohs(a.sin_port));
	CHECK(connect(other, &un, sizeof(un)) == 0, "disconnect an unconnected one");
	CHECK(port_of(other) == 0, "bind's port 0 chose no port to keep: %d", port_of(other));
	int fixed = udp_bound("127.0.0.1"), fport = port_of(fixed);
	close(fixed);
	fixed = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in fa = sin4("127.0.0.1", fport);
	CHECK(bind(fixed, SA(fa), sizeof(fa)) == 0, "bind a port: %s", strerror(errno));
	CHECK(connect(fixed, &un, sizeof(un)) == 0 && port_of(fixed) == fport, "its port stays");
	close(fixed);
	/* shutdown of a connected socket, then sending: EPIPE, no SIGPIPE. */
	int p = udp_bound("127.0.0.1");
	struct sockaddr_in pa = sin4("127.0.0.1", port_of(p));
	CHECK(connect(s, SA(pa), sizeof(pa)) == 0, "connect again");
	CHECK(shutdown(s, SHUT_WR) == 0, "shutdown connected");
	CHECK_ERRNO(send(s, "x", 1, 0), EPIPE, "send after SHUT_WR");
	CHECK(shutdown(s, SHUT_RD) == 0, "shutdown rd");
	CHECK(recv(s, buf, 1, 0) == 0, "recv after SHUT_RD");
	CHECK(poll1(s, POLLIN | POLLOUT | POLLRDHUP, 0) == (POLLIN | POLLOUT | POLLRDHUP | POLLHUP),
	      "shut polls %#x", poll1(s, POLLIN | POLLOUT | POLLRDHUP, 0));
	close(p);
	close(s);
	close(other);
}

static void check_options(void)
{
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	CHECK(getint(s, SOL_SOCKET, SO_TYPE) == SOCK_DGRAM, "SO_TYPE");
	CHECK(getint(s, SOL_SOCKET, SO_PROTOCOL) == IPPROTO_UDP, "SO_PROTOCOL");
	CHECK(getint(s, SOL_SOCKET, SO_ACCEPTCONN) == 0, "SO_ACCEPTCONN");
	setint(s, SOL_SOCKET, SO_BROADCAST, 1);
	CHECK(getint(s, SOL_SOCKET, SO_BROADCAST) == 1, "SO_BROADCAST");
	CHECK(getint(s, SOL_SOCKET, SO_RCVBUF) == 212992, "SO_RCVBUF default");
	setint(s, SOL_SOCKET, SO_RCVBUF, 4096);
	CHECK(getint(s, SOL_SOCKET, SO_RCVBUF) == 8192, "SO_RCVBUF doubled");
	CHECK(getint(s, IPPROTO_IP, IP_TTL) == 64, "IP_TTL");
	int v = 1;
	socklen_t len = sizeof(v);
	CHECK_ERRNO(setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &v, len), ENOPROTOOPT, "TCP_NODELAY");
	CHECK_ERRNO(getsockopt(s, IPPROTO_TCP, TCP_NODELAY, &v, &len), EOPNOTSUPP,
		    "get TCP_NODELAY");
	/* Two sockets on one port with SO_REUSEADDR. */
	setint(s, SOL_SOCKET, SO_REUSEADDR, 1);
	struct sockaddr_in a = sin4("127.0.0.1", 0);
	CHECK(bind(s, SA(a), sizeof(a)) == 0, "bind");
	int t = socket(AF_INET, SOCK_DGRAM, 0);
	setint(t, SOL_SOCKET, SO_REUSEADDR, 1);
	a.sin_port = htons((uint16_t)port_of(s));
	CHECK(bind(t, SA(a), sizeof(a)) == 0, "second with SO_REUSEADDR: %s", strerror(errno));
	close(t);
	close(s);
}

/* A child echoes datagrams back, upper-cased; the parent sleeps in
 * recvfrom meanwhile. */
static void check_echo(void)
{
	int srv = udp_bound("127.0.0.1");
	struct sockaddr_in to = sin4("127.0.0.1", port_of(srv));
	pid_t pid = fork();
	if (pid == 0) {
		char b[64];
		struct sockaddr_in from;
		for (int i = 0; i < 3; i++) {
			socklen_t fl = sizeof(from);
			ssize_t n = recvfrom(srv, b, sizeof(b), 0, SA(from), &fl);
			if (n < 0)
				_exit(1);
			for (ssize_t j = 0; j < n; j++)
				b[j] = (char)(b[j] - 32);
			if (sendto(srv, b, (size_t)n, 0, SA(from), fl) != n)
				_exit(2);
		}
		_exit(0);
	}
	int c = socket(AF_INET, SOCK_DGRAM, 0);
	const char *words[] = {"abc", "hello", "xyz"};
	for (int i = 0; i < 3; i++) {
		usleep(10000);
		CHECK(sendto(c, words[i], strlen(words[i]), 0, SA(to), sizeof(to)) > 0, "send");
		char b[64] = {0};
		CHECK(recv(c, b, sizeof(b), 0) == (ssize_t)strlen(words[i]), "echo");
		printf("%s\n", b);
	}
	int status;
	CHECK(waitpid(pid, &status, 0) == pid && status == 0, "echo child %#x", status);
	close(c);
	close(srv);
}

int main(int argc, char **argv)
{
	net_setup(argc, argv);
	check_datagrams();
	check_connected();
	check_options();
	check_echo();
	puts("net_udp ok");
	return 0;
}
