/* vsyscall.c - the vsyscall page at VSYSCALL_ADDR in Linux's default
 * mode, vsyscall=xonly (arch/x86/entry/vsyscall/vsyscall_64.c): nothing
 * is mapped there, so a read faults (SIGSEGV) and a call faults too, as
 * an instruction fetch; the #PF handler then runs the call the entry
 * point names (gettimeofday at +0x0, time at +0x400, getcpu at +0x800)
 * as the system call, puts its result in rax and returns to the caller
 * as a RET would. A fetch anywhere else in the page, or a pointer
 * argument the call cannot write, is SIGSEGV. */
#include <errno.h>
#include <signal.h>
#include <sys/time.h>

#include "kern.h"
#include "mm/mm.h"
#include "sys/sys.h"
#include "task/task.h"

#define VSYSCALL_ENTRY_SIZE 0x400

/* An argument the call would write, unless NULL, must be a user address
 * (Linux's write_ok_or_segv: access_ok only; a fault in the call itself
 * is -EFAULT). */
static bool write_ok_or_segv(struct process *p, uint64_t ptr, uint64_t size)
{
	if (!ptr || (ptr < p->mm->task_size && size <= p->mm->task_size - ptr))
		return true;
	struct mmu_fault f = {MMU_FAULT_NOT_PRESENT, ptr, X86_PF_U | X86_PF_W, 0};
	force_sig_fault(p, SIGSEGV, SEGV_MAPERR, &f, MMU_WRITE);
	return false;
}

bool emulate_vsyscall(struct kernel *k, const struct mmu_fault *f, enum mmu_access access)
{
	if (access != MMU_FETCH || (f->cr2 & ~(PAGE_SIZE - 1)) != VSYSCALL_ADDR)
		return false;
	struct process *p = k->current;
	struct cpu_context *ctx = &p->ctx;
	uint64_t off = f->cr2 - VSYSCALL_ADDR, caller, a[6] = {ctx->rdi, ctx->rsi};
	if (off % VSYSCALL_ENTRY_SIZE || off / VSYSCALL_ENTRY_SIZE > 2 || ctx->rip != f->cr2 ||
	    copy_from_user(k, &caller, ctx->rsp, sizeof(caller))) {
		force_fatal_sig(p, SIGSEGV);
		return true;
	}
	int64_t ret;
	switch (off / VSYSCALL_ENTRY_SIZE) {
	case 0:
		if (!write_ok_or_segv(p, a[0], sizeof(struct timeval)) ||
		    !write_ok_or_segv(p, a[1], sizeof(struct timezone)))
			return true;
		ret = sys_gettimeofday(k, ctx, a);
		break;
	case 1:
		if (!write_ok_or_segv(p, a[0], sizeof(int64_t)))
			return true;
		ret = sys_time(k, ctx, a);
		break;
	default:
		if (!write_ok_or_segv(p, a[0], sizeof(unsigned)) ||
		    !write_ok_or_segv(p, a[1], sizeof(unsigned)))
			return true;
		ret = sys_getcpu(k, ctx, a); /* a[2], the cache, is NULL: rdx is kept */
		break;
	}
	if (ret == -EFAULT) { /* a bad pointer (Linux: "vsyscall fault") */
		force_fatal_sig(p, SIGSEGV);
		return true;
	}
	ctx->rax = (uint64_t)ret;
	ctx->rip = caller;
	ctx->rsp += sizeof(caller);
	return true;
}
