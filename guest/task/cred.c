/* cred.c - each task's user and group ids (Linux's struct cred) and the
 * calls that read and change them, with the rules of Linux's kernel/sys.c:
 * setuid, setreuid, setresuid, setfsuid and their gid twins. CAP_SETUID
 * and CAP_SETGID allow any change; capabilities follow the uids as
 * cap_task_fix_setuid has them follow (capability.c).
 *
 * The ids are the guest's own; the host checks vmemu's file accesses
 * with the current task's fs ids, groups and file capabilities, which
 * vmemu's thread takes before each call (cred_fs.c). vmemu has one
 * user namespace with the initial one's mapping: every id but -1 is
 * valid, and -1 means "no change" where a call allows it (EINVAL for
 * setuid and setgid). */
#include <errno.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "kern.h"
#include "mm/mm.h"
#include "task/task.h"

#define NO_ID ((uint32_t)-1)

int cred_init(struct process *p)
{
	struct cred *c = &p->cred;
	getresuid(&c->uid, &c->euid, &c->suid);
	getresgid(&c->gid, &c->egid, &c->sgid);
	c->fsuid = c->euid;
	c->fsgid = c->egid;
	int bits = prctl(PR_GET_SECUREBITS, 0, 0, 0, 0);
	c->securebits = bits > 0 ? (unsigned)bits : 0;
	int n = getgroups(0, NULL);
	c->groups = calloc(1, sizeof(*c->groups) + (size_t)(n > 0 ? n : 0) * sizeof(uint32_t));
	if (!c->groups)
		return -ENOMEM;
	c->groups->refs = 1;
	c->groups->ngroups = n > 0 ? getgroups(n, c->groups->gid) : 0;
	return 0;
}

void cred_copy(struct process *c, const struct process *p)
{
	c->cred = p->cred;
	c->cred.groups->refs++;
}

/* cap_bprm_creds_from_file for a file without set-id bits. */
void cred_exec(struct process *p)
{
	struct cred *c = &p->cred;
	c->suid = c->fsuid = c->euid;
	c->sgid = c->fsgid = c->egid;
	c->securebits &= ~(unsigned)SECBIT_KEEP_CAPS;
}

void cred_put(struct process *p)
{
	struct group_info *g = p->cred.groups;
	if (g && --g->refs == 0)
		free(g);
	p->cred.groups = NULL;
}

int64_t cred_prctl_keepcaps(struct process *p, int option, const uint64_t a[6])
{
	if (option == PR_GET_KEEPCAPS)
		return !!(p->cred.securebits & SECBIT_KEEP_CAPS);
	if (a[1] > 1 || a[2] || a[3] || a[4])
		return -EINVAL;
	if (p->cred.securebits & SECBIT_KEEP_CAPS_LOCKED)
		return -EPERM;
	if (a[1])
		p->cred.securebits |= SECBIT_KEEP_CAPS;
	else
		p->cred.securebits &= ~(unsigned)SECBIT_KEEP_CAPS;
	return 0;
}

/* kill_ok_by_cred, with check_kill_permission's exceptions: the
 * caller's own process, and SIGCONT within its session. */
bool kill_permitted(struct kernel *k, const struct process *t, int sig)
{
	const struct process *cur = k->current;
	const struct cred *c = &cur->cred, *tc = &t->cred;
	return t->signal == cur->signal || c->euid == tc->suid || c->euid == tc->uid ||
	       c->uid == tc->suid || c->uid == tc->uid || capable(k, CAP_KILL) ||
	       (sig == SIGCONT && t->signal->sid == cur->signal->sid);
}

/* ---- reading them ---- */

int64_t sys_getuid(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	(void)a;
	return k->current->cred.uid;
}

int64_t sys_geteuid(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	(void)a;
	return k->current->cred.euid;
}

int64_t sys_getgid(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	(void)a;
	return k->current->cred.gid;
}

int64_t sys_getegid(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	(void)a;
	return k->current->cred.egid;
}

/* The three ids to three pointers, each written in turn (an unwritable
 * second one leaves the first written, as Linux's put_user calls). */
static int64_t put_res(struct kernel *k, const uint64_t a[3], uint32_t r, uint32_t e, uint32_t s)
{
	const uint32_t v[3] = {r, e, s};
	for (int i = 0; i < 3; i++)
		if (copy_to_user(k, a[i], &v[i], sizeof(v[i])))
			return -EFAULT;
	return 0;
}

int64_t sys_getresuid(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	const struct cred *c = &k->current->cred;
	return put_res(k, a, c->uid, c->euid, c->suid);
}

int64_t sys_getresgid(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	const struct cred *c = &k->current->cred;
	return put_res(k, a, c->gid, c->egid, c->sgid);
}

/* ---- changing them ---- */

/* The user and group halves of a cred, for the rules both share. */
struct ids {
	uint32_t *real, *eff, *saved, *fs;
	int cap; /* CAP_SETUID or CAP_SETGID */
};

static struct ids uids(struct cred *c)
{
	return (struct ids){&c->uid, &c->euid, &c->suid, &c->fsuid, CAP_SETUID};
}

