/* test_guest_strace.c - --strace lines against what strace 6.1 prints for
 * the same calls on the host: quoting, escapes and truncation of strings,
 * symbolic flags, result column and errors, output arguments printed after
 * the call, struct flock, octal results, and pointers where memory cannot
 * be read.
 *
 * Guest memory is a host array seen at BASE; its last page reads as
 * unmapped. No kernel is needed. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "kern.h"
#include "sys/sys.h"
#include "unit.h"

#define BASE 0x10000ULL
#define MAPPED_PAGES 3
static uint8_t mem[(MAPPED_PAGES + 1) * PAGE_SIZE];
static struct strace_line line;

static size_t fake_read(void *ctx, void *dst, uint64_t va, size_t n)
{
	(void)ctx;
	uint64_t end = BASE + MAPPED_PAGES * PAGE_SIZE;
	if (va < BASE || va >= end)
		return 0;
	size_t ok = end - va < n ? (size_t)(end - va) : n;
	memcpy(dst, mem + (va - BASE), ok);
	return ok;
}

/* Puts n bytes into guest memory at offset off; returns their address. */
static uint64_t at(size_t off, const void *data, size_t n)
{
	memcpy(mem + off, data, n);
	return BASE + off;
}

#define STR(off, s) at(off, s, sizeof(s)) /* with its NUL */

static const char *trace(const struct syscall_desc *d, uint64_t nr, const uint64_t a[6],
			 int64_t ret)
{
	line.read = fake_read;
	line.read_ctx = NULL;
	strace_enter(&line, d, nr, a);
	strace_exit(&line, d, a, ret);
	return line.s;
}

#define TRACE(d, ret, ...) trace(&(d), 0, (const uint64_t[6]){__VA_ARGS__}, ret)

static const struct syscall_desc d_write = {NULL, "write", 3, {SA_INT, SA_BUF_IN, SA_ULONG}, SR_DEC};
static const struct syscall_desc d_read = {NULL, "read", 3, {SA_INT, SA_BUF_OUT, SA_ULONG}, SR_DEC};
static const struct syscall_desc d_openat = {
	NULL, "openat", 4, {SA_DIRFD, SA_PATH, SA_OPEN_FLAGS, SA_OPEN_MODE}, SR_DEC};
static const struct syscall_desc d_mmap = {
	NULL, "mmap", 6, {SA_PTR, SA_ULONG, SA_PROT, SA_MAP_FLAGS, SA_INT, SA_HEX}, SR_HEX};
static const struct syscall_desc d_msync = {
	NULL, "msync", 3, {SA_PTR, SA_ULONG, SA_MSYNC_FLAGS}, SR_DEC};
static const struct syscall_desc d_setitimer = {
	NULL, "setitimer", 3, {SA_ITIMER_WHICH, SA_ITIMERVAL_IN, SA_ITIMERVAL_OUT}, SR_DEC};
static const struct syscall_desc d_writev = {NULL, "writev", 3, {SA_INT, SA_IOV_IN, SA_INT}, SR_DEC};
static const struct syscall_desc d_readv = {NULL, "readv", 3, {SA_INT, SA_IOV_OUT, SA_INT}, SR_DEC};
static const struct syscall_desc d_fcntl = {
	NULL, "fcntl", 3, {SA_INT, SA_FCNTL_CMD, SA_FCNTL_ARG}, SR_FCNTL};
static const struct syscall_desc d_stat = {
	NULL, "newfstatat", 4, {SA_DIRFD, SA_PATH, SA_STAT_OUT, SA_AT_FLAGS}, SR_DEC};
static const struct syscall_desc d_prlimit = {
	NULL, "prlimit64", 4, {SA_INT, SA_RLIMIT_RES, SA_RLIMIT_IN, SA_RLIMIT_OUT}, SR_DEC};
static const struct syscall_desc d_arch = {NULL, "arch_prctl", 2, {SA_ARCH_CODE, SA_ARCH_ADDR}, SR_DEC};
static const struct syscall_desc d_prctl = {NULL, "prctl", 2, {SA_PRCTL_OPT, SA_PRCTL_ARG}, SR_DEC};
static const struct syscall_desc d_getuid = {NULL, "getuid", 0, {0}, SR_DEC};
static const struct syscall_desc d_umask = {NULL, "umask", 1, {SA_OCT}, SR_OCT};
static const struct syscall_desc d_flock = {NULL, "flock", 2, {SA_INT, SA_FLOCK_OP}, SR_DEC};

