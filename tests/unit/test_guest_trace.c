/* test_guest_trace.c - what the kernel tells tracers and debuggers (struct
 * kernel_trace, inspect.c): the outcome of each fault (demand-zero, zero
 * page, copy-on-write copied and reused, swap-in, SIGSEGV, EFAULT) with
 * the PTE before and after, system calls, switches of process, and the
 * process list, registers, tables and maps a debugger reads. A real
 * kernel (64 MiB, 16 MiB of swap) without a CPU. */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include "guest_fixture.h"
#include "unit.h"

#define A 0x10000000ULL
#define NOWHERE 0x20000000ULL
#define RW (VM_READ | VM_WRITE)
#define MAX_EVENTS 16

static struct {
	int nfault, nsyscall, nsched;
	struct kernel_fault_event fault[MAX_EVENTS];
	struct mmu_fault fault_rec[MAX_EVENTS];
	struct kernel_syscall_event syscall[MAX_EVENTS];
	int sched_from[MAX_EVENTS], sched_to[MAX_EVENTS];
} seen;

static void on_fault(void *ctx, const struct kernel_fault_event *e)
{
	(void)ctx;
	ck_assert_int_lt(seen.nfault, MAX_EVENTS);
	seen.fault_rec[seen.nfault] = *e->fault;
	seen.fault[seen.nfault] = *e;
	seen.fault[seen.nfault].fault = &seen.fault_rec[seen.nfault];
	seen.nfault++;
}

static void on_syscall(void *ctx, const struct kernel_syscall_event *e)
{
	(void)ctx;
	ck_assert_int_lt(seen.nsyscall, MAX_EVENTS);
	seen.syscall[seen.nsyscall++] = *e;
}

static void on_sched(void *ctx, int from, int to)
{
	(void)ctx;
	ck_assert_int_lt(seen.nsched, MAX_EVENTS);
	seen.sched_from[seen.nsched] = from;
	seen.sched_to[seen.nsched++] = to;
}

static const struct kernel_trace tracer = {NULL, on_fault, on_syscall, on_sched};

static void setup(void)
{
	const struct kernel_config cfg = {.mem_size = GUEST_MEM_SIZE, .swap_size = 16ULL << 20};
	guest_setup(&cfg);
	memset(&seen, 0, sizeof(seen));
	kernel_set_trace(k, &tracer);
	map(A, 4 * PAGE_SIZE, RW);
}

/* A user access as the CPU makes it; returns whether it was allowed. */
static bool touch(uint64_t va, enum mmu_access access)
{
	uint64_t pa;
	unsigned prot;
	return kernel_tlb_fill(k, va, access, &pa, &prot);
}

static uint64_t pte_of(uint64_t va)
{
	uint64_t *pte = pgtable_pte(k, k->current->mm, va, false);
	return pte ? *pte : 0;
}

static const struct kernel_fault_event *last_fault(void)
{
	ck_assert_int_gt(seen.nfault, 0);
	return &seen.fault[seen.nfault - 1];
}

START_TEST(test_demand_zero_and_zero_page)
{
	ck_assert(touch(A + 8, MMU_WRITE));
	ck_assert_int_eq(seen.nfault, 1);
	const struct kernel_fault_event *e = last_fault();
	ck_assert_int_eq(e->outcome, KFAULT_DEMAND_ZERO);
	ck_assert_int_eq(e->pid, p->pid);
	ck_assert(e->user);
	ck_assert_int_eq(e->access, MMU_WRITE);
	ck_assert_uint_eq(e->fault->cr2, A + 8);
	ck_assert_uint_eq(e->fault->error_code, X86_PF_W | X86_PF_U);
	ck_assert_uint_eq(e->pte_old, 0);
	/* The PTE the handler wrote; the retried walk then set A and D. */
	ck_assert_uint_ne(e->pte_new & PTE_P, 0);
	ck_assert_uint_eq(e->pte_new & (PTE_A | PTE_D), 0);
	ck_assert_uint_eq(e->pte_new | PTE_A | PTE_D, pte_of(A));

	ck_assert(touch(A + PAGE_SIZE, MMU_READ));
	ck_assert_int_eq(last_fault()->outcome, KFAULT_ZERO_PAGE);
	ck_assert_uint_eq(last_fault()->pte_new & PTE_ADDR_MASK, ZERO_PAGE_PA);
	ck_assert_str_eq(kernel_fault_outcome_name(KFAULT_DEMAND_ZERO), "demand-zero");
	ck_assert_str_eq(kernel_fault_outcome_name(KFAULT_COW_COPIED), "cow-copied");
}
END_TEST

