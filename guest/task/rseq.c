/* rseq.c - restartable sequences, as Linux's kernel/rseq.c.
 *
 * A thread registers a struct rseq (rseq(2)); on its way back to user
 * mode after an event that could break a per-CPU critical section
 * (Linux's TIF_NOTIFY_RESUME: it was preempted, or a signal is delivered
 * to it) the kernel checks the critical section rseq->rseq_cs names: if
 * the thread stopped inside [start_ip, start_ip + post_commit_offset), it
 * resumes at abort_ip, which must follow the registered signature. Then
 * the CPU and node numbers are written back (vmemu emulates one CPU:
 * always 0). A malformed descriptor, or a struct rseq that cannot be
 * read or written, ends in SIGSEGV (force_sigsegv).
 *
 * Preemption: the scheduler's switch away from a thread (sched.c) is
 * rseq_preempt. Migration never happens. fork keeps the registration
 * (CLONE_VM drops it: a new thread registers its own), exec drops it. */
#include <errno.h>
#include <linux/sched.h>
#include <signal.h>
#include <stddef.h>

#include "kern.h"
#include "mm/mm.h"
#include "task/internal.h"
#include "task/task.h"

#define RSEQ_FLAG_UNREGISTER 1u
#define RSEQ_CPU_ID_UNINITIALIZED ((uint32_t)-1)
#define ORIG_RSEQ_SIZE 32u

/* struct rseq as Linux 6.3 on has it (the layout of the uapi header). */
struct k_rseq {
	uint32_t cpu_id_start, cpu_id;
	uint64_t rseq_cs;
	uint32_t flags, node_id, mm_cid;
};
#define RSEQ_FEATURE_SIZE 28u /* offsetof(struct rseq, end) */
#define RSEQ_ALIGN 32u
_Static_assert(offsetof(struct k_rseq, mm_cid) + 4 == RSEQ_FEATURE_SIZE, "struct rseq");

struct k_rseq_cs {
	uint32_t version, flags;
	uint64_t start_ip, post_commit_offset, abort_ip;
};

/* The events rseq_event_mask records. */
#define RSEQ_EVENT_PREEMPT 1u
#define RSEQ_EVENT_SIGNAL 2u

static uint64_t area(const struct process *p, size_t field)
{
	return p->rseq.area + field;
}

static int put_cpu_node_id(struct kernel *k, const struct process *p, uint32_t cpu_id)
{
	const struct k_rseq ids = {.cpu_id_start = 0, .cpu_id = cpu_id};
	/* cpu_id_start and cpu_id, then node_id and mm_cid: not rseq_cs. */
	if (copy_to_user(k, area(p, 0), &ids, 8) ||
	    copy_to_user(k, area(p, offsetof(struct k_rseq, node_id)), &ids.node_id, 8))
		return -EFAULT;
	return 0;
}

/* Linux's rseq_get_rseq_cs: the descriptor rseq_cs names (all zero for
 * none), or -EINVAL for a malformed one, -EFAULT for one not readable. */
static int get_rseq_cs(struct kernel *k, const struct process *p, struct k_rseq_cs *cs)
{
	uint64_t ptr, top = task_size_max(k);
	*cs = (struct k_rseq_cs){0};
	if (copy_from_user(k, &ptr, area(p, offsetof(struct k_rseq, rseq_cs)), sizeof(ptr)))
		return -EFAULT;
	if (!ptr)
		return 0;
	if (ptr >= top)
		return -EINVAL;
	if (copy_from_user(k, cs, ptr, sizeof(*cs)))
		return -EFAULT;
	if (cs->start_ip >= top || cs->start_ip + cs->post_commit_offset >= top ||
	    cs->abort_ip >= top || cs->version > 0)
		return -EINVAL;
	if (cs->start_ip + cs->post_commit_offset < cs->start_ip)
		return -EINVAL; /* wraps */
	if (cs->abort_ip - cs->start_ip < cs->post_commit_offset)
		return -EINVAL; /* abort_ip inside the critical section */
	uint32_t sig;
	if (copy_from_user(k, &sig, cs->abort_ip - sizeof(sig), sizeof(sig)))
		return -EFAULT;
	return sig == p->rseq.sig ? 0 : -EINVAL;
}

static int clear_rseq_cs(struct kernel *k, const struct process *p)
{
	const uint64_t none = 0;
	return copy_to_user(k, area(p, offsetof(struct k_rseq, rseq_cs)), &none, sizeof(none))
		       ? -EFAULT
		       : 0;
}

