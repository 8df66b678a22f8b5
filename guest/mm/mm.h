/* mm.h - the memory subsystem as the rest of the kernel uses it: address
 * spaces and their maps, page tables, the page-fault handler, user-memory
 * access, the page cache behind files, and reclaim. mm/internal.h has the
 * parts only mm/ uses. */
#ifndef VMEMU_MM_H
#define VMEMU_MM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel.h"
#include "mm/mm_types.h"
#include "mmu.h"

struct kernel;
struct uio;

/* ---- the kernel's memory, set up and torn down by kernel.c ---- */

int frame_allocator_init(struct frame_allocator *fa, uint64_t nframes);
void frame_allocator_destroy(struct frame_allocator *fa);
int lru_init(struct kernel *k);
void lru_destroy(struct lru *l);
int pagecache_init(struct kernel *k);
/* Drops every cached page (kernel_shutdown: no process is left). */
void pagecache_drop_all(struct kernel *k);
void pagecache_destroy(struct kernel *k);
/* A sparse host file of size bytes at path (or an unnamed one in /tmp).
 * 0, or -1 with a message. */
int swap_init(struct kernel *k, uint64_t size, const char *path, char *err, size_t errlen);
void swap_destroy(struct swap *s);
/* min_free_kbytes from the size of memory, then the watermarks from it
 * (Linux's init_per_zone_wmark_min; watermark.c). */
void init_per_zone_wmark_min(struct kernel *k);
/* The watermarks again after min_free_kbytes or watermark_scale_factor
 * changed. */
void setup_per_zone_wmarks(struct kernel *k);
/* Linux's __vm_enough_memory: whether mm may commit pages more (a private
 * writable map, its growth, or memory becoming writable) under
 * vm.overcommit_memory: 0, or -ENOMEM (meminfo.c). */
int vm_enough_memory(struct kernel *k, struct mm *mm, uint64_t pages);
/* The vm sysctls' defaults (vm.max_map_count...; sysctl.c). */
void vm_sysctl_init(struct kernel *k);
/* /proc/sys/vm: the sysctls by index, 0 to vm_sysctl_count() - 1. */
int vm_sysctl_count(void);
const char *vm_sysctl_name(int i);
unsigned vm_sysctl_mode(int i); /* 0644, or 0200 for a write-only trigger */
/* The index of the sysctl called name (len bytes), or -1. */
int vm_sysctl_find(const char *name, size_t len);
/* Its value as /proc/sys/vm/NAME reads ("65530\n") into buf: the length
 * snprintf gives. */
int vm_sysctl_read(struct kernel *k, int i, char *buf, size_t size);
/* A write of len bytes of text: 0, or -EINVAL (not an integer in the
 * sysctl's range). */
int vm_sysctl_write(struct kernel *k, int i, const char *text, size_t len);
/* proc_dointvec_minmax's rules for a written value: one number, blanks
 * around it, in [min, max]; 0 with *out set, or -EINVAL. */
int sysctl_parse_int(const char *text, size_t len, long min, long max, int *out);
/* The CPU was given EXEC on this frame (so it may hold translated code). */
void frame_mark_exec(struct kernel *k, uint64_t pa);
/* Releases the quarantined code frames once translated code is flushed. */
void frame_release_quarantine(struct kernel *k);
/* The free blocks of each order, 0 to FRAME_MAX_ORDER (/proc/buddyinfo). */
void frame_free_blocks(struct kernel *k, uint64_t count[FRAME_MAX_ORDER + 1]);

/* ---- fault injection (fail.c) ---- */

/* One chance for kind to fail, as --inject chose: counts the call, and
 * when it fails logs it to the --strace stream. */
bool should_fail(struct kernel *k, enum kernel_fail kind);

/* The test at each injection point: costs one load when --inject is off. */
#define fail_now(k, kind)                                                                  \
	(__builtin_expect((k)->cfg.inject[kind].nth | (k)->cfg.inject[kind].ppm, 0) &&      \
	 should_fail(k, kind))

/* ---- address spaces (mm.c, mm_fork.c, mremap.c) ---- */

struct mapping;

struct mm *mm_create(struct kernel *k);
void mm_destroy(struct kernel *k, struct mm *mm);
/* A process lets go of mm; the last one destroys it. */
void mm_put(struct kernel *k, struct mm *mm);
/* A copy of parent for a forked child: the same VMAs, and every page
 * shared copy-on-write (mm_fork.c). NULL when out of memory. */
