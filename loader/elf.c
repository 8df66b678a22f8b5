/* elf.c - checks an ELF64 x86-64 executable before anything is loaded.
 *
 * Every header field the loader relies on is checked, one message per
 * problem; segment numbers in messages are program header numbers (from 0,
 * as readelf counts them). Decisions where the ELF spec leaves room or
 * Linux is more lenient:
 *  - PT_LOAD entries must be sorted by p_vaddr, as the ELF spec requires
 *    (Linux maps unsorted ones but sizes the image from the first and last
 *    entry only). Two segments may share a page, never a byte.
 *  - p_vaddr and p_offset must agree modulo the page size even when p_align
 *    is smaller: Linux maps segments with mmap and refuses such files.
 *  - A PT_LOAD with p_memsz 0 maps nothing and is skipped, as in Linux.
 *  - e_flags (x86-64 defines none), EI_ABIVERSION and the e_ident padding
 *    are ignored, as in Linux.
 *  - The section header table is not needed to run, but when present it must
 *    lie inside the file: a file cut short loses it first.
 *  - PT_INTERP names the interpreter: a path of 1 to PATH_MAX - 1 bytes
 *    ending in its NUL, as Linux's load_elf_binary wants; the first one
 *    counts, as there.
 */
#include <elf.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "loader_int.h"

/* Linux reads at most one page of program headers. */
#define ELF_MAX_PHNUM (LOADER_PAGE_SIZE / sizeof(Elf64_Phdr))

struct checker {
	const uint8_t *data;
	size_t len;
	struct elf_info *info;
	unsigned seg_phdr[ELF_MAX_SEGMENTS]; /* program header number of info->seg[i] */
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 2, 3))) static int fail(struct checker *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, c->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static bool in_file(const struct checker *c, uint64_t off, uint64_t size)
{
	return off <= c->len && size <= c->len - off;
}

/* Whether [a, a + size) lies inside segment s. */
static bool seg_contains(const struct elf_segment *s, uint64_t a, uint64_t size)
{
	return a >= s->vaddr && a - s->vaddr <= s->memsz && size <= s->memsz - (a - s->vaddr);
}

unsigned elf_prot(uint32_t p_flags)
{
	return (p_flags & PF_R ? PROT_READ : 0) | (p_flags & PF_W ? PROT_WRITE : 0) |
	       (p_flags & PF_X ? PROT_EXEC : 0);
}

static int check_ident(struct checker *c)
{
	const uint8_t *id = c->data;
	size_t n = c->len < SELFMAG ? c->len : SELFMAG;

	if (n > 0 && memcmp(id, ELFMAG, n) != 0)
		return fail(c, "not an ELF file (bad magic)");
	if (c->len < sizeof(Elf64_Ehdr))
		return fail(c, "truncated ELF header (%zu bytes, need %zu)", c->len,
			    sizeof(Elf64_Ehdr));
	if (id[EI_CLASS] != ELFCLASS64)
		return fail(c, "not a 64-bit ELF (class %u)", id[EI_CLASS]);
	if (id[EI_DATA] != ELFDATA2LSB)
		return fail(c, "not little-endian (data encoding %u)", id[EI_DATA]);
	if (id[EI_VERSION] != EV_CURRENT)
		return fail(c, "unsupported ELF version (EI_VERSION %u)", id[EI_VERSION]);
	if (id[EI_OSABI] != ELFOSABI_SYSV && id[EI_OSABI] != ELFOSABI_GNU)
		return fail(c, "not a Linux program (EI_OSABI %u)", id[EI_OSABI]);
	return 0;
}

/* Not needed to run; checked so that a truncated file is noticed. */
static int check_shdr_table(struct checker *c, const Elf64_Ehdr *eh)
{
	/* With e_shnum 0 a table still has section 0 (extended numbering). */
	uint64_t n = eh->e_shnum ? eh->e_shnum : 1;

	if (eh->e_shoff == 0)
		return 0; /* no section header table */
	if (eh->e_shentsize != sizeof(Elf64_Shdr))
		return fail(c, "bad section header size (e_shentsize %u)", eh->e_shentsize);
	if (!in_file(c, eh->e_shoff, n * sizeof(Elf64_Shdr)))
		return fail(c, "section header table outside the file");
	if (eh->e_shnum && eh->e_shstrndx != SHN_XINDEX && eh->e_shstrndx >= eh->e_shnum)
		return fail(c, "bad section name table index (e_shstrndx %u)", eh->e_shstrndx);
	return 0;
}

static int check_ehdr(struct checker *c, const Elf64_Ehdr *eh)
{
	if (eh->e_version != EV_CURRENT)
		return fail(c, "unsupported ELF version (e_version %u)", eh->e_version);
	if (eh->e_machine != EM_X86_64)
		return fail(c, "not an x86-64 executable (e_machine %u)", eh->e_machine);
	if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN)
		return fail(c, "not an executable (e_type %u)", eh->e_type);
	if (eh->e_ehsize != sizeof(Elf64_Ehdr))
		return fail(c, "bad ELF header size (e_ehsize %u)", eh->e_ehsize);
	if (eh->e_phnum == 0)
		return fail(c, "no loadable segment (no program headers)");
	if (eh->e_phentsize != sizeof(Elf64_Phdr))
		return fail(c, "bad program header size (e_phentsize %u)", eh->e_phentsize);
	if (eh->e_phnum > ELF_MAX_PHNUM)
		return fail(c, "too many program headers (%u, at most %zu)", eh->e_phnum,
			    (size_t)ELF_MAX_PHNUM);
	if (!in_file(c, eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr)))
		return fail(c, "program header table outside the file");
	return check_shdr_table(c, eh);
}

