/* test_guest_thread.c - threads inside the kernel, without a CPU: clone
 * with pthread_create's flags shares the mm, files and handlers and joins
 * the thread group; a page one thread faults in is the other's; an unmap
 * with two users of the mm counts a shootdown; exit of a thread zeroes
 * and wakes its clear-TID word and gives back its share of the mm;
 * exit_group ends every thread; fork from a thread copies only it. Every
 * test ends with mm_check (the fixture). */
#include <check.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>

#include "guest_fixture.h"
#include "unit.h"

#define A 0x10000000ULL     /* data pages */
#define TIDS 0x20000000ULL  /* the words of PARENT_SETTID and CHILD_CLEARTID */
#define NPAGES 4

#define THREAD_FLAGS                                                                       \
	(CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |   \
	 CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID)

static void setup(void)
{
	guest_setup(NULL);
	map(A, NPAGES * PAGE_SIZE, VM_READ | VM_WRITE);
	map(TIDS, PAGE_SIZE, VM_READ | VM_WRITE);
}

static uint32_t word(uint64_t va)
{
	uint32_t v;
	ck_assert_int_eq(copy_from_user(k, &v, va, sizeof(v)), 0);
	return v;
}

/* A new thread of the current process, as pthread_create makes it. */
static struct process *new_thread(void)
{
	const uint64_t a[6] = {THREAD_FLAGS, 0x7000000, TIDS, TIDS + 4, 0x12340000};
	int64_t tid = sys_clone(k, kernel_current_context(k), a);
	ck_assert_int_gt(tid, 1);
	struct process *t = process_find(k, (int)tid);
	ck_assert_ptr_nonnull(t);
	return t;
}

START_TEST(clone_thread_shares)
{
	struct process *t = new_thread();
	ck_assert_int_eq(t->tgid, p->pid);
	ck_assert_int_ne(t->pid, p->pid);
	ck_assert_ptr_eq(t->mm, p->mm);
	ck_assert_ptr_eq(t->files, p->files);
	ck_assert_ptr_eq(t->sighand, p->sighand);
	ck_assert_ptr_eq(t->signal, p->signal);
	ck_assert_int_eq(p->signal->nr_threads, 2);
	ck_assert_int_eq(mm->users, 2);
	ck_assert_int_eq(t->exit_signal, -1);
	ck_assert_uint_eq(t->ctx.fs_base, 0x12340000);
	ck_assert_uint_eq(t->ctx.rsp, 0x7000000);
	ck_assert_uint_eq(t->ctx.rax, 0);
	ck_assert_uint_eq(word(TIDS), (uint32_t)t->pid); /* PARENT_SETTID */
	ck_assert_uint_eq(t->clear_child_tid, TIDS + 4);
	/* A page the thread faults in is the leader's too. */
	kernel_start(k, t);
	uint64_t pa = guest_touch(A, MMU_WRITE);
	kernel_start(k, p);
	ck_assert_uint_eq(guest_touch(A, MMU_READ), pa);
	ck_assert_uint_eq(t->min_flt, 1);
	uint64_t min, maj;
	thread_group_faults(k, p, &min, &maj);
	ck_assert_uint_eq(min, 1 + p->min_flt);
}
END_TEST

START_TEST(clone_flag_checks)
{
	const uint64_t no_sighand[6] = {CLONE_VM | CLONE_THREAD};
	ck_assert_int_eq(sys_clone(k, &p->ctx, no_sighand), -EINVAL);
	const uint64_t no_vm[6] = {CLONE_SIGHAND};
	ck_assert_int_eq(sys_clone(k, &p->ctx, no_vm), -EINVAL);
	const uint64_t bad_tls[6] = {THREAD_FLAGS, 0, TIDS, TIDS + 4, 1ULL << 63};
	ck_assert_int_eq(sys_clone(k, &p->ctx, bad_tls), -EPERM);
	ck_assert_int_eq(k->nprocs, 1);
}
END_TEST

START_TEST(unmap_shared_mm_counts_shootdown)
{
	guest_touch(A, MMU_WRITE);
	uint64_t before = kernel_stats(k)->tlb_shootdowns;
	ck_assert_int_eq(guest_syscall(SYS_munmap, A, PAGE_SIZE, 0, 0), 0);
	ck_assert_uint_eq(kernel_stats(k)->tlb_shootdowns, before); /* one user: none */
	struct process *t = new_thread();
	(void)t;
	guest_touch(A + PAGE_SIZE, MMU_WRITE);
	ck_assert_int_eq(guest_syscall(SYS_munmap, A + PAGE_SIZE, PAGE_SIZE, 0, 0), 0);
	ck_assert_uint_eq(kernel_stats(k)->tlb_shootdowns, before + 1);
}
END_TEST

START_TEST(thread_exit_clears_tid)
{
	struct process *t = new_thread();
	ck_assert_uint_eq(word(TIDS), (uint32_t)t->pid);
	/* CHILD_CLEARTID's word as pthread keeps it: the tid. */
	uint32_t tid = (uint32_t)t->pid;
	ck_assert_int_eq(copy_to_user(k, TIDS + 4, &tid, sizeof(tid)), 0);
	kernel_start(k, t);
	guest_syscall(SYS_exit, 0, 0, 0, 0); /* does not return */
	ck_assert(t->exited);
	ck_assert_ptr_null(t->mm);
	ck_assert_int_eq(mm->users, 1);
	ck_assert_int_eq(p->signal->nr_threads, 1);
	ck_assert(!p->exited);
	kernel_start(k, p);
	ck_assert_uint_eq(word(TIDS + 4), 0);
}
END_TEST

START_TEST(exit_group_ends_all)
{
	struct process *t1 = new_thread(), *t2 = new_thread();
	ck_assert_int_eq(p->signal->nr_threads, 3);
	kernel_start(k, t1);
	guest_syscall(SYS_exit_group, 9, 0, 0, 0);
	ck_assert(t1->exited && t2->exited && p->exited);
	ck_assert_int_eq(p->exit_code, 9);
	ck_assert(process_dead(p));
}
END_TEST

START_TEST(fork_copies_calling_thread)
{
	struct process *t = new_thread();
	kernel_start(k, t);
	const uint64_t a[6] = {0};
	int64_t pid = sys_fork(k, &t->ctx, a);
	ck_assert_int_gt(pid, 1);
	struct process *c = process_find(k, (int)pid);
	ck_assert_int_eq(c->tgid, c->pid);
	ck_assert_int_eq(c->signal->nr_threads, 1);
	ck_assert_ptr_ne(c->mm, mm);
	ck_assert_int_eq(task_ppid(c), p->pid); /* the process's child, not the thread's */
	kernel_start(k, p);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("guest_thread");
	TCase *tc = unit_tcase(s, "thread", setup, guest_teardown);
	tcase_add_test(tc, clone_thread_shares);
	tcase_add_test(tc, clone_flag_checks);
	tcase_add_test(tc, unmap_shared_mm_counts_shootdown);
	tcase_add_test(tc, thread_exit_clears_tid);
	tcase_add_test(tc, exit_group_ends_all);
	tcase_add_test(tc, fork_copies_calling_thread);
	return unit_run(s);
}
