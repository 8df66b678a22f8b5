/* ipc_mqueue.c - POSIX message queues: mq_open's checks (names, O_EXCL,
 * access modes, attributes, RLIMIT_MSGQUEUE, the mode less the umask),
 * messages by priority and in order within one, EMSGSIZE, EAGAIN,
 * ETIMEDOUT, mq_setattr (only O_NONBLOCK), the descriptor as a file
 * (status line, poll and epoll, fstat, /proc/self/fd, fcntl, always
 * close-on-exec), fork, blocked receivers and senders (served in the
 * order they came), mq_notify (SIGEV_SIGNAL's siginfo, SIGEV_NONE, EBUSY,
 * one shot, gone with a close; SIGEV_THREAD's kernel errors), EACCES and
 * EPERM as an unprivileged child. The errors of names are checked with
 * the raw calls, the same for musl and glibc. With `--vmemu` (under
 * vmemu only) /proc/sys/fs/mqueue is written: ENOSPC at queues_max,
 * msg_max for an unprivileged creator, the writes' EINVAL. Names are
 * unique per run and every queue made is unlinked, also on failure. */
#include <fcntl.h>
#include <mqueue.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "guest_test.h"

#define MAXQ 64

static char names[MAXQ][64];
static int nnames;
static pid_t owner;
static unsigned run_id;

static void unlink_all(void)
{
	if (getpid() != owner)
		return;
	for (int i = 0; i < nnames; i++)
		mq_unlink(names[i]);
}

/* A new unique name "/vmemu_mq_PID_RAND_N", remembered for unlink_all. */
static const char *qname(void)
{
	CHECK(nnames < MAXQ, "too many queue names");
	snprintf(names[nnames], sizeof(names[0]), "/vmemu_mq_%d_%u_%d", (int)owner, run_id, nnames);
	return names[nnames++];
}

static mqd_t qopen(const char *name, int flags, mode_t mode, long maxmsg, long msgsize)
{
	struct mq_attr a = {.mq_maxmsg = maxmsg, .mq_msgsize = msgsize};
	mqd_t q = mq_open(name, flags, mode, maxmsg ? &a : NULL);
	CHECK(q != (mqd_t)-1, "mq_open(%s, %#o): %s", name, flags, strerror(errno));
	return q;
}

static long raw_open(const char *name, int flags, mode_t mode, struct mq_attr *a)
{
	return syscall(SYS_mq_open, name, flags, mode, a);
}

static struct mq_attr attr_of(mqd_t q)
{
	struct mq_attr a;
	CHECK(mq_getattr(q, &a) == 0, "mq_getattr: %s", strerror(errno));
	return a;
}

static int read_sysctl(const char *name)
{
	char path[128];
	snprintf(path, sizeof(path), "/proc/sys/fs/mqueue/%s", name);
	FILE *f = fopen(path, "r");
	CHECK(f, "open %s: %s", path, strerror(errno));
	int v = -1;
	CHECK(fscanf(f, "%d", &v) == 1, "read %s", path);
	fclose(f);
	return v;
}

static void write_sysctl(const char *name, const char *text, int want_errno)
{
	char path[128];
	snprintf(path, sizeof(path), "/proc/sys/fs/mqueue/%s", name);
	int fd = open(path, O_WRONLY);
	CHECK(fd >= 0, "open %s: %s", path, strerror(errno));
	ssize_t n = write(fd, text, strlen(text));
	if (want_errno)
		CHECK_ERRNO(n, want_errno, path);
	else
		CHECK(n == (ssize_t)strlen(text), "write %s to %s: %s", text, path, strerror(errno));
	close(fd);
}

