/* fs_sandbox: tries every way out of vmemu's --root to a marker file
 * outside it; none may reach it. Run under vmemu only, by fs_sandbox.sh,
 * which makes the scratch tree, runs this program, and then checks that
 * the marker (and the program's copy outside the root) did not change:
 *
 *   fs_sandbox inside  MARKER   PROG is /prog inside the root
 *   fs_sandbox outside MARKER   PROG lives outside the root
 *
 * MARKER is the marker's host path. A name that reached the marker would
 * read its text, or give EACCES on exec (the marker is not executable);
 * kept inside the root, each names a missing file: ENOENT.
 *
 * inside: "..", absolute and relative symlinks, symlink chains, a dirfd,
 * /proc/self/{cwd,root,fd/N} followed by "..", the *at calls, rename,
 * execve and inotify_add_watch. Then /prog is renamed and replaced by a symlink to the marker:
 * /proc/self/exe still opens (and execs) the program that runs, shows its
 * new name, and cannot be opened for writing (ETXTBSY), nor can the file
 * by its name. outside: /proc/self/exe reads the program but cannot be
 * written (ETXTBSY), reopened for writing through /proc/self/fd/N, nor
 * have its mode or times changed (EROFS, as on a read-only mount). */
#include "proc_test.h"

#include <fcntl.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#define MARKER_TEXT "vmemu-sandbox-marker"

static const char *marker;

/* What opening path for reading gives: its first bytes, or -errno text. */
static void expect_enoent_open(const char *path)
{
	int fd = open(path, O_RDONLY);
	if (fd >= 0) {
		char buf[64] = "";
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		fail("open(%s) succeeded and read %zd bytes \"%.20s\"%s", path, n, buf,
		     strstr(buf, MARKER_TEXT) ? ": THE MARKER" : "");
	}
	CHECK(errno == ENOENT, "open(%s): %s, expected ENOENT", path, strerror(errno));
}

static void expect_err(long r, int err, const char *what)
{
	CHECK(r == -1 && errno == err, "%s returned %ld (%s), expected %s", what, r,
	      r == -1 ? strerror(errno) : "-", strerror(err));
}

static void expect_enoent(long r, const char *what)
{
	expect_err(r, ENOENT, what);
}

/* Names that lead out of the root unless ".." and symlinks stay inside. */
static void names(void)
{
	char path[4200];
	CHECK(mkdir("/sub", 0755) == 0, "mkdir /sub: %s", strerror(errno));
	CHECK(mkdir("/sub/deep", 0755) == 0, "mkdir /sub/deep: %s", strerror(errno));
	CHECK(symlink(marker, "/abs") == 0, "symlink abs: %s", strerror(errno));
	CHECK(symlink("../marker", "/rel") == 0, "symlink rel: %s", strerror(errno));
	snprintf(path, sizeof path, "../../../../../../../..%s", marker);
	CHECK(symlink(path, "/sub/deep/up") == 0, "symlink up: %s", strerror(errno));
	CHECK(symlink("/abs", "/chain1") == 0, "symlink chain1: %s", strerror(errno));
	CHECK(symlink("chain1", "/sub/chain2") == 0 || errno == EEXIST, "symlink chain2");
	CHECK(symlink("../chain1", "/sub/chain2b") == 0, "symlink chain2b: %s", strerror(errno));
	CHECK(symlink("/sub/../../marker", "/dotdot") == 0, "symlink dotdot: %s", strerror(errno));
	CHECK(symlink("/sub/deep", "/deeplink") == 0, "symlink deeplink: %s", strerror(errno));

	const char *tries[] = {
		"../marker", "/../marker", "/../../../../marker", "sub/../../marker",
		"/sub/deep/../../../marker", "/abs", "/rel", "/sub/deep/up", "/chain1",
		"/sub/chain2b", "/dotdot", "/deeplink/../../../marker", "/deeplink/up",
		"/proc/self/cwd/../marker", "/proc/self/root/../marker",
		"/proc/self/root/../../marker", "/proc/self/cwd/abs",
	};
	for (size_t i = 0; i < sizeof tries / sizeof tries[0]; i++)
		expect_enoent_open(tries[i]);
	snprintf(path, sizeof path, "/..%s", marker);
	expect_enoent_open(path);
	snprintf(path, sizeof path, "/proc/%d/root/../marker", (int)getpid());
	expect_enoent_open(path);
	expect_enoent_open(marker);
	printf("names: %zu ways out stay inside\n", sizeof tries / sizeof tries[0] + 3);
}