START_TEST(short_string_and_column)
{
	uint64_t buf = at(0, "hello\n", 6);
	ck_assert_str_eq(TRACE(d_write, 6, 1, buf, 6), "write(1, \"hello\\n\", 6)                  = 6");
	ck_assert_str_eq(TRACE(d_getuid, 0, 0), "getuid()                                = 0");
}
END_TEST

START_TEST(truncation_at_32)
{
	char a[100];
	memset(a, 'a', sizeof(a));
	uint64_t buf = at(0, a, sizeof(a));
	ck_assert_str_eq(TRACE(d_write, 100, 1, buf, 100),
			 "write(1, \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"..., 100) = 100");
	buf = at(0, "abcdefghijklmnopqrstuvwxyz0123456", 33);
	ck_assert_str_eq(TRACE(d_write, 32, 1, buf, 32),
			 "write(1, \"abcdefghijklmnopqrstuvwxyz012345\", 32) = 32");
	ck_assert_str_eq(TRACE(d_write, 33, 1, buf, 33),
			 "write(1, \"abcdefghijklmnopqrstuvwxyz012345\"..., 33) = 33");
}
END_TEST

START_TEST(escapes)
{
	uint64_t buf = at(0, "\0\1\0012\33[1m\t\n\r\v\f\"\\\177\200\377x", 20);
	ck_assert_str_eq(TRACE(d_write, 20, 1, buf, 20),
			 "write(1, \"\\0\\1\\0012\\33[1m\\t\\n\\r\\v\\f\\\"\\\\\\177\\200\\377x\\0\", 20) = 20");
	/* Three octal digits only where a digit follows. */
	buf = at(0, "\0" "12\0" "a", 5);
	ck_assert_str_eq(TRACE(d_write, 5, 1, buf, 5),
			 "write(1, \"\\00012\\0a\", 5)                = 5");
	ck_assert_str_eq(TRACE(d_write, 0, 1, buf, 0), "write(1, \"\", 0)                         = 0");
}
END_TEST

START_TEST(errors_and_bad_pointers)
{
	ck_assert_str_eq(TRACE(d_write, -EBADF, (uint64_t)-1, at(0, "x", 1), 1),
			 "write(-1, \"x\", 1)                       = -1 EBADF (Bad file descriptor)");
	/* An output buffer is the pointer when the call failed. */
	ck_assert_str_eq(TRACE(d_read, -EFAULT, 0, 8, 8),
			 "read(0, 0x8, 8)                         = -1 EFAULT (Bad address)");
	ck_assert_str_eq(TRACE(d_write, 10, 1, 0x10, 10), "write(1, 0x10, 10)                      = 10");
	ck_assert_str_eq(TRACE(d_write, -EFAULT, 1, 0, 10),
			 "write(1, NULL, 10)                      = -1 EFAULT (Bad address)");
	/* A buffer running into an unmapped page cannot be shown. */
	uint64_t edge = BASE + MAPPED_PAGES * PAGE_SIZE - 4;
	ck_assert_str_eq(TRACE(d_write, 8, 1, edge, 8), "write(1, 0x12ffc, 8)                    = 8");
	/* ...but 4 bytes before it can. */
	memcpy(mem + (edge - BASE), "abcd", 4);
	ck_assert_str_eq(TRACE(d_write, 4, 1, edge, 4), "write(1, \"abcd\", 4)                     = 4");
}
END_TEST

START_TEST(output_after_call)
{
	uint64_t buf = at(0, "vm\nGARBAGE", 10);
	ck_assert_str_eq(TRACE(d_read, 3, 4, buf, 100), "read(4, \"vm\\n\", 100)                    = 3");
	ck_assert_str_eq(TRACE(d_read, 0, 0, buf, 10), "read(0, \"\", 10)                         = 0");
	/* Only the input arguments are on the line before the call. */
	line.read = fake_read;
	strace_enter(&line, &d_read, 0, (const uint64_t[6]){4, buf, 100});
	ck_assert_str_eq(line.s, "read(4");
}
END_TEST

