/* test_guest_pipe.c - in-kernel pipes without a CPU: a real kernel (64
 * MiB) and a process whose only memory is two pages at BUF; the system
 * call handlers are called directly, so a call that must wait shows as
 * -ERESTARTSYS with the process blocked. Also fd tables across fork and
 * exec, and poll and sendfile on pipes. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guest_fixture.h"
#include "unit.h"

#define BUF 0x10000ULL /* two mapped pages: [BUF, BUF + 8192) */
#define UNMAPPED 0x40000ULL
#define PIPE_CAPACITY (16 * PAGE_SIZE)

/* stop_calls counts kernel_ops.stop calls: a wakeup asks for one. */
static void setup(void)
{
	guest_setup(NULL);
	map(BUF, 2 * PAGE_SIZE, VM_READ | VM_WRITE);
	stop_calls = 0;
}

/* Calls a handler as the current process. */
static int64_t call(syscall_fn *fn, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	const uint64_t a[6] = {a0, a1, a2, a3, 0, 0};
	return fn(k, &p->ctx, a);
}

/* pipe2(flags): *rfd, *wfd. */
static void make_pipe(int flags, int *rfd, int *wfd)
{
	ck_assert_int_eq(call(sys_pipe2, BUF + 4096, (uint64_t)flags, 0, 0), 0);
	int fds[2];
	ck_assert_int_eq(copy_from_user(k, fds, BUF + 4096, sizeof(fds)), 0);
	*rfd = fds[0];
	*wfd = fds[1];
}

static int64_t put(int fd, const char *s)
{
	ck_assert_int_eq(copy_to_user(k, BUF, s, strlen(s)), 0);
	return call(sys_write, (uint64_t)fd, BUF, strlen(s), 0);
}

/* read(fd, BUF, n); the bytes as a string in out. */
static int64_t get(int fd, size_t n, char *out)
{
	int64_t r = call(sys_read, (uint64_t)fd, BUF, n, 0);
	if (r > 0)
		ck_assert_int_eq(copy_from_user(k, out, BUF, (uint64_t)r), 0);
	out[r > 0 ? r : 0] = 0;
	return r;
}

static void check_blocked(const void *chan)
{
	ck_assert_int_eq(p->state, PROC_BLOCKED);
	if (chan)
		ck_assert_ptr_eq(p->wait_chan, chan);
	/* The test plays the other process: it runs on as p. */
	p->state = PROC_RUNNABLE;
	p->wait_chan = NULL;
}

START_TEST(write_then_read)
{
	int r, w;
	make_pipe(0, &r, &w);
	ck_assert_int_eq(put(w, "hello, "), 7);
	ck_assert_int_eq(put(w, "pipe"), 4);
	ck_assert_int_eq(call(sys_ioctl, (uint64_t)r, FIONREAD, BUF + 100, 0), 0);
	int n;
	ck_assert_int_eq(copy_from_user(k, &n, BUF + 100, sizeof(n)), 0);
	ck_assert_int_eq(n, 11);
	char s[64];
	ck_assert_int_eq(get(r, 5, s), 5);
	ck_assert_str_eq(s, "hello");
	ck_assert_int_eq(get(r, 64, s), 6);
	ck_assert_str_eq(s, ", pipe");
	/* Each end works in one direction only. */
	ck_assert_int_eq(get(w, 1, s), -EBADF);
	ck_assert_int_eq(put(r, "x"), -EBADF);
	ck_assert_int_eq(call(sys_read, (uint64_t)r, BUF, 0, 0), 0);
	ck_assert_int_eq(call(sys_write, (uint64_t)w, BUF, 0, 0), 0);
}
END_TEST

