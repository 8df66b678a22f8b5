/* proc_fdinfo: /proc/self/fdinfo/N of each kind of file, printed with the
 * numbers that vary from run to run masked (mnt_id, ino, eventfd-id, a
 * timer's remaining time, an epoll target's inode and device) and those
 * the test can compute checked: ino is fstat's, pos the offset, flags in
 * octal with O_CLOEXEC as the fd has it (regular files, O_PATH, /proc
 * files and directories with O_LARGEFILE as F_GETFL shows them, pipes,
 * memfd, socket); a socket's scm_fds (files in flight to it: stream
 * and datagram, 0 once read); eventfd-count, eventfd-semaphore and distinct ids;
 * epoll's tfd lines (events with EPOLLERR|EPOLLHUP, data, the target's
 * pos; sorted, as Linux orders them by address); timerfd's clockid,
 * ticks (1 after an expiry), settime flags, it_interval; signalfd's
 * sigmask; a pidfd's fstat (vmemu crashed on it once), name and
 * ino, its Pid and NSpid (a child's pid, zombie too, -1 once
 * reaped). The fdinfo directory lists the same fds as fd, as regular
 * files of mode 0444 in a directory of mode 0555; an fd closed after its
 * fdinfo was opened reads ENOENT, one never open is ENOENT; a thread's
 * task/TID/fdinfo; a child's fdinfo. */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "guest_test.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef MFD_CLOEXEC
#define MFD_CLOEXEC 1U
#endif

/* The fdinfo text of fd in process pid (0: self). */
static void fdinfo(int pid, int fd, char *buf, size_t size)
{
	char path[64];
	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", pid, fd);
	else
		snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	int f = open(path, O_RDONLY | O_CLOEXEC);
	CHECK(f >= 0, "open %s: %s", path, strerror(errno));
	ssize_t n = read(f, buf, size - 1);
	CHECK(n > 0, "read %s: %s", path, strerror(errno));
	buf[n] = 0;
	close(f);
}

static long long field(const char *text, const char *name, int base)
{
	size_t len = strlen(name);
	for (const char *l = text; l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
		if (!strncmp(l, name, len) && l[len] == ':')
			return strtoll(l + len + 1, NULL, base);
	fail("no %s line in:\n%s", name, text);
}

/* Each line, the varying numbers masked; tfd lines sorted. */
static void show(const char *what, const char *text, int lines)
{
	char copy[4096], *tfd[16];
	int ntfd = 0;
	snprintf(copy, sizeof(copy), "%s", text);
	printf("== %s\n", what);
	int n = 0;
	for (char *l = strtok(copy, "\n"); l && (!lines || n < lines); l = strtok(NULL, "\n"), n++) {
		if (!strncmp(l, "tfd:", 4)) {
			char *ino = strstr(l, " ino:");
			CHECK(ino, "tfd line %s", l);
			*ino = 0; /* ino and sdev: the target's, as the host numbers it */
			char *ev = strstr(l, " events:");
			CHECK(ev, "tfd line %s", l);
			l = ev; /* the fd: numbers differ when the native run inherits more */
			if (ntfd < 16)
				tfd[ntfd++] = l;
			continue;
		}
		if (!strncmp(l, "mnt_id:", 7) || !strncmp(l, "ino:", 4) ||
		    !strncmp(l, "eventfd-id:", 11) || !strncmp(l, "it_value:", 9))
			*strchr(l, ':') = 0, printf("%s: N\n", l);
		else
			printf("%s\n", l);
	}
	for (int i = 0; i < ntfd; i++)
		for (int j = i + 1; j < ntfd; j++)
			if (strcmp(tfd[j], tfd[i]) < 0) {
				char *t = tfd[i];
				tfd[i] = tfd[j];
				tfd[j] = t;
			}
	for (int i = 0; i < ntfd; i++)
		printf("tfd: FD%s ino: N\n", tfd[i]);
}

/* fdinfo's ino and flags against fstat and F_GETFL (with FD_CLOEXEC). */
static void check_common(const char *what, int fd, const char *text)
{
	struct stat st;
	CHECK(fstat(fd, &st) == 0, "fstat %s", what);
	CHECK((unsigned long long)field(text, "ino", 10) == (unsigned long long)st.st_ino,
	      "%s: ino %lld, fstat %llu", what, field(text, "ino", 10),
	      (unsigned long long)st.st_ino);
	int fl = fcntl(fd, F_GETFL), fdfl = fcntl(fd, F_GETFD);
	int want = fl | (fdfl & FD_CLOEXEC ? O_CLOEXEC : 0);
	CHECK(field(text, "flags", 8) == want, "%s: flags 0%llo, F_GETFL 0%o", what,
	      field(text, "flags", 8), want);
}

static void kind(const char *what, int fd, int lines)
{
	char text[4096];
	fdinfo(0, fd, text, sizeof(text));
	if (strcmp(what, "signalfd") && strcmp(what, "timerfd") && strncmp(what, "epoll", 5) &&
	    strcmp(what, "socket") && strcmp(what, "pidfd"))
		check_common(what, fd, text); /* (F_GETFL of those: vmemu keeps no O_LARGEFILE) */
	show(what, text, lines);
}

/* A byte with stdin and stdout as SCM_RIGHTS. */
static void send_fds(int sock)
{
	int fds[2] = {0, 1};
	char control[CMSG_SPACE(sizeof(fds))] = {0};
	struct iovec iov = {.iov_base = (char *)"x", .iov_len = 1};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
			     .msg_controllen = sizeof(control)};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(cm), fds, sizeof(fds));
	CHECK(sendmsg(sock, &msg, 0) == 1, "sendmsg: %s", strerror(errno));
}

