/* fs_link: the calls on names that make links and change owners and
 * times, on a scratch directory of its own (mkdtemp): creat; link and
 * linkat (AT_SYMLINK_FOLLOW, AT_EMPTY_PATH of an open, O_PATH, O_TMPFILE
 * and unlinked file, the rule that a task that did not open the file
 * needs CAP_DAC_READ_SEARCH, fs.protected_hardlinks without CAP_FOWNER,
 * EEXIST, EXDEV to /proc, a pipe and a memfd, EPERM for a directory,
 * ENOENT); chown, fchown, lchown, fchownat (AT_SYMLINK_NOFOLLOW,
 * AT_EMPTY_PATH), the set-user-ID and set-group-ID bits a chown clears,
 * what a process without CAP_CHOWN (or CAP_FOWNER, CAP_FSETID) may do;
 * utime, utimes, futimesat (the raw calls) and utimensat's corners;
 * renameat2 (RENAME_NOREPLACE, RENAME_EXCHANGE, RENAME_WHITEOUT). Results
 * printed and compared with the native run. */
#include <fcntl.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest_test.h"

#ifndef O_TMPFILE
#define O_TMPFILE (020000000 | O_DIRECTORY)
#endif
#define RENAME_NOREPLACE_ 1
#define RENAME_EXCHANGE_ 2
#define RENAME_WHITEOUT_ 4

/* <linux/capability.h>'s, which musl's toolchain lacks. */
#define CAP_VERSION_3 0x20080522
#define CAP_CHOWN 0
#define CAP_DAC_OVERRIDE 1
#define CAP_DAC_READ_SEARCH 2
#define CAP_FOWNER 3
#define CAP_FSETID 4
struct cap_header {
	uint32_t version;
	int pid;
};
struct cap_data {
	uint32_t effective, permitted, inheritable;
};

static char dir[256];

static const char *at(const char *name)
{
	static char buf[4][512];
	static int i;
	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

static void show(const char *what, long r)
{
	printf("%s: %s\n", what, ret_str(r));
}

static long renameat2_(const char *from, const char *to, unsigned flags)
{
	return syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, flags);
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path) < 0 ? -1 : 0;
}

/* The effective set without the capabilities in drop (0: all back). */
static void caps_drop(uint64_t drop)
{
	struct cap_header h = {CAP_VERSION_3, 0};
	struct cap_data d[2];
	CHECK(syscall(SYS_capget, &h, d) == 0, "capget: %s", strerror(errno));
	uint64_t prm = d[0].permitted | (uint64_t)d[1].permitted << 32;
	uint64_t eff = prm & ~drop;
	d[0].effective = (uint32_t)eff;
	d[1].effective = (uint32_t)(eff >> 32);
	CHECK(syscall(SYS_capset, &h, d) == 0, "capset: %s", strerror(errno));
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0, "open %s: %s", path, strerror(errno));
	CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text), "write %s", path);
	close(fd);
}

static const char *read_file(const char *path)
{
	static char buf[64];
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return "(none)";
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n < 0 ? 0 : n] = 0;
	return buf;
}

static void show_stat(const char *what, const char *path, bool follow)
{
	struct stat st;
	int r = follow ? stat(path, &st) : lstat(path, &st);
	if (r < 0) {
		printf("%s: stat errno %d\n", what, errno);
		return;
	}
	printf("%s: mode %o nlink %ld uid %u gid %u\n", what, (unsigned)st.st_mode, (long)st.st_nlink,
	       (unsigned)st.st_uid, (unsigned)st.st_gid);
}

static void check_creat(void)
{
	umask(022);
	int fd = creat(at("c"), 0666);
	CHECK(fd >= 0, "creat: %s", strerror(errno));
	CHECK(write(fd, "abc", 3) == 3, "write to a creat fd");
	show("read from a creat fd", read(fd, (char[4]){0}, 3));
	close(fd);
	fd = syscall(SYS_creat, at("c"), 0600);
	CHECK(fd >= 0, "creat again: %s", strerror(errno));
	struct stat st;
	CHECK(fstat(fd, &st) == 0, "fstat");
	printf("creat again: size %ld mode %o flags %o\n", (long)st.st_size, (unsigned)st.st_mode,
	       (unsigned)(fcntl(fd, F_GETFL) & O_ACCMODE));
	close(fd);
	show("creat of a directory", syscall(SYS_creat, dir, 0600));
	show("creat in a missing directory", syscall(SYS_creat, at("none/c"), 0600));
	show("creat with a NULL name", syscall(SYS_creat, NULL, 0600));
}

