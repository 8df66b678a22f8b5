/* sock_unix: AF_UNIX sockets by name. A stream listener bound to a path
 * in a mkdtemp scratch directory (a socket file, S_IFSOCK) and a forked
 * child that connects, talks and checks the names both ends see; accept4's
 * flags, poll's POLLIN on a listener with a pending connection, the
 * backlog (EAGAIN past it for a nonblocking connect), a connection reset
 * when the listener closes with it unaccepted. A seqpacket pair through
 * an abstract name (with a random part), autobind's "\0xxxxx" names.
 * Datagram sockets: sendto a path, the sender's name from recvfrom (none
 * for an unbound one), connect as the default peer, EPERM toward a socket
 * connected elsewhere, the queue limit (max_dgram_qlen + 1), ECONNREFUSED
 * then ENOTCONN after the peer closes, AF_UNSPEC. Socket options (the
 * timeouts too), and the errors of each call. All printed and compared
 * with the native run. */
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "guest_test.h"

static char dir[64];

static socklen_t path_addr(struct sockaddr_un *a, const char *name)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	snprintf(a->sun_path, sizeof(a->sun_path), "%s/%s", dir, name);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(a->sun_path) + 1);
}

static int sock(int type)
{
	int fd = socket(AF_UNIX, type, 0);
	CHECK(fd >= 0, "socket: %s", strerror(errno));
	return fd;
}

/* getsockname or getpeername: the length, and whether the name is want. */
static void show_name(const char *what, int fd, bool peer, const struct sockaddr_un *want,
		      socklen_t wantlen)
{
	struct sockaddr_un a;
	memset(&a, 0x55, sizeof(a));
	socklen_t len = sizeof(a);
	int r = peer ? getpeername(fd, (struct sockaddr *)&a, &len)
		     : getsockname(fd, (struct sockaddr *)&a, &len);
	if (r < 0) {
		printf("%s: %s\n", what, ret_str(r));
		return;
	}
	bool same = want && len == wantlen && !memcmp(&a, want, len);
	printf("%s: len %u family %d%s\n", what, len, a.sun_family, same ? " (the name)" : "");
}

static void show_poll(const char *what, int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN | POLLOUT};
	CHECK(poll(&p, 1, 0) >= 0, "poll: %s", strerror(errno));
	printf("%s: poll%s%s%s\n", what, p.revents & POLLIN ? " IN" : "",
	       p.revents & POLLOUT ? " OUT" : "", p.revents & POLLHUP ? " HUP" : "");
}

