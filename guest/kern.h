/* kern.h - the guest kernel's internal structures and interfaces, shared by
 * the files of guest/ and by loader/. */
#ifndef VMEMU_KERN_H
#define VMEMU_KERN_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "kernel.h"
#include "mmu.h"

/* ---- frames: buddy allocator with reference counts (frame.c) ---- */

#define FRAME_MAX_ORDER 18 /* 2^18 pages = 1 GiB blocks */

struct frame_allocator {
	uint64_t nframes;
	uint32_t *refcount;     /* per frame; 0 = free */
	uint8_t *order;         /* per frame: order of the free block it heads, or 0xff */
	uint8_t *exec;          /* per frame: was handed to the CPU with EXEC */
	uint64_t *next, *prev;  /* free-list links, per frame */
	uint64_t free_head[FRAME_MAX_ORDER + 1];
	uint64_t quarantine;    /* freed frames that held code, waiting for a code flush */
	uint64_t in_use, peak;
};

#define FRAME_NONE UINT64_MAX

/* Returns the physical address of 2^order zeroed, aligned frames, or
 * FRAME_NONE when memory is exhausted. refcount starts at 1. */
uint64_t frame_alloc(struct kernel *k, unsigned order);
void frame_get(struct kernel *k, uint64_t pa);
/* Drops one reference; the block is freed at 0 (order as allocated). */
void frame_put(struct kernel *k, uint64_t pa, unsigned order);
/* Releases the quarantined code frames once translated code is flushed. */
void frame_release_quarantine(struct kernel *k);
uint32_t frame_refcount(struct kernel *k, uint64_t pa);
static inline void *phys_ptr(struct kernel *k, uint64_t pa);

/* ---- virtual memory areas and address spaces (vma.c, mm.c) ---- */

#define VM_READ 0x1u  /* = PROT_READ */
#define VM_WRITE 0x2u /* = PROT_WRITE */
#define VM_EXEC 0x4u  /* = PROT_EXEC */
#define VM_GROWSDOWN 0x100u
#define VM_STACK 0x200u
#define VM_HEAP 0x400u

struct vma {
	uint64_t start, end; /* [start, end), page aligned */
	unsigned flags;      /* VM_* */
	struct vma *next;    /* sorted by start */
	char name[16];       /* "[stack]", "[heap]", or empty */
};

struct mm {
	uint64_t pml4;       /* physical address of the top-level table (CR3 base) */
	uint16_t pcid;
	struct vma *vmas;
	uint64_t start_brk, brk;
	uint64_t mmap_base;  /* top of the mmap area; searched downwards */
	uint64_t stack_top;
	uint64_t rss_pages;
	uint64_t pt_pages;
};

struct mm *mm_create(struct kernel *k);
void mm_destroy(struct kernel *k, struct mm *mm);
struct vma *vma_find(struct mm *mm, uint64_t va); /* vma containing va, or NULL */
/* Maps [start, start+len) anonymous with VM_* flags (replacing what is there
 * when fixed). Returns start, or -errno. */
int64_t mm_map(struct kernel *k, struct mm *mm, uint64_t start, uint64_t len, unsigned flags,
	       bool fixed);
/* Finds a free range of len bytes below mm->mmap_base (hint first). 0 if none. */
uint64_t mm_get_unmapped_area(struct mm *mm, uint64_t hint, uint64_t len);
int mm_unmap(struct kernel *k, struct mm *mm, uint64_t start, uint64_t len);
int mm_protect(struct kernel *k, struct mm *mm, uint64_t start, uint64_t len, unsigned prot);

/* Writes bytes into mm regardless of page protection (loading an image,
 * like Linux's FOLL_FORCE): faults pages in as needed. 0 or -EFAULT. */
int mm_write_force(struct kernel *k, struct mm *mm, uint64_t va, const void *src, uint64_t len);

/* ---- files (file.c) ---- */

#define MAX_FDS 1024

struct file; /* defined in file.c */

struct fdtable {
	struct file *fd[MAX_FDS];
	bool cloexec[MAX_FDS];
};

/* ---- processes (process.c) ---- */