static void names_and_attrs(void)
{
	static const char *files[] = {"msg_default", "msg_max", "msgsize_default", "msgsize_max",
				      "queues_max"};
	for (int i = 0; i < 5; i++)
		printf("fs.mqueue.%s = %d\n", files[i], read_sysctl(files[i]));
	struct mq_attr a = {.mq_maxmsg = 4, .mq_msgsize = 16};
	CHECK_ERRNO(raw_open("", O_RDWR | O_CREAT, 0600, NULL), ENOENT, "mq_open \"\"");
	CHECK_ERRNO(raw_open("a/b", O_RDWR | O_CREAT, 0600, NULL), EACCES, "mq_open a/b");
	CHECK_ERRNO(raw_open(".", O_RDWR | O_CREAT, 0600, NULL), EACCES, "mq_open .");
	CHECK_ERRNO(raw_open("..", O_RDWR, 0600, NULL), EACCES, "mq_open ..");
	CHECK_ERRNO(raw_open((char *)8, O_RDWR, 0600, NULL), EFAULT, "mq_open bad name");
	CHECK_ERRNO(raw_open("x", O_RDWR | O_CREAT, 0600, (struct mq_attr *)8), EFAULT,
		    "mq_open bad attr");
	char longname[300];
	memset(longname, 'q', sizeof(longname));
	longname[256] = 0;
	CHECK_ERRNO(raw_open(longname, O_RDWR | O_CREAT, 0600, &a), ENAMETOOLONG, "mq_open 256");
	const char *n = qname();
	CHECK_ERRNO(mq_open(n, O_RDWR), ENOENT, "mq_open without O_CREAT");
	CHECK_ERRNO(syscall(SYS_mq_unlink, n + 1), ENOENT, "mq_unlink of none");
	a.mq_maxmsg = 0;
	CHECK_ERRNO(mq_open(n, O_RDWR | O_CREAT, 0600, &a), EINVAL, "mq_maxmsg 0");
	a = (struct mq_attr){.mq_maxmsg = 4, .mq_msgsize = -1};
	CHECK_ERRNO(mq_open(n, O_RDWR | O_CREAT, 0600, &a), EINVAL, "mq_msgsize -1");
	a = (struct mq_attr){.mq_maxmsg = 65537, .mq_msgsize = 16};
	CHECK_ERRNO(mq_open(n, O_RDWR | O_CREAT, 0600, &a), EINVAL, "mq_maxmsg past HARD_MSGMAX");
	a = (struct mq_attr){.mq_maxmsg = 4, .mq_msgsize = 16 * 1024 * 1024 + 1};
	CHECK_ERRNO(mq_open(n, O_RDWR | O_CREAT, 0600, &a), EINVAL, "mq_msgsize past the hard limit");
	/* Bytes charged: maxmsg * (48 + msgsize) + min(maxmsg, 32768) * 48. */
	struct rlimit rl;
	CHECK(getrlimit(RLIMIT_MSGQUEUE, &rl) == 0, "getrlimit: %s", strerror(errno));
	long per_queue = 10 * (48 + 8192) + 10 * 48;
	/* Queues of that size until EMFILE: at most the limit's worth (fewer
	 * natively when the host's root already has queues). */
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur / per_queue < 16) {
		mqd_t qs[16];
		const char *qn[16];
		long fit = 0;
		a = (struct mq_attr){.mq_maxmsg = 10, .mq_msgsize = 8192};
		for (; fit < 16; fit++) {
			qn[fit] = qname();
			qs[fit] = mq_open(qn[fit], O_RDWR | O_CREAT | O_EXCL, 0600, &a);
			if (qs[fit] == (mqd_t)-1)
				break;
		}
		CHECK(fit < 16 && errno == EMFILE, "queue %ld: %s", fit, strerror(errno));
		CHECK(fit >= 1 && fit <= (long)rl.rlim_cur / per_queue, "%ld queues fit", fit);
		/* The charge goes with the queue: once unlinked and closed. */
		CHECK(mq_unlink(qn[0]) == 0, "mq_unlink: %s", strerror(errno));
		CHECK_ERRNO(mq_open(qn[fit], O_RDWR | O_CREAT, 0600, &a), EMFILE, "unlinked but open");
		mq_close(qs[0]);
		qs[0] = qopen(qn[fit], O_RDWR | O_CREAT | O_EXCL, 0600, 10, 8192);
		for (long i = 0; i < fit; i++) {
			mq_close(qs[i]);
			mq_unlink(i ? qn[i] : qn[fit]);
		}
		printf("RLIMIT_MSGQUEUE: EMFILE once it is used up\n");
	}
	/* Defaults, O_EXCL, access modes, the mode less the umask. */
	mode_t old = umask(027);
	mqd_t q = qopen(n, O_RDWR | O_CREAT | O_EXCL, 0666, 0, 0);
	umask(old);
	a = attr_of(q);
	CHECK(a.mq_maxmsg == read_sysctl("msg_default") && a.mq_msgsize == read_sysctl("msgsize_default"),
	      "default attributes %ld %ld", a.mq_maxmsg, a.mq_msgsize);
	CHECK_ERRNO(mq_open(n, O_RDWR | O_CREAT | O_EXCL, 0600, NULL), EEXIST, "O_EXCL");
	CHECK_ERRNO(mq_open(n, O_ACCMODE), EINVAL, "O_ACCMODE on an existing queue");
	struct stat st;
	CHECK(fstat(q, &st) == 0, "fstat: %s", strerror(errno));
	printf("fstat: mode %o size %ld nlink %ld uid %d blksize %ld blocks %ld\n", st.st_mode,
	       (long)st.st_size, (long)st.st_nlink, (int)st.st_uid, (long)st.st_blksize,
	       (long)st.st_blocks);
	CHECK(st.st_mode == (S_IFREG | 0640), "mode %o", st.st_mode);
	printf("F_GETFD %d F_GETFL %#o\n", fcntl(q, F_GETFD), fcntl(q, F_GETFL));
	char link[64], want[80];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", q);
	char text[128] = {0};
	CHECK(readlink(link, text, sizeof(text) - 1) > 0, "readlink: %s", strerror(errno));
	CHECK(!strcmp(text, n), "fd link %s, not %s", text, n);
	CHECK(mq_unlink(n) == 0, "mq_unlink: %s", strerror(errno));
	memset(text, 0, sizeof(text));
	CHECK(readlink(link, text, sizeof(text) - 1) > 0, "readlink: %s", strerror(errno));
	snprintf(want, sizeof(want), "%s (deleted)", n);
	CHECK(!strcmp(text, want), "fd link %s, not %s", text, want);
	CHECK(fstat(q, &st) == 0 && st.st_nlink == 0, "nlink %ld after unlink", (long)st.st_nlink);
	CHECK(mq_close(q) == 0, "mq_close: %s", strerror(errno));
	/* A name of NAME_MAX bytes. */
	longname[0] = '/';
	longname[256] = 0;
	q = mq_open(longname, O_RDWR | O_CREAT | O_EXCL, 0600, NULL);
	CHECK(q != (mqd_t)-1, "NAME_MAX name: %s", strerror(errno));
	mq_close(q);
	CHECK(mq_unlink(longname) == 0, "mq_unlink: %s", strerror(errno));
}

