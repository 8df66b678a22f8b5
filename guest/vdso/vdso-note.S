/* vdso-note.S - the vDSO's "Linux" ELF note, as Linux's: the version
 * code of the kernel whose ABI vmemu follows (6.1.0). */
	.section .note.Linux, "a", @note
	.balign 4
	.long 2f - 1f		/* namesz */
	.long 4f - 3f		/* descsz */
	.long 0			/* type */
1:	.asciz "Linux"
2:	.balign 4
3:	.long 0x060100		/* KERNEL_VERSION(6, 1, 0) */
4:	.balign 4

	.section .note.GNU-stack, "", @progbits
