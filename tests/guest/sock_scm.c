/* sock_scm: sendmsg and recvmsg on AF_UNIX socket pairs. SCM_RIGHTS
 * passes a pipe's write end and a file to a forked child, which gets new
 * fds for the same open file descriptions (it writes into the pipe, and
 * moves the file offset the parent sees); files in flight are put when
 * nobody receives them (the pipe sees end of file); MSG_CTRUNC when the
 * control buffer holds fewer fds, MSG_PEEK with files, MSG_CMSG_CLOEXEC,
 * a stream read that stops at a message with files. SCM_CREDENTIALS with
 * SO_PASSCRED (given, or the sender's own). MSG_PEEK, MSG_TRUNC (flag and
 * msg_flags), MSG_WAITALL, scattered iovecs, msg_name on a pair, a
 * datagram lost to a bad buffer;
 * sendmmsg and recvmmsg with MSG_WAITFORONE; the errors of the control
 * data (by the system call itself). All printed and compared with the native run. */
#include <fcntl.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest_test.h"

#define MAX_FDS 4

static char scratch[64];

/* The system call itself: musl's sendmsg copies the control data first
 * (ENOMEM past 1 KiB, a fault at a bad pointer). */
static long sendmsg_raw(int fd, const struct msghdr *m)
{
	return syscall(SYS_sendmsg, fd, m, 0);
}

