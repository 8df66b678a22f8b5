/* proc_sched: nice values, scheduling policies, CPU affinity and I/O
 * priorities. getpriority/setpriority (20 - nice, clamping, EINVAL,
 * ESRCH, PRIO_PGRP, PRIO_USER for a uid of its own, inherited by fork,
 * /proc/self/stat's priority and nice); sched_get_priority_max/min;
 * sched_setscheduler/getscheduler/setparam/getparam with SCHED_FIFO,
 * SCHED_RR (its 100 ms interval), SCHED_BATCH, SCHED_IDLE and
 * SCHED_RESET_ON_FORK, their EINVAL, EFAULT and ESRCH cases and
 * /proc/self/stat's rt_priority and policy; sched_getattr/sched_setattr
 * (sizes, E2BIG, nice, custom slice, keep flags, EOPNOTSUPP for the
 * utilization clamps, deadline parameters EINVAL); sched_setaffinity
 * with the mask sched_getaffinity gives (then getcpu is in it), an empty
 * one and a bad pointer; ioprio_get/ioprio_set (classes, levels, the
 * best of a process group). After dropping root in a child: raising
 * priority is EACCES, another user's task EPERM, real-time policies
 * EPERM. Everything changing happens in forked children. Printed and
 * compared with the native run. */
#include <sched.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "guest_test.h"

/* <linux/sched.h>, <linux/ioprio.h>: musl's toolchain lacks them. */
#define SCHED_OTHER_ 0
#define SCHED_FIFO_ 1
#define SCHED_RR_ 2
#define SCHED_BATCH_ 3
#define SCHED_IDLE_ 5
#define SCHED_DEADLINE_ 6
#define RESET_ON_FORK 0x40000000
#define FLAG_RESET_ON_FORK 0x01
#define FLAG_KEEP_POLICY 0x08
#define FLAG_KEEP_PARAMS 0x10
#define FLAG_UTIL_CLAMP_MIN 0x20
#define IOPRIO(class, level) ((class) << 13 | (level))
#define WHO_PROCESS 1
#define WHO_PGRP 2
#define WHO_USER 3

struct attr {
	uint32_t size, policy;
	uint64_t flags;
	int32_t nice;
	uint32_t priority;
	uint64_t runtime, deadline, period;
	uint32_t util_min, util_max;
};

static long getprio(int which, int who)
{
	return syscall(SYS_getpriority, which, who); /* raw: 20 - nice */
}

static long setsched(int pid, int policy, int prio)
{
	int param[1] = {prio};
	return syscall(SYS_sched_setscheduler, pid, policy, param);
}

static int getparam(int pid)
{
	int param[1] = {-1};
	CHECK(syscall(SYS_sched_getparam, pid, param) == 0, "sched_getparam: %s", strerror(errno));
	return param[0];
}

/* Fields 18 (priority), 19 (nice), 40 (rt_priority), 41 (policy) of
 * /proc/self/stat, printed. */
static void stat_fields(const char *when)
{
	char buf[1024];
	FILE *f = fopen("/proc/self/stat", "r");
	CHECK(f && fgets(buf, sizeof(buf), f), "read /proc/self/stat");
	fclose(f);
	char *p = strrchr(buf, ')') + 2; /* field 3 */
	long v[52] = {0};
	for (int i = 3; i <= 41; i++) {
		if (i > 3)
			v[i] = strtol(p, &p, 10);
		else
			p++;
	}
	printf("%s: stat priority %ld nice %ld rt_priority %ld policy %ld; getpriority %ld "
	       "scheduler %ld param %d\n",
	       when, v[18], v[19], v[40], v[41], getprio(PRIO_PROCESS, 0),
	       syscall(SYS_sched_getscheduler, 0), getparam(0));
}

static void in_child(void (*fn)(void))
{
	fflush(stdout);
	pid_t pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		fn();
		fflush(stdout);
		_exit(0);
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid, "waitpid: %s", strerror(errno));
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child failed: status 0x%x", st);
}

