/* ev_signalfd: signalfd(2) and signalfd4(2) over blocked signals. A
 * signal of the mask is read as a struct signalfd_siginfo (signo, code,
 * sender's pid and uid; a child's SIGCHLD with its status), the thread's
 * own pending signals before its process's; a read takes as many as fit
 * and EINVAL below one; nonblocking EAGAIN; poll IN while one is pending;
 * signals outside the mask stay pending until the mask of the existing
 * signalfd is changed; a blocking read waits for a signal another
 * process sends, and for SIGCHLD; EINVAL for a bad size, flags or an fd
 * that is no signalfd, EBADF, EFAULT; SFD_CLOEXEC and SFD_NONBLOCK;
 * "anon_inode:[signalfd]". */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest_test.h"

static sigset_t set_of(int a, int b)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, a);
	if (b)
		sigaddset(&s, b);
	return s;
}

static bool readable(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	CHECK(poll(&p, 1, 0) >= 0, "poll");
	return p.revents & POLLIN;
}

static struct signalfd_siginfo take(int fd)
{
	struct signalfd_siginfo si;
	ssize_t n = read(fd, &si, sizeof(si));
	CHECK(n == sizeof(si), "read: %zd %s", n, strerror(errno));
	return si;
}

static void errors(void)
{
	sigset_t s = set_of(SIGUSR1, 0);
	CHECK_ERRNO(syscall(SYS_signalfd4, -1, &s, 4, 0), EINVAL, "sizemask 4");
	CHECK_ERRNO(syscall(SYS_signalfd4, -1, NULL, 8, 0), EFAULT, "NULL mask");
	CHECK_ERRNO(syscall(SYS_signalfd4, -1, NULL, 4, 0), EINVAL, "the size before the copy");
	CHECK_ERRNO(signalfd(-1, &s, O_APPEND), EINVAL, "unknown flag");
	CHECK_ERRNO(signalfd(999, &s, 0), EBADF, "fd 999");
	int p[2];
	CHECK(pipe(p) == 0, "pipe");
	CHECK_ERRNO(signalfd(p[0], &s, 0), EINVAL, "a pipe");
	close(p[0]);
	close(p[1]);
	int fd = signalfd(-1, &s, SFD_CLOEXEC | SFD_NONBLOCK);
	CHECK(fd >= 0, "signalfd: %s", strerror(errno));
	char path[64], link[64], small[100];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(path, link, sizeof(link) - 1);
	CHECK(n > 0, "readlink");
	link[n] = 0;
	printf("link %s F_GETFL %o FD_CLOEXEC %d\n", link, fcntl(fd, F_GETFL), fcntl(fd, F_GETFD));
	CHECK_ERRNO(read(fd, small, sizeof(small)), EINVAL, "read of 100 bytes");
	CHECK_ERRNO(write(fd, small, sizeof(small)), EINVAL, "write");
	close(fd);
}

static void pending(void)
{
	sigset_t both = set_of(SIGUSR1, SIGUSR2), one = set_of(SIGUSR1, 0);
	CHECK(sigprocmask(SIG_BLOCK, &both, NULL) == 0, "sigprocmask");
	int fd = signalfd(-1, &one, SFD_NONBLOCK);
	CHECK(fd >= 0, "signalfd");
	struct signalfd_siginfo si;
	CHECK_ERRNO(read(fd, &si, sizeof(si)), EAGAIN, "nothing pending");
	CHECK(!readable(fd), "poll with nothing pending");
	CHECK(raise(SIGUSR1) == 0, "raise");
	CHECK(readable(fd), "poll with SIGUSR1 pending");
	si = take(fd);
	CHECK(si.ssi_signo == SIGUSR1 && si.ssi_code == SI_TKILL && si.ssi_pid == (uint32_t)getpid() &&
	      si.ssi_uid == getuid(), "raise: signo %u code %d pid %u", si.ssi_signo, si.ssi_code,
	      si.ssi_pid);
	printf("raise: SIGUSR1 SI_TKILL from self\n");
	CHECK_ERRNO(read(fd, &si, sizeof(si)), EAGAIN, "taken");
	CHECK(kill(getpid(), SIGUSR2) == 0, "kill");
	CHECK(!readable(fd), "SIGUSR2 is not in the mask");
	CHECK(signalfd(fd, &both, 0) == fd, "new mask");
	CHECK(readable(fd), "SIGUSR2 now in the mask");
	/* The thread's own SIGUSR1 comes before the process's SIGUSR2. */
	CHECK(syscall(SYS_tgkill, getpid(), gettid(), SIGUSR1) == 0, "tgkill");
	struct signalfd_siginfo two[3];
	ssize_t n = read(fd, two, sizeof(two));
	CHECK(n == 2 * (ssize_t)sizeof(si), "read of two: %zd", n);
	CHECK(two[0].ssi_signo == SIGUSR1 && two[1].ssi_signo == SIGUSR2 && two[1].ssi_code == SI_USER,
	      "order %u %u", two[0].ssi_signo, two[1].ssi_signo);
	printf("two at once: SIGUSR1 (thread) then SIGUSR2 (process, SI_USER)\n");
	sigset_t left;
	CHECK(sigpending(&left) == 0 && !sigismember(&left, SIGUSR1) && !sigismember(&left, SIGUSR2),
	      "nothing left pending");
	close(fd);
}

/* A blocking read waits for what another process sends, and for SIGCHLD. */
static void blocking(void)
{
	sigset_t usr1 = set_of(SIGUSR1, 0), chld = set_of(SIGCHLD, 0);
	CHECK(sigprocmask(SIG_BLOCK, &chld, NULL) == 0, "sigprocmask");
	int fd = signalfd(-1, &usr1, 0), cfd = signalfd(-1, &chld, 0);
	CHECK(fd >= 0 && cfd >= 0, "signalfd");
	pid_t parent = getpid();
	pid_t pid = fork();
	CHECK(pid >= 0, "fork");
	if (pid == 0) {
		usleep(100000);
		kill(parent, SIGUSR1);
		usleep(100000);
		_exit(3);
	}
	struct signalfd_siginfo si = take(fd);
	CHECK(si.ssi_signo == SIGUSR1 && si.ssi_pid == (uint32_t)pid && si.ssi_code == SI_USER,
	      "from the child: signo %u pid %u", si.ssi_signo, si.ssi_pid);
	si = take(cfd);
	CHECK(si.ssi_signo == SIGCHLD && si.ssi_code == CLD_EXITED && si.ssi_pid == (uint32_t)pid &&
	      si.ssi_status == 3, "SIGCHLD: code %d pid %u status %d", si.ssi_code, si.ssi_pid,
	      si.ssi_status);
	CHECK(waitpid(pid, NULL, 0) == pid, "waitpid");
	printf("blocking: SIGUSR1 from the child, then its SIGCHLD (CLD_EXITED, 3)\n");
	close(fd);
	close(cfd);
}

int main(void)
{
	errors();
	pending();
	blocking();
	return 0;
}
