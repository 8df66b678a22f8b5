/* task_seccomp_notify.c - seccomp user notification between a child that
 * makes calls and its parent, the supervisor holding the listener: the
 * listener's name, close-on-exec and flag checks (EINVAL, EBUSY); a
 * notification's id, pid and data; answers by value, by error and
 * CONTINUE (the call runs); ID_VALID, SEND's ENOENT and EINPROGRESS, RECV's
 * EINVAL for a request not zeroed; poll IN then OUT; a signal ends the
 * wait (a handler without SA_RESTART: EINTR, the notification gone; with
 * it: notified anew under a new id); ADDFD at the lowest fd and at a
 * chosen one; the listener closed: ENOSYS; HUP once the child is gone. */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "guest_test.h"

#include "seccomp_abi.h"

/* The user notification part of <linux/seccomp.h>. */
struct seccomp_notif {
	uint64_t id;
	uint32_t pid, flags;
	struct seccomp_data data;
};
struct seccomp_notif_resp {
	uint64_t id;
	int64_t val;
	int32_t error;
	uint32_t flags;
};
struct seccomp_notif_addfd {
	uint64_t id;
	uint32_t flags, srcfd, newfd, newfd_flags;
};
#define SECCOMP_FILTER_FLAG_NEW_LISTENER 8u
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV 32u
#define SECCOMP_USER_NOTIF_FLAG_CONTINUE 1u
#define SECCOMP_ADDFD_FLAG_SETFD 1u
#define SECCOMP_IOCTL_NOTIF_RECV _IOWR('!', 0, struct seccomp_notif)
#define SECCOMP_IOCTL_NOTIF_SEND _IOWR('!', 1, struct seccomp_notif_resp)
#define SECCOMP_IOCTL_NOTIF_ID_VALID _IOW('!', 2, uint64_t)
#define SECCOMP_IOCTL_NOTIF_ADDFD _IOW('!', 3, struct seccomp_notif_addfd)

#define MAGIC 4242

static int install_listener(unsigned flags)
{
	struct sock_filter f[] = {
		LD_NR,
		JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
		STMT(BPF_RET | BPF_K, RET_USER_NOTIF),
		STMT(BPF_RET | BPF_K, RET_ALLOW),
	};
	struct sock_fprog prog = {.len = sizeof(f) / sizeof(f[0]), .filter = f};
	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
}

static long recv_one(int listener, struct seccomp_notif *req)
{
	memset(req, 0, sizeof(*req));
	return ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, req);
}

static long send_resp(int listener, uint64_t id, int64_t val, int32_t error, uint32_t flags)
{
	struct seccomp_notif_resp resp = {.id = id, .val = val, .error = error, .flags = flags};
	return ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
}

static short poll_events(int listener)
{
	struct pollfd pfd = {.fd = listener, .events = POLLIN | POLLOUT};
	CHECK(poll(&pfd, 1, 5000) == 1, "poll: %s", strerror(errno));
	return pfd.revents;
}

static void on_usr1(int sig)
{
	(void)sig;
}

/* The child: each getppid goes to the supervisor. */
static void child(int ready, pid_t parent, int listener)
{
	close(listener); /* the supervisor's alone: its close must end it */
	struct sigaction sa = {.sa_handler = on_usr1};
	sigaction(SIGUSR1, &sa, NULL);
	char c = 1;
	if (syscall(SYS_getppid, 11, 22) != MAGIC)
		_exit(1);
	errno = 0;
	if (syscall(SYS_getppid) != -1 || errno != EPERM)
		_exit(2);
	if (syscall(SYS_getppid) != parent) /* CONTINUE: the call ran */
		_exit(3);
	/* Interrupted by SIGUSR1 (no SA_RESTART): EINTR. */
	errno = 0;
	if (syscall(SYS_getppid) != -1 || errno != EINTR)
		_exit(4);
	write(ready, &c, 1);
	/* SA_RESTART: notified anew, then answered. */
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	if (syscall(SYS_getppid) != MAGIC + 1)
		_exit(5);
	/* ADDFD: the supervisor puts two fds here and answers with the first. */
	long fd = syscall(SYS_getppid);
	if (fd < 0 || fcntl((int)fd, F_GETFD) != FD_CLOEXEC || fcntl(40, F_GETFD) != 0)
		_exit(6);
	/* The listener closes while this one waits: ENOSYS. */
	errno = 0;
	if (syscall(SYS_getppid) != -1 || errno != ENOSYS)
		_exit(7);
	_exit(0);
}

#define CHECK_ERR(call, err, what)                                                          \
	do {                                                                                \
		errno = 0;                                                                  \
		long r_ = (call);                                                           \
		CHECK(r_ == -1 && errno == (err), "%s: %ld, errno %d", what, r_, errno);   \
	} while (0)

