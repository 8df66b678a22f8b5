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

struct kernel;

/* x87 and SSE registers: each process has its own. */
struct fpu_state {
	uint8_t st[8][10];  /* ST0-ST7, 80-bit */
	uint8_t xmm[16][16];
	uint32_t mxcsr;
	uint16_t fcw, fsw, ftw; /* ftw: the full tag word, 0xffff = all empty */
};

/* User-visible CPU state of one thread: what a system call or signal frame
 * reads and writes. */
struct cpu_context {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rip, rflags;
	uint64_t fs_base, gs_base;
	struct fpu_state fpu;
};

/* The state a new program starts with (execve): zero registers, IF set,
 * and the x87/SSE defaults Linux gives (FCW 0x37f, MXCSR 0x1f80). */
static inline void cpu_context_reset(struct cpu_context *c)
{
	*c = (struct cpu_context){.rflags = 0x202,
				  .fpu = {.mxcsr = 0x1f80, .fcw = 0x37f, .ftw = 0xffff}};
}

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

struct process;

/* Loads a program into p (loader/ provides it: the kernel cannot depend
 * on the loader). Returns 0, or 126/127 with a message as loader_exec. */
typedef int kernel_exec_fn(struct kernel *k, struct process *p, const char *host_path,
			   const char *path, char *const argv[], char *const envp[], char *err,
			   size_t errlen);

/* --thp: which anonymous memory gets transparent huge pages, as Linux's
 * /sys/kernel/mm/transparent_hugepage/enabled (madvise is the default). */
enum thp_mode { THP_MADVISE, THP_ALWAYS, THP_NEVER };
/* Fault injection (vmemu run --inject; Linux's fault-injection framework,
 * fail_page_alloc and fail-nth): the kernel operations that can be made to
 * fail, and how the guest sees each failure. */
enum kernel_fail {
	FAIL_PAGE_ALLOC, /* a frame: ENOMEM from a system call, the OOM killer at a fault */
	FAIL_SWAP_READ,  /* a swap-in: SIGBUS (BUS_ADRERR) at the fault */
	FAIL_SWAP_WRITE, /* a swap-out: the page stays in memory */
	FAIL_FILE_READ,  /* a page-cache read: SIGBUS (BUS_ADRERR) at a fault, EIO from read() */
	FAIL_MMAP,       /* an mmap: ENOMEM */
	FAIL_KINDS
};

/* When one kind fails: from its nth call on (counted from 1 over the
 * whole run), or each call with a probability drawn from a generator
 * seeded with seed; at most times failures (0: no limit). Neither nth nor
 * ppm: never. */
struct kernel_inject {
	uint64_t nth;
	uint32_t ppm;   /* failures per million calls, when nth is 0 */
	uint64_t seed;
	uint64_t times;
};

/* Parses one --inject SPEC, KIND:nth=N[:times=T] or
 * KIND:p=PERCENT[:seed=S][:times=T], into inject[KIND]. 0, or -1 with what
 * is wrong in err (an unknown kind, a bad number, a kind given twice). */
int kernel_inject_parse(const char *spec, struct kernel_inject inject[FAIL_KINDS], char *err,
			size_t errlen);
/* The name --inject gives kind ("page-alloc"). */
const char *kernel_fail_name(enum kernel_fail kind);

struct kernel_config {
	kernel_exec_fn *exec; /* for execve */
	uint64_t mem_size;    /* guest-physical memory in bytes */
	const char *root;     /* host directory the guest sees as /, or NULL */
	/* The host descriptors the first process gets at the same numbers
	 * (those vmemu was started with); NULL: 0, 1 and 2. */
	const int *host_fds;
	int nhost_fds;
	uint64_t swap_size;   /* bytes of swap, 0 for none */
	const char *swap_file;/* host path of the swap file, or NULL for an unnamed one */
	FILE *strace;         /* where --strace lines go, or NULL */
	const struct mmu_model *tlb_model; /* the CPU's TLBs and paging-structure caches; NULL: the default */
	enum thp_mode thp;
	bool la57;            /* --la57: 5-level paging, user space up to 2^56 */
	uint64_t hugepages_2m, hugepages_1g; /* --hugepages 2M:N,1G:M: the pools at boot */
	/* core/ forwards host signals (kernel_post_signal): when every process
	 * waits and nothing else can wake one, the kernel waits for them as
	 * Linux would, instead of ending the guest as deadlocked. */
	bool host_signals;
	struct kernel_inject inject[FAIL_KINDS]; /* --inject */
};

