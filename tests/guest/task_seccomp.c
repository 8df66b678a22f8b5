/* task_seccomp.c - seccomp(2), compared with Linux: strict mode, filters
 * that return each action (ERRNO and its cap, TRAP and its siginfo and
 * registers, KILL_THREAD and KILL_PROCESS with and without other threads,
 * TRACE with a tracer that redirects and skips the call and without
 * one, USER_NOTIF without a listener, LOG, an unknown
 * action), precedence between filters, what the filters see (arguments,
 * arch, x32 and out-of-table numbers), a restarted call filtered again,
 * inheritance by fork, threads and exec, TSYNC and its failures, the
 * checker's EINVAL, EFAULT, EACCES and ENOMEM, the queries, and
 * /proc/PID/status. Every case runs in a child:
 * a filter cannot be taken off.
 *
 * usage: task_seccomp [exec]   ("exec": the re-executed image's check) */
#include "guest_test.h"

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/user.h>
#include <ucontext.h>
#include <unistd.h>

#include "seccomp_abi.h"

/* <linux/audit.h> and the rest of seccomp.h used here. */
#define AUDIT_ARCH_X86_64 0xc000003eu
#define X32_BIT 0x40000000
#define SYS_SECCOMP_CODE 1

static long sys_seccomp(unsigned op, unsigned flags, const void *args)
{
	return syscall(SYS_seccomp, op, flags, args);
}

/* A filter: calls numbered nr get ret, every other call runs. */
static long filter_nr_flags(int nr, uint32_t ret, unsigned flags)
{
	struct sock_filter f[] = {
		LD_NR,
		JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)nr, 0, 1),
		STMT(BPF_RET | BPF_K, ret),
		STMT(BPF_RET | BPF_K, RET_ALLOW),
	};
	struct sock_fprog prog = {4, f};
	return sys_seccomp(SECCOMP_SET_MODE_FILTER, flags, &prog);
}

static void filter_nr(int nr, uint32_t ret)
{
	CHECK(filter_nr_flags(nr, ret, 0) == 0, "installing a filter for %d: %s", nr,
	      strerror(errno));
}

static void no_new_privs(void)
{
	CHECK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0, "PR_SET_NO_NEW_PRIVS");
}

/* The "Seccomp:" and "Seccomp_filters:" values of /proc/self/status. */
static void status_seccomp(int *mode, int *count)
{
	FILE *f = fopen("/proc/self/status", "r");
	CHECK(f, "open /proc/self/status");
	char line[256];
	*mode = *count = -1;
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "Seccomp:\t%d", mode);
		sscanf(line, "Seccomp_filters:\t%d", count);
	}
	fclose(f);
}

/* Runs fn in a child; its wait status. */
static int in_child(void (*fn)(void))
{
	fflush(stdout);
	pid_t pid = fork();
	CHECK(pid >= 0, "fork");
	if (pid == 0) {
		fn();
		fflush(stdout);
		_exit(0);
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid, "waitpid");
	return st;
}

static void expect_exit0(const char *what, int st)
{
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s: child status 0x%x", what, st);
	printf("%s: ok\n", what);
}

static void expect_signal(const char *what, int st, int sig)
{
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == sig, "%s: child status 0x%x, expected %s", what,
	      st, strsignal(sig));
	printf("%s: killed by %s\n", what, strsignal(sig));
}

/* ---- strict mode ---- */

static void strict_write_then_getpid(void)
{
	CHECK(prctl(PR_GET_SECCOMP) == 0, "PR_GET_SECCOMP before");
	CHECK(prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT, 0, 0, 0) == 0, "PR_SET_SECCOMP strict");
	static const char msg[] = "strict: write allowed\n";
	if (write(1, msg, sizeof(msg) - 1) != sizeof(msg) - 1)
		syscall(SYS_exit, 3);
	syscall(SYS_getpid); /* SIGKILL */
	syscall(SYS_exit, 4);
}

