/* fs_openat2.c - openat2(2): struct open_how's size rules (EINVAL below
 * version 0, E2BIG above a page or with a non-zero tail, EFAULT), its flag,
 * mode and resolve checks, and each RESOLVE_* flag on a scratch tree:
 * RESOLVE_BENEATH (EXDEV for "..", absolute names and symlinks, magic
 * links), RESOLVE_IN_ROOT (the dirfd is "/" and ".." stays there),
 * RESOLVE_NO_SYMLINKS, RESOLVE_NO_MAGICLINKS (ELOOP; O_PATH|O_NOFOLLOW
 * still opens the link), RESOLVE_NO_XDEV (EXDEV into /proc), RESOLVE_CACHED
 * (EAGAIN for O_CREAT and O_TRUNC). Which file was opened is checked by
 * its inode. */
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "guest_test.h"

struct how {
	uint64_t flags, mode, resolve;
};
#define NO_XDEV 0x01
#define NO_MAGICLINKS 0x02
#define NO_SYMLINKS 0x04
#define BENEATH 0x08
#define IN_ROOT 0x10
#define CACHED 0x20
#define SYS_OPENAT2 437

static long openat2_raw(int dirfd, const char *path, const void *how, size_t size)
{
	return syscall(SYS_OPENAT2, dirfd, path, how, size);
}

static int open2(int dirfd, const char *path, uint64_t flags, uint64_t resolve)
{
	struct how h = {.flags = flags, .resolve = resolve};
	return (int)openat2_raw(dirfd, path, &h, sizeof(h));
}

static int dfd;
static ino_t ino_of(const char *name)
{
	struct stat st;
	CHECK(fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0, "fstatat %s: %s", name,
	      strerror(errno));
	return st.st_ino;
}

/* openat2(dfd, path, O_PATH | extra, resolve) opens what want names. */
static void opens(const char *path, uint64_t extra, uint64_t resolve, const char *want)
{
	int fd = open2(dfd, path, O_PATH | extra, resolve);
	CHECK(fd >= 0, "openat2 %s resolve %#lx: %s", path, (unsigned long)resolve,
	      strerror(errno));
	struct stat st;
	CHECK(fstat(fd, &st) == 0, "fstat");
	CHECK(st.st_ino == ino_of(want), "openat2 %s resolve %#lx: not %s", path,
	      (unsigned long)resolve, want);
	close(fd);
}

static void fails(const char *path, uint64_t flags, uint64_t resolve, int err)
{
	int fd = open2(dfd, path, flags, resolve);
	char what[PATH_MAX + 64];
	snprintf(what, sizeof(what), "openat2 %s resolve %#lx", path, (unsigned long)resolve);
	CHECK_ERRNO(fd, err, what);
}

static void struct_rules(void)
{
	unsigned char big[4096 + 8] = {0};
	CHECK_ERRNO(openat2_raw(dfd, ".", big, 0), EINVAL, "size 0");
	CHECK_ERRNO(openat2_raw(dfd, ".", big, 23), EINVAL, "size 23");
	CHECK_ERRNO(openat2_raw(dfd, ".", big, 4097), E2BIG, "size 4097");
	int fd = (int)openat2_raw(dfd, ".", big, 4096); /* zero tail: fine */
	CHECK(fd >= 0, "size 4096 with a zero tail: %s", strerror(errno));
	close(fd);
	big[4095] = 1;
	CHECK_ERRNO(openat2_raw(dfd, ".", big, 4096), E2BIG, "non-zero tail");
	CHECK_ERRNO(openat2_raw(dfd, ".", NULL, 24), EFAULT, "NULL how");
	struct how h = {.flags = O_RDONLY};
	CHECK_ERRNO(openat2_raw(dfd, NULL, &h, 24), EFAULT, "NULL path");
	/* the flags are checked before the path is read */
	h.flags = O_PATH | O_RDWR;
	CHECK_ERRNO(openat2_raw(dfd, NULL, &h, 24), EINVAL, "O_PATH|O_RDWR, NULL path");
}