static void check_stream_path(void)
{
	struct sockaddr_un a, b;
	socklen_t alen = path_addr(&a, "srv"), blen = path_addr(&b, "other");
	int srv = sock(SOCK_STREAM);
	show_name("unbound getsockname", srv, false, NULL, 0);
	printf("listen unbound: %s\n", ret_str(listen(srv, 5)));
	CHECK(bind(srv, (struct sockaddr *)&a, alen) == 0, "bind: %s", strerror(errno));
	struct stat st;
	CHECK(stat(a.sun_path, &st) == 0, "stat: %s", strerror(errno));
	printf("socket file: %s, mode %o\n", S_ISSOCK(st.st_mode) ? "S_IFSOCK" : "not a socket",
	       st.st_mode & 0777);
	show_name("bound getsockname", srv, false, &a, alen);
	int again = sock(SOCK_STREAM);
	printf("bind to a used path: %s\n", ret_str(bind(again, (struct sockaddr *)&a, alen)));
	printf("bind again elsewhere: %s", ret_str(bind(srv, (struct sockaddr *)&b, blen)));
	printf(", its file %s\n", access(b.sun_path, F_OK) == 0 ? "stays" : "is gone");
	printf("connect before listen: %s\n", ret_str(connect(again, (struct sockaddr *)&a, alen)));
	printf("accept before listen: %s\n", ret_str(accept(srv, NULL, NULL)));
	CHECK(listen(srv, 5) == 0, "listen: %s", strerror(errno));
	show_poll("listener, none pending", srv);
	int fl = fcntl(srv, F_GETFL);
	CHECK(fcntl(srv, F_SETFL, fl | O_NONBLOCK) == 0, "fcntl");
	printf("nonblocking accept, none pending: %s\n", ret_str(accept(srv, NULL, NULL)));
	CHECK(fcntl(srv, F_SETFL, fl) == 0, "fcntl");
	int d = sock(SOCK_DGRAM);
	printf("datagram connect to a stream listener: %s\n",
	       ret_str(connect(d, (struct sockaddr *)&a, alen)));
	printf("accept on a datagram socket: %s\n", ret_str(accept(d, NULL, NULL)));
	printf("listen on a datagram socket: %s\n", ret_str(listen(d, 1)));
	close(d);
	pid_t child = fork();
	CHECK(child >= 0, "fork: %s", strerror(errno));
	if (child == 0) {
		int c = sock(SOCK_STREAM);
		CHECK(connect(c, (struct sockaddr *)&a, alen) == 0, "connect: %s", strerror(errno));
		char buf[16] = "";
		CHECK(send(c, "ping", 4, 0) == 4, "send: %s", strerror(errno));
		CHECK(recv(c, buf, sizeof(buf), MSG_WAITALL) == 4 && !memcmp(buf, "pong", 4),
		      "child recv: %s", strerror(errno));
		struct sockaddr_un p;
		socklen_t plen = sizeof(p);
		CHECK(getpeername(c, (struct sockaddr *)&p, &plen) == 0 && plen == alen &&
			      !strcmp(p.sun_path, a.sun_path),
		      "child getpeername");
		plen = sizeof(p);
		CHECK(getsockname(c, (struct sockaddr *)&p, &plen) == 0 && plen == 2,
		      "child getsockname %u", plen);
		struct ucred cr;
		socklen_t crlen = sizeof(cr);
		CHECK(getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cr, &crlen) == 0 &&
			      cr.pid == getppid() && cr.uid == getuid(),
		      "child SO_PEERCRED pid %d", cr.pid);
		CHECK(connect(c, (struct sockaddr *)&a, alen) == -1 && errno == EISCONN,
		      "connect again: %s", strerror(errno));
		CHECK(recv(c, buf, 1, 0) == 0, "child end of file");
		_exit(0);
	}
	struct pollfd p = {.fd = srv, .events = POLLIN};
	CHECK(poll(&p, 1, 10000) == 1 && p.revents == POLLIN, "poll listener: %d", p.revents);
	show_poll("listener, one pending", srv);
	struct sockaddr_un peer;
	memset(&peer, 0x55, sizeof(peer));
	socklen_t plen = sizeof(peer);
	int c = accept4(srv, (struct sockaddr *)&peer, &plen, SOCK_CLOEXEC | SOCK_NONBLOCK);
	CHECK(c >= 0, "accept4: %s", strerror(errno));
	printf("accept4: peer len %u, cloexec %d, nonblock %d\n", plen,
	       !!(fcntl(c, F_GETFD) & FD_CLOEXEC), !!(fcntl(c, F_GETFL) & O_NONBLOCK));
	show_name("accepted getsockname", c, false, &a, alen);
	show_name("accepted getpeername", c, true, NULL, 0);
	struct ucred cr;
	socklen_t crlen = sizeof(cr);
	CHECK(getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cr, &crlen) == 0, "SO_PEERCRED");
	printf("SO_PEERCRED: the child %d, uid %d, len %u\n", cr.pid == child, cr.uid == getuid(),
	       crlen);
	char buf[8] = "";
	p = (struct pollfd){.fd = c, .events = POLLIN};
	CHECK(poll(&p, 1, 10000) == 1, "poll accepted");
	printf("recv: %s \"%.4s\"\n", ret_str(recv(c, buf, sizeof(buf), 0)), buf);
	CHECK(send(c, "pong", 4, 0) == 4, "send: %s", strerror(errno));
	printf("listen on a connected socket: %s\n", ret_str(listen(c, 1)));
	close(c);
	int status;
	CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && !WEXITSTATUS(status),
	      "child failed");
	/* The backlog: listen(fd, 1) holds two connections. */
	CHECK(listen(srv, 1) == 0, "listen");
	int conns[4], made = 0;
	for (int i = 0; i < 4; i++) {
		conns[i] = sock(SOCK_STREAM | SOCK_NONBLOCK);
		int r = connect(conns[i], (struct sockaddr *)&a, alen);
		if (r == 0)
			made++;
		else
			printf("connect %d past the backlog: %s\n", i, ret_str(r));
	}
	printf("connections queued with backlog 1: %d\n", made);
	show_name("getpeername of a queued one", conns[0], true, &a, alen);
	close(srv);
	printf("recv after the listener closed: %s\n", ret_str(recv(conns[0], buf, 1, 0)));
	printf("recv again: %s\n", ret_str(recv(conns[0], buf, 1, 0)));
	show_poll("unaccepted, listener gone", conns[1]);
	printf("send: %s\n", ret_str(send(conns[1], "x", 1, MSG_NOSIGNAL)));
	for (int i = 0; i < 4; i++)
		close(conns[i]);
	int late = sock(SOCK_STREAM);
	printf("connect to a closed listener's file: %s\n",
	       ret_str(connect(late, (struct sockaddr *)&a, alen)));
	unlink(a.sun_path);
	printf("connect after unlink: %s\n", ret_str(connect(late, (struct sockaddr *)&a, alen)));
	int reg = open(b.sun_path, O_CREAT | O_WRONLY, 0600);
	CHECK(reg >= 0, "create: %s", strerror(errno));
	close(reg);
	printf("connect to a regular file: %s\n", ret_str(connect(late, (struct sockaddr *)&b, blen)));
	unlink(b.sun_path);
	show_poll("unconnected stream", late);
	printf("send unconnected: %s\n", ret_str(send(late, "x", 1, 0)));
	printf("recv unconnected: %s\n", ret_str(recv(late, buf, 1, MSG_DONTWAIT)));
	printf("sendto with address, unconnected: %s\n",
	       ret_str(sendto(late, "x", 1, 0, (struct sockaddr *)&a, alen)));
	close(late);
	close(again);
}

