/* sig_stop: job control, stop and continue.
 * - a child that stops itself (raise(SIGSTOP)) is reported once by
 *   waitpid(WUNTRACED), shows state T in /proc/PID/status and stat, and
 *   once by waitpid(WCONTINUED) after SIGCONT;
 * - the parent's SIGCHLD handler gets CLD_STOPPED then CLD_CONTINUED
 *   (si_status the signal), and only CLD_EXITED with SA_NOCLDSTOP;
 * - waitid(WSTOPPED | WNOWAIT) leaves the stop to report again; a child
 *   stopped inside read() goes on reading after SIGCONT;
 * - signals sent to a stopped child stay pending (a handler runs, SIGTERM
 *   kills, only after SIGCONT); SIGKILL kills a stopped child;
 * - SIGTSTP with a handler runs it; by default it (and SIGTTOU) stops a
 *   child that leads its own group, and is discarded in an orphaned group
 *   (after setsid);
 * - an ignored SIGCONT still continues; stop signals and SIGCONT discard
 *   each other's pending instances;
 * - kill(-pgid) stops and continues every member of a group. */
#include "proc_test.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- helpers ---- */

/* A pipe the children block on: closing its write end lets them go. */
struct gate {
	int rd, wr;
};

static struct gate gate_open(void)
{
	int fd[2];
	CHECK(pipe(fd) == 0, "pipe: %s", strerror(errno));
	return (struct gate){fd[0], fd[1]};
}

/* In a child: waits until the parent releases the gate; how many bytes
 * came (0 once the parent closed it). */
static int gate_wait(struct gate g)
{
	close(g.wr);
	char c;
	ssize_t n = read(g.rd, &c, 1);
	CHECK(n >= 0, "child: read: %s", strerror(errno));
	return (int)n;
}

static void set_handler(int sig, void (*fn)(int, siginfo_t *, void *), int flags)
{
	struct sigaction sa = {.sa_sigaction = fn, .sa_flags = SA_SIGINFO | flags};
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(sig, &sa, NULL) == 0, "sigaction(%d): %s", sig, strerror(errno));
}

static void set_disposition(int sig, void (*fn)(int))
{
	CHECK(signal(sig, fn) != SIG_ERR, "signal(%d): %s", sig, strerror(errno));
}

static void set_mask(int how, int sig)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, sig);
	CHECK(sigprocmask(how, &set, NULL) == 0, "sigprocmask: %s", strerror(errno));
}

static void send(pid_t pid, int sig)
{
	CHECK(kill(pid, sig) == 0, "kill(%d, %d): %s", (int)pid, sig, strerror(errno));
}

/* waitpid(pid, options) must report pid with a status. */
static int wait_opts(pid_t pid, int options)
{
	int status;
	pid_t got = waitpid(pid, &status, options);
	CHECK(got == pid, "waitpid(%d, %#x) returned %d: %s", (int)pid, options, (int)got,
	      got < 0 ? strerror(errno) : "another pid");
	return status;
}

/* Waits until child pid is stopped, and checks by which signal. */
static void expect_stopped(pid_t pid, int sig, const char *what)
{
	int status = wait_opts(pid, WUNTRACED);
	CHECK(WIFSTOPPED(status) && WSTOPSIG(status) == sig,
	      "%s: status %#x, expected stopped by %d", what, status, sig);
	CHECK(status == (0x7f | sig << 8), "%s: status %#x", what, status);
}

static void expect_signaled(int status, int sig, const char *what)
{
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == sig,
	      "%s: status %#x, expected death by signal %d", what, status, sig);
}

/* Nothing more to report for pid with these options (WNOHANG added). */
static void expect_nothing(pid_t pid, int options, const char *what)
{
	int status;
	pid_t got = waitpid(pid, &status, options | WNOHANG);
	CHECK(got == 0, "%s: waitpid returned %d (status %#x), expected 0", what, (int)got,
	      got > 0 ? status : 0);
}

/* The state letter of pid: the State line of /proc/PID/status, which
 * must agree with the third field of /proc/PID/stat. */
