/* test_guest_fault.c - the guest kernel's page-fault handler (demand zero,
 * SIGSEGV with SEGV_ACCERR / SEGV_MAPERR, supervisor faults), user memory
 * access through the MMU (copy_to_user, copy_from_user, strncpy_from_user),
 * the TLB-fill answer given to the CPU (rule 1), and freeing an address
 * space without leaking frames.
 *
 * A real kernel (64 MiB of guest memory) with kernel_ops that only count
 * the requests (guest_fixture.h); no CPU is needed. */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "guest_fixture.h"
#include "unit.h"

#define MEM_SIZE GUEST_MEM_SIZE
#define NFRAMES (MEM_SIZE >> PAGE_SHIFT)
#define P PAGE_SIZE
#define A 0x10000000ULL     /* user mappings go here */
#define NOWHERE 0x20000000ULL /* never mapped */
#define RW (VM_READ | VM_WRITE)

static void setup(void)
{
	guest_create_kernel(NULL);
	ck_assert_uint_eq(kernel_stats(k)->frames_in_use, 0);
	guest_start_process();
}

static uint64_t pte_of(uint64_t va)
{
	uint64_t *pte = pgtable_pte(k, mm, va, false);
	return pte ? *pte : 0;
}

/* A user access through the MMU model alone (no fault handling). */
static bool translate(uint64_t va, enum mmu_access access, struct mmu_translation *t,
		      struct mmu_fault *f)
{
	struct mmu_req req = {.va = va, .access = access, .user = true};
	return mmu_translate(&k->mmu, &req, t, f, NULL);
}

/* Fills every free frame with 0xff, so a frame that is not zeroed shows. */
static void dirty_free_memory(void)
{
	uint64_t *pa = malloc(NFRAMES * sizeof(*pa));
	ck_assert_ptr_nonnull(pa);
	uint64_t n = 0;
	for (uint64_t f; (f = frame_alloc(k, 0)) != FRAME_NONE;) {
		memset(phys_ptr(k, f), 0xff, P);
		pa[n++] = f;
	}
	while (n)
		frame_put(k, pa[--n], 0);
	free(pa);
}

/* ---- the page-fault handler ---- */

START_TEST(test_demand_zero_read)
{
	map(A, 4 * P, RW);
	dirty_free_memory();
	uint64_t frames = in_use();
	struct mmu_translation t;
	struct mmu_fault f;
	ck_assert(!translate(A + 0x123, MMU_READ, &t, &f));
	ck_assert_int_eq(f.kind, MMU_FAULT_NOT_PRESENT);
	ck_assert_uint_eq(f.cr2, A + 0x123);
	ck_assert_uint_eq(f.error_code, X86_PF_U);

	ck_assert(handle_page_fault(k, &f, MMU_READ, true));
	const struct kernel_stats *s = kernel_stats(k);
	ck_assert_uint_eq(s->page_faults, 1);
	ck_assert_uint_eq(s->faults_demand_zero, 1);
	ck_assert_uint_eq(s->faults_fatal, 0);
	ck_assert_uint_eq(mm->rss_pages, 0); /* a read maps the zero page: not resident */
	ck_assert_uint_eq(in_use(), frames + 3); /* PDPT, PD, PT; the zero page is shared */
	ck_assert_uint_eq(pte_of(A) & PTE_ADDR_MASK, ZERO_PAGE_PA);
	ck_assert_int_eq(p->pending_fatal, 0);
	ck_assert_uint_eq(flush_tlb_calls, 0); /* a new PTE owes no flush */

	ck_assert(translate(A + 0x123, MMU_READ, &t, &f));
	uint64_t pte = pte_of(A);
	ck_assert_uint_eq(t.pa, (pte & PTE_ADDR_MASK) + 0x123);
	ck_assert_uint_eq(t.page_size, P);
	ck_assert(t.user);
	ck_assert(!t.writable); /* the shared zero page: a write copies it */
	ck_assert(!t.executable);
	ck_assert(all_zero(pte & PTE_ADDR_MASK, P));
	/* Only that page: its neighbour is still not present. */
	ck_assert(!translate(A + P, MMU_READ, &t, &f));
	ck_assert_int_eq(f.kind, MMU_FAULT_NOT_PRESENT);
}
END_TEST

