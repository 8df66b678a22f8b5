/* proc_smaps.c - /proc/PID/smaps and smaps_rollup as Linux's show_smap()
 * and show_smaps_rollup() print them: each VMA's maps line, then its
 * memory in kB, each value right-aligned in 8 columns after a 16-column
 * label, and its flags by Linux's two-letter names.
 *
 * A page counts once it has a frame of its own (the zero page does not,
 * as vm_normal_page says); a page mapped by N PTEs adds 1/N of itself to
 * Pss (fixed point, PSS_SHIFT bits) and counts as shared; a swapped page
 * adds to Swap, and 1/N to SwapPss. A transparent huge page counts as
 * its 512 parts, and whole in AnonHugePages (the huge zero page not at
 * all); a hugetlb page counts only in Shared_ or Private_Hugetlb, by
 * whether another PDE maps it, as smaps_hugetlb_range. vmemu has no KSM,
 * no lazily freed pages (MADV_FREE drops them at once) and no huge pages
 * of files or shared memory: those fields are 0. */
#include <stdio.h>

#include "fs/internal.h"
#include "kern.h"
#include "mm/mm.h"
#include "task/task.h"

#define PSS_SHIFT 12

struct mem_size_stats {
	uint64_t resident, shared_clean, shared_dirty, private_clean, private_dirty;
	uint64_t referenced, anonymous, anonymous_thp, swap;
	uint64_t shared_hugetlb, private_hugetlb;
	uint64_t pss, pss_anon, pss_file, pss_shmem, pss_dirty, pss_locked, swap_pss;
};

struct smaps_walk {
	struct mem_size_stats *mss;
	const struct vma *v;
};

static void account_page(struct kernel *k, const struct smaps_walk *w, uint64_t pte)
{
	struct mem_size_stats *mss = w->mss;
	struct page_info pi;
	page_info_of(k, pte, &pi);
	if (pi.swapped) {
		mss->swap += PAGE_SIZE;
		mss->swap_pss += ((uint64_t)PAGE_SIZE << PSS_SHIFT) / (pi.swapcount ? pi.swapcount : 1);
		return;
	}
	if (!pi.normal)
		return;
	bool shmem = !pi.anon && w->v->mapping && w->v->mapping->anon &&
		     !vdso_mapping(k, w->v->mapping);
	mss->resident += PAGE_SIZE;
	if (pi.anon)
		mss->anonymous += PAGE_SIZE;
	if (pi.referenced)
		mss->referenced += PAGE_SIZE;
	bool private = pi.mapcount < 2;
	uint64_t pss = ((uint64_t)PAGE_SIZE << PSS_SHIFT) / (private ? 1 : pi.mapcount);
	mss->pss += pss;
	*(pi.anon ? &mss->pss_anon : shmem ? &mss->pss_shmem : &mss->pss_file) += pss;
	if (w->v->flags & VM_LOCKED)
		mss->pss_locked += pss;
	if (pi.dirty) {
		mss->pss_dirty += pss;
		*(private ? &mss->private_dirty : &mss->shared_dirty) += PAGE_SIZE;
	} else {
		*(private ? &mss->private_clean : &mss->shared_clean) += PAGE_SIZE;
	}
}

static void account(struct kernel *k, struct mm *mm, uint64_t va, uint64_t *pte, void *arg)
{
	struct smaps_walk *w = arg;
	if (pmd_hugetlb(*pte)) {
		struct page_info pi;
		page_info_at(k, mm, va, &pi);
		uint64_t size = hugetlb_page_size(w->v->flags);
		if (pi.normal)
			*(pi.mapcount > 1 ? &w->mss->shared_hugetlb : &w->mss->private_hugetlb) += size;
		return;
	}
	if (!(*pte & PTE_PS)) {
		account_page(k, w, *pte);
		return;
	}
	struct page_info head;
	page_info_of(k, huge_subpage_pte(*pte, PAGE_SIZE_2M, va), &head);
	if (!head.normal)
		return; /* the huge zero page */
	w->mss->anonymous_thp += PAGE_SIZE_2M;
	for (uint64_t off = 0; off < PAGE_SIZE_2M; off += PAGE_SIZE)
		account_page(k, w, huge_subpage_pte(*pte, PAGE_SIZE_2M, va + off));
}

static void smap_gather(struct kernel *k, struct mm *mm, const struct vma *v,
			struct mem_size_stats *mss)
{
	struct smaps_walk w = {mss, v};
	pgtable_walk_leaves(k, mm, v->start, v->end, account, &w);
}

/* SEQ_PUT_DEC: a label, then bytes in kB in 8 columns. */
static void put_kb(struct seq *s, const char *label, uint64_t bytes)
{
	seq_printf(s, "%-16s%8llu kB\n", label, (unsigned long long)(bytes >> 10));
}

