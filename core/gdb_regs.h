/* gdb_regs.h - the x86-64 registers as gdb sees them: the target
 * description (XML: the i386 core, SSE, Linux and segment-base features,
 * fs_base and gs_base included) and the 'g' packet's layout. */
#ifndef VMEMU_GDB_REGS_H
#define VMEMU_GDB_REGS_H

#include <stddef.h>

#include "kernel.h"

/* target.xml */
extern const char gdb_target_xml[];

/* The registers of ctx as the 'g' packet sends them, in hex, into out
 * (at least GDB_REGS_HEX_MAX bytes); returns the length. */
#define GDB_REGS_HEX_MAX 2048
size_t gdb_regs_hex(const struct cpu_context *ctx, char *out);
/* Register number n alone (the 'p' packet); 0 for an unknown number. */
size_t gdb_reg_hex(const struct cpu_context *ctx, unsigned n, char *out);

#endif
