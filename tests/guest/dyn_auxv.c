/* dyn_auxv.c - a dynamically linked program checks what the kernel told
 * its interpreter (binfmt_elf's auxv): AT_ENTRY is the program's entry
 * point, AT_PHDR its program headers, AT_BASE where the interpreter is
 * loaded (the object that holds dl_iterate_phdr's interpreter entry),
 * and the program itself is loaded apart from the interpreter. Then
 * libc's text is mapped from its file, privately, executable. Prints only
 * what is the same at any address. */
#include <elf.h>
#include <link.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>

#include "guest_test.h"

extern char _start[];

struct found {
	uintptr_t interp_base;
	const ElfW(Phdr) *main_phdr;
	int objects;
};

static int each(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	struct found *f = arg;
	if (f->objects++ == 0)
		f->main_phdr = info->dlpi_phdr; /* the program comes first */
	if (strstr(info->dlpi_name, "ld-linux") || strstr(info->dlpi_name, "ld-musl"))
		f->interp_base = info->dlpi_addr;
	return 0;
}

/* A line of /proc/self/maps for a file whose name holds name, with perms. */
static bool mapped(const char *name, const char *perms)
{
	FILE *m = fopen("/proc/self/maps", "r");
	CHECK(m, "/proc/self/maps: %s", strerror(errno));
	char line[512];
	bool found = false;
	while (fgets(line, sizeof(line), m))
		if (strstr(line, name) && strstr(line, perms))
			found = true;
	fclose(m);
	return found;
}

int main(void)
{
	struct found f = {0};
	dl_iterate_phdr(each, &f);
	uintptr_t entry = getauxval(AT_ENTRY), phdr = getauxval(AT_PHDR), base = getauxval(AT_BASE);
	CHECK(entry == (uintptr_t)_start, "AT_ENTRY %#lx, _start at %p", (unsigned long)entry,
	      (void *)_start);
	CHECK(phdr == (uintptr_t)f.main_phdr, "AT_PHDR %#lx, the program's headers at %p",
	      (unsigned long)phdr, (const void *)f.main_phdr);
	CHECK(getauxval(AT_PHNUM) > 0 && getauxval(AT_PHENT) == sizeof(ElfW(Phdr)),
	      "AT_PHNUM %lu AT_PHENT %lu", getauxval(AT_PHNUM), getauxval(AT_PHENT));
	/* musl's interpreter is libc.so itself: its entry has that name. */
	CHECK(base != 0, "AT_BASE is 0 in a dynamically linked program");
	if (f.interp_base)
		CHECK(base == f.interp_base, "AT_BASE %#lx, the interpreter at %#lx",
		      (unsigned long)base, (unsigned long)f.interp_base);
	const ElfW(Ehdr) *eh = (const ElfW(Ehdr) *)base;
	CHECK(!memcmp(eh->e_ident, ELFMAG, SELFMAG) && eh->e_type == ET_DYN,
	      "no ET_DYN ELF header at AT_BASE");
	CHECK(base > entry + 0x100000 || entry > base + 0x100000,
	      "the program (%#lx) and the interpreter (%#lx) overlap", (unsigned long)entry,
	      (unsigned long)base);
	/* musl's libc is its interpreter, named ld-musl when it runs as one. */
	CHECK(mapped("libc", "r-xp") || mapped("ld-musl", "r-xp"),
	      "libc's text is not a private executable file map");
	printf("auxv: AT_ENTRY, AT_PHDR and AT_BASE as the interpreter needs; %d objects\n",
	       f.objects > 1 ? 2 : f.objects);
	return 0;
}