START_TEST(test_demand_zero_write_exec)
{
	map(A, P, VM_READ | VM_WRITE | VM_EXEC);
	struct mmu_translation t;
	struct mmu_fault f;
	ck_assert(!translate(A, MMU_WRITE, &t, &f));
	ck_assert_uint_eq(f.error_code, X86_PF_W | X86_PF_U);
	ck_assert(handle_page_fault(k, &f, MMU_WRITE, true));
	ck_assert(translate(A, MMU_FETCH, &t, &f));
	ck_assert(t.executable);
	ck_assert_uint_eq(pte_of(A) & (PTE_P | PTE_W | PTE_U | PTE_NX), PTE_P | PTE_W | PTE_U);
}
END_TEST

START_TEST(test_write_readonly_accerr)
{
	map(A, 2 * P, VM_READ);
	struct mmu_translation t;
	struct mmu_fault f;
	ck_assert(!translate(A + 8, MMU_WRITE, &t, &f));
	ck_assert(!handle_page_fault(k, &f, MMU_WRITE, true));
	ck_assert_int_eq(p->pending_fatal, SIGSEGV);
	ck_assert_int_eq(p->fault.si_code, SEGV_ACCERR);
	ck_assert_uint_eq(p->fault.addr, A + 8);
	ck_assert_int_eq(p->fault.access, MMU_WRITE);
	ck_assert_int_eq(p->fault.kind, MMU_FAULT_NOT_PRESENT);
	ck_assert_uint_eq(p->fault.error_code, X86_PF_W | X86_PF_U);
	ck_assert_uint_eq(kernel_stats(k)->faults_fatal, 1);
	ck_assert_uint_eq(kernel_stats(k)->faults_demand_zero, 0);
	ck_assert_uint_eq(mm->rss_pages, 0);
}
END_TEST

START_TEST(test_write_readonly_present_accerr)
{
	map(A, P, VM_READ);
	struct mmu_translation t;
	struct mmu_fault f;
	ck_assert(!translate(A, MMU_READ, &t, &f));
	ck_assert(handle_page_fault(k, &f, MMU_READ, true));
	ck_assert(!translate(A + 0x40, MMU_WRITE, &t, &f));
	ck_assert_int_eq(f.kind, MMU_FAULT_PROTECTION);
	ck_assert(!handle_page_fault(k, &f, MMU_WRITE, true));
	ck_assert_int_eq(p->pending_fatal, SIGSEGV);
	ck_assert_int_eq(p->fault.si_code, SEGV_ACCERR);
	ck_assert_int_eq(p->fault.kind, MMU_FAULT_PROTECTION);
	ck_assert_uint_eq(p->fault.error_code, X86_PF_P | X86_PF_W | X86_PF_U);
	/* The page stays read-only. */
	ck_assert_uint_eq(pte_of(A) & PTE_W, 0);
}
END_TEST

START_TEST(test_no_vma_maperr)
{
	map(A, P, RW);
	struct mmu_translation t;
	struct mmu_fault f;
	ck_assert(!translate(NOWHERE + 0x10, MMU_READ, &t, &f));
	ck_assert(!handle_page_fault(k, &f, MMU_READ, true));
	ck_assert_int_eq(p->pending_fatal, SIGSEGV);
	ck_assert_int_eq(p->fault.si_code, SEGV_MAPERR);
	ck_assert_uint_eq(p->fault.addr, NOWHERE + 0x10);
	ck_assert_int_eq(p->fault.access, MMU_READ);
	ck_assert_uint_eq(mm->rss_pages, 0);
	/* Just past the end of a VMA is no VMA either. */
	p->pending_fatal = 0;
	ck_assert(!translate(A + P, MMU_WRITE, &t, &f));
	ck_assert(!handle_page_fault(k, &f, MMU_WRITE, true));
	ck_assert_int_eq(p->fault.si_code, SEGV_MAPERR);
	ck_assert_uint_eq(p->fault.addr, A + P);
	ck_assert_uint_eq(kernel_stats(k)->faults_fatal, 2);
}
END_TEST

