/* test_guest_syscall.c - system calls run through kernel_syscall on a real
 * kernel (64 MiB) and a process whose only memory is two pages at BUF:
 * bounded copies that stop at the first fault (partial counts, EFAULT),
 * fd semantics, /proc/self/exe, arch_prctl, the ENOSYS path and --strace
 * output. No CPU is needed. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "guest_fixture.h"
#include "unit.h"

#define BUF 0x10000ULL          /* two mapped pages: [BUF, BUF + 8192) */
#define BUF_END (BUF + 2 * PAGE_SIZE)
#define UNMAPPED 0x40000ULL

static char *trace_text;
static size_t trace_len;

static void start(FILE *strace)
{
	const struct kernel_config cfg = {.mem_size = GUEST_MEM_SIZE, .strace = strace};
	guest_setup(&cfg);
	guest_set_exe();
	map(BUF, BUF_END - BUF, VM_READ | VM_WRITE);
}

static void setup(void)
{
	start(NULL);
}

/* Runs system call nr like the CPU's SYSCALL would; returns rax. */
static int64_t sc(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	return guest_syscall(nr, a0, a1, a2, a3);
}

/* A guest fd on a new temporary file holding n bytes 0, 1, 2, ... */
static int temp_file(size_t n)
{
	FILE *f = tmpfile();
	ck_assert_ptr_nonnull(f);
	for (size_t i = 0; i < n; i++)
		fputc((int)(i & 0xff), f);
	fflush(f);
	int host = fcntl(fileno(f), F_DUPFD_CLOEXEC, 3);
	fclose(f);
	lseek(host, 0, SEEK_SET);
	return fd_install(k, 0, guest_host_file(host), false);
}

static uint8_t guest_byte(uint64_t va)
{
	uint8_t b;
	ck_assert_int_eq(copy_from_user(k, &b, va, 1), 0);
	return b;
}

START_TEST(read_stops_at_fault)
{
	int fd = temp_file(10000);
	/* 100 bytes before the end of the mapping: 100 bytes, not EFAULT. */
	ck_assert_int_eq(sc(SYS_read, fd, BUF_END - 100, 1000, 0), 100);
	ck_assert_uint_eq(guest_byte(BUF_END - 1), 99);
	/* What could not be delivered is still unread. */
	ck_assert_int_eq(sc(SYS_lseek, fd, 0, SEEK_CUR, 0), 100);
	ck_assert_int_eq(sc(SYS_read, fd, UNMAPPED, 10, 0), -EFAULT);
	ck_assert_int_eq(sc(SYS_read, fd, 0xffff800000000000ULL, 10, 0), -EFAULT);
	ck_assert_int_eq(sc(SYS_lseek, fd, 0, SEEK_CUR, 0), 100);
	/* The whole mapping in one call, through the bounce buffer. */
	ck_assert_int_eq(sc(SYS_pread64, fd, BUF, 2 * PAGE_SIZE, 1), 2 * PAGE_SIZE);
	ck_assert_uint_eq(guest_byte(BUF + 4095), (4096) & 0xff);
	ck_assert_int_eq(sc(SYS_read, fd, BUF, 0, 0), 0);
	ck_assert_int_eq(sc(SYS_read, 99, BUF, 1, 0), -EBADF);
}
END_TEST

START_TEST(write_stops_at_fault)
{
	int fd = temp_file(0);
	ck_assert_int_eq(copy_to_user(k, BUF_END - 5, "hello", 5), 0);
	ck_assert_int_eq(sc(SYS_write, fd, BUF_END - 5, 100, 0), 5);
	ck_assert_int_eq(sc(SYS_write, fd, UNMAPPED, 100, 0), -EFAULT);
	ck_assert_int_eq(sc(SYS_lseek, fd, 0, SEEK_END, 0), 5);
	ck_assert_int_eq(sc(SYS_pwrite64, fd, BUF_END - 5, 5, (uint64_t)-1), -EINVAL);
}
END_TEST

