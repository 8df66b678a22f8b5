/* tty_io.c - sessions, controlling terminals and job control (Linux's
 * drivers/tty/tty_jobctrl.c).
 *
 * A terminal controls at most one session (t->session) and has a
 * foreground process group (t->pgrp); a process's controlling terminal
 * is the one that controls its session. Linux keeps a pointer in each
 * process instead, which differs in one case: TIOCNOTTY by a process that
 * is not the session leader takes the terminal from that process alone
 * on Linux, and does nothing here.
 *
 * vmemu's own terminal (the host's) is known here by the guest's pids: it
 * controls the session of the guest's init (when vmemu has a terminal),
 * with init's group in the foreground, and TIOCSPGRP changes that group
 * for the guest only. */
#include <errno.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "fs/internal.h"
#include "fs/tty.h"
#include "kern.h"
#include "mm/mm.h"
#include "task/task.h"

struct tty_struct *host_tty(struct kernel *k)
{
	for (struct tty_struct *t = k->ttys; t; t = t->next)
		if (t->index < 0)
			return t;
	struct tty_struct *t = calloc(1, sizeof(*t));
	if (!t || !k->init) {
		free(t);
		return NULL;
	}
	t->k = k;
	t->index = -1;
	/* It controls init's session when vmemu has a terminal: the first of
	 * its stdin, stdout and stderr that is one. */
	struct stat st;
	for (int fd = 0; fd < 3 && !t->session; fd++) {
		if (isatty(fd) && fstat(fd, &st) == 0) {
			t->session = t->pgrp = k->init->tgid;
			t->host_rdev = st.st_rdev;
		}
	}
	t->refs = 1; /* the kernel's, until it ends (tty_exit) */
	t->next = k->ttys;
	k->ttys = t;
	return t;
}

void tty_exit(struct kernel *k)
{
	while (k->ttys) {
		struct tty_struct *t = k->ttys;
		k->ttys = t->next;
		free(t);
	}
}

struct tty_struct *tty_of_session(struct kernel *k, int sid)
{
	for (struct tty_struct *t = k->ttys; t; t = t->next)
		if (sid && t->session == sid)
			return t;
	if (k->init && sid == k->init->tgid) { /* made at first use */
		struct tty_struct *h = host_tty(k);
		return h && h->session == sid ? h : NULL;
	}
	return NULL;
}

/* Linux's kill_pgrp(pgrp, sig, priv): from the kernel (SI_KERNEL), or as
 * the current process's kill (SI_USER) when not priv. */
static void kill_pgrp(struct kernel *k, int pgrp, int sig, bool priv)
{
	if (!pgrp)
		return;
	struct ksiginfo info = {.signo = sig, .code = SI_KERNEL};
	if (!priv)
		info = (struct ksiginfo){.signo = sig, .code = SI_USER, .pid = k->current->tgid,
					 .uid = (int)k->current->cred.uid};
	for (struct process *p = k->procs; p; p = p->next)
		if (thread_group_leader(p) && !process_dead(p) && p->signal->pgid == pgrp)
			group_send_sig(k, p, &info);
}

void tty_kill_pgrp(struct kernel *k, int pgrp, int sig)
{
	kill_pgrp(k, pgrp, sig, true);
}

/* Blocked or ignored (Linux's is_ignored in tty_jobctrl.c). */
static bool sig_ignored(struct process *p, int sig)
{
	return (p->sig.blocked & sig_bit(sig)) || p->sighand->action[sig].handler == KSIG_IGN;
}

int tty_check_change(struct kernel *k, struct tty_struct *t, int sig)
{
	struct process *p = k->current;
	if (t->session != p->signal->sid || !t->session)
		return 0; /* not the caller's controlling terminal */
	if (!t->pgrp || p->signal->pgid == t->pgrp)
		return 0;
	if (sig_ignored(p, sig))
		return sig == SIGTTIN ? -EIO : 0;
	if (is_orphaned_pgrp(k, p->signal->pgid))
		return -EIO;
	tty_kill_pgrp(k, p->signal->pgid, sig);
	return -ERESTARTSYS;
}

static bool session_leader(const struct process *p)
{
	return p->signal->sid == p->tgid;
}

static void set_ctty(struct tty_struct *t, const struct process *p)
{
	t->session = p->signal->sid;
	t->pgrp = p->signal->pgid;
}

void tty_open_set_ctty(struct kernel *k, struct tty_struct *t, struct file *f)
{
	struct process *p = k->current;
	if (session_leader(p) && !tty_of_session(k, p->signal->sid) && !t->session &&
	    (f->f_mode & FMODE_READ))
		set_ctty(t, p);
}

