/* cpu_x87_switch.c - each process keeps its own x87 register stack across
 * preemption when the stacks are at different depths: four processes
 * each push a different number of values (so each has its own TOP), spin
 * without touching the x87 unit long enough to be switched out many
 * times, then pop the values and find their own. (Unicorn's ST(i) is
 * relative to TOP: a switch that wrote the stack before TOP rotated it.) */
#include <unistd.h>

#include "guest_test.h"

#define SPIN 60000000L

/* Pushes depth values base+1..base+depth, spins, pops them into out
 * (ST(0), the last pushed, first). */
static void x87_hold(int depth, double base, double out[8])
{
	double in[8];
	for (int i = 0; i < depth; i++)
		in[i] = base + i + 1;
	for (int i = 0; i < depth; i++)
		__asm__ volatile("fldl %0" : : "m"(in[i]));
	for (volatile long n = 0; n < SPIN; n++)
		;
	for (int i = 0; i < depth; i++)
		__asm__ volatile("fstpl %0" : "=m"(out[i]));
}

int main(void)
{
	pid_t pids[4];
	for (int c = 0; c < 4; c++) {
		pids[c] = fork();
		CHECK(pids[c] >= 0, "fork: %s", strerror(errno));
		if (pids[c] == 0) {
			int depth = 2 * c + 1;
			double base = 100.0 * (c + 1), out[8];
			x87_hold(depth, base, out);
			for (int i = 0; i < depth; i++)
				if (out[i] != base + depth - i)
					_exit(10 + i);
			_exit(0);
		}
	}
	for (int c = 0; c < 4; c++) {
		int status;
		CHECK(waitpid(pids[c], &status, 0) == pids[c], "waitpid: %s", strerror(errno));
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "process %d (depth %d) lost its x87 stack: status %#x", c, 2 * c + 1, status);
	}
	printf("four x87 stacks kept\n");
	return 0;
}
