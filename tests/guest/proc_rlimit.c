/* proc_rlimit: resource limits as Linux keeps and enforces them. Each
 * process has its own (getrlimit/setrlimit/prlimit64, /proc/self/limits):
 * a child's lowered limits leave the parent's alone; the errors of
 * setting them (EINVAL, EPERM, ESRCH, EFAULT). RLIMIT_NOFILE: EMFILE at
 * the limit, dup2 EBADF, F_DUPFD EINVAL, poll EINVAL, open fds above a
 * lowered limit stay, SCM_RIGHTS cut with MSG_CTRUNC. RLIMIT_FSIZE: short
 * write, then SIGXFSZ and EFBIG; truncate and fallocate; death by
 * SIGXFSZ. RLIMIT_AS and RLIMIT_DATA: mmap, mremap, brk ENOMEM.
 * RLIMIT_NPROC: fork EAGAIN for a user at the limit. RLIMIT_CPU: SIGXCPU
 * at the soft limit (which goes up a second), SIGKILL at the hard one.
 * RLIMIT_STACK: after exec the stack reaches as far as the limit, not
 * further (SIGSEGV).
 * Only lowers limits, each part in a child. Printed and compared with the
 * native run. */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest_test.h"

static void set_limit(int res, rlim_t cur, rlim_t max)
{
	struct rlimit r = {cur, max};
	CHECK(setrlimit(res, &r) == 0, "setrlimit %d: %s", res, strerror(errno));
}

static void show_limit(const char *name, int res)
{
	struct rlimit r;
	CHECK(getrlimit(res, &r) == 0, "getrlimit %d", res);
	printf("%s: %s", name, r.rlim_cur == RLIM_INFINITY ? "unlimited" : "");
	if (r.rlim_cur != RLIM_INFINITY)
		printf("%llu", (unsigned long long)r.rlim_cur);
	printf(" / %s", r.rlim_max == RLIM_INFINITY ? "unlimited" : "");
	if (r.rlim_max != RLIM_INFINITY)
		printf("%llu", (unsigned long long)r.rlim_max);
	printf("\n");
}

/* The /proc/self/limits line that starts with name. */
static void show_proc_line(const char *name)
{
	FILE *f = fopen("/proc/self/limits", "r");
	CHECK(f, "open /proc/self/limits: %s", strerror(errno));
	char line[256];
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, name, strlen(name)))
			printf("limits: %s", line);
	fclose(f);
}

/* Runs part in a child; prints how it ended. */
static void in_child(const char *name, void (*part)(void))
{
	fflush(stdout);
	pid_t pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		part();
		fflush(stdout);
		_exit(0);
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid, "waitpid");
	if (WIFEXITED(st))
		printf("%s: exit %d\n", name, WEXITSTATUS(st));
	else
		printf("%s: signal %d%s\n", name, WTERMSIG(st),
		       WCOREDUMP(st) ? " (core)" : "");
	if (WIFEXITED(st) && WEXITSTATUS(st))
		exit(1);
}