static void check_abstract(void)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	int n = snprintf(a.sun_path + 1, sizeof(a.sun_path) - 1, "vmemu-sock-%08x",
			 (unsigned)(getpid() ^ ts.tv_nsec));
	socklen_t alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
	int srv = sock(SOCK_SEQPACKET);
	CHECK(bind(srv, (struct sockaddr *)&a, alen) == 0, "bind abstract: %s", strerror(errno));
	show_name("abstract getsockname", srv, false, &a, alen);
	int other = sock(SOCK_SEQPACKET);
	printf("bind to a used abstract name: %s\n",
	       ret_str(bind(other, (struct sockaddr *)&a, alen)));
	printf("bind a bound socket: %s\n", ret_str(bind(srv, (struct sockaddr *)&a, alen)));
	printf("connect, nobody listens: %s\n",
	       ret_str(connect(other, (struct sockaddr *)&a, alen)));
	CHECK(listen(srv, 4) == 0, "listen: %s", strerror(errno));
	int st = sock(SOCK_STREAM);
	printf("stream connect to a seqpacket listener: %s\n",
	       ret_str(connect(st, (struct sockaddr *)&a, alen)));
	printf("bind a stream socket to the same abstract name: %s\n",
	       ret_str(bind(st, (struct sockaddr *)&a, alen)));
	a.sun_path[1] ^= 1;
	printf("connect to an unused abstract name: %s\n",
	       ret_str(connect(other, (struct sockaddr *)&a, alen)));
	a.sun_path[1] ^= 1;
	pid_t child = fork();
	CHECK(child >= 0, "fork");
	if (child == 0) {
		int c = sock(SOCK_SEQPACKET);
		CHECK(connect(c, (struct sockaddr *)&a, alen) == 0, "connect: %s", strerror(errno));
		CHECK(send(c, "first", 5, 0) == 5 && send(c, "second", 6, 0) == 6, "send");
		char buf[8];
		CHECK(recv(c, buf, sizeof(buf), 0) == 0, "child: end of file expected");
		_exit(0);
	}
	int c = accept(srv, NULL, NULL);
	CHECK(c >= 0, "accept: %s", strerror(errno));
	show_name("accepted from abstract getsockname", c, false, &a, alen);
	char buf[16] = "";
	printf("seqpacket recv 3: %s \"%.3s\"", ret_str(recv(c, buf, 3, 0)), buf);
	printf(", recv 16: %s \"%.6s\"\n", ret_str(recv(c, buf, sizeof(buf), 0)), buf);
	close(c);
	int status;
	CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && !WEXITSTATUS(status),
	      "child failed");
	/* autobind: bind with the family alone. */
	struct sockaddr_un au = {.sun_family = AF_UNIX};
	CHECK(bind(other, (struct sockaddr *)&au, sizeof(sa_family_t)) == 0, "autobind: %s",
	      strerror(errno));
	socklen_t len = sizeof(au);
	CHECK(getsockname(other, (struct sockaddr *)&au, &len) == 0, "getsockname");
	bool hex = true;
	for (int i = 1; i < 6; i++)
		hex &= (au.sun_path[i] >= '0' && au.sun_path[i] <= '9') ||
		       (au.sun_path[i] >= 'a' && au.sun_path[i] <= 'f');
	printf("autobind: len %u, abstract %d, five hex digits %d\n", len, au.sun_path[0] == 0, hex);
	printf("autobind again: %s\n", ret_str(bind(other, (struct sockaddr *)&au, sizeof(sa_family_t))));
	close(other);
	close(st);
	close(srv);
}