/* The checks shared by every segment that has file bytes and an address. */
static int check_extent(struct checker *c, unsigned i, const Elf64_Phdr *ph)
{
	/* The end must survive rounding up to a page. */
	const uint64_t max_end = UINT64_MAX - (LOADER_PAGE_SIZE - 1);

	if (ph->p_filesz > ph->p_memsz)
		return fail(c, "segment %u: p_filesz > p_memsz (0x%" PRIx64 " > 0x%" PRIx64 ")", i,
			    ph->p_filesz, ph->p_memsz);
	if (!in_file(c, ph->p_offset, ph->p_filesz))
		return fail(c, "segment %u: file range outside the file (0x%" PRIx64 " + 0x%" PRIx64
			       " > 0x%zx)",
			    i, ph->p_offset, ph->p_filesz, c->len);
	if (ph->p_vaddr > max_end || ph->p_memsz > max_end - ph->p_vaddr)
		return fail(c, "segment %u: size overflows (p_vaddr 0x%" PRIx64 " + p_memsz 0x%" PRIx64
			       ")",
			    i, ph->p_vaddr, ph->p_memsz);
	/* p_align 0 and 1 mean no alignment. */
	if (ph->p_align > 1 && (ph->p_align & (ph->p_align - 1)) != 0)
		return fail(c, "segment %u: bad alignment (p_align 0x%" PRIx64 " is not a power of two)",
			    i, ph->p_align);
	if (ph->p_align > 1 && (ph->p_vaddr - ph->p_offset) % ph->p_align != 0)
		return fail(c, "segment %u: bad alignment (p_vaddr %% p_align != p_offset %% p_align)",
			    i);
	return 0;
}

static int add_load(struct checker *c, unsigned i, const Elf64_Phdr *ph)
{
	struct elf_info *info = c->info;
	struct elf_segment *s;

	if (check_extent(c, i, ph))
		return -1;
	if ((ph->p_vaddr - ph->p_offset) % LOADER_PAGE_SIZE != 0)
		return fail(c, "segment %u: bad alignment (p_vaddr and p_offset differ modulo the page size)",
			    i);
	if (ph->p_memsz == 0)
		return 0;
	if (info->nseg == ELF_MAX_SEGMENTS)
		return fail(c, "too many loadable segments (more than %d)", ELF_MAX_SEGMENTS);
	if (info->nseg > 0) {
		const struct elf_segment *prev = &info->seg[info->nseg - 1];
		unsigned prev_i = c->seg_phdr[info->nseg - 1];

		if (ph->p_vaddr < prev->vaddr)
			return fail(c, "segments %u and %u are not sorted by address", prev_i, i);
		if (ph->p_vaddr - prev->vaddr < prev->memsz)
			return fail(c, "segments %u and %u overlap", prev_i, i);
	}
	c->seg_phdr[info->nseg] = i;
	s = &info->seg[info->nseg++];
	s->vaddr = ph->p_vaddr;
	s->memsz = ph->p_memsz;
	s->offset = ph->p_offset;
	s->filesz = ph->p_filesz;
	s->align = ph->p_align;
	s->flags = ph->p_flags;
	return 0;
}

/* p_offset is looked at before it is added to a pointer: it may be
 * anything. */
static int check_interp(struct checker *c, unsigned i, const Elf64_Phdr *ph)
{
	if (c->info->interp_off)
		return 0;
	if (ph->p_filesz < 2 || ph->p_filesz > PATH_MAX || !in_file(c, ph->p_offset, ph->p_filesz))
		return fail(c, "segment %u: PT_INTERP: the interpreter's name has %" PRIu64
			       " bytes, or lies outside the file", i, ph->p_filesz);
	const char *name = (const char *)c->data + ph->p_offset;
	if (strnlen(name, ph->p_filesz) != ph->p_filesz - 1)
		return fail(c, "segment %u: PT_INTERP: the interpreter's name does not end in "
			       "its only NUL", i);
	c->info->interp_off = ph->p_offset;
	return 0;
}

