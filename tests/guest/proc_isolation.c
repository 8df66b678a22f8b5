/* proc_isolation: processes that share no memory cannot see or touch each
 * other's pages.
 * - parent and child both live, each writes its own pattern into the same
 *   private buffer (same virtual addresses), in lock step over pipes; each
 *   keeps seeing only its own bytes;
 * - a page the parent maps after the fork (at a fixed address) does not
 *   exist in the child: the child's load from it dies by SIGSEGV, which the
 *   parent's wait reports; the same the other way: a page the child maps
 *   does not exist for the parent (mprotect of it: ENOMEM; mapping it
 *   anew gives zeros, not the child's bytes);
 * - munmap, mprotect and brk in the child change nothing in the parent;
 * - eight children at once each fill the same buffer with their own value
 *   and check it after the others have written theirs;
 * - registers are private too: each of two processes loads its own values
 *   into xmm0-xmm15, MXCSR and the x87 control word and keeps them live
 *   across a system call that blocks until the other process has loaded
 *   its values (ping-pong over pipes), and across a spin loop that a
 *   time slice ends (preemption); each must get its own values back, as
 *   Linux saves and restores that state on every switch.
 * Output: fixed lines only. */
#include "proc_test.h"

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define BUF_PAGES 16
#define PARENT_PAGE ((unsigned char *)0x300000000000UL)
#define CHILD_PAGE ((unsigned char *)0x310000000000UL)

static void expect_exit0(int status, const char *what)
{
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "%s: status %#x (%s %d), expected exit 0 (the child's FAIL line says why)", what,
	      status, WIFSIGNALED(status) ? "signal" : "exit",
	      WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
}

static void send(int fd, char c)
{
	CHECK(write(fd, &c, 1) == 1, "pipe write: %s", strerror(errno));
}

static char receive(int fd)
{
	char c = 0;
	ssize_t n = read(fd, &c, 1);
	CHECK(n == 1, "pipe read: %s", n < 0 ? strerror(errno) : "end of file");
	return c;
}

static void fill(unsigned char *p, size_t n, unsigned char v)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(v + i / PAGE);
}

static void check(const unsigned char *p, size_t n, unsigned char v, const char *who)
{
	for (size_t i = 0; i < n; i++)
		CHECK(p[i] == (unsigned char)(v + i / PAGE),
		      "%s: byte %zu of the private buffer is %#x, expected %#x", who, i, p[i],
		      (unsigned char)(v + i / PAGE));
}

/* Two live address spaces with different bytes at the same addresses. */
static void lock_step(void)
{
	size_t len = BUF_PAGES * PAGE;
	unsigned char *buf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				  -1, 0);
	CHECK(buf != MAP_FAILED, "mmap: %s", strerror(errno));
	fill(buf, len, 0x11);
	int to_child[2], to_parent[2];
	CHECK(pipe(to_child) == 0 && pipe(to_parent) == 0, "pipe: %s", strerror(errno));
	pid_t pid = xfork();
	if (pid == 0) {
		close(to_child[1]);
		close(to_parent[0]);
		fill(buf, len, 0xc0);          /* 1: the child writes first */
		send(to_parent[1], 'w');
		CHECK(receive(to_child[0]) == 'w', "child: unexpected message");
		check(buf, len, 0xc0, "child, after the parent wrote its copy");
		fill(buf, len / 2, 0xc8);      /* 3: the child writes again */
		send(to_parent[1], 'w');
		CHECK(receive(to_child[0]) == 'q', "child: unexpected message");
		check(buf, len / 2, 0xc8, "child, at the end");
		check(buf + len / 2, len / 2, (unsigned char)(0xc0 + BUF_PAGES / 2),
		      "child, at the end (second half)");
		_exit(0);
	}
	close(to_child[0]);
	close(to_parent[1]);
	CHECK(receive(to_parent[0]) == 'w', "parent: unexpected message");
	check(buf, len, 0x11, "parent, after the child wrote its copy");
	fill(buf, len, 0x50);                  /* 2: the parent writes */
	send(to_child[1], 'w');
	CHECK(receive(to_parent[0]) == 'w', "parent: unexpected message");
	check(buf, len, 0x50, "parent, after the child wrote again");
	send(to_child[1], 'q');
	expect_exit0(wait_for(pid), "lock-step child");
	check(buf, len, 0x50, "parent, after the child exited");
	close(to_child[1]);
	close(to_parent[0]);
	CHECK(munmap(buf, len) == 0, "munmap: %s", strerror(errno));
	puts("private buffers at the same addresses: ok");
}

