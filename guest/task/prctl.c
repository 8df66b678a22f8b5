/* prctl.c - prctl(2), the options of Linux 6.1's kernel/sys.c that a
 * kernel with no Yama, no speculation controls and no named anonymous
 * memory has (those are EINVAL, as such a kernel answers), and what they
 * set off: the parent-death signal, dumpability, the child subreaper,
 * no_new_privs, the bounding and ambient capability sets,
 * securebits, THP off for an address space, the machine-check policy.
 * Not here (EINVAL): PR_SET_TSC/PR_GET_TSC (RDTSC is not trapped), the
 * PR_SET_MM family and the other architectures' options. PR_SET_SECCOMP
 * and PR_GET_SECCOMP are seccomp.c's. */
#include <errno.h>
#include <linux/capability.h>
#include <linux/prctl.h>
#include <linux/securebits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "kern.h"
#include "mm/mm.h"
#include "task/task.h"

#define CAP_VALID(c) ((uint64_t)(c) <= CAP_LAST_CAP)
/* The securebits and their locks (Linux's SECURE_ALL_BITS, _LOCKS). */
#define SECURE_ALL_BITS                                                                   \
	(issecure_mask(SECURE_NOROOT) | issecure_mask(SECURE_NO_SETUID_FIXUP) |              \
	 issecure_mask(SECURE_KEEP_CAPS) | issecure_mask(SECURE_NO_CAP_AMBIENT_RAISE))
#define SECURE_ALL_LOCKS (SECURE_ALL_BITS << 1)

uint8_t suid_dumpable(void)
{
	FILE *f = fopen("/proc/sys/fs/suid_dumpable", "re");
	int v = SUID_DUMP_DISABLE;
	if (f) {
		if (fscanf(f, "%d", &v) != 1 || v < 0 || v > SUID_DUMP_ROOT)
			v = SUID_DUMP_DISABLE;
		fclose(f);
	}
	return (uint8_t)v;
}

void task_cred_changed(struct process *p)
{
	if (p->mm)
		p->mm->dumpable = suid_dumpable();
	p->pdeath_signal = 0;
}

void task_exec_dumpable(struct process *p, bool readable)
{
	const struct cred *c = &p->cred;
	bool setid = c->euid != c->uid || c->egid != c->gid;
	p->mm->dumpable = setid ? suid_dumpable() : SUID_DUMP_USER;
	if (!readable) /* would_dump: an unreadable program's memory is not shown */
		p->mm->dumpable = SUID_DUMP_DISABLE;
}

/* The thread t ends: every task of the processes it made that set a
 * parent-death signal sends it to its process, from t (Linux's
 * forget_original_parent); those processes then belong to another thread
 * of t's process if one lives, else process_notify_parent reparents
 * them when the process ends. */
void pdeath_parent_exit(struct kernel *k, struct process *t)
{
	const struct process *heir = NULL;
	for (const struct process *q = k->procs; q && !heir; q = q->next)
		if (q->signal == t->signal && q != t && !q->exited)
			heir = q;
	for (struct process *c = k->procs; c; c = c->next) {
		if (c->signal->parent == t->signal && c->signal->parent_tid == t->pid &&
		    !c->exited && c->pdeath_signal) {
			struct ksiginfo info = {.signo = c->pdeath_signal, .code = SI_USER,
						.pid = t->tgid, .uid = (int)t->cred.uid};
			group_send_sig(k, c, &info);
		}
	}
	for (struct process *c = k->procs; c; c = c->next)
		if (thread_group_leader(c) && c->signal->parent == t->signal &&
		    c->signal->parent_tid == t->pid && heir)
			c->signal->parent_tid = heir->pid;
}

static int64_t put_int(struct kernel *k, uint64_t uaddr, int v)
{
	return copy_to_user(k, uaddr, &v, sizeof(v)) ? -EFAULT : 0;
}

static int64_t set_name(struct kernel *k, struct process *p, uint64_t uname)
{
	/* Like Linux: at most 15 bytes, the rest cut off. */
	char name[sizeof(p->comm)] = "";
	for (size_t i = 0; i + 1 < sizeof(name); i++) {
		if (copy_from_user(k, &name[i], uname + i, 1))
			return -EFAULT;
		if (!name[i])
			break;
	}
	memcpy(p->comm, name, sizeof(name));
	p->comm[sizeof(p->comm) - 1] = 0;
	return 0;
}

/* PR_SET_SECUREBITS: only with CAP_SETPCAP, no locked bit changed, no
 * lock taken off, no unknown bit; all of it EPERM (cap_task_prctl). */
static int64_t set_securebits(struct kernel *k, struct process *p, uint64_t bits)
{
	unsigned old = p->cred.securebits;
	if (((old & SECURE_ALL_LOCKS) >> 1 & (old ^ bits)) || (old & SECURE_ALL_LOCKS & ~bits) ||
	    (bits & ~(uint64_t)(SECURE_ALL_LOCKS | SECURE_ALL_BITS)) || !capable(k, CAP_SETPCAP))
		return -EPERM;
	p->cred.securebits = (unsigned)bits;
	return 0;
}

