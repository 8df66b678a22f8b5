/* proc_wait: how a parent learns of its children's ends.
 * - exit statuses 0, 1, 42 and 255 come back through waitpid and wait4 with
 *   WIFEXITED/WEXITSTATUS (the raw status is code << 8) and through waitid
 *   (CLD_EXITED, si_status);
 * - deaths by signal: SIGKILL sent with kill(), SIGSEGV from a store to
 *   NULL, SIGABRT from abort(): WIFSIGNALED/WTERMSIG (the core-dump bit
 *   depends on the host's configuration and is not checked), waitid
 *   CLD_KILLED or CLD_DUMPED;
 * - waitpid(-1) reaps any child, each exactly once; waitpid(-pgid) reaps a
 *   member of that process group; waitpid of a pid that is not a child and
 *   of anything when there are no children fails with ECHILD;
 * - WNOHANG returns 0 while the child still runs, and the pid once it is a
 *   zombie; a zombie still answers kill(pid, 0), a reaped one gives ESRCH;
 * - getppid() in the child is the parent's getpid(), and getpid() in the
 *   child is what fork returned to the parent;
 * - setpgid puts a child in its own process group, kill(-pgid) reaches it;
 * - an orphan goes to the reaper: with PR_SET_CHILD_SUBREAPER natively (and
 *   under vmemu, where this first process is init anyway) the grandchild
 *   whose parent exited has us as its parent and is reaped by us;
 * - with SIGCHLD ignored, children are reaped by the kernel: waitpid waits
 *   for them and then fails with ECHILD;
 * - wait4's rusage and getrusage(RUSAGE_CHILDREN) count the minor faults
 *   of a child that touched fresh pages.
 * Output: one fixed line per part. */
#include "proc_test.h"

#include <signal.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

/* fork, with stdout flushed first so no buffered line is printed twice. */
/* No core files from the children that die by SIGSEGV and SIGABRT (the
 * harness sets ulimit -c 0 too; a failure here changes nothing checked). */
static void no_core(void)
{
	struct rlimit rl = { 0, 0 };
	(void)setrlimit(RLIMIT_CORE, &rl);
}

static void exit_statuses(void)
{
	static const int codes[] = { 0, 1, 42, 255 };
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		pid_t pid = xfork();
		if (pid == 0)
			_exit(codes[i]);
		int status = wait_for(pid);
		CHECK(WIFEXITED(status) && !WIFSIGNALED(status) && !WIFSTOPPED(status),
		      "exit(%d): status %#x is not an exit", codes[i], status);
		CHECK(WEXITSTATUS(status) == codes[i], "exit(%d): WEXITSTATUS is %d", codes[i],
		      WEXITSTATUS(status));
		CHECK(status == codes[i] << 8, "exit(%d): raw status %#x, expected %#x", codes[i],
		      status, codes[i] << 8);
	}
	/* exit() (not _exit) keeps only the low 8 bits: 256 + 7 -> 7. */
	pid_t pid = xfork();
	if (pid == 0)
		exit(256 + 7);
	int status = wait_for(pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 7, "exit(263): status %#x, expected 7",
	      status);

	/* wait4 with a rusage and waitid report the same. */
	pid = xfork();
	if (pid == 0)
		_exit(42);
	struct rusage ru;
	pid_t got = wait4(pid, &status, 0, &ru);
	CHECK(got == pid, "wait4 returned %d: %s", (int)got, strerror(errno));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 42, "wait4: status %#x", status);

	pid = xfork();
	if (pid == 0)
		_exit(255);
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	CHECK(waitid(P_PID, (id_t)pid, &si, WEXITED) == 0, "waitid: %s", strerror(errno));
	CHECK(si.si_signo == SIGCHLD, "waitid: si_signo %d, expected SIGCHLD", si.si_signo);
	CHECK(si.si_pid == pid, "waitid: si_pid %d, expected %d", (int)si.si_pid, (int)pid);
	CHECK(si.si_code == CLD_EXITED, "waitid: si_code %d, expected CLD_EXITED", si.si_code);
	CHECK(si.si_status == 255, "waitid: si_status %d, expected 255", si.si_status);
	CHECK(waitpid(pid, &status, WNOHANG) == -1 && errno == ECHILD,
	      "waitid did not reap the child");
	puts("exit statuses 0 1 42 255 263: ok");
}

/* A child that waits until it is killed: blocks reading a pipe nobody
 * writes (the parent keeps the write end open). */
