/* mm_types.h - the memory subsystem's structures that other structures
 * embed (struct kernel holds the allocator, the LRU lists, swap and the page
 * cache; a process holds an mm), as Linux's mm_types.h. The functions that
 * act on them are in mm.h (public) and internal.h (mm/ only). */
#ifndef VMEMU_MM_TYPES_H
#define VMEMU_MM_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mmu.h" /* PAGE_SIZE */

struct kernel;
struct file;
struct hugetlb_file;
struct userfaultfd_ctx;

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
	uint8_t *flags;         /* per frame: FRAME_EXEC, FRAME_USED */
	uint64_t *next, *prev;  /* free-list links, per frame */
	uint64_t free_head[FRAME_MAX_ORDER + 1];
	/* Freed frames that held code: reused only after the CPU's translated
	 * code is dropped (DESIGN.md), so they wait here until the run slice ends. */
	struct frame_block *quarantine;
	size_t nquarantine, quarantine_cap;
	uint64_t in_use, peak;
};

/* The CPU was given EXEC on the frame (it may hold translated code). */
#define FRAME_EXEC 0x1
/* The frame was handed out since guest memory was mapped: it may hold
 * data. One that never was is still all zeroes from the host's mmap. */
#define FRAME_USED 0x2

#define FRAME_NONE UINT64_MAX
/* Frame 0 means "none"; frame 1 is the shared zero page (all zeroes,
 * mapped read-only wherever untouched private memory is read). */
#define ZERO_PAGE_PA PAGE_SIZE
#define FRAME_FIRST 2

/* ---- LRU lists (lru.c) ----
 * A page joins an inactive list when it is first mapped or read into the
 * page cache; reclaim scans each list from its tail. A page found
 * referenced on the inactive list moves to the active head (activation);
 * when an inactive list gets shorter than its active list, pages move from
 * the active tail to the inactive head with their A bits cleared
 * (deactivation), so they are reclaimed next unless used again first.
 * Shared anonymous memory and page tables are on no list: nothing could
 * bring them back once dropped. */

enum lru_list { LRU_INACTIVE_ANON, LRU_ACTIVE_ANON, LRU_INACTIVE_FILE, LRU_ACTIVE_FILE, NR_LRU_LISTS };

struct lru {
	/* Per frame: list links by page frame number (0 = none), the list it
	 * is on plus one (0 = on none), PG_referenced (used through read()),
	 * and for anonymous pages their index (Linux's page->index: the
	 * linear_page_index of where they were first mapped, which mremap
	 * and fork keep), which the reverse map looks for in each mm. */
	uint32_t *next, *prev;
	uint8_t *on;
	uint8_t *referenced;
	uint64_t *anon_index;
	uint32_t head[NR_LRU_LISTS], tail[NR_LRU_LISTS];
	uint64_t count[NR_LRU_LISTS];
};

/* ---- swap (swap.c) ---- */

struct swap {
	int fd;            /* the host file */
	uint64_t nslots;
	uint16_t *count;   /* per slot: PTEs holding its entry */
	uint64_t *cache;   /* per slot: frame holding its data (swap cache), or 0 */
	uint64_t *slot_of; /* per frame: its slot while in the swap cache, or 0 */
	uint64_t used, cached, next;
};

/* ---- mappings: the page cache and shared memory (pagecache.c, filemap.c) ----
 * A mapping (Linux's address_space) owns the pages of one host file, or of
 * one MAP_SHARED anonymous region, found by page offset (pgoff). Every open
 * of the file and every VMA mapping it holds a reference; a file's pages
 * stay cached after the last one goes, until reclaim drops them. */

struct mapping {
	struct kernel *kernel;
	uint32_t refs;        /* VMAs and open files */
	bool anon;            /* shared anonymous memory: no file behind it */
	uint32_t ra_pages;    /* a fault reads this many pages around it (0: tmpfs, ramfs) */
	int fd;               /* host fd to fill and write back through; -1 while idle */
	int fd_mode;          /* its O_ACCMODE */
	uint64_t dev, ino;    /* the host file */
	uint64_t size;        /* file size in bytes, as the cache keeps it;
				 shared memory: the length first mapped */
	int64_t mtime_ns, ctime_ns; /* the host file's, when it went idle */
	uint64_t npages;
	struct cache_page *pages; /* its pages, in no order */
	/* A hugetlbfs file (shared hugetlb memory, hugetlb_file.c): its
	 * huge pages and reservations, kept there instead of pages; else NULL. */
	struct hugetlb_file *hugetlb;
	struct mapping *next; /* k->pagecache.files; a hugetlbfs file: its hstate's files */
	/* The System V segment whose memory this is (shm.c): each VMA's
	 * reference is an attachment; else NULL. */
	struct shmid_kernel *shm;
};

