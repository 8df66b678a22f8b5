/* proc_exec: execve.
 * - a forked child execs proc_exec_child (the same variant, next to this
 *   program) with chosen arguments and environment; the new image prints
 *   and checks them and what it inherited: O_CLOEXEC / FD_CLOEXEC /
 *   F_DUPFD_CLOEXEC fds closed, a plain fd kept with its shared offset, a
 *   pipe kept (its message reaches us), an ignored signal stays ignored, a
 *   handled one goes back to SIG_DFL, the old image's memory is gone, pid
 *   and ppid unchanged;
 * - many arguments, and vfork + execve;
 * - failures leave the caller running: ENOENT (missing path), EACCES (a
 *   file without execute permission, a directory), ENOEXEC (an executable
 *   text file with no #!), ENOTDIR, EFAULT (bad path pointer);
 * - execve("/proc/self/exe") re-runs this program ("second-run": it checks
 *   that /proc/self/exe names the same file and exits 7);
 * - at the end the first process itself execs /proc/self/exe ("final"),
 *   whose exit status 0 ends the run.
 * Output: fixed lines only (no pids, paths or fd numbers). */
#include "proc_test.h"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define OLD_PAGE ((void *)0x200000000000UL)

extern char **environ;

static char self[PATH_MAX];  /* our own executable (readlink /proc/self/exe) */
static char child[PATH_MAX]; /* proc_exec_child.VARIANT next to it */

static void on_usr2(int sig)
{
	(void)sig;
}

/* Temporary file with the given bytes and mode; returns its path. */
static char *make_file(const char *bytes, mode_t mode)
{
	static char paths[4][PATH_MAX];
	static int next;
	char *path = paths[next++ % 4];
	snprintf(path, PATH_MAX, "%s/proc_exec.XXXXXX", tmp_dir());
	/* A unique name from mkstemp, then the file created anew with its
	 * mode (no chmod needed; the umask cannot add execute bits). */
	int fd = mkstemp(path);
	CHECK(fd >= 0, "mkstemp(%s): %s", path, strerror(errno));
	close(fd);
	CHECK(unlink(path) == 0, "unlink %s: %s", path, strerror(errno));
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
	CHECK(fd >= 0, "open(%s, O_CREAT|O_EXCL, %#o): %s", path, (unsigned)mode, strerror(errno));
	size_t n = strlen(bytes);
	CHECK(write(fd, bytes, n) == (ssize_t)n, "write %s: %s", path, strerror(errno));
	close(fd);
	return path;
}

/* In the forked child: arrange the fds, signals and memory the new image
 * checks, then exec it. */