static void check_link(void)
{
	write_file(at("a"), "file a");
	show("link a b", link(at("a"), at("b")));
	show_stat("a after link", at("a"), true);
	struct stat sa, sb;
	CHECK(stat(at("a"), &sa) == 0 && stat(at("b"), &sb) == 0, "stat a, b");
	printf("same inode: %d\n", sa.st_ino == sb.st_ino && sa.st_dev == sb.st_dev);
	show("link a b again", link(at("a"), at("b")));
	show("link a to a directory's name", link(at("a"), dir));
	show("link of a directory", link(dir, at("d")));
	show("link of a missing file", link(at("missing"), at("m")));
	show("link into a missing directory", link(at("a"), at("none/x")));
	show("link to a name with a slash", link(at("a"), at("x/")));
	show("link to .", link(at("a"), at(".")));
	show("link to /proc/self/x", link(at("a"), "/proc/self/x"));
	show("link to /proc/self/status", link(at("a"), "/proc/self/status"));
	show("link of /proc/self/status", link("/proc/self/status", at("p")));
	show("link through a file", link(at("a/x"), at("y")));
	show("link with a NULL name", syscall(SYS_link, at("a"), NULL));

	CHECK(symlink("a", at("s")) == 0, "symlink: %s", strerror(errno));
	show("linkat of the symlink", linkat(AT_FDCWD, at("s"), AT_FDCWD, at("l1"), 0));
	show_stat("l1", at("l1"), false);
	show("linkat following it", linkat(AT_FDCWD, at("s"), AT_FDCWD, at("l2"), AT_SYMLINK_FOLLOW));
	show_stat("l2", at("l2"), false);
	show("linkat bad flags", linkat(AT_FDCWD, at("a"), AT_FDCWD, at("l3"), 0x1));
	int d = open(dir, O_RDONLY | O_DIRECTORY);
	CHECK(d >= 0, "open dir");
	show("linkat by dirfds", linkat(d, "a", d, "l3", 0));
	show("linkat of the dirfd itself", linkat(d, "", d, "l4", AT_EMPTY_PATH));
	show("linkat of the cwd itself", linkat(AT_FDCWD, "", d, "l4", AT_EMPTY_PATH));
	show("linkat of a closed fd", linkat(999, "", d, "l4", AT_EMPTY_PATH));
	int fd = open(at("a"), O_RDONLY);
	show("linkat of an open fd", linkat(fd, "", d, "e1", AT_EMPTY_PATH));
	show("linkat of \"\" without AT_EMPTY_PATH", linkat(fd, "", d, "e2", 0));
	int pfd = open(at("a"), O_PATH);
	show("linkat of an O_PATH fd", linkat(pfd, "", d, "e2", AT_EMPTY_PATH));
	show_stat("a after the links", at("a"), true);
	int t = open(dir, O_TMPFILE | O_RDWR, 0600);
	if (t >= 0) {
		CHECK(write(t, "tmp data", 8) == 8, "write O_TMPFILE");
		show("linkat of an O_TMPFILE fd", linkat(t, "", d, "t", AT_EMPTY_PATH));
		printf("t holds: %s\n", read_file(at("t")));
		close(t);
	}
	write_file(at("gone"), "gone");
	int g = open(at("gone"), O_RDONLY);
	CHECK(unlink(at("gone")) == 0, "unlink gone");
	show("linkat of an unlinked file", linkat(g, "", d, "gone2", AT_EMPTY_PATH));
	close(g);
	int p[2];
	CHECK(pipe(p) == 0, "pipe");
	show("linkat of a pipe", linkat(p[0], "", d, "pipe", AT_EMPTY_PATH));
	close(p[0]);
	close(p[1]);
	int m = (int)syscall(SYS_memfd_create, "m", 0);
	show("linkat of a memfd", linkat(m, "", d, "memfd", AT_EMPTY_PATH));
	close(m);

	/* AT_EMPTY_PATH without CAP_DAC_READ_SEARCH: only a file these very
	 * credentials opened (capset made new ones; so does fork). */
	caps_drop(1ULL << CAP_DAC_READ_SEARCH);
	show("no CAP_DAC_READ_SEARCH: linkat of an older fd", linkat(fd, "", d, "e3", AT_EMPTY_PATH));
	show("no CAP_DAC_READ_SEARCH: linkat of a name", linkat(d, "a", d, "e3", AT_EMPTY_PATH));
	int fd2 = open(at("a"), O_RDONLY);
	show("no CAP_DAC_READ_SEARCH: linkat of a new fd", linkat(fd2, "", d, "e4", AT_EMPTY_PATH));
	pid_t pid = fork();
	CHECK(pid >= 0, "fork");
	if (pid == 0) {
		int r = linkat(fd2, "", d, "e5", AT_EMPTY_PATH) == -1 && errno == ENOENT;
		int fd3 = open(at("a"), O_RDONLY);
		r |= (linkat(fd3, "", d, "e6", AT_EMPTY_PATH) == 0) << 1;
		_exit(r);
	}
	int status;
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status), "waitpid");
	printf("child: parent's fd ENOENT %d, its own linked %d\n", WEXITSTATUS(status) & 1,
	       WEXITSTATUS(status) >> 1);
	caps_drop(0);
	close(fd2);
	close(fd);
	close(pfd);

	/* fs.protected_hardlinks: another's file without CAP_FOWNER. */
	write_file(at("other"), "other");
	CHECK(chown(at("other"), 1234, 1234) == 0, "chown other");
	CHECK(chmod(at("other"), 0600) == 0, "chmod other");
	caps_drop(1ULL << CAP_FOWNER | 1ULL << CAP_DAC_OVERRIDE | 1ULL << CAP_DAC_READ_SEARCH);
	show("another's 0600 file, no CAP_FOWNER", link(at("other"), at("o1")));
	caps_drop(0);
	CHECK(chmod(at("other"), 0666) == 0, "chmod other");
	caps_drop(1ULL << CAP_FOWNER | 1ULL << CAP_DAC_OVERRIDE | 1ULL << CAP_DAC_READ_SEARCH);
	show("another's 0666 file, no CAP_FOWNER", link(at("other"), at("o2")));
	show("to an existing name, no CAP_FOWNER", link(at("other"), at("a")));
	caps_drop(0);
	CHECK(chmod(at("other"), 04666) == 0, "chmod other");
	caps_drop(1ULL << CAP_FOWNER);
	show("another's set-user-ID file, no CAP_FOWNER", link(at("other"), at("o3")));
	caps_drop(0);
	show("another's set-user-ID file, CAP_FOWNER", link(at("other"), at("o3")));
	close(d);
}