START_TEST(test_fetch_noexec_accerr)
{
	map(A, P, RW);
	struct mmu_translation t;
	struct mmu_fault f;
	ck_assert(!translate(A, MMU_FETCH, &t, &f));
	ck_assert(!handle_page_fault(k, &f, MMU_FETCH, true));
	ck_assert_int_eq(p->pending_fatal, SIGSEGV);
	ck_assert_int_eq(p->fault.si_code, SEGV_ACCERR);
	ck_assert_int_eq(p->fault.access, MMU_FETCH);
}
END_TEST

START_TEST(test_prot_none_accerr)
{
	map(A, P, 0);
	struct mmu_translation t;
	struct mmu_fault f;
	ck_assert(!translate(A, MMU_READ, &t, &f));
	ck_assert(!handle_page_fault(k, &f, MMU_READ, true));
	ck_assert_int_eq(p->fault.si_code, SEGV_ACCERR);
	ck_assert_uint_eq(mm->rss_pages, 0);
}
END_TEST

START_TEST(test_supervisor_fault_no_signal)
{
	map(A, P, VM_READ);
	struct mmu_fault f = {.kind = MMU_FAULT_NOT_PRESENT, .cr2 = NOWHERE, .error_code = 0};
	ck_assert(!handle_page_fault(k, &f, MMU_READ, false));
	ck_assert_int_eq(p->pending_fatal, 0);
	f = (struct mmu_fault){.kind = MMU_FAULT_NOT_PRESENT, .cr2 = A, .error_code = X86_PF_W};
	ck_assert(!handle_page_fault(k, &f, MMU_WRITE, false));
	ck_assert_int_eq(p->pending_fatal, 0);
	ck_assert_int_eq(p->fault.si_code, 0);
	ck_assert_uint_eq(stop_calls, 0);
	/* A kernel read in a valid VMA is fixed like a user one. */
	f = (struct mmu_fault){.kind = MMU_FAULT_NOT_PRESENT, .cr2 = A, .error_code = 0};
	ck_assert(handle_page_fault(k, &f, MMU_READ, false));
	ck_assert_uint_eq(mm->rss_pages, 0); /* a read maps the zero page: not resident */
}
END_TEST

START_TEST(test_spurious_fault)
{
	map(A, P, RW);
	struct mmu_translation t;
	struct mmu_fault f;
	ck_assert(!translate(A, MMU_READ, &t, &f));
	ck_assert(handle_page_fault(k, &f, MMU_READ, true));
	uint64_t pte = pte_of(A);
	/* The same fault again (e.g. from a stale translation): fixed, no new
	 * frame, one flush. */
	ck_assert(handle_page_fault(k, &f, MMU_READ, true));
	ck_assert_uint_eq(kernel_stats(k)->faults_spurious, 1);
	ck_assert_uint_eq(kernel_stats(k)->faults_demand_zero, 1);
	ck_assert_uint_eq(pte_of(A), pte);
	ck_assert_uint_eq(mm->rss_pages, 0); /* a read maps the zero page: not resident */
	ck_assert_uint_eq(flush_tlb_calls, 1);
}
END_TEST

START_TEST(test_fatal_fault_kills_and_frees)
{
	map(A, 4 * P, RW);
	uint64_t pa, ppa;
	unsigned prot;
	ck_assert(kernel_tlb_fill(k, A, MMU_WRITE, &pa, &prot));
	ck_assert(!kernel_tlb_fill(k, NOWHERE, MMU_READ, &pa, &prot));
	ck_assert_int_eq(p->pending_fatal, SIGSEGV);
	/* While the fatal signal is pending the CPU gets nothing more. */
	ck_assert(!kernel_tlb_fill(k, A, MMU_READ, &ppa, &prot));
	ck_assert_uint_eq(kernel_stats(k)->faults_fatal, 1);
	ck_assert_ptr_nonnull(freopen("/dev/null", "w", stderr)); /* its one-line report */
	/* kernel_schedule delivers it: the process dies of SIGSEGV and its
	 * memory goes back. */
	ck_assert(!kernel_schedule(k));
	ck_assert(p->exited);
	ck_assert_int_eq(p->term_signal, SIGSEGV);
	ck_assert_int_eq(p->pending_fatal, 0);
	ck_assert_int_eq(kernel_exit_status(k), 128 + SIGSEGV);
	ck_assert_uint_ge(stop_calls, 1);
	ck_assert_ptr_null(p->mm);
	ck_assert_uint_eq(in_use(), 0);
	ck_assert_uint_eq(kernel_stats(k)->page_table_pages, 0);
}
END_TEST