static char proc_state(pid_t pid)
{
	char path[64], buf[4096];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	CHECK(f, "open %s: %s", path, strerror(errno));
	char state[64] = "";
	while (fgets(buf, sizeof(buf), f))
		if (sscanf(buf, "State:\t%63[^\n]", state) == 1)
			break;
	fclose(f);
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	CHECK(f, "open %s: %s", path, strerror(errno));
	CHECK(fgets(buf, sizeof(buf), f), "read %s", path);
	fclose(f);
	const char *end = strrchr(buf, ')');
	CHECK(end && end[1] == ' ', "%s: no state field in \"%s\"", path, buf);
	CHECK(state[0] == end[2], "status says \"%s\", stat says '%c'", state, end[2]);
	if (state[0] == 'T')
		CHECK(strcmp(state, "T (stopped)") == 0, "State: \"%s\"", state);
	return state[0];
}

/* Whether sig is pending for pid, from ShdPnd in /proc/PID/status. */
static int proc_pending(pid_t pid, int sig)
{
	char path[64], buf[256];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	CHECK(f, "open %s: %s", path, strerror(errno));
	unsigned long long mask = 0;
	int found = 0;
	while (!found && fgets(buf, sizeof(buf), f))
		found = sscanf(buf, "ShdPnd:\t%llx", &mask) == 1;
	fclose(f);
	CHECK(found, "%s: no ShdPnd line", path);
	return (mask >> (sig - 1)) & 1;
}

/* A child that stops itself, then waits at the gate and exits with 7. */
static pid_t fork_self_stopper(struct gate g)
{
	pid_t pid = xfork();
	if (pid == 0) {
		raise(SIGSTOP);
		gate_wait(g);
		_exit(7);
	}
	return pid;
}

/* ---- stop, continue, wait, /proc ---- */

static void stop_and_continue(void)
{
	struct gate g = gate_open();
	pid_t pid = fork_self_stopper(g);
	expect_stopped(pid, SIGSTOP, "raise(SIGSTOP)");
	printf("raise(SIGSTOP): WIFSTOPPED, WSTOPSIG SIGSTOP, status 0x%x\n", 0x7f | SIGSTOP << 8);
	expect_nothing(pid, WUNTRACED, "a stop reported twice");
	CHECK(proc_state(pid) == 'T', "a stopped child is not in state T");
	printf("/proc/PID/status and stat: T (stopped)\n");
	send(pid, SIGCONT);
	int status = wait_opts(pid, WCONTINUED);
	CHECK(WIFCONTINUED(status) && status == 0xffff, "SIGCONT: status %#x", status);
	expect_nothing(pid, WCONTINUED | WUNTRACED, "a continue reported twice");
	printf("SIGCONT: WIFCONTINUED, status 0xffff, reported once\n");
	close(g.wr);
	close(g.rd);
	expect_exit(wait_for(pid), 7, "continued child");
}

/* ---- SIGCHLD for stops and continues ---- */

static volatile int nchld, chld_code[4], chld_status[4], chld_pid[4];

static void on_chld(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	if (nchld < 4) {
		chld_code[nchld] = si->si_code;
		chld_status[nchld] = si->si_status;
		chld_pid[nchld] = si->si_pid;
	}
	nchld++;
}

/* Sleeps (SIGCHLD blocked otherwise) until the handler has run n times. */
static void await_chld(int n)
{
	sigset_t none;
	sigemptyset(&none);
	while (nchld < n)
		sigsuspend(&none);
}

static void expect_chld(int i, pid_t pid, int code, int status, const char *what)
{
	CHECK(chld_code[i] == code && chld_status[i] == status && chld_pid[i] == pid,
	      "SIGCHLD #%d: code %d status %d pid %d, expected %s (code %d status %d pid %d)", i,
	      chld_code[i], chld_status[i], chld_pid[i], what, code, status, (int)pid);
}

