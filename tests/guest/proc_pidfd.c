/* proc_pidfd: pidfd_open(2) on a child: close-on-exec, poll's events
 * while it runs (none), once it has exited (POLLIN) and once it has been
 * reaped (POLLIN and POLLHUP); a pidfd cannot be read (EINVAL); EINVAL
 * for pid 0 and unknown flags, ESRCH for a reaped child's pid. With
 * --vmemu (process_mrelease is refused on some hosts, so only under
 * vmemu): process_mrelease is EINVAL for unknown flags and a live
 * process, EBADF for what is no pidfd, 0 for a child killed but not yet
 * exited, ESRCH once it has exited.
 *
 * waitid(P_PIDFD): EINVAL for a negative fd, EBADF for what is no pidfd;
 * a PIDFD_NONBLOCK pidfd of a running child says EAGAIN (0 with WNOHANG);
 * a blocking one waits for the child's exit and reaps it; ECHILD after. */
#include <fcntl.h>
#include <stdbool.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest_test.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_process_mrelease
#define SYS_process_mrelease 448
#endif

static void show_poll(const char *what, int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	CHECK(poll(&p, 1, 0) >= 0, "poll: %s", strerror(errno));
	printf("%s: poll%s%s\n", what, p.revents & POLLIN ? " IN" : "", p.revents & POLLHUP ? " HUP" : "");
}

/* A child that waits for its pipe to close, with memory of its own. */
static pid_t child(int *wfd)
{
	int p[2];
	CHECK(pipe(p) == 0, "pipe");
	pid_t pid = fork();
	CHECK(pid >= 0, "fork");
	if (pid == 0) {
		close(p[1]);
		char *m = malloc(1 << 20);
		memset(m, 1, 1 << 20);
		char c;
		_exit(read(p[0], &c, 1) == 0 ? 0 : 1);
	}
	close(p[0]);
	*wfd = p[1];
	return pid;
}

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

static void waitid_pidfd(void)
{
	int w;
	pid_t pid = child(&w);
	int nb = (int)syscall(SYS_pidfd_open, pid, O_NONBLOCK); /* PIDFD_NONBLOCK */
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	CHECK(nb >= 0 && fd >= 0, "pidfd_open: %s", strerror(errno));
	siginfo_t si;
	printf("waitid P_PIDFD -1: %s\n", ret_str(waitid(P_PIDFD, (id_t)-1, &si, WEXITED)));
	printf("waitid P_PIDFD pipe: %s\n", ret_str(waitid(P_PIDFD, (id_t)w, &si, WEXITED)));
	printf("waitid P_PIDFD nonblocking, running: %s\n", ret_str(waitid(P_PIDFD, (id_t)nb, &si, WEXITED)));
	si.si_pid = 1;
	int r = waitid(P_PIDFD, (id_t)nb, &si, WEXITED | WNOHANG);
	printf("... with WNOHANG: %s, si_pid %d\n", ret_str(r), (int)si.si_pid);
	close(w);
	CHECK(waitid(P_PIDFD, (id_t)fd, &si, WEXITED) == 0, "waitid P_PIDFD: %s", strerror(errno));
	printf("waitid P_PIDFD: the child %s, code %d status %d\n",
	       si.si_pid == pid ? "itself" : "another", si.si_code, si.si_status);
	printf("waitid P_PIDFD once reaped: %s\n", ret_str(waitid(P_PIDFD, (id_t)fd, &si, WEXITED)));
	close(fd);
	close(nb);
}

int main(int argc, char **argv)
{
	bool mrelease = argc > 1 && !strcmp(argv[1], "--vmemu");
	int w;
	pid_t pid = child(&w);
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	CHECK(fd >= 0, "pidfd_open: %s", strerror(errno));
	printf("FD_CLOEXEC: %d\n", !!(fcntl(fd, F_GETFD) & FD_CLOEXEC));
	show_poll("running", fd);
	char c;
	printf("read: %s\n", ret_str(read(fd, &c, 1)));
	if (mrelease) {
		CHECK_ERRNO(syscall(SYS_process_mrelease, fd, 1), EINVAL, "mrelease with flags");
		CHECK_ERRNO(syscall(SYS_process_mrelease, fd, 0), EINVAL, "mrelease of a live process");
		CHECK_ERRNO(syscall(SYS_process_mrelease, w, 0), EBADF, "mrelease of a pipe");
		CHECK_ERRNO(syscall(SYS_process_mrelease, -1, 0), EBADF, "mrelease of fd -1");
	}
	close(w);
	siginfo_t si;
	CHECK(waitid(P_PID, pid, &si, WEXITED | WNOWAIT) == 0, "waitid: %s", strerror(errno));
	show_poll("exited", fd);
	CHECK(waitpid(pid, NULL, 0) == pid, "waitpid");
	show_poll("reaped", fd);
	printf("pidfd_open of the reaped pid: %s\n", ret_str(syscall(SYS_pidfd_open, pid, 0)));
	printf("pid 0: %s\n", ret_str(syscall(SYS_pidfd_open, 0, 0)));
	printf("unknown flag: %s\n", ret_str(syscall(SYS_pidfd_open, getpid(), 1)));
	close(fd);
	waitid_pidfd();

	if (mrelease) {
		pid = child(&w);
		fd = (int)syscall(SYS_pidfd_open, pid, 0);
		CHECK(fd >= 0, "pidfd_open: %s", strerror(errno));
		usleep(100000); /* let it touch its memory */
		CHECK(kill(pid, SIGKILL) == 0, "kill");
		CHECK(syscall(SYS_process_mrelease, fd, 0) == 0, "mrelease of a dying child: %s",
		      strerror(errno));
		int st;
		CHECK(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
		      "the child: %#x", st);
		CHECK_ERRNO(syscall(SYS_process_mrelease, fd, 0), ESRCH, "mrelease of a reaped child");
		close(fd);
		close(w);
	}
	return 0;
}