/* ---- user memory access ---- */

START_TEST(test_copy_to_user_faults_in)
{
	map(A, 2 * P, RW);
	/* Across the page boundary: both pages are faulted in. */
	ck_assert_int_eq(copy_to_user(k, A + P - 3, "abcdef", 6), 0);
	ck_assert_uint_eq(kernel_stats(k)->faults_demand_zero, 2);
	ck_assert_uint_eq(mm->rss_pages, 2);
	ck_assert_int_eq(p->pending_fatal, 0);
	char buf[8] = "";
	ck_assert_int_eq(copy_from_user(k, buf, A + P - 3, 6), 0);
	ck_assert_int_eq(memcmp(buf, "abcdef", 6), 0);
	/* The kernel's writes went through the walk: D is set. */
	ck_assert_uint_ne(pte_of(A) & PTE_D, 0);
	ck_assert_uint_ne(pte_of(A + P) & PTE_D, 0);
	const uint8_t *pg = phys_ptr(k, pte_of(A + P) & PTE_ADDR_MASK);
	ck_assert_int_eq(memcmp(pg, "def", 3), 0);
}
END_TEST

START_TEST(test_copy_to_user_unmapped)
{
	ck_assert_int_eq(copy_to_user(k, NOWHERE, "x", 1), -EFAULT);
	ck_assert_int_eq(p->pending_fatal, 0); /* a kernel access: no signal */
	ck_assert_int_eq(copy_to_user(k, 0, "x", 1), -EFAULT);
	ck_assert_int_eq(copy_to_user(k, USER_TOP, "x", 1), -EFAULT);
	ck_assert_int_eq(copy_to_user(k, 0xffff800000000000ULL, "x", 1), -EFAULT);
	char c;
	ck_assert_int_eq(copy_from_user(k, &c, NOWHERE, 1), -EFAULT);
	/* Running off the end of a mapping. */
	map(A, P, RW);
	char big[16] = "0123456789abcdef";
	ck_assert_int_eq(copy_to_user(k, A + P - 8, big, 16), -EFAULT);
	ck_assert_int_eq(p->pending_fatal, 0);
	ck_assert_uint_eq(stop_calls, 0);
}
END_TEST

START_TEST(test_copy_to_user_readonly)
{
	map(A, 2 * P, VM_READ);
	/* Untouched: refused before a frame is given. */
	ck_assert_int_eq(copy_to_user(k, A, "x", 1), -EFAULT);
	ck_assert_uint_eq(mm->rss_pages, 0);
	/* Present and read-only: CR0.WP stops the supervisor write too. */
	char c = 1;
	ck_assert_int_eq(copy_from_user(k, &c, A + P, 1), 0);
	ck_assert_int_eq(c, 0);
	ck_assert_uint_eq(mm->rss_pages, 0); /* a read maps the zero page: not resident */
	ck_assert_int_eq(copy_to_user(k, A + P, "x", 1), -EFAULT);
	ck_assert_int_eq(copy_from_user(k, &c, A + P, 1), 0);
	ck_assert_int_eq(c, 0);
	ck_assert_int_eq(p->pending_fatal, 0);
}
END_TEST

START_TEST(test_copy_from_prot_none)
{
	map(A, P, 0);
	char c;
	ck_assert_int_eq(copy_from_user(k, &c, A, 1), -EFAULT);
	ck_assert_int_eq(copy_to_user(k, A, "x", 1), -EFAULT);
	ck_assert_uint_eq(mm->rss_pages, 0);
}
END_TEST