struct mm *mm_fork(struct kernel *k, struct mm *parent);
/* Maps [start, start+len) anonymous with VM_* flags (replacing what is there
 * when fixed). Returns start, or -errno. */
int64_t mm_map(struct kernel *k, struct mm *mm, uint64_t start, uint64_t len, unsigned flags,
	       bool fixed);
/* The same for pages of m from pgoff on, mapped through the open file
 * file (the VMA takes a reference; NULL: the kernel's own map, as the
 * loader's), or anonymous when m is NULL (a shared anonymous map gets a
 * new shmem; a private map of /dev/zero keeps file and pgoff).
 * -ENOMEM also when mm has more than vm.max_map_count VMAs. */
int64_t mm_map_pages(struct kernel *k, struct mm *mm, uint64_t start, uint64_t len,
		     unsigned flags, bool fixed, struct mapping *m, uint64_t pgoff,
		     struct file *file);
/* Unmaps the pages of [start, end) (VMAs stay): file pages are written
 * back first, anonymous ones are gone. */
void mm_zap_range(struct kernel *k, struct mm *mm, uint64_t start, uint64_t end);
/* Finds a free range of len bytes below mm->mmap_base and at or above
 * vm.mmap_min_addr (hint first). 0 if none. */
uint64_t mm_get_unmapped_area(struct kernel *k, struct mm *mm, uint64_t hint, uint64_t len);
/* The place for a private anonymous map of a multiple of 2 MiB given no
 * hint: at a 2 MiB boundary, as Linux (6.7 on) places one for THP
 * (thp_get_unmapped_area), whatever the THP mode. */
uint64_t mm_get_unmapped_area_thp(struct kernel *k, struct mm *mm, uint64_t len);
int mm_unmap(struct kernel *k, struct mm *mm, uint64_t start, uint64_t len);
int mm_protect(struct kernel *k, struct mm *mm, uint64_t start, uint64_t len, unsigned prot);
/* madvise(2) of [start, end) with a MADV_* advice sys_madvise accepts:
 * 0, -ENOMEM (part of the range not mapped: the rest still got it),
 * -EINVAL (MADV_FREE of a file or shared map), -EAGAIN (a split refused
 * at vm.max_map_count) (madvise.c). */
int mm_madvise(struct kernel *k, struct mm *mm, uint64_t start, uint64_t end, int advice);
/* mremap(2) of [old, old + old_len) to new_len bytes in mm with MREMAP_*
 * flags (new: the MREMAP_FIXED address), arguments checked as Linux's
 * check_mremap_params does (sys_mremap): the new address, or -errno
 * (mremap.c). */
int64_t mm_remap(struct kernel *k, struct mm *mm, uint64_t old, uint64_t old_len, uint64_t new_len,
		 uint64_t flags, uint64_t new);
/* Faults in [start, end) of v (in the current process) as user reads or
 * writes, as MADV_POPULATE_READ and _WRITE do: 0, -EINVAL (v lacks the
 * right) or -EFAULT (a fault that could not be fixed) (gup.c). */
int mm_populate_vma(struct kernel *k, struct vma *v, uint64_t start, uint64_t end, bool write);
/* Faults in the mapped pages of [start, end) of mm (the current
 * process's), as MAP_POPULATE and mlock do (private writable maps are
 * written; lock-on-fault maps are left alone): 0, or -EFAULT at a fault
 * that could not be fixed or a PROT_NONE VMA, unless ignore_errors (then
 * the rest is still faulted in). */
int mm_populate(struct kernel *k, struct mm *mm, uint64_t start, uint64_t end, bool ignore_errors);
/* mlock(2) and munlock(2) of [start, start + len) (lock: VM_LOCKED, with
 * VM_LOCKONFAULT for MLOCK_ONFAULT, or 0 to unlock), mlockall(2) with
 * MCL_* flags and munlockall(2): 0 or -errno (mlock.c). */
int mm_mlock(struct kernel *k, struct mm *mm, uint64_t start, uint64_t len, unsigned lock);
int mm_mlockall(struct kernel *k, struct mm *mm, int flags);
int mm_munlockall(struct kernel *k, struct mm *mm);
/* The private memory of a dying mm goes now (process_mrelease, as
 * Linux's __oom_reap_task_mm): the pages of every private VMA (locked
 * ones too) are unmapped; shared ones stay for the others that map
 * them (mm.c). */