static void nice_child(void)
{
	CHECK_ERRNO(getprio(PRIO_USER + 1, 0), EINVAL, "getpriority(bad which)");
	CHECK_ERRNO(syscall(SYS_setpriority, -1, 0, 0), EINVAL, "setpriority(bad which)");
	CHECK_ERRNO(getprio(PRIO_PROCESS, 999999), ESRCH, "getpriority(no such pid)");
	CHECK_ERRNO(syscall(SYS_setpriority, PRIO_PROCESS, 999999, 0), ESRCH, "setpriority(no pid)");
	CHECK(syscall(SYS_setpriority, PRIO_PROCESS, 0, 5) == 0, "setpriority 5: %s", strerror(errno));
	CHECK(getprio(PRIO_PROCESS, 0) == 15, "getpriority after nice 5: %ld", getprio(PRIO_PROCESS, 0));
	CHECK(getprio(PRIO_PROCESS, getpid()) == 15, "getpriority(getpid())");
	stat_fields("nice 5");
	CHECK(syscall(SYS_setpriority, PRIO_PROCESS, 0, 100) == 0, "setpriority 100");
	CHECK(getprio(PRIO_PROCESS, 0) == 1, "nice 100 not clamped to 19");
	CHECK(syscall(SYS_setpriority, PRIO_PROCESS, 0, -100) == 0, "setpriority -100 as root");
	CHECK(getprio(PRIO_PROCESS, 0) == 40, "nice -100 not clamped to -20");
	CHECK(setpgid(0, 0) == 0, "setpgid: %s", strerror(errno));
	CHECK(syscall(SYS_setpriority, PRIO_PGRP, 0, 7) == 0, "setpriority(PRIO_PGRP)");
	CHECK(getprio(PRIO_PGRP, 0) == 13 && getprio(PRIO_PGRP, getpid()) == 13, "PRIO_PGRP");
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		CHECK(getprio(PRIO_PROCESS, 0) == 13, "fork did not inherit nice 7");
		_exit(0);
	}
	int st;
	waitpid(c, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "nice child failed");
	/* A uid of its own: PRIO_USER then covers this process alone. */
	CHECK(setresuid(4321, 4321, 4321) == 0, "setresuid: %s", strerror(errno));
	CHECK(syscall(SYS_setpriority, PRIO_USER, 4321, 10) == 0, "setpriority(PRIO_USER)");
	CHECK(getprio(PRIO_USER, 0) == 10 && getprio(PRIO_USER, 4321) == 10, "PRIO_USER");
	CHECK_ERRNO(getprio(PRIO_USER, 4322), ESRCH, "getpriority(PRIO_USER of nobody)");
	CHECK_ERRNO(syscall(SYS_setpriority, PRIO_PROCESS, 0, 9), EACCES, "raising priority");
	CHECK(syscall(SYS_setpriority, PRIO_PROCESS, 0, 11) == 0, "lowering priority");
	CHECK_ERRNO(syscall(SYS_setpriority, PRIO_PROCESS, getppid(), 19), EPERM,
		    "another user's process");
	stat_fields("nice 11, uid 4321");
}

