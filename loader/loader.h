/* loader.h - ELF64 x86-64 validation and loading, initial stack and auxv. */
#ifndef VMEMU_LOADER_H
#define VMEMU_LOADER_H

#include <stddef.h>
#include <stdint.h>

struct kernel;
struct process;

#define ELF_MAX_SEGMENTS 64 /* PT_LOAD entries with a nonzero p_memsz */

/* Address-space layout of a new image (Linux's values, without ASLR). */
#define ELF_ET_DYN_BASE UINT64_C(0x555555554000) /* where an ET_DYN image starts */
#define LOADER_TASK_SIZE UINT64_C(0x7ffffffff000) /* end of user space, 4-level paging */
#define LOADER_STACK_TOP LOADER_TASK_SIZE
#define LOADER_STACK_SIZE (UINT64_C(8) << 20)
#define LOADER_MMAP_MIN_ADDR UINT64_C(0x10000) /* Linux's default vm.mmap_min_addr */

struct elf_segment {
	uint64_t vaddr, memsz, offset, filesz, align;
	uint32_t flags; /* PF_R | PF_W | PF_X */
};

/* What validation learned about a file. */
struct elf_info {
	uint16_t type;        /* ET_EXEC or ET_DYN */
	uint64_t entry;       /* as in the header (add the load bias for ET_DYN) */
	uint64_t phoff;
	uint16_t phnum, phentsize;
	uint64_t phdr_vaddr;  /* where the program headers are in memory, 0 if not loaded */
	uint64_t lo, hi;      /* page-aligned span of the PT_LOAD segments */
	uint64_t load_bias;   /* added to every address: 0 for ET_EXEC, so that an
			       * ET_DYN image starts at ELF_ET_DYN_BASE (one with no
			       * interpreter moves where mmap puts it: load.c) */
	int nseg;
	struct elf_segment seg[ELF_MAX_SEGMENTS]; /* sorted by vaddr, disjoint */
	uint64_t stack_flags; /* PT_GNU_STACK p_flags, or PF_R|PF_W if absent */
	uint64_t interp_off;  /* PT_INTERP: the interpreter's path at this file
			       * offset (NUL-terminated); 0 when there is none */
};

/* Checks every header field of the ELF image in data[0..len). Returns 0, or
 * -1 with one message naming the problem in err. */
int elf_validate(const uint8_t *data, size_t len, struct elf_info *info, char *err, size_t errlen);

/* Replaces p's address space with the program in the host file host_path,
 * which the guest calls `path` (AT_EXECFN, comm, messages): segments, brk,
 * stack with argv, envp and auxv; sets p->ctx (rip, rsp), p->exe_file
 * (the open file: /proc/PID/exe) and p->comm. argv and envp may be NULL
 * (empty).
 * Returns 0; or 127 (cannot open: not found) / 126 (not a valid
 * executable, or it cannot be loaded) with "PATH: reason" in err, and p
 * unchanged. On success the old p->mm is destroyed: when p is running, the
 * caller loads the new CR3. */
int loader_exec(struct kernel *k, struct process *p, const char *host_path, const char *path,
		char *const argv[], char *const envp[], char *err, size_t errlen);

#endif