static void qsend(mqd_t q, const char *text, unsigned prio)
{
	CHECK(mq_send(q, text, strlen(text), prio) == 0, "mq_send %s: %s", text, strerror(errno));
}

static void expect(mqd_t q, const char *text, unsigned prio)
{
	char buf[64];
	unsigned got = 99;
	ssize_t n = mq_receive(q, buf, sizeof(buf), &got);
	CHECK(n >= 0, "mq_receive: %s", strerror(errno));
	buf[n] = 0;
	CHECK(!strcmp(buf, text) && got == prio, "received %s prio %u, not %s %u", buf, got, text,
	      prio);
}

static void status_line(mqd_t q, char *out, size_t size)
{
	CHECK(lseek(q, 0, SEEK_SET) == 0, "lseek: %s", strerror(errno));
	ssize_t n = read(q, out, size - 1);
	CHECK(n > 0, "read the queue: %s", strerror(errno));
	out[n] = 0;
	CHECK(read(q, out + n, 1) == 0, "a second read gives more");
}

static unsigned poll_of(mqd_t q)
{
	struct pollfd p = {.fd = q, .events = POLLIN | POLLOUT};
	CHECK(poll(&p, 1, 0) >= 0, "poll: %s", strerror(errno));
	return p.revents;
}

static struct timespec in_ms(int ms)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	t.tv_nsec += ms % 1000 * 1000000L;
	t.tv_sec += ms / 1000 + t.tv_nsec / 1000000000L;
	t.tv_nsec %= 1000000000L;
	return t;
}

