/* syscall.c - the system call table and its dispatch: number -> handler,
 * name and the argument formats --strace prints. Numbers are the host's
 * <sys/syscall.h> ones: host and guest are both x86-64 Linux. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>

#include "kern.h"
#include "mm/mm.h"
#include "sys/sys.h"

/* CALL(read, SR_DEC, SA_INT, ...): handler sys_read, shown as "read". */
#define ARGS(...) sizeof((const uint8_t[]){__VA_ARGS__}), {__VA_ARGS__}
#define CALL_AS(name, fn, ret, ...) [SYS_##name] = {fn, #name, ARGS(__VA_ARGS__), ret}
#define CALL(name, ret, ...) CALL_AS(name, sys_##name, ret, __VA_ARGS__)
#define CALL0(name) [SYS_##name] = {sys_##name, #name, 0, {0}, SR_DEC}

static const struct syscall_desc table[] = {
	/* credentials and scheduling (hB) */
	CALL(getgroups, SR_DEC, SA_INT, SA_PTR),
	CALL(setgroups, SR_DEC, SA_INT, SA_PTR),
	CALL(getresuid, SR_DEC, SA_PTR, SA_PTR, SA_PTR),
	CALL(getresgid, SR_DEC, SA_PTR, SA_PTR, SA_PTR),
	CALL(setuid, SR_DEC, SA_INT),
	CALL(setgid, SR_DEC, SA_INT),
	CALL(setreuid, SR_DEC, SA_INT, SA_INT),
	CALL(setregid, SR_DEC, SA_INT, SA_INT),
	CALL(setresuid, SR_DEC, SA_INT, SA_INT, SA_INT),
	CALL(setresgid, SR_DEC, SA_INT, SA_INT, SA_INT),
	CALL(setfsuid, SR_DEC, SA_INT),
	CALL(setfsgid, SR_DEC, SA_INT),
	CALL(getpriority, SR_DEC, SA_INT, SA_INT),
	CALL(setpriority, SR_DEC, SA_INT, SA_INT, SA_INT),
	CALL(sched_getscheduler, SR_DEC, SA_INT),
	CALL(sched_setscheduler, SR_DEC, SA_INT, SA_INT, SA_PTR),
	CALL(sched_getparam, SR_DEC, SA_INT, SA_PTR),
	CALL(sched_setparam, SR_DEC, SA_INT, SA_PTR),
	CALL(sched_get_priority_max, SR_DEC, SA_INT),
	CALL(sched_get_priority_min, SR_DEC, SA_INT),
	CALL(sched_rr_get_interval, SR_DEC, SA_INT, SA_PTR),
	CALL(sched_getattr, SR_DEC, SA_INT, SA_PTR, SA_ULONG, SA_HEX),
	CALL(sched_setattr, SR_DEC, SA_INT, SA_PTR, SA_HEX),
	CALL(sched_setaffinity, SR_DEC, SA_INT, SA_ULONG, SA_PTR),
	CALL(getcpu, SR_DEC, SA_PTR, SA_PTR, SA_PTR),
	CALL(ioprio_get, SR_DEC, SA_INT, SA_INT),
	CALL(ioprio_set, SR_DEC, SA_INT, SA_INT, SA_HEX),
	CALL(membarrier, SR_DEC, SA_INT, SA_HEX, SA_INT),
	CALL(kcmp, SR_DEC, SA_INT, SA_INT, SA_INT, SA_ULONG, SA_ULONG),
	CALL(ptrace, SR_DEC, SA_INT, SA_INT, SA_PTR, SA_PTR),
	CALL(times, SR_DEC, SA_PTR),
	CALL(personality, SR_HEX, SA_HEX),
	CALL(sethostname, SR_DEC, SA_BUF_IN, SA_ULONG),
	CALL(setdomainname, SR_DEC, SA_BUF_IN, SA_ULONG),
	/* files: data */
	CALL(read, SR_DEC, SA_INT, SA_BUF_OUT, SA_ULONG),
	CALL(write, SR_DEC, SA_INT, SA_BUF_IN, SA_ULONG),
	CALL(readv, SR_DEC, SA_INT, SA_IOV_OUT, SA_INT),
	CALL(writev, SR_DEC, SA_INT, SA_IOV_IN, SA_INT),
	CALL(pread64, SR_DEC, SA_INT, SA_BUF_OUT, SA_ULONG, SA_LONG),
	CALL(pwrite64, SR_DEC, SA_INT, SA_BUF_IN, SA_ULONG, SA_LONG),
	CALL_AS(sendfile, sys_sendfile, SR_DEC, SA_INT, SA_INT, SA_PTR, SA_ULONG),
	CALL(lseek, SR_DEC, SA_INT, SA_LONG, SA_WHENCE),
	CALL(getdents64, SR_DEC, SA_INT, SA_DIRENTS_OUT, SA_ULONG),
	CALL(ftruncate, SR_DEC, SA_INT, SA_LONG),
	CALL(truncate, SR_DEC, SA_PATH, SA_LONG),
	CALL(fsync, SR_DEC, SA_INT),
	CALL(fadvise64, SR_DEC, SA_INT, SA_LONG, SA_LONG, SA_INT),
	CALL_AS(fdatasync, sys_fsync, SR_DEC, SA_INT),
	CALL(fallocate, SR_DEC, SA_INT, SA_HEX, SA_LONG, SA_LONG),
	/* files: descriptors */
	CALL(open, SR_DEC, SA_PATH, SA_OPEN_FLAGS, SA_OPEN_MODE),
	CALL(openat, SR_DEC, SA_DIRFD, SA_PATH, SA_OPEN_FLAGS, SA_OPEN_MODE),
	CALL(openat2, SR_DEC, SA_DIRFD, SA_PATH, SA_PTR, SA_ULONG),
	CALL(close, SR_DEC, SA_INT),
	CALL(dup, SR_DEC, SA_INT),
	CALL(dup2, SR_DEC, SA_INT, SA_INT),
	CALL(dup3, SR_DEC, SA_INT, SA_INT, SA_FD_FLAGS),
	CALL(fcntl, SR_FCNTL, SA_INT, SA_FCNTL_CMD, SA_FCNTL_ARG),
	CALL(flock, SR_DEC, SA_INT, SA_FLOCK_OP),
	CALL(ioctl, SR_DEC, SA_INT, SA_IOCTL_REQ, SA_PTR),
	CALL(poll, SR_DEC, SA_POLLFDS, SA_ULONG, SA_INT),
	CALL(ppoll, SR_DEC, SA_POLLFDS, SA_ULONG, SA_TIMESPEC_IN, SA_PTR, SA_ULONG),
	CALL(select, SR_DEC, SA_INT, SA_PTR, SA_PTR, SA_PTR, SA_PTR),
	CALL(pselect6, SR_DEC, SA_INT, SA_PTR, SA_PTR, SA_PTR, SA_TIMESPEC_IN, SA_PTR),
	/* event descriptors (hC) */
	CALL(eventfd, SR_DEC, SA_ULONG),
	CALL(eventfd2, SR_DEC, SA_ULONG, SA_HEX),
	CALL(userfaultfd, SR_DEC, SA_HEX),
	CALL(timerfd_create, SR_DEC, SA_CLOCKID, SA_HEX),
	CALL(timerfd_settime, SR_DEC, SA_INT, SA_TIMER_FLAGS, SA_PTR, SA_PTR),
	CALL(timerfd_gettime, SR_DEC, SA_INT, SA_PTR),
	CALL(signalfd, SR_DEC, SA_INT, SA_PTR, SA_ULONG),
	CALL(signalfd4, SR_DEC, SA_INT, SA_PTR, SA_ULONG, SA_HEX),
	CALL(epoll_create, SR_DEC, SA_INT),
	CALL(epoll_create1, SR_DEC, SA_HEX),
	CALL(epoll_ctl, SR_DEC, SA_INT, SA_INT, SA_INT, SA_PTR),
	CALL(epoll_wait, SR_DEC, SA_INT, SA_PTR, SA_INT, SA_INT),
	CALL(epoll_pwait, SR_DEC, SA_INT, SA_PTR, SA_INT, SA_INT, SA_PTR, SA_ULONG),
	CALL(epoll_pwait2, SR_DEC, SA_INT, SA_PTR, SA_INT, SA_TIMESPEC_IN, SA_PTR, SA_ULONG),
	CALL(pipe, SR_DEC, SA_PIPEFD_OUT),
	CALL(pipe2, SR_DEC, SA_PIPEFD_OUT, SA_FD_FLAGS),
	CALL(memfd_create, SR_DEC, SA_PATH, SA_HEX),
	CALL(socketpair, SR_DEC, SA_INT, SA_HEX, SA_INT, SA_PIPEFD_OUT),
	CALL(shutdown, SR_DEC, SA_INT, SA_INT),
	CALL(sendto, SR_DEC, SA_INT, SA_BUF_IN, SA_ULONG, SA_HEX, SA_PTR, SA_INT),
	CALL(recvfrom, SR_DEC, SA_INT, SA_BUF_OUT, SA_ULONG, SA_HEX, SA_PTR, SA_PTR),
	CALL(getpeername, SR_DEC, SA_INT, SA_PTR, SA_PTR),
	/* AF_UNIX sockets (hF) */
	CALL(socket, SR_DEC, SA_INT, SA_HEX, SA_INT),
	CALL(bind, SR_DEC, SA_INT, SA_PTR, SA_INT),
	CALL(listen, SR_DEC, SA_INT, SA_INT),
	CALL(connect, SR_DEC, SA_INT, SA_PTR, SA_INT),
	CALL(accept, SR_DEC, SA_INT, SA_PTR, SA_PTR),
	CALL(accept4, SR_DEC, SA_INT, SA_PTR, SA_PTR, SA_HEX),
	CALL(getsockname, SR_DEC, SA_INT, SA_PTR, SA_PTR),
	CALL(getsockopt, SR_DEC, SA_INT, SA_INT, SA_INT, SA_PTR, SA_PTR),
	CALL(setsockopt, SR_DEC, SA_INT, SA_INT, SA_INT, SA_PTR, SA_INT),
	CALL(sendmsg, SR_DEC, SA_INT, SA_PTR, SA_HEX),
	CALL(recvmsg, SR_DEC, SA_INT, SA_PTR, SA_HEX),
	CALL(sendmmsg, SR_DEC, SA_INT, SA_PTR, SA_INT, SA_HEX),
	CALL(recvmmsg, SR_DEC, SA_INT, SA_PTR, SA_INT, SA_HEX, SA_PTR),
	/* files: names */
	CALL(stat, SR_DEC, SA_PATH, SA_STAT_OUT),
	CALL(lstat, SR_DEC, SA_PATH, SA_STAT_OUT),
	CALL(fstat, SR_DEC, SA_INT, SA_STAT_OUT),
	CALL(newfstatat, SR_DEC, SA_DIRFD, SA_PATH, SA_STAT_OUT, SA_AT_FLAGS),
	CALL(statfs, SR_DEC, SA_PATH, SA_PTR),
	CALL(fstatfs, SR_DEC, SA_INT, SA_PTR),
	CALL(statx, SR_DEC, SA_DIRFD, SA_PATH, SA_AT_FLAGS, SA_HEX, SA_PTR),
	CALL(access, SR_DEC, SA_PATH, SA_ACCESS_MODE),
	CALL(faccessat, SR_DEC, SA_DIRFD, SA_PATH, SA_ACCESS_MODE),
	CALL(faccessat2, SR_DEC, SA_DIRFD, SA_PATH, SA_ACCESS_MODE, SA_ACCESS_FLAGS),
	CALL(readlink, SR_DEC, SA_PATH, SA_BUF_OUT, SA_ULONG),
	CALL(getxattr, SR_DEC, SA_PATH, SA_PATH, SA_PTR, SA_ULONG),
	CALL(lgetxattr, SR_DEC, SA_PATH, SA_PATH, SA_PTR, SA_ULONG),
	CALL(fgetxattr, SR_DEC, SA_INT, SA_PATH, SA_PTR, SA_ULONG),
	CALL(setxattr, SR_DEC, SA_PATH, SA_PATH, SA_BUF_IN, SA_ULONG, SA_HEX),
	CALL(lsetxattr, SR_DEC, SA_PATH, SA_PATH, SA_BUF_IN, SA_ULONG, SA_HEX),
	CALL(fsetxattr, SR_DEC, SA_INT, SA_PATH, SA_BUF_IN, SA_ULONG, SA_HEX),
	CALL(listxattr, SR_DEC, SA_PATH, SA_PTR, SA_ULONG),
	CALL(llistxattr, SR_DEC, SA_PATH, SA_PTR, SA_ULONG),
	CALL(flistxattr, SR_DEC, SA_INT, SA_PTR, SA_ULONG),
	CALL(removexattr, SR_DEC, SA_PATH, SA_PATH),
	CALL(lremovexattr, SR_DEC, SA_PATH, SA_PATH),
	CALL(fremovexattr, SR_DEC, SA_INT, SA_PATH),
	CALL(readlinkat, SR_DEC, SA_DIRFD, SA_PATH, SA_BUF_OUT, SA_ULONG),
	CALL(getcwd, SR_DEC, SA_STR_OUT, SA_ULONG),
	CALL(unlink, SR_DEC, SA_PATH),
	CALL(unlinkat, SR_DEC, SA_DIRFD, SA_PATH, SA_AT_FLAGS),
	CALL(rmdir, SR_DEC, SA_PATH),
	CALL(mkdir, SR_DEC, SA_PATH, SA_OCT),
	CALL(mkdirat, SR_DEC, SA_DIRFD, SA_PATH, SA_OCT),
	CALL(mknod, SR_DEC, SA_PATH, SA_OCT, SA_HEX),
	CALL(mknodat, SR_DEC, SA_DIRFD, SA_PATH, SA_OCT, SA_HEX),
	CALL(rename, SR_DEC, SA_PATH, SA_PATH),
	CALL(renameat, SR_DEC, SA_DIRFD, SA_PATH, SA_DIRFD, SA_PATH),
	CALL(symlink, SR_DEC, SA_PATH, SA_PATH),
	CALL(symlinkat, SR_DEC, SA_PATH, SA_DIRFD, SA_PATH),
	CALL(utimensat, SR_DEC, SA_DIRFD, SA_PATH, SA_PTR, SA_AT_FLAGS),
	/* files: links, owners, vectors (hA) */
	CALL(creat, SR_DEC, SA_PATH, SA_OPEN_MODE),
	CALL(link, SR_DEC, SA_PATH, SA_PATH),
	CALL(linkat, SR_DEC, SA_DIRFD, SA_PATH, SA_DIRFD, SA_PATH, SA_AT_FLAGS),
	CALL(chown, SR_DEC, SA_PATH, SA_INT, SA_INT),
	CALL(fchown, SR_DEC, SA_INT, SA_INT, SA_INT),
	CALL(lchown, SR_DEC, SA_PATH, SA_INT, SA_INT),
	CALL(fchownat, SR_DEC, SA_DIRFD, SA_PATH, SA_INT, SA_INT, SA_AT_FLAGS),
	CALL(utime, SR_DEC, SA_PATH, SA_PTR),
	CALL(utimes, SR_DEC, SA_PATH, SA_PTR),
	CALL(futimesat, SR_DEC, SA_DIRFD, SA_PATH, SA_PTR),
	CALL(renameat2, SR_DEC, SA_DIRFD, SA_PATH, SA_DIRFD, SA_PATH, SA_HEX),
	CALL0(sync),
	CALL(syncfs, SR_DEC, SA_INT),
	CALL(sync_file_range, SR_DEC, SA_INT, SA_LONG, SA_LONG, SA_HEX),
	CALL(readahead, SR_DEC, SA_INT, SA_LONG, SA_ULONG),
	CALL(preadv, SR_DEC, SA_INT, SA_IOV_OUT, SA_INT, SA_LONG, SA_LONG),
	CALL(pwritev, SR_DEC, SA_INT, SA_IOV_IN, SA_INT, SA_LONG, SA_LONG),
	CALL(preadv2, SR_DEC, SA_INT, SA_IOV_OUT, SA_INT, SA_LONG, SA_LONG, SA_HEX),
	CALL(pwritev2, SR_DEC, SA_INT, SA_IOV_IN, SA_INT, SA_LONG, SA_LONG, SA_HEX),
	CALL(copy_file_range, SR_DEC, SA_INT, SA_PTR, SA_INT, SA_PTR, SA_ULONG, SA_HEX),
	CALL(close_range, SR_DEC, SA_INT, SA_INT, SA_HEX),
	CALL(splice, SR_DEC, SA_INT, SA_PTR, SA_INT, SA_PTR, SA_ULONG, SA_HEX),
	CALL(vmsplice, SR_DEC, SA_INT, SA_IOV_IN, SA_ULONG, SA_HEX),
	/* System V shared memory (hH) */
	CALL(shmget, SR_DEC, SA_HEX, SA_ULONG, SA_OCT),
	/* POSIX message queues (hQ) */
	CALL(mq_open, SR_DEC, SA_PATH, SA_OPEN_FLAGS, SA_OCT, SA_PTR),
	CALL(mq_unlink, SR_DEC, SA_PATH),
	CALL(mq_timedsend, SR_DEC, SA_INT, SA_PTR, SA_ULONG, SA_INT, SA_PTR),
	CALL(mq_timedreceive, SR_DEC, SA_INT, SA_PTR, SA_ULONG, SA_PTR, SA_PTR),
	CALL(mq_notify, SR_DEC, SA_INT, SA_PTR),
	CALL(mq_getsetattr, SR_DEC, SA_INT, SA_PTR, SA_PTR),
	CALL(shmat, SR_HEX, SA_INT, SA_PTR, SA_HEX),
	CALL(shmdt, SR_DEC, SA_PTR),
	CALL(shmctl, SR_DEC, SA_INT, SA_INT, SA_PTR),
	/* System V semaphores (task/sem.c) */
	CALL(semget, SR_DEC, SA_HEX, SA_INT, SA_OCT),
	CALL(semop, SR_DEC, SA_INT, SA_PTR, SA_ULONG),
	CALL(semtimedop, SR_DEC, SA_INT, SA_PTR, SA_ULONG, SA_PTR),
	CALL(semctl, SR_DEC, SA_INT, SA_INT, SA_INT, SA_HEX),
	/* System V message queues (task/msg.c) */
	CALL(msgget, SR_DEC, SA_HEX, SA_OCT),
	CALL(msgsnd, SR_DEC, SA_INT, SA_PTR, SA_ULONG, SA_HEX),
	CALL(msgrcv, SR_DEC, SA_INT, SA_PTR, SA_ULONG, SA_INT, SA_HEX),
	CALL(msgctl, SR_DEC, SA_INT, SA_INT, SA_PTR),
	/* memory (mm.c) */
	CALL(brk, SR_HEX, SA_PTR),
	CALL(mmap, SR_HEX, SA_PTR, SA_ULONG, SA_PROT, SA_MAP_FLAGS, SA_INT, SA_HEX),
	CALL(munmap, SR_DEC, SA_PTR, SA_ULONG),
	CALL(mprotect, SR_DEC, SA_PTR, SA_ULONG, SA_PROT),
	CALL(madvise, SR_DEC, SA_PTR, SA_ULONG, SA_MADV),
	CALL(mremap, SR_HEX, SA_PTR, SA_ULONG, SA_ULONG, SA_HEX, SA_PTR),
	CALL(msync, SR_DEC, SA_PTR, SA_ULONG, SA_MSYNC_FLAGS),
	CALL(mincore, SR_DEC, SA_PTR, SA_ULONG, SA_PTR),
	CALL(mlock, SR_DEC, SA_PTR, SA_ULONG),
	CALL(mlock2, SR_DEC, SA_PTR, SA_ULONG, SA_HEX),
	CALL(munlock, SR_DEC, SA_PTR, SA_ULONG),
	CALL(mlockall, SR_DEC, SA_HEX),
	CALL0(munlockall),
	/* process */
	CALL(chmod, SR_DEC, SA_PATH, SA_OCT),
	CALL(fchmod, SR_DEC, SA_INT, SA_OCT),
	CALL(fchmodat, SR_DEC, SA_DIRFD, SA_PATH, SA_OCT),
	CALL(chdir, SR_DEC, SA_PATH),
	CALL(umask, SR_OCT, SA_OCT),
	CALL(fchdir, SR_DEC, SA_INT),
	/* processes */
	CALL0(fork),
	CALL0(vfork),
	CALL(clone, SR_DEC, SA_HEX, SA_PTR, SA_PTR, SA_PTR, SA_HEX),
	CALL(clone3, SR_DEC, SA_PTR, SA_ULONG),
	CALL(execve, SR_DEC, SA_PATH, SA_PTR, SA_PTR),
	CALL(execveat, SR_DEC, SA_DIRFD, SA_PATH, SA_PTR, SA_PTR, SA_HEX),
	CALL(unshare, SR_DEC, SA_HEX),
	CALL(setns, SR_DEC, SA_INT, SA_HEX),
	CALL(capget, SR_DEC, SA_PTR, SA_PTR),
	CALL(capset, SR_DEC, SA_PTR, SA_PTR),
	CALL(pidfd_open, SR_DEC, SA_INT, SA_HEX),
	CALL(pidfd_send_signal, SR_DEC, SA_INT, SA_SIGNAL, SA_PTR, SA_HEX),
	CALL(process_mrelease, SR_DEC, SA_INT, SA_HEX),
	CALL(pidfd_getfd, SR_DEC, SA_INT, SA_INT, SA_HEX),
	CALL(wait4, SR_DEC, SA_INT, SA_PTR, SA_HEX, SA_PTR),
	CALL(waitid, SR_DEC, SA_INT, SA_INT, SA_PTR, SA_HEX, SA_PTR),
	CALL(exit, SR_DEC, SA_INT),
	CALL(exit_group, SR_DEC, SA_INT),
	CALL(arch_prctl, SR_DEC, SA_ARCH_CODE, SA_ARCH_ADDR),
	CALL(set_tid_address, SR_DEC, SA_PTR),
	CALL(futex, SR_DEC, SA_PTR, SA_HEX, SA_INT, SA_PTR, SA_PTR, SA_HEX),
	CALL(futex_waitv, SR_DEC, SA_PTR, SA_INT, SA_HEX, SA_TIMESPEC_IN, SA_INT),
	CALL(set_robust_list, SR_DEC, SA_PTR, SA_ULONG),
	CALL(get_robust_list, SR_DEC, SA_INT, SA_PTR, SA_PTR),
	CALL(rseq, SR_DEC, SA_PTR, SA_HEX, SA_HEX, SA_HEX),
	CALL(seccomp, SR_DEC, SA_INT, SA_HEX, SA_PTR),
	CALL(prlimit64, SR_DEC, SA_INT, SA_RLIMIT_RES, SA_RLIMIT_IN, SA_RLIMIT_OUT),
	CALL(getrlimit, SR_DEC, SA_RLIMIT_RES, SA_RLIMIT_OUT),
	CALL(setrlimit, SR_DEC, SA_RLIMIT_RES, SA_RLIMIT_IN),
	CALL(uname, SR_DEC, SA_UTSNAME_OUT),
	CALL(prctl, SR_DEC, SA_PRCTL_OPT, SA_PRCTL_ARG),
	CALL0(getpid),
	CALL0(gettid),
	CALL0(getppid),
	CALL0(getuid),
	CALL0(geteuid),
	CALL0(getgid),
	CALL0(getegid),
	CALL(sched_getaffinity, SR_DEC, SA_INT, SA_ULONG, SA_CPUSET_OUT),
	CALL0(sched_yield),
	CALL(getrusage, SR_DEC, SA_RUSAGE_WHO, SA_PTR),
	CALL(rt_sigaction, SR_DEC, SA_SIGNAL, SA_PTR, SA_PTR, SA_ULONG),
	CALL(rt_sigprocmask, SR_DEC, SA_SIGHOW, SA_PTR, SA_PTR, SA_ULONG),
	/* signals (sys_signal.c) */
	CALL0(rt_sigreturn),
	CALL(rt_sigpending, SR_DEC, SA_PTR, SA_ULONG),
	CALL(rt_sigsuspend, SR_DEC, SA_PTR, SA_ULONG),
	CALL0(pause),
	CALL(sigaltstack, SR_DEC, SA_PTR, SA_PTR),
	CALL(kill, SR_DEC, SA_INT, SA_SIGNAL),
	CALL(tkill, SR_DEC, SA_INT, SA_SIGNAL),
	CALL(tgkill, SR_DEC, SA_INT, SA_INT, SA_SIGNAL),
	/* POSIX timers, signal waits (hE) */
	CALL(timer_create, SR_DEC, SA_CLOCKID, SA_PTR, SA_PTR),
	CALL(timer_settime, SR_DEC, SA_INT, SA_TIMER_FLAGS, SA_PTR, SA_PTR),
	CALL(timer_gettime, SR_DEC, SA_INT, SA_PTR),
	CALL(timer_getoverrun, SR_DEC, SA_INT),
	CALL(timer_delete, SR_DEC, SA_INT),
	CALL(rt_sigtimedwait, SR_DEC, SA_PTR, SA_PTR, SA_TIMESPEC_IN, SA_ULONG),
	CALL(rt_sigqueueinfo, SR_DEC, SA_INT, SA_SIGNAL, SA_PTR),
	CALL(rt_tgsigqueueinfo, SR_DEC, SA_INT, SA_INT, SA_SIGNAL, SA_PTR),
	CALL(setpgid, SR_DEC, SA_INT, SA_INT),
	CALL(getpgid, SR_DEC, SA_INT),
	CALL0(getpgrp),
	CALL0(setsid),
	CALL(getsid, SR_DEC, SA_INT),
	CALL(getrandom, SR_DEC, SA_HEXBUF_OUT, SA_ULONG, SA_GRND_FLAGS),
	CALL(sysinfo, SR_DEC, SA_PTR),
	/* time */
	CALL(clock_gettime, SR_DEC, SA_CLOCKID, SA_TIMESPEC_OUT),
	CALL(clock_getres, SR_DEC, SA_CLOCKID, SA_TIMESPEC_OUT),
	CALL(gettimeofday, SR_DEC, SA_TIMEVAL_OUT, SA_PTR),
	CALL(time, SR_DEC, SA_PTR),
	CALL(nanosleep, SR_DEC, SA_TIMESPEC_IN, SA_PTR),
	CALL(getitimer, SR_DEC, SA_ITIMER_WHICH, SA_ITIMERVAL_OUT),
	CALL(setitimer, SR_DEC, SA_ITIMER_WHICH, SA_ITIMERVAL_IN, SA_ITIMERVAL_OUT),
	CALL(alarm, SR_DEC, SA_ULONG),
	CALL(clock_nanosleep, SR_DEC, SA_CLOCKID, SA_TIMER_FLAGS, SA_TIMESPEC_IN, SA_PTR),
	/* inotify (hI) */
	CALL0(inotify_init),
	CALL(inotify_init1, SR_DEC, SA_INOTIFY_FLAGS),
	CALL(inotify_add_watch, SR_DEC, SA_INT, SA_PATH, SA_INOTIFY_MASK),
	CALL(inotify_rm_watch, SR_DEC, SA_INT, SA_INT),
};

