/* inspect.c - the kernel's state as debuggers show it (kernel.h): the
 * processes, their registers and address spaces, /proc/PID/maps, and the
 * fatal signal a fault has queued. Reads only. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fs/fs.h"
#include "kern.h"
#include "mm/mm.h"
#include "task/task.h"

static char state_char(const struct process *p)
{
	switch (p->state) {
	case PROC_RUNNABLE: return 'R';
	case PROC_BLOCKED:  return 'S';
	case PROC_STOPPED:  return 'T';
	case PROC_TRACED:   return 't';
	case PROC_ZOMBIE:   return 'Z';
	}
	return '?';
}

int kernel_procs(struct kernel *k, struct kernel_proc *out, int max)
{
	int n = 0;
	for (const struct process *p = k->procs; p; p = p->next, n++) {
		if (n >= max)
			continue;
		out[n] = (struct kernel_proc){
			.pid = p->pid, .ppid = task_ppid(p), .state = state_char(p),
			.current = p == k->current, .pcid = p->mm ? p->mm->pcid : 0,
		};
		memcpy(out[n].comm, p->comm, sizeof(out[n].comm));
		out[n].comm[sizeof(out[n].comm) - 1] = 0;
	}
	return n;
}

int kernel_current_pid(struct kernel *k)
{
	return k->current ? k->current->pid : 0;
}

bool kernel_proc_context(struct kernel *k, int pid, struct cpu_context *out)
{
	struct process *p = process_find(k, pid);
	if (!p)
		return false;
	*out = p->ctx;
	return true;
}

bool kernel_proc_mmu_regs(struct kernel *k, int pid, struct mmu_regs *out)
{
	struct process *p = process_find(k, pid);
	if (!p || !p->mm)
		return false;
	*out = k->mmu.regs;
	out->cr3 = p->mm->pml4 | p->mm->pcid;
	return true;
}

char *kernel_proc_maps(struct kernel *k, int pid)
{
	struct process *p = process_find(k, pid);
	return p ? proc_maps_text(k, p) : NULL;
}

bool kernel_vma_describe(struct kernel *k, uint64_t va, char *buf, size_t len)
{
	return k->current && proc_maps_line(k, k->current, va, buf, len);
}

bool kernel_proc_exe(struct kernel *k, int pid, char *buf, size_t len)
{
	struct process *p = process_find(k, pid);
	if (!p || !p->signal->exe_file || p->signal->exe_file->host_fd < 0 || len == 0)
		return false;
	char link[64];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", p->signal->exe_file->host_fd);
	ssize_t n = readlink(link, buf, len - 1);
	if (n < 0)
		return false;
	buf[n] = 0;
	return true;
}

bool kernel_pending_fatal(struct kernel *k, struct kernel_siginfo *out)
{
	struct ksiginfo info;
	if (!k->current || !signal_pending_fatal(k->current, &info))
		return false;
	*out = (struct kernel_siginfo){info.signo, info.code, info.addr};
	return true;
}

bool kernel_pte_swap_slot(uint64_t pte, uint64_t *slot)
{
	if (!pte_is_swap(pte))
		return false;
	*slot = swp_offset(pte);
	return true;
}

bool kernel_pte_protnone(uint64_t pte)
{
	return !(pte & PTE_P) && (pte & PTE_SW_PROTNONE);
}
