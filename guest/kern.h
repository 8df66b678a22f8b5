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

struct frame_block {
	uint64_t pfn;
	unsigned order;
};

struct frame_allocator {
	uint64_t nframes;
	uint32_t *refcount;     /* per frame; 0 = free */
	uint8_t *order;         /* per frame: order of the free block it heads, or 0xff */
	uint8_t *exec;          /* per frame: was handed to the CPU with EXEC */
	uint64_t *next, *prev;  /* free-list links, per frame */
	uint64_t free_head[FRAME_MAX_ORDER + 1];
	/* Freed frames that held code: reused only after the CPU's translated
	 * code is dropped (DESIGN.md), so they wait here until the run slice ends. */
	struct frame_block *quarantine;
	size_t nquarantine, quarantine_cap;
	uint64_t in_use, peak;
};

#define FRAME_NONE UINT64_MAX
/* Frame 0 means "none"; frame 1 is the shared zero page (all zeroes,
 * mapped read-only wherever untouched private memory is read). */
#define ZERO_PAGE_PA PAGE_SIZE
#define FRAME_FIRST 2

int frame_allocator_init(struct frame_allocator *fa, uint64_t nframes);
void frame_allocator_destroy(struct frame_allocator *fa);

/* Returns the physical address of 2^order zeroed, aligned frames, or
 * FRAME_NONE when memory is exhausted. refcount starts at 1. */
uint64_t frame_alloc(struct kernel *k, unsigned order);
void frame_get(struct kernel *k, uint64_t pa);
/* Drops one reference; the block is freed at 0 (order as allocated). */
void frame_put(struct kernel *k, uint64_t pa, unsigned order);
/* Releases the quarantined code frames once translated code is flushed. */
void frame_release_quarantine(struct kernel *k);
uint32_t frame_refcount(struct kernel *k, uint64_t pa);
/* The CPU was given EXEC on this frame (so it may hold translated code). */
void frame_mark_exec(struct kernel *k, uint64_t pa);
bool frame_is_exec(struct kernel *k, uint64_t pa);
static inline void *phys_ptr(struct kernel *k, uint64_t pa);

/* ---- virtual memory areas and address spaces (vma.c, mm.c) ---- */

#define VM_READ 0x1u  /* = PROT_READ */
#define VM_WRITE 0x2u /* = PROT_WRITE */
#define VM_EXEC 0x4u  /* = PROT_EXEC */
#define VM_GROWSDOWN 0x100u
#define VM_STACK 0x200u
#define VM_HEAP 0x400u
#define VM_SHARED 0x800u /* MAP_SHARED: fork shares the pages, no CoW */

#define VM_MAYWRITE 0x1000u /* MAP_SHARED file map of a file open for writing */

/* ---- mappings: the page cache and shared memory (pagecache.c, filemap.c,
 * shmem.c) ----
 * A mapping (Linux's address_space) owns the pages of one host file, or of
 * one MAP_SHARED anonymous region, found by page offset (pgoff). Every open
 * of the file and every VMA mapping it holds a reference; a file's pages
 * stay cached after the last one goes, until reclaim drops them. */

struct mapping {
	struct kernel *kernel;
	uint32_t refs;        /* VMAs and open files */
	bool anon;            /* shared anonymous memory: no file behind it */
	int fd;               /* host fd to fill and write back through; -1 while idle */
	int fd_mode;          /* its O_ACCMODE */
	uint64_t dev, ino;    /* the host file */
	uint64_t size;        /* file size in bytes, as the cache keeps it */
	int64_t mtime_ns, ctime_ns; /* the host file's, when it went idle */
	uint64_t npages;
	struct cache_page *pages; /* its pages, in no order */
	struct mapping *next; /* k->pagecache.files */
};

/* One page of a mapping: a frame the cache holds one reference on. */
struct cache_page {
	struct mapping *mapping;
	uint64_t index;       /* pgoff in the mapping */
	uint64_t pa;
	uint32_t mapcount;    /* PTEs that map it */
	bool dirty;           /* newer than the file (written through a shared map) */
	struct cache_page *hnext;              /* hash chain */
	struct cache_page *lru_prev, *lru_next; /* file pages, least recently used first */
	struct cache_page *mprev, *mnext;      /* the mapping's pages */
};

struct page_cache {
	struct cache_page **hash; /* by (mapping, index) */
	uint64_t hash_mask;
	struct cache_page **page_of; /* per frame */
	struct cache_page *lru_head, *lru_tail;
	struct mapping *files;    /* file mappings, looked up by dev/ino */
};

int pagecache_init(struct kernel *k);
/* Drops every cached page (kernel_shutdown: no process is left). */
void pagecache_drop_all(struct kernel *k);
void pagecache_destroy(struct kernel *k);
struct cache_page *pagecache_lookup(struct kernel *k, struct mapping *m, uint64_t index);
/* The cache page held in frame pa, or NULL. */
struct cache_page *pagecache_page(struct kernel *k, uint64_t pa);
/* Puts frame pa (its reference becomes the cache's) at index; NULL when
 * out of host memory (the frame is then put). */