static void check_dgram(void)
{
	struct sockaddr_un a, b;
	socklen_t alen = path_addr(&a, "dg-a"), blen = path_addr(&b, "dg-b");
	int x = sock(SOCK_DGRAM), y = sock(SOCK_DGRAM), z = sock(SOCK_DGRAM);
	char buf[16] = "";
	printf("send unconnected datagram: %s\n", ret_str(send(x, "x", 1, 0)));
	printf("sendto an unbound path: %s\n",
	       ret_str(sendto(x, "x", 1, 0, (struct sockaddr *)&a, alen)));
	CHECK(bind(x, (struct sockaddr *)&a, alen) == 0 && bind(y, (struct sockaddr *)&b, blen) == 0,
	      "bind: %s", strerror(errno));
	printf("sendto b: %s\n", ret_str(sendto(x, "hello", 5, 0, (struct sockaddr *)&b, blen)));
	struct sockaddr_un from;
	socklen_t flen = sizeof(from);
	printf("recvfrom: %s \"%.5s\"", ret_str(recvfrom(y, buf, sizeof(buf), 0,
							 (struct sockaddr *)&from, &flen)), buf);
	printf(", from len %u, is a: %d\n", flen, flen == alen && !strcmp(from.sun_path, a.sun_path));
	CHECK(sendto(z, "anon", 4, 0, (struct sockaddr *)&b, blen) == 4, "sendto");
	flen = sizeof(from);
	printf("recvfrom an unbound sender: %s",
	       ret_str(recvfrom(y, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen)));
	printf(", from len %u\n", flen);
	printf("connect x to b: %s\n", ret_str(connect(x, (struct sockaddr *)&b, blen)));
	show_name("x's peer", x, true, &b, blen);
	CHECK(send(x, "via peer", 8, 0) == 8, "send: %s", strerror(errno));
	printf("recv: %s\n", ret_str(recv(y, buf, sizeof(buf), 0)));
	printf("connect y to a: %s\n", ret_str(connect(y, (struct sockaddr *)&a, alen)));
	printf("sendto a from a third socket: %s\n",
	       ret_str(sendto(z, "x", 1, 0, (struct sockaddr *)&a, alen)));
	printf("sendto b from a third socket: %s\n",
	       ret_str(sendto(z, "x", 1, 0, (struct sockaddr *)&b, blen)));
	/* The queue of a socket whose peer is not the sender. */
	int w = sock(SOCK_DGRAM | SOCK_NONBLOCK), sent = 0;
	struct sockaddr_un c;
	socklen_t clen = path_addr(&c, "dg-c");
	CHECK(bind(w, (struct sockaddr *)&c, clen) == 0, "bind: %s", strerror(errno));
	int q = sock(SOCK_DGRAM | SOCK_NONBLOCK), r;
	while ((r = (int)sendto(q, "m", 1, 0, (struct sockaddr *)&c, clen)) == 1 && sent < 100)
		sent++;
	printf("datagrams queued before %s: %d\n", ret_str(r), sent);
	show_poll("receiver with a full queue", w);
	close(q);
	close(w);
	CHECK(connect(y, (struct sockaddr *)&(struct sockaddr){.sa_family = AF_UNSPEC},
		      sizeof(sa_family_t)) == 0,
	      "AF_UNSPEC: %s", strerror(errno));
	show_name("y's peer after AF_UNSPEC", y, true, NULL, 0);
	close(y);
	printf("send, peer closed: %s\n", ret_str(send(x, "x", 1, 0)));
	printf("send again: %s\n", ret_str(send(x, "x", 1, 0)));
	show_name("x's peer now", x, true, NULL, 0);
	printf("sendto a closed socket's path: %s\n",
	       ret_str(sendto(z, "x", 1, 0, (struct sockaddr *)&b, blen)));
	printf("sendto with addrlen 3 (\"/\"): %s\n", ret_str(sendto(z, "x", 1, 0, (struct sockaddr *)&c, 3)));
	close(x);
	close(z);
	unlink(a.sun_path);
	unlink(b.sun_path);
	unlink(c.sun_path);
}

