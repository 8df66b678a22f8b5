/* loader_int.h - what the files of loader/ share. Nothing here includes
 * <elf.h> and the guest kernel's headers together: mmu.h's PF_W (a #PF
 * error-code bit) would clash with <elf.h>'s PF_W (a segment flag). */
#ifndef VMEMU_LOADER_INT_H
#define VMEMU_LOADER_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loader.h"

#define LOADER_PAGE_SIZE UINT64_C(4096)
#define ELF_TYPE_DYN 3 /* <elf.h>'s ET_DYN, for the files that cannot include it */

static inline uint64_t loader_page_down(uint64_t a)
{
	return a & ~(LOADER_PAGE_SIZE - 1);
}

/* The caller makes sure a + LOADER_PAGE_SIZE - 1 does not overflow. */
static inline uint64_t loader_page_up(uint64_t a)
{
	return loader_page_down(a + LOADER_PAGE_SIZE - 1);
}

/* PROT_READ / PROT_WRITE / PROT_EXEC for a segment's PF_R / PF_W / PF_X. */
unsigned elf_prot(uint32_t p_flags);

/* ---- the host file (exe_file.c) ---- */

struct exe_file {
	uint8_t *data; /* the whole file, NULL when empty */
	size_t len;
	int fd;        /* the open host file (for the page cache), -1 after free */
};

/* Reads the host file path, and keeps it open in f->fd (for the page
 * cache). Returns 0; 127 when it does not exist; 126 when it cannot be
 * executed (a directory, not a regular file, no execute permission,
 * unreadable), with "PATH: reason" in err. */
int exe_file_read(const char *path, struct exe_file *f, char *err, size_t errlen);
void exe_file_free(struct exe_file *f);

/* ---- the image (load.c, interp.c) ---- */

struct kernel;
struct mm;

/* Maps the PT_LOAD segments of a validated file into mm at info's load
 * bias, over the page cache of the file. 0 or -errno. */
int load_segments(struct kernel *k, struct mm *mm, const struct elf_info *info,
		  const struct exe_file *f);
/* Loads the interpreter the guest calls name into mm (interp.c): *base is
 * its load bias (AT_BASE), *entry where the program starts. 0; or 127 /
 * 126, as loader_exec, with "NAME: reason" in err. */
int interp_load(struct kernel *k, struct mm *mm, const char *name, uint64_t *base,
		uint64_t *entry, char *err, size_t errlen);

/* ---- the initial stack (stack.c) ---- */

/* What the new program finds on its stack besides argv and envp. */
struct stack_params {
	uint64_t top;         /* highest stack address (exclusive) */
	const char *execfn;   /* AT_EXECFN: the path as given to exec */
	uint8_t random[16];   /* AT_RANDOM bytes */
	uint64_t interp_base; /* AT_BASE: the interpreter's load bias, 0 without one */
	uint64_t vdso;        /* AT_SYSINFO_EHDR: where the vDSO is */
	uint64_t uid, euid, gid, egid;
	bool secure;          /* AT_SECURE */
};

/* The bytes of [sp, top), ready to be written into the new address space. */
struct stack_image {
	uint8_t *buf;
	uint64_t sp;   /* rsp at entry: 16-byte aligned, points at argc */
	uint64_t size; /* top - sp */
	/* The environment strings and the auxiliary vector (AT_NULL pair
	 * included), as [start, end): /proc/PID/environ and auxv. */
	uint64_t env_start, env_end, auxv_start, auxv_end;
};

/* Lays out the initial stack of the SysV x86-64 ABI (3.4.1) the way Linux's
 * binfmt_elf does: strings at the top, then AT_PLATFORM and AT_RANDOM
 * bytes, then argc, argv[], NULL, envp[], NULL and the auxiliary vector.
 * argv and envp may be NULL (empty). Returns 0, or -1 with a message. */
int stack_image_build(const struct elf_info *info, const struct stack_params *sp,
		      char *const argv[], char *const envp[], struct stack_image *img,
		      char *err, size_t errlen);
void stack_image_free(struct stack_image *img);

#endif