static void check_chown(void)
{
	write_file(at("f"), "f");
	CHECK(mkdir(at("dir"), 0755) == 0, "mkdir");
	CHECK(symlink("f", at("sf")) == 0, "symlink");
	show("chown f 1234 5678", chown(at("f"), 1234, 5678));
	show_stat("f", at("f"), true);
	show("chown f -1 -1", chown(at("f"), -1, -1));
	show_stat("f", at("f"), true);
	int fd = open(at("f"), O_RDWR);
	show("fchown f 0 -1", fchown(fd, 0, -1));
	show_stat("f", at("f"), true);
	show("lchown sf 1111 2222", lchown(at("sf"), 1111, 2222));
	show_stat("sf", at("sf"), false);
	show_stat("f", at("f"), true);
	show("chown through sf", chown(at("sf"), 3, 4));
	show_stat("f", at("f"), true);
	int d = open(dir, O_RDONLY | O_DIRECTORY);
	show("fchownat sf NOFOLLOW", fchownat(d, "sf", 3333, -1, AT_SYMLINK_NOFOLLOW));
	show_stat("sf", at("sf"), false);
	show("fchownat fd \"\" EMPTY_PATH", fchownat(fd, "", 7, 8, AT_EMPTY_PATH));
	show_stat("f", at("f"), true);
	show("fchownat \"\" without EMPTY_PATH", fchownat(fd, "", 7, 8, 0));
	show("fchownat bad flags", fchownat(d, "f", 7, 8, 0x200));
	show("chown of a missing file", chown(at("missing"), 0, 0));
	int pfd = open(at("f"), O_PATH);
	show("fchown of an O_PATH fd", fchown(pfd, 0, 0));
	show("fchownat of an O_PATH fd", fchownat(pfd, "", 0, 0, AT_EMPTY_PATH));
	show_stat("f", at("f"), true);
	close(pfd);
	int p[2];
	CHECK(pipe(p) == 0, "pipe");
	show("fchown of a pipe", fchown(p[0], 0, 0));
	show("fchmod of a pipe", fchmod(p[0], 0600));
	show("futimens of a pipe", futimens(p[0], NULL));
	close(p[0]);
	close(p[1]);
	show("chown /proc/self/status", chown("/proc/self/status", 0, 0));
	show("fchown of a closed fd", fchown(999, 0, 0));

	/* What a chown clears: set-user-ID, and set-group-ID with group
	 * execute, of a file, not a directory. */
	static const unsigned modes[] = {04755, 02755, 02745, 06755};
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		CHECK(chmod(at("f"), modes[i]) == 0, "chmod");
		CHECK(chown(at("f"), -1, -1) == 0, "chown -1 -1: %s", strerror(errno));
		struct stat st;
		CHECK(stat(at("f"), &st) == 0, "stat");
		printf("chown -1 -1 of mode %o: %o\n", modes[i], (unsigned)st.st_mode & 07777);
	}
	CHECK(chmod(at("dir"), 06755) == 0, "chmod dir");
	CHECK(chown(at("dir"), -1, -1) == 0, "chown dir");
	show_stat("dir after chown -1 -1", at("dir"), true);

	/* Without CAP_CHOWN: only what an owner may. */
	CHECK(fchown(fd, 0, 0) == 0 && fchmod(fd, 0644) == 0, "reset f");
	write_file(at("g"), "g");
	CHECK(chown(at("g"), 1234, 1234) == 0, "chown g");
	caps_drop(1ULL << CAP_CHOWN);
	show("no CAP_CHOWN: chown own file to itself", chown(at("f"), 0, -1));
	show("no CAP_CHOWN: chown own file away", chown(at("f"), 1234, -1));
	show("no CAP_CHOWN: chgrp own file to own group", chown(at("f"), -1, getegid()));
	show("no CAP_CHOWN: chgrp own file to another group", chown(at("f"), -1, 4321));
	show("no CAP_CHOWN: chown -1 -1 of another's file", chown(at("g"), -1, -1));
	show("no CAP_CHOWN: chgrp another's file", chown(at("g"), -1, 1234));
	show("no CAP_CHOWN: chown another's file to it", chown(at("g"), 1234, -1));
	show("no CAP_CHOWN: fchown own file", fchown(fd, -1, 0));
	show_stat("f", at("f"), true);
	caps_drop(0);
	CHECK(chmod(at("g"), 04755) == 0, "chmod g");
	caps_drop(1ULL << CAP_CHOWN | 1ULL << CAP_FOWNER);
	show("no CAP_CHOWN, CAP_FOWNER: chown -1 -1 of another's setuid file", chown(at("g"), -1, -1));
	caps_drop(1ULL << CAP_CHOWN);
	show("no CAP_CHOWN: chown -1 -1 of another's setuid file", chown(at("g"), -1, -1));
	show_stat("g", at("g"), true);
	caps_drop(0);

	/* Without CAP_FSETID, set-group-ID goes unless the caller is in the group. */
	CHECK(chown(at("f"), 0, 4321) == 0 && chmod(at("f"), 02745) == 0, "prepare f");
	caps_drop(1ULL << CAP_FSETID);
	show("no CAP_FSETID: chown -1 -1 of another group's sgid file", chown(at("f"), -1, -1));
	show_stat("f", at("f"), true);
	caps_drop(0);
	CHECK(chown(at("f"), 0, getegid()) == 0 && chmod(at("f"), 06745) == 0, "prepare f");
	caps_drop(1ULL << CAP_FSETID);
	show("no CAP_FSETID: chgrp of a setuid sgid file to another group", chown(at("f"), -1, 4321));
	show_stat("f", at("f"), true);
	caps_drop(0);
	close(fd);
	close(d);
}