START_TEST(vectors)
{
	int fd = temp_file(16);
	uint64_t iov[6] = {BUF + 100, 3, BUF + 200, 0, BUF + 300, 5};
	ck_assert_int_eq(copy_to_user(k, BUF, iov, sizeof(iov)), 0);
	ck_assert_int_eq(sc(SYS_readv, fd, BUF, 3, 0), 8);
	ck_assert_uint_eq(guest_byte(BUF + 102), 2);
	ck_assert_uint_eq(guest_byte(BUF + 304), 7);
	ck_assert_int_eq(sc(SYS_writev, fd, BUF, 3, 0), 8);
	ck_assert_int_eq(sc(SYS_lseek, fd, 0, SEEK_CUR, 0), 16);
	ck_assert_int_eq(sc(SYS_readv, fd, BUF, 1025, 0), -EINVAL);
	ck_assert_int_eq(sc(SYS_readv, fd, UNMAPPED, 1, 0), -EFAULT);
}
END_TEST

START_TEST(descriptors)
{
	int fd = temp_file(10);
	ck_assert_int_eq(sc(SYS_dup2, fd, 20, 0, 0), 20);
	/* dup'ed fds share the offset. */
	ck_assert_int_eq(sc(SYS_read, 20, BUF, 4, 0), 4);
	ck_assert_int_eq(sc(SYS_lseek, fd, 0, SEEK_CUR, 0), 4);
	ck_assert_int_eq(sc(SYS_fcntl, 20, F_GETFD, 0, 0), 0);
	ck_assert_int_eq(sc(SYS_dup3, fd, 21, O_CLOEXEC, 0), 21);
	ck_assert_int_eq(sc(SYS_fcntl, 21, F_GETFD, 0, 0), FD_CLOEXEC);
	ck_assert_int_eq(sc(SYS_dup3, fd, fd, 0, 0), -EINVAL);
	ck_assert_int_eq(sc(SYS_dup2, fd, fd, 0, 0), fd);
	ck_assert_int_eq(sc(SYS_fcntl, fd, F_DUPFD, 30, 0), 30);
	ck_assert_int_eq(sc(SYS_close, 30, 0, 0, 0), 0);
	ck_assert_int_eq(sc(SYS_close, 30, 0, 0, 0), -EBADF);
	ck_assert_int_eq(sc(SYS_ioctl, fd, 0x5413 /* TIOCGWINSZ */, BUF, 0), -ENOTTY);
	ck_assert_int_eq(sc(SYS_ioctl, 77, 0x5413, BUF, 0), -EBADF);
	/* fstat through the fd and newfstatat with AT_EMPTY_PATH agree. */
	ck_assert_int_eq(sc(SYS_fstat, fd, BUF, 0, 0), 0);
	struct stat a, b;
	ck_assert_int_eq(copy_from_user(k, &a, BUF, sizeof(a)), 0);
	ck_assert_int_eq(copy_to_user(k, BUF + 4096, "", 1), 0);
	ck_assert_int_eq(sc(SYS_newfstatat, fd, BUF + 4096, BUF, AT_EMPTY_PATH), 0);
	ck_assert_int_eq(copy_from_user(k, &b, BUF, sizeof(b)), 0);
	ck_assert(S_ISREG(a.st_mode) && a.st_size == 10 && a.st_ino == b.st_ino);
	ck_assert_int_eq(sc(SYS_newfstatat, fd, BUF + 4096, BUF, 0), -ENOENT);
}
END_TEST

