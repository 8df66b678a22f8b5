/* internal.h - what the files of mm/ share and no other subsystem calls
 * (as Linux's mm/internal.h): frames, the LRU lists and the reverse map,
 * swap entries, page-table edits, the fault paths, page-cache upkeep,
 * reclaim and the OOM killer. Unit tests include it too. */
#ifndef VMEMU_MM_INTERNAL_H
#define VMEMU_MM_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "mm/mm.h"

struct kernel;

/* ---- frames (frame.c) ---- */

/* Returns the physical address of 2^order zeroed, aligned frames, or
 * FRAME_NONE when memory is exhausted. refcount starts at 1. */
uint64_t frame_alloc(struct kernel *k, unsigned order);
void frame_get(struct kernel *k, uint64_t pa);
/* Drops one reference; the block is freed at 0 (order as allocated). */
void frame_put(struct kernel *k, uint64_t pa, unsigned order);
/* Drops one reference and frees nothing at 0: a hugetlb pool page goes
 * back to its pool, still allocated. */
void frame_put_ref(struct kernel *k, uint64_t pa);
/* The 2^order frames of an allocated block at pa become independent
 * frames with one reference each, freed one by one (Linux's split_page). */
void frame_split(struct kernel *k, uint64_t pa, unsigned order);
uint32_t frame_refcount(struct kernel *k, uint64_t pa);
bool frame_is_exec(struct kernel *k, uint64_t pa);
/* The kernel wrote into the frame at pa: if it may hold translated code,
 * the CPU drops all translated code before the guest runs on (the slice
 * ends at once). */
void frame_written(struct kernel *k, uint64_t pa);

/* ---- LRU lists (lru.c) ---- */

/* The resident set shrinks by n pages; its peak is kept first (Linux's
 * update_hiwater_rss, which it calls before unmapping; here at every drop,
 * reclaim's too). */
static inline void mm_rss_sub(struct mm *mm, uint64_t n)
{
	if (mm->rss_pages > mm->hiwater_rss)
		mm->hiwater_rss = mm->rss_pages;
	mm->rss_pages -= n;
}

static inline enum lru_list lru_inactive(bool file)
{
	return file ? LRU_INACTIVE_FILE : LRU_INACTIVE_ANON;
}

static inline enum lru_list lru_active(bool file)
{
	return file ? LRU_ACTIVE_FILE : LRU_ACTIVE_ANON;
}

/* Linux's linear_page_index: the page at va's offset in v's terms. */
static inline uint64_t linear_page_index(const struct vma *v, uint64_t va)
{
	return v->pgoff + ((va - v->start) >> PAGE_SHIFT);
}
/* A new anonymous page mapped at va in v, or a page-cache page. */
void lru_add_anon(struct kernel *k, uint64_t pa, const struct vma *v, uint64_t va);
/* The same with its index known (a page moved by compaction). */
void lru_add_anon_index(struct kernel *k, uint64_t pa, uint64_t index);
void lru_add_file(struct kernel *k, uint64_t pa);
/* The frame is freed: off its list. */
void lru_del(struct kernel *k, uint64_t pa);
bool lru_on_list(struct kernel *k, uint64_t pa);
/* Moves a page to the head of list (or keeps it there). */
void lru_move(struct kernel *k, uint64_t pa, enum lru_list list);
/* The page at the tail of list, or 0 when the list is empty. */
uint64_t lru_tail(struct kernel *k, enum lru_list list);
/* A use through read() or write() (Linux's mark_page_accessed): the first
 * sets PG_referenced, the second activates an inactive page. */
void lru_mark_accessed(struct kernel *k, uint64_t pa);

/* ---- PCIDs (pcid.c) ---- */

/* A new address space gets its ctx_id and no PCID yet. */
void init_new_context(struct kernel *k, struct mm *mm);
/* The address space is gone: its PCID, if it still owns one, is flushed
 * and free. */
void destroy_context(struct kernel *k, struct mm *mm);

/* ---- the reverse map (rmap.c) ----
 * Finds the PTEs (present or PROT_NONE) that map a page: an anonymous
 * page through the VMAs with anonymous memory whose offsets cover its
 * index (so it is found in every address space that shares it, moved by
 * mremap or not), a page-cache page through the VMAs that map its file. */