/* Counters reported by --stats. */
struct kernel_stats {
	uint64_t tlb_fills[3];        /* indexed by enum mmu_access */
	uint64_t page_faults;         /* every #PF the handler saw */
	uint64_t faults_demand_zero;  /* anonymous page given at first touch */
	uint64_t faults_spurious;     /* already fixed (e.g. by another path) */
	uint64_t faults_fatal;        /* turned into SIGSEGV */
	uint64_t faults_cow;          /* writes to shared pages */
	uint64_t cow_copied;          /* ... that copied the page */
	uint64_t cow_reused;          /* ... whose page had no other user */
	uint64_t cow_zero;            /* ... that left the zero page */
	uint64_t forks, execs, context_switches;
	uint64_t faults_swap;         /* major: page read back from swap */
	uint64_t faults_file;         /* file or shared-memory page mapped from its mapping */
	uint64_t cache_reads;         /* pages read from host files into the page cache */
	uint64_t cache_writebacks;    /* dirty page-cache pages written back to their files */
	uint64_t cache_reclaimed;     /* page-cache pages dropped by reclaim */
	uint64_t swap_outs, swap_ins; /* pages written to / read from swap */
	uint64_t pages_scanned, pages_reclaimed; /* on the inactive lists */
	uint64_t pages_activated;     /* inactive -> active: used again */
	uint64_t pages_deactivated;   /* active -> inactive, A bits cleared */
	uint64_t oom_kills;
	uint64_t syscalls;
	uint64_t syscalls_unknown;    /* answered ENOSYS */
	uint64_t frames_total;        /* frames the allocator manages */
	uint64_t frames_in_use;
	uint64_t frames_peak;
	uint64_t page_table_pages;    /* frames holding paging structures */
	uint64_t tlb_flushes;         /* flush_tlb requests sent to the CPU */
	uint64_t tlb_shootdowns;      /* ... for an mm several threads use (IPIs on SMP) */
	uint64_t code_flushes;        /* flush_code requests sent to the CPU */
	/* Transparent huge pages, as Linux's /proc/vmstat thp_* counters. */
	uint64_t thp_fault_alloc;     /* huge pages given by a fault */
	uint64_t thp_fault_fallback;  /* ... that fell back to 4 KiB: no free order-9 block */
	uint64_t thp_split_pmd;       /* huge PDEs split into page tables */
	uint64_t thp_zero_page_alloc; /* the huge zero page made */
	uint64_t thp_collapse_alloc;  /* huge pages made by MADV_COLLAPSE */
	/* Compaction (mm/compaction.c), as Linux's compact_* and pgmigrate_*. */
	uint64_t compact_stall;       /* direct compactions tried for a THP fault */
	uint64_t compact_fail, compact_success;
	uint64_t compact_migrate_scanned; /* frames looked at */
	uint64_t pgmigrate_success;   /* pages moved */
	uint64_t inject_calls[FAIL_KINDS];    /* --inject: chances to fail */
	uint64_t inject_failures[FAIL_KINDS]; /* ... taken */
};


/* Creates a kernel with cfg (copied). Returns NULL and a message in err on
 * failure (e.g. the memory size is impossible). */
struct kernel *kernel_create(const struct kernel_config *cfg, const struct kernel_ops *ops,
			     char *err, size_t errlen);
void kernel_destroy(struct kernel *k);

/* Guest-physical memory, for core/ to map into the CPU once. */
uint8_t *kernel_phys_base(struct kernel *k);
uint64_t kernel_phys_size(struct kernel *k);

/* A new process with an empty address space, stdin/stdout/stderr of the
 * host, vmemu's umask and working directory (the root with --root);
 * loader_exec() gives it an image. NULL with errno set when it cannot be
 * made (ENOMEM, or what opening the working directory said). */
struct process *kernel_create_process(struct kernel *k);
/* Records argv (NULL-terminated) as p's command line (/proc/PID/cmdline):
 * execve and kernel_exec_first do it. */
void process_set_cmdline(struct process *p, char *const argv[]);
/* Gives the first process its program, PROG (a host path, as vmemu was
 * given it), as Linux runs init: an ELF file through the loader
 * (cfg.exec), a "#!" script through its interpreter, which is looked up as
 * the guest's execve looks it up (inside --root) and gets the script's
 * name as its argument. 0, or 126/127 with a message in err. */
int kernel_exec_first(struct kernel *k, struct process *p, const char *prog, char *const argv[],
		      char *const envp[], char *err, size_t errlen);
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
/* The CPU did not take the answer of the last kernel_tlb_fill after all
 * (its slice is ending): a PTE the fill changed must not survive in the
 * CPU's TLB, which may flush it. */
