/* proc_pid_oom.c - /proc/PID/oom_score, oom_score_adj and oom_adj, as
 * Linux's fs/proc/base.c serves them: the score is the OOM killer's
 * badness (mm/oom.c) scaled to 0..1333 by Linux's formula; oom_score_adj
 * (-1000..1000) is the process's, which the OOM killer weighs in;
 * oom_adj is the old interface to it (-17..15). Lowering either below
 * the least value set with CAP_SYS_RESOURCE (0 at first) needs it. */
#include <errno.h>
#include <limits.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <string.h>

#include "fs/internal.h"
#include "kern.h"
#include "mm/mm.h"
#include "task/task.h"

#define PROC_NUMBUF 13   /* a write takes at most 12 bytes */
#define OOM_DISABLE (-17) /* oom_adj's range */
#define OOM_ADJUST_MAX 15

void proc_oom_score_show(struct kernel *k, struct process *p, struct seq *s)
{
	uint64_t total = oom_totalpages(k);
	long badness = oom_badness(p, total);
	long points = 0;
	if (badness != LONG_MIN && total)
		points = (1000 + badness * 1000 / (long)total) * 2 / 3;
	seq_printf(s, "%lu\n", (unsigned long)points);
}

void proc_oom_score_adj_show(struct kernel *k, struct process *p, struct seq *s)
{
	(void)k;
	seq_printf(s, "%d\n", p->signal->oom_score_adj);
}

/* oom_score_adj scaled to oom_adj's range, 1000 being 15. */
void proc_oom_adj_show(struct kernel *k, struct process *p, struct seq *s)
{
	(void)k;
	int adj = p->signal->oom_score_adj;
	seq_printf(s, "%d\n", adj == OOM_SCORE_ADJ_MAX ? OOM_ADJUST_MAX : adj * -OOM_DISABLE / OOM_SCORE_ADJ_MAX);
}

int64_t proc_write_int(struct kernel *k, struct uio *u, int base, int *value)
{
	char buf[PROC_NUMBUF] = "";
	size_t n = u->left < sizeof(buf) - 1 ? (size_t)u->left : sizeof(buf) - 1;
	if (uio_copy(k, u, buf, n, false) < n)
		return -EFAULT;
	char *p = buf + strspn(buf, " \t\n\v\f\r"), *end;
	errno = 0;
	long v = strtol(p, &end, base);
	end += strspn(end, " \t\n\v\f\r");
	if (end == p || *end)
		return -EINVAL;
	if (errno || v < INT_MIN || v > INT_MAX)
		return -ERANGE;
	*value = (int)v;
	return (int64_t)n;
}

/* Linux's __set_oom_adj: a legacy (oom_adj) write may not lower the
 * value, a new one not below the minimum, without CAP_SYS_RESOURCE; a
 * privileged new write sets the minimum too. */
static int set_oom_adj(struct kernel *k, struct process *p, int adj, bool legacy)
{
	struct signal_struct *sig = p->signal;
	bool privileged = capable(k, CAP_SYS_RESOURCE);
	if (!privileged && adj < (legacy ? sig->oom_score_adj : sig->oom_score_adj_min))
		return -EACCES;
	sig->oom_score_adj = (short)adj;
	if (!legacy && privileged)
		sig->oom_score_adj_min = (short)adj;
	return 0;
}

int64_t proc_oom_score_adj_write(struct kernel *k, struct process *p, struct uio *u, uint64_t pos)
{
	(void)pos;
	int adj;
	int64_t n = proc_write_int(k, u, 0, &adj);
	if (n < 0)
		return n;
	if (adj < OOM_SCORE_ADJ_MIN || adj > OOM_SCORE_ADJ_MAX)
		return -EINVAL;
	int err = set_oom_adj(k, p, adj, false);
	return err ? err : n;
}

int64_t proc_oom_adj_write(struct kernel *k, struct process *p, struct uio *u, uint64_t pos)
{
	(void)pos;
	int adj;
	int64_t n = proc_write_int(k, u, 0, &adj);
	if (n < 0)
		return n;
	if (adj < OOM_DISABLE || adj > OOM_ADJUST_MAX)
		return -EINVAL;
	adj = adj == OOM_ADJUST_MAX ? OOM_SCORE_ADJ_MAX : adj * OOM_SCORE_ADJ_MAX / -OOM_DISABLE;
	int err = set_oom_adj(k, p, adj, true);
	return err ? err : n;
}
