/* proc_ns: namespaces, run as root (natively too: only new namespaces are
 * changed, never the host's). /proc/self/ns's links and what they open
 * (an nsfs file: its inode is the link's number); setns(2) through nsfs
 * files and pidfds, its EINVAL/EBADF cases and entering the namespaces
 * one is in; a UTS namespace of one's own (sethostname there, the
 * parent's names untouched, setns back); a PID namespace made by
 * unshare: its first child is pid 1 with parent 0, its pids count from
 * 1 (/proc/loadavg, ns_last_pid read and written, NSpid in /proc/PID/status), a process group led from
 * outside is 0 inside, signals without a handler from inside do not
 * reach init, orphans go to init, init's end kills the rest and a later
 * fork into the namespace is ENOMEM; setns of pid_for_children into a
 * child's namespace and back, not into an ancestor's (EINVAL). */
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest_test.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x80
#endif

static const char *const ns_names[] = {"cgroup", "ipc", "mnt", "net", "pid", "pid_for_children",
				       "time", "time_for_children", "user", "uts"};

static void ns_link(const char *who, const char *name, char *out, size_t size)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%s/ns/%s", who, name);
	ssize_t n = readlink(path, out, size - 1);
	CHECK(n > 0, "readlink %s: %s", path, strerror(errno));
	out[n] = 0;
}

static int ns_open(const char *who, const char *name)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%s/ns/%s", who, name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0, "open %s: %s", path, strerror(errno));
	return fd;
}

static void reap(pid_t pid, const char *what)
{
	int st;
	CHECK(waitpid(pid, &st, 0) == pid, "waitpid %s: %s", what, strerror(errno));
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s: status %#x", what, st);
}

/* The links (printed: the initial namespaces' numbers are Linux's; those
 * of mnt, net and pid are the host's, and a test runner may have started
 * the native run in new ones (unshare -p --mount-proc): digits masked)
 * and the files they open. */
static void links(void)
{
	for (size_t i = 0; i < sizeof(ns_names) / sizeof(ns_names[0]); i++) {
		char text[64], want[80], shown[64];
		ns_link("self", ns_names[i], text, sizeof(text));
		bool host_number = !strcmp(ns_names[i], "mnt") || !strcmp(ns_names[i], "net") ||
				   !strncmp(ns_names[i], "pid", 3);
		snprintf(shown, sizeof(shown), "%s", text);
		for (char *c = shown; host_number && *c; c++)
			if (*c >= '0' && *c <= '9')
				*c = 'N';
		printf("ns/%s -> %s\n", ns_names[i], shown);
		int fd = ns_open("self", ns_names[i]);
		struct stat st;
		CHECK(fstat(fd, &st) == 0, "fstat ns/%s: %s", ns_names[i], strerror(errno));
		CHECK(S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0444 && st.st_size == 0 &&
			      major(st.st_dev) == 0,
		      "ns/%s: mode %o size %lld", ns_names[i], st.st_mode, (long long)st.st_size);
		const char *type = !strncmp(ns_names[i], "pid", 3) ? "pid"
				   : !strncmp(ns_names[i], "time", 4) ? "time"
								       : ns_names[i];
		snprintf(want, sizeof(want), "%s:[%llu]", type, (unsigned long long)st.st_ino);
		CHECK(!strcmp(text, want), "ns/%s: link %s, file %s", ns_names[i], text, want);
		char fdpath[64];
		snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
		ssize_t n = readlink(fdpath, text, sizeof(text) - 1);
		CHECK(n > 0 && (text[n] = 0, !strcmp(text, want)), "%s: %s", fdpath, text);
		close(fd);
	}
	struct stat st;
	CHECK(stat("/proc/self/ns", &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0511,
	      "/proc/self/ns: mode %o", st.st_mode);
}

/* setns into the namespaces the caller is in, and its errors. */
static void setns_own(void)
{
	int pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
	CHECK(pidfd >= 0, "pidfd_open: %s", strerror(errno));
	CHECK_ERRNO(setns(pidfd, 0), EINVAL, "setns(pidfd, 0)");
	CHECK_ERRNO(setns(pidfd, CLONE_VM), EINVAL, "setns(pidfd, CLONE_VM)");
	CHECK_ERRNO(setns(pidfd, CLONE_NEWUSER), EINVAL, "setns(pidfd, CLONE_NEWUSER): one's own");
	CHECK(setns(pidfd, CLONE_NEWUTS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWNET) == 0,
	      "setns(pidfd, UTS|PID|IPC|NET): %s", strerror(errno));
	CHECK_ERRNO(setns(-1, 0), EBADF, "setns(-1)");
	int fd = open("/proc/self/status", O_RDONLY);
	CHECK_ERRNO(setns(fd, 0), EINVAL, "setns(a /proc file)");
	close(fd);
	static const struct {
		const char *name;
		int flag;
		int err;
	} own[] = {
		{"uts", CLONE_NEWUTS, 0},	{"ipc", CLONE_NEWIPC, 0},
		{"net", CLONE_NEWNET, 0},	{"cgroup", CLONE_NEWCGROUP, 0},
		{"pid", CLONE_NEWPID, 0},	{"pid_for_children", CLONE_NEWPID, 0},
		{"time", CLONE_NEWTIME, 0},	{"user", CLONE_NEWUSER, EINVAL},
	};
	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++) {
		fd = ns_open("self", own[i].name);
		CHECK_ERRNO(setns(fd, own[i].flag == CLONE_NEWUTS ? CLONE_NEWPID : CLONE_NEWUTS),
			    EINVAL, "setns of an nsfd with another type");
		int r = setns(fd, own[i].err ? own[i].flag : 0);
		CHECK(own[i].err ? r == -1 && errno == own[i].err : r == 0, "setns(ns/%s): %s",
		      own[i].name, r ? strerror(errno) : "ok");
		close(fd);
	}
	close(pidfd);
	puts("setns into one's own namespaces: ok");
}