/* Called for each PTE mapping the page; returns false to stop the walk. */
typedef bool rmap_one_fn(struct kernel *k, struct mm *mm, uint64_t va, uint64_t *pte, void *arg);
void rmap_walk(struct kernel *k, uint64_t pa, rmap_one_fn *fn, void *arg);
/* Clears A in every PTE mapping the page (invalidating each) and returns
 * how many had it set (Linux's folio_referenced); *exec (if not NULL)
 * tells whether one of those PTEs allows instruction fetches. */
unsigned rmap_referenced(struct kernel *k, uint64_t pa, bool *exec);

/* ---- swap (swap.c) ---- */

/* Writes the page at pa to swap unless it is there already, and takes a
 * use of its slot for one PTE. Returns the slot, or 0 (no swap space). */
uint64_t swap_out(struct kernel *k, uint64_t pa);
/* The frame with slot's data into *pa: from the swap cache, or read into
 * a new frame that the cache keeps. 0, -ENOMEM or -EIO (the read failed). */
int swap_in(struct kernel *k, uint64_t slot, uint64_t *pa);
/* A PTE let go of its entry (swapped in, unmapped); the last frees the slot. */
void swap_put(struct kernel *k, uint64_t slot);
/* One more PTE holds the entry (fork). */
void swap_dup(struct kernel *k, uint64_t slot);
/* Frees the frame at pa when only the swap cache holds it. */
bool swap_cache_free(struct kernel *k, uint64_t pa);

/* ---- VMAs (vma.c, vma_tree.c) ---- */

/* Links a new VMA over [start, end), where no VMA is (named "[heap]" or
 * "[stack]" by its flags; pgoff its address, as anonymous memory's);
 * NULL if no memory. */
struct vma *vma_insert(struct mm *mm, uint64_t start, uint64_t end, unsigned flags);
/* Splits v at addr (inside it); v keeps the lower part. -1 if no memory.
 * No vm.max_map_count check (callers do Linux's). */
int vma_split(struct kernel *k, struct mm *mm, struct vma *v, uint64_t addr);
/* Splits VMAs so start and end fall on boundaries; -1 if out of memory. */
int vma_split_at(struct kernel *k, struct mm *mm, uint64_t start, uint64_t end);
/* v, which holds no file, holds a reference on f (or none: NULL). */
void vma_set_file(struct kernel *k, struct vma *v, struct file *f);
/* Moves v's end (nothing may be in the way). */
void vma_set_end(struct mm *mm, struct vma *v, uint64_t end);
/* Frees the VMAs that lie inside [start, end) (split first). */
void vma_remove_range(struct kernel *k, struct mm *mm, uint64_t start, uint64_t end);
/* Merges the neighbours that may merge, from the VMA before [start, end)
 * to the one after it. */
void vma_merge_range(struct kernel *k, struct mm *mm, uint64_t start, uint64_t end);
/* a, ending where b starts, and b could be one VMA. */
bool vma_can_merge(const struct vma *a, const struct vma *b);
/* [s, e), inside v, gets the VM_* flags (Linux's vma_modify_flags, as
 * mprotect and madvise use it): split off v, unless it merges with a
 * neighbour instead, each split refused (-ENOMEM) at vm.max_map_count;
 * then merged where it can be. PTEs are the caller's. */
int vma_modify_flags(struct kernel *k, struct mm *mm, struct vma *v, uint64_t s, uint64_t e,
		     unsigned flags);
/* The same, with the userfaultfd the range gets (Linux's vma_merge with
 * a vm_userfaultfd_ctx: VMAs of different userfaultfds never merge). */
int vma_modify_uffd(struct kernel *k, struct mm *mm, struct vma *v, uint64_t s, uint64_t e,
		    unsigned flags, struct userfaultfd_ctx *uffd);
void vma_free_all(struct kernel *k, struct mm *mm);
/* Gives v an anon_vma before its first private page (a compatible
 * neighbour's, or a new one; Linux's anon_vma_prepare). 0, or -1 out of
 * host memory. */
int anon_vma_prepare(struct vma *v);
/* A forked child's copy of parent gets its own anon_vma if parent has one. */
int anon_vma_fork(struct vma *child, const struct vma *parent);