static int check_phdrs(struct checker *c, const Elf64_Ehdr *eh, bool *have_pt_phdr)
{
	struct elf_info *info = c->info;

	for (unsigned i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr ph;
		int r = 0;

		memcpy(&ph, c->data + eh->e_phoff + (uint64_t)i * sizeof ph, sizeof ph);
		switch (ph.p_type) {
		case PT_LOAD:
			r = add_load(c, i, &ph);
			break;
		case PT_INTERP:
			r = check_interp(c, i, &ph);
			break;
		case PT_TLS: /* libc copies the TLS image from memory */
			r = check_extent(c, i, &ph);
			break;
		case PT_PHDR:
			*have_pt_phdr = true;
			info->phdr_vaddr = ph.p_vaddr;
			break;
		case PT_GNU_STACK:
			info->stack_flags = ph.p_flags;
			break;
		}
		if (r)
			return -1;
	}
	if (info->nseg == 0)
		return fail(c, "no loadable segment");
	return 0;
}

/* Places the image (load bias) and checks it fits in user space below the
 * stack; sets lo and hi. Segments are sorted and checked for overflow. */
static int place_image(struct checker *c)
{
	struct elf_info *info = c->info;
	const struct elf_segment *last = &info->seg[info->nseg - 1];
	const uint64_t limit = LOADER_STACK_TOP - LOADER_STACK_SIZE;
	uint64_t lo = loader_page_down(info->seg[0].vaddr);
	uint64_t base = info->type == ET_DYN ? ELF_ET_DYN_BASE : lo; /* where lo goes */

	if (base < LOADER_MMAP_MIN_ADDR)
		return fail(c, "segment %u: address 0x%" PRIx64 " is below mmap_min_addr (0x%" PRIx64
			       ")",
			    c->seg_phdr[0], info->seg[0].vaddr, LOADER_MMAP_MIN_ADDR);
	for (int i = 0; i < info->nseg; i++) {
		const struct elf_segment *s = &info->seg[i];

		if (base > limit || s->vaddr + s->memsz - lo > limit - base)
			return fail(c,
				    "segment %u: address not canonical/too high (p_vaddr 0x%" PRIx64
				    " + p_memsz 0x%" PRIx64 "; the image starts at 0x%" PRIx64
				    " and must end below the stack at 0x%" PRIx64 ")",
				    c->seg_phdr[i], s->vaddr, s->memsz, base, limit);
	}
	info->lo = lo;
	info->hi = loader_page_up(last->vaddr + last->memsz);
	/* Wraps modulo 2^64 when lo is above the base: bias + vaddr is still right. */
	info->load_bias = base - lo;
	return 0;
}

static int check_entry(struct checker *c)
{
	const struct elf_info *info = c->info;

	for (int i = 0; i < info->nseg; i++)
		if ((info->seg[i].flags & PF_X) && seg_contains(&info->seg[i], info->entry, 1))
			return 0;
	return fail(c, "entry point 0x%" PRIx64 " is not in an executable segment", info->entry);
}

/* AT_PHDR: PT_PHDR's address, or where a segment's file bytes bring the
 * table into memory (as Linux computes it); 0 when it is not loaded. */
static int find_phdrs(struct checker *c, bool have_pt_phdr)
{
	struct elf_info *info = c->info;
	uint64_t size = (uint64_t)info->phnum * sizeof(Elf64_Phdr);

	for (int i = 0; i < info->nseg; i++) {
		const struct elf_segment *s = &info->seg[i];

		if (have_pt_phdr && seg_contains(s, info->phdr_vaddr, size))
			return 0;
		if (!have_pt_phdr && info->phoff >= s->offset &&
		    info->phoff - s->offset <= s->filesz &&
		    size <= s->filesz - (info->phoff - s->offset)) {
			info->phdr_vaddr = s->vaddr + (info->phoff - s->offset);
			return 0;
		}
	}
	if (have_pt_phdr)
		return fail(c, "PT_PHDR 0x%" PRIx64 " is not inside a loadable segment", info->phdr_vaddr);
	return 0;
}

int elf_validate(const uint8_t *data, size_t len, struct elf_info *info, char *err, size_t errlen)
{
	struct checker c = { .data = data, .len = len, .info = info, .err = err, .errlen = errlen };
	bool have_pt_phdr = false;
	Elf64_Ehdr eh;

	memset(info, 0, sizeof *info);
	if (check_ident(&c))
		return -1;
	memcpy(&eh, data, sizeof eh);
	if (check_ehdr(&c, &eh))
		return -1;
	info->type = eh.e_type;
	info->entry = eh.e_entry;
	info->phoff = eh.e_phoff;
	info->phnum = eh.e_phnum;
	info->phentsize = eh.e_phentsize;
	info->stack_flags = PF_R | PF_W;
	if (check_phdrs(&c, &eh, &have_pt_phdr) || place_image(&c) || check_entry(&c) ||
	    find_phdrs(&c, have_pt_phdr))
		return -1;
	return 0;
}
