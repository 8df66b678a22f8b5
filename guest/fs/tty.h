/* tty.h - what the terminal files of fs/ share (Linux's tty_struct, in
 * small): a pseudo-terminal pair (pty.c) with its line discipline
 * (n_tty.c), the ioctls and termios (tty.c), sessions, controlling
 * terminals and job control (tty_io.c). Only fs/ includes it. */
#ifndef VMEMU_FS_TTY_H
#define VMEMU_FS_TTY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/ioctl.h>

struct file;
struct kernel;
struct process;
struct uio;

/* The kernel's struct termios (<asm/termbits.h>), as TCGETS moves it. */
struct ktermios {
	uint32_t c_iflag, c_oflag, c_cflag, c_lflag;
	uint8_t c_line;
	uint8_t c_cc[19];
};
#define KTERMIOS_SIZE 36

#define N_TTY_BUF_SIZE 4096 /* the line discipline's read buffer, as Linux's */
#define PTY_OUT_SIZE 16384  /* what the slave writes and the master has not read */
#define PTY_FLIP_SIZE 65536 /* what the master wrote and n_tty has no room for yet (Linux's tty buffers) */

/* One pseudo-terminal: the master's and the slave's side in one object.
 * termios and the window size are the slave's, which Linux's ioctls on
 * the master act on too (tty_pair_get_tty). */
struct tty_struct {
	struct kernel *k;
	struct tty_struct *next;  /* k->ttys */
	int index;                /* /dev/pts/N; -1 for the host's terminal */
	uint32_t uid, gid;        /* a pty slave's owner: the fs ids that opened /dev/ptmx */
	uint64_t host_rdev;       /* the host's terminal: its device number */
	struct ktermios termios;
	struct winsize winsize;
	int session, pgrp;        /* the session it controls and its foreground group; 0: none */
	int refs;                 /* files naming it, of any kind */
	int masters, slaves;      /* open descriptions of each side */
	bool locked;              /* TIOCSPTLCK: the slave cannot be opened (EIO) */
	bool hungup;              /* the master closed: the slave's files are hung up */
	bool other_closed;        /* every slave closed (after one was opened): the master reads EIO */
	bool stopped;             /* IXON: output stopped by VSTOP */
	bool packet;              /* TIOCPKT on the master */
	uint8_t pktstatus;        /* TIOCPKT_* not yet read */
	/* n_tty's read buffer: what the master wrote, after input processing. */
	uint8_t rbuf[N_TTY_BUF_SIZE];
	bool reol[N_TTY_BUF_SIZE]; /* a line ends after this byte (canonical mode) */
	uint32_t rhead, rlen;
	uint32_t canon_len;       /* bytes up to the last line end: what canonical reads may take */
	int lines;                /* complete lines in rbuf */
	bool lnext;               /* the next byte is taken literally (VLNEXT) */
	/* What the master wrote, waiting for room in rbuf. */
	uint8_t flip[PTY_FLIP_SIZE];
	uint32_t fhead, flen;
	/* The slave's output: what the master reads. */
	uint8_t obuf[PTY_OUT_SIZE];
	uint32_t ohead, olen;
	char read_wait, write_wait; /* wait channels: slave readers and master writers; */
	char mread_wait, swrite_wait; /* master readers and slave writers */
};

/* ---- pty.c ---- */
/* The pty a file is (its master, slave or node), NULL for other files. */
struct tty_struct *tty_of(struct file *f);
bool tty_is_master(struct file *f);
/* Wakes every sleeper of t, and poll. */
void tty_wake(struct tty_struct *t);
/* Moves what waits in the flip buffer into the line discipline, as far
 * as it has room (after a read, a termios change). */
void pty_push(struct tty_struct *t);
/* A slave file of t, as /dev/tty opens it: 0 and *out, or -errno. */
int pty_open_slave(struct kernel *k, struct tty_struct *t, int flags, bool noctty,
		   struct file **out);

/* ---- n_tty.c ---- */
void n_tty_init(struct tty_struct *t);
/* The master wrote n bytes: input processing, echo, signals. Returns
 * the bytes taken (fewer only when the read buffer is full in raw mode). */
size_t n_tty_receive(struct tty_struct *t, const uint8_t *buf, size_t n);
/* The slave's read and write (output processing). */
int64_t n_tty_read(struct kernel *k, struct tty_struct *t, struct file *f, struct uio *u);
int64_t n_tty_write(struct kernel *k, struct tty_struct *t, struct file *f, struct uio *u);
bool n_tty_input_available(const struct tty_struct *t, bool poll);
/* Bytes a read would see (TIOCINQ on the slave). */
int n_tty_inq(const struct tty_struct *t);
void n_tty_flush_input(struct tty_struct *t);
/* The slave's output was flushed: in packet mode the master hears of it
 * (what the slave wrote is the master's already: nothing else to drop). */
void pty_flush_write(struct tty_struct *t);

/* ---- tty_io.c: sessions and job control ---- */
/* The controlling terminal of p's session, or NULL. */
struct tty_struct *tty_of_session(struct kernel *k, int sid);
/* kill_pgrp(pgrp, sig, 1): sig from the kernel (SI_KERNEL) to group pgrp. */
void tty_kill_pgrp(struct kernel *k, int pgrp, int sig);
/* Linux's __tty_check_change: 0, -EIO, or -ERESTARTSYS with sig sent to
 * the caller's background group. */
int tty_check_change(struct kernel *k, struct tty_struct *t, int sig);
/* An open of the slave without O_NOCTTY by a session leader with no
 * controlling terminal makes it the session's. */
void tty_open_set_ctty(struct kernel *k, struct tty_struct *t, struct file *f);
/* The master closed: the session loses its terminal, its leader gets
 * SIGHUP and SIGCONT (Linux's tty_signal_session_leader). */
void tty_hangup_session(struct kernel *k, struct tty_struct *t);
/* The session ioctls (TIOCSCTTY, TIOCNOTTY, TIOCGPGRP, TIOCSPGRP,
 * TIOCGSID) of t reached through f (real: t is the slave of f's master):
 * the result, or 1 when cmd is none of them. */
int64_t tty_session_ioctl(struct kernel *k, struct tty_struct *t, struct file *f, bool master,
			  unsigned cmd, uint64_t arg);
/* The host terminal's guest-side state (its session and foreground
 * group in the guest's pids), made at first use; NULL out of memory. */
struct tty_struct *host_tty(struct kernel *k);

#endif