static void strict_exit(void)
{
	CHECK(sys_seccomp(SECCOMP_SET_MODE_STRICT, 1, NULL) == -1 && errno == EINVAL,
	      "strict with flags");
	CHECK(sys_seccomp(SECCOMP_SET_MODE_STRICT, 0, NULL) == 0, "seccomp strict");
	syscall(SYS_exit, 7);
}

static void strict_prctl_get(void)
{
	CHECK(prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT, 0, 0, 0) == 0, "strict");
	prctl(PR_GET_SECCOMP); /* not one of the four: SIGKILL */
	syscall(SYS_exit, 5);
}

static void test_strict(void)
{
	fflush(stdout);
	expect_signal("strict getpid", in_child(strict_write_then_getpid), SIGKILL);
	int st = in_child(strict_exit);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 7, "strict exit(7): status 0x%x", st);
	printf("strict exit: status %d\n", WEXITSTATUS(st));
	expect_signal("strict PR_GET_SECCOMP", in_child(strict_prctl_get), SIGKILL);
}

/* ---- ERRNO, precedence, what filters see ---- */

static void errno_getpid(void)
{
	no_new_privs();
	int mode, count;
	status_seccomp(&mode, &count);
	CHECK(mode == 0 && count == 0, "status before: Seccomp %d, filters %d", mode, count);
	filter_nr(SYS_getpid, RET_ERRNO | 1234);
	CHECK(prctl(PR_GET_SECCOMP) == 2, "PR_GET_SECCOMP in filter mode");
	CHECK_ERRNO(syscall(SYS_getpid), 1234, "getpid under ERRNO(1234)");
	filter_nr(SYS_getppid, RET_ERRNO | 5000);
	CHECK_ERRNO(syscall(SYS_getppid), 4095, "getppid under ERRNO(5000): capped");
	/* the newest of equal actions wins; a lower action beats LOG */
	filter_nr(SYS_getpid, RET_ERRNO | 22);
	CHECK_ERRNO(syscall(SYS_getpid), 22, "getpid: the newest ERRNO");
	filter_nr(SYS_getpid, RET_LOG);
	CHECK_ERRNO(syscall(SYS_getpid), 22, "getpid: ERRNO before LOG");
	filter_nr(SYS_gettid, RET_LOG);
	CHECK(syscall(SYS_gettid) > 0, "gettid under LOG runs");
	filter_nr(SYS_getuid, RET_TRACE);
	CHECK_ERRNO(syscall(SYS_getuid), ENOSYS, "TRACE without a tracer");
	filter_nr(SYS_getgid, RET_USER_NOTIF);
	CHECK_ERRNO(syscall(SYS_getgid), ENOSYS, "USER_NOTIF without a listener");
	status_seccomp(&mode, &count);
	CHECK(mode == 2 && count == 7, "status: Seccomp %d, filters %d", mode, count);
	/* a filter once, mode strict no more */
	CHECK_ERRNO(sys_seccomp(SECCOMP_SET_MODE_STRICT, 0, NULL), EINVAL, "strict after filter");
}

/* What filters see: args[0]'s low bits come back as the errno of call
 * 1000, an x32 number and -1 are seen whole, the arch is x86-64, and
 * BPF_LEN (through a scratch word) is the size of struct seccomp_data. */
