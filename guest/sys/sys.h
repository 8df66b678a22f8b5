/* sys.h - the system-call layer: the table and entry (syscall.c), the
 * handlers that are glue over several subsystems (sys_*.c; the ones that
 * belong to one subsystem are declared in its header) and the --strace
 * printer (strace.c). Nothing below sys/ includes this header: core/ enters
 * through kernel_syscall (kernel.h). */
#ifndef VMEMU_SYS_H
#define VMEMU_SYS_H

#include <stddef.h>
#include <stdint.h>

#include "fs/fs.h"
#include "kern.h"
#include "task/task.h"

/* ---- system calls (syscall.c and sys_*.c) ---- */

/* System V shared memory (sys_shm.c). */
syscall_fn sys_shmget, sys_shmat, sys_shmdt, sys_shmctl;

/* POSIX message queues' names (sys_mqueue.c; the rest is fs/mqueue*.c). */
syscall_fn sys_mq_open, sys_mq_unlink;

/* Memory (sys_mm.c). */
syscall_fn sys_brk, sys_mmap, sys_munmap, sys_mprotect, sys_madvise, sys_msync, sys_mincore,
	sys_mremap, sys_mlock, sys_mlock2, sys_munlock, sys_mlockall, sys_munlockall;

/* Files, time, identity, signals (the sys_*.c that say so). */
syscall_fn sys_read, sys_write, sys_readv, sys_writev, sys_pread64, sys_pwrite64,
	sys_sendfile; /* sys_rw.c */
syscall_fn sys_open, sys_openat, sys_close, sys_dup, sys_dup2, sys_dup3, sys_fcntl, sys_ioctl,
	sys_lseek, sys_getdents64, sys_ftruncate, sys_fsync, sys_fallocate, sys_fadvise64, sys_pipe,
	sys_pipe2; /* sys_file.c */
syscall_fn sys_openat2; /* sys_openat2.c */
syscall_fn sys_stat, sys_lstat, sys_fstat, sys_newfstatat, sys_statx, sys_access, sys_faccessat,
	sys_faccessat2, sys_readlink, sys_readlinkat, sys_unlink, sys_unlinkat,
	sys_rmdir, sys_mkdir, sys_mkdirat, sys_rename, sys_renameat, sys_symlink, sys_symlinkat,
	sys_utimensat, sys_chmod, sys_fchmod, sys_fchmodat, sys_truncate; /* sys_path.c */
/* Links, owners, vectors, syncs (hA). */
syscall_fn sys_utime, sys_utimes, sys_futimesat, sys_renameat2; /* sys_path.c */
syscall_fn sys_link, sys_linkat, sys_chown, sys_fchown, sys_lchown, sys_fchownat; /* sys_link.c */
syscall_fn sys_creat, sys_sync, sys_syncfs, sys_sync_file_range, sys_readahead,
	sys_close_range; /* sys_file.c */
syscall_fn sys_preadv, sys_pwritev, sys_preadv2, sys_pwritev2, sys_copy_file_range, sys_splice,
	sys_vmsplice; /* sys_rw.c */
/* sys_path.c's helpers for the calls on names elsewhere in sys/: a
 * (dirfd, name in guest memory, AT_* flags) triple resolved ("" only with
 * AT_EMPTY_PATH, a last symlink followed when follow and not
 * AT_SYMLINK_NOFOLLOW); and whether p's attributes may change: 0, -EROFS
 * outside the root, -EPERM for /proc, -no_host for a file without a host
 * fd (a pipe). */
int user_path_at(struct kernel *k, uint64_t dirfd, uint64_t upath, int at_flags, bool follow,
		 struct path *p);
int may_change(const struct path *p, int no_host);
/* Checks a guest iovec array as Linux's import_iovec (sys_rw.c): the
 * lengths (EINVAL), every buffer below the top of user space (EFAULT),
 * the total capped at MAX_RW_COUNT, Linux's cap on one call. */
#define MAX_RW_COUNT (INT_MAX & ~(int)(PAGE_SIZE - 1))
struct uio;
struct user_iovec;
int uio_init(const struct kernel *k, struct uio *u, const struct user_iovec *iov, int cnt);
syscall_fn sys_mknod, sys_mknodat; /* sys_mknod.c */
syscall_fn sys_getxattr, sys_lgetxattr, sys_fgetxattr, sys_setxattr, sys_lsetxattr,
	sys_fsetxattr, sys_listxattr, sys_llistxattr, sys_flistxattr, sys_removexattr,
	sys_lremovexattr, sys_fremovexattr; /* sys_xattr.c */
syscall_fn sys_statfs, sys_fstatfs; /* sys_statfs.c */
syscall_fn sys_socket, sys_socketpair, sys_bind, sys_listen, sys_connect, sys_accept, sys_accept4,
	sys_getsockname, sys_getpeername, sys_shutdown, sys_getsockopt,
	sys_setsockopt; /* sys_socket.c */
