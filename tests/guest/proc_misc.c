/* proc_misc: times(2) (ticks move with the clock, CPU times within
 * getrusage's, EFAULT), personality(2) (query, set, kept by fork, any
 * value returned as the old one), membarrier(2) (every command, the rseq
 * ones too; registration before the private expedited barriers: EPERM,
 * then 0; MEMBARRIER_CMD_FLAG_CPU for rseq only; registrations kept by
 * fork, EINVAL cases).
 * With --vmemu (under vmemu only: the host's names must not change):
 * sethostname and setdomainname change what uname shows, EINVAL for a
 * length past 64 or negative, EFAULT, and EPERM once capabilities are
 * gone. Printed and compared with the native run. */
#include <stdbool.h>
#include <stdint.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/times.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "guest_test.h"

/* <linux/membarrier.h>: musl's toolchain lacks it. */
#define MB_QUERY 0
#define MB_GLOBAL 1
#define MB_PRIVATE_EXPEDITED 8
#define MB_REGISTER_PRIVATE_EXPEDITED 16
#define MB_PRIVATE_EXPEDITED_SYNC_CORE 32
#define MB_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE 64
#define MB_PRIVATE_EXPEDITED_RSEQ 128
#define MB_REGISTER_PRIVATE_EXPEDITED_RSEQ 256
#define MB_GET_REGISTRATIONS 512
#define MB_ALL 0x3ff
#define MB_FLAG_CPU 1

static long membarrier_cpu(int cmd, unsigned flags, int cpu_id)
{
	return syscall(SYS_membarrier, cmd, flags, cpu_id);
}

static long membarrier(int cmd, unsigned flags)
{
	return membarrier_cpu(cmd, flags, 0);
}

static void wait_child(pid_t pid)
{
	int st;
	CHECK(waitpid(pid, &st, 0) == pid, "waitpid: %s", strerror(errno));
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child failed: status 0x%x", st);
}

static void check_times(void)
{
	struct tms t;
	clock_t a = times(&t);
	CHECK(a != (clock_t)-1 && a > 0, "times: %s", strerror(errno));
	struct rusage ru;
	CHECK(getrusage(RUSAGE_SELF, &ru) == 0, "getrusage");
	CHECK(t.tms_utime <= ru.ru_utime.tv_sec * 100 + ru.ru_utime.tv_usec / 10000 + 1 &&
	      t.tms_stime <= ru.ru_stime.tv_sec * 100 + ru.ru_stime.tv_usec / 10000 + 1,
	      "tms times past getrusage's");
	CHECK(t.tms_cutime == 0 && t.tms_cstime == 0, "children's times without children");
	struct timespec d = {0, 200000000};
	nanosleep(&d, NULL);
	clock_t b = times(NULL);
	CHECK(b - a >= 15 && b - a <= 60, "times moved %ld ticks in 200 ms", (long)(b - a));
	CHECK_ERRNO(syscall(SYS_times, 8), EFAULT, "times(bad pointer)");
	printf("times: ticks move with the clock\n");
}

static void check_personality(void)
{
	int cur = personality(0xffffffff);
	printf("personality: 0x%x\n", cur);
	CHECK(personality(ADDR_NO_RANDOMIZE) == cur, "personality's old value");
	CHECK(personality(0xffffffff) == ADDR_NO_RANDOMIZE, "ADDR_NO_RANDOMIZE not kept");
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		CHECK(personality(0xffffffff) == ADDR_NO_RANDOMIZE, "fork lost the personality");
		_exit(0);
	}
	wait_child(pid);
	CHECK(personality(0x12345) == ADDR_NO_RANDOMIZE, "old value");
	CHECK(personality(0xffffffff) == 0x12345, "any value is kept");
	CHECK(personality(PER_LINUX) == 0x12345 && personality(0xffffffff) == PER_LINUX, "PER_LINUX");
	personality((unsigned long)cur);
}