static struct ids gids(struct cred *c)
{
	return (struct ids){&c->gid, &c->egid, &c->sgid, &c->fsgid, CAP_SETGID};
}

/* The change is made: a uid change moves the capabilities, a gid one
 * does not. New effective or filesystem ids, or permitted capabilities
 * the process lacked, make it undumpable (fs.suid_dumpable) and cancel
 * its parent-death signal (Linux's commit_creds; task_cred_changed). */
static int64_t commit(struct process *p, const struct cred *old, int cap, bool fs_only)
{
	uint64_t permitted = p->cap.permitted;
	if (cap == CAP_SETUID)
		cap_fix_setuid(p, old, fs_only);
	const struct cred *c = &p->cred;
	if (c->euid != old->euid || c->egid != old->egid || c->fsuid != old->fsuid ||
	    c->fsgid != old->fsgid || (p->cap.permitted & ~permitted))
		task_cred_changed(p);
	return 0;
}

/* setuid and setgid: anything with the capability (all four ids),
 * else the effective and fs id to the real or saved one. */
static int64_t set_id(struct kernel *k, struct ids (*half)(struct cred *), uint32_t id)
{
	struct process *p = k->current;
	struct cred old = p->cred;
	struct ids n = half(&p->cred), o = half(&old);
	if (id == NO_ID)
		return -EINVAL;
	if (capable(k, n.cap))
		*n.real = *n.saved = id;
	else if (id != *o.real && id != *o.saved)
		return -EPERM;
	*n.eff = *n.fs = id;
	return commit(p, &old, n.cap, false);
}

/* setreuid and setregid: real to the real or effective one, effective
 * to any of the three; the saved one follows the effective one when the
 * real one is set or the effective one set to other than the old real. */
static int64_t set_re(struct kernel *k, struct ids (*half)(struct cred *), uint32_t r,
		      uint32_t e)
{
	struct process *p = k->current;
	struct cred old = p->cred;
	struct ids n = half(&p->cred), o = half(&old);
	bool cap = capable(k, n.cap);
	if ((r != NO_ID && r != *o.real && r != *o.eff && !cap) ||
	    (e != NO_ID && e != *o.real && e != *o.eff && e != *o.saved && !cap))
		return -EPERM;
	if (r != NO_ID)
		*n.real = r;
	if (e != NO_ID)
		*n.eff = e;
	if (r != NO_ID || (e != NO_ID && e != *o.real))
		*n.saved = *n.eff;
	*n.fs = *n.eff;
	return commit(p, &old, n.cap, false);
}

/* setresuid and setresgid: each to one of the three old ones, or
 * anything with the capability; a call that changes nothing succeeds. */
static int64_t set_res(struct kernel *k, struct ids (*half)(struct cred *), uint32_t r,
		       uint32_t e, uint32_t s)
{
	struct process *p = k->current;
	struct cred old = p->cred;
	struct ids n = half(&p->cred), o = half(&old);
	if ((r == NO_ID || r == *o.real) && (e == NO_ID || (e == *o.eff && e == *o.fs)) &&
	    (s == NO_ID || s == *o.saved))
		return 0;
	const uint32_t want[3] = {r, e, s};
	for (int i = 0; i < 3; i++)
		if (want[i] != NO_ID && want[i] != *o.real && want[i] != *o.eff &&
		    want[i] != *o.saved && !capable(k, n.cap))
			return -EPERM;
	if (r != NO_ID)
		*n.real = r;
	if (e != NO_ID)
		*n.eff = e;
	if (s != NO_ID)
		*n.saved = s;
	*n.fs = *n.eff;
	return commit(p, &old, n.cap, false);
}

/* setfsuid and setfsgid return the old fs id, changed or not. */
static int64_t set_fs(struct kernel *k, struct ids (*half)(struct cred *), uint32_t id)
{
	struct process *p = k->current;
	struct cred old = p->cred;
	struct ids n = half(&p->cred), o = half(&old);
	if (id == NO_ID || id == *o.fs)
		return *o.fs;
	if (id == *o.real || id == *o.eff || id == *o.saved || capable(k, n.cap)) {
		*n.fs = id;
		commit(p, &old, n.cap, true);
	}
	return *o.fs;
}

int64_t sys_setuid(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return set_id(k, uids, (uint32_t)a[0]);
}

int64_t sys_setgid(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return set_id(k, gids, (uint32_t)a[0]);
}

int64_t sys_setreuid(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return set_re(k, uids, (uint32_t)a[0], (uint32_t)a[1]);
}

int64_t sys_setregid(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return set_re(k, gids, (uint32_t)a[0], (uint32_t)a[1]);
}

int64_t sys_setresuid(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return set_res(k, uids, (uint32_t)a[0], (uint32_t)a[1], (uint32_t)a[2]);
}

int64_t sys_setresgid(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return set_res(k, gids, (uint32_t)a[0], (uint32_t)a[1], (uint32_t)a[2]);
}

int64_t sys_setfsuid(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return set_fs(k, uids, (uint32_t)a[0]);
}

int64_t sys_setfsgid(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return set_fs(k, gids, (uint32_t)a[0]);
}
