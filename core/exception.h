/* exception.h - classifying CPU exceptions with the decoder. */
#ifndef VMEMU_EXCEPTION_H
#define VMEMU_EXCEPTION_H

#include <stdint.h>

#include "disasm.h"
#include "kernel.h"

/* An exception without its own hook at rip: SIGILL for #UD (the
 * instruction does not decode, or is UD0/UD1/UD2), else SIGSEGV (#GP). */
int exception_signal(struct kernel *k, struct disasm *d, uint64_t rip);

/* Unicorn reports only the page of a refused access; sets the queued
 * fault's address to the byte the instruction at ctx->rip touched. */
void exception_refine_fault_addr(struct kernel *k, struct disasm *d, const struct cpu_context *ctx);

#endif