static void data_seen(void)
{
	no_new_privs();
	struct sock_filter f[] = {
		LD_NR,
		JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1000, 0, 4),
		STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
		STMT(BPF_ALU | BPF_AND | BPF_K, 0xfff),
		STMT(BPF_ALU | BPF_OR | BPF_K, RET_ERRNO),
		STMT(BPF_RET | BPF_A, 0),
		JUMP(BPF_JMP | BPF_JEQ | BPF_K, X32_BIT | SYS_getpid, 0, 1),
		STMT(BPF_RET | BPF_K, RET_ERRNO | 55),
		JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0xffffffffu, 0, 1),
		STMT(BPF_RET | BPF_K, RET_ERRNO | 66),
		STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		STMT(BPF_RET | BPF_K, RET_KILL_PROCESS),
		STMT(BPF_LD | BPF_W | BPF_LEN, 0),
		STMT(BPF_ST, 3),
		STMT(BPF_LDX | BPF_MEM, 3),
		LD_NR,
		JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1001, 0, 3),
		STMT(BPF_MISC | BPF_TXA, 0),
		STMT(BPF_ALU | BPF_OR | BPF_K, RET_ERRNO),
		STMT(BPF_RET | BPF_A, 0),
		STMT(BPF_RET | BPF_K, RET_ALLOW),
	};
	struct sock_fprog prog = {sizeof(f) / sizeof(f[0]), f};
	CHECK(sys_seccomp(SECCOMP_SET_MODE_FILTER, 0, &prog) == 0, "data filter: %s",
	      strerror(errno));
	CHECK_ERRNO(syscall(1000, 77L), 77, "call 1000 gets args[0]");
	CHECK_ERRNO(syscall(1000, 0x12345678L), 0x678, "call 1000 gets args[0]'s low bits");
	CHECK_ERRNO(syscall(X32_BIT | SYS_getpid), 55, "an x32 number");
	CHECK_ERRNO(syscall(-1L), 66, "number -1");
	CHECK_ERRNO(syscall(1001), 64, "BPF_LEN is sizeof(struct seccomp_data)");
	CHECK_ERRNO(syscall(1002), ENOSYS, "an unknown call the filters allow");
	CHECK(syscall(SYS_getpid) > 0, "getpid runs");
}

/* A call a handler interrupts and SA_RESTART makes again enters afresh:
 * a filter the handler installed judges it (Linux restarts it through
 * the SYSCALL). */
static void on_alarm_filter(int sig)
{
	(void)sig;
	filter_nr(SYS_read, RET_ERRNO | 77);
}

static void restart_filtered(void)
{
	no_new_privs();
	int fds[2];
	CHECK(pipe(fds) == 0, "pipe");
	struct sigaction sa = {.sa_handler = on_alarm_filter, .sa_flags = SA_RESTART};
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = {.it_value = {0, 100000}};
	setitimer(ITIMER_REAL, &it, NULL);
	char c;
	CHECK_ERRNO(read(fds[0], &c, 1), 77, "read restarted after the handler's filter");
}

/* ---- TRACE with a tracer ---- */

/* The tracee: getppid goes to its tracer (data 0x55), which makes the
 * first one getpid and skips the second with 99 as its result. */
static void traced_child(void)
{
	CHECK(ptrace(PTRACE_TRACEME, 0, 0, 0) == 0, "PTRACE_TRACEME");
	raise(SIGSTOP);
	no_new_privs();
	filter_nr(SYS_getppid, RET_TRACE | 0x55);
	CHECK(syscall(SYS_getppid) == syscall(SYS_gettid), "the tracer's getpid in place of getppid");
	CHECK(syscall(SYS_getppid) == 99, "the call the tracer skipped");
}

static void trace_redirect(void)
{
	fflush(stdout);
	pid_t pid = fork();
	CHECK(pid >= 0, "fork");
	if (pid == 0) {
		traced_child();
		fflush(stdout);
		_exit(0);
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFSTOPPED(st), "the SIGSTOP");
	CHECK(ptrace(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_TRACESECCOMP) == 0, "SETOPTIONS");
	for (int i = 0; i < 2; i++) {
		CHECK(ptrace(PTRACE_CONT, pid, 0, 0) == 0, "CONT");
		CHECK(waitpid(pid, &st, 0) == pid && WIFSTOPPED(st), "a stop: 0x%x", st);
		CHECK(st >> 8 == (SIGTRAP | PTRACE_EVENT_SECCOMP << 8), "PTRACE_EVENT_SECCOMP: 0x%x",
		      st);
		unsigned long msg = 0;
		CHECK(ptrace(PTRACE_GETEVENTMSG, pid, 0, &msg) == 0 && msg == 0x55, "message %lu",
		      msg);
		struct user_regs_struct regs;
		CHECK(ptrace(PTRACE_GETREGS, pid, 0, &regs) == 0, "GETREGS");
		CHECK(regs.orig_rax == SYS_getppid && (long)regs.rax == -ENOSYS,
		      "at the stop: orig_rax %llu rax %lld", (unsigned long long)regs.orig_rax,
		      (long long)regs.rax);
		regs.orig_rax = i == 0 ? SYS_getpid : -1UL;
		regs.rax = 99;
		CHECK(ptrace(PTRACE_SETREGS, pid, 0, &regs) == 0, "SETREGS");
	}
	CHECK(ptrace(PTRACE_CONT, pid, 0, 0) == 0, "CONT");
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "the tracee: 0x%x", st);
}