void mm_reap(struct kernel *k, struct mm *mm);
/* Pages in mm's locked VMAs (Linux's locked_vm: VmLck). */
uint64_t mm_locked_vm(const struct mm *mm);
/* The peak of its resident set in pages (Linux's get_mm_hiwater_rss). */
uint64_t mm_hiwater_rss(const struct mm *mm);
/* coredump_filter's bits (MMF_DUMP_FILTER_BITS of them) and Linux's
 * default: private and shared anonymous memory, ELF headers, private
 * hugetlb memory. */
#define MMF_DUMP_FILTER_BITS 9
#define MMF_DUMP_FILTER_DEFAULT 0x33u
/* Sets it to the resident set now (Linux's reset_mm_hiwater_rss). */
void mm_reset_hiwater_rss(struct mm *mm);
/* Clears the accessed state (the A bit and PG_referenced) of each page
 * of its own that mm maps in [start, end), leaving the TLB as it is, as
 * Linux does (young.c). */
void mm_clear_young(struct kernel *k, struct mm *mm, uint64_t start, uint64_t end);
/* Linux's can_do_mlock: RLIMIT_MEMLOCK above 0, or CAP_IPC_LOCK. */
bool can_do_mlock(struct kernel *k);
/* RLIMIT_MEMLOCK in pages (UINT64_MAX: unlimited). */
uint64_t mlock_limit(struct kernel *k);
/* exec: where mm's mmap area starts, below the gap RLIMIT_STACK
 * (stack_limit, bytes) keeps for the stack (Linux's arch_pick_mmap_layout). */
void mm_pick_mmap_layout(struct mm *mm, uint64_t stack_limit);
/* A new map of len bytes with VM_* flags would pass RLIMIT_MEMLOCK:
 * -EAGAIN, else 0 (Linux's mlock_future_check). */
int mlock_future_check(struct kernel *k, const struct mm *mm, unsigned flags, uint64_t len);
/* Reads or writes len bytes of mm at va for /proc/PID/mem, as Linux's
 * access_remote_vm with FOLL_FORCE: pages are faulted in, PROT_NONE and
 * read-only pages are read, and read-only private ones written (copy on
 * write); a read-only shared map is not written. Returns the bytes moved
 * before the first page that could not be (gup.c). */
int64_t access_remote_vm(struct kernel *k, struct mm *mm, uint64_t va, void *buf, uint64_t len,
			 bool write);
/* Writes bytes into mm regardless of page protection (loading an image,
 * like Linux's FOLL_FORCE): faults pages in as needed. 0, -EFAULT (no
 * VMA), -ENOMEM, or -EIO (a file page could not be read or lies past the
 * end of its file). */
int mm_write_force(struct kernel *k, struct mm *mm, uint64_t va, const void *src, uint64_t len);
/* Reads bytes of mm, which need not be the one running (a thread that
 * exits by another's hand), faulting pages in: 0, -EFAULT or -ENOMEM. */
int mm_read_force(struct kernel *k, struct mm *mm, uint64_t va, void *dst, uint64_t len);

/* Runs on mm from now on (MOV to CR3; Linux's switch_mm): with the PCID
 * mm owns, whose entries stay, else with one taken from another address
 * space and flushed (pcid.c). Unicorn's TLB, which has no PCIDs, is
 * flushed either way. */
void switch_mm(struct kernel *k, struct mm *mm);

struct vma *vma_find(struct mm *mm, uint64_t va); /* vma containing va, or NULL */
bool vma_overlaps(struct mm *mm, uint64_t start, uint64_t end);
/* Every page of [start, end) is in some VMA (no hole: else Linux's ENOMEM). */
bool vma_covers(const struct mm *mm, uint64_t start, uint64_t end);

/* ---- System V shared memory segments (shm.c) ---- */

/* The segment at index idx, or of id (its sequence number checked), or
 * of key: NULL when there is none (Linux's shm_obtain_object{,_check},
 * ipc_findkey). */
struct shmid_kernel *shm_obtain_object(struct kernel *k, int idx);
struct shmid_kernel *shm_obtain_object_check(struct kernel *k, int id);
struct shmid_kernel *shm_find_key(struct kernel *k, int32_t key);
/* The highest index in use, or -1 (Linux's ipc_get_maxidx). */
int shm_max_idx(struct kernel *k);
/* A new segment of size bytes with key, made by the current process
 * (Linux's newseg): 0, -EINVAL (size out of SHMMIN..shmmax), -ENOSPC
 * (shmall, shmmni) or -ENOMEM. The caller sets its owner and mode. */