static void check_membarrier(void)
{
	long q = membarrier(MB_QUERY, 0);
	CHECK(q >= 0 && (q & MB_ALL) == MB_ALL, "MEMBARRIER_CMD_QUERY: 0x%lx", q);
	CHECK_ERRNO(membarrier(MB_QUERY, 1), EINVAL, "QUERY with a flag");
	CHECK_ERRNO(membarrier(3, 0), EINVAL, "command 3");
	CHECK_ERRNO(membarrier(1 << 20, 0), EINVAL, "command 1 << 20");
	CHECK(membarrier(MB_GLOBAL, 0) == 0, "GLOBAL: %s", strerror(errno));
	printf("membarrier: registrations %ld\n", membarrier(MB_GET_REGISTRATIONS, 0));
	CHECK_ERRNO(membarrier(MB_PRIVATE_EXPEDITED, 0), EPERM, "PRIVATE_EXPEDITED unregistered");
	CHECK_ERRNO(membarrier(MB_PRIVATE_EXPEDITED_SYNC_CORE, 0), EPERM, "SYNC_CORE unregistered");
	CHECK(membarrier(MB_REGISTER_PRIVATE_EXPEDITED, 0) == 0, "register: %s", strerror(errno));
	CHECK(membarrier(MB_PRIVATE_EXPEDITED, 0) == 0, "PRIVATE_EXPEDITED: %s", strerror(errno));
	CHECK_ERRNO(membarrier(MB_PRIVATE_EXPEDITED_SYNC_CORE, 0), EPERM, "SYNC_CORE still");
	CHECK(membarrier(MB_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE, 0) == 0, "register SYNC_CORE");
	CHECK(membarrier(MB_PRIVATE_EXPEDITED_SYNC_CORE, 0) == 0, "SYNC_CORE: %s", strerror(errno));
	CHECK_ERRNO(membarrier(MB_PRIVATE_EXPEDITED_RSEQ, 0), EPERM, "RSEQ unregistered");
	CHECK_ERRNO(membarrier(MB_PRIVATE_EXPEDITED, MB_FLAG_CPU), EINVAL, "FLAG_CPU, not RSEQ");
	CHECK_ERRNO(membarrier(MB_PRIVATE_EXPEDITED_RSEQ, 2), EINVAL, "RSEQ, flag 2");
	CHECK(membarrier(MB_REGISTER_PRIVATE_EXPEDITED_RSEQ, 0) == 0, "register RSEQ");
	CHECK(membarrier(MB_PRIVATE_EXPEDITED_RSEQ, 0) == 0, "RSEQ: %s", strerror(errno));
	CHECK(membarrier_cpu(MB_PRIVATE_EXPEDITED_RSEQ, MB_FLAG_CPU, 0) == 0, "RSEQ on CPU 0");
	CHECK(membarrier_cpu(MB_PRIVATE_EXPEDITED_RSEQ, MB_FLAG_CPU, 100000) == 0,
	      "RSEQ on a CPU that does not exist: %s", strerror(errno));
	printf("membarrier: registrations %ld\n", membarrier(MB_GET_REGISTRATIONS, 0));
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		printf("membarrier: forked child's registrations %ld\n",
		       membarrier(MB_GET_REGISTRATIONS, 0));
		fflush(stdout);
		_exit(0);
	}
	wait_child(pid);
}

/* Under vmemu only: the guest's names, never the host's. */
static void check_uts(void)
{
	struct utsname u;
	CHECK(sethostname("vmemu-guest", 11) == 0, "sethostname: %s", strerror(errno));
	CHECK(setdomainname("example.test", 12) == 0, "setdomainname: %s", strerror(errno));
	CHECK(uname(&u) == 0 && !strcmp(u.nodename, "vmemu-guest") &&
	      !strcmp(u.domainname, "example.test"), "uname: %s %s", u.nodename, u.domainname);
	char name[80];
	memset(name, 'x', sizeof(name));
	CHECK(sethostname(name, 64) == 0, "sethostname of 64 bytes: %s", strerror(errno));
	CHECK(uname(&u) == 0 && strlen(u.nodename) == 64, "64-byte name");
	CHECK_ERRNO(syscall(SYS_sethostname, name, 65), EINVAL, "sethostname of 65 bytes");
	CHECK_ERRNO(syscall(SYS_sethostname, name, -1), EINVAL, "sethostname of -1 bytes");
	CHECK_ERRNO(syscall(SYS_setdomainname, name, 65), EINVAL, "setdomainname of 65 bytes");
	CHECK_ERRNO(syscall(SYS_sethostname, 8, 4), EFAULT, "sethostname(bad pointer)");
	CHECK(sethostname("short", 5) == 0 && uname(&u) == 0 && !strcmp(u.nodename, "short"),
	      "a shorter name is NUL-padded: %s", u.nodename);
	CHECK(sethostname("", 0) == 0 && uname(&u) == 0 && !u.nodename[0], "empty name");
	pid_t pid = fork();
	if (pid == 0) {
		CHECK(setresuid(1000, 1000, 1000) == 0, "setresuid: %s", strerror(errno));
		CHECK_ERRNO(sethostname("x", 1), EPERM, "sethostname unprivileged");
		CHECK_ERRNO(setdomainname("x", 1), EPERM, "setdomainname unprivileged");
		CHECK_ERRNO(syscall(SYS_sethostname, name, 65), EPERM, "EPERM before EINVAL");
		_exit(0);
	}
	wait_child(pid);
	printf("uts: sethostname and setdomainname checked\n");
}

int main(int argc, char **argv)
{
	bool vmemu = argc > 1 && !strcmp(argv[1], "--vmemu");
	check_times();
	check_personality();
	check_membarrier();
	if (vmemu && geteuid() == 0)
		check_uts();
	else
		printf("uts: sethostname and setdomainname checked\n");
	return 0;
}