START_TEST(test_cow_copied_then_reused)
{
	struct process *parent = p;
	ck_assert(touch(A, MMU_WRITE));
	ck_assert(touch(A + PAGE_SIZE, MMU_WRITE));
	struct cpu_context ctx = parent->ctx;
	const uint64_t a[6] = {0};
	int64_t pid = sys_fork(k, &ctx, a);
	ck_assert_int_gt(pid, 1);
	struct process *child = process_find(k, (int)pid);

	ck_assert(touch(A, MMU_WRITE)); /* shared with the child: copied */
	const struct kernel_fault_event *e = last_fault();
	ck_assert_int_eq(e->outcome, KFAULT_COW_COPIED);
	ck_assert_uint_eq(e->fault->error_code, X86_PF_P | X86_PF_W | X86_PF_U);
	ck_assert_uint_ne(e->pte_old & PTE_ADDR_MASK, e->pte_new & PTE_ADDR_MASK);
	ck_assert_uint_eq(e->pte_old & PTE_W, 0);
	ck_assert_uint_ne(e->pte_new & PTE_W, 0);

	process_exit(k, child, 0);
	ck_assert(touch(A + PAGE_SIZE, MMU_WRITE)); /* the last user: reused */
	e = last_fault();
	ck_assert_int_eq(e->outcome, KFAULT_COW_REUSED);
	ck_assert_uint_eq(e->pte_old & PTE_ADDR_MASK, e->pte_new & PTE_ADDR_MASK);
}
END_TEST

START_TEST(test_swap_in)
{
	char page[PAGE_SIZE];
	memset(page, 'x', sizeof(page));
	ck_assert_int_eq(copy_to_user(k, A, page, PAGE_SIZE), 0);
	ck_assert_int_eq(seen.fault[0].outcome, KFAULT_DEMAND_ZERO);
	ck_assert(!seen.fault[0].user); /* the kernel's own copy */
	ck_assert_uint_eq(reclaim(k, 1), 1);
	ck_assert(pte_is_swap(pte_of(A)));
	uint64_t swapped = pte_of(A);

	ck_assert(touch(A, MMU_READ));
	const struct kernel_fault_event *e = last_fault();
	ck_assert_int_eq(e->outcome, KFAULT_SWAP_IN);
	ck_assert_uint_eq(e->pte_old, swapped);
	ck_assert_uint_eq(e->fault->error_code, X86_PF_U);
	ck_assert_uint_ne(e->pte_new & PTE_P, 0);
}
END_TEST

START_TEST(test_sigsegv_and_efault)
{
	ck_assert(!touch(NOWHERE, MMU_WRITE));
	ck_assert_int_eq(last_fault()->outcome, KFAULT_SIGSEGV);
	struct kernel_siginfo si;
	ck_assert(kernel_pending_fatal(k, &si));
	ck_assert_int_eq(si.signo, SIGSEGV);
	ck_assert_int_eq(si.code, SEGV_MAPERR);
	ck_assert_uint_eq(si.addr, NOWHERE);

	char c = 0;
	ck_assert_int_eq(copy_to_user(k, NOWHERE + PAGE_SIZE, &c, 1), -EFAULT);
	ck_assert_int_eq(last_fault()->outcome, KFAULT_EFAULT);
	ck_assert(!last_fault()->user);
}
END_TEST

/* A missing page of a range a userfaultfd has: the fill fails with no
 * signal, the task sleeps until the page is filled and woken, and the
 * fill asked again succeeds (mm/userfaultfd.c). */
START_TEST(test_userfault)
{
	struct userfaultfd_ctx *ctx = userfaultfd_ctx_create(k, 0);
	uint64_t ioctls;
	ck_assert_ptr_nonnull(ctx);
	ctx->initialized = true;
	ck_assert_int_eq(userfaultfd_register(k, ctx, A, 2 * PAGE_SIZE, VM_UFFD_MISSING, &ioctls), 0);
	unsigned stops = stop_calls;
	ck_assert(!touch(A + PAGE_SIZE + 8, MMU_WRITE));
	ck_assert_int_eq(last_fault()->outcome, KFAULT_USERFAULT);
	ck_assert_uint_eq(stop_calls, stops + 1); /* the CPU leaves the task */
	ck_assert_int_eq(p->state, PROC_BLOCKED);
	struct kernel_siginfo si;
	ck_assert(!kernel_pending_fatal(k, &si));
	uint8_t msg[32];
	uint64_t addr, flags;
	ck_assert(userfaultfd_take_msg(k, ctx, msg));
	memcpy(&flags, msg + 8, 8);
	memcpy(&addr, msg + 16, 8);
	ck_assert_uint_eq(msg[0], 0x12); /* UFFD_EVENT_PAGEFAULT */
	ck_assert_uint_eq(flags, 1);     /* UFFD_PAGEFAULT_FLAG_WRITE */
	ck_assert_uint_eq(addr, A + PAGE_SIZE);
	ck_assert(!userfaultfd_take_msg(k, ctx, msg));
	ck_assert_int_eq(mfill_atomic_zeropage(k, ctx, A + PAGE_SIZE, PAGE_SIZE), PAGE_SIZE);
	ck_assert_int_eq(mfill_atomic_zeropage(k, ctx, A + PAGE_SIZE, PAGE_SIZE), -EEXIST);
	ck_assert_int_eq(p->state, PROC_BLOCKED); /* filled, not woken yet */
	userfaultfd_wake_range(k, ctx, A, PAGE_SIZE);
	ck_assert_int_eq(p->state, PROC_BLOCKED); /* another page's wake */
	userfaultfd_wake_range(k, ctx, A + PAGE_SIZE, PAGE_SIZE);
	ck_assert_int_eq(p->state, PROC_RUNNABLE);
	ck_assert(touch(A + PAGE_SIZE + 8, MMU_WRITE)); /* copy-on-write of the zero page */
	ck_assert_int_eq(last_fault()->outcome, KFAULT_COW_ZERO);
	userfaultfd_ctx_release(k, ctx);
	ck_assert(touch(A, MMU_WRITE)); /* no userfaultfd now */
	ck_assert_int_eq(last_fault()->outcome, KFAULT_DEMAND_ZERO);
}
END_TEST