static void messages(void)
{
	const char *n = qname();
	mqd_t q = qopen(n, O_RDWR | O_CREAT | O_EXCL, 0600, 4, 16);
	char line[128];
	status_line(q, line, sizeof(line));
	printf("empty: %s", line);
	CHECK(poll_of(q) == POLLOUT, "poll of an empty queue %#x", poll_of(q));
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = {.events = EPOLLIN}, got;
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, q, &ev) == 0, "epoll_ctl: %s", strerror(errno));
	CHECK(epoll_wait(ep, &got, 1, 0) == 0, "epoll ready on an empty queue");
	qsend(q, "a1", 1);
	CHECK(epoll_wait(ep, &got, 1, 0) == 1 && got.events == EPOLLIN, "epoll after a send");
	close(ep);
	qsend(q, "b5", 5);
	qsend(q, "a2", 1);
	qsend(q, "b6", 5);
	CHECK(poll_of(q) == POLLIN, "poll of a full queue %#x", poll_of(q));
	status_line(q, line, sizeof(line));
	printf("full: %s", line);
	struct mq_attr a = attr_of(q);
	printf("attr: flags %ld maxmsg %ld msgsize %ld curmsgs %ld\n", a.mq_flags, a.mq_maxmsg,
	       a.mq_msgsize, a.mq_curmsgs);
	struct timespec past = {1, 0}, bad = {0, 1000000000L};
	CHECK_ERRNO(mq_timedsend(q, "x", 1, 0, &past), ETIMEDOUT, "send to a full queue, past");
	CHECK_ERRNO(mq_timedsend(q, "x", 1, 0, &bad), EINVAL, "send with a bad timeout");
	CHECK_ERRNO(mq_timedsend(q, "x", 1, 0, (struct timespec *)8), EFAULT, "send, timeout EFAULT");
	CHECK_ERRNO(mq_send(q, "x", 1, 32768), EINVAL, "prio MQ_PRIO_MAX");
	CHECK_ERRNO(mq_send(q, "01234567890123456", 17, 0), EMSGSIZE, "message too long");
	CHECK_ERRNO(mq_send(q, (char *)8, 1, 0), EFAULT, "send from a bad buffer (before EAGAIN)");
	char buf[64];
	CHECK_ERRNO(mq_receive(q, buf, 15, NULL), EMSGSIZE, "receive into a short buffer");
	CHECK_ERRNO(mq_timedreceive(q, buf, 16, NULL, &bad), EINVAL, "receive with a bad timeout");
	expect(q, "b5", 5);
	expect(q, "b6", 5);
	expect(q, "a1", 1);
	CHECK(poll_of(q) == (POLLIN | POLLOUT), "poll of a queue with room %#x", poll_of(q));
	expect(q, "a2", 1);
	struct timespec start, end, soon = in_ms(60);
	clock_gettime(CLOCK_MONOTONIC, &start);
	CHECK_ERRNO(mq_timedreceive(q, buf, 16, NULL, &soon), ETIMEDOUT, "timed receive");
	clock_gettime(CLOCK_MONOTONIC, &end);
	long ms = (end.tv_sec - start.tv_sec) * 1000 + (end.tv_nsec - start.tv_nsec) / 1000000;
	CHECK(ms >= 50, "timed receive returned after %ld ms", ms);
	/* O_NONBLOCK, by mq_setattr (only it changes) and by fcntl. */
	struct mq_attr set = {.mq_flags = O_NONBLOCK, .mq_maxmsg = 99, .mq_msgsize = 99}, old;
	CHECK(mq_setattr(q, &set, &old) == 0 && old.mq_flags == 0, "mq_setattr: %s", strerror(errno));
	a = attr_of(q);
	CHECK(a.mq_flags == O_NONBLOCK && a.mq_maxmsg == 4 && a.mq_msgsize == 16, "after mq_setattr");
	CHECK(fcntl(q, F_GETFL) & O_NONBLOCK, "F_GETFL after mq_setattr");
	CHECK_ERRNO(mq_receive(q, buf, 16, NULL), EAGAIN, "nonblocking receive of none");
	for (int i = 0; i < 4; i++)
		qsend(q, "z", 0);
	CHECK_ERRNO(mq_send(q, "z", 1, 0), EAGAIN, "nonblocking send to a full queue");
	set.mq_flags = O_NONBLOCK | O_APPEND;
	CHECK_ERRNO(mq_setattr(q, &set, NULL), EINVAL, "mq_setattr other flags");
	CHECK(fcntl(q, F_SETFL, 0) == 0, "F_SETFL: %s", strerror(errno));
	CHECK(attr_of(q).mq_flags == 0, "mq_flags after F_SETFL");
	CHECK_ERRNO(syscall(SYS_mq_getsetattr, q, (struct mq_attr *)8, NULL), EFAULT, "getsetattr EFAULT");
	/* Files that are no queue, and the access a call needs. */
	int pfd[2];
	CHECK(pipe(pfd) == 0, "pipe");
	CHECK_ERRNO(mq_send(pfd[1], "x", 1, 0), EBADF, "mq_send on a pipe");
	CHECK_ERRNO(mq_getattr(pfd[0], &a), EBADF, "mq_getattr on a pipe");
	close(pfd[0]);
	close(pfd[1]);
	mqd_t ro = qopen(n, O_RDONLY, 0, 0, 0), wo = qopen(n, O_WRONLY, 0, 0, 0);
	CHECK_ERRNO(mq_send(ro, "x", 1, 0), EBADF, "mq_send on O_RDONLY");
	CHECK_ERRNO(mq_receive(wo, buf, 16, NULL), EBADF, "mq_receive on O_WRONLY");
	CHECK_ERRNO(write(q, "x", 1), EINVAL, "write(2) to a queue");
	/* Opened again through /proc/self/fd: the same queue, read-only. */
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", q);
	int again = open(path, O_RDONLY);
	CHECK(again >= 0, "open %s: %s", path, strerror(errno));
	CHECK(attr_of(again).mq_curmsgs == 4, "curmsgs through the new open");
	CHECK_ERRNO(mq_send(again, "x", 1, 0), EBADF, "mq_send on the read-only open");
	expect(again, "z", 0);
	close(again);
	mq_close(ro);
	mq_close(wo);
	mq_close(q);
	CHECK(mq_unlink(n) == 0, "mq_unlink: %s", strerror(errno));
}

