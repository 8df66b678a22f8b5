/* seccomp.c - seccomp(2) and prctl's PR_SET_SECCOMP and PR_GET_SECCOMP,
 * as Linux 6.1's kernel/seccomp.c sets them up: strict mode; filter mode,
 * a chain of classic-BPF filters per task (newest first, each checked as
 * Linux checks it), inherited by fork and clone, kept by exec, and copied
 * to every thread of the process by SECCOMP_FILTER_FLAG_TSYNC; the
 * queries SECCOMP_GET_ACTION_AVAIL and SECCOMP_GET_NOTIF_SIZES;
 * SECCOMP_FILTER_FLAG_NEW_LISTENER's listener (seccomp_notify.c). What a
 * call meets at entry is seccomp_entry.c. */
#include <errno.h>
#include <linux/capability.h>
#include <linux/ptrace.h> /* struct seccomp_metadata */
#include <linux/seccomp.h>
#include <stdlib.h>
#include <string.h>

#include "fs/fs.h"
#include "kern.h"
#include "mm/mm.h"
#include "task/internal.h"

/* The total length of a task's filters, 4 more per filter (Linux's). */
#define MAX_INSNS_PER_PATH ((1 << 18) / sizeof(struct sock_filter))
#define FILTER_PENALTY 4
/* The flags Linux 6.1 knows. */
#define SECCOMP_FILTER_FLAG_KNOWN                                                     \
	(SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_LOG |                            \
	 SECCOMP_FILTER_FLAG_SPEC_ALLOW | SECCOMP_FILTER_FLAG_NEW_LISTENER |              \
	 SECCOMP_FILTER_FLAG_TSYNC_ESRCH | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)

/* struct sock_fprog as a 64-bit task gives it. */
struct user_fprog {
	uint16_t len;
	uint64_t filter;
};

/* A task takes f as its chain (a reference and a use). */
static void get_seccomp_filter(struct seccomp_filter *f)
{
	if (f) {
		f->refcount++;
		f->users++;
	}
}

void seccomp_filter_put(struct seccomp_filter *f)
{
	while (f && --f->refcount == 0) {
		struct seccomp_filter *prev = f->prev;
		free(f);
		f = prev;
	}
}

/* A task lets go of its chain f: the filters no task uses any more tell
 * their listeners (Linux's __seccomp_filter_orphan), then the reference
 * goes. */
static void release_seccomp_filter(struct seccomp_filter *f)
{
	for (struct seccomp_filter *o = f; o && --o->users == 0; o = o->prev)
		seccomp_notify_orphaned(o);
	seccomp_filter_put(f);
}

void seccomp_fork(struct process *c, const struct process *p)
{
	c->seccomp = (struct seccomp){.mode = p->seccomp.mode,
				      .filter_count = p->seccomp.filter_count,
				      .filter = p->seccomp.filter};
	get_seccomp_filter(c->seccomp.filter);
}

void seccomp_release(struct process *p)
{
	release_seccomp_filter(p->seccomp.filter);
	p->seccomp.filter = NULL;
}

/* Linux's seccomp_check_filter, after bpf_check_classic: loads only of
 * aligned words of struct seccomp_data, and none of the socket
 * instructions (the packet's bytes, halves, IND, MSH, MOD). */