static void show_opt(const char *what, int fd, int name)
{
	int v = -7;
	socklen_t len = sizeof(v);
	int r = getsockopt(fd, SOL_SOCKET, name, &v, &len);
	if (r < 0)
		printf("%s: %s\n", what, ret_str(r));
	else
		printf("%s: %d (len %u)\n", what, v, len);
}

static void check_options(void)
{
	int s = sock(SOCK_SEQPACKET), one = 1, v;
	show_opt("SO_TYPE", s, SO_TYPE);
	show_opt("SO_DOMAIN", s, SO_DOMAIN);
	show_opt("SO_PROTOCOL", s, SO_PROTOCOL);
	show_opt("SO_ACCEPTCONN", s, SO_ACCEPTCONN);
	show_opt("SO_ERROR", s, SO_ERROR);
	show_opt("SO_PASSCRED", s, SO_PASSCRED);
	CHECK(setsockopt(s, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) == 0, "SO_PASSCRED");
	show_opt("SO_PASSCRED set", s, SO_PASSCRED);
	CHECK(setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0, "SO_REUSEADDR");
	show_opt("SO_REUSEADDR set", s, SO_REUSEADDR);
	v = 10000;
	CHECK(setsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)) == 0, "SO_SNDBUF");
	show_opt("SO_SNDBUF set 10000", s, SO_SNDBUF);
	v = 1;
	CHECK(setsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)) == 0, "SO_RCVBUF");
	show_opt("SO_RCVBUF set 1", s, SO_RCVBUF);
	v = 1;
	CHECK(setsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)) == 0, "SO_SNDBUF");
	show_opt("SO_SNDBUF set 1", s, SO_SNDBUF);
	struct timeval tv = {1, 500000};
	CHECK(setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == 0, "SO_SNDTIMEO");
	socklen_t len = sizeof(tv);
	tv = (struct timeval){0, 0};
	CHECK(getsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, &len) == 0, "SO_SNDTIMEO");
	printf("SO_SNDTIMEO 1.5 s: %ld.%06ld (len %u)\n", (long)tv.tv_sec, (long)tv.tv_usec, len);
	tv = (struct timeval){0, 1000000};
	printf("SO_RCVTIMEO 1000000 us: %s\n",
	       ret_str(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv))));
	printf("SO_RCVTIMEO of 8 bytes: %s\n", ret_str(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, 8)));
	int pair[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, pair) == 0, "socketpair");
	tv = (struct timeval){0, 100000};
	CHECK(setsockopt(pair[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0, "SO_RCVTIMEO");
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	printf("recv with a 100 ms SO_RCVTIMEO: %s", ret_str(recv(pair[0], &v, 1, 0)));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	printf(", after at least 90 ms: %d\n", ms >= 90);
	tv = (struct timeval){-1, 0};
	CHECK(setsockopt(pair[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0, "SO_RCVTIMEO");
	len = sizeof(tv);
	CHECK(getsockopt(pair[0], SOL_SOCKET, SO_RCVTIMEO, &tv, &len) == 0, "SO_RCVTIMEO");
	printf("SO_RCVTIMEO -1 s: reads %ld.%06ld, recv %s\n", (long)tv.tv_sec, (long)tv.tv_usec,
	       ret_str(recv(pair[0], &v, 1, 0)));
	close(pair[0]);
	close(pair[1]);
	struct ucred cr;
	len = sizeof(cr);
	CHECK(getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &len) == 0, "SO_PEERCRED");
	printf("SO_PEERCRED unconnected: %d %d %d (len %u)\n", cr.pid, (int)cr.uid, (int)cr.gid, len);
	short small = -1;
	len = sizeof(small);
	printf("SO_TYPE into 2 bytes: %s", ret_str(getsockopt(s, SOL_SOCKET, SO_TYPE, &small, &len)));
	printf(" -> %d (len %u)\n", small, len);
	len = (socklen_t)-1;
	printf("negative optlen: %s\n", ret_str(getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &len)));
	len = sizeof(v);
	printf("unknown option: %s\n", ret_str(getsockopt(s, SOL_SOCKET, 9999, &v, &len)));
	printf("set unknown option: %s\n", ret_str(setsockopt(s, SOL_SOCKET, 9999, &v, sizeof(v))));
	printf("set SO_TYPE: %s\n", ret_str(setsockopt(s, SOL_SOCKET, SO_TYPE, &v, sizeof(v))));
	printf("set with optlen 2: %s\n", ret_str(setsockopt(s, SOL_SOCKET, SO_PASSCRED, &v, 2)));
	printf("level 6 (TCP): %s\n", ret_str(getsockopt(s, 6, 1, &v, &len)));
	printf("set level 6 (TCP): %s\n", ret_str(setsockopt(s, 6, 1, &v, sizeof(v))));
	printf("getsockopt on fd 999: %s\n", ret_str(getsockopt(999, SOL_SOCKET, SO_TYPE, &v, &len)));
	int p[2];
	CHECK(pipe(p) == 0, "pipe");
	printf("getsockopt on a pipe: %s\n", ret_str(getsockopt(p[0], SOL_SOCKET, SO_TYPE, &v, &len)));
	printf("bind a pipe: %s\n", ret_str(bind(p[0], (struct sockaddr *)&(struct sockaddr){AF_UNIX, ""}, 2)));
	printf("connect a pipe, bad length: %s\n", ret_str(connect(p[0], (struct sockaddr *)&(struct sockaddr){AF_UNIX, ""}, -1)));
	printf("connect a pipe: %s\n", ret_str(connect(p[0], (struct sockaddr *)&(struct sockaddr){AF_UNIX, ""}, 2)));
	printf("listen on a pipe: %s\n", ret_str(listen(p[0], 1)));
	printf("accept4 bad flags: %s\n", ret_str(accept4(s, NULL, NULL, 0x1)));
	close(p[0]);
	close(p[1]);
	struct sockaddr_un bad = {.sun_family = AF_INET};
	printf("bind AF_INET address: %s\n", ret_str(bind(s, (struct sockaddr *)&bad, sizeof(bad))));
	printf("bind length 1: %s\n", ret_str(bind(s, (struct sockaddr *)&bad, 1)));
	printf("bind length 200: %s\n", ret_str(bind(s, (struct sockaddr *)&bad, 200)));
	printf("bind length 111: %s\n", ret_str(bind(s, (struct sockaddr *)&bad, 111)));
	printf("bind bad pointer: %s\n", ret_str(bind(s, (struct sockaddr *)8, 20)));
	printf("connect length 0: %s\n", ret_str(connect(s, (struct sockaddr *)&bad, 0)));
	close(s);
	printf("socket family 100: %s\n", ret_str(socket(100, SOCK_STREAM, 0)));
	printf("socket type 11: %s\n", ret_str(socket(AF_UNIX, 11, 0)));
	printf("socket SOCK_PACKET: %s\n", ret_str(socket(AF_UNIX, SOCK_PACKET, 0)));
	printf("socket protocol 2: %s\n", ret_str(socket(AF_UNIX, SOCK_STREAM, 2)));
	printf("socket bad flags: %s\n", ret_str(socket(AF_UNIX, SOCK_STREAM | 0x100, 0)));
	int r = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, PF_UNIX);
	CHECK(r >= 0, "socket: %s", strerror(errno));
	printf("socket flags: cloexec %d nonblock %d\n", !!(fcntl(r, F_GETFD) & FD_CLOEXEC),
	       !!(fcntl(r, F_GETFL) & O_NONBLOCK));
	show_opt("SO_PROTOCOL of PF_UNIX", r, SO_PROTOCOL);
	close(r);
	r = socket(AF_UNIX, SOCK_RAW, 0);
	show_opt("SO_TYPE of SOCK_RAW", r, SO_TYPE);
	close(r);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	snprintf(dir, sizeof(dir), "%s/sock_unix.XXXXXX", tmp_dir());
	CHECK(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
	check_stream_path();
	check_abstract();
	check_dgram();
	check_options();
	CHECK(rmdir(dir) == 0, "rmdir %s: %s", dir, strerror(errno));
	return 0;
}
