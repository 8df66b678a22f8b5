/* vdso_image.S - the vDSO shared object (guest/vdso/, built by
 * guest/CMakeLists.txt) as bytes of vmemu, for mm/vdso.c to map. */
	.section .rodata
	.balign 16
	.globl vdso_image_start, vdso_image_end
vdso_image_start:
	.incbin VDSO_SO
vdso_image_end:

	.section .note.GNU-stack, "", @progbits
