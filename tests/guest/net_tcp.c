/* net_tcp: TCP over lo (IPv4). socket's checks (EPROTONOSUPPORT,
 * ESOCKTNOSUPPORT, socketpair EOPNOTSUPP, SOCK_RAW EPERM without
 * CAP_NET_RAW); bind (an ephemeral port in 32768-60999, EADDRINUSE and
 * SO_REUSEADDR, wildcard against a specific address, 127.0.0.2,
 * EADDRNOTAVAIL, EINVAL twice, EAFNOSUPPORT, EACCES below 1024 without
 * CAP_NET_BIND_SERVICE); a listener and a client (names of both ends,
 * accept4's flags, fstat, socket:[N]); the stream (read/write, readv,
 * send/recv, MSG_PEEK, MSG_DONTWAIT, MSG_WAITALL from a forked writer,
 * FIONREAD, SIOCOUTQ, 4 MiB through a child); shutdown (end of file,
 * POLLRDHUP, half close); close with unread data (ECONNRESET, then end of
 * file, EPIPE); writing to a closed peer (once, then EPIPE and SIGPIPE,
 * MSG_NOSIGNAL); connect refused (blocking, non-blocking: EINPROGRESS and
 * SO_ERROR), non-blocking connect (EINPROGRESS, POLLOUT, then 0, then
 * EISCONN), a listener closed with a queued connection; poll's events;
 * options (SO_*, TCP_*, IP_*, ENOPROTOOPT); SO_RCVTIMEO; ENETUNREACH when
 * only lo is up (net_test.h). */
#include "net_test.h"

#include <sys/epoll.h>

