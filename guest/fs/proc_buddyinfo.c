/* proc_buddyinfo.c - /proc/buddyinfo: the free blocks of each order of the
 * buddy allocator, in the format of Linux's frag_show ("Node 0, zone
 * Normal" and one "%6lu " per order). Linux's largest order is 10 (4 MiB
 * blocks); vmemu's allocator keeps blocks up to order 18, which show as
 * the order-10 blocks they hold. Guest memory is one zone, Normal. */
#include "fs/internal.h"
#include "kern.h"
#include "mm/mm.h"

#define LINUX_MAX_ORDER 10

void proc_buddyinfo_show(struct kernel *k, struct process *p, struct seq *s)
{
	(void)p;
	uint64_t count[FRAME_MAX_ORDER + 1];
	frame_free_blocks(k, count);
	for (unsigned o = LINUX_MAX_ORDER + 1; o <= FRAME_MAX_ORDER; o++)
		count[LINUX_MAX_ORDER] += count[o] << (o - LINUX_MAX_ORDER);
	seq_printf(s, "Node 0, zone %8s ", "Normal");
	for (unsigned o = 0; o <= LINUX_MAX_ORDER; o++)
		seq_printf(s, "%6llu ", (unsigned long long)count[o]);
	seq_printf(s, "\n");
}