static void sigchld_reports(void)
{
	nchld = 0;
	set_handler(SIGCHLD, on_chld, 0);
	set_mask(SIG_BLOCK, SIGCHLD);
	struct gate g = gate_open();
	pid_t pid = fork_self_stopper(g);
	await_chld(1);
	expect_chld(0, pid, CLD_STOPPED, SIGSTOP, "CLD_STOPPED");
	send(pid, SIGCONT);
	await_chld(2);
	expect_chld(1, pid, CLD_CONTINUED, SIGCONT, "CLD_CONTINUED");
	close(g.wr);
	close(g.rd);
	await_chld(3);
	expect_chld(2, pid, CLD_EXITED, 7, "CLD_EXITED");
	expect_exit(wait_for(pid), 7, "child");
	printf("SIGCHLD: CLD_STOPPED (SIGSTOP), CLD_CONTINUED (SIGCONT), CLD_EXITED (7)\n");

	/* SA_NOCLDSTOP: wait still sees the stop and the continue. */
	nchld = 0;
	set_handler(SIGCHLD, on_chld, SA_NOCLDSTOP);
	g = gate_open();
	pid = fork_self_stopper(g);
	expect_stopped(pid, SIGSTOP, "SA_NOCLDSTOP");
	send(pid, SIGCONT);
	int status = wait_opts(pid, WCONTINUED);
	CHECK(WIFCONTINUED(status), "SA_NOCLDSTOP: status %#x, expected continued", status);
	close(g.wr);
	close(g.rd);
	await_chld(1);
	expect_chld(0, pid, CLD_EXITED, 7, "CLD_EXITED only");
	expect_exit(wait_for(pid), 7, "child");
	CHECK(nchld == 1, "SA_NOCLDSTOP: %d SIGCHLD, expected 1", nchld);
	printf("SA_NOCLDSTOP: only CLD_EXITED\n");
	set_disposition(SIGCHLD, SIG_DFL);
	set_mask(SIG_UNBLOCK, SIGCHLD);
}

/* ---- waitid ---- */

static void expect_siginfo(const siginfo_t *si, pid_t pid, int code, int status, const char *what)
{
	CHECK(si->si_signo == SIGCHLD && si->si_code == code && si->si_status == status &&
		      si->si_pid == pid,
	      "%s: signo %d code %d status %d pid %d, expected code %d status %d pid %d", what,
	      si->si_signo, si->si_code, si->si_status, si->si_pid, code, status, (int)pid);
}

static void waitid_reports(void)
{
	/* The child blocks in read(); SIGSTOP stops it there. */
	int fd[2];
	CHECK(pipe(fd) == 0, "pipe: %s", strerror(errno));
	pid_t pid = xfork();
	if (pid == 0) {
		close(fd[1]);
		char c;
		ssize_t n = read(fd[0], &c, 1);
		_exit(n == 1 && c == 'x' ? 3 : 1);
	}
	close(fd[0]);
	send(pid, SIGSTOP);
	siginfo_t si;
	for (int i = 0; i < 2; i++) {
		memset(&si, 0, sizeof(si));
		CHECK(waitid(P_PID, (id_t)pid, &si, WSTOPPED | WNOWAIT) == 0, "waitid: %s",
		      strerror(errno));
		expect_siginfo(&si, pid, CLD_STOPPED, SIGSTOP, "waitid(WSTOPPED | WNOWAIT)");
	}
	memset(&si, 0, sizeof(si));
	CHECK(waitid(P_PID, (id_t)pid, &si, WSTOPPED) == 0, "waitid: %s", strerror(errno));
	expect_siginfo(&si, pid, CLD_STOPPED, SIGSTOP, "waitid(WSTOPPED)");
	memset(&si, 0x55, sizeof(si));
	CHECK(waitid(P_PID, (id_t)pid, &si, WSTOPPED | WNOHANG) == 0, "waitid: %s",
	      strerror(errno));
	CHECK(si.si_pid == 0, "waitid: a consumed stop reported again (si_pid %d)", si.si_pid);
	printf("waitid(WSTOPPED | WNOWAIT): CLD_STOPPED, si_status SIGSTOP, kept until consumed\n");
	send(pid, SIGCONT);
	memset(&si, 0, sizeof(si));
	CHECK(waitid(P_PID, (id_t)pid, &si, WCONTINUED) == 0, "waitid: %s", strerror(errno));
	expect_siginfo(&si, pid, CLD_CONTINUED, SIGCONT, "waitid(WCONTINUED)");
	printf("waitid(WCONTINUED): CLD_CONTINUED, si_status SIGCONT\n");
	CHECK(write(fd[1], "x", 1) == 1, "write: %s", strerror(errno));
	close(fd[1]);
	memset(&si, 0, sizeof(si));
	CHECK(waitid(P_PID, (id_t)pid, &si, WEXITED) == 0, "waitid: %s", strerror(errno));
	expect_siginfo(&si, pid, CLD_EXITED, 3, "waitid(WEXITED)");
	printf("stopped inside read(): the read goes on after SIGCONT\n");
}

