/* tty_pty.c - pseudo-terminals: a pair from /dev/ptmx (locked until
 * unlockpt, ptsname, the slave a character device 136:N), the default
 * termios of a fresh pty, canonical line editing (ERASE, KILL, WERASE,
 * EOF) with its echo (ECHOE, ECHOKE, ECHOCTL, ONLCR, ICRNL), raw mode
 * (VMIN, VTIME), VEOL, LNEXT, ECHONL, TCFLSH and FIONREAD, packet mode,
 * TIOCGPTPEER; a child in a new
 * session with the slave as its controlling terminal (/dev/tty,
 * tcgetpgrp, tcgetsid, tcsetpgrp's EPERM and ESRCH) gets SIGWINCH on
 * TIOCSWINSZ and SIGINT when the master writes ^C; a background group
 * reading stops with SIGTTIN (EIO when it ignores it); hangup both ways;
 * poll. The master reads the echo as Linux queues it: it may come in
 * pieces, so read_expect gathers it. */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "guest_test.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

/* Reads exactly strlen(want) bytes from fd and compares them. */
static void read_expect(int fd, const char *want, const char *what)
{
	char buf[256];
	size_t n = strlen(want), got = 0;
	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);
		CHECK(r > 0, "%s: read returned %zd (errno %d)", what, r, errno);
		got += (size_t)r;
	}
	CHECK(!memcmp(buf, want, n), "%s: got \"%.*s\"", what, (int)n, buf);
}

static void write_all(int fd, const char *s)
{
	CHECK(write(fd, s, strlen(s)) == (ssize_t)strlen(s), "write of \"%s\": errno %d", s, errno);
}

/* Reads one line (canonical) and compares it. */
static void read_line(int fd, const char *want, const char *what)
{
	char buf[256];
	ssize_t r = read(fd, buf, sizeof(buf));
	CHECK(r == (ssize_t)strlen(want) && !memcmp(buf, want, (size_t)r),
	      "%s: read %zd \"%.*s\"", what, r, (int)(r > 0 ? r : 0), buf);
}

static int open_pair(int *s, char name[64])
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	CHECK(m >= 0, "posix_openpt: errno %d", errno);
	CHECK(grantpt(m) == 0, "grantpt: errno %d", errno);
	CHECK(unlockpt(m) == 0, "unlockpt: errno %d", errno);
	CHECK(ptsname_r(m, name, 64) == 0, "ptsname_r: errno %d", errno);
	*s = open(name, O_RDWR | O_NOCTTY);
	CHECK(*s >= 0, "open %s: errno %d", name, errno);
	return m;
}

static unsigned poll_now(int fd, short events)
{
	struct pollfd p = {.fd = fd, .events = events};
	CHECK(poll(&p, 1, 0) >= 0, "poll: errno %d", errno);
	return (unsigned)p.revents;
}

static void check_link(int fd, const char *want)
{
	char proc[64], link[256];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(proc, link, sizeof(link) - 1);
	CHECK(n > 0, "readlink %s: errno %d", proc, errno);
	link[n] = 0;
	CHECK(!strcmp(link, want), "readlink %s: \"%s\", expected \"%s\"", proc, link, want);
}