static void files(void)
{
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0 && lseek(fd, 5, SEEK_SET) == 5, "open exe");
	kind("file at 5, O_CLOEXEC", fd, 0);
	CHECK(fcntl(fd, F_SETFD, 0) == 0, "F_SETFD");
	kind("file, FD_CLOEXEC cleared", fd, 0);
	close(fd);
	fd = open("/proc/self/exe", O_PATH);
	kind("O_PATH", fd, 0);
	close(fd);
	fd = open("/proc/self/status", O_RDONLY | O_NOFOLLOW);
	char b[16];
	CHECK(read(fd, b, sizeof(b)) == sizeof(b), "read status");
	kind("/proc file read 16", fd, 0);
	close(fd);
	fd = open("/proc/self", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	kind("/proc directory", fd, 0);
	close(fd);
	int p[2];
	CHECK(pipe2(p, O_NONBLOCK) == 0, "pipe2");
	kind("pipe read end", p[0], 0);
	kind("pipe write end", p[1], 0);
	close(p[0]);
	close(p[1]);
	fd = (int)syscall(SYS_memfd_create, "fdinfo", MFD_CLOEXEC);
	CHECK(fd >= 0 && write(fd, "abc", 3) == 3, "memfd");
	kind("memfd at 3", fd, 0);
	close(fd);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, p) == 0, "socketpair");
	kind("socket", p[0], 0);
	send_fds(p[1]);
	kind("socket, two files in flight", p[0], 0);
	char c;
	CHECK(read(p[0], &c, 1) == 1, "read"); /* the rights are discarded */
	kind("socket, read", p[0], 0);
	close(p[0]);
	close(p[1]);
	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, p) == 0, "socketpair");
	send_fds(p[1]);
	kind("datagram socket, two files in flight", p[0], 0);
	close(p[0]);
	close(p[1]);
}

static void events(void)
{
	char text[4096];
	int e1 = eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK), e2 = eventfd(0, EFD_CLOEXEC);
	CHECK(e1 >= 0 && e2 >= 0, "eventfd");
	uint64_t v = 5;
	CHECK(write(e1, &v, 8) == 8, "eventfd write");
	kind("eventfd 8, semaphore", e1, 0);
	kind("eventfd 0", e2, 0);
	fdinfo(0, e1, text, sizeof(text));
	long long id1 = field(text, "eventfd-id", 10);
	fdinfo(0, e2, text, sizeof(text));
	CHECK(field(text, "eventfd-id", 10) != id1, "two eventfds with id %lld", id1);

	int p[2];
	CHECK(pipe(p) == 0, "pipe");
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.u64 = 0x1234};
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, e1, &ev) == 0, "epoll_ctl");
	kind("epoll, one item", ep, 0);
	char want[128];
	snprintf(want, sizeof(want), "tfd: %8d events: 80000019 data:             1234  pos:0 ino:", e1);
	fdinfo(0, ep, text, sizeof(text));
	CHECK(strstr(text, want), "no \"%s\" in:\n%s", want, text);
	ev = (struct epoll_event){.events = EPOLLOUT | EPOLLONESHOT, .data.u64 = 0xffffffffffffffffULL};
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &ev) == 0, "epoll_ctl");
	ev = (struct epoll_event){.events = EPOLLRDHUP | EPOLLPRI, .data.u64 = 7};
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == 0, "epoll_ctl");
	kind("epoll, three items", ep, 0);
	close(ep);
	close(p[0]);
	close(p[1]);

	int t = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	struct itimerspec its = {.it_interval = {1, 500}, .it_value = {100, 0}};
	CHECK(timerfd_settime(t, 0, &its, NULL) == 0, "timerfd_settime");
	kind("timerfd", t, 0);
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	now.tv_nsec = 0;
	now.tv_sec -= 1; /* expired at once */
	its = (struct itimerspec){.it_value = now};
	int tr = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK);
	CHECK(timerfd_settime(tr, TFD_TIMER_ABSTIME, &its, NULL) == 0, "timerfd_settime");
	usleep(20000);
	fdinfo(0, tr, text, sizeof(text));
	CHECK(field(text, "ticks", 10) == 1, "timerfd ticks %lld", field(text, "ticks", 10));
	kind("timerfd realtime, expired", tr, 0);
	close(t);
	close(tr);

	sigset_t m;
	sigemptyset(&m);
	sigaddset(&m, SIGUSR1);
	sigaddset(&m, SIGCHLD);
	sigaddset(&m, SIGRTMIN + 3);
	int s = signalfd(-1, &m, SFD_CLOEXEC);
	kind("signalfd", s, 0);
	close(s);
	close(e1);
	close(e2);
}

