/* disasm.h - Capstone, for what the CPU does not tell us about an
 * instruction (which exception it raised) and for showing code. */
#ifndef VMEMU_DISASM_H
#define VMEMU_DISASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct disasm;

struct disasm *disasm_open(void);
void disasm_close(struct disasm *d);
/* True when code[0..len) at addr does not start with a valid x86-64
 * instruction, or starts with one that is defined to raise #UD. */
bool disasm_is_undefined(struct disasm *d, uint64_t addr, const uint8_t *code, size_t len);

#endif
