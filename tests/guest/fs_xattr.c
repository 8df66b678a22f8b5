/* fs_xattr.c - extended attributes, all twelve calls, on a scratch
 * directory of its own (mkdtemp): set, get, list and remove on a file
 * (XATTR_CREATE, XATTR_REPLACE, the size query, ERANGE, E2BIG, EINVAL,
 * an empty name), on a symlink itself (user.* EPERM, trusted.* taken), by
 * fd (O_PATH EBADF); the kernel's own files: a memfd keeps user, trusted
 * and security attributes in memory, in the order they were made; a pipe
 * and a socket take none (user.* EPERM), a socket lists and answers
 * system.sockprotoname (UNIX-STREAM, UNIX, TCP, UDP, TCPv6, UDPv6); /proc
 * has none. A child that gives up root: no
 * user.* on root's 0644 file (EACCES), trusted.* EPERM, hidden from its
 * list. Prints each answer for the native comparison and checks the
 * values that come back. */
#include <fcntl.h>
#include <ftw.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "guest_test.h"

static char dir[256];

static const char *at(const char *name)
{
	static char path[2][512];
	static int i;
	i ^= 1;
	snprintf(path[i], sizeof(path[i]), "%s/%s", dir, name);
	return path[i];
}

static void show(const char *what, long r)
{
	printf("%s: %ld %s\n", what, r, r < 0 ? strerror(errno) : "ok");
}

/* A list's names, comma-separated, or the error. */
static void show_list(const char *what, long n, const char *list)
{
	if (n < 0) {
		show(what, n);
		return;
	}
	printf("%s: %ld [", what, n);
	for (long i = 0; i < n; i += (long)strlen(list + i) + 1)
		printf("%s%s", i ? "," : "", list + i);
	printf("]\n");
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path) < 0 ? -1 : 0;
}

static void check_file(void)
{
	char f[512];
	snprintf(f, sizeof(f), "%s", at("f"));
	int fd = open(f, O_CREAT | O_WRONLY, 0644);
	CHECK(fd >= 0, "creat: %s", strerror(errno));
	char buf[64], list[256];
	/* A file system without user.* attributes (tmpfs before Linux 6.6)
	 * answers EOPNOTSUPP: the values are checked where it has them. */
	long made = setxattr(f, "user.a", "12", 2, 0);
	show("set user.a", made);
	show("set user.a CREATE", setxattr(f, "user.a", "34", 2, XATTR_CREATE));
	show("set user.b REPLACE", setxattr(f, "user.b", "34", 2, XATTR_REPLACE));
	show("set user.a REPLACE", setxattr(f, "user.a", "345", 3, XATTR_REPLACE));
	show("set flags 4", setxattr(f, "user.b", "1", 1, 4));
	show("set empty name", setxattr(f, "", "1", 1, 0));
	show("set no namespace", setxattr(f, "foo", "1", 1, 0));
	/* Raw calls: the checks come before the value is read. */
	show("set 65537 bytes", syscall(SYS_setxattr, f, "user.c", NULL, 65537, 0));
	show("set bad value", syscall(SYS_setxattr, f, "user.c", 8, 4, 0));
	show("set empty value", fsetxattr(fd, "user.e", "", 0, 0));
	show("set trusted.t", setxattr(f, "trusted.t", "t", 1, 0));
	long n = getxattr(f, "user.a", buf, sizeof(buf));
	show("get user.a", n);
	CHECK(made < 0 || (n == 3 && memcmp(buf, "345", 3) == 0), "user.a reads %ld bytes", n);
	show("get user.a size", getxattr(f, "user.a", NULL, 0));
	show("get user.a 2 bytes", getxattr(f, "user.a", buf, 2));
	show("get user.e", fgetxattr(fd, "user.e", buf, sizeof(buf)));
	show("get user.none", getxattr(f, "user.none", buf, sizeof(buf)));
	n = listxattr(f, list, sizeof(list));
	show_list("list", n, list);
	CHECK(made < 0 || (n > 0 && memmem(list, (size_t)n, "user.a", 7)), "user.a not listed");
	show("list size", listxattr(f, NULL, 0));
	show("list 3 bytes", listxattr(f, list, 3));
	show("flist", flistxattr(fd, list, sizeof(list)));
	show("remove user.a", removexattr(f, "user.a"));
	show("remove user.a again", removexattr(f, "user.a"));
	show("fremove user.e", fremovexattr(fd, "user.e"));
	show("remove empty name", removexattr(f, ""));
	show("remove missing file", removexattr(at("none"), "user.a"));
	show("list missing file", listxattr(at("none"), list, sizeof(list)));
	n = listxattr(f, list, sizeof(list));
	show_list("list after", n, list);
	CHECK(n < 0 || !memmem(list, (size_t)n, "user.a", 7), "user.a still listed");
	int opath = open(f, O_PATH);
	CHECK(opath >= 0, "O_PATH: %s", strerror(errno));
	show("fset O_PATH", fsetxattr(opath, "user.x", "1", 1, 0));
	show("flist O_PATH", flistxattr(opath, list, sizeof(list)));
	show("fset bad fd", fsetxattr(99, "user.x", "1", 1, 0));
	close(opath);
	close(fd);
}