static void test_open(void)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	CHECK(m >= 0, "posix_openpt: errno %d", errno);
	int n = -1;
	CHECK(ioctl(m, TIOCGPTN, &n) == 0 && n >= 0, "TIOCGPTN: errno %d", errno);
	char name[64], want[64];
	snprintf(want, sizeof(want), "/dev/pts/%d", n);
	CHECK(ptsname_r(m, name, sizeof(name)) == 0 && !strcmp(name, want), "ptsname %s", name);
	CHECK_ERRNO(open(name, O_RDWR | O_NOCTTY), EIO, "open of a locked slave");
	CHECK_ERRNO(ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY), EIO, "TIOCGPTPEER of a locked slave");
	int lock = 1;
	CHECK(ioctl(m, TIOCGPTLCK, &lock) == 0 && lock == 1, "TIOCGPTLCK %d", lock);
	CHECK(grantpt(m) == 0 && unlockpt(m) == 0, "grantpt/unlockpt: errno %d", errno);
	int s = open(name, O_RDWR | O_NOCTTY);
	CHECK(s >= 0, "open %s: errno %d", name, errno);
	CHECK_ERRNO(ioctl(s, TIOCGPTN, &n), ENOTTY, "TIOCGPTN on the slave");
	struct stat st, st2;
	CHECK(fstat(s, &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == 136 &&
		      (int)minor(st.st_rdev) == n,
	      "fstat of the slave: mode %o rdev %u:%u", st.st_mode, major(st.st_rdev),
	      minor(st.st_rdev));
	CHECK(stat(name, &st2) == 0 && st2.st_rdev == st.st_rdev, "stat %s: errno %d", name, errno);
	CHECK(fstat(m, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(5, 2),
	      "fstat of the master: rdev %u:%u", major(st.st_rdev), minor(st.st_rdev));
	check_link(m, "/dev/ptmx");
	check_link(s, name);
	int peer = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY);
	CHECK(peer >= 0, "TIOCGPTPEER: errno %d", errno);
	check_link(peer, name);
	/* open(2) forces O_LARGEFILE (0100000 to the kernel); TIOCGPTPEER does not. */
	CHECK(fcntl(m, F_GETFL) == (O_RDWR | 0100000) && fcntl(s, F_GETFL) == (O_RDWR | 0100000) &&
		      fcntl(peer, F_GETFL) == O_RDWR,
	      "F_GETFL %o %o %o", fcntl(m, F_GETFL), fcntl(s, F_GETFL), fcntl(peer, F_GETFL));
	CHECK_ERRNO(ioctl(s, TIOCGPTPEER, O_RDWR), EIO, "TIOCGPTPEER on the slave");
	CHECK(isatty(s) && isatty(m) && isatty(peer), "isatty");
	close(peer);
	/* A fresh pair: the master may be written, nothing is to read. */
	CHECK(poll_now(m, POLLIN | POLLOUT) == POLLOUT, "poll of the master: %#x",
	      poll_now(m, POLLIN | POLLOUT));
	CHECK(poll_now(s, POLLIN | POLLOUT) == POLLOUT, "poll of the slave: %#x",
	      poll_now(s, POLLIN | POLLOUT));
	int q = -1;
	CHECK(ioctl(s, TIOCOUTQ, &q) == 0 && q == 0, "TIOCOUTQ %d", q);
	struct winsize ws = {1, 1, 1, 1};
	CHECK(ioctl(s, TIOCGWINSZ, &ws) == 0 && ws.ws_row == 0 && ws.ws_col == 0, "TIOCGWINSZ");
	close(s);
	close(m);
	printf("open: ptsname, lock, 136:N, links, poll ok\n");
}

static void test_termios(void)
{
	static const unsigned char cc[17] = {3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22, 0};
	char name[64];
	int s, m = open_pair(&s, name);
	struct termios t, tm;
	CHECK(tcgetattr(s, &t) == 0 && tcgetattr(m, &tm) == 0, "tcgetattr: errno %d", errno);
	printf("termios: iflag %o oflag %o cflag %o lflag %o\n", t.c_iflag, t.c_oflag, t.c_cflag,
	       t.c_lflag);
	CHECK(t.c_iflag == (ICRNL | IXON) && t.c_oflag == (OPOST | ONLCR) &&
		      t.c_cflag == (B38400 | CS8 | CREAD) &&
		      t.c_lflag == (ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN),
	      "default termios");
	CHECK(!memcmp(t.c_cc, cc, sizeof(cc)), "default c_cc");
	CHECK(tm.c_lflag == t.c_lflag && tm.c_iflag == t.c_iflag, "the master's termios is the slave's");
	close(s);
	close(m);
}