/* One message of len bytes and n fds (n may be 0). */
static ssize_t send_fds(int s, const char *data, size_t len, const int *fds, int n, int flags)
{
	struct iovec iov = {(void *)data, len};
	union {
		char buf[CMSG_SPACE(MAX_FDS * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
	if (n) {
		m.msg_control = u.buf;
		m.msg_controllen = CMSG_SPACE(n * sizeof(int));
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(n * sizeof(int));
		memcpy(CMSG_DATA(c), fds, n * sizeof(int));
	}
	return sendmsg(s, &m, flags);
}

/* One message into buf; the fds it brought into fds (*n of them). room:
 * how many fds the control buffer holds. */
static ssize_t recv_fds(int s, char *buf, size_t len, int *fds, int *n, int room, int flags,
			int *msg_flags)
{
	struct iovec iov = {buf, len};
	union {
		char buf[CMSG_SPACE(MAX_FDS * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = room ? u.buf : NULL,
			   .msg_controllen = room ? CMSG_LEN(room * sizeof(int)) : 0};
	ssize_t r = recvmsg(s, &m, flags);
	*n = 0;
	*msg_flags = m.msg_flags;
	if (r < 0)
		return r;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
		CHECK(c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS, "cmsg %d/%d",
		      c->cmsg_level, c->cmsg_type);
		int k = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		memcpy(fds + *n, CMSG_DATA(c), k * sizeof(int));
		*n += k;
	}
	return r;
}

static void check_rights_fork(void)
{
	int sv[2], p[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair: %s", strerror(errno));
	CHECK(pipe(p) == 0, "pipe");
	int file = open(scratch, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK(file >= 0, "open: %s", strerror(errno));
	pid_t child = fork();
	CHECK(child >= 0, "fork");
	if (child == 0) {
		close(sv[0]);
		close(p[1]);
		close(file);
		char buf[16] = "";
		int fds[MAX_FDS], n, fl;
		ssize_t r = recv_fds(sv[1], buf, sizeof(buf), fds, &n, MAX_FDS, MSG_CMSG_CLOEXEC, &fl);
		CHECK(r == 5 && n == 2 && !memcmp(buf, "files", 5), "child recvmsg %zd, %d fds", r, n);
		CHECK(fl == MSG_CMSG_CLOEXEC, "child msg_flags %#x", fl);
		CHECK(fcntl(fds[0], F_GETFD) == FD_CLOEXEC && fcntl(fds[1], F_GETFD) == FD_CLOEXEC,
		      "MSG_CMSG_CLOEXEC");
		CHECK(write(fds[0], "through the pipe", 16) == 16, "write passed pipe: %s",
		      strerror(errno));
		CHECK(write(fds[1], "0123456789", 10) == 10, "write passed file: %s", strerror(errno));
		_exit(0);
	}
	close(sv[1]);
	int fds[2] = {p[1], file};
	CHECK(send_fds(sv[0], "files", 5, fds, 2, 0) == 5, "sendmsg: %s", strerror(errno));
	close(p[1]);
	int status;
	CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && !WEXITSTATUS(status),
	      "child failed");
	char buf[32] = "";
	printf("the pipe passed to the child: %s \"%s\"\n", ret_str(read(p[0], buf, sizeof(buf) - 1)),
	       buf);
	printf("the file offset the child moved: %ld\n", (long)lseek(file, 0, SEEK_CUR));
	close(file);
	close(p[0]);
	close(sv[0]);
}

static void check_rights_local(void)
{
	int sv[2], p[2], fds[MAX_FDS], n, fl;
	char buf[16] = "";
	/* In flight, never received: the files are put with the socket. */
	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0 && pipe(p) == 0, "socketpair");
	CHECK(send_fds(sv[0], "x", 1, &p[1], 1, 0) == 1, "sendmsg: %s", strerror(errno));
	close(p[1]);
	close(sv[0]);
	close(sv[1]);
	printf("pipe read after its write end was dropped in flight: %s\n",
	       ret_str(read(p[0], buf, 1)));
	close(p[0]);
	/* MSG_CTRUNC: room for one fd of two; none. */
	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0 && pipe(p) == 0, "socketpair");
	int two[2] = {p[1], p[1]};
	CHECK(send_fds(sv[0], "ab", 2, two, 2, 0) == 2 && send_fds(sv[0], "cd", 2, two, 2, 0) == 2,
	      "sendmsg: %s", strerror(errno));
	close(p[1]);
	printf("room for 1 of 2 fds: %s", ret_str(recv_fds(sv[1], buf, sizeof(buf), fds, &n, 1, 0, &fl)));
	printf(", %d fd, msg_flags %#x\n", n, fl);
	CHECK(n == 1, "one fd");
	int kept = fds[0];
	printf("no control buffer: %s", ret_str(recv_fds(sv[1], buf, sizeof(buf), fds, &n, 0, 0, &fl)));
	printf(", %d fds, msg_flags %#x\n", n, fl);
	close(kept);
	printf("pipe read once the fds are gone: %s\n", ret_str(read(p[0], buf, 1)));
	close(p[0]);
	/* MSG_PEEK hands out fds too, and the read gets them again. */
	CHECK(pipe(p) == 0, "pipe");
	CHECK(send_fds(sv[0], "peek", 4, &p[0], 1, 0) == 4, "sendmsg");
	int peeked[MAX_FDS], np;
	printf("peek: %s", ret_str(recv_fds(sv[1], buf, sizeof(buf), peeked, &np, 1, MSG_PEEK, &fl)));
	printf(", %d fd; ", np);
	printf("read: %s", ret_str(recv_fds(sv[1], buf, sizeof(buf), fds, &n, 1, 0, &fl)));
	printf(", %d fd, a new one %d\n", n, n == 1 && np == 1 && fds[0] != peeked[0]);
	struct stat a, b;
	CHECK(fstat(fds[0], &a) == 0 && fstat(p[0], &b) == 0, "fstat");
	printf("the same pipe: %d\n", a.st_ino == b.st_ino);
	close(fds[0]);
	close(peeked[0]);
	close(p[0]);
	close(p[1]);
	/* Errors of the control data. */
	int bad = 999;
	printf("SCM_RIGHTS of a closed fd: %s\n", ret_str(send_fds(sv[0], "x", 1, &bad, 1, 0)));
	struct iovec iov = {"x", 1};
	union {
		char b[64];
		struct cmsghdr align;
	} u;
	memset(&u, 0, sizeof(u));
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b,
			   .msg_controllen = sizeof(u.b)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = 99;
	c->cmsg_len = CMSG_LEN(4);
	m.msg_controllen = CMSG_SPACE(4);
	printf("unknown cmsg type: %s\n", ret_str(sendmsg_raw(sv[0], &m)));
	c->cmsg_level = 1234;
	printf("other level: %s\n", ret_str(sendmsg_raw(sv[0], &m)));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_len = 8;
	printf("cmsg_len 8: %s\n", ret_str(sendmsg_raw(sv[0], &m)));
	c->cmsg_len = 200;
	printf("cmsg_len past the buffer: %s\n", ret_str(sendmsg_raw(sv[0], &m)));
	c->cmsg_type = SCM_CREDENTIALS;
	c->cmsg_len = CMSG_LEN(4);
	printf("SCM_CREDENTIALS of 4 bytes: %s\n", ret_str(sendmsg_raw(sv[0], &m)));
	m.msg_controllen = 8;
	printf("controllen 8: %s\n", ret_str(sendmsg_raw(sv[0], &m)));
	m.msg_controllen = 1 << 20;
	printf("controllen 1 MiB: %s\n", ret_str(sendmsg_raw(sv[0], &m)));
	m.msg_controllen = 64;
	m.msg_control = (void *)8;
	printf("control at a bad pointer: %s\n", ret_str(sendmsg_raw(sv[0], &m)));
	m.msg_control = NULL;
	m.msg_controllen = 0;
	m.msg_iovlen = 1025;
	printf("1025 iovecs: %s\n", ret_str(sendmsg_raw(sv[0], &m)));
	printf("recvmsg of 1025 iovecs: %s\n", ret_str(recvmsg(sv[1], &m, MSG_DONTWAIT)));
	m.msg_iovlen = 1;
	printf("sendmsg on fd 999: %s\n", ret_str(sendmsg_raw(999, &m)));
	while (recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
	close(sv[0]);
	close(sv[1]);
	/* A stream read stops after the part that brought files. */
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0 && pipe(p) == 0, "socketpair");
	CHECK(send(sv[0], "ab", 2, 0) == 2 && send_fds(sv[0], "cd", 2, &p[0], 1, 0) == 2 &&
		      send(sv[0], "ef", 2, 0) == 2,
	      "send");
	memset(buf, 0, sizeof(buf));
	printf("stream read: %s", ret_str(recv_fds(sv[1], buf, sizeof(buf), fds, &n, 1, 0, &fl)));
	printf(" \"%s\" %d fd; ", buf, n);
	close(fds[0]);
	memset(buf, 0, sizeof(buf));
	printf("then: %s \"%s\"\n", ret_str(recv(sv[1], buf, sizeof(buf), 0)), buf);
	close(p[0]);
	close(p[1]);
	close(sv[0]);
	close(sv[1]);
}

static void check_creds(void)
{
	int sv[2], one = 1;
	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0, "socketpair");
	CHECK(send(sv[0], "plain", 5, 0) == 5, "send");
	CHECK(setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) == 0, "SO_PASSCRED");
	pid_t child = fork();
	CHECK(child >= 0, "fork");
	if (child == 0) {
		struct ucred cr = {getpid(), getuid(), getgid()};
		struct iovec iov = {"creds", 5};
		union {
			char b[CMSG_SPACE(sizeof(struct ucred))];
			struct cmsghdr align;
		} u;
		struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b,
				   .msg_controllen = sizeof(u.b)};
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_CREDENTIALS;
		c->cmsg_len = CMSG_LEN(sizeof(cr));
		memcpy(CMSG_DATA(c), &cr, sizeof(cr));
		CHECK(sendmsg(sv[0], &m, 0) == 5, "sendmsg creds: %s", strerror(errno));
		_exit(0);
	}
	int status;
	CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && !WEXITSTATUS(status),
	      "child failed");
	for (int i = 0; i < 2; i++) {
		char buf[8] = "";
		struct iovec iov = {buf, sizeof(buf)};
		union {
			char b[CMSG_SPACE(sizeof(struct ucred))];
			struct cmsghdr align;
		} u;
		struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b,
				   .msg_controllen = sizeof(u.b)};
		ssize_t r = recvmsg(sv[1], &m, 0);
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);
		CHECK(r == 5 && c && c->cmsg_type == SCM_CREDENTIALS, "recvmsg creds %zd", r);
		struct ucred cr;
		memcpy(&cr, CMSG_DATA(c), sizeof(cr));
		printf("\"%s\": SCM_CREDENTIALS len %zu, controllen %zu, pid %s, uid %s %u\n",
		       buf, (size_t)c->cmsg_len, (size_t)m.msg_controllen,
		       cr.pid == getpid() ? "the parent" : cr.pid == child ? "the child" : "0",
		       cr.uid == getuid() && cr.gid == getgid() ? "ours" : "none", cr.uid == getuid() ? 0 : cr.uid);
	}
	/* A short control buffer: cut, MSG_CTRUNC. */
	CHECK(send(sv[0], "short", 5, 0) == 5, "send");
	char buf[8], cbuf[20];
	struct iovec iov = {buf, sizeof(buf)};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			   .msg_controllen = sizeof(cbuf)};
	printf("creds into 20 bytes: %s", ret_str(recvmsg(sv[1], &m, 0)));
	printf(", controllen %zu, msg_flags %#x\n", (size_t)m.msg_controllen, m.msg_flags);
	close(sv[0]);
	close(sv[1]);
}