static void errors(void)
{
	struct rlimit r, old;
	CHECK(getrlimit(RLIMIT_NOFILE, &r) == 0, "getrlimit");
	struct rlimit bad = {r.rlim_max, r.rlim_max - 1};
	printf("cur > max: %s\n", ret_str(setrlimit(RLIMIT_NOFILE, &bad)));
	printf("resource 16: %s\n", ret_str(getrlimit(16, &r)));
	printf("resource 99 set: %s\n", ret_str(setrlimit(99, &r)));
	struct rlimit huge = {1024, 2 * 1024 * 1024};
	printf("nofile > nr_open: %s\n", ret_str(setrlimit(RLIMIT_NOFILE, &huge)));
	printf("getrlimit fault: %s\n", ret_str(syscall(SYS_getrlimit, RLIMIT_CORE, 8)));
	printf("setrlimit fault: %s\n", ret_str(syscall(SYS_setrlimit, RLIMIT_CORE, 8)));
	printf("prlimit no pid: %s\n", ret_str(prlimit(0x3ffffff0, RLIMIT_CORE, NULL, &r)));
	/* Lower the hard limit, then raising it needs CAP_SYS_RESOURCE. */
	set_limit(RLIMIT_RTTIME, 1000, 2000);
	struct rlimit up = {1000, 3000};
	/* EPERM without CAP_SYS_RESOURCE, as the native run has it or not. */
	printf("raise hard: %s\n", ret_str(setrlimit(RLIMIT_RTTIME, &up)));
	/* old and new at once: old is what was before. */
	struct rlimit lower = {500, 1000};
	CHECK(prlimit(0, RLIMIT_RTTIME, &lower, &old) == 0, "prlimit: %s", strerror(errno));
	printf("prlimit old: %llu %llu\n", (unsigned long long)old.rlim_cur,
	       (unsigned long long)old.rlim_max);
	show_limit("rttime", RLIMIT_RTTIME);
	/* The parent's limits, by pid: same ids, so allowed. */
	CHECK(prlimit(getppid(), RLIMIT_CORE, NULL, &r) == 0, "prlimit parent: %s",
	      strerror(errno));
	printf("prlimit parent: ok\n");
	/* Kept and shown: core, rss, locks, rttime. */
	set_limit(RLIMIT_CORE, 0, 0);
	set_limit(RLIMIT_RSS, 123 * 4096, 124 * 4096);
	set_limit(RLIMIT_LOCKS, 3, 4);
	show_limit("core", RLIMIT_CORE);
	show_limit("rss", RLIMIT_RSS);
	show_limit("locks", RLIMIT_LOCKS);
	show_proc_line("Max core");
	show_proc_line("Max resident");
	show_proc_line("Max file locks");
	show_proc_line("Max realtime timeout");
}

/* A forked child's limits are its own; exec keeps them (the shell's
 * ulimit lines in debian_programs.sh show that). */
static void inherit(void)
{
	set_limit(RLIMIT_LOCKS, 5, 6);
	in_child("grandchild", errors);
	show_limit("locks after child", RLIMIT_LOCKS);
}

static void nofile(void)
{
	set_limit(RLIMIT_NOFILE, 16, 16);
	int last = -1, fd;
	while ((fd = open("/dev/null", O_RDONLY)) >= 0)
		last = fd;
	printf("open until %s: last %d\n", strerror(errno), last);
	printf("dup2 to 16: %s\n", ret_str(dup2(0, 16)));
	printf("dup2 to 15: %s\n", ret_str(dup2(0, 15)));
	printf("dup3 to 100: %s\n", ret_str(dup3(0, 100, O_CLOEXEC)));
	printf("F_DUPFD 16: %s\n", ret_str(fcntl(0, F_DUPFD, 16)));
	printf("F_DUPFD 3: %s\n", ret_str(fcntl(0, F_DUPFD, 3)));
	struct pollfd p[17] = {{.fd = 0}};
	printf("poll 17: %s\n", ret_str(poll(p, 17, 0)));
	printf("poll 16: %s\n", ret_str(poll(p, 16, 0)));
	/* Lowering the limit closes nothing. */
	set_limit(RLIMIT_NOFILE, 8, 8);
	printf("fd 15 still open: %s\n", ret_str(fcntl(15, F_GETFD)));
	printf("open at 8: %s\n", ret_str(open("/dev/null", O_RDONLY)));
	for (int i = 5; i < 16; i++)
		close(i);
	/* Three fds sent, room for two below the limit: MSG_CTRUNC. */
	int sv[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair: %s", strerror(errno));
	printf("socketpair: %d %d\n", sv[0], sv[1]);
	int fds[3] = {0, 1, 2};
	char c = 'x';
	struct iovec iov = {&c, 1};
	union {
		char buf[CMSG_SPACE(sizeof(fds))];
		struct cmsghdr align;
	} u = {{0}};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			   .msg_controllen = sizeof(u.buf)};
	struct cmsghdr *h = CMSG_FIRSTHDR(&m);
	h->cmsg_level = SOL_SOCKET;
	h->cmsg_type = SCM_RIGHTS;
	h->cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(h), fds, sizeof(fds));
	CHECK(sendmsg(sv[0], &m, 0) == 1, "sendmsg: %s", strerror(errno));
	memset(u.buf, 0, sizeof(u.buf));
	m.msg_controllen = sizeof(u.buf);
	CHECK(recvmsg(sv[1], &m, 0) == 1, "recvmsg: %s", strerror(errno));
	h = CMSG_FIRSTHDR(&m);
	printf("recvmsg: ctrunc %d, fds %d\n", !!(m.msg_flags & MSG_CTRUNC),
	       h ? (int)((h->cmsg_len - CMSG_LEN(0)) / sizeof(int)) : 0);
}

