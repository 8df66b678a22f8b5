/* proc_forkbomb: fork until the kernel refuses.
 * Children block reading a pipe. The parent forks until fork fails, which
 * must be EAGAIN (the process limit), or until BOUND children exist: root
 * is not held to RLIMIT_NPROC natively, so a native run as root stops at
 * the bound. With the argument --expect-eagain (given only to the run
 * under vmemu, whose kernel has a process limit below BOUND) reaching the
 * bound is a failure. Then the parent, which must survive, kills half of
 * the children with SIGKILL and lets the other half exit by closing the
 * pipe (they read end of file), reaps all of them checking each status,
 * and forks once more (the limit is free again). Output: fixed lines only,
 * whichever way the loop ended. */
#include "guest_test.h"

#include <signal.h>
#include <stdbool.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define BOUND 300
#define MIN_FORKS 8 /* fewer successful forks than this is a too-low limit */

int main(int argc, char **argv)
{
	bool expect_eagain = argc > 1 && strcmp(argv[1], "--expect-eagain") == 0;
	/* For a native run as a user other than root. */
	struct rlimit rl = { 64, 64 };
	(void)setrlimit(RLIMIT_NPROC, &rl);

	int p[2];
	CHECK(pipe(p) == 0, "pipe: %s", strerror(errno));
	static pid_t pids[BOUND];
	int n = 0, fork_errno = 0;
	fflush(stdout);
	while (n < BOUND) {
		pid_t pid = fork();
		if (pid < 0) {
			fork_errno = errno;
			break;
		}
		if (pid == 0) {
			char c;
			close(p[1]);
			_exit(read(p[0], &c, 1) == 0 ? 0 : 2);
		}
		pids[n++] = pid;
	}
	if (n < BOUND)
		CHECK(fork_errno == EAGAIN, "fork #%d failed with errno %d (%s), expected EAGAIN",
		      n + 1, fork_errno, strerror(fork_errno));
	else
		CHECK(!expect_eagain, "%d forks succeeded: the process limit did not stop them", n);
	CHECK(!expect_eagain || n >= MIN_FORKS,
	      "fork failed with EAGAIN after only %d children", n);
	puts("forking stopped (EAGAIN or the bound)");

	/* The parent is alive and well: kill the even children, release the
	 * odd ones, reap all. */
	for (int i = 0; i < n; i += 2)
		CHECK(kill(pids[i], SIGKILL) == 0, "kill(child %d): %s", i, strerror(errno));
	close(p[1]);
	close(p[0]);
	for (int i = 0; i < n; i++) {
		int status;
		pid_t got = waitpid(pids[i], &status, 0);
		CHECK(got == pids[i], "waitpid(child %d): %s", i, strerror(errno));
		if (i % 2 == 0)
			CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
			      "child %d: status %#x, expected killed by SIGKILL", i, status);
		else
			CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			      "child %d: status %#x, expected exit 0 (end of file on the pipe)", i,
			      status);
	}
	int status;
	CHECK_ERRNO(waitpid(-1, &status, WNOHANG), ECHILD, "waitpid(-1) after reaping all");
	puts("all children reaped");

	/* Reaped children no longer count: fork works again. */
	pid_t pid = fork();
	CHECK(pid >= 0, "fork after reaping all children: %s", strerror(errno));
	if (pid == 0)
		_exit(5);
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 5,
	      "the last child: status %#x", status);
	puts("fork works again");
	return 0;
}
