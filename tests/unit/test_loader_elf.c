/* test_loader_elf.c - elf_validate on crafted in-memory images (one defect
 * each, and the message that names it), and the initial stack image. */
#include <check.h>
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "loader_int.h"
#include "unit.h"

/* ---- a valid static ET_EXEC, built in memory ----
 *
 *   phdr 0  PT_PHDR       0x400040
 *   phdr 1  PT_LOAD R     0x400000  file [0x0000, 0x0200)
 *   phdr 2  PT_LOAD R X   0x401000  file [0x1000, 0x2000)   entry 0x401000
 *   phdr 3  PT_LOAD R W   0x402000  file [0x2000, 0x2100), memsz 0x3000
 *   phdr 4  PT_GNU_STACK  R W
 */

#define IMG_MAX 0x4000
#define NPHDR 5

struct img {
	_Alignas(8) uint8_t b[IMG_MAX];
	size_t len;
};

static struct img m;
static struct elf_info info;
static char err[512];

static Elf64_Ehdr *eh(void)
{
	return (Elf64_Ehdr *)m.b;
}

static Elf64_Phdr *ph(int i)
{
	return (Elf64_Phdr *)(m.b + sizeof(Elf64_Ehdr) + (size_t)i * sizeof(Elf64_Phdr));
}

static void set_ph(int i, uint32_t type, uint32_t flags, uint64_t off, uint64_t vaddr,
		   uint64_t filesz, uint64_t memsz, uint64_t align)
{
	*ph(i) = (Elf64_Phdr){ .p_type = type, .p_flags = flags, .p_offset = off,
			       .p_vaddr = vaddr, .p_paddr = vaddr, .p_filesz = filesz,
			       .p_memsz = memsz, .p_align = align };
}

static void build_exec(void)
{
	memset(&m, 0, sizeof m);
	memcpy(eh()->e_ident, ELFMAG, SELFMAG);
	eh()->e_ident[EI_CLASS] = ELFCLASS64;
	eh()->e_ident[EI_DATA] = ELFDATA2LSB;
	eh()->e_ident[EI_VERSION] = EV_CURRENT;
	eh()->e_ident[EI_OSABI] = ELFOSABI_SYSV;
	eh()->e_type = ET_EXEC;
	eh()->e_machine = EM_X86_64;
	eh()->e_version = EV_CURRENT;
	eh()->e_entry = 0x401000;
	eh()->e_phoff = sizeof(Elf64_Ehdr);
	eh()->e_ehsize = sizeof(Elf64_Ehdr);
	eh()->e_phentsize = sizeof(Elf64_Phdr);
	eh()->e_phnum = NPHDR;
	set_ph(0, PT_PHDR, PF_R, 0x40, 0x400040, NPHDR * sizeof(Elf64_Phdr),
	       NPHDR * sizeof(Elf64_Phdr), 8);
	set_ph(1, PT_LOAD, PF_R, 0, 0x400000, 0x200, 0x200, 0x1000);
	set_ph(2, PT_LOAD, PF_R | PF_X, 0x1000, 0x401000, 0x1000, 0x1000, 0x1000);
	set_ph(3, PT_LOAD, PF_R | PF_W, 0x2000, 0x402000, 0x100, 0x3000, 0x1000);
	set_ph(4, PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0, 16);
	m.len = 0x2100;
}

/* The same program linked as a static PIE: addresses from 0. */
static void build_dyn(void)
{
	build_exec();
	eh()->e_type = ET_DYN;
	eh()->e_entry -= 0x400000;
	for (int i = 0; i < 4; i++) {
		ph(i)->p_vaddr -= 0x400000;
		ph(i)->p_paddr -= 0x400000;
	}
}

static int validate(void)
{
	return elf_validate(m.b, m.len, &info, err, sizeof err);
}

static void expect_ok(void)
{
	ck_assert_msg(validate() == 0, "rejected: %s", err);
}

static void expect_error(const char *want)
{
	ck_assert_int_eq(validate(), -1);
	ck_assert_msg(strstr(err, want) != NULL, "error \"%s\" lacks \"%s\"", err, want);
}

/* ---- valid images ---- */