/* A UTS namespace of a child's own. */
static void uts(void)
{
	struct utsname before, u;
	CHECK(uname(&before) == 0, "uname");
	char parent_link[64];
	ns_link("self", "uts", parent_link, sizeof(parent_link));
	int parent_ns = ns_open("self", "uts");
	pid_t pid = fork();
	CHECK(pid >= 0, "fork");
	if (pid == 0) {
		CHECK(unshare(CLONE_NEWUTS) == 0, "unshare(CLONE_NEWUTS): %s", strerror(errno));
		char link[64];
		ns_link("self", "uts", link, sizeof(link));
		CHECK(strcmp(link, parent_link), "a new UTS namespace has the parent's link %s", link);
		CHECK(uname(&u) == 0 && !strcmp(u.nodename, before.nodename),
		      "a new UTS namespace starts with another name: %s", u.nodename);
		CHECK(sethostname("ns-child", 8) == 0 && setdomainname("ns-dom", 6) == 0,
		      "sethostname: %s", strerror(errno));
		CHECK(uname(&u) == 0 && !strcmp(u.nodename, "ns-child") &&
			      !strcmp(u.domainname, "ns-dom"),
		      "uname after sethostname: %s %s", u.nodename, u.domainname);
		char text[80] = "";
		int fd = open("/proc/sys/kernel/hostname", O_RDONLY);
		CHECK(fd >= 0 && read(fd, text, sizeof(text) - 1) > 0 && !strcmp(text, "ns-child\n"),
		      "/proc/sys/kernel/hostname in the namespace: %s", text);
		close(fd);
		CHECK(setns(parent_ns, CLONE_NEWUTS) == 0, "setns back: %s", strerror(errno));
		CHECK(uname(&u) == 0 && !strcmp(u.nodename, before.nodename),
		      "uname after setns back: %s", u.nodename);
		ns_link("self", "uts", link, sizeof(link));
		CHECK(!strcmp(link, parent_link), "after setns back: %s", link);
		_exit(0);
	}
	reap(pid, "the UTS namespace child");
	CHECK(uname(&u) == 0 && !strcmp(u.nodename, before.nodename) &&
		      !strcmp(u.domainname, before.domainname),
	      "the parent's names changed: %s %s", u.nodename, u.domainname);
	close(parent_ns);
	puts("UTS namespace: ok");
}