START_TEST(paths_and_open_flags)
{
	uint64_t p = STR(0, "/etc/passwd");
	ck_assert_str_eq(TRACE(d_openat, 3, (uint64_t)AT_FDCWD, p, O_RDONLY | O_CLOEXEC, 0777),
			 "openat(AT_FDCWD, \"/etc/passwd\", O_RDONLY|O_CLOEXEC) = 3");
	ck_assert_str_eq(TRACE(d_openat, -ENOENT, 5, p, O_RDONLY, 0),
			 "openat(5, \"/etc/passwd\", O_RDONLY)      = -1 ENOENT (No such file or directory)");
	p = STR(0, "/tmp/sysw/x");
	ck_assert_str_eq(TRACE(d_openat, 3, (uint64_t)AT_FDCWD, p,
			       O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644),
			 "openat(AT_FDCWD, \"/tmp/sysw/x\", O_WRONLY|O_CREAT|O_TRUNC|O_APPEND, 0644) = 3");
	/* Paths are not cut at 32 bytes. */
	p = STR(0, "/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/b");
	ck_assert_str_eq(TRACE(d_openat, -ENOENT, (uint64_t)AT_FDCWD, p, O_RDONLY | O_CLOEXEC, 0),
			 "openat(AT_FDCWD, \"/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/b\", "
			 "O_RDONLY|O_CLOEXEC) = -1 ENOENT (No such file or directory)");
	/* Every flag, in strace's order, then the unknown bits. */
	ck_assert_str_eq(TRACE(d_openat, -ENOENT, (uint64_t)AT_FDCWD, STR(0, "/nonexist"),
			       0x7fffff & ~3, 0),
			 "openat(AT_FDCWD, \"/nonexist\", O_RDONLY|O_CREAT|O_EXCL|O_NOCTTY|O_TRUNC|"
			 "O_APPEND|O_NONBLOCK|O_SYNC|O_DIRECT|O_LARGEFILE|O_NOFOLLOW|O_NOATIME|"
			 "O_CLOEXEC|O_PATH|O_TMPFILE|FASYNC|0x3c, 000) = -1 ENOENT (No such file or "
			 "directory)");
	ck_assert_str_eq(TRACE(d_openat, -ENOENT, (uint64_t)AT_FDCWD, STR(0, "/d"),
			 O_NONBLOCK | O_CLOEXEC | O_DIRECTORY | 3, 0),
			 "openat(AT_FDCWD, \"/d\", O_ACCMODE|O_NONBLOCK|O_CLOEXEC|O_DIRECTORY) = -1 "
			 "ENOENT (No such file or directory)");
	/* A path in unmapped memory. */
	ck_assert_str_eq(TRACE(d_openat, -EFAULT, (uint64_t)AT_FDCWD, 0x40000, O_RDONLY, 0),
			 "openat(AT_FDCWD, 0x40000, O_RDONLY)     = -1 EFAULT (Bad address)");
}
END_TEST

START_TEST(mmap_flags)
{
	ck_assert_str_eq(TRACE(d_mmap, 0x7f7bd9c96000, 0, 8192, 3, 0x22, (uint64_t)-1, 0),
			 "mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = "
			 "0x7f7bd9c96000");
	ck_assert_str_eq(TRACE(d_mmap, -EOPNOTSUPP, 0, 4096, 0xf, 0x3 | 0x1ffff0, (uint64_t)-1, 0),
			 "mmap(NULL, 4096, PROT_READ|PROT_WRITE|PROT_EXEC|PROT_SEM, "
			 "MAP_SHARED_VALIDATE|MAP_FIXED|MAP_ANONYMOUS|MAP_32BIT|MAP_NORESERVE|"
			 "MAP_POPULATE|MAP_NONBLOCK|MAP_GROWSDOWN|MAP_DENYWRITE|MAP_EXECUTABLE|"
			 "MAP_LOCKED|MAP_STACK|MAP_HUGETLB|MAP_SYNC|MAP_FIXED_NOREPLACE|0x680, -1, 0) "
			 "= -1 EOPNOTSUPP (Operation not supported)");
	ck_assert_str_eq(TRACE(d_mmap, -EBADF, 0x7000, 4096, 0, 0x12, 3, 0x28000),
			 "mmap(0x7000, 4096, PROT_NONE, MAP_PRIVATE|MAP_FIXED, 3, 0x28000) = -1 EBADF "
			 "(Bad file descriptor)");
	ck_assert_str_eq(TRACE(d_msync, 0, 0x7000, 4096, 4), "msync(0x7000, 4096, MS_SYNC)            = 0");
	ck_assert_str_eq(TRACE(d_msync, -EINVAL, 0x7000, 4096, 0xb),
			 "msync(0x7000, 4096, MS_ASYNC|MS_INVALIDATE|0x8) = -1 EINVAL (Invalid argument)");
}
END_TEST

