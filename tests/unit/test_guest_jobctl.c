/* test_guest_jobctl.c - job control inside the kernel, without a CPU: a
 * parent (the fixture's p, the guest's init) and a forked child. What a
 * guest program cannot see: the scheduler's view of a stopped process
 * (skipped, no time slice, a deadlock when nothing else can run), which
 * signals wake it, the parent's wait woken with SA_NOCLDSTOP, a call
 * interrupted by a stop left to restart, and orphaned process groups. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest_fixture.h"
#include "unit.h"

#define BUF 0x200000ULL /* one read-write page for wait4's status */
#define HANDLER 0x401000ULL

static struct process *c; /* the child */

static void setup(void)
{
	guest_setup(NULL);
	map(BUF, PAGE_SIZE, VM_READ | VM_WRITE);
	const uint64_t a[6] = {0};
	int64_t pid = sys_fork(k, &p->ctx, a);
	ck_assert_int_gt(pid, 1);
	c = process_find(k, (int)pid);
	ck_assert_ptr_nonnull(c);
}

static void send(struct process *to, int sig)
{
	struct ksiginfo info = {.signo = sig, .code = SI_USER, .pid = p->pid};
	group_send_sig(k, to, &info);
}

/* c acts on a stop signal, as it would on its way to user mode. */
static void stop_child(int sig)
{
	send(c, sig);
	ck_assert(signal_deliver(k, c));
	ck_assert_int_eq(c->state, PROC_STOPPED);
	ck_assert_int_eq(c->signal->stop_code, sig);
}

/* p's SIGCHLD caught but blocked: what the kernel sent stays readable. */
static void catch_sigchld(uint64_t flags)
{
	p->sighand->action[SIGCHLD] = (struct k_sigaction){.handler = HANDLER, .flags = flags};
	p->sig.blocked = sig_bit(SIGCHLD);
}

START_TEST(schedule_skips_a_stopped_child)
{
	catch_sigchld(0);
	send(c, SIGSTOP);
	ck_assert_int_eq(c->state, PROC_RUNNABLE); /* it stops when it runs */
	/* c is chosen, stops on delivery, and the parent runs instead. */
	ck_assert(kernel_schedule(k));
	ck_assert_int_eq(c->state, PROC_STOPPED);
	ck_assert_ptr_eq(k->current, p);
	const struct ksiginfo *info = &p->signal->shared_pending.info[SIGCHLD];
	ck_assert(p->signal->shared_pending.signal & sig_bit(SIGCHLD));
	ck_assert_int_eq(info->code, CLD_STOPPED);
	ck_assert_int_eq(info->status, SIGSTOP);
	ck_assert_int_eq(info->pid, c->pid);
	/* One runnable process: no time slice, and c is never chosen. */
	ck_assert_uint_eq(kernel_time_slice_us(k), 0);
	ck_assert(kernel_schedule(k));
	ck_assert_ptr_eq(k->current, p);
	ck_assert_int_eq(c->state, PROC_STOPPED);
}
END_TEST

START_TEST(stopped_child_wakes_for_sigcont)
{
	catch_sigchld(0);
	stop_child(SIGSTOP);
	p->signal->shared_pending.signal = 0;
	/* Sent while stopped: pending, no wake. */
	send(c, SIGUSR1);
	send(c, SIGTERM);
	send(c, SIGTTIN);
	ck_assert_int_eq(c->state, PROC_STOPPED);
	ck_assert_uint_eq(c->signal->shared_pending.signal, sig_bit(SIGUSR1) | sig_bit(SIGTERM) | sig_bit(SIGTTIN));
	/* SIGCONT continues it and drops the stop signal; by default it is
	 * not queued itself. */
	send(c, SIGCONT);
	ck_assert_int_eq(c->state, PROC_RUNNABLE);
	ck_assert_uint_eq(c->signal->shared_pending.signal, sig_bit(SIGUSR1) | sig_bit(SIGTERM));
	ck_assert_int_eq(c->signal->stop_code, 0);
	ck_assert(c->signal->stop_continued);
	ck_assert_int_eq(p->signal->shared_pending.info[SIGCHLD].code, CLD_CONTINUED);
	ck_assert_int_eq(p->signal->shared_pending.info[SIGCHLD].status, SIGCONT);
	/* SIGCONT to a process that runs changes nothing but the pending set. */
	p->signal->shared_pending.signal = 0;
	send(c, SIGCONT);
	ck_assert(!(p->signal->shared_pending.signal & sig_bit(SIGCHLD)));
}
END_TEST

START_TEST(stopped_child_wakes_for_sigkill)
{
	stop_child(SIGSTOP);
	send(c, SIGKILL);
	ck_assert_int_eq(c->state, PROC_RUNNABLE);
	ck_assert(kernel_schedule(k));
	ck_assert(c->exited);
	ck_assert_int_eq(c->term_signal, SIGKILL);
}
END_TEST

/* wait4(c, BUF, options): the return value, and the status at BUF. */
static int64_t wait4_child(int options, int *status)
{
	*status = -1;
	ck_assert_int_eq(copy_to_user(k, BUF, status, sizeof(*status)), 0);
	int64_t ret = guest_syscall(SYS_wait4, (uint64_t)c->pid, BUF, (uint64_t)options, 0);
	ck_assert_int_eq(copy_from_user(k, status, BUF, sizeof(*status)), 0);
	return ret;
}

