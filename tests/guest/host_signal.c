/* host_signal.c - a guest program for host_signal_drive: it prints
 * "ready" once its handlers are in place, then waits to be signalled.
 *
 *   term   a SIGTERM handler prints and exits 7
 *   group  parent and child (one process group) print from SIGINT handlers
 *   die    no handler: SIGTERM kills it
 *   spin   a SIGINT handler ends a loop that makes no system call */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest_test.h"

static volatile sig_atomic_t got;

static void on_signal(int sig)
{
	got = sig;
}

static void ready(void)
{
	printf("ready\n");
	fflush(stdout);
}

/* Waits for a signal without a race: it is blocked until sigsuspend. */
static void wait_signal(int sig)
{
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, sig);
	sigprocmask(SIG_BLOCK, &block, &old);
	while (!got)
		sigsuspend(&old);
}

int main(int argc, char **argv)
{
	CHECK(argc == 2, "usage: host_signal term|group|die|spin");
	const char *mode = argv[1];
	struct sigaction sa = {.sa_handler = on_signal};
	sigemptyset(&sa.sa_mask);
	if (!strcmp(mode, "term")) {
		sigaction(SIGTERM, &sa, NULL);
		ready();
		wait_signal(SIGTERM);
		printf("got SIGTERM\n");
		return 7;
	}
	if (!strcmp(mode, "group")) {
		sigaction(SIGINT, &sa, NULL);
		sigset_t block, old;
		sigemptyset(&block);
		sigaddset(&block, SIGINT);
		sigprocmask(SIG_BLOCK, &block, &old);
		fflush(stdout);
		pid_t pid = fork();
		CHECK(pid >= 0, "fork: %s", strerror(errno));
		if (pid == 0) {
			while (!got)
				sigsuspend(&old);
			printf("child got SIGINT\n");
			return 0;
		}
		ready();
		while (!got)
			sigsuspend(&old);
		int st;
		CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && !WEXITSTATUS(st),
		      "child status %#x", st);
		printf("parent got SIGINT\n");
		return 0;
	}
	if (!strcmp(mode, "die")) {
		ready();
		for (;;)
			pause();
	}
	if (!strcmp(mode, "spin")) {
		sigaction(SIGINT, &sa, NULL);
		ready();
		while (!got)
			;
		printf("got SIGINT\n");
		return 0;
	}
	fail("unknown mode %s", mode);
}