START_TEST(poll_and_sendfile)
{
	int host[2];
	ck_assert_int_eq(pipe2(host, O_CLOEXEC), 0);
	int rfd = fd_install(k, 0, guest_host_file(host[0]), false);
	ck_assert_int_eq(write(host[1], "xyz", 3), 3);
	/* {rfd, POLLIN}, {closed fd, POLLIN}, {-1: skipped} */
	int16_t in[12] = {(int16_t)rfd, 0, POLLIN, 0, 50, 0, POLLIN, 0, -1, -1, POLLIN, 0};
	ck_assert_int_eq(copy_to_user(k, BUF, in, sizeof(in)), 0);
	ck_assert_int_eq(sc(SYS_poll, BUF, 3, 1000, 0), 2);
	int16_t out[12];
	ck_assert_int_eq(copy_from_user(k, out, BUF, sizeof(out)), 0);
	ck_assert_int_eq(out[0], rfd);
	ck_assert_int_eq(out[3], POLLIN);
	ck_assert_int_eq(out[7], POLLNVAL);
	ck_assert_int_eq(out[11], 0);
	ck_assert_int_eq(sc(SYS_poll, BUF, task_rlimit(p, RLIMIT_NOFILE) + 1, 0, 0), -EINVAL);
	/* sendfile from a file into the pipe, at an offset it updates. */
	int fd = temp_file(10);
	int64_t off = 4;
	ck_assert_int_eq(copy_to_user(k, BUF, &off, sizeof(off)), 0);
	int wfd = fd_install(k, 0, guest_host_file(host[1]), false);
	ck_assert_int_eq(sc(SYS_sendfile, wfd, fd, BUF, 100), 6);
	ck_assert_int_eq(copy_from_user(k, &off, BUF, sizeof(off)), 0);
	ck_assert_int_eq(off, 10);
	ck_assert_int_eq(sc(SYS_lseek, fd, 0, SEEK_CUR, 0), 0);
	ck_assert_int_eq(sc(SYS_read, rfd, BUF, 100, 0), 9);
	ck_assert_uint_eq(guest_byte(BUF + 3), 4);
}
END_TEST

START_TEST(paths)
{
	ck_assert_int_eq(copy_to_user(k, BUF, "/proc/self/exe", 15), 0);
	size_t len = strlen(guest_exe_path);
	ck_assert_int_eq(sc(SYS_readlink, BUF, BUF + 100, 4096, 0), (int64_t)len);
	char target[PATH_MAX] = "";
	ck_assert_int_eq(copy_from_user(k, target, BUF + 100, len), 0);
	ck_assert_str_eq(target, guest_exe_path);
	ck_assert_int_eq(sc(SYS_readlink, BUF, BUF + 100, 4, 0), 4);
	ck_assert_int_eq(copy_to_user(k, BUF, "/", 2), 0);
	ck_assert_int_eq(sc(SYS_readlink, BUF, BUF + 100, 4096, 0), -EINVAL);
	ck_assert_int_eq(sc(SYS_access, BUF, R_OK, 0, 0), 0);
	ck_assert_int_eq(sc(SYS_access, BUF, 8, 0, 0), -EINVAL);
	ck_assert_int_eq(sc(SYS_open, UNMAPPED, O_RDONLY, 0, 0), -EFAULT);
	ck_assert_int_eq(copy_to_user(k, BUF, "", 1), 0);
	ck_assert_int_eq(sc(SYS_open, BUF, O_RDONLY, 0, 0), -ENOENT);
	int64_t n = sc(SYS_getcwd, BUF, 4096, 0, 0);
	char cwd[PATH_MAX];
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	ck_assert_int_eq(n, (int64_t)strlen(cwd) + 1);
	ck_assert_int_eq(sc(SYS_getcwd, BUF, 1, 0, 0), -ERANGE);
}
END_TEST