START_TEST(valid_exec)
{
	build_exec();
	expect_ok();
	ck_assert_uint_eq(info.type, ET_EXEC);
	ck_assert_uint_eq(info.entry, 0x401000);
	ck_assert_uint_eq(info.load_bias, 0);
	ck_assert_int_eq(info.nseg, 3);
	ck_assert_uint_eq(info.lo, 0x400000);
	ck_assert_uint_eq(info.hi, 0x405000);
	ck_assert_uint_eq(info.phdr_vaddr, 0x400040);
	ck_assert_uint_eq(info.phnum, NPHDR);
	ck_assert_uint_eq(info.phentsize, sizeof(Elf64_Phdr));
	ck_assert_uint_eq(info.stack_flags, PF_R | PF_W);
	ck_assert_uint_eq(info.seg[2].vaddr, 0x402000);
	ck_assert_uint_eq(info.seg[2].filesz, 0x100);
	ck_assert_uint_eq(info.seg[2].memsz, 0x3000);
	ck_assert_uint_eq(info.seg[2].offset, 0x2000);
	ck_assert_uint_eq(info.seg[2].flags, PF_R | PF_W);
}
END_TEST

START_TEST(valid_static_pie)
{
	build_dyn();
	expect_ok();
	ck_assert_uint_eq(info.type, ET_DYN);
	ck_assert_uint_eq(info.lo, 0);
	ck_assert_uint_eq(info.hi, 0x5000);
	ck_assert_uint_eq(info.load_bias, ELF_ET_DYN_BASE);
	ck_assert_uint_eq(info.phdr_vaddr, 0x40);
}
END_TEST

START_TEST(static_pie_bias_starts_image_at_base)
{
	build_dyn();
	for (int i = 0; i < 4; i++)
		ph(i)->p_vaddr += 0x10000;
	eh()->e_entry += 0x10000;
	expect_ok();
	ck_assert_uint_eq(info.lo, 0x10000);
	ck_assert_uint_eq(info.load_bias + info.lo, ELF_ET_DYN_BASE);
}
END_TEST

START_TEST(phdrs_found_without_pt_phdr)
{
	build_exec();
	ph(0)->p_type = PT_NULL;
	expect_ok();
	ck_assert_uint_eq(info.phdr_vaddr, 0x400040);
}
END_TEST

START_TEST(phdrs_not_loaded)
{
	build_exec();
	ph(0)->p_type = PT_NULL;
	ph(1)->p_offset = 0x1000; /* the R segment no longer holds the headers */
	expect_ok();
	ck_assert_uint_eq(info.phdr_vaddr, 0);
}
END_TEST

START_TEST(executable_stack)
{
	build_exec();
	ph(4)->p_flags = PF_R | PF_W | PF_X;
	expect_ok();
	ck_assert_uint_eq(info.stack_flags, PF_R | PF_W | PF_X);
}
END_TEST

START_TEST(default_stack_flags)
{
	build_exec();
	ph(4)->p_type = PT_NULL;
	expect_ok();
	ck_assert_uint_eq(info.stack_flags, PF_R | PF_W);
}
END_TEST

START_TEST(segments_share_a_page)
{
	build_exec();
	/* text [0x401000, 0x401800), data from 0x401800 in the same page */
	ph(2)->p_filesz = ph(2)->p_memsz = 0x800;
	set_ph(3, PT_LOAD, PF_R | PF_W, 0x1800, 0x401800, 0x100, 0x3000, 0x1000);
	expect_ok();
	ck_assert_uint_eq(info.hi, 0x405000);
}
END_TEST

START_TEST(empty_load_skipped)
{
	build_exec();
	set_ph(4, PT_LOAD, PF_R, 0, 0x400000, 0, 0, 0x1000); /* would overlap if counted */
	expect_ok();
	ck_assert_int_eq(info.nseg, 3);
}
END_TEST

START_TEST(align_zero_and_one_mean_none)
{
	build_exec();
	ph(1)->p_align = 0;
	ph(3)->p_align = 1;
	expect_ok();
}
END_TEST

START_TEST(gnu_osabi_accepted)
{
	build_exec();
	eh()->e_ident[EI_OSABI] = ELFOSABI_GNU;
	expect_ok();
}
END_TEST

