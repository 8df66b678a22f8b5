/* load.c - the floor runner's ELF loader: a static ET_EXEC x86-64 program
 * copied into memory at its own addresses, and the System V initial stack
 * (argc, argv, envp, auxv) that musl's and glibc's start code read. */
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "floor.h"

static int bad(const char *path, const char *why)
{
	fprintf(stderr, "floor: %s: %s\n", path, why);
	return -1;
}

static int read_at(int fd, void *buf, size_t n, off_t off)
{
	return pread(fd, buf, n, off) == (ssize_t)n ? 0 : -1;
}

static int load_segments(struct floor *f, int fd, const char *path, const Elf64_Ehdr *eh,
			 uint64_t *phdr_va)
{
	*phdr_va = 0;
	for (int i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr ph;
		if (read_at(fd, &ph, sizeof(ph), (off_t)(eh->e_phoff + (uint64_t)i * sizeof(ph))))
			return bad(path, "cannot read a program header");
		if (ph.p_type != PT_LOAD)
			continue;
		void *dst = floor_ptr(f, ph.p_vaddr, ph.p_memsz);
		if (!dst || ph.p_filesz > ph.p_memsz || ph.p_vaddr + ph.p_memsz > FLOOR_MMAP_BASE)
			return bad(path, "a segment lies outside the floor's memory");
		if (read_at(fd, dst, ph.p_filesz, (off_t)ph.p_offset))
			return bad(path, "cannot read a segment");
		if (eh->e_phoff >= ph.p_offset && eh->e_phoff < ph.p_offset + ph.p_filesz)
			*phdr_va = ph.p_vaddr + (eh->e_phoff - ph.p_offset);
		if (ph.p_flags & PF_X) {
			if (f->nexec == FLOOR_MAX_EXEC)
				return bad(path, "too many executable segments");
			f->exec[f->nexec].start = ph.p_vaddr & ~(FLOOR_PAGE - 1);
			f->exec[f->nexec].end = floor_page_up(ph.p_vaddr + ph.p_memsz);
			f->nexec++;
		}
		uint64_t end = floor_page_up(ph.p_vaddr + ph.p_memsz);
		if (end > f->brk_start)
			f->brk_start = end;
	}
	f->brk = f->brk_start;
	return 0;
}

/* Pushes n bytes at the stack pointer *sp (moving down) and returns their address. */
static uint64_t push(struct floor *f, uint64_t *sp, const void *data, size_t n)
{
	*sp -= n;
	memcpy(f->mem + *sp, data, n);
	return *sp;
}

static int count(char *const v[])
{
	int n = 0;
	while (v[n])
		n++;
	return n;
}

static int build_stack(struct floor *f, const Elf64_Ehdr *eh, uint64_t phdr_va,
		       char *const argv[], char *const envp[], uint64_t *sp_out)
{
	uint64_t sp = FLOOR_STACK_TOP;
	int argc = count(argv), envc = count(envp);
	uint64_t ptrs[argc + envc];
	size_t strings = 0;
	for (int i = 0; i < argc; i++)
		strings += strlen(argv[i]) + 1;
	for (int i = 0; i < envc; i++)
		strings += strlen(envp[i]) + 1;
	if (strings > FLOOR_STACK_SIZE / 2) {
		fprintf(stderr, "floor: arguments and environment too large\n");
		return -1;
	}
	for (int i = envc - 1; i >= 0; i--)
		ptrs[argc + i] = push(f, &sp, envp[i], strlen(envp[i]) + 1);
	for (int i = argc - 1; i >= 0; i--)
		ptrs[i] = push(f, &sp, argv[i], strlen(argv[i]) + 1);
	static const char platform[] = "x86_64";
	uint64_t platform_va = push(f, &sp, platform, sizeof(platform));
	uint8_t random[16];
	for (int i = 0; i < 16; i++)
		random[i] = (uint8_t)(i * 37 + 11); /* the same every run */
	uint64_t random_va = push(f, &sp, random, sizeof(random));
	uint64_t auxv[][2] = {
		{AT_PHDR, phdr_va},	   {AT_PHENT, sizeof(Elf64_Phdr)}, {AT_PHNUM, eh->e_phnum},
		{AT_PAGESZ, FLOOR_PAGE},   {AT_ENTRY, eh->e_entry},	   {AT_UID, getuid()},
		{AT_EUID, geteuid()},	   {AT_GID, getgid()},		   {AT_EGID, getegid()},
		{AT_SECURE, 0},		   {AT_RANDOM, random_va},	   {AT_PLATFORM, platform_va},
		{AT_EXECFN, ptrs[0]},	   {AT_NULL, 0},
	};
	/* argc, argv[], NULL, envp[], NULL, auxv: 16-byte aligned at argc. */
	size_t words = 1 + (size_t)argc + 1 + (size_t)envc + 1 + sizeof(auxv) / 8;
	sp = (sp - words * 8) & ~15ULL;
	uint64_t *w = (uint64_t *)(f->mem + sp);
	*w++ = (uint64_t)argc;
	for (int i = 0; i < argc; i++)
		*w++ = ptrs[i];
	*w++ = 0;
	for (int i = 0; i < envc; i++)
		*w++ = ptrs[argc + i];
	*w++ = 0;
	memcpy(w, auxv, sizeof(auxv));
	*sp_out = sp;
	return 0;
}

int floor_load(struct floor *f, const char *path, char *const argv[], char *const envp[],
	       uint64_t *entry, uint64_t *sp)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		perror(path);
		return -1;
	}
	Elf64_Ehdr eh;
	uint64_t phdr_va;
	int r = -1;
	if (read_at(fd, &eh, sizeof(eh), 0) || memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_machine != EM_X86_64)
		bad(path, "not an x86-64 ELF64 file");
	else if (eh.e_type != ET_EXEC)
		bad(path, "not a static ET_EXEC program (the floor runner loads no other)");
	else if (!load_segments(f, fd, path, &eh, &phdr_va) &&
		 !build_stack(f, &eh, phdr_va, argv, envp, sp))
		r = 0;
	close(fd);
	*entry = eh.e_entry;
	f->mmap_top = FLOOR_MMAP_BASE;
	return r;
}
