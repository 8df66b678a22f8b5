/* proc_kcmp.c - kcmp(2): 0 for a shared object, 1 or 2 (an order: a
 * pair compares the other way round reversed) for different ones.
 * KCMP_FILE (an inherited fd, a dup, another open of the same file),
 * KCMP_VM, KCMP_FILES, KCMP_FS, KCMP_SIGHAND between a process, its
 * thread and a forked child; KCMP_SYSVSEM (the undo list CLONE_SYSVSEM
 * made shared with a thread, not with a forked child); KCMP_IO of a
 * process with itself; KCMP_EPOLL_TFD (an item whose fd was closed, toff, ENOENT,
 * EINVAL for a non-epoll, EFAULT); EINVAL for an unknown type, EBADF,
 * ESRCH for a reaped child, and as root a child that gave up root: EPERM
 * for another user's process, its own still allowed. */
#include <fcntl.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest_test.h"

/* <linux/kcmp.h>, which musl's headers lack */
enum { KCMP_FILE, KCMP_VM, KCMP_FILES, KCMP_FS, KCMP_SIGHAND, KCMP_IO, KCMP_SYSVSEM,
       KCMP_EPOLL_TFD, KCMP_TYPES };
struct kcmp_epoll_slot {
	uint32_t efd, tfd, toff;
};

static long kcmp(int pid1, int pid2, int type, unsigned long a, unsigned long b)
{
	return syscall(SYS_kcmp, pid1, pid2, type, a, b);
}

/* kcmp says "different" both ways, in opposite orders. */
static void differ(int p1, int p2, int type, unsigned long a, unsigned long b, const char *what)
{
	long x = kcmp(p1, p2, type, a, b), y = kcmp(p2, p1, type, b, a);
	CHECK((x == 1 && y == 2) || (x == 2 && y == 1), "%s: %ld and %ld, not 1/2", what, x, y);
}

static void same(int p1, int p2, int type, unsigned long a, unsigned long b, const char *what)
{
	long x = kcmp(p1, p2, type, a, b);
	CHECK(x == 0, "%s: %ld (errno %s), not 0", what, x, x < 0 ? strerror(errno) : "-");
}

static volatile int thread_tid, thread_done;

static void *thread_main(void *arg)
{
	(void)arg;
	thread_tid = (int)syscall(SYS_gettid);
	while (!thread_done)
		usleep(1000);
	return NULL;
}