START_TEST(test_no_pending_fatal)
{
	struct kernel_siginfo si;
	ck_assert(!kernel_pending_fatal(k, &si));
}
END_TEST

START_TEST(test_syscall_event)
{
	int64_t ret = guest_syscall(SYS_getpid, 0, 0, 0, 0);
	ck_assert_int_eq(ret, p->pid);
	ck_assert_int_eq(seen.nsyscall, 1);
	ck_assert_uint_eq(seen.syscall[0].nr, SYS_getpid);
	ck_assert_str_eq(seen.syscall[0].name, "getpid");
	ck_assert_int_eq(seen.syscall[0].ret, p->pid);
	ck_assert(!seen.syscall[0].restart);
	guest_syscall(0x1f4, 1, 2, 3, 4); /* unknown */
	ck_assert_ptr_null(seen.syscall[1].name);
	ck_assert_uint_eq(seen.syscall[1].args[3], 4);
	ck_assert_int_eq(seen.syscall[1].ret, -ENOSYS);
}
END_TEST

START_TEST(test_sched_event_and_processes)
{
	struct cpu_context ctx = p->ctx;
	const uint64_t a[6] = {0};
	int64_t pid = sys_fork(k, &ctx, a);
	struct process *child = process_find(k, (int)pid);
	kernel_start(k, child);
	ck_assert_int_eq(seen.nsched, 1);
	ck_assert_int_eq(seen.sched_from[0], p->pid);
	ck_assert_int_eq(seen.sched_to[0], (int)pid);
	ck_assert_int_eq(kernel_current_pid(k), (int)pid);

	struct kernel_proc procs[4];
	ck_assert_int_eq(kernel_procs(k, procs, 4), 2);
	ck_assert_int_eq(procs[0].pid, p->pid);
	ck_assert(!procs[0].current);
	ck_assert(procs[1].current);
	ck_assert_int_eq(procs[1].ppid, p->pid);
	ck_assert_int_eq(procs[1].state, 'R');
	ck_assert_uint_eq(procs[1].pcid, child->mm->pcid);

	struct mmu_regs regs;
	ck_assert(kernel_proc_mmu_regs(k, p->pid, &regs));
	ck_assert_uint_eq(regs.cr3, p->mm->pml4 | p->mm->pcid);
	ck_assert(!kernel_proc_mmu_regs(k, 999, &regs));
	struct cpu_context c;
	ck_assert(kernel_proc_context(k, (int)pid, &c));
	ck_assert(!kernel_proc_context(k, 999, &c));
}
END_TEST

START_TEST(test_maps_text)
{
	char *maps = kernel_proc_maps(k, p->pid);
	ck_assert_ptr_nonnull(maps);
	ck_assert_msg(strstr(maps, "10000000-10004000 rw-p 00000000 00:00 0") != NULL, "%s", maps);
	free(maps);
	ck_assert_ptr_null(kernel_proc_maps(k, 999));
	char line[256];
	ck_assert(kernel_vma_describe(k, A + 5, line, sizeof(line)));
	ck_assert_str_eq(line, "10000000-10004000 rw-p 00000000 00:00 0 ");
	ck_assert(!kernel_vma_describe(k, NOWHERE, line, sizeof(line)));
}
END_TEST

/* Without a tracer nothing is called (and nothing breaks). */
START_TEST(test_no_tracer)
{
	kernel_set_trace(k, NULL);
	ck_assert(touch(A, MMU_WRITE));
	guest_syscall(SYS_getpid, 0, 0, 0, 0);
	ck_assert_int_eq(seen.nfault + seen.nsyscall + seen.nsched, 0);
}
END_TEST

static Suite *trace_suite(void)
{
	Suite *s = suite_create("guest_trace");
	TCase *tc = unit_tcase(s, "faults", setup, guest_teardown);
	tcase_add_test(tc, test_demand_zero_and_zero_page);
	tcase_add_test(tc, test_cow_copied_then_reused);
	tcase_add_test(tc, test_swap_in);
	tcase_add_test(tc, test_sigsegv_and_efault);
	tcase_add_test(tc, test_userfault);
	tcase_add_test(tc, test_no_pending_fatal);
	tc = unit_tcase(s, "calls and processes", setup, guest_teardown);
	tcase_add_test(tc, test_syscall_event);
	tcase_add_test(tc, test_sched_event_and_processes);
	tcase_add_test(tc, test_maps_text);
	tcase_add_test(tc, test_no_tracer);
	return s;
}

int main(void)
{
	return unit_run(trace_suite());
}
