/* proc_cred: a process's user and group ids. getuid and friends agree
 * with getresuid/getresgid and /proc/self/status's Uid:, Gid: and
 * Groups: lines; getgroups' EINVAL cases. As root, in forked children
 * only (the host's ids never change): setgroups (sorted, EINVAL, EFAULT),
 * setresgid, setregid, setfsgid, setuid(-1) EINVAL; setresuid leaving
 * uid 0 in the saved id keeps the permitted capabilities but clears the
 * effective ones, and an effective uid 0 again restores them; setfsuid
 * drops and raises the filesystem capabilities; PR_SET_KEEPCAPS keeps
 * the permitted set over leaving uid 0 for good, after which setuid,
 * setresuid, setgroups and setfsuid are refused; execve makes the saved
 * ids the effective ones, puts the ids in the auxv (AT_SECURE when they
 * differ from the real ones), clears the keep-caps flag and recomputes
 * the capabilities. Signals carry the sender's real uid (kill, waitid);
 * another user's process is EPERM to kill but for SIGCONT in the same
 * session; a thread's raw setresuid changes its own ids alone. Printed and compared with the native run. */
#include <grp.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/auxv.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest_test.h"

extern char **environ;

/* The rest of the line of /proc/self/status that starts with key. */
static void status_line(const char *key, char *out, size_t n)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[512];
	CHECK(f, "open /proc/self/status: %s", strerror(errno));
	out[0] = 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key))) {
			snprintf(out, n, "%s", line + strlen(key));
			out[strcspn(out, "\n")] = 0;
		}
	fclose(f);
}

static uint64_t status_hex(const char *key)
{
	char v[64];
	status_line(key, v, sizeof(v));
	return strtoull(v, NULL, 16);
}

/* The ids by every call, against /proc/self/status. */
static void show(const char *when)
{
	uid_t r, e, s;
	gid_t gr, ge, gs;
	CHECK(getresuid(&r, &e, &s) == 0, "getresuid: %s", strerror(errno));
	CHECK(getresgid(&gr, &ge, &gs) == 0, "getresgid: %s", strerror(errno));
	CHECK(getuid() == r && geteuid() == e, "getuid/geteuid %u %u vs %u %u", getuid(), geteuid(), r, e);
	CHECK(getgid() == gr && getegid() == ge, "getgid/getegid");
	uid_t fsu = (uid_t)setfsuid((uid_t)-1);
	gid_t fsg = (gid_t)setfsgid((gid_t)-1);
	char want[128], got[512];
	snprintf(want, sizeof(want), "\t%u\t%u\t%u\t%u", r, e, s, fsu);
	status_line("Uid:", got, sizeof(got));
	CHECK(!strcmp(got, want), "%s: Uid:%s, expected%s", when, got, want);
	snprintf(want, sizeof(want), "\t%u\t%u\t%u\t%u", gr, ge, gs, fsg);
	status_line("Gid:", got, sizeof(got));
	CHECK(!strcmp(got, want), "%s: Gid:%s, expected%s", when, got, want);
	gid_t g[64];
	int n = getgroups(64, g);
	CHECK(n >= 0, "getgroups: %s", strerror(errno));
	CHECK(getgroups(0, NULL) == n, "getgroups(0) != %d", n);
	char list[512] = "\t";
	for (int i = 0; i < n; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%u", i ? " " : "", g[i]);
	strcat(list, " ");
	status_line("Groups:", got, sizeof(got));
	CHECK(!strcmp(got, list), "%s: Groups:'%s', expected '%s'", when, got, list);
	printf("%s: uid %u %u %u %u gid %u %u %u %u groups%s\n", when, r, e, s, fsu, gr, ge, gs, fsg,
	       list);
}

static void caps(const char *when)
{
	printf("%s: CapEff %016llx CapPrm %016llx\n", when,
	       (unsigned long long)status_hex("CapEff:"), (unsigned long long)status_hex("CapPrm:"));
}

/* After execve with the ids a child set up. */
static int after_exec(void)
{
	show("after execve");
	caps("after execve");
	printf("auxv uid %lu euid %lu gid %lu egid %lu secure %lu keepcaps %d\n", getauxval(AT_UID),
	       getauxval(AT_EUID), getauxval(AT_GID), getauxval(AT_EGID), getauxval(AT_SECURE),
	       prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0));
	CHECK(getauxval(AT_UID) == getuid() && getauxval(AT_EUID) == geteuid(), "AT_UID/AT_EUID");
	CHECK(getauxval(AT_SECURE) == (getuid() != geteuid() || getgid() != getegid()), "AT_SECURE");
	return 0;
}

#define CAP_FS_SET 0x10800021fULL /* what an fs uid 0 carries (CAP_FS_SET) */