/* inotify_add_watch resolves its name as open does: the symlinks and
 * ".." that lead out stay inside (ENOENT); with IN_DONT_FOLLOW the watch
 * is on the symlink inside the root itself. */
static void watches(void)
{
	int in = inotify_init1(IN_CLOEXEC);
	CHECK(in >= 0, "inotify_init1: %s", strerror(errno));
	const char *tries[] = {"../marker", "/abs", "/rel", "/sub/deep/up", "/chain1",
			       "/sub/chain2b", "/dotdot", "/deeplink/up", "/proc/self/root/../marker"};
	for (size_t i = 0; i < sizeof tries / sizeof tries[0]; i++)
		expect_enoent(inotify_add_watch(in, tries[i], IN_ALL_EVENTS), tries[i]);
	expect_enoent(inotify_add_watch(in, marker, IN_ALL_EVENTS), "watch MARKER");
	struct stat own;
	CHECK(lstat("/abs", &own) == 0, "lstat /abs: %s", strerror(errno));
	int wd = inotify_add_watch(in, "/abs", IN_ALL_EVENTS | IN_DONT_FOLLOW);
	CHECK(wd > 0, "watch /abs, IN_DONT_FOLLOW: %s", strerror(errno));
	char path[64], line[256];
	snprintf(path, sizeof path, "/proc/self/fdinfo/%d", in);
	FILE *fp = fopen(path, "r");
	CHECK(fp != NULL, "open %s: %s", path, strerror(errno));
	unsigned long ino = 0;
	while (fgets(line, sizeof line, fp))
		if (sscanf(line, "inotify wd:%*d ino:%lx", &ino) == 1)
			break;
	fclose(fp);
	CHECK(ino == own.st_ino, "the watch is on inode %lx, not the symlink's %lx", ino,
	      (unsigned long)own.st_ino);
	close(in);
	printf("watches: %zu ways out stay inside, IN_DONT_FOLLOW watches the link\n",
	       sizeof tries / sizeof tries[0] + 1);
}

/* A directory fd, a cwd deep inside, and /proc/self/fd/N of the dirfd. */
static void dirfds(void)
{
	int d = open("/sub/deep", O_RDONLY | O_DIRECTORY);
	CHECK(d >= 0, "open /sub/deep: %s", strerror(errno));
	char path[4200];
	expect_enoent(openat(d, "../../../marker", O_RDONLY), "openat(d, ../../../marker)");
	expect_enoent(openat(d, marker, O_RDONLY), "openat(d, MARKER)");
	expect_enoent(openat(d, "up", O_RDONLY), "openat(d, up)");
	snprintf(path, sizeof path, "/proc/self/fd/%d/../../../marker", d);
	expect_enoent_open(path);
	snprintf(path, sizeof path, "/proc/self/fd/%d/up", d);
	expect_enoent_open(path);
	struct stat st;
	expect_enoent(fstatat(d, "../../../marker", &st, 0), "fstatat(d, ../../../marker)");
	expect_enoent(fstatat(d, "up", &st, 0), "fstatat(d, up)");
	expect_enoent(faccessat(d, "../../../marker", R_OK, 0), "faccessat(d, ../../../marker)");
	char buf[64];
	expect_enoent(readlinkat(d, "../../../marker", buf, sizeof buf), "readlinkat(d, ...)");
	expect_enoent(syscall(SYS_statx, d, "up", 0, 0x7ff, buf), "statx(d, up)");
	CHECK(fchdir(d) == 0, "fchdir: %s", strerror(errno));
	expect_enoent_open("../../../marker");
	expect_enoent_open("up");
	expect_enoent_open("/proc/self/cwd/../../../marker");
	CHECK(chdir("/") == 0, "chdir /: %s", strerror(errno));
	close(d);
	printf("dirfds: openat, fstatat, faccessat, readlinkat, statx, fchdir stay inside\n");
}

