/* proc_prctl.c - prctl(2)'s options beyond a process's name: the
 * parent-death signal (sent from the parent when it ends, and when the
 * thread that forked the child ends; not inherited by fork), dumpability
 * (a credential change clears it to fs.suid_dumpable and /proc/self is
 * then root's), the child subreaper (an orphan grandchild comes back),
 * no_new_privs (sticky, inherited), the bounding set (read, dropped,
 * EPERM without CAP_SETPCAP), the ambient set (raise needs permitted and
 * inheritable, cleared when leaving uid 0), securebits and their locks,
 * PR_GET_TID_ADDRESS, PR_SET_THP_DISABLE (THP_enabled in status,
 * inherited), PR_MCE_KILL, PR_SET_TIMING; the EINVAL cases. Root only for
 * the credential parts (else one line each). */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>

#include "proc_test.h"

/* <linux/capability.h>'s, which musl's toolchain lacks. */
#define _LINUX_CAPABILITY_VERSION_3 0x20080522
#define CAP_NET_BIND_SERVICE 10
#define CAP_NET_RAW 13
struct __user_cap_header_struct {
	uint32_t version;
	int pid;
};
struct __user_cap_data_struct {
	uint32_t effective, permitted, inheritable;
};

#define NOBODY 65534

/* prctl with every argument given: unused ones must be 0 for some. */
static long pr(int option, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5)
{
	return prctl(option, a2, a3, a4, a5);
}

static void expect_einval(long r, const char *what)
{
	CHECK(r == -1 && errno == EINVAL, "%s: %ld (%s), expected EINVAL", what, r, strerror(errno));
}

/* The value of "Name:" in /proc/self/status (hex or decimal text). */
static void status_field(const char *name, char *out, size_t size)
{
	FILE *f = fopen("/proc/self/status", "r");
	CHECK(f, "/proc/self/status: %s", strerror(errno));
	char line[256];
	size_t n = strlen(name);
	out[0] = 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, name, n) && line[n] == ':') {
			snprintf(out, size, "%s", line + n + 2);
			out[strcspn(out, "\n")] = 0;
		}
	fclose(f);
}

static unsigned long long status_hex(const char *name)
{
	char v[64];
	status_field(name, v, sizeof(v));
	return strtoull(v, NULL, 16);
}

/* Waits up to 5 s for sig (blocked); its siginfo. */
static siginfo_t await_signal(int sig)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, sig);
	struct timespec t = {5, 0};
	siginfo_t si;
	int got = sigtimedwait(&set, &si, &t);
	CHECK(got == sig, "waited for signal %d: %d (%s)", sig, got, strerror(errno));
	return si;
}

static void block(int sig)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, sig);
	CHECK(sigprocmask(SIG_BLOCK, &set, NULL) == 0, "sigprocmask");
}

/* A middle process forks a child that asks for SIGUSR1 at its parent's
 * death, then exits: the child gets SIGUSR1 from it. */
