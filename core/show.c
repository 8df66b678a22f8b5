/* show.c - the debugger's text (show.h). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "guestmem.h"
#include "show.h"

#define MAX_PROCS 256

static const char *size_name(uint64_t page_size)
{
	return page_size == PAGE_SIZE_1G ? "1G" : page_size == PAGE_SIZE_2M ? "2M" : "4K";
}

void show_entry_bits(char *buf, size_t len, uint64_t v, int level)
{
	uint64_t slot;
	if (!v) {
		snprintf(buf, len, "empty");
		return;
	}
	if (!(v & PTE_P)) {
		if (level == 1 && kernel_pte_swap_slot(v, &slot))
			snprintf(buf, len, "not present: swap entry, slot %" PRIu64, slot);
		else if (level == 1 && kernel_pte_protnone(v))
			snprintf(buf, len, "not present: PROT_NONE");
		else
			snprintf(buf, len, "not present");
		return;
	}
	bool leaf = level == 1 || (v & PTE_PS);
	snprintf(buf, len, "P%s%s%s%s%s%s%s", v & PTE_W ? " W" : "", v & PTE_U ? " U" : "",
		 v & PTE_A ? " A" : "", leaf && (v & PTE_D) ? " D" : "",
		 level > 1 && (v & PTE_PS) ? " PS" : "", leaf && (v & PTE_G) ? " G" : "",
		 v & PTE_NX ? " NX" : "");
}

static void rights(char out[4], unsigned r)
{
	out[0] = r & MMU_RIGHT_W ? 'w' : '-';
	out[1] = r & MMU_RIGHT_U ? 'u' : '-';
	out[2] = r & MMU_RIGHT_X ? 'x' : '-';
	out[3] = 0;
}

static void show_step(FILE *out, const struct mmu_regs *regs, const struct mmu_walk_record *rec,
		      int i)
{
	const struct mmu_walk_step *s = &rec->step[i];
	char bits[64], r[4];
	show_entry_bits(bits, sizeof(bits), s->new_value, s->level);
	rights(r, mmu_step_rights(regs, rec, i));
	fprintf(out, "    %-5s @0x%-8" PRIx64 " 0x%016" PRIx64, mmu_level_name(s->level),
		s->entry_pa, s->old_value);
	if (s->new_value != s->old_value)
		fprintf(out, " -> 0x%016" PRIx64, s->new_value);
	else
		fprintf(out, "    %18s", "");
	fprintf(out, "  %-16s", bits);
	if (s->new_value & PTE_P)
		fprintf(out, " rights %s", r);
	fprintf(out, "\n");
}

static const char *tlb_name(struct kernel *k, int id)
{
	return kernel_mmu(k)->tlb[id].cfg.name;
}

void show_translation(FILE *out, struct kernel *k, const struct mmu_req *req, bool ok,
		      const struct mmu_translation *t, const struct mmu_fault *f,
		      const struct mmu_walk_record *rec)
{
	int l1 = req->access == MMU_FETCH ? MMU_L1_ITLB : MMU_L1_DTLB;
	fprintf(out, "  %s%s 0x%" PRIx64 ": ", req->user ? "" : "kernel ",
		mmu_access_name(req->access), req->va);
	if (rec->hit != MMU_NTLBS) {
		fprintf(out, "%s hit (%s) -> pa 0x%" PRIx64 "\n", tlb_name(k, rec->hit),
			size_name(t->page_size), t->pa);
		return;
	}
	if (rec->stale)
		fprintf(out, "walk (a TLB entry could not serve it: dropped)\n");
	else if (f->kind == MMU_FAULT_NONCANONICAL && !ok)
		fprintf(out, "no walk\n");
	else if (rec->psc_level)
		fprintf(out, "walk (%s and %s missed; the %s cache gave the %s level)\n",
			tlb_name(k, l1), tlb_name(k, MMU_L2_STLB), mmu_level_name(rec->psc_level),
			mmu_level_name(rec->psc_level - 1));
	else
		fprintf(out, "walk (%s and %s missed)\n", tlb_name(k, l1), tlb_name(k, MMU_L2_STLB));
	show_walk_steps(out, &kernel_mmu(k)->regs, req, ok, t, f, rec);
}

void show_walk_steps(FILE *out, const struct mmu_regs *regs, const struct mmu_req *req, bool ok,
		     const struct mmu_translation *t, const struct mmu_fault *f,
		     const struct mmu_walk_record *rec)
{
	for (int i = 0; i < rec->nsteps; i++)
		show_step(out, regs, rec, i);
	if (ok) {
		fprintf(out, "    -> pa 0x%" PRIx64 " (%s page)\n", t->pa, size_name(t->page_size));
		return;
	}
	char ec[32];
	switch (f->kind) {
	case MMU_FAULT_NONCANONICAL:
		fprintf(out, "    #GP: 0x%" PRIx64 " is not canonical\n", req->va);
		break;
	case MMU_FAULT_BAD_PHYS:
		fprintf(out, "    a table entry points outside physical memory (at %s)\n",
			mmu_level_name(f->level));
		break;
	default:
		fprintf(out, "    #PF error code 0x%x (%s), cr2 0x%" PRIx64 ": %s at %s\n",
			f->error_code, mmu_error_code_str(f->error_code, ec, sizeof(ec)), f->cr2,
			mmu_fault_kind_name(f->kind), mmu_level_name(f->level));
	}
}

static const char *outcome_text(enum kernel_fault_outcome o)
{
	switch (o) {
	case KFAULT_DEMAND_ZERO:  return "a new zeroed frame";
	case KFAULT_ZERO_PAGE:    return "the shared zero page, read-only";
	case KFAULT_FILE_READ:    return "file page read from the file into the page cache";
	case KFAULT_FILE_CACHED:  return "file page found in the page cache";
	case KFAULT_SWAP_IN:      return "the page read back from swap";
	case KFAULT_SWAP_CACHE:   return "the page found in the swap cache";
	case KFAULT_COW_COPIED:   return "copy-on-write: the page was copied";
	case KFAULT_COW_REUSED:   return "copy-on-write: no other user, the page was reused";
	case KFAULT_COW_ZERO:     return "copy-on-write of the zero page: a new frame";
	case KFAULT_SHARED_WRITE: return "first write to a shared page: made writable";
	case KFAULT_SPURIOUS:     return "nothing to do: a stale translation";
	case KFAULT_SIGSEGV:      return "cannot be fixed: SIGSEGV for the process";
	case KFAULT_SIGBUS:       return "past the end of the file: SIGBUS for the process";
	case KFAULT_EFAULT:       return "cannot be fixed: the system call fails with EFAULT";
	case KFAULT_KILLED:       return "the process was killed meanwhile";
	case KFAULT_USERFAULT:    return "a userfaultfd fills it: the thread sleeps until then";
	}
	return "?";
}

static void show_event(FILE *out, struct kernel *k, const struct record_event *e)
{
	switch (e->kind) {
	case REC_TRANSLATION:
		show_translation(out, k, &e->tr.req, e->tr.ok, &e->tr.t, &e->tr.f, &e->tr.walk);
		break;
	case REC_FAULT:
		fprintf(out, "  kernel: %s (%s); pte 0x%016" PRIx64 " -> 0x%016" PRIx64 "\n",
			kernel_fault_outcome_name(e->fault.e.outcome),
			outcome_text(e->fault.e.outcome), e->fault.e.pte_old, e->fault.e.pte_new);
		break;
	case REC_SYSCALL:
		fprintf(out, "  syscall %s", e->sys.name ? e->sys.name : "?");
		if (!e->sys.name)
			fprintf(out, "_%" PRIu64, e->sys.nr);
		for (int i = 0; i < e->sys.nargs; i++)
			fprintf(out, "%s0x%" PRIx64, i ? ", " : "(", e->sys.args[i]);
		fprintf(out, "%s", e->sys.nargs ? ")" : "()");
		if (e->sys.noreturn)
			fprintf(out, " = ? (the process is gone)\n");
		else if (e->sys.restart)
			fprintf(out, ": the process waits; made again when it wakes\n");
		else
			fprintf(out, " = %" PRId64 "\n", e->sys.ret);
		break;
	case REC_SCHED:
		fprintf(out, "  kernel: switch from pid %d to pid %d\n", e->sched.from, e->sched.to);
		break;
	}
}

void show_insn(FILE *out, struct kernel *k, struct disasm *d, int pid, uint64_t rip)
{
	struct mmu_regs regs;
	uint8_t code[16];
	struct insn_info insn;
	size_t n = kernel_proc_mmu_regs(k, pid, &regs) ? guestmem_read(k, &regs, rip, code, 16) : 0;
	if (n && disasm_insn(d, rip, code, n, &insn))
		fprintf(out, "0x%" PRIx64 "  %s", rip, insn.text);
	else
		fprintf(out, "0x%" PRIx64 "  (cannot read the instruction)", rip);
}

void show_record(FILE *out, struct kernel *k, struct disasm *d, const struct insn_record *r)
{
	if (r->has_insn) {
		fprintf(out, "[%" PRIu64 "] pid %d ", r->icount, r->pid);
		show_insn(out, k, d, r->pid, r->rip);
		fprintf(out, "\n");
	} else if (r->n) {
		fprintf(out, "kernel, pid %d:\n", r->pid);
	}
	for (size_t i = 0; i < r->n; i++)
		show_event(out, k, &r->ev[i]);
	if (r->dropped)
		fprintf(out, "  ... and %zu more events\n", r->dropped);
}

/* ---- pt ---- */