/* Calls that change names and attributes. */
static void changes(void)
{
	int d = open("/sub/deep", O_RDONLY | O_DIRECTORY);
	CHECK(d >= 0, "open /sub/deep: %s", strerror(errno));
	expect_enoent(unlink("../marker"), "unlink(../marker)");
	/* A trailing slash does not follow the last symlink for these. */
	expect_err(unlink("/rel/"), ENOTDIR, "unlink(/rel/)");
	expect_enoent(unlinkat(d, "../../../marker", 0), "unlinkat(d, ../../../marker)");
	expect_enoent(rename("../marker", "/stolen"), "rename(../marker, /stolen)");
	expect_err(rename("/abs/", "/stolen"), ENOTDIR, "rename(/abs/, /stolen)");
	expect_err(renameat(d, "up/", d, "stolen"), ENOTDIR, "renameat(d, up/)");
	expect_enoent(chmod("/abs", 0777), "chmod(/abs)");
	expect_enoent(chmod("/sub/deep/up", 0777), "chmod(/sub/deep/up)");
	expect_enoent(fchmodat(d, "../../../marker", 0777, 0), "fchmodat(d, ../../../marker)");
	expect_enoent(utimensat(d, "up", NULL, 0), "utimensat(d, up)");
	expect_enoent(truncate("/abs", 0), "truncate(/abs)");
	/* Writing through a name creates a file inside the root. */
	int fd = open("/rel", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0, "open(/rel, O_CREAT): %s", strerror(errno));
	CHECK(write(fd, "inside\n", 7) == 7, "write: %s", strerror(errno));
	close(fd);
	fd = open("/marker", O_RDONLY);
	CHECK(fd >= 0, "open(/marker) after creating it through /rel: %s", strerror(errno));
	char buf[16] = "";
	CHECK(read(fd, buf, sizeof buf) == 7 && !memcmp(buf, "inside\n", 7),
	      "/marker inside the root holds \"%s\"", buf);
	close(fd);
	fd = open("/victim", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0 && write(fd, "victim\n", 7) == 7, "write /victim: %s", strerror(errno));
	close(fd);
	CHECK(renameat(AT_FDCWD, "/victim", d, "../../../marker") == 0, "rename /victim: %s",
	      strerror(errno));
	CHECK(mkdirat(d, "../../../madedir", 0755) == 0, "mkdirat: %s", strerror(errno));
	struct stat st;
	CHECK(stat("/madedir", &st) == 0 && S_ISDIR(st.st_mode), "/madedir is not inside");
	CHECK(unlink("/marker") == 0, "unlink /marker: %s", strerror(errno));
	close(d);
	printf("changes: unlink, rename, chmod, utimensat, truncate stay inside\n");
}

/* execve by names that lead out: the marker would give EACCES. */
static void execs(void)
{
	const char *tries[] = {"../marker", "/abs", "/rel/", "/sub/deep/up",
			       "/proc/self/cwd/../marker", "/proc/self/root/../chain1"};
	for (size_t i = 0; i < sizeof tries / sizeof tries[0]; i++) {
		char *argv[] = {(char *)tries[i], NULL};
		long r = execve(tries[i], argv, NULL);
		CHECK(r == -1 && (errno == ENOENT || errno == ENOTDIR),
		      "execve(%s): %s, expected ENOENT", tries[i], strerror(errno));
	}
	printf("execs: %zu names stay inside\n", sizeof tries / sizeof tries[0]);
}

/* fork + execve(path, "child"): the child must be this program. */
static void exec_child(const char *path)
{
	pid_t pid = xfork();
	if (pid == 0) {
		char *argv[] = {"fs_sandbox", "child", NULL};
		execve(path, argv, NULL);
		fail("execve(%s): %s", path, strerror(errno));
	}
	expect_exit(wait_for(pid), 42, "the child run through /proc/self/exe");
}

/* Reads the first bytes of fd: must be the ELF magic, not the marker. */
static void expect_elf(int fd, const char *what)
{
	char buf[64] = "";
	CHECK(pread(fd, buf, sizeof buf - 1, 0) > 4, "%s: read: %s", what, strerror(errno));
	CHECK(!memcmp(buf, "\177ELF", 4), "%s: reads \"%.20s\", not the program", what, buf);
}

