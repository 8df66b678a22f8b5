/* vm.h - virtual memory: VMAs and address spaces (vma.c, mm.c, mremap.c),
 * page tables (pgtable.c), page faults (fault.c) and access to user memory
 * (uaccess.c, uio.c). */
#ifndef VMEMU_VM_H
#define VMEMU_VM_H

#include <stdbool.h>
#include <stdint.h>

#include "mmu.h"

struct kernel;
struct mapping;

/* ---- virtual memory areas and address spaces (vma.c, mm.c) ---- */

#define VM_READ 0x1u  /* = PROT_READ */
#define VM_WRITE 0x2u /* = PROT_WRITE */
#define VM_EXEC 0x4u  /* = PROT_EXEC */
#define VM_GROWSDOWN 0x100u
#define VM_STACK 0x200u
#define VM_HEAP 0x400u
#define VM_SHARED 0x800u /* MAP_SHARED: fork shares the pages, no CoW */

#define VM_MAYWRITE 0x1000u /* MAP_SHARED file map of a file open for writing */

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
	struct mm *next, *prev; /* k->mms */
};

struct mm *mm_create(struct kernel *k);
void mm_destroy(struct kernel *k, struct mm *mm);
/* A process lets go of mm; the last one destroys it. */
void mm_put(struct kernel *k, struct mm *mm);
struct vma *vma_find(struct mm *mm, uint64_t va); /* vma containing va, or NULL */
bool vma_overlaps(struct mm *mm, uint64_t start, uint64_t end);
/* Every page of [start, end) is in some VMA (no hole: else Linux's ENOMEM). */
bool vma_covers(const struct mm *mm, uint64_t start, uint64_t end);
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
 * shared copy-on-write (mm_fork.c). NULL when out of memory. */
struct mm *mm_fork(struct kernel *k, struct mm *parent);
/* mremap(2) of [old, old + old_len) to new_len bytes in mm with MREMAP_*
 * flags (new: the MREMAP_FIXED address), arguments checked: the new
 * address, or -errno (mremap.c). */
int64_t mm_remap(struct kernel *k, struct mm *mm, uint64_t old, uint64_t old_len, uint64_t new_len,
		 uint64_t flags, uint64_t new);

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
/* A fault the kernel could not fix: the signal it calls for (0 when the
 * process is already gone) and its si_code. */
struct fault_signal {
	int sig, si_code;
};
/* Handles a #PF of the current process (Linux's handle_mm_fault, with the
 * VMA checks of do_user_addr_fault). Returns true when fixed; else *why
 * says which signal a user access gets (kernel accesses get -EFAULT). */
bool handle_mm_fault(struct kernel *k, const struct mmu_fault *f, enum mmu_access access,
		     struct fault_signal *why);

/* ---- user memory access through the MMU (uaccess.c) ----
 * Supervisor accesses with the normal fault path; a bad pointer gives
 * -EFAULT, never a host crash. */
int copy_to_user(struct kernel *k, uint64_t uva, const void *src, uint64_t n);
int copy_from_user(struct kernel *k, void *dst, uint64_t uva, uint64_t n);
/* Copies a NUL-terminated string of at most n bytes (with the NUL).
 * Returns its length, -EFAULT, or -ENAMETOOLONG. */
int64_t strncpy_from_user(struct kernel *k, char *dst, uint64_t uva, uint64_t n);

/* Copies to the guest page by page; returns the bytes copied before the
 * first fault (for calls that report partial success, uio.c). */
uint64_t copy_to_user_partial(struct kernel *k, uint64_t uva, const void *src, uint64_t n);

#endif
