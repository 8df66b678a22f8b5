/* stubs.S - the few instructions the oracle runs around one access.
 *
 * Copied into the infrastructure frames (layout.h), kernel stubs at
 * WD_KCODE_VA, user stubs at WD_UCODE_VA. Every stub performs one access
 * through %rax (a store writes %rbx) and jumps to its page's done label, an
 * exit address: Unicorn stops there without running it. A byte that no
 * stub executes sits before each done label because Unicorn, after every
 * run, drops translated code covering exit - 1. */

	.section .rodata
	.balign 16

	.globl wd_kstub, wd_kstub_end
	.globl wd_k_read, wd_k_write, wd_k_fetch, wd_k_sysret, wd_k_load_ds, wd_k_done
wd_kstub:
wd_k_read:
	mov	(%rax), %rbx
	jmp	.Lk_done
wd_k_write:
	mov	%rbx, (%rax)
	jmp	.Lk_done
wd_k_fetch:
	jmp	*%rax
wd_k_sysret:			/* to CPL 3 at %rcx with RFLAGS = %r11 */
	sysretq
wd_k_load_ds:			/* #GP(selector) when %ax is past the GDT limit */
	mov	%ax, %ds
	jmp	.Lk_done
	int3
wd_k_done:
.Lk_done:
	hlt
wd_kstub_end:

	.globl wd_ustub, wd_ustub_end
	.globl wd_u_read, wd_u_write, wd_u_fetch, wd_u_done
wd_ustub:
wd_u_read:
	mov	(%rax), %rbx
	jmp	.Lu_done
wd_u_write:
	mov	%rbx, (%rax)
	jmp	.Lu_done
wd_u_fetch:
	jmp	*%rax
	int3
wd_u_done:
.Lu_done:
	hlt
wd_ustub_end:

	.section .note.GNU-stack, "", @progbits
