/* gdb_inferior: what gdb_ptrace.sh debugs with Debian's gdb running as a
 * tracer inside the guest (ptrace(2), not vmemu's gdb stub): main calls
 * middle, which calls leaf twice (a breakpoint on leaf stops twice, bt
 * shows the three frames); with the argument "segv" it then stores to
 * address 0x10 and dies of SIGSEGV, which gdb sees as a stop first; with
 * "thread" a second thread runs worker (a breakpoint there stops that
 * thread). */
#include <pthread.h>

#include "guest_test.h"

volatile long counter;

__attribute__((noinline)) long leaf(long x)
{
	counter += x;
	return counter * 2;
}

__attribute__((noinline)) long middle(long x)
{
	return leaf(x) + leaf(x + 1);
}

__attribute__((noinline)) void *worker(void *arg)
{
	return (void *)leaf((long)arg);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "thread")) {
		pthread_t t;
		void *ret;
		CHECK(pthread_create(&t, NULL, worker, (void *)3) == 0, "pthread_create");
		CHECK(pthread_join(t, &ret) == 0, "pthread_join");
		printf("worker = %ld\n", (long)ret);
		return 0;
	}
	printf("middle = %ld\n", middle(20));
	if (argc > 1 && !strcmp(argv[1], "segv")) {
		fflush(stdout);
		*(volatile int *)0x10 = 1;
	}
	return 0;
}