static void groups_and_gids(void)
{
	gid_t set[3] = {30, 10, 20}, g[3];
	CHECK_ERRNO(syscall(SYS_setgroups, -1, set), EINVAL, "setgroups(-1)");
	CHECK_ERRNO(syscall(SYS_setgroups, 70000, set), EINVAL, "setgroups(70000)");
	CHECK_ERRNO(syscall(SYS_setgroups, 2, 8), EFAULT, "setgroups(bad pointer)");
	CHECK(setgroups(3, set) == 0, "setgroups: %s", strerror(errno));
	CHECK(getgroups(3, g) == 3 && g[0] == 10 && g[1] == 20 && g[2] == 30, "groups not sorted");
	CHECK_ERRNO(getgroups(2, g), EINVAL, "getgroups(2) of 3");
	CHECK_ERRNO(syscall(SYS_getgroups, 3, 8), EFAULT, "getgroups(bad pointer)");
	CHECK(setresgid(100, 200, 300) == 0, "setresgid: %s", strerror(errno));
	show("setresgid(100, 200, 300)");
	CHECK(setfsgid(555) == 200, "setfsgid's old value");
	show("setfsgid(555)");
	CHECK(setregid((gid_t)-1, 300) == 0, "setregid(-1, 300): %s", strerror(errno));
	show("setregid(-1, 300)");
	CHECK(setregid(100, (gid_t)-1) == 0, "setregid(100, -1): %s", strerror(errno));
	show("setregid(100, -1)");
	CHECK(setgid(7) == 0, "setgid(7) as root: %s", strerror(errno));
	show("setgid(7)");
	CHECK(setgroups(0, NULL) == 0 && getgroups(0, NULL) == 0, "setgroups(0, NULL)");
	show("setgroups(0, NULL)");
	CHECK_ERRNO(setuid((uid_t)-1), EINVAL, "setuid(-1)");
	CHECK_ERRNO(setgid((gid_t)-1), EINVAL, "setgid(-1)");
}

static void uids(char **argv)
{
	uint64_t prm = status_hex("CapPrm:");
	CHECK(setresuid(1000, 1000, 0) == 0, "setresuid(1000, 1000, 0): %s", strerror(errno));
	show("setresuid(1000, 1000, 0)");
	CHECK(status_hex("CapEff:") == 0 && status_hex("CapPrm:") == prm, "caps after euid 1000");
	CHECK(setresuid((uid_t)-1, 0, (uid_t)-1) == 0, "euid back to 0: %s", strerror(errno));
	CHECK(status_hex("CapEff:") == prm, "effective caps not restored");
	CHECK(setfsuid(1000) == 0, "setfsuid(1000)'s old value");
	CHECK(status_hex("CapEff:") == (prm & ~CAP_FS_SET), "fs caps not dropped: %llx",
	      (unsigned long long)status_hex("CapEff:"));
	show("setfsuid(1000)");
	CHECK(setfsuid(0) == 1000, "setfsuid(0)'s old value");
	CHECK(status_hex("CapEff:") == prm, "fs caps not raised");
	CHECK(prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0) == 0, "keepcaps set at start");
	CHECK_ERRNO(prctl(PR_SET_KEEPCAPS, 2, 0, 0, 0), EINVAL, "PR_SET_KEEPCAPS 2");
	CHECK(prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) == 0, "PR_SET_KEEPCAPS: %s", strerror(errno));
	CHECK(prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0) == 1, "PR_GET_KEEPCAPS");
	CHECK(setresuid(2000, 2000, 2000) == 0, "setresuid(2000 x3): %s", strerror(errno));
	show("setresuid(2000, 2000, 2000)");
	CHECK(status_hex("CapEff:") == 0 && status_hex("CapPrm:") == prm, "keepcaps: %llx %llx",
	      (unsigned long long)status_hex("CapEff:"), (unsigned long long)status_hex("CapPrm:"));
	CHECK_ERRNO(setuid(0), EPERM, "setuid(0) unprivileged");
	CHECK_ERRNO(setresuid(3000, (uid_t)-1, (uid_t)-1), EPERM, "setresuid(3000) unprivileged");
	CHECK_ERRNO(setreuid((uid_t)-1, 3000), EPERM, "setreuid(-1, 3000) unprivileged");
	CHECK_ERRNO(setgroups(0, NULL), EPERM, "setgroups unprivileged");
	CHECK_ERRNO(setgid(8), EPERM, "setgid(8) unprivileged");
	CHECK(setresuid(2000, 2000, 2000) == 0, "setresuid no change");
	CHECK(setuid(2000) == 0, "setuid to itself");
	CHECK(setfsuid(0) == 2000 && setfsuid((uid_t)-1) == 2000, "setfsuid(0) unprivileged changed");
	CHECK(setreuid(2000, 2000) == 0, "setreuid(2000, 2000): %s", strerror(errno));
	CHECK_ERRNO(setresgid(7, 7, 7), EPERM, "setresgid(7) unprivileged");
	CHECK_ERRNO(setresuid(2000, 2001, 2000), EPERM, "setresuid(2001) unprivileged");
	/* Back to root is impossible now. */
	caps("before execve");
	char *args[] = {argv[0], "exec", NULL};
	fflush(stdout);
	execve("/proc/self/exe", args, environ);
	fail("execve: %s", strerror(errno));
}

