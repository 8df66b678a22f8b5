/* kern.h - the kernel object that ties the subsystems together (struct
 * kernel), and what every subsystem needs of it. Each subsystem's own
 * interface is in its header: mm/mm.h, task/task.h, fs/fs.h, sys/sys.h
 * (guest/README.md has the map). */
#ifndef VMEMU_KERN_H
#define VMEMU_KERN_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "kernel.h"
#include "mm/mm_types.h"
#include "mmu.h"

struct process;
struct fault_signal;
struct mq_namespace;
struct pid_namespace;
struct uts_namespace;

/* Whether the current process has capability cap (CAP_*) in its
 * effective set (task/capability.c). */
bool capable(struct kernel *k, int cap);
/* The current process's soft limit of resource (RLIMIT_*; Linux's
 * rlimit()), RLIM_INFINITY when none runs (task/rlimit.c). */
uint64_t rlimit(struct kernel *k, unsigned resource);
/* The current process's id, 0 when none runs (task/process.c). */
int current_tgid(struct kernel *k);

/* ---- the kernel ---- */

/* The credentials of vmemu's host thread, as far as the host checks file
 * calls with them (task/cred_fs.c). */
struct host_cred {
	uint32_t fsuid, fsgid;
	uint64_t effective, permitted, inheritable;
	int ngroups;
	uint32_t *groups;
};

/* System V IPC objects by id (Linux's ipc_ids; task/ipc.c): entries
 * point to the kern_ipc_perm each object starts with. */
#define IPCMNI 32768 /* ids are index + seq * IPCMNI */
struct kern_ipc_perm;
struct ipc_ids {
	struct kern_ipc_perm **entries; /* IPCMNI slots, once one is made */
	int in_use;
	int last_idx; /* the index given last: allocation goes on cyclically from it */
	int seq;      /* bumped each time allocation wraps */
};

/* /proc/sys/kernel (fs/proc_sys.c). */
struct kernel_sysctl {
	unsigned long pid_max; /* PIDs are below it (task/process.c) */
	/* System V shared memory's limits (mm/shm.c) */
	unsigned long shmmax, shmall, shmmni, shm_rmid_forced;
};

struct kernel {
	struct kernel_config cfg;
	struct kernel_ops ops;
	const struct vm_file_ops *vm_file_ops; /* file_get, file_put (mm/ holds VMAs' files) */
	uint8_t *phys;
	uint64_t phys_size;
	struct frame_allocator frames;
	struct swap swap;
	/* The page cache (pagecache.c), as /proc/meminfo counts it. */
	uint64_t cache_pages;   /* frames holding file data (Cached) */
	uint64_t cache_dirty;   /* ... not yet written back (Dirty) */
	uint64_t cache_mapped;  /* ... mapped into some process (Mapped) */
	struct page_cache pagecache;
	struct shm_ids shm_ids; /* System V shared memory segments (mm/shm.c) */
	struct ipc_ids sem_ids; /* System V semaphore sets (task/sem.c) */
	struct ipc_ids msg_ids; /* System V message queues (task/msg.c) */
	struct ipc_removed *ipc_removed; /* sleepers woken by IPC_RMID (task/ipc.c) */
	int inotify_instances;  /* the guest's inotify instances (fs/inotify.c) */
	uint64_t file_lock_seq; /* record locks set so far: /proc/locks' order (fs/locks.c) */
	struct mq_namespace *mq_ns; /* POSIX message queues (fs/mqueue.c) */
	uint64_t wmark_min, wmark_low, wmark_high; /* free frames, as Linux's zone watermarks */
	struct vm_sysctl vm;    /* /proc/sys/vm (mm/sysctl.c) */
	struct kernel_sysctl ksys; /* /proc/sys/kernel (fs/proc_sys.c) */
	/* The initial PID and UTS namespaces (task/pid_namespace.c,
	 * task/utsname.c), made with the first process; the kernel holds a
	 * reference to each. */
	struct pid_namespace *init_pid_ns;
	struct uts_namespace *init_uts_ns;
	struct time_namespace *init_time_ns; /* task/time_namespace.c */
	struct lru lru;
	enum thp_mode thp;      /* /sys/kernel/mm/transparent_hugepage/enabled */
	uint64_t huge_zero_pa;  /* the huge zero page, 0 until a read fault needs it */
	struct khugepaged khugepaged; /* the background collapse (mm/khugepaged.c) */
	struct hstate hstate[NR_HSTATES]; /* the hugetlb pools (mm/hugetlb.c) */
	struct vdso_maps vdso; /* the vDSO's pages (mm/vdso.c) */
	struct mm *mms;         /* every address space, for the reverse map */
	struct mmu mmu;
	struct pcid_cache pcids; /* the CPU's PCIDs, lent to address spaces (mm/pcid.c) */
	struct process *current;
	struct process *init;   /* the first process created: its status is vmemu's */
	struct process *procs;  /* every process not yet reaped, in creation order */
	int nprocs;
	struct kernel_stats stats;
	int root_fd;            /* host directory fd for the guest's /, or -1 */
	char root_path[PATH_MAX]; /* its real host path */
	struct inode *inodes;   /* host files open in the guest (fs/inode.c) */
	struct tty_struct *ttys; /* the guest's ptys and vmemu's terminal (fs/pty.c, fs/tty_io.c) */
	uint64_t futex_seq;     /* futex waits so far, for their order */
	struct host_cred host_cred, host_cred_own; /* the host thread's, now and vmemu's own (task/cred_fs.c) */
	int wake_fd[2];         /* a pipe that ends the scheduler's wait (hostwait.c) */
	uint64_t host_signals;  /* posted by kernel_post_signal, bit sig-1 */
	bool tlb_flush_pending; /* CPU TLB flush owed at the end of this operation */
	bool tlb_shootdown_pending; /* ... of an mm other threads use too */
	bool tlb_flush_full;    /* ... that must empty the CPU's TLB (pgtable_update_filled) */
	uint64_t fill_va;       /* the page whose TLB fill is under way, or FILL_NONE */
	bool fill_replaces;     /* the fill's answer must replace the CPU's entry for it */
	bool code_flush_pending;/* the kernel wrote into a frame that may hold code */
	const struct kernel_trace *trace; /* tracer or debugger callbacks, or NULL */
};