struct cache_page *pagecache_add(struct kernel *k, struct mapping *m, uint64_t index, uint64_t pa);
/* Removes a page from the cache and puts the cache's reference. */
void pagecache_delete(struct kernel *k, struct cache_page *cp);
/* A use by read() or a fault: the page moves to the LRU's tail. */
void pagecache_touch(struct kernel *k, struct cache_page *cp);
void pagecache_set_dirty(struct kernel *k, struct cache_page *cp, bool dirty);
/* A PTE took or dropped frame pa (counted for cache pages only). */
void pagecache_map(struct kernel *k, uint64_t pa);
void pagecache_unmap(struct kernel *k, uint64_t pa);
/* Frees up to target frames of file pages no PTE maps, oldest first:
 * clean ones, then dirty ones after writeback. Returns how many. */
uint64_t pagecache_shrink(struct kernel *k, uint64_t target);
/* Drops cp if nothing but the cache holds it (written back first when
 * dirty). Returns 1 when its frame was freed, else 0. */
uint64_t pagecache_reclaim_page(struct kernel *k, struct cache_page *cp);

struct mapping *mapping_alloc(struct kernel *k, bool anon);
void mapping_get(struct mapping *m);
/* The last reference of a file mapping writes back and closes its fd; its
 * pages stay cached. An anonymous one frees its pages. */
void mapping_put(struct mapping *m);
/* Frees an idle file mapping whose last page is gone. */
void mapping_free_if_unused(struct mapping *m);

/* A MAP_SHARED anonymous region (shmem.c): pages zeroed at first use. */
struct mapping *shmem_create(struct kernel *k);

struct file;
struct uio;
struct mm;
/* The page cache of f when it is a host regular file that may be cached
 * (attached at first use), else NULL (filemap.c). */
struct mapping *filemap_of(struct kernel *k, struct file *f);
/* The frame of page pgoff, read from the file (or zeroed for shmem) when
 * missing: 0, -ENOMEM or -EIO. The cache keeps the reference. */
int mapping_page(struct kernel *k, struct mapping *m, uint64_t pgoff, struct cache_page **cpp);
/* read(2) of a cached file at pos: bytes copied, or -EFAULT. */
int64_t filemap_read(struct kernel *k, struct mapping *m, struct uio *u, uint64_t pos);
/* n bytes of buf went to the host file at pos (write-through): the cached
 * pages and the size follow. */
void filemap_wrote(struct kernel *k, struct mapping *m, uint64_t pos, const void *buf, uint64_t n);
/* The file is now size bytes long (ftruncate, O_TRUNC): pages past the end
 * are unmapped from every process and dropped, the tail of the last zeroed. */
void filemap_resize(struct kernel *k, struct mapping *m, uint64_t size);
/* Writes back the dirty pages of [first, last] (pgoffs): PTEs of shared
 * maps in every process give up their D bits (and W, so the next write
 * faults and dirties the page again). 0 or -EIO. */
int filemap_writeback(struct kernel *k, struct mapping *m, uint64_t first, uint64_t last);
/* Before PTEs of mm in [start, end) go: cache pages lose a mapcount, D
 * bits of shared file maps make their pages dirty, which are written back. */
void filemap_unmap_range(struct kernel *k, struct mm *mm, uint64_t start, uint64_t end);
/* Writes one dirty page back to the file (the bytes below EOF). 0 or -EIO. */
int filemap_write_page(struct kernel *k, struct cache_page *cp);
/* The last reference went: dirty pages are written back, the host file's
 * times are noted (to check the cache when the file is opened again), the
 * fd is closed. */
void filemap_idle(struct mapping *m);

struct vma {
	uint64_t start, end; /* [start, end), page aligned */
	unsigned flags;      /* VM_* */
	struct vma *next;    /* sorted by start */
	struct mapping *mapping; /* the file's page cache or shared memory; else NULL */
	uint64_t pgoff;      /* page of mapping at start */
	char name[16];       /* "[stack]", "[heap]", or empty */
};

struct mm {
	int users;           /* processes on it (a vfork child borrows its parent's) */
	uint64_t pml4;       /* physical address of the top-level table (CR3 base) */
	uint16_t pcid;
	struct vma *vmas;
	uint64_t start_brk, brk;
	uint64_t mmap_base;  /* top of the mmap area; searched downwards */
	uint64_t stack_top;
	uint64_t rss_pages;
	uint64_t swap_ents;  /* PTEs holding swap entries */
	uint64_t pt_pages;
};

struct mm *mm_create(struct kernel *k);
void mm_destroy(struct kernel *k, struct mm *mm);
/* A process lets go of mm; the last one destroys it. */
void mm_put(struct kernel *k, struct mm *mm);
struct vma *vma_find(struct mm *mm, uint64_t va); /* vma containing va, or NULL */
bool vma_overlaps(struct mm *mm, uint64_t start, uint64_t end);
/* Links a new VMA (named "[heap]"/"[stack]" by its flags); NULL if no memory. */
struct vma *vma_insert(struct mm *mm, uint64_t start, uint64_t end, unsigned flags);
/* Splits VMAs so start and end fall on boundaries; -1 if out of memory. */
int vma_split_at(struct mm *mm, uint64_t start, uint64_t end);
/* Frees the VMAs that lie inside [start, end) (split first). */
void vma_remove_range(struct kernel *k, struct mm *mm, uint64_t start, uint64_t end);
void vma_merge(struct kernel *k, struct mm *mm);
void vma_free_all(struct kernel *k, struct mm *mm);
/* Maps [start, start+len) anonymous with VM_* flags (replacing what is there
 * when fixed). Returns start, or -errno. */
