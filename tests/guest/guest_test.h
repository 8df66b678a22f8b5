/* guest_test.h - tiny helpers shared by the guest test programs.
 *
 * Every guest program checks itself: it exits 0 when all is well, and on
 * the first failed check it prints one line "FAIL: <what> ..." on stderr and
 * exits 1. The programs are plain C on libc and Linux system calls, built
 * static with musl and glibc (and glibc static-pie), and must behave the
 * same natively and under vmemu: Linux is the oracle. */
#ifndef GUEST_TEST_H
#define GUEST_TEST_H

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define PAGE 4096UL

static inline void fail(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static inline void fail(const char *fmt, ...)
{
	va_list ap;
	fflush(stdout);
	fputs("FAIL: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* CHECK(cond, "what went wrong: got %d", x) */
#define CHECK(cond, ...)                                                                    \
	do {                                                                                \
		if (!(cond))                                                                \
			fail(__VA_ARGS__);                                                  \
	} while (0)

/* Checks that a call returned -1 with errno == want; "what" names the call. */
#define CHECK_ERRNO(ret, want, what)                                                        \
	do {                                                                                \
		long ret_ = (long)(ret);                                                    \
		int err_ = errno;                                                           \
		if (ret_ != -1 || err_ != (want))                                           \
			fail("%s returned %ld (errno %d %s), expected -1 with %s", (what),  \
			     ret_, ret_ == -1 ? err_ : 0,                                   \
			     ret_ == -1 ? strerror(err_) : "-", #want);                     \
	} while (0)

/* The directory for temporary files: $TMPDIR when set, else /tmp. */
static inline const char *tmp_dir(void)
{
	const char *d = getenv("TMPDIR");
	return d && *d ? d : "/tmp";
}

/* A counter of /proc/vmstat (fails when it is missing). */
static inline long proc_vmstat(const char *name)
{
	FILE *f = fopen("/proc/vmstat", "r");
	char key[64];
	long v, found = -1;
	CHECK(f, "open /proc/vmstat: %s", strerror(errno));
	while (fscanf(f, "%63s %ld", key, &v) == 2)
		if (!strcmp(key, name))
			found = v;
	fclose(f);
	CHECK(found >= 0, "no %s in /proc/vmstat", name);
	return found;
}

/* A field of /proc/self/smaps (in kB, or THPeligible's number) for the
 * VMA that starts at va: smaps_kb(p, "Rss"). */
static inline long smaps_kb(const void *va, const char *field)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	CHECK(f != NULL, "open /proc/self/smaps: %s", strerror(errno));
	char line[512];
	int in = 0;
	long kb = -1;
	size_t n = strlen(field);
	while (fgets(line, sizeof(line), f)) {
		unsigned long s, e;
		char sep;
		if (sscanf(line, "%lx-%lx%c", &s, &e, &sep) == 3 && sep == ' ') {
			in = s == (uintptr_t)va;
			continue;
		}
		if (in && !strncmp(line, field, n) && line[n] == ':')
			kb = strtol(line + n + 1, NULL, 10);
	}
	fclose(f);
	CHECK(kb >= 0, "no %s for %p in /proc/self/smaps", field, va);
	return kb;
}

/* The number after "name:" in a file of such lines (/proc/meminfo,
 * /proc/self/status): proc_kb("/proc/meminfo", "Cached"). */
static inline long proc_kb(const char *file, const char *name)
{
	FILE *f = fopen(file, "r");
	CHECK(f != NULL, "open %s: %s", file, strerror(errno));
	char line[256];
	long kb = -1;
	size_t n = strlen(name);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, name, n) && line[n] == ':')
			kb = strtol(line + n + 1, NULL, 10);
	fclose(f);
	CHECK(kb >= 0, "no %s in %s", name, file);
	return kb;
}

/* A call's result as text: the value, or "errno N" (a number: libcs
 * word strerror differently). */
static inline const char *ret_str(long r)
{
	static char buf[32];
	if (r >= 0)
		snprintf(buf, sizeof(buf), "%ld", r);
	else
		snprintf(buf, sizeof(buf), "errno %d", errno);
	return buf;
}

/* Waits for the child pid: its exit status, or 128 + the signal that
 * killed it. */
static inline int child_exit_status(pid_t pid)
{
	int st;
	CHECK(waitpid(pid, &st, 0) == pid, "waitpid: %s", strerror(errno));
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* len bytes of private anonymous memory at a 2 MiB boundary (what is
 * mapped around it for the alignment is unmapped again). */
static inline unsigned char *map_2m_aligned(size_t len)
{
	const size_t huge = 2UL << 20;
	unsigned char *raw = mmap(NULL, len + huge, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(raw != MAP_FAILED, "mmap %zu: %s", len + huge, strerror(errno));
	unsigned char *p = (unsigned char *)(((uintptr_t)raw + huge - 1) & ~(huge - 1));
	if (p > raw)
		CHECK(munmap(raw, (size_t)(p - raw)) == 0, "munmap head: %s", strerror(errno));
	size_t tail = (size_t)(raw + len + huge - (p + len));
	if (tail)
		CHECK(munmap(p + len, tail) == 0, "munmap tail: %s", strerror(errno));
	return p;
}

/* A deterministic pseudo-random sequence (xorshift64). */
static inline unsigned long long rng_next(unsigned long long *s)
{
	unsigned long long x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

#endif