static void check_flags(void)
{
	int sv[2];
	char buf[16] = "";
	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0, "socketpair");
	CHECK(send(sv[0], "0123456789", 10, 0) == 10 && send(sv[0], "abcdefghij", 10, 0) == 10,
	      "send");
	printf("MSG_PEEK: %s \"%.10s\"\n", ret_str(recv(sv[1], buf, sizeof(buf), MSG_PEEK)), buf);
	printf("MSG_TRUNC into 4: %s\n", ret_str(recv(sv[1], buf, 4, MSG_TRUNC)));
	struct iovec iov[3] = {{buf, 2}, {buf + 4, 3}, {buf + 8, 1}};
	struct sockaddr_storage name;
	memset(buf, '.', sizeof(buf));
	struct msghdr m = {.msg_name = &name, .msg_namelen = sizeof(name), .msg_iov = iov,
			   .msg_iovlen = 3};
	printf("recvmsg into 2+3+1: %s", ret_str(recvmsg(sv[1], &m, 0)));
	printf(" \"%.10s\", msg_flags %#x, namelen %u\n", buf, m.msg_flags, m.msg_namelen);
	/* A datagram read into a bad buffer loses the message. */
	CHECK(send(sv[0], "lost", 4, 0) == 4 && send(sv[0], "next", 4, 0) == 4, "send");
	printf("recv into a bad pointer: %s", ret_str(recv(sv[1], (void *)8, 4, 0)));
	memset(buf, 0, sizeof(buf));
	printf(", then %s \"%s\"\n", ret_str(recv(sv[1], buf, sizeof(buf), 0)), buf);
	close(sv[0]);
	close(sv[1]);
	/* MSG_WAITALL: the parts a child writes, slowly. */
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
	pid_t child = fork();
	CHECK(child >= 0, "fork");
	if (child == 0) {
		for (int i = 0; i < 3; i++) {
			usleep(20000);
			CHECK(send(sv[1], "abc", 3, 0) == 3, "send");
		}
		_exit(0);
	}
	memset(buf, 0, sizeof(buf));
	printf("MSG_WAITALL 9: %s \"%s\"\n", ret_str(recv(sv[0], buf, 9, MSG_WAITALL)), buf);
	int status;
	CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && !WEXITSTATUS(status),
	      "child failed");
	CHECK(send(sv[1], "xy", 2, 0) == 2 && shutdown(sv[1], SHUT_WR) == 0, "send");
	printf("MSG_WAITALL past the end: %s\n", ret_str(recv(sv[0], buf, 9, MSG_WAITALL)));
	printf("stream MSG_PEEK on empty, MSG_DONTWAIT: %s\n",
	       ret_str(recv(sv[0], buf, 9, MSG_PEEK | MSG_DONTWAIT)));
	m = (struct msghdr){.msg_name = &name, .msg_namelen = sizeof(name), .msg_iov = iov,
			    .msg_iovlen = 1};
	printf("sendmsg with a name on a stream pair: %s\n", ret_str(sendmsg(sv[0], &m, 0)));
	close(sv[0]);
	close(sv[1]);
}