/* Whether the process pid sleeps (state S in /proc/PID/stat). */
static bool sleeping(pid_t pid)
{
	char path[64], buf[256];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] == 'S';
}

/* Waits until pid sleeps in system call nr (/proc/PID/syscall). */
static void wait_in_call(pid_t pid, long nr)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/syscall", (int)pid);
	for (int i = 0; i < 5000; i++) {
		FILE *f = fopen(path, "r");
		long got = -2;
		if (f) {
			if (fscanf(f, "%ld", &got) != 1)
				got = -2;
			fclose(f);
		}
		if (got == nr && sleeping(pid))
			return;
		usleep(1000);
	}
	fail("process %d never slept in system call %ld", (int)pid, nr);
}

static void reap(pid_t pid)
{
	int status;
	CHECK(waitpid(pid, &status, 0) == pid, "waitpid: %s", strerror(errno));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %#x", status);
}

/* Three receivers wait in turn; three messages go to them in that order.
 * Then three senders wait on a full queue and their messages come in
 * the order they came. */
static void waiting(void)
{
	const char *n = qname();
	mqd_t q = qopen(n, O_RDWR | O_CREAT | O_EXCL, 0600, 1, 16);
	int pfd[2], go[3][2];
	CHECK(pipe(pfd) == 0, "pipe");
	pid_t kids[3];
	/* Made in one order, waiting in the other: the line is by arrival. */
	for (int i = 0; i < 3; i++) {
		CHECK(pipe(go[i]) == 0, "pipe");
		kids[i] = fork();
		CHECK(kids[i] >= 0, "fork: %s", strerror(errno));
		if (kids[i] == 0) {
			char buf[16] = {0};
			if (read(go[i][0], buf, 1) != 1)
				_exit(2);
			ssize_t r = mq_receive(q, buf, sizeof(buf), NULL);
			char out[4] = {(char)('0' + i), r == 1 ? buf[0] : '?', 0};
			_exit(write(pfd[1], out, 2) == 2 ? 0 : 1);
		}
	}
	for (int i = 2; i >= 0; i--) {
		CHECK(write(go[i][1], "g", 1) == 1, "write go");
		wait_in_call(kids[i], SYS_mq_timedreceive);
	}
	for (int i = 0; i < 3; i++) {
		char m = (char)('a' + i);
		CHECK(mq_send(q, &m, 1, 0) == 0, "mq_send: %s", strerror(errno));
	}
	for (int i = 0; i < 3; i++) {
		reap(kids[i]);
		close(go[i][0]);
		close(go[i][1]);
	}
	char got[8] = {0};
	CHECK(read(pfd[0], got, 6) == 6, "read the receivers' reports");
	CHECK(strchr(got, '2')[1] == 'a' && strchr(got, '1')[1] == 'b' && strchr(got, '0')[1] == 'c',
	      "receivers got %s", got);
	printf("receivers in order: ok\n");
	qsend(q, "full", 0);
	for (int i = 0; i < 3; i++) {
		CHECK(pipe(go[i]) == 0, "pipe");
		kids[i] = fork();
		CHECK(kids[i] >= 0, "fork: %s", strerror(errno));
		if (kids[i] == 0) {
			char m = (char)('x' + i);
			if (read(go[i][0], &m, 1) != 1)
				_exit(2);
			m = (char)('x' + i);
			_exit(mq_send(q, &m, 1, 0) == 0 ? 0 : 1);
		}
	}
	for (int i = 2; i >= 0; i--) {
		CHECK(write(go[i][1], "g", 1) == 1, "write go");
		wait_in_call(kids[i], SYS_mq_timedsend);
	}
	expect(q, "full", 0);
	expect(q, "z", 0);
	expect(q, "y", 0);
	expect(q, "x", 0);
	for (int i = 0; i < 3; i++) {
		reap(kids[i]);
		close(go[i][0]);
		close(go[i][1]);
	}
	printf("senders in order: ok\n");
	/* A poller asleep on the empty queue wakes for a message. */
	pid_t kid = fork();
	CHECK(kid >= 0, "fork");
	if (kid == 0) {
		struct pollfd p = {.fd = q, .events = POLLIN};
		long r = syscall(SYS_ppoll, &p, 1, NULL, NULL, 8);
		_exit(r == 1 && p.revents == POLLIN ? 0 : 1);
	}
	wait_in_call(kid, SYS_ppoll);
	qsend(q, "p", 0);
	reap(kid);
	expect(q, "p", 0);
	printf("poll woken by a send: ok\n");
	close(pfd[0]);
	close(pfd[1]);
	mq_close(q);
	CHECK(mq_unlink(n) == 0, "mq_unlink: %s", strerror(errno));
}