static void flag_rules(void)
{
	struct how h = {.flags = O_RDONLY, .mode = 0600};
	CHECK_ERRNO(openat2_raw(dfd, "f", &h, sizeof(h)), EINVAL, "mode without O_CREAT");
	h = (struct how){.flags = O_CREAT | O_WRONLY, .mode = 010000};
	CHECK_ERRNO(openat2_raw(dfd, "new", &h, sizeof(h)), EINVAL, "mode 010000");
	h = (struct how){.flags = 1ULL << 40};
	CHECK_ERRNO(openat2_raw(dfd, "f", &h, sizeof(h)), EINVAL, "flag bit 40");
	h = (struct how){.flags = O_RDONLY, .resolve = 0x40};
	CHECK_ERRNO(openat2_raw(dfd, "f", &h, sizeof(h)), EINVAL, "resolve 0x40");
	fails("f", O_RDONLY, BENEATH | IN_ROOT, EINVAL);
	fails("f", O_PATH | O_CREAT, 0, EINVAL);
	fails("f", O_TMPFILE | O_RDONLY, 0, EINVAL);
	fails("f", O_RDWR | O_TRUNC, CACHED, EAGAIN);
	fails("new", O_RDWR | O_CREAT, CACHED, EAGAIN);
	/* O_NOFOLLOW shows in F_GETFL, as asked */
	int fd = open2(dfd, "f", O_RDONLY | O_NOFOLLOW, 0);
	CHECK(fd >= 0 && (fcntl(fd, F_GETFL) & O_NOFOLLOW), "F_GETFL O_NOFOLLOW");
	close(fd);
	fd = open2(dfd, "f", O_RDONLY, 0);
	CHECK(fd >= 0 && !(fcntl(fd, F_GETFL) & O_NOFOLLOW), "F_GETFL without O_NOFOLLOW");
	close(fd);
	fd = open2(dfd, ".", O_PATH | O_NOFOLLOW | O_CLOEXEC, 0);
	CHECK(fd >= 0 && fcntl(fd, F_GETFL) == (O_PATH | O_NOFOLLOW), "F_GETFL of O_PATH");
	CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC, "O_CLOEXEC");
	close(fd);
}

