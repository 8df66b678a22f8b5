/* proc_ptrace.c - ptrace(2) on the program's own children: TRACEME and
 * the SIGSTOP a child sends itself, PEEKDATA/POKEDATA, GETREGS/SETREGS,
 * PEEKUSER, syscall stops (GET_SYSCALL_INFO) with one call skipped by
 * orig_rax = -1, signal suppression and injection, the SIGTRAP after
 * execve, PTRACE_O_TRACEFORK with GETEVENTMSG, and the errors. Prints
 * what it sees; the output is compared with Linux's. */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

/* PTRACE_GET_SYSCALL_INFO's struct (Linux 5.3), which musl lacks. */
#define GET_SYSCALL_INFO 0x420e
struct syscall_info {
	unsigned char op, pad[3];
	unsigned arch;
	unsigned long long ip, sp;
	union {
		struct {
			unsigned long long nr, args[6];
		} entry;
		struct {
			long long rval;
			unsigned char is_error;
		} exit;
	};
};

static volatile long word = 0x1122334455667788;
static volatile int got_usr1, got_usr2;

/* musl has no strerrorname_np */
static const char *errname(int e)
{
	return e == EIO ? "EIO" : e == ESRCH ? "ESRCH" : e == EPERM ? "EPERM" : e ? "other" : "0";
}

static void fail(const char *what)
{
	fprintf(stderr, "FAIL: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* The child's start: traced by its parent, stopped by its own SIGSTOP. */
static void traceme_stop(void)
{
	if (ptrace(PTRACE_TRACEME, 0, 0, 0))
		_exit(90);
	syscall(SYS_kill, syscall(SYS_getpid), SIGSTOP);
}

static int wait_stop(pid_t pid)
{
	int st;
	if (waitpid(pid, &st, __WALL) != pid)
		fail("waitpid");
	if (!WIFSTOPPED(st)) {
		printf(WIFEXITED(st) ? "exited %d\n" : "status %#x\n",
		       WIFEXITED(st) ? WEXITSTATUS(st) : st);
		return -1;
	}
	return st >> 8;
}

static void report_exit(pid_t pid)
{
	int st;
	if (waitpid(pid, &st, __WALL) != pid)
		fail("waitpid exit");
	if (WIFEXITED(st))
		printf("exited %d\n", WEXITSTATUS(st));
	else
		printf("status %#x\n", st);
}

static void test_memory_regs(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		traceme_stop();
		_exit(word == 42 ? 0 : 1);
	}
	printf("stop sig %d\n", wait_stop(pid));
	siginfo_t si;
	if (ptrace(PTRACE_GETSIGINFO, pid, 0, &si))
		fail("GETSIGINFO");
	printf("siginfo signo %d code %d pid ok %d\n", si.si_signo, si.si_code, si.si_pid == pid);
	errno = 0;
	long v = ptrace(PTRACE_PEEKDATA, pid, &word, 0);
	printf("peek %#lx errno %d\n", v, errno);
	if (ptrace(PTRACE_POKEDATA, pid, &word, (void *)42))
		fail("POKEDATA");
	errno = 0;
	ptrace(PTRACE_PEEKDATA, pid, (void *)8, 0);
	printf("peek at 8: errno %s\n", errname(errno));
	struct user_regs_struct r, r2;
	if (ptrace(PTRACE_GETREGS, pid, 0, &r))
		fail("GETREGS");
	printf("orig_rax is kill %d cs %#llx ss %#llx\n", r.orig_rax == SYS_kill,
	       (unsigned long long)r.cs, (unsigned long long)r.ss);
	errno = 0;
	long rip = ptrace(PTRACE_PEEKUSER, pid, offsetof(struct user_regs_struct, rip), 0);
	printf("peekuser rip ok %d\n", rip == (long)r.rip && !errno);
	ptrace(PTRACE_PEEKUSER, pid, 3, 0);
	printf("peekuser odd: %s\n", errname(errno));
	r.r12 = 0x1234;
	if (ptrace(PTRACE_SETREGS, pid, 0, &r) || ptrace(PTRACE_GETREGS, pid, 0, &r2))
		fail("SETREGS");
	printf("r12 %#llx\n", (unsigned long long)r2.r12);
	struct user_fpregs_struct fp;
	if (ptrace(PTRACE_GETFPREGS, pid, 0, &fp))
		fail("GETFPREGS");
	printf("fpregs cwd %#x mxcsr %#x\n", fp.cwd, fp.mxcsr);
	fp.mxcsr = 0x1f80 | 0x6000; /* round toward zero */
	struct user_fpregs_struct fp2;
	if (ptrace(PTRACE_SETFPREGS, pid, 0, &fp) || ptrace(PTRACE_GETFPREGS, pid, 0, &fp2))
		fail("SETFPREGS");
	printf("mxcsr now %#x\n", fp2.mxcsr);
	r2.r12 = r.r12;
	if (ptrace(PTRACE_CONT, pid, 0, 0))
		fail("CONT");
	report_exit(pid);
}

static void test_syscall_stops(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		traceme_stop();
		long ppid = syscall(SYS_getppid);
		errno = 0;
		long r = syscall(SYS_getpid);
		int skipped = r == -1 && errno == ENOSYS;
		syscall(SYS_getuid);
		_exit(skipped && ppid == getppid() ? 5 : 1);
	}
	wait_stop(pid);
	if (ptrace(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_TRACESYSGOOD))
		fail("SETOPTIONS");
	for (int n = 0; n < 7; n++) {
		if (ptrace(PTRACE_SYSCALL, pid, 0, 0))
			fail("SYSCALL");
		int sig = wait_stop(pid);
		struct syscall_info info;
		long len = ptrace(GET_SYSCALL_INFO, pid, sizeof(info), &info);
		if (info.op == 1) {
			printf("stop %#x entry %llu len %ld arch %#x\n", sig, info.entry.nr, len,
			       info.arch);
			if (info.entry.nr == SYS_getpid) {
				errno = 0;
				if (ptrace(PTRACE_POKEUSER, pid, offsetof(struct user_regs_struct, orig_rax),
					   -1L))
					fail("POKEUSER orig_rax");
			}
		} else if (info.op == 2) {
			printf("stop %#x exit rval %lld error %d len %ld\n", sig,
			       info.exit.rval == getpid() ? 0LL : info.exit.rval, info.exit.is_error, len);
		} else {
			printf("stop %#x op %d\n", sig, info.op);
		}
	}
	ptrace(PTRACE_CONT, pid, 0, 0);
	report_exit(pid);
}

