/* seccomp_abi.h - what the guest seccomp tests need of <linux/filter.h>
 * and <linux/seccomp.h>, which musl has not: classic-BPF instructions,
 * struct seccomp_data, the operations, flags and actions (Linux's ABI). */
#ifndef SECCOMP_ABI_H
#define SECCOMP_ABI_H

#include <stddef.h>
#include <stdint.h>

struct sock_filter {
	uint16_t code;
	uint8_t jt, jf;
	uint32_t k;
};
struct sock_fprog {
	unsigned short len;
	struct sock_filter *filter;
};
struct seccomp_data {
	int nr;
	uint32_t arch;
	uint64_t instruction_pointer;
	uint64_t args[6];
};
#define BPF_LD 0x00
#define BPF_LDX 0x01
#define BPF_ST 0x02
#define BPF_ALU 0x04
#define BPF_JMP 0x05
#define BPF_RET 0x06
#define BPF_MISC 0x07
#define BPF_W 0x00
#define BPF_H 0x08
#define BPF_ABS 0x20
#define BPF_MEM 0x60
#define BPF_IMM 0x00
#define BPF_LEN 0x80
#define BPF_DIV 0x30
#define BPF_MOD 0x90
#define BPF_OR 0x40
#define BPF_AND 0x50
#define BPF_JA 0x00
#define BPF_TXA 0x80
#define BPF_JEQ 0x10
#define BPF_K 0x00
#define BPF_A 0x10
#define STMT(c, k) {(uint16_t)(c), 0, 0, (uint32_t)(k)}
#define JUMP(c, k, t, f) {(uint16_t)(c), (uint8_t)(t), (uint8_t)(f), (uint32_t)(k)}
#define LD_NR STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr))

#define SECCOMP_MODE_STRICT 1
#define SECCOMP_MODE_FILTER 2
#define SECCOMP_SET_MODE_STRICT 0
#define SECCOMP_SET_MODE_FILTER 1
#define SECCOMP_GET_ACTION_AVAIL 2
#define SECCOMP_GET_NOTIF_SIZES 3
#define FLAG_TSYNC 1u
#define FLAG_TSYNC_ESRCH 16u
#define RET_KILL_PROCESS 0x80000000u
#define RET_KILL_THREAD 0x00000000u
#define RET_TRAP 0x00030000u
#define RET_ERRNO 0x00050000u
#define RET_USER_NOTIF 0x7fc00000u
#define RET_TRACE 0x7ff00000u
#define RET_LOG 0x7ffc0000u
#define RET_ALLOW 0x7fff0000u

#endif
