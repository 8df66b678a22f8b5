/* kernel.h - the mini guest kernel's public interface, as core/ sees it.
 *
 * The kernel knows no Unicorn: it owns guest-physical memory (one host
 * buffer), the MMU model, processes, page faults and system calls. core/
 * maps the buffer into the CPU, forwards TLB fills and SYSCALLs here, and
 * installs the callbacks below so the kernel can ask for the CPU-side
 * effects it needs. */
#ifndef VMEMU_KERNEL_H
#define VMEMU_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mmu.h"

/* User-visible CPU state of one thread: what a system call or signal frame
 * reads and writes. */
struct cpu_context {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rip, rflags;
	uint64_t fs_base, gs_base;
};

/* Effects on the CPU that only core/ can carry out. */
struct kernel_ops {
	void *ctx;
	/* Empty the CPU's own TLB (after PTE changes; batched by the kernel). */
	void (*flush_tlb)(void *ctx);
	/* Drop all translated code (frames that held code are being reused). */
	void (*flush_code)(void *ctx);
	/* Return from the current run slice as soon as possible. */
	void (*stop)(void *ctx);
};

struct kernel_config {
	uint64_t mem_size;    /* guest-physical memory in bytes */
	const char *root;     /* host directory the guest sees as /, or NULL */
	FILE *strace;         /* where --strace lines go, or NULL */
};

/* Counters reported by --stats. */
struct kernel_stats {
	uint64_t tlb_fills[3];        /* indexed by enum mmu_access */
	uint64_t page_faults;         /* every #PF the handler saw */
	uint64_t faults_demand_zero;  /* anonymous page given at first touch */
	uint64_t faults_spurious;     /* already fixed (e.g. by another path) */
	uint64_t faults_fatal;        /* turned into SIGSEGV */
	uint64_t syscalls;
	uint64_t syscalls_unknown;    /* answered ENOSYS */
	uint64_t frames_total;        /* frames the allocator manages */
	uint64_t frames_in_use;
	uint64_t frames_peak;
	uint64_t page_table_pages;    /* frames holding paging structures */
	uint64_t tlb_flushes;         /* flush_tlb requests sent to the CPU */
	uint64_t code_flushes;        /* flush_code requests sent to the CPU */
};

struct kernel;

/* Creates a kernel with cfg (copied). Returns NULL and a message in err on
 * failure (e.g. the memory size is impossible). */
struct kernel *kernel_create(const struct kernel_config *cfg, const struct kernel_ops *ops,
			     char *err, size_t errlen);
void kernel_destroy(struct kernel *k);

/* Guest-physical memory, for core/ to map into the CPU once. */
uint8_t *kernel_phys_base(struct kernel *k);
uint64_t kernel_phys_size(struct kernel *k);

struct process;
/* A new process with an empty address space and stdin/stdout/stderr of the
 * host; loader_exec() gives it an image. NULL when out of memory. */
struct process *kernel_create_process(struct kernel *k);
/* Makes p the running process (its CR3 goes through the MMU model). */
void kernel_start(struct kernel *k, struct process *p);

/* The thread that runs now; core/ loads it into the CPU and stores it back. */
struct cpu_context *kernel_current_context(struct kernel *k);
/* CR3 of the current process (for core/ to show; the MMU model holds it). */
uint64_t kernel_current_cr3(struct kernel *k);

/* Permissions the CPU may cache for a page (same values as UC_PROT_*). */
#define KPROT_READ 1u
#define KPROT_WRITE 2u
#define KPROT_EXEC 4u

/* Answers a miss of the CPU's TLB for a user access at va. Page faults are
 * handled inside; a fault the kernel cannot fix queues the fatal signal and
 * returns false. On success *page_pa is the physical 4 KiB page for va and
 * *prot what the CPU may cache: WRITE only once the walk has set D, EXEC
 * only without NX. */
bool kernel_tlb_fill(struct kernel *k, uint64_t va, enum mmu_access access,
		     uint64_t *page_pa, unsigned *prot);

/* Runs the system call in ctx->rax with the current context. */
void kernel_syscall(struct kernel *k, struct cpu_context *ctx);

/* A CPU exception the kernel did not see as a #PF (e.g. #UD -> SIGILL,
 * #DE -> SIGFPE): queued for the current process like a fault, unless a
 * fatal signal is already queued (the first cause wins). */
void kernel_raise_fatal(struct kernel *k, int sig);

/* The page fault queued by a refused TLB fill, if any: *addr points at its
 * address (which the CPU reports only to the page, so core/ may refine it)
 * and *access says what kind it was. False when none is queued. */
bool kernel_pending_fault(struct kernel *k, uint64_t **addr, enum mmu_access *access);

/* Reads up to n bytes of the current process's memory at va, as the
 * kernel would (faulting pages in); returns how many leading bytes could
 * be read. */
size_t kernel_read_user(struct kernel *k, uint64_t va, void *buf, size_t n);

/* Called by core/ after a run slice stops: delivers what is pending (fatal
 * signals, deferred code flushes). Returns true while a process can run. */
bool kernel_schedule(struct kernel *k);

/* Exit status for vmemu once no process runs: the guest's exit code, or
 * 128 + N when killed by signal N. */
int kernel_exit_status(struct kernel *k);

const struct kernel_stats *kernel_stats(struct kernel *k);
struct mmu *kernel_mmu(struct kernel *k);

#endif
