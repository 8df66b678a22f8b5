/* sock_pair: socketpair(AF_UNIX). A stream pair: bytes both ways, reads
 * that take part of a write or several writes, shutdown(SHUT_WR) seen as
 * end of file, EPIPE with SIGPIPE (and without, MSG_NOSIGNAL) once the
 * peer is closed, EAGAIN when full and nonblocking, 1 MiB streamed to a
 * forked child and back (checksums). Datagram and seqpacket pairs: one
 * message per read, the rest of a long one dropped; after the peer
 * closes, a datagram write is ECONNREFUSED then ENOTCONN, a seqpacket
 * read is end of file and its write EPIPE without SIGPIPE. poll's
 * events at each step, fstat (S_IFSOCK), /proc/self/fd's "socket:[N]",
 * and the argument errors. All printed and compared with the native run. */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest_test.h"

static int sigpipes;

static void on_sigpipe(int sig)
{
	(void)sig;
	sigpipes++;
}

static void show_poll(const char *what, int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN | POLLOUT | POLLRDHUP};
	CHECK(poll(&p, 1, 0) >= 0, "poll: %s", strerror(errno));
	printf("%s: poll%s%s%s%s\n", what, p.revents & POLLIN ? " IN" : "",
	       p.revents & POLLOUT ? " OUT" : "", p.revents & POLLRDHUP ? " RDHUP" : "",
	       p.revents & POLLHUP ? " HUP" : "");
}

static void check_stream(void)
{
	int sv[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair: %s", strerror(errno));
	show_poll("stream, empty", sv[0]);
	CHECK(write(sv[0], "hello", 5) == 5 && write(sv[0], "world", 5) == 5, "write");
	show_poll("stream, 10 bytes queued", sv[1]);
	char buf[64] = "";
	printf("read 3: %s\n", ret_str(read(sv[1], buf, 3)));
	printf("read 64: %s", ret_str(read(sv[1], buf + 3, 61)));
	printf(" \"%s\"\n", buf);
	CHECK(send(sv[1], "back", 4, 0) == 4, "send: %s", strerror(errno));
	memset(buf, 0, sizeof(buf));
	printf("recv: %s \"%s\"\n", ret_str(recv(sv[0], buf, sizeof(buf), 0)), buf);
	printf("recv MSG_DONTWAIT, empty: %s\n", ret_str(recv(sv[0], buf, 1, MSG_DONTWAIT)));
	CHECK(shutdown(sv[0], SHUT_WR) == 0, "shutdown: %s", strerror(errno));
	show_poll("after the peer's SHUT_WR", sv[1]);
	printf("read after SHUT_WR: %s\n", ret_str(read(sv[1], buf, 1)));
	printf("write after own SHUT_WR: %s", ret_str(write(sv[0], "x", 1)));
	printf(", SIGPIPEs %d\n", sigpipes);
	CHECK(close(sv[0]) == 0, "close");
	show_poll("peer closed", sv[1]);
	printf("write to a closed peer: %s", ret_str(write(sv[1], "x", 1)));
	printf(", SIGPIPEs %d\n", sigpipes);
	printf("MSG_NOSIGNAL: %s", ret_str(send(sv[1], "x", 1, MSG_NOSIGNAL)));
	printf(", SIGPIPEs %d\n", sigpipes);
	close(sv[1]);

	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) == 0,
	      "socketpair: %s", strerror(errno));
	printf("flags: O_NONBLOCK %d FD_CLOEXEC %d\n", !!(fcntl(sv[0], F_GETFL) & O_NONBLOCK),
	       !!(fcntl(sv[1], F_GETFD) & FD_CLOEXEC));
	static char chunk[4096];
	long total = 0, r;
	while ((r = write(sv[0], chunk, sizeof(chunk))) > 0)
		total += r;
	printf("filled: %s after at least 64 KiB: %s\n", ret_str(r), total >= 65536 ? "yes" : "no");
	show_poll("full, the reader", sv[1]);
	close(sv[0]);
	close(sv[1]);
}

static unsigned sum(const unsigned char *p, size_t n)
{
	unsigned s = 2166136261u; /* FNV-1a */
	for (size_t i = 0; i < n; i++)
		s = (s ^ p[i]) * 16777619u;
	return s;
}