#define TABLE_SIZE (sizeof(table) / sizeof(table[0]))

static int64_t run(struct kernel *k, struct cpu_context *ctx, const struct syscall_desc *d,
		   const uint64_t a[6])
{
	if (d)
		return d->fn(k, ctx, a);
	k->stats.syscalls_unknown++;
	return -ENOSYS;
}

/* strace's reader: page by page, so a fault stops it where it happens. */
static size_t read_user(void *ctx, void *dst, uint64_t va, size_t n)
{
	struct kernel *k = ctx;
	size_t done = 0;
	while (done < n) {
		size_t piece = PAGE_SIZE - ((va + done) & (PAGE_SIZE - 1));
		if (piece > n - done)
			piece = n - done;
		if (copy_from_user(k, (char *)dst + done, va + done, piece) < 0)
			break;
		done += piece;
	}
	return done;
}

/* One line per call, as strace -f shows it: "[pid N] " once there are
 * several processes; a call that blocks is shown when it completes. */
static int64_t run_traced(struct kernel *k, struct cpu_context *ctx,
			  const struct syscall_desc *d, uint64_t nr, const uint64_t a[6],
			  const int64_t *skipped)
{
	struct strace_line l; /* large: left uninitialized, strace_enter starts it */
	l.read = read_user;
	l.read_ctx = k;
	/* Input arguments are shown before the call, as they were. */
	strace_enter(&l, d, nr, a);
	struct process *p = k->current;
	int64_t ret = skipped ? *skipped : run(k, ctx, d, a);
	FILE *out = k->cfg.strace;
	const char *prefix = k->nprocs > 1 ? "[pid %d] " : "";
	if (ret == -ERESTARTSYS)
		return ret;
	if (p->exited) {
		strace_noreturn(&l);
		fprintf(out, prefix, p->pid);
		fprintf(out, "%s\n", l.s);
		fprintf(out, prefix, p->pid);
		if (p->term_signal)
			fprintf(out, "+++ killed by SIG%s +++\n", sigabbrev_np(p->term_signal));
		else
			fprintf(out, "+++ exited with %d +++\n", p->exit_code);
		return ret;
	}
	strace_exit(&l, d, a, ret);
	fprintf(out, prefix, p->pid);
	fprintf(out, "%s\n", l.s);
	return ret;
}