int shm_newseg(struct kernel *k, int32_t key, uint64_t size, struct shmid_kernel **out);
/* IPC_RMID: gone now, or with its last attachment (SHM_DEST). */
void shm_rmid(struct kernel *k, struct shmid_kernel *shp);
/* An attachment is made or let go (Linux's shm_open and shm_close, the
 * vm_ops of its VMAs; here mapping_get and _put of its memory:
 * the times, lpid and nattch; the last of a removed segment destroys it). */
void shm_vm_open(struct kernel *k, struct shmid_kernel *shp);
void shm_vm_close(struct kernel *k, struct shmid_kernel *shp);
/* Maps shp into mm at addr (0: anywhere; else replacing what is there
 * when remap, else -EINVAL on an overlap) with VM_* rights: the address
 * or -errno (the mapping part of Linux's do_shmat). */
int64_t do_shmat(struct kernel *k, struct mm *mm, struct shmid_kernel *shp, uint64_t addr,
		 unsigned vm_flags, bool remap);
/* SHM_LOCK and SHM_UNLOCK of shp by user uid (Linux's shmem_lock and
 * user_shm_lock): a lock counts the segment against uid's
 * RLIMIT_MEMLOCK with the others uid locked (-ENOMEM over it, unless
 * CAP_IPC_LOCK). Its pages stay in memory either way: shared memory is
 * never reclaimed here. */
int shm_lock(struct kernel *k, struct shmid_kernel *shp, bool lock, uint32_t uid);
/* The kernel goes (Linux's shm_exit_ns): every segment is removed, at
 * once when nothing maps it. */
void shm_exit_ns(struct kernel *k);
/* shmdt(2): unmaps the attachment that starts at addr: 0 or -EINVAL. */
int shm_detach(struct kernel *k, struct mm *mm, uint64_t addr);

/* ---- page tables (pgtable.c) ----
 * All PTE changes go through here; each change invalidates the TLB model at
 * once and marks the CPU's TLB for flushing, which tlb_gather_finish does
 * once per operation (rule 3). */

/* Returns a pointer to the PTE for va in mm, allocating the tables on the
 * way when alloc (NULL if absent, or out of memory when alloc). A huge
 * page there is split when alloc; without alloc it gives NULL. */
uint64_t *pgtable_pte(struct kernel *k, struct mm *mm, uint64_t va, bool alloc);
/* khugepaged (khugepaged.c): its defaults; a scan when one is due by
 * CLOCK_MONOTONIC now (the scheduler asks between slices). */
void khugepaged_init(struct kernel *k);
void khugepaged_tick(struct kernel *k, uint64_t now);
/* Whether vma could hold a transparent huge page (smaps' THPeligible,
 * Linux's hugepage_vma_check): THP allows it and a 2 MiB-aligned block
 * fits in it. */
bool thp_vma_eligible(struct kernel *k, const struct mm *mm, const struct vma *vma);
/* What maps va, as a PTE of one 4 KiB page would hold it (Linux's
 * follow_page): the PTE itself, or for a huge leaf (THP, a hugetlb page
 * of 2 MiB or 1 GiB) huge_subpage_pte of it; 0 when nothing does. *size
 * gets the size of the page that the entry maps. Nothing is made or split. */
uint64_t pgtable_page_pte(struct kernel *k, struct mm *mm, uint64_t va, uint64_t *size);
/* The 4 KiB part at va of the huge leaf `leaf` of `size` bytes: its bits
 * (but PS and the large-page PAT bit) and the frame of that part. */
static inline uint64_t huge_subpage_pte(uint64_t leaf, uint64_t size, uint64_t va)
{
	uint64_t base = leaf & PTE_ADDR_MASK & ~(size - 1);
	return (leaf & ~(PTE_ADDR_MASK | PTE_PS)) | (base + (va & (size - 1) & ~(PAGE_SIZE - 1)));
}
/* Calls fn for each non-empty leaf PTE of mm in [start, end): a 2 MiB
 * page's PDE (PTE_PS set) when the range holds all of it, else it is
 * split first. */
typedef void pgtable_leaf_fn(struct kernel *k, struct mm *mm, uint64_t va, uint64_t *pte,
			     void *arg);
void pgtable_walk_leaves(struct kernel *k, struct mm *mm, uint64_t start, uint64_t end,
			 pgtable_leaf_fn *fn, void *arg);
/* /proc/kpageflags and /proc/kpagecount (kpageflags.c): the KPF_* flags
 * (Linux's stable_page_flags) and the mapcount of the n frames from pfn
 * first, into flags and counts (either may be NULL); first + n must not
 * pass kpage_max_pfn. 0, or -ENOMEM. */