/* A page mapped by one process after the fork is not in the other. */
static void mapped_after_fork(void)
{
	int go[2], done[2];
	CHECK(pipe(go) == 0 && pipe(done) == 0, "pipe: %s", strerror(errno));
	pid_t pid = xfork();
	if (pid == 0) {
		close(go[1]);
		close(done[0]);
		/* The child maps a page of its own, then waits for the parent's
		 * go: by then the parent has mapped PARENT_PAGE. */
		unsigned char *mine = mmap(CHILD_PAGE, PAGE, PROT_READ | PROT_WRITE,
					   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		CHECK(mine == CHILD_PAGE, "child: mmap at %p: %s", (void *)CHILD_PAGE,
		      strerror(errno));
		memset(mine, 0xee, PAGE);
		send(done[1], 'm');
		CHECK(receive(go[0]) == 'g', "child: unexpected message");
		CHECK(mine[100] == 0xee, "child: its own page changed");
		/* The parent's page: no mapping here, so this load is fatal. */
		unsigned char v = *(volatile unsigned char *)PARENT_PAGE;
		fail("child: loaded %#x from the page the parent mapped after the fork", v);
	}
	close(go[0]);
	close(done[1]);
	CHECK(receive(done[0]) == 'm', "parent: unexpected message");
	unsigned char *page = mmap(PARENT_PAGE, PAGE, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	CHECK(page == PARENT_PAGE, "parent: mmap at %p: %s", (void *)PARENT_PAGE, strerror(errno));
	memset(page, 0x99, PAGE);
	/* The child's page is not ours: mprotect finds nothing there, and a
	 * new mapping at its address reads zeros. */
	CHECK_ERRNO(mprotect(CHILD_PAGE, PAGE, PROT_READ), ENOMEM,
		    "parent: mprotect of the page the child mapped");
	unsigned char *there = mmap(CHILD_PAGE, PAGE, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	CHECK(there == CHILD_PAGE, "parent: mmap at the child's page address: %s",
	      there == MAP_FAILED ? strerror(errno) : "another address");
	for (size_t i = 0; i < PAGE; i++)
		CHECK(there[i] == 0, "parent: byte %zu at the child's page address is %#x", i,
		      there[i]);
	send(go[1], 'g');
	int status = wait_for(pid);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV,
	      "child loading from the parent's new page: status %#x (%s %d), expected SIGSEGV",
	      status, WIFSIGNALED(status) ? "signal" : "exit",
	      WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
	CHECK(page[0] == 0x99 && page[PAGE - 1] == 0x99, "parent: its new page changed");
	CHECK(munmap(page, PAGE) == 0 && munmap(there, PAGE) == 0, "munmap: %s", strerror(errno));
	close(go[1]);
	close(done[0]);
	puts("pages mapped after fork stay private: ok");
}

/* munmap, mprotect and brk in the child leave the parent alone. */
static void child_changes_mappings(void)
{
	size_t len = 4 * PAGE;
	unsigned char *buf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				  -1, 0);
	CHECK(buf != MAP_FAILED, "mmap: %s", strerror(errno));
	fill(buf, len, 0x21);
	/* Raw brk: musl's sbrk only reads the break. */
	unsigned long brk0 = (unsigned long)syscall(SYS_brk, 0UL);
	pid_t pid = xfork();
	if (pid == 0) {
		CHECK(munmap(buf, 2 * PAGE) == 0, "child: munmap: %s", strerror(errno));
		CHECK(mprotect(buf + 2 * PAGE, PAGE, PROT_NONE) == 0, "child: mprotect: %s",
		      strerror(errno));
		unsigned long want = brk0 + 16 * PAGE;
		CHECK((unsigned long)syscall(SYS_brk, want) == want, "child: brk did not grow");
		memset((void *)brk0, 0x42, 16 * PAGE);
		_exit(0);
	}
	expect_exit0(wait_for(pid), "child changing its mappings");
	check(buf, len, 0x21, "parent, after the child unmapped and protected its copy");
	fill(buf, len, 0x31);
	check(buf, len, 0x31, "parent, storing after the child's munmap/mprotect");
	CHECK((unsigned long)syscall(SYS_brk, 0UL) == brk0,
	      "parent: the break moved when the child's did");
	CHECK(munmap(buf, len) == 0, "munmap: %s", strerror(errno));
	puts("munmap, mprotect, brk in the child: ok");
}

/* Eight children write the same buffer at once; each sees only its own. */
static void many_children(void)
{
	enum { N = 8 };
	size_t len = BUF_PAGES * PAGE;
	unsigned char *buf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				  -1, 0);
	CHECK(buf != MAP_FAILED, "mmap: %s", strerror(errno));
	fill(buf, len, 0x01);
	int ready[2], go[2];
	CHECK(pipe(ready) == 0 && pipe(go) == 0, "pipe: %s", strerror(errno));
	pid_t pids[N];
	for (int i = 0; i < N; i++) {
		pids[i] = xfork();
		if (pids[i] == 0) {
			close(ready[0]);
			close(go[1]);
			unsigned char v = (unsigned char)(0x40 + 0x10 * i);
			fill(buf, len, v);
			send(ready[1], 'r');
			/* Wait until every child has written (EOF when the
			 * parent closes its end). */
			char c;
			CHECK(read(go[0], &c, 1) == 0, "child %d: expected end of file", i);
			check(buf, len, v, "a child, after all children wrote");
			_exit(0);
		}
	}
	close(ready[1]);
	close(go[0]);
	for (int i = 0; i < N; i++)
		CHECK(receive(ready[0]) == 'r', "parent: unexpected message");
	check(buf, len, 0x01, "parent, after eight children wrote their copies");
	close(go[1]);
	for (int i = 0; i < N; i++)
		expect_exit0(wait_for(pids[i]), "one of eight children");
	close(ready[0]);
	CHECK(munmap(buf, len) == 0, "munmap: %s", strerror(errno));
	puts("eight children, eight private copies: ok");
}

/* The register state one process keeps live across a switch. */
struct regs {
	unsigned char xmm[16][16];
	uint32_t mxcsr;
	uint16_t fpucw;
};

static void regs_pattern(struct regs *r, unsigned char seed)
{
	for (int i = 0; i < 16; i++)
		for (int j = 0; j < 16; j++)
			r->xmm[i][j] = (unsigned char)(seed + 17 * i + j);
	/* Rounding toward zero or up, some exceptions unmasked/masked: values
	 * that differ from the defaults (0x1f80, 0x037f) and from each other. */
	r->mxcsr = seed & 1 ? 0x7f80 : 0x5f80;
	r->fpucw = seed & 1 ? 0x0f7f : 0x077f;
}

#define XMM_LOAD(in)                                                                          \
	"ldmxcsr 256(" in ")\n\tfldcw 260(" in ")\n\t"                                           \
	"movdqu 0(" in "),%%xmm0\n\tmovdqu 16(" in "),%%xmm1\n\t"                                \
	"movdqu 32(" in "),%%xmm2\n\tmovdqu 48(" in "),%%xmm3\n\t"                               \
	"movdqu 64(" in "),%%xmm4\n\tmovdqu 80(" in "),%%xmm5\n\t"                               \
	"movdqu 96(" in "),%%xmm6\n\tmovdqu 112(" in "),%%xmm7\n\t"                              \
	"movdqu 128(" in "),%%xmm8\n\tmovdqu 144(" in "),%%xmm9\n\t"                             \
	"movdqu 160(" in "),%%xmm10\n\tmovdqu 176(" in "),%%xmm11\n\t"                           \
	"movdqu 192(" in "),%%xmm12\n\tmovdqu 208(" in "),%%xmm13\n\t"                           \
	"movdqu 224(" in "),%%xmm14\n\tmovdqu 240(" in "),%%xmm15\n\t"
#define XMM_STORE(out)                                                                        \
	"movdqu %%xmm0,0(" out ")\n\tmovdqu %%xmm1,16(" out ")\n\t"                              \
	"movdqu %%xmm2,32(" out ")\n\tmovdqu %%xmm3,48(" out ")\n\t"                             \
	"movdqu %%xmm4,64(" out ")\n\tmovdqu %%xmm5,80(" out ")\n\t"                             \
	"movdqu %%xmm6,96(" out ")\n\tmovdqu %%xmm7,112(" out ")\n\t"                            \
	"movdqu %%xmm8,128(" out ")\n\tmovdqu %%xmm9,144(" out ")\n\t"                           \
	"movdqu %%xmm10,160(" out ")\n\tmovdqu %%xmm11,176(" out ")\n\t"                         \
	"movdqu %%xmm12,192(" out ")\n\tmovdqu %%xmm13,208(" out ")\n\t"                         \
	"movdqu %%xmm14,224(" out ")\n\tmovdqu %%xmm15,240(" out ")\n\t"                         \
	"stmxcsr 256(" out ")\n\tfnstcw 260(" out ")\n\t"                                        \
	"ldmxcsr 264(" out ")\n\tfldcw 268(" out ")\n\t" /* back to the defaults */
#define XMM_CLOBBERS                                                                          \
	"xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9",        \
		"xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15"

/* The state stored by XMM_STORE plus the defaults restored after it. */
struct regs_out {
	struct regs r;
	uint32_t default_mxcsr;
	uint16_t default_fpucw;
};
/* The offsets the assembly uses. */
_Static_assert(offsetof(struct regs, mxcsr) == 256, "struct regs layout");
_Static_assert(offsetof(struct regs, fpucw) == 260, "struct regs layout");
_Static_assert(offsetof(struct regs_out, default_mxcsr) == 264, "struct regs_out layout");
_Static_assert(offsetof(struct regs_out, default_fpucw) == 268, "struct regs_out layout");

/* write(fd_out, "x", 1) then read(fd_in, &c, 1) with the state in r live
 * across both (the read blocks until the other process writes). */
static void regs_across_syscalls(const struct regs *in, struct regs_out *out, int fd_out,
				 int fd_in)
{
	static char byte = 'x';
	char c = 0;
	long r1, r2;
	__asm__ volatile(XMM_LOAD("%[in]")
			 "mov $1, %%eax\n\t" /* write */
			 "mov %[fo], %%edi\n\t"
			 "mov %[src], %%rsi\n\t"
			 "mov $1, %%edx\n\t"
			 "syscall\n\t"
			 "mov %%rax, %[r1]\n\t"
			 "xor %%eax, %%eax\n\t" /* read */
			 "mov %[fi], %%edi\n\t"
			 "mov %[dst], %%rsi\n\t"
			 "mov $1, %%edx\n\t"
			 "syscall\n\t"
			 "mov %%rax, %[r2]\n\t"
			 XMM_STORE("%[out]")
			 : [r1] "=&r"(r1), [r2] "=&r"(r2)
			 : [in] "r"(in), [out] "r"(out), [fo] "r"(fd_out), [fi] "r"(fd_in),
			   [src] "r"(&byte), [dst] "r"(&c)
			 : "rax", "rcx", "rdx", "rsi", "rdi", "r11", "memory", "cc", XMM_CLOBBERS);
	CHECK(r1 == 1 && r2 == 1 && c == 'x', "register ping-pong: write %ld, read %ld", r1, r2);
}

/* The state in r live across a spin of `spins` iterations. */
static void regs_across_spin(const struct regs *in, struct regs_out *out, unsigned long spins)
{
	__asm__ volatile(XMM_LOAD("%[in]")
			 "1: dec %[n]\n\t"
			 "jnz 1b\n\t"
			 XMM_STORE("%[out]")
			 : [n] "+r"(spins)
			 : [in] "r"(in), [out] "r"(out)
			 : "memory", "cc", XMM_CLOBBERS);
}

static void regs_check(const struct regs *want, const struct regs_out *got, const char *who,
		       const char *across)
{
	for (int i = 0; i < 16; i++)
		CHECK(memcmp(want->xmm[i], got->r.xmm[i], 16) == 0,
		      "%s: xmm%d changed across %s (byte 0 is %#x, expected %#x): another "
		      "process's register state leaked in",
		      who, i, across, got->r.xmm[i][0], want->xmm[i][0]);
	CHECK(got->r.mxcsr == want->mxcsr, "%s: MXCSR is %#x after %s, expected %#x", who,
	      got->r.mxcsr, across, want->mxcsr);
	CHECK(got->r.fpucw == want->fpucw, "%s: the x87 control word is %#x after %s, expected %#x",
	      who, got->r.fpucw, across, want->fpucw);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void private_registers(void)
{
	enum { ROUNDS = 20 };
	int to_child[2], to_parent[2];
	CHECK(pipe(to_child) == 0 && pipe(to_parent) == 0, "pipe: %s", strerror(errno));
	pid_t pid = xfork();
	bool child = pid == 0;
	const char *who = child ? "child" : "parent";
	int fd_out = child ? to_parent[1] : to_child[1];
	int fd_in = child ? to_child[0] : to_parent[0];
	static struct regs want;
	static struct regs_out got;
	regs_pattern(&want, child ? 0xa1 : 0x10);
	for (int round = 0; round < ROUNDS; round++) {
		memset(&got, 0, sizeof(got));
		got.default_mxcsr = 0x1f80;
		got.default_fpucw = 0x037f;
		regs_across_syscalls(&want, &got, fd_out, fd_in);
		regs_check(&want, &got, who, "a blocking read while the other process ran");
	}
	/* Spin long enough (0.3 s and 20 spins) that time slices end inside. */
	double end = now() + 0.3;
	for (int i = 0; i < 20 || now() < end; i++) {
		memset(&got, 0, sizeof(got));
		got.default_mxcsr = 0x1f80;
		got.default_fpucw = 0x037f;
		regs_across_spin(&want, &got, 200000);
		regs_check(&want, &got, who, "a spin loop while the other process spun too");
		CHECK(i < 1000000, "%s: the spin loops never ended", who);
	}
	if (child)
		_exit(0);
	expect_exit0(wait_for(pid), "the register child");
	close(to_child[0]);
	close(to_child[1]);
	close(to_parent[0]);
	close(to_parent[1]);
	puts("private register state (xmm, MXCSR, x87 control word): ok");
}

int main(void)
{
	struct sigaction sa = { .sa_handler = SIG_IGN };
	CHECK(sigaction(SIGPIPE, &sa, NULL) == 0, "sigaction: %s", strerror(errno));
	lock_step();
	mapped_after_fork();
	child_changes_mappings();
	many_children();
	private_registers();
	return 0;
}
