/* kcmp.c - kcmp(2): whether two tasks share a kernel object (an open
 * file, memory, the fd table, fs_struct, handlers), as Linux's
 * kernel/kcmp.c: 0 when they do, else 1 or 2 by an order of the objects
 * that says nothing of their addresses (Linux obfuscates them; here the
 * order of the host's pointers, which the guest cannot see). The I/O
 * context, System V semaphore undo lists and epoll targets are not
 * modelled: EOPNOTSUPP, Linux's answer when it is built without them. */
#include <errno.h>
#include <linux/kcmp.h>
#include <stdint.h>

#include "fs/fs.h"
#include "kern.h"
#include "task/task.h"

static int kcmp_ptr(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)a, y = (uintptr_t)b;
	return x == y ? 0 : x < y ? 1 : 2;
}

/* kcmp(pid1, pid2, type, idx1, idx2), in Linux's order of checks: ESRCH
 * for either task, EPERM without ptrace read access to both, then the
 * type (EBADF for a KCMP_FILE fd not open, EINVAL for an unknown type). */
int64_t sys_kcmp(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct process *t1 = process_find(k, (int)a[0]), *t2 = process_find(k, (int)a[1]);
	if (!t1 || !t2)
		return -ESRCH;
	unsigned mode = PTRACE_MODE_READ | PTRACE_MODE_REALCREDS;
	if (ptrace_may_access(k, t1, mode) || ptrace_may_access(k, t2, mode))
		return -EPERM;
	switch ((int)a[2]) {
	case KCMP_FILE: {
		struct file *f1 = t1->files && a[3] <= INT32_MAX ? fd_file(t1->files, (int)a[3]) : NULL;
		struct file *f2 = t2->files && a[4] <= INT32_MAX ? fd_file(t2->files, (int)a[4]) : NULL;
		return f1 && f2 ? kcmp_ptr(f1, f2) : -EBADF;
	}
	case KCMP_VM:
		return kcmp_ptr(t1->mm, t2->mm);
	case KCMP_FILES:
		return kcmp_ptr(t1->files, t2->files);
	case KCMP_FS:
		return kcmp_ptr(t1->fs, t2->fs);
	case KCMP_SIGHAND:
		return kcmp_ptr(t1->sighand, t2->sighand);
	case KCMP_IO:
	case KCMP_SYSVSEM:
	case KCMP_EPOLL_TFD:
		return -EOPNOTSUPP;
	default:
		return -EINVAL;
	}
}