void kernel_tlb_fill_failed(struct kernel *k);

/* Runs the system call in ctx->rax; ctx->rip is the SYSCALL instruction.
 * Returns false for a plain return (ctx->rax, rcx, r11 and other changed
 * registers go back to the CPU, which steps over the SYSCALL itself), true
 * when the CPU must stop this slice and later reload the whole context of
 * kernel_current_context() (exec, signal frames, blocking, exit). */
bool kernel_syscall(struct kernel *k, struct cpu_context *ctx);

/* A CPU exception the kernel did not see as a #PF (e.g. #UD -> SIGILL,
 * #DE -> SIGFPE): queued for the current process like a fault, unless a
 * fatal signal is already queued (the first cause wins). */
void kernel_raise_fatal(struct kernel *k, int sig);
/* The trap flag's #DB after an instruction: SIGTRAP, TRAP_TRACE. */
void kernel_raise_single_step(struct kernel *k);

/* A signal sent to vmemu by the host, for the guest: SIGINT and SIGQUIT
 * go to the guest init's process group (as a terminal sends them to its
 * foreground group), the others to the guest's init. Async-signal-safe:
 * it is delivered at the next kernel_schedule, which it also wakes. */
void kernel_post_signal(struct kernel *k, int sig);

/* The page fault queued by a refused TLB fill, if any: *addr points at its
 * address (which the CPU reports only to the page, so core/ may refine it)
 * and *access says what kind it was (either may be NULL). False when none
 * is queued. */
bool kernel_pending_fault(struct kernel *k, uint64_t **addr, enum mmu_access *access);

/* Reads up to n bytes of the current process's memory at va, as the
 * kernel would (faulting pages in); returns how many leading bytes could
 * be read. */
size_t kernel_read_user(struct kernel *k, uint64_t va, void *buf, size_t n);

/* Called by core/ before each run slice: delivers pending signals, picks
 * the process to run (kernel_current_context) and drops translated code
 * when frames that held code are to be reused. Returns false once the
 * first process has ended (the others end with it). */
bool kernel_schedule(struct kernel *k);
/* The slice length for uc_emu_start: 0 (no limit) when one process can run. */
uint64_t kernel_time_slice_us(struct kernel *k);

/* Ends every process and returns the frames and swap slots still in use
 * afterwards: anything but 0 is a leak in the kernel (a debug check run at
 * every exit). */
uint64_t kernel_shutdown(struct kernel *k);

/* Exit status for vmemu once no process runs: the guest's exit code, or
 * 128 + N when killed by signal N. */
int kernel_exit_status(struct kernel *k);
/* The signal that ended the guest's init, or 0 when it exited. */
int kernel_exit_signal(struct kernel *k);

const struct kernel_stats *kernel_stats(struct kernel *k);

/* Memory as /proc/meminfo shows it, in KiB, with Linux's names
 * (meminfo.c says how each is counted). */
struct meminfo {
	uint64_t mem_total, mem_free, mem_available;
	uint64_t buffers, cached, swap_cached;
	uint64_t active_anon, inactive_anon, active_file, inactive_file;
	uint64_t unevictable, mlocked;
	uint64_t swap_total, swap_free;
	uint64_t dirty, writeback;
	uint64_t anon_pages, mapped, shmem;
	uint64_t anon_huge_pages;
	uint64_t huge_total, huge_free, huge_rsvd, huge_surp; /* hugetlb pages (counts) */
	uint64_t hugetlb;
	uint64_t kreclaimable, slab, sreclaimable, sunreclaim, kernel_stack;
	uint64_t page_tables;
	uint64_t commit_limit, committed_as;
};

/* Fills mi from the kernel's own state (frames, page cache, swap, page
 * tables), as Linux's meminfo_proc_show does. */
void kernel_meminfo(struct kernel *k, struct meminfo *mi);
struct mmu *kernel_mmu(struct kernel *k);

/* ---- what tracers and debuggers see (ktrace.c, inspect.c) ---- */