START_TEST(itimers)
{
	const int64_t t[4] = {0, 20000, 1, 5};
	uint64_t v = at(0, t, sizeof(t));
	ck_assert_str_eq(TRACE(d_setitimer, 0, 0, v, 0),
			 "setitimer(ITIMER_REAL, {it_interval={tv_sec=0, tv_usec=20000}, "
			 "it_value={tv_sec=1, tv_usec=5}}, NULL) = 0");
	ck_assert_str_eq(TRACE(d_setitimer, -EINVAL, 7, 0, 0),
			 "setitimer(0x7 /* ITIMER_??? */, NULL, NULL) = -1 EINVAL (Invalid argument)");
}
END_TEST

START_TEST(iovecs)
{
	uint64_t hi = at(0, "hi", 2), nl = at(16, "\n", 1);
	uint64_t iov[4] = {hi, 2, nl, 1};
	uint64_t v = at(64, iov, sizeof(iov));
	ck_assert_str_eq(TRACE(d_writev, 3, 1, v, 2),
			 "writev(1, [{iov_base=\"hi\", iov_len=2}, {iov_base=\"\\n\", iov_len=1}], 2) = 3");
	uint64_t buf = at(0, "vm\nXXXX", 8);
	uint64_t riov[4] = {buf, 4, buf + 4, 4};
	v = at(64, riov, sizeof(riov));
	ck_assert_str_eq(TRACE(d_readv, 3, 0, v, 2),
			 "readv(0, [{iov_base=\"vm\\n\", iov_len=4}, {iov_base=\"\", iov_len=4}], 2) = 3");
}
END_TEST

START_TEST(structures)
{
	uint64_t rl[2] = {8192 * 1024, UINT64_MAX};
	uint64_t r = at(0, rl, sizeof(rl));
	ck_assert_str_eq(TRACE(d_prlimit, 0, 0, 3, 0, r),
			 "prlimit64(0, RLIMIT_STACK, NULL, {rlim_cur=8192*1024, "
			 "rlim_max=RLIM64_INFINITY}) = 0");
	struct stat st = {.st_mode = S_IFDIR | 0755, .st_size = 4096};
	uint64_t s = at(64, &st, sizeof(st));
	ck_assert_str_eq(TRACE(d_stat, 0, (uint64_t)AT_FDCWD, STR(0, "/tmp/sysw"), s, 0),
			 "newfstatat(AT_FDCWD, \"/tmp/sysw\", {st_mode=S_IFDIR|0755, st_size=4096, "
			 "...}, 0) = 0");
	st = (struct stat){.st_mode = S_IFCHR | 0666, .st_rdev = makedev(1, 3)};
	s = at(64, &st, sizeof(st));
	ck_assert_str_eq(TRACE(d_stat, 0, 1, STR(0, ""), s, AT_EMPTY_PATH),
			 "newfstatat(1, \"\", {st_mode=S_IFCHR|0666, st_rdev=makedev(0x1, 0x3), ...}, "
			 "AT_EMPTY_PATH) = 0");
	uint64_t fs = 0x178c380;
	ck_assert_str_eq(TRACE(d_arch, 0, 0x1003, at(0, &fs, 8)),
			 "arch_prctl(ARCH_GET_FS, [0x178c380])    = 0");
	ck_assert_str_eq(TRACE(d_arch, 0, 0x1002, 0x4c8378),
			 "arch_prctl(ARCH_SET_FS, 0x4c8378)       = 0");
	ck_assert_str_eq(TRACE(d_arch, -EINVAL, 0x9999, 0),
			 "arch_prctl(0x9999 /* ARCH_??? */, 0)    = -1 EINVAL (Invalid argument)");
	ck_assert_str_eq(TRACE(d_prctl, 0, 16, STR(0, "busybox")),
			 "prctl(PR_GET_NAME, \"busybox\")           = 0");
}
END_TEST

START_TEST(fcntl_results)
{
	ck_assert_str_eq(TRACE(d_fcntl, 1, 1, F_GETFL), "fcntl(1, F_GETFL)                       = 0x1 (flags O_WRONLY)");
	ck_assert_str_eq(TRACE(d_fcntl, 0, 1, F_GETFD), "fcntl(1, F_GETFD)                       = 0");
	ck_assert_str_eq(TRACE(d_fcntl, 0, 1, F_SETFD, 1), "fcntl(1, F_SETFD, FD_CLOEXEC)           = 0");
	ck_assert_str_eq(TRACE(d_fcntl, 11, 1, F_DUPFD_CLOEXEC, 10),
			 "fcntl(1, F_DUPFD_CLOEXEC, 10)           = 11");
}
END_TEST