/* Linux's rseq_ip_fixup: out of a critical section, forget it; inside
 * one after an event, resume at its abort handler. Flags in the
 * descriptor or in rseq->flags (the NO_RESTART ones are gone since
 * Linux 6.0) are an error. */
static int ip_fixup(struct kernel *k, struct process *p)
{
	struct k_rseq_cs cs;
	int err = get_rseq_cs(k, p, &cs);
	if (err)
		return err;
	if (p->ctx.rip - cs.start_ip >= cs.post_commit_offset)
		return clear_rseq_cs(k, p);
	uint32_t flags;
	if (cs.flags ||
	    copy_from_user(k, &flags, area(p, offsetof(struct k_rseq, flags)), sizeof(flags)))
		return cs.flags ? -EINVAL : -EFAULT;
	if (flags)
		return -EINVAL;
	unsigned events = p->rseq.event_mask;
	p->rseq.event_mask = 0;
	if (!events)
		return 0;
	err = clear_rseq_cs(k, p);
	if (!err)
		p->ctx.rip = cs.abort_ip;
	return err;
}

/* sig: the signal being delivered, 0 on the way back otherwise. */
static void handle_notify_resume(struct kernel *k, struct process *p, int sig)
{
	p->rseq.notify_resume = false;
	if (!p->rseq.area || p->exited)
		return;
	if (ip_fixup(k, p) || put_cpu_node_id(k, p, 0)) {
		if (sig == SIGSEGV) /* force_sigsegv: no handler gets it again */
			p->sighand->action[SIGSEGV].handler = KSIG_DFL;
		force_fatal_sig(p, SIGSEGV);
	}
}

void rseq_preempt(struct process *p)
{
	if (!p->rseq.area)
		return;
	p->rseq.event_mask |= RSEQ_EVENT_PREEMPT;
	p->rseq.notify_resume = true;
}

void rseq_signal_deliver(struct kernel *k, struct process *p, int sig)
{
	if (!p->rseq.area)
		return;
	p->rseq.event_mask |= RSEQ_EVENT_SIGNAL;
	handle_notify_resume(k, p, sig);
}

void rseq_resume_user_mode(struct kernel *k, struct process *p)
{
	if (p->rseq.notify_resume)
		handle_notify_resume(k, p, 0);
}

void rseq_fork(struct process *c, const struct process *p, uint64_t clone_flags)
{
	if (clone_flags & CLONE_VM)
		c->rseq = (struct rseq_state){0};
	else
		c->rseq = p->rseq;
	/* A new task's first way out (Linux's wake_up_new_task: rseq_migrate). */
	c->rseq.notify_resume = c->rseq.area != 0;
}

void rseq_execve(struct process *p)
{
	p->rseq = (struct rseq_state){0};
}

int64_t sys_rseq(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct process *p = k->current;
	uint64_t rseq = a[0];
	uint32_t len = (uint32_t)a[1], sig = (uint32_t)a[3];
	int flags = (int)a[2];
	if (flags & RSEQ_FLAG_UNREGISTER) {
		if (flags & ~RSEQ_FLAG_UNREGISTER)
			return -EINVAL;
		if (!p->rseq.area || p->rseq.area != rseq || len != p->rseq.len)
			return -EINVAL;
		if (sig != p->rseq.sig)
			return -EPERM;
		/* rseq_reset_rseq_cpu_node_id */
		if (put_cpu_node_id(k, p, RSEQ_CPU_ID_UNINITIALIZED))
			return -EFAULT;
		p->rseq = (struct rseq_state){0};
		return 0;
	}
	if (flags)
		return -EINVAL;
	if (p->rseq.area) {
		if (p->rseq.area != rseq || len != p->rseq.len)
			return -EINVAL;
		return sig != p->rseq.sig ? -EPERM : -EBUSY;
	}
	if (len < ORIG_RSEQ_SIZE || (len == ORIG_RSEQ_SIZE && rseq % ORIG_RSEQ_SIZE) ||
	    (len != ORIG_RSEQ_SIZE && (rseq % RSEQ_ALIGN || len < RSEQ_FEATURE_SIZE)))
		return -EINVAL;
	uint64_t top = task_size_max(k);
	if (rseq > top || len > top - rseq)
		return -EFAULT; /* access_ok */
	p->rseq = (struct rseq_state){.area = rseq, .len = len, .sig = sig, .notify_resume = true};
	return 0;
}
