/* n_tty.c - the line discipline between a pty's master and its slave
 * (Linux's drivers/tty/n_tty.c, in small).
 *
 * What the master writes goes through input processing (ISTRIP, IGNCR,
 * ICRNL, INLCR, IXON), the signal characters (ISIG), line editing in
 * canonical mode (ERASE, WERASE, KILL, LNEXT, REPRINT, EOF, EOL, EOL2)
 * and echo (ECHO, ECHOE, ECHOK, ECHOKE, ECHOCTL, ECHONL) into the read
 * buffer the slave reads: one line per read in canonical mode, VMIN and
 * VTIME otherwise. What the slave writes goes through output processing
 * (OPOST: ONLCR, OCRNL, ONOCR, ONLRET) to the master, as echo does.
 * An EOF is kept as a NUL byte ending a line, as Linux keeps it
 * (__DISABLED_CHAR): the read that meets it returns what came before. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <termios.h>

#include "fs/internal.h"
#include "fs/tty.h"
#include "kern.h"
#include "mm/mm.h"
#include "task/task.h"

#define L(t, f) ((t)->termios.c_lflag & (f))
#define I(t, f) ((t)->termios.c_iflag & (f))
#define O(t, f) ((t)->termios.c_oflag & (f))

/* c is the control character cc[idx], which a NUL disables. */
static bool is_cc(const struct tty_struct *t, int idx, uint8_t c)
{
	return t->termios.c_cc[idx] && t->termios.c_cc[idx] == c;
}

void n_tty_init(struct tty_struct *t)
{
	/* Linux's tty_std_termios with the pts driver's c_cflag. */
	static const uint8_t init_cc[19] = {3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22};
	t->termios = (struct ktermios){
		.c_iflag = ICRNL | IXON,
		.c_oflag = OPOST | ONLCR,
		.c_cflag = B38400 | CS8 | CREAD,
		.c_lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN,
	};
	memcpy(t->termios.c_cc, init_cc, sizeof(init_cc));
}

/* ---- output to the master ---- */

static void put_out(struct tty_struct *t, uint8_t c)
{
	if (t->olen == PTY_OUT_SIZE)
		return; /* as Linux drops echoes that find no room */
	t->obuf[(t->ohead + t->olen++) % PTY_OUT_SIZE] = c;
}

/* One byte through output processing (Linux's do_output_char). */
static void opost_char(struct tty_struct *t, uint8_t c)
{
	if (O(t, OPOST)) {
		if (c == '\n' && O(t, ONLCR)) {
			put_out(t, '\r');
		} else if (c == '\r') {
			if (O(t, ONOCR) && (t->olen == 0 || t->obuf[(t->ohead + t->olen - 1) % PTY_OUT_SIZE] == '\n'))
				return;
			if (O(t, OCRNL))
				c = '\n';
		}
	}
	put_out(t, c);
}

/* Echo of c: a control character as ^X under ECHOCTL (echo_char). */
static void echo_char(struct tty_struct *t, uint8_t c)
{
	if (L(t, ECHOCTL) && iscntrl(c) && c != '\t') {
		opost_char(t, '^');
		opost_char(t, c ^ 0100);
	} else {
		opost_char(t, c);
	}
}

static void echo_str(struct tty_struct *t, const char *s)
{
	while (*s)
		put_out(t, (uint8_t)*s++);
}

/* ---- the read buffer ---- */

static uint32_t rpos(const struct tty_struct *t, uint32_t i)
{
	return (t->rhead + i) % N_TTY_BUF_SIZE;
}

static void put_char(struct tty_struct *t, uint8_t c, bool eol)
{
	uint32_t i = rpos(t, t->rlen++);
	t->rbuf[i] = c;
	t->reol[i] = eol;
	if (eol) {
		t->canon_len = t->rlen;
		t->lines++;
	}
}

void n_tty_flush_input(struct tty_struct *t)
{
	t->rlen = t->canon_len = 0;
	t->lines = 0;
	t->lnext = false;
	if (t->packet)
		t->pktstatus |= TIOCPKT_FLUSHREAD;
	tty_wake(t);
}

/* ERASE, WERASE or KILL (Linux's eraser). */
static void eraser(struct tty_struct *t, uint8_t c)
{
	int kind = is_cc(t, VERASE, c) ? VERASE : is_cc(t, VWERASE, c) ? VWERASE : VKILL;
	if (t->rlen == t->canon_len)
		return; /* nothing on this line */
	if (kind == VKILL && (!L(t, ECHO) || !L(t, ECHOK) || !L(t, ECHOKE) || !L(t, ECHOE))) {
		t->rlen = t->canon_len;
		if (L(t, ECHO)) {
			echo_char(t, c);
			if (L(t, ECHOK))
				opost_char(t, '\n');
		}
		return;
	}
	int alnums = 0;
	while (t->rlen > t->canon_len) {
		uint8_t e = t->rbuf[rpos(t, t->rlen - 1)];
		if (kind == VWERASE) {
			if (isalnum(e) || e == '_')
				alnums++;
			else if (alnums)
				break;
		}
		t->rlen--;
		if (L(t, ECHO)) {
			if (kind == VERASE && !L(t, ECHOE)) {
				echo_char(t, c);
			} else if (e != '\t') { /* a tab's columns are not tracked: it stays */
				if (iscntrl(e) && L(t, ECHOCTL))
					echo_str(t, "\b \b");
				if (!iscntrl(e) || L(t, ECHOCTL))
					echo_str(t, "\b \b");
			}
		}
		if (kind == VERASE)
			break;
	}
}

