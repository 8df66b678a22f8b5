/* strace.c - --strace lines in strace's own format, so a run under vmemu
 * can be compared with `strace` of the same program on the host:
 *   openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC) = 3
 *   write(1, "hello\n", 6)                  = 6
 *   read(3, 0x8, 8)                         = -1 EFAULT (Bad address)
 * Guest memory is read through the line's read callback only, so this
 * file knows no kernel and is tested alone. */
#include <asm/prctl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/prctl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/sysmacros.h>
#include <time.h>

#include "kern.h"
#include "sys/sys.h"

#define STRLEN_MAX 32   /* strace's default -s: longer strings end in "..." */
#define ARRAY_MAX 32    /* array elements shown before "..." */
#define RESULT_COLUMN 40 /* "= result" starts here on short lines */
#define ERRNO_MAX 4095  /* -4095..-1 are errors, as the kernel's IS_ERR_VALUE */

/* ---- building the line ---- */

static void putn(struct strace_line *l, const char *s, size_t n)
{
	size_t room = sizeof(l->s) - 1 - l->len;
	if (n > room)
		n = room;
	memcpy(l->s + l->len, s, n);
	l->len += n;
	l->s[l->len] = 0;
}

static void put(struct strace_line *l, const char *s)
{
	putn(l, s, strlen(s));
}

