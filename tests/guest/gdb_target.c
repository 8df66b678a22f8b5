/* gdb_target: what the gdb stub test (gdb_session.sh) debugs. main writes
 * the global `watched` twice (1, then 2: a write watchpoint stops at
 * each), then, with the argument "segv", stores to address 0x10 and dies
 * of SIGSEGV ($_siginfo tells the address); without it, it exits 0. */
#include "guest_test.h"

volatile long watched;

int main(int argc, char **argv)
{
	watched = 1;
	watched = 2;
	printf("watched = %ld\n", watched);
	if (argc > 1 && !strcmp(argv[1], "segv")) {
		fflush(stdout);
		*(volatile int *)0x10 = 1;
	}
	return 0;
}