/* One page of a mapping: a frame the cache holds one reference on. */
struct cache_page {
	struct mapping *mapping;
	uint64_t index;       /* pgoff in the mapping */
	uint64_t pa;
	uint32_t mapcount;    /* PTEs that map it */
	bool dirty;           /* newer than the file (written through a shared map) */
	struct cache_page *hnext;         /* hash chain */
	struct cache_page *mprev, *mnext; /* the mapping's pages */
};

struct page_cache {
	struct cache_page **hash; /* by (mapping, index) */
	uint64_t hash_mask;
	struct cache_page **page_of; /* per frame */
	struct mapping *files;    /* file mappings, looked up by dev/ino */
};

/* ---- System V shared memory (shm.c) ---- */

/* A segment (Linux's shmid_kernel with its kern_ipc_perm): shared
 * anonymous memory, kept by the kernel until removed. */
struct shmid_kernel {
	int32_t key;
	int id;              /* index + seq * SHM_SEQ_MULTIPLIER */
	uint32_t uid, gid, cuid, cgid;
	unsigned mode;       /* permission bits, SHM_DEST, SHM_LOCKED */
	uint16_t seq;
	uint64_t segsz;      /* bytes asked for */
	int64_t atime, dtime, ctime;
	int cpid, lpid;
	uint64_t nattch;     /* VMAs that map it, in every address space */
	uint32_t mlock_uid;  /* SHM_LOCKED: the user it counts against */
	struct mapping *mapping;
};

#define SHM_SEQ_MULTIPLIER 32768 /* Linux's IPCMNI */

/* Every segment, by index (Linux's ipc_ids of shm). */
struct shm_ids {
	struct shmid_kernel **segs; /* SHM_SEQ_MULTIPLIER slots, once one is made */
	int in_use;
	int last_idx;        /* the index given last: allocation goes on cyclically from it */
	uint16_t seq;        /* bumped each time allocation wraps */
	uint64_t shm_tot;    /* pages of every segment */
};

/* ---- the hugetlb pools (hugetlb.c) ---- */

enum hstate_id { HSTATE_2M, HSTATE_1G, NR_HSTATES };

struct hstate {
	uint64_t nr;         /* HugePages_Total */
	uint64_t resv;       /* HugePages_Rsvd: reserved, not yet faulted */
	uint64_t *free;      /* the free pages (HugePages_Free = nfree) */
	uint64_t nfree, cap;
	struct mapping *files; /* the hugetlbfs files whose pages come from here */
};

/* ---- the vm sysctls: /proc/sys/vm (sysctl.c) ---- */

struct vm_sysctl {
	int max_map_count;          /* VMAs an address space may have */
	int min_free_kbytes;        /* the min watermark, in KiB */
	int watermark_scale_factor; /* low and high above min, in 1/10000 of memory */
	int mmap_min_addr;          /* the lowest address mmap may map (EPERM below, but root) */
	int overcommit_ratio;       /* CommitLimit: this percentage of memory, plus swap */
	int nr_hugepages;           /* the hugetlb pool's size, as last set */
	int overcommit_memory;      /* 0 heuristic, 1 always, 2 never (vm_enough_memory) */
	int overcommit_kbytes;      /* CommitLimit's memory part, when not 0 (else the ratio) */
	int admin_reserve_kbytes;   /* kept from non-root commits in mode 2 */
	int user_reserve_kbytes;    /* kept from a process's commits in mode 2 */
	int swappiness;             /* 0: anonymous pages go to swap only when files run out */
	int drop_caches;            /* the last value written */
	int compact_memory;         /* the last value written (always 1) */
};

/* The vDSO and its data pages, which every process maps (vdso.c): the
 * kernel's shared memory objects, one reference each. */
struct vdso_maps {
	struct mapping *vvar, *vclock, *text;
};

/* khugepaged (khugepaged.c): its knobs, where it stopped, its counters. */
struct khugepaged {
	uint64_t pages_to_scan;        /* a wakeup's share */
	uint64_t scan_sleep_millisecs; /* between wakeups */
	uint64_t max_ptes_none;        /* empty PTEs a collapse may fill */
	uint64_t next_scan_ns;         /* CLOCK_MONOTONIC */
	uint64_t cursor_mm, cursor_va; /* an address space's ctx_id, an address in it */
	uint64_t pages_collapsed, full_scans;
};

