/* proc_spawn: the other ways to make a process.
 * - the raw clone system call with fork-style flags: clone(SIGCHLD) is a
 *   fork; CLONE_PARENT_SETTID stores the child's pid in the parent,
 *   CLONE_CHILD_SETTID in the child's memory;
 * - vfork: the parent is suspended until the child exits (or execs): the
 *   byte the child writes to a pipe before _exit is already there when
 *   vfork returns in the parent (checked with a non-blocking read); the
 *   child shares the parent's memory until then (a store by the child is
 *   seen by the parent, as Linux's CLONE_VM does);
 * - posix_spawn (glibc and musl build it on clone(CLONE_VM|CLONE_VFORK) and
 *   report a failed exec back to the caller): spawning proc_exec_child
 *   works, spawning a missing file fails with ENOENT (POSIX also allows a
 *   spawned process that exits 127, but on Linux glibc and musl return it).
 * Output: fixed lines only. */
#include "proc_test.h"

#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* clone(flags, stack 0 = share the parent's stack copy-on-write, like fork).
 * x86-64 argument order: flags, stack, parent_tid, child_tid, tls. */
static long raw_clone(unsigned long flags, pid_t *parent_tid, pid_t *child_tid)
{
	fflush(stdout);
	return syscall(SYS_clone, flags, 0UL, parent_tid, child_tid, 0UL);
}

static void clone_fork_style(void)
{
	long pid = raw_clone(SIGCHLD, NULL, NULL);
	CHECK(pid >= 0, "clone(SIGCHLD): %s", strerror(errno));
	if (pid == 0)
		syscall(SYS_exit_group, 21);
	expect_exit(wait_for((pid_t)pid), 21, "clone(SIGCHLD) child");

	static pid_t ptid, ctid;
	ptid = 0;
	ctid = 0;
	pid = raw_clone(CLONE_PARENT_SETTID | CLONE_CHILD_SETTID | SIGCHLD, &ptid, &ctid);
	CHECK(pid >= 0, "clone(CLONE_PARENT_SETTID|CLONE_CHILD_SETTID): %s", strerror(errno));
	if (pid == 0) {
		/* Raw system calls only: libc's idea of its own pid is stale. */
		long me = syscall(SYS_getpid);
		syscall(SYS_exit_group, ctid == me ? 0 : ctid == 0 ? 2 : 3);
	}
	CHECK(ptid == pid, "CLONE_PARENT_SETTID stored %d, clone returned %ld", (int)ptid, pid);
	CHECK(ctid == 0, "CLONE_CHILD_SETTID wrote into the parent's memory (%d)", (int)ctid);
	int status = wait_for((pid_t)pid);
	CHECK(!(WIFEXITED(status) && WEXITSTATUS(status) == 2),
	      "CLONE_CHILD_SETTID: the child's copy of the tid is 0");
	CHECK(!(WIFEXITED(status) && WEXITSTATUS(status) == 3),
	      "CLONE_CHILD_SETTID: the child's copy of the tid is not its pid");
	expect_exit(status, 0, "clone(CLONE_PARENT_SETTID|CLONE_CHILD_SETTID) child");
	puts("clone with fork-style flags: ok");
}

static volatile int shared_with_vfork_child;

static void vfork_semantics(void)
{
	int p[2];
	CHECK(pipe(p) == 0, "pipe: %s", strerror(errno));
	fflush(stdout);
	pid_t pid = vfork();
	CHECK(pid >= 0, "vfork: %s", strerror(errno));
	if (pid == 0) {
		/* Only async-signal-safe calls. */
		if (write(p[1], "v", 1) != 1)
			_exit(2);
		_exit(0);
	}
	/* The child has exited by now: its byte is in the pipe. */
	CHECK(fcntl(p[0], F_SETFL, O_NONBLOCK) == 0, "fcntl(O_NONBLOCK): %s", strerror(errno));
	char c = 0;
	ssize_t n = read(p[0], &c, 1);
	CHECK(n == 1 && c == 'v',
	      "vfork returned in the parent before the child exited: the pipe holds nothing "
	      "(read %zd: %s)",
	      n, n < 0 ? strerror(errno) : "");
	expect_exit(wait_for(pid), 0, "vfork child");
	close(p[0]);
	close(p[1]);
	puts("vfork suspends the parent: ok");
}

/* Checked last: the other parts do not depend on it. */
static void vfork_shares_memory(void)
{
	shared_with_vfork_child = 1;
	fflush(stdout);
	pid_t pid = vfork();
	CHECK(pid >= 0, "vfork: %s", strerror(errno));
	if (pid == 0) {
		shared_with_vfork_child = 2;
		_exit(0);
	}
	expect_exit(wait_for(pid), 0, "vfork child");
	CHECK(shared_with_vfork_child == 2,
	      "the vfork child's store to a global is not seen by the parent (it reads %d): "
	      "vfork shares the address space until exec or exit (CLONE_VM)",
	      shared_with_vfork_child);
	puts("vfork shares the parent's memory: ok");
}

static void spawn(const char *child)
{
	char *args[] = { "spawned", "args-only", NULL };
	char *env[] = { "PROC_EXEC_EMPTY=", NULL };
	pid_t pid;
	fflush(stdout);
	int err = posix_spawn(&pid, child, NULL, NULL, args, env);
	CHECK(err == 0, "posix_spawn(%s): %s", child, strerror(err));
	expect_exit(wait_for(pid), 0, "posix_spawn'd proc_exec_child");

	/* POSIX also allows success and exit 127; Linux's glibc and musl both
	 * return the error (glibc's child stores it in the memory it shares
	 * with the parent through CLONE_VM, musl's writes it to a pipe). */
	err = posix_spawn(&pid, "/nonexistent-vmemu-dir/prog", NULL, NULL, args, env);
	if (err == 0) {
		int status = wait_for(pid);
		fail("posix_spawn of a missing file returned 0 (the child's status %#x), expected "
		     "ENOENT: the spawned child's error did not reach the parent (glibc passes it "
		     "through memory shared by clone(CLONE_VM|CLONE_VFORK))",
		     status);
	}
	CHECK(err == ENOENT, "posix_spawn of a missing file: %s, expected ENOENT", strerror(err));

	/* File actions run in the child: stdout to /dev/null. */
	posix_spawn_file_actions_t fa;
	CHECK(posix_spawn_file_actions_init(&fa) == 0, "posix_spawn_file_actions_init");
	CHECK(posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0) == 0,
	      "posix_spawn_file_actions_addopen");
	err = posix_spawn(&pid, child, &fa, NULL, args, env);
	CHECK(err == 0, "posix_spawn(%s) with file actions: %s", child, strerror(err));
	expect_exit(wait_for(pid), 0, "posix_spawn'd proc_exec_child with stdout to /dev/null");
	posix_spawn_file_actions_destroy(&fa);
	puts("posix_spawn: ok");
}

int main(int argc, char **argv)
{
	(void)argc;
	/* proc_exec_child.VARIANT next to us. */
	static char self[PATH_MAX], child[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0)
		self[n] = 0;
	else
		snprintf(self, sizeof(self), "%s", argv[0]);
	const char *slash = strrchr(self, '/');
	const char *base = slash ? slash + 1 : self;
	const char *dot = strchr(base, '.');
	snprintf(child, sizeof(child), "%.*sproc_exec_child%s", (int)(base - self), self,
		 dot ? dot : "");

	clone_fork_style();
	vfork_semantics();
	spawn(child);
	vfork_shares_memory();
	return 0;
}