int kpage_read(struct kernel *k, uint64_t first, uint64_t n, uint64_t *flags, uint64_t *counts);
uint64_t kpage_max_pfn(const struct kernel *k);
/* What a leaf PTE maps, for /proc/PID/smaps and pagemap (page_info.c). */
struct page_info {
	bool present;       /* a frame (or a PROT_NONE page that keeps one) */
	bool swapped;       /* a swap entry */
	uint64_t pfn;       /* present: the frame */
	uint64_t swap_slot; /* swapped: its slot (swap type 0) */
	unsigned swapcount; /* swapped: PTEs holding the entry */
	bool normal;        /* present, and a page of its own (not the zero page) */
	bool anon;          /* normal, and private anonymous (no page cache or shmem) */
	unsigned mapcount;  /* normal: PTEs that map it */
	bool dirty, referenced;
};
void page_info_of(struct kernel *k, uint64_t pte, struct page_info *pi);
/* The same for the 4 KiB page at va of mm, a part of a huge page too: a
 * hugetlb page's references are its first frame's. */
void page_info_at(struct kernel *k, struct mm *mm, uint64_t va, struct page_info *pi);
/* Sends the owed CPU TLB flush, if any. */
void tlb_gather_finish(struct kernel *k);

/* Software bit (ignored by the CPU when P = 0): the PTE still owns its frame
 * but the VMA is PROT_NONE. Bit 8 (G when present), as Linux's
 * _PAGE_PROTNONE, so bits 9 and up stay free for swap entries. */
#define PTE_SW_PROTNONE (1ULL << 8)
/* Software bit 9 in a PDE or PDPTE (ignored by the CPU): a hugetlb
 * page's leaf, or alone, not present, a reservation for the page to come
 * there (mm/hugetlb.c). They hold no swap entries. */
#define PTE_SW_HUGETLB (1ULL << 9)
#define PMD_HUGETLB_RESERVED PTE_SW_HUGETLB
/* Software bit 10 in a present hugetlb leaf of a private map of a
 * hugetlbfs file: it maps the file's page read-only and still holds the
 * map's reservation for the copy its first write makes (Linux keeps it
 * in the VMA's resv_map). */
#define PTE_SW_HUGETLB_RESV (1ULL << 10)

/* A PDE of a hugetlb map: a page, or a reservation. */
static inline bool pmd_hugetlb(uint64_t pmd)
{
	return pmd & PTE_SW_HUGETLB;
}

/* ---- the hugetlb pools (hugetlb.c) ---- */

/* Grows or shrinks pool id towards want pages (vm.nr_hugepages for
 * 2 MiB); it stops where no block of the size is free, and keeps the pages
 * in use or reserved. Returns the size reached. */
uint64_t hugetlb_set_pool(struct kernel *k, enum hstate_id id, uint64_t want);
void hugetlb_destroy(struct kernel *k);
/* Frees the huge zero page once nothing maps it (at shutdown). */
void huge_zero_page_put(struct kernel *k);
/* The pool of a page size given as its log2 (MAP_HUGE_*, MFD_HUGE_*; 0
 * for the default, 2 MiB): 0 and *id, or -1 when there is no such pool. */
int hstate_sizelog(unsigned size_log, enum hstate_id *id);
/* mmap's checks of a hugetlb map, in Linux's order: a MAP_HUGETLB map
 * anonymous (a page size the kernel has: MAP_HUGE_2MB, the default, or
 * MAP_HUGE_1GB), or any map of a hugetlbfs file m (with MAP_HUGETLB or
 * not; another file with it is EINVAL) at an offset pgoff on a page
 * boundary; *len
 * rounded up to the page size, pages the pool can reserve (a private
 * map all of them, a shared one those its file has not reserved yet),
 * a fixed address at a page boundary. 0 (*vm_flags gets VM_HUGETLB*
 * when the map is one), or -errno. */
int64_t hugetlb_map_check(struct kernel *k, uint64_t flags, const struct mapping *m,
			  uint64_t pgoff, uint64_t *len, uint64_t addr, bool fixed, unsigned *vm_flags);
/* The page size of a hugetlb VMA with vm_flags. */
uint64_t hugetlb_page_size(unsigned vm_flags);
/* The new hugetlb VMA of mm at [start, end) (Linux's hugetlbfs_file_mmap):
 * unless noreserve, reserves its pages (a private map: a reservation in
 * each PDE or PDPTE; a shared one: in its file), then a writable map
 * makes its file at least as long as what it maps. 0, or -ENOMEM when
 * the pool's unreserved free pages are too few or no page table could
 * be had (the caller unmaps the range). */
