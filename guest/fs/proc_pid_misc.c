/* proc_pid_misc.c - the one-line files of /proc/PID (and task/TID), in
 * the formats of Linux's fs/proc/base.c:
 *   comm         the task's name and a newline; a write by a thread of
 *                the process renames it (15 bytes kept, as set_task_comm)
 *   cgroup       "0::/": one cgroup v2 hierarchy, the root
 *   io           the I/O counters; vmemu keeps none per process: all 0
 *   wchan        "0": a sleeping task shows no kernel symbol
 *   personality  what personality(2) set, PER_LINUX (0) at first
 *   syscall      the call the task is in: its number, six arguments, the
 *                stack pointer and the address after its SYSCALL, in hex;
 *                "-1 SP PC" when it is stopped outside one, "running"
 *                when it runs or may run (Linux's proc_pid_syscall)
 *   loginuid, sessionid  the audit ids of the host's process (the guest
 *                runs with its user's ids), without a newline as Linux;
 *                4294967295 (unset) when the host has none
 *   timerslack_ns  the timer slack PR_SET_TIMERSLACK sets too (only the
 *                process's directory has it, as Linux) */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fs/internal.h"
#include "kern.h"
#include "mm/mm.h"
#include "task/task.h"

#define AUDIT_UNSET "4294967295"

void proc_comm_show(struct kernel *k, struct process *p, struct seq *s)
{
	(void)k;
	seq_printf(s, "%s\n", p->comm);
}

/* comm_write: the first 15 bytes, newline and all; the whole count is
 * taken. Only the process itself may rename its threads. */
int64_t proc_comm_write(struct kernel *k, struct process *p, struct uio *u, uint64_t pos)
{
	(void)pos;
	char name[sizeof(p->comm)] = "";
	uint64_t count = u->left;
	size_t n = count < sizeof(name) - 1 ? (size_t)count : sizeof(name) - 1;
	if (uio_copy(k, u, name, n, false) < n)
		return -EFAULT;
	if (p->signal != k->current->signal)
		return -EINVAL;
	memcpy(p->comm, name, sizeof(name));
	uio_skip(u, u->left);
	return (int64_t)count;
}

void proc_cgroup_show(struct kernel *k, struct process *p, struct seq *s)
{
	(void)k;
	(void)p;
	seq_printf(s, "0::/\n");
}

void proc_io_show(struct kernel *k, struct process *p, struct seq *s)
{
	(void)k;
	(void)p;
	static const char *const names[] = {"rchar", "wchar", "syscr", "syscw", "read_bytes",
					    "write_bytes", "cancelled_write_bytes"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		seq_printf(s, "%s: 0\n", names[i]);
}

void proc_wchan_show(struct kernel *k, struct process *p, struct seq *s)
{
	(void)k;
	(void)p;
	seq_printf(s, "0");
}

void proc_personality_show(struct kernel *k, struct process *p, struct seq *s)
{
	(void)k;
	seq_printf(s, "%08x\n", p->personality);
}

void proc_syscall_show(struct kernel *k, struct process *p, struct seq *s)
{
	const struct cpu_context *c = &p->ctx;
	/* The reader is in read(2); a sleeper's context is at its SYSCALL. */
	bool in_call = p == k->current || p->restart_syscall;
	if (p != k->current && p->state == PROC_RUNNABLE) {
		seq_printf(s, "running\n");
		return;
	}
	unsigned long long sp = c->rsp, pc = c->rip + (in_call ? SYSCALL_INSN_LEN : 0);
	if (!in_call) {
		seq_printf(s, "-1 0x%llx 0x%llx\n", sp, pc);
		return;
	}
	seq_printf(s, "%d 0x%llx 0x%llx 0x%llx 0x%llx 0x%llx 0x%llx 0x%llx 0x%llx\n", (int)c->rax,
		   (unsigned long long)c->rdi, (unsigned long long)c->rsi,
		   (unsigned long long)c->rdx, (unsigned long long)c->r10,
		   (unsigned long long)c->r8, (unsigned long long)c->r9, sp, pc);
}

/* The host's own /proc/self/NAME, which holds one number. */
static void host_audit_id(const char *path, struct seq *s)
{
	char buf[16] = "";
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = 0;
	buf[strspn(buf, "0123456789")] = 0;
	seq_printf(s, "%s", buf[0] ? buf : AUDIT_UNSET);
}

void proc_loginuid_show(struct kernel *k, struct process *p, struct seq *s)
{
	(void)k;
	(void)p;
	host_audit_id("/proc/self/loginuid", s);
}

void proc_sessionid_show(struct kernel *k, struct process *p, struct seq *s)
{
	(void)k;
	(void)p;
	host_audit_id("/proc/self/sessionid", s);
}

void proc_timerslack_ns_show(struct kernel *k, struct process *p, struct seq *s)
{
	(void)k;
	seq_printf(s, "%llu\n", (unsigned long long)p->timer_slack_ns);
}

/* timerslack_ns_write: kstrtoull's decimal number (a '+' before it, a
 * newline after it allowed); 0 sets the default; another process's needs
 * CAP_SYS_NICE. */
int64_t proc_timerslack_ns_write(struct kernel *k, struct process *p, struct uio *u, uint64_t pos)
{
	(void)pos;
	char buf[32] = "";
	uint64_t count = u->left;
	if (count >= sizeof(buf))
		return -EINVAL;
	if (uio_copy(k, u, buf, (size_t)count, false) < count)
		return -EFAULT;
	char *start = buf + (buf[0] == '+'), *end;
	errno = 0;
	unsigned long long ns = strtoull(start, &end, 10);
	if (*start < '0' || *start > '9' || errno || (*end && strcmp(end, "\n")))
		return -EINVAL;
	if (p != k->current && !capable(k, CAP_SYS_NICE))
		return -EPERM;
	p->timer_slack_ns = ns ? ns : p->default_timer_slack_ns;
	return (int64_t)count;
}
