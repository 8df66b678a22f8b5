/* load.c - loader_exec: builds a process image from a validated ELF file.
 *
 * The new address space is built completely before it replaces the old one,
 * so a failure leaves the process as it was (Linux instead kills a process
 * that fails after execve's point of no return). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <unistd.h>

#include "kern.h"
#include "mm/mm.h"
#include "task/task.h"
#include "loader_int.h"

/* Linux's ELF_ET_DYN_BASE (two thirds of the 47-bit user space),
 * page-aligned up: the brk of an ET_DYN program with no interpreter. */
#define STATIC_PIE_BRK UINT64_C(0x555555555000)

/* elf_prot() answers in PROT_*; the kernel's VM_* flags use the same bits. */
_Static_assert(VM_READ == PROT_READ && VM_WRITE == PROT_WRITE && VM_EXEC == PROT_EXEC,
	       "VM_* and PROT_* differ");
_Static_assert(LOADER_STACK_TOP == USER_TOP, "the loader and the kernel disagree on user space");

static uint64_t seg_start(const struct elf_info *info, int i)
{
	return loader_page_down(info->load_bias + info->seg[i].vaddr);
}

static uint64_t seg_end(const struct elf_info *info, int i)
{
	return loader_page_up(info->load_bias + info->seg[i].vaddr + info->seg[i].memsz);
}

/* The union of the permissions of the segments on page va: a page shared by
 * two segments (one's end, the next one's start) must allow what each of
 * them allows, or one of them breaks. (Linux lets the later mapping win.) */
static unsigned page_prot(const struct elf_info *info, uint64_t va)
{
	unsigned prot = 0;

	for (int i = 0; i < info->nseg; i++)
		if (seg_start(info, i) <= va && va < seg_end(info, i))
			prot |= elf_prot(info->seg[i].flags);
	return prot;
}

/* The fallback when a page holds parts of two segments, or when the file
 * cannot be cached: maps every PT_LOAD writable and anonymous, copies its
 * file bytes (the rest up to p_memsz stays demand-zero), then gives each
 * page its final permissions. All segments are mapped before any is
 * written: a shared page mapped again would lose what was copied into it. */
static int copy_segments(struct kernel *k, struct mm *mm, const struct elf_info *info,
			 const uint8_t *data)
{
	int64_t r = 0;

	for (int i = 0; i < info->nseg && r >= 0; i++)
		r = mm_map(k, mm, seg_start(info, i), seg_end(info, i) - seg_start(info, i),
			   VM_READ | VM_WRITE, true);
	for (int i = 0; i < info->nseg && r >= 0; i++)
		r = mm_write_force(k, mm, info->load_bias + info->seg[i].vaddr,
				   data + info->seg[i].offset, info->seg[i].filesz);
	for (int i = 0; i < info->nseg && r >= 0; i++)
		r = mm_protect(k, mm, seg_start(info, i), seg_end(info, i) - seg_start(info, i),
			       elf_prot(info->seg[i].flags));
	/* Only a first page can be shared with an earlier segment. */
	for (int i = 1; i < info->nseg && r >= 0; i++)
		if (seg_start(info, i) < seg_end(info, i - 1))
			r = mm_protect(k, mm, seg_start(info, i), LOADER_PAGE_SIZE,
				       page_prot(info, seg_start(info, i)));
	return r < 0 ? (int)r : 0;
}

/* Some page holds the end of one segment and the start of the next. */
static bool pages_shared(const struct elf_info *info)
{
	for (int i = 1; i < info->nseg; i++)
		if (seg_start(info, i) < seg_end(info, i - 1))
			return true;
	return false;
}

/* Linux's padzero: the bytes of [va, va + len) in the last file page read
 * as zero; the write gives the process its own copy of that page. */
static int pad_zero(struct kernel *k, struct mm *mm, uint64_t va, uint64_t len)
{
	static const uint8_t zeroes[LOADER_PAGE_SIZE];

	return mm_write_force(k, mm, va, zeroes, len);
}

/* One PT_LOAD as binfmt_elf maps it: a private map of the file's pages
 * over the page cache (read at first touch, shared until written), the
 * part of the last file page past p_filesz zeroed when the segment is
 * writable or has bss, and anonymous zero pages for the rest of p_memsz. */