static void on_usr1(int sig)
{
	(void)sig;
	got_usr1++;
}

static void on_usr2(int sig)
{
	(void)sig;
	got_usr2++;
}

static void test_signals(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		signal(SIGUSR1, on_usr1);
		signal(SIGUSR2, on_usr2);
		traceme_stop();
		syscall(SYS_kill, syscall(SYS_getpid), SIGUSR1); /* suppressed */
		syscall(SYS_kill, syscall(SYS_getpid), SIGUSR2); /* becomes SIGUSR1 */
		_exit(got_usr1 * 10 + got_usr2);
	}
	wait_stop(pid);
	ptrace(PTRACE_CONT, pid, 0, 0);
	printf("stop sig %d\n", wait_stop(pid));
	ptrace(PTRACE_CONT, pid, 0, 0);
	printf("stop sig %d\n", wait_stop(pid));
	ptrace(PTRACE_CONT, pid, 0, SIGUSR1);
	report_exit(pid);
}

static void test_exec(const char *self)
{
	pid_t pid = fork();
	if (pid == 0) {
		if (ptrace(PTRACE_TRACEME, 0, 0, 0))
			_exit(90);
		execl(self, self, "exec-child", (char *)NULL);
		_exit(91);
	}
	printf("exec stop sig %d\n", wait_stop(pid));
	ptrace(PTRACE_CONT, pid, 0, 0);
	report_exit(pid);
}