/* ---- signals sent to a stopped process ---- */

static volatile int got_usr1, got_cont;

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)si;
	(void)uc;
	got_usr1++;
}

static void on_cont(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)si;
	(void)uc;
	got_cont++;
}

static void pending_while_stopped(void)
{
	pid_t pid = xfork();
	if (pid == 0) {
		set_handler(SIGUSR1, on_usr1, 0);
		set_handler(SIGCONT, on_cont, 0);
		raise(SIGSTOP);
		_exit(got_usr1 | got_cont << 1);
	}
	expect_stopped(pid, SIGSTOP, "handler child");
	send(pid, SIGUSR1);
	CHECK(proc_state(pid) == 'T', "SIGUSR1 woke a stopped child");
	CHECK(proc_pending(pid, SIGUSR1), "SIGUSR1 is not pending in the stopped child");
	send(pid, SIGCONT);
	expect_exit(wait_for(pid), 3, "SIGUSR1 and SIGCONT handlers after SIGCONT (exit 3)");
	printf("SIGUSR1 to a stopped child: pending; both handlers ran after SIGCONT\n");

	/* A fatal signal waits for SIGCONT too. */
	pid = xfork();
	if (pid == 0) {
		raise(SIGSTOP);
		_exit(0);
	}
	expect_stopped(pid, SIGSTOP, "SIGTERM child");
	send(pid, SIGTERM);
	CHECK(proc_state(pid) == 'T', "SIGTERM woke a stopped child");
	expect_nothing(pid, WUNTRACED | WCONTINUED, "SIGTERM to a stopped child");
	send(pid, SIGCONT);
	expect_signaled(wait_for(pid), SIGTERM, "SIGTERM then SIGCONT");
	printf("SIGTERM to a stopped child: pending, kills after SIGCONT\n");

	/* SIGKILL does not wait. */
	pid = xfork();
	if (pid == 0) {
		raise(SIGSTOP);
		_exit(0);
	}
	expect_stopped(pid, SIGSTOP, "SIGKILL child");
	send(pid, SIGKILL);
	expect_signaled(wait_for(pid), SIGKILL, "SIGKILL to a stopped child");
	printf("SIGKILL to a stopped child: killed at once\n");
}

/* ---- SIGTSTP, SIGTTIN, and orphaned groups ---- */

static void on_tstp(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)si;
	(void)uc;
	got_usr1 = 1; /* reused: "the handler ran" */
}

static void tstp(void)
{
	pid_t pid = xfork();
	if (pid == 0) {
		got_usr1 = 0;
		set_handler(SIGTSTP, on_tstp, 0);
		raise(SIGTSTP);
		_exit(got_usr1 ? 4 : 1);
	}
	expect_exit(wait_opts(pid, WUNTRACED), 4, "SIGTSTP with a handler");
	printf("SIGTSTP with a handler: the handler ran, no stop\n");

	/* Leading its own group, whose parent (we) is in another group of
	 * the session: not orphaned, so SIGTSTP stops. */
	struct gate g = gate_open();
	pid = xfork();
	if (pid == 0) {
		setpgid(0, 0);
		raise(SIGTSTP);
		_exit(gate_wait(g) == 0 ? 5 : 1);
	}
	setpgid(pid, pid); /* either of us may be first */
	expect_stopped(pid, SIGTSTP, "SIGTSTP in its own group");
	/* Sent while stopped, SIGTTIN waits; SIGCONT discards it, so the next
	 * stop is SIGTTOU's (not SIGTTIN's, the lower number). */
	send(pid, SIGTTIN);
	send(pid, SIGCONT);
	send(pid, SIGTTOU);
	expect_stopped(pid, SIGTTOU, "SIGTTOU after SIGCONT");
	send(pid, SIGCONT);
	close(g.wr);
	close(g.rd);
	expect_exit(wait_opts(pid, WUNTRACED), 5, "SIGTSTP child");
	printf("SIGTSTP, SIGTTOU by default: stopped (a pending SIGTTIN dropped by SIGCONT)\n");

	/* After setsid its group is orphaned: SIGTSTP is discarded, SIGSTOP
	 * still stops. */
	pid = xfork();
	if (pid == 0) {
		CHECK(setsid() == getpid(), "setsid: %s", strerror(errno));
		raise(SIGTSTP);
		raise(SIGSTOP);
		_exit(6);
	}
	expect_stopped(pid, SIGSTOP, "orphaned group");
	send(pid, SIGCONT);
	expect_exit(wait_for(pid), 6, "orphaned group");
	printf("orphaned group: SIGTSTP discarded, SIGSTOP stops\n");
}

