/* rusage_maxrss: ru_maxrss, the peak resident set in KiB, as getrusage,
 * wait4 and waitid report it, and VmHWM in /proc/self/status:
 *   64 MiB written and unmapped again: RUSAGE_SELF and VmHWM keep the peak;
 *   a child that writes 96 MiB: wait4's rusage and then RUSAGE_CHILDREN;
 *   a child that writes 32 MiB: waitid's rusage (not the 96 MiB of the
 *   first child), RUSAGE_CHILDREN still the larger;
 *   a child whose own child (reaped by it) writes 128 MiB: the child's
 *   rusage counts its children's peak, and so RUSAGE_CHILDREN grows;
 *   a child that execs: the peak of the image it left is kept (Linux
 *   keeps the forked copy's); RUSAGE_THREAD is the process's too. */
#include "guest_test.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MIB 1024L /* ru_maxrss counts KiB */
/* At least most of mib MiB: Linux's RSS counters are per-CPU and read
 * approximately (a few hundred KiB short seen natively). */
#define NEAR(mib) ((mib) * MIB * 7 / 8)

static long maxrss(int who)
{
	struct rusage ru;
	CHECK(getrusage(who, &ru) == 0, "getrusage(%d): %s", who, strerror(errno));
	return ru.ru_maxrss;
}

static long vm_hwm(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	CHECK(f, "open /proc/self/status: %s", strerror(errno));
	char line[256];
	long kb = -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
			break;
	fclose(f);
	CHECK(kb >= 0, "no VmHWM line in /proc/self/status");
	return kb;
}

/* Writes mib MiB of fresh memory and unmaps it. */
static void touch(long mib)
{
	size_t n = (size_t)mib << 20;
	char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED, "mmap %ld MiB: %s", mib, strerror(errno));
	for (size_t i = 0; i < n; i += PAGE)
		p[i] = 1;
	CHECK(munmap(p, n) == 0, "munmap: %s", strerror(errno));
}

static pid_t child_touching(long mib)
{
	pid_t pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		touch(mib);
		_exit(0);
	}
	return pid;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "exec") == 0)
		return 0; /* the image a child execs */
	touch(64);
	CHECK(maxrss(RUSAGE_SELF) >= NEAR(64), "RUSAGE_SELF after 64 MiB: %ld KiB",
	      maxrss(RUSAGE_SELF));
	CHECK(maxrss(RUSAGE_THREAD) >= NEAR(64), "RUSAGE_THREAD after 64 MiB: %ld KiB",
	      maxrss(RUSAGE_THREAD));
	CHECK(vm_hwm() >= NEAR(64), "VmHWM after 64 MiB: %ld kB", vm_hwm());
	CHECK(maxrss(RUSAGE_CHILDREN) < NEAR(64), "RUSAGE_CHILDREN before any child: %ld KiB",
	      maxrss(RUSAGE_CHILDREN));

	struct rusage ru;
	pid_t pid = child_touching(96);
	CHECK(wait4(pid, NULL, 0, &ru) == pid, "wait4: %s", strerror(errno));
	CHECK(ru.ru_maxrss >= NEAR(96), "wait4's ru_maxrss of a 96 MiB child: %ld KiB", ru.ru_maxrss);
	CHECK(maxrss(RUSAGE_CHILDREN) >= NEAR(96), "RUSAGE_CHILDREN after a 96 MiB child: %ld KiB",
	      maxrss(RUSAGE_CHILDREN));

	pid = child_touching(32);
	siginfo_t si;
	memset(&ru, 0, sizeof(ru));
	CHECK(syscall(SYS_waitid, P_PID, pid, &si, WEXITED, &ru) == 0, "waitid: %s",
	      strerror(errno));
	CHECK(ru.ru_maxrss >= NEAR(32) && ru.ru_maxrss < NEAR(96),
	      "waitid's ru_maxrss of a 32 MiB child: %ld KiB", ru.ru_maxrss);
	CHECK(maxrss(RUSAGE_CHILDREN) >= NEAR(96), "RUSAGE_CHILDREN after a smaller child: %ld KiB",
	      maxrss(RUSAGE_CHILDREN));

	pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		pid_t g = child_touching(128);
		_exit(waitpid(g, NULL, 0) == g ? 0 : 1);
	}
	int status;
	CHECK(wait4(pid, &status, 0, &ru) == pid && status == 0, "wait4 of the grandparent");
	CHECK(ru.ru_maxrss >= NEAR(128), "wait4's ru_maxrss of a child whose child had 128 MiB: %ld",
	      ru.ru_maxrss);
	CHECK(maxrss(RUSAGE_CHILDREN) >= NEAR(128), "RUSAGE_CHILDREN after a grandchild: %ld KiB",
	      maxrss(RUSAGE_CHILDREN));

	pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		touch(48);
		execl("/proc/self/exe", argv[0], "exec", (char *)NULL);
		_exit(1);
	}
	CHECK(wait4(pid, &status, 0, &ru) == pid && status == 0, "wait4 of the exec'd child");
	CHECK(ru.ru_maxrss >= NEAR(48), "ru_maxrss of a child that wrote 48 MiB and exec'd: %ld KiB",
	      ru.ru_maxrss);
	printf("rusage_maxrss: ok\n");
	return 0;
}