/* The tree (vma_tree.c): insert after linking v in the list, erase before
 * freeing it (next: the VMA that followed it), update after v's gap
 * changed (the end of the VMA before it moved). */
void vma_tree_insert(struct mm *mm, struct vma *v);
void vma_tree_erase(struct mm *mm, struct vma *v, struct vma *next);
void vma_tree_update(struct mm *mm, const struct vma *v);
uint64_t vma_gap_before(const struct vma *v);
/* The first VMA that ends above addr (contains it, or is the next), or NULL. */
struct vma *vma_first_after(const struct mm *mm, uint64_t addr);
struct vma *vma_last(const struct mm *mm);
/* The highest len bytes inside [low, high) that no VMA overlaps: their
 * start, or 0 when none fit (Linux's unmapped_area_topdown). */
uint64_t vma_gap_topdown(const struct mm *mm, uint64_t low, uint64_t high, uint64_t len);

/* ---- page-table edits (pgtable.c) ---- */

/* Sets a PTE that was not present (no invalidation needed). */
void pgtable_set_new(struct kernel *k, uint64_t *pte, uint64_t value);
/* Changes or clears a present PTE and invalidates va. */
void pgtable_update(struct kernel *k, struct mm *mm, uint64_t va, uint64_t *pte, uint64_t value);
/* pgtable_update for the page whose TLB fill is under way (the fault
 * handler's own page): the CPU's entry is replaced by the fill's answer
 * instead of the whole TLB being flushed, where that is safe. */
void pgtable_update_filled(struct kernel *k, struct mm *mm, uint64_t va, uint64_t *pte,
			   uint64_t value);
/* INVLPG va in mm's address space: its TLB entries and the paging-
 * structure-cache entries that could lead to them; the CPU's flush owed. */
void pgtable_invalidate(struct kernel *k, struct mm *mm, uint64_t va);
/* A page table at pa, no longer pointed to, is freed. */
void pgtable_free_table(struct kernel *k, struct mm *mm, uint64_t pa);
/* The entry of a table that points to the page table at pa. */
uint64_t pgtable_table_entry(uint64_t pa);
/* Calls fn for every page table of mm (its frame), the top one first. */
typedef void pgtable_table_fn(uint64_t pa, void *arg);
void pgtable_walk_tables(struct kernel *k, struct mm *mm, pgtable_table_fn *fn, void *arg);
/* pgtable_walk_leaves, with every huge PDE met split first: fn sees
 * 4 KiB PTEs only (mremap moves them). */
void pgtable_walk_ptes(struct kernel *k, struct mm *mm, uint64_t start, uint64_t end,
		       pgtable_leaf_fn *fn, void *arg);
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

/* ---- transparent huge pages (huge_memory.c) ----
 * A THP of private anonymous memory is an order-9 block mapped by a PDE
 * leaf (PS); that PDE holds one reference on each of its 512 frames, which
 * are on the LRU lists one by one, so a split (into a page table of 512
 * PTEs) moves no reference. The huge zero page (an order-9 block of
 * zeroes the kernel keeps once made) is mapped read-only for read faults;
 * a PDE holds one reference on its first frame. */

#define PT_ENTRIES 512 /* entries of a paging structure (PTRS_PER_PTE) */
#define HPAGE_PMD_ORDER 9
#define HPAGE_PMD_NR (1ULL << HPAGE_PMD_ORDER)
#define HPAGE_PMD_MASK (~(PAGE_SIZE_2M - 1))

/* A present PDE that maps a 2 MiB page. */
static inline bool pmd_trans_huge(uint64_t pmd)
{
	return (pmd & (PTE_P | PTE_PS)) == (PTE_P | PTE_PS);
}

/* The PDE for va, the tables above it made when alloc (NULL if absent or
 * out of memory). */
uint64_t *pgtable_pmd(struct kernel *k, struct mm *mm, uint64_t va, bool alloc);
/* The same for the entry at level (1 PTE ... 4 PML4E). */
uint64_t *pgtable_entry(struct kernel *k, struct mm *mm, uint64_t va, int level, bool alloc);
/* The leaf entry for va: its PTE, or the PDE of a huge page; NULL if none.
 * Nothing is made or split. */
