/* pidfd_getfd: pidfd_getfd(2) takes a child's open file: the same open
 * file description (shared offset, kcmp KCMP_FILE 0), close-on-exec;
 * EINVAL for flags (before the pidfd is looked at), EBADF for what is no
 * pidfd and for an fd the child has not open, ESRCH from a zombie (as
 * the host's Linux 6.18; older ones said EBADF) and once it is reaped; EPERM when the child made itself undumpable
 * (PR_SET_DUMPABLE 0, inherited by its fork) and the caller has no
 * CAP_SYS_PTRACE (as root: after seteuid to nobody; its fdinfo EACCES
 * then); a new effective gid or fsuid makes a process undumpable and
 * cancels its parent-death signal. kcmp's VM, FILES,
 * FS and SIGHAND, EBADF, EINVAL, ESRCH. PR_SET_PDEATHSIG: a grandchild
 * gets its signal when its parent ends. A pidfd is not readable while a
 * thread of a process execs (the old leader ends) nor when the leader
 * alone has exited, only once the whole process has. pidfd_send_signal
 * through an open /proc/PID directory (EBADF for /proc/PID/task/TID and
 * a plain file). */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "guest_test.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif
#ifndef SYS_kcmp
#define SYS_kcmp 312
#endif
enum { KCMP_FILE, KCMP_VM, KCMP_FILES, KCMP_FS, KCMP_SIGHAND };

static long pidfd_open(pid_t pid) { return syscall(SYS_pidfd_open, pid, 0); }
static long getfd(int pidfd, int fd, unsigned flags) { return syscall(SYS_pidfd_getfd, pidfd, fd, flags); }
static long kcmp(pid_t a, pid_t b, int type, long i1, long i2)
{
	return syscall(SYS_kcmp, a, b, type, i1, i2);
}

/* A child holding fd 10 open on a file "abc" at offset 1; it waits for a
 * byte on cmd ('D': undumpable, then answer; 'F': fork a grandchild and
 * report its dumpable flag; EOF: read one byte of fd 10, exit with it). */
static pid_t holder(int *cmd_w, int *ack_r)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/pidfd_getfd.XXXXXX", tmp_dir());
	int fd = mkstemp(path);
	CHECK(fd >= 0, "mkstemp: %s", strerror(errno));
	unlink(path);
	CHECK(write(fd, "abc", 3) == 3 && lseek(fd, 1, SEEK_SET) == 1, "write");
	int cmd[2], ack[2];
	CHECK(pipe(cmd) == 0 && pipe(ack) == 0, "pipe");
	pid_t pid = fork();
	CHECK(pid >= 0, "fork");
	if (pid == 0) {
		close(cmd[1]);
		close(ack[0]);
		CHECK(dup2(fd, 10) == 10, "dup2");
		close(fd);
		char c = 'r';
		CHECK(write(ack[1], &c, 1) == 1, "ready");
		while (read(cmd[0], &c, 1) == 1) {
			if (c == 'D')
				c = (char)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
			else if (c == 'F') {
				pid_t g = fork();
				if (g == 0)
					_exit(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
				int st;
				waitpid(g, &st, 0);
				c = (char)WEXITSTATUS(st);
			}
			CHECK(write(ack[1], &c, 1) == 1, "ack");
		}
		char b = 0;
		_exit(read(10, &b, 1) == 1 ? b : 1);
	}
	close(fd);
	close(cmd[0]);
	close(ack[1]);
	*cmd_w = cmd[1];
	*ack_r = ack[0];
	char c;
	CHECK(read(ack[0], &c, 1) == 1, "wait for the child");
	return pid;
}

static char ask(int cmd_w, int ack_r, char c)
{
	CHECK(write(cmd_w, &c, 1) == 1 && read(ack_r, &c, 1) == 1, "ask %c", c);
	return c;
}