static volatile sig_atomic_t handled;
static void on_usr1(int sig)
{
	(void)sig;
	handled++;
}

static void interrupted(void)
{
	const char *n = qname();
	mqd_t q = qopen(n, O_RDWR | O_CREAT | O_EXCL, 0600, 1, 16);
	pid_t kid = fork();
	CHECK(kid >= 0, "fork");
	if (kid == 0) {
		struct sigaction sa = {.sa_handler = on_usr1};
		sigaction(SIGUSR1, &sa, NULL);
		char buf[16];
		ssize_t r = mq_receive(q, buf, 16, NULL);
		if (r != -1 || errno != EINTR || handled != 1)
			_exit(3);
		/* With SA_RESTART the call goes on and gets the message. */
		sa.sa_flags = SA_RESTART;
		sigaction(SIGUSR1, &sa, NULL);
		r = mq_receive(q, buf, 16, NULL);
		_exit(r == 1 && buf[0] == 'm' && handled == 2 ? 0 : 4);
	}
	wait_in_call(kid, SYS_mq_timedreceive);
	kill(kid, SIGUSR1);
	usleep(50000);
	wait_in_call(kid, SYS_mq_timedreceive);
	kill(kid, SIGUSR1);
	usleep(50000);
	wait_in_call(kid, SYS_mq_timedreceive);
	qsend(q, "m", 0);
	reap(kid);
	printf("EINTR and SA_RESTART: ok\n");
	mq_close(q);
	CHECK(mq_unlink(n) == 0, "mq_unlink: %s", strerror(errno));
}