START_TEST(section_headers_accepted)
{
	build_exec();
	eh()->e_shoff = 0x2100;
	eh()->e_shentsize = sizeof(Elf64_Shdr);
	eh()->e_shnum = 2;
	eh()->e_shstrndx = 1;
	m.len = 0x2100 + 2 * sizeof(Elf64_Shdr);
	expect_ok();
}
END_TEST

START_TEST(max_segments_accepted)
{
	build_exec();
	eh()->e_phnum = ELF_MAX_SEGMENTS;
	for (int i = 0; i < ELF_MAX_SEGMENTS; i++)
		set_ph(i, PT_LOAD, PF_R | PF_X, 0, 0x400000 + 0x1000 * (uint64_t)i, 0, 0x1000,
		       0x1000);
	eh()->e_entry = 0x400000;
	expect_ok();
	ck_assert_int_eq(info.nseg, ELF_MAX_SEGMENTS);
	ck_assert_uint_eq(info.phdr_vaddr, 0); /* no file bytes loaded */
}
END_TEST

START_TEST(prot_of_flags)
{
	ck_assert_uint_eq(elf_prot(0), 0);
	ck_assert_uint_eq(elf_prot(PF_R), PROT_READ);
	ck_assert_uint_eq(elf_prot(PF_R | PF_W), PROT_READ | PROT_WRITE);
	ck_assert_uint_eq(elf_prot(PF_R | PF_X), PROT_READ | PROT_EXEC);
	ck_assert_uint_eq(elf_prot(PF_R | PF_W | PF_X | PF_MASKOS),
			  PROT_READ | PROT_WRITE | PROT_EXEC);
}
END_TEST

/* ---- the ELF header ---- */

START_TEST(empty_file)
{
	build_exec();
	m.len = 0;
	expect_error("truncated ELF header (0 bytes");
}
END_TEST

START_TEST(truncated_header)
{
	build_exec();
	m.len = 40;
	expect_error("truncated ELF header (40 bytes, need 64)");
}
END_TEST

START_TEST(bad_magic)
{
	build_exec();
	m.b[1] = 'X';
	expect_error("not an ELF file (bad magic)");
}
END_TEST

START_TEST(short_non_elf)
{
	memcpy(m.b, "#!", 2);
	m.len = 2;
	expect_error("not an ELF file (bad magic)");
}
END_TEST

START_TEST(class_32)
{
	build_exec();
	eh()->e_ident[EI_CLASS] = ELFCLASS32;
	expect_error("not a 64-bit ELF (class 1)");
}
END_TEST

START_TEST(big_endian)
{
	build_exec();
	eh()->e_ident[EI_DATA] = ELFDATA2MSB;
	expect_error("not little-endian (data encoding 2)");
}
END_TEST

START_TEST(ident_version)
{
	build_exec();
	eh()->e_ident[EI_VERSION] = 0;
	expect_error("unsupported ELF version (EI_VERSION 0)");
}
END_TEST

START_TEST(header_version)
{
	build_exec();
	eh()->e_version = 2;
	expect_error("unsupported ELF version (e_version 2)");
}
END_TEST

START_TEST(foreign_osabi)
{
	build_exec();
	eh()->e_ident[EI_OSABI] = ELFOSABI_FREEBSD;
	expect_error("not a Linux program (EI_OSABI 9)");
}
END_TEST

START_TEST(wrong_machine)
{
	build_exec();
	eh()->e_machine = EM_ARM;
	expect_error("not an x86-64 executable (e_machine 40)");
}
END_TEST

START_TEST(relocatable_object)
{
	build_exec();
	eh()->e_type = ET_REL;
	expect_error("not an executable (e_type 1)");
}
END_TEST

START_TEST(core_file)
{
	build_exec();
	eh()->e_type = ET_CORE;
	expect_error("not an executable (e_type 4)");
}
END_TEST

START_TEST(bad_ehsize)
{
	build_exec();
	eh()->e_ehsize = 52;
	expect_error("bad ELF header size (e_ehsize 52)");
}
END_TEST

START_TEST(no_program_headers)
{
	build_exec();
	eh()->e_phnum = 0;
	expect_error("no loadable segment");
}
END_TEST