/* The last field of /proc/loadavg: the last pid of the reader's namespace. */
static int loadavg_last_pid(void)
{
	char buf[128];
	int fd = open("/proc/loadavg", O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	CHECK(n > 0, "/proc/loadavg: %s", strerror(errno));
	close(fd);
	buf[n] = 0;
	char *sp = strrchr(buf, ' ');
	return sp ? atoi(sp + 1) : -1;
}

/* NSpid of /proc/self/status: how many numbers, and the last. */
static void nspid(int *levels, int *last)
{
	FILE *f = fopen("/proc/self/status", "r");
	CHECK(f, "/proc/self/status");
	char line[256];
	*levels = 0;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "NSpid:", 6))
			continue;
		for (char *s = strtok(line + 6, "\t\n"); s; s = strtok(NULL, "\t\n")) {
			*last = atoi(s);
			++*levels;
		}
	}
	fclose(f);
}

/* Inside the new namespace, as its init (pid 1). outside_pid: an nsfd of
 * the parent's PID namespace; alive: a pipe end that only death closes. */
static int pid_init(int outside_pid)
{
	CHECK(getpid() == 1 && getppid() == 0, "init: getpid %d getppid %d", getpid(), getppid());
	CHECK(getpgrp() == 0, "a group led from outside: getpgrp %d", getpgrp());
	CHECK(loadavg_last_pid() == 1, "/proc/loadavg last pid %d", loadavg_last_pid());
	int levels, last = 0;
	nspid(&levels, &last);
	CHECK(levels == 2 && last == 1, "NSpid: %d levels, last %d", levels, last);
	CHECK_ERRNO(setns(outside_pid, CLONE_NEWPID), EINVAL, "setns to an ancestor PID namespace");
	/* A child kills init with SIGTERM, which has no handler: dropped. */
	pid_t c = fork();
	if (c == 0)
		_exit(getppid() == 1 && kill(1, SIGTERM) == 0 ? 0 : 1);
	CHECK(c == 2, "init's first child: pid %d", c);
	reap(c, "the child that signals init");
	CHECK(loadavg_last_pid() == 2, "/proc/loadavg last pid %d", loadavg_last_pid());
	/* ns_last_pid is this namespace's: the next child follows it */
	int fd = open("/proc/sys/kernel/ns_last_pid", O_RDWR);
	char text[16] = "";
	CHECK(fd >= 0 && read(fd, text, sizeof(text) - 1) > 0 && !strcmp(text, "2\n"),
	      "ns_last_pid: %s (%s)", text, strerror(errno));
	CHECK(pwrite(fd, "100", 3, 0) == 3, "write ns_last_pid: %s", strerror(errno));
	close(fd);
	c = fork();
	if (c == 0)
		_exit(0);
	CHECK(c == 101, "the child after ns_last_pid 100: pid %d", c);
	reap(c, "the child after ns_last_pid");
	/* An orphan goes to init. */
	int p[2];
	CHECK(pipe(p) == 0, "pipe");
	pid_t d = fork();
	if (d == 0) {
		pid_t e = fork();
		if (e == 0) {
			while (getppid() != 1)
				usleep(1000);
			char one = '1';
			CHECK(write(p[1], &one, 1) == 1, "write");
			for (;;)
				pause(); /* until init's end kills it */
		}
		_exit(0);
	}
	reap(d, "the orphan's parent");
	char one;
	CHECK(read(p[0], &one, 1) == 1, "the orphan did not find init as its parent");
	return 0;
}