static void pt_line(void *ctx, const struct mmu_pt_entry *e)
{
	FILE *out = ctx;
	char bits[64], idx[24];
	show_entry_bits(bits, sizeof(bits), e->value, e->level);
	snprintf(idx, sizeof(idx), "%s[%u]", mmu_level_name(e->level), e->index);
	int indent = 2 * (4 - e->level);
	if (indent < 0)
		indent = 0;
	fprintf(out, "%*s%-*s @0x%-8" PRIx64 " 0x%016" PRIx64 "  %-16s 0x%" PRIx64, indent, "",
		14 - indent, idx, e->entry_pa, e->value, bits, e->va);
	if (e->leaf && (e->value & PTE_P))
		fprintf(out, " -> 0x%" PRIx64 " (%s)\n",
			(uint64_t)(e->value & PTE_ADDR_MASK & ~(e->span - 1)), size_name(e->span));
	else
		fprintf(out, "-0x%" PRIx64 "\n", e->va + e->span);
}

void show_pt(FILE *out, struct kernel *k, const struct mmu_regs *regs, uint64_t lo, uint64_t hi)
{
	fprintf(out, "cr3 0x%" PRIx64 " (pcid %" PRIu64 ")\n", (uint64_t)(regs->cr3 & PTE_ADDR_MASK),
		(uint64_t)(regs->cr3 & CR3_PCID_MASK));
	mmu_pt_visit(&kernel_mmu(k)->phys, regs, lo, hi, pt_line, out);
}