/* /prog replaced by a symlink to the marker while it runs. */
static void exe_inside(void)
{
	struct stat before, st;
	CHECK(stat("/prog", &before) == 0, "stat /prog: %s", strerror(errno));
	CHECK(rename("/prog", "/prog.orig") == 0, "rename /prog: %s", strerror(errno));
	CHECK(symlink(marker, "/prog") == 0, "symlink /prog: %s", strerror(errno));
	int fd = open("/proc/self/exe", O_RDONLY);
	CHECK(fd >= 0, "open /proc/self/exe: %s", strerror(errno));
	expect_elf(fd, "/proc/self/exe");
	CHECK(fstat(fd, &st) == 0 && st.st_ino == before.st_ino, "/proc/self/exe is another file");
	CHECK(stat("/proc/self/exe", &st) == 0 && st.st_ino == before.st_ino,
	      "stat /proc/self/exe: another file");
	char link[256] = "";
	ssize_t n = readlink("/proc/self/exe", link, sizeof link - 1);
	CHECK(n > 0 && !strcmp(link, "/prog.orig"), "readlink /proc/self/exe: \"%s\"", link);
	CHECK_ERRNO(open("/proc/self/exe", O_RDWR), ETXTBSY, "open(/proc/self/exe, O_RDWR)");
	CHECK_ERRNO(open("/proc/self/exe", O_WRONLY | O_TRUNC), ETXTBSY,
		    "open(/proc/self/exe, O_WRONLY|O_TRUNC)");
	CHECK_ERRNO(open("/prog.orig", O_WRONLY), ETXTBSY, "open(/prog.orig, O_WRONLY)");
	CHECK_ERRNO(open("/prog.orig", O_RDONLY | O_TRUNC), ETXTBSY,
		    "open(/prog.orig, O_RDONLY|O_TRUNC)");
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	CHECK_ERRNO(open(path, O_RDWR), ETXTBSY, "open(/proc/self/fd/N of the exe, O_RDWR)");
	CHECK(stat("/prog.orig", &st) == 0 && st.st_size == before.st_size, "/prog.orig changed");
	exec_child("/proc/self/exe");
	expect_enoent(execve("/prog", (char *[]){"/prog", NULL}, NULL), "execve(/prog -> marker)");
	close(fd);
	printf("exe: /proc/self/exe is the running file, read-only\n");
}

/* PROG outside the root: readable through /proc/self/exe, never changed. */
static void exe_outside(void)
{
	int fd = open("/proc/self/exe", O_RDONLY);
	CHECK(fd >= 0, "open /proc/self/exe: %s", strerror(errno));
	expect_elf(fd, "/proc/self/exe");
	CHECK_ERRNO(open("/proc/self/exe", O_RDWR), ETXTBSY, "open(/proc/self/exe, O_RDWR)");
	CHECK_ERRNO(open("/proc/self/exe", O_WRONLY | O_TRUNC), ETXTBSY,
		    "open(/proc/self/exe, O_WRONLY|O_TRUNC)");
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	CHECK_ERRNO(open(path, O_RDWR), ETXTBSY, "open(/proc/self/fd/N of the exe, O_RDWR)");
	int again = open(path, O_RDONLY);
	CHECK(again >= 0, "open(/proc/self/fd/N of the exe, O_RDONLY): %s", strerror(errno));
	CHECK_ERRNO(fchmod(fd, 04777), EROFS, "fchmod of the exe outside the root");
	CHECK_ERRNO(fchmod(again, 04777), EROFS, "fchmod of its reopened fd");
	CHECK_ERRNO(futimens(fd, NULL), EROFS, "futimens of the exe outside the root");
	CHECK_ERRNO(ftruncate(fd, 0), EINVAL, "ftruncate of a read-only fd");
	void *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(m == MAP_FAILED && errno == EACCES, "a shared writable map of the exe: %s",
	      m == MAP_FAILED ? strerror(errno) : "mapped");
	char link[4200] = "";
	CHECK(readlink("/proc/self/exe", link, sizeof link - 1) > 0, "readlink: %s",
	      strerror(errno));
	expect_enoent_open(link); /* its host path, resolved inside the root */
	exec_child("/proc/self/exe");
	close(again);
	close(fd);
	printf("exe: the program outside the root is read-only\n");
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "child"))
		return 42;
	CHECK(argc == 3, "usage: fs_sandbox inside|outside MARKER");
	marker = argv[2];
	CHECK(marker[0] == '/', "MARKER must be an absolute host path");
	names();
	watches();
	dirfds();
	changes();
	execs();
	if (!strcmp(argv[1], "inside"))
		exe_inside();
	else
		exe_outside();
	return 0;
}