static void policy_child(void)
{
	static const int policies[] = {0, 1, 2, 3, 4, 5, 6, 7, -1};
	for (size_t i = 0; i < sizeof(policies) / sizeof(policies[0]); i++) {
		long max = syscall(SYS_sched_get_priority_max, policies[i]);
		long min = syscall(SYS_sched_get_priority_min, policies[i]);
		printf("policy %d: max %ld min %ld%s\n", policies[i], max, min,
		       max < 0 ? (errno == EINVAL ? " EINVAL" : " ?") : "");
	}
	stat_fields("start");
	int param[1] = {10};
	CHECK_ERRNO(setsched(0, SCHED_FIFO_, 0), EINVAL, "SCHED_FIFO priority 0");
	CHECK_ERRNO(setsched(0, SCHED_FIFO_, 100), EINVAL, "SCHED_FIFO priority 100");
	CHECK_ERRNO(setsched(0, SCHED_OTHER_, 5), EINVAL, "SCHED_OTHER priority 5");
	CHECK_ERRNO(setsched(0, 4, 0), EINVAL, "policy 4");
	CHECK_ERRNO(setsched(0, 8, 0), EINVAL, "policy 8");
	CHECK_ERRNO(setsched(0, -1, 0), EINVAL, "policy -1");
	CHECK_ERRNO(setsched(-1, SCHED_FIFO_, 10), EINVAL, "pid -1");
	CHECK_ERRNO(syscall(SYS_sched_setscheduler, 0, SCHED_FIFO_, NULL), EINVAL, "NULL param");
	CHECK_ERRNO(syscall(SYS_sched_setscheduler, 0, SCHED_FIFO_, 8), EFAULT, "bad param");
	CHECK_ERRNO(setsched(999999, SCHED_FIFO_, 10), ESRCH, "no such pid");
	CHECK_ERRNO(syscall(SYS_sched_getscheduler, -1), EINVAL, "sched_getscheduler(-1)");
	CHECK_ERRNO(syscall(SYS_sched_getscheduler, 999999), ESRCH, "sched_getscheduler(no pid)");
	CHECK_ERRNO(syscall(SYS_sched_getparam, 0, NULL), EINVAL, "sched_getparam(NULL)");
	CHECK_ERRNO(syscall(SYS_sched_getparam, 999999, param), ESRCH, "sched_getparam(no pid)");
	CHECK_ERRNO(syscall(SYS_sched_getparam, 0, 8), EFAULT, "sched_getparam(bad)");
	struct timespec ts;
	CHECK(syscall(SYS_sched_rr_get_interval, 0, &ts) == 0, "rr_get_interval");
	CHECK(ts.tv_sec == 0 && ts.tv_nsec < 100000000, "fair interval %ld", ts.tv_nsec);
	CHECK_ERRNO(syscall(SYS_sched_rr_get_interval, -1, &ts), EINVAL, "rr_get_interval(-1)");
	CHECK_ERRNO(syscall(SYS_sched_rr_get_interval, 0, 8), EFAULT, "rr_get_interval(bad)");
	CHECK(setsched(0, SCHED_FIFO_, 10) == 0, "SCHED_FIFO 10: %s", strerror(errno));
	stat_fields("SCHED_FIFO 10");
	CHECK(syscall(SYS_sched_rr_get_interval, 0, &ts) == 0 && ts.tv_sec == 0 && ts.tv_nsec == 0,
	      "SCHED_FIFO interval");
	param[0] = 30;
	CHECK(syscall(SYS_sched_setparam, 0, param) == 0, "sched_setparam 30: %s", strerror(errno));
	CHECK_ERRNO(syscall(SYS_sched_setparam, 0, NULL), EINVAL, "sched_setparam(NULL)");
	param[0] = 0;
	CHECK_ERRNO(syscall(SYS_sched_setparam, 0, param), EINVAL, "sched_setparam 0 for FIFO");
	stat_fields("sched_setparam 30");
	CHECK(setsched(0, SCHED_RR_ | RESET_ON_FORK, 20) == 0, "SCHED_RR|RESET_ON_FORK");
	CHECK(syscall(SYS_sched_rr_get_interval, 0, &ts) == 0 && ts.tv_sec == 0 &&
	      ts.tv_nsec == 100000000, "SCHED_RR interval %ld", ts.tv_nsec);
	stat_fields("SCHED_RR 20 reset-on-fork");
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		stat_fields("forked with reset-on-fork");
		fflush(stdout);
		_exit(0);
	}
	int st;
	waitpid(c, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "reset-on-fork child failed");
	CHECK(setsched(0, SCHED_BATCH_, 0) == 0, "SCHED_BATCH");
	stat_fields("SCHED_BATCH");
	CHECK(setsched(0, SCHED_IDLE_, 0) == 0, "SCHED_IDLE");
	stat_fields("SCHED_IDLE");
	/* Unprivileged: no real-time policy, no way back from SCHED_IDLE. */
	CHECK(setresuid(4321, 4321, 4321) == 0, "setresuid: %s", strerror(errno));
	CHECK_ERRNO(setsched(0, SCHED_OTHER_, 0), EPERM, "SCHED_IDLE to SCHED_OTHER");
	CHECK_ERRNO(setsched(0, SCHED_FIFO_, 1), EPERM, "SCHED_FIFO unprivileged");
	CHECK(setsched(0, SCHED_IDLE_, 0) == 0, "SCHED_IDLE again");
	CHECK_ERRNO(setsched(getppid(), SCHED_IDLE_, 0), EPERM, "another user's process");
}