int64_t mm_map(struct kernel *k, struct mm *mm, uint64_t start, uint64_t len, unsigned flags,
	       bool fixed);
/* The same for pages of m from pgoff on (m NULL: anonymous; a shared
 * anonymous map gets a new shmem). */
int64_t mm_map_pages(struct kernel *k, struct mm *mm, uint64_t start, uint64_t len,
		     unsigned flags, bool fixed, struct mapping *m, uint64_t pgoff);
/* Unmaps the pages of [start, end) (VMAs stay): file pages are written
 * back first, anonymous ones are gone. */
void mm_zap_range(struct kernel *k, struct mm *mm, uint64_t start, uint64_t end);
/* Finds a free range of len bytes below mm->mmap_base (hint first). 0 if none. */
uint64_t mm_get_unmapped_area(struct mm *mm, uint64_t hint, uint64_t len);
int mm_unmap(struct kernel *k, struct mm *mm, uint64_t start, uint64_t len);
int mm_protect(struct kernel *k, struct mm *mm, uint64_t start, uint64_t len, unsigned prot);

/* Writes bytes into mm regardless of page protection (loading an image,
 * like Linux's FOLL_FORCE): faults pages in as needed. 0 or -EFAULT. */
int mm_write_force(struct kernel *k, struct mm *mm, uint64_t va, const void *src, uint64_t len);
/* A copy of parent for a forked child: the same VMAs, and every page
 * shared copy-on-write. NULL when out of memory. */
struct mm *mm_fork(struct kernel *k, struct mm *parent);

/* ---- files (file.c) ---- */

#define MAX_FDS 1024

struct file; /* defined in file.c */

struct fdtable {
	struct file *fd[MAX_FDS];
	bool cloexec[MAX_FDS];
};

/* ---- signals (signal.c, sys_signal.c) ---- */

#define KSIG_MAX 64 /* signals 1..64; bit sig-1 in masks */

/* struct sigaction as the x86-64 kernel takes it in rt_sigaction. */
struct k_sigaction {
	uint64_t handler, flags, restorer, mask;
};

/* What a queued signal carries into the handler's siginfo. */
struct ksiginfo {
	int signo, code, errnum;
	int pid, uid;    /* sender (kill, SIGCHLD) */
	int status;      /* SIGCHLD: exit code or signal */
	uint64_t addr;   /* SIGSEGV, SIGBUS, SIGILL, SIGFPE */
};

struct signal_state {
	struct k_sigaction action[KSIG_MAX + 1];
	uint64_t blocked;
	uint64_t pending;
	struct ksiginfo info[KSIG_MAX + 1]; /* one queued instance per signal */
	uint64_t altstack_sp, altstack_size;
	int altstack_flags;
	/* rt_sigsuspend's caller mask, put back after the handler (Linux's
	 * saved_sigmask); valid while restore_blocked. */
	uint64_t saved_blocked;
	bool restore_blocked;
};

/* ---- processes (process.c, fork.c, exec.c, wait.c, sched.c) ---- */

enum proc_state { PROC_RUNNABLE, PROC_BLOCKED, PROC_ZOMBIE };

struct process {
	int pid, ppid, pgid, sid;
	enum proc_state state;
	struct process *parent;
	struct process *next;     /* all processes, in creation order */
	const void *wait_chan;    /* what a blocked process waits for */
	uint64_t wake_at;         /* CLOCK_MONOTONIC ns when a timed call ends; 0 = none.
				     Kept across restarts of the same call. */
	bool restart_syscall;     /* ctx is at the SYSCALL of an interrupted call */
	struct mm *mm;
	struct fdtable *files;
	struct cpu_context ctx;
	struct signal_state sig;
	char exe[PATH_MAX];  /* guest path of the executable, for /proc/self/exe */
	char host_exe[PATH_MAX];
	char comm[16];
	uint64_t clear_child_tid;
	uint64_t min_flt, maj_flt; /* faults handled for it (getrusage) */
	uint64_t child_min_flt, child_maj_flt; /* of reaped children (RUSAGE_CHILDREN) */
	struct process *vfork_parent; /* blocked in vfork until we exec or exit */
	bool autoreap;       /* the parent ignores SIGCHLD: no zombie to wait for */
	bool exited;
	int exit_code;       /* valid when exited and term_signal == 0 */
	int term_signal;     /* signal that killed it, or 0 */
	bool core_dumped;    /* default action "core" (reported by wait) */
	int pending_fatal;   /* signal queued by a fault or CPU exception */
	struct {             /* the fault behind pending_fatal */
		uint64_t addr;
		uint32_t error_code;
		enum mmu_fault_kind kind;
		enum mmu_access access;
		int si_code;     /* SEGV_MAPERR or SEGV_ACCERR */
	} fault;
};

/* A handler that must wait calls process_block(k, chan) and returns
 * -ERESTARTSYS: the call is made again from the start once kernel_wake(k,
 * chan) runs (or a signal arrives: then -EINTR or a restart, as Linux). */