static void check_socket_calls(void)
{
	CHECK_ERRNO(socket(AF_INET, SOCK_STREAM, IPPROTO_UDP), EPROTONOSUPPORT, "stream udp");
	CHECK_ERRNO(socket(AF_INET, SOCK_DGRAM, IPPROTO_TCP), EPROTONOSUPPORT, "dgram tcp");
	CHECK_ERRNO(socket(AF_INET, SOCK_SEQPACKET, 0), ESOCKTNOSUPPORT, "seqpacket");
	int sv[2];
	CHECK_ERRNO(socketpair(AF_INET, SOCK_STREAM, 0, sv), EOPNOTSUPP, "socketpair");
	int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
	CHECK(s >= 0, "socket: %s", strerror(errno));
	CHECK(fcntl(s, F_GETFL) & O_NONBLOCK, "SOCK_NONBLOCK");
	CHECK(fcntl(s, F_GETFD) & FD_CLOEXEC, "SOCK_CLOEXEC");
	struct stat st;
	CHECK(fstat(s, &st) == 0 && S_ISSOCK(st.st_mode), "fstat: mode %o", st.st_mode);
	char path[64], link[64] = {0}, want[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", s);
	snprintf(want, sizeof(want), "socket:[%lu]", (unsigned long)st.st_ino);
	CHECK(readlink(path, link, sizeof(link) - 1) > 0 && !strcmp(link, want), "link %s, want %s",
	      link, want);
	/* A fresh socket: unbound, unconnected. */
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	CHECK(getsockname(s, SA(a), &len) == 0 && len == sizeof(a) && a.sin_port == 0 &&
		      a.sin_addr.s_addr == 0,
	      "fresh name");
	CHECK_ERRNO(getpeername(s, SA(a), &len), ENOTCONN, "getpeername unconnected");
	char c;
	CHECK_ERRNO(read(s, &c, 1), ENOTCONN, "read unconnected");
	CHECK_ERRNO(send(s, "x", 1, MSG_NOSIGNAL), EPIPE, "send unconnected");
	CHECK_ERRNO(shutdown(s, SHUT_RDWR), ENOTCONN, "shutdown unconnected");
	CHECK_ERRNO(accept(s, NULL, NULL), EINVAL, "accept unlistening");
	close(s);

	pid_t pid = fork();
	if (pid == 0) { /* without CAP_NET_RAW and CAP_NET_BIND_SERVICE */
		drop_cap(CAP_NET_RAW);
		drop_cap(CAP_NET_BIND_SERVICE);
		CHECK_ERRNO(socket(AF_INET, SOCK_RAW, IPPROTO_ICMP), EPERM, "raw");
		int t = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in low = sin4("127.0.0.1", 80);
		CHECK_ERRNO(bind(t, SA(low), sizeof(low)), EACCES, "bind port 80");
		_exit(0);
	}
	int status;
	CHECK(waitpid(pid, &status, 0) == pid && status == 0, "child without caps: %#x", status);
}

static void check_bind(void)
{
	int a = socket(AF_INET, SOCK_STREAM, 0), b = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in any = sin4("127.0.0.1", 0);
	CHECK(bind(a, SA(any), sizeof(any)) == 0, "bind: %s", strerror(errno));
	int port = port_of(a);
	CHECK(port >= 32768 && port <= 60999, "ephemeral port %d", port);
	CHECK_ERRNO(bind(a, SA(any), sizeof(any)), EINVAL, "bind twice");
	struct sockaddr_in same = sin4("127.0.0.1", port);
	CHECK_ERRNO(bind(b, SA(same), sizeof(same)), EADDRINUSE, "same address");
	struct sockaddr_in wild = sin4("0.0.0.0", port);
	CHECK_ERRNO(bind(b, SA(wild), sizeof(wild)), EADDRINUSE, "wildcard over specific");
	struct sockaddr_in other = sin4("127.0.0.2", port);
	CHECK(bind(b, SA(other), sizeof(other)) == 0, "127.0.0.2: %s", strerror(errno));
	close(b);
	/* SO_REUSEADDR on both: fine while neither listens. */
	setint(a, SOL_SOCKET, SO_REUSEADDR, 1);
	b = socket(AF_INET, SOCK_STREAM, 0);
	setint(b, SOL_SOCKET, SO_REUSEADDR, 1);
	CHECK(bind(b, SA(same), sizeof(same)) == 0, "reuseaddr: %s", strerror(errno));
	CHECK(listen(a, 5) == 0, "listen a: %s", strerror(errno));
	CHECK_ERRNO(listen(b, 5), EADDRINUSE, "second listener");
	int c = socket(AF_INET, SOCK_STREAM, 0);
	setint(c, SOL_SOCKET, SO_REUSEADDR, 1);
	CHECK_ERRNO(bind(c, SA(same), sizeof(same)), EADDRINUSE, "reuseaddr beside a listener");
	close(c);
	close(b);
	close(a);
	/* The port is free again once its sockets are closed. */
	b = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(bind(b, SA(same), sizeof(same)) == 0, "port again: %s", strerror(errno));
	close(b);

	b = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in far = sin4("192.0.2.1", 0);
	CHECK_ERRNO(bind(b, SA(far), sizeof(far)), EADDRNOTAVAIL, "bind 192.0.2.1");
	CHECK_ERRNO(bind(b, SA(any), sizeof(any) - 1), EINVAL, "short address");
	struct sockaddr_in6 six = sin6("::1", 0);
	CHECK_ERRNO(bind(b, SA(six), sizeof(six)), EAFNOSUPPORT, "AF_INET6 address");
	struct sockaddr_in unspec = sin4("0.0.0.0", 0);
	unspec.sin_family = AF_UNSPEC; /* with INADDR_ANY: taken as AF_INET */
	CHECK(bind(b, SA(unspec), sizeof(unspec)) == 0, "AF_UNSPEC any: %s", strerror(errno));
	close(b);
}

/* Whether /proc/net/FILE has a line for fd (its inode) with its local
 * port and state st, and (rx >= 0) rx bytes unread. */
static bool proc_net_has(const char *file, int fd, int st, int rx)
{
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/net/%s", file);
	FILE *f = fopen(path, "r");
	CHECK(f, "open %s: %s", path, strerror(errno));
	struct stat sb;
	CHECK(fstat(fd, &sb) == 0, "fstat");
	bool found = false;
	CHECK(fgets(line, sizeof(line), f) && strstr(line, "local_address"), "%s header", path);
	while (fgets(line, sizeof(line), f)) {
		unsigned lport, state, tx, rxq, uid;
		unsigned long ino;
		char *p = strchr(line, ':') + 1;
		if (sscanf(p, " %*[0-9A-F]:%X %*[0-9A-F]:%*X %X %X:%X %*X:%*X %*X %u %*d %lu", &lport,
			   &state, &tx, &rxq, &uid, &ino) != 6)
			fail("%s line: %s", path, line);
		if (ino == sb.st_ino)
			found = (int)lport == port_of(fd) && (int)state == st && (rx < 0 || (int)rxq == rx);
	}
	fclose(f);
	return found;
}

static void check_connection(void)
{
	int l = listener4(5);
	CHECK(getint(l, SOL_SOCKET, SO_ACCEPTCONN) == 1, "SO_ACCEPTCONN");
	CHECK(poll1(l, POLLIN | POLLOUT, 0) == 0, "idle listener polls %#x", poll1(l, POLLIN, 0));
	int c = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in to = sin4("127.0.0.1", port_of(l));
	CHECK(connect(c, SA(to), sizeof(to)) == 0, "connect: %s", strerror(errno));
	CHECK_ERRNO(connect(c, SA(to), sizeof(to)), EISCONN, "connect again");
	CHECK(poll1(l, POLLIN, 1000) == POLLIN, "listener with a connection");
	struct sockaddr_in peer, name;
	socklen_t plen = sizeof(peer), nlen = sizeof(name);
	int s = accept4(l, SA(peer), &plen, SOCK_NONBLOCK | SOCK_CLOEXEC);
	CHECK(s >= 0, "accept4: %s", strerror(errno));
	CHECK((fcntl(s, F_GETFL) & O_NONBLOCK) && (fcntl(s, F_GETFD) & FD_CLOEXEC), "accept4 flags");
	CHECK(getsockname(c, SA(name), &nlen) == 0, "client name");
	CHECK(plen == sizeof(peer) && peer.sin_port == name.sin_port &&
		      peer.sin_addr.s_addr == htonl(INADDR_LOOPBACK),
	      "accepted peer %s:%d", inet_ntoa(peer.sin_addr), ntohs(peer.sin_port));
	CHECK(ntohs(name.sin_port) >= 32768, "client port %d", ntohs(name.sin_port));
	CHECK(getpeername(c, SA(peer), &plen) == 0 && peer.sin_port == to.sin_port,
	      "client's peer");
	CHECK(getsockname(s, SA(name), &nlen) == 0 && name.sin_port == to.sin_port &&
		      name.sin_addr.s_addr == htonl(INADDR_LOOPBACK),
	      "server end's name");
	CHECK(getint(s, SOL_SOCKET, SO_ACCEPTCONN) == 0, "accepted SO_ACCEPTCONN");
	CHECK(proc_net_has("tcp", l, 0x0A, -1), "/proc/net/tcp: the listener");
	CHECK(proc_net_has("tcp", c, 0x01, 0) && proc_net_has("tcp", s, 0x01, 0),
	      "/proc/net/tcp: both ends");
	CHECK(poll1(c, POLLIN | POLLOUT, 0) == POLLOUT, "client polls %#x", poll1(c, 0xff, 0));

	/* Bytes both ways. */
	CHECK(write(c, "hello", 5) == 5, "write");
	CHECK(poll1(s, POLLIN, 1000) == POLLIN, "readable");
	int n = -1;
	CHECK(ioctl(s, FIONREAD, &n) == 0 && n == 5, "FIONREAD %d", n);
	CHECK(proc_net_has("tcp", s, 0x01, 5), "/proc/net/tcp: 5 bytes unread");
	CHECK(ioctl(c, SIOCOUTQ, &n) == 0 && n == 0, "SIOCOUTQ %d", n);
	char buf[64] = {0};
	CHECK(recv(s, buf, sizeof(buf), MSG_PEEK) == 5 && !memcmp(buf, "hello", 5), "peek");
	CHECK(recv(s, buf, 2, 0) == 2 && !memcmp(buf, "he", 2), "recv 2");
	CHECK(read(s, buf, sizeof(buf)) == 3 && !memcmp(buf, "llo", 3), "rest");
	CHECK_ERRNO(read(s, buf, 1), EAGAIN, "empty non-blocking");
	CHECK_ERRNO(recv(c, buf, 1, MSG_DONTWAIT), EAGAIN, "MSG_DONTWAIT");
	struct iovec iov[2] = {{"ab", 2}, {"cde", 3}};
	CHECK(writev(s, iov, 2) == 5, "writev");
	char x[2], y[8] = {0};
	struct iovec rv[2] = {{x, 2}, {y, 8}};
	CHECK(readv(c, rv, 2) == 5 && !memcmp(x, "ab", 2) && !memcmp(y, "cde", 3), "readv");
	struct sockaddr_in from = {0};
	socklen_t flen = sizeof(from);
	CHECK(send(c, "z", 1, 0) == 1, "send");
	poll1(s, POLLIN, 1000); /* Nagle may hold a small write for the last one's ack */
	CHECK(recvfrom(s, buf, 8, 0, SA(from), &flen) == 1 && flen == 0, "recvfrom: no address %d",
	      (int)flen);
	CHECK(sendto(c, "w", 1, 0, SA(to), sizeof(to)) == 1, "sendto connected");
	poll1(s, POLLIN, 1000);
	ssize_t r = recv(s, buf, 8, MSG_TRUNC);
	CHECK(r == 1, "MSG_TRUNC discards: %zd %s", r, strerror(errno));
	CHECK_ERRNO(recv(s, buf, 1, 0), EAGAIN, "after MSG_TRUNC");

	/* MSG_WAITALL: one read for bytes written in three goes. */
	pid_t pid = fork();
	if (pid == 0) {
		for (int i = 0; i < 3; i++) {
			usleep(20000);
			if (write(c, "abcd", 4) != 4)
				_exit(1);
		}
		_exit(0);
	}
	int fl = fcntl(s, F_GETFL);
	fcntl(s, F_SETFL, fl & ~O_NONBLOCK);
	CHECK(recv(s, buf, 12, MSG_WAITALL) == 12 && !memcmp(buf, "abcdabcdabcd", 12), "WAITALL");
	int status;
	CHECK(waitpid(pid, &status, 0) == pid && status == 0, "writer child");

	/* 4 MiB to a child that sums them and sends back the sum. */
	pid = fork();
	if (pid == 0) {
		unsigned long sum = 0, got = 0;
		static unsigned char big[65536];
		ssize_t r;
		while ((r = read(c, big, sizeof(big))) > 0) {
			for (ssize_t i = 0; i < r; i++)
				sum += big[i];
			got += (unsigned long)r;
		}
		dprintf(c, "%lu %lu", got, sum);
		_exit(r == 0 ? 0 : 1);
	}
	static unsigned char big[1 << 22];
	unsigned long sum = 0;
	for (size_t i = 0; i < sizeof(big); i++)
		sum += big[i] = (unsigned char)(i * 7 + i / 4096);
	CHECK(write(s, big, sizeof(big)) == (ssize_t)sizeof(big), "4 MiB write");
	CHECK(shutdown(s, SHUT_WR) == 0, "shutdown: %s", strerror(errno));
	n = (int)read(s, buf, sizeof(buf) - 1);
	CHECK(n > 0, "the sum: %d %s", n, strerror(errno));
	buf[n] = 0;
	char wantbuf[64];
	snprintf(wantbuf, sizeof(wantbuf), "%lu %lu", (unsigned long)sizeof(big), sum);
	CHECK(!strcmp(buf, wantbuf), "child read %s, want %s", buf, wantbuf);
	CHECK(waitpid(pid, &status, 0) == pid && status == 0, "reader child");
	/* The child shut nothing: its end is still open here in c. */
	CHECK(poll1(c, POLLIN | POLLRDHUP | POLLOUT, 0) == (POLLIN | POLLRDHUP | POLLOUT),
	      "half-closed client polls %#x", poll1(c, POLLIN | POLLRDHUP | POLLOUT, 0));
	CHECK(read(c, buf, 1) == 0, "end of file after shutdown");
	CHECK(write(c, "back", 4) == 4, "half close: the other way still works");
	CHECK(read(s, buf, 8) == 4, "read after own SHUT_WR");
	CHECK_ERRNO(send(s, "x", 1, MSG_NOSIGNAL), EPIPE, "send after SHUT_WR");
	close(c);
	CHECK(read(s, buf, 8) == 0, "end of file after close");
	CHECK(poll1(s, POLLIN | POLLOUT | POLLRDHUP, 0) == (POLLIN | POLLOUT | POLLRDHUP | POLLHUP),
	      "closed both ways polls %#x", poll1(s, POLLIN | POLLOUT | POLLRDHUP, 0));
	close(s);
	close(l);
}

static volatile sig_atomic_t pipes;
static void on_pipe(int sig)
{
	(void)sig;
	pipes++;
}

static void check_close(void)
{
	signal(SIGPIPE, on_pipe);
	int l = listener4(5), s;
	char buf[16];
	/* Close with unread data: a reset. */
	int c = connect4(l, &s);
	CHECK(write(c, "unread", 6) == 6, "write");
	usleep(10000);
	close(s);
	CHECK(poll1(c, POLLIN | POLLOUT, 1000) == (POLLIN | POLLOUT | POLLERR | POLLHUP),
	      "reset polls %#x", poll1(c, POLLIN | POLLOUT, 0));
	CHECK(getint(c, SOL_SOCKET, SO_ERROR) == ECONNRESET, "SO_ERROR after reset");
	CHECK(read(c, buf, 1) == 0, "read after reset's error is fetched");
	CHECK_ERRNO(write(c, "x", 1), EPIPE, "write after reset");
	CHECK(pipes == 1, "SIGPIPE %d", (int)pipes);
	close(c);

	c = connect4(l, &s);
	CHECK(write(c, "unread", 6) == 6, "write");
	usleep(10000);
	close(s);
	CHECK_ERRNO(read(c, buf, 1), ECONNRESET, "read after reset");
	CHECK(read(c, buf, 1) == 0, "then end of file");
	close(c);

	/* Writing to a closed peer: once fine, then EPIPE. */
	c = connect4(l, &s);
	close(s);
	CHECK(poll1(c, POLLIN | POLLRDHUP, 1000) == (POLLIN | POLLRDHUP), "peer's FIN polls %#x",
	      poll1(c, POLLIN | POLLRDHUP, 0));
	pipes = 0;
	CHECK(write(c, "x", 1) == 1, "first write to a closed peer");
	usleep(10000);
	CHECK_ERRNO(write(c, "x", 1), EPIPE, "second write");
	CHECK(pipes == 1, "SIGPIPE: %d", (int)pipes);
	CHECK_ERRNO(send(c, "x", 1, MSG_NOSIGNAL), EPIPE, "MSG_NOSIGNAL");
	CHECK(pipes == 1, "no SIGPIPE with MSG_NOSIGNAL: %d", (int)pipes);
	CHECK(read(c, buf, 1) == 0, "read: end of file");
	close(c);

	/* SO_LINGER 0: a reset, even with nothing unread. */
	c = connect4(l, &s);
	struct linger lg = {1, 0};
	CHECK(setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) == 0, "SO_LINGER");
	close(s);
	CHECK_ERRNO(read(c, buf, 1), ECONNRESET, "read after linger-0 close");
	close(c);

	/* connect(AF_UNSPEC): a reset for the peer; the address goes, the
	 * port stays; the socket connects again. */
	c = connect4(l, &s);
	int cport = port_of(c);
	struct sockaddr un = {.sa_family = AF_UNSPEC};
	CHECK(connect(c, &un, sizeof(un)) == 0, "disconnect: %s", strerror(errno));
	CHECK_ERRNO(read(s, buf, 1), ECONNRESET, "the peer of a disconnect");
	struct sockaddr_in me;
	socklen_t mlen = sizeof(me);
	CHECK(getsockname(c, SA(me), &mlen) == 0 && me.sin_addr.s_addr == 0 &&
		      ntohs(me.sin_port) == cport,
	      "name after disconnect %s:%d", inet_ntoa(me.sin_addr), ntohs(me.sin_port));
	struct sockaddr_in lto = sin4("127.0.0.1", port_of(l));
	CHECK(connect(c, SA(lto), sizeof(lto)) == 0, "connect again: %s", strerror(errno));
	int s6 = accept(l, NULL, NULL);
	CHECK(s6 >= 0 && write(c, "again", 5) == 5 && read(s6, buf, sizeof(buf)) == 5, "again");
	close(s6);
	close(s);
	close(c);

	/* A listener closed with a connection not accepted. */
	c = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in to = sin4("127.0.0.1", port_of(l));
	CHECK(connect(c, SA(to), sizeof(to)) == 0, "connect: %s", strerror(errno));
	close(l);
	CHECK_ERRNO(read(c, buf, 1), ECONNRESET, "read after the listener closed");
	close(c);
	signal(SIGPIPE, SIG_DFL);
}