syscall_fn sys_sendto, sys_recvfrom, sys_sendmsg, sys_recvmsg, sys_sendmmsg,
	sys_recvmmsg; /* sys_sockmsg.c */
syscall_fn sys_exit, sys_exit_group, sys_arch_prctl, sys_set_tid_address,
	sys_getpid,
	sys_gettid, sys_getppid, sys_sched_getaffinity, sys_sched_yield, sys_getrandom, sys_sysinfo,
	sys_personality, sys_times; /* sys_misc.c */
syscall_fn sys_uname, sys_sethostname, sys_setdomainname; /* sys_uts.c */
syscall_fn sys_clock_gettime, sys_clock_getres, sys_gettimeofday, sys_time, sys_nanosleep,
	sys_clock_nanosleep, sys_getrusage; /* sys_time.c */
syscall_fn sys_poll, sys_ppoll, sys_select, sys_pselect6, sys_epoll_wait, sys_epoll_pwait,
	sys_epoll_pwait2; /* sys_poll.c */

/* The system call table's entry: handler, and how --strace shows it. */
struct syscall_desc {
	syscall_fn *fn;
	const char *name;
	uint8_t nargs;
	uint8_t arg[6]; /* enum strace_arg */
	uint8_t ret;    /* enum strace_ret */
};

/* How strace.c prints one argument. "OUT" arguments are filled by the
 * call and printed after it (their pointer on error); a length comes from
 * the next argument (IN) or the return value (OUT). */
enum strace_arg {
	SA_INT, SA_LONG, SA_ULONG, SA_HEX, SA_PTR, SA_OCT, SA_DIRFD,
	SA_PATH, SA_BUF_IN, SA_BUF_OUT, SA_HEXBUF_OUT, SA_STR_OUT,
	SA_IOV_IN, SA_IOV_OUT,
	SA_OPEN_FLAGS, SA_OPEN_MODE, SA_FD_FLAGS, SA_PROT, SA_MAP_FLAGS, SA_MADV,
	SA_MSYNC_FLAGS,
	SA_AT_FLAGS, SA_ACCESS_MODE, SA_ACCESS_FLAGS, SA_WHENCE, SA_IOCTL_REQ,
	SA_FCNTL_CMD, SA_FCNTL_ARG, SA_ARCH_CODE, SA_ARCH_ADDR, SA_PRCTL_OPT,
	SA_PRCTL_ARG, SA_RLIMIT_RES, SA_RLIMIT_IN, SA_RLIMIT_OUT, SA_CLOCKID,
	SA_TIMER_FLAGS, SA_TIMESPEC_IN, SA_TIMESPEC_OUT, SA_TIMEVAL_OUT,
	SA_ITIMER_WHICH, SA_ITIMERVAL_IN, SA_ITIMERVAL_OUT,
	SA_STAT_OUT, SA_UTSNAME_OUT, SA_CPUSET_OUT, SA_SIGNAL, SA_SIGHOW,
	SA_GRND_FLAGS, SA_PIPEFD_OUT, SA_DIRENTS_OUT, SA_RUSAGE_WHO,
	SA_POLLFDS, SA_FLOCK_OP,
	SA_INOTIFY_MASK, SA_INOTIFY_FLAGS, /* inotify (hI) */
};

enum strace_ret { SR_DEC, SR_HEX, SR_FCNTL, SR_OCT };

/* Copies up to n bytes of guest memory at va; returns how many could be
 * read before the first fault. */
typedef size_t strace_read_fn(void *ctx, void *dst, uint64_t va, size_t n);

#define STRACE_LINE_MAX 32768

/* One line of --strace output, built in two steps like strace does: the
 * input arguments before the call, the rest and the result after it. */
struct strace_line {
	char s[STRACE_LINE_MAX];
	size_t len;
	int next_arg;
	strace_read_fn *read;
	void *read_ctx;
};

/* d == NULL: an unknown call nr, shown as syscall_0x1f4(six hex args). */
void strace_enter(struct strace_line *l, const struct syscall_desc *d, uint64_t nr,
		  const uint64_t a[6]);
void strace_exit(struct strace_line *l, const struct syscall_desc *d, const uint64_t a[6],
		 int64_t ret);
void strace_noreturn(struct strace_line *l); /* "= ?" of exit and exit_group */

syscall_fn sys_rt_sigaction, sys_rt_sigprocmask, sys_rt_sigreturn, sys_rt_sigpending,
	sys_rt_sigsuspend, sys_pause, sys_sigaltstack, sys_kill, sys_tkill, sys_tgkill, sys_setpgid,
	sys_getpgid, sys_getpgrp, sys_setsid, sys_getsid; /* sys_signal.c */
syscall_fn sys_rt_sigtimedwait, sys_rt_sigqueueinfo, sys_rt_tgsigqueueinfo; /* sys_signal.c */
#endif
