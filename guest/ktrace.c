/* ktrace.c - the kernel's trace points for tracers and debuggers (struct
 * kernel_trace in kernel.h): what the fault handler did, each system
 * call, each switch of process. Each costs one test of k->trace when no
 * tracer is installed.
 *
 * A fault's outcome is read from the counters the handler keeps anyway
 * (each handled fault moves exactly one of them), so the handler itself
 * carries no tracing code. */
#include <signal.h>

#include "kern.h"
#include "mm/mm.h"
#include "task/task.h"

void kernel_set_trace(struct kernel *k, const struct kernel_trace *t)
{
	k->trace = t;
}

const char *kernel_fault_outcome_name(enum kernel_fault_outcome o)
{
	static const char *const names[] = {
		[KFAULT_DEMAND_ZERO] = "demand-zero", [KFAULT_ZERO_PAGE] = "zero-page",
		[KFAULT_FILE_READ] = "file-read",     [KFAULT_FILE_CACHED] = "file-cached",
		[KFAULT_SWAP_IN] = "swap-in",         [KFAULT_SWAP_CACHE] = "swap-cache",
		[KFAULT_COW_COPIED] = "cow-copied",   [KFAULT_COW_REUSED] = "cow-reused",
		[KFAULT_COW_ZERO] = "cow-zero",       [KFAULT_SHARED_WRITE] = "shared-write",
		[KFAULT_SPURIOUS] = "spurious",       [KFAULT_SIGSEGV] = "sigsegv",
		[KFAULT_SIGBUS] = "sigbus",           [KFAULT_EFAULT] = "efault",
		[KFAULT_KILLED] = "killed",           [KFAULT_USERFAULT] = "userfault",
	};
	return (unsigned)o < sizeof(names) / sizeof(names[0]) ? names[o] : "?";
}

/* The PTE that maps va in the current address space, read without side
 * effects; 0 when the walk stops above the page table. */
static uint64_t current_pte(struct kernel *k, uint64_t va)
{
	struct mmu_req req = {.va = va, .access = MMU_READ};
	struct mmu_translation t;
	struct mmu_fault f;
	struct mmu_walk_record rec;
	mmu_probe(&k->mmu.phys, &k->mmu.regs, &req, &t, &f, &rec);
	if (rec.nsteps == 0)
		return 0;
	const struct mmu_walk_step *last = &rec.step[rec.nsteps - 1];
	return last->level == 1 || (last->old_value & PTE_PS) ? last->old_value : 0;
}

void ktrace_fault_begin(struct kernel *k, const struct mmu_fault *f, struct ktrace_fault *kf)
{
	kf->before = k->stats;
	kf->pte = current_pte(k, f->cr2);
}

static enum kernel_fault_outcome outcome(const struct kernel_stats *b, const struct kernel_stats *a,
					 enum mmu_access access)
{
	if (a->faults_demand_zero != b->faults_demand_zero)
		return access == MMU_WRITE ? KFAULT_DEMAND_ZERO : KFAULT_ZERO_PAGE;
	if (a->faults_file != b->faults_file)
		return a->cache_reads != b->cache_reads ? KFAULT_FILE_READ : KFAULT_FILE_CACHED;
	if (a->faults_swap != b->faults_swap)
		return a->swap_ins != b->swap_ins ? KFAULT_SWAP_IN : KFAULT_SWAP_CACHE;
	if (a->cow_copied != b->cow_copied)
		return KFAULT_COW_COPIED;
	if (a->cow_reused != b->cow_reused)
		return KFAULT_COW_REUSED;
	if (a->cow_zero != b->cow_zero)
		return KFAULT_COW_ZERO;
	if (a->faults_cow != b->faults_cow)
		return KFAULT_SHARED_WRITE;
	return KFAULT_SPURIOUS;
}

void ktrace_fault_end(struct kernel *k, const struct mmu_fault *f, enum mmu_access access,
		      bool user, bool fixed, const struct fault_signal *why, const struct ktrace_fault *kf)
{
	struct process *p = k->current;
	struct kernel_fault_event e = {
		.pid = p->pid, .user = user, .access = access, .fault = f,
		.pte_old = kf->pte, .pte_new = current_pte(k, f->cr2),
	};
	if (p->exited)
		e.outcome = KFAULT_KILLED;
	else if (fixed)
		e.outcome = outcome(&kf->before, &k->stats, access);
	else if (!user)
		e.outcome = KFAULT_EFAULT;
	else if (why->retry)
		e.outcome = KFAULT_USERFAULT;
	else
		e.outcome = why->sig == SIGBUS ? KFAULT_SIGBUS : KFAULT_SIGSEGV;
	k->trace->fault(k->trace->ctx, &e);
}

void ktrace_syscall(struct kernel *k, const struct kernel_syscall_event *e)
{
	if (k->trace->syscall)
		k->trace->syscall(k->trace->ctx, e);
}

void ktrace_sched(struct kernel *k, const struct process *from, const struct process *to)
{
	if (k->trace->sched)
		k->trace->sched(k->trace->ctx, from ? from->pid : 0, to->pid);
}