/* ---- PCIDs (pcid.c) ----
 * A PCID tags the TLB model's entries with the address space they belong
 * to, so a context switch need not flush. There are 4095 (CR3 bits 0-11;
 * 0 is the kernel's) and no limit on address spaces, so, as Linux's ASIDs,
 * a PCID belongs to the CPU, not to the address space: the CPU lends one
 * to an address space when it runs there, and takes it back for another
 * (round robin) only with a CR3 write that flushes it. */

#define PCID_COUNT 4096

struct pcid_cache {
	uint64_t owner[PCID_COUNT]; /* per PCID: ctx_id of the mm it tags, 0 = none */
	uint16_t next;              /* the PCID lent next when none is owned */
	uint64_t last_ctx_id;       /* ctx_ids are never reused */
};

/* ---- virtual memory areas and address spaces (vma.c, mm.c) ---- */

#define VM_READ 0x1u  /* = PROT_READ */
#define VM_WRITE 0x2u /* = PROT_WRITE */
#define VM_EXEC 0x4u  /* = PROT_EXEC */
#define VM_GROWSDOWN 0x100u
#define VM_STACK 0x200u
#define VM_HEAP 0x400u
#define VM_SHARED 0x800u /* MAP_SHARED: fork shares the pages, no CoW */

#define VM_MAYWRITE 0x1000u /* MAP_SHARED file map of a file open for writing */
/* Set by madvise (madvise.c); they tell VMAs apart, as on Linux. */
#define VM_SEQ_READ 0x2000u   /* MADV_SEQUENTIAL */
#define VM_RAND_READ 0x4000u  /* MADV_RANDOM */
#define VM_DONTCOPY 0x8000u   /* MADV_DONTFORK: a forked child does not get it */
#define VM_DONTDUMP 0x10000u  /* MADV_DONTDUMP */
#define VM_HUGEPAGE 0x20000u  /* MADV_HUGEPAGE */
#define VM_NOHUGEPAGE 0x40000u /* MADV_NOHUGEPAGE */
/* Commit accounting, as Linux's: a private writable map is charged
 * (VM_ACCOUNT) unless mapped MAP_NORESERVE (VM_NORESERVE); one that
 * becomes writable is charged then, and stays so. */
#define VM_ACCOUNT 0x80000u
#define VM_NORESERVE 0x100000u
#define VM_HUGETLB 0x200000u /* MAP_HUGETLB: pages from a hugetlb pool, 2 MiB */
#define VM_HUGETLB_1G 0x400000u /* ... 1 GiB (MAP_HUGE_1GB) */
#define VM_WIPEONFORK 0x800000u /* MADV_WIPEONFORK: a forked child gets it empty */
/* mlock(2), mlockall(2): the pages stay in memory (Unevictable); with
 * VM_LOCKONFAULT only those touched, as they are touched. */
#define VM_LOCKED 0x1000000u
#define VM_LOCKONFAULT 0x2000000u
/* The kernel's special maps ([vvar], [vvar_vclock], [vdso]: mm/vdso.c,
 * Linux's _install_special_mapping): their pages are the kernel's, an
 * mremap cannot grow them (EFAULT), they never merge, and none can be cut
 * in parts (EINVAL, Linux's special_mapping_split). */
#define VM_DONTEXPAND 0x4000000u
/* The data pages ([vvar], [vvar_vclock]): raw kernel pages, never
 * writable or executable (no VM_MAYWRITE, VM_MAYEXEC: mprotect EACCES),
 * not in RSS, not dumped. */
#define VM_PFNMAP 0x8000000u
#define VM_IO 0x10000000u
/* UFFDIO_REGISTER_MODE_MISSING: a missing page is the userfaultfd's to
 * fill (mm/userfaultfd.c); vm_userfaultfd_ctx names the userfaultfd. */
#define VM_UFFD_MISSING 0x20000000u

/* The anonymous memory of a region (Linux's anon_vma), here only for what
 * it decides about merging: a region gets one when its first private page
 * is written, shares it with the parts it is split into, and may take a
 * compatible neighbour's; two neighbours with different ones never merge. */
struct anon_vma {
	uint32_t refs; /* VMAs */
};