static void notify(void)
{
	const char *n = qname();
	mqd_t q = qopen(n, O_RDWR | O_CREAT | O_EXCL, 0600, 4, 16);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	struct sigevent ev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1};
	ev.sigev_value.sival_int = 42;
	CHECK(mq_notify(q, &ev) == 0, "mq_notify: %s", strerror(errno));
	CHECK_ERRNO(mq_notify(q, &ev), EBUSY, "mq_notify registered twice");
	char line[128];
	unsigned qsize;
	int kind, signo, pid;
	status_line(q, line, sizeof(line));
	CHECK(sscanf(line, "QSIZE:%u NOTIFY:%d SIGNO:%d NOTIFY_PID:%d", &qsize, &kind, &signo, &pid) == 4 &&
	      qsize == 0 && kind == SIGEV_SIGNAL && signo == SIGUSR1 && pid == getpid(),
	      "status line %s", line);
	pid_t kid = fork();
	CHECK(kid >= 0, "fork");
	if (kid == 0) {
		if (mq_notify(q, &ev) != -1 || errno != EBUSY)
			_exit(2);
		_exit(mq_send(q, "hi", 2, 0) == 0 ? 0 : 3);
	}
	reap(kid);
	siginfo_t si;
	struct timespec second = {1, 0};
	CHECK(sigtimedwait(&set, &si, &second) == SIGUSR1, "no notification: %s", strerror(errno));
	CHECK(si.si_code == SI_MESGQ && si.si_pid == kid && si.si_uid == getuid() &&
	      si.si_value.sival_int == 42, "siginfo code %d pid %d uid %d value %d", si.si_code,
	      si.si_pid, si.si_uid, si.si_value.sival_int);
	printf("notification: signo %d code SI_MESGQ value %d\n", si.si_signo, si.si_value.sival_int);
	/* Once: gone after it fired, and none for a queue that was not empty. */
	status_line(q, line, sizeof(line));
	printf("after: %s", line);
	CHECK(mq_notify(q, &ev) == 0, "mq_notify again: %s", strerror(errno));
	qsend(q, "more", 0);
	struct timespec zero = {0, 0};
	CHECK_ERRNO(sigtimedwait(&set, &si, &zero), EAGAIN, "notified of a non-empty queue");
	expect(q, "hi", 0);
	expect(q, "more", 0);
	/* A close of any fd of the queue by the owner removes it. */
	int dup_fd = dup(q);
	close(dup_fd);
	status_line(q, line, sizeof(line));
	printf("after close: %s", line);
	/* NULL removes one's own registration only. */
	CHECK(mq_notify(q, NULL) == 0, "mq_notify NULL: %s", strerror(errno));
	/* SIGEV_NONE: registered, nothing sent, removed by the message. */
	ev.sigev_notify = SIGEV_NONE;
	CHECK(mq_notify(q, &ev) == 0, "SIGEV_NONE: %s", strerror(errno));
	status_line(q, line, sizeof(line));
	CHECK(sscanf(line, "QSIZE:%u NOTIFY:%d SIGNO:%d", &qsize, &kind, &signo) == 3 &&
	      kind == SIGEV_NONE && signo == 0, "status line %s", line);
	qsend(q, "n", 0);
	CHECK(mq_notify(q, &ev) == 0, "SIGEV_NONE not removed: %s", strerror(errno));
	CHECK(mq_notify(q, NULL) == 0, "mq_notify NULL");
	/* Bad sigevents, and SIGEV_THREAD's socket: no netlink socket here. */
	ev.sigev_notify = 77;
	CHECK_ERRNO(mq_notify(q, &ev), EINVAL, "sigev_notify 77");
	ev = (struct sigevent){.sigev_notify = SIGEV_SIGNAL, .sigev_signo = 65};
	CHECK_ERRNO(mq_notify(q, &ev), EINVAL, "signal 65");
	CHECK_ERRNO(syscall(SYS_mq_notify, q, (struct sigevent *)8), EFAULT, "sigevent EFAULT");
	char cookie[32] = {0};
	int pfd[2], sv[2];
	CHECK(pipe(pfd) == 0 && socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0, "pipe, socketpair");
	ev = (struct sigevent){.sigev_notify = SIGEV_THREAD, .sigev_signo = pfd[0]};
	ev.sigev_value.sival_ptr = cookie;
	CHECK_ERRNO(syscall(SYS_mq_notify, q, &ev), ENOTSOCK, "SIGEV_THREAD with a pipe");
	ev.sigev_signo = sv[0];
	CHECK_ERRNO(syscall(SYS_mq_notify, q, &ev), EINVAL, "SIGEV_THREAD with an AF_UNIX socket");
	ev.sigev_signo = 999;
	CHECK_ERRNO(syscall(SYS_mq_notify, q, &ev), EBADF, "SIGEV_THREAD with no fd");
	ev.sigev_value.sival_ptr = (void *)8;
	CHECK_ERRNO(syscall(SYS_mq_notify, q, &ev), EFAULT, "SIGEV_THREAD with a bad cookie");
	CHECK_ERRNO(syscall(SYS_mq_notify, 999, NULL), EBADF, "mq_notify on no fd");
	close(pfd[0]);
	close(pfd[1]);
	close(sv[0]);
	close(sv[1]);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	mq_close(q);
	CHECK(mq_unlink(n) == 0, "mq_unlink: %s", strerror(errno));
}