START_TEST(wait_woken_without_sigchld)
{
	catch_sigchld(SA_NOCLDSTOP);
	int status;
	wait4_child(WUNTRACED | WCONTINUED, &status);
	ck_assert_int_eq(p->state, PROC_BLOCKED);
	stop_child(SIGSTOP);
	ck_assert_int_eq(p->state, PROC_RUNNABLE);
	ck_assert(!(p->signal->shared_pending.signal & sig_bit(SIGCHLD)));
	ck_assert_int_eq(wait4_child(WUNTRACED | WCONTINUED, &status), c->pid);
	ck_assert_int_eq(status, 0x7f | SIGSTOP << 8);
	/* Reported once: the parent waits again, and the continue wakes it. */
	wait4_child(WUNTRACED | WCONTINUED, &status);
	ck_assert_int_eq(p->state, PROC_BLOCKED);
	send(c, SIGCONT);
	ck_assert_int_eq(p->state, PROC_RUNNABLE);
	ck_assert(!(p->signal->shared_pending.signal & sig_bit(SIGCHLD)));
	ck_assert_int_eq(wait4_child(WUNTRACED | WCONTINUED, &status), c->pid);
	ck_assert_int_eq(status, 0xffff);
	ck_assert_int_eq(wait4_child(WUNTRACED | WCONTINUED | WNOHANG, &status), 0);
}
END_TEST

START_TEST(stop_in_a_call_restarts_after_continue)
{
	/* The child, current, sleeps in pause(). */
	kernel_start(k, c);
	uint64_t rip = c->ctx.rip;
	guest_syscall(SYS_pause, 0, 0, 0, 0);
	ck_assert_int_eq(c->state, PROC_BLOCKED);
	send(c, SIGSTOP);
	ck_assert_int_eq(c->state, PROC_RUNNABLE); /* woken to act on it */
	ck_assert(signal_deliver(k, c));
	ck_assert_int_eq(c->state, PROC_STOPPED);
	send(c, SIGCONT);
	/* Nothing to deliver: back at the SYSCALL, pause is made again. */
	ck_assert(!signal_deliver(k, c));
	ck_assert(c->restart_syscall);
	ck_assert_uint_eq(c->ctx.rip, rip);
	ck_assert_uint_eq(c->ctx.rax, SYS_pause);
}
END_TEST

START_TEST(only_stopped_and_blocked_left_is_a_deadlock)
{
	int status;
	wait4_child(0, &status); /* the parent waits for the child to exit */
	ck_assert_int_eq(p->state, PROC_BLOCKED);
	stop_child(SIGSTOP);
	/* Woken to look again, the call made again waits on (no WUNTRACED). */
	ck_assert_int_eq(p->state, PROC_RUNNABLE);
	wait4_child(0, &status);
	ck_assert_int_eq(p->state, PROC_BLOCKED);
	ck_assert_ptr_nonnull(freopen("/dev/null", "w", stderr)); /* the report */
	ck_assert(!kernel_schedule(k));
	ck_assert_int_eq(p->term_signal, SIGKILL);
	ck_assert_int_eq(c->term_signal, SIGKILL);
	ck_assert_int_eq(kernel_exit_status(k), 128 + SIGKILL);
}
END_TEST

START_TEST(orphaned_groups)
{
	/* The guest's init has no parent: its group is orphaned, and the
	 * terminal's stop signals are discarded there (SIGSTOP is not). */
	ck_assert(is_orphaned_pgrp(k, p->signal->pgid));
	send(c, SIGTSTP);
	ck_assert(!signal_deliver(k, c));
	ck_assert_int_eq(c->state, PROC_RUNNABLE);
	/* Leading its own group in the parent's session: not orphaned. */
	c->signal->pgid = c->pid;
	ck_assert(!is_orphaned_pgrp(k, c->signal->pgid));
	ck_assert(is_orphaned_pgrp(k, p->signal->pgid));
	stop_child(SIGTSTP);
	send(c, SIGCONT);
	/* In a session of its own (setsid): orphaned again. */
	c->signal->sid = c->pid;
	ck_assert(is_orphaned_pgrp(k, c->signal->pgid));
	send(c, SIGTTOU);
	ck_assert(!signal_deliver(k, c));
	stop_child(SIGSTOP);
}
END_TEST

static Suite *jobctl_suite(void)
{
	Suite *s = suite_create("guest_jobctl");
	TCase *t = unit_tcase(s, "jobctl", setup, guest_teardown);
	tcase_add_test(t, schedule_skips_a_stopped_child);
	tcase_add_test(t, stopped_child_wakes_for_sigcont);
	tcase_add_test(t, stopped_child_wakes_for_sigkill);
	tcase_add_test(t, wait_woken_without_sigchld);
	tcase_add_test(t, stop_in_a_call_restarts_after_continue);
	tcase_add_test(t, only_stopped_and_blocked_left_is_a_deadlock);
	tcase_add_test(t, orphaned_groups);
	return s;
}

int main(void)
{
	return unit_run(jobctl_suite());
}