struct vma {
	uint64_t start, end; /* [start, end), page aligned */
	unsigned flags;      /* VM_* */
	struct vma *next, *prev; /* address order */
	struct vma *left, *right; /* the tree by start (vma_tree.c) */
	uint64_t subtree_gap;     /* the largest vma_gap_before in this subtree */
	int tree_height;
	struct mapping *mapping; /* the file's page cache or shared memory; else NULL */
	/* Page of mapping at start; for private anonymous memory its address
	 * (>> PAGE_SHIFT) when it was mapped, as Linux's vm_pgoff, which a
	 * move keeps. Neighbours merge only at consecutive offsets. */
	uint64_t pgoff;
	/* The open file it was mapped through, a reference (Linux's vm_file):
	 * NULL for anonymous memory and the loader's maps. */
	struct file *vm_file;
	struct anon_vma *anon_vma;
	bool anon_fork_child; /* anon_vma made by fork: merges with none but its own */
	struct userfaultfd_ctx *vm_userfaultfd_ctx; /* with VM_UFFD_MISSING; else NULL */
	char name[16];       /* "[stack]", "[heap]", or empty */
};

/* How mm/ takes and drops a reference on a VMA's file (Linux's
 * get_file and fput), and tells a userfaultfd's readers and pollers that
 * what poll says of it changed (file_wake with its POLL* key). Files are
 * fs/'s and mm/ calls nothing above it, so the kernel installs these
 * (kernel.c), as core/ installs kernel_ops. */
struct vm_file_ops {
	void (*get)(struct file *f);
	void (*put)(struct file *f);
	void (*wake)(struct kernel *k, const void *chan, unsigned key);
};

/* mm->dumpable (Linux's linux/sched/coredump.h). */
enum { SUID_DUMP_DISABLE, SUID_DUMP_USER, SUID_DUMP_ROOT };

struct mm {
	int users;           /* processes on it (a vfork child borrows its parent's) */
	uint64_t pml4;       /* physical address of the top-level table (CR3 base; a PML5 with LA57) */
	uint64_t ctx_id;     /* unique for ever (Linux's mm->context.ctx_id) */
	uint16_t pcid;       /* the PCID last lent to it; its own while owner[pcid] == ctx_id */
	struct vma *vmas;    /* the lowest VMA; ->next goes up */
	struct vma *vma_root;
	int map_count;       /* VMAs (vm.max_map_count limits it) */
	unsigned def_flags;  /* VM_* every new map gets (mlockall's MCL_FUTURE) */
	/* What Linux keeps in mm->flags: PR_SET_DUMPABLE's SUID_DUMP_* (exec
	 * and credential changes set it too; one not SUID_DUMP_USER lets no
	 * one without CAP_SYS_PTRACE at the process: ptrace_may_access),
	 * PR_SET_THP_DISABLE's no huge pages (kept by fork and exec). */
	uint8_t dumpable;
	bool thp_disabled;
	unsigned coredump_filter; /* /proc/PID/coredump_filter's bits (kept by fork and exec) */
	uint64_t start_brk, brk;
	uint64_t mmap_base;  /* top of the mmap area; searched downwards */
	uint64_t task_size;  /* top of its user space: USER_TOP, or USER_TOP_LA57 */
	uint64_t stack_top;
	/* The initial stack's environment strings and auxv, [start, end)
	 * (the loader's): /proc/PID/environ and auxv read them there. */
	uint64_t env_start, env_end, auxv_start, auxv_end;
	uint64_t rss_pages;
	uint64_t hiwater_rss; /* rss_pages's peak before its last drop */
	uint64_t swap_ents;  /* PTEs holding swap entries */
	uint64_t pt_pages;
	/* The userfaultfds made in this mm (their ->mm_next): each loses its
	 * mm when the mm goes (mm/userfaultfd.c). */
	struct userfaultfd_ctx *uffd_ctxs;
	struct mm *next, *prev; /* k->mms */
};

/* Top of user space with 4-level paging (128 TiB minus a guard page, as
 * Linux), and with 5-level paging the top of the default map window,
 * where the stack and mmap_base stay (Linux's DEFAULT_MAP_WINDOW). */
#define USER_TOP 0x7ffffffff000ULL
/* Top of user space with 5-level paging (64 PiB minus a guard page,
 * Linux's TASK_SIZE_MAX with LA57): reached only by mmap hints above
 * USER_TOP or fixed maps. */
#define USER_TOP_LA57 0x00fffffffffff000ULL
/* The vsyscall page (Linux's VSYSCALL_ADDR): in the kernel half, no
 * process maps it; a fetch from it is emulated (sys/vsyscall.c). */
#define VSYSCALL_ADDR 0xffffffffff600000ULL

#endif