uint64_t *pgtable_leaf(struct kernel *k, struct mm *mm, uint64_t va);
/* Whether a fault at va in vma may map a huge page (Linux's
 * thp_vma_allowable_order): the --thp mode, the mm's PR_SET_THP_DISABLE
 * and the VMA's MADV_*HUGEPAGE allow it, and the 2 MiB around va lie inside vma, private anonymous. */
bool thp_vma_allowable(struct kernel *k, const struct mm *mm, const struct vma *vma,
		       uint64_t va);
/* A missing PDE: a huge page for a write, the huge zero page for a read
 * (Linux's do_huge_pmd_anonymous_page). 0 done, THP_FALLBACK for 4 KiB
 * pages (no free order-9 block: counted), -1 out of host memory. */
#define THP_FALLBACK 1
int do_huge_pmd_anonymous_page(struct kernel *k, struct mm *mm, struct vma *vma, uint64_t va,
			       uint64_t *pmd, bool write);
/* A write to a read-only huge PDE (Linux's do_huge_pmd_wp_page): made
 * writable when mm alone maps the page (0); otherwise (shared after fork,
 * the huge zero page) the PDE is split and the fault goes on at the PTE
 * (THP_FALLBACK), -1 when no table could be had for the split. */
int do_huge_pmd_wp_page(struct kernel *k, struct mm *mm, struct vma *vma, uint64_t va,
			uint64_t *pmd);
/* Replaces the huge PDE of mm at va by a table of 512 PTEs mapping the
 * same frames with the same rights (Linux's __split_huge_pmd). 0, or -1
 * when no frame is free for the table (the PDE stays). */
int split_huge_pmd(struct kernel *k, struct mm *mm, uint64_t va, uint64_t *pmd);
/* Splits the huge PDEs that [start, end) cuts (Linux's
 * vma_adjust_trans_huge): before VMAs split there, or a part is unmapped,
 * protected or moved. 0, or -ENOMEM. */
int split_huge_edges(struct kernel *k, struct mm *mm, uint64_t start, uint64_t end);
/* The PDE of a huge page goes (munmap, exit): its frames are put. */
void zap_huge_pmd(struct kernel *k, struct mm *mm, uint64_t va, uint64_t *pmd);
/* fork: the child's PDE at va shares the parent's huge page, read-only in
 * both when private writable (Linux's copy_huge_pmd). 0, or -ENOMEM. */
int copy_huge_pmd(struct kernel *k, struct mm *child, struct mm *parent, uint64_t va,
		  uint64_t *pmd, unsigned vm_flags);
/* MADV_COLLAPSE of the 2 MiB at haddr in vma (Linux's
 * madvise_collapse): a missing PDE gets a huge page, a page table of
 * private anonymous 4 KiB pages (none or the zero page in places) is
 * copied into one and freed. 0, -EAGAIN (a swapped, PROT_NONE or file
 * page there), or -ENOMEM. */
int collapse_huge_page(struct kernel *k, struct mm *mm, struct vma *vma, uint64_t haddr);
/* The huge zero page's physical address, or 0 before it is first used. */
uint64_t huge_zero_pa(struct kernel *k);
static inline bool is_huge_zero_pmd(struct kernel *k, uint64_t pmd)
{
	return huge_zero_pa(k) && (pmd & PTE_ADDR_MASK) == huge_zero_pa(k);
}
/* A frame of the zero page or of the huge zero page (Linux's is_zero_pfn
 * and is_huge_zero_page): no page of its own, never written. */
static inline bool is_zero_page(struct kernel *k, uint64_t pa)
{
	uint64_t huge = huge_zero_pa(k);
	return pa == ZERO_PAGE_PA || (huge && pa - huge < PAGE_SIZE_2M);
}

/* ---- the fault paths (fault.c) ---- */

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
 * end of the file, or one the file or swap cannot give (a read error). */
/* userfaultfd.c. handle_userfault: a missing page of a VMA registered
 * with VM_UFFD_MISSING, faulted by the current task: queues the message
 * and puts the task to sleep until the page is filled (true: the fault is
 * Linux's VM_FAULT_RETRY), or false when it must be SIGBUS (-EFAULT for a
 * kernel access): UFFD_FEATURE_SIGBUS, a kernel access with
 * UFFD_USER_MODE_ONLY, and every kernel access, which vmemu cannot put
 * to sleep halfway (its system calls restart from the start). */