static void fetch(void)
{
	CHECK_ERRNO(getfd(-1, 0, 1), EINVAL, "pidfd_getfd flags before the pidfd");
	CHECK_ERRNO(getfd(-1, 0, 0), EBADF, "pidfd_getfd of fd -1");
	CHECK_ERRNO(getfd(0, 0, 0), EBADF, "pidfd_getfd of stdin");
	int cmd, ack;
	pid_t pid = holder(&cmd, &ack);
	int pidfd = (int)pidfd_open(pid);
	CHECK(pidfd >= 0, "pidfd_open: %s", strerror(errno));
	CHECK_ERRNO(getfd(pidfd, 0, 0x80000), EINVAL, "pidfd_getfd with O_CLOEXEC as flags");
	CHECK_ERRNO(getfd(pidfd, 111, 0), EBADF, "pidfd_getfd of an fd not open");
	CHECK_ERRNO(getfd(pidfd, 5000, 0), EBADF, "pidfd_getfd of an fd past the table");
	int fd = (int)getfd(pidfd, 10, 0);
	CHECK(fd >= 0, "pidfd_getfd: %s", strerror(errno));
	CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC, "pidfd_getfd's fd is not close-on-exec");
	CHECK(lseek(fd, 0, SEEK_CUR) == 1, "offset not shared: %ld", (long)lseek(fd, 0, SEEK_CUR));
	char b;
	CHECK(read(fd, &b, 1) == 1 && b == 'b', "read the child's file");
	printf("getfd: cloexec, offset shared, read %c\n", b);

	CHECK(kcmp(getpid(), pid, KCMP_FILE, fd, 10) == 0, "kcmp of the same file");
	long r = kcmp(getpid(), pid, KCMP_FILE, 0, 10);
	CHECK(r == 1 || r == 2, "kcmp of other files: %ld", r);
	CHECK(kcmp(getpid(), getpid(), KCMP_VM, 0, 0) == 0, "kcmp VM of itself");
	r = kcmp(getpid(), pid, KCMP_VM, 0, 0);
	CHECK(r == 1 || r == 2, "kcmp VM of a child: %ld", r);
	r = kcmp(getpid(), pid, KCMP_FILES, 0, 0);
	CHECK(r == 1 || r == 2, "kcmp FILES of a child: %ld", r);
	r = kcmp(getpid(), pid, KCMP_FS, 0, 0);
	CHECK(r == 1 || r == 2, "kcmp FS of a child: %ld", r);
	r = kcmp(getpid(), pid, KCMP_SIGHAND, 0, 0);
	CHECK(r == 1 || r == 2, "kcmp SIGHAND of a child: %ld", r);
	CHECK_ERRNO(kcmp(getpid(), pid, KCMP_FILE, fd, 111), EBADF, "kcmp of an fd not open");
	CHECK_ERRNO(kcmp(getpid(), pid, 100, 0, 0), EINVAL, "kcmp of type 100");
	CHECK_ERRNO(kcmp(getpid(), 999999, KCMP_VM, 0, 0), ESRCH, "kcmp of no process");

	CHECK(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 1, "PR_GET_DUMPABLE is not 1");
	CHECK_ERRNO(prctl(PR_SET_DUMPABLE, 2, 0, 0, 0), EINVAL, "PR_SET_DUMPABLE 2");
	CHECK(ask(cmd, ack, 'D') == 0, "PR_SET_DUMPABLE 0 in the child");
	CHECK(ask(cmd, ack, 'F') == 0, "the child's fork is dumpable");
	int fd2 = (int)getfd(pidfd, 10, 0);
	if (geteuid() == 0) { /* CAP_SYS_PTRACE: still allowed */
		CHECK(fd2 >= 0, "pidfd_getfd as root of an undumpable child: %s", strerror(errno));
		close(fd2);
		CHECK(seteuid(65534) == 0, "seteuid");
		CHECK_ERRNO(getfd(pidfd, 10, 0), EPERM, "pidfd_getfd of an undumpable child");
		CHECK_ERRNO(kcmp(getpid(), pid, KCMP_VM, 0, 0), EPERM, "kcmp of an undumpable child");
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/fdinfo/10", pid);
		CHECK_ERRNO(open(path, O_RDONLY), EACCES, "fdinfo of an undumpable child");
		CHECK(seteuid(0) == 0, "seteuid back");
		CHECK(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0, "dumpable after seteuid");
		CHECK(prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) == 0, "PR_SET_DUMPABLE 1");
	} else {
		CHECK(fd2 < 0 && errno == EPERM, "pidfd_getfd of an undumpable child: %d", fd2);
	}
	printf("undumpable: EPERM without CAP_SYS_PTRACE\n");

	close(cmd); /* the child reads one byte more through the shared offset */
	siginfo_t si;
	CHECK(waitid(P_PID, pid, &si, WEXITED | WNOWAIT) == 0, "waitid");
	CHECK(si.si_status == 'c', "the child read %d, not c", si.si_status);
	CHECK_ERRNO(getfd(pidfd, 10, 0), ESRCH, "pidfd_getfd of a zombie");
	CHECK(waitpid(pid, NULL, 0) == pid, "waitpid");
	CHECK_ERRNO(getfd(pidfd, 10, 0), ESRCH, "pidfd_getfd of a reaped child");
	printf("zombie and reaped: ESRCH\n");
	close(ack);
	close(fd);
	close(pidfd);
}