__attribute__((format(printf, 2, 3))) static void putf(struct strace_line *l, const char *fmt,
						      ...)
{
	char tmp[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		putn(l, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

static void put_ptr(struct strace_line *l, uint64_t va)
{
	if (va)
		putf(l, "%#" PRIx64, va);
	else
		put(l, "NULL");
}

/* ---- guest memory ---- */

static bool peek(struct strace_line *l, void *dst, uint64_t va, size_t n)
{
	return l->read(l->read_ctx, dst, va, n) == n;
}

/* Reads a NUL-terminated string of at most max bytes, one page at a time
 * so that nothing past its end is touched. Returns its length, max when
 * there is no NUL within max bytes, or -1 on a fault. */
static long peek_str(struct strace_line *l, char *dst, uint64_t va, size_t max)
{
	size_t done = 0;
	while (done < max) {
		size_t n = PAGE_SIZE - ((va + done) & (PAGE_SIZE - 1));
		if (n > max - done)
			n = max - done;
		size_t got = l->read(l->read_ctx, dst + done, va + done, n);
		const char *nul = memchr(dst + done, 0, got);
		if (nul)
			return nul - dst;
		done += got;
		if (got < n)
			return -1;
	}
	return (long)max;
}

/* ---- strings ---- */

/* strace's quoting: C escapes for the usual controls, octal for other
 * bytes (three digits only when a digit follows), or all hex. */
static void quote(struct strace_line *l, const uint8_t *s, size_t n, bool hex, bool more)
{
	put(l, "\"");
	for (size_t i = 0; i < n; i++) {
		uint8_t c = s[i];
		const char *esc = NULL;
		switch (c) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\t': esc = "\\t"; break;
		case '\n': esc = "\\n"; break;
		case '\v': esc = "\\v"; break;
		case '\f': esc = "\\f"; break;
		case '\r': esc = "\\r"; break;
		}
		if (hex)
			putf(l, "\\x%02x", c);
		else if (esc)
			put(l, esc);
		else if (c >= 0x20 && c < 0x7f)
			putn(l, (const char *)&c, 1);
		else if (i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '9')
			putf(l, "\\%03o", c);
		else
			putf(l, "\\%o", c);
	}
	put(l, "\"");
	if (more)
		put(l, "...");
}

/* A buffer of len bytes (write, read): at most STRLEN_MAX shown. */
static void put_buf(struct strace_line *l, uint64_t va, uint64_t len, bool hex)
{
	uint8_t buf[STRLEN_MAX];
	size_t n = len < STRLEN_MAX ? (size_t)len : STRLEN_MAX;
	if (!va)
		put(l, "NULL");
	else if (!peek(l, buf, va, n))
		put_ptr(l, va);
	else
		quote(l, buf, n, hex, len > n);
}

/* A NUL-terminated string; max is STRLEN_MAX, or PATH_MAX for paths,
 * which strace shows whole. */
static void put_str(struct strace_line *l, uint64_t va, size_t max)
{
	char buf[PATH_MAX + 1];
	long n = va ? peek_str(l, buf, va, max + 1) : -1;
	if (n < 0)
		put_ptr(l, va);
	else
		quote(l, (const uint8_t *)buf, (size_t)n > max ? max : (size_t)n, false,
		      (size_t)n > max);
}

/* ---- symbolic values ---- */

struct sym {
	uint64_t val;
	const char *name;
};

#define SYM(x) {(uint64_t)(x), #x}
#define N(tab) (sizeof(tab) / sizeof((tab)[0]))

static void put_sym(struct strace_line *l, uint64_t v, const struct sym *tab, size_t n,
		    const char *prefix)
{
	for (size_t i = 0; i < n; i++) {
		if (tab[i].val == v) {
			put(l, tab[i].name);
			return;
		}
	}
	putf(l, "%#" PRIx64 " /* %s_??? */", v, prefix);
}

/* Names of the set flags joined by '|', in table order (entries of several
 * bits first where they overlap), then what is left in hex. */
static void put_flags(struct strace_line *l, uint64_t v, const struct sym *tab, size_t n)
{
	bool any = false;
	for (size_t i = 0; i < n; i++) {
		if ((v & tab[i].val) == tab[i].val) {
			putf(l, "%s%s", any ? "|" : "", tab[i].name);
			v &= ~tab[i].val;
			any = true;
		}
	}
	if (v)
		putf(l, "%s%#" PRIx64, any ? "|" : "", v);
	else if (!any)
		put(l, "0");
}

/* The same, with a name of its own for no flags at all (PROT_NONE, F_OK). */
static void put_flags_or(struct strace_line *l, uint64_t v, const struct sym *tab, size_t n,
			 const char *none)
{
	if (v)
		put_flags(l, v, tab, n);
	else
		put(l, none);
}

/* In strace's order. */
static const struct sym open_flags[] = {
	SYM(O_CREAT), SYM(O_EXCL), SYM(O_NOCTTY), SYM(O_TRUNC), SYM(O_APPEND),
	SYM(O_NONBLOCK), SYM(O_SYNC), SYM(O_DSYNC), SYM(O_DIRECT),
	{KERNEL_O_LARGEFILE, "O_LARGEFILE"}, SYM(O_NOFOLLOW), SYM(O_NOATIME),
	SYM(O_CLOEXEC), SYM(O_PATH), SYM(O_TMPFILE), SYM(O_DIRECTORY), SYM(FASYNC),
};

static void put_open_flags(struct strace_line *l, uint64_t v)
{
	static const char *const acc[] = {"O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE"};
	put(l, acc[v & O_ACCMODE]);
	v &= ~(uint64_t)O_ACCMODE;
	if (v) {
		put(l, "|");
		put_flags(l, v, open_flags, N(open_flags));
	}
}

static const struct sym prot_flags[] = {
	SYM(PROT_READ), SYM(PROT_WRITE), SYM(PROT_EXEC), {0x8, "PROT_SEM"}, /* not in glibc */
	SYM(PROT_GROWSDOWN), SYM(PROT_GROWSUP),
};

static const struct sym msync_flags[] = {SYM(MS_ASYNC), SYM(MS_INVALIDATE), SYM(MS_SYNC)};

static const struct sym map_flags[] = {
	SYM(MAP_SHARED_VALIDATE), SYM(MAP_SHARED), SYM(MAP_PRIVATE), SYM(MAP_FIXED),
	SYM(MAP_ANONYMOUS), SYM(MAP_32BIT), SYM(MAP_NORESERVE), SYM(MAP_POPULATE),
	SYM(MAP_NONBLOCK), SYM(MAP_GROWSDOWN), SYM(MAP_DENYWRITE), SYM(MAP_EXECUTABLE),
	SYM(MAP_LOCKED), SYM(MAP_STACK), SYM(MAP_HUGETLB), SYM(MAP_SYNC),
	SYM(MAP_FIXED_NOREPLACE),
};

static const struct sym madv_names[] = {
	SYM(MADV_NORMAL), SYM(MADV_RANDOM), SYM(MADV_SEQUENTIAL), SYM(MADV_WILLNEED),
	SYM(MADV_DONTNEED), SYM(MADV_FREE), SYM(MADV_REMOVE), SYM(MADV_DONTFORK),
	SYM(MADV_DOFORK), SYM(MADV_MERGEABLE), SYM(MADV_UNMERGEABLE), SYM(MADV_HUGEPAGE),
	SYM(MADV_NOHUGEPAGE), SYM(MADV_DONTDUMP), SYM(MADV_DODUMP), SYM(MADV_POPULATE_READ),
	SYM(MADV_POPULATE_WRITE), SYM(MADV_WIPEONFORK), SYM(MADV_KEEPONFORK), SYM(MADV_COLD),
	SYM(MADV_PAGEOUT),
};

static const struct sym at_flags[] = {
	SYM(AT_SYMLINK_NOFOLLOW), SYM(AT_REMOVEDIR), SYM(AT_SYMLINK_FOLLOW),
	SYM(AT_NO_AUTOMOUNT), SYM(AT_EMPTY_PATH),
};

static const struct sym access_modes[] = {SYM(R_OK), SYM(W_OK), SYM(X_OK)};

static const struct sym access_flags[] = {
	SYM(AT_SYMLINK_NOFOLLOW), SYM(AT_EACCESS), SYM(AT_EMPTY_PATH),
};

static const struct sym whence_names[] = {
	SYM(SEEK_SET), SYM(SEEK_CUR), SYM(SEEK_END), SYM(SEEK_DATA), SYM(SEEK_HOLE),
};

static const struct sym ioctl_names[] = {
	SYM(TCGETS), SYM(TCSETS), SYM(TCSETSW), SYM(TCSETSF), SYM(TIOCSCTTY),
	SYM(TIOCGPGRP), SYM(TIOCSPGRP), SYM(TIOCGWINSZ), SYM(TIOCSWINSZ), SYM(FIONREAD),
	SYM(FIONBIO), SYM(FIONCLEX), SYM(FIOCLEX), SYM(TIOCNOTTY), SYM(TIOCGSID),
	SYM(TIOCOUTQ), SYM(TCFLSH), SYM(TCXONC), SYM(TIOCGPTN), SYM(TIOCSPTLCK),
	SYM(TIOCGPTLCK), SYM(TIOCGPTPEER), SYM(TIOCPKT), SYM(TIOCGPKT), SYM(TIOCGETD),
};

static const struct sym fcntl_cmds[] = {
	SYM(F_DUPFD), SYM(F_GETFD), SYM(F_SETFD), SYM(F_GETFL), SYM(F_SETFL),
	SYM(F_GETLK), SYM(F_SETLK), SYM(F_SETLKW), SYM(F_SETOWN), SYM(F_GETOWN),
	SYM(F_DUPFD_CLOEXEC), SYM(F_OFD_GETLK), SYM(F_OFD_SETLK), SYM(F_OFD_SETLKW),
};

static const struct sym lock_types[] = {SYM(F_RDLCK), SYM(F_WRLCK), SYM(F_UNLCK)};

static const struct sym flock_ops[] = {SYM(LOCK_SH), SYM(LOCK_EX), SYM(LOCK_UN), SYM(LOCK_NB)};

static const struct sym fd_flags[] = {SYM(FD_CLOEXEC)};

static const struct sym arch_codes[] = {
	SYM(ARCH_SET_GS), SYM(ARCH_SET_FS), SYM(ARCH_GET_FS), SYM(ARCH_GET_GS),
	SYM(ARCH_GET_CPUID), SYM(ARCH_SET_CPUID),
};

static const struct sym prctl_options[] = {
	SYM(PR_SET_PDEATHSIG), SYM(PR_GET_PDEATHSIG), SYM(PR_GET_DUMPABLE),
	SYM(PR_SET_DUMPABLE), SYM(PR_SET_NAME), SYM(PR_GET_NAME),
	SYM(PR_SET_NO_NEW_PRIVS), SYM(PR_GET_NO_NEW_PRIVS), SYM(PR_SET_VMA),
};

static const struct sym rlimit_names[] = {
	SYM(RLIMIT_CPU), SYM(RLIMIT_FSIZE), SYM(RLIMIT_DATA), SYM(RLIMIT_STACK),
	SYM(RLIMIT_CORE), SYM(RLIMIT_RSS), SYM(RLIMIT_NPROC), SYM(RLIMIT_NOFILE),
	SYM(RLIMIT_MEMLOCK), SYM(RLIMIT_AS), SYM(RLIMIT_LOCKS), SYM(RLIMIT_SIGPENDING),
	SYM(RLIMIT_MSGQUEUE), SYM(RLIMIT_NICE), SYM(RLIMIT_RTPRIO), SYM(RLIMIT_RTTIME),
};

static const struct sym itimer_names[] = {SYM(ITIMER_REAL), SYM(ITIMER_VIRTUAL), SYM(ITIMER_PROF)};

static const struct sym clock_names[] = {
	SYM(CLOCK_REALTIME), SYM(CLOCK_MONOTONIC), SYM(CLOCK_PROCESS_CPUTIME_ID),
	SYM(CLOCK_THREAD_CPUTIME_ID), SYM(CLOCK_MONOTONIC_RAW), SYM(CLOCK_REALTIME_COARSE),
	SYM(CLOCK_MONOTONIC_COARSE), SYM(CLOCK_BOOTTIME), SYM(CLOCK_REALTIME_ALARM),
	SYM(CLOCK_BOOTTIME_ALARM), SYM(CLOCK_TAI),
};

static const struct sym timer_flags[] = {SYM(TIMER_ABSTIME)};

/* inotify (hI): watch masks and inotify_init1's flags, in bit order. */
static const struct sym inotify_flags[] = {
	SYM(IN_ACCESS), SYM(IN_MODIFY), SYM(IN_ATTRIB), SYM(IN_CLOSE_WRITE),
	SYM(IN_CLOSE_NOWRITE), SYM(IN_OPEN), SYM(IN_MOVED_FROM), SYM(IN_MOVED_TO),
	SYM(IN_CREATE), SYM(IN_DELETE), SYM(IN_DELETE_SELF), SYM(IN_MOVE_SELF),
	SYM(IN_UNMOUNT), SYM(IN_Q_OVERFLOW), SYM(IN_IGNORED), SYM(IN_ONLYDIR),
	SYM(IN_DONT_FOLLOW), SYM(IN_EXCL_UNLINK), SYM(IN_MASK_CREATE), SYM(IN_MASK_ADD),
	SYM(IN_ISDIR), SYM(IN_ONESHOT),
};
static const struct sym inotify_init_flags[] = {SYM(IN_NONBLOCK), SYM(IN_CLOEXEC)};

static const struct sym sighow_names[] = {SYM(SIG_BLOCK), SYM(SIG_UNBLOCK), SYM(SIG_SETMASK)};

static const struct sym grnd_flags[] = {SYM(GRND_NONBLOCK), SYM(GRND_RANDOM), SYM(GRND_INSECURE)};

static const struct sym poll_events[] = {
	SYM(POLLIN), SYM(POLLPRI), SYM(POLLOUT), SYM(POLLERR), SYM(POLLHUP), SYM(POLLNVAL),
	SYM(POLLRDNORM), SYM(POLLRDBAND), SYM(POLLWRNORM), SYM(POLLWRBAND), SYM(POLLMSG),
	SYM(POLLRDHUP),
};

static const struct sym rusage_who[] = {
	SYM(RUSAGE_SELF), SYM(RUSAGE_CHILDREN), SYM(RUSAGE_THREAD),
};

static const struct sym file_types[] = {
	SYM(S_IFREG), SYM(S_IFDIR), SYM(S_IFCHR), SYM(S_IFBLK), SYM(S_IFIFO), SYM(S_IFLNK),
	SYM(S_IFSOCK),
};

/* MAP_HUGE_2MB and friends: a page-size order in bits 26..31. */
#define MAP_HUGE_BITS (0x3fULL << MAP_HUGE_SHIFT)

static void put_map_flags(struct strace_line *l, uint64_t v)
{
	uint64_t huge = (v & MAP_HUGE_BITS) >> MAP_HUGE_SHIFT;
	v &= ~MAP_HUGE_BITS;
	if (v || !huge)
		put_flags(l, v, map_flags, N(map_flags));
	if (huge)
		putf(l, "%s%" PRIu64 "<<MAP_HUGE_SHIFT", v ? "|" : "", huge);
}

/* An ioctl request strace has no name for, decoded like strace does. */
static void put_ioctl(struct strace_line *l, uint64_t req)
{
	for (size_t i = 0; i < N(ioctl_names); i++) {
		if (ioctl_names[i].val == req) {
			put(l, ioctl_names[i].name);
			return;
		}
	}
	static const char *const dirs[] = {"_IOC_NONE", "_IOC_WRITE", "_IOC_READ",
					   "_IOC_READ|_IOC_WRITE"};
	putf(l, "_IOC(%s, %#x, %#x, %#x)", dirs[(req >> _IOC_DIRSHIFT) & _IOC_DIRMASK],
	     (unsigned)(req >> _IOC_TYPESHIFT) & _IOC_TYPEMASK,
	     (unsigned)(req >> _IOC_NRSHIFT) & _IOC_NRMASK,
	     (unsigned)(req >> _IOC_SIZESHIFT) & _IOC_SIZEMASK);
}

static void put_signal(struct strace_line *l, uint64_t sig)
{
	const char *abbrev = sig < 32 ? sigabbrev_np((int)sig) : NULL;
	if (abbrev)
		putf(l, "SIG%s", abbrev);
	else if (sig == 32)
		put(l, "SIGRTMIN");
	else if (sig > 32 && sig <= 64)
		putf(l, "SIGRT_%d", (int)sig - 32);
	else
		putf(l, "%d", (int)sig);
}

/* ---- structures ---- */

static void put_rlim_value(struct strace_line *l, uint64_t v)
{
	if (v == UINT64_MAX)
		put(l, "RLIM64_INFINITY");
	else if (v && v % 1024 == 0)
		putf(l, "%" PRIu64 "*1024", v / 1024);
	else
		putf(l, "%" PRIu64, v);
}

static void put_rlimit(struct strace_line *l, uint64_t va)
{
	uint64_t r[2];
	if (!va || !peek(l, r, va, sizeof(r))) {
		put_ptr(l, va);
		return;
	}
	put(l, "{rlim_cur=");
	put_rlim_value(l, r[0]);
	put(l, ", rlim_max=");
	put_rlim_value(l, r[1]);
	put(l, "}");
}

static void put_time(struct strace_line *l, uint64_t va, const char *frac)
{
	int64_t t[2];
	if (!va || !peek(l, t, va, sizeof(t)))
		put_ptr(l, va);
	else
		putf(l, "{tv_sec=%" PRId64 ", %s=%" PRId64 "}", t[0], frac, t[1]);
}

/* struct itimerval: two timevals. */
static void put_itimerval(struct strace_line *l, uint64_t va)
{
	int64_t t[4];
	if (!va || !peek(l, t, va, sizeof(t)))
		put_ptr(l, va);
	else
		putf(l,
		     "{it_interval={tv_sec=%" PRId64 ", tv_usec=%" PRId64 "}, it_value={tv_sec=%" PRId64
		     ", tv_usec=%" PRId64 "}}",
		     t[0], t[1], t[2], t[3]);
}

/* struct stat is the same on the host (x86-64 kernel layout). */
static void put_stat(struct strace_line *l, uint64_t va)
{
	struct stat st;
	if (!va || !peek(l, &st, va, sizeof(st))) {
		put_ptr(l, va);
		return;
	}
	put(l, "{st_mode=");
	put_flags(l, st.st_mode & S_IFMT, file_types, N(file_types));
	putf(l, "|0%03o, ", st.st_mode & 07777);
	if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
		putf(l, "st_rdev=makedev(%#x, %#x)", major(st.st_rdev), minor(st.st_rdev));
	else
		putf(l, "st_size=%lld", (long long)st.st_size);
	put(l, ", ...}");
}

#define UTS_FIELD 65 /* each field of the kernel's struct new_utsname */

static void put_utsname(struct strace_line *l, uint64_t va)
{
	char u[2][UTS_FIELD];
	if (!va || !peek(l, u, va, sizeof(u))) {
		put_ptr(l, va);
		return;
	}
	put(l, "{sysname=");
	quote(l, (const uint8_t *)u[0], strnlen(u[0], UTS_FIELD), false, false);
	put(l, ", nodename=");
	quote(l, (const uint8_t *)u[1], strnlen(u[1], UTS_FIELD), false, false);
	put(l, ", ...}");
}

static void put_cpuset(struct strace_line *l, uint64_t va, uint64_t len)
{
	uint8_t mask[128];
	size_t n = len < sizeof(mask) ? (size_t)len : sizeof(mask);
	if (!peek(l, mask, va, n)) {
		put_ptr(l, va);
		return;
	}
	put(l, "[");
	const char *sep = "";
	for (size_t bit = 0; bit < n * 8; bit++) {
		if (mask[bit / 8] & (1u << (bit % 8))) {
			putf(l, "%s%zu", sep, bit);
			sep = " ";
		}
	}
	put(l, "]");
}

/* poll's array as it goes in: [{fd=0, events=POLLIN}]. */
static void put_pollfds(struct strace_line *l, uint64_t va, uint64_t n)
{
	struct pollfd p;
	if (!va || !peek(l, &p, va, sizeof(p))) {
		put_ptr(l, va);
		return;
	}
	put(l, "[");
	for (uint64_t i = 0; i < n; i++) {
		if (i == ARRAY_MAX || (i > 0 && !peek(l, &p, va + i * sizeof(p), sizeof(p)))) {
			put(l, ", ...");
			break;
		}
		putf(l, "%s{fd=%d, events=", i ? ", " : "", p.fd);
		put_flags(l, (uint16_t)p.events, poll_events, N(poll_events));
		put(l, "}");
	}
	put(l, "]");
}

/* getdents64's buffer: the pointer and how many entries it got. */
static void put_dirents(struct strace_line *l, uint64_t va, uint64_t len)
{
	unsigned entries = 0;
	uint16_t reclen;
	for (uint64_t off = 0; off < len; off += reclen, entries++) {
		uint64_t at = va + off + offsetof(struct dirent64, d_reclen);
		if (!peek(l, &reclen, at, sizeof(reclen)) || !reclen)
			break;
	}
	putf(l, "%#" PRIx64 " /* %u entries */", va, entries);
}

/* An iovec array; an OUT array shows only the total bytes transferred. */
static void put_iov(struct strace_line *l, uint64_t va, uint64_t cnt, uint64_t total)
{
	uint64_t iov[2];
	if (!va || !peek(l, iov, va, sizeof(iov))) {
		put_ptr(l, va);
		return;
	}
	put(l, "[");
	for (uint64_t i = 0; i < cnt; i++) {
		if (i == ARRAY_MAX || (i > 0 && !peek(l, iov, va + i * sizeof(iov), sizeof(iov)))) {
			put(l, ", ...");
			break;
		}
		uint64_t shown = iov[1] < total ? iov[1] : total;
		total -= shown;
		put(l, i ? ", {iov_base=" : "{iov_base=");
		put_buf(l, iov[0], shown, false);
		putf(l, ", iov_len=%" PRIu64 "}", iov[1]);
	}
	put(l, "]");
}

/* fcntl's record-lock commands take a struct flock. */
static bool is_lock_cmd(uint64_t cmd)
{
	return cmd == F_GETLK || cmd == F_SETLK || cmd == F_SETLKW || cmd == F_OFD_GETLK ||
	       cmd == F_OFD_SETLK || cmd == F_OFD_SETLKW;
}

/* {l_type=F_WRLCK, l_whence=SEEK_SET, l_start=0, l_len=0}, and l_pid
 * after F_GETLK, as strace shows it. */
static void put_flock(struct strace_line *l, uint64_t va, bool with_pid)
{
	struct flock fl;
	if (!peek(l, &fl, va, sizeof(fl))) {
		put_ptr(l, va);
		return;
	}
	put(l, "{l_type=");
	put_sym(l, (uint64_t)(uint16_t)fl.l_type, lock_types, N(lock_types), "F");
	put(l, ", l_whence=");
	put_sym(l, (uint64_t)(uint16_t)fl.l_whence, whence_names, N(whence_names), "SEEK");
	putf(l, ", l_start=%lld, l_len=%lld", (long long)fl.l_start, (long long)fl.l_len);
	if (with_pid)
		putf(l, ", l_pid=%d", (int)fl.l_pid);
	put(l, "}");
}

/* ---- arguments ---- */

static bool is_output(unsigned kind, const uint64_t a[6], int i)
{
	switch (kind) {
	case SA_BUF_OUT: case SA_HEXBUF_OUT: case SA_STR_OUT: case SA_IOV_OUT:
	case SA_RLIMIT_OUT: case SA_TIMESPEC_OUT: case SA_TIMEVAL_OUT: case SA_STAT_OUT:
	case SA_ITIMERVAL_OUT:
	case SA_UTSNAME_OUT: case SA_CPUSET_OUT: case SA_PIPEFD_OUT: case SA_DIRENTS_OUT:
		return true;
	case SA_ARCH_ADDR:
		return a[i - 1] == ARCH_GET_FS || a[i - 1] == ARCH_GET_GS;
	case SA_PRCTL_ARG:
		return a[i - 1] == PR_GET_NAME;
	case SA_FCNTL_ARG:
		return a[i - 1] == F_GETLK || a[i - 1] == F_OFD_GETLK;
	default:
		return false;
	}
}

/* Arguments the call does not read are left out, as strace does. */
static bool is_shown(unsigned kind, const uint64_t a[6], int i)
{
	switch (kind) {
	case SA_OPEN_MODE:
		return (a[i - 1] & O_CREAT) || (a[i - 1] & O_TMPFILE) == O_TMPFILE;
	case SA_FCNTL_ARG:
		return a[i - 1] != F_GETFD && a[i - 1] != F_GETFL && a[i - 1] != F_GETOWN;
	default:
		return true;
	}
}

static void put_arg(struct strace_line *l, unsigned kind, const uint64_t a[6], int i, int64_t ret)
{
	uint64_t v = a[i];
	if (is_output(kind, a, i) && ret < 0) {
		put_ptr(l, v); /* nothing was written */
		return;
	}
	switch (kind) {
	case SA_INT: putf(l, "%d", (int)v); break;
	case SA_LONG: putf(l, "%" PRId64, (int64_t)v); break;
	case SA_ULONG: putf(l, "%" PRIu64, v); break;
	case SA_HEX: putf(l, "%#" PRIx64, v); break;
	case SA_PTR: put_ptr(l, v); break;
	case SA_OCT:
	case SA_OPEN_MODE: putf(l, "0%02" PRIo64, v); break;
	case SA_DIRFD:
		if ((int)v == AT_FDCWD)
			put(l, "AT_FDCWD");
		else
			putf(l, "%d", (int)v);
		break;
	case SA_PATH:
	case SA_STR_OUT: put_str(l, v, PATH_MAX); break;
	case SA_BUF_IN: put_buf(l, v, a[i + 1], false); break;
	case SA_BUF_OUT: put_buf(l, v, (uint64_t)ret, false); break;
	case SA_HEXBUF_OUT: put_buf(l, v, (uint64_t)ret, true); break;
	case SA_IOV_IN: put_iov(l, v, a[i + 1], UINT64_MAX); break;
	case SA_IOV_OUT: put_iov(l, v, a[i + 1], (uint64_t)ret); break;
	case SA_OPEN_FLAGS: put_open_flags(l, v); break;
	case SA_FD_FLAGS: put_flags(l, v, open_flags, N(open_flags)); break;
	case SA_PROT: put_flags_or(l, v, prot_flags, N(prot_flags), "PROT_NONE"); break;
	case SA_MAP_FLAGS: put_map_flags(l, v); break;
	case SA_MADV: put_sym(l, v, madv_names, N(madv_names), "MADV"); break;
	case SA_MSYNC_FLAGS: put_flags(l, v, msync_flags, N(msync_flags)); break;
	case SA_AT_FLAGS: put_flags(l, v, at_flags, N(at_flags)); break;
	case SA_ACCESS_MODE: put_flags_or(l, v, access_modes, N(access_modes), "F_OK"); break;
	case SA_ACCESS_FLAGS: put_flags(l, v, access_flags, N(access_flags)); break;
	case SA_WHENCE: put_sym(l, v, whence_names, N(whence_names), "SEEK"); break;
	case SA_IOCTL_REQ: put_ioctl(l, v); break;
	case SA_FCNTL_CMD: put_sym(l, v, fcntl_cmds, N(fcntl_cmds), "F"); break;
	case SA_FCNTL_ARG:
		if (a[i - 1] == F_SETFD)
			put_flags(l, v, fd_flags, N(fd_flags));
		else if (a[i - 1] == F_SETFL)
			put_open_flags(l, v);
		else if (is_lock_cmd(a[i - 1]))
			put_flock(l, v, is_output(kind, a, i));
		else
			putf(l, "%d", (int)v);
		break;
	case SA_ARCH_CODE: put_sym(l, v, arch_codes, N(arch_codes), "ARCH"); break;
	case SA_ARCH_ADDR:
		if (is_output(kind, a, i)) {
			uint64_t base;
			if (peek(l, &base, v, sizeof(base)))
				putf(l, "[%#" PRIx64 "]", base);
			else
				put_ptr(l, v);
		} else {
			putf(l, "%#" PRIx64, v);
		}
		break;
	case SA_PRCTL_OPT: put_sym(l, v, prctl_options, N(prctl_options), "PR"); break;
	case SA_PRCTL_ARG:
		if (a[i - 1] == PR_SET_NAME || a[i - 1] == PR_GET_NAME)
			put_str(l, v, STRLEN_MAX);
		else
			putf(l, "%#" PRIx64, v);
		break;
	case SA_RLIMIT_RES: put_sym(l, v, rlimit_names, N(rlimit_names), "RLIMIT"); break;
	case SA_RLIMIT_IN:
	case SA_RLIMIT_OUT: put_rlimit(l, v); break;
	case SA_CLOCKID: put_sym(l, v, clock_names, N(clock_names), "CLOCK"); break;
	case SA_TIMER_FLAGS: put_flags(l, v, timer_flags, N(timer_flags)); break;
	case SA_TIMESPEC_IN:
	case SA_TIMESPEC_OUT: put_time(l, v, "tv_nsec"); break;
	case SA_TIMEVAL_OUT: put_time(l, v, "tv_usec"); break;
	case SA_ITIMER_WHICH: put_sym(l, v, itimer_names, N(itimer_names), "ITIMER"); break;
	case SA_ITIMERVAL_IN:
	case SA_ITIMERVAL_OUT: put_itimerval(l, v); break;
	case SA_STAT_OUT: put_stat(l, v); break;
	case SA_UTSNAME_OUT: put_utsname(l, v); break;
	case SA_CPUSET_OUT: put_cpuset(l, v, (uint64_t)ret); break;
	case SA_SIGNAL: put_signal(l, v); break;
	case SA_SIGHOW: put_sym(l, v, sighow_names, N(sighow_names), "SIG"); break;
	case SA_GRND_FLAGS: put_flags(l, v, grnd_flags, N(grnd_flags)); break;
	case SA_RUSAGE_WHO:
		put_sym(l, (uint64_t)(int64_t)(int)v, rusage_who, N(rusage_who), "RUSAGE");
		break;
	case SA_DIRENTS_OUT: put_dirents(l, v, (uint64_t)ret); break;
	case SA_POLLFDS: put_pollfds(l, v, a[i + 1]); break;
	case SA_FLOCK_OP: put_flags(l, v, flock_ops, N(flock_ops)); break;
	case SA_INOTIFY_MASK: put_flags(l, (uint32_t)v, inotify_flags, N(inotify_flags)); break;
	case SA_INOTIFY_FLAGS: put_flags(l, v, inotify_init_flags, N(inotify_init_flags)); break;
	case SA_PIPEFD_OUT: {
		int fds[2];
		if (peek(l, fds, v, sizeof(fds)))
			putf(l, "[%d, %d]", fds[0], fds[1]);
		else
			put_ptr(l, v);
		break;
	}
	}
}

/* Prints the arguments from l->next_arg on; before the call (!exiting)
 * it stops at the first one the call fills in. */
static void put_args(struct strace_line *l, const struct syscall_desc *d, const uint64_t a[6],
		     int64_t ret, bool exiting)
{
	for (; l->next_arg < d->nargs; l->next_arg++) {
		int i = l->next_arg;
		unsigned kind = d->arg[i];
		if (!exiting && is_output(kind, a, i))
			return;
		if (!is_shown(kind, a, i))
			continue;
		if (i > 0)
			put(l, ", ");
		put_arg(l, kind, a, i, ret);
	}
}

/* ---- the call and its result ---- */

static const struct syscall_desc unknown = {
	.nargs = 6, .arg = {SA_HEX, SA_HEX, SA_HEX, SA_HEX, SA_HEX, SA_HEX}, .ret = SR_DEC,
};

void strace_enter(struct strace_line *l, const struct syscall_desc *d, uint64_t nr,
		  const uint64_t a[6])
{
	l->len = 0;
	l->s[0] = 0;
	l->next_arg = 0;
	if (d)
		putf(l, "%s(", d->name);
	else
		putf(l, "syscall_%#" PRIx64 "(", nr);
	put_args(l, d ? d : &unknown, a, 0, false);
}

static void put_result_column(struct strace_line *l)
{
	put(l, ") ");
	while (l->len < RESULT_COLUMN)
		put(l, " ");
	put(l, "= ");
}

static void put_ret(struct strace_line *l, const struct syscall_desc *d, const uint64_t a[6],
		    int64_t ret)
{
	if (ret < 0 && ret >= -ERRNO_MAX) {
		int err = (int)-ret;
		const char *name = strerrorname_np(err);
		if (name)
			putf(l, "-1 %s (%s)", name, strerrordesc_np(err));
		else
			putf(l, "-1 ERRNO_%d (Unknown error %d)", err, err);
		return;
	}
	if (d->ret == SR_HEX) {
		putf(l, "%#" PRIx64, (uint64_t)ret);
	} else if (d->ret == SR_OCT) {
		putf(l, "%#" PRIo64, (uint64_t)ret); /* strace's RVAL_OCTAL */
	} else if (d->ret == SR_FCNTL && ret > 0 && a[1] == F_GETFD) {
		putf(l, "%#" PRIx64 " (flags ", (uint64_t)ret);
		put_flags(l, (uint64_t)ret, fd_flags, N(fd_flags));
		put(l, ")");
	} else if (d->ret == SR_FCNTL && a[1] == F_GETFL) {
		putf(l, "%#" PRIx64 " (flags ", (uint64_t)ret);
		put_open_flags(l, (uint64_t)ret);
		put(l, ")");
	} else {
		putf(l, "%" PRId64, ret);
	}
}

void strace_exit(struct strace_line *l, const struct syscall_desc *d, const uint64_t a[6],
		 int64_t ret)
{
	if (!d)
		d = &unknown;
	put_args(l, d, a, ret, true);
	put_result_column(l);
	put_ret(l, d, a, ret);
}

void strace_noreturn(struct strace_line *l)
{
	put_result_column(l);
	put(l, "?");
}
