/* task_timens.c - time namespaces (as root, natively too: a new time
 * namespace changes nothing outside it): unshare(CLONE_NEWTIME) makes
 * one for the children, its /proc/self/timens_offsets (format, the
 * writes' checks: EINVAL, ERANGE, a page, clock names and numbers), a
 * child sees CLOCK_MONOTONIC and CLOCK_BOOTTIME moved by the offsets and
 * CLOCK_REALTIME not, /proc/uptime and sysinfo moved, an absolute
 * clock_nanosleep on the namespace's clock; the offsets frozen once a
 * child is in (EACCES); a thread and a vfork child stay in their
 * creator's; setns into the child's namespace and back; clone3's
 * CLONE_NEWTIME; the ns links differ. Prints what is the same each run. */
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

#include "guest_test.h"

#define NEWTIME 0x80
#define DAY (24 * 3600L)

static long now_s(clockid_t c)
{
	struct timespec ts;
	CHECK(clock_gettime(c, &ts) == 0, "clock_gettime(%d): %s", (int)c, strerror(errno));
	return ts.tv_sec;
}

static const char *result(long r)
{
	static char buf[64];
	snprintf(buf, sizeof(buf), "%s", r < 0 ? strerror(errno) : "ok");
	return buf;
}

/* Writes text to /proc/self/timens_offsets: its result. */
static long set_offsets(const char *text)
{
	int fd = open("/proc/self/timens_offsets", O_WRONLY);
	CHECK(fd >= 0, "open timens_offsets: %s", strerror(errno));
	long r = write(fd, text, strlen(text));
	close(fd);
	return r;
}

static void show_offsets(const char *when)
{
	char buf[256] = "";
	int fd = open("/proc/self/timens_offsets", O_RDONLY);
	CHECK(fd >= 0, "open timens_offsets: %s", strerror(errno));
	CHECK(read(fd, buf, sizeof(buf) - 1) > 0, "read timens_offsets: %s", strerror(errno));
	close(fd);
	printf("offsets %s:\n%s", when, buf);
}

static double uptime(void)
{
	double up = 0;
	FILE *f = fopen("/proc/uptime", "r");
	CHECK(f && fscanf(f, "%lf", &up) == 1, "read /proc/uptime");
	fclose(f);
	return up;
}

static void check_writes(void)
{
	printf("bad clock: %s\n", result(set_offsets("realtime 1 0")));
	printf("clock 0: %s\n", result(set_offsets("0 1 0")));
	printf("nsec too big: %s\n", result(set_offsets("monotonic 1 1000000000")));
	printf("nsec negative: %s\n", result(set_offsets("monotonic 1 -1")));
	printf("two fields: %s\n", result(set_offsets("monotonic 1")));
	printf("monotonic below 0: %s\n", result(set_offsets("monotonic -100000000000 0")));
	printf("boottime too far: %s\n", result(set_offsets("boottime 9223372036 0")));
	char big[4200];
	memset(big, ' ', sizeof(big));
	big[sizeof(big) - 1] = '\0';
	printf("a page: %s\n", result(set_offsets(big)));
	/* Three lines: two taken, the count up to the third. */
	long r = set_offsets("1 5 0\n7 6 0\nboottime 9 0\n");
	printf("three lines: %ld\n", r);
	CHECK(r == 12, "three lines took %ld bytes", r);
	show_offsets("after three lines");
	CHECK(set_offsets("monotonic 2 500\nboottime 3 0") > 0, "offsets: %s", strerror(errno));
	CHECK(set_offsets(" monotonic " "1000 0") > 0, "monotonic: %s", strerror(errno));
	CHECK(set_offsets("boottime 2000 0") > 0, "boottime: %s", strerror(errno));
	show_offsets("set");
}