static void show_times(const char *what, const char *path)
{
	struct stat st;
	CHECK(stat(path, &st) == 0, "stat %s", path);
	printf("%s: atime %ld.%09ld mtime %ld.%09ld\n", what, (long)st.st_atim.tv_sec,
	       (long)st.st_atim.tv_nsec, (long)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec);
}

static void check_times(void)
{
	write_file(at("u"), "u");
	long ut[2] = {1000, 2000};
	show("utime", syscall(SYS_utime, at("u"), ut));
	show_times("u", at("u"));
	struct timeval tv[2] = {{3000, 5}, {4000, 999999}};
	show("utimes", syscall(SYS_utimes, at("u"), tv));
	show_times("u", at("u"));
	struct timeval bad[2] = {{1, 1000000}, {2, 0}};
	show("utimes usec 1000000", syscall(SYS_utimes, at("u"), bad));
	bad[0].tv_usec = -1;
	show("utimes usec -1", syscall(SYS_utimes, at("u"), bad));
	int d = open(dir, O_RDONLY | O_DIRECTORY);
	tv[0].tv_sec = 5000;
	show("futimesat dirfd name", syscall(SYS_futimesat, d, "u", tv));
	show_times("u", at("u"));
	int fd = open(at("u"), O_RDONLY);
	tv[1].tv_sec = 6000;
	show("futimesat fd NULL", syscall(SYS_futimesat, fd, NULL, tv));
	show_times("u", at("u"));
	show("futimesat AT_FDCWD NULL", syscall(SYS_futimesat, AT_FDCWD, NULL, NULL));
	show("futimesat bad times pointer", syscall(SYS_futimesat, d, "u", (void *)8));
	show("utime missing", syscall(SYS_utime, at("missing"), ut));
	show("utime bad buf", syscall(SYS_utime, at("u"), (void *)8));
	show("utime now", syscall(SYS_utime, at("u"), NULL));
	show("utimes now", syscall(SYS_utimes, at("u"), NULL));
	show("utime again", syscall(SYS_utime, at("u"), ut));
	int pfd = open(at("u"), O_PATH);
	show("futimesat O_PATH fd NULL", syscall(SYS_futimesat, pfd, NULL, NULL));
	struct timespec omit[2] = {{0, UTIME_OMIT}, {0, UTIME_OMIT}};
	show("utimensat OMIT OMIT of a missing name", utimensat(d, "missing", omit, 0));
	show("utimensat fd NULL with flags", syscall(SYS_utimensat, fd, NULL, NULL, AT_SYMLINK_NOFOLLOW));
	struct timespec badns[2] = {{1, 1000000000}, {0, UTIME_OMIT}};
	show("utimensat nsec 1e9", utimensat(d, "u", badns, 0));
	struct timespec keep[2] = {{7000, 7}, {0, UTIME_OMIT}};
	CHECK(symlink("u", at("su")) == 0, "symlink su");
	show("utimensat through a symlink", utimensat(d, "su", keep, 0));
	show_times("u", at("u"));
	close(pfd);
	close(fd);
	close(d);
}

