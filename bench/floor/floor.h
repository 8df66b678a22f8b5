/* floor.h - the floor runner: a guest program on raw Unicorn with no MMU
 * model and no guest kernel, to measure what Unicorn itself costs.
 *
 * Guest-physical memory is one host buffer mapped at physical address 0,
 * and every virtual address is its own physical address (an identity TLB
 * fill), so a guest pointer p is the host pointer mem + p. The program is
 * loaded where its ELF says (ET_EXEC only), brk grows above it, mmap hands
 * out memory from a bump region above brk's, and the stack ends at the top
 * of the buffer. System calls go to the host, with pointers translated. */
#ifndef FLOOR_H
#define FLOOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <unicorn/unicorn.h>

#define FLOOR_PAGE 4096ULL
#define FLOOR_MEM_SIZE (8ULL << 30)		     /* virtual = physical space */
#define FLOOR_MMAP_BASE (4ULL << 30)		     /* bump region for mmap */
#define FLOOR_STACK_SIZE (8ULL << 20)
#define FLOOR_STACK_TOP FLOOR_MEM_SIZE
#define FLOOR_MMAP_END (FLOOR_STACK_TOP - FLOOR_STACK_SIZE)
#define FLOOR_MAX_EXEC 4 /* executable segments */

struct floor {
	uc_engine *uc;
	uint8_t *mem; /* FLOOR_MEM_SIZE bytes, NORESERVE */
	struct {
		uint64_t start, end;
	} exec[FLOOR_MAX_EXEC]; /* pages that may be fetched (not written) */
	int nexec;
	uint64_t brk_start, brk;
	uint64_t mmap_top; /* the bump pointer of the mmap region */
	uint64_t fills;	   /* TLB fills Unicorn asked for */
	bool exited;
	int exit_status;
};

static inline uint64_t floor_page_up(uint64_t x)
{
	return (x + FLOOR_PAGE - 1) & ~(FLOOR_PAGE - 1);
}

/* Host address of guest range [va, va + len), or NULL outside memory. */
static inline void *floor_ptr(const struct floor *f, uint64_t va, uint64_t len)
{
	if (va >= FLOOR_MEM_SIZE || len > FLOOR_MEM_SIZE - va)
		return NULL;
	return f->mem + va;
}

/* load.c: loads the static ELF at path and builds the initial stack (argv,
 * envp, auxv). Sets the exec ranges and brk; *entry and *sp for the CPU.
 * Returns 0 or -1 with a message on stderr. */
int floor_load(struct floor *f, const char *path, char *const argv[], char *const envp[],
	       uint64_t *entry, uint64_t *sp);

/* mem.c: brk and mmap over the bump regions; results as the system calls'. */
int64_t floor_brk(struct floor *f, uint64_t addr);
int64_t floor_mmap(struct floor *f, uint64_t addr, uint64_t len, int prot, int flags, int fd,
		   int64_t off);
int64_t floor_munmap(struct floor *f, uint64_t addr, uint64_t len);
int64_t floor_mremap(struct floor *f, uint64_t old, uint64_t old_len, uint64_t new_len,
		     int flags);
int64_t floor_madvise(struct floor *f, uint64_t addr, uint64_t len, int advice);

/* sys.c: the SYSCALL hook. */
void floor_syscall(uc_engine *uc, void *user);

#endif