static int seccomp_check_filter(const struct sock_filter *f, unsigned len)
{
	for (unsigned pc = 0; pc < len; pc++) {
		uint16_t code = f[pc].code;
		switch (code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (f[pc].k >= sizeof(struct seccomp_data) || (f[pc].k & 3))
				return -EINVAL;
			break;
		case BPF_LD | BPF_W | BPF_LEN: case BPF_LDX | BPF_W | BPF_LEN:
		case BPF_RET | BPF_K: case BPF_RET | BPF_A:
		case BPF_ALU | BPF_NEG:
		case BPF_LD | BPF_IMM: case BPF_LDX | BPF_IMM:
		case BPF_MISC | BPF_TAX: case BPF_MISC | BPF_TXA:
		case BPF_LD | BPF_MEM: case BPF_LDX | BPF_MEM:
		case BPF_ST: case BPF_STX:
		case BPF_JMP | BPF_JA:
			break;
		default:
			if (BPF_CLASS(code) == BPF_ALU && BPF_OP(code) != BPF_MOD)
				break; /* the others of bpf_check_classic's ALU codes */
			if (BPF_CLASS(code) == BPF_JMP)
				break; /* JEQ, JGE, JGT, JSET */
			return -EINVAL;
		}
	}
	return 0;
}

/* Linux's seccomp_prepare_user_filter: the program copied and checked. */
static int prepare_user_filter(struct kernel *k, uint64_t ufprog, struct seccomp_filter **out)
{
	struct process *p = k->current;
	struct user_fprog fprog;
	if (copy_from_user(k, &fprog, ufprog, sizeof(fprog)))
		return -EFAULT;
	if (fprog.len == 0 || fprog.len > BPF_MAXINSNS)
		return -EINVAL;
	/* Without no_new_privs, only CAP_SYS_ADMIN may filter: a filter
	 * could fool a set-user-ID program it runs. */
	if (!p->no_new_privs && !capable(k, CAP_SYS_ADMIN))
		return -EACCES;
	struct seccomp_filter *f = malloc(sizeof(*f) + fprog.len * sizeof(struct sock_filter));
	if (!f)
		return -ENOMEM;
	*f = (struct seccomp_filter){.refcount = 1, .users = 1, .len = fprog.len};
	int err = copy_from_user(k, f->prog, fprog.filter, fprog.len * sizeof(struct sock_filter))
			  ? -EFAULT
			  : bpf_check_classic(f->prog, f->len);
	if (!err)
		err = seccomp_check_filter(f->prog, f->len);
	if (err) {
		free(f);
		return err;
	}
	*out = f;
	return 0;
}

static bool is_ancestor(const struct seccomp_filter *parent, const struct seccomp_filter *child)
{
	if (!parent)
		return true;
	for (; child; child = child->prev)
		if (child == parent)
			return true;
	return false;
}

/* Linux's seccomp_can_sync_threads: 0, or the thread id of a thread
 * whose filters are not the caller's own or older ones. */
static int can_sync_threads(struct kernel *k, const struct process *p)
{
	for (const struct process *t = k->procs; t; t = t->next) {
		if (t->signal != p->signal || t == p || t->exited)
			continue;
		if (t->seccomp.mode == SECCOMP_MODE_DISABLED ||
		    (t->seccomp.mode == SECCOMP_MODE_FILTER &&
		     is_ancestor(t->seccomp.filter, p->seccomp.filter)))
			continue;
		return task_pid_vnr(k, t);
	}
	return 0;
}

/* Every other thread of p's process takes p's filters (and its
 * no_new_privs), in filter mode from now on. */
static void sync_threads(struct kernel *k, const struct process *p)
{
	for (struct process *t = k->procs; t; t = t->next) {
		if (t->signal != p->signal || t == p || t->exited)
			continue;
		get_seccomp_filter(p->seccomp.filter);
		release_seccomp_filter(t->seccomp.filter);
		t->seccomp.filter = p->seccomp.filter;
		t->seccomp.filter_count = p->seccomp.filter_count;
		if (p->no_new_privs)
			t->no_new_privs = true;
		if (t->seccomp.mode == SECCOMP_MODE_DISABLED)
			t->seccomp.mode = SECCOMP_MODE_FILTER;
	}
}

/* Linux's seccomp_attach_filter: 0, -ENOMEM past MAX_INSNS_PER_PATH, or
 * TSYNC's failure (a thread id, or -ESRCH with TSYNC_ESRCH). */
