/* exception_flight.c - a hooked CPU exception must not stay "in flight".
 *
 * QEMU turns a contributory exception (#DE, #TS, #NP, #SS, #GP) that comes
 * while another one is in flight into a #DF, and any exception after a #DF
 * into a triple fault (check_exception in target/i386/excp_helper.c). It
 * forgets the exception in flight only once it has delivered it through the
 * IDT (x86_cpu_do_interrupt), which Unicorn skips when a UC_HOOK_INTR hook
 * takes it, and its API has no register for that field. So a process's
 * second division by zero came as a #DF (SIGSEGV, not SIGFPE), seen on
 * 2.1.4. Unicorn's CPU context (uc_context_save) holds the field: the CPU
 * saved before any exception is put back after one, and the caller loads
 * the task's registers again. The YMM registers, which the task context
 * does not hold, are carried over. */
#include "exception_flight.h"

#define NYMM 16

uc_err exception_flight_init(uc_engine *uc, struct exception_flight *f)
{
	uc_err e = uc_context_alloc(uc, &f->clean);
	if (e == UC_ERR_OK)
		e = uc_context_save(uc, f->clean);
	return e;
}

void exception_flight_destroy(struct exception_flight *f)
{
	if (f->clean)
		uc_context_free(f->clean);
	f->clean = NULL;
}

bool exception_flight_remembered(uint32_t intno)
{
	return intno == 0 || intno == 8 || (intno >= 10 && intno <= 13);
}

uc_err exception_flight_clear(uc_engine *uc, struct exception_flight *f)
{
	uint8_t ymm[NYMM][32];
	int regs[NYMM];
	void *ptrs[NYMM];
	for (int i = 0; i < NYMM; i++)
		regs[i] = UC_X86_REG_YMM0 + i, ptrs[i] = ymm[i];
	uc_err e = uc_reg_read_batch(uc, regs, ptrs, NYMM);
	if (e == UC_ERR_OK)
		e = uc_context_restore(uc, f->clean);
	if (e == UC_ERR_OK)
		e = uc_reg_write_batch(uc, regs, (void *const *)ptrs, NYMM);
	return e;
}