int hugetlb_mmap(struct kernel *k, struct mm *mm, uint64_t start, uint64_t end, bool noreserve);

/* ---- hugetlbfs files (hugetlb_file.c) ---- */

/* A new hugetlbfs file of size bytes with its pages from pool id (a
 * shared anonymous map's, or a memfd's), one reference (mapping_put);
 * NULL out of host memory. */
struct mapping *hugetlb_file_create(struct kernel *k, enum hstate_id id, uint64_t size);
/* The page size of a hugetlbfs file; 0 for any other mapping. */
uint64_t hugetlb_file_page_size(const struct mapping *m);
/* ftruncate to size (a multiple of the page size), longer or shorter:
 * pages past it leave every map and go back to the pool with their
 * reservations. */
void hugetlb_file_resize(struct kernel *k, struct mapping *m, uint64_t size);
/* FALLOC_FL_PUNCH_HOLE over [start, end): whole pages go as above, the
 * parts of pages at either end are zeroed (Linux's hugetlbfs_punch_hole). */
void hugetlb_file_punch(struct kernel *k, struct mapping *m, uint64_t start, uint64_t end);
/* fallocate's allocation: each page touching [off, off + len) is
 * allocated. 0, -ENOSPC or -ENOMEM (the pages allocated stay). */
int hugetlb_file_fallocate(struct kernel *k, struct mapping *m, uint64_t off, uint64_t len);
/* read(2) at pos: bytes copied (holes read as zeroes), or -EFAULT. */
int64_t hugetlb_file_read(struct kernel *k, struct mapping *m, struct uio *u, uint64_t pos);


/* ---- swap entries ----
 * A swap entry lives in a not-present PTE in Linux's x86-64 format: type
 * in bits 9-13, the offset inverted from bit 14 up (so a stray entry never
 * points at real memory, Linux's L1TF rule). Slot 0 is never used. */

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

/* ---- page faults (fault.c) ---- */

/* A fault the kernel could not fix: the signal it calls for (0 when the
 * process is already gone) and its si_code. */
struct fault_signal {
	int sig, si_code;
	/* Linux's VM_FAULT_RETRY: no signal, the task sleeps (a userfault)
	 * and runs the instruction again once woken. */
	bool retry;
};
/* Handles a #PF of the current process (Linux's handle_mm_fault, with the
 * VMA checks of do_user_addr_fault); user: the CPU's own access in user
 * mode (FAULT_FLAG_USER), not the kernel's copy to or from user memory.
 * Returns true when fixed; else *why says which signal a user access gets
 * (kernel accesses get -EFAULT), or that it sleeps. */
bool handle_mm_fault(struct kernel *k, const struct mmu_fault *f, enum mmu_access access,
		     bool user, struct fault_signal *why);

/* ---- user memory access through the MMU (uaccess.c, uio.c) ----
 * Supervisor accesses with the normal fault path; a bad pointer gives
 * -EFAULT, never a host crash. */
int copy_to_user(struct kernel *k, uint64_t uva, const void *src, uint64_t n);
int copy_from_user(struct kernel *k, void *dst, uint64_t uva, uint64_t n);
/* Copies a NUL-terminated string of at most n bytes (with the NUL).
 * Returns its length, -EFAULT, or -ENAMETOOLONG. */
int64_t strncpy_from_user(struct kernel *k, char *dst, uint64_t uva, uint64_t n);
/* Copies to the guest page by page; returns the bytes copied before the
 * first fault (for calls that report partial success). */
uint64_t copy_to_user_partial(struct kernel *k, uint64_t uva, const void *src, uint64_t n);

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
 * them); returns how many before the first fault. */
size_t uio_copy(struct kernel *k, struct uio *u, void *buf, size_t n, bool to_uio);
/* Moves past n bytes of u's buffers without touching them. */
void uio_skip(struct uio *u, uint64_t n);

/* ---- the vDSO (vdso.c) ---- */

/* Lets them go (kernel_shutdown, kernel_destroy); a second call does nothing. */
void vdso_exit(struct kernel *k);
/* Maps [vvar], [vvar_vclock] and [vdso] into a new program's mm (Linux's
 * map_vdso): the vDSO's address (AT_SYSINFO_EHDR), or -errno. */
int64_t map_vdso(struct kernel *k, struct mm *mm);
/* m is one of the vDSO's: the kernel's pages, which Linux counts as file
 * pages (RssFile, Pss_File), never as shared memory. */
bool vdso_mapping(const struct kernel *k, const struct mapping *m);

