/* vgetcpu.c - the vDSO's getcpu: vmemu emulates one CPU, so it is CPU 0
 * on node 0 (as getcpu(2), sched_getcpu and /proc/cpuinfo say). */
#include <stddef.h>

long __vdso_getcpu(unsigned *cpu, unsigned *node, void *unused);

long __vdso_getcpu(unsigned *cpu, unsigned *node, void *unused)
{
	(void)unused;
	if (cpu)
		*cpu = 0;
	if (node)
		*node = 0;
	return 0;
}

long getcpu(unsigned *, unsigned *, void *) __attribute__((weak, alias("__vdso_getcpu")));