static void check_refused(void)
{
	int t = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = sin4("127.0.0.1", 0);
	CHECK(bind(t, SA(a), sizeof(a)) == 0, "bind");
	struct sockaddr_in to = sin4("127.0.0.1", port_of(t)); /* bound, not listening */
	int c = socket(AF_INET, SOCK_STREAM, 0);
	CHECK_ERRNO(connect(c, SA(to), sizeof(to)), ECONNREFUSED, "connect without a listener");
	CHECK_ERRNO(connect(c, SA(to), sizeof(to)), ECONNREFUSED, "and again");
	close(c);
	c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CHECK_ERRNO(connect(c, SA(to), sizeof(to)), EINPROGRESS, "non-blocking refused");
	CHECK(poll1(c, POLLIN | POLLOUT, 1000) == (POLLIN | POLLOUT | POLLERR | POLLHUP),
	      "refused polls %#x", poll1(c, POLLIN | POLLOUT, 0));
	CHECK(getint(c, SOL_SOCKET, SO_ERROR) == ECONNREFUSED, "SO_ERROR ECONNREFUSED");
	CHECK(getint(c, SOL_SOCKET, SO_ERROR) == 0, "SO_ERROR once");
	CHECK_ERRNO(connect(c, SA(to), sizeof(to)), ECONNABORTED, "connect after it");
	close(c);
	c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CHECK_ERRNO(connect(c, SA(to), sizeof(to)), EINPROGRESS, "non-blocking refused");
	poll1(c, POLLOUT, 1000);
	CHECK_ERRNO(connect(c, SA(to), sizeof(to)), ECONNREFUSED, "connect before SO_ERROR");
	close(c);

	/* Non-blocking connect to a listener. */
	CHECK(listen(t, 1) == 0, "listen");
	c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CHECK_ERRNO(connect(c, SA(to), sizeof(to)), EINPROGRESS, "non-blocking connect");
	CHECK(poll1(c, POLLOUT, 1000) == POLLOUT, "connected polls %#x", poll1(c, POLLOUT, 0));
	CHECK(getint(c, SOL_SOCKET, SO_ERROR) == 0, "SO_ERROR 0");
	CHECK(connect(c, SA(to), sizeof(to)) == 0, "connect after EINPROGRESS: %s", strerror(errno));
	CHECK_ERRNO(connect(c, SA(to), sizeof(to)), EISCONN, "then EISCONN");
	close(c);
	close(t);

	if (lo_only) {
		c = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in far = sin4("192.0.2.1", 80);
		CHECK_ERRNO(connect(c, SA(far), sizeof(far)), ENETUNREACH, "connect 192.0.2.1");
		far = sin4("10.1.2.3", 80);
		CHECK_ERRNO(connect(c, SA(far), sizeof(far)), ENETUNREACH, "connect 10.1.2.3");
		close(c);
	}
	c = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in6 six = sin6("::1", 80);
	CHECK_ERRNO(connect(c, SA(six), sizeof(six)), EAFNOSUPPORT, "AF_INET6 address");
	CHECK_ERRNO(connect(c, SA(to), 8), EINVAL, "short address");
	close(c);
}