/* ---- the page cache behind files (pagecache.c, filemap.c) ---- */

/* The page cache of the host regular file open on host_fd (any kind of
 * open but O_PATH), with a reference for the caller (mapping_put), the fd
 * duplicated for fills; *acc_mode (if not NULL) gets the fd's O_ACCMODE.
 * NULL when the file cannot be cached or out of memory. */
struct mapping *filemap_get(struct kernel *k, int host_fd, int *acc_mode);
void mapping_get(struct mapping *m);
/* The last reference of a file mapping writes back and closes its fd; its
 * pages stay cached. An anonymous one frees its pages. */
void mapping_put(struct mapping *m);
/* The frame of page pgoff, read from the file (or zeroed for shmem) when
 * missing: 0, -ENOMEM or -EIO. The cache keeps the reference. */
int mapping_page(struct kernel *k, struct mapping *m, uint64_t pgoff, struct cache_page **cpp);
struct cache_page *pagecache_lookup(struct kernel *k, struct mapping *m, uint64_t index);
/* The cache page held in frame pa, or NULL. */
struct cache_page *pagecache_page(struct kernel *k, uint64_t pa);
/* read(2) of a cached file at pos: bytes copied, or -EFAULT. */
int64_t filemap_read(struct kernel *k, struct mapping *m, struct uio *u, uint64_t pos);
/* write(2) of up to n bytes of u at pos, through the page cache (which
 * the host file then follows: write-through): the cached pages and the
 * size take the bytes, which buf gets too, for the host file. The user's
 * buffer may be a shared map of these very pages. Returns the bytes
 * copied (fewer at a fault). */
size_t filemap_perform_write(struct kernel *k, struct mapping *m, struct uio *u, uint64_t pos,
			     uint8_t *buf, size_t n);
/* The host file took fewer bytes than filemap_perform_write copied:
 * the cache of [from, to) and the size follow the file again. */
void filemap_write_failed(struct kernel *k, struct mapping *m, uint64_t from, uint64_t to);
/* The file is now size bytes long (ftruncate, O_TRUNC): pages past the end
 * are unmapped from every process and dropped, the tail of the last zeroed. */
void filemap_resize(struct kernel *k, struct mapping *m, uint64_t size);
/* The host file's bytes of pages [first, last] changed under the cache
 * (fallocate's punch, zero, collapse, insert): those cached pages leave
 * every PTE that maps them (private copies stay, as Linux's
 * truncate_pagecache_range) and the cache, to be read again (shared
 * memory: zeroes). Write back the dirty ones first. */
void filemap_invalidate(struct kernel *k, struct mapping *m, uint64_t first, uint64_t last);
/* A MAP_SHARED anonymous region of size bytes (Linux's shmem file of
 * shmem_zero_setup): pages zeroed at first use, none past size (a map
 * grown by mremap raises SIGBUS there). */
struct mapping *shmem_create(struct kernel *k, uint64_t size);
/* write(2) into shared memory m at pos (a memfd): the bytes copied (the
 * size grows to cover them), or -ENOMEM or -EFAULT when none were. */
int64_t shmem_write(struct kernel *k, struct mapping *m, struct uio *u, uint64_t pos);
/* FALLOC_FL_PUNCH_HOLE on shared memory: [start, end) reads zeroes. */
void shmem_zero_range(struct kernel *k, struct mapping *m, uint64_t start, uint64_t end);
/* Writes back the dirty pages of [first, last] (pgoffs): PTEs of shared
 * maps in every process give up their D bits (and W, so the next write
 * faults and dirties the page again). 0 or -EIO. */
int filemap_writeback(struct kernel *k, struct mapping *m, uint64_t first, uint64_t last);

/* ---- invariants (check.c) ---- */

/* Checks the memory system's invariants between operations: every frame's
 * reference count against the page tables, page cache and swap cache that
 * hold it; every PTE against its VMA and the reverse map; swap slot use
 * counts; table counts; free plus used frames against all frames. 0, or
 * -1 with the first broken invariant in err. */
int mm_check(struct kernel *k, char *err, size_t errlen);

/* ---- reclaim (reclaim.c) ---- */

/* Free frames now. */
uint64_t frames_free(struct kernel *k);
/* Before an operation that allocates: below the min watermark, reclaim to
 * the low one, and when nothing can be freed, call the OOM killer. */
void reclaim_direct(struct kernel *k);
/* Between run slices: below the low watermark, reclaim to the high one. */
void reclaim_background(struct kernel *k);

/* ---- userfaultfd: page faults handled by user space (userfaultfd.c,
 * mfill_atomic.c; the file is fs/userfaultfd.c's) ---- */

