/* proc_sleep: a sleeping process wakes at its time while another one runs.
 * The child sleeps 100 ms, then sets a flag in shared memory; the parent
 * spins on the flag without any system call (so only a timer can give the
 * child the CPU back) and checks the wait took at least the 100 ms. Then
 * poll() with a timeout on a pipe no one writes returns 0 after it. */
#include "guest_test.h"

#include <poll.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(void)
{
	volatile int *flag = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
				  -1, 0);
	if (flag == MAP_FAILED)
		fail("mmap: %s", strerror(errno));
	double start = now();
	pid_t pid = fork();
	if (pid < 0)
		fail("fork: %s", strerror(errno));
	if (pid == 0) {
		struct timespec ts = {0, 100 * 1000 * 1000};
		if (nanosleep(&ts, NULL))
			_exit(2);
		*flag = 1;
		_exit(0);
	}
	while (!*flag)
		;
	double waited = now() - start;
	if (waited < 0.1)
		fail("the child's 100 ms sleep ended after %.3f s", waited);
	int status;
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail("child status 0x%x", status);

	int fds[2];
	if (pipe(fds))
		fail("pipe: %s", strerror(errno));
	struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
	start = now();
	int r = poll(&pfd, 1, 50);
	waited = now() - start;
	if (r != 0 || waited < 0.05)
		fail("poll with a 50 ms timeout on an empty pipe: %d after %.3f s", r, waited);
	puts("sleeping and timeouts: ok");
	return 0;
}