static void pid_namespace(void)
{
	char pid_link[64], children_link[64];
	int outside_pid = ns_open("self", "pid");
	int alive[2];
	CHECK(pipe(alive) == 0, "pipe");
	pid_t a = fork();
	CHECK(a >= 0, "fork");
	if (a == 0) {
		close(alive[0]);
		pid_t self = getpid();
		CHECK(unshare(CLONE_NEWPID) == 0, "unshare(CLONE_NEWPID): %s", strerror(errno));
		CHECK(getpid() == self, "unshare changed the caller's pid");
		/* no link to a namespace without its init yet */
		CHECK_ERRNO(readlink("/proc/self/ns/pid_for_children", children_link,
				     sizeof(children_link)),
			    ENOENT, "readlink pid_for_children before its init");
		ns_link("self", "pid", pid_link, sizeof(pid_link));
		pid_t b = fork();
		CHECK(b > 0 || b == 0, "fork into the new namespace: %s", strerror(errno));
		if (b == 0)
			_exit(pid_init(outside_pid));
		ns_link("self", "pid_for_children", children_link, sizeof(children_link));
		CHECK(strcmp(pid_link, children_link), "pid_for_children is still %s", pid_link);
		char b_who[16], b_link[64];
		snprintf(b_who, sizeof(b_who), "%d", b);
		ns_link(b_who, "pid", b_link, sizeof(b_link));
		CHECK(!strcmp(b_link, children_link), "init's pid link %s, not %s", b_link,
		      children_link);
		close(alive[1]);
		int status;
		CHECK(waitpid(b, &status, 0) == b, "waitpid init: %s", strerror(errno));
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "init: status %#x", status);
		/* Its init is gone: no one joins it. */
		CHECK_ERRNO(fork(), ENOMEM, "fork into a PID namespace whose init ended");
		_exit(0);
	}
	close(alive[1]);
	close(outside_pid);
	reap(a, "the process that made a PID namespace");
	/* Every task of the namespace died with its init: the orphan too. */
	struct pollfd pfd = {.fd = alive[0], .events = POLLIN};
	CHECK(poll(&pfd, 1, 5000) == 1, "the orphan outlived its namespace's init");
	char c;
	CHECK(read(alive[0], &c, 1) == 0, "the pipe is not at its end");
	close(alive[0]);
	puts("PID namespace: ok");
}

/* pid_for_children set to a child's namespace by setns, and back. */
static void setns_child_pid_ns(void)
{
	int go[2];
	CHECK(pipe(go) == 0, "pipe");
	pid_t a = fork();
	if (a == 0) {
		CHECK(unshare(CLONE_NEWPID) == 0, "unshare: %s", strerror(errno));
		pid_t b = fork();
		if (b == 0) {
			char c;
			close(go[1]);
			_exit(read(go[0], &c, 1) == 0 ? 0 : 1);
		}
		close(go[0]);
		char who[16], b_link[64], link[64];
		snprintf(who, sizeof(who), "%d", b);
		ns_link(who, "pid", b_link, sizeof(b_link));
		int own = ns_open("self", "pid");
		pid_t self = getpid();
		/* back to its own namespace first (before any other child) */
		CHECK(setns(own, CLONE_NEWPID) == 0, "setns to one's own: %s", strerror(errno));
		int bfd = ns_open(who, "pid");
		CHECK(setns(bfd, CLONE_NEWPID) == 0, "setns to a child's namespace: %s",
		      strerror(errno));
		ns_link("self", "pid_for_children", link, sizeof(link));
		CHECK(!strcmp(link, b_link), "pid_for_children %s, not %s", link, b_link);
		pid_t c = fork();
		if (c == 0)
			_exit(getpid() == 2 && getppid() == 0 ? 0 : 1);
		reap(c, "a child made in the child's namespace");
		CHECK(getpid() == self, "setns changed the caller's pid");
		close(go[1]);
		reap(b, "the namespace's init");
		_exit(0);
	}
	close(go[0]);
	close(go[1]);
	reap(a, "setns of pid_for_children");
	puts("setns of pid_for_children: ok");
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0); /* nothing left to print twice after fork */
	links();
	setns_own();
	uts();
	pid_namespace();
	setns_child_pid_ns();
	return 0;
}
