/* oracle.c - one case through Unicorn.
 *
 * Unicorn never delivers an exception through the guest IDT: its CPU loop
 * hands the vector to UC_HOOK_INTR hooks instead (qemu/accel/tcg/cpu-exec.c,
 * cpu_handle_exception). So the oracle has no #PF handler; the interrupt
 * hook takes the exception as QEMU raised it, before anything else runs:
 * CR2 through the register API, and the error code from the field QEMU
 * would push (env->error_code), located in a saved CPU context by
 * calibration with #GP(selector) faults whose codes are known. See
 * README.md for why this is exact. */
#include <stdio.h>
#include <string.h>

#include "layout.h"
#include "oracle.h"
#include "stubs.h"

#define MSR_EFER 0xc0000080
#define MSR_STAR 0xc0000081
#define EFER_SCE (1ULL << 0)
#define RFLAGS_FIXED (1ULL << 1)
#define RFLAGS_AC (1ULL << 18)
#define TCG_BUFFER_SIZE (32u << 20) /* the default 1 GiB would only fill with exit blocks */
#define CALIBRATION_TOP_PA (WD_INFRA_PA - PAGE_SIZE)

static void on_interrupt(uc_engine *uc, uint32_t intno, void *user)
{
	struct wd_oracle *o = user;

	o->vector = (int)intno;
	uc_reg_read(uc, UC_X86_REG_CR2, &o->cr2);
	uc_context_save(uc, o->snap);
	uc_emu_stop(uc);
}

/* Unicorn 2.1 passes memory hooks the physical address of the access, the
 * one the TLB entry filled by the walk gives. */
static void on_access(uc_engine *uc, uc_mem_type type, uint64_t address, int size,
		      int64_t value, void *user)
{
	struct wd_oracle *o = user;

	(void)uc, (void)type, (void)size, (void)value;
	o->accesses++;
	o->access_pa = address;
}

static uint32_t pending_error_code(const struct wd_oracle *o)
{
	uint32_t code;

	memcpy(&code, (const uint8_t *)o->snap + o->error_code_offset, sizeof(code));
	return code;
}

static bool fail(char *err, size_t errlen, const char *what, uc_err e)
{
	snprintf(err, errlen, "%s: %s", what, uc_strerror(e));
	return false;
}

static uc_err write_msr(uc_engine *uc, uint32_t msr, uint64_t value)
{
	uc_x86_msr m = { .rid = msr, .value = value };

	return uc_reg_write(uc, UC_X86_REG_MSR, &m);
}

/* Control registers in the order that keeps each write legal: EFER, then
 * CR4 (PAE before paging), CR3, CR0. Each of these writes goes through
 * QEMU's own helpers (helper_wrmsr, cpu_x86_update_cr4/cr3/cr0). */
static uc_err write_control(uc_engine *uc, const struct mmu_regs *regs)
{
	uc_err e;

	if ((e = write_msr(uc, MSR_EFER, regs->efer | EFER_SCE)) ||
	    (e = uc_reg_write(uc, UC_X86_REG_CR4, &regs->cr4)) ||
	    (e = uc_reg_write(uc, UC_X86_REG_CR3, &regs->cr3)) ||
	    (e = uc_reg_write(uc, UC_X86_REG_CR0, &regs->cr0)))
		return e;
	return UC_ERR_OK;
}

static uc_err set_exits(uc_engine *uc, uint64_t extra)
{
	uint64_t exits[3] = { kstub_va(wd_k_done), ustub_va(wd_u_done), extra };

	return uc_ctl_set_exits(uc, exits, extra ? 3 : 2);
}

static uc_err run_from(struct wd_oracle *o, uint64_t begin)
{
	o->vector = -1;
	o->accesses = 0;
	return uc_emu_start(o->uc, begin, 0, 0, 0);
}

/* Finds env->error_code: three #GP(selector) faults from MOV DS with
 * selectors past the GDT limit, whose error codes are the selectors. The
 * offset must be the only 32-bit field holding all three (RAX, which
 * carries them, has other bits in its low half). */
