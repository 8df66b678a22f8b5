/* sys_fsinfo.c - the calls ls, sort, gzip and bash make besides the usual
 * file calls, with the answers Linux gives: getxattr/lgetxattr/fgetxattr
 * (a missing attribute, a symlink's own, /proc's none, a pipe's none),
 * statfs/fstatfs (/proc's magic number, a host file system seen the same
 * by name and by fd), fadvise64 (its checks), getpeername (not a
 * socket). Reads only; prints each answer for the native comparison. */
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "guest_test.h"

static void show(const char *what, long r)
{
	printf("%s: %ld %s\n", what, r, r < 0 ? strerror(errno) : "ok");
}

int main(void)
{
	char buf[64];
	errno = 0;
	show("getxattr file user.none", getxattr("/etc/passwd", "user.none", buf, sizeof(buf)));
	show("getxattr file size query", getxattr("/etc/passwd", "user.none", NULL, 0));
	show("getxattr empty name", getxattr("/etc/passwd", "", buf, sizeof(buf)));
	show("getxattr missing file", getxattr("/nonexistent-vmemu", "user.none", buf, sizeof(buf)));
	show("getxattr /proc", getxattr("/proc/self/status", "user.none", buf, sizeof(buf)));
	/* /bin is a symlink on merged-/usr systems, a directory elsewhere:
	 * either way the answer is Linux's for what it is. */
	show("lgetxattr /bin user.none", lgetxattr("/bin", "user.none", buf, sizeof(buf)));
	show("lgetxattr /bin acl", lgetxattr("/bin", "system.posix_acl_access", buf, sizeof(buf)));
	int fd = open("/etc/passwd", O_RDONLY);
	CHECK(fd >= 0, "open: %s", strerror(errno));
	show("fgetxattr file", fgetxattr(fd, "user.none", buf, sizeof(buf)));
	int p[2];
	CHECK(pipe(p) == 0, "pipe: %s", strerror(errno));
	show("fgetxattr pipe", fgetxattr(p[0], "user.none", buf, sizeof(buf)));
	show("fgetxattr bad fd", fgetxattr(99, "user.none", buf, sizeof(buf)));

	struct statfs a, b;
	CHECK(statfs("/proc", &a) == 0, "statfs /proc: %s", strerror(errno));
	printf("statfs /proc: type %#lx namelen %ld\n", (long)a.f_type, (long)a.f_namelen);
	CHECK(statfs("/etc/passwd", &a) == 0 && fstatfs(fd, &b) == 0, "statfs: %s",
	      strerror(errno));
	CHECK(a.f_type == b.f_type && a.f_bsize == b.f_bsize && a.f_blocks == b.f_blocks,
	      "statfs and fstatfs of one file differ");
	printf("statfs file == fstatfs fd: yes\n");
	show("statfs missing", statfs("/nonexistent-vmemu", &a));
	show("fstatfs bad fd", fstatfs(99, &a));

	show("fadvise sequential", -posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL));
	printf("fadvise pipe: %s\n", strerror(posix_fadvise(p[0], 0, 0, POSIX_FADV_NORMAL)));
	printf("fadvise bad advice: %s\n", strerror(posix_fadvise(fd, 0, 0, 99)));
	printf("fadvise negative len: %s\n", strerror(posix_fadvise(fd, 0, -1, 0)));
	printf("fadvise bad fd: %s\n", strerror(posix_fadvise(99, 0, 0, 0)));

	struct sockaddr_storage sa;
	socklen_t len = sizeof(sa);
	show("getpeername file", getpeername(fd, (struct sockaddr *)&sa, &len));
	show("getpeername pipe", getpeername(p[0], (struct sockaddr *)&sa, &len));
	show("getpeername bad fd", getpeername(99, (struct sockaddr *)&sa, &len));
	return 0;
}
