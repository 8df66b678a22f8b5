/* thread_group.c - what threads share and what each has, as Linux: one
 * pid and many tids (/proc/PID/task), a signal mask and pending set per
 * thread (tgkill to one thread, kill to any that does not block it),
 * exit ending a thread and exit_group the process, memory shared at
 * once (a page one thread maps and fills, another reads; a page one
 * thread unmaps faults in the other), robust mutexes of a thread that
 * died, fork copying only the calling thread (copy-on-write, while the
 * other threads write on), and clone3's argument checks; with "segv", a
 * thread's fatal fault ends the process. Prints only
 * what is the same natively and under vmemu. */
#include <dirent.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "proc_test.h"

static pid_t sys_gettid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

/* The thread ids listed in /proc/self/task, in order; how many. */
static int list_tasks(pid_t *tids, int max)
{
	DIR *d = opendir("/proc/self/task");
	CHECK(d, "opendir /proc/self/task: %s", strerror(errno));
	int n = 0;
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		CHECK(n < max, "more than %d tasks", max);
		CHECK(e->d_type == DT_DIR, "task/%s is not a directory", e->d_name);
		tids[n++] = atoi(e->d_name);
	}
	closedir(d);
	for (int i = 1; i < n; i++) /* readdir's order is the kernel's: sort */
		for (int j = i; j > 0 && tids[j - 1] > tids[j]; j--) {
			pid_t t = tids[j];
			tids[j] = tids[j - 1];
			tids[j - 1] = t;
		}
	return n;
}

/* A field of /proc/self/task/TID/status ("Pid", "Tgid"). */
static long status_field(pid_t tid, const char *field)
{
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/self/task/%d/status", (int)tid);
	FILE *f = fopen(path, "r");
	CHECK(f, "%s: %s", path, strerror(errno));
	size_t n = strlen(field);
	long v = -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, n) && line[n] == ':')
			v = atol(line + n + 1);
	fclose(f);
	CHECK(v >= 0, "%s: no %s line", path, field);
	return v;
}

/* ---- ids and /proc ---- */

static atomic_int stage;
static pid_t other_tid;

static void wait_stage(int s)
{
	while (atomic_load(&stage) < s)
		sched_yield();
}

static void *idle_thread(void *arg)
{
	(void)arg;
	other_tid = sys_gettid();
	CHECK(getpid() != other_tid, "a thread's tid is the pid");
	atomic_store(&stage, 1);
	wait_stage(2);
	return NULL;
}

static void ids(void)
{
	pthread_t t;
	atomic_store(&stage, 0);
	CHECK(pthread_create(&t, NULL, idle_thread, NULL) == 0, "pthread_create");
	wait_stage(1);
	CHECK(sys_gettid() == getpid(), "the main thread's tid %d is not the pid %d",
	      (int)sys_gettid(), (int)getpid());
	pid_t tids[8];
	int n = list_tasks(tids, 8);
	CHECK(n == 2 && tids[0] == getpid() && tids[1] == other_tid,
	      "task lists %d threads (%d %d), expected %d %d", n, (int)tids[0],
	      n > 1 ? (int)tids[1] : -1, (int)getpid(), (int)other_tid);
	CHECK(status_field(other_tid, "Pid") == other_tid &&
		      status_field(other_tid, "Tgid") == getpid() &&
		      status_field(getpid(), "Threads") == 2,
	      "task/%d/status: Pid %ld Tgid %ld Threads %ld", (int)other_tid,
	      status_field(other_tid, "Pid"), status_field(other_tid, "Tgid"),
	      status_field(getpid(), "Threads"));
	char link[64], want[64];
	ssize_t len = readlink("/proc/thread-self", link, sizeof(link) - 1);
	CHECK(len > 0, "readlink /proc/thread-self: %s", strerror(errno));
	link[len] = 0;
	snprintf(want, sizeof(want), "%d/task/%d", (int)getpid(), (int)getpid());
	CHECK(!strcmp(link, want), "/proc/thread-self is %s, expected %s", link, want);
	atomic_store(&stage, 2);
	CHECK(pthread_join(t, NULL) == 0, "join");
	n = list_tasks(tids, 8);
	CHECK(n == 1, "%d tasks listed after the join", n);
	printf("ids: pid is the main tid, threads listed in /proc/self/task\n");
}

/* ---- signals: masks and pending sets per thread ---- */

static atomic_int handled_by;

static void on_usr(int sig)
{
	(void)sig;
	atomic_store(&handled_by, (int)sys_gettid());
}