static bool calibrate(struct wd_oracle *o, char *err, size_t errlen)
{
	static const uint16_t selectors[] = { 0x1238, 0x4560, 0x7ab8 };
	enum { N = sizeof(selectors) / sizeof(selectors[0]) };
	uint8_t seen[N][8192];
	size_t found = 0, matches = 0;

	if (o->snap_size > sizeof(seen[0])) {
		snprintf(err, errlen, "CPU context of %zu bytes is larger than expected", o->snap_size);
		return false;
	}
	for (int i = 0; i < N; i++) {
		uint64_t rax = 0xd00d0000u | selectors[i];
		uc_err e;

		uc_context_restore(o->uc, o->base);
		uc_reg_write(o->uc, UC_X86_REG_RAX, &rax);
		if ((e = run_from(o, kstub_va(wd_k_load_ds))))
			return fail(err, errlen, "calibration run", e);
		if (o->vector != 13) {
			snprintf(err, errlen, "calibration: MOV DS gave vector %d, not #GP", o->vector);
			return false;
		}
		memcpy(seen[i], o->snap, o->snap_size);
	}
	for (size_t off = 0; off + 4 <= o->snap_size; off += 4) {
		int same = 0;

		for (int i = 0; i < N; i++) {
			uint32_t v;

			memcpy(&v, seen[i] + off, 4);
			same += v == selectors[i];
		}
		if (same == N) {
			found = off;
			matches++;
		}
	}
	if (matches != 1) {
		snprintf(err, errlen, "calibration: %zu places hold the error code, want 1", matches);
		return false;
	}
	o->error_code_offset = found;
	return true;
}

static bool setup_cpu(struct wd_oracle *o, char *err, size_t errlen)
{
	struct mmu_regs regs = {
		.cr0 = CR0_PE | CR0_PG | CR0_WP,
		.cr3 = CALIBRATION_TOP_PA,
		.cr4 = CR4_PAE,
		.efer = EFER_LME | EFER_LMA | EFER_NXE,
	};
	uc_x86_mmr gdtr = { .base = 0, .limit = 0x17 };
	uint64_t rflags = RFLAGS_FIXED;
	uc_err e;

	if ((e = write_control(o->uc, &regs)) ||
	    (e = write_msr(o->uc, MSR_STAR, (uint64_t)WD_STAR_USER_BASE << 48)) ||
	    (e = uc_reg_write(o->uc, UC_X86_REG_GDTR, &gdtr)) ||
	    (e = uc_reg_write(o->uc, UC_X86_REG_RFLAGS, &rflags)) ||
	    (e = uc_ctl_exits_enable(o->uc)) || (e = set_exits(o->uc, 0)) ||
	    (e = uc_context_alloc(o->uc, &o->base)) || (e = uc_context_alloc(o->uc, &o->snap)) ||
	    (e = uc_context_save(o->uc, o->base)))
		return fail(err, errlen, "CPU setup", e);
	o->snap_size = uc_context_size(o->uc);
	return true;
}

bool oracle_init(struct wd_oracle *o, struct wd_image *image, char *err, size_t errlen)
{
	uc_err e;
	bool ok;

	memset(o, 0, sizeof(*o));
	if ((e = uc_open(UC_ARCH_X86, UC_MODE_64, &o->uc)))
		return fail(err, errlen, "uc_open", e);
	/* Icelake-Server: SMEP, SMAP, NX, 1 GiB pages and LA57 in CPUID, so
	 * QEMU keeps CR4.SMAP (it clears it on models without SMAP). */
	if ((e = uc_ctl_set_cpu_model(o->uc, UC_CPU_X86_ICELAKE_SERVER)) ||
	    (e = uc_ctl_set_tcg_buffer_size(o->uc, TCG_BUFFER_SIZE)) ||
	    (e = uc_mem_map_ptr(o->uc, 0, image->size, UC_PROT_ALL, image->base)) ||
	    (e = uc_hook_add(o->uc, &o->intr_hook, UC_HOOK_INTR, (void *)on_interrupt, o, 1, 0)) ||
	    (e = uc_hook_add(o->uc, &o->mem_hook, UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE,
			     (void *)on_access, o, 1, 0)))
		return fail(err, errlen, "Unicorn setup", e);
	image_store(image, CALIBRATION_TOP_PA + WD_TOP_INFRA_INDEX * 8ULL, image_infra_top_entry(4));
	ok = setup_cpu(o, err, errlen) && calibrate(o, err, errlen);
	image_store(image, CALIBRATION_TOP_PA + WD_TOP_INFRA_INDEX * 8ULL, 0);
	return ok;
}