START_TEST(bad_phentsize)
{
	build_exec();
	eh()->e_phentsize = 32;
	expect_error("bad program header size (e_phentsize 32)");
}
END_TEST

START_TEST(too_many_phdrs)
{
	build_exec();
	eh()->e_phnum = 74;
	expect_error("too many program headers (74, at most 73)");
}
END_TEST

START_TEST(phdrs_past_end)
{
	build_exec();
	eh()->e_phoff = m.len - 100;
	expect_error("program header table outside the file");
}
END_TEST

START_TEST(phoff_overflows)
{
	build_exec();
	eh()->e_phoff = UINT64_MAX - 8;
	expect_error("program header table outside the file");
}
END_TEST

START_TEST(bad_shentsize)
{
	build_exec();
	eh()->e_shoff = 0x2000;
	eh()->e_shentsize = 40;
	eh()->e_shnum = 1;
	expect_error("bad section header size (e_shentsize 40)");
}
END_TEST

START_TEST(shdrs_past_end)
{
	build_exec();
	eh()->e_shoff = 0x2000;
	eh()->e_shentsize = sizeof(Elf64_Shdr);
	eh()->e_shnum = 30;
	expect_error("section header table outside the file");
}
END_TEST

START_TEST(bad_shstrndx)
{
	build_exec();
	eh()->e_shoff = 0x2000;
	eh()->e_shentsize = sizeof(Elf64_Shdr);
	eh()->e_shnum = 2;
	eh()->e_shstrndx = 2;
	expect_error("bad section name table index (e_shstrndx 2)");
}
END_TEST

/* ---- program headers ---- */

START_TEST(filesz_above_memsz)
{
	build_exec();
	ph(3)->p_filesz = 0x3001;
	expect_error("segment 3: p_filesz > p_memsz");
}
END_TEST

START_TEST(file_range_past_end)
{
	build_exec();
	ph(3)->p_filesz = 0x101;
	expect_error("segment 3: file range outside the file");
}
END_TEST

START_TEST(file_offset_overflows)
{
	build_exec();
	ph(3)->p_offset = UINT64_MAX - 0x10; /* offset + filesz wraps */
	expect_error("segment 3: file range outside the file");
}
END_TEST

START_TEST(memsz_overflows)
{
	build_exec();
	ph(3)->p_memsz = 0xffffffffffff0000;
	expect_error("segment 3: size overflows");
}
END_TEST

START_TEST(end_overflows_when_rounded)
{
	build_exec();
	ph(3)->p_memsz = UINT64_MAX - 0x402000 - 0x10; /* end fits, its page does not */
	expect_error("segment 3: size overflows");
}
END_TEST

START_TEST(align_not_power_of_two)
{
	build_exec();
	ph(2)->p_align = 0x1800;
	expect_error("segment 2: bad alignment (p_align 0x1800 is not a power of two)");
}
END_TEST

START_TEST(vaddr_offset_disagree)
{
	build_exec();
	ph(2)->p_vaddr = 0x401010;
	eh()->e_entry = 0x401010;
	expect_error("segment 2: bad alignment (p_vaddr % p_align != p_offset % p_align)");
}
END_TEST

START_TEST(small_align_but_not_page_congruent)
{
	build_exec();
	ph(2)->p_align = 16;
	ph(2)->p_vaddr = 0x401010;
	eh()->e_entry = 0x401010;
	expect_error("segment 2: bad alignment (p_vaddr and p_offset differ modulo the page size)");
}
END_TEST

START_TEST(segments_overlap)
{
	build_exec();
	ph(2)->p_memsz = 0x1001; /* one byte into the data segment */
	expect_error("segments 2 and 3 overlap");
}
END_TEST

START_TEST(segments_unsorted)
{
	Elf64_Phdr text;

	build_exec();
	text = *ph(2);
	*ph(2) = *ph(3);
	*ph(3) = text;
	expect_error("segments 2 and 3 are not sorted by address");
}
END_TEST