#define ERESTARTSYS 512
void process_block(struct kernel *k, const void *chan);
void kernel_wake(struct kernel *k, const void *chan);
/* A timed call: the first time it sets the deadline (p->wake_at is 0
 * when a call is entered afresh), then blocks until kernel_wake(chan) or
 * the deadline, whichever comes first. Returns -ERESTARTSYS to be made
 * again, or 0 once the deadline has passed. */
int64_t process_block_until(struct kernel *k, const void *chan, uint64_t deadline_ns);
/* CLOCK_MONOTONIC now, in ns. */
uint64_t kernel_now_ns(void);

/* Queues a signal for p (info->signo set); wakes p if it is blocked and
 * the signal is not blocked. */
void signal_send(struct kernel *k, struct process *p, const struct ksiginfo *info);
/* Before p returns to user mode: acts on one deliverable signal (default
 * action, or a handler frame on the user stack). Returns true when p's
 * ctx was changed or p died. */
bool signal_deliver(struct kernel *k, struct process *p);
/* exec: handled signals go back to SIG_DFL, the altstack is dropped. */
void signal_exec(struct process *p);

/* ---- swap (swap.c) ----
 * A swap entry lives in a not-present PTE in Linux's x86-64 format: type
 * in bits 9-13, the offset inverted from bit 14 up (so a stray entry never
 * points at real memory, Linux's L1TF rule). Slot 0 is never used. */

struct swap {
	int fd;            /* the host file */
	uint64_t nslots;
	uint16_t *count;   /* per slot: PTEs holding its entry */
	uint64_t *cache;   /* per slot: frame holding its data (swap cache), or 0 */
	uint64_t *slot_of; /* per frame: its slot while in the swap cache, or 0 */
	uint64_t used, cached, next;
};

#define SWP_TYPE_FIRST_BIT 9
#define SWP_TYPE_BITS 5
#define SWP_OFFSET_FIRST_BIT (SWP_TYPE_FIRST_BIT + SWP_TYPE_BITS)
#define SWP_OFFSET_SHIFT (SWP_OFFSET_FIRST_BIT + SWP_TYPE_BITS)

static inline uint64_t swp_pte(uint64_t slot)
{
	return ~slot << SWP_OFFSET_SHIFT >> SWP_TYPE_BITS; /* type 0: one swap area */
}

static inline uint64_t swp_offset(uint64_t pte)
{
	return ~pte << SWP_TYPE_BITS >> SWP_OFFSET_SHIFT;
}

/* A not-present PTE that holds a swap entry. */
static inline bool pte_is_swap(uint64_t pte)
{
	return pte && !(pte & (1ULL << 0)) && !(pte & (1ULL << 8));
}

/* A sparse host file of size bytes at path (or an unnamed one in /tmp).
 * 0, or -1 with a message. */
int swap_init(struct kernel *k, uint64_t size, const char *path, char *err, size_t errlen);
void swap_destroy(struct swap *s);
/* Writes the page at pa to swap unless it is there already, and takes a
 * use of its slot for one PTE. Returns the slot, or 0 (no swap space). */
uint64_t swap_out(struct kernel *k, uint64_t pa);
/* The frame with slot's data: from the swap cache, or read into a new
 * frame that the cache keeps. FRAME_NONE if out of memory or I/O fails. */
uint64_t swap_in(struct kernel *k, uint64_t slot);
/* A PTE let go of its entry (swapped in, unmapped); the last frees the slot. */
void swap_put(struct kernel *k, uint64_t slot);
/* One more PTE holds the entry (fork). */
void swap_dup(struct kernel *k, uint64_t slot);
/* Frees swap-cache frames no PTE maps; returns how many. */
uint64_t swap_shrink_cache(struct kernel *k, uint64_t target);

/* ---- reclaim and the OOM killer (reclaim.c, oom.c) ---- */

/* Free frames now. */
uint64_t frames_free(struct kernel *k);
/* Frees up to target frames: swap cache first, then pages not accessed
 * since the last look (clearing A gives a second chance). Returns how many. */
uint64_t reclaim(struct kernel *k, uint64_t target);
/* Before an operation that allocates: below the min watermark, reclaim to
 * the low one, and when nothing can be freed, call the OOM killer. */
void reclaim_direct(struct kernel *k);
/* Between run slices: below the low watermark, reclaim to the high one. */
void reclaim_background(struct kernel *k);
/* Kills the process with the highest badness (resident + swapped + page
 * tables) with SIGKILL and says so as Linux's log does. False if none. */
bool oom_kill(struct kernel *k);

/* ---- the kernel ---- */