static volatile sig_atomic_t got_usr1;
static void on_usr1(int sig) { (void)sig; got_usr1 = 1; }

/* A middle process forks a grandchild that asks for SIGUSR1 at its
 * parent's death; the middle process exits, the grandchild reports. */
static void pdeathsig(void)
{
	int res[2];
	CHECK(pipe(res) == 0, "pipe");
	pid_t mid = fork();
	CHECK(mid >= 0, "fork");
	if (mid == 0) {
		int ready[2];
		CHECK(pipe(ready) == 0, "pipe");
		pid_t g = fork();
		CHECK(g >= 0, "fork");
		if (g == 0) {
			signal(SIGUSR1, on_usr1);
			int sig = -1;
			CHECK(prctl(PR_SET_PDEATHSIG, SIGUSR1, 0, 0, 0) == 0, "PR_SET_PDEATHSIG");
			CHECK(prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0) == 0 && sig == SIGUSR1,
			      "PR_GET_PDEATHSIG: %d", sig);
			CHECK(write(ready[1], "r", 1) == 1, "ready");
			for (int i = 0; i < 500 && !got_usr1; i++)
				usleep(10000);
			char c = got_usr1 ? 'y' : 'n';
			CHECK(write(res[1], &c, 1) == 1, "report");
			_exit(0);
		}
		char c;
		CHECK(read(ready[0], &c, 1) == 1, "wait for the grandchild");
		_exit(0);
	}
	close(res[1]);
	CHECK(waitpid(mid, NULL, 0) == mid, "waitpid");
	char c = 0;
	CHECK(read(res[0], &c, 1) == 1, "the grandchild's report");
	CHECK(c == 'y', "no SIGUSR1 at the parent's death");
	CHECK_ERRNO(prctl(PR_SET_PDEATHSIG, 65, 0, 0, 0), EINVAL, "PR_SET_PDEATHSIG 65");
	int sig = -1;
	CHECK(prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0) == 0 && sig == 0, "PR_GET_PDEATHSIG of the caller: %d", sig);
	close(res[0]);
	printf("pdeathsig: delivered\n");
}

/* Credentials that change make a process undumpable and cancel its
 * parent-death signal (as root: a new effective gid, a new fsuid); a
 * set*id call that changes nothing does neither. */
static void cred_change(void)
{
	if (geteuid() != 0)
		return;
	pid_t pid = fork();
	CHECK(pid >= 0, "fork");
	if (pid == 0) {
		int sig = 0, bits = 0;
		prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
		prctl(PR_SET_PDEATHSIG, SIGUSR1, 0, 0, 0);
		CHECK(setresgid(-1, getegid(), -1) == 0, "setresgid");
		prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0);
		bits |= (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 1 && sig == SIGUSR1) << 0;
		CHECK(setegid(65534) == 0, "setegid");
		prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0);
		bits |= (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0 && sig == 0) << 1;
		CHECK(setegid(0) == 0 && prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) == 0, "back");
		CHECK(setfsuid(65534) == 0, "setfsuid");
		bits |= (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0) << 2;
		_exit(bits);
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st), "waitpid");
	CHECK(WEXITSTATUS(st) == 7, "dumpable and pdeath signal after set*id: bits %d",
	      WEXITSTATUS(st));
	printf("credential changes: undumpable, no parent-death signal\n");
}