static void check_mmsg(void)
{
	int sv[2];
	CHECK(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv) == 0, "socketpair");
	struct iovec out[3] = {{"one", 3}, {"three", 5}, {"seven..", 7}};
	struct mmsghdr mm[5];
	memset(mm, 0, sizeof(mm));
	for (int i = 0; i < 3; i++) {
		mm[i].msg_hdr.msg_iov = &out[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	printf("sendmmsg 3: %s", ret_str(sendmmsg(sv[0], mm, 3, 0)));
	printf(", lengths %u %u %u\n", mm[0].msg_len, mm[1].msg_len, mm[2].msg_len);
	char bufs[5][8];
	struct iovec in[5];
	memset(mm, 0, sizeof(mm));
	for (int i = 0; i < 5; i++) {
		in[i] = (struct iovec){bufs[i], 4};
		mm[i].msg_hdr.msg_iov = &in[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	printf("recvmmsg 5: %s", ret_str(recvmmsg(sv[1], mm, 5, 0, NULL)));
	printf(", lengths %u %u %u, flags %#x %#x %#x\n", mm[0].msg_len, mm[1].msg_len,
	       mm[2].msg_len, mm[0].msg_hdr.msg_flags, mm[1].msg_hdr.msg_flags,
	       mm[2].msg_hdr.msg_flags);
	printf("recvmmsg, none: %s\n", ret_str(recvmmsg(sv[1], mm, 5, 0, NULL)));
	struct timespec bad = {0, 2000000000L};
	printf("recvmmsg, bad timeout: %s\n", ret_str(recvmmsg(sv[1], mm, 5, 0, &bad)));
	close(sv[0]);
	close(sv[1]);
	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0, "socketpair");
	CHECK(send(sv[0], "a", 1, 0) == 1 && send(sv[0], "b", 1, 0) == 1, "send");
	printf("recvmmsg MSG_WAITFORONE, blocking socket: %s\n",
	       ret_str(recvmmsg(sv[1], mm, 5, MSG_WAITFORONE, NULL)));
	printf("sendmmsg on fd 999: %s\n", ret_str(sendmmsg(999, mm, 1, 0)));
	printf("sendmmsg of 0: %s\n", ret_str(sendmmsg(sv[0], mm, 0, 0)));
	close(sv[0]);
	close(sv[1]);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	snprintf(scratch, sizeof(scratch), "%s/sock_scm.%d", tmp_dir(), getpid());
	check_rights_fork();
	unlink(scratch);
	check_rights_local();
	check_creds();
	check_flags();
	check_mmsg();
	return 0;
}