START_TEST(process_calls)
{
	struct cpu_context *ctx = kernel_current_context(k);
	ck_assert_int_eq(sc(SYS_arch_prctl, 0x1002 /* ARCH_SET_FS */, 0x4c8378, 0, 0), 0);
	ck_assert_uint_eq(ctx->fs_base, 0x4c8378);
	ck_assert_int_eq(sc(SYS_arch_prctl, 0x1003 /* ARCH_GET_FS */, BUF, 0, 0), 0);
	uint64_t fs;
	ck_assert_int_eq(copy_from_user(k, &fs, BUF, 8), 0);
	ck_assert_uint_eq(fs, 0x4c8378);
	ck_assert_int_eq(sc(SYS_arch_prctl, 0x1002, 0xffff800000000000ULL, 0, 0), -EPERM);
	ck_assert_int_eq(sc(SYS_arch_prctl, 0x1003, UNMAPPED, 0, 0), -EFAULT);
	ck_assert_int_eq(sc(SYS_set_tid_address, BUF, 0, 0, 0), p->pid);
	ck_assert_int_eq(sc(SYS_uname, BUF, 0, 0, 0), 0);
	char sysname[65], machine[65];
	ck_assert_int_eq(copy_from_user(k, sysname, BUF, 65), 0);
	ck_assert_int_eq(copy_from_user(k, machine, BUF + 4 * 65, 65), 0);
	ck_assert_str_eq(sysname, "Linux");
	ck_assert_str_eq(machine, "x86_64");
	ck_assert_int_eq(copy_to_user(k, BUF, "a-very-long-process-name", 25), 0);
	ck_assert_int_eq(sc(SYS_prctl, 15 /* PR_SET_NAME */, BUF, 0, 0), 0);
	ck_assert_str_eq(p->comm, "a-very-long-pro");
	ck_assert_int_eq(sc(SYS_prlimit64, 0, 3 /* RLIMIT_STACK */, 0, BUF), 0);
	uint64_t rl[2];
	ck_assert_int_eq(copy_from_user(k, rl, BUF, sizeof(rl)), 0);
	ck_assert_uint_eq(rl[0], 8 << 20);
	ck_assert_int_eq(sc(SYS_getrandom, BUF_END - 3, 16, 0, 0), 3);
	ck_assert_int_eq(sc(SYS_rseq, BUF, 31, 0, 0), -EINVAL); /* a bad length (task/rseq.c) */
	ck_assert_int_eq(sc(SYS_sched_getaffinity, 0, 128, BUF, 0), 8);
	ck_assert_int_eq(sc(SYS_rt_sigaction, 9 /* SIGKILL */, BUF, 0, 8), -EINVAL);
	ck_assert_int_eq(sc(SYS_rt_sigprocmask, 0, 0, BUF, 8), 0);
}
END_TEST

START_TEST(unknown_counts)
{
	uint64_t before = kernel_stats(k)->syscalls;
	ck_assert_int_eq(sc(500, 1, 2, 3, 4), -ENOSYS);
	ck_assert_int_eq(sc(100000, 0, 0, 0, 0), -ENOSYS);
	ck_assert_uint_eq(kernel_stats(k)->syscalls, before + 2);
	ck_assert_uint_eq(kernel_stats(k)->syscalls_unknown, 2);
}
END_TEST

START_TEST(strace_lines)
{
	FILE *out = open_memstream(&trace_text, &trace_len);
	ck_assert_ptr_nonnull(out);
	start(out);
	ck_assert_int_eq(copy_to_user(k, BUF, "hi\n", 3), 0);
	int fd = temp_file(0);
	sc(SYS_write, fd, BUF, 3, 0);
	sc(500, 1, 0, 3, 0);
	sc(SYS_exit_group, 3, 0, 0, 0);
	ck_assert(p->exited);
	fclose(out);
	ck_assert_str_eq(trace_text,
			 "write(3, \"hi\\n\", 3)                     = 3\n"
			 "syscall_0x1f4(0x1, 0, 0x3, 0, 0, 0)     = -1 ENOSYS (Function not implemented)\n"
			 "exit_group(3)                           = ?\n"
			 "+++ exited with 3 +++\n");
	free(trace_text);
	trace_text = NULL;
	kernel_destroy(k);
	k = NULL;
}
END_TEST

int main(void)
{
	Suite *s = suite_create("guest_syscall");
	TCase *tc = unit_tcase(s, "calls", setup, guest_teardown);
	tcase_add_test(tc, read_stops_at_fault);
	tcase_add_test(tc, write_stops_at_fault);
	tcase_add_test(tc, vectors);
	tcase_add_test(tc, descriptors);
	tcase_add_test(tc, poll_and_sendfile);
	tcase_add_test(tc, paths);
	tcase_add_test(tc, process_calls);
	tcase_add_test(tc, unknown_counts);
	TCase *tt = unit_tcase(s, "strace", NULL, NULL);
	tcase_add_test(tt, strace_lines);
	return unit_run(s);
}
