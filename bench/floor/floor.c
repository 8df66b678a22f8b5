/* floor.c - the floor runner's main: Unicorn in UC_TLB_VIRTUAL mode with an
 * identity TLB fill, one uc_emu_start for the whole program.
 * Usage: floor PROG [ARGS...]   (exit status: the guest's, or 139 when the
 * guest touches memory outside the buffer or fetches where it may not). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "floor.h"

extern char **environ;

static bool executable(const struct floor *f, uint64_t va)
{
	for (int i = 0; i < f->nexec; i++)
		if (va >= f->exec[i].start && va < f->exec[i].end)
			return true;
	return false;
}

/* Unicorn's TLB grows only when it is flushed (QEMU's rule: doubled when
 * more than 70% of it was in use): a flush every 64k fills lets it grow to
 * the working set, as vmemu's core/tlb_growth.c does more carefully. */
#define FLOOR_FILLS_PER_FLUSH 65536

/* Text pages get READ|EXEC and every other page READ|WRITE, as vmemu hands
 * them out: a page both writable and executable would make every store to
 * it take Unicorn's slow path. */
static bool on_tlb_fill(uc_engine *uc, uint64_t va, uc_mem_type type, uc_tlb_entry *out,
			void *user)
{
	struct floor *f = user;
	if (va >= FLOOR_MEM_SIZE)
		return false;
	if (++f->fills % FLOOR_FILLS_PER_FLUSH == 0)
		uc_ctl_flush_tlb(uc);
	bool x = executable(f, va);
	if ((type == UC_MEM_FETCH && !x) || (type == UC_MEM_WRITE && x))
		return false;
	out->paddr = va;
	out->perms = x ? UC_PROT_READ | UC_PROT_EXEC : UC_PROT_READ | UC_PROT_WRITE;
	return true;
}

static int fail(const char *what, uc_err e)
{
	fprintf(stderr, "floor: %s: %s\n", what, uc_strerror(e));
	return 125;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: floor PROG [ARGS...]\n");
		return 125;
	}
	static struct floor f;
	f.mem = mmap(NULL, FLOOR_MEM_SIZE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (f.mem == MAP_FAILED) {
		perror("floor: mmap");
		return 125;
	}
	/* Host huge pages where the host gives them, as for vmemu's guest
	 * memory, so that the two pay the same for first touches. */
	madvise(f.mem, FLOOR_MEM_SIZE, MADV_HUGEPAGE);
	uc_hook fill, sys;
	uc_err e = uc_open(UC_ARCH_X86, UC_MODE_64, &f.uc);
	if (e)
		return fail("uc_open", e);
	if ((e = uc_ctl_tlb_mode(f.uc, UC_TLB_VIRTUAL)) ||
	    (e = uc_mem_map_ptr(f.uc, 0, FLOOR_MEM_SIZE, UC_PROT_ALL, f.mem)) ||
	    (e = uc_hook_add(f.uc, &fill, UC_HOOK_TLB_FILL, (void *)on_tlb_fill, &f, 1, 0)) ||
	    (e = uc_hook_add(f.uc, &sys, UC_HOOK_INSN, (void *)floor_syscall, &f, 1, 0,
			     UC_X86_INS_SYSCALL)))
		return fail("set-up", e);
	uint64_t entry, sp;
	if (floor_load(&f, argv[1], argv + 1, environ, &entry, &sp))
		return 125;
	uc_reg_write(f.uc, UC_X86_REG_RSP, &sp);
	e = uc_emu_start(f.uc, entry, UINT64_MAX, 0, 0);
	if (!f.exited) {
		uint64_t rip;
		uc_reg_read(f.uc, UC_X86_REG_RIP, &rip);
		fprintf(stderr, "floor: the guest stopped at rip 0x%llx: %s\n",
			(unsigned long long)rip, uc_strerror(e));
		return 139;
	}
	uc_close(f.uc);
	return f.exit_status;
}