static void exec_child(const char *data, int pipe_w, int pipe_r)
{
	close(pipe_r);
	int fd = open(data, O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0, "open %s: %s", data, strerror(errno));
	CHECK(dup3(fd, 20, O_CLOEXEC) == 20, "dup3(20, O_CLOEXEC): %s", strerror(errno));
	close(fd);
	fd = open(data, O_RDONLY);
	CHECK(fd >= 0, "open %s: %s", data, strerror(errno));
	CHECK(dup2(fd, 21) == 21, "dup2(21): %s", strerror(errno));
	close(fd);
	CHECK(lseek(21, 5, SEEK_SET) == 5, "lseek: %s", strerror(errno));
	CHECK(dup2(21, 22) == 22, "dup2(22): %s", strerror(errno));
	CHECK(fcntl(22, F_SETFD, FD_CLOEXEC) == 0, "F_SETFD: %s", strerror(errno));
	CHECK(fcntl(21, F_GETFD) == 0, "fd 21 got FD_CLOEXEC from its dup");
	close(23);
	CHECK(fcntl(21, F_DUPFD_CLOEXEC, 23) == 23, "F_DUPFD_CLOEXEC 23: %s", strerror(errno));
	CHECK(dup2(pipe_w, 24) == 24, "dup2(24): %s", strerror(errno));
	close(pipe_w);

	CHECK(signal(SIGUSR1, SIG_IGN) != SIG_ERR, "signal(SIGUSR1, SIG_IGN)");
	CHECK(signal(SIGUSR2, on_usr2) != SIG_ERR, "signal(SIGUSR2, handler)");

	char *old = mmap(OLD_PAGE, PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	CHECK(old == OLD_PAGE, "mmap at %p: %s", OLD_PAGE, strerror(errno));
	old[0] = 'x';

	char pid_env[64], ppid_env[64];
	snprintf(pid_env, sizeof(pid_env), "PROC_EXEC_PID=%d", (int)getpid());
	snprintf(ppid_env, sizeof(ppid_env), "PROC_EXEC_PPID=%d", (int)getppid());
	char *args[] = { "custom-argv0", "one", "two words", "", "  spaces  ", "last", NULL };
	char *env[] = { "PROC_EXEC_A=1", "PROC_EXEC_EMPTY=", "PROC_EXEC_SPACES=a b  c",
			pid_env, ppid_env, "PROC_EXEC_EQ=x=y=z", NULL };
	execve(child, args, env);
	fail("execve(%s): %s", child, strerror(errno));
}

static void exec_with_state(void)
{
	/* Pages shared copy-on-write with the child stay ours when the child
	 * replaces its address space. */
	enum { PAGES = 32 };
	unsigned char *mine = mmap(NULL, PAGES * PAGE, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(mine != MAP_FAILED, "mmap: %s", strerror(errno));
	for (size_t i = 0; i < PAGES * PAGE; i++)
		mine[i] = (unsigned char)(i * 7 + i / PAGE);
	const char *data = make_file("0123456789", 0644);
	int p[2];
	CHECK(pipe(p) == 0, "pipe: %s", strerror(errno));
	pid_t pid = xfork();
	if (pid == 0)
		exec_child(data, p[1], p[0]);
	close(p[1]);
	char buf[64] = { 0 };
	size_t got = 0;
	for (;;) {
		ssize_t n = read(p[0], buf + got, sizeof(buf) - 1 - got);
		CHECK(n >= 0, "read from the pipe: %s", strerror(errno));
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(p[0]);
	expect_exit(wait_for(pid), 0, "proc_exec_child (its FAIL line says why)");
	CHECK(got == sizeof("hello from exec") && strcmp(buf, "hello from exec") == 0,
	      "the exec'd child's message through the inherited pipe: %zu bytes \"%s\"", got, buf);
	unlink(data);
	for (size_t i = 0; i < PAGES * PAGE; i++)
		CHECK(mine[i] == (unsigned char)(i * 7 + i / PAGE),
		      "parent: byte %zu of its memory changed when the child exec'd", i);
	memset(mine, 0x5c, PAGES * PAGE);
	CHECK(mine[PAGES * PAGE - 1] == 0x5c, "parent: store after the child's exec");
	CHECK(munmap(mine, PAGES * PAGE) == 0, "munmap: %s", strerror(errno));
	puts("execve with arguments, environment, fds, signals: ok");
}

static void exec_many_args(void)
{
	enum { N = 300 };
	static char bufs[N][32];
	char *args[N + 3];
	args[0] = "many";
	args[1] = "args-only";
	for (int i = 0; i < N; i++) {
		snprintf(bufs[i], sizeof(bufs[i]), "argument-%d-%.*s", i, i % 17, "abcdefghijklmnopq");
		args[i + 2] = bufs[i];
	}
	args[N + 2] = NULL;
	static char big[8192];
	memcpy(big, "PROC_EXEC_BIG=", 14);
	for (size_t i = 14; i < sizeof(big) - 1; i++)
		big[i] = (char)('a' + i % 26);
	char *env[] = { big, "PROC_EXEC_EMPTY=", NULL };
	pid_t pid = xfork();
	if (pid == 0) {
		execve(child, args, env);
		fail("execve(%s) with %d arguments: %s", child, N + 2, strerror(errno));
	}
	expect_exit(wait_for(pid), 0, "proc_exec_child with many arguments");

	/* vfork: the parent waits until the child has exec'd. */
	char *vargs[] = { "vforked", "args-only", NULL };
	char *venv[] = { "PROC_EXEC_EMPTY=", NULL };
	fflush(stdout);
	pid = vfork();
	CHECK(pid >= 0, "vfork: %s", strerror(errno));
	if (pid == 0) {
		execve(child, vargs, venv);
		_exit(127);
	}
	expect_exit(wait_for(pid), 0, "vfork + execve of proc_exec_child");
	puts("execve with many arguments, vfork + execve: ok");
}

static void exec_failures(void)
{
	static int survivor = 1234;
	char *args[] = { "x", NULL };
	char *env[] = { NULL };

	CHECK_ERRNO(execve("/nonexistent-vmemu-dir/prog", args, env), ENOENT,
		    "execve of a missing path");
	const char *plain = make_file("#!/bin/sh\nexit 0\n", 0644);
	CHECK_ERRNO(execve(plain, args, env), EACCES, "execve of a file without execute bits");
	CHECK_ERRNO(execve(tmp_dir(), args, env), EACCES, "execve of a directory");
	const char *text = make_file("this is not a program\n", 0755);
	CHECK_ERRNO(execve(text, args, env), ENOEXEC, "execve of an executable text file");
	char below[PATH_MAX + 8];
	snprintf(below, sizeof(below), "%s/x", plain);
	CHECK_ERRNO(execve(below, args, env), ENOTDIR, "execve of FILE/x");
	const char *volatile bad = (const char *)8; /* volatile: no compile-time warning */
	CHECK_ERRNO(execve(bad, args, env), EFAULT, "execve of a bad path pointer");
	unlink(plain);
	unlink(text);
	/* The process and its memory are intact. */
	CHECK(survivor == 1234, "a global changed across failed execve calls");
	survivor = 5678;
	CHECK(survivor == 5678, "a global cannot be written after failed execve calls");
	puts("execve failures ENOENT EACCES ENOEXEC ENOTDIR EFAULT: ok");
}

static void exec_self(void)
{
	CHECK(setenv("PROC_EXEC_SELF", self, 1) == 0, "setenv: %s", strerror(errno));
	pid_t pid = xfork();
	if (pid == 0) {
		char *args[] = { "proc_exec", "second-run", "with-arg", NULL };
		execve("/proc/self/exe", args, environ);
		fail("execve(/proc/self/exe): %s", strerror(errno));
	}
	expect_exit(wait_for(pid), 7, "execve(/proc/self/exe, second-run)");
	puts("execve of /proc/self/exe: ok");
}

/* The name of the helper: "proc_exec_child" plus our own suffix (".musl",
 * ".glibc", ".pie") in our own directory. */
static void find_paths(const char *argv0)
{
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0)
		self[n] = 0;
	else
		snprintf(self, sizeof(self), "%s", argv0);
	const char *slash = strrchr(self, '/');
	const char *base = slash ? slash + 1 : self;
	const char *dot = strchr(base, '.');
	snprintf(child, sizeof(child), "%.*sproc_exec_child%s", (int)(base - self), self,
		 dot ? dot : "");
	CHECK(access(child, X_OK) == 0, "helper %s: %s (built next to this program)", child,
	      strerror(errno));
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "second-run") == 0) {
		CHECK(argc == 3 && strcmp(argv[2], "with-arg") == 0 &&
			      strcmp(argv[0], "proc_exec") == 0,
		      "second run: arguments are not proc_exec second-run with-arg");
		find_paths(argv[0]);
		const char *first = getenv("PROC_EXEC_SELF");
		CHECK(first && strcmp(first, self) == 0,
		      "second run: /proc/self/exe is %s, the first run's was %s", self,
		      first ? first : "(unset)");
		puts("second run: ok");
		return 7;
	}
	if (argc > 1 && strcmp(argv[1], "final") == 0) {
		puts("final run: ok");
		return 0;
	}
	find_paths(argv[0]);
	exec_with_state();
	exec_many_args();
	exec_failures();
	exec_self();
	fflush(stdout);
	char *args[] = { argv[0], "final", NULL };
	execve("/proc/self/exe", args, environ);
	fail("execve(/proc/self/exe, final): %s", strerror(errno));
}
