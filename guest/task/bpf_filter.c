/* bpf_filter.c - classic BPF (struct sock_filter programs): the checks
 * every classic program passes in Linux (net/core/filter.c's
 * bpf_check_classic: known opcodes, no division by a zero constant, no
 * shift by 32 or more, scratch words M[0..15] only, jumps forward and
 * inside the program, a return at the end, no scratch word read before
 * every path to it has written it), and an interpreter over a buffer of
 * data, as seccomp runs its filters. */
#include <errno.h>
#include <linux/filter.h>
#include <string.h>

#include "task/internal.h"

/* Linux's chk_code_allowed: every opcode classic BPF has. */
static bool code_allowed(uint16_t code)
{
	switch (code) {
	case BPF_ALU | BPF_ADD | BPF_K: case BPF_ALU | BPF_ADD | BPF_X:
	case BPF_ALU | BPF_SUB | BPF_K: case BPF_ALU | BPF_SUB | BPF_X:
	case BPF_ALU | BPF_MUL | BPF_K: case BPF_ALU | BPF_MUL | BPF_X:
	case BPF_ALU | BPF_DIV | BPF_K: case BPF_ALU | BPF_DIV | BPF_X:
	case BPF_ALU | BPF_MOD | BPF_K: case BPF_ALU | BPF_MOD | BPF_X:
	case BPF_ALU | BPF_AND | BPF_K: case BPF_ALU | BPF_AND | BPF_X:
	case BPF_ALU | BPF_OR | BPF_K: case BPF_ALU | BPF_OR | BPF_X:
	case BPF_ALU | BPF_XOR | BPF_K: case BPF_ALU | BPF_XOR | BPF_X:
	case BPF_ALU | BPF_LSH | BPF_K: case BPF_ALU | BPF_LSH | BPF_X:
	case BPF_ALU | BPF_RSH | BPF_K: case BPF_ALU | BPF_RSH | BPF_X:
	case BPF_ALU | BPF_NEG:
	case BPF_LD | BPF_W | BPF_ABS: case BPF_LD | BPF_H | BPF_ABS: case BPF_LD | BPF_B | BPF_ABS:
	case BPF_LD | BPF_W | BPF_LEN:
	case BPF_LD | BPF_W | BPF_IND: case BPF_LD | BPF_H | BPF_IND: case BPF_LD | BPF_B | BPF_IND:
	case BPF_LD | BPF_IMM: case BPF_LD | BPF_MEM:
	case BPF_LDX | BPF_W | BPF_LEN: case BPF_LDX | BPF_B | BPF_MSH:
	case BPF_LDX | BPF_IMM: case BPF_LDX | BPF_MEM:
	case BPF_ST: case BPF_STX:
	case BPF_MISC | BPF_TAX: case BPF_MISC | BPF_TXA:
	case BPF_RET | BPF_K: case BPF_RET | BPF_A:
	case BPF_JMP | BPF_JA:
	case BPF_JMP | BPF_JEQ | BPF_K: case BPF_JMP | BPF_JEQ | BPF_X:
	case BPF_JMP | BPF_JGE | BPF_K: case BPF_JMP | BPF_JGE | BPF_X:
	case BPF_JMP | BPF_JGT | BPF_K: case BPF_JMP | BPF_JGT | BPF_X:
	case BPF_JMP | BPF_JSET | BPF_K: case BPF_JMP | BPF_JSET | BPF_X:
		return true;
	default:
		return false;
	}
}

static bool is_cond_jump(uint16_t code)
{
	return BPF_CLASS(code) == BPF_JMP && BPF_OP(code) != BPF_JA;
}

/* Linux's check_load_and_stores: the scratch words written on every path
 * to each instruction (a bit each); a load of one not written fails. */
static int check_load_and_stores(const struct sock_filter *f, unsigned len)
{
	uint16_t masks[BPF_MAXINSNS];
	uint16_t memvalid = 0;
	memset(masks, 0xff, len * sizeof(masks[0]));
	for (unsigned pc = 0; pc < len; pc++) {
		memvalid &= masks[pc];
		uint16_t code = f[pc].code;
		if (code == BPF_ST || code == BPF_STX) {
			memvalid |= (uint16_t)(1u << f[pc].k);
		} else if (code == (BPF_LD | BPF_MEM) || code == (BPF_LDX | BPF_MEM)) {
			if (!(memvalid & (1u << f[pc].k)))
				return -EINVAL;
		} else if (code == (BPF_JMP | BPF_JA)) {
			masks[pc + 1 + f[pc].k] &= memvalid;
			memvalid = 0xffff;
		} else if (is_cond_jump(code)) {
			masks[pc + 1 + f[pc].jt] &= memvalid;
			masks[pc + 1 + f[pc].jf] &= memvalid;
			memvalid = 0xffff;
		}
	}
	return 0;
}

