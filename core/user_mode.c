/* user_mode.c - the CPU runs the guest at CPL 3, as Linux runs a process.
 *
 * Unicorn starts an x86-64 engine at CPL 0, where IN/OUT, CLI, HLT, RDMSR
 * or MOV to a control register simply run. Its register API cannot lower
 * the CPL (the CPL follows SS's DPL, and SS takes RPL 3 only at CPL 3), so
 * the CPU is made to leave CPL 0 as Linux's own kernel does: by one SYSRETQ,
 * which loads CS and SS from the STAR MSR. That is run once on a fresh
 * engine, from a scratch page at physical (and, without a TLB fill hook,
 * virtual) address 0, which is unmapped again before the guest's memory is
 * mapped there. Unicorn's SYSCALL (a hook) and its exception hooks never
 * switch back, so the CPU stays at CPL 3 for good. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "user_mode.h"

#define MSR_EFER 0xc0000080u
#define MSR_STAR 0xc0000081u
#define EFER_SCE (1u << 0)
#define EFER_LME (1u << 8)
#define EFER_LMA (1u << 10)
/* Linux's GDT: __USER32_CS 0x23, so SYSRETQ loads CS 0x33 (__USER_CS)
 * and SS 0x2b (__USER_DS); __KERNEL_CS 0x10. */
#define STAR_VALUE ((0x23ull << 48) | (0x10ull << 32))
#define BOOT_PAGE 0x1000u
#define USER_CS 0x33
#define USER_DS 0x2b

static uc_err write_msr(uc_engine *uc, uint32_t rid, uint64_t value)
{
	uc_x86_msr msr = { .rid = rid, .value = value };
	return uc_reg_write(uc, UC_X86_REG_MSR, &msr);
}

int user_mode_enter(uc_engine *uc, char *err, size_t errlen)
{
	static const uint8_t sysretq[] = { 0x48, 0x0f, 0x07 };
	uint64_t rcx = BOOT_PAGE / 2, r11 = 0x202; /* where and with what flags it lands */
	uint16_t cs = 0, ss = 0;
	uc_err e = uc_mem_map(uc, 0, BOOT_PAGE, UC_PROT_ALL);
	if (e == UC_ERR_OK)
		e = uc_mem_write(uc, 0, sysretq, sizeof(sysretq));
	if (e == UC_ERR_OK)
		e = write_msr(uc, MSR_EFER, EFER_SCE | EFER_LME | EFER_LMA);
	if (e == UC_ERR_OK)
		e = write_msr(uc, MSR_STAR, STAR_VALUE);
	if (e == UC_ERR_OK)
		e = uc_reg_write(uc, UC_X86_REG_RCX, &rcx);
	if (e == UC_ERR_OK)
		e = uc_reg_write(uc, UC_X86_REG_R11, &r11);
	if (e == UC_ERR_OK)
		e = uc_emu_start(uc, 0, rcx, 0, 0);
	if (e == UC_ERR_OK)
		e = uc_mem_unmap(uc, 0, BOOT_PAGE);
	if (e == UC_ERR_OK)
		e = uc_ctl_flush_tb(uc); /* the scratch page's translations */
	if (e == UC_ERR_OK)
		e = uc_ctl_flush_tlb(uc);
	if (e == UC_ERR_OK)
		e = uc_reg_read(uc, UC_X86_REG_CS, &cs);
	if (e == UC_ERR_OK)
		e = uc_reg_read(uc, UC_X86_REG_SS, &ss);
	if (e != UC_ERR_OK) {
		snprintf(err, errlen, "Unicorn: entering user mode: %s", uc_strerror(e));
		return -1;
	}
	if (cs != USER_CS || ss != USER_DS) {
		snprintf(err, errlen, "Unicorn: SYSRETQ left CS 0x%x SS 0x%x, not user mode", cs, ss);
		return -1;
	}
	return 0;
}