static void attr_child(void)
{
	struct attr a;
	uint8_t big[128];
	memset(&a, 0xee, sizeof(a));
	CHECK(syscall(SYS_sched_getattr, 0, &a, sizeof(a), 0) == 0, "sched_getattr: %s", strerror(errno));
	CHECK(a.runtime > 0, "fair runtime 0");
	printf("getattr: size %u policy %u flags %llx nice %d priority %u deadline %llu period %llu "
	       "util %u %u\n", a.size, a.policy, (unsigned long long)a.flags, a.nice, a.priority,
	       (unsigned long long)a.deadline, (unsigned long long)a.period, a.util_min, a.util_max);
	memset(big, 0xee, sizeof(big));
	CHECK(syscall(SYS_sched_getattr, 0, big, sizeof(big), 0) == 0, "getattr size 128");
	CHECK(big[0] == 56 && big[56] == 0 && big[127] == 0, "getattr of 128 bytes: size %u, %u %u",
	      big[0], big[56], big[127]);
	memset(big, 0xee, sizeof(big));
	CHECK(syscall(SYS_sched_getattr, 0, big, 48, 0) == 0 && big[0] == 48 && big[48] == 0xee,
	      "getattr of 48 bytes");
	CHECK_ERRNO(syscall(SYS_sched_getattr, 0, &a, 47, 0), EINVAL, "getattr size 47");
	CHECK_ERRNO(syscall(SYS_sched_getattr, 0, &a, 4097, 0), EINVAL, "getattr size 4097");
	CHECK_ERRNO(syscall(SYS_sched_getattr, 0, &a, sizeof(a), 1), EINVAL, "getattr flags 1");
	CHECK_ERRNO(syscall(SYS_sched_getattr, 0, NULL, sizeof(a), 0), EINVAL, "getattr NULL");
	CHECK_ERRNO(syscall(SYS_sched_getattr, 999999, &a, sizeof(a), 0), ESRCH, "getattr no pid");
	CHECK_ERRNO(syscall(SYS_sched_getattr, 0, 8, sizeof(a), 0), EFAULT, "getattr bad pointer");

	memset(&a, 0, sizeof(a));
	a.nice = 3; /* size 0: the first version's 48 bytes */
	CHECK(syscall(SYS_sched_setattr, 0, &a, 0) == 0, "setattr nice 3: %s", strerror(errno));
	CHECK(getprio(PRIO_PROCESS, 0) == 17, "setattr's nice");
	a.nice = 100;
	CHECK(syscall(SYS_sched_setattr, 0, &a, 0) == 0 && getprio(PRIO_PROCESS, 0) == 1, "nice 100");
	memset(big, 0, sizeof(big));
	big[0] = sizeof(big);
	big[100] = 1;
	CHECK_ERRNO(syscall(SYS_sched_setattr, 0, big, 0), E2BIG, "setattr with bytes past ours");
	CHECK(big[0] == 56, "E2BIG wrote size %u", big[0]);
	big[100] = 0;
	big[0] = sizeof(big);
	CHECK(syscall(SYS_sched_setattr, 0, big, 0) == 0, "setattr of 128 zero-padded bytes");
	memset(&a, 0, sizeof(a));
	a.size = 40;
	CHECK_ERRNO(syscall(SYS_sched_setattr, 0, &a, 0), E2BIG, "setattr size 40");
	CHECK(a.size == 56, "size 40 rewritten to %u", a.size);
	a.size = 48;
	a.flags = FLAG_UTIL_CLAMP_MIN;
	CHECK_ERRNO(syscall(SYS_sched_setattr, 0, &a, 0), EINVAL, "util clamp in 48 bytes");
	a.size = 56;
	CHECK_ERRNO(syscall(SYS_sched_setattr, 0, &a, 0), EOPNOTSUPP, "util clamp");
	a.flags = 0x80;
	CHECK_ERRNO(syscall(SYS_sched_setattr, 0, &a, 0), EINVAL, "unknown flag");
	a.flags = 0;
	CHECK_ERRNO(syscall(SYS_sched_setattr, 0, &a, 1), EINVAL, "setattr flags 1");
	CHECK_ERRNO(syscall(SYS_sched_setattr, -1, &a, 0), EINVAL, "setattr pid -1");
	CHECK_ERRNO(syscall(SYS_sched_setattr, 0, NULL, 0), EINVAL, "setattr NULL");
	CHECK_ERRNO(syscall(SYS_sched_setattr, 0, 8, 0), EFAULT, "setattr bad pointer");
	CHECK_ERRNO(syscall(SYS_sched_setattr, 999999, &a, 0), ESRCH, "setattr no pid");
	a.policy = SCHED_DEADLINE_;
	CHECK_ERRNO(syscall(SYS_sched_setattr, 0, &a, 0), EINVAL, "deadline 0");
	a.runtime = 10000000, a.deadline = 5000000, a.period = 20000000;
	CHECK_ERRNO(syscall(SYS_sched_setattr, 0, &a, 0), EINVAL, "runtime past deadline");
	a.policy = 0x80000000u;
	CHECK_ERRNO(syscall(SYS_sched_setattr, 0, &a, 0), EINVAL, "negative policy");
	/* A custom slice for the fair class, clamped to 0.1..100 ms. */
	memset(&a, 0, sizeof(a));
	a.size = 56, a.runtime = 3000000;
	CHECK(syscall(SYS_sched_setattr, 0, &a, 0) == 0, "setattr slice: %s", strerror(errno));
	CHECK(syscall(SYS_sched_getattr, 0, &a, sizeof(a), 0) == 0 && a.runtime == 3000000,
	      "slice %llu", (unsigned long long)a.runtime);
	a.runtime = 1000;
	CHECK(syscall(SYS_sched_setattr, 0, &a, 0) == 0, "setattr tiny slice");
	CHECK(syscall(SYS_sched_getattr, 0, &a, sizeof(a), 0) == 0 && a.runtime == 100000,
	      "slice not clamped: %llu", (unsigned long long)a.runtime);
	/* FIFO 5, then keep the policy and give a priority; keep both. */
	memset(&a, 0, sizeof(a));
	a.size = 56, a.policy = SCHED_FIFO_, a.priority = 5, a.flags = FLAG_RESET_ON_FORK;
	CHECK(syscall(SYS_sched_setattr, 0, &a, 0) == 0, "setattr FIFO 5: %s", strerror(errno));
	a.policy = SCHED_OTHER_, a.priority = 9, a.flags = FLAG_KEEP_POLICY | FLAG_RESET_ON_FORK;
	CHECK(syscall(SYS_sched_setattr, 0, &a, 0) == 0, "KEEP_POLICY: %s", strerror(errno));
	a.policy = SCHED_BATCH_, a.priority = 0, a.flags = FLAG_KEEP_POLICY | FLAG_KEEP_PARAMS;
	CHECK(syscall(SYS_sched_setattr, 0, &a, 0) == 0, "KEEP_ALL: %s", strerror(errno));
	stat_fields("setattr FIFO 9 kept");
	memset(&a, 0xee, sizeof(a));
	CHECK(syscall(SYS_sched_getattr, 0, &a, sizeof(a), 0) == 0, "getattr FIFO");
	printf("getattr: size %u policy %u flags %llx nice %d priority %u runtime %llu\n", a.size,
	       a.policy, (unsigned long long)a.flags, a.nice, a.priority,
	       (unsigned long long)a.runtime);
}