/* 1 MiB to a child, which sends it back. */
static void check_fork(void)
{
	enum { N = 1 << 20 };
	static unsigned char out[N], in[N];
	for (size_t i = 0; i < N; i++)
		out[i] = (unsigned char)(i * 7 + i / 4096);
	int sv[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair: %s", strerror(errno));
	pid_t pid = fork();
	CHECK(pid >= 0, "fork");
	if (pid == 0) {
		close(sv[0]);
		size_t got = 0;
		while (got < N) {
			ssize_t r = read(sv[1], in + got, N - got);
			if (r <= 0)
				_exit(2);
			got += (size_t)r;
		}
		_exit(write(sv[1], in, N) == N ? 0 : 3);
	}
	close(sv[1]);
	CHECK(write(sv[0], out, N) == N, "write 1 MiB: %s", strerror(errno));
	size_t got = 0;
	while (got < N) {
		ssize_t r = read(sv[0], in + got, N - got);
		CHECK(r > 0, "read back: %s", ret_str(r));
		got += (size_t)r;
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "the child: %#x", st);
	printf("1 MiB there and back: sums %08x %08x\n", sum(out, N), sum(in, N));
	close(sv[0]);
}

static void check_messages(int type, const char *name)
{
	int sv[2];
	CHECK(socketpair(AF_UNIX, type, 0, sv) == 0, "socketpair: %s", strerror(errno));
	CHECK(write(sv[0], "12345", 5) == 5 && write(sv[0], "abcdefghij", 10) == 10 &&
		      write(sv[0], "xyz", 3) == 3,
	      "%s writes: %s", name, strerror(errno));
	for (int i = 0; i < 3; i++) {
		char buf[9] = "";
		printf("%s read 8: %s", name, ret_str(read(sv[1], buf, 8)));
		printf(" \"%s\"\n", buf);
	}
	CHECK(close(sv[1]) == 0, "close");
	show_poll(name, sv[0]);
	char c;
	if (type == SOCK_DGRAM) {
		printf("%s write, peer closed: %s\n", name, ret_str(write(sv[0], "x", 1)));
		printf("%s write again: %s\n", name, ret_str(write(sv[0], "x", 1)));
		printf("%s read MSG_DONTWAIT: %s\n", name, ret_str(recv(sv[0], &c, 1, MSG_DONTWAIT)));
	} else {
		printf("%s read, peer closed: %s\n", name, ret_str(read(sv[0], &c, 1)));
		printf("%s write, peer closed: %s", name, ret_str(write(sv[0], "x", 1)));
		printf(", SIGPIPEs %d\n", sigpipes);
	}
	close(sv[0]);
}

static void check_errors(void)
{
	int sv[2];
	printf("SOCK_PACKET: %s\n", ret_str(socketpair(AF_UNIX, SOCK_PACKET, 0, sv)));
	printf("bad flags: %s\n", ret_str(socketpair(AF_UNIX, SOCK_STREAM | 0x100, 0, sv)));
	printf("protocol 2: %s\n", ret_str(socketpair(AF_UNIX, SOCK_STREAM, 2, sv)));
	printf("family -1: %s\n", ret_str(socketpair(-1, SOCK_STREAM, 0, sv)));
	printf("bad pointer: %s\n", ret_str(syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, 8L)));
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair: %s", strerror(errno));
	printf("shutdown how 3: %s\n", ret_str(shutdown(sv[0], 3)));
	printf("lseek: %s\n", ret_str(lseek(sv[0], 0, SEEK_SET)));
	struct stat st;
	CHECK(fstat(sv[0], &st) == 0, "fstat: %s", strerror(errno));
	printf("fstat: S_ISSOCK %d mode %o size %ld\n", S_ISSOCK(st.st_mode), st.st_mode & 07777,
	       (long)st.st_size);
	char path[64], link[64] = "";
	snprintf(path, sizeof(path), "/proc/self/fd/%d", sv[0]);
	CHECK(readlink(path, link, sizeof(link) - 1) > 0, "readlink: %s", strerror(errno));
	printf("readlink: %.8s\n", link);
	printf("open of /proc/self/fd/N: %s\n", ret_str(open(path, O_RDWR)));
	int p[2];
	CHECK(pipe(p) == 0, "pipe");
	printf("shutdown of a pipe: %s\n", ret_str(shutdown(p[0], SHUT_RD)));
	printf("send on a pipe: %s\n", ret_str(send(p[1], "x", 1, 0)));
	close(p[0]);
	close(p[1]);
	close(sv[0]);
	close(sv[1]);
}

int main(void)
{
	CHECK(signal(SIGPIPE, on_sigpipe) != SIG_ERR, "signal");
	check_stream();
	check_fork();
	check_messages(SOCK_DGRAM, "dgram");
	check_messages(SOCK_SEQPACKET, "seqpacket");
	check_errors();
	return 0;
}