static void pidfds(void)
{
	char text[4096];
	int p[2];
	CHECK(pipe(p) == 0, "pipe");
	pid_t pid = fork();
	CHECK(pid >= 0, "fork");
	if (pid == 0) {
		char c;
		close(p[1]);
		_exit(read(p[0], &c, 1) == 0 ? 0 : 1);
	}
	close(p[0]);
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	CHECK(pfd >= 0, "pidfd_open");
	struct stat st;
	char link[64], name[64] = "";
	snprintf(link, sizeof(link), "/proc/self/fd/%d", pfd);
	CHECK(fstat(pfd, &st) == 0 && readlink(link, name, sizeof(name) - 1) > 0 &&
	      !strcmp(name, "anon_inode:[pidfd]"), "pidfd fstat and name: %s", name);
	fdinfo(0, pfd, text, sizeof(text));
	CHECK((unsigned long long)field(text, "ino", 10) == (unsigned long long)st.st_ino,
	      "pidfd ino");
	CHECK(field(text, "Pid", 10) == pid && field(text, "NSpid", 10) == pid, "pidfd of %d:\n%s",
	      (int)pid, text);
	CHECK(field(text, "flags", 8) == (O_RDWR | O_CLOEXEC), "pidfd flags 0%llo",
	      field(text, "flags", 8));
	/* The child's own fdinfo of its pipe end, seen from here. */
	fdinfo(pid, p[0], text, sizeof(text));
	CHECK(field(text, "flags", 8) == O_RDONLY, "the child's pipe flags 0%llo",
	      field(text, "flags", 8));
	close(p[1]);
	siginfo_t si;
	CHECK(waitid(P_PID, pid, &si, WEXITED | WNOWAIT) == 0, "waitid");
	fdinfo(0, pfd, text, sizeof(text));
	CHECK(field(text, "Pid", 10) == pid, "pidfd of a zombie:\n%s", text);
	CHECK(waitpid(pid, NULL, 0) == pid, "waitpid");
	fdinfo(0, pfd, text, sizeof(text));
	show("pidfd of a reaped child", text, 0);
	CHECK(field(text, "Pid", 10) == -1 && field(text, "NSpid", 10) == -1, "reaped:\n%s", text);
	close(pfd);
}

/* The names in a /proc directory, as a sorted list of numbers. */
static int list_dir(const char *path, int *fds, int max, unsigned char want_type)
{
	DIR *d = opendir(path);
	CHECK(d, "opendir %s: %s", path, strerror(errno));
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		CHECK(e->d_type == want_type, "%s/%s: type %d", path, e->d_name, e->d_type);
		CHECK(n < max, "too many fds");
		fds[n++] = atoi(e->d_name);
	}
	closedir(d);
	return n;
}

static void directory(void)
{
	int extra = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	int fds[64], infos[64];
	int n = list_dir("/proc/self/fd", fds, 64, DT_LNK);
	int m = list_dir("/proc/self/fdinfo", infos, 64, DT_REG);
	/* Both hold the fd opendir used, which differs: compare without it. */
	CHECK(n == m, "fd lists %d, fdinfo %d", n, m);
	bool seen = false;
	for (int i = 0; i < m; i++)
		seen |= infos[i] == extra;
	CHECK(seen, "fd %d not in fdinfo", extra);
	struct stat st;
	CHECK(stat("/proc/self/fdinfo", &st) == 0 && st.st_mode == (S_IFDIR | 0555),
	      "fdinfo mode %o", st.st_mode);
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", extra);
	CHECK(stat(path, &st) == 0 && st.st_mode == (S_IFREG | 0444) && st.st_size == 0,
	      "fdinfo/N mode %o", st.st_mode);
	CHECK_ERRNO(open("/proc/self/fdinfo/999", O_RDONLY), ENOENT, "fdinfo of an fd not open");
	int f = open(path, O_RDONLY);
	CHECK(f >= 0, "open %s", path);
	close(extra);
	char b[64];
	CHECK_ERRNO(read(f, b, sizeof(b)), ENOENT, "fdinfo read after the close");
	close(f);
	snprintf(path, sizeof(path), "/proc/self/task/%d/fdinfo/0", getpid());
	CHECK(stat(path, &st) == 0 && S_ISREG(st.st_mode), "%s: %s", path, strerror(errno));
	printf("fdinfo directory: the fds, 0444 files in a 0555 directory\n");
}

int main(void)
{
	files();
	events();
	pidfds();
	directory();
	return 0;
}