static void test_canon(void)
{
	char name[64], buf[64];
	int s, m = open_pair(&s, name);
	write_all(m, "ab\x7f" "c\n");
	read_line(s, "ac\n", "erase");
	read_expect(m, "ab\b \bc\r\n", "echo of erase");
	write_all(m, "foo\x15" "bar\r");
	read_line(s, "bar\n", "kill and ICRNL");
	read_expect(m, "foo\b \b\b \b\b \bbar\r\n", "echo of kill");
	write_all(m, "one two\x17" "three\n");
	read_line(s, "one three\n", "werase");
	read_expect(m, "one two\b \b\b \b\b \bthree\r\n", "echo of werase");
	write_all(m, "\x01\x7f\x02\n");
	read_line(s, "\x02\n", "control characters");
	read_expect(m, "^A\b \b\b \b^B\r\n", "echo of control characters");
	write_all(m, "abc\x04");
	read_line(s, "abc", "EOF ends a line");
	write_all(m, "\x04");
	CHECK(read(s, buf, sizeof(buf)) == 0, "EOF at the start of a line reads 0");
	read_expect(m, "abc", "echo up to EOF");
	/* A reader with a small buffer gets the line in pieces. */
	write_all(m, "12345\n");
	CHECK(read(s, buf, 2) == 2 && !memcmp(buf, "12", 2), "short read");
	read_line(s, "345\n", "rest of the line");
	read_expect(m, "12345\r\n", "echo");
	/* Output processing: ONLCR. */
	write_all(s, "hi\nthere\n");
	read_expect(m, "hi\r\nthere\r\n", "ONLCR");
	/* FIONREAD counts complete lines; TCFLSH drops them. */
	write_all(m, "junk\npart");
	struct pollfd p = {.fd = s, .events = POLLIN};
	CHECK(poll(&p, 1, -1) == 1 && p.revents == POLLIN, "poll for a line: %#x", p.revents);
	read_expect(m, "junk\r\npart", "echo of junk");
	int q = -1;
	CHECK(ioctl(s, FIONREAD, &q) == 0 && q == 5, "FIONREAD %d", q);
	CHECK(tcflush(s, TCIFLUSH) == 0, "tcflush: errno %d", errno);
	CHECK(ioctl(s, FIONREAD, &q) == 0 && q == 0, "FIONREAD after TCIFLUSH %d", q);
	CHECK_ERRNO(tcflush(s, 7), EINVAL, "tcflush(7)");
	/* ECHO off: nothing comes back. */
	struct termios t;
	tcgetattr(s, &t);
	t.c_lflag &= ~(tcflag_t)ECHO;
	CHECK(tcsetattr(s, TCSANOW, &t) == 0, "tcsetattr: errno %d", errno);
	write_all(m, "secret\n");
	read_line(s, "secret\n", "no echo");
	CHECK(ioctl(m, FIONREAD, &q) == 0 && q == 0, "nothing echoed: %d", q);
	close(s);
	close(m);
	printf("canonical: erase, kill, werase, EOF, echo, ONLCR, FIONREAD, TCFLSH ok\n");
}

static void test_raw(void)
{
	char name[64], buf[64];
	int s, m = open_pair(&s, name);
	struct termios t;
	tcgetattr(s, &t);
	t.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	t.c_cc[VMIN] = 3;
	t.c_cc[VTIME] = 0;
	CHECK(tcsetattr(s, TCSAFLUSH, &t) == 0, "tcsetattr raw: errno %d", errno);
	write_all(m, "12");
	write_all(m, "3\x7f");
	struct pollfd p = {.fd = s, .events = POLLIN};
	CHECK(poll(&p, 1, -1) == 1, "poll raw");
	ssize_t r = read(s, buf, sizeof(buf));
	CHECK(r >= 3 && !memcmp(buf, "123", 3), "raw read %zd", r);
	if (r == 3)
		CHECK(read(s, buf, sizeof(buf)) == 1 && buf[0] == 0x7f, "raw DEL");
	t.c_cc[VMIN] = 0;
	tcsetattr(s, TCSANOW, &t);
	CHECK(read(s, buf, sizeof(buf)) == 0, "VMIN 0 VTIME 0 with nothing");
	t.c_cc[VTIME] = 1;
	tcsetattr(s, TCSANOW, &t);
	CHECK(read(s, buf, sizeof(buf)) == 0, "VMIN 0 VTIME 1 times out");
	/* Back to canonical: what waits becomes a line. */
	write_all(m, "xy");
	p.revents = 0;
	CHECK(poll(&p, 1, -1) == 1, "poll raw");
	t.c_lflag |= ICANON;
	tcsetattr(s, TCSANOW, &t);
	read_line(s, "xy", "raw bytes become a line");
	close(s);
	close(m);
	printf("raw: VMIN, VTIME ok\n");
}

/* More of the line discipline: VEOL, LNEXT, ECHONL, ECHOK without
 * ECHOKE, O_NONBLOCK, packet mode. */
