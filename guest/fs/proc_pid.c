/* proc_pid.c - /proc/PID/status, /proc/PID/stat and /proc/PID/statm, in
 * the formats of Linux 6.x's fs/proc/array.c and task_mmu.c.
 *
 * What vmemu does not track is shown as Linux shows an idle value:
 * VmPeak is the current VmSize (no high-water mark of it is kept), CPU
 * times and start time are 0, one thread per process, capabilities are
 * all or nothing by the host's euid. VmExe counts every
 * executable mapping (static programs have no libraries, so VmLib is 0),
 * and the stack is the whole 8 MiB VMA the loader maps. /proc/PID/cmdline
 * is the argv kept at exec (not read back from the stack). */
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs/internal.h"
#include "kern.h"
#include "mm/mm.h"
#include "task/task.h"

#define KB(pages) ((unsigned long long)(pages) << (PAGE_SHIFT - 10))
#define EXIT_SIGNAL_SIGCHLD 17

/* An address space in pages, as Linux's mm counters and task_mem(). */
struct mm_usage {
	uint64_t total_vm, data_vm, stack_vm, exec_vm;
	uint64_t anon, file, shmem, swap, pte;
	uint64_t start_code, end_code; /* the executable mappings' span */
};

/* Linux's MM_ANONPAGES, MM_FILEPAGES and MM_SHMEMPAGES, by the frame. */
static void rss_leaf(struct kernel *k, struct mm *mm, uint64_t va, uint64_t *pte, void *arg)
{
	(void)mm;
	(void)va;
	struct mm_usage *u = arg;
	uint64_t pa = *pte & PTE_ADDR_MASK;
	if (pmd_hugetlb(*pte) || pte_is_swap(*pte) || pa == ZERO_PAGE_PA || pa == k->huge_zero_pa)
		return;
	if (*pte & PTE_PS) { /* a transparent huge page: anonymous */
		u->anon += PAGE_SIZE_2M / PAGE_SIZE;
		return;
	}
	struct cache_page *cp = pagecache_page(k, pa);
	if (!cp)
		u->anon++;
	else if (cp->mapping->anon && !vdso_mapping(k, cp->mapping))
		u->shmem++;
	else
		u->file++;
}

static void mm_usage(struct kernel *k, struct mm *mm, struct mm_usage *u)
{
	*u = (struct mm_usage){.swap = mm->swap_ents, .pte = mm->pt_pages};
	for (struct vma *v = mm->vmas; v; v = v->next) {
		uint64_t pages = (v->end - v->start) >> PAGE_SHIFT;
		bool stack = v->flags & (VM_STACK | VM_GROWSDOWN);
		u->total_vm += pages;
		/* Linux's is_stack_mapping, is_data_mapping, is_exec_mapping. */
		if (stack)
			u->stack_vm += pages;
		else if ((v->flags & (VM_WRITE | VM_SHARED)) == VM_WRITE)
			u->data_vm += pages;
		else if ((v->flags & (VM_EXEC | VM_WRITE)) == VM_EXEC) {
			u->exec_vm += pages;
			if (!u->start_code || v->start < u->start_code)
				u->start_code = v->start;
			if (v->end > u->end_code)
				u->end_code = v->end;
		}
		pgtable_walk_leaves(k, mm, v->start, v->end, rss_leaf, u);
	}
}

static char state_char(struct kernel *k, const struct process *p)
{
	if (p->state == PROC_ZOMBIE)
		return 'Z';
	if (p->state == PROC_STOPPED)
		return 'T';
	if (p->state == PROC_TRACED)
		return 't';
	if (p->state == PROC_BLOCKED && p != k->current)
		return p->wait_killable ? 'D' : 'S';
	return 'R';
}

static const char *state_name(char c)
{
	switch (c) {
	case 'Z': return "Z (zombie)";
	case 'T': return "T (stopped)";
	case 't': return "t (tracing stop)";
	case 'S': return "S (sleeping)";
	case 'D': return "D (disk sleep)";
	default: return "R (running)";
	}
}

/* Masks of the signals p ignores and catches. */
static void sig_masks(const struct process *p, uint64_t *ign, uint64_t *cgt)
{
	*ign = *cgt = 0;
	for (int sig = 1; sig <= KSIG_MAX; sig++) {
		uint64_t h = p->sighand->action[sig].handler;
		if (h == KSIG_IGN)
			*ign |= sig_bit(sig);
		else if (h != KSIG_DFL)
			*cgt |= sig_bit(sig);
	}
}

/* task_name(): "\n" and "\\" escaped. */
static void show_name(struct seq *s, const char *comm)
{
	seq_printf(s, "Name:\t");
	for (const char *c = comm; *c; c++)
		seq_printf(s, *c == '\n' ? "\\n" : *c == '\\' ? "\\\\" : "%c", *c);
	seq_printf(s, "\n");
}