/* ---- TRAP ---- */

static volatile int trap_count;
static uint8_t trap_seen[64];

static void on_sigsys(int sig, siginfo_t *si, void *uc_)
{
	ucontext_t *uc = uc_;
	uint8_t *ok = trap_seen;
	ok[0] = sig == SIGSYS;
	ok[1] = si->si_code == SYS_SECCOMP_CODE;
	ok[2] = si->si_errno == 0x42;
	ok[3] = si->si_syscall == SYS_getppid;
	ok[4] = si->si_arch == AUDIT_ARCH_X86_64;
	ok[5] = (uint64_t)si->si_call_addr == (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
	const uint8_t *insn = (const uint8_t *)si->si_call_addr - 2;
	ok[6] = insn[0] == 0x0f && insn[1] == 0x05; /* just after a SYSCALL */
	ok[7] = uc->uc_mcontext.gregs[REG_RAX] == SYS_getppid; /* the call's registers */
	uc->uc_mcontext.gregs[REG_RAX] = 4242; /* what the call returns */
	trap_count++;
}

static void trap_getppid(void)
{
	no_new_privs();
	struct sigaction sa = {.sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO};
	sigaction(SIGSYS, &sa, NULL);
	filter_nr(SYS_getppid, RET_TRAP | 0x42);
	long r = syscall(SYS_getppid);
	CHECK(trap_count == 1 && r == 4242, "TRAP: handler ran %d times, call returned %ld",
	      trap_count, r);
	for (int i = 0; i < 8; i++)
		CHECK(trap_seen[i], "TRAP: check %d of the handler failed", i);
	/* blocked, SIGSYS is forced: unblocked, the default action */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGSYS);
	sigprocmask(SIG_BLOCK, &set, NULL);
	syscall(SYS_getppid);
	fail("TRAP with SIGSYS blocked returned");
}

/* ---- kills ---- */

static void kill_thread_single(void)
{
	no_new_privs();
	prctl(PR_SET_DUMPABLE, 0); /* no core file natively */
	filter_nr(SYS_getpid, RET_KILL_THREAD);
	syscall(SYS_getpid);
	fail("KILL_THREAD returned");
}

static void kill_unknown_action(void)
{
	no_new_privs();
	prctl(PR_SET_DUMPABLE, 0);
	filter_nr(SYS_getpid, 0x00010000u);
	syscall(SYS_getpid);
	fail("an unknown action returned");
}

static volatile long killed_tid;

static void *kill_me(void *arg)
{
	killed_tid = syscall(SYS_gettid);
	filter_nr(SYS_getpid, *(uint32_t *)arg);
	syscall(SYS_getpid);
	return (void *)1;
}

static void kill_thread_of_two(void)
{
	no_new_privs();
	uint32_t ret = RET_KILL_THREAD;
	pthread_t t;
	CHECK(pthread_create(&t, NULL, kill_me, &ret) == 0, "pthread_create");
	/* not pthread_join: musl's waits for a word only the thread clears */
	char path[64];
	for (int i = 0; !killed_tid || i < 1000; i++) {
		snprintf(path, sizeof(path), "/proc/self/task/%ld", killed_tid);
		if (killed_tid && access(path, F_OK) != 0)
			break;
		usleep(10000);
	}
	CHECK(access(path, F_OK) != 0, "the thread lives on");
	CHECK(syscall(SYS_getpid) > 0, "the main thread is not filtered");
	int mode, count;
	status_seccomp(&mode, &count);
	CHECK(mode == 0 && count == 0, "main thread: Seccomp %d, filters %d", mode, count);
}