static pid_t blocked_child(int *wfd)
{
	int p[2];
	CHECK(pipe(p) == 0, "pipe: %s", strerror(errno));
	pid_t pid = xfork();
	if (pid == 0) {
		char c;
		close(p[1]);
		ssize_t n = read(p[0], &c, 1);
		_exit(n == 0 ? 3 : 4); /* EOF: the parent closed its end */
	}
	close(p[0]);
	*wfd = p[1];
	return pid;
}

static void check_signaled(int status, int sig, const char *what)
{
	CHECK(WIFSIGNALED(status) && !WIFEXITED(status) && !WIFSTOPPED(status),
	      "%s: status %#x is not a death by signal", what, status);
	CHECK(WTERMSIG(status) == sig, "%s: WTERMSIG is %d, expected %d", what, WTERMSIG(status),
	      sig);
	CHECK((status & 0x7f) == sig && (status & ~0xff) == 0,
	      "%s: raw status %#x, expected %#x (maybe with the core bit 0x80)", what, status, sig);
}

static void signal_deaths(void)
{
	int wfd;
	pid_t pid = blocked_child(&wfd);
	CHECK(kill(pid, SIGKILL) == 0, "kill(SIGKILL): %s", strerror(errno));
	check_signaled(wait_for(pid), SIGKILL, "kill(SIGKILL)");
	close(wfd);

	pid = xfork();
	if (pid == 0) {
		no_core();
		*(volatile int *)0 = 1;
		_exit(5);
	}
	check_signaled(wait_for(pid), SIGSEGV, "store to NULL");

	pid = xfork();
	if (pid == 0) {
		no_core();
		abort();
	}
	check_signaled(wait_for(pid), SIGABRT, "abort()");

	/* waitid reports a death by signal as CLD_KILLED, or CLD_DUMPED when
	 * the default action dumps core (SIGABRT's does; whether a core file
	 * is written is the host's business). */
	pid = xfork();
	if (pid == 0) {
		no_core();
		abort();
	}
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	CHECK(waitid(P_PID, (id_t)pid, &si, WEXITED) == 0, "waitid: %s", strerror(errno));
	CHECK(si.si_pid == pid && (si.si_code == CLD_KILLED || si.si_code == CLD_DUMPED) &&
		      si.si_status == SIGABRT,
	      "waitid after abort(): si_pid %d si_code %d si_status %d, expected CLD_KILLED or "
	      "CLD_DUMPED with SIGABRT",
	      (int)si.si_pid, si.si_code, si.si_status);

	pid = blocked_child(&wfd);
	CHECK(kill(pid, SIGTERM) == 0, "kill(SIGTERM): %s", strerror(errno));
	memset(&si, 0, sizeof(si));
	CHECK(waitid(P_PID, (id_t)pid, &si, WEXITED) == 0, "waitid: %s", strerror(errno));
	CHECK(si.si_pid == pid && si.si_code == CLD_KILLED && si.si_status == SIGTERM,
	      "waitid after SIGTERM: si_pid %d si_code %d si_status %d, expected CLD_KILLED "
	      "with SIGTERM",
	      (int)si.si_pid, si.si_code, si.si_status);
	close(wfd);
	puts("deaths by SIGKILL SIGSEGV SIGABRT SIGTERM: ok");
}

static void any_child(void)
{
	enum { N = 5 };
	pid_t pids[N];
	bool seen[N] = { false };
	for (int i = 0; i < N; i++) {
		pids[i] = xfork();
		if (pids[i] == 0)
			_exit(10 + i);
	}
	for (int n = 0; n < N; n++) {
		int status;
		pid_t got = waitpid(-1, &status, 0);
		CHECK(got > 0, "waitpid(-1) #%d: %s", n, strerror(errno));
		int i = 0;
		while (i < N && pids[i] != got)
			i++;
		CHECK(i < N, "waitpid(-1) returned %d, not one of the children", (int)got);
		CHECK(!seen[i], "waitpid(-1) returned child %d twice", i);
		seen[i] = true;
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 10 + i,
		      "waitpid(-1): child %d status %#x, expected exit %d", i, status, 10 + i);
	}
	int status;
	CHECK_ERRNO(waitpid(-1, &status, 0), ECHILD, "waitpid(-1) with no children left");
	CHECK_ERRNO(waitpid(-1, &status, WNOHANG), ECHILD, "waitpid(-1, WNOHANG) with no children");
	CHECK_ERRNO(wait(&status), ECHILD, "wait() with no children");
	CHECK_ERRNO(waitpid(getpid(), &status, 0), ECHILD, "waitpid(own pid)");
	siginfo_t si;
	CHECK_ERRNO(waitid(P_ALL, 0, &si, WEXITED), ECHILD, "waitid(P_ALL) with no children");
	puts("waitpid(-1) and ECHILD: ok");
}