static void test_more(void)
{
	char name[64], buf[64];
	int s, m = open_pair(&s, name);
	struct termios t;
	tcgetattr(s, &t);
	t.c_cc[VEOL] = '!';
	tcsetattr(s, TCSANOW, &t);
	write_all(m, "ab!");
	read_line(s, "ab!", "VEOL ends a line");
	read_expect(m, "ab!", "echo of VEOL");
	write_all(m, "a\x16\x7f\n");
	read_line(s, "a\x7f\n", "LNEXT");
	read_expect(m, "a^\b^?\r\n", "echo of LNEXT");
	t.c_lflag &= ~(tcflag_t)ECHOKE;
	tcsetattr(s, TCSANOW, &t);
	write_all(m, "ab\x15z\n");
	read_line(s, "z\n", "kill");
	read_expect(m, "ab^U\r\nz\r\n", "echo of kill with ECHOK alone");
	t.c_lflag &= ~(tcflag_t)ECHO;
	t.c_lflag |= ECHONL;
	tcsetattr(s, TCSANOW, &t);
	write_all(m, "quiet\n");
	read_line(s, "quiet\n", "ECHONL");
	read_expect(m, "\r\n", "echo of ECHONL");
	fcntl(s, F_SETFL, O_NONBLOCK);
	fcntl(m, F_SETFL, O_NONBLOCK);
	CHECK_ERRNO(read(s, buf, sizeof(buf)), EAGAIN, "slave read with no line");
	CHECK_ERRNO(read(m, buf, sizeof(buf)), EAGAIN, "master read with nothing");
	fcntl(m, F_SETFL, 0);
	int on = 1, q = -1;
	CHECK(ioctl(m, TIOCPKT, &on) == 0, "TIOCPKT: errno %d", errno);
	CHECK(ioctl(m, TIOCGPKT, &q) == 0 && q == 1, "TIOCGPKT %d", q);
	write_all(s, "x");
	CHECK(read(m, buf, sizeof(buf)) == 2 && buf[0] == TIOCPKT_DATA && buf[1] == 'x',
	      "packet of data");
	CHECK(tcflush(s, TCIOFLUSH) == 0, "tcflush: errno %d", errno);
	CHECK(poll_now(m, POLLIN | POLLPRI) == (POLLIN | POLLPRI), "poll of a packet status: %#x",
	      poll_now(m, POLLIN | POLLPRI));
	CHECK(read(m, buf, sizeof(buf)) == 1 && buf[0] == (TIOCPKT_FLUSHREAD | TIOCPKT_FLUSHWRITE),
	      "packet of flush status %#x", buf[0]);
	close(s);
	close(m);
	printf("more: VEOL, LNEXT, ECHOK, ECHONL, O_NONBLOCK, TIOCPKT ok\n");
}

static volatile sig_atomic_t got_int, got_winch;

static void on_sig(int sig)
{
	if (sig == SIGINT)
		got_int = 1;
	else
		got_winch = 1;
}

/* The child: a new session whose controlling terminal is the slave. */
static int session_child(const char *name, int ready)
{
	if (setsid() < 0)
		return 10;
	int s = open(name, O_RDWR);
	if (s < 0)
		return 11;
	if (tcgetpgrp(s) != getpid() || tcgetsid(s) != getpid())
		return 12;
	int tty = open("/dev/tty", O_RDWR);
	if (tty < 0)
		return 13;
	char proc[64], link[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", tty);
	ssize_t n = readlink(proc, link, sizeof(link) - 1);
	if (n != 8 || memcmp(link, "/dev/tty", 8))
		return 14;
	if (tcsetpgrp(s, getppid()) != -1 || errno != EPERM)
		return 15;
	if (tcsetpgrp(s, 0x3ffffff0) != -1 || errno != ESRCH)
		return 16;
	if (tcsetpgrp(s, getpid()) != 0)
		return 17;
	/* A background group that reads stops with SIGTTIN. */
	pid_t bg = fork();
	if (bg == 0) {
		setpgid(0, 0);
		char c;
		(void)!read(s, &c, 1);
		_exit(0);
	}
	setpgid(bg, bg);
	int st;
	if (waitpid(bg, &st, WUNTRACED) != bg || !WIFSTOPPED(st) || WSTOPSIG(st) != SIGTTIN)
		return 18;
	kill(bg, SIGKILL);
	waitpid(bg, &st, 0);
	/* ... and reads EIO when it ignores SIGTTIN. */
	bg = fork();
	if (bg == 0) {
		setpgid(0, 0);
		signal(SIGTTIN, SIG_IGN);
		char c;
		_exit(read(s, &c, 1) == -1 && errno == EIO ? 0 : 1);
	}
	setpgid(bg, bg);
	if (waitpid(bg, &st, 0) != bg || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return 19;
	struct sigaction sa = {.sa_handler = on_sig};
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGWINCH, &sa, NULL);
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGWINCH);
	sigprocmask(SIG_BLOCK, &block, &old);
	(void)!write(ready, "r", 1);
	while (!got_winch)
		sigsuspend(&old);
	struct winsize ws;
	if (ioctl(tty, TIOCGWINSZ, &ws) || ws.ws_row != 24 || ws.ws_col != 80)
		return 20;
	(void)!write(ready, "w", 1);
	while (!got_int)
		sigsuspend(&old);
	return 0;
}