int main(void)
{
	CHECK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0, "no_new_privs: %s", strerror(errno));
	CHECK_ERR(install_listener(SECCOMP_FILTER_FLAG_NEW_LISTENER | FLAG_TSYNC),
		  EINVAL, "TSYNC with NEW_LISTENER");
	CHECK_ERR(install_listener(SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV), EINVAL,
		  "WAIT_KILLABLE_RECV alone");
	pid_t parent = getpid();
	int listener = install_listener(SECCOMP_FILTER_FLAG_NEW_LISTENER);
	CHECK(listener >= 0, "listener: %s", strerror(errno));
	CHECK_ERR(install_listener(SECCOMP_FILTER_FLAG_NEW_LISTENER), EBUSY, "a second listener");
	char path[64], name[64] = "";
	snprintf(path, sizeof(path), "/proc/self/fd/%d", listener);
	CHECK(readlink(path, name, sizeof(name) - 1) > 0, "readlink: %s", strerror(errno));
	printf("listener: %s, close-on-exec %d\n", name, fcntl(listener, F_GETFD));
	int pfd[2];
	CHECK(pipe(pfd) == 0, "pipe: %s", strerror(errno));
	pid_t pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0)
		child(pfd[1], parent, listener);
	char c;
	struct seccomp_notif req;

	/* A value. */
	CHECK(poll_events(listener) == POLLIN, "poll before RECV");
	struct seccomp_notif bad = {.pid = 1};
	CHECK_ERR(ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &bad), EINVAL, "RECV not zeroed");
	CHECK(recv_one(listener, &req) == 0, "RECV: %s", strerror(errno));
	CHECK(req.pid == (uint32_t)pid && req.data.nr == SYS_getppid && req.data.args[0] == 11 &&
		      req.data.args[1] == 22 && req.data.arch == 0xc000003e,
	      "notification: pid %u nr %d args %llu %llu", req.pid, req.data.nr,
	      (unsigned long long)req.data.args[0], (unsigned long long)req.data.args[1]);
	CHECK(poll_events(listener) == POLLOUT, "poll after RECV");
	CHECK(ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &req.id) == 0, "ID_VALID");
	CHECK_ERR(send_resp(listener, req.id, 1, 0, SECCOMP_USER_NOTIF_FLAG_CONTINUE), EINVAL,
		  "CONTINUE with a value");
	CHECK_ERR(send_resp(listener, req.id + 100, 0, 0, 0), ENOENT, "SEND to no id");
	CHECK(send_resp(listener, req.id, MAGIC, 0, 0) == 0, "SEND: %s", strerror(errno));
	CHECK_ERR(ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &req.id), ENOENT, "answered ID_VALID");
	printf("answered by value\n");

	/* An error, then CONTINUE. */
	CHECK(recv_one(listener, &req) == 0, "RECV: %s", strerror(errno));
	CHECK(send_resp(listener, req.id, 0, -EPERM, 0) == 0, "SEND error: %s", strerror(errno));
	CHECK(recv_one(listener, &req) == 0, "RECV: %s", strerror(errno));
	CHECK(send_resp(listener, req.id, 0, 0, SECCOMP_USER_NOTIF_FLAG_CONTINUE) == 0,
	      "SEND CONTINUE: %s", strerror(errno));
	printf("answered by error and CONTINUE\n");

	/* Signals: EINTR, then a restart under a new id. */
	CHECK(recv_one(listener, &req) == 0, "RECV: %s", strerror(errno));
	CHECK(kill(pid, SIGUSR1) == 0, "kill: %s", strerror(errno));
	CHECK(read(pfd[0], &c, 1) == 1, "child gone after EINTR");
	CHECK_ERR(ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &req.id), ENOENT,
		  "interrupted ID_VALID");
	struct seccomp_notif first;
	CHECK(recv_one(listener, &first) == 0, "RECV: %s", strerror(errno));
	CHECK(kill(pid, SIGUSR1) == 0, "kill: %s", strerror(errno));
	CHECK(recv_one(listener, &req) == 0, "RECV restarted: %s", strerror(errno));
	CHECK(req.id != first.id, "the restarted call kept its id");
	CHECK_ERR(send_resp(listener, first.id, 0, 0, 0), ENOENT, "SEND to an interrupted one");
	CHECK(send_resp(listener, req.id, MAGIC + 1, 0, 0) == 0, "SEND: %s", strerror(errno));
	printf("signals: EINTR, then notified anew\n");

	/* ADDFD. */
	CHECK(recv_one(listener, &req) == 0, "RECV: %s", strerror(errno));
	struct seccomp_notif_addfd add = {.id = req.id, .srcfd = (uint32_t)pfd[0],
					  .newfd_flags = O_CLOEXEC};
	long fd = ioctl(listener, SECCOMP_IOCTL_NOTIF_ADDFD, &add);
	CHECK(fd >= 0, "ADDFD: %s", strerror(errno));
	add = (struct seccomp_notif_addfd){.id = req.id, .flags = SECCOMP_ADDFD_FLAG_SETFD,
					   .srcfd = (uint32_t)pfd[0], .newfd = 40};
	CHECK(ioctl(listener, SECCOMP_IOCTL_NOTIF_ADDFD, &add) == 40, "ADDFD SETFD: %s",
	      strerror(errno));
	add.newfd = 41;
	add.flags = 0;
	CHECK_ERR(ioctl(listener, SECCOMP_IOCTL_NOTIF_ADDFD, &add), EINVAL, "newfd without SETFD");
	CHECK(send_resp(listener, req.id, fd, 0, 0) == 0, "SEND: %s", strerror(errno));
	printf("addfd: lowest and 40\n");

	/* The listener closes while the child waits. */
	CHECK(recv_one(listener, &req) == 0, "RECV: %s", strerror(errno));
	close(listener);
	int status;
	CHECK(waitpid(pid, &status, 0) == pid, "waitpid: %s", strerror(errno));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %#x", status);
	printf("closed listener: ENOSYS\n");
	return 0;
}