static void nohang_and_zombies(void)
{
	int wfd;
	pid_t pid = blocked_child(&wfd);
	int status = -1;
	pid_t got = waitpid(pid, &status, WNOHANG);
	CHECK(got == 0, "waitpid(WNOHANG) on a running child returned %d (%s), expected 0",
	      (int)got, got < 0 ? strerror(errno) : "");
	got = waitpid(-1, &status, WNOHANG);
	CHECK(got == 0, "waitpid(-1, WNOHANG) on a running child returned %d, expected 0",
	      (int)got);
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	si.si_pid = 12345;
	CHECK(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG) == 0, "waitid(WNOHANG): %s",
	      strerror(errno));
	CHECK(si.si_pid == 0, "waitid(WNOHANG) on a running child: si_pid %d, expected 0",
	      (int)si.si_pid);

	/* Closing the write end lets the child read EOF and exit 3. Poll with
	 * WNOHANG until it is a zombie (bounded: 20 s). */
	close(wfd);
	for (int tries = 0;; tries++) {
		got = waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT);
		CHECK(got == 0, "waitid(WNOWAIT): %s", strerror(errno));
		if (si.si_pid == pid)
			break;
		CHECK(tries < 20000, "the child did not exit after its pipe was closed");
		usleep(1000);
	}
	/* A zombie still exists for kill(pid, 0); WNOWAIT left it unreaped. */
	CHECK(kill(pid, 0) == 0, "kill(zombie, 0): %s", strerror(errno));
	got = waitpid(pid, &status, WNOHANG);
	CHECK(got == pid, "waitpid(WNOHANG) on a zombie returned %d (%s)", (int)got,
	      got < 0 ? strerror(errno) : "");
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 3,
	      "child that read EOF: status %#x, expected exit 3", status);
	CHECK_ERRNO(kill(pid, 0), ESRCH, "kill(reaped child, 0)");
	CHECK_ERRNO(waitpid(pid, &status, WNOHANG), ECHILD, "waitpid(reaped child)");
	puts("WNOHANG and zombies: ok");
}

static void ids(void)
{
	int p[2];
	CHECK(pipe(p) == 0, "pipe: %s", strerror(errno));
	pid_t me = getpid();
	pid_t pid = xfork();
	if (pid == 0) {
		pid_t ids[2] = { getpid(), getppid() };
		close(p[0]);
		if (write(p[1], ids, sizeof(ids)) != (ssize_t)sizeof(ids))
			_exit(2);
		_exit(getppid() == me ? 0 : 1);
	}
	close(p[1]);
	pid_t ids[2];
	CHECK(read(p[0], ids, sizeof(ids)) == (ssize_t)sizeof(ids), "read ids: %s", strerror(errno));
	close(p[0]);
	int status = wait_for(pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "child: getppid() is %d, the parent's getpid() is %d (status %#x)", (int)ids[1],
	      (int)me, status);
	CHECK(ids[0] == pid, "child: getpid() is %d, fork returned %d", (int)ids[0], (int)pid);
	CHECK(pid != me, "the child has the parent's pid %d", (int)me);
	puts("getpid/getppid: ok");
}

static void process_groups(void)
{
	int wfd;
	pid_t pid = blocked_child(&wfd);
	/* Both sides may call setpgid (the usual race-free idiom); only the
	 * parent does here, the child is blocked. */
	CHECK(setpgid(pid, pid) == 0, "setpgid(child, child): %s", strerror(errno));
	CHECK(getpgid(pid) == pid, "getpgid(child) is %d, expected %d", (int)getpgid(pid),
	      (int)pid);
	CHECK(getpgid(0) != pid, "the parent moved into the child's group");
	int status;
	CHECK(waitpid(-pid, &status, WNOHANG) == 0, "waitpid(-pgid, WNOHANG) on a running group");
	CHECK(kill(-pid, SIGKILL) == 0, "kill(-pgid, SIGKILL): %s", strerror(errno));
	pid_t got = waitpid(-pid, &status, 0);
	CHECK(got == pid, "waitpid(-pgid) returned %d (%s), expected %d", (int)got,
	      got < 0 ? strerror(errno) : "", (int)pid);
	check_signaled(status, SIGKILL, "kill(-pgid, SIGKILL)");
	close(wfd);
	CHECK_ERRNO(kill(-pid, 0), ESRCH, "kill(-pgid, 0) after the group died");
	puts("process groups: ok");
}

/* The middle child forks a grandchild and exits; the grandchild, told over
 * a pipe that its parent is gone, reports its new parent and exits 9. */
