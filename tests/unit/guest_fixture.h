/* guest_fixture.h - the guest kernel the guest unit tests run against: a
 * real kernel (GUEST_MEM_SIZE of guest memory unless the test passes its
 * own kernel_config) whose kernel_ops only count the requests, and one
 * process with an empty address space, current. No CPU is needed.
 *
 * Header-only (static), for tests linked with the guest library: a test
 * includes it once and uses k, p, mm and the call counters as its own.
 * Unit tests are white-box: they see every subsystem's internal header.
 * The typical fixture is guest_setup(NULL) and guest_teardown(). */
#ifndef VMEMU_TESTS_GUEST_FIXTURE_H
#define VMEMU_TESTS_GUEST_FIXTURE_H

#include <check.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fs/internal.h"
#include "kern.h"
#include "mm/internal.h"
#include "sys/sys.h"
#include "task/internal.h"

#define GUEST_MEM_SIZE (64ULL << 20)

static struct kernel *k;
static struct process *p; /* the first process */
static struct mm *mm;     /* its address space */
/* kernel_ops calls since the kernel, or the process, was set up. */
static unsigned flush_tlb_calls, flush_code_calls, stop_calls;
/* Set by a test that builds a state outside the invariants on purpose
 * (frames nobody holds, a supervisor PTE): its teardown skips mm_check. */
static bool mm_unchecked;

static inline void guest_on_flush_tlb(void *ctx)
{
	(void)ctx;
	flush_tlb_calls++;
}

static inline void guest_on_flush_code(void *ctx)
{
	(void)ctx;
	flush_code_calls++;
}

static inline void guest_on_stop(void *ctx)
{
	(void)ctx;
	stop_calls++;
}

/* k from cfg (NULL: GUEST_MEM_SIZE and nothing else), without processes. */
static inline void guest_create_kernel(const struct kernel_config *cfg)
{
	const struct kernel_config plain = {.mem_size = GUEST_MEM_SIZE};
	const struct kernel_ops ops = {.flush_tlb = guest_on_flush_tlb,
				       .flush_code = guest_on_flush_code, .stop = guest_on_stop};
	char err[256] = "";
	k = kernel_create(cfg ? cfg : &plain, &ops, err, sizeof(err));
	ck_assert_msg(k != NULL, "kernel_create: %s", err);
	flush_tlb_calls = flush_code_calls = stop_calls = 0;
}

/* p with an empty address space mm, started as the current process. */
static inline void guest_start_process(void)
{
	p = kernel_create_process(k);
	ck_assert_ptr_nonnull(p);
	p->mm = mm = mm_create(k);
	ck_assert_ptr_nonnull(mm);
	kernel_start(k, p);
	flush_tlb_calls = flush_code_calls = stop_calls = 0;
}

/* Another process (a signal_struct and handlers of its own), not
 * started: no memory, no files. */
static inline struct process *guest_new_process(void)
{
	struct process *q = process_alloc(k, 0);
	ck_assert_ptr_nonnull(q);
	q->signal = signal_struct_alloc(q);
	q->sighand = sighand_alloc();
	ck_assert(q->signal && q->sighand);
	rlimit_init(q->signal);
	return q;
}

/* Both of the above. */
static inline void guest_setup(const struct kernel_config *cfg)
{
	guest_create_kernel(cfg);
	guest_start_process();
}

/* Every test ends with the memory system's invariants checked (mm_check):
 * whatever it did, frames, tables, caches and swap must still add up. */
static inline void guest_teardown(void)
{
	char err[256] = "";
	int bad = k && !mm_unchecked ? mm_check(k, err, sizeof(err)) : 0;
	mm_unchecked = false;
	kernel_destroy(k);
	k = NULL;
	p = NULL;
	mm = NULL;
	ck_assert_msg(!bad, "mm_check after the test: %s", err);
}

/* An access by the current process as the CPU makes it (a TLB miss, the
 * fault handled inside); returns the 4 KiB page's physical address. */
static inline uint64_t guest_touch(uint64_t va, enum mmu_access access)
{
	uint64_t pa;
	unsigned prot;
	ck_assert_msg(kernel_tlb_fill(k, va, access, &pa, &prot), "fill %#llx",
		      (unsigned long long)va);
	return pa;
}

/* A user read of va walked afresh (every TLB flushed first): the
 * translation, and the walk's steps in *rec. */
static inline struct mmu_translation guest_fresh_walk(uint64_t va, struct mmu_walk_record *rec)
{
	struct mmu_req req = {.va = va, .access = MMU_READ, .user = true};
	struct mmu_translation t;
	struct mmu_fault f;
	mmu_flush_all(&k->mmu);
	ck_assert_msg(mmu_translate(&k->mmu, &req, &t, &f, rec), "walk %#llx",
		      (unsigned long long)va);
	return t;
}

/* Maps [va, va + len) with VM_* flags into mm, fixed. */
static inline void map(uint64_t va, uint64_t len, unsigned flags)
{
	ck_assert_int_eq(mm_map(k, mm, va, len, flags, true), (int64_t)va);
}

/* System call nr in the current process, as the CPU's SYSCALL would make
 * it (through kernel_syscall, which delivers signals on the way out);
 * returns rax. */
static inline int64_t guest_syscall(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2,
				    uint64_t a3)
{
	struct cpu_context *ctx = kernel_current_context(k);
	ctx->rax = nr;
	ctx->rdi = a0;
	ctx->rsi = a1;
	ctx->rdx = a2;
	ctx->r10 = a3;
	kernel_syscall(k, ctx);
	return (int64_t)ctx->rax;
}

/* A guest file on host_fd (taken over), as open(2) with its flags makes
 * one. */
static inline struct file *guest_host_file(int host_fd)
{
	struct file *f;
	ck_assert_int_eq(file_create(k, host_fd, fcntl(host_fd, F_GETFL), &f), 0);
	return f;
}

/* The program p runs (/proc/self/exe): a temporary host file, removed at
 * once (the link then says "(deleted)", so the test names it as made). */
static char guest_exe_path[64];

static inline void guest_set_exe(void)
{
	strcpy(guest_exe_path, "/tmp/vmemu-exe-XXXXXX");
	int fd = mkstemp(guest_exe_path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(process_set_exe_file(k, p, fd), 0);
	close(fd);
	unlink(guest_exe_path);
	strcat(guest_exe_path, " (deleted)");
}

/* Frames allocated now. */
static inline uint64_t in_use(void)
{
	return kernel_stats(k)->frames_in_use;
}

/* Whether guest-physical memory [pa, pa + len) holds only zeroes. */
static inline bool all_zero(uint64_t pa, uint64_t len)
{
	const uint8_t *b = phys_ptr(k, pa);
	for (uint64_t i = 0; i < len; i++)
		if (b[i])
			return false;
	return true;
}

#endif
