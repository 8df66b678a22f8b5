/* gen.h - the case generator: control state, one access, and a table
 * hierarchy for it in physical memory (present or not, R/W, U/S, NX, PS at
 * levels 2 and 3, reserved bits below and above MAXPHYADDR, every A/D
 * state, tables aliased and shared between levels, 4 and 5 levels). */
#ifndef WALKDIFF_GEN_H
#define WALKDIFF_GEN_H

#include <stdint.h>

#include "walk_case.h"

/* QEMU's TCG x86 walker checks reserved address bits against 40 bits
 * (TCG_PHYS_ADDR_BITS), which is also what its CPUID 0x80000008 reports. */
#define WD_MAXPHYADDR 40

/* Builds case index of the run with this seed; levels is 4, 5, or 0 for
 * either (chosen per case). */
void gen_case(uint64_t seed, uint64_t index, int levels, struct walk_case *c);

#endif