static int64_t cap_ambient(struct kernel *k, struct process *p, const uint64_t a[6])
{
	if (a[1] == PR_CAP_AMBIENT_CLEAR_ALL) {
		if (a[2] || a[3] || a[4])
			return -EINVAL;
		p->cap.ambient = 0;
		return 0;
	}
	if (a[3] || a[4] || !CAP_VALID(a[2]))
		return -EINVAL;
	uint64_t bit = 1ULL << a[2];
	switch (a[1]) {
	case PR_CAP_AMBIENT_IS_SET:
		return !!(p->cap.ambient & bit);
	case PR_CAP_AMBIENT_LOWER:
		p->cap.ambient &= ~bit;
		return 0;
	case PR_CAP_AMBIENT_RAISE:
		if (!(p->cap.permitted & bit) || !(p->cap.inheritable & bit) ||
		    (p->cred.securebits & issecure_mask(SECURE_NO_CAP_AMBIENT_RAISE)))
			return -EPERM;
		p->cap.ambient |= bit;
		return 0;
	default:
		return -EINVAL;
	}
	(void)k;
}

int64_t sys_prctl(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct process *p = k->current;
	switch (a[0]) {
	case PR_SET_PDEATHSIG:
		if (a[1] > KSIG_MAX)
			return -EINVAL;
		p->pdeath_signal = (int)a[1];
		return 0;
	case PR_GET_PDEATHSIG:
		return put_int(k, a[1], p->pdeath_signal);
	case PR_GET_DUMPABLE:
		return p->mm->dumpable;
	case PR_SET_DUMPABLE:
		if (a[1] != SUID_DUMP_DISABLE && a[1] != SUID_DUMP_USER)
			return -EINVAL;
		p->mm->dumpable = (uint8_t)a[1];
		return 0;
	case PR_SET_NAME:
		return set_name(k, p, a[1]);
	case PR_GET_NAME:
		return copy_to_user(k, a[1], p->comm, sizeof(p->comm));
	case PR_GET_TIMING:
		return PR_TIMING_STATISTICAL;
	case PR_SET_TIMING:
		return a[1] == PR_TIMING_STATISTICAL ? 0 : -EINVAL;
	case PR_SET_TIMERSLACK: /* 0 goes back to the default */
		p->timer_slack_ns = a[1] ? a[1] : p->default_timer_slack_ns;
		return 0;
	case PR_GET_TIMERSLACK:
		return (int64_t)p->timer_slack_ns;
	case PR_GET_KEEPCAPS:
	case PR_SET_KEEPCAPS:
		return cred_prctl_keepcaps(p, (int)a[0], a);
	case PR_GET_SECUREBITS:
		return p->cred.securebits;
	case PR_SET_SECUREBITS:
		return set_securebits(k, p, a[1]);
	case PR_CAPBSET_READ:
		return CAP_VALID(a[1]) ? (int64_t)(p->cap.bounding >> a[1] & 1) : -EINVAL;
	case PR_CAPBSET_DROP:
		if (!capable(k, CAP_SETPCAP))
			return -EPERM;
		if (!CAP_VALID(a[1]))
			return -EINVAL;
		p->cap.bounding &= ~(1ULL << a[1]);
		return 0;
	case PR_CAP_AMBIENT:
		return cap_ambient(k, p, a);
	case PR_SET_CHILD_SUBREAPER:
		p->signal->is_child_subreaper = a[1] != 0;
		return 0;
	case PR_GET_CHILD_SUBREAPER:
		return put_int(k, a[1], p->signal->is_child_subreaper);
	case PR_SET_NO_NEW_PRIVS:
		if (a[1] != 1 || a[2] || a[3] || a[4])
			return -EINVAL;
		p->no_new_privs = true;
		return 0;
	case PR_GET_NO_NEW_PRIVS:
		if (a[1] || a[2] || a[3] || a[4])
			return -EINVAL;
		return p->no_new_privs;
	case PR_GET_SECCOMP:
		return prctl_get_seccomp(p);
	case PR_SET_SECCOMP:
		return prctl_set_seccomp(k, a[1], a[2]);
	case PR_SET_SYSCALL_USER_DISPATCH:
		return set_syscall_user_dispatch(k, p, a[1], a[2], a[3], a[4]);
	case PR_GET_TID_ADDRESS:
		return copy_to_user(k, a[1], &p->clear_child_tid, sizeof(p->clear_child_tid))
			       ? -EFAULT
			       : 0;
	case PR_SET_THP_DISABLE:
		if (a[2] || a[3] || a[4])
			return -EINVAL;
		p->mm->thp_disabled = a[1] != 0;
		return 0;
	case PR_GET_THP_DISABLE:
		if (a[1] || a[2] || a[3] || a[4])
			return -EINVAL;
		return p->mm->thp_disabled;
	case PR_MCE_KILL:
		if (a[3] || a[4])
			return -EINVAL;
		if (a[1] == PR_MCE_KILL_CLEAR) {
			if (a[2])
				return -EINVAL;
			p->mce_kill = PR_MCE_KILL_DEFAULT;
			return 0;
		}
		if (a[1] != PR_MCE_KILL_SET || a[2] > PR_MCE_KILL_DEFAULT)
			return -EINVAL;
		p->mce_kill = (int)a[2];
		return 0;
	case PR_MCE_KILL_GET:
		return a[1] || a[2] || a[3] || a[4] ? -EINVAL : p->mce_kill;
	case PR_TASK_PERF_EVENTS_DISABLE:
	case PR_TASK_PERF_EVENTS_ENABLE:
		return 0; /* vmemu has no performance counters to stop or start */
	case PR_SET_IO_FLUSHER:
	case PR_GET_IO_FLUSHER:
		if (!capable(k, CAP_SYS_RESOURCE))
			return -EPERM;
		if (a[0] == PR_GET_IO_FLUSHER)
			return a[1] || a[2] || a[3] || a[4] ? -EINVAL : p->io_flusher;
		if (a[2] || a[3] || a[4] || a[1] > 1)
			return -EINVAL;
		p->io_flusher = a[1];
		return 0;
	default:
		return -EINVAL;
	}
}