static int map_segment(struct kernel *k, struct mm *mm, const struct elf_info *info, int i,
		       struct mapping *m)
{
	const struct elf_segment *s = &info->seg[i];
	unsigned prot = elf_prot(s->flags);
	uint64_t start = seg_start(info, i), end = seg_end(info, i);
	uint64_t file_end = info->load_bias + s->vaddr + s->filesz;
	uint64_t map_end = s->filesz ? loader_page_up(file_end) : start;
	int64_t r = 0;

	if (map_end > start)
		r = mm_map_pages(k, mm, start, map_end - start, prot, true, m,
				 loader_page_down(s->offset) / LOADER_PAGE_SIZE, NULL);
	if (r >= 0 && end > map_end)
		r = mm_map(k, mm, map_end, end - map_end, prot, true);
	if (r >= 0 && file_end < map_end && ((prot & VM_WRITE) || s->memsz > s->filesz))
		r = pad_zero(k, mm, file_end, map_end - file_end);
	return r < 0 ? (int)r : 0;
}

/* Maps the segments from the page cache of the file, or copies them when
 * segments share a page (see copy_segments). */
int load_segments(struct kernel *k, struct mm *mm, const struct elf_info *info,
		  const struct exe_file *f)
{
	struct mapping *m = pages_shared(info) ? NULL : filemap_get(k, f->fd, NULL);
	int r = 0;

	if (!m)
		return copy_segments(k, mm, info, f->data);
	for (int i = 0; i < info->nseg && r == 0; i++)
		r = map_segment(k, mm, info, i, m);
	mapping_put(m);
	return r;
}

/* The stack VMA's size: 8 MiB, or less under a lower RLIMIT_STACK (the
 * stack does not grow: its VMA is as big as Linux's may grow), never less
 * than the initial stack from sp up (Linux's setup_arg_pages). */
static uint64_t stack_size(uint64_t limit, uint64_t sp)
{
	uint64_t size = LOADER_STACK_SIZE, used = LOADER_STACK_TOP - loader_page_down(sp);
	if (limit < size)
		size = loader_page_down(limit);
	return size < used ? used : size;
}

/* Maps the stack VMA (the kernel names it "[stack]" by VM_STACK) and
 * writes the initial stack into it; *sp is rsp at entry. */
static int load_stack(struct kernel *k, struct mm *mm, const struct elf_info *info,
		      const struct cred *cred, uint64_t stack_limit, uint64_t interp_base,
		      uint64_t vdso, const char *path,
		      char *const argv[], char *const envp[], uint64_t *sp, char *err,
		      size_t errlen)
{
	struct stack_params prm = {
		.top = LOADER_STACK_TOP,
		.interp_base = interp_base,
		.vdso = vdso,
		.execfn = path,
		.uid = cred->uid,
		.euid = cred->euid,
		.gid = cred->gid,
		.egid = cred->egid,
		/* Linux's secureexec for a file without set-id bits or
		 * capabilities: the effective ids differ from the real ones. */
		.secure = cred->euid != cred->uid || cred->egid != cred->gid,
	};
	unsigned flags = VM_READ | VM_WRITE | VM_GROWSDOWN | VM_STACK;
	struct stack_image img;
	char msg[256];
	int64_t r;

	if (getrandom(prm.random, sizeof prm.random, 0) != sizeof prm.random) {
		snprintf(err, errlen, "%s: no random bytes for AT_RANDOM: %s", path,
			 strerror(errno));
		return -1;
	}
	if (stack_image_build(info, &prm, argv, envp, &img, msg, sizeof msg)) {
		snprintf(err, errlen, "%s: %s", path, msg);
		return -1;
	}
	if (elf_prot((uint32_t)info->stack_flags) & PROT_EXEC)
		flags |= VM_EXEC;
	mm->stack_top = LOADER_STACK_TOP;
	mm->env_start = img.env_start;
	mm->env_end = img.env_end;
	mm->auxv_start = img.auxv_start;
	mm->auxv_end = img.auxv_end;
	uint64_t size = stack_size(stack_limit, img.sp);
	r = mm_map(k, mm, LOADER_STACK_TOP - size, size, flags, true);
	if (r >= 0)
		r = mm_write_force(k, mm, img.sp, img.buf, img.size);
	*sp = img.sp;
	stack_image_free(&img);
	if (r < 0) {
		snprintf(err, errlen, "%s: cannot build the stack: %s", path, strerror((int)-r));
		return -1;
	}
	return 0;
}

