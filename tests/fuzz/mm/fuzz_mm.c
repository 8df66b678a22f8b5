/* fuzz_mm.c - libFuzzer harness: the guest kernel's memory system driven
 * in-process (no CPU), with its invariants checked after every step.
 *
 * A kernel with 4 MiB of memory and 2 MiB of swap, so that reclaim, swap
 * and the OOM killer all take part, runs one process to begin with. Its
 * fd 3 is a 16-page host file (rewritten before each input) for file maps.
 * An input is a sequence of 4-byte records { op, who, a, b }: who picks a
 * live process (fork adds some), a a page in a 64-page window at WINDOW,
 * b a length or a mode. Memory calls go through kernel_syscall as the
 * CPU's SYSCALL would make them; touches go through kernel_tlb_fill as
 * the CPU's TLB misses would, and a write then stores into the page it
 * got. OP_INJECT makes one kind of kernel operation fail from then on
 * with a probability (as --inject does), so the failure paths run too.
 * After every record mm_check must hold (frame references against
 * page tables, page cache and swap cache; PTEs against VMAs and the
 * reverse map; swap slots; free plus used); at the end no frame or swap
 * slot may stay in use once the kernel shuts down. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fs/fs.h"
#include "kern.h"
#include "kernel.h"
#include "mm/mm.h"
#include "task/task.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define WINDOW 0x10000000ULL
#define WINDOW_PAGES 64
#define FILE_PAGES 16
#define MAX_STEPS 256
#define MAX_PROCS 8

enum op {
	OP_MMAP_ANON, OP_MMAP_SHARED, OP_MMAP_FILE, OP_MMAP_FILE_SHARED,
	OP_MUNMAP, OP_MPROTECT, OP_MREMAP, OP_MADVISE, OP_BRK, OP_MSYNC,
	OP_READ, OP_WRITE, OP_FETCH, OP_FORK, OP_EXIT, OP_WAIT, OP_RECLAIM, OP_INJECT,
	OP_COUNT
};

static const int advice[] = {
	0 /* NORMAL */, 3 /* WILLNEED */, 4 /* DONTNEED */, 8 /* FREE */, 9 /* REMOVE */,
	10 /* DONTFORK */, 11 /* DOFORK */, 18 /* WIPEONFORK */, 19 /* KEEPONFORK */,
	20 /* COLD */, 21 /* PAGEOUT */, 22 /* POPULATE_READ */, 23 /* POPULATE_WRITE */,
};

static char file_path[] = "/tmp/fuzz_mm.XXXXXX";
static int file_fd = -1;

static void no_op(void *ctx)
{
	(void)ctx;
}

/* The host file behind fd 3, as every input first sees it. */
static void reset_file(void)
{
	if (file_fd < 0 && (file_fd = mkstemp(file_path)) < 0)
		abort();
	static uint8_t page[4096];
	if (ftruncate(file_fd, 0))
		abort();
	for (int i = 0; i < FILE_PAGES; i++) {
		memset(page, 'a' + i, sizeof(page));
		if (pwrite(file_fd, page, sizeof(page), (off_t)i * 4096) != (ssize_t)sizeof(page))
			abort();
	}
}

static struct kernel *setup(void)
{
	const struct kernel_config cfg = {.mem_size = 4 << 20, .swap_size = 2 << 20};
	const struct kernel_ops ops = {.flush_tlb = no_op, .flush_code = no_op, .stop = no_op};
	char err[256];
	struct kernel *k = kernel_create(&cfg, &ops, err, sizeof(err));
	struct process *p = k ? kernel_create_process(k) : NULL;
	if (!p) {
		fprintf(stderr, "fuzz_mm: setup: %s\n", k ? "out of memory" : err);
		abort();
	}
	p->mm = mm_create(k);
	if (!p->mm)
		abort();
	kernel_start(k, p);
	struct file *f;
	if (file_create(k, dup(file_fd), O_RDWR, &f))
		abort();
	fd_install_at(p->files, 3, f, false);
	return k;
}

/* System call nr with up to six arguments (the rest 0); its result. */
#define sys(k, nr, ...) sys6(k, nr, (const uint64_t[6]){__VA_ARGS__})

static uint64_t sys6(struct kernel *k, uint64_t nr, const uint64_t a[6])
{
	struct cpu_context *ctx = kernel_current_context(k);
	ctx->rax = nr;
	ctx->rdi = a[0], ctx->rsi = a[1], ctx->rdx = a[2];
	ctx->r10 = a[3], ctx->r8 = a[4], ctx->r9 = a[5];
	kernel_syscall(k, ctx);
	return ctx->rax;
}