START_TEST(empty_read_blocks_until_written)
{
	int r, w;
	make_pipe(0, &r, &w);
	char s[16];
	ck_assert_int_eq(get(r, 10, s), -ERESTARTSYS);
	ck_assert_int_eq(p->state, PROC_BLOCKED);
	ck_assert_ptr_nonnull(p->wait_chan);
	/* A write wakes the reader, whose read then starts again. */
	ck_assert_int_eq(put(w, "data"), 4);
	ck_assert_int_eq(p->state, PROC_RUNNABLE);
	ck_assert_int_gt(stop_calls, 0);
	ck_assert_int_eq(get(r, 10, s), 4);
	ck_assert_str_eq(s, "data");
	/* Closing the last writer wakes a blocked reader: end of file. */
	ck_assert_int_eq(get(r, 10, s), -ERESTARTSYS);
	ck_assert_int_eq(p->state, PROC_BLOCKED);
	ck_assert_int_eq(call(sys_close, (uint64_t)w, 0, 0, 0), 0);
	ck_assert_int_eq(p->state, PROC_RUNNABLE);
	ck_assert_int_eq(get(r, 10, s), 0);
}
END_TEST

START_TEST(eof_after_data)
{
	int r, w;
	make_pipe(0, &r, &w);
	ck_assert_int_eq(put(w, "last"), 4);
	ck_assert_int_eq(call(sys_close, (uint64_t)w, 0, 0, 0), 0);
	char s[16];
	ck_assert_int_eq(get(r, 10, s), 4);
	ck_assert_int_eq(get(r, 10, s), 0);
	ck_assert_int_eq(get(r, 10, s), 0);
}
END_TEST

START_TEST(nonblocking)
{
	int r, w;
	make_pipe(O_NONBLOCK, &r, &w);
	char s[16];
	ck_assert_int_eq(get(r, 10, s), -EAGAIN);
	ck_assert_int_eq(p->state, PROC_RUNNABLE);
	ck_assert_int_eq(call(sys_fcntl, (uint64_t)r, F_GETFL, 0, 0), O_RDONLY | O_NONBLOCK);
	ck_assert_int_eq(call(sys_fcntl, (uint64_t)w, F_GETFL, 0, 0), O_WRONLY | O_NONBLOCK);
	/* F_SETFL changes the status flags, never the access mode. */
	ck_assert_int_eq(call(sys_fcntl, (uint64_t)r, F_SETFL, O_WRONLY, 0), 0);
	ck_assert_int_eq(call(sys_fcntl, (uint64_t)r, F_GETFL, 0, 0), O_RDONLY);
	ck_assert_int_eq(get(r, 10, s), -ERESTARTSYS);
	check_blocked(NULL);
	ck_assert_int_eq(call(sys_fcntl, (uint64_t)r, F_SETFL, O_NONBLOCK, 0), 0);
	ck_assert_int_eq(get(r, 10, s), -EAGAIN);
	/* FIONBIO switches the same flag. */
	int off = 0;
	ck_assert_int_eq(copy_to_user(k, BUF + 100, &off, sizeof(off)), 0);
	ck_assert_int_eq(call(sys_ioctl, (uint64_t)r, FIONBIO, BUF + 100, 0), 0);
	ck_assert_int_eq(call(sys_fcntl, (uint64_t)r, F_GETFL, 0, 0), O_RDONLY);
}
END_TEST

/* Fills the pipe with writes of PAGE_SIZE bytes from BUF. */
static void fill(int w)
{
	for (int i = 0; i < 16; i++)
		ck_assert_int_eq(call(sys_write, (uint64_t)w, BUF, PAGE_SIZE, 0), PAGE_SIZE);
}