/* Whether pidfd polls readable within ms. */
static bool readable_within(int pidfd, int ms)
{
	struct pollfd p = {.fd = pidfd, .events = POLLIN};
	int n = poll(&p, 1, ms);
	CHECK(n >= 0, "poll: %s", strerror(errno));
	return n == 1 && (p.revents & POLLIN);
}

static char self_exe[] = "/proc/self/exe";

static void *exec_thread(void *arg)
{
	(void)arg;
	char *argv[] = {self_exe, (char *)"sleep", NULL};
	execv(self_exe, argv);
	_exit(2);
}

static void *exit_later(void *arg)
{
	(void)arg;
	usleep(300000);
	syscall(SYS_exit_group, 0);
	return NULL;
}

/* mode 'e': a thread execs (the leader ends in de_thread); 'l': the
 * leader exits alone, another thread 300 ms later ends the process. */
static void poll_threads(char mode)
{
	pid_t pid = fork();
	CHECK(pid >= 0, "fork");
	if (pid == 0) {
		pthread_t t;
		pthread_create(&t, NULL, mode == 'e' ? exec_thread : exit_later, NULL);
		if (mode == 'e')
			pause();
		syscall(SYS_exit, 0); /* the leader alone */
	}
	int pidfd = (int)pidfd_open(pid);
	CHECK(pidfd >= 0, "pidfd_open: %s", strerror(errno));
	CHECK(!readable_within(pidfd, 150), "pidfd readable early (%c)", mode);
	CHECK(readable_within(pidfd, 5000), "pidfd never readable (%c)", mode);
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "status %#x (%c)", st, mode);
	close(pidfd);
	printf("pidfd poll %s: readable at the process's end only\n",
	       mode == 'e' ? "thread exec" : "leader exit");
}

static void proc_dir_signal(void)
{
	pid_t pid = fork();
	CHECK(pid >= 0, "fork");
	if (pid == 0) {
		pause();
		_exit(0);
	}
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task/%d", pid, pid);
	int tfd = open(path, O_DIRECTORY | O_CLOEXEC);
	CHECK(tfd >= 0, "open %s: %s", path, strerror(errno));
	CHECK_ERRNO(syscall(SYS_pidfd_send_signal, tfd, SIGTERM, NULL, 0), EBADF,
		    "pidfd_send_signal through /proc/PID/task/TID");
	int ffd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	CHECK_ERRNO(syscall(SYS_pidfd_send_signal, ffd, SIGTERM, NULL, 0), EBADF,
		    "pidfd_send_signal through a /proc file");
	snprintf(path, sizeof(path), "/proc/%d", pid);
	int dfd = open(path, O_DIRECTORY | O_CLOEXEC);
	CHECK(dfd >= 0, "open %s: %s", path, strerror(errno));
	CHECK(syscall(SYS_pidfd_send_signal, dfd, SIGTERM, NULL, 0) == 0,
	      "pidfd_send_signal through /proc/PID: %s", strerror(errno));
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM,
	      "status %#x", st);
	CHECK_ERRNO(syscall(SYS_pidfd_send_signal, dfd, 0, NULL, 0), ESRCH,
		    "pidfd_send_signal through a reaped /proc/PID");
	close(dfd);
	close(tfd);
	close(ffd);
	printf("pidfd_send_signal through /proc/PID\n");
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "sleep")) {
		usleep(300000);
		return 0;
	}
	fetch();
	pdeathsig();
	cred_change();
	poll_threads('e');
	poll_threads('l');
	proc_dir_signal();
	return 0;
}