static void check_child(long mono, long boot, long real)
{
	pid_t pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		long dm = now_s(CLOCK_MONOTONIC) - mono, db = now_s(CLOCK_BOOTTIME) - boot;
		long dr = now_s(CLOCK_REALTIME) - real;
		long dc = now_s(CLOCK_MONOTONIC_COARSE) - mono;
		/* The child's own children are in the same namespace. */
		CHECK(dm >= 1000 && dm <= 1010, "monotonic moved %ld s", dm);
		CHECK(db >= 2000 && db <= 2010, "boottime moved %ld s", db);
		CHECK(dc >= 999 && dc <= 1010, "monotonic coarse moved %ld s", dc);
		CHECK(dr >= 0 && dr <= 10, "realtime moved %ld s", dr);
		struct sysinfo si;
		CHECK(sysinfo(&si) == 0 && (long)si.uptime >= boot + 2000, "sysinfo uptime %ld",
		      (long)si.uptime);
		CHECK(uptime() >= boot + 2000, "/proc/uptime %f", uptime());
		/* An absolute sleep on the namespace's monotonic clock. */
		struct timespec t;
		clock_gettime(CLOCK_MONOTONIC, &t);
		t.tv_nsec += 50000000;
		if (t.tv_nsec >= 1000000000) {
			t.tv_nsec -= 1000000000;
			t.tv_sec++;
		}
		long before = now_s(CLOCK_REALTIME);
		CHECK(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) == 0, "sleep");
		CHECK(now_s(CLOCK_REALTIME) - before <= 2, "absolute sleep took long");
		show_offsets("in the child (its children's)");
		_exit(0);
	}
	int status;
	CHECK(waitpid(pid, &status, 0) == pid, "waitpid: %s", strerror(errno));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %#x", status);
	printf("child: offsets seen\n");
}

static long mono_start;

static void *thread_clock(void *out)
{
	*(long *)out = now_s(CLOCK_MONOTONIC) - mono_start;
	return NULL;
}

static void check_frozen_and_setns(long mono)
{
	printf("after a child: %s\n", result(set_offsets("monotonic 5 0")));
	/* A thread and a vfork child stay in their creator's namespace. */
	pthread_t t;
	long moved = -1;
	CHECK(pthread_create(&t, NULL, thread_clock, &moved) == 0, "pthread_create");
	CHECK(pthread_join(t, NULL) == 0 && moved >= 0 && moved <= 10, "the thread moved %ld", moved);
	printf("thread: in its process's namespace\n");
	pid_t pid = vfork();
	if (pid == 0)
		_exit(now_s(CLOCK_MONOTONIC) - mono <= 10 ? 0 : 1);
	int status;
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid, "vfork: %s", strerror(errno));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the vfork child moved");
	printf("vfork child: in its parent's namespace\n");
	int own = open("/proc/self/ns/time", O_RDONLY);
	int kids = open("/proc/self/ns/time_for_children", O_RDONLY);
	CHECK(own >= 0 && kids >= 0, "open ns: %s", strerror(errno));
	struct stat a, b;
	CHECK(fstat(own, &a) == 0 && fstat(kids, &b) == 0, "fstat ns");
	printf("own and children's differ: %d\n", a.st_ino != b.st_ino);
	CHECK(setns(kids, CLONE_NEWTIME) == 0, "setns children's: %s", strerror(errno));
	long dm = now_s(CLOCK_MONOTONIC) - mono;
	CHECK(dm >= 1000 && dm <= 1010, "after setns monotonic moved %ld", dm);
	CHECK(setns(own, NEWTIME) == 0, "setns back: %s", strerror(errno));
	dm = now_s(CLOCK_MONOTONIC) - mono;
	CHECK(dm >= 0 && dm <= 10, "back: monotonic moved %ld", dm);
	printf("setns: in and back\n");
	close(own);
	close(kids);
}

int main(void)
{
	if (geteuid() != 0) {
		printf("not root\n");
		return 0;
	}
	long mono = mono_start = now_s(CLOCK_MONOTONIC), boot = now_s(CLOCK_BOOTTIME);
	long real = now_s(CLOCK_REALTIME);
	show_offsets("initial");
	printf("initial namespace's: %s\n", result(set_offsets("monotonic 1 0")));
	CHECK(unshare(NEWTIME) == 0, "unshare: %s", strerror(errno));
	/* The caller stays where it was. */
	CHECK(now_s(CLOCK_MONOTONIC) - mono <= 10, "the caller moved");
	check_writes();
	check_child(mono, boot, real);
	check_frozen_and_setns(mono);
	return 0;
}