START_TEST(full_pipe)
{
	int r, w;
	make_pipe(0, &r, &w);
	fill(w);
	ck_assert_int_eq(call(sys_write, (uint64_t)w, BUF, 1, 0), -ERESTARTSYS);
	check_blocked(NULL);
	ck_assert_int_eq(call(sys_fcntl, (uint64_t)w, F_SETFL, O_NONBLOCK, 0), 0);
	ck_assert_int_eq(call(sys_write, (uint64_t)w, BUF, 1, 0), -EAGAIN);
	/* A read makes room and wakes a blocked writer. */
	ck_assert_int_eq(call(sys_fcntl, (uint64_t)w, F_SETFL, 0, 0), 0);
	ck_assert_int_eq(call(sys_write, (uint64_t)w, BUF, 1, 0), -ERESTARTSYS);
	ck_assert_int_eq(call(sys_read, (uint64_t)r, BUF, 100, 0), 100);
	ck_assert_int_eq(p->state, PROC_RUNNABLE);
	/* PIPE_BUF bytes or fewer go in whole or not at all... */
	ck_assert_int_eq(call(sys_write, (uint64_t)w, BUF, 200, 0), -ERESTARTSYS);
	check_blocked(NULL);
	ck_assert_int_eq(call(sys_fcntl, (uint64_t)w, F_SETFL, O_NONBLOCK, 0), 0);
	ck_assert_int_eq(call(sys_write, (uint64_t)w, BUF, 200, 0), -EAGAIN);
	/* ...larger writes take what fits. */
	ck_assert_int_eq(call(sys_write, (uint64_t)w, BUF, 2 * PAGE_SIZE, 0), 100);
	ck_assert_int_eq(call(sys_write, (uint64_t)w, BUF, 2 * PAGE_SIZE, 0), -EAGAIN);
	/* The bytes come out in order: 64 KiB of BUF's first page... */
	ck_assert_int_eq(call(sys_read, (uint64_t)r, BUF + 4096, 1, 0), 1);
	int64_t total = 1;
	while (call(sys_ioctl, (uint64_t)r, FIONREAD, BUF + 4096, 0) == 0) {
		int n;
		ck_assert_int_eq(copy_from_user(k, &n, BUF + 4096, sizeof(n)), 0);
		if (n == 0)
			break;
		int64_t got = call(sys_read, (uint64_t)r, BUF + 4096, 4096, 0);
		ck_assert_int_gt(got, 0);
		total += got;
	}
	ck_assert_int_eq(total, PIPE_CAPACITY);
}
END_TEST

START_TEST(ring_keeps_order)
{
	int r, w;
	make_pipe(0, &r, &w);
	/* Writes of 3000 and reads of 2000 bytes wrap around the ring many
	 * times; every byte is where the sequence says. */
	uint8_t pattern[3000], got[2000];
	uint64_t wrote = 0, read = 0;
	for (int round = 0; round < 200; round++) {
		for (size_t i = 0; i < sizeof(pattern); i++)
			pattern[i] = (uint8_t)((wrote + i) * 7 % 251);
		ck_assert_int_eq(copy_to_user(k, BUF, pattern, sizeof(pattern)), 0);
		ck_assert_int_eq(call(sys_write, (uint64_t)w, BUF, sizeof(pattern), 0), sizeof(pattern));
		wrote += sizeof(pattern);
		while (wrote - read > PIPE_CAPACITY - sizeof(pattern) || (round == 199 && read < wrote)) {
			int64_t n = call(sys_read, (uint64_t)r, BUF + 4096, sizeof(got), 0);
			ck_assert_int_gt(n, 0);
			ck_assert_int_eq(copy_from_user(k, got, BUF + 4096, (uint64_t)n), 0);
			for (int64_t i = 0; i < n; i++)
				ck_assert_uint_eq(got[i], (uint8_t)((read + (uint64_t)i) * 7 % 251));
			read += (uint64_t)n;
		}
	}
	ck_assert_uint_eq(read, wrote);
}
END_TEST

START_TEST(broken_pipe)
{
	int r, w;
	make_pipe(0, &r, &w);
	ck_assert_int_eq(call(sys_close, (uint64_t)r, 0, 0, 0), 0);
	ck_assert_int_eq(put(w, "lost"), -EPIPE);
	ck_assert(p->sig.pending.signal & (1ULL << (SIGPIPE - 1)));
	ck_assert_int_eq(p->sig.pending.info[SIGPIPE].code, SI_USER);
	ck_assert_int_eq(p->sig.pending.info[SIGPIPE].pid, p->pid);
	/* A writer blocked on a full pipe is woken when the reader goes. */
	make_pipe(0, &r, &w);
	fill(w);
	ck_assert_int_eq(call(sys_write, (uint64_t)w, BUF, 1, 0), -ERESTARTSYS);
	ck_assert_int_eq(p->state, PROC_BLOCKED);
	ck_assert_int_eq(call(sys_close, (uint64_t)r, 0, 0, 0), 0);
	ck_assert_int_eq(p->state, PROC_RUNNABLE);
	ck_assert_int_eq(call(sys_write, (uint64_t)w, BUF, 1, 0), -EPIPE);
}
END_TEST