START_TEST(too_many_segments)
{
	build_exec();
	eh()->e_phnum = ELF_MAX_SEGMENTS + 1;
	for (int i = 0; i <= ELF_MAX_SEGMENTS; i++)
		set_ph(i, PT_LOAD, PF_R | PF_X, 0, 0x400000 + 0x1000 * (uint64_t)i, 0, 0x1000,
		       0x1000);
	expect_error("too many loadable segments (more than 64)");
}
END_TEST

START_TEST(no_load_segment)
{
	build_exec();
	for (int i = 1; i <= 3; i++)
		ph(i)->p_type = PT_NOTE;
	expect_error("no loadable segment");
}
END_TEST

START_TEST(above_user_space)
{
	build_exec();
	ph(3)->p_vaddr = 0x800000000000; /* not canonical */
	ph(3)->p_offset = 0x2000;
	expect_error("segment 3: address not canonical/too high");
}
END_TEST

START_TEST(into_the_stack)
{
	build_exec();
	ph(3)->p_vaddr = LOADER_STACK_TOP - 0x2000;
	expect_error("segment 3: address not canonical/too high");
}
END_TEST

START_TEST(static_pie_too_big)
{
	build_dyn();
	ph(3)->p_memsz = LOADER_STACK_TOP - ELF_ET_DYN_BASE;
	expect_error("segment 3: address not canonical/too high");
}
END_TEST

static void move_exec_down(uint64_t by)
{
	for (int i = 0; i < 4; i++)
		ph(i)->p_vaddr -= by;
	eh()->e_entry -= by;
}

START_TEST(below_mmap_min_addr)
{
	build_exec();
	move_exec_down(0x3f0000); /* to 0x10000: the lowest allowed */
	expect_ok();
	build_exec();
	move_exec_down(0x3f1000);
	expect_error("segment 1: address 0xf000 is below mmap_min_addr (0x10000)");
}
END_TEST

START_TEST(entry_outside_segments)
{
	build_exec();
	eh()->e_entry = 0x10;
	expect_error("entry point 0x10 is not in an executable segment");
}
END_TEST

START_TEST(entry_in_data)
{
	build_exec();
	eh()->e_entry = 0x402000;
	expect_error("entry point 0x402000 is not in an executable segment");
}
END_TEST

START_TEST(entry_at_text_edges)
{
	build_exec();
	ph(3)->p_vaddr = 0x403000; /* leave a hole after the text */
	eh()->e_entry = 0x401fff;  /* last byte of the text */
	expect_ok();
	eh()->e_entry = 0x402000;  /* first byte after it */
	expect_error("entry point 0x402000 is not in an executable segment");
}
END_TEST

START_TEST(interpreter_named)
{
	build_exec();
	set_ph(4, PT_INTERP, PF_R, 0x300, 0x400300, 11, 11, 1);
	memcpy(m.b + 0x300, "/lib/ld.so", 11);
	expect_ok();
	ck_assert_uint_eq(info.interp_off, 0x300);
	/* Only the first PT_INTERP counts, as in Linux. */
	set_ph(0, PT_INTERP, PF_R, 0x320, 0x400320, 9, 9, 1);
	memcpy(m.b + 0x320, "/lib/ld2", 9);
	memcpy(m.b + 0x300, "\x1b[2J", 4);
	set_ph(4, PT_INTERP, PF_R, 0x300, 0x400300, 4, 4, 1);
	expect_ok();
	ck_assert_uint_eq(info.interp_off, 0x320);
}
END_TEST

START_TEST(interpreter_garbage)
{
	build_exec();
	set_ph(4, PT_INTERP, PF_R, 0x300, 0x400300, 4, 4, 1);
	memcpy(m.b + 0x300, "\x1b[2J", 4); /* no NUL, and a terminal escape */
	expect_error("segment 4: PT_INTERP: the interpreter's name does not end in its only NUL");
	ck_assert_ptr_null(strchr(err, '\x1b'));
	memcpy(m.b + 0x300, "a\0b", 4); /* a NUL before the end */
	expect_error("does not end in its only NUL");
	set_ph(4, PT_INTERP, PF_R, 0x300, 0x400300, 1, 1, 1);
	expect_error("segment 4: PT_INTERP: the interpreter's name has 1 bytes");
	set_ph(4, PT_INTERP, PF_R, 0xfffffff0, 0x400300, 11, 11, 1);
	expect_error("or lies outside the file");
}
END_TEST

