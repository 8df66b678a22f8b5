/* exception.c - what Unicorn does not say about a stopped instruction:
 * which signal its exception means, and the exact faulting address. */
#include <signal.h>

#include "disasm.h"
#include "exception.h"

/* An exception without its own hook: #UD if the instruction at rip does
 * not decode (or is UD0/UD1/UD2), otherwise a #GP (privileged or faulting
 * instruction), as Linux maps them to SIGILL and SIGSEGV. */
int exception_signal(struct kernel *k, struct disasm *d, uint64_t rip)
{
	uint8_t insn[16];
	size_t n = kernel_read_user(k, rip, insn, sizeof(insn));
	if (n == 0)
		return SIGSEGV;
	return disasm_is_undefined(d, rip, insn, n) ? SIGILL : SIGSEGV;
}

/* Unicorn reports only the page of a refused access; CR2 is the byte. For
 * a fetch that is RIP (or the page start when the instruction began on
 * the page before); for data, the memory operand that lies on the page. */
void exception_refine_fault_addr(struct kernel *k, struct disasm *d, const struct cpu_context *ctx)
{
	uint64_t *addr;
	enum mmu_access access;
	if (!kernel_pending_fault(k, &addr, &access))
		return;
	uint64_t page = *addr & ~(PAGE_SIZE - 1);
	if (access == MMU_FETCH) {
		*addr = ctx->rip >= page ? ctx->rip : page;
		return;
	}
	uint8_t code[16];
	struct mem_ref refs[4];
	size_t len = kernel_read_user(k, ctx->rip, code, sizeof(code));
	int n = disasm_mem_refs(d, ctx, code, len, refs, 4);
	for (int i = 0; i < n; i++) {
		if (refs[i].addr >= page && refs[i].addr - page < PAGE_SIZE) {
			*addr = refs[i].addr;
			return;
		}
	}
}