int main(void)
{
	int me = getpid();
	char path[256];
	snprintf(path, sizeof(path), "%s/kcmp.XXXXXX", tmp_dir());
	int fd = mkstemp(path);
	CHECK(fd >= 0, "mkstemp");
	int other = open(path, O_RDONLY);
	int dup_fd = dup(fd);
	CHECK(other >= 0 && dup_fd >= 0, "open/dup");
	unlink(path);

	same(me, me, KCMP_FILE, fd, dup_fd, "a dup");
	differ(me, me, KCMP_FILE, fd, other, "another open of the file");
	for (int t = KCMP_VM; t <= KCMP_SYSVSEM; t++)
		same(me, me, t, 0, 0, "a process with itself");
	CHECK(kcmp(me, me, KCMP_TYPES, 0, 0) == -1 && errno == EINVAL, "KCMP_TYPES: EINVAL");
	CHECK(kcmp(me, me, -1, 0, 0) == -1 && errno == EINVAL, "type -1: EINVAL");
	CHECK(kcmp(me, me, KCMP_FILE, fd, 999) == -1 && errno == EBADF, "fd 999: EBADF");
	/* an fd is an unsigned int: the high bits are dropped */
	CHECK(kcmp(me, me, KCMP_FILE, 1UL << 40 | 999, fd) == -1 && errno == EBADF, "fd 2^40+999");
	same(me, me, KCMP_FILE, 1UL << 40, 0, "fd 2^40 is fd 0");

	/* a thread shares everything but is another task */
	pthread_t th;
	CHECK(pthread_create(&th, NULL, thread_main, NULL) == 0, "pthread_create");
	while (!thread_tid)
		usleep(1000);
	for (int t = KCMP_VM; t <= KCMP_SIGHAND; t++)
		same(me, thread_tid, t, 0, 0, "a thread");
	same(me, thread_tid, KCMP_SYSVSEM, 0, 0, "a thread's undo list");
	same(me, thread_tid, KCMP_FILE, fd, fd, "a thread's fd");
	thread_done = 1;
	pthread_join(th, NULL);

	/* epoll targets: an item of fd 64 whose fd is then closed */
	int pipefd[2], ep = epoll_create1(0);
	CHECK(ep >= 0 && pipe(pipefd) == 0, "epoll/pipe");
	CHECK(dup2(pipefd[1], 64) == 64, "dup2");
	struct epoll_event ev = {.events = EPOLLOUT};
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, 64, &ev) == 0, "epoll_ctl");
	close(64);
	struct kcmp_epoll_slot slot = {.efd = ep, .tfd = 64, .toff = 0};
	same(me, me, KCMP_EPOLL_TFD, pipefd[1], (unsigned long)&slot, "epoll target");
	long r = kcmp(me, me, KCMP_EPOLL_TFD, pipefd[0], (unsigned long)&slot);
	CHECK(r == 1 || r == 2, "epoll target vs the read end: %ld", r);
	slot.toff = 1;
	CHECK(kcmp(me, me, KCMP_EPOLL_TFD, pipefd[1], (unsigned long)&slot) == -1 && errno == ENOENT,
	      "toff 1: ENOENT");
	slot = (struct kcmp_epoll_slot){.efd = pipefd[0], .tfd = 64};
	CHECK(kcmp(me, me, KCMP_EPOLL_TFD, pipefd[1], (unsigned long)&slot) == -1 && errno == EINVAL,
	      "a pipe as epoll: EINVAL");
	slot.efd = 999;
	CHECK(kcmp(me, me, KCMP_EPOLL_TFD, pipefd[1], (unsigned long)&slot) == -1 && errno == EBADF,
	      "efd 999: EBADF");
	CHECK(kcmp(me, me, KCMP_EPOLL_TFD, pipefd[1], 8) == -1 && errno == EFAULT, "slot 8: EFAULT");

	int sync[2];
	CHECK(pipe(sync) == 0, "pipe");
	pid_t child = fork();
	CHECK(child >= 0, "fork");
	if (child == 0) {
		char c;
		read(sync[0], &c, 1);
		_exit(0);
	}
	same(me, child, KCMP_FILE, fd, fd, "an inherited fd");
	differ(me, child, KCMP_FILE, fd, other, "a child's other file");
	for (int t = KCMP_VM; t <= KCMP_SIGHAND; t++)
		differ(me, child, t, 0, 0, "a forked child");
	/* pthread_create's CLONE_SYSVSEM gave this process an undo list,
	 * which a forked child does not share */
	differ(me, child, KCMP_SYSVSEM, 0, 0, "a forked child's undo list");
	write(sync[1], "x", 1);
	int st;
	CHECK(waitpid(child, &st, 0) == child && st == 0, "child");
	CHECK(kcmp(me, child, KCMP_VM, 0, 0) == -1 && errno == ESRCH, "a reaped child: ESRCH");
	CHECK(kcmp(child, me, KCMP_TYPES, 0, 0) == -1 && errno == ESRCH, "ESRCH before EINVAL");

	if (geteuid() == 0) {
		child = fork();
		CHECK(child >= 0, "fork");
		if (child == 0) {
			if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
				fail("setresuid");
			if (kcmp(me, getpid(), KCMP_VM, 0, 0) != -1 || errno != EPERM)
				fail("root's process from uid 65534: not EPERM");
			if (kcmp(getpid(), getpid(), KCMP_TYPES, 0, 0) != -1 || errno != EINVAL)
				fail("its own process: not EINVAL");
			_exit(0);
		}
		CHECK(waitpid(child, &st, 0) == child, "waitpid");
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the child that gave up root failed");
	}
	puts("kcmp ok");
	return 0;
}
