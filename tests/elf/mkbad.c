/* mkbad.c - writes a copy of a valid static x86-64 ELF program with exactly
 * one defect, for the loader's rejection tests.
 *
 *   mkbad VARIANT IN OUT
 *
 * Segments are chosen by their role (the first PT_LOAD, the executable one,
 * the writable one), so any ordinary static program works as IN. */
#include <elf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct file {
	uint8_t *b;
	size_t len;
	mode_t mode; /* of the output */
};

__attribute__((noreturn, format(printf, 1, 2))) static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("mkbad: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static Elf64_Ehdr *ehdr(struct file *f)
{
	return (Elf64_Ehdr *)f->b;
}

static Elf64_Phdr *phdr(struct file *f, int i)
{
	return (Elf64_Phdr *)(f->b + ehdr(f)->e_phoff) + i;
}

/* The first PT_LOAD with all the flags in want; dies when there is none. */
static Elf64_Phdr *find_load(struct file *f, uint32_t want, const char *role)
{
	for (int i = 0; i < ehdr(f)->e_phnum; i++)
		if (phdr(f, i)->p_type == PT_LOAD && (phdr(f, i)->p_flags & want) == want)
			return phdr(f, i);
	die("the input has no %s PT_LOAD", role);
}

static Elf64_Phdr *text(struct file *f)
{
	return find_load(f, PF_X, "executable");
}

static Elf64_Phdr *data(struct file *f)
{
	return find_load(f, PF_W, "writable");
}

static void truncated(struct file *f)
{
	f->len = 40;
}

static void cut(struct file *f)
{
	if (ehdr(f)->e_shoff == 0 || ehdr(f)->e_shoff < f->len / 2)
		die("cut: the section headers of the input are not in its second half");
	f->len /= 2;
}

static void bad_magic(struct file *f)
{
	f->b[EI_MAG1] = 'X';
}

static void class32(struct file *f)
{
	f->b[EI_CLASS] = ELFCLASS32;
}

static void machine(struct file *f)
{
	ehdr(f)->e_machine = EM_AARCH64;
}

static void relocatable(struct file *f)
{
	ehdr(f)->e_type = ET_REL;
}

static void phdrs_outside(struct file *f)
{
	ehdr(f)->e_phoff = f->len - 8;
}

static void filesz(struct file *f)
{
	data(f)->p_filesz = data(f)->p_memsz + 1;
}

static void file_outside(struct file *f)
{
	Elf64_Phdr *ph = text(f);

	if (ph->p_offset == 0)
		die("file_outside: the executable segment starts the file");
	ph->p_filesz = ph->p_memsz = f->len;
}

static void huge_memsz(struct file *f)
{
	data(f)->p_memsz = 0xffffffffffff0000;
}

static void align(struct file *f)
{
	text(f)->p_align = 0x1800;
}

static void overlap(struct file *f)
{
	Elf64_Phdr *first = find_load(f, 0, "first"), *next = first + 1;

	if (next - phdr(f, 0) >= ehdr(f)->e_phnum || next->p_type != PT_LOAD ||
	    next->p_vaddr <= first->p_vaddr)
		die("overlap: the first PT_LOAD is not followed by a higher one");
	first->p_memsz = next->p_vaddr - first->p_vaddr + 0x10;
}

static void entry_outside(struct file *f)
{
	ehdr(f)->e_entry = 0x10;
}

static void entry_in_data(struct file *f)
{
	ehdr(f)->e_entry = data(f)->p_vaddr;
}

static void too_high(struct file *f)
{
	data(f)->p_vaddr += 0x800000000000; /* same page offset, not canonical */
}

static void no_exec_permission(struct file *f)
{
	f->mode = 0644;
}

static const struct variant {
	const char *name;
	void (*apply)(struct file *f);
	const char *what;
} variants[] = {
	{ "truncated", truncated, "only the first 40 bytes" },
	{ "cut", cut, "the first half: the section header table is lost" },
	{ "badmagic", bad_magic, "e_ident[EI_MAG1] = 'X'" },
	{ "class32", class32, "EI_CLASS = ELFCLASS32" },
	{ "machine", machine, "e_machine = EM_AARCH64" },
	{ "relocatable", relocatable, "e_type = ET_REL" },
	{ "phdrs_outside", phdrs_outside, "e_phoff 8 bytes before the end" },
	{ "filesz", filesz, "writable PT_LOAD: p_filesz = p_memsz + 1" },
	{ "file_outside", file_outside, "executable PT_LOAD: p_filesz = p_memsz = file size" },
	{ "huge_memsz", huge_memsz, "writable PT_LOAD: p_memsz = 0xffffffffffff0000" },
	{ "align", align, "executable PT_LOAD: p_align = 0x1800" },
	{ "overlap", overlap, "first PT_LOAD: p_memsz reaches 16 bytes into the next" },
	{ "entry_outside", entry_outside, "e_entry = 0x10, in no segment" },
	{ "entry_in_data", entry_in_data, "e_entry = the writable PT_LOAD's p_vaddr" },
	{ "too_high", too_high, "writable PT_LOAD: p_vaddr + 0x800000000000" },
	{ "noexec", no_exec_permission, "unchanged, without execute permission" },
};

static void read_input(const char *path, struct file *f)
{
	FILE *in = fopen(path, "rb");
	long size;

	if (!in || fseek(in, 0, SEEK_END) != 0 || (size = ftell(in)) < 0 ||
	    fseek(in, 0, SEEK_SET) != 0)
		die("%s: cannot read", path);
	f->len = (size_t)size;
	f->b = malloc(f->len ? f->len : 1);
	if (!f->b || fread(f->b, 1, f->len, in) != f->len)
		die("%s: cannot read", path);
	fclose(in);
	f->mode = 0755;
	/* The variants rewrite fields in place: the input must be sane. */
	if (f->len < sizeof(Elf64_Ehdr) || memcmp(f->b, ELFMAG, SELFMAG) != 0 ||
	    f->b[EI_CLASS] != ELFCLASS64 || ehdr(f)->e_phoff % 8 != 0 ||
	    ehdr(f)->e_phentsize != sizeof(Elf64_Phdr) || ehdr(f)->e_phoff > f->len ||
	    (size_t)ehdr(f)->e_phnum * sizeof(Elf64_Phdr) > f->len - ehdr(f)->e_phoff)
		die("%s: not a valid ELF64 file", path);
}

static void write_output(const char *path, const struct file *f)
{
	FILE *out;

	unlink(path); /* a previous output may lack write permission */
	out = fopen(path, "wb");
	if (!out || fwrite(f->b, 1, f->len, out) != f->len || fclose(out) != 0 ||
	    chmod(path, f->mode) != 0)
		die("%s: cannot write", path);
}

__attribute__((noreturn)) static void usage(void)
{
	fputs("usage: mkbad VARIANT IN OUT\nvariants:\n", stderr);
	for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++)
		fprintf(stderr, "  %-14s %s\n", variants[i].name, variants[i].what);
	exit(2);
}

int main(int argc, char **argv)
{
	struct file f;

	if (argc != 4)
		usage();
	for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++) {
		if (strcmp(argv[1], variants[i].name) == 0) {
			read_input(argv[2], &f);
			variants[i].apply(&f);
			write_output(argv[3], &f);
			free(f.b);
			return 0;
		}
	}
	usage();
}