int bpf_check_classic(const struct sock_filter *f, unsigned len)
{
	if (len == 0 || len > BPF_MAXINSNS)
		return -EINVAL;
	for (unsigned pc = 0; pc < len; pc++) {
		const struct sock_filter *t = &f[pc];
		if (!code_allowed(t->code))
			return -EINVAL;
		switch (t->code) {
		case BPF_ALU | BPF_DIV | BPF_K:
		case BPF_ALU | BPF_MOD | BPF_K:
			if (t->k == 0)
				return -EINVAL;
			break;
		case BPF_ALU | BPF_LSH | BPF_K:
		case BPF_ALU | BPF_RSH | BPF_K:
			if (t->k >= 32)
				return -EINVAL;
			break;
		case BPF_LD | BPF_MEM:
		case BPF_LDX | BPF_MEM:
		case BPF_ST:
		case BPF_STX:
			if (t->k >= BPF_MEMWORDS)
				return -EINVAL;
			break;
		case BPF_JMP | BPF_JA:
			if (t->k >= len - pc - 1)
				return -EINVAL;
			break;
		case BPF_LD | BPF_W | BPF_ABS:
		case BPF_LD | BPF_H | BPF_ABS:
		case BPF_LD | BPF_B | BPF_ABS:
			/* Linux's socket extensions live up there: a caller that
			 * knows none (seccomp) refuses them afterwards anyway. */
			break;
		default:
			if (is_cond_jump(t->code) && (pc + t->jt + 1 >= len || pc + t->jf + 1 >= len))
				return -EINVAL;
		}
	}
	uint16_t last = f[len - 1].code;
	if (last != (BPF_RET | BPF_K) && last != (BPF_RET | BPF_A))
		return -EINVAL;
	return check_load_and_stores(f, len);
}

/* The second operand: K or X. */
static uint32_t operand(const struct sock_filter *t, uint32_t x)
{
	return BPF_SRC(t->code) == BPF_X ? x : t->k;
}

uint32_t bpf_run_classic(const struct sock_filter *f, const void *data, uint32_t size)
{
	uint32_t a = 0, x = 0, mem[BPF_MEMWORDS];
	for (unsigned pc = 0;; pc++) {
		const struct sock_filter *t = &f[pc];
		uint32_t v = operand(t, x);
		switch (t->code) {
		case BPF_RET | BPF_K:
			return t->k;
		case BPF_RET | BPF_A:
			return a;
		case BPF_LD | BPF_W | BPF_ABS:
			if ((uint64_t)t->k + 4 > size)
				return 0; /* out of the data: as a classic program, drop */
			memcpy(&a, (const char *)data + t->k, 4);
			break;
		case BPF_LD | BPF_W | BPF_LEN:
			a = size;
			break;
		case BPF_LDX | BPF_W | BPF_LEN:
			x = size;
			break;
		case BPF_LD | BPF_IMM:
			a = t->k;
			break;
		case BPF_LDX | BPF_IMM:
			x = t->k;
			break;
		case BPF_LD | BPF_MEM:
			a = mem[t->k];
			break;
		case BPF_LDX | BPF_MEM:
			x = mem[t->k];
			break;
		case BPF_ST:
			mem[t->k] = a;
			break;
		case BPF_STX:
			mem[t->k] = x;
			break;
		case BPF_MISC | BPF_TAX:
			x = a;
			break;
		case BPF_MISC | BPF_TXA:
			a = x;
			break;
		case BPF_ALU | BPF_NEG:
			a = -a;
			break;
		case BPF_JMP | BPF_JA:
			pc += t->k;
			break;
		default:
			if (BPF_CLASS(t->code) == BPF_ALU) {
				switch (BPF_OP(t->code)) {
				case BPF_ADD: a += v; break;
				case BPF_SUB: a -= v; break;
				case BPF_MUL: a *= v; break;
				case BPF_AND: a &= v; break;
				case BPF_OR: a |= v; break;
				case BPF_XOR: a ^= v; break;
				case BPF_LSH: a <<= v & 31; break;
				case BPF_RSH: a >>= v & 31; break;
				case BPF_DIV: /* by X == 0: the program returns 0, as Linux's */
					if (!v)
						return 0;
					a /= v;
					break;
				case BPF_MOD:
					if (!v)
						return 0;
					a %= v;
					break;
				default:
					return 0;
				}
			} else if (is_cond_jump(t->code)) {
				bool taken = BPF_OP(t->code) == BPF_JEQ   ? a == v
					     : BPF_OP(t->code) == BPF_JGT ? a > v
					     : BPF_OP(t->code) == BPF_JGE ? a >= v
									  : (a & v) != 0;
				pc += taken ? t->jt : t->jf;
			} else {
				return 0; /* an opcode the caller's check refused */
			}
		}
	}
}
