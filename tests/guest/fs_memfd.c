/* fs_memfd: memfd_create(2) and its seals. A memfd is a file of shared
 * memory: write, pread, lseek, fstat, ftruncate; a MAP_SHARED map sees
 * the file's bytes and read() sees the map's stores, a MAP_PRIVATE one
 * keeps its own; fallocate grows it and punches holes that maps read as
 * zeroes; a forked child's stores through a shared map reach the parent;
 * /proc/self/fd names it "/memfd:NAME (deleted)" and opening that gives
 * the same memory with an offset of its own. Seals: F_SEAL_WRITE (EBUSY
 * while a writable shared map exists; then writes, writable shared maps
 * and punching are EPERM, mprotect to PROT_WRITE is EACCES),
 * F_SEAL_SHRINK, F_SEAL_GROW, F_SEAL_SEAL; without MFD_ALLOW_SEALING it
 * starts sealed. Argument errors. Printed and compared with the native run. */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest_test.h"

#ifndef F_ADD_SEALS
#define F_ADD_SEALS 1033
#define F_GET_SEALS 1034
#define F_SEAL_SEAL 1
#define F_SEAL_SHRINK 2
#define F_SEAL_GROW 4
#define F_SEAL_WRITE 8
#endif
#define MFD_CLOEXEC_ 1U
#define MFD_ALLOW_SEALING_ 2U

static int memfd(const char *name, unsigned flags)
{
	return (int)syscall(SYS_memfd_create, name, flags);
}

static long size_of(int fd)
{
	struct stat st;
	CHECK(fstat(fd, &st) == 0, "fstat: %s", strerror(errno));
	return (long)st.st_size;
}