START_TEST(pt_phdr_not_loaded)
{
	build_exec();
	ph(0)->p_vaddr = 0x300000;
	expect_error("PT_PHDR 0x300000 is not inside a loadable segment");
}
END_TEST

START_TEST(tls_filesz_above_memsz)
{
	build_exec();
	set_ph(4, PT_TLS, PF_R, 0x2000, 0x402000, 0x10, 0x8, 8);
	expect_error("segment 4: p_filesz > p_memsz");
}
END_TEST

START_TEST(short_error_buffer)
{
	char small[8];

	build_exec();
	eh()->e_machine = EM_AARCH64;
	ck_assert_int_eq(elf_validate(m.b, m.len, &info, small, sizeof small), -1);
	ck_assert_str_eq(small, "not an ");
}
END_TEST

/* The test program itself is a dynamically linked host executable. */
START_TEST(host_dynamic_program)
{
	FILE *f = fopen("/proc/self/exe", "rb");
	uint8_t *buf = malloc(64 << 20);
	size_t n;

	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(buf);
	n = fread(buf, 1, 64 << 20, f);
	fclose(f);
	ck_assert_msg(elf_validate(buf, n, &info, err, sizeof err) == 0, "%s", err);
	ck_assert_uint_ne(info.interp_off, 0);
	ck_assert_str_eq((const char *)buf + info.interp_off, "/lib64/ld-linux-x86-64.so.2");
	free(buf);
}
END_TEST

/* ---- the initial stack ---- */

#define TOP LOADER_STACK_TOP

static struct stack_image img;
static struct stack_params prm = {
	.top = TOP,
	.execfn = "/bin/prog",
	.random = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 },
	.uid = 1000, .euid = 1001, .gid = 100, .egid = 101,
};

static uint64_t word_at(uint64_t addr)
{
	uint64_t w;

	ck_assert_uint_ge(addr, img.sp);
	ck_assert_uint_le(addr + 8, TOP);
	memcpy(&w, img.buf + (addr - img.sp), 8);
	return w;
}

static const char *string_at(uint64_t addr)
{
	ck_assert_uint_ge(addr, img.sp);
	ck_assert_uint_lt(addr, TOP);
	return (const char *)img.buf + (addr - img.sp);
}

static uint64_t aux(uint64_t type)
{
	uint64_t a = img.sp + 8 * (word_at(img.sp) + 1) + 8; /* past argv[] and its NULL */

	while (word_at(a) != 0) /* past envp[] */
		a += 8;
	for (a += 8; word_at(a) != AT_NULL; a += 16)
		if (word_at(a) == type)
			return word_at(a + 8);
	ck_abort_msg("no auxv entry %llu", (unsigned long long)type);
	return 0;
}

static void build_stack(char *const argv[], char *const envp[])
{
	build_dyn();
	expect_ok();
	ck_assert_msg(stack_image_build(&info, &prm, argv, envp, &img, err, sizeof err) == 0,
		      "%s", err);
	ck_assert_uint_eq(img.size, TOP - img.sp);
}

START_TEST(stack_layout)
{
	char *argv[] = { "prog", "-x", "arg", NULL };
	char *envp[] = { "HOME=/root", "X=1", NULL };
	uint64_t a;

	build_stack(argv, envp);
	ck_assert_uint_eq(img.sp % 16, 0);
	ck_assert_uint_eq(word_at(img.sp), 3);
	for (int i = 0; i < 3; i++)
		ck_assert_str_eq(string_at(word_at(img.sp + 8 + 8 * (uint64_t)i)), argv[i]);
	ck_assert_uint_eq(word_at(img.sp + 32), 0);
	a = img.sp + 40;
	ck_assert_str_eq(string_at(word_at(a)), "HOME=/root");
	ck_assert_str_eq(string_at(word_at(a + 8)), "X=1");
	ck_assert_uint_eq(word_at(a + 16), 0);
	/* argv strings come first, envp strings after them, all contiguous */
	ck_assert_uint_eq(word_at(img.sp + 16), word_at(img.sp + 8) + 5);
	ck_assert_uint_eq(word_at(a), word_at(img.sp + 24) + 4);
	stack_image_free(&img);
}
END_TEST