/* Builds the whole image into a new mm: the program, its interpreter if
 * it names one, the stack. *entry is where it starts. *status is 126, or
 * 127 for an interpreter that does not exist, when NULL is returned. */
static struct mm *build_image(struct kernel *k, const struct elf_info *info,
			      const struct exe_file *f, const struct cred *cred, uint64_t stack_limit,
			      const char *path, char *const argv[],
			      char *const envp[], uint64_t *sp, uint64_t *entry, int *status,
			      char *err, size_t errlen)
{
	struct mm *mm = mm_create(k);
	uint64_t interp_base = 0;
	int r;

	*status = 126;
	if (!mm) {
		snprintf(err, errlen, "%s: out of guest memory", path);
		return NULL;
	}
	mm_pick_mmap_layout(mm, stack_limit);
	/* An ET_DYN program with no interpreter (a static-pie, or ld.so run
	 * as the program) goes where mmap would put it, top down below the
	 * mmap base, as Linux's load_elf_binary maps it (load_bias 0);
	 * ELF_ET_DYN_BASE is for the programs an interpreter loads. Its brk
	 * moves to where such a program would be, Linux's ELF_ET_DYN_BASE
	 * page-aligned up (Linux 6.10 and later, randomization or not). */
	struct elf_info placed;
	if (info->type == ELF_TYPE_DYN && !info->interp_off) {
		uint64_t addr = mm_get_unmapped_area(k, mm, 0, info->hi - info->lo);
		if (!addr) {
			snprintf(err, errlen, "%s: no room for the program", path);
			goto fail;
		}
		placed = *info;
		placed.load_bias = addr - info->lo;
		info = &placed;
	}
	r = load_segments(k, mm, info, f);
	if (r < 0) {
		snprintf(err, errlen, "%s: cannot load the segments: %s", path, strerror(-r));
		goto fail;
	}
	mm->start_brk = mm->brk = info == &placed ? STATIC_PIE_BRK : info->load_bias + info->hi;
	*entry = info->load_bias + info->entry;
	if (info->interp_off) {
		*status = interp_load(k, mm, (const char *)f->data + info->interp_off, &interp_base,
				      entry, err, errlen);
		if (*status)
			goto fail;
		*status = 126;
	}
	/* After the interpreter, top down, as Linux's arch_setup_additional_pages. */
	int64_t vdso = map_vdso(k, mm);
	if (vdso < 0) {
		snprintf(err, errlen, "%s: cannot map the vDSO: %s", path, strerror((int)-vdso));
		goto fail;
	}
	if (load_stack(k, mm, info, cred, stack_limit, interp_base, (uint64_t)vdso, path, argv,
		       envp, sp, err, errlen))
		goto fail;
	return mm;
fail:
	mm_destroy(k, mm);
	return NULL;
}

/* comm: the basename, cut to 15 characters as Linux does. */
static void set_comm(struct process *p, const char *path)
{
	const char *base = strrchr(path, '/');

	snprintf(p->comm, sizeof p->comm, "%s", base ? base + 1 : path);
}

int loader_exec(struct kernel *k, struct process *p, const char *host_path, const char *path,
		char *const argv[], char *const envp[], char *err, size_t errlen)
{
	struct exe_file f;
	struct elf_info info;
	struct mm *mm = NULL;
	char msg[256];
	uint64_t sp, entry;
	int r, status = 126;

	r = exe_file_read(host_path, &f, err, errlen);
	if (r)
		return r;
	if (elf_validate(f.data, f.len, &info, msg, sizeof msg))
		snprintf(err, errlen, "%s: %s", path, msg);
	else
		mm = build_image(k, &info, &f, &p->cred, task_rlimit(p, RLIMIT_STACK), path, argv, envp, &sp, &entry, &status, err,
				 errlen);
	/* /proc/PID/exe: the file itself, not its name. */
	r = mm ? process_set_exe_file(k, p, f.fd) : 0;
	if (r < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(-r));
		mm_destroy(k, mm);
		mm = NULL;
	}
	exe_file_free(&f);
	if (!mm)
		return status;
	if (p->mm)
		mm_put(k, p->mm);
	p->mm = mm;
	cpu_context_reset(&p->ctx);
	p->ctx.rip = entry;
	p->ctx.rsp = sp;
	set_comm(p, path);
	return 0;
}