static int attach_filter(struct kernel *k, struct process *p, unsigned flags,
			 struct seccomp_filter *f)
{
	unsigned long total = f->len;
	for (const struct seccomp_filter *w = p->seccomp.filter; w; w = w->prev)
		total += w->len + FILTER_PENALTY;
	if (total > MAX_INSNS_PER_PATH)
		return -ENOMEM;
	if (flags & SECCOMP_FILTER_FLAG_TSYNC) {
		int failed = can_sync_threads(k, p);
		if (failed)
			return flags & SECCOMP_FILTER_FLAG_TSYNC_ESRCH ? -ESRCH : failed;
	}
	f->log = flags & SECCOMP_FILTER_FLAG_LOG;
	f->prev = p->seccomp.filter;
	p->seccomp.filter = f;
	p->seccomp.filter_count++;
	if (flags & SECCOMP_FILTER_FLAG_TSYNC)
		sync_threads(k, p);
	return 0;
}

/* A task may enter mode, or stay in it; never change it. */
static bool may_assign_mode(const struct process *p, int mode)
{
	return p->seccomp.mode == SECCOMP_MODE_DISABLED || p->seccomp.mode == mode;
}

static int64_t set_mode_strict(struct process *p)
{
	if (!may_assign_mode(p, SECCOMP_MODE_STRICT))
		return -EINVAL;
	p->seccomp.mode = SECCOMP_MODE_STRICT;
	return 0;
}

/* Linux's has_duplicate_listener: one listener a chain. */
static bool has_listener(const struct seccomp_filter *f)
{
	for (; f; f = f->prev)
		if (f->notif)
			return true;
	return false;
}

/* Linux's seccomp_set_mode_filter: 0, or the listener's fd with
 * NEW_LISTENER. */
static int64_t set_mode_filter(struct kernel *k, unsigned flags, uint64_t ufprog)
{
	struct process *p = k->current;
	if (flags & ~(unsigned)SECCOMP_FILTER_FLAG_KNOWN)
		return -EINVAL;
	/* A TSYNC failure's thread id could not be told from a listener fd. */
	if ((flags & SECCOMP_FILTER_FLAG_TSYNC) && (flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) &&
	    !(flags & SECCOMP_FILTER_FLAG_TSYNC_ESRCH))
		return -EINVAL;
	if ((flags & SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV) &&
	    !(flags & SECCOMP_FILTER_FLAG_NEW_LISTENER))
		return -EINVAL;
	struct seccomp_filter *f;
	int err = prepare_user_filter(k, ufprog, &f);
	if (err)
		return err;
	f->wait_killable_recv = flags & SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
	bool notify = flags & SECCOMP_FILTER_FLAG_NEW_LISTENER;
	int listener = 0;
	if (notify && (listener = seccomp_notify_listener(k, f)) < 0) {
		free(f);
		return listener;
	}
	if (!may_assign_mode(p, SECCOMP_MODE_FILTER))
		err = -EINVAL;
	else if (notify && has_listener(p->seccomp.filter))
		err = -EBUSY;
	else
		err = attach_filter(k, p, flags, f);
	if (err) {
		if (notify) /* the listener's close drops its reference */
			fd_close(p->files, listener);
		free(f);
		return err;
	}
	p->seccomp.mode = SECCOMP_MODE_FILTER;
	return listener;
}