static void kill_process_of_two(void)
{
	no_new_privs();
	prctl(PR_SET_DUMPABLE, 0);
	uint32_t ret = RET_KILL_PROCESS;
	pthread_t t;
	CHECK(pthread_create(&t, NULL, kill_me, &ret) == 0, "pthread_create");
	pthread_join(t, NULL);
	fail("KILL_PROCESS left the process");
}

/* ---- inheritance ---- */

static void inherited(void)
{
	no_new_privs();
	filter_nr(SYS_getpid, RET_ERRNO | 33);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		CHECK_ERRNO(syscall(SYS_getpid), 33, "getpid in a forked child");
		int mode, count;
		status_seccomp(&mode, &count);
		CHECK(mode == 2 && count == 1, "child: Seccomp %d, filters %d", mode, count);
		execl("/proc/self/exe", "task_seccomp", "exec", (char *)NULL);
		fail("exec: %s", strerror(errno));
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "forked and exec'd child: status 0x%x", st);
}

static void exec_check(void)
{
	CHECK_ERRNO(syscall(SYS_getpid), 33, "getpid after exec");
	int mode, count;
	status_seccomp(&mode, &count);
	CHECK(mode == 2 && count == 1, "after exec: Seccomp %d, filters %d", mode, count);
	CHECK(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1, "no_new_privs after exec");
}

static int sync_pipe[2], done_pipe[2];

/* Waits for the main thread's word, checks getpid, reports. */
static void *waiter(void *arg)
{
	char c;
	if (read(sync_pipe[0], &c, 1) != 1)
		return (void *)-1;
	long r = syscall(SYS_getpid);
	long want = (long)arg;
	long ok = want ? (r == -1 && errno == want) : r > 0;
	return (void *)ok;
}

static void *new_thread_check(void *arg)
{
	(void)arg;
	return (void *)(long)(syscall(SYS_getpid) == -1 && errno == 44);
}

static void threads_tsync(void)
{
	no_new_privs();
	/* a thread made after the filter has it */
	filter_nr(SYS_getppid, RET_ERRNO | 9);
	pthread_t t;
	void *res;
	pthread_create(&t, NULL, new_thread_check, NULL);
	filter_nr(SYS_getpid, RET_ERRNO | 44); /* after the thread was made: not its */
	pthread_join(t, &res);
	CHECK(res == (void *)0, "a thread made before a filter has it");
	pthread_create(&t, NULL, new_thread_check, NULL);
	pthread_join(t, &res);
	CHECK(res == (void *)1, "a thread made after a filter lacks it");
	/* TSYNC: an older thread gets the caller's filters */
	CHECK(pipe(sync_pipe) == 0, "pipe");
	pthread_create(&t, NULL, waiter, (void *)45L);
	CHECK(filter_nr_flags(SYS_getpid, RET_ERRNO | 45, FLAG_TSYNC) == 0, "TSYNC: %s",
	      strerror(errno));
	CHECK(write(sync_pipe[1], "x", 1) == 1, "write");
	pthread_join(t, &res);
	CHECK(res == (void *)1, "TSYNC: the older thread is filtered");
}

/* A thread with a filter of its own: the main thread's TSYNC fails. */
static void *diverge(void *arg)
{
	(void)arg;
	filter_nr(SYS_getuid, RET_ERRNO | 3);
	char c = 'x';
	if (write(done_pipe[1], &c, 1) != 1 || read(sync_pipe[0], &c, 1) != 1)
		return NULL;
	return NULL;
}

static void tsync_fails(void)
{
	no_new_privs();
	CHECK(pipe(sync_pipe) == 0 && pipe(done_pipe) == 0, "pipe");
	pthread_t t;
	pthread_create(&t, NULL, diverge, NULL);
	char c;
	CHECK(read(done_pipe[0], &c, 1) == 1, "read");
	long tid = filter_nr_flags(SYS_getpid, RET_ERRNO | 46, FLAG_TSYNC);
	CHECK(tid > 0 && tid != syscall(SYS_gettid), "TSYNC over a diverged thread returned %ld",
	      tid);
	CHECK_ERRNO(filter_nr_flags(SYS_getpid, RET_ERRNO | 46, FLAG_TSYNC | FLAG_TSYNC_ESRCH),
		    ESRCH, "TSYNC_ESRCH");
	CHECK(syscall(SYS_getpid) > 0, "a failed TSYNC installs nothing");
	CHECK(write(sync_pipe[1], "x", 1) == 1, "write");
	pthread_join(t, NULL);
}