void oracle_destroy(struct wd_oracle *o)
{
	if (o->snap)
		uc_context_free(o->snap);
	if (o->base)
		uc_context_free(o->base);
	if (o->uc)
		uc_close(o->uc);
	memset(o, 0, sizeof(*o));
}

static void error(struct walk_outcome *out, const char *what, uc_err e)
{
	out->result = WD_ERROR;
	snprintf(out->error, sizeof(out->error), "oracle: %s: %s", what, uc_strerror(e));
}

/* Where the case starts: CPL 0 runs the kernel stub for the access; CPL 3
 * is entered with SYSRET into the user stub, as Linux returns to user mode
 * (64-bit Unicorn's CS write sets only the selector, not the CPL). */
static uc_err prepare(struct wd_oracle *o, const struct walk_case *c, uint64_t *begin)
{
	static const uint8_t *const kernel[] = { wd_k_read, wd_k_write, wd_k_fetch };
	static const uint8_t *const user[] = { wd_u_read, wd_u_write, wd_u_fetch };
	uint64_t rflags = RFLAGS_FIXED | (c->req.rflags_ac ? RFLAGS_AC : 0);
	uint64_t va = c->req.va, store = WD_STORE_VALUE;
	uc_engine *uc = o->uc;
	uc_err e;

	if ((e = uc_context_restore(uc, o->base)) || (e = write_control(uc, &c->regs)) ||
	    (e = uc_reg_write(uc, UC_X86_REG_RAX, &va)) ||
	    (e = uc_reg_write(uc, UC_X86_REG_RBX, &store)))
		return e;
	if (c->req.user) {
		uint64_t entry = ustub_va(user[c->req.access]);

		*begin = kstub_va(wd_k_sysret);
		if ((e = uc_reg_write(uc, UC_X86_REG_RCX, &entry)) ||
		    (e = uc_reg_write(uc, UC_X86_REG_R11, &rflags)))
			return e;
	} else {
		*begin = kstub_va(kernel[c->req.access]);
		if ((e = uc_reg_write(uc, UC_X86_REG_RFLAGS, &rflags)))
			return e;
	}
	/* A fetch stops at its target, once the walk for it is done. */
	if ((e = set_exits(uc, c->req.access == MMU_FETCH ? va : 0)))
		return e;
	return uc_ctl_flush_tlb(uc);
}

static void translated(struct wd_oracle *o, const struct walk_case *c, struct walk_outcome *out)
{
	uint64_t rip, want, pa;
	uc_err e;

	if (c->req.access == MMU_FETCH)
		want = c->req.va;
	else
		want = c->req.user ? ustub_va(wd_u_done) : kstub_va(wd_k_done);
	uc_reg_read(o->uc, UC_X86_REG_RIP, &rip);
	if (rip != want) {
		out->result = WD_ERROR;
		snprintf(out->error, sizeof(out->error), "oracle: stopped at %#lx, not %#lx",
			 (unsigned long)rip, (unsigned long)want);
		return;
	}
	if (c->req.access != MMU_FETCH) {
		if (o->accesses != 1) {
			out->result = WD_ERROR;
			snprintf(out->error, sizeof(out->error), "oracle: %d data accesses, want 1",
				 o->accesses);
			return;
		}
		out->pa = o->access_pa;
		return;
	}
	/* The fetch filled QEMU's TLB: this lookup hits the entry the walk
	 * made (tlb_vaddr_to_paddr), in the CPL and mode of the access. */
	if ((e = uc_vmem_translate(o->uc, c->req.va, UC_PROT_EXEC, &pa)))
		return error(out, "uc_vmem_translate after the fetch", e);
	out->pa = pa;
}

void oracle_run(struct wd_oracle *o, const struct walk_case *c, struct walk_outcome *out)
{
	uint64_t begin;
	uc_err e;

	*out = (struct walk_outcome){ .result = WD_OK };
	if ((e = prepare(o, c, &begin)))
		return error(out, "setting up the case", e);
	if ((e = run_from(o, begin)))
		return error(out, "uc_emu_start", e);
	switch (o->vector) {
	case -1:
		return translated(o, c, out);
	case 14:
		out->result = WD_PF;
		out->cr2 = o->cr2;
		out->error_code = pending_error_code(o);
		return;
	case 13:
		out->result = WD_GP;
		out->error_code = pending_error_code(o);
		return;
	default:
		out->result = WD_ERROR;
		snprintf(out->error, sizeof(out->error), "oracle: exception vector %d", o->vector);
		return;
	}
}