static void in_child(void (*fn)(char **), char **argv)
{
	fflush(stdout);
	pid_t pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		fn(argv);
		fflush(stdout);
		_exit(0);
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid, "waitpid: %s", strerror(errno));
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child failed: status 0x%x", st);
}

static void gids_child(char **argv)
{
	(void)argv;
	groups_and_gids();
}

static volatile sig_atomic_t usr1_uid = -1;

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	usr1_uid = (sig_atomic_t)si->si_uid;
}

/* Signals carry the sender's real uid: kill's si_uid, and the exit
 * status's (checked by the parent with waitid). */
static void siginfo_child(char **argv)
{
	(void)argv;
	struct sigaction sa = {.sa_sigaction = on_usr1, .sa_flags = SA_SIGINFO};
	sigaction(SIGUSR1, &sa, NULL);
	CHECK(setresuid(1234, 1235, 1236) == 0, "setresuid: %s", strerror(errno));
	kill(getpid(), SIGUSR1);
	CHECK(usr1_uid == 1234, "kill's si_uid %d, expected 1234", (int)usr1_uid);
	/* Another user's process: EPERM, but for SIGCONT in one's session. */
	CHECK_ERRNO(kill(getppid(), 0), EPERM, "kill(root's process, 0)");
	CHECK_ERRNO(kill(getppid(), SIGUSR2), EPERM, "kill(root's process, SIGUSR2)");
	CHECK(kill(getppid(), SIGCONT) == 0, "SIGCONT in the session: %s", strerror(errno));
	CHECK(kill(0, 0) == 0, "kill(0, 0): one member of the group may be signalled");
}

static void *thread_setresuid(void *arg)
{
	(void)arg;
	long r = syscall(SYS_setresuid, 1000, 1000, 1000);
	return (void *)(r == 0 && syscall(SYS_getuid) == 1000 ? 1L : 0L);
}

/* Each thread has its own ids: the raw call (not libc's wrapper, which
 * makes every thread call it) changes the calling thread's alone. */
static void thread_child(char **argv)
{
	(void)argv;
	pthread_t t;
	void *ok;
	CHECK(pthread_create(&t, NULL, thread_setresuid, NULL) == 0, "pthread_create");
	CHECK(pthread_join(t, &ok) == 0 && ok, "setresuid in a thread");
	CHECK(syscall(SYS_getuid) == 0 && syscall(SYS_geteuid) == 0, "the main thread's ids changed");
	printf("threads: setresuid changed the calling thread's ids alone\n");
}

/* A setresuid that leaves AT_SECURE set in the next program. */
static void secure_exec_child(char **argv)
{
	CHECK(setresgid(7, 7, 7) == 0, "setresgid: %s", strerror(errno));
	CHECK(setresuid(1000, 1001, 1002) == 0, "setresuid(1000, 1001, 1002): %s", strerror(errno));
	show("setresuid(1000, 1001, 1002)");
	char *args[] = {argv[0], "exec", NULL};
	fflush(stdout);
	execve("/proc/self/exe", args, environ);
	fail("execve: %s", strerror(errno));
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "exec"))
		return after_exec();
	show("start");
	gid_t g[1];
	CHECK_ERRNO(syscall(SYS_getgroups, -1, g), EINVAL, "getgroups(-1)");
	if (geteuid() != 0) {
		CHECK_ERRNO(setgroups(0, NULL), EPERM, "setgroups unprivileged");
		printf("not root: the rest needs root\n");
		return 0;
	}
	in_child(gids_child, argv);
	in_child(uids, argv);
	in_child(secure_exec_child, argv);
	in_child(thread_child, argv);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		siginfo_child(argv);
		_exit(0);
	}
	siginfo_t si;
	CHECK(waitid(P_PID, (id_t)pid, &si, WEXITED) == 0, "waitid: %s", strerror(errno));
	CHECK(si.si_code == CLD_EXITED && si.si_status == 0, "siginfo child failed");
	CHECK(si.si_uid == 1234, "waitid's si_uid %u, expected 1234", (unsigned)si.si_uid);
	printf("si_uid: the sender's real uid\n");
	show("parent at the end"); /* the children's changes were their own */
	return 0;
}