/* PTRACE_O_SUSPEND_SECCOMP: a checkpointing tracer runs the tracee's
 * calls unfiltered. */
static bool seccomp_suspended(const struct process *p)
{
	return p->ptrace.tracer && (p->ptrace.options & PTRACE_O_SUSPEND_SECCOMP);
}

/* Back to user mode after a call (or one seccomp skipped), ret its
 * result: the exit stop of a tracee, then signals. */
static bool syscall_exit_to_user_mode(struct kernel *k, struct process *p,
				      struct cpu_context *ctx, uint64_t rip, int64_t ret)
{
	/* exec and sigreturn load a whole new context: leave it as it is. */
	bool replaced = ctx->rip != rip;
	if (!replaced) {
		ctx->rax = (uint64_t)ret;
		ctx->rip = rip + SYSCALL_INSN_LEN;
		/* SYSCALL leaves the return address in RCX and RFLAGS in R11. */
		ctx->rcx = ctx->rip;
		ctx->r11 = ctx->rflags;
	}
	if (p->ptrace.tracer && ptrace_syscall_exit(k, p))
		return true;
	if (signal_deliver(k, p))
		replaced = true;
	return replaced || p->state != PROC_RUNNABLE || p->exited;
}

/* A call seccomp did not let run (its result in rax), shown by --strace
 * as it returns. */