static void affinity_child(void)
{
	cpu_set_t set, one;
	CHECK(sched_getaffinity(0, sizeof(set), &set) == 0, "sched_getaffinity: %s", strerror(errno));
	int first = -1;
	for (int c = 0; c < CPU_SETSIZE && first < 0; c++)
		if (CPU_ISSET(c, &set))
			first = c;
	CHECK(first >= 0, "no CPU");
	CHECK(syscall(SYS_sched_setaffinity, 0, sizeof(set), &set) == 0, "setaffinity(all): %s",
	      strerror(errno));
	CPU_ZERO(&one);
	CPU_SET(first, &one);
	CHECK(syscall(SYS_sched_setaffinity, 0, sizeof(one), &one) == 0, "setaffinity(first)");
	unsigned cpu = 99, node = 99;
	CHECK(syscall(SYS_getcpu, &cpu, &node, NULL) == 0, "getcpu: %s", strerror(errno));
	CHECK((int)cpu == first && node == 0, "getcpu: cpu %u node %u, pinned to %d", cpu, node, first);
	CHECK(syscall(SYS_getcpu, NULL, NULL, NULL) == 0, "getcpu(NULL, NULL)");
	CHECK_ERRNO(syscall(SYS_getcpu, 8, NULL, NULL), EFAULT, "getcpu(bad)");
	CHECK_ERRNO(syscall(SYS_getcpu, &cpu, 8, NULL), EFAULT, "getcpu(cpu, bad)");
	CPU_ZERO(&one);
	CPU_SET(1000, &one);
	CHECK_ERRNO(syscall(SYS_sched_setaffinity, 0, sizeof(one), &one), EINVAL, "CPU 1000 only");
	CHECK_ERRNO(syscall(SYS_sched_setaffinity, 0, 0, &set), EINVAL, "empty length");
	CHECK_ERRNO(syscall(SYS_sched_setaffinity, 0, sizeof(set), 8), EFAULT, "bad mask");
	CHECK_ERRNO(syscall(SYS_sched_setaffinity, 999999, sizeof(set), &set), ESRCH, "no pid");
	CHECK(setresuid(4321, 4321, 4321) == 0, "setresuid: %s", strerror(errno));
	CHECK_ERRNO(syscall(SYS_sched_setaffinity, getppid(), sizeof(set), &set), EPERM,
		    "another user's process");
	printf("affinity: pinned, getcpu agrees\n");
}

