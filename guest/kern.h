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
bool vma_overlaps(struct mm *mm, uint64_t start, uint64_t end);
/* Links a new VMA (named "[heap]"/"[stack]" by its flags); NULL if no memory. */
struct vma *vma_insert(struct mm *mm, uint64_t start, uint64_t end, unsigned flags);
/* Splits VMAs so start and end fall on boundaries; -1 if out of memory. */
int vma_split_at(struct mm *mm, uint64_t start, uint64_t end);
/* Frees the VMAs that lie inside [start, end) (split first). */
void vma_remove_range(struct mm *mm, uint64_t start, uint64_t end);
void vma_merge(struct mm *mm);
void vma_free_all(struct mm *mm);
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
	struct {             /* the fault behind pending_fatal */
		uint64_t addr;
		uint32_t error_code;
		enum mmu_fault_kind kind;
		enum mmu_access access;
		int si_code;     /* SEGV_MAPERR or SEGV_ACCERR */
	} fault;
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
	struct process *init;   /* the first process created: its status is vmemu's */
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
 * but the VMA is PROT_NONE, like Linux's _PAGE_PROTNONE. */
#define PTE_SW_PROTNONE (1ULL << 9)

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
/* Frees every table and frame of mm. */
void pgtable_free_all(struct kernel *k, struct mm *mm);
/* PTE bits for VM_* flags (user page; W, NX as the flags say; a
 * not-present PTE_SW_PROTNONE entry when the flags allow no access). */
uint64_t pgtable_prot_bits(unsigned vm_flags);
/* Sends the owed CPU TLB flush, if any. */
void tlb_gather_finish(struct kernel *k);

/* ---- faults (fault.c) ---- */

/* Gives the not-present page at va a zeroed frame (demand paging). */
int fault_anonymous(struct kernel *k, struct mm *mm, struct vma *vma,
		    uint64_t *pte);
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
/* Releases what a dead process holds; its status stays for the parent. */
void process_release(struct kernel *k, struct process *p);
void process_free(struct kernel *k, struct process *p);

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
	sys_utimensat; /* sys_path.c */
syscall_fn sys_exit, sys_exit_group, sys_arch_prctl, sys_set_tid_address, sys_set_robust_list,
	sys_rseq, sys_prlimit64, sys_getrlimit, sys_setrlimit, sys_uname, sys_prctl, sys_getpid,
	sys_gettid, sys_getppid, sys_getuid, sys_geteuid, sys_getgid, sys_getegid,
	sys_sched_getaffinity, sys_sched_yield, sys_rt_sigaction,
	sys_rt_sigprocmask, sys_getrandom; /* sys_misc.c */
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

/* Open file descriptions: a host fd shared by dup'ed guest fds (file.c). */
enum file_kind { FILE_REGULAR, FILE_DIRECTORY, FILE_TTY, FILE_OTHER };

/* Takes ownership of host_fd; NULL (and the fd closed) when out of memory. */
struct file *file_create(int host_fd);
void file_get(struct file *f);
void file_put(struct file *f);
int file_host_fd(const struct file *f);
enum file_kind file_kind(const struct file *f);

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

#endif
