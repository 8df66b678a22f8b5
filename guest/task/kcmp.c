/* kcmp.c - kcmp(2): whether two processes share a kernel object (an open
 * file, the address space, the fd table, the fs_struct, the signal
 * handlers, the I/O context, the SysV undo list, an epoll's target), as
 * Linux's kernel/kcmp.c: 0 for the same object, else 1 or 2 by an order
 * of the objects' addresses obfuscated with random cookies of each type,
 * so that it sorts objects without telling their addresses.
 *
 * vmemu keeps no I/O context: a process has one of its own once it has an
 * I/O priority (Linux makes one then, and a forked child of such a
 * process gets its own copy), none before (NULL, equal for all). The
 * SysV undo lists are sem_undo.c's. */
#include <errno.h>
#include <linux/kcmp.h>
#include <sys/random.h>

#include "fs/fs.h"
#include "kern.h"
#include "mm/mm.h"
#include "task/internal.h"

#define CAP_SYS_PTRACE 19

/* cookies[type]: v is compared as (v ^ [0]) * [1], [1] odd with its top
 * bit set, as Linux's kptr_obfuscate. */
static uint64_t cookies[KCMP_TYPES][2];

static int kcmp_ptr(const void *a, const void *b, int type)
{
	static bool ready;
	if (!ready) {
		if (getrandom(cookies, sizeof(cookies), 0) != sizeof(cookies))
			for (int i = 0; i < KCMP_TYPES; i++)
				cookies[i][0] = (uint64_t)(uintptr_t)&cookies[i] * 0x9e3779b97f4a7c15ULL;
		for (int i = 0; i < KCMP_TYPES; i++)
			cookies[i][1] |= 1ULL << 63 | 1;
		ready = true;
	}
	int64_t t1 = (int64_t)(((uint64_t)(uintptr_t)a ^ cookies[type][0]) * cookies[type][1]);
	int64_t t2 = (int64_t)(((uint64_t)(uintptr_t)b ^ cookies[type][0]) * cookies[type][1]);
	return (t1 < t2) | (t1 > t2) << 1;
}

/* fd: an unsigned int, as Linux's get_file_raw_ptr takes it. */
static struct file *task_file(const struct process *p, uint64_t fd)
{
	return p->files && (uint32_t)fd <= INT32_MAX ? fd_file(p->files, (int)(uint32_t)fd) : NULL;
}

static const void *io_context(const struct process *p)
{
	return p->ioprio ? p : NULL;
}

/* KCMP_EPOLL_TFD: the file idx1 of t1 against the target of t2's epoll
 * slot (efd, tfd, toff) at uslot. */
static int64_t kcmp_epoll_target(struct kernel *k, struct process *t1, struct process *t2,
				 uint64_t idx1, uint64_t uslot)
{
	struct kcmp_epoll_slot slot;
	if (copy_from_user(k, &slot, uslot, sizeof(slot)))
		return -EFAULT;
	struct file *f = task_file(t1, idx1);
	if (!f)
		return -EBADF;
	struct file *ep = task_file(t2, slot.efd);
	if (!ep)
		return -EBADF;
	struct file *target;
	int err = eventpoll_target(ep, (int)slot.tfd, slot.toff, &target);
	return err ? err : kcmp_ptr(f, target, KCMP_FILE);
}

/* kcmp(pid1, pid2, type, idx1, idx2) */
int64_t sys_kcmp(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct process *t1 = process_find(k, (int)a[0]), *t2 = process_find(k, (int)a[1]);
	if (!t1 || !t2)
		return -ESRCH;
	if (ptrace_may_access(k, t1, PTRACE_MODE_READ | PTRACE_MODE_REALCREDS) ||
	    ptrace_may_access(k, t2, PTRACE_MODE_READ | PTRACE_MODE_REALCREDS))
		return -EPERM;
	switch ((int)a[2]) {
	case KCMP_FILE: {
		struct file *f1 = task_file(t1, a[3]), *f2 = task_file(t2, a[4]);
		return f1 && f2 ? kcmp_ptr(f1, f2, KCMP_FILE) : -EBADF;
	}
	case KCMP_VM:
		return kcmp_ptr(t1->mm, t2->mm, KCMP_VM);
	case KCMP_FILES:
		return kcmp_ptr(t1->files, t2->files, KCMP_FILES);
	case KCMP_FS:
		return kcmp_ptr(t1->fs, t2->fs, KCMP_FS);
	case KCMP_SIGHAND:
		return kcmp_ptr(t1->sighand, t2->sighand, KCMP_SIGHAND);
	case KCMP_IO:
		return kcmp_ptr(io_context(t1), io_context(t2), KCMP_IO);
	case KCMP_SYSVSEM:
		return kcmp_ptr(t1->sysvsem, t2->sysvsem, KCMP_SYSVSEM);
	case KCMP_EPOLL_TFD:
		return kcmp_epoll_target(k, t1, t2, a[3], a[4]);
	default:
		return -EINVAL;
	}
}