static int64_t get_action_avail(struct kernel *k, uint64_t uaction)
{
	uint32_t action;
	if (copy_from_user(k, &action, uaction, sizeof(action)))
		return -EFAULT;
	switch (action) {
	case SECCOMP_RET_KILL_PROCESS:
	case SECCOMP_RET_KILL_THREAD:
	case SECCOMP_RET_TRAP:
	case SECCOMP_RET_ERRNO:
	case SECCOMP_RET_USER_NOTIF:
	case SECCOMP_RET_TRACE:
	case SECCOMP_RET_LOG:
	case SECCOMP_RET_ALLOW:
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

static int64_t get_notif_sizes(struct kernel *k, uint64_t usizes)
{
	const struct seccomp_notif_sizes sizes = {
		.seccomp_notif = sizeof(struct seccomp_notif),
		.seccomp_notif_resp = sizeof(struct seccomp_notif_resp),
		.seccomp_data = sizeof(struct seccomp_data),
	};
	return copy_to_user(k, usizes, &sizes, sizeof(sizes)) ? -EFAULT : 0;
}

/* Linux's get_nth_filter: number off counted from the oldest. */
static int get_nth_filter(struct kernel *k, const struct process *t, uint64_t off,
			  const struct seccomp_filter **out)
{
	if (!capable(k, CAP_SYS_ADMIN) || k->current->seccomp.mode)
		return -EACCES;
	if (t->seccomp.mode != SECCOMP_MODE_FILTER)
		return -EINVAL;
	uint64_t count = 0;
	for (const struct seccomp_filter *f = t->seccomp.filter; f; f = f->prev)
		count++;
	if (off >= count)
		return -ENOENT;
	const struct seccomp_filter *f = t->seccomp.filter;
	for (uint64_t i = count - 1; i > off; i--)
		f = f->prev;
	*out = f;
	return 0;
}

int64_t seccomp_get_filter(struct kernel *k, const struct process *t, uint64_t off,
			   uint64_t udata)
{
	const struct seccomp_filter *f;
	int err = get_nth_filter(k, t, off, &f);
	if (err)
		return err;
	if (udata && copy_to_user(k, udata, f->prog, f->len * sizeof(struct sock_filter)))
		return -EFAULT;
	return f->len;
}

int64_t seccomp_get_metadata(struct kernel *k, const struct process *t, uint64_t size,
			     uint64_t udata)
{
	struct seccomp_metadata md = {0};
	if (!capable(k, CAP_SYS_ADMIN) || k->current->seccomp.mode)
		return -EACCES;
	if (size > sizeof(md))
		size = sizeof(md);
	if (size < sizeof(md.filter_off))
		return -EINVAL;
	if (copy_from_user(k, &md.filter_off, udata, sizeof(md.filter_off)))
		return -EFAULT;
	const struct seccomp_filter *f;
	int err = get_nth_filter(k, t, md.filter_off, &f);
	if (err)
		return err;
	if (f->log)
		md.flags |= SECCOMP_FILTER_FLAG_LOG;
	return copy_to_user(k, udata, &md, size) ? -EFAULT : (int64_t)size;
}

static int64_t do_seccomp(struct kernel *k, unsigned op, unsigned flags, uint64_t uargs)
{
	switch (op) {
	case SECCOMP_SET_MODE_STRICT:
		if (flags || uargs)
			return -EINVAL;
		return set_mode_strict(k->current);
	case SECCOMP_SET_MODE_FILTER:
		return set_mode_filter(k, flags, uargs);
	case SECCOMP_GET_ACTION_AVAIL:
		return flags ? -EINVAL : get_action_avail(k, uargs);
	case SECCOMP_GET_NOTIF_SIZES:
		return flags ? -EINVAL : get_notif_sizes(k, uargs);
	default:
		return -EINVAL;
	}
}

int64_t sys_seccomp(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return do_seccomp(k, (unsigned)a[0], (unsigned)a[1], a[2]);
}

int64_t prctl_get_seccomp(const struct process *p)
{
	return p->seccomp.mode;
}

int64_t prctl_set_seccomp(struct kernel *k, uint64_t mode, uint64_t ufilter)
{
	switch (mode) {
	case SECCOMP_MODE_STRICT: /* its argument was always ignored */
		return do_seccomp(k, SECCOMP_SET_MODE_STRICT, 0, 0);
	case SECCOMP_MODE_FILTER:
		return do_seccomp(k, SECCOMP_SET_MODE_FILTER, 0, ufilter);
	default:
		return -EINVAL;
	}
}
