/* proc_timens.c - /proc/PID/timens_offsets (Linux's fs/proc/base.c and
 * kernel/time/namespace.c): the offsets of the time namespace PID's
 * children get, one line a clock ("monotonic", "boottime": seconds and
 * nanoseconds); written as "CLOCK SECONDS NANOSECONDS" lines, CLOCK a name
 * or its number (1, 7), at most two lines taken, from offset 0 and less
 * than a page at once, before a task enters that namespace
 * (task/time_namespace.c checks and sets). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fs/internal.h"
#include "kern.h"
#include "mm/mm.h"
#include "task/task.h"

#define NSEC_PER_SEC 1000000000UL

void proc_timens_offsets_show(struct kernel *k, struct process *p, struct seq *s)
{
	(void)k;
	struct timespec mono, boot;
	timens_offsets(p, &mono, &boot);
	seq_printf(s, "%-10s %10lld %9ld\n%-10s %10lld %9ld\n", "monotonic", (long long)mono.tv_sec,
		   mono.tv_nsec, "boottime", (long long)boot.tv_sec, boot.tv_nsec);
}

/* One line: 0 and *off, or -EINVAL. */
static int parse_offset(const char *line, struct timens_offset *off)
{
	char clock[10];
	long long sec;
	unsigned long nsec;
	if (sscanf(line, "%9s %lld %lu", clock, &sec, &nsec) != 3 || nsec >= NSEC_PER_SEC)
		return -EINVAL;
	if (!strcmp(clock, "monotonic") || !strcmp(clock, "1"))
		off->clock = CLOCK_MONOTONIC;
	else if (!strcmp(clock, "boottime") || !strcmp(clock, "7"))
		off->clock = CLOCK_BOOTTIME;
	else
		return -EINVAL;
	off->val = (struct timespec){(time_t)sec, (long)nsec};
	return 0;
}

int64_t proc_timens_offsets_write(struct kernel *k, struct process *p, struct uio *u, uint64_t pos)
{
	uint64_t count = u->left;
	if (pos != 0 || count >= PAGE_SIZE)
		return -EINVAL;
	char buf[PAGE_SIZE];
	if (uio_copy(k, u, buf, count, false) < count)
		return -EFAULT;
	buf[count] = '\0';
	struct timens_offset offs[2];
	int n = 0;
	for (char *line = buf, *next; line; line = next) {
		next = strchr(line, '\n');
		if (next) {
			*next++ = '\0';
			if (!*next)
				next = NULL;
		}
		if (parse_offset(line, &offs[n]))
			return -EINVAL;
		if (++n == 2) { /* the rest is left to the next write */
			if (next)
				count = (uint64_t)(next - buf);
			break;
		}
	}
	int err = timens_set_offsets(k, p, offs, n);
	return err ? err : (int64_t)count;
}
