/* ptrace.c - who may look into or take from another process (Linux's
 * ptrace_may_access), for the calls that reach into one: pidfd_getfd,
 * kcmp, /proc/PID/fdinfo. vmemu has no ptrace(2) itself. */
#include <errno.h>
#include <linux/capability.h>

#include "kern.h"
#include "mm/mm.h"
#include "task/task.h"

int ptrace_may_access(struct kernel *k, const struct process *t, unsigned mode)
{
	const struct process *cur = k->current;
	if (t->signal == cur->signal)
		return 0; /* a thread of its own process */
	bool fs = mode & PTRACE_MODE_FSCREDS;
	uint32_t uid = fs ? cur->cred.fsuid : cur->cred.uid;
	uint32_t gid = fs ? cur->cred.fsgid : cur->cred.gid;
	const struct cred *tc = &t->cred;
	bool same = uid == tc->uid && uid == tc->euid && uid == tc->suid && gid == tc->gid &&
		    gid == tc->egid && gid == tc->sgid;
	if (!same && !capable(k, CAP_SYS_PTRACE))
		return -EPERM;
	/* Read after the ids: a process that gave up privileges made itself
	 * undumpable. */
	if (t->mm && t->mm->dumpable != SUID_DUMP_USER && !capable(k, CAP_SYS_PTRACE))
		return -EPERM;
	return 0;
}