static void *blocking_thread(void *arg)
{
	(void)arg;
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL); /* SIGUSR2 stays open */
	other_tid = sys_gettid();
	atomic_store(&stage, 1);
	wait_stage(2);
	sigset_t pend;
	sigpending(&pend);
	CHECK(sigismember(&pend, SIGUSR1), "the tgkill'd SIGUSR1 is not pending here");
	atomic_store(&stage, 3);
	wait_stage(4);
	return NULL;
}

static void signals(void)
{
	signal(SIGUSR1, on_usr);
	signal(SIGUSR2, on_usr);
	pthread_t t;
	atomic_store(&stage, 0);
	CHECK(pthread_create(&t, NULL, blocking_thread, NULL) == 0, "pthread_create");
	wait_stage(1);
	/* To the thread that blocks it: pending there, not here. */
	CHECK(syscall(SYS_tgkill, getpid(), other_tid, SIGUSR1) == 0, "tgkill: %s",
	      strerror(errno));
	sigset_t pend;
	sigpending(&pend);
	CHECK(!sigismember(&pend, SIGUSR1), "a signal for another thread is pending here");
	CHECK(atomic_load(&handled_by) == 0, "the blocked SIGUSR1 was handled");
	CHECK(syscall(SYS_tgkill, getpid() + 100000, other_tid, SIGUSR1) == -1 && errno == ESRCH,
	      "tgkill with the wrong tgid did not fail with ESRCH");
	atomic_store(&stage, 2);
	wait_stage(3);
	/* To the process while this thread blocks it: the other one runs
	 * the handler. */
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	kill(getpid(), SIGUSR2);
	for (int i = 0; i < 5000 && !atomic_load(&handled_by); i++)
		usleep(1000);
	CHECK(atomic_load(&handled_by) == other_tid, "SIGUSR2 handled by %d, expected %d",
	      atomic_load(&handled_by), (int)other_tid);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	atomic_store(&stage, 4);
	CHECK(pthread_join(t, NULL) == 0, "join");
	signal(SIGUSR1, SIG_DFL);
	signal(SIGUSR2, SIG_DFL);
	printf("signals: tgkill pends in the target thread, kill goes to one that takes it\n");
}

/* ---- exit and exit_group ---- */

static void *exiting_thread(void *arg)
{
	syscall(SYS_exit, (int)(intptr_t)arg); /* this thread only */
	return NULL;
}

static void *group_exiting_thread(void *arg)
{
	(void)arg;
	usleep(10000);
	syscall(SYS_exit_group, 3);
	return NULL;
}

static void exits(void)
{
	pid_t pid = xfork();
	if (pid == 0) {
		pthread_t t;
		CHECK(pthread_create(&t, NULL, exiting_thread, (void *)5) == 0, "pthread_create");
		/* Not joined: musl's join waits for what pthread_exit does. */
		pid_t tids[8];
		int n = 2;
		for (int i = 0; i < 5000 && (n = list_tasks(tids, 8)) > 1; i++)
			usleep(1000);
		CHECK(n == 1, "%d threads after one called exit", n);
		CHECK(pthread_create(&t, NULL, group_exiting_thread, NULL) == 0, "pthread_create");
		for (;;)
			pause(); /* ended by the other thread's exit_group */
	}
	expect_exit(wait_for(pid), 3, "exit_group from a thread");
	printf("exits: exit ends a thread, exit_group the process (status 3)\n");
}

/* ---- memory ---- */

static char *shared_page;
static sigjmp_buf fault_jmp;

static void on_segv(int sig)
{
	(void)sig;
	siglongjmp(fault_jmp, 1);
}

static void *mapping_thread(void *arg)
{
	(void)arg;
	shared_page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(shared_page != MAP_FAILED, "mmap: %s", strerror(errno));
	strcpy(shared_page, "written by a thread");
	atomic_store(&stage, 1);
	wait_stage(2);
	CHECK(munmap(shared_page, 4096) == 0, "munmap: %s", strerror(errno));
	atomic_store(&stage, 3);
	return NULL;
}