/* ---- SIGCONT ignored, and pending stop/continue ---- */

static void cont_ignored(void)
{
	struct gate g = gate_open();
	pid_t pid = xfork();
	if (pid == 0) {
		set_disposition(SIGCONT, SIG_IGN);
		raise(SIGSTOP);
		_exit(gate_wait(g) == 0 ? 8 : 1);
	}
	expect_stopped(pid, SIGSTOP, "SIGCONT ignored");
	send(pid, SIGCONT);
	int status = wait_opts(pid, WCONTINUED);
	CHECK(WIFCONTINUED(status), "ignored SIGCONT: status %#x, expected continued", status);
	close(g.wr);
	close(g.rd);
	expect_exit(wait_for(pid), 8, "SIGCONT ignored");
	printf("SIGCONT ignored: continues all the same\n");
}

static int pending(int sig)
{
	sigset_t set;
	CHECK(sigpending(&set) == 0, "sigpending: %s", strerror(errno));
	return sigismember(&set, sig);
}

static void cancel_pending(void)
{
	got_cont = got_usr1 = 0;
	set_handler(SIGCONT, on_cont, 0);
	set_handler(SIGTSTP, on_tstp, 0);
	set_mask(SIG_BLOCK, SIGCONT);
	set_mask(SIG_BLOCK, SIGTSTP);
	send(getpid(), SIGCONT);
	CHECK(pending(SIGCONT), "a blocked SIGCONT is not pending");
	send(getpid(), SIGTSTP);
	CHECK(pending(SIGTSTP) && !pending(SIGCONT), "SIGTSTP did not discard the pending SIGCONT");
	send(getpid(), SIGCONT);
	CHECK(pending(SIGCONT) && !pending(SIGTSTP), "SIGCONT did not discard the pending SIGTSTP");
	set_mask(SIG_UNBLOCK, SIGTSTP);
	set_mask(SIG_UNBLOCK, SIGCONT);
	CHECK(got_cont == 1 && got_usr1 == 0, "handlers: SIGCONT %d, SIGTSTP %d, expected 1, 0",
	      got_cont, got_usr1);
	set_disposition(SIGCONT, SIG_DFL);
	set_disposition(SIGTSTP, SIG_DFL);
	printf("pending: a stop signal discards SIGCONT, SIGCONT discards stop signals\n");
}

/* ---- process groups ---- */

static void group(void)
{
	struct gate g = gate_open();
	pid_t kids[2];
	for (int i = 0; i < 2; i++) {
		kids[i] = xfork();
		if (kids[i] == 0) {
			setpgid(0, i ? kids[0] : 0);
			_exit(gate_wait(g) == 0 ? 0 : 1);
		}
		setpgid(kids[i], kids[0]);
	}
	pid_t pgid = kids[0];
	send(-pgid, SIGSTOP);
	for (int i = 0; i < 2; i++) {
		int status;
		pid_t got = waitpid(-pgid, &status, WUNTRACED);
		CHECK((got == kids[0] || got == kids[1]) && WIFSTOPPED(status) &&
			      WSTOPSIG(status) == SIGSTOP,
		      "kill(-pgid, SIGSTOP): waitpid returned %d status %#x", (int)got, status);
	}
	send(-pgid, SIGCONT);
	for (int i = 0; i < 2; i++) {
		int status;
		pid_t got = waitpid(-pgid, &status, WCONTINUED);
		CHECK((got == kids[0] || got == kids[1]) && WIFCONTINUED(status),
		      "kill(-pgid, SIGCONT): waitpid returned %d status %#x", (int)got, status);
	}
	close(g.wr);
	close(g.rd);
	for (int i = 0; i < 2; i++)
		expect_exit(wait_for(kids[i]), 0, "group member");
	printf("kill(-pgid): both members stopped, then continued\n");
}

int main(void)
{
	stop_and_continue();
	sigchld_reports();
	waitid_reports();
	pending_while_stopped();
	tstp();
	cont_ignored();
	cancel_pending();
	group();
	return 0;
}
