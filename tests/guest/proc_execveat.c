/* proc_execveat.c - execveat(2) and "#!" scripts, with a copy of this
 * program in a mkdtemp folder: a name relative to a dirfd (AT_EXECFN is
 * /dev/fd/N/name), AT_EMPTY_PATH of an fd and of an O_PATH fd (/dev/fd/N),
 * an absolute name; EINVAL (flags), ENOENT (""), ELOOP
 * (AT_SYMLINK_NOFOLLOW), ENOTDIR, EBADF, EACCES (a folder). Scripts: the
 * interpreter (this program) gets its optional argument, the script's
 * name and the other arguments, AT_EXECFN is the script's name; through a
 * close-on-exec dirfd ENOENT, "#!" alone ENOEXEC, a missing interpreter
 * ENOENT, a script that is its own interpreter ELOOP. */
#include <fcntl.h>
#include <limits.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest_test.h"

extern char **environ;

static long execveat_raw(int dirfd, const char *path, char *const argv[], char *const envp[],
			 int flags)
{
	return syscall(SYS_execveat, dirfd, path, argv, envp, flags);
}

/* In the new program: argv[1] "run" (execveat) or "sarg" (a script's
 * argument), then what AT_EXECFN and the next arguments must be. */
static int child_main(int argc, char **argv)
{
	const char *execfn = (const char *)getauxval(AT_EXECFN);
	if (!strcmp(argv[1], "run"))
		return argc == 3 && !strcmp(execfn, argv[2]) ? 0 : 3;
	/* interpreter: prog sarg SCRIPTNAME tail, SCRIPTNAME in $EXPECT */
	const char *want = getenv("EXPECT");
	if (argc != 4 || strcmp(argv[3], "tail") || !want || strcmp(argv[2], want) ||
	    strcmp(execfn, want))
		return 4;
	return 0;
}

/* Runs execveat in a child: its exit status, or 100 + errno when the
 * call failed. */
static int run(int dirfd, const char *path, char *const argv[], int flags)
{
	pid_t pid = fork();
	CHECK(pid >= 0, "fork");
	if (pid == 0) {
		execveat_raw(dirfd, path, argv, environ, flags);
		_exit(100 + errno);
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st), "child");
	return WEXITSTATUS(st);
}

static void expect(int got, int want, const char *what)
{
	CHECK(got == want, "%s: status %d, expected %d", what, got, want);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	CHECK(fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text), "write %s", path);
	close(fd);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		return child_main(argc, argv);
	char top[PATH_MAX], prog[PATH_MAX + 8], buf[PATH_MAX + 64];
	snprintf(top, sizeof(top), "%s/execveat.XXXXXX", tmp_dir());
	CHECK(mkdtemp(top), "mkdtemp");
	/* a copy of this program */
	snprintf(prog, sizeof(prog), "%s/prog", top);
	int in = open("/proc/self/exe", O_RDONLY), out = open(prog, O_WRONLY | O_CREAT, 0755);
	CHECK(in >= 0 && out >= 0, "copy");
	static char data[1 << 16];
	ssize_t n;
	while ((n = read(in, data, sizeof(data))) > 0)
		CHECK(write(out, data, (size_t)n) == n, "copy write");
	close(in);
	close(out);
	int dfd = open(top, O_RDONLY | O_DIRECTORY);
	CHECK(dfd >= 0, "open top");
	CHECK(chdir(top) == 0, "chdir");

	snprintf(buf, sizeof(buf), "/dev/fd/%d/prog", dfd);
	expect(run(dfd, "prog", (char *[]){"prog", "run", buf, NULL}, 0), 0, "dirfd + name");
	int pfd = open("prog", O_RDONLY), ppath = open("prog", O_PATH);
	snprintf(buf, sizeof(buf), "/dev/fd/%d", pfd);
	expect(run(pfd, "", (char *[]){"prog", "run", buf, NULL}, AT_EMPTY_PATH), 0, "AT_EMPTY_PATH");
	snprintf(buf, sizeof(buf), "/dev/fd/%d", ppath);
	expect(run(ppath, "", (char *[]){"prog", "run", buf, NULL}, AT_EMPTY_PATH), 0, "O_PATH fd");
	expect(run(AT_FDCWD, prog, (char *[]){"prog", "run", prog, NULL}, 0), 0, "absolute");
	expect(run(-1, prog, (char *[]){"prog", "run", prog, NULL}, 0), 0, "absolute, dirfd -1");
	expect(run(dfd, "prog", (char *[]){"p", NULL}, 0x1234), 100 + EINVAL, "flags 0x1234");
	expect(run(dfd, "", (char *[]){"p", NULL}, 0), 100 + ENOENT, "\"\"");
	CHECK(symlink("prog", "link") == 0, "symlink");
	expect(run(dfd, "link", (char *[]){"p", NULL}, AT_SYMLINK_NOFOLLOW), 100 + ELOOP,
	       "AT_SYMLINK_NOFOLLOW");
	expect(run(pfd, "prog", (char *[]){"p", NULL}, 0), 100 + ENOTDIR, "file as dirfd");
	expect(run(99, "prog", (char *[]){"p", NULL}, 0), 100 + EBADF, "fd 99");
	expect(run(dfd, "", (char *[]){"p", NULL}, AT_EMPTY_PATH), 100 + EACCES, "a folder");

	/* scripts */
	snprintf(buf, sizeof(buf), "#!  %s   sarg  \n", prog);
	write_file("script", buf, 0755);
	char name[PATH_MAX + 16];
	snprintf(name, sizeof(name), "%s/script", top);
	setenv("EXPECT", name, 1);
	expect(run(AT_FDCWD, name, (char *[]){"x", "tail", NULL}, 0), 0, "a script");
	snprintf(name, sizeof(name), "/dev/fd/%d/script", dfd);
	setenv("EXPECT", name, 1);
	expect(run(dfd, "script", (char *[]){"x", "tail", NULL}, 0), 0, "a script by dirfd");
	int cfd = open(top, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	expect(run(cfd, "script", (char *[]){"x", "tail", NULL}, 0), 100 + ENOENT,
	       "a script by a close-on-exec dirfd");
	write_file("empty", "#!\n", 0755);
	expect(run(dfd, "empty", (char *[]){"x", NULL}, 0), 100 + ENOEXEC, "#! alone");
	write_file("missing", "#!/nonexistent/interpreter\n", 0755);
	expect(run(dfd, "missing", (char *[]){"x", NULL}, 0), 100 + ENOENT, "no interpreter");
	snprintf(buf, sizeof(buf), "#!%s/loop\n", top);
	write_file("loop", buf, 0755);
	expect(run(dfd, "loop", (char *[]){"x", NULL}, 0), 100 + ELOOP, "its own interpreter");
	write_file("noexec", "#!/bin/sh\n", 0644);
	expect(run(dfd, "noexec", (char *[]){"x", NULL}, 0), 100 + EACCES, "not executable");

	const char *names[] = {"prog", "link", "script", "empty", "missing", "loop", "noexec"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		CHECK(unlink(names[i]) == 0, "unlink %s", names[i]);
	CHECK(chdir("/") == 0 && rmdir(top) == 0, "rmdir");
	puts("execveat ok");
	return 0;
}
