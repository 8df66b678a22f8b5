/* disasm.h - Capstone, for what the CPU does not tell us about an
 * instruction (which exception it raised) and for showing code. */
#ifndef VMEMU_DISASM_H
#define VMEMU_DISASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel.h"

struct disasm;

/* One memory operand of an instruction: its linear address and size. */
struct mem_ref {
	uint64_t addr;
	unsigned size;
};

struct disasm *disasm_open(void);
void disasm_close(struct disasm *d);
/* True when code[0..len) at addr does not start with a valid x86-64
 * instruction, or starts with one that is defined to raise #UD. */
bool disasm_is_undefined(struct disasm *d, uint64_t addr, const uint8_t *code, size_t len);

/* The linear addresses of the explicit memory operands of the instruction
 * at ctx->rip (code[0..len) holds its bytes), computed from ctx's registers
 * and FS/GS bases. Returns how many were written to out (at most max). */
int disasm_mem_refs(struct disasm *d, const struct cpu_context *ctx, const uint8_t *code,
		    size_t len, struct mem_ref *out, int max);

/* One instruction for showing and stepping. */
struct insn_info {
	unsigned len;        /* bytes */
	bool is_call;        /* a CALL: `next` steps over it */
	bool is_rep_string;  /* a REP/REPE/REPNE string instruction: Unicorn
				enters it once per iteration */
	char text[128];      /* "mov qword ptr [rax], 1" */
};

/* Decodes the instruction at addr from code[0..len); false when it does
 * not decode. */
bool disasm_insn(struct disasm *d, uint64_t addr, const uint8_t *code, size_t len,
		 struct insn_info *out);

#endif