static void show_smap_fields(struct seq *s, const struct mem_size_stats *mss, bool rollup)
{
	put_kb(s, "Rss:", mss->resident);
	put_kb(s, "Pss:", mss->pss >> PSS_SHIFT);
	put_kb(s, "Pss_Dirty:", mss->pss_dirty >> PSS_SHIFT);
	if (rollup) {
		put_kb(s, "Pss_Anon:", mss->pss_anon >> PSS_SHIFT);
		put_kb(s, "Pss_File:", mss->pss_file >> PSS_SHIFT);
		put_kb(s, "Pss_Shmem:", mss->pss_shmem >> PSS_SHIFT);
	}
	put_kb(s, "Shared_Clean:", mss->shared_clean);
	put_kb(s, "Shared_Dirty:", mss->shared_dirty);
	put_kb(s, "Private_Clean:", mss->private_clean);
	put_kb(s, "Private_Dirty:", mss->private_dirty);
	put_kb(s, "Referenced:", mss->referenced);
	put_kb(s, "Anonymous:", mss->anonymous);
	put_kb(s, "KSM:", 0);
	put_kb(s, "LazyFree:", 0);
	put_kb(s, "AnonHugePages:", mss->anonymous_thp);
	put_kb(s, "ShmemPmdMapped:", 0);
	put_kb(s, "FilePmdMapped:", 0);
	put_kb(s, "Shared_Hugetlb:", mss->shared_hugetlb);
	/* A longer label, which takes a column of the value's. */
	seq_printf(s, "%-17s%7llu kB\n", "Private_Hugetlb:",
		   (unsigned long long)(mss->private_hugetlb >> 10));
	put_kb(s, "Swap:", mss->swap);
	put_kb(s, "SwapPss:", mss->swap_pss >> PSS_SHIFT);
	put_kb(s, "Locked:", mss->pss_locked >> PSS_SHIFT);
}

/* show_smap_vma_flags: Linux's VM_* bits in bit order, as this kernel has
 * them. Private maps may become readable, writable and executable
 * (mr mw me); a shared file map is writable only through a file open for
 * writing, and only then "sh". */
static void show_vma_flags(struct seq *s, const struct vma *v)
{
	unsigned f = v->flags;
	bool shared = f & VM_SHARED, anon_shared = shared && v->mapping && v->mapping->anon;
	/* The vDSO's data pages and the vsyscall page may never change. */
	bool fixed = (f & VM_PFNMAP) || v == &gate_vma;
	bool may_write = !fixed && (!shared || anon_shared || (f & VM_MAYWRITE));
	const struct {
		bool set;
		const char *name;
	} bits[] = {
		{f & VM_READ, "rd"}, {f & VM_WRITE, "wr"}, {f & VM_EXEC, "ex"},
		{shared && may_write, "sh"}, {v != &gate_vma, "mr"}, {may_write, "mw"}, {!fixed, "me"},
		{shared, "ms"}, {f & VM_GROWSDOWN, "gd"}, {f & VM_UFFD_MISSING, "um"},
		{f & VM_PFNMAP, "pf"}, {f & VM_LOCKED, "lo"},
		{f & VM_IO, "io"}, {f & VM_SEQ_READ, "sr"}, {f & VM_RAND_READ, "rr"},
		{f & VM_DONTCOPY, "dc"}, {f & VM_DONTEXPAND, "de"}, {f & VM_LOCKONFAULT, "lf"}, {f & VM_ACCOUNT, "ac"}, {f & VM_NORESERVE, "nr"},
		{f & VM_DONTDUMP, "dd"}, {f & VM_HUGEPAGE, "hg"}, {f & VM_NOHUGEPAGE, "nh"},
	};
	seq_printf(s, "VmFlags:");
	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
		if (bits[i].set)
			seq_printf(s, " %s", bits[i].name);
	seq_printf(s, " \n");
}

/* One VMA's entry: its maps line, sizes, counts (those of mss) and flags. */
static void show_smap(struct kernel *k, struct mm *mm, const struct vma *v, struct seq *s)
{
	struct mem_size_stats mss = {0};
	/* Pages mapped by frame number ([vvar]) count nowhere, as on Linux. */
	if (v != &gate_vma && !(v->flags & VM_PFNMAP))
		smap_gather(k, mm, v, &mss);
	proc_show_map_vma(k, v, s);
	put_kb(s, "Size:", v->end - v->start);
	uint64_t page_size = (v->flags & VM_HUGETLB) ? hugetlb_page_size(v->flags) : PAGE_SIZE;
	put_kb(s, "KernelPageSize:", page_size);
	put_kb(s, "MMUPageSize:", page_size);
	show_smap_fields(s, &mss, false);
	/* The kernel's pages are never huge. */
	bool special = v == &gate_vma || (v->flags & VM_DONTEXPAND);
	seq_printf(s, "%-16s%8d\n", "THPeligible:", !special && thp_vma_eligible(k, mm, v));
	show_vma_flags(s, v);
}

void proc_smaps_show(struct kernel *k, struct process *p, struct seq *s)
{
	if (!p->mm)
		return; /* a zombie: empty, as on Linux */
	for (const struct vma *v = p->mm->vmas; v; v = v->next)
		show_smap(k, p->mm, v, s);
	show_smap(k, p->mm, &gate_vma, s);
}

/* One header for the whole address space, from the first VMA's start to
 * the last one's end (0-0 with none), then the sums. */
void proc_smaps_rollup_show(struct kernel *k, struct process *p, struct seq *s)
{
	if (!p->mm)
		return;
	struct mem_size_stats mss = {0};
	uint64_t first = 0, last = 0;
	for (const struct vma *v = p->mm->vmas; v; v = v->next) {
		if (!last)
			first = v->start;
		last = v->end;
		smap_gather(k, p->mm, v, &mss);
	}
	seq_printf(s, "%08llx-%08llx ---p 00000000 00:00 0", (unsigned long long)first,
		   (unsigned long long)last);
	seq_pad(s, PROC_MAPS_NAME_COLUMN);
	seq_printf(s, "[rollup]\n");
	show_smap_fields(s, &mss, true);
}
