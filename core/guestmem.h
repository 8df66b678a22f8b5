/* guestmem.h - guest memory as a debugger reads it: through one process's
 * page tables without side effects (no A or D bit, no fault: a page that
 * is not mapped now cannot be read), or by physical address. */
#ifndef VMEMU_GUESTMEM_H
#define VMEMU_GUESTMEM_H

#include <stddef.h>
#include <stdint.h>

#include "kernel.h"

/* Copies up to n bytes at va under regs (kernel_proc_mmu_regs) into buf;
 * returns how many leading bytes were mapped. */
size_t guestmem_read(struct kernel *k, const struct mmu_regs *regs, uint64_t va, void *buf,
		     size_t n);
/* The same for the current process. */
size_t guestmem_read_current(struct kernel *k, uint64_t va, void *buf, size_t n);
/* Copies up to n bytes of guest-physical memory at pa; returns how many
 * lie inside it. */
size_t guestmem_read_phys(struct kernel *k, uint64_t pa, void *buf, size_t n);

#endif
