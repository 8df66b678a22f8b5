/* proc_pid_env.c - /proc/PID/environ and /proc/PID/auxv: the environment
 * strings and the auxiliary vector of the initial stack, read from the
 * process's memory where exec put them (mm->env_start..env_end,
 * auxv_start..auxv_end), as Linux's environ_read reads them; a change the
 * program makes there shows. Linux keeps a copy of auxv (saved_auxv);
 * here it is read in place too. An exited process reads as empty. Both
 * files are 0400 as Linux's; every guest process has the reader's ids, so
 * the PTRACE_MODE_READ check Linux makes always passes. */
#include <errno.h>

#include "fs/internal.h"
#include "kern.h"
#include "mm/mm.h"
#include "task/task.h"

/* The bytes of [start, end) of mm from offset pos on. */
static int64_t read_range(struct kernel *k, struct mm *mm, struct uio *u, uint64_t pos,
			  uint64_t start, uint64_t end)
{
	static uint8_t page[PAGE_SIZE];
	int64_t done = 0;
	while (u->left && pos < end - start) {
		uint64_t n = end - start - pos;
		n = n < PAGE_SIZE ? n : PAGE_SIZE;
		n = n < u->left ? n : u->left;
		int64_t got = access_remote_vm(k, mm, start + pos, page, n, false);
		if (got <= 0)
			break;
		if (uio_copy(k, u, page, (size_t)got, true) < (size_t)got)
			return done ? done : -EFAULT;
		done += got;
		pos += (uint64_t)got;
	}
	return done;
}

int64_t proc_environ_read(struct kernel *k, struct process *p, struct uio *u, uint64_t pos)
{
	return p->mm ? read_range(k, p->mm, u, pos, p->mm->env_start, p->mm->env_end) : 0;
}

int64_t proc_auxv_read(struct kernel *k, struct process *p, struct uio *u, uint64_t pos)
{
	return p->mm ? read_range(k, p->mm, u, pos, p->mm->auxv_start, p->mm->auxv_end) : 0;
}