static void pdeath_process(void)
{
	int v = -1;
	CHECK(pr(PR_GET_PDEATHSIG, (unsigned long)&v, 0, 0, 0) == 0 && v == 0, "no pdeath signal");
	expect_einval(pr(PR_SET_PDEATHSIG, 65, 0, 0, 0), "PR_SET_PDEATHSIG 65");
	CHECK(pr(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0, "subreaper");
	int ready[2];
	CHECK(pipe(ready) == 0, "pipe");
	pid_t middle = xfork();
	if (middle == 0) {
		pid_t child = xfork();
		if (child == 0) {
			block(SIGUSR1);
			CHECK(pr(PR_SET_PDEATHSIG, SIGUSR1, 0, 0, 0) == 0, "set pdeath");
			CHECK(pr(PR_GET_PDEATHSIG, (unsigned long)&v, 0, 0, 0) == 0 && v == SIGUSR1,
			      "pdeath read back %d", v);
			pid_t parent = getppid();
			CHECK(write(ready[1], "x", 1) == 1, "ready");
			siginfo_t si = await_signal(SIGUSR1);
			CHECK(si.si_code == SI_USER && si.si_pid == parent,
			      "pdeath siginfo code %d pid %d, expected SI_USER from %d", si.si_code,
			      (int)si.si_pid, (int)parent);
			_exit(0);
		}
		char c;
		CHECK(read(ready[0], &c, 1) == 1, "child ready");
		_exit(0);
	}
	expect_exit(wait_for(middle), 0, "middle");
	/* The orphan comes to this subreaper, which waits for it. */
	int status;
	pid_t got = waitpid(-1, &status, 0);
	CHECK(got > 0, "the orphan did not come to the subreaper: %s", strerror(errno));
	expect_exit(status, 0, "orphan with a pdeath signal");
	CHECK(pr(PR_GET_CHILD_SUBREAPER, (unsigned long)&v, 0, 0, 0) == 0 && v == 1, "subreaper read");
	printf("pdeath signal from an ended parent; orphan to the subreaper: ok\n");
}

static int thread_ready[2];

static void *forking_thread(void *arg)
{
	(void)arg;
	pid_t child = xfork();
	if (child == 0) {
		block(SIGUSR2);
		CHECK(pr(PR_SET_PDEATHSIG, SIGUSR2, 0, 0, 0) == 0, "set pdeath");
		CHECK(write(thread_ready[1], "x", 1) == 1, "ready");
		await_signal(SIGUSR2);
		_exit(0);
	}
	char c;
	CHECK(read(thread_ready[0], &c, 1) == 1, "child ready");
	return (void *)(intptr_t)child;
}

/* The signal comes when the forking thread ends, the process living on. */
static void pdeath_thread(void)
{
	CHECK(pipe(thread_ready) == 0, "pipe");
	pthread_t t;
	void *child;
	CHECK(pthread_create(&t, NULL, forking_thread, NULL) == 0, "pthread_create");
	CHECK(pthread_join(t, &child) == 0, "pthread_join");
	expect_exit(wait_for((pid_t)(intptr_t)child), 0, "child of an ended thread");
	printf("pdeath signal at the forking thread's end: ok\n");
}

static void no_new_privs(void)
{
	CHECK(pr(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 0, "no_new_privs at first");
	expect_einval(pr(PR_SET_NO_NEW_PRIVS, 2, 0, 0, 0), "no_new_privs 2");
	expect_einval(pr(PR_SET_NO_NEW_PRIVS, 1, 1, 0, 0), "no_new_privs, arg3");
	expect_einval(pr(PR_GET_NO_NEW_PRIVS, 1, 0, 0, 0), "get no_new_privs, arg2");
	CHECK(pr(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0, "set no_new_privs");
	CHECK(pr(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1, "no_new_privs read back");
	CHECK(status_hex("NoNewPrivs") == 1, "status NoNewPrivs");
	pid_t pid = xfork();
	if (pid == 0)
		_exit(pr(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1 ? 0 : 1);
	expect_exit(wait_for(pid), 0, "a forked child keeps no_new_privs");
	printf("no_new_privs: ok\n");
}

static void thp_and_misc(void)
{
	CHECK(pr(PR_GET_THP_DISABLE, 0, 0, 0, 0) == 0, "THP on at first");
	expect_einval(pr(PR_GET_THP_DISABLE, 1, 0, 0, 0), "PR_GET_THP_DISABLE arg2");
	expect_einval(pr(PR_SET_THP_DISABLE, 1, 1, 0, 0), "PR_SET_THP_DISABLE arg3");
	CHECK(pr(PR_SET_THP_DISABLE, 1, 0, 0, 0) == 0, "THP off");
	CHECK(pr(PR_GET_THP_DISABLE, 0, 0, 0, 0) == 1, "THP off read back");
	CHECK(status_hex("THP_enabled") == 0, "status THP_enabled 0");
	pid_t pid = xfork();
	if (pid == 0)
		_exit(pr(PR_GET_THP_DISABLE, 0, 0, 0, 0) == 1 ? 0 : 1);
	expect_exit(wait_for(pid), 0, "a forked child keeps THP off");
	CHECK(pr(PR_MCE_KILL_GET, 0, 0, 0, 0) == PR_MCE_KILL_DEFAULT, "MCE policy default");
	CHECK(pr(PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_EARLY, 0, 0) == 0, "MCE early");
	CHECK(pr(PR_MCE_KILL_GET, 0, 0, 0, 0) == PR_MCE_KILL_EARLY, "MCE early read back");
	expect_einval(pr(PR_MCE_KILL, PR_MCE_KILL_SET, 3, 0, 0), "MCE policy 3");
	CHECK(pr(PR_MCE_KILL, PR_MCE_KILL_CLEAR, 0, 0, 0) == 0, "MCE clear");
	CHECK(pr(PR_MCE_KILL_GET, 0, 0, 0, 0) == PR_MCE_KILL_DEFAULT, "MCE default again");
	CHECK(pr(PR_GET_TIMING, 0, 0, 0, 0) == PR_TIMING_STATISTICAL, "timing");
	expect_einval(pr(PR_SET_TIMING, PR_TIMING_TIMESTAMP, 0, 0, 0), "timestamp timing");
	static int word;
	CHECK(syscall(SYS_set_tid_address, &word) > 0, "set_tid_address");
	int *addr = NULL;
	CHECK(pr(PR_GET_TID_ADDRESS, (unsigned long)&addr, 0, 0, 0) == 0 && addr == &word,
	      "PR_GET_TID_ADDRESS %p, expected %p", (void *)addr, (void *)&word);
	expect_einval(pr(0x7fff, 0, 0, 0, 0), "an unknown option");
	printf("THP off, MCE policy, timing, TID address: ok\n");
}

static uint64_t read_cap_last(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "r");
	unsigned v = 0;
	CHECK(f && fscanf(f, "%u", &v) == 1, "cap_last_cap");
	fclose(f);
	return v;
}

static void caps(void)
{
	unsigned long last = read_cap_last();
	CHECK(pr(PR_CAPBSET_READ, CAP_NET_RAW, 0, 0, 0) == 1, "CAP_NET_RAW bounded in");
	expect_einval(pr(PR_CAPBSET_READ, last + 1, 0, 0, 0), "PR_CAPBSET_READ past the last");
	CHECK(pr(PR_CAPBSET_DROP, CAP_NET_RAW, 0, 0, 0) == 0, "drop CAP_NET_RAW");
	CHECK(pr(PR_CAPBSET_READ, CAP_NET_RAW, 0, 0, 0) == 0, "CAP_NET_RAW dropped");
	CHECK(!(status_hex("CapBnd") >> CAP_NET_RAW & 1), "CapBnd still has CAP_NET_RAW");
	/* Ambient: raised only within permitted and inheritable. */
	CHECK(pr(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_NET_BIND_SERVICE, 0, 0) == 0, "ambient at first");
	CHECK(pr(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_BIND_SERVICE, 0, 0) == -1 &&
		      errno == EPERM,
	      "ambient raise without inheritable");
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];
	CHECK(syscall(SYS_capget, &h, d) == 0, "capget");
	d[0].inheritable |= 1u << CAP_NET_BIND_SERVICE;
	CHECK(syscall(SYS_capset, &h, d) == 0, "capset: %s", strerror(errno));
	CHECK(pr(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_BIND_SERVICE, 0, 0) == 0, "ambient raise");
	CHECK(pr(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_NET_BIND_SERVICE, 0, 0) == 1, "ambient set");
	CHECK(status_hex("CapAmb") == 1u << CAP_NET_BIND_SERVICE, "status CapAmb");
	expect_einval(pr(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 1, 0, 0), "ambient clear, arg3");
	expect_einval(pr(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, last + 1, 0, 0), "ambient bad cap");
	/* Leaving uid 0 clears it; the bounding set needs CAP_SETPCAP. */
	CHECK(setresuid(NOBODY, NOBODY, NOBODY) == 0, "setresuid");
	CHECK(status_hex("CapAmb") == 0, "CapAmb after leaving uid 0");
	CHECK(pr(PR_CAPBSET_DROP, CAP_NET_BIND_SERVICE, 0, 0, 0) == -1 && errno == EPERM,
	      "drop without CAP_SETPCAP");
	printf("bounding and ambient sets: ok\n");
}

static void securebits(void)
{
	CHECK(pr(PR_GET_SECUREBITS, 0, 0, 0, 0) == 0, "securebits at first");
	CHECK(pr(PR_SET_SECUREBITS, 1 << 4 /* SECBIT_KEEP_CAPS */, 0, 0, 0) == 0, "KEEP_CAPS");
	CHECK(pr(PR_GET_SECUREBITS, 0, 0, 0, 0) == 1 << 4, "KEEP_CAPS read back");
	CHECK(pr(PR_SET_SECUREBITS, 1 << 12, 0, 0, 0) == -1 && errno == EPERM, "an unknown bit");
	CHECK(pr(PR_SET_SECUREBITS, 3 << 4, 0, 0, 0) == 0, "KEEP_CAPS locked");
	CHECK(pr(PR_SET_SECUREBITS, 1 << 5, 0, 0, 0) == -1 && errno == EPERM, "locked bit changed");
	CHECK(pr(PR_SET_SECUREBITS, 1 << 4, 0, 0, 0) == -1 && errno == EPERM, "lock taken off");
	printf("securebits: ok\n");
}

/* Dumpable until the ids change; /proc/self is then root's. */
static void dumpable(void)
{
	FILE *f = fopen("/proc/sys/fs/suid_dumpable", "r");
	int suid_dumpable = 0;
	CHECK(f && fscanf(f, "%d", &suid_dumpable) == 1, "suid_dumpable");
	fclose(f);
	CHECK(pr(PR_GET_DUMPABLE, 0, 0, 0, 0) == 1, "dumpable at first");
	expect_einval(pr(PR_SET_DUMPABLE, 2, 0, 0, 0), "dumpable 2");
	CHECK(pr(PR_SET_PDEATHSIG, SIGUSR1, 0, 0, 0) == 0, "pdeath");
	CHECK(setresuid(NOBODY, NOBODY, NOBODY) == 0, "setresuid");
	CHECK(pr(PR_GET_DUMPABLE, 0, 0, 0, 0) == suid_dumpable, "dumpable after setresuid");
	int v = -1;
	CHECK(pr(PR_GET_PDEATHSIG, (unsigned long)&v, 0, 0, 0) == 0 && v == 0,
	      "a credential change clears the pdeath signal (%d)", v);
	struct stat st;
	CHECK(stat("/proc/self/status", &st) == 0, "stat");
	CHECK(suid_dumpable == 1 ? st.st_uid == NOBODY : st.st_uid == 0,
	      "/proc/self/status owned by %u", (unsigned)st.st_uid);
	CHECK(pr(PR_SET_DUMPABLE, 1, 0, 0, 0) == 0, "dumpable again");
	CHECK(stat("/proc/self/status", &st) == 0 && st.st_uid == NOBODY && st.st_gid == 0,
	      "dumpable /proc/self/status owned by %u:%u", (unsigned)st.st_uid,
	      (unsigned)st.st_gid);
	printf("dumpable: ok\n");
}

int main(void)
{
	pdeath_process();
	pdeath_thread();
	run_in_child(no_new_privs);
	run_in_child(thp_and_misc);
	if (geteuid() != 0) {
		printf("not root: capabilities, securebits, dumpability not checked\n");
		return 0;
	}
	run_in_child(caps);
	run_in_child(securebits);
	run_in_child(dumpable);
	return 0;
}