/* One fault that sleeps until a UFFDIO_COPY, ZEROPAGE or WAKE of its
 * page (Linux's userfaultfd_wait_queue); the faulting task sleeps on it
 * as its wait channel, so it is live while a task does. */
struct uffd_wait {
	struct uffd_wait *next;
	uint8_t msg[32]; /* struct uffd_msg, as read(2) gives it */
	uint64_t address;
	bool read;       /* read(2) has given its message (Linux's fault_wqh) */
};

struct userfaultfd_ctx {
	struct mm *mm;                 /* NULL once that mm is gone */
	struct userfaultfd_ctx *mm_next; /* mm->uffd_ctxs */
	int flags;                     /* UFFD_USER_MODE_ONLY, O_NONBLOCK, O_CLOEXEC */
	uint32_t features;             /* UFFD_FEATURE_*, once UFFDIO_API is done */
	bool initialized;              /* UFFDIO_API is done (UFFD_FEATURE_INITIALIZED) */
	struct uffd_wait *waits;       /* oldest first */
	char fd_wqh;                   /* readers wait here; file_wake's channel */
};

/* A new context for the current process's mm; NULL when out of memory. */
struct userfaultfd_ctx *userfaultfd_ctx_create(struct kernel *k, int flags);
/* Its file is closed (Linux's userfaultfd_release): the VMAs are theirs
 * again, every sleeping fault is woken (it then faults as without a
 * userfaultfd) and the context is freed. */
void userfaultfd_ctx_release(struct kernel *k, struct userfaultfd_ctx *ctx);
/* UFFDIO_REGISTER and UNREGISTER of [start, start + len) with vm_flags
 * (VM_UFFD_MISSING): 0 or -errno as Linux's; *ioctls: the range ioctls
 * the registered range takes. */
int userfaultfd_register(struct kernel *k, struct userfaultfd_ctx *ctx, uint64_t start,
			 uint64_t len, unsigned vm_flags, uint64_t *ioctls);
int userfaultfd_unregister(struct kernel *k, struct userfaultfd_ctx *ctx, uint64_t start,
			   uint64_t len);
/* validate_range: page-aligned, not empty, inside the mm's user space. */
int userfaultfd_validate_range(const struct userfaultfd_ctx *ctx, uint64_t start, uint64_t len);
/* Wakes the faults sleeping on pages of [start, start + len). */
void userfaultfd_wake_range(struct kernel *k, struct userfaultfd_ctx *ctx, uint64_t start,
			    uint64_t len);
/* The oldest message read(2) has not given yet, moved to the read ones:
 * true and *msg, or false when there is none. */
bool userfaultfd_take_msg(struct kernel *k, struct userfaultfd_ctx *ctx, uint8_t msg[32]);
/* The faults sleeping, and of them those whose message is unread. */
unsigned userfaultfd_count(struct kernel *k, struct userfaultfd_ctx *ctx, unsigned *pending);
/* UFFDIO_COPY and UFFDIO_ZEROPAGE (Linux's mfill_atomic): fill the missing
 * pages of [dst, dst + len) of a registered VMA, from the user memory at
 * src or with the zero page; the bytes filled, or -errno when none was
 * (-EEXIST: a page is there, -ENOENT: no registered VMA covers the range,
 * -EFAULT: src cannot be read, -ENOMEM, -ESRCH: the mm is gone; wp,
 * UFFDIO_COPY_MODE_WP, needs a VMA registered for write-protection,
 * which vmemu has none of: -EINVAL). */
int64_t mfill_atomic_copy(struct kernel *k, struct userfaultfd_ctx *ctx, uint64_t dst,
			  uint64_t src, uint64_t len, bool wp);
int64_t mfill_atomic_zeropage(struct kernel *k, struct userfaultfd_ctx *ctx, uint64_t dst,
			      uint64_t len);

/* ---- the OOM killer's measure (oom.c) ---- */

#define OOM_SCORE_ADJ_MIN (-1000)
#define OOM_SCORE_ADJ_MAX 1000
struct process;
/* RAM and swap in pages, which oom_score_adj is a thousandth of. */
uint64_t oom_totalpages(struct kernel *k);
/* Linux's oom_badness: the pages p's death would free (resident, swapped,
 * page tables) plus oom_score_adj thousandths of totalpages; LONG_MIN
 * for a process that is never killed (gone, or OOM_SCORE_ADJ_MIN). */
long oom_badness(const struct process *p, uint64_t totalpages);

#endif