struct process {
	int pid, ppid;
	struct mm *mm;
	struct fdtable *files;
	struct cpu_context ctx;
	char exe[PATH_MAX];  /* guest path of the executable, for /proc/self/exe */
	char host_exe[PATH_MAX];
	char comm[16];
	uint64_t clear_child_tid;
	bool exited;
	int exit_code;       /* valid when exited and term_signal == 0 */
	int term_signal;     /* signal that killed it, or 0 */
	int pending_fatal;   /* signal queued by a fault, delivered by kernel_schedule */
};

/* ---- the kernel ---- */

struct kernel {
	struct kernel_config cfg;
	struct kernel_ops ops;
	uint8_t *phys;
	uint64_t phys_size;
	struct frame_allocator frames;
	struct mmu mmu;
	struct process *current;
	struct kernel_stats stats;
	int root_fd;            /* host directory fd for the guest's /, or -1 */
	uint64_t rand_state;
	int next_pid;
	bool tlb_flush_pending; /* CPU TLB flush owed at the end of this operation */
};

static inline void *phys_ptr(struct kernel *k, uint64_t pa)
{
	return k->phys + pa;
}

/* ---- page tables (pgtable.c) ----
 * All PTE changes go through here; each change invalidates the TLB model at
 * once and marks the CPU's TLB for flushing, which tlb_gather_finish does
 * once per operation (rule 3). */

/* Returns a pointer to the PTE for va in mm, allocating the tables on the
 * way when alloc (NULL if absent, or out of memory when alloc). */
uint64_t *pgtable_pte(struct kernel *k, struct mm *mm, uint64_t va, bool alloc);
/* Sets a PTE that was not present (no invalidation needed). */
void pgtable_set_new(struct kernel *k, uint64_t *pte, uint64_t value);
/* Changes or clears a present PTE and invalidates va. */
void pgtable_update(struct kernel *k, struct mm *mm, uint64_t va, uint64_t *pte, uint64_t value);
/* Unmaps [start, end): puts frames, frees empty tables, invalidates. */
void pgtable_unmap_range(struct kernel *k, struct mm *mm, uint64_t start, uint64_t end);
/* Applies new permission bits to present PTEs in [start, end). */
void pgtable_protect_range(struct kernel *k, struct mm *mm, uint64_t start, uint64_t end,
			   unsigned vm_flags);
/* Frees every table and frame of mm. */
void pgtable_free_all(struct kernel *k, struct mm *mm);
/* PTE bits for VM_* flags (user page; W, NX as the flags say). */
uint64_t pgtable_prot_bits(unsigned vm_flags);
/* Sends the owed CPU TLB flush, if any. */
void tlb_gather_finish(struct kernel *k);

/* ---- faults (fault.c) ---- */

/* Handles a #PF of the current process. Returns true when fixed. */
bool handle_page_fault(struct kernel *k, const struct mmu_fault *f, enum mmu_access access,
		       bool user);

/* ---- user memory access through the MMU (uaccess.c) ----
 * Supervisor accesses with the normal fault path; a bad pointer gives
 * -EFAULT, never a host crash. */
int copy_to_user(struct kernel *k, uint64_t uva, const void *src, uint64_t n);
int copy_from_user(struct kernel *k, void *dst, uint64_t uva, uint64_t n);
/* Copies a NUL-terminated string of at most n bytes (with the NUL).
 * Returns its length, -EFAULT, or -ENAMETOOLONG. */
int64_t strncpy_from_user(struct kernel *k, char *dst, uint64_t uva, uint64_t n);

/* ---- system calls (syscall.c and sys_*.c) ---- */

/* A handler gets the six argument registers; the result goes to rax
 * (negative errno on error). ctx may be changed (arch_prctl). */
typedef int64_t syscall_fn(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6]);

/* Memory (mm.c). */
syscall_fn sys_brk, sys_mmap, sys_munmap, sys_mprotect, sys_madvise;

/* Ends the current process with an exit code (exit, exit_group). */
void process_exit(struct kernel *k, struct process *p, int code);
/* Ends it by signal sig (default action of a fatal signal). */
void process_kill(struct kernel *k, struct process *p, int sig);

/* Files: the per-process table (file.c). */
struct fdtable *fdtable_create_stdio(void);
void fdtable_destroy(struct fdtable *t);

#endif