/* ---- tlb ---- */

static const unsigned page_shift[TLB_NSIZES] = {12, 21, 30};

static const char *tlb_array_name(const struct tlb *tlb, int s)
{
	if (s == TLB_4K && tlb->cfg.shared_4k_2m)
		return "4K/2M";
	return size_name(1ULL << page_shift[s]);
}

static int by_pcid_va(const void *a, const void *b)
{
	const struct tlb_entry *x = a, *y = b;
	uint64_t vx = x->vpn << page_shift[x->size], vy = y->vpn << page_shift[y->size];
	if (x->pcid != y->pcid)
		return x->pcid < y->pcid ? -1 : 1;
	return vx < vy ? -1 : vx > vy;
}

static int pid_of_pcid(const struct kernel_proc *procs, int n, uint16_t pcid)
{
	for (int i = 0; i < n; i++)
		if (procs[i].pcid == pcid && procs[i].state != 'Z')
			return procs[i].pid;
	return 0;
}

void show_tlb(FILE *out, struct kernel *k)
{
	struct mmu *mmu = kernel_mmu(k);
	struct kernel_proc procs[MAX_PROCS];
	int nprocs = kernel_procs(k, procs, MAX_PROCS);
	if (nprocs > MAX_PROCS)
		nprocs = MAX_PROCS;
	for (int i = 0; i < MMU_NTLBS; i++) {
		const struct tlb *tlb = &mmu->tlb[i];
		size_t total = 0;
		for (int s = 0; s < TLB_NSIZES; s++)
			total += (size_t)tlb->cfg.size[s].sets * tlb->cfg.size[s].ways;
		struct tlb_entry *valid = malloc((total ? total : 1) * sizeof(*valid));
		size_t n = 0;
		for (int s = 0; valid && s < TLB_NSIZES; s++) {
			size_t cnt = (size_t)tlb->cfg.size[s].sets * tlb->cfg.size[s].ways;
			for (size_t j = 0; tlb->entries[s] && j < cnt; j++)
				if (tlb->entries[s][j].valid)
					valid[n++] = tlb->entries[s][j];
		}
		fprintf(out, "%s: %zu of %zu entries valid (sets x ways:", tlb->cfg.name, n, total);
		for (int s = 0; s < TLB_NSIZES; s++)
			if (tlb->cfg.size[s].ways)
				fprintf(out, " %s %ux%u", tlb_array_name(tlb, s), tlb->cfg.size[s].sets,
					tlb->cfg.size[s].ways);
		fprintf(out, ")\n");
		if (!valid) {
			fprintf(out, "  (out of host memory)\n");
			continue;
		}
		qsort(valid, n, sizeof(*valid), by_pcid_va);
		for (size_t j = 0; j < n; j++) {
			const struct tlb_entry *e = &valid[j];
			int pid = pid_of_pcid(procs, nprocs, e->pcid);
			fprintf(out, "  %s va 0x%-12" PRIx64 " -> pa 0x%-10" PRIx64 " %c%c%c%c%s pcid %u",
				size_name(1ULL << page_shift[e->size]), e->vpn << page_shift[e->size],
				e->page_pa, e->writable ? 'W' : '-', e->user ? 'U' : '-',
				e->executable ? 'X' : '-', e->dirty ? 'D' : '-', e->global ? " G" : "",
				e->pcid);
			if (pid)
				fprintf(out, " (pid %d)", pid);
			fprintf(out, "\n");
		}
		free(valid);
	}
}

/* ---- registers and processes ---- */

void show_regs(FILE *out, const struct cpu_context *c)
{
	static const char *const names[] = {"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp",
					    "rsp", "r8",  "r9",  "r10", "r11", "r12", "r13",
					    "r14", "r15", "rip", "rflags", "fs_base", "gs_base"};
	const uint64_t *v = &c->rax;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		fprintf(out, "%-8s 0x%016" PRIx64 "%s", names[i], v[i], i % 2 ? "\n" : "   ");
}

void show_ps(FILE *out, struct kernel *k, int view)
{
	struct kernel_proc procs[MAX_PROCS];
	int n = kernel_procs(k, procs, MAX_PROCS);
	fprintf(out, "    PID  PPID S PCID COMM\n");
	for (int i = 0; i < n && i < MAX_PROCS; i++)
		fprintf(out, "%c%c%5d %5d %c %4u %s\n", procs[i].pid == view ? '>' : ' ',
			procs[i].current ? '*' : ' ', procs[i].pid, procs[i].ppid, procs[i].state,
			procs[i].pcid, procs[i].comm);
}