/* Not a page address: no fill under way. */
#define FILL_NONE UINT64_MAX

/* The top of user space: 2^56 with 5-level paging (--la57), else 2^47
 * (each less a guard page), as Linux's TASK_SIZE_MAX. */
static inline uint64_t task_size_max(const struct kernel *k)
{
	return (k->mmu.regs.cr4 & CR4_LA57) ? USER_TOP_LA57 : USER_TOP;
}

/* A system call handler gets the six argument registers; the result goes
 * to rax (negative errno on error). ctx may be changed (arch_prctl). Each
 * subsystem declares its own; sys/syscall.c holds the table. */
typedef int64_t syscall_fn(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6]);
/* The SYSCALL instruction is 2 bytes: a call returns after it. */
#define SYSCALL_INSN_LEN 2

/* A user fetch fault f in the vsyscall page: the call emulated in the
 * current task's registers (which core/ stored before the fetch's fill),
 * or SIGSEGV queued; true then. False for any other fault
 * (sys/vsyscall.c). */
bool emulate_vsyscall(struct kernel *k, const struct mmu_fault *f, enum mmu_access access);
/* The #PF handler for the current process (Linux's do_user_addr_fault):
 * handle_mm_fault, and for a user access it cannot fix, the signal.
 * Returns true when fixed (kernel.c). */
bool handle_page_fault(struct kernel *k, const struct mmu_fault *f, enum mmu_access access,
		       bool user);

/* Trace points (ktrace.c), called only when k->trace is set. A fault is
 * traced around the handler: begin notes the state, end says what the
 * handler did (fixed; else why: the signal, or a userfault's sleep). */
struct ktrace_fault {
	struct kernel_stats before;
	uint64_t pte;
};
void ktrace_fault_begin(struct kernel *k, const struct mmu_fault *f, struct ktrace_fault *kf);
void ktrace_fault_end(struct kernel *k, const struct mmu_fault *f, enum mmu_access access,
		      bool user, bool fixed, const struct fault_signal *why,
		      const struct ktrace_fault *kf);
void ktrace_syscall(struct kernel *k, const struct kernel_syscall_event *e);
void ktrace_sched(struct kernel *k, const struct process *from, const struct process *to);

static inline void *phys_ptr(struct kernel *k, uint64_t pa)
{
	return k->phys + pa;
}

#endif