static int xfsz_count;

static void on_xfsz(int sig)
{
	(void)sig;
	xfsz_count++;
}

/* What fsize prints is kept until the limit is raised again: stdout may
 * be a regular file too. */
static char fsize_log[2048];

static void note(const char *what, long ret)
{
	size_t n = strlen(fsize_log);
	snprintf(fsize_log + n, sizeof(fsize_log) - n, "%s: %s, SIGXFSZ %d\n", what, ret_str(ret),
		 xfsz_count);
}

static void fsize(void)
{
	signal(SIGXFSZ, on_xfsz);
	char name[] = "rlimit-fsize-XXXXXX";
	int fd = mkstemp(name);
	CHECK(fd >= 0, "mkstemp: %s", strerror(errno));
	unlink(name);
	set_limit(RLIMIT_FSIZE, 1000, RLIM_INFINITY);
	static char buf[3000];
	note("write 3000", write(fd, buf, sizeof(buf)));
	note("write more", write(fd, buf, 10));
	note("write 0", write(fd, buf, 0));
	note("pwrite at 990", pwrite(fd, buf, 100, 990));
	note("pwrite at 2000", pwrite(fd, buf, 1, 2000));
	struct iovec iov[2] = {{buf, 600}, {buf, 600}};
	lseek(fd, 100, SEEK_SET);
	note("writev 1200 at 100", writev(fd, iov, 2));
	note("ftruncate 2000", ftruncate(fd, 2000));
	note("ftruncate 500", ftruncate(fd, 500));
	note("fallocate 4096", fallocate(fd, 0, 0, 4096));
	note("fallocate keep size", fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 4096));
	struct stat st;
	CHECK(fstat(fd, &st) == 0, "fstat");
	note("size", (long)st.st_size);
	/* A pipe has no size limit. */
	int p[2];
	CHECK(pipe(p) == 0, "pipe");
	note("pipe write 2000", write(p[1], buf, 2000));
	/* A memfd is a regular file of shared memory: the same limit. */
	int mfd = (int)syscall(SYS_memfd_create, "rlimit", 0);
	note("memfd write 3000", write(mfd, buf, sizeof(buf)));
	note("memfd write more", write(mfd, buf, 10));
	note("memfd ftruncate 2000", ftruncate(mfd, 2000));
	note("memfd ftruncate 10", ftruncate(mfd, 10));
	note("memfd fallocate keep size", fallocate(mfd, FALLOC_FL_KEEP_SIZE, 0, 4096));
	note("memfd fallocate 900", fallocate(mfd, 0, 0, 900));
	set_limit(RLIMIT_FSIZE, RLIM_INFINITY, RLIM_INFINITY);
	printf("%s", fsize_log);
	/* The default action kills (no core below a page of RLIMIT_CORE). */
	set_limit(RLIMIT_CORE, 0, 0);
	signal(SIGXFSZ, SIG_DFL);
	lseek(fd, 1000, SEEK_SET);
	fflush(stdout);
	set_limit(RLIMIT_FSIZE, 1000, 1000);
	write(fd, buf, 1000);
	_exit(3); /* not killed */
}

