/* proc_test.h - fork and wait helpers shared by the proc_* programs. */
#ifndef PROC_TEST_H
#define PROC_TEST_H

#include <sys/wait.h>
#include <unistd.h>

#include "guest_test.h"

/* fork(), with stdout flushed first so no line is printed twice. */
static inline pid_t xfork(void)
{
	fflush(stdout);
	pid_t pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	return pid;
}

/* The wait status of child pid. */
static inline int wait_for(pid_t pid)
{
	int status;
	pid_t got = waitpid(pid, &status, 0);
	CHECK(got == pid, "waitpid(%d) returned %d: %s", (int)pid, (int)got,
	      got < 0 ? strerror(errno) : "another pid");
	return status;
}

static inline void expect_exit(int status, int code, const char *what)
{
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == code,
	      "%s: status %#x (%s %d), expected exit %d", what, status,
	      WIFSIGNALED(status) ? "signal" : "exit",
	      WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status), code);
}

/* Runs fn in a forked child, which must exit 0 (a failed CHECK exits 1). */
static inline void run_in_child(void (*fn)(void))
{
	pid_t pid = xfork();
	if (pid == 0) {
		fn();
		fflush(stdout);
		_exit(0);
	}
	expect_exit(wait_for(pid), 0, "child");
}

#endif