static void orphans(void)
{
	(void)prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); /* natively needed */
	int p[2];
	CHECK(pipe(p) == 0, "pipe: %s", strerror(errno));
	pid_t me = getpid();
	pid_t middle = xfork();
	if (middle == 0) {
		pid_t grandchild = fork();
		if (grandchild < 0)
			_exit(2);
		if (grandchild == 0) {
			/* Wait until the middle child is gone: its exit closes
			 * nothing of ours, so poll getppid (bounded: 20 s). */
			for (int tries = 0; getppid() != me; tries++) {
				if (tries > 20000)
					_exit(3);
				usleep(1000);
			}
			pid_t ids[2] = { getpid(), getppid() };
			if (write(p[1], ids, sizeof(ids)) != (ssize_t)sizeof(ids))
				_exit(4);
			_exit(9);
		}
		_exit(0);
	}
	close(p[1]);
	int status = wait_for(middle);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "middle child: status %#x", status);
	pid_t ids[2];
	ssize_t n = read(p[0], ids, sizeof(ids));
	CHECK(n == (ssize_t)sizeof(ids), "the orphan did not report (read %zd): its getppid() "
	      "never became the reaper's pid", n);
	close(p[0]);
	CHECK(ids[1] == me, "the orphan's parent is %d, expected the reaper %d", (int)ids[1],
	      (int)me);
	status = wait_for(ids[0]);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 9, "orphan: status %#x, expected exit 9",
	      status);
	puts("orphans go to the reaper: ok");
}

/* SIGCHLD ignored: no zombies; waitpid blocks until the child is gone,
 * then ECHILD. */
static void sigchld_ignored(void)
{
	struct sigaction sa = { .sa_handler = SIG_IGN }, old;
	CHECK(sigaction(SIGCHLD, &sa, &old) == 0, "sigaction(SIGCHLD, SIG_IGN): %s",
	      strerror(errno));
	int wfd;
	pid_t pid = blocked_child(&wfd);
	close(wfd); /* the child reads EOF and exits 3; nobody reaps it */
	int status;
	CHECK_ERRNO(waitpid(pid, &status, 0), ECHILD, "waitpid with SIGCHLD ignored");
	/* Linux wakes the waiter before it frees the pid of a child it reaps
	 * itself, so the pid may exist a moment longer (bounded: 2 s). */
	for (int tries = 0; kill(pid, 0) == 0; tries++) {
		CHECK(tries < 2000, "the auto-reaped child %d still exists", (int)pid);
		usleep(1000);
	}
	CHECK(errno == ESRCH, "kill(auto-reaped child, 0): %s, expected ESRCH", strerror(errno));
	CHECK(sigaction(SIGCHLD, &old, NULL) == 0, "sigaction(SIGCHLD, restore): %s",
	      strerror(errno));
	puts("SIGCHLD ignored, children reaped by the kernel: ok");
}

/* Fault counts reach the parent: a child that touches TOUCH fresh pages
 * has at least that many minor faults. */
static void child_rusage(void)
{
	enum { TOUCH = 32 };
	struct rusage before;
	CHECK(getrusage(RUSAGE_CHILDREN, &before) == 0, "getrusage(RUSAGE_CHILDREN): %s",
	      strerror(errno));
	pid_t pid = xfork();
	if (pid == 0) {
		unsigned char *p = mmap(NULL, TOUCH * PAGE, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			_exit(2);
		for (size_t i = 0; i < TOUCH; i++)
			((volatile unsigned char *)p)[i * PAGE] = 1;
		_exit(0);
	}
	int status;
	struct rusage ru;
	memset(&ru, 0, sizeof(ru));
	pid_t got = wait4(pid, &status, 0, &ru);
	CHECK(got == pid, "wait4: %s", strerror(errno));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "toucher: status %#x", status);
	CHECK(ru.ru_minflt >= TOUCH,
	      "wait4 rusage: ru_minflt %ld for a child that touched %d fresh pages", ru.ru_minflt,
	      TOUCH);
	struct rusage after;
	CHECK(getrusage(RUSAGE_CHILDREN, &after) == 0, "getrusage(RUSAGE_CHILDREN): %s",
	      strerror(errno));
	CHECK(after.ru_minflt - before.ru_minflt >= TOUCH,
	      "getrusage(RUSAGE_CHILDREN): ru_minflt grew by %ld after reaping a child that "
	      "touched %d fresh pages",
	      after.ru_minflt - before.ru_minflt, TOUCH);
	puts("child rusage: ok");
}

int main(void)
{
	exit_statuses();
	signal_deaths();
	any_child();
	nohang_and_zombies();
	ids();
	process_groups();
	orphans();
	sigchld_ignored();
	child_rusage();
	return 0;
}