static void show_ids(const struct process *p, struct seq *s)
{
	const struct cred *c = &p->cred;
	seq_printf(s, "Uid:\t%u\t%u\t%u\t%u\n", c->uid, c->euid, c->suid, c->fsuid);
	seq_printf(s, "Gid:\t%u\t%u\t%u\t%u\n", c->gid, c->egid, c->sgid, c->fsgid);
	seq_printf(s, "FDSize:\t%d\n", p->files ? p->files->max_fds : 0);
	seq_printf(s, "Groups:\t");
	for (int i = 0; i < c->groups->ngroups; i++)
		seq_printf(s, "%s%u", i ? " " : "", c->groups->gid[i]);
	seq_printf(s, " \n"); /* Linux's trailing space */
}

/* task_mem(): "VmPeak:\t%8lu kB" and so on. */
static void show_mem(struct kernel *k, struct mm *mm, struct seq *s)
{
	struct mm_usage u;
	mm_usage(k, mm, &u);
	uint64_t rss = u.anon + u.file + u.shmem;
	uint64_t hwm = mm_hiwater_rss(mm) > rss ? mm_hiwater_rss(mm) : rss;
	const struct {
		const char *name;
		uint64_t pages;
	} lines[] = {
		{"VmPeak", u.total_vm}, {"VmSize", u.total_vm}, {"VmLck", mm_locked_vm(mm)},
		{"VmPin", 0}, {"VmHWM", hwm}, {"VmRSS", rss},
		{"RssAnon", u.anon}, {"RssFile", u.file}, {"RssShmem", u.shmem},
		{"VmData", u.data_vm}, {"VmStk", u.stack_vm}, {"VmExe", u.exec_vm},
		{"VmLib", 0}, {"VmPTE", u.pte}, {"VmSwap", u.swap},
		{"HugetlbPages", 0},
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		seq_printf(s, "%s:\t%8llu kB\n", lines[i].name, KB(lines[i].pages));
}

/* Threads of p's process that have not exited. */
static int nr_threads(const struct process *p)
{
	return p->signal->nr_threads;
}

static void show_sig(const struct process *p, struct seq *s)
{
	uint64_t ign, cgt;
	sig_masks(p, &ign, &cgt);
	uint64_t own = p->sig.pending.signal, shared = p->signal->shared_pending.signal;
	seq_printf(s, "Threads:\t%d\n", nr_threads(p));
	seq_printf(s, "SigQ:\t%d/%llu\n", __builtin_popcountll(own) + __builtin_popcountll(shared),
		   (unsigned long long)task_rlimit(p, RLIMIT_SIGPENDING));
	seq_printf(s, "SigPnd:\t%016llx\n", (unsigned long long)own);
	seq_printf(s, "ShdPnd:\t%016llx\n", (unsigned long long)shared);
	seq_printf(s, "SigBlk:\t%016llx\n", (unsigned long long)p->sig.blocked);
	seq_printf(s, "SigIgn:\t%016llx\n", (unsigned long long)ign);
	seq_printf(s, "SigCgt:\t%016llx\n", (unsigned long long)cgt);
}

/* The number of the task whose pid is global in each namespace from the
 * initial one down to ns (0 where it has none, as Linux shows a group
 * led from outside). */
static void show_levels(struct kernel *k, struct seq *s, const char *name, int global,
			const struct pid_namespace *ns)
{
	const struct pid_namespace *chain[MAX_PID_NS_LEVEL + 1];
	for (const struct pid_namespace *n = ns; n; n = n->parent)
		chain[n->level] = n;
	const struct process *t = process_find(k, global);
	seq_printf(s, "%s:", name);
	for (unsigned i = 0; i <= ns->level; i++)
		seq_printf(s, "\t%d", i == 0 ? global : t ? task_pid_nr_ns(t, chain[i]) : 0);
	seq_printf(s, "\n");
}

void proc_show_pid_levels(struct seq *s, const char *name, const struct process *p, bool tgid)
{
	int nr[MAX_PID_NS_LEVEL + 1];
	int n = task_pid_levels(p, tgid, nr);
	seq_printf(s, "%s:", name);
	for (int i = 0; i < n; i++)
		seq_printf(s, "\t%d", nr[i]);
	seq_printf(s, "\n");
}

void proc_show_nspid(struct kernel *k, const struct process *p, struct seq *s)
{
	proc_show_pid_levels(s, "NStgid", p, true);
	proc_show_pid_levels(s, "NSpid", p, false);
	show_levels(k, s, "NSpgid", p->signal->pgid, p->pid_ns);
	show_levels(k, s, "NSsid", p->signal->sid, p->pid_ns);
}

void proc_status_show(struct kernel *k, struct process *p, struct seq *s)
{
	char st = state_char(k, p);
	show_name(s, p->comm);
	if (p->fs) /* a zombie has none: Linux leaves the line out */
		seq_printf(s, "Umask:\t%04o\n", p->fs->umask);
	seq_printf(s, "State:\t%s\n", state_name(st));
	seq_printf(s, "Tgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t%d\nTracerPid:\t0\n", p->tgid, p->pid,
		   task_ppid(p));
	show_ids(p, s);
	proc_show_nspid(k, p, s);
	seq_printf(s, "Kthread:\t0\n");
	if (p->mm) {
		show_mem(k, p->mm, s);
		seq_printf(s, "CoreDumping:\t0\nTHP_enabled:\t%d\nuntag_mask:\t0xffffffffffffffff\n",
			   !p->mm->thp_disabled);
	}
	show_sig(p, s);
	seq_printf(s, "CapInh:\t%016llx\nCapPrm:\t%016llx\nCapEff:\t%016llx\n",
		   (unsigned long long)p->cap.inheritable, (unsigned long long)p->cap.permitted,
		   (unsigned long long)p->cap.effective);
	seq_printf(s, "CapBnd:\t%016llx\nCapAmb:\t%016llx\n", (unsigned long long)p->cap.bounding,
		   (unsigned long long)p->cap.ambient);
	seq_printf(s, "NoNewPrivs:\t%d\nSeccomp:\t%d\nSeccomp_filters:\t%d\n", p->no_new_privs,
		   p->seccomp.mode, p->seccomp.filter_count);
}

/* do_task_stat(): 52 fields; kstkesp/kstkeip and addresses vmemu does not
 * keep (argument and environment area, data segment) are 0. The faults
 * are the whole process's in /proc/PID/stat, the thread's in
 * /proc/PID/task/TID/stat. */
static void do_task_stat(struct kernel *k, struct process *p, struct seq *s, bool whole)
{
	struct mm_usage u = {0};
	if (p->mm)
		mm_usage(k, p->mm, &u);
	uint64_t ign, cgt;
	sig_masks(p, &ign, &cgt);
	uint64_t min = p->min_flt, maj = p->maj_flt;
	if (whole)
		thread_group_faults(k, p, &min, &maj);
	int tpgid, tty_nr = tty_proc_stat(k, p, &tpgid);
	seq_printf(s, "%d (%s) %c %d %d %d %d %d 0 ", p->pid, p->comm, state_char(k, p),
		   task_ppid(p), p->signal->pgid, p->signal->sid, tty_nr, tpgid);
	/* task_prio(): 20 + nice, or -1 - the real-time priority. */
	bool rt = p->sched.rt_priority > 0;
	seq_printf(s, "%llu %llu %llu %llu 0 0 0 0 %d %d %d 0 0 ", (unsigned long long)min,
		   (unsigned long long)p->signal->child_min_flt, (unsigned long long)maj,
		   (unsigned long long)p->signal->child_maj_flt,
		   rt ? -1 - p->sched.rt_priority : 20 + p->sched.nice, p->sched.nice, nr_threads(p));
	seq_printf(s, "%llu %llu %llu %llu %llu %llu 0 0 ", (unsigned long long)u.total_vm << PAGE_SHIFT,
		   (unsigned long long)(u.anon + u.file + u.shmem), (unsigned long long)RLIM_INFINITY,
		   (unsigned long long)u.start_code, (unsigned long long)u.end_code,
		   (unsigned long long)(p->mm ? p->mm->stack_top : 0));
	seq_printf(s, "%llu %llu %llu %llu 0 0 0 %d 0 %d %d 0 0 0 0 0 %llu 0 0 0 0 %d\n",
		   (unsigned long long)(p->sig.pending.signal | p->signal->shared_pending.signal),
		   (unsigned long long)p->sig.blocked,
		   (unsigned long long)ign, (unsigned long long)cgt, EXIT_SIGNAL_SIGCHLD,
		   p->sched.rt_priority, p->sched.policy,
		   (unsigned long long)(p->mm ? p->mm->start_brk : 0),
		   p->exited ? (p->term_signal ? p->term_signal : p->exit_code << 8) : 0);
}

void proc_stat_show(struct kernel *k, struct process *p, struct seq *s)
{
	do_task_stat(k, p, s, true);
}

void proc_tid_stat_show(struct kernel *k, struct process *p, struct seq *s)
{
	do_task_stat(k, p, s, false);
}

/* "size resident shared text lib data dt", in pages. */
void proc_statm_show(struct kernel *k, struct process *p, struct seq *s)
{
	struct mm_usage u = {0};
	if (p->mm)
		mm_usage(k, p->mm, &u);
	seq_printf(s, "%llu %llu %llu %llu 0 %llu 0\n", (unsigned long long)u.total_vm,
		   (unsigned long long)(u.anon + u.file + u.shmem), (unsigned long long)(u.file + u.shmem),
		   (unsigned long long)u.exec_vm, (unsigned long long)(u.data_vm + u.stack_vm));
}

/* The argv of the last exec, each string ending in NUL; empty for a
 * zombie, whose memory is gone (so ps shows "[comm]" as on Linux). */
void proc_cmdline_show(struct kernel *k, struct process *p, struct seq *s)
{
	(void)k;
	const struct signal_struct *sig = p->signal;
	if (!p->mm || p->state == PROC_ZOMBIE || !sig->cmdline_len)
		return;
	seq_printf(s, "%*s", (int)sig->cmdline_len, ""); /* room, then the bytes */
	if (!s->failed)
		memcpy(s->buf + s->len - sig->cmdline_len, sig->cmdline, sig->cmdline_len);
}