/* Another user: the mode bits, and the sticky root's EPERM. */
static void access_checks(void)
{
	const char *n = qname(), *n2 = qname();
	mqd_t q = qopen(n, O_RDWR | O_CREAT | O_EXCL, 0600, 2, 8);
	mqd_t q2 = qopen(n2, O_RDWR | O_CREAT | O_EXCL, 0604, 2, 8);
	pid_t kid = fork();
	CHECK(kid >= 0, "fork");
	if (kid == 0) {
		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(2);
		if (mq_open(n, O_RDONLY) != -1 || errno != EACCES)
			_exit(3);
		mqd_t r = mq_open(n2, O_RDONLY);
		if (r == -1)
			_exit(4);
		if (mq_open(n2, O_WRONLY) != -1 || errno != EACCES)
			_exit(5);
		if (syscall(SYS_mq_unlink, n2 + 1) != -1 || errno != EPERM) /* libc says EACCES */
			_exit(6);
		/* The queue it has from its parent still works. */
		_exit(mq_send(q, "k", 1, 0) == 0 ? 0 : 7);
	}
	reap(kid);
	expect(q, "k", 0);
	mq_close(q);
	mq_close(q2);
	CHECK(mq_unlink(n) == 0 && mq_unlink(n2) == 0, "mq_unlink: %s", strerror(errno));
	printf("EACCES and EPERM for another user: ok\n");
}

/* Under vmemu only: the guest's own /proc/sys/fs/mqueue, written. */
static void sysctls(void)
{
	write_sysctl("msg_max", "0", EINVAL);
	write_sysctl("msg_max", "65537", EINVAL);
	write_sysctl("msgsize_max", "127", EINVAL);
	write_sysctl("msg_max", "5\n", 0);
	CHECK(read_sysctl("msg_max") == 5, "msg_max not written");
	write_sysctl("queues_max", "1", 0);
	const char *n = qname(), *n2 = qname();
	pid_t kid = fork();
	CHECK(kid >= 0, "fork");
	if (kid == 0) {
		if (setresuid(65534, 65534, 65534))
			_exit(2);
		/* No attributes: msg_default (10), but at most msg_max (5). */
		mqd_t q = mq_open(n, O_RDWR | O_CREAT, 0600, NULL);
		struct mq_attr a;
		if (q == -1 || mq_getattr(q, &a) || a.mq_maxmsg != 5)
			_exit(3);
		/* queues_max is looked at before the attributes. */
		a = (struct mq_attr){.mq_maxmsg = 6, .mq_msgsize = 8};
		if (mq_open(n2, O_RDWR | O_CREAT, 0600, &a) != -1 || errno != ENOSPC)
			_exit(4);
		mq_close(q);
		mq_unlink(n);
		if (mq_open(n2, O_RDWR | O_CREAT, 0600, &a) != -1 || errno != EINVAL)
			_exit(5);
		a.mq_maxmsg = 5;
		int r = mq_open(n2, O_RDWR | O_CREAT, 0600, &a) == -1 ? 6 : 0;
		mq_unlink(n2);
		_exit(r);
	}
	reap(kid);
	write_sysctl("msg_max", "10", 0);
	write_sysctl("queues_max", "256", 0);
}

int main(int argc, char **argv)
{
	owner = getpid();
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	run_id = (unsigned)(t.tv_nsec ^ (t.tv_sec << 8));
	atexit(unlink_all);
	setvbuf(stdout, NULL, _IONBF, 0);
	names_and_attrs();
	messages();
	waiting();
	interrupted();
	notify();
	access_checks();
	if (argc > 1 && !strcmp(argv[1], "--vmemu"))
		sysctls();
	return 0;
}