/* ---- the checker ---- */

static long install(struct sock_filter *f, unsigned short len)
{
	struct sock_fprog prog = {len, f};
	return sys_seccomp(SECCOMP_SET_MODE_FILTER, 0, &prog);
}

static void checker(void)
{
	struct sock_filter allow[] = {STMT(BPF_RET | BPF_K, RET_ALLOW)};
	/* EACCES first: no no_new_privs, no CAP_SYS_ADMIN */
	struct {
		uint32_t version;
		int pid;
	} hdr = {0x20080522, 0};
	struct {
		uint32_t eff, prm, inh;
	} caps[2];
	CHECK(syscall(SYS_capget, &hdr, caps) == 0, "capget");
	caps[0].eff &= ~(1u << 21); /* CAP_SYS_ADMIN */
	CHECK(syscall(SYS_capset, &hdr, caps) == 0, "capset");
	CHECK_ERRNO(install(allow, 1), EACCES, "a filter without no_new_privs or CAP_SYS_ADMIN");
	CHECK_ERRNO(install(allow, 0), EINVAL, "len 0 (before EACCES)");
	no_new_privs();
	CHECK_ERRNO(sys_seccomp(SECCOMP_SET_MODE_FILTER, 0, (void *)8), EFAULT, "fprog at 8");
	struct sock_fprog bad = {1, (struct sock_filter *)8};
	CHECK_ERRNO(sys_seccomp(SECCOMP_SET_MODE_FILTER, 0, &bad), EFAULT, "filter at 8");
	CHECK_ERRNO(install(allow, 0), EINVAL, "len 0");
	struct sock_filter *big = calloc(4097, sizeof(*big));
	CHECK(big, "calloc");
	for (int i = 0; i < 4097; i++)
		big[i] = (struct sock_filter)STMT(BPF_RET | BPF_K, RET_ALLOW);
	CHECK_ERRNO(install(big, 4097), EINVAL, "len 4097");
	CHECK_ERRNO(sys_seccomp(SECCOMP_SET_MODE_FILTER, 0x100, &(struct sock_fprog){1, allow}),
		    EINVAL, "unknown flag");
	struct sock_filter cases[][3] = {
		{STMT(BPF_LD | BPF_H | BPF_ABS, 0), STMT(BPF_RET | BPF_A, 0)},
		{STMT(BPF_LD | BPF_W | BPF_ABS, 1), STMT(BPF_RET | BPF_A, 0)},
		{STMT(BPF_LD | BPF_W | BPF_ABS, 64), STMT(BPF_RET | BPF_A, 0)},
		{STMT(BPF_LD | BPF_MEM, 0), STMT(BPF_RET | BPF_A, 0)},
		{STMT(BPF_LD | BPF_MEM, 16), STMT(BPF_RET | BPF_A, 0)},
		{STMT(BPF_ALU | BPF_DIV | BPF_K, 0), STMT(BPF_RET | BPF_A, 0)},
		{STMT(BPF_ALU | BPF_MOD | BPF_K, 3), STMT(BPF_RET | BPF_A, 0)},
		{JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0), STMT(BPF_RET | BPF_A, 0)},
		{STMT(BPF_JMP | BPF_JA, 1), STMT(BPF_RET | BPF_A, 0)},
		{STMT(BPF_LD | BPF_IMM, 0), STMT(BPF_LD | BPF_IMM, 0)},
		{STMT(0xffff, 0), STMT(BPF_RET | BPF_A, 0)},
		{STMT(BPF_ALU | 0x60 /* LSH */ | BPF_K, 32), STMT(BPF_RET | BPF_A, 0)},
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK(install(cases[i], 2) == -1 && errno == EINVAL,
		      "checker case %u: accepted or errno %d", i, errno);
	/* a scratch word written on one path only */
	struct sock_filter half[] = {
		LD_NR,
		JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 1),
		STMT(BPF_ST, 2),
		STMT(BPF_LD | BPF_MEM, 2),
		STMT(BPF_RET | BPF_K, RET_ALLOW),
	};
	CHECK_ERRNO(install(half, 5), EINVAL, "M[2] written on one path only");
	half[1].jf = 0;
	CHECK(install(half, 5) == 0, "M[2] written on both paths: %s", strerror(errno));
	/* MAX_INSNS_PER_PATH: 7 filters of 4096 fit (with 4 each more), an 8th not */
	for (int i = 0; i < 4096; i++)
		big[i] = (struct sock_filter)STMT(BPF_RET | BPF_K, RET_ALLOW);
	int n = 0;
	while (install(big, 4096) == 0)
		n++;
	/* Linux may refuse earlier, when the memory its programs are charged
	 * to runs short (the host's 6.18 took 3 here): never later. */
	CHECK(errno == ENOMEM && n <= 7, "past MAX_INSNS_PER_PATH: errno %d after %d", errno, n);
	/* the queries */
	uint32_t actions[] = {RET_KILL_PROCESS, RET_KILL_THREAD, RET_TRAP, RET_ERRNO,
			      RET_USER_NOTIF, RET_TRACE, RET_LOG, RET_ALLOW};
	for (unsigned i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		CHECK(sys_seccomp(SECCOMP_GET_ACTION_AVAIL, 0, &actions[i]) == 0,
		      "action 0x%x not available", actions[i]);
	uint32_t unknown = 0x00010000u;
	CHECK_ERRNO(sys_seccomp(SECCOMP_GET_ACTION_AVAIL, 0, &unknown), EOPNOTSUPP,
		    "an unknown action");
	CHECK_ERRNO(sys_seccomp(SECCOMP_GET_ACTION_AVAIL, 1, &unknown), EINVAL, "flags");
	CHECK_ERRNO(sys_seccomp(SECCOMP_GET_ACTION_AVAIL, 0, (void *)8), EFAULT, "action at 8");
	uint16_t sizes[3];
	CHECK(sys_seccomp(SECCOMP_GET_NOTIF_SIZES, 0, sizes) == 0, "GET_NOTIF_SIZES");
	printf("notif sizes: %u %u %u\n", sizes[0], sizes[1], sizes[2]);
	CHECK_ERRNO(sys_seccomp(9, 0, NULL), EINVAL, "an unknown operation");
	CHECK_ERRNO(prctl(PR_SET_SECCOMP, 3, 0, 0, 0), EINVAL, "PR_SET_SECCOMP 3");
	free(big);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "exec")) {
		exec_check();
		return 0;
	}
	struct rlimit no_core = {0, 0};
	setrlimit(RLIMIT_CORE, &no_core);
	test_strict();
	expect_exit0("ERRNO, precedence, TRACE and USER_NOTIF alone", in_child(errno_getpid));
	expect_exit0("seccomp_data", in_child(data_seen));
	expect_exit0("a restarted call is filtered", in_child(restart_filtered));
	expect_exit0("TRACE: a tracer redirects and skips", in_child(trace_redirect));
	expect_signal("TRAP, then TRAP blocked", in_child(trap_getppid), SIGSYS);
	expect_signal("KILL_THREAD alone", in_child(kill_thread_single), SIGSYS);
	expect_signal("an unknown action", in_child(kill_unknown_action), SIGSYS);
	expect_exit0("KILL_THREAD of one of two", in_child(kill_thread_of_two));
	expect_signal("KILL_PROCESS from a thread", in_child(kill_process_of_two), SIGSYS);
	expect_exit0("fork and exec keep filters", in_child(inherited));
	expect_exit0("threads and TSYNC", in_child(threads_tsync));
	expect_exit0("TSYNC failures", in_child(tsync_fails));
	expect_exit0("the checker", in_child(checker));
	return 0;
}
