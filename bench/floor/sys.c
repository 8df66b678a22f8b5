/* sys.c - the floor runner's system calls: the few these programs make,
 * passed to the host with guest pointers turned into host pointers, or
 * answered here (memory, thread and signal set-up, exit). Anything else
 * gets ENOSYS, reported once on stderr. */
#include <asm/prctl.h>
#include <errno.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "floor.h"

/* Calls passed to the host: PASS, plus P(i) for each argument i that is a
 * pointer. */
#define PASS 0x100u
#define P(i) (1u << (i))
static const unsigned pass[] = {
	[SYS_read] = PASS | P(1),
	[SYS_write] = PASS | P(1),
	[SYS_pread64] = PASS | P(1),
	[SYS_pwrite64] = PASS | P(1),
	[SYS_open] = PASS | P(0),
	[SYS_openat] = PASS | P(1),
	[SYS_close] = PASS,
	[SYS_lseek] = PASS,
	[SYS_fcntl] = PASS,
	[SYS_dup2] = PASS,
	[SYS_stat] = PASS | P(0) | P(1),
	[SYS_lstat] = PASS | P(0) | P(1),
	[SYS_fstat] = PASS | P(1),
	[SYS_newfstatat] = PASS | P(1) | P(2),
	[SYS_access] = PASS | P(0),
	[SYS_readlink] = PASS | P(0) | P(1),
	[SYS_getcwd] = PASS | P(0),
	[SYS_uname] = PASS | P(0),
	[SYS_sysinfo] = PASS | P(0),
	[SYS_getrandom] = PASS | P(0),
	[SYS_clock_gettime] = PASS | P(1),
	[SYS_gettimeofday] = PASS | P(0) | P(1),
	[SYS_prlimit64] = PASS | P(2) | P(3),
	[SYS_getpid] = PASS,
	[SYS_gettid] = PASS,
	[SYS_getuid] = PASS,
	[SYS_geteuid] = PASS,
	[SYS_getgid] = PASS,
	[SYS_getegid] = PASS,
};
#define NCALLS (sizeof(pass) / sizeof(pass[0]))

static int64_t pass_through(struct floor *f, uint64_t nr, uint64_t a[6])
{
	for (int i = 0; i < 6; i++) {
		if (!(pass[nr] & P(i)) || a[i] == 0)
			continue;
		void *p = floor_ptr(f, a[i], 1);
		if (!p)
			return -EFAULT;
		a[i] = (uint64_t)p;
	}
	long r = syscall((long)nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	return r < 0 ? -errno : r;
}

/* readv/writev: the iovec array and every buffer in it are translated. */
static int64_t vector_io(struct floor *f, uint64_t nr, uint64_t a[6])
{
	const struct iovec *giov = floor_ptr(f, a[1], a[2] * sizeof(struct iovec));
	if (!giov || a[2] > 1024)
		return -EINVAL;
	struct iovec iov[a[2] ? a[2] : 1];
	for (uint64_t i = 0; i < a[2]; i++) {
		iov[i].iov_len = giov[i].iov_len;
		iov[i].iov_base = floor_ptr(f, (uint64_t)giov[i].iov_base, giov[i].iov_len);
		if (!iov[i].iov_base && iov[i].iov_len)
			return -EFAULT;
	}
	ssize_t r = nr == SYS_writev ? writev((int)a[0], iov, (int)a[2])
				     : readv((int)a[0], iov, (int)a[2]);
	return r < 0 ? -errno : r;
}

static void unsupported(uint64_t nr)
{
	static uint8_t said[512];
	if (nr < sizeof(said) && !said[nr]++)
		fprintf(stderr, "floor: system call %llu is not supported (ENOSYS)\n",
			(unsigned long long)nr);
}

static int64_t dispatch(struct floor *f, uint64_t nr, uint64_t a[6])
{
	switch (nr) {
	case SYS_brk: return floor_brk(f, a[0]);
	case SYS_mmap: return floor_mmap(f, a[0], a[1], (int)a[2], (int)a[3], (int)a[4], (int64_t)a[5]);
	case SYS_munmap: return floor_munmap(f, a[0], a[1]);
	case SYS_mremap: return floor_mremap(f, a[0], a[1], a[2], (int)a[3]);
	case SYS_madvise: return floor_madvise(f, a[0], a[1], (int)a[2]);
	case SYS_mprotect: return 0; /* the fill gives fixed permissions */
	case SYS_readv:
	case SYS_writev: return vector_io(f, nr, a);
	case SYS_ioctl: return -ENOTTY;
	case SYS_rseq: return -ENOSYS; /* glibc runs without it */
	case SYS_arch_prctl:
		if (a[0] != ARCH_SET_FS)
			return -EINVAL;
		uc_reg_write(f->uc, UC_X86_REG_FS_BASE, &a[1]);
		return 0;
	case SYS_set_tid_address: return getpid();
	case SYS_set_robust_list:
	case SYS_rt_sigaction:
	case SYS_rt_sigprocmask:
	case SYS_sigaltstack:
	case SYS_prctl:
	case SYS_futex: return 0; /* one thread, no signals */
	case SYS_exit:
	case SYS_exit_group:
		f->exited = true;
		f->exit_status = (int)(a[0] & 0xff);
		uc_emu_stop(f->uc);
		return 0;
	}
	if (nr < NCALLS && (pass[nr] & PASS))
		return pass_through(f, nr, a);
	unsupported(nr);
	return -ENOSYS;
}

void floor_syscall(uc_engine *uc, void *user)
{
	static const int regs[] = {UC_X86_REG_RAX, UC_X86_REG_RDI, UC_X86_REG_RSI, UC_X86_REG_RDX,
				   UC_X86_REG_R10, UC_X86_REG_R8,  UC_X86_REG_R9};
	uint64_t nr, a[6];
	void *ptrs[] = {&nr, &a[0], &a[1], &a[2], &a[3], &a[4], &a[5]};
	uc_reg_read_batch(uc, (int *)regs, ptrs, 7);
	int64_t ret = dispatch(user, nr, a);
	uc_reg_write(uc, UC_X86_REG_RAX, &ret);
}