int main(void)
{
	char top[PATH_MAX];
	snprintf(top, sizeof(top), "%s/openat2.XXXXXX", tmp_dir());
	CHECK(mkdtemp(top), "mkdtemp: %s", strerror(errno));
	dfd = open(top, O_PATH | O_DIRECTORY);
	CHECK(dfd >= 0, "open top");
	/* top/ { f, a/ { g, b/ }, rel -> a, abs -> /, up -> .., root_f -> /f,
	 *        loop -> a/b/../../up/f, self_fd -> /proc/self/fd/<dfd> } */
	CHECK(close(openat(dfd, "f", O_CREAT | O_WRONLY, 0600)) == 0, "create f");
	CHECK(mkdirat(dfd, "a", 0700) == 0 && mkdirat(dfd, "a/b", 0700) == 0, "mkdir");
	CHECK(close(openat(dfd, "a/g", O_CREAT | O_WRONLY, 0600)) == 0, "create a/g");
	CHECK(symlinkat("a", dfd, "rel") == 0 && symlinkat("/", dfd, "abs") == 0 &&
		      symlinkat("..", dfd, "up") == 0 && symlinkat("/f", dfd, "root_f") == 0,
	      "symlinks");
	char self_fd[64];
	snprintf(self_fd, sizeof(self_fd), "/proc/self/fd/%d", dfd);
	CHECK(symlinkat(self_fd, dfd, "self_fd") == 0, "symlink self_fd");

	struct_rules();
	flag_rules();

	/* plain openat2 as openat */
	opens("rel/g", 0, 0, "a/g");
	opens("a/b/../../f", 0, 0, "f");

	/* RESOLVE_BENEATH */
	opens("a/b/../g", 0, BENEATH, "a/g");
	opens("rel/b/../../f", 0, BENEATH, "f");
	opens(".", 0, BENEATH, ".");
	fails("..", O_PATH, BENEATH, EXDEV);
	fails("a/../../f", O_PATH, BENEATH, EXDEV);
	fails("up/f", O_PATH, BENEATH, EXDEV);
	fails("/", O_PATH, BENEATH, EXDEV);
	fails("abs", O_PATH, BENEATH, EXDEV);
	fails("root_f", O_RDONLY, BENEATH, EXDEV);
	fails("self_fd", O_PATH, BENEATH, EXDEV);
	opens("abs", O_NOFOLLOW, BENEATH, "abs"); /* the link itself */

	/* RESOLVE_IN_ROOT: "/" and ".." at the top are the dirfd */
	opens("..", 0, IN_ROOT, ".");
	opens("../../f", 0, IN_ROOT, "f");
	opens("/f", 0, IN_ROOT, "f");
	opens("abs", 0, IN_ROOT, ".");
	opens("abs/a/g", 0, IN_ROOT, "a/g");
	opens("root_f", 0, IN_ROOT, "f");
	opens("up/up/a/g", 0, IN_ROOT, "a/g");
	fails("self_fd", O_PATH, IN_ROOT, ENOENT); /* top/proc/... */
	fails("/nonexistent", O_PATH, IN_ROOT, ENOENT);

	/* RESOLVE_NO_SYMLINKS, RESOLVE_NO_MAGICLINKS */
	opens("a/g", 0, NO_SYMLINKS, "a/g");
	fails("rel/g", O_PATH, NO_SYMLINKS, ELOOP);
	fails("rel", O_RDONLY, NO_SYMLINKS, ELOOP);
	opens("rel", O_NOFOLLOW, NO_SYMLINKS, "rel");
	fails("self_fd", O_PATH, NO_SYMLINKS, ELOOP);
	opens("rel/g", 0, NO_MAGICLINKS, "a/g");
	fails(self_fd, O_PATH, NO_MAGICLINKS, ELOOP);
	fails("self_fd", O_RDONLY, NO_MAGICLINKS, ELOOP);
	int fd = open2(AT_FDCWD, self_fd, O_PATH | O_NOFOLLOW, NO_MAGICLINKS);
	CHECK(fd >= 0, "O_PATH|O_NOFOLLOW of a magic link: %s", strerror(errno));
	close(fd);
	fd = open2(AT_FDCWD, "/proc/self/status", O_RDONLY, NO_MAGICLINKS);
	CHECK(fd >= 0, "/proc/self (not a magic link) with NO_MAGICLINKS: %s", strerror(errno));
	close(fd);
	opens(self_fd, 0, 0, ".");

	/* RESOLVE_NO_XDEV: /proc is another mount */
	opens("a/b/../../rel/g", 0, NO_XDEV, "a/g");
	fd = open2(AT_FDCWD, "/proc/self/status", O_RDONLY, NO_XDEV);
	CHECK_ERRNO(fd, EXDEV, "/proc/self/status NO_XDEV");
	fd = open2(AT_FDCWD, "/proc", O_PATH, NO_XDEV);
	CHECK_ERRNO(fd, EXDEV, "/proc NO_XDEV");
	int proc = open("/proc", O_PATH | O_DIRECTORY);
	CHECK(proc >= 0, "open /proc");
	CHECK_ERRNO(open2(proc, "..", O_PATH, NO_XDEV), EXDEV, "/proc/.. NO_XDEV");
	fd = open2(proc, "self/status", O_RDONLY, NO_XDEV);
	CHECK(fd >= 0, "self/status in /proc NO_XDEV: %s", strerror(errno));
	close(fd);
	fails("self_fd", O_PATH, NO_XDEV, EXDEV);
	close(proc);

	/* RESOLVE_CACHED: a name just made is in the cache */
	opens("a/g", 0, CACHED, "a/g");

	/* clean up */
	const char *names[] = {"self_fd", "root_f", "up", "abs", "rel", "a/g", "f"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		CHECK(unlinkat(dfd, names[i], 0) == 0, "unlink %s", names[i]);
	CHECK(unlinkat(dfd, "a/b", AT_REMOVEDIR) == 0 && unlinkat(dfd, "a", AT_REMOVEDIR) == 0,
	      "rmdir");
	CHECK(rmdir(top) == 0, "rmdir top");
	puts("openat2 ok");
	return 0;
}
