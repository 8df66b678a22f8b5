/* fs_procfd: /proc/self/fd, /dev/fd and the links to open files, compared
 * with Linux:
 *   the fd directory lists exactly the open fds (after closing whatever
 *   the caller left open), each a link whose mode says how it is open;
 *   readlink of fd/N gives the file's name, "pipe:[N]" for a pipe (its
 *   inode, as fstat says), " (deleted)" for an unlinked file;
 *   opening fd/N opens the same file anew (its own offset, another access
 *   mode), the same pipe for a pipe: a shell's <(...) reads what a child
 *   writes through /dev/fd/N; /dev/stdin is fd 0;
 *   /proc/self/cwd, root and exe: readlink and what they lead to;
 *   an O_PATH fd: fstat, dup, fcntl(F_GETFL) and fchdir work, and every
 *   call that reads, writes or changes the file says EBADF (fchmod too). */
#include "proc_test.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

static char dir[4096], file[4200];

static void cleanup(void)
{
	unlink(file);
	rmdir(dir);
}

/* The fd directory's entries, numerically, with each link's mode. */
static void list_fds(const char *what)
{
	DIR *d = opendir("/proc/self/fd");
	CHECK(d, "opendir /proc/self/fd: %s", strerror(errno));
	int self = dirfd(d);
	int seen[64], n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		CHECK(e->d_type == DT_LNK, "fd/%s is type %d, not a link", e->d_name, e->d_type);
		int fd = atoi(e->d_name);
		if (fd != self && n < 64)
			seen[n++] = fd;
	}
	closedir(d);
	for (int i = 0; i < n; i++) /* sort: the order is the kernel's */
		for (int j = i + 1; j < n; j++)
			if (seen[j] < seen[i]) {
				int t = seen[i];
				seen[i] = seen[j];
				seen[j] = t;
			}
	printf("%s:", what);
	for (int i = 0; i < n; i++) {
		char link[64];
		struct stat st;
		snprintf(link, sizeof link, "/proc/self/fd/%d", seen[i]);
		CHECK(lstat(link, &st) == 0, "lstat %s: %s", link, strerror(errno));
		printf(" %d(%03o)", seen[i], st.st_mode & 0777);
	}
	printf("\n");
}

static void expect_link(int fd, const char *want, const char *what)
{
	char link[64], got[4300] = "";
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, got, sizeof got - 1);
	CHECK(n > 0, "readlink %s: %s", link, strerror(errno));
	CHECK(!strcmp(got, want), "%s: readlink says \"%s\", expected \"%s\"", what, got, want);
}