void tty_hangup_session(struct kernel *k, struct tty_struct *t)
{
	if (t->session) {
		struct process *leader = process_find(k, t->session);
		if (leader && !process_dead(leader) && session_leader(leader)) {
			group_send_sig(k, leader, &(struct ksiginfo){.signo = SIGHUP, .code = SI_KERNEL});
			group_send_sig(k, leader, &(struct ksiginfo){.signo = SIGCONT, .code = SI_KERNEL});
		}
	}
	t->session = t->pgrp = 0;
}

/* Linux's disassociate_ctty: the leader lets its terminal go (TIOCNOTTY,
 * or its exit): SIGHUP to the foreground group, and SIGCONT unless it
 * exits; TIOCNOTTY sends them as the leader's kill would. */
static void disassociate_ctty(struct kernel *k, struct tty_struct *t, bool on_exit)
{
	kill_pgrp(k, t->pgrp, SIGHUP, on_exit);
	if (!on_exit)
		kill_pgrp(k, t->pgrp, SIGCONT, false);
	t->session = t->pgrp = 0;
}

void tty_session_leader_exit(struct kernel *k, struct process *p)
{
	struct tty_struct *t = session_leader(p) ? tty_of_session(k, p->signal->sid) : NULL;
	if (t && t->index >= 0) /* the host's terminal is vmemu's to hang up */
		disassociate_ctty(k, t, true);
}

int tty_proc_stat(struct kernel *k, const struct process *p, int *tpgid)
{
	struct tty_struct *t = tty_of_session(k, p->signal->sid);
	*tpgid = t ? t->pgrp : -1;
	if (!t)
		return 0;
	dev_t d = t->index >= 0 ? makedev(136, t->index) : t->host_rdev;
	unsigned maj = major(d), min = minor(d);
	return (int)((min & 0xff) | (maj << 8) | ((min & ~0xffu) << 12)); /* new_encode_dev */
}

static int64_t tiocsctty(struct kernel *k, struct tty_struct *t, struct file *f, uint64_t arg)
{
	struct process *p = k->current;
	if (session_leader(p) && t->session == p->signal->sid)
		return 0;
	if (!session_leader(p) || tty_of_session(k, p->signal->sid))
		return -EPERM;
	if (t->session && !(arg == 1 && capable(k, CAP_SYS_ADMIN)))
		return -EPERM; /* another session's, not stolen */
	if (!(f->f_mode & FMODE_READ) && !capable(k, CAP_SYS_ADMIN))
		return -EPERM;
	set_ctty(t, p);
	return 0;
}

/* The session of the group pgrp names, or of the process it names. */
static int session_of_pgrp(struct kernel *k, int pgrp)
{
	for (struct process *p = k->procs; p; p = p->next)
		if (!process_dead(p) && p->signal->pgid == pgrp)
			return p->signal->sid;
	struct process *p = process_find(k, pgrp);
	return p && !process_dead(p) ? p->signal->sid : -1;
}

static int64_t tiocspgrp(struct kernel *k, struct tty_struct *t, uint64_t arg)
{
	struct process *p = k->current;
	int err = tty_check_change(k, t, SIGTTOU);
	if (err == -EIO)
		return -ENOTTY;
	if (err)
		return err;
	int pgrp;
	if (copy_from_user(k, &pgrp, arg, sizeof(pgrp)))
		return -EFAULT;
	if (pgrp < 0)
		return -EINVAL;
	if (!t->session || t->session != p->signal->sid)
		return -ENOTTY;
	int sid = session_of_pgrp(k, pgrp);
	if (sid < 0)
		return -ESRCH;
	if (sid != p->signal->sid)
		return -EPERM;
	t->pgrp = pgrp;
	return 0;
}

int64_t tty_session_ioctl(struct kernel *k, struct tty_struct *t, struct file *f, bool master,
			  unsigned cmd, uint64_t arg)
{
	struct process *p = k->current;
	/* The terminal the fd is: a master is nobody's controlling one. */
	bool own = !master && t->session && t->session == p->signal->sid;
	int id;
	switch (cmd) {
	case TIOCNOTTY:
		if (!own)
			return -ENOTTY;
		if (session_leader(p))
			disassociate_ctty(k, t, false);
		return 0;
	case TIOCSCTTY:
		return tiocsctty(k, t, f, arg);
	case TIOCGPGRP:
		if (!master && !own)
			return -ENOTTY;
		id = t->pgrp;
		return copy_to_user(k, arg, &id, sizeof(id));
	case TIOCSPGRP:
		return tiocspgrp(k, t, arg);
	case TIOCGSID:
		if ((!master && !own) || !t->session)
			return -ENOTTY;
		id = t->session;
		return copy_to_user(k, arg, &id, sizeof(id));
	default:
		return 1;
	}
}