struct kernel {
	struct kernel_config cfg;
	struct kernel_ops ops;
	uint8_t *phys;
	uint64_t phys_size;
	struct frame_allocator frames;
	struct swap swap;
	/* The page cache (pagecache.c), as /proc/meminfo counts it. */
	uint64_t cache_pages;   /* frames holding file data (Cached) */
	uint64_t cache_dirty;   /* ... not yet written back (Dirty) */
	uint64_t cache_mapped;  /* ... mapped into some process (Mapped) */
	struct page_cache pagecache;
	uint64_t wmark_min, wmark_low, wmark_high; /* free frames, as Linux's zone watermarks */
	int reclaim_pid;        /* the clock hand: process and address to look at next */
	uint64_t reclaim_va;
	struct mmu mmu;
	struct process *current;
	struct process *init;   /* the first process created: its status is vmemu's */
	struct process *procs;  /* every process not yet reaped, in creation order */
	int nprocs;
	struct kernel_stats stats;
	int root_fd;            /* host directory fd for the guest's /, or -1 */
	uint64_t rand_state;
	int next_pid;
	unsigned next_pcid;
	bool tlb_flush_pending; /* CPU TLB flush owed at the end of this operation */
	bool code_flush_pending;/* the kernel wrote into a frame that may hold code */
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
/* Top of user space (4-level paging: 128 TiB minus a guard page, as Linux). */
#define USER_TOP 0x7ffffffff000ULL
/* Software bit (ignored by the CPU when P = 0): the PTE still owns its frame
 * but the VMA is PROT_NONE. Bit 8 (G when present), as Linux's
 * _PAGE_PROTNONE, so bits 9 and up stay free for swap entries. */
#define PTE_SW_PROTNONE (1ULL << 8)

/* Sets a PTE that was not present (no invalidation needed). */
void pgtable_set_new(struct kernel *k, uint64_t *pte, uint64_t value);
/* Changes or clears a present PTE and invalidates va. */
void pgtable_update(struct kernel *k, struct mm *mm, uint64_t va, uint64_t *pte, uint64_t value);
/* Unmaps [start, end): puts frames, frees empty tables, invalidates. */
void pgtable_unmap_range(struct kernel *k, struct mm *mm, uint64_t start, uint64_t end);
/* Gives one present (or PROT_NONE) PTE the bits for vm_flags. */
void pgtable_protect_pte(struct kernel *k, struct mm *mm, uint64_t va, uint64_t *pte,
			 unsigned vm_flags);
/* Applies new permission bits to present PTEs in [start, end). */
void pgtable_protect_range(struct kernel *k, struct mm *mm, uint64_t start, uint64_t end,
			   unsigned vm_flags);
/* Calls fn for each non-empty leaf PTE of mm in [start, end). */
typedef void pgtable_leaf_fn(struct kernel *k, struct mm *mm, uint64_t va, uint64_t *pte,
			     void *arg);
void pgtable_walk_leaves(struct kernel *k, struct mm *mm, uint64_t start, uint64_t end,
			 pgtable_leaf_fn *fn, void *arg);
/* Frees every table and frame of mm. */
void pgtable_free_all(struct kernel *k, struct mm *mm);
/* PTE bits for VM_* flags (user page; W, NX as the flags say; a
 * not-present PTE_SW_PROTNONE entry when the flags allow no access). */
uint64_t pgtable_prot_bits(unsigned vm_flags);
/* Sends the owed CPU TLB flush, if any. */
void tlb_gather_finish(struct kernel *k);

/* ---- faults (fault.c) ---- */

/* Fills a not-present anonymous PTE (demand paging): a zeroed frame for a
 * write, the shared zero page for a read of private memory. */
int fault_anonymous(struct kernel *k, struct mm *mm, struct vma *vma, uint64_t va, uint64_t *pte,
		    bool write);
/* Gives a shared present page (zero page, or after fork) to mm alone at va:
 * reused when no one else maps it, else copied. 0, or -1 out of memory. */
int fault_cow(struct kernel *k, struct mm *mm, struct vma *vma, uint64_t va, uint64_t *pte);
/* Dispatch on the PTE once the VMA allows the access: demand-zero, file
 * page, swap-in, copy-on-write or a first write to a shared page; *kind
 * says which. 0, -1 when out of memory, FAULT_SIGBUS for a page past the
 * end of the file (or one the file cannot give). */
#define FAULT_SIGBUS (-2)
enum fault_kind { FAULT_DEMAND_ZERO, FAULT_FILE, FAULT_SWAP, FAULT_COW, FAULT_SPURIOUS };
int handle_pte_fault(struct kernel *k, struct mm *mm, struct vma *vma, uint64_t va,
		     enum mmu_access access, enum fault_kind *kind);
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
syscall_fn sys_brk, sys_mmap, sys_munmap, sys_mprotect, sys_madvise, sys_msync, sys_mincore;
syscall_fn sys_mremap; /* mremap.c */
/* Processes (fork.c, exec.c, wait.c). */
syscall_fn sys_fork, sys_vfork, sys_clone, sys_execve, sys_wait4, sys_waitid;

/* The SYSCALL instruction is 2 bytes: a call returns after it. */
#define SYSCALL_INSN_LEN 2

/* Processes (process.c). At most PROCESS_MAX exist at once (fork: EAGAIN). */
#define PROCESS_MAX 256
/* A new runnable process with the next pid, in k->procs; NULL at the limit. */
struct process *process_alloc(struct kernel *k);
struct process *process_find(struct kernel *k, int pid);
/* Ends p with an exit code (exit, exit_group): it becomes a zombie, its
 * memory and files are released, its parent gets SIGCHLD. */
void process_exit(struct kernel *k, struct process *p, int code);
/* Ends p by signal sig (default action of a fatal signal). */
void process_kill(struct kernel *k, struct process *p, int sig);
/* Removes p from the process list and frees it (wait4, or vmemu's end). */
void process_reap(struct kernel *k, struct process *p);
/* p no longer borrows its vfork parent: the parent may run on. */
void process_vfork_done(struct kernel *k, struct process *p);

/* Files: the per-process table (file.c). */
struct fdtable *fdtable_create_stdio(void);
void fdtable_destroy(struct fdtable *t);


/* ---- syscalls and files (syscall.c, file.c, sys_*.c) ---- */

/* Handlers, by file. */
syscall_fn sys_read, sys_write, sys_readv, sys_writev, sys_pread64, sys_pwrite64,
	sys_sendfile; /* sys_rw.c */
syscall_fn sys_open, sys_openat, sys_close, sys_dup, sys_dup2, sys_dup3, sys_fcntl, sys_ioctl,
	sys_lseek, sys_getdents64, sys_ftruncate, sys_fsync, sys_pipe, sys_pipe2; /* sys_file.c */
syscall_fn sys_stat, sys_lstat, sys_fstat, sys_newfstatat, sys_statx, sys_access, sys_faccessat,
	sys_faccessat2, sys_readlink, sys_readlinkat, sys_getcwd, sys_unlink, sys_unlinkat,
	sys_rmdir, sys_mkdir, sys_mkdirat, sys_rename, sys_renameat, sys_symlink, sys_symlinkat,
	sys_utimensat, sys_chmod, sys_fchmod, sys_fchmodat; /* sys_path.c */
syscall_fn sys_exit, sys_exit_group, sys_arch_prctl, sys_set_tid_address, sys_set_robust_list,
	sys_rseq, sys_prlimit64, sys_getrlimit, sys_setrlimit, sys_uname, sys_prctl, sys_getpid,
	sys_gettid, sys_getppid, sys_getuid, sys_geteuid, sys_getgid, sys_getegid,
	sys_sched_getaffinity, sys_sched_yield, sys_getrandom, sys_sysinfo; /* sys_misc.c */
syscall_fn sys_clock_gettime, sys_clock_getres, sys_gettimeofday, sys_time, sys_nanosleep,
	sys_clock_nanosleep, sys_getrusage; /* sys_time.c */
syscall_fn sys_poll, sys_ppoll; /* sys_poll.c */

/* Copies to the guest page by page; returns the bytes copied before the
 * first fault (for calls that report partial success, sys_rw.c). */
uint64_t copy_to_user_partial(struct kernel *k, uint64_t uva, const void *src, uint64_t n);

/* The system call table's entry: handler, and how --strace shows it. */
struct syscall_desc {
	syscall_fn *fn;
	const char *name;
	uint8_t nargs;
	uint8_t arg[6]; /* enum strace_arg */
	uint8_t ret;    /* enum strace_ret */
};

/* How strace.c prints one argument. "OUT" arguments are filled by the
 * call and printed after it (their pointer on error); a length comes from
 * the next argument (IN) or the return value (OUT). */
enum strace_arg {
	SA_INT, SA_LONG, SA_ULONG, SA_HEX, SA_PTR, SA_OCT, SA_DIRFD,
	SA_PATH, SA_BUF_IN, SA_BUF_OUT, SA_HEXBUF_OUT, SA_STR_OUT,
	SA_IOV_IN, SA_IOV_OUT,
	SA_OPEN_FLAGS, SA_OPEN_MODE, SA_FD_FLAGS, SA_PROT, SA_MAP_FLAGS, SA_MADV,
	SA_AT_FLAGS, SA_ACCESS_MODE, SA_ACCESS_FLAGS, SA_WHENCE, SA_IOCTL_REQ,
	SA_FCNTL_CMD, SA_FCNTL_ARG, SA_ARCH_CODE, SA_ARCH_ADDR, SA_PRCTL_OPT,
	SA_PRCTL_ARG, SA_RLIMIT_RES, SA_RLIMIT_IN, SA_RLIMIT_OUT, SA_CLOCKID,
	SA_TIMER_FLAGS, SA_TIMESPEC_IN, SA_TIMESPEC_OUT, SA_TIMEVAL_OUT,
	SA_STAT_OUT, SA_UTSNAME_OUT, SA_CPUSET_OUT, SA_SIGNAL, SA_SIGHOW,
	SA_GRND_FLAGS, SA_PIPEFD_OUT, SA_DIRENTS_OUT, SA_RUSAGE_WHO,
	SA_POLLFDS,
};

enum strace_ret { SR_DEC, SR_HEX, SR_FCNTL };

/* Copies up to n bytes of guest memory at va; returns how many could be
 * read before the first fault. */
typedef size_t strace_read_fn(void *ctx, void *dst, uint64_t va, size_t n);

#define STRACE_LINE_MAX 32768

/* One line of --strace output, built in two steps like strace does: the
 * input arguments before the call, the rest and the result after it. */
struct strace_line {
	char s[STRACE_LINE_MAX];
	size_t len;
	int next_arg;
	strace_read_fn *read;
	void *read_ctx;
};

/* d == NULL: an unknown call nr, shown as syscall_0x1f4(six hex args). */
void strace_enter(struct strace_line *l, const struct syscall_desc *d, uint64_t nr,
		  const uint64_t a[6]);
void strace_exit(struct strace_line *l, const struct syscall_desc *d, const uint64_t a[6],
		 int64_t ret);
void strace_noreturn(struct strace_line *l); /* "= ?" of exit and exit_group */

/* O_LARGEFILE as the kernel sees it: glibc defines it as 0 on x86-64. */
#define KERNEL_O_LARGEFILE 0100000

/* ---- open files (file.c, file_host.c, pipe.c) ----
 * A guest fd names a struct file, an open file description: dup'ed and
 * inherited fds share one, so they share its offset and status flags.
 * Each kind acts through its file_ops; host-backed files (regular,
 * directory, tty, other) do the work on a host fd, pipes in the kernel. */
enum file_kind { FILE_REGULAR, FILE_DIRECTORY, FILE_TTY, FILE_OTHER, FILE_PIPE, FILE_PROC };

struct user_iovec {
	uint64_t base, len;
};

/* The buffers of one read or write (Linux's iov_iter): guest iovecs, or
 * one kernel buffer (kbuf) when data moves between two files (sendfile). */
struct uio {
	const struct user_iovec *iov;
	int cnt, idx;
	uint64_t off;  /* into iov[idx], or into kbuf */
	uint64_t left; /* bytes still to move */
	bool fault;    /* a guest buffer faulted */
	char *kbuf;
};

/* A uio over one kernel buffer of n bytes. */
static inline struct uio uio_kernel(void *buf, uint64_t n)
{
	return (struct uio){.kbuf = buf, .left = n};
}

/* Moves up to n bytes between buf and u's buffers (to_uio: from buf into
 * them); returns how many before the first fault (sys_rw.c). */
size_t uio_copy(struct kernel *k, struct uio *u, void *buf, size_t n, bool to_uio);

struct file;
struct stat;

struct file_ops {
	/* pos < 0: at the file offset, else at pos (pread/pwrite; only
	 * host-backed files get one). Returns the bytes moved or -errno; a
	 * call that must wait has called process_block and returns
	 * -ERESTARTSYS. NULL: the file is not open for it (EBADF). */
	int64_t (*read)(struct kernel *k, struct file *f, struct uio *u, int64_t pos);
	int64_t (*write)(struct kernel *k, struct file *f, struct uio *u, int64_t pos);
	/* In-kernel files: the POLL* bits true now. NULL for host-backed
	 * files, which sys_poll asks the host about. */
	unsigned (*poll)(struct file *f);
	int (*stat)(struct file *f, struct stat *st);
	/* In-kernel files with an offset (/proc): lseek(2); the new offset
	 * or -errno. NULL: not seekable (ESPIPE). */
	int64_t (*llseek)(struct file *f, int64_t off, int whence);
	void (*release)(struct file *f); /* the last reference is gone */
};

struct file {
	int refcount;
	const struct file_ops *ops;
	enum file_kind kind;
	int host_fd;   /* -1 for in-kernel files */
	int flags;     /* in-kernel files: O_ACCMODE and status flags (host
			  files keep theirs in the host's description) */
	void *private; /* the kind's state (struct pipe) */
};

/* Woken whenever an in-kernel file changes state, for poll (file.c). */
extern const char file_poll_chan;

/* A file on a host fd, taking ownership of it; NULL (and the fd closed)
 * when out of memory (file_host.c). */
struct file *file_create(int host_fd);
/* An in-kernel file with one reference; NULL when out of memory. */
struct file *file_alloc(const struct file_ops *ops, enum file_kind kind, int flags,
			void *private);
void file_get(struct file *f);
void file_put(struct file *f);
/* The host fd behind f, or -1 for an in-kernel file (host calls on it
 * then fail with EBADF). */
int file_host_fd(const struct file *f);
enum file_kind file_kind(const struct file *f);
/* fstat(2) of f, through its kind: 0 or -errno. */
int file_stat(struct file *f, struct stat *st);
/* F_GETFL and F_SETFL: flags, or -errno. */
int file_get_flags(struct file *f);
int file_set_flags(struct file *f, int flags);

/* A new pipe: ends[0] the read end, ends[1] the write end, each with one
 * reference and O_NONBLOCK / O_DIRECT from flags (pipe.c). 0 or -ENOMEM. */
int pipe_create(struct kernel *k, int flags, struct file *ends[2]);
/* Bytes waiting in the pipe f is an end of (FIONREAD), or -ENOTTY. */
int pipe_nread(struct file *f);
/* Its capacity in bytes (F_GETPIPE_SZ), or -EBADF when f is no pipe. */
int pipe_capacity(struct file *f);

/* The open file behind guest fd, or NULL (EBADF). */
struct file *fd_file(struct fdtable *t, int fd);
/* Installs f (taking the caller's reference) at the lowest free fd >= min;
 * returns it, or -EMFILE. */
int fd_install(struct fdtable *t, int min, struct file *f, bool cloexec);
/* Installs f at fd, closing what was there (dup2). */
void fd_install_at(struct fdtable *t, int fd, struct file *f, bool cloexec);
int fd_close(struct fdtable *t, int fd);
/* The file behind a syscall's fd argument: its low 32 bits, as Linux's
 * unsigned int fd. */
static inline struct file *fd_arg(struct kernel *k, uint64_t arg)
{
	return fd_file(k->current->files, (int)(uint32_t)arg);
}
/* fork: a new table naming the same open files (references taken, so
 * offsets are shared) with the same close-on-exec flags; NULL when out
 * of memory. */
struct fdtable *fdtable_fork(struct fdtable *t);
/* execve: closes the fds marked close-on-exec. */
void fdtable_exec(struct fdtable *t);

/* Copies a path argument into path: 0, or -errno (ENOENT for "" unless
 * empty_ok, ENAMETOOLONG, EFAULT). */
int file_user_path(struct kernel *k, char path[PATH_MAX], uint64_t va, bool empty_ok);
/* The host directory for --root, opened once by kernel_create: fd or -errno. */
int file_open_root(const char *root);
/* Opens path like openat(2) on the host, confined to root_fd when it is
 * >= 0 (RESOLVE_IN_ROOT: ".." and symlinks cannot leave it). dir_fd is a
 * host directory fd or AT_FDCWD. Returns a host fd (O_CLOEXEC) or -errno. */
int path_openat(int root_fd, int dir_fd, const char *path, int flags, unsigned mode);
/* The same for the current process: dirfd is a guest fd or AT_FDCWD. */
int file_openat(struct kernel *k, int dirfd, const char *path, int flags, unsigned mode);
/* Opens the directory holding path's last component (O_PATH) and points
 * *base at that component, for calls that act on a name (unlink, mkdir,
 * rename). Returns a host fd, or -errno (-dot_err when the component is
 * "." or ".." or the path is "/"). */
int file_open_parent(struct kernel *k, int dirfd, const char *path, const char **base,
		     int dot_err);

/* ---- the guest's /proc (procfs.c) ----
 * Paths under /proc are the kernel's, with or without --root; they are
 * recognised by name (".", ".." and "//" resolved) before any host
 * lookup. */
bool procfs_match(const char *path); /* an absolute path under /proc */
/* open(2) of such a path: 0 and the new file in *out, or -errno. */
int procfs_open(struct kernel *k, const char *path, int flags, struct file **out);
/* stat(2) of it (follow: through the exe link): 0 or -errno. */
int procfs_stat(struct kernel *k, const char *path, bool follow, struct stat *st);
/* readlink(2) of it: the target's length (cut to size), or -errno. */
int64_t procfs_readlink(struct kernel *k, const char *path, char *buf, size_t size);

/* ---- signals: helpers (signal.c, sys_signal.c) ---- */

/* struct k_sigaction's handler values besides a function. */
#define KSIG_DFL 0
#define KSIG_IGN 1

/* The bit of signal sig in a mask. */
static inline uint64_t sig_bit(int sig)
{
	return 1ULL << (sig - 1);
}

/* Default actions (man 7 signal). Stop and continue are not modelled:
 * SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU and SIGCONT are ignored. */
enum sig_default { SIG_DEFAULT_TERM, SIG_DEFAULT_CORE, SIG_DEFAULT_IGNORE };
enum sig_default signal_default_action(int sig);
/* SIG_IGN, or SIG_DFL with an "ignore" default. */
bool signal_ignored(const struct process *p, int sig);
/* The signal signal_deliver acts on next: SIGKILL first, then the lowest
 * pending unblocked one; 0 when none. */
int signal_next(const struct process *p);
/* The mask with SIGKILL and SIGSTOP taken out: they cannot be blocked. */
uint64_t signal_blockable(uint64_t mask);

/* The alternate signal stack (sigaltstack(2), sigframe.c); stack_t as the
 * kernel has it. */
struct k_stack {
	uint64_t ss_sp;
	int32_t ss_flags;
	uint64_t ss_size;
};
/* SS_DISABLE, SS_ONSTACK or 0 for a thread at sp (Linux's sas_ss_flags). */
int altstack_flags(const struct process *p, uint64_t sp);
/* Installs a new altstack for a thread at sp: 0, -EPERM, -EINVAL or -ENOMEM. */
int altstack_set(struct process *p, uint64_t sp, uint64_t ss_sp, int ss_flags, uint64_t ss_size);

/* The rt_sigframe (sigframe.c). Builds it on the stack of p (the current
 * process) for handler ka of info->signo: p->ctx is saved with mask as the
 * mask to restore, and trapno, err and cr2 of the fault behind a
 * synchronous signal. Then p->ctx enters the handler. 0, or -EFAULT when
 * the frame cannot be written. */
struct sigframe_fault {
	uint64_t trapno, err, cr2;
};
int sigframe_setup(struct kernel *k, struct process *p, const struct k_sigaction *ka,
		   const struct ksiginfo *info, const struct sigframe_fault *fault,
		   uint64_t mask);
/* rt_sigreturn: restores ctx, the mask and the altstack from the frame the
 * handler returned through. 0, or -EFAULT for a bad frame. */
int sigframe_restore(struct kernel *k, struct process *p);

syscall_fn sys_rt_sigaction, sys_rt_sigprocmask, sys_rt_sigreturn, sys_rt_sigpending,
	sys_rt_sigsuspend, sys_pause, sys_sigaltstack, sys_kill, sys_tkill, sys_tgkill, sys_setpgid,
	sys_getpgid, sys_getpgrp, sys_setsid, sys_getsid; /* sys_signal.c */

#endif