static void check_file(int fd)
{
	char path[64], link[256] = "";
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	CHECK(readlink(path, link, sizeof(link) - 1) > 0, "readlink: %s", strerror(errno));
	printf("link: %s\n", link);
	struct stat st;
	CHECK(fstat(fd, &st) == 0, "fstat");
	printf("fstat: regular %d mode %o size %ld nlink %ld\n", S_ISREG(st.st_mode),
	       st.st_mode & 07777, (long)st.st_size, (long)st.st_nlink);
	struct statfs sf;
	CHECK(fstatfs(fd, &sf) == 0, "fstatfs: %s", strerror(errno));
	printf("fstatfs: type %lx\n", (unsigned long)sf.f_type);
	printf("write: %s", ret_str(write(fd, "hello memfd", 11)));
	printf(", size %ld\n", size_of(fd));
	char buf[32] = "";
	printf("pread: %s", ret_str(pread(fd, buf, 5, 6)));
	printf(" \"%s\"\n", buf);
	printf("lseek SEEK_END: %s\n", ret_str(lseek(fd, 0, SEEK_END)));
	printf("lseek -1: %s\n", ret_str(lseek(fd, -1, SEEK_SET)));
	printf("ftruncate 8192: %s", ret_str(ftruncate(fd, 2 * PAGE)));
	printf(", size %ld\n", size_of(fd));
	printf("fsync: %s\n", ret_str(fsync(fd)));

	char *s = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	char *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHECK(s != MAP_FAILED && p != MAP_FAILED, "mmap: %s", strerror(errno));
	printf("shared map reads \"%.11s\"\n", s);
	memcpy(s + PAGE, "through the map", 15);
	p[0] = 'H';
	memset(buf, 0, sizeof(buf));
	printf("pread of the shared map's store: %s", ret_str(pread(fd, buf, 15, PAGE)));
	printf(" \"%s\"\n", buf);
	printf("private store seen by the file: %s\n", s[0] == 'H' ? "yes" : "no");

	int fd2 = open(path, O_RDWR);
	CHECK(fd2 >= 0, "open %s: %s", path, strerror(errno));
	memset(buf, 0, sizeof(buf));
	printf("reopened: offset %s", ret_str(lseek(fd2, 0, SEEK_CUR)));
	printf(", read %s", ret_str(read(fd2, buf, 5)));
	printf(" \"%s\"\n", buf);
	close(fd2);

	pid_t pid = fork();
	CHECK(pid >= 0, "fork");
	if (pid == 0) {
		memcpy(s + 100, "child", 5);
		_exit(0);
	}
	CHECK(waitpid(pid, NULL, 0) == pid, "waitpid");
	memset(buf, 0, sizeof(buf));
	printf("child's store: %s", ret_str(pread(fd, buf, 5, 100)));
	printf(" \"%s\"\n", buf);

	printf("fallocate to 4 pages: %s", ret_str(fallocate(fd, 0, 0, 4 * PAGE)));
	printf(", size %ld\n", size_of(fd));
	printf("punch page 1: %s", ret_str(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
						  PAGE, PAGE)));
	printf(", map reads \"%.5s\" then %s\n", s, s[PAGE] == 0 ? "zeroes" : "data");
	printf("private map after the punch: %c\n", p[0]);
	munmap(p, 2 * PAGE);

	printf("F_GET_SEALS: %s\n", ret_str(fcntl(fd, F_GET_SEALS)));
	printf("F_SEAL_WRITE with a writable shared map: %s\n", ret_str(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE)));
	munmap(s, 2 * PAGE);
	printf("F_SEAL_WRITE: %s\n", ret_str(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE)));
	printf("write: %s\n", ret_str(write(fd, "x", 1)));
	printf("writable shared map: %s\n",
	       mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED ? ret_str(-1) : "ok");
	char *r = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(r != MAP_FAILED, "read-only shared map: %s", strerror(errno));
	printf("mprotect to PROT_WRITE: %s\n", ret_str(mprotect(r, PAGE, PROT_READ | PROT_WRITE)));
	munmap(r, PAGE);
	printf("punch: %s\n", ret_str(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, PAGE)));
	printf("F_SEAL_SHRINK: %s\n", ret_str(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK)));
	printf("ftruncate smaller: %s\n", ret_str(ftruncate(fd, PAGE)));
	printf("ftruncate larger: %s\n", ret_str(ftruncate(fd, 8 * PAGE)));
	printf("F_SEAL_GROW|F_SEAL_SEAL: %s\n", ret_str(fcntl(fd, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SEAL)));
	printf("fallocate larger: %s\n", ret_str(fallocate(fd, 0, 0, 16 * PAGE)));
	printf("another seal: %s\n", ret_str(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK)));
	printf("F_GET_SEALS: %s, size %ld\n", ret_str(fcntl(fd, F_GET_SEALS)), size_of(fd));
}

int main(void)
{
	int fd = memfd("guest test", MFD_CLOEXEC_ | MFD_ALLOW_SEALING_);
	CHECK(fd >= 0, "memfd_create: %s", strerror(errno));
	printf("FD_CLOEXEC: %d\n", !!(fcntl(fd, F_GETFD) & FD_CLOEXEC));
	check_file(fd);
	close(fd);

	fd = memfd("unsealable", 0);
	CHECK(fd >= 0, "memfd_create: %s", strerror(errno));
	printf("without MFD_ALLOW_SEALING: seals %s", ret_str(fcntl(fd, F_GET_SEALS)));
	printf(", add %s\n", ret_str(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE)));
	close(fd);

	char name[300];
	memset(name, 'n', sizeof(name));
	name[249] = 0;
	printf("249-byte name: %s\n", (fd = memfd(name, 0)) >= 0 ? "ok" : ret_str(-1));
	if (fd >= 0)
		close(fd);
	name[249] = 'n';
	name[250] = 0;
	printf("250-byte name: %s\n", ret_str(memfd(name, 0)));
	printf("unknown flag: %s\n", ret_str(memfd("x", 0x100)));
	printf("bad name pointer: %s\n", ret_str(syscall(SYS_memfd_create, 8L, 0)));
	int p[2];
	CHECK(pipe(p) == 0, "pipe");
	printf("F_GET_SEALS of a pipe: %s\n", ret_str(fcntl(p[0], F_GET_SEALS)));
	close(p[0]);
	close(p[1]);
	return 0;
}
