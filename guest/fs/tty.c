/* tty.c - terminal ioctls (Linux's tty_ioctl, pty_unix98_ioctl, n_tty's
 * and tty_mode_ioctl): termios and the window size of a pty (one per
 * pair: on the master they act on the slave's, as Linux's
 * tty_pair_get_tty), the master's own requests (TIOCGPTN, TIOCSPTLCK,
 * TIOCGPTPEER, TIOCPKT), the queues, and the session requests
 * (tty_io.c).
 *
 * vmemu's own terminal (a host tty): termios, window size and queue
 * requests go to the host's terminal, so a guest can set raw mode on it;
 * what the guest sets stays set when it exits, as under qemu-user (the
 * program is expected to restore it). Process-group requests stay in the
 * guest (tty_io.c): the host's foreground group never changes. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>

#include "fs/internal.h"
#include "fs/tty.h"
#include "kern.h"
#include "mm/mm.h"
#include "task/task.h"

/* Linux's n_tty_set_termios: switching canonical mode on makes what is
 * waiting one line; switching it off makes all of it readable. */
static void set_termios(struct tty_struct *t, const struct ktermios *nt)
{
	bool was_canon = t->termios.c_lflag & ICANON;
	memcpy(&t->termios, nt, KTERMIOS_SIZE);
	bool canon = t->termios.c_lflag & ICANON;
	if (canon != was_canon) {
		memset(t->reol, 0, sizeof(t->reol));
		t->lines = 0;
		t->canon_len = 0;
		t->lnext = false;
		if (canon && t->rlen) {
			t->reol[(t->rhead + t->rlen - 1) % N_TTY_BUF_SIZE] = true;
			t->canon_len = t->rlen;
			t->lines = 1;
		}
	}
	if (!(t->termios.c_iflag & IXON))
		t->stopped = false;
	pty_push(t);
	tty_wake(t);
}

static int64_t put_int(struct kernel *k, uint64_t arg, int v)
{
	return copy_to_user(k, arg, &v, sizeof(v));
}

/* TCFLSH (Linux's __tty_perform_flush): the input is what a read of this
 * side would see; the output has reached the other side's read buffer
 * already (Linux flushes only what is in flight), so only packet mode
 * hears of its flush. */
static int64_t tcflsh(struct tty_struct *t, bool master, uint64_t arg)
{
	bool in = arg == TCIFLUSH || arg == TCIOFLUSH, out = arg == TCOFLUSH || arg == TCIOFLUSH;
	if (!in && !out)
		return -EINVAL;
	if (in && master) {
		t->olen = 0;
		tty_wake(t);
	} else if (in) {
		n_tty_flush_input(t);
	}
	if (out && !master)
		pty_flush_write(t);
	return 0;
}

/* TCXONC: stop or start the output, or send STOP or START to the other side. */
static int64_t tcxonc(struct tty_struct *t, bool master, uint64_t arg)
{
	switch (arg) {
	case TCOOFF:
	case TCOON:
		t->stopped = arg == TCOOFF;
		if (t->packet)
			t->pktstatus = arg == TCOOFF ? TIOCPKT_STOP : TIOCPKT_START;
		break;
	case TCIOFF:
	case TCION: {
		uint8_t c = t->termios.c_cc[arg == TCIOFF ? VSTOP : VSTART];
		if (c && master)
			n_tty_receive(t, &c, 1);
		break;
	}
	default:
		return -EINVAL;
	}
	tty_wake(t);
	return 0;
}

static int64_t tiocswinsz(struct kernel *k, struct tty_struct *t, uint64_t arg)
{
	struct winsize ws;
	if (copy_from_user(k, &ws, arg, sizeof(ws)))
		return -EFAULT;
	if (memcmp(&ws, &t->winsize, sizeof(ws))) {
		t->winsize = ws;
		tty_kill_pgrp(k, t->pgrp, SIGWINCH);
	}
	return 0;
}

/* TCSETS, TCSETSW, TCSETSF (Linux's set_termios); a pty has no output
 * to wait for. */
static int64_t tcsets(struct kernel *k, struct tty_struct *t, unsigned cmd, uint64_t arg)
{
	int err = tty_check_change(k, t, SIGTTOU);
	if (err)
		return err;
	struct ktermios nt;
	if (copy_from_user(k, &nt, arg, KTERMIOS_SIZE))
		return -EFAULT;
	if (cmd == TCSETSF)
		n_tty_flush_input(t);
	set_termios(t, &nt);
	return 0;
}