static void check_symlink(void)
{
	char l[512];
	snprintf(l, sizeof(l), "%s", at("l"));
	CHECK(symlink("f", l) == 0, "symlink: %s", strerror(errno));
	char list[256];
	show("lset user.a", lsetxattr(l, "user.a", "1", 1, 0));
	show("lset trusted.l", lsetxattr(l, "trusted.l", "1", 1, 0));
	long n = llistxattr(l, list, sizeof(list));
	show_list("llist", n, list);
	show("lget trusted.l", lgetxattr(l, "trusted.l", list, sizeof(list)));
	show("get trusted.l through", getxattr(l, "trusted.l", list, sizeof(list)));
	show("lremove trusted.l", lremovexattr(l, "trusted.l"));
	show("set through the symlink", setxattr(l, "user.s", "s", 1, 0));
	show("get on the target", getxattr(at("f"), "user.s", list, sizeof(list)));
	show("lremove user.s on symlink", lremovexattr(l, "user.s"));
}

static void check_memfd(void)
{
	int fd = memfd_create("x", 0);
	CHECK(fd >= 0, "memfd_create: %s", strerror(errno));
	char buf[64], list[256];
	show("memfd set user.a", fsetxattr(fd, "user.a", "1", 1, 0));
	show("memfd set trusted.a", fsetxattr(fd, "trusted.a", "22", 2, 0));
	show("memfd set security.a", fsetxattr(fd, "security.a", "333", 3, 0));
	show("memfd set foo.a", fsetxattr(fd, "foo.a", "1", 1, 0));
	show("memfd set user.a CREATE", fsetxattr(fd, "user.a", "1", 1, XATTR_CREATE));
	show("memfd set user.b REPLACE", fsetxattr(fd, "user.b", "1", 1, XATTR_REPLACE));
	show("memfd set trusted.a REPLACE", fsetxattr(fd, "trusted.a", "4444", 4, XATTR_REPLACE));
	long n = fgetxattr(fd, "trusted.a", buf, sizeof(buf));
	show("memfd get trusted.a", n);
	CHECK(n == 4 && memcmp(buf, "4444", 4) == 0, "trusted.a reads %ld bytes", n);
	show("memfd get user.none", fgetxattr(fd, "user.none", buf, sizeof(buf)));
	show("memfd get small", fgetxattr(fd, "security.a", buf, 1));
	show_list("memfd list", flistxattr(fd, list, sizeof(list)), list);
	show("memfd remove user.a", fremovexattr(fd, "user.a"));
	show("memfd remove user.b", fremovexattr(fd, "user.b"));
	n = flistxattr(fd, list, sizeof(list));
	show_list("memfd list after", n, list);
	CHECK(n < 0 || !memmem(list, (size_t)n, "user.a", 7), "user.a still listed");
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	show("memfd get by /proc/self/fd", getxattr(path, "security.a", buf, sizeof(buf)));
	close(fd);
}