START_TEST(test_strncpy_from_user)
{
	map(A, 2 * P, RW);
	char dst[64];
	ck_assert_int_eq(copy_to_user(k, A, "hello", 6), 0);
	memset(dst, 'z', sizeof(dst));
	ck_assert_int_eq(strncpy_from_user(k, dst, A, sizeof(dst)), 5);
	ck_assert_str_eq(dst, "hello");
	ck_assert_int_eq(strncpy_from_user(k, dst, A, 6), 5);   /* room for the NUL */
	ck_assert_int_eq(strncpy_from_user(k, dst, A, 5), -ENAMETOOLONG);
	ck_assert_int_eq(strncpy_from_user(k, dst, A + 5, 1), 0); /* "" */
	ck_assert_str_eq(dst, "");
	/* Across a page boundary. */
	ck_assert_int_eq(copy_to_user(k, A + P - 3, "abcdefg", 8), 0);
	ck_assert_int_eq(strncpy_from_user(k, dst, A + P - 3, sizeof(dst)), 7);
	ck_assert_str_eq(dst, "abcdefg");
	ck_assert_int_eq(strncpy_from_user(k, dst, A + P - 3, 7), -ENAMETOOLONG);
	/* Unmapped. */
	ck_assert_int_eq(strncpy_from_user(k, dst, NOWHERE, sizeof(dst)), -EFAULT);
}
END_TEST

START_TEST(test_strncpy_from_user_end_of_mapping)
{
	map(A, P, RW);
	char fill[P];
	memset(fill, 'x', sizeof(fill));
	ck_assert_int_eq(copy_to_user(k, A, fill, P), 0);
	char *dst = malloc(2 * P);
	ck_assert_ptr_nonnull(dst);
	/* No NUL before the end of the mapping: the next page faults. */
	ck_assert_int_eq(strncpy_from_user(k, dst, A, 2 * P), -EFAULT);
	/* With n ending at the mapping's end it never looks beyond. */
	ck_assert_int_eq(strncpy_from_user(k, dst, A, P), -ENAMETOOLONG);
	ck_assert_int_eq(strncpy_from_user(k, dst, A + P - 10, 10), -ENAMETOOLONG);
	free(dst);
	ck_assert_int_eq(p->pending_fatal, 0);
}
END_TEST

START_TEST(test_write_force)
{
	map(A, P, VM_READ);
	ck_assert_int_eq(mm_write_force(k, mm, A + 4, "img", 3), 0);
	char buf[4] = "";
	ck_assert_int_eq(copy_from_user(k, buf, A + 4, 3), 0);
	ck_assert_int_eq(memcmp(buf, "img", 3), 0);
	ck_assert_uint_eq(pte_of(A) & PTE_W, 0); /* still read-only */
	ck_assert_int_eq(mm_write_force(k, mm, NOWHERE, "x", 1), -EFAULT);
}
END_TEST

START_TEST(test_uaccess_refuses_supervisor_page)
{
	/* A supervisor-only page (U/S = 0) at a user address is not user
	 * memory, even though the kernel's own walk (SMAP lifted) allows it. */
	map(A, P, RW);
	uint64_t *pte = pgtable_pte(k, mm, A, true);
	ck_assert_ptr_nonnull(pte);
	uint64_t pa = frame_alloc(k, 0);
	ck_assert_uint_ne(pa, FRAME_NONE);
	pgtable_set_new(k, pte, pa | PTE_P | PTE_W | PTE_NX);
	mm->rss_pages++;
	mm_unchecked = true; /* no VMA allows a supervisor page */
	char c;
	ck_assert_int_eq(copy_from_user(k, &c, A, 1), -EFAULT);
	ck_assert_int_eq(copy_to_user(k, A, "x", 1), -EFAULT);
	ck_assert_int_eq(strncpy_from_user(k, &c, A, 1), -EFAULT);
	ck_assert_int_eq(((const uint8_t *)phys_ptr(k, pa))[0], 0);
}
END_TEST

START_TEST(test_write_force_prot_none_stays_none)
{
	/* A forced write (like Linux's FOLL_FORCE) into a PROT_NONE mapping
	 * stores the bytes, but the page stays inaccessible to the user. */
	map(A, P, 0);
	ck_assert_int_eq(mm_write_force(k, mm, A, "hidden", 6), 0);
	uint64_t pte = pte_of(A);
	ck_assert_msg(!(pte & PTE_P), "PROT_NONE page got a present PTE 0x%llx",
		      (unsigned long long)pte);
	uint64_t pa;
	unsigned prot;
	ck_assert(!kernel_tlb_fill(k, A, MMU_READ, &pa, &prot));
	ck_assert_int_eq(p->pending_fatal, SIGSEGV);
	ck_assert_int_eq(p->fault.si_code, SEGV_ACCERR);
	/* Made readable, the bytes are there. */
	p->pending_fatal = 0;
	ck_assert_int_eq(mm_protect(k, mm, A, P, VM_READ), 0);
	char buf[7] = "";
	ck_assert_int_eq(copy_from_user(k, buf, A, 6), 0);
	ck_assert_str_eq(buf, "hidden");
}
END_TEST