static void test_fork_event(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		traceme_stop();
		pid_t g = fork();
		if (g == 0)
			_exit(3);
		int st;
		_exit(waitpid(g, &st, 0) == g && WEXITSTATUS(st) == 3 ? 0 : 1);
	}
	wait_stop(pid);
	if (ptrace(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_TRACEFORK))
		fail("SETOPTIONS fork");
	ptrace(PTRACE_CONT, pid, 0, 0);
	int ev = wait_stop(pid);
	printf("event %d sig %d\n", ev >> 8, ev & 0xff);
	unsigned long msg;
	if (ptrace(PTRACE_GETEVENTMSG, pid, 0, &msg))
		fail("GETEVENTMSG");
	pid_t g = (pid_t)msg;
	printf("grandchild stop sig %d\n", wait_stop(g));
	ptrace(PTRACE_CONT, g, 0, 0);
	printf("grandchild: ");
	report_exit(g);
	/* The grandchild's end: SIGCHLD, ignored but reported to the tracer. */
	int sig;
	while (ptrace(PTRACE_CONT, pid, 0, 0) == 0 && (sig = wait_stop(pid)) > 0)
		printf("stop sig %d\n", sig);
}

static void exit4(int sig)
{
	(void)sig;
	_exit(4);
}

/* ATTACH's SIGSTOP and DETACH; SEIZE, INTERRUPT of a sleeping tracee,
 * and PTRACE_EVENT_EXIT with the exit status as its message. */
static void test_attach(void)
{
	int ready[2];
	if (pipe(ready))
		fail("pipe");
	pid_t pid = fork();
	if (pid == 0) {
		signal(SIGUSR1, exit4);
		close(ready[1]);
		for (;;)
			pause();
	}
	close(ready[1]);
	char c;
	if (read(ready[0], &c, 1) != 0) /* the handler is in place */
		fail("read");
	close(ready[0]);
	if (ptrace(PTRACE_ATTACH, pid, 0, 0))
		fail("ATTACH");
	printf("attach stop sig %d\n", wait_stop(pid));
	if (ptrace(PTRACE_DETACH, pid, 0, 0))
		fail("DETACH");
	if (ptrace(PTRACE_SEIZE, pid, 0, PTRACE_O_TRACEEXIT))
		fail("SEIZE");
	if (ptrace(PTRACE_INTERRUPT, pid, 0, 0))
		fail("INTERRUPT");
	int ev = wait_stop(pid);
	printf("interrupt event %d sig %d\n", ev >> 8, ev & 0xff);
	kill(pid, SIGUSR1);
	ptrace(PTRACE_CONT, pid, 0, 0);
	printf("stop sig %d\n", wait_stop(pid));
	ptrace(PTRACE_CONT, pid, 0, SIGUSR1);
	ev = wait_stop(pid);
	unsigned long msg = 0;
	ptrace(PTRACE_GETEVENTMSG, pid, 0, &msg);
	printf("exit event %d sig %d msg %#lx\n", ev >> 8, ev & 0xff, msg);
	ptrace(PTRACE_CONT, pid, 0, 0);
	report_exit(pid);
}

static void test_errors(void)
{
	errno = 0;
	ptrace(PTRACE_ATTACH, getpid(), 0, 0);
	printf("attach self: %s\n", errname(errno));
	ptrace(PTRACE_CONT, 0x3ffffff0, 0, 0);
	printf("cont none: %s\n", errname(errno));
	pid_t pid = fork();
	if (pid == 0) {
		pause();
		_exit(0);
	}
	ptrace(PTRACE_CONT, pid, 0, 0);
	printf("cont untraced: %s\n", errname(errno));
	ptrace(PTRACE_SEIZE, pid, 1, 0);
	printf("seize addr: %s\n", errname(errno));
	/* a running tracee answers only KILL */
	if (ptrace(PTRACE_SEIZE, pid, 0, 0))
		fail("SEIZE");
	ptrace(PTRACE_GETREGS, pid, 0, &(struct user_regs_struct){0});
	printf("getregs running: %s\n", errname(errno));
	ptrace(PTRACE_SEIZE, pid, 0, 0);
	printf("seize twice: %s\n", errname(errno));
	if (ptrace(PTRACE_KILL, pid, 0, 0))
		fail("KILL");
	int st;
	waitpid(pid, &st, 0);
	printf("killed by %d\n", WTERMSIG(st));
}

int main(int argc, char **argv)
{
	if (argc > 1)
		return 7; /* the exec'd child */
	setvbuf(stdout, NULL, _IONBF, 0);
	test_memory_regs();
	test_syscall_stops();
	test_signals();
	test_exec(argv[0]);
	test_fork_event();
	test_attach();
	test_errors();
	return 0;
}