static void check_renameat2(void)
{
	write_file(at("r1"), "one");
	write_file(at("r2"), "two");
	show("NOREPLACE onto a file", renameat2_(at("r1"), at("r2"), RENAME_NOREPLACE_));
	show("NOREPLACE onto .", renameat2_(at("r1"), at("."), RENAME_NOREPLACE_));
	show("NOREPLACE onto a new name", renameat2_(at("r1"), at("r3"), RENAME_NOREPLACE_));
	show("EXCHANGE", renameat2_(at("r2"), at("r3"), RENAME_EXCHANGE_));
	printf("r2 %s, ", read_file(at("r2")));
	printf("r3 %s\n", read_file(at("r3")));
	show("EXCHANGE with a missing one", renameat2_(at("r2"), at("r9"), RENAME_EXCHANGE_));
	show("EXCHANGE | NOREPLACE", renameat2_(at("r2"), at("r3"), RENAME_EXCHANGE_ | RENAME_NOREPLACE_));
	show("WHITEOUT | EXCHANGE", renameat2_(at("r2"), at("r3"), RENAME_EXCHANGE_ | RENAME_WHITEOUT_));
	show("unknown flag", renameat2_(at("r2"), at("r3"), 8));
	show("flags 0", renameat2_(at("r3"), at("r4"), 0));
	long r = renameat2_(at("r2"), at("r5"), RENAME_WHITEOUT_);
	show("WHITEOUT", r);
	struct stat st;
	if (r == 0 && lstat(at("r2"), &st) == 0)
		printf("whiteout: char device %d, rdev %u:%u\n", S_ISCHR(st.st_mode),
		       major(st.st_rdev), minor(st.st_rdev));
	show("NOREPLACE into /proc", renameat2_(at("r4"), "/proc/self/x", RENAME_NOREPLACE_));
}

int main(void)
{
	snprintf(dir, sizeof(dir), "%s/fs_link.XXXXXX", tmp_dir());
	CHECK(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
	check_creat();
	check_link();
	check_chown();
	check_times();
	check_renameat2();
	CHECK(nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS) == 0, "remove %s: %s", dir,
	      strerror(errno));
	return 0;
}