START_TEST(umask_octal)
{
	ck_assert_str_eq(TRACE(d_umask, 022, 077), "umask(077)                              = 022");
	ck_assert_str_eq(TRACE(d_umask, 077, 0), "umask(000)                              = 077");
}
END_TEST

START_TEST(record_locks)
{
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 5, .l_len = 10};
	uint64_t va = at(0, &fl, sizeof(fl));
	ck_assert_str_eq(TRACE(d_fcntl, 0, 3, F_SETLK, va),
			 "fcntl(3, F_SETLK, {l_type=F_WRLCK, l_whence=SEEK_SET, l_start=5, l_len=10}) = 0");
	fl.l_type = F_UNLCK;
	va = at(0, &fl, sizeof(fl));
	ck_assert_str_eq(
		TRACE(d_fcntl, 0, 3, F_GETLK, va),
		"fcntl(3, F_GETLK, {l_type=F_UNLCK, l_whence=SEEK_SET, l_start=5, l_len=10, l_pid=0}) = 0");
	ck_assert_str_eq(
		TRACE(d_fcntl, 0, 3, F_OFD_SETLKW, va),
		"fcntl(3, F_OFD_SETLKW, {l_type=F_UNLCK, l_whence=SEEK_SET, l_start=5, l_len=10}) = 0");
	ck_assert_str_eq(TRACE(d_flock, 0, 3, LOCK_EX | LOCK_NB),
			 "flock(3, LOCK_EX|LOCK_NB)               = 0");
}
END_TEST

/* inotify's masks and init flags, as strace names them (hI). */
START_TEST(inotify_flags)
{
	static const struct syscall_desc d_init1 = {NULL, "inotify_init1", 1, {SA_INOTIFY_FLAGS}, SR_DEC};
	static const struct syscall_desc d_add = {
		NULL, "inotify_add_watch", 3, {SA_INT, SA_PATH, SA_INOTIFY_MASK}, SR_DEC};
	ck_assert_str_eq(TRACE(d_init1, 3, IN_NONBLOCK | IN_CLOEXEC),
			 "inotify_init1(IN_NONBLOCK|IN_CLOEXEC)   = 3");
	ck_assert_str_eq(TRACE(d_init1, -EINVAL, 1),
			 "inotify_init1(0x1)                      = -1 EINVAL (Invalid argument)");
	uint64_t path = at(0, "d", 2);
	ck_assert_str_eq(TRACE(d_add, 1, 3, path, IN_MODIFY | IN_CLOSE_WRITE | IN_ONESHOT),
			 "inotify_add_watch(3, \"d\", IN_MODIFY|IN_CLOSE_WRITE|IN_ONESHOT) = 1");
	ck_assert_str_eq(TRACE(d_add, -EINVAL, 3, path, 0),
			 "inotify_add_watch(3, \"d\", 0)            = -1 EINVAL (Invalid argument)");
}
END_TEST

START_TEST(unknown_and_noreturn)
{
	ck_assert_str_eq(trace(NULL, 500, (const uint64_t[6]){1, 0, 3, 0x1000, 5, 6}, -ENOSYS),
			 "syscall_0x1f4(0x1, 0, 0x3, 0x1000, 0x5, 0x6) = -1 ENOSYS (Function not "
			 "implemented)");
	static const struct syscall_desc d_exit = {NULL, "exit_group", 1, {SA_INT}, SR_DEC};
	line.read = fake_read;
	strace_enter(&line, &d_exit, 0, (const uint64_t[6]){0});
	strace_noreturn(&line);
	ck_assert_str_eq(line.s, "exit_group(0)                           = ?");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("guest_strace");
	TCase *tc = unit_tcase(s, "format", NULL, NULL);
	tcase_add_test(tc, short_string_and_column);
	tcase_add_test(tc, truncation_at_32);
	tcase_add_test(tc, escapes);
	tcase_add_test(tc, errors_and_bad_pointers);
	tcase_add_test(tc, output_after_call);
	tcase_add_test(tc, paths_and_open_flags);
	tcase_add_test(tc, mmap_flags);
	tcase_add_test(tc, iovecs);
	tcase_add_test(tc, itimers);
	tcase_add_test(tc, structures);
	tcase_add_test(tc, fcntl_results);
	tcase_add_test(tc, umask_octal);
	tcase_add_test(tc, record_locks);
	tcase_add_test(tc, inotify_flags);
	tcase_add_test(tc, unknown_and_noreturn);
	return unit_run(s);
}
