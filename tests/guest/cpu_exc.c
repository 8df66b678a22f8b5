/* cpu_exc: CPU exceptions other than page faults become Linux's signals.
 *   cpu_exc ud2   - an undefined instruction: SIGILL
 *   cpu_exc div0  - an integer division by zero: SIGFPE
 *   cpu_exc hlt   - a privileged instruction in user mode: SIGSEGV
 * Each prints a line just before the faulting instruction, so a death in
 * the wrong place shows in the compared output. */
#include "guest_test.h"

int main(int argc, char **argv)
{
	if (argc != 2)
		fail("usage: cpu_exc ud2|div0|hlt");
	printf("about to run %s\n", argv[1]);
	fflush(stdout);
	if (!strcmp(argv[1], "ud2")) {
		__asm__ volatile("ud2");
	} else if (!strcmp(argv[1], "div0")) {
		volatile int zero = 0, n = 7;
		printf("%d\n", n / zero);
	} else if (!strcmp(argv[1], "hlt")) {
		__asm__ volatile("hlt");
	} else {
		fail("unknown case %s", argv[1]);
	}
	fail("%s did not trap", argv[1]);
}
