/* host_signal_drive.c - a host program (not a guest): runs a guest program
 * natively and under vmemu, sends each a signal from the host once it
 * prints "ready", and compares what they print and how they end.
 *
 * usage: host_signal_drive VMEMU PROG MODE SIG pid|group
 *
 * Each run is the leader of a new process group (setsid). "pid" sends SIG
 * to that one process (natively the program, else vmemu), as `kill` does;
 * "group" sends it natively to the whole group, as a terminal sends ^C,
 * but to vmemu alone, which must pass it on to the guest's group. A run
 * that ends by a signal must end by the same one under vmemu (vmemu dies
 * of it as qemu-user does), an exit with the same status. Exit 0 when all
 * agrees, else 1 with "FAIL: ..." lines. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define OUT_MAX 4096
#define READY_TIMEOUT_S 30

struct result {
	char out[OUT_MAX];
	int status;
};

/* Runs argv with stdout into r->out; signals it once "ready\n" came. */
static int run(char **argv, int sig, bool group, struct result *r)
{
	int fds[2];
	if (pipe(fds) < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		setsid();
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	size_t len = 0;
	bool sent = false;
	time_t start = time(NULL);
	for (;;) {
		ssize_t n = read(fds[0], r->out + len, sizeof(r->out) - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		r->out[len] = 0;
		if (!sent && strstr(r->out, "ready\n")) {
			kill(group ? -pid : pid, sig);
			sent = true;
		}
		if (time(NULL) - start > READY_TIMEOUT_S)
			break;
	}
	close(fds[0]);
	if (waitpid(pid, &r->status, 0) != pid)
		return -1;
	return sent ? 0 : -1;
}

static void describe(int status, char *buf, size_t n)
{
	if (WIFSIGNALED(status))
		snprintf(buf, n, "killed by signal %d", WTERMSIG(status));
	else
		snprintf(buf, n, "exited %d", WEXITSTATUS(status));
}

int main(int argc, char **argv)
{
	if (argc != 6) {
		fprintf(stderr, "usage: host_signal_drive VMEMU PROG MODE SIG pid|group\n");
		return 2;
	}
	int sig = atoi(argv[4]);
	bool group = !strcmp(argv[5], "group");
	char *native[] = {argv[2], argv[3], NULL};
	char *emulated[] = {argv[1], "run", argv[2], argv[3], NULL};
	static struct result n, v;
	if (run(native, sig, group, &n)) {
		printf("FAIL: the native run never said ready: '%s'\n", n.out);
		return 1;
	}
	/* vmemu alone gets the signal: it must pass it on. */
	if (run(emulated, sig, false, &v)) {
		printf("FAIL: the vmemu run never said ready: '%s'\n", v.out);
		return 1;
	}
	char dn[64], dv[64];
	describe(n.status, dn, sizeof(dn));
	describe(v.status, dv, sizeof(dv));
	int bad = 0;
	if (n.status != v.status) {
		printf("FAIL: natively %s, under vmemu %s\n", dn, dv);
		bad = 1;
	}
	if (strcmp(n.out, v.out)) {
		printf("FAIL: stdout differs\n--- native\n%s--- vmemu\n%s", n.out, v.out);
		bad = 1;
	}
	if (!bad)
		printf("both %s after signal %d, same stdout\n", dn, sig);
	return bad;
}
