/* fs_umask: the process's umask, compared with Linux: umask(2) returns the
 * old mask; files made by open(O_CREAT), O_TMPFILE, mkdir and mknod lose
 * the mask's bits, a symlink does not (it is always 0777); a child inherits
 * the mask, and a program run by execve keeps it (and shows it as
 * "Umask:" in /proc/self/status). "child" as the argument: print what the
 * mask is after the exec. */
#include "proc_test.h"

#include <fcntl.h>
#include <sys/stat.h>

static char dir[4096];

static int mode_of(const char *name)
{
	char path[4200];
	struct stat st;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	CHECK(lstat(path, &st) == 0, "lstat %s: %s", path, strerror(errno));
	return st.st_mode & 07777;
}

static void make_file(const char *name, int mode)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
	CHECK(fd >= 0, "open %s: %s", path, strerror(errno));
	close(fd);
}

static void make_dir(const char *name, int mode)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	CHECK(mkdir(path, mode) == 0, "mkdir %s: %s", path, strerror(errno));
}

static void cleanup(void)
{
	static const char *const names[] = {"f077", "f022", "f0", "d077", "d0", "l077", "p077",
					    "child"};
	char path[4200];
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		if (unlink(path) < 0)
			rmdir(path);
	}
	rmdir(dir);
}

/* The "Umask:" line of /proc/self/status. */
static void show_status_umask(const char *who)
{
	FILE *f = fopen("/proc/self/status", "r");
	CHECK(f, "open /proc/self/status: %s", strerror(errno));
	char line[256];
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, "Umask:", 6))
			printf("%s: %s", who, line);
	fclose(f);
}

static int child_main(void)
{
	mode_t mask = umask(0);
	printf("after execve: umask %04o\n", (unsigned)mask);
	umask(mask);
	show_status_umask("after execve");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "child"))
		return child_main();
	snprintf(dir, sizeof dir, "%s/vmemu-umask-XXXXXX", tmp_dir());
	CHECK(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
	atexit(cleanup);

	umask(022);
	printf("umask(077) returns %04o\n", (unsigned)umask(077));
	show_status_umask("077");
	make_file("f077", 0666);
	make_dir("d077", 0777);
	char path[4200];
	snprintf(path, sizeof path, "%s/l077", dir);
	CHECK(symlink("f077", path) == 0, "symlink: %s", strerror(errno));
	snprintf(path, sizeof path, "%s/p077", dir);
	CHECK(mknod(path, S_IFIFO | 0666, 0) == 0, "mknod: %s", strerror(errno));
	printf("077: file %04o dir %04o symlink %04o fifo %04o\n", mode_of("f077"), mode_of("d077"),
	       mode_of("l077"), mode_of("p077"));
	int fd = open(dir, O_TMPFILE | O_WRONLY, 0666);
	if (fd >= 0) {
		struct stat st;
		CHECK(fstat(fd, &st) == 0, "fstat: %s", strerror(errno));
		printf("077: O_TMPFILE %04o\n", (unsigned)st.st_mode & 07777);
		close(fd);
	} else {
		printf("077: O_TMPFILE not supported here (%s)\n", strerror(errno));
	}

	printf("umask(022) returns %04o\n", (unsigned)umask(022));
	make_file("f022", 0666);
	printf("022: file %04o\n", mode_of("f022"));
	printf("umask(0) returns %04o\n", (unsigned)umask(0));
	make_file("f0", 0666);
	make_dir("d0", 0777);
	printf("0: file %04o dir %04o\n", mode_of("f0"), mode_of("d0"));
	/* Bits outside 0777 are not kept. */
	umask(017777);
	printf("umask(017777) then umask(027) returns %04o\n", (unsigned)umask(027));

	pid_t pid = xfork();
	if (pid == 0) {
		make_file("child", 0666);
		_exit(0);
	}
	expect_exit(wait_for(pid), 0, "the child");
	printf("forked child's file %04o\n", mode_of("child"));

	pid = xfork();
	if (pid == 0) {
		char *args[] = {argv[0], "child", NULL};
		execv("/proc/self/exe", args);
		fail("execv: %s", strerror(errno));
	}
	expect_exit(wait_for(pid), 0, "the exec'd child");
	return 0;
}