START_TEST(stack_auxv)
{
	char *argv[] = { "prog", NULL };

	build_stack(argv, NULL);
	ck_assert_uint_eq(aux(AT_PAGESZ), 4096);
	ck_assert_uint_eq(aux(AT_PHDR), ELF_ET_DYN_BASE + 0x40);
	ck_assert_uint_eq(aux(AT_PHENT), sizeof(Elf64_Phdr));
	ck_assert_uint_eq(aux(AT_PHNUM), NPHDR);
	ck_assert_uint_eq(aux(AT_ENTRY), ELF_ET_DYN_BASE + 0x1000);
	ck_assert_uint_eq(aux(AT_BASE), 0);
	ck_assert_uint_eq(aux(AT_FLAGS), 0);
	ck_assert_uint_eq(aux(AT_UID), 1000);
	ck_assert_uint_eq(aux(AT_EUID), 1001);
	ck_assert_uint_eq(aux(AT_GID), 100);
	ck_assert_uint_eq(aux(AT_EGID), 101);
	ck_assert_uint_eq(aux(AT_SECURE), 0);
	ck_assert_uint_eq(aux(AT_HWCAP), 0x178bfbff);
	ck_assert_uint_eq(aux(AT_HWCAP2), 0);
	ck_assert_uint_eq(aux(AT_CLKTCK), 100);
	ck_assert_str_eq(string_at(aux(AT_PLATFORM)), "x86_64");
	ck_assert_str_eq(string_at(aux(AT_EXECFN)), "/bin/prog");
	ck_assert_int_eq(memcmp(string_at(aux(AT_RANDOM)), prm.random, 16), 0);
	stack_image_free(&img);
}
END_TEST

START_TEST(stack_top_holds_execfn)
{
	build_stack(NULL, NULL);
	ck_assert_uint_eq(word_at(TOP - 8), 0);
	ck_assert_uint_eq(aux(AT_EXECFN), TOP - 8 - sizeof "/bin/prog");
	stack_image_free(&img);
}
END_TEST

START_TEST(stack_no_arguments)
{
	build_stack(NULL, NULL);
	ck_assert_uint_eq(img.sp % 16, 0);
	ck_assert_uint_eq(word_at(img.sp), 0);     /* argc */
	ck_assert_uint_eq(word_at(img.sp + 8), 0); /* argv[0] */
	ck_assert_uint_eq(word_at(img.sp + 16), 0); /* envp[0] */
	ck_assert_uint_eq(word_at(img.sp + 24), AT_SYSINFO_EHDR);
	stack_image_free(&img);
}
END_TEST

/* rsp is 16-byte aligned at argc whatever the counts and string lengths. */
START_TEST(stack_aligned)
{
	static char *const strings[] = { "a", "bb", "ccc", "dddd", "eeeee" };

	for (int argc = 0; argc <= 5; argc++) {
		for (int envc = 0; envc <= 3; envc++) {
			char *argv[6] = { 0 }, *envp[4] = { 0 };

			memcpy(argv, strings, sizeof(char *) * (size_t)argc);
			memcpy(envp, strings + 2, sizeof(char *) * (size_t)envc);
			build_stack(argv, envp);
			ck_assert_uint_eq(img.sp % 16, 0);
			ck_assert_uint_eq(word_at(img.sp), (uint64_t)argc);
			ck_assert_uint_eq(aux(AT_PAGESZ), 4096);
			stack_image_free(&img);
		}
	}
}
END_TEST

START_TEST(stack_argument_list_too_long)
{
	size_t n = 40, len = 64 << 10; /* 40 x 64 KiB > 2 MiB */
	char **envp = calloc(n + 1, sizeof *envp);
	char *s = malloc(len);

	ck_assert_ptr_nonnull(envp);
	ck_assert_ptr_nonnull(s);
	memset(s, 'x', len - 1);
	s[len - 1] = '\0';
	for (size_t i = 0; i < n; i++)
		envp[i] = s;
	build_dyn();
	expect_ok();
	ck_assert_int_eq(stack_image_build(&info, &prm, NULL, envp, &img, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "argument list too long") != NULL, "%s", err);
	free(s);
	free(envp);
}
END_TEST