static void links(void)
{
	int fd = open(file, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK(fd == 3, "open %s gave %d: %s", file, fd, strerror(errno));
	CHECK(write(fd, "0123456789", 10) == 10, "write: %s", strerror(errno));
	int ro = open(file, O_RDONLY);
	int wo = open(file, O_WRONLY);
	int path = open(file, O_PATH);
	int p[2];
	CHECK(pipe(p) == 0, "pipe: %s", strerror(errno));
	list_fds("open fds");
	expect_link(fd, file, "a file");
	struct stat st;
	CHECK(fstat(p[0], &st) == 0, "fstat pipe: %s", strerror(errno));
	char want[64];
	snprintf(want, sizeof want, "pipe:[%lu]", (unsigned long)st.st_ino);
	expect_link(p[0], want, "a pipe's read end");
	expect_link(p[1], want, "a pipe's write end");
	/* stat through the link is the file. */
	struct stat a, b;
	char link[64];
	snprintf(link, sizeof link, "/proc/self/fd/%d", ro);
	CHECK(stat(link, &a) == 0 && stat(file, &b) == 0, "stat: %s", strerror(errno));
	CHECK(a.st_ino == b.st_ino && S_ISREG(a.st_mode) && a.st_size == 10, "stat fd/N");
	/* Opening the link: the same file, a new offset, any access. */
	CHECK(lseek(ro, 4, SEEK_SET) == 4, "lseek");
	int again = open(link, O_RDWR);
	CHECK(again >= 0, "open fd/N O_RDWR of an O_RDONLY fd: %s", strerror(errno));
	char buf[16] = "";
	CHECK(read(again, buf, 3) == 3 && !memcmp(buf, "012", 3), "read the reopened file: %s", buf);
	CHECK(lseek(ro, 0, SEEK_CUR) == 4, "the reopened file shares the offset");
	snprintf(link, sizeof link, "/dev/fd/%d", path);
	int from_path = open(link, O_RDONLY);
	CHECK(from_path >= 0, "open /dev/fd/N of an O_PATH fd: %s", strerror(errno));
	CHECK(read(from_path, buf, 2) == 2 && !memcmp(buf, "01", 2), "read through /dev/fd");
	printf("reopened: same file, own offset\n");
	/* An unlinked file. */
	CHECK(unlink(file) == 0, "unlink: %s", strerror(errno));
	char deleted[4300];
	snprintf(deleted, sizeof deleted, "%s (deleted)", file);
	expect_link(fd, deleted, "an unlinked file");
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	int gone = open(link, O_RDONLY);
	CHECK(gone >= 0, "open fd/N of an unlinked file: %s", strerror(errno));
	CHECK(read(gone, buf, 1) == 1 && buf[0] == '0', "read the unlinked file");
	printf("unlinked: readlink says (deleted), the file still opens\n");
	close(gone);
	close(from_path);
	close(again);
	close(wo);
	close(ro);
	close(p[0]);
	close(p[1]);
	close(path);
	close(fd);
	snprintf(link, sizeof link, "/proc/self/fd/%d", 99);
	CHECK_ERRNO(open(link, O_RDONLY), ENOENT, "open /proc/self/fd/99");
	CHECK_ERRNO(readlink(link, buf, sizeof buf), ENOENT, "readlink /proc/self/fd/99");
}

/* What bash does for cat <(echo ...): a child writes into a pipe, the
 * parent opens /dev/fd/N of its read end. */
static void process_substitution(void)
{
	int p[2];
	CHECK(pipe(p) == 0, "pipe: %s", strerror(errno));
	pid_t pid = xfork();
	if (pid == 0) {
		close(p[0]);
		const char msg[] = "through /dev/fd\n";
		CHECK(write(p[1], msg, sizeof msg - 1) == sizeof msg - 1, "write");
		_exit(0);
	}
	close(p[1]);
	char link[32];
	snprintf(link, sizeof link, "/dev/fd/%d", p[0]);
	int fd = open(link, O_RDONLY);
	CHECK(fd >= 0, "open %s: %s", link, strerror(errno));
	close(p[0]);
	char buf[64] = "";
	ssize_t n, got = 0;
	while ((n = read(fd, buf + got, sizeof buf - 1 - got)) > 0)
		got += n;
	CHECK(got > 0, "read %s: nothing", link);
	printf("substitution read: %s", buf);
	close(fd);
	expect_exit(wait_for(pid), 0, "the writer");
	/* A write end opened anew writes into the same pipe. */
	CHECK(pipe(p) == 0, "pipe: %s", strerror(errno));
	snprintf(link, sizeof link, "/proc/self/fd/%d", p[1]);
	fd = open(link, O_WRONLY);
	CHECK(fd >= 0 && write(fd, "w", 1) == 1, "write through %s: %s", link, strerror(errno));
	close(fd);
	close(p[1]);
	CHECK(read(p[0], buf, sizeof buf) == 1 && buf[0] == 'w', "the pipe got the byte");
	CHECK(read(p[0], buf, sizeof buf) == 0, "end of file once every writer is gone");
	close(p[0]);
}

static void std_links(void)
{
	char got[256] = "";
	CHECK(readlink("/dev/stdin", got, sizeof got - 1) > 0, "readlink /dev/stdin: %s",
	      strerror(errno));
	printf("/dev/stdin -> %s\n", got);
	memset(got, 0, sizeof got);
	CHECK(readlink("/dev/fd", got, sizeof got - 1) > 0, "readlink /dev/fd");
	printf("/dev/fd -> %s\n", got);
	int fd = open("/dev/stdin", O_RDONLY);
	CHECK(fd >= 0, "open /dev/stdin: %s", strerror(errno));
	struct stat a, b;
	CHECK(fstat(fd, &a) == 0 && fstat(0, &b) == 0 && a.st_ino == b.st_ino && a.st_rdev == b.st_rdev,
	      "/dev/stdin is another file than fd 0");
	close(fd);
	memset(got, 0, sizeof got);
	CHECK(readlink("/proc/self/root", got, sizeof got - 1) == 1 && !strcmp(got, "/"),
	      "readlink /proc/self/root: %s", got);
	CHECK(chdir(dir) == 0, "chdir: %s", strerror(errno));
	memset(got, 0, sizeof got);
	CHECK(readlink("/proc/self/cwd", got, sizeof got - 1) > 0 && !strcmp(got, dir),
	      "readlink /proc/self/cwd: %s, expected %s", got, dir);
	CHECK(stat("/proc/self/cwd/.", &a) == 0 && stat(dir, &b) == 0 && a.st_ino == b.st_ino,
	      "/proc/self/cwd leads elsewhere");
	CHECK(stat("/proc/self/exe", &a) == 0 && S_ISREG(a.st_mode), "stat /proc/self/exe");
	CHECK(lstat("/proc/self/exe", &a) == 0 && S_ISLNK(a.st_mode), "lstat /proc/self/exe");
	CHECK(lstat("/proc/self/cwd", &a) == 0 && (a.st_mode & 0777) == 0777, "lstat cwd");
	CHECK(stat("/proc/self/fd", &a) == 0 && (a.st_mode & 07777) == 0500, "fd is mode %o",
	      a.st_mode & 07777);
	printf("cwd, root, exe: links to the cwd, /, the program\n");
}

/* fdget vs fdget_raw: an O_PATH fd names a file and does nothing else. */
static void o_path(void)
{
	int fd = open(dir, O_PATH | O_DIRECTORY);
	CHECK(fd >= 0, "open O_PATH: %s", strerror(errno));
	struct stat st;
	CHECK(fstat(fd, &st) == 0 && S_ISDIR(st.st_mode), "fstat O_PATH: %s", strerror(errno));
	CHECK((fcntl(fd, F_GETFL) & O_PATH) == O_PATH, "F_GETFL lacks O_PATH");
	int d = dup(fd);
	CHECK(d >= 0, "dup O_PATH: %s", strerror(errno));
	close(d);
	CHECK(fchdir(fd) == 0, "fchdir O_PATH: %s", strerror(errno));
	char buf[8];
	/* The system call: musl's fchmod() goes on by /proc/self/fd/N. */
	CHECK_ERRNO(syscall(SYS_fchmod, fd, 0700), EBADF, "fchmod(O_PATH)");
	CHECK_ERRNO(futimens(fd, NULL), EBADF, "futimens(O_PATH)");
	CHECK_ERRNO(fsync(fd), EBADF, "fsync(O_PATH)");
	CHECK_ERRNO(ftruncate(fd, 0), EBADF, "ftruncate(O_PATH)");
	CHECK_ERRNO(read(fd, buf, 1), EBADF, "read(O_PATH)");
	CHECK_ERRNO(write(fd, buf, 1), EBADF, "write(O_PATH)");
	CHECK_ERRNO(lseek(fd, 0, SEEK_SET), EBADF, "lseek(O_PATH)");
	int n;
	CHECK_ERRNO(ioctl(fd, FIONREAD, &n), EBADF, "ioctl(O_PATH)");
	CHECK_ERRNO(fcntl(fd, F_SETFL, O_NONBLOCK), EBADF, "F_SETFL(O_PATH)");
	struct flock fl = {.l_type = F_RDLCK};
	CHECK_ERRNO(fcntl(fd, F_GETLK, &fl), EBADF, "F_GETLK(O_PATH)");
	void *m = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	CHECK(m == MAP_FAILED && errno == EBADF, "mmap(O_PATH): %s", strerror(errno));
	CHECK_ERRNO(syscall(SYS_getdents64, fd, buf, sizeof buf), EBADF, "getdents64(O_PATH)");
	struct stat before, after;
	CHECK(stat(dir, &before) == 0, "stat");
	CHECK(fchmodat(AT_FDCWD, dir, 0700, 0) == 0 && stat(dir, &after) == 0 &&
		      (after.st_mode & 0777) == 0700,
	      "chmod by name: %s", strerror(errno));
	close(fd);
	printf("O_PATH: fstat, dup, F_GETFL, fchdir; EBADF for the rest\n");
}

int main(void)
{
	for (int fd = 3; fd < 256; fd++) /* what the caller left open */
		close(fd);
	snprintf(dir, sizeof dir, "%s/vmemu-procfd-XXXXXX", tmp_dir());
	CHECK(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
	snprintf(file, sizeof file, "%s/file", dir);
	atexit(cleanup);
	list_fds("at start");
	links();
	process_substitution();
	std_links();
	o_path();
	list_fds("at the end");
	return 0;
}