bool handle_userfault(struct kernel *k, struct vma *vma, uint64_t va, enum mmu_access access,
		      bool user);
/* The mm goes: its userfaultfds no longer reach it. */
void userfaultfd_mm_exit(struct mm *mm);
#define FAULT_SIGBUS (-2)
enum fault_kind { FAULT_DEMAND_ZERO, FAULT_FILE, FAULT_SWAP, FAULT_COW, FAULT_SPURIOUS };
int handle_pte_fault(struct kernel *k, struct mm *mm, struct vma *vma, uint64_t va,
		     enum mmu_access access, enum fault_kind *kind);

/* ---- compaction (compaction.c) ---- */

/* Frees an order-9 block by moving the movable pages of the cheapest
 * 2 MiB block elsewhere (Linux's direct compaction for a THP fault). True
 * when a block was emptied; compact_* and pgmigrate_success count it. */
bool compact_for_huge_page(struct kernel *k);

/* ---- hugetlb maps (hugetlb.c) ---- */

/* The size of pool id's pages (Linux's huge_page_size). */
uint64_t huge_page_size(enum hstate_id id);
/* Free pages of pool id that no one has reserved. */
uint64_t hugetlb_unreserved(struct kernel *k, enum hstate_id id);
/* A free page of pool id with one reference, zeroed when zero: the one
 * reserved for it (reserved: HugePages_Rsvd goes down), else an
 * unreserved one; FRAME_NONE when there is none. */
uint64_t hugetlb_dequeue(struct kernel *k, enum hstate_id id, bool reserved, bool zero);
/* Drops a reference on the page at pa of pool id; the last gives it back
 * to the pool. */
void hugetlb_put_page(struct kernel *k, enum hstate_id id, uint64_t pa);

/* A VMA may be cut at addr: not inside a hugetlb VMA but at a 2 MiB
 * boundary (Linux's hugetlb_vm_op_split: EINVAL otherwise). */
bool hugetlb_may_split(struct mm *mm, uint64_t addr);
/* A VMA may be cut at addr: hugetlb_may_split, and not inside a special
 * map (VM_DONTEXPAND) (vma.c). */
bool vma_may_split(struct mm *mm, uint64_t addr);
/* The pool of a hugetlb VMA. */
enum hstate_id hstate_of(const struct vma *vma);
/* A fault in a hugetlb VMA: a page from the pool (its reservation, else
 * an unreserved one), a write to a page shared after fork (a copy unless
 * mm alone holds it). 0, FAULT_SIGBUS when the pool has no page, -1 when
 * no page table could be had. */
int hugetlb_fault(struct kernel *k, struct mm *mm, struct vma *vma, uint64_t va, bool write,
		  enum fault_kind *kind);
/* The hugetlb leaf at va (in a VMA of mm) goes: its page back to the pool
 * when no other leaf holds it, or its reservation given back. */
void hugetlb_zap(struct kernel *k, struct mm *mm, uint64_t va, uint64_t *pmd);
/* fork: the child's leaf at va of a private map shares the page,
 * read-only in both (the first write copies it); a shared map's leaves
 * are not copied. 0, or -ENOMEM. */
int copy_hugetlb_pmd(struct kernel *k, struct mm *child, struct mm *parent, uint64_t va,
		     uint64_t *pmd, unsigned vm_flags);

/* ---- hugetlbfs files (hugetlb_file.c) ---- */

/* What a hugetlbfs file holds at one index: a page (the file's reference
 * on its first frame), or pa 0: a reservation not used yet. */
struct huge_slot {
	uint64_t index, pa;
};

struct hugetlb_file {
	enum hstate_id id;       /* its pool */
	struct huge_slot *slots; /* by index, ascending */
	size_t n, cap;
};

/* The page at index of the hugetlbfs file m, or 0 when it has none. */
uint64_t hugetlb_file_lookup(const struct mapping *m, uint64_t index);
/* Calls fn with each page the file holds (its first frame, its size). */
void hugetlb_file_for_each_page(const struct mapping *m, void (*fn)(uint64_t pa, uint64_t size, void *arg),
				void *arg);
/* The page at index, allocated (zeroed) when missing: with the file's
 * reservation there, else from the pool's unreserved free pages, and then
 * noted as reserved (Linux's vma_commit_reservation). 0; -ENOSPC when the
 * pool has no page for it; -ENOMEM out of host memory. */