START_TEST(test_kernel_write_to_code_flushes_code)
{
	map(A, P, VM_READ | VM_WRITE | VM_EXEC);
	uint64_t pa;
	unsigned prot;
	ck_assert(kernel_tlb_fill(k, A, MMU_WRITE, &pa, &prot)); /* its own frame, not the zero page */
	ck_assert(kernel_tlb_fill(k, A, MMU_FETCH, &pa, &prot));
	ck_assert(frame_is_exec(k, pa));
	unsigned stops = stop_calls;
	ck_assert_int_eq(copy_to_user(k, A + 16, "\x90\x90", 2), 0);
	/* Translated code of that frame is stale: the slice ends at once and
	 * the code is dropped at the next schedule. */
	ck_assert_uint_eq(stop_calls, stops + 1);
	ck_assert(kernel_schedule(k));
	ck_assert_uint_eq(flush_code_calls, 1);
	ck_assert(kernel_schedule(k));
	ck_assert_uint_eq(flush_code_calls, 1);
	/* A plain data page does not ask for it. */
	map(A + P, P, RW);
	ck_assert_int_eq(copy_to_user(k, A + P, "x", 1), 0);
	ck_assert(kernel_schedule(k));
	ck_assert_uint_eq(flush_code_calls, 1);
}
END_TEST

/* ---- kernel_tlb_fill: what the CPU may cache (rule 1) ---- */

START_TEST(test_tlb_fill_write_after_dirty)
{
	map(A, P, RW);
	uint64_t pa = 0;
	unsigned prot = 0;
	ck_assert(kernel_tlb_fill(k, A + 0x234, MMU_READ, &pa, &prot));
	ck_assert_uint_eq(prot, KPROT_READ); /* the zero page: no WRITE; NX: no EXEC */
	ck_assert_uint_eq(pa, ZERO_PAGE_PA);
	ck_assert_uint_eq(pa, pte_of(A) & PTE_ADDR_MASK);
	ck_assert_uint_eq(pte_of(A) & (PTE_D | PTE_W), 0);
	ck_assert_uint_eq(kernel_stats(k)->tlb_fills[MMU_READ], 1);
	ck_assert_uint_eq(kernel_stats(k)->faults_demand_zero, 1);

	/* The first write copies the zero page (a copy-on-write fault). */
	uint64_t pa2 = 0;
	ck_assert(kernel_tlb_fill(k, A, MMU_WRITE, &pa2, &prot));
	ck_assert_uint_eq(prot, KPROT_READ | KPROT_WRITE);
	ck_assert_uint_ne(pa2, ZERO_PAGE_PA);
	ck_assert_uint_eq(pa2 % P, 0);
	ck_assert_uint_eq(kernel_stats(k)->cow_zero, 1);
	ck_assert_uint_ne(pte_of(A) & PTE_D, 0);
	/* Once D is set, a read fill may hand out WRITE too. */
	ck_assert(kernel_tlb_fill(k, A + 8, MMU_READ, &pa2, &prot));
	ck_assert_uint_eq(prot, KPROT_READ | KPROT_WRITE);
	ck_assert_uint_eq(kernel_stats(k)->tlb_fills[MMU_WRITE], 1);
	ck_assert_uint_eq(kernel_stats(k)->tlb_fills[MMU_READ], 2);
	ck_assert_uint_eq(kernel_stats(k)->faults_demand_zero, 1);
	ck_assert(!frame_is_exec(k, pa));
}
END_TEST

START_TEST(test_tlb_fill_write_first)
{
	map(A, P, RW);
	uint64_t pa = 0;
	unsigned prot = 0;
	ck_assert(kernel_tlb_fill(k, A, MMU_WRITE, &pa, &prot));
	ck_assert_uint_eq(prot, KPROT_READ | KPROT_WRITE);
}
END_TEST

