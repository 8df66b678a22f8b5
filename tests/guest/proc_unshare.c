/* proc_unshare: unshare(2). Flags it does not know are EINVAL; the fd
 * table, working directory, System V undo list, thread group and signal
 * handlers of a process that shares none of them unshare to no change
 * (fds stay open, the working directory stays); CLONE_VM in a vfork
 * child, whose memory is its parent's, is EINVAL, CLONE_SIGHAND there is
 * not (its handlers are its own); an unknown flag next to known ones is
 * EINVAL. In a forked child (as root): CLONE_NEWUTS and CLONE_NEWPID
 * succeed, a second CLONE_NEWPID before a child is made is EINVAL. With
 * --vmemu (only under vmemu, which separates only UTS and PID
 * namespaces; natively root may get the others) every other CLONE_NEW*
 * flag is EINVAL, as a kernel built without them says. */
#include <fcntl.h>
#include <sched.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest_test.h"

static const char *result(long r)
{
	static char buf[32];
	if (r == 0)
		return "ok";
	snprintf(buf, sizeof(buf), "errno %d", errno);
	return buf;
}

static void show(const char *what, unsigned long flags)
{
	printf("unshare(%s): %s\n", what, result(syscall(SYS_unshare, flags)));
}

static void check_namespaces(void)
{
	static const struct {
		unsigned long flag;
		const char *name;
	} ns[] = {
		{CLONE_NEWIPC, "CLONE_NEWIPC"},
		{CLONE_NEWNET, "CLONE_NEWNET"},   {CLONE_NEWUSER, "CLONE_NEWUSER"},
		{CLONE_NEWCGROUP, "CLONE_NEWCGROUP"},
	};
	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++)
		CHECK_ERRNO(syscall(SYS_unshare, ns[i].flag | CLONE_FILES), EINVAL, ns[i].name);
	/* A new mount namespace is refused as to a process without the right. */
	CHECK_ERRNO(syscall(SYS_unshare, CLONE_NEWNS | CLONE_FILES), EPERM, "CLONE_NEWNS");
}

/* In a child, which these change: new UTS and PID namespaces. */
static void new_namespaces(void)
{
	pid_t pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		int r = syscall(SYS_unshare, CLONE_NEWUTS) == 0 ? 0 : 1;
		r |= syscall(SYS_unshare, CLONE_NEWPID) == 0 ? 0 : 2;
		r |= syscall(SYS_unshare, CLONE_NEWPID) == -1 && errno == EINVAL ? 0 : 4;
		r |= syscall(SYS_unshare, 0x80 /* CLONE_NEWTIME */) == 0 ? 0 : 8;
		_exit(r);
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid, "waitpid: %s", strerror(errno));
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "unshare of namespaces in a child: status %#x (1: UTS, 2: PID, 4: PID twice)", st);
	puts("unshare(CLONE_NEWUTS), unshare(CLONE_NEWPID): ok");
}

int main(int argc, char **argv)
{
	int fd = open("/proc/self/status", O_RDONLY);
	CHECK(fd >= 0, "open: %s", strerror(errno));
	char before[4096], after[4096];
	CHECK(getcwd(before, sizeof(before)), "getcwd: %s", strerror(errno));
	show("0", 0);
	show("CLONE_FILES", CLONE_FILES);
	show("CLONE_FS", CLONE_FS);
	show("CLONE_SYSVSEM", CLONE_SYSVSEM);
	show("CLONE_THREAD|CLONE_SIGHAND|CLONE_VM", CLONE_THREAD | CLONE_SIGHAND | CLONE_VM);
	show("CLONE_PARENT", CLONE_PARENT);
	show("CLONE_SETTLS", CLONE_SETTLS);
	show("CLONE_FILES|CLONE_VFORK", CLONE_FILES | CLONE_VFORK);
	char c;
	CHECK(read(fd, &c, 1) == 1, "fd %d after unshare(CLONE_FILES): %s", fd, strerror(errno));
	CHECK(getcwd(after, sizeof(after)) && !strcmp(before, after), "cwd changed: %s", after);
	pid_t pid = vfork();
	if (pid == 0) {
		long r = syscall(SYS_unshare, CLONE_VM);
		int e = errno;
		long r2 = syscall(SYS_unshare, CLONE_SIGHAND);
		_exit((r == -1 && e == EINVAL ? 0 : 1) | (r2 == 0 ? 0 : 2));
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid, "waitpid: %s", strerror(errno));
	CHECK(WIFEXITED(st), "the vfork child did not exit: %#x", st);
	printf("vfork child: unshare(CLONE_VM) %s EINVAL, unshare(CLONE_SIGHAND) %s\n",
	       WEXITSTATUS(st) & 1 ? "not" : "is", WEXITSTATUS(st) & 2 ? "fails" : "succeeds");
	new_namespaces();
	if (argc > 1 && !strcmp(argv[1], "--vmemu"))
		check_namespaces();
	close(fd);
	return 0;
}