/* The master's own requests (pty_unix98_ioctl). */
static int64_t ptm_ioctl(struct kernel *k, struct tty_struct *t, unsigned cmd, uint64_t arg)
{
	int v;
	switch (cmd) {
	case TIOCGPTN:
		return put_int(k, arg, t->index);
	case TIOCSPTLCK:
		if (copy_from_user(k, &v, arg, sizeof(v)))
			return -EFAULT;
		t->locked = v != 0;
		return 0;
	case TIOCGPTLCK:
		return put_int(k, arg, t->locked);
	case TIOCPKT:
		if (copy_from_user(k, &v, arg, sizeof(v)))
			return -EFAULT;
		if (v && !t->packet)
			t->pktstatus = 0;
		t->packet = v != 0;
		return 0;
	case TIOCGPKT:
		return put_int(k, arg, t->packet);
	case TIOCGPTPEER: {
		struct file *f;
		int err = pty_open_slave(k, t, (int)arg, false, &f);
		if (err)
			return err;
		return fd_install_new(k, f, arg & O_CLOEXEC);
	}
	default:
		return 1;
	}
}

static int64_t pty_ioctl(struct kernel *k, struct file *f, unsigned cmd, uint64_t arg)
{
	struct tty_struct *t = tty_of(f);
	bool master = tty_is_master(f);
	if (!master && t->hungup) /* hung_up_tty_ioctl */
		return cmd == TIOCSPGRP ? -ENOTTY : -EIO;
	int64_t r = tty_session_ioctl(k, t, f, master, cmd, arg);
	if (r == 1 && master)
		r = ptm_ioctl(k, t, cmd, arg);
	if (r != 1)
		return r;
	switch (cmd) {
	case TIOCGWINSZ:
		return copy_to_user(k, arg, &t->winsize, sizeof(t->winsize));
	case TIOCSWINSZ:
		return tiocswinsz(k, t, arg);
	case TIOCGETD:
		return put_int(k, arg, 0); /* N_TTY */
	case TIOCINQ:
		return put_int(k, arg, master ? (int)t->olen : n_tty_inq(t));
	case TIOCOUTQ:
		return put_int(k, arg, 0); /* a pty holds no output of its own */
	case TCFLSH:
	case TCXONC: {
		int err = tty_check_change(k, t, SIGTTOU);
		if (err)
			return err;
		return cmd == TCFLSH ? tcflsh(t, master, arg) : tcxonc(t, master, arg);
	}
	case TCGETS:
		return copy_to_user(k, arg, &t->termios, KTERMIOS_SIZE);
	case TCSETS:
	case TCSETSW:
	case TCSETSF:
		return tcsets(k, t, cmd, arg);
	default:
		return -ENOTTY;
	}
}

/* ---- vmemu's own terminal ---- */

static int64_t host_get(struct kernel *k, int fd, unsigned cmd, uint64_t arg, size_t size)
{
	uint8_t buf[64];
	if (ioctl(fd, cmd, buf) < 0)
		return -errno;
	return copy_to_user(k, arg, buf, size);
}

static int64_t host_set(struct kernel *k, int fd, unsigned cmd, uint64_t arg, size_t size)
{
	uint8_t buf[64];
	if (copy_from_user(k, buf, arg, size))
		return -EFAULT;
	return ioctl(fd, cmd, buf) < 0 ? -errno : 0;
}

static int64_t host_tty_ioctl(struct kernel *k, struct file *f, unsigned cmd, uint64_t arg)
{
	struct tty_struct *h = host_tty(k);
	if (!h)
		return -ENOMEM;
	int64_t r = tty_session_ioctl(k, h, f, false, cmd, arg);
	if (r != 1)
		return r;
	switch (cmd) {
	case TCGETS:
		return host_get(k, f->host_fd, cmd, arg, KTERMIOS_SIZE);
	case TIOCGWINSZ:
		return host_get(k, f->host_fd, cmd, arg, sizeof(struct winsize));
	case TIOCOUTQ:
	case TIOCINQ:
	case TIOCGETD:
		return host_get(k, f->host_fd, cmd, arg, sizeof(int));
	case TIOCSWINSZ:
		return host_set(k, f->host_fd, cmd, arg, sizeof(struct winsize));
	case TCSETS:
	case TCSETSW:
	case TCSETSF:
	case TCFLSH:
	case TCXONC:
		r = tty_check_change(k, h, SIGTTOU);
		if (r)
			return r;
		if (cmd == TCFLSH || cmd == TCXONC)
			return ioctl(f->host_fd, cmd, (int)arg) < 0 ? -errno : 0;
		return host_set(k, f->host_fd, cmd, arg, KTERMIOS_SIZE);
	default:
		return -ENOTTY;
	}
}

int64_t tty_ioctl(struct kernel *k, struct file *f, unsigned cmd, uint64_t arg)
{
	if (cmd == TIOCGPTPEER && (f->kind == FILE_TTY || (tty_of(f) && !tty_is_master(f))))
		return -EIO; /* a terminal, but no pty master */
	if (f->kind == FILE_TTY)
		return host_tty_ioctl(k, f, cmd, arg);
	if (tty_of(f))
		return pty_ioctl(k, f, cmd, arg);
	return -ENOTTY;
}