static void check_options(void)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(getint(s, SOL_SOCKET, SO_TYPE) == SOCK_STREAM, "SO_TYPE");
	CHECK(getint(s, SOL_SOCKET, SO_DOMAIN) == AF_INET, "SO_DOMAIN");
	CHECK(getint(s, SOL_SOCKET, SO_PROTOCOL) == IPPROTO_TCP, "SO_PROTOCOL");
	CHECK(getint(s, SOL_SOCKET, SO_ERROR) == 0, "SO_ERROR");
	CHECK(getint(s, SOL_SOCKET, SO_REUSEADDR) == 0, "SO_REUSEADDR");
	setint(s, SOL_SOCKET, SO_REUSEADDR, 5);
	CHECK(getint(s, SOL_SOCKET, SO_REUSEADDR) == 1, "SO_REUSEADDR set");
	setint(s, SOL_SOCKET, SO_REUSEPORT, 1);
	CHECK(getint(s, SOL_SOCKET, SO_REUSEPORT) == 1, "SO_REUSEPORT");
	setint(s, SOL_SOCKET, SO_KEEPALIVE, 1);
	CHECK(getint(s, SOL_SOCKET, SO_KEEPALIVE) == 1, "SO_KEEPALIVE");
	setint(s, SOL_SOCKET, SO_BROADCAST, 1);
	CHECK(getint(s, SOL_SOCKET, SO_BROADCAST) == 1, "SO_BROADCAST");
	CHECK(getint(s, SOL_SOCKET, SO_SNDBUF) == 16384 && getint(s, SOL_SOCKET, SO_RCVBUF) == 131072,
	      "buffers' defaults %d %d", getint(s, SOL_SOCKET, SO_SNDBUF),
	      getint(s, SOL_SOCKET, SO_RCVBUF));
	setint(s, SOL_SOCKET, SO_SNDBUF, 10000);
	CHECK(getint(s, SOL_SOCKET, SO_SNDBUF) == 20000, "SO_SNDBUF doubled");
	setint(s, SOL_SOCKET, SO_RCVBUF, 100);
	CHECK(getint(s, SOL_SOCKET, SO_RCVBUF) == 2304, "SO_RCVBUF minimum %d",
	      getint(s, SOL_SOCKET, SO_RCVBUF));
	struct linger lg = {1, 7};
	socklen_t len = sizeof(lg);
	CHECK(setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) == 0, "SO_LINGER");
	lg = (struct linger){0, 0};
	CHECK(getsockopt(s, SOL_SOCKET, SO_LINGER, &lg, &len) == 0 && lg.l_onoff == 1 &&
		      lg.l_linger == 7,
	      "SO_LINGER back");
	CHECK(getint(s, IPPROTO_TCP, TCP_NODELAY) == 0, "TCP_NODELAY");
	setint(s, IPPROTO_TCP, TCP_NODELAY, 1);
	CHECK(getint(s, IPPROTO_TCP, TCP_NODELAY) == 1, "TCP_NODELAY set");
	CHECK(getint(s, IPPROTO_TCP, TCP_KEEPIDLE) == 7200, "TCP_KEEPIDLE");
	CHECK(getint(s, IPPROTO_TCP, TCP_KEEPINTVL) == 75, "TCP_KEEPINTVL");
	CHECK(getint(s, IPPROTO_TCP, TCP_KEEPCNT) == 9, "TCP_KEEPCNT");
	setint(s, IPPROTO_TCP, TCP_KEEPIDLE, 30);
	CHECK(getint(s, IPPROTO_TCP, TCP_KEEPIDLE) == 30, "TCP_KEEPIDLE set");
	int v = 0;
	CHECK_ERRNO(setsockopt(s, IPPROTO_TCP, TCP_KEEPIDLE, &v, sizeof(v)), EINVAL, "KEEPIDLE 0");
	v = 200;
	CHECK_ERRNO(setsockopt(s, IPPROTO_TCP, TCP_KEEPCNT, &v, sizeof(v)), EINVAL, "KEEPCNT 200");
	CHECK(getint(s, IPPROTO_TCP, TCP_MAXSEG) == 536, "TCP_MAXSEG unconnected %d",
	      getint(s, IPPROTO_TCP, TCP_MAXSEG));
	CHECK(getint(s, IPPROTO_IP, IP_TTL) == 64, "IP_TTL");
	setint(s, IPPROTO_IP, IP_TTL, 9);
	CHECK(getint(s, IPPROTO_IP, IP_TTL) == 9, "IP_TTL set");
	v = 300;
	CHECK_ERRNO(setsockopt(s, IPPROTO_IP, IP_TTL, &v, sizeof(v)), EINVAL, "IP_TTL 300");
	CHECK(getint(s, IPPROTO_IP, IP_TOS) == 0, "IP_TOS");
	setint(s, IPPROTO_IP, IP_TOS, 0x13);
	CHECK(getint(s, IPPROTO_IP, IP_TOS) == 0x10, "IP_TOS without ECN bits: %#x",
	      getint(s, IPPROTO_IP, IP_TOS));
	CHECK_ERRNO(getsockopt(s, SOL_SOCKET, 12345, &v, &len), ENOPROTOOPT, "unknown SOL_SOCKET");
	len = sizeof(v);
	CHECK_ERRNO(getsockopt(s, IPPROTO_TCP, 12345, &v, &len), ENOPROTOOPT, "unknown TCP");
	CHECK_ERRNO(getsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &v, &len), EOPNOTSUPP,
		    "IPV6_V6ONLY of AF_INET");
	CHECK_ERRNO(setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &v, len), ENOPROTOOPT,
		    "set IPV6_V6ONLY of AF_INET");
	v = 1;
	CHECK_ERRNO(setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &v, 2), EINVAL, "short option");
	struct tcp_info ti;
	len = sizeof(ti);
	CHECK(getsockopt(s, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0 && ti.tcpi_state == 7,
	      "TCP_INFO state %d", ti.tcpi_state);
	close(s);

	/* SO_RCVTIMEO: a read gives up. */
	int l = listener4(5);
	int c = connect4(l, &s);
	struct timeval tv = {0, 50000};
	CHECK(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0, "SO_RCVTIMEO");
	char b;
	CHECK_ERRNO(read(s, &b, 1), EAGAIN, "timed-out read");
	CHECK(getint(s, IPPROTO_TCP, TCP_MAXSEG) > 1000, "TCP_MAXSEG connected");
	CHECK(getint(s, SOL_SOCKET, SO_SNDBUF) > (1 << 20) && getint(c, SOL_SOCKET, SO_SNDBUF) > (1 << 20),
	      "a connection's send buffer grows: %d", getint(s, SOL_SOCKET, SO_SNDBUF));
	len = sizeof(ti);
	CHECK(getsockopt(s, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0 && ti.tcpi_state == 1,
	      "TCP_INFO established %d", ti.tcpi_state);
	/* A blocking accept and read sleep while a child connects and writes. */
	pid_t pid = fork();
	if (pid == 0) {
		usleep(50000);
		int d = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in to = sin4("127.0.0.1", port_of(l));
		if (connect(d, SA(to), sizeof(to)) || write(d, "k", 1) != 1)
			_exit(1);
		_exit(0);
	}
	int s2 = accept(l, NULL, NULL);
	CHECK(s2 >= 0 && read(s2, &b, 1) == 1 && b == 'k', "accept and read from a child");
	int status;
	CHECK(waitpid(pid, &status, 0) == pid && status == 0, "child");
	close(s2);
	close(c);
	close(s);
	close(l);
}

/* A full accept queue (backlog 0 holds one): a blocking connect waits
 * until an accept makes room (Linux: its SYN is dropped and sent again a
 * second later), a non-blocking one is EINPROGRESS and completes then;
 * epoll sees the listener's connections and the data, edge-triggered. */
static void check_backlog(void)
{
	int l = listener4(0), s;
	int c1 = connect4(l, &s); /* accepted: the queue is empty again */
	close(s);
	close(c1);
	struct sockaddr_in to = sin4("127.0.0.1", port_of(l));
	int c2 = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(connect(c2, SA(to), sizeof(to)) == 0, "first connect: %s", strerror(errno));
	pid_t pid = fork();
	if (pid == 0) { /* waits for room */
		int c3 = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(c3, SA(to), sizeof(to)) != 0 || write(c3, "3", 1) != 1)
			_exit(1);
		_exit(0);
	}
	usleep(100000);
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.fd = l};
	CHECK(ep >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev) == 0, "epoll_ctl");
	CHECK(epoll_wait(ep, &ev, 1, 1000) == 1 && ev.data.fd == l, "listener ready");
	int s2 = accept(l, NULL, NULL);
	CHECK(s2 >= 0, "accept 2: %s", strerror(errno));
	int s3 = accept(l, NULL, NULL); /* the child's, once it had room */
	CHECK(s3 >= 0, "accept 3: %s", strerror(errno));
	ev = (struct epoll_event){.events = EPOLLIN | EPOLLRDHUP | EPOLLET, .data.fd = s3};
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, s3, &ev) == 0, "epoll_ctl s3");
	CHECK(epoll_wait(ep, &ev, 1, 3000) == 1 && ev.data.fd == s3 && (ev.events & EPOLLIN),
	      "s3 readable");
	char b;
	CHECK(read(s3, &b, 1) == 1 && b == '3', "the waiting client's byte");
	int status;
	CHECK(waitpid(pid, &status, 0) == pid && status == 0, "waiting connector %#x", status);
	CHECK(poll1(s3, POLLIN | POLLRDHUP, 1000) == (POLLIN | POLLRDHUP), "s3 closed: %#x",
	      poll1(s3, POLLIN | POLLRDHUP, 0));
	/* A non-blocking connect to a full queue. */
	int c4 = socket(AF_INET, SOCK_STREAM, 0), c5 = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CHECK(connect(c4, SA(to), sizeof(to)) == 0, "fill the queue");
	CHECK_ERRNO(connect(c5, SA(to), sizeof(to)), EINPROGRESS, "non-blocking to a full queue");
	usleep(10000);
	CHECK(poll1(c5, POLLOUT, 0) == 0, "still connecting polls %#x", poll1(c5, POLLOUT, 0));
	CHECK_ERRNO(connect(c5, SA(to), sizeof(to)), EALREADY, "connect while connecting");
	int s4 = accept(l, NULL, NULL);
	CHECK(s4 >= 0, "accept 4");
	CHECK(poll1(c5, POLLOUT, 3000) == POLLOUT, "connected after the accept");
	int s5 = accept(l, NULL, NULL);
	CHECK(s5 >= 0 && getint(c5, SOL_SOCKET, SO_ERROR) == 0, "accept 5");
	/* SO_SNDTIMEO: a write to a peer that reads nothing gives up. */
	struct timeval tv = {0, 50000};
	CHECK(setsockopt(c4, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == 0, "SO_SNDTIMEO");
	static char junk[1 << 16];
	ssize_t w;
	long total = 0;
	while ((w = write(c4, junk, sizeof(junk))) > 0)
		total += w;
	CHECK(w < 0 && errno == EAGAIN && total > 65536, "timed-out write after %ld: %s", total,
	      strerror(errno));
	close(c2);
	close(c4);
	close(c5);
	close(s2);
	close(s3);
	close(s4);
	close(s5);
	close(ep);
	close(l);
}