/* INTR, QUIT, SUSP (Linux's n_tty_receive_signal_char). */
static void isig(struct tty_struct *t, int sig, uint8_t c)
{
	tty_kill_pgrp(t->k, t->pgrp, sig);
	if (!L(t, NOFLSH)) {
		n_tty_flush_input(t);
		pty_flush_write(t);
	}
	t->stopped = false;
	if (L(t, ECHO))
		echo_char(t, c);
}

/* A byte with no special meaning (or taken literally). */
static bool receive_normal(struct tty_struct *t, uint8_t c)
{
	/* Canonical mode keeps the last place for a line end and drops what
	 * finds no room; raw mode leaves it to the writer, which waits. */
	if (t->rlen >= N_TTY_BUF_SIZE - (L(t, ICANON) ? 1u : 0u))
		return L(t, ICANON) != 0;
	if (L(t, ECHO)) {
		if (c == '\n')
			opost_char(t, '\n');
		else
			echo_char(t, c);
	}
	put_char(t, c, false);
	return true;
}

/* Canonical mode's special bytes: true when c was one. */
static bool receive_canon(struct tty_struct *t, uint8_t c)
{
	bool iexten = L(t, IEXTEN);
	if (is_cc(t, VERASE, c) || is_cc(t, VKILL, c) || (iexten && is_cc(t, VWERASE, c))) {
		eraser(t, c);
		return true;
	}
	if (iexten && is_cc(t, VLNEXT, c)) {
		t->lnext = true;
		if (L(t, ECHO) && L(t, ECHOCTL))
			echo_str(t, "^\b");
		return true;
	}
	if (iexten && is_cc(t, VREPRINT, c)) {
		if (L(t, ECHO)) {
			echo_char(t, c);
			opost_char(t, '\n');
			for (uint32_t i = t->canon_len; i < t->rlen; i++)
				echo_char(t, t->rbuf[rpos(t, i)]);
		}
		return true;
	}
	bool eol = is_cc(t, VEOL, c) || (iexten && is_cc(t, VEOL2, c));
	if (c == '\n' || eol) {
		if (t->rlen == N_TTY_BUF_SIZE)
			return true;
		if (c == '\n' ? L(t, ECHO) || L(t, ECHONL) : L(t, ECHO)) {
			if (c == '\n')
				opost_char(t, c);
			else
				echo_char(t, c);
		}
		put_char(t, c, true);
		return true;
	}
	if (is_cc(t, VEOF, c)) {
		if (t->rlen < N_TTY_BUF_SIZE)
			put_char(t, 0, true);
		return true;
	}
	return false;
}

size_t n_tty_receive(struct tty_struct *t, const uint8_t *buf, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++) {
		uint8_t c = I(t, ISTRIP) ? buf[i] & 0x7f : buf[i];
		if (t->lnext) {
			t->lnext = false;
			if (!receive_normal(t, c))
				break;
			continue;
		}
		if (c == '\r') {
			if (I(t, IGNCR))
				continue;
			if (I(t, ICRNL))
				c = '\n';
		} else if (c == '\n' && I(t, INLCR)) {
			c = '\r';
		}
		if (I(t, IXON)) {
			if (is_cc(t, VSTART, c)) {
				t->stopped = false;
				continue;
			}
			if (is_cc(t, VSTOP, c)) {
				t->stopped = true;
				continue;
			}
		}
		if (L(t, ISIG)) {
			int sig = is_cc(t, VINTR, c) ? SIGINT : is_cc(t, VQUIT, c) ? SIGQUIT
				  : is_cc(t, VSUSP, c) ? SIGTSTP : 0;
			if (sig) {
				isig(t, sig, c);
				continue;
			}
		}
		if (L(t, ICANON) && receive_canon(t, c))
			continue;
		if (!receive_normal(t, c))
			break;
	}
	tty_wake(t);
	return i;
}

/* ---- the slave's read ---- */

bool n_tty_input_available(const struct tty_struct *t, bool poll)
{
	if (L(t, ICANON))
		return t->lines > 0;
	uint8_t min = t->termios.c_cc[VMIN];
	uint32_t amt = poll && !t->termios.c_cc[VTIME] && min ? min : 1;
	return t->rlen >= amt;
}