static bool syscall_skipped(struct kernel *k, struct process *p, struct cpu_context *ctx,
			    uint64_t nr)
{
	uint64_t rip = ctx->rip;
	const uint64_t a[6] = {ctx->rdi, ctx->rsi, ctx->rdx, ctx->r10, ctx->r8, ctx->r9};
	int64_t ret = (int64_t)ctx->rax;
	const struct syscall_desc *d = nr < TABLE_SIZE && table[nr].fn ? &table[nr] : NULL;
	if (k->cfg.strace)
		run_traced(k, ctx, d, nr, a, &ret);
	return syscall_exit_to_user_mode(k, p, ctx, rip, ret);
}

/* A call Syscall User Dispatch sent back: past its SYSCALL as if it had
 * run, rax still its number, to the SIGSYS; no exit stop either (Linux's
 * on_dispatch: the call's ABI is the program's own). */
static bool syscall_dispatched(struct kernel *k, struct process *p, struct cpu_context *ctx)
{
	if (!p->exited) {
		ctx->rip += SYSCALL_INSN_LEN;
		ctx->rcx = ctx->rip;
		ctx->r11 = ctx->rflags;
		signal_deliver(k, p);
	}
	return true;
}

bool kernel_syscall(struct kernel *k, struct cpu_context *ctx)
{
	struct process *p = k->current;
	bool after_trace = false;
	/* Before ptrace and seccomp, as Linux's syscall_trace_enter; once
	 * for a call made again after a sleep. */
	if (p->sud.on && !p->restart_syscall && syscall_user_dispatch(k, p, ctx))
		return syscall_dispatched(k, p, ctx);
	if (p->ptrace.tracer) {
		after_trace = p->ptrace.seccomp_resumed;
		p->ptrace.seccomp_resumed = false;
		/* A traced task's entry stop, or the call its tracer skipped. */
		if (ptrace_syscall_entry(k, p, ctx))
			return true;
	}
	/* seccomp after the entry stop, as Linux: it judges what the tracer
	 * left. A call made again after a sleep entered once, unless it
	 * sleeps for a user notification's answer; one answered CONTINUE as
	 * a handler interrupted it runs. */
	if (p->seccomp.notif_continue) {
		p->seccomp.notif_continue = false;
	} else if (p->seccomp.mode && (!p->restart_syscall || p->seccomp.knotif) &&
		   !seccomp_suspended(p)) {
		uint64_t nr = ctx->rax;
		enum seccomp_verdict v = secure_computing(k, p, ctx, after_trace);
		if (v == SECCOMP_WAIT) { /* made again from its SYSCALL once woken */
			p->restart_syscall = true;
			return true;
		}
		if (p->restart_syscall) { /* answered: the call is over, or runs anew */
			p->restart_syscall = false;
			p->wake_at = 0;
			p->io_done = 0;
		}
		if (v == SECCOMP_STOPPED)
			return true;
		if (v == SECCOMP_SKIP)
			return syscall_skipped(k, p, ctx, nr);
	}
	uint64_t nr = ctx->rax, rip = ctx->rip;
	const uint64_t a[6] = {ctx->rdi, ctx->rsi, ctx->rdx, ctx->r10, ctx->r8, ctx->r9};
	/* The call is the low 32 bits of rax (Linux's do_syscall_64 takes an
	 * int); the whole of it is what a restart puts back. */
	uint32_t unr = (uint32_t)nr;
	const struct syscall_desc *d = unr < TABLE_SIZE && table[unr].fn ? &table[unr] : NULL;
	k->stats.syscalls++;
	if (!p->restart_syscall) { /* a new call: no deadline, nothing done yet */
		p->wake_at = 0;
		p->io_done = 0;
	}
	p->restart_syscall = false; /* running (again) from its SYSCALL */
	reclaim_direct(k);
	if (p->exited)
		return true; /* the OOM killer chose this process */
	cred_host_sync(k);
	int64_t ret = k->cfg.strace ? run_traced(k, ctx, d, nr, a, NULL) : run(k, ctx, d, a);
	if (k->trace) {
		struct kernel_syscall_event e = {
			.pid = p->pid, .nr = nr, .name = d ? d->name : NULL, .nargs = d ? d->nargs : 6,
			.args = {a[0], a[1], a[2], a[3], a[4], a[5]},
			.ret = ret, .restart = ret == -ERESTARTSYS, .noreturn = p->exited,
		};
		ktrace_syscall(k, &e);
	}
	if (p->exited)
		return true;
	if (ret == -ERESTARTSYS) {
		/* Made again from its SYSCALL when p runs next (or interrupted
		 * by a signal: signal_deliver decides). */
		ctx->rax = nr;
		p->restart_syscall = true;
		return true;
	}
	return syscall_exit_to_user_mode(k, p, ctx, rip, ret);
}