static void check_pseudo(void)
{
	int p[2], s[2];
	char buf[64], list[256];
	CHECK(pipe(p) == 0, "pipe: %s", strerror(errno));
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, s) == 0, "socketpair: %s", strerror(errno));
	show_list("pipe list", flistxattr(p[0], list, sizeof(list)), list);
	show("pipe set user.a", fsetxattr(p[0], "user.a", "1", 1, 0));
	show("pipe set trusted.a", fsetxattr(p[0], "trusted.a", "1", 1, 0));
	show("pipe remove user.a", fremovexattr(p[0], "user.a"));
	show_list("socket list", flistxattr(s[0], list, sizeof(list)), list);
	long n = fgetxattr(s[0], "system.sockprotoname", buf, sizeof(buf));
	show("socket protocol", n);
	CHECK(n > 0 && strcmp(buf, "UNIX-STREAM") == 0, "sockprotoname %.*s", (int)n, buf);
	show("socket set user.a", fsetxattr(s[0], "user.a", "1", 1, 0));
	show("socket set security.a", fsetxattr(s[0], "security.a", "1", 1, 0));
	int d = socket(AF_UNIX, SOCK_DGRAM, 0);
	CHECK(d >= 0, "socket: %s", strerror(errno));
	n = fgetxattr(d, "system.sockprotoname", buf, sizeof(buf));
	CHECK(n > 0 && strcmp(buf, "UNIX") == 0, "datagram sockprotoname %.*s", (int)n, buf);
	/* Loopback sockets (a native run may have no network namespace of its
	 * own: making a socket needs none). */
	static const struct {
		int family, type;
		const char *name;
	} inet[] = {{AF_INET, SOCK_STREAM, "TCP"}, {AF_INET, SOCK_DGRAM, "UDP"},
		    {AF_INET6, SOCK_STREAM, "TCPv6"}, {AF_INET6, SOCK_DGRAM, "UDPv6"}};
	for (size_t i = 0; i < sizeof(inet) / sizeof(inet[0]); i++) {
		int fd = socket(inet[i].family, inet[i].type, 0);
		CHECK(fd >= 0, "socket %s: %s", inet[i].name, strerror(errno));
		n = fgetxattr(fd, "system.sockprotoname", buf, sizeof(buf));
		CHECK(n > 0 && strcmp(buf, inet[i].name) == 0, "%s sockprotoname %.*s", inet[i].name,
		      (int)n, buf);
		close(fd);
	}
	show_list("/proc list", listxattr("/proc/self/status", list, sizeof(list)), list);
	show("/proc set", setxattr("/proc/self/status", "user.a", "1", 1, 0));
	show("/proc remove", removexattr("/proc/self/status", "user.a"));
	show_list("/proc dir list", listxattr("/proc/self", list, sizeof(list)), list);
}

/* A child that gives up root, on root's files. */
static void check_unprivileged(void)
{
	pid_t pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		char list[256];
		CHECK(setresuid(65534, 65534, 65534) == 0, "setresuid: %s", strerror(errno));
		show("nobody set user on root's file", setxattr(at("f"), "user.n", "1", 1, 0));
		show("nobody set trusted", setxattr(at("f"), "trusted.n", "1", 1, 0));
		show("nobody get trusted", getxattr(at("f"), "trusted.t", list, sizeof(list)));
		long n = listxattr(at("f"), list, sizeof(list));
		show_list("nobody list", n, list);
		CHECK(n < 0 || !memmem(list, (size_t)n, "trusted.t", 10), "trusted.t listed");
		int fd = memfd_create("n", 0);
		show("nobody memfd set user", fsetxattr(fd, "user.a", "1", 1, 0));
		show("nobody memfd set trusted", fsetxattr(fd, "trusted.a", "1", 1, 0));
		show_list("nobody memfd list", flistxattr(fd, list, sizeof(list)), list);
		fflush(stdout);
		_exit(0);
	}
	int status;
	CHECK(waitpid(pid, &status, 0) == pid && status == 0, "child status %#x", status);
}

int main(void)
{
	snprintf(dir, sizeof(dir), "%s/fs_xattr.XXXXXX", tmp_dir());
	CHECK(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
	CHECK(chmod(dir, 0755) == 0, "chmod: %s", strerror(errno));
	check_file();
	check_symlink();
	check_memfd();
	check_pseudo();
	fflush(stdout);
	if (geteuid() == 0)
		check_unprivileged();
	CHECK(nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS) == 0, "remove %s: %s", dir,
	      strerror(errno));
	return 0;
}