int n_tty_inq(const struct tty_struct *t)
{
	if (!L(t, ICANON))
		return (int)t->rlen;
	int n = 0; /* complete lines, less their EOF marks */
	for (uint32_t i = 0; i < t->canon_len; i++)
		n += !(t->reol[rpos(t, i)] && t->rbuf[rpos(t, i)] == 0);
	return n;
}

/* Moves up to n bytes of the buffer to u; the count, or -EFAULT. */
static int64_t copy_out(struct kernel *k, struct tty_struct *t, struct uio *u, uint32_t n)
{
	uint32_t done = 0;
	while (done < n) {
		uint32_t i = rpos(t, done);
		uint32_t run = N_TTY_BUF_SIZE - i < n - done ? N_TTY_BUF_SIZE - i : n - done;
		size_t c = uio_copy(k, u, t->rbuf + i, run, true);
		done += (uint32_t)c;
		if (u->fault)
			break;
	}
	if (done == 0 && n)
		return -EFAULT;
	return done;
}

static void consume(struct tty_struct *t, uint32_t n)
{
	t->rhead = rpos(t, n);
	t->rlen -= n;
	t->canon_len = t->canon_len > n ? t->canon_len - n : 0;
}

/* One line, or what of it fits (Linux's canon_copy_from_read_buf). */
static int64_t read_canon(struct kernel *k, struct tty_struct *t, struct uio *u)
{
	uint32_t len = 0;
	while (!t->reol[rpos(t, len)])
		len++;
	bool eof = t->rbuf[rpos(t, len)] == 0;
	uint32_t line = len + !eof; /* bytes the reader gets */
	uint32_t n = line < u->left ? line : (uint32_t)u->left;
	int64_t r = n ? copy_out(k, t, u, n) : 0;
	if (r < 0)
		return r;
	if ((uint32_t)r == line) { /* the whole line: its end goes too */
		consume(t, len + 1);
		t->lines--;
	} else {
		consume(t, (uint32_t)r);
	}
	return r;
}

int64_t n_tty_read(struct kernel *k, struct tty_struct *t, struct file *f, struct uio *u)
{
	int err = tty_check_change(k, t, SIGTTIN);
	if (err)
		return err;
	if (u->left == 0)
		return 0;
	int64_t r;
	if (L(t, ICANON)) {
		if (!t->lines) {
			if (f->flags & O_NONBLOCK)
				return -EAGAIN;
			process_block(k, &t->read_wait);
			return -ERESTARTSYS;
		}
		r = read_canon(k, t, u);
	} else {
		uint8_t min = t->termios.c_cc[VMIN], time = t->termios.c_cc[VTIME];
		uint32_t want = min < u->left ? min : (uint32_t)u->left;
		if (t->rlen < want || t->rlen == 0) {
			if (!min && !time)
				return 0;
			if (f->flags & O_NONBLOCK)
				return -EAGAIN;
			/* VTIME counts from the call (VMIN 0) or from the first byte. */
			if (time && (!min || t->rlen)) {
				uint64_t deadline = kernel_now_ns() + time * 100000000ULL;
				if (process_block_until(k, &t->read_wait, deadline))
					return -ERESTARTSYS;
				if (!t->rlen)
					return 0;
			} else {
				process_block(k, &t->read_wait);
				return -ERESTARTSYS;
			}
		}
		r = copy_out(k, t, u, t->rlen < u->left ? t->rlen : (uint32_t)u->left);
		if (r > 0)
			consume(t, (uint32_t)r);
	}
	if (r > 0) {
		pty_push(t);
		tty_wake(t);
	}
	return r;
}

/* ---- the slave's write ---- */

int64_t n_tty_write(struct kernel *k, struct tty_struct *t, struct file *f, struct uio *u)
{
	if (L(t, TOSTOP)) {
		int err = tty_check_change(k, t, SIGTTOU);
		if (err)
			return err;
	}
	struct process *p = k->current;
	bool block = !(f->flags & O_NONBLOCK);
	uint64_t before = block && !u->kbuf ? p->io_done : 0;
	uio_skip(u, before);
	if (u->left == 0)
		return (int64_t)before;
	/* Each byte may become two (ONLCR). */
	uint32_t room = (PTY_OUT_SIZE - t->olen) / 2;
	if (room == 0 || t->stopped) {
		if (!block)
			return before ? (int64_t)before : -EAGAIN;
		process_block(k, &t->swrite_wait);
		return -ERESTARTSYS;
	}
	uint8_t buf[512];
	uint64_t done = 0;
	while (room && u->left && !u->fault) {
		size_t c = uio_copy(k, u, buf, room < sizeof(buf) ? room : sizeof(buf), false);
		for (size_t i = 0; i < c; i++)
			opost_char(t, buf[i]);
		done += c;
		room -= (uint32_t)c;
	}
	if (done)
		tty_wake(t);
	if (block && !u->kbuf && u->left && !u->fault) {
		p->io_done = before + done;
		process_block(k, &t->swrite_wait);
		return -ERESTARTSYS;
	}
	if (before + done == 0)
		return -EFAULT;
	return (int64_t)(before + done);
}
