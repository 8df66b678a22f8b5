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
 * - any new namespace (CLONE_NEWNS, NEWUTS, NEWIPC, NEWNET, NEWPID,
 *   NEWUSER, NEWCGROUP, NEWTIME) is EPERM: vmemu has one of each, as a
 *   process that may not make namespaces (no CAP_SYS_ADMIN, user
 *   namespaces disabled) is told. */
#include <errno.h>
#include <sched.h>

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
	if (flags & CLONE_NAMESPACES)
		return -EPERM;
	if (flags & CLONE_SYSVSEM)
		sem_undo_put(k->current);
	return 0;
}