/* What the kernel did about one page fault. */
enum kernel_fault_outcome {
	KFAULT_DEMAND_ZERO,  /* anonymous write: a new zeroed frame */
	KFAULT_ZERO_PAGE,    /* anonymous read: the shared zero page, read-only */
	KFAULT_FILE_READ,    /* a file page read from the file into the page cache */
	KFAULT_FILE_CACHED,  /* a file or shared-memory page already in the page cache */
	KFAULT_SWAP_IN,      /* a page read back from swap */
	KFAULT_SWAP_CACHE,   /* a swapped page still in the swap cache */
	KFAULT_COW_COPIED,   /* copy-on-write: the page was copied */
	KFAULT_COW_REUSED,   /* copy-on-write: no other user, the page made writable */
	KFAULT_COW_ZERO,     /* copy-on-write of the zero page: a new frame */
	KFAULT_SHARED_WRITE, /* first write to a page of a shared map: made writable */
	KFAULT_SPURIOUS,     /* nothing to fix: a stale cached translation */
	KFAULT_SIGSEGV,      /* not fixable: SIGSEGV sent (a user access) */
	KFAULT_SIGBUS,       /* not fixable: SIGBUS sent (past the end of a file) */
	KFAULT_EFAULT,       /* a kernel access that cannot be fixed: the call fails */
	KFAULT_KILLED,       /* the process was killed meanwhile (OOM killer) */
	KFAULT_USERFAULT,    /* a missing page a userfaultfd fills: the task sleeps */
};
/* "demand-zero", "zero-page", "file-read", ..., "sigsegv", "efault". */
const char *kernel_fault_outcome_name(enum kernel_fault_outcome o);

struct kernel_fault_event {
	int pid;
	bool user;               /* false: the kernel's own copy to or from user memory */
	enum mmu_access access;
	const struct mmu_fault *fault; /* cr2, error code, level */
	enum kernel_fault_outcome outcome;
	uint64_t pte_old, pte_new; /* the page's PTE before and after (0: none) */
};

struct kernel_syscall_event {
	int pid;
	uint64_t nr;
	const char *name;       /* NULL for a call the kernel does not know */
	int nargs;              /* how many of args the call takes (6 when unknown) */
	uint64_t args[6];
	int64_t ret;
	bool restart;           /* it must wait: made again later from its SYSCALL */
	bool noreturn;          /* the process is gone (exit, a fatal signal) */
};

/* Callbacks for tracers and debuggers; any may be NULL. */
struct kernel_trace {
	void *ctx;
	/* After the fault handler: a #PF of a user access (kernel_tlb_fill)
	 * or of the kernel's copy_to_user/copy_from_user. */
	void (*fault)(void *ctx, const struct kernel_fault_event *e);
	void (*syscall)(void *ctx, const struct kernel_syscall_event *e);
	/* The CPU goes from process from_pid (0: none) to to_pid. */
	void (*sched)(void *ctx, int from_pid, int to_pid);
};
/* Installs t (NULL: none); t must outlive the kernel or be removed. */
void kernel_set_trace(struct kernel *k, const struct kernel_trace *t);

/* One process as ps shows it. */
struct kernel_proc {
	int pid, ppid;
	char state;      /* 'R' runnable, 'S' blocked, 'T' stopped, 'Z' zombie */
	bool current;    /* the one on the CPU */
	char comm[16];
	uint16_t pcid;   /* of its address space (0 for a zombie) */
};
/* Up to max processes in creation order into out; returns how many exist. */
int kernel_procs(struct kernel *k, struct kernel_proc *out, int max);
/* The current process's pid, 0 when none. */
int kernel_current_pid(struct kernel *k);
/* pid's registers as the kernel keeps them (for the current process,
 * those of the last slice end). False when there is no such pid. */
bool kernel_proc_context(struct kernel *k, int pid, struct cpu_context *out);
/* The MMU registers with pid's CR3, to walk its tables with mmu_probe or
 * mmu_pt_visit. False for an unknown pid or a zombie. */
bool kernel_proc_mmu_regs(struct kernel *k, int pid, struct mmu_regs *out);
/* /proc/pid/maps as text (malloc'd, the caller frees it); NULL for an
 * unknown pid or out of host memory. */
char *kernel_proc_maps(struct kernel *k, int pid);
/* The line of /proc/<current>/maps for the VMA that holds va, without
 * its newline, into buf; false when no VMA holds it. */
bool kernel_vma_describe(struct kernel *k, uint64_t va, char *buf, size_t len);
/* Whether a not-present PTE holds a swap entry, and its slot. */
bool kernel_pte_swap_slot(uint64_t pte, uint64_t *slot);
/* Whether a not-present PTE keeps its page behind PROT_NONE. */
bool kernel_pte_protnone(uint64_t pte);
/* The host path of pid's executable into buf; false for an unknown pid
 * (or one without an executable). */
bool kernel_proc_exe(struct kernel *k, int pid, char *buf, size_t len);

/* The fatal signal queued for the current process by a fault or a CPU
 * exception, as its siginfo will say (before it is delivered). */
struct kernel_siginfo {
	int signo, code;
	uint64_t addr;
};
bool kernel_pending_fatal(struct kernel *k, struct kernel_siginfo *out);

#endif