static Suite *loader_elf_suite(void)
{
	Suite *s = suite_create("loader_elf");
	TCase *tc = unit_tcase(s, "valid", NULL, NULL);

	tcase_add_test(tc, valid_exec);
	tcase_add_test(tc, valid_static_pie);
	tcase_add_test(tc, static_pie_bias_starts_image_at_base);
	tcase_add_test(tc, phdrs_found_without_pt_phdr);
	tcase_add_test(tc, phdrs_not_loaded);
	tcase_add_test(tc, executable_stack);
	tcase_add_test(tc, default_stack_flags);
	tcase_add_test(tc, segments_share_a_page);
	tcase_add_test(tc, empty_load_skipped);
	tcase_add_test(tc, align_zero_and_one_mean_none);
	tcase_add_test(tc, gnu_osabi_accepted);
	tcase_add_test(tc, section_headers_accepted);
	tcase_add_test(tc, max_segments_accepted);
	tcase_add_test(tc, prot_of_flags);

	tc = unit_tcase(s, "ehdr", NULL, NULL);
	tcase_add_test(tc, empty_file);
	tcase_add_test(tc, truncated_header);
	tcase_add_test(tc, bad_magic);
	tcase_add_test(tc, short_non_elf);
	tcase_add_test(tc, class_32);
	tcase_add_test(tc, big_endian);
	tcase_add_test(tc, ident_version);
	tcase_add_test(tc, header_version);
	tcase_add_test(tc, foreign_osabi);
	tcase_add_test(tc, wrong_machine);
	tcase_add_test(tc, relocatable_object);
	tcase_add_test(tc, core_file);
	tcase_add_test(tc, bad_ehsize);
	tcase_add_test(tc, no_program_headers);
	tcase_add_test(tc, bad_phentsize);
	tcase_add_test(tc, too_many_phdrs);
	tcase_add_test(tc, phdrs_past_end);
	tcase_add_test(tc, phoff_overflows);
	tcase_add_test(tc, bad_shentsize);
	tcase_add_test(tc, shdrs_past_end);
	tcase_add_test(tc, bad_shstrndx);
	tcase_add_test(tc, short_error_buffer);
	tcase_add_test(tc, host_dynamic_program);

	tc = unit_tcase(s, "phdr", NULL, NULL);
	tcase_add_test(tc, filesz_above_memsz);
	tcase_add_test(tc, file_range_past_end);
	tcase_add_test(tc, file_offset_overflows);
	tcase_add_test(tc, memsz_overflows);
	tcase_add_test(tc, end_overflows_when_rounded);
	tcase_add_test(tc, align_not_power_of_two);
	tcase_add_test(tc, vaddr_offset_disagree);
	tcase_add_test(tc, small_align_but_not_page_congruent);
	tcase_add_test(tc, segments_overlap);
	tcase_add_test(tc, segments_unsorted);
	tcase_add_test(tc, too_many_segments);
	tcase_add_test(tc, no_load_segment);
	tcase_add_test(tc, above_user_space);
	tcase_add_test(tc, into_the_stack);
	tcase_add_test(tc, static_pie_too_big);
	tcase_add_test(tc, below_mmap_min_addr);
	tcase_add_test(tc, entry_outside_segments);
	tcase_add_test(tc, entry_in_data);
	tcase_add_test(tc, entry_at_text_edges);
	tcase_add_test(tc, interpreter_named);
	tcase_add_test(tc, interpreter_garbage);
	tcase_add_test(tc, pt_phdr_not_loaded);
	tcase_add_test(tc, tls_filesz_above_memsz);

	tc = unit_tcase(s, "stack", NULL, NULL);
	tcase_add_test(tc, stack_layout);
	tcase_add_test(tc, stack_auxv);
	tcase_add_test(tc, stack_top_holds_execfn);
	tcase_add_test(tc, stack_no_arguments);
	tcase_add_test(tc, stack_aligned);
	tcase_add_test(tc, stack_argument_list_too_long);
	return s;
}

int main(void)
{
	return unit_run(loader_elf_suite());
}