int hugetlb_file_page(struct kernel *k, struct mapping *m, uint64_t index, uint64_t *pa);
/* The indices of [first, end) that the file has no page or reservation for. */
uint64_t hugetlb_file_needs(const struct mapping *m, uint64_t first, uint64_t end);
/* A shared map of [first, end) reserves those (Linux's hugetlb_reserve_pages
 * for VM_MAYSHARE): 0, or -ENOMEM when the pool cannot cover them. */
int hugetlb_file_reserve(struct kernel *k, struct mapping *m, uint64_t first, uint64_t end);
/* The file's last reference went: its pages go back to the pool, its
 * reservations too, and it leaves its hstate's list. */
void hugetlb_file_release(struct kernel *k, struct mapping *m);

/* ---- the page cache's upkeep (pagecache.c, filemap.c) ---- */

/* Zaps the PTEs of pages [first, last] (pgoffs) in every VMA of every
 * address space that maps m, private copies included (Linux's
 * unmap_mapping_range). */
void unmap_mapping_pages(struct kernel *k, struct mapping *m, uint64_t first, uint64_t last);

/* Puts frame pa (its reference becomes the cache's) at index; NULL when
 * out of host memory (the frame is then put). */
struct cache_page *pagecache_add(struct kernel *k, struct mapping *m, uint64_t index, uint64_t pa);
/* Removes a page from the cache and puts the cache's reference. */
void pagecache_delete(struct kernel *k, struct cache_page *cp);
/* A fault on the uncached page pgoff of vma's file reads the pages around
 * it into the cache first, best effort (filemap.c). */
void filemap_readaround(struct kernel *k, struct vma *vma, uint64_t pgoff);
void pagecache_set_dirty(struct kernel *k, struct cache_page *cp, bool dirty);
/* A PTE took or dropped frame pa (counted for cache pages only). */
void pagecache_map(struct kernel *k, uint64_t pa);
void pagecache_unmap(struct kernel *k, uint64_t pa);
/* Drops cp if nothing but the cache holds it (written back first when
 * dirty). Returns 1 when its frame was freed, else 0. */
uint64_t pagecache_reclaim_page(struct kernel *k, struct cache_page *cp);
/* vm.drop_caches: every clean page of a file that no process maps and no
 * read pins leaves the cache (Linux's invalidate_mapping_pages). */
void pagecache_drop_clean(struct kernel *k);

struct mapping *mapping_alloc(struct kernel *k, bool anon);
/* Frees an idle file mapping whose last page is gone. */
void mapping_free_if_unused(struct mapping *m);

/* Before PTEs of mm in [start, end) go: cache pages lose a mapcount, D
 * bits of shared file maps make their pages dirty, which are written back. */
void filemap_unmap_range(struct kernel *k, struct mm *mm, uint64_t start, uint64_t end);
/* Writes one dirty page back to the file (the bytes below EOF). 0 or -EIO. */
int filemap_write_page(struct kernel *k, struct cache_page *cp);
/* The last reference went: dirty pages are written back, the host file's
 * times are noted (to check the cache when the file is opened again), the
 * fd is closed. */
void filemap_idle(struct mapping *m);

/* ---- reclaim and the OOM killer (reclaim.c, oom.c) ---- */

/* Frees up to target frames from the LRU lists: file pages first, then,
 * with swap, anonymous ones. Returns how many. */
uint64_t reclaim(struct kernel *k, uint64_t target);
/* Unmaps the page (a page-cache page when file) everywhere and frees it,
 * anonymous memory to swap; false when something still holds it (a read
 * in progress, a failed write-back, no swap or full swap). */
bool reclaim_page(struct kernel *k, uint64_t pa, bool file);
/* Kills the process with the highest badness (resident + swapped + page
 * tables) with SIGKILL and says so as Linux's log does. Returns it, or
 * NULL when there is none. */
struct process *oom_kill(struct kernel *k);

/* Whether mm may map len more bytes with VM_* flags at start (what is
 * mapped there now goes): RLIMIT_AS and RLIMIT_DATA (vm_limits.c). */
bool may_expand_vm(struct kernel *k, const struct mm *mm, unsigned flags, uint64_t start,
		   uint64_t len);

#endif