static void memory(void)
{
	pthread_t t;
	atomic_store(&stage, 0);
	CHECK(pthread_create(&t, NULL, mapping_thread, NULL) == 0, "pthread_create");
	wait_stage(1);
	CHECK(!strcmp(shared_page, "written by a thread"), "the main thread reads \"%.20s\"",
	      shared_page);
	atomic_store(&stage, 2);
	wait_stage(3);
	signal(SIGSEGV, on_segv);
	volatile int faulted = 0;
	if (!sigsetjmp(fault_jmp, 1))
		(void)*(volatile char *)shared_page;
	else
		faulted = 1;
	signal(SIGSEGV, SIG_DFL);
	CHECK(faulted, "a page another thread unmapped could still be read");
	pthread_join(t, NULL);
	printf("memory: a thread's mmap and munmap are the other's\n");
}

/* ---- robust mutexes ---- */

static pthread_mutex_t robust;

static void *die_holding(void *arg)
{
	(void)arg;
	CHECK(pthread_mutex_lock(&robust) == 0, "lock");
	return NULL; /* ends holding it */
}

static void robust_list(void)
{
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(&robust, &a);
	pthread_t t;
	CHECK(pthread_create(&t, NULL, die_holding, NULL) == 0, "pthread_create");
	pthread_join(t, NULL);
	int r = pthread_mutex_lock(&robust);
	CHECK(r == EOWNERDEAD, "lock after the owner died: %d (%s)", r, strerror(r));
	CHECK(pthread_mutex_consistent(&robust) == 0, "consistent");
	pthread_mutex_unlock(&robust);
	printf("robust: the next locker gets EOWNERDEAD\n");
}

/* ---- fork with threads ---- */

static volatile long counter;

static void *writer_thread(void *arg)
{
	(void)arg;
	atomic_store(&stage, 1);
	while (atomic_load(&stage) < 2)
		counter++; /* the parent's copy changes while the child looks */
	return NULL;
}

static void fork_threads(void)
{
	pthread_t t;
	atomic_store(&stage, 0);
	CHECK(pthread_create(&t, NULL, writer_thread, NULL) == 0, "pthread_create");
	wait_stage(1);
	pid_t pid = xfork();
	if (pid == 0) {
		pid_t tids[8];
		int n = list_tasks(tids, 8);
		CHECK(n == 1 && tids[0] == getpid(), "the child has %d threads", n);
		long a = counter;
		usleep(20000);
		CHECK(counter == a, "the child's copy changed: %ld -> %ld", a, counter);
		counter = -1;
		_exit(0);
	}
	expect_exit(wait_for(pid), 0, "forked child");
	CHECK(counter >= 0, "the child's write reached the parent");
	atomic_store(&stage, 2);
	pthread_join(t, NULL);
	printf("fork: the child has only the calling thread and its own copy\n");
}

/* ---- clone3's checks ---- */

struct clone_args_v0 {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

static void clone3_checks(void)
{
	struct clone_args_v0 a = {.flags = CLONE_THREAD | CLONE_SIGHAND | CLONE_VM,
				  .exit_signal = SIGCHLD};
	errno = 0;
	long r = syscall(SYS_clone3, &a, sizeof(a));
	printf("clone3 thread with an exit signal: %ld %s\n", r, strerror(errno));
	a = (struct clone_args_v0){.flags = CLONE_SIGHAND, .exit_signal = SIGCHLD};
	errno = 0;
	r = syscall(SYS_clone3, &a, sizeof(a));
	printf("clone3 CLONE_SIGHAND without CLONE_VM: %ld %s\n", r, strerror(errno));
	errno = 0;
	r = syscall(SYS_clone3, &a, (size_t)32);
	printf("clone3 size 32: %ld %s\n", r, strerror(errno));
	/* A fork by clone3: the child returns 0 on the same stack. */
	a = (struct clone_args_v0){.exit_signal = SIGCHLD};
	fflush(stdout);
	r = syscall(SYS_clone3, &a, sizeof(a));
	CHECK(r >= 0, "clone3 fork: %s", strerror(errno));
	if (r == 0)
		_exit(7);
	expect_exit(wait_for((pid_t)r), 7, "clone3 child");
	printf("clone3 fork: child exited 7\n");
}

/* With "segv": a thread's fault the process has no handler for kills the
 * whole process, the main thread too (it sleeps in pause meanwhile). */
static void *faulting_thread(void *arg)
{
	(void)arg;
	usleep(10000);
	*(volatile int *)16 = 1;
	return NULL;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && !strcmp(argv[1], "segv")) {
		pthread_t t;
		printf("a thread faults\n");
		CHECK(pthread_create(&t, NULL, faulting_thread, NULL) == 0, "pthread_create");
		for (;;)
			pause();
	}
	ids();
	signals();
	exits();
	memory();
	robust_list();
	fork_threads();
	clone3_checks();
	return 0;
}
