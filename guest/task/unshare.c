/* unshare.c - unshare(2), with what a single kernel without namespaces
 * can honestly do, in Linux's order of checks (kernel/fork.c):
 *
 * - the flags unshare knows, else EINVAL; CLONE_NEWUSER implies
 *   CLONE_THREAD and CLONE_FS, CLONE_VM implies CLONE_SIGHAND, which
 *   implies CLONE_THREAD, CLONE_NEWNS implies CLONE_FS;
 * - CLONE_VM while another process runs on this address space (a vfork
 *   child borrows its parent's) is EINVAL. CLONE_THREAD and CLONE_SIGHAND
 *   need a process alone in its thread group with its own signal
 *   handlers, which every vmemu process is: they succeed;
 * - CLONE_FILES and CLONE_FS copy the fd table or the working directory
 *   and umask only when another process shares them (Linux's unshare_fd
 *   and unshare_fs); vmemu's clone shares neither, so there is nothing to
 *   copy and they succeed. CLONE_SYSVSEM drops the System V semaphore
 *   undo list (sem_undo.c);
 * - a new namespace needs CAP_SYS_ADMIN (EPERM). CLONE_NEWUTS gives the
 *   caller a copy of its UTS namespace (host and domain names);
 *   CLONE_NEWPID makes a PID namespace below the caller's for its
 *   children (/proc/PID/ns/pid_for_children): the next child is its init,
 *   pid 1; the caller stays where it is, and a second CLONE_NEWPID before
 *   that child is EINVAL, as on Linux. CLONE_NEWTIME makes a time
 *   namespace for its children (time_namespace.c), a copy of the one
 *   they would get, whose offsets may be set until the first enters it.
 *   CLONE_NEWNS is EPERM: Linux always
 *   has mount namespaces, and vmemu, which has no mount(2), refuses a new
 *   one as Linux refuses it to a process that may not have one (the
 *   selftests skip then). The other types (NEWIPC, NEWNET, NEWUSER,
 *   NEWCGROUP) are EINVAL: vmemu has one of each, as a Linux
 *   kernel built without them (CONFIG_*_NS off) answers. setns(2) into those single namespaces succeeds where Linux
 *   lets a process enter the namespace it is in (nsproxy.c says which). */
#include <errno.h>
#include <sched.h>

#include <linux/capability.h>

#include "kern.h"
#include "mm/mm.h"
#include "task/internal.h"

#define CLONE_NAMESPACES                                                                   \
	(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWUSER |         \
	 CLONE_NEWPID | CLONE_NEWCGROUP | CLONE_NEWTIME)
#define UNSHARE_FLAGS                                                                      \
	(CLONE_THREAD | CLONE_FS | CLONE_SIGHAND | CLONE_VM | CLONE_FILES | CLONE_SYSVSEM |  \
	 CLONE_NAMESPACES)

int64_t sys_unshare(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	uint64_t flags = a[0];
	if (flags & CLONE_NEWUSER)
		flags |= CLONE_THREAD | CLONE_FS;
	if (flags & CLONE_VM)
		flags |= CLONE_SIGHAND;
	if (flags & CLONE_SIGHAND)
		flags |= CLONE_THREAD;
	if (flags & CLONE_NEWNS)
		flags |= CLONE_FS;
	if (flags & ~(uint64_t)UNSHARE_FLAGS)
		return -EINVAL;
	if ((flags & CLONE_VM) && k->current->mm->users > 1)
		return -EINVAL;
	if (!(flags & CLONE_NAMESPACES))
		return 0;
	if (!capable(k, CAP_SYS_ADMIN))
		return -EPERM;
	if (flags & CLONE_NEWNS)
		return -EPERM;
	if (flags & (CLONE_NAMESPACES & ~(uint64_t)(CLONE_NEWUTS | CLONE_NEWPID | CLONE_NEWTIME)))
		return -EINVAL;
	struct process *p = k->current;
	struct pid_namespace *pid_ns = NULL;
	if (flags & CLONE_NEWPID) {
		if (p->pid_ns_for_children != p->pid_ns)
			return -EINVAL;
		int err = pid_ns_create(p->pid_ns, &pid_ns);
		if (err)
			return err;
	}
	if (flags & CLONE_NEWUTS) {
		struct uts_namespace *uts = uts_ns_copy(p->uts_ns);
		if (!uts) {
			put_pid_ns(pid_ns);
			return -ENOMEM;
		}
		put_uts_ns(p->uts_ns);
		p->uts_ns = uts;
	}
	if (flags & CLONE_NEWTIME) { /* for its children: the caller stays */
		struct time_namespace *time = time_ns_copy(p->time_ns_for_children);
		if (!time) {
			put_pid_ns(pid_ns);
			return -ENOMEM;
		}
		put_time_ns(p->time_ns_for_children);
		p->time_ns_for_children = time;
	}
	if (pid_ns) {
		put_pid_ns(p->pid_ns_for_children);
		p->pid_ns_for_children = pid_ns;
	}
	if (flags & CLONE_SYSVSEM)
		sem_undo_put(k, k->current);
	return 0;
}