static void ioprio_child(void)
{
	printf("ioprio: process %ld\n", syscall(SYS_ioprio_get, WHO_PROCESS, 0));
	CHECK(setpgid(0, 0) == 0, "setpgid");
	printf("ioprio: own group %ld\n", syscall(SYS_ioprio_get, WHO_PGRP, 0));
	CHECK_ERRNO(syscall(SYS_ioprio_get, 4, 0), EINVAL, "ioprio_get(bad which)");
	CHECK_ERRNO(syscall(SYS_ioprio_get, 0, 0), EINVAL, "ioprio_get(which 0)");
	CHECK_ERRNO(syscall(SYS_ioprio_get, WHO_PROCESS, 999999), ESRCH, "ioprio_get(no pid)");
	CHECK_ERRNO(syscall(SYS_ioprio_set, WHO_PROCESS, 0, IOPRIO(0, 1)), EINVAL, "none, level 1");
	CHECK_ERRNO(syscall(SYS_ioprio_set, WHO_PROCESS, 0, IOPRIO(4, 0)), EINVAL, "class 4");
	CHECK_ERRNO(syscall(SYS_ioprio_set, 4, 0, IOPRIO(2, 0)), EINVAL, "ioprio_set(bad which)");
	CHECK_ERRNO(syscall(SYS_ioprio_set, 4, 0, IOPRIO(5, 0)), EINVAL, "class before which");
	CHECK_ERRNO(syscall(SYS_ioprio_set, WHO_PROCESS, 999999, IOPRIO(2, 0)), ESRCH, "no pid");
	CHECK(syscall(SYS_ioprio_set, WHO_PROCESS, 0, IOPRIO(2, 3)) == 0, "BE 3: %s", strerror(errno));
	printf("ioprio: BE 3 %ld\n", syscall(SYS_ioprio_get, WHO_PROCESS, 0));
	CHECK(syscall(SYS_ioprio_set, WHO_PROCESS, 0, IOPRIO(1, 7)) == 0, "RT 7 as root");
	printf("ioprio: RT 7 %ld group %ld\n", syscall(SYS_ioprio_get, WHO_PROCESS, 0),
	       syscall(SYS_ioprio_get, WHO_PGRP, 0));
	CHECK(syscall(SYS_ioprio_set, WHO_PGRP, 0, IOPRIO(3, 5)) == 0, "IDLE 5 for the group");
	printf("ioprio: IDLE 5 %ld\n", syscall(SYS_ioprio_get, WHO_PROCESS, 0));
	CHECK(syscall(SYS_ioprio_set, WHO_PROCESS, 0, 0x10000 | IOPRIO(2, 1)) == 0, "high bits");
	printf("ioprio: 0x10000|BE 1 gives %ld\n", syscall(SYS_ioprio_get, WHO_PROCESS, 0));
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		printf("ioprio: forked %ld\n", syscall(SYS_ioprio_get, WHO_PROCESS, 0));
		fflush(stdout);
		_exit(0);
	}
	int st;
	waitpid(c, &st, 0);
	CHECK(syscall(SYS_ioprio_set, WHO_PROCESS, 0, 0) == 0, "none");
	CHECK(syscall(SYS_setpriority, PRIO_PROCESS, 0, 10) == 0, "nice 10");
	printf("ioprio: none at nice 10: process %ld group %ld\n",
	       syscall(SYS_ioprio_get, WHO_PROCESS, 0), syscall(SYS_ioprio_get, WHO_PGRP, 0));
	CHECK(setresuid(4321, 4321, 4321) == 0, "setresuid: %s", strerror(errno));
	printf("ioprio: user %ld\n", syscall(SYS_ioprio_get, WHO_USER, 0));
	CHECK_ERRNO(syscall(SYS_ioprio_set, WHO_PROCESS, 0, IOPRIO(1, 0)), EPERM, "RT unprivileged");
	CHECK_ERRNO(syscall(SYS_ioprio_set, WHO_PROCESS, getppid(), IOPRIO(2, 0)), EPERM,
		    "another user's process");
}

int main(void)
{
	printf("start: getpriority %ld scheduler %ld\n", getprio(PRIO_PROCESS, 0),
	       syscall(SYS_sched_getscheduler, 0));
	if (geteuid() != 0) {
		printf("not root: the rest needs root\n");
		return 0;
	}
	in_child(nice_child);
	in_child(policy_child);
	in_child(attr_child);
	in_child(affinity_child);
	in_child(ioprio_child);
	printf("end: getpriority %ld scheduler %ld\n", getprio(PRIO_PROCESS, 0),
	       syscall(SYS_sched_getscheduler, 0));
	return 0;
}