static void mem_as(void)
{
	set_limit(RLIMIT_AS, 256 << 20, 256 << 20);
	void *big = mmap(NULL, 512 << 20, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	printf("mmap 512M: %s\n", big == MAP_FAILED ? strerror(errno) : "mapped");
	void *small = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	printf("mmap 1M: %s\n", small == MAP_FAILED ? strerror(errno) : "mapped");
	void *grown = mremap(small, 1 << 20, 400 << 20, MREMAP_MAYMOVE);
	printf("mremap to 400M: %s\n", grown == MAP_FAILED ? strerror(errno) : "grown");
	void *brk0 = sbrk(0);
	void *b = sbrk(400 << 20);
	printf("sbrk 400M: %s\n", b == (void *)-1 ? strerror(errno) : "grown");
	printf("brk unchanged: %d\n", sbrk(0) == brk0);
}

static void mem_data(void)
{
	set_limit(RLIMIT_DATA, 64 << 20, 64 << 20);
	void *p = mmap(NULL, 128 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	printf("private writable 128M: %s\n", p == MAP_FAILED ? strerror(errno) : "mapped");
	p = mmap(NULL, 128 << 20, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	printf("private read-only 128M: %s\n", p == MAP_FAILED ? strerror(errno) : "mapped");
	printf("mprotect it writable: %s\n", ret_str(mprotect(p, 128 << 20, PROT_READ | PROT_WRITE)));
	printf("mprotect 1M of it: %s\n", ret_str(mprotect(p, 1 << 20, PROT_READ | PROT_WRITE)));
	p = mmap(NULL, 128 << 20, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	printf("shared writable 128M: %s\n", p == MAP_FAILED ? strerror(errno) : "mapped");
	void *b = sbrk(128 << 20);
	printf("sbrk 128M: %s\n", b == (void *)-1 ? strerror(errno) : "grown");
	b = sbrk(1 << 20);
	printf("sbrk 1M: %s\n", b == (void *)-1 ? strerror(errno) : "grown");
}

static void nproc(void)
{
	/* uid 0 (or CAP_SYS_ADMIN) is exempt. */
	set_limit(RLIMIT_NPROC, 1, 1);
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	printf("root fork: %s\n", pid > 0 ? "ok" : strerror(errno));
	if (pid > 0)
		waitpid(pid, NULL, 0);
	if (setuid(65534) != 0) {
		printf("setuid: not allowed\n");
		return;
	}
	pid = fork();
	if (pid == 0)
		_exit(0);
	printf("nobody fork at the limit: %s\n", pid > 0 ? "ok" : strerror(errno));
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

static volatile int xcpu_count;
static volatile rlim_t soft_seen;

static void on_xcpu(int sig)
{
	(void)sig;
	struct rlimit r;
	getrlimit(RLIMIT_CPU, &r);
	soft_seen = r.rlim_cur;
	xcpu_count++;
	char line[64];
	int n = snprintf(line, sizeof(line), "SIGXCPU %d, soft now %llu\n", xcpu_count,
			 (unsigned long long)soft_seen);
	write(1, line, (size_t)n);
}

static void cpu(void)
{
	signal(SIGXCPU, on_xcpu);
	set_limit(RLIMIT_CPU, 1, 2);
	alarm(60); /* a safety net: SIGKILL comes first */
	for (volatile unsigned long i = 0;; i++)
		;
}

static void on_segv(int sig)
{
	(void)sig;
	write(1, "SIGSEGV\n", 8);
	_exit(0);
}

/* Run by the exec below, under a 1 MiB stack limit. */
static void stack_reach(void)
{
	static char alt[64 * 1024];
	stack_t ss = {.ss_sp = alt, .ss_size = sizeof(alt)};
	CHECK(sigaltstack(&ss, NULL) == 0, "sigaltstack: %s", strerror(errno));
	struct sigaction sa = {.sa_handler = on_segv, .sa_flags = SA_ONSTACK};
	sigaction(SIGSEGV, &sa, NULL);
	volatile char here = 0;
	volatile char *sp = &here;
	sp[-900 * 1024] = 1;
	printf("900 KiB below: ok\n");
	fflush(stdout);
	sp[-2 * 1024 * 1024] = 1;
	printf("2 MiB below: ok\n");
}

static void stack(void)
{
	set_limit(RLIMIT_STACK, 1 << 20, 1 << 20);
	fflush(stdout);
	execl("/proc/self/exe", "proc_rlimit", "stack", (char *)NULL);
	fail("exec: %s", strerror(errno));
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && !strcmp(argv[1], "stack")) {
		stack_reach();
		return 0;
	}
	/* The limits the test starts with are its parent's, as natively. */
	show_proc_line("Limit");
	in_child("errors", errors);
	in_child("inherit", inherit);
	in_child("nofile", nofile);
	in_child("fsize", fsize);
	in_child("as", mem_as);
	in_child("data", mem_data);
	in_child("nproc", nproc);
	in_child("cpu", cpu);
	in_child("stack", stack);
	show_limit("locks at the end", RLIMIT_LOCKS);
	return 0;
}