START_TEST(faults)
{
	int r, w;
	make_pipe(0, &r, &w);
	ck_assert_int_eq(call(sys_write, (uint64_t)w, UNMAPPED, 10, 0), -EFAULT);
	ck_assert_int_eq(put(w, "kept"), 4);
	ck_assert_int_eq(call(sys_read, (uint64_t)r, UNMAPPED, 10, 0), -EFAULT);
	/* A read that faults part way returns what it delivered; the rest
	 * stays in the pipe. */
	ck_assert_int_eq(call(sys_read, (uint64_t)r, BUF + 2 * PAGE_SIZE - 1, 10, 0), 1);
	char s[16];
	ck_assert_int_eq(get(r, 10, s), 3);
	ck_assert_str_eq(s, "ept");
}
END_TEST

START_TEST(not_a_file)
{
	int r, w;
	make_pipe(0, &r, &w);
	ck_assert_int_eq(call(sys_lseek, (uint64_t)r, 0, SEEK_CUR, 0), -ESPIPE);
	ck_assert_int_eq(call(sys_pread64, (uint64_t)r, BUF, 1, 0), -ESPIPE);
	ck_assert_int_eq(call(sys_pwrite64, (uint64_t)w, BUF, 1, 0), -ESPIPE);
	ck_assert_int_eq(call(sys_ftruncate, (uint64_t)w, 0, 0, 0), -EINVAL);
	ck_assert_int_eq(call(sys_getdents64, (uint64_t)r, BUF, 4096, 0), -ENOTDIR);
	ck_assert_int_eq(call(sys_ioctl, (uint64_t)r, TCGETS, BUF, 0), -ENOTTY);
	ck_assert_int_eq(call(sys_fcntl, (uint64_t)w, F_GETPIPE_SZ, 0, 0), PIPE_CAPACITY);
	ck_assert_int_eq(call(sys_fcntl, 1, F_GETPIPE_SZ, 0, 0), -EBADF);
	struct stat a, b;
	ck_assert_int_eq(file_stat(fd_file(p->files, r), &a), 0);
	ck_assert_int_eq(file_stat(fd_file(p->files, w), &b), 0);
	ck_assert(S_ISFIFO(a.st_mode));
	ck_assert_int_eq(a.st_size, 0);
	ck_assert(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
	int r2, w2;
	make_pipe(0, &r2, &w2);
	ck_assert_int_eq(file_stat(fd_file(p->files, r2), &b), 0);
	ck_assert(a.st_ino != b.st_ino);
	ck_assert_int_eq(call(sys_pipe2, BUF, O_APPEND, 0, 0), -EINVAL);
	ck_assert_int_eq(call(sys_pipe2, UNMAPPED, 0, 0, 0), -EFAULT);
}
END_TEST

/* poll on {fd, events}; returns poll's result and the revents. */
static int64_t poll1(int fd, short events, int ms, short *revents)
{
	struct pollfd pfd = {.fd = fd, .events = events};
	ck_assert_int_eq(copy_to_user(k, BUF + 2048, &pfd, sizeof(pfd)), 0);
	int64_t n = call(sys_poll, BUF + 2048, 1, (uint64_t)ms, 0);
	ck_assert_int_eq(copy_from_user(k, &pfd, BUF + 2048, sizeof(pfd)), 0);
	*revents = pfd.revents;
	return n;
}

START_TEST(poll_pipes)
{
	int r, w;
	make_pipe(0, &r, &w);
	short rev;
	ck_assert_int_eq(poll1(r, POLLIN, 0, &rev), 0);
	ck_assert_int_eq(rev, 0);
	ck_assert_int_eq(poll1(w, POLLOUT, 0, &rev), 1);
	ck_assert_int_eq(rev, POLLOUT);
	/* Nothing ready: the poller waits in the kernel, not in the host. */
	ck_assert_int_eq(poll1(r, POLLIN, -1, &rev), -ERESTARTSYS);
	ck_assert_int_eq(p->state, PROC_BLOCKED);
	ck_assert_ptr_eq(p->wait_chan, &file_poll_chan);
	ck_assert_int_eq(put(w, "x"), 1);
	ck_assert_int_eq(p->state, PROC_RUNNABLE);
	ck_assert_int_eq(poll1(r, POLLIN, -1, &rev), 1);
	ck_assert_int_eq(rev, POLLIN);
	char s[4];
	ck_assert_int_eq(get(r, 1, s), 1);
	/* A full pipe is not writable. */
	fill(w);
	ck_assert_int_eq(poll1(w, POLLOUT, 0, &rev), 0);
	ck_assert_int_eq(call(sys_close, (uint64_t)w, 0, 0, 0), 0);
	ck_assert_int_eq(poll1(r, POLLIN, 0, &rev), 1);
	ck_assert_int_eq(rev, POLLIN | POLLHUP);
	/* POLLERR once the reader is gone, even when not asked for. */
	make_pipe(0, &r, &w);
	ck_assert_int_eq(call(sys_close, (uint64_t)r, 0, 0, 0), 0);
	ck_assert_int_eq(poll1(w, 0, -1, &rev), 1);
	ck_assert_int_eq(rev, POLLERR);
}
END_TEST

START_TEST(poll_mixed_with_host_fds)
{
	int r, w;
	make_pipe(0, &r, &w);
	int host[2];
	ck_assert_int_eq(pipe2(host, O_CLOEXEC), 0);
	int hr = fd_install(k, 0, guest_host_file(host[0]), false);
	struct pollfd in[2] = {{.fd = r, .events = POLLIN}, {.fd = hr, .events = POLLIN}};
	ck_assert_int_eq(copy_to_user(k, BUF, in, sizeof(in)), 0);
	/* Nothing ready anywhere: block in the kernel, never in the host. */
	ck_assert_int_eq(call(sys_poll, BUF, 2, (uint64_t)-1, 0), -ERESTARTSYS);
	check_blocked(&file_poll_chan);
	ck_assert_int_eq(write(host[1], "h", 1), 1);
	ck_assert_int_eq(call(sys_poll, BUF, 2, (uint64_t)-1, 0), 1);
	struct pollfd out[2];
	ck_assert_int_eq(copy_from_user(k, out, BUF, sizeof(out)), 0);
	ck_assert(out[0].fd == r && out[0].revents == 0);
	ck_assert(out[1].fd == hr && out[1].revents == POLLIN);
	ck_assert_int_eq(put(w, "x"), 1);
	ck_assert_int_eq(copy_to_user(k, BUF, in, sizeof(in)), 0);
	ck_assert_int_eq(call(sys_poll, BUF, 2, 0, 0), 2);
	close(host[1]);
}
END_TEST

START_TEST(sendfile_into_pipe)
{
	FILE *tmp = tmpfile();
	ck_assert_ptr_nonnull(tmp);
	fputs("0123456789", tmp);
	fflush(tmp);
	int host = fcntl(fileno(tmp), F_DUPFD_CLOEXEC, 3);
	fclose(tmp);
	lseek(host, 2, SEEK_SET);
	int fd = fd_install(k, 0, guest_host_file(host), false);
	int r, w;
	make_pipe(0, &r, &w);
	ck_assert_int_eq(call(sys_sendfile, (uint64_t)w, (uint64_t)fd, 0, 5), 5);
	ck_assert_int_eq(call(sys_lseek, (uint64_t)fd, 0, SEEK_CUR, 0), 7);
	int64_t off = 8;
	ck_assert_int_eq(copy_to_user(k, BUF + 1024, &off, sizeof(off)), 0);
	ck_assert_int_eq(call(sys_sendfile, (uint64_t)w, (uint64_t)fd, BUF + 1024, 100), 2);
	ck_assert_int_eq(copy_from_user(k, &off, BUF + 1024, sizeof(off)), 0);
	ck_assert_int_eq(off, 10);
	ck_assert_int_eq(call(sys_lseek, (uint64_t)fd, 0, SEEK_CUR, 0), 7);
	char s[16];
	ck_assert_int_eq(get(r, 16, s), 7);
	ck_assert_str_eq(s, "2345689");
	/* A pipe cannot be the input; the read end cannot be the output. */
	ck_assert_int_eq(call(sys_sendfile, (uint64_t)w, (uint64_t)r, 0, 5), -EINVAL);
	ck_assert_int_eq(call(sys_sendfile, (uint64_t)r, (uint64_t)fd, 0, 5), -EBADF);
	/* A full pipe blocks the call before anything is consumed. */
	fill(w);
	ck_assert_int_eq(call(sys_sendfile, (uint64_t)w, (uint64_t)fd, 0, 1), -ERESTARTSYS);
	check_blocked(NULL);
	ck_assert_int_eq(call(sys_lseek, (uint64_t)fd, 0, SEEK_CUR, 0), 7);
}
END_TEST

START_TEST(fork_shares_pipes)
{
	int r, w;
	make_pipe(0, &r, &w);
	struct fdtable *parent = p->files;
	struct fdtable *child = fdtable_fork(parent);
	ck_assert_ptr_nonnull(child);
	ck_assert_ptr_eq(fd_file(child, r), fd_file(parent, r));
	/* The parent closes its write end: the child's keeps the pipe open. */
	ck_assert_int_eq(call(sys_close, (uint64_t)w, 0, 0, 0), 0);
	char s[16];
	ck_assert_int_eq(get(r, 10, s), -ERESTARTSYS);
	check_blocked(NULL);
	p->files = child;
	ck_assert_int_eq(put(w, "from child"), 10);
	fdtable_put(child); /* the child exits: its write end goes */
	p->files = parent;
	ck_assert_int_eq(get(r, 16, s), 10);
	ck_assert_str_eq(s, "from child");
	ck_assert_int_eq(get(r, 16, s), 0);
}
END_TEST

START_TEST(exec_closes_cloexec)
{
	int r, w, r2, w2;
	make_pipe(O_CLOEXEC, &r, &w);
	make_pipe(0, &r2, &w2);
	ck_assert_int_eq(call(sys_fcntl, (uint64_t)r, F_GETFD, 0, 0), FD_CLOEXEC);
	/* dup2 clears close-on-exec on the copy. */
	ck_assert_int_eq(call(sys_dup2, (uint64_t)w, 20, 0, 0), 20);
	fdtable_exec(p->files);
	ck_assert_ptr_null(fd_file(p->files, r));
	ck_assert_ptr_null(fd_file(p->files, w));
	ck_assert_ptr_nonnull(fd_file(p->files, 20));
	ck_assert_ptr_nonnull(fd_file(p->files, r2));
	ck_assert_ptr_nonnull(fd_file(p->files, w2));
	/* The read end closed with it: writing is broken now. */
	ck_assert_int_eq(put(20, "x"), -EPIPE);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("guest_pipe");
	TCase *tc = unit_tcase(s, "pipe", setup, guest_teardown);
	tcase_add_test(tc, write_then_read);
	tcase_add_test(tc, empty_read_blocks_until_written);
	tcase_add_test(tc, eof_after_data);
	tcase_add_test(tc, nonblocking);
	tcase_add_test(tc, full_pipe);
	tcase_add_test(tc, ring_keeps_order);
	tcase_add_test(tc, broken_pipe);
	tcase_add_test(tc, faults);
	tcase_add_test(tc, not_a_file);
	tcase_add_test(tc, poll_pipes);
	tcase_add_test(tc, poll_mixed_with_host_fds);
	tcase_add_test(tc, sendfile_into_pipe);
	tcase_add_test(tc, fork_shares_pipes);
	tcase_add_test(tc, exec_closes_cloexec);
	return unit_run(s);
}