START_TEST(test_tlb_fill_readonly)
{
	map(A, P, VM_READ);
	uint64_t pa = 0;
	unsigned prot = 0;
	ck_assert(kernel_tlb_fill(k, A, MMU_READ, &pa, &prot));
	ck_assert_uint_eq(prot, KPROT_READ);
	ck_assert(!kernel_tlb_fill(k, A, MMU_WRITE, &pa, &prot));
	ck_assert_int_eq(p->pending_fatal, SIGSEGV);
	ck_assert_int_eq(p->fault.si_code, SEGV_ACCERR);
}
END_TEST

START_TEST(test_tlb_fill_exec)
{
	map(A, P, VM_READ | VM_EXEC);
	uint64_t pa = 0;
	unsigned prot = 0;
	ck_assert(kernel_tlb_fill(k, A, MMU_FETCH, &pa, &prot));
	ck_assert_uint_eq(prot, KPROT_READ | KPROT_EXEC);
	ck_assert(frame_is_exec(k, pa)); /* it may now hold translated code */
	ck_assert(kernel_tlb_fill(k, A, MMU_READ, &pa, &prot));
	ck_assert_uint_eq(prot, KPROT_READ | KPROT_EXEC);
	ck_assert_uint_eq(kernel_stats(k)->tlb_fills[MMU_FETCH], 1);

	map(A + P, P, VM_READ | VM_WRITE | VM_EXEC);
	ck_assert(kernel_tlb_fill(k, A + P, MMU_READ, &pa, &prot));
	ck_assert_uint_eq(prot, KPROT_READ | KPROT_EXEC);
	ck_assert(kernel_tlb_fill(k, A + P, MMU_WRITE, &pa, &prot));
	ck_assert_uint_eq(prot, KPROT_READ | KPROT_WRITE | KPROT_EXEC);
}
END_TEST

START_TEST(test_tlb_fill_noexec_vma)
{
	map(A, P, RW);
	uint64_t pa = 0;
	unsigned prot = 0;
	ck_assert(kernel_tlb_fill(k, A, MMU_WRITE, &pa, &prot));
	ck_assert_uint_eq(prot & KPROT_EXEC, 0);
	ck_assert(!frame_is_exec(k, pa));
	ck_assert(!kernel_tlb_fill(k, A, MMU_FETCH, &pa, &prot));
	ck_assert_int_eq(p->pending_fatal, SIGSEGV);
	ck_assert_int_eq(p->fault.si_code, SEGV_ACCERR);
	ck_assert_int_eq(p->fault.access, MMU_FETCH);
	ck_assert_uint_eq(p->fault.error_code, X86_PF_P | X86_PF_U | X86_PF_ID);
}
END_TEST

/* ---- freeing an address space ---- */

START_TEST(test_mm_destroy_no_leak)
{
	ck_assert_uint_eq(in_use(), 1); /* the PML4 */
	/* VMAs far apart (different PML4 slots), touched in several ways. */
	map(A, 64 * P, RW);
	map(0x7ff000000000ULL, 16 * P, RW | VM_STACK);
	map(0x400000, 8 * P, VM_READ);
	map(0x3000000000ULL, P, 0);
	uint64_t pa;
	unsigned prot;
	for (int i = 0; i < 64; i += 3)
		ck_assert(kernel_tlb_fill(k, A + i * P, MMU_WRITE, &pa, &prot));
	for (int i = 0; i < 16; i++)
		ck_assert_int_eq(copy_to_user(k, 0x7ff000000000ULL + i * P, "s", 1), 0);
	ck_assert_int_eq(mm_write_force(k, mm, 0x400000, "ro", 2), 0);
	ck_assert(kernel_tlb_fill(k, 0x400000 + 5 * P, MMU_READ, &pa, &prot));
	ck_assert_int_eq(mm_protect(k, mm, A, 8 * P, 0), 0); /* PROT_NONE keeps frames */
	ck_assert_int_eq(mm_unmap(k, mm, A + 32 * P, 4 * P), 0);
	tlb_gather_finish(k);
	ck_assert_uint_gt(in_use(), 30);
	ck_assert_uint_gt(mm->rss_pages, 30);

	mm_destroy(k, mm);
	p->mm = mm = NULL;
	ck_assert_uint_eq(in_use(), 0);
	ck_assert_uint_eq(kernel_stats(k)->page_table_pages, 0);
}
END_TEST