/* A writer that filled the connection waits in epoll for EPOLLOUT, and
 * is woken when a child reads what it wrote. */
static void check_pollout(void)
{
	int l = listener4(1), s;
	int c = connect4(l, &s);
	fcntl(c, F_SETFL, O_NONBLOCK);
	static char junk[1 << 16];
	long total = 0;
	ssize_t w;
	while ((w = write(c, junk, sizeof(junk))) > 0)
		total += w;
	CHECK(errno == EAGAIN, "filling: %s", strerror(errno));
	CHECK(!(poll1(c, POLLOUT, 0) & POLLOUT), "full connection polls %#x", poll1(c, POLLOUT, 0));
	pid_t pid = fork();
	if (pid == 0) {
		close(c);
		usleep(50000);
		long got = 0;
		ssize_t r;
		while ((r = read(s, junk, sizeof(junk))) > 0)
			got += r;
		_exit(got >= total ? 0 : 1);
	}
	close(s);
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = {.events = EPOLLOUT, .data.fd = c};
	CHECK(ep >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev) == 0, "epoll_ctl: %s", strerror(errno));
	CHECK(epoll_wait(ep, &ev, 1, 5000) == 1 && ev.events == EPOLLOUT, "EPOLLOUT once read");
	close(ep);
	close(c);
	int status;
	CHECK(waitpid(pid, &status, 0) == pid && status == 0, "reader child %#x", status);
	close(l);
}

int main(int argc, char **argv)
{
	net_setup(argc, argv);
	check_socket_calls();
	check_bind();
	check_connection();
	check_close();
	check_refused();
	check_options();
	check_backlog();
	check_pollout();
	puts("net_tcp ok");
	return 0;
}