static void test_session(void)
{
	char name[64];
	int s, m = open_pair(&s, name);
	int pfd[2];
	CHECK(pipe(pfd) == 0, "pipe");
	pid_t c = fork();
	CHECK(c >= 0, "fork");
	if (c == 0) {
		close(pfd[0]);
		close(m);
		close(s);
		_exit(session_child(name, pfd[1]));
	}
	close(pfd[1]);
	char b;
	CHECK(read(pfd[0], &b, 1) == 1 && b == 'r', "the child is not ready");
	/* Not the parent's controlling terminal; the master tells anyone. */
	CHECK_ERRNO(tcgetpgrp(s), ENOTTY, "tcgetpgrp of another session's terminal");
	pid_t fg = -1;
	CHECK(ioctl(m, TIOCGPGRP, &fg) == 0 && fg == c, "TIOCGPGRP on the master: %d", fg);
	CHECK_ERRNO(tcsetpgrp(m, getpgrp()), ENOTTY, "tcsetpgrp on the master");
	struct winsize ws = {.ws_row = 24, .ws_col = 80};
	CHECK(ioctl(m, TIOCSWINSZ, &ws) == 0, "TIOCSWINSZ: errno %d", errno);
	CHECK(read(pfd[0], &b, 1) == 1 && b == 'w', "the child got no SIGWINCH");
	write_all(m, "abc");
	read_expect(m, "abc", "echo before ^C");
	write_all(m, "\x03");
	int st;
	CHECK(waitpid(c, &st, 0) == c, "waitpid");
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the session child: status %#x", st);
	read_expect(m, "^C", "echo of ^C");
	write_all(m, "\n");
	read_line(s, "\n", "^C flushed the input");
	read_expect(m, "\r\n", "echo of the newline");
	/* The leader exited: the terminal controls no session. */
	CHECK(ioctl(m, TIOCGPGRP, &fg) == 0 && fg == 0, "TIOCGPGRP after the leader: %d", fg);
	close(pfd[0]);
	/* A new session has no controlling terminal. */
	c = fork();
	if (c == 0) {
		setsid();
		_exit(open("/dev/tty", O_RDWR) == -1 && errno == ENXIO ? 0 : 1);
	}
	CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "/dev/tty without a controlling terminal: %#x", st);
	close(s);
	close(m);
	printf("session: controlling tty, /dev/tty, pgrp, SIGTTIN, SIGWINCH, SIGINT ok\n");
}

static void test_hangup(void)
{
	char name[64], buf[16];
	int s, m = open_pair(&s, name);
	/* Every slave closed: the master reads what is left, then EIO. */
	write_all(s, "zz");
	close(s);
	struct pollfd p = {.fd = m, .events = POLLIN};
	CHECK(poll(&p, 1, -1) == 1 && (p.revents & POLLHUP), "poll after the slave closed: %#x",
	      p.revents);
	read_expect(m, "zz", "what the slave left");
	CHECK_ERRNO(read(m, buf, sizeof(buf)), EIO, "master read with no slave");
	CHECK(poll_now(m, POLLIN) & POLLHUP, "POLLHUP with no slave");
	s = open(name, O_RDWR | O_NOCTTY); /* a slave again */
	CHECK(s >= 0, "reopen of the slave: errno %d", errno);
	CHECK(poll_now(m, POLLIN | POLLOUT) == POLLOUT, "poll of the master with a slave again: %#x",
	      poll_now(m, POLLIN | POLLOUT));
	/* The master closed: the slave is hung up. */
	write_all(m, "pending\n");
	close(m);
	CHECK(poll_now(s, POLLIN | POLLOUT) == (POLLIN | POLLOUT | POLLERR | POLLHUP),
	      "poll of a hung-up slave: %#x", poll_now(s, POLLIN | POLLOUT));
	CHECK(read(s, buf, sizeof(buf)) == 0, "read of a hung-up slave");
	CHECK_ERRNO(write(s, "a", 1), EIO, "write to a hung-up slave");
	struct termios t;
	CHECK_ERRNO(tcgetattr(s, &t), EIO, "tcgetattr of a hung-up slave");
	CHECK_ERRNO(open(name, O_RDWR | O_NOCTTY), ENOENT, "open of a slave whose master closed");
	close(s);
	printf("hangup: EIO and POLLHUP both ways ok\n");
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	test_open();
	test_termios();
	test_canon();
	test_raw();
	test_more();
	test_session();
	test_hangup();
	return 0;
}
