/* disasm.c - x86-64 decoding with Capstone. */
#include <capstone/capstone.h>
#include <stdlib.h>

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