/* The who'th live (runnable) process, made current; NULL when none is. */
static struct process *pick(struct kernel *k, uint8_t who)
{
	struct kernel_proc procs[MAX_PROCS * 2];
	int n = kernel_procs(k, procs, MAX_PROCS * 2);
	if (n > MAX_PROCS * 2)
		n = MAX_PROCS * 2;
	int live[MAX_PROCS * 2], nlive = 0;
	for (int i = 0; i < n; i++)
		if (procs[i].state == 'R')
			live[nlive++] = procs[i].pid;
	if (!nlive)
		return NULL;
	struct process *p = process_find(k, live[who % nlive]);
	kernel_start(k, p);
	return p;
}

/* A touch as the CPU makes it; a write stores a byte into the page. */
static void touch(struct kernel *k, uint64_t va, enum mmu_access access, uint8_t value)
{
	uint64_t pa;
	unsigned prot;
	if (kernel_tlb_fill(k, va, access, &pa, &prot) && access == MMU_WRITE)
		kernel_phys_base(k)[pa + (value & 0xfff)] = value;
}

static void step(struct kernel *k, struct process *p, const uint8_t *r)
{
	uint64_t va = WINDOW + (uint64_t)(r[2] % WINDOW_PAGES) * 4096;
	uint64_t len = (uint64_t)(r[3] % 16 + 1) * 4096;
	unsigned prot = r[3] >> 4 & 7;
	switch (r[0] % OP_COUNT) {
	case OP_MMAP_ANON: /* private anonymous, fixed in the window or anywhere */
		sys(k, 9, r[3] & 0x80 ? 0 : va, len, prot, r[3] & 0x80 ? 0x22 : 0x32, -1);
		break;
	case OP_MMAP_SHARED:
		sys(k, 9, va, len, prot, 0x31, -1);
		break;
	case OP_MMAP_FILE: /* private, at any page of the file (past its end too) */
		sys(k, 9, va, len, prot, 0x12, 3, (uint64_t)(r[3] >> 4) * 4096);
		break;
	case OP_MMAP_FILE_SHARED:
		sys(k, 9, va, len, prot, 0x11, 3, (uint64_t)(r[3] >> 4) * 4096);
		break;
	case OP_MUNMAP:
		sys(k, 11, va, len, 0);
		break;
	case OP_MPROTECT:
		sys(k, 10, va, len, prot);
		break;
	case OP_MREMAP: /* grow, shrink or move: MAYMOVE, or FIXED to a second window page */
		sys(k, 25, va, (uint64_t)(r[3] % 4 + 1) * 4096, len, r[3] & 0x40 ? 3 : 1,
		    WINDOW + (uint64_t)((r[2] + 32) % WINDOW_PAGES) * 4096);
		break;
	case OP_MADVISE:
		sys(k, 28, va, len, advice[r[3] % (sizeof(advice) / sizeof(advice[0]))]);
		break;
	case OP_BRK:
		sys(k, 12, r[3] & 1 ? 0 : sys(k, 12, 0) + (uint64_t)(int8_t)r[2] * 4096);
		break;
	case OP_MSYNC:
		sys(k, 26, va, len, r[3] & 1 ? 4 /* MS_SYNC */ : 2 /* MS_INVALIDATE */);
		break;
	case OP_READ:
		touch(k, va + r[3], MMU_READ, r[3]);
		break;
	case OP_WRITE:
		touch(k, va + r[3], MMU_WRITE, r[3]);
		break;
	case OP_FETCH:
		touch(k, va + r[3], MMU_FETCH, r[3]);
		break;
	case OP_FORK:
		if (kernel_procs(k, NULL, 0) < MAX_PROCS)
			sys(k, 57, 0);
		break;
	case OP_EXIT: /* of a child: init's exit would end them all */
		if (p->pid != 1)
			sys(k, 60, r[3]);
		break;
	case OP_WAIT: /* reaps a zombie child, without blocking */
		sys(k, 61, -1, 0, 1 /* WNOHANG */);
		break;
	case OP_RECLAIM: /* memory pressure: swap-out and page-cache reclaim */
		reclaim_direct(k);
		break;
	case OP_INJECT: /* b = 0 turns the kind off again */
		k->cfg.inject[r[2] % FAIL_KINDS] =
			(struct kernel_inject){.ppm = (uint32_t)r[3] * 3922, .seed = r[2]};
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	reset_file();
	struct kernel *k = setup();
	char err[256];
	for (int n = 0; size >= 4 && n < MAX_STEPS; n++, data += 4, size -= 4) {
		struct process *p = pick(k, data[1]);
		if (!p)
			break;
		step(k, p, data);
		/* Delivers what the step queued (SIGSEGV, SIGBUS, an OOM kill). */
		if (!kernel_schedule(k))
			break;
		if (mm_check(k, err, sizeof(err))) {
			fprintf(stderr, "fuzz_mm: after step %d (op %d): %s\n", n, data[0] % OP_COUNT, err);
			abort();
		}
	}
	uint64_t leaked = kernel_shutdown(k);
	kernel_destroy(k);
	if (leaked) {
		fprintf(stderr, "fuzz_mm: %llu frames or swap slots leaked\n", (unsigned long long)leaked);
		abort();
	}
	return 0;
}
