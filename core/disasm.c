/* disasm.c - x86-64 decoding with Capstone. */
#include <capstone/capstone.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "disasm.h"

struct disasm {
	csh cs;
};

struct disasm *disasm_open(void)
{
	struct disasm *d = malloc(sizeof(*d));
	if (d && cs_open(CS_ARCH_X86, CS_MODE_64, &d->cs) != CS_ERR_OK) {
		free(d);
		return NULL;
	}
	if (d)
		cs_option(d->cs, CS_OPT_DETAIL, CS_OPT_ON);
	return d;
}

void disasm_close(struct disasm *d)
{
	if (!d)
		return;
	cs_close(&d->cs);
	free(d);
}

bool disasm_is_undefined(struct disasm *d, uint64_t addr, const uint8_t *code, size_t len)
{
	cs_insn *insn;
	if (cs_disasm(d->cs, code, len, addr, 1, &insn) != 1)
		return true;
	unsigned id = insn->id;
	cs_free(insn, 1);
	return id == X86_INS_UD2 || id == X86_INS_UD2B || id == X86_INS_UD0;
}

/* Value of a general-purpose register named by Capstone (64- or 32-bit
 * form: 32-bit addressing zero-extends). */
static bool reg_value(const struct cpu_context *ctx, x86_reg reg, uint64_t next_rip, uint64_t *v)
{
	static const struct {
		x86_reg r64, r32;
		size_t off;
	} gpr[] = {
#define GPR(a, b, f) {X86_REG_##a, X86_REG_##b, offsetof(struct cpu_context, f)}
		GPR(RAX, EAX, rax), GPR(RBX, EBX, rbx), GPR(RCX, ECX, rcx), GPR(RDX, EDX, rdx),
		GPR(RSI, ESI, rsi), GPR(RDI, EDI, rdi), GPR(RBP, EBP, rbp), GPR(RSP, ESP, rsp),
		GPR(R8, R8D, r8),   GPR(R9, R9D, r9),   GPR(R10, R10D, r10), GPR(R11, R11D, r11),
		GPR(R12, R12D, r12), GPR(R13, R13D, r13), GPR(R14, R14D, r14), GPR(R15, R15D, r15),
#undef GPR
	};
	if (reg == X86_REG_INVALID) {
		*v = 0;
		return true;
	}
	if (reg == X86_REG_RIP) {
		*v = next_rip;
		return true;
	}
	for (size_t i = 0; i < sizeof(gpr) / sizeof(gpr[0]); i++) {
		uint64_t value;
		memcpy(&value, (const char *)ctx + gpr[i].off, sizeof(value));
		if (reg == gpr[i].r64) {
			*v = value;
			return true;
		}
		if (reg == gpr[i].r32) {
			*v = (uint32_t)value;
			return true;
		}
	}
	return false;
}

int disasm_mem_refs(struct disasm *d, const struct cpu_context *ctx, const uint8_t *code,
		    size_t len, struct mem_ref *out, int max)
{
	cs_insn *insn;
	if (cs_disasm(d->cs, code, len, ctx->rip, 1, &insn) != 1)
		return 0;
	const cs_x86 *x86 = &insn->detail->x86;
	uint64_t next_rip = ctx->rip + insn->size;
	int n = 0;
	for (int i = 0; i < x86->op_count && n < max; i++) {
		const cs_x86_op *op = &x86->operands[i];
		uint64_t base, index;
		if (op->type != X86_OP_MEM || !reg_value(ctx, op->mem.base, next_rip, &base) ||
		    !reg_value(ctx, op->mem.index, next_rip, &index))
			continue;
		uint64_t addr = base + index * (uint64_t)op->mem.scale + (uint64_t)op->mem.disp;
		if (op->mem.segment == X86_REG_FS)
			addr += ctx->fs_base;
		else if (op->mem.segment == X86_REG_GS)
			addr += ctx->gs_base;
		out[n++] = (struct mem_ref){addr, op->size};
	}
	cs_free(insn, 1);
	return n;
}

static bool string_insn(unsigned id)
{
	switch (id) {
	case X86_INS_MOVSB: case X86_INS_MOVSW: case X86_INS_MOVSD: case X86_INS_MOVSQ:
	case X86_INS_STOSB: case X86_INS_STOSW: case X86_INS_STOSD: case X86_INS_STOSQ:
	case X86_INS_LODSB: case X86_INS_LODSW: case X86_INS_LODSD: case X86_INS_LODSQ:
	case X86_INS_CMPSB: case X86_INS_CMPSW: case X86_INS_CMPSD: case X86_INS_CMPSQ:
	case X86_INS_SCASB: case X86_INS_SCASW: case X86_INS_SCASD: case X86_INS_SCASQ:
	case X86_INS_INSB: case X86_INS_INSW: case X86_INS_INSD:
	case X86_INS_OUTSB: case X86_INS_OUTSW: case X86_INS_OUTSD:
		return true;
	default:
		return false;
	}
}

bool disasm_insn(struct disasm *d, uint64_t addr, const uint8_t *code, size_t len,
		 struct insn_info *out)
{
	cs_insn *insn;
	if (cs_disasm(d->cs, code, len, addr, 1, &insn) != 1)
		return false;
	uint8_t rep = insn->detail->x86.prefix[0];
	*out = (struct insn_info){
		.len = insn->size,
		.is_call = insn->id == X86_INS_CALL,
		.is_rep_string = (rep == X86_PREFIX_REP || rep == X86_PREFIX_REPNE) &&
				 string_insn(insn->id),
	};
	if (insn->op_str[0])
		snprintf(out->text, sizeof(out->text), "%.31s %.95s", insn->mnemonic, insn->op_str);
	else
		snprintf(out->text, sizeof(out->text), "%.31s", insn->mnemonic);
	cs_free(insn, 1);
	return true;
}