START_TEST(test_mm_destroy_quarantines_code)
{
	map(A, 2 * P, VM_READ | VM_EXEC);
	uint64_t pa;
	unsigned prot;
	/* Loaded code (own frames, as the loader writes them). */
	ck_assert_int_eq(mm_write_force(k, mm, A, "\xc3", 1), 0);
	ck_assert_int_eq(mm_write_force(k, mm, A + P, "\xc3", 1), 0);
	ck_assert(kernel_tlb_fill(k, A, MMU_FETCH, &pa, &prot));
	ck_assert(kernel_tlb_fill(k, A + P, MMU_READ, &pa, &prot)); /* EXEC handed out too */
	mm_destroy(k, mm);
	p->mm = mm = NULL;
	/* The two code frames wait for the CPU to drop its translations. */
	ck_assert_uint_eq(in_use(), 2);
	ck_assert_uint_ge(stop_calls, 1);
	frame_release_quarantine(k);
	ck_assert_uint_eq(in_use(), 0);
}
END_TEST

START_TEST(test_two_mms_separate)
{
	/* A second address space has its own tables and PCID. */
	map(A, P, RW);
	ck_assert_int_eq(copy_to_user(k, A, "one", 4), 0);
	struct mm *other = mm_create(k);
	ck_assert_ptr_nonnull(other);
	ck_assert_uint_ne(other->pml4, mm->pml4);
	ck_assert_uint_ne(other->pcid, mm->pcid);
	ck_assert_ptr_null(pgtable_pte(k, other, A, false));
	uint64_t before = in_use();
	mm_destroy(k, other);
	ck_assert_uint_eq(in_use(), before - 1);
	char buf[4];
	ck_assert_int_eq(copy_from_user(k, buf, A, 4), 0);
	ck_assert_str_eq(buf, "one");
}
END_TEST

static Suite *fault_suite(void)
{
	Suite *s = suite_create("guest_fault");
	TCase *tc = unit_tcase(s, "page_fault", setup, guest_teardown);
	tcase_add_test(tc, test_demand_zero_read);
	tcase_add_test(tc, test_demand_zero_write_exec);
	tcase_add_test(tc, test_write_readonly_accerr);
	tcase_add_test(tc, test_write_readonly_present_accerr);
	tcase_add_test(tc, test_no_vma_maperr);
	tcase_add_test(tc, test_fetch_noexec_accerr);
	tcase_add_test(tc, test_prot_none_accerr);
	tcase_add_test(tc, test_supervisor_fault_no_signal);
	tcase_add_test(tc, test_spurious_fault);
	tcase_add_test(tc, test_fatal_fault_kills_and_frees);

	tc = unit_tcase(s, "uaccess", setup, guest_teardown);
	tcase_add_test(tc, test_copy_to_user_faults_in);
	tcase_add_test(tc, test_copy_to_user_unmapped);
	tcase_add_test(tc, test_copy_to_user_readonly);
	tcase_add_test(tc, test_copy_from_prot_none);
	tcase_add_test(tc, test_strncpy_from_user);
	tcase_add_test(tc, test_strncpy_from_user_end_of_mapping);
	tcase_add_test(tc, test_uaccess_refuses_supervisor_page);
	tcase_add_test(tc, test_write_force);
	tcase_add_test(tc, test_write_force_prot_none_stays_none);
	tcase_add_test(tc, test_kernel_write_to_code_flushes_code);

	tc = unit_tcase(s, "tlb_fill", setup, guest_teardown);
	tcase_add_test(tc, test_tlb_fill_write_after_dirty);
	tcase_add_test(tc, test_tlb_fill_write_first);
	tcase_add_test(tc, test_tlb_fill_readonly);
	tcase_add_test(tc, test_tlb_fill_exec);
	tcase_add_test(tc, test_tlb_fill_noexec_vma);

	tc = unit_tcase(s, "teardown", setup, guest_teardown);
	tcase_add_test(tc, test_mm_destroy_no_leak);
	tcase_add_test(tc, test_mm_destroy_quarantines_code);
	tcase_add_test(tc, test_two_mms_separate);
	return s;
}

int main(void)
{
	return unit_run(fault_suite());
}
