/* args: the initial process image the loader builds.
 *
 * Prints argc, every argv and one environment variable (VMEMU_GUEST_VAR)
 * for the harness to compare with the native run, and checks the auxiliary
 * vector against the program's own headers:
 *   AT_PAGESZ 4096; AT_PHDR/AT_PHNUM/AT_PHENT match the ELF header the
 *   linker placed at __ehdr_start; AT_ENTRY is e_entry plus the load bias
 *   and the address of _start; AT_RANDOM points to 16 readable bytes;
 *   AT_UID/EUID/GID/EGID match the get*id() calls; AT_EXECFN equals argv[0]
 *   and names a file whose read-only segments are byte-identical to memory;
 *   AT_PLATFORM is "x86_64"; AT_SECURE is 0.
 * Also: argv[argc] == NULL, environ follows argv, the stack pointer at main
 * is aligned for SSE (a 16-byte aligned local). */
#include "guest_test.h"

#include <elf.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/auxv.h>
#include <unistd.h>

extern char **environ;
extern char _start[];
extern const Elf64_Ehdr __ehdr_start; /* the linker's name for our own ELF header */

/* getauxval with a check that the entry exists at all. */
static unsigned long aux(unsigned long type, const char *name)
{
	errno = 0;
	unsigned long v = getauxval(type);
	CHECK(errno == 0, "auxv has no %s entry", name);
	return v;
}

/* Reads exactly n bytes at offset off of fd into buf. */
static void read_at(int fd, void *buf, size_t n, off_t off, const char *path)
{
	size_t done = 0;
	while (done < n) {
		ssize_t r = pread(fd, (char *)buf + done, n - done, off + (off_t)done);
		CHECK(r > 0, "pread(%s) at %lld returned %zd (%s)", path, (long long)off, r,
		      r < 0 ? strerror(errno) : "EOF");
		done += (size_t)r;
	}
}

/* Each loaded segment without PF_W must hold exactly the file's bytes. */
static void check_segments_match_file(const char *path, const Elf64_Phdr *ph, int n,
				      uintptr_t bias)
{
	int fd = open(path, O_RDONLY);
	CHECK(fd >= 0, "open(AT_EXECFN \"%s\"): %s", path, strerror(errno));
	static char buf[65536];
	for (int i = 0; i < n; i++) {
		if (ph[i].p_type != PT_LOAD || (ph[i].p_flags & PF_W) || ph[i].p_filesz == 0)
			continue;
		CHECK(ph[i].p_flags & PF_R, "PT_LOAD %d is not readable", i);
		const char *mem = (const char *)(bias + ph[i].p_vaddr);
		for (uint64_t off = 0; off < ph[i].p_filesz; off += sizeof buf) {
			size_t len = ph[i].p_filesz - off < sizeof buf ? ph[i].p_filesz - off
								       : sizeof buf;
			read_at(fd, buf, len, (off_t)(ph[i].p_offset + off), path);
			if (memcmp(buf, mem + off, len) != 0) {
				size_t k = 0;
				while (buf[k] == mem[off + k])
					k++;
				fail("PT_LOAD %d differs from the file at vaddr %#lx (file offset "
				     "%#lx): memory %#x, file %#x",
				     i, (unsigned long)(ph[i].p_vaddr + off + k),
				     (unsigned long)(ph[i].p_offset + off + k),
				     (unsigned char)mem[off + k], (unsigned char)buf[k]);
			}
		}
	}
	close(fd);
}

static void check_auxv(char **argv)
{
	CHECK(aux(AT_PAGESZ, "AT_PAGESZ") == 4096, "AT_PAGESZ is %lu, expected 4096",
	      getauxval(AT_PAGESZ));

	const Elf64_Ehdr *eh = &__ehdr_start;
	CHECK(memcmp(eh->e_ident, ELFMAG, SELFMAG) == 0, "no ELF magic at __ehdr_start %p",
	      (const void *)eh);
	CHECK(eh->e_type == ET_EXEC || eh->e_type == ET_DYN, "e_type %u", eh->e_type);

	unsigned long phdr = aux(AT_PHDR, "AT_PHDR");
	unsigned long phnum = aux(AT_PHNUM, "AT_PHNUM");
	unsigned long phent = aux(AT_PHENT, "AT_PHENT");
	CHECK(phent == sizeof(Elf64_Phdr) && phent == eh->e_phentsize,
	      "AT_PHENT %lu, e_phentsize %u, sizeof(Elf64_Phdr) %zu", phent, eh->e_phentsize,
	      sizeof(Elf64_Phdr));
	CHECK(phnum == eh->e_phnum, "AT_PHNUM %lu, e_phnum %u", phnum, eh->e_phnum);
	CHECK(phdr == (uintptr_t)eh + eh->e_phoff,
	      "AT_PHDR %#lx, but the ELF header at %p says the headers are at %#lx", phdr,
	      (const void *)eh, (unsigned long)((uintptr_t)eh + eh->e_phoff));

	/* The load bias: where the segment holding the ELF header (file
	 * offset 0) was put, minus where the file asked for it. */
	const Elf64_Phdr *ph = (const Elf64_Phdr *)phdr;
	uintptr_t bias = 0;
	int found = 0;
	for (unsigned long i = 0; i < phnum; i++) {
		if (ph[i].p_type == PT_LOAD && ph[i].p_offset == 0) {
			bias = (uintptr_t)eh - ph[i].p_vaddr;
			found = 1;
			break;
		}
	}
	CHECK(found, "no PT_LOAD segment maps file offset 0");
	if (eh->e_type == ET_EXEC)
		CHECK(bias == 0, "ET_EXEC loaded with bias %#lx", (unsigned long)bias);
	else
		CHECK(bias % 4096 == 0 && bias != 0, "ET_DYN loaded with bias %#lx",
		      (unsigned long)bias);
	for (unsigned long i = 0; i < phnum; i++)
		if (ph[i].p_type == PT_PHDR)
			CHECK(bias + ph[i].p_vaddr == phdr, "PT_PHDR at %#lx + bias, AT_PHDR %#lx",
			      (unsigned long)ph[i].p_vaddr, phdr);

	unsigned long entry = aux(AT_ENTRY, "AT_ENTRY");
	CHECK(entry == bias + eh->e_entry, "AT_ENTRY %#lx, e_entry %#lx + bias %#lx", entry,
	      (unsigned long)eh->e_entry, (unsigned long)bias);
	CHECK(entry == (uintptr_t)_start, "AT_ENTRY %#lx, &_start %p", entry, (void *)_start);

	const unsigned char *rnd = (const unsigned char *)aux(AT_RANDOM, "AT_RANDOM");
	CHECK(rnd != NULL, "AT_RANDOM is NULL");
	unsigned any = 0;
	for (int i = 0; i < 16; i++)
		any |= rnd[i];
	CHECK(any != 0, "AT_RANDOM's 16 bytes are all zero");

	CHECK(aux(AT_UID, "AT_UID") == getuid(), "AT_UID %lu, getuid() %u", getauxval(AT_UID),
	      (unsigned)getuid());
	CHECK(aux(AT_EUID, "AT_EUID") == geteuid(), "AT_EUID %lu, geteuid() %u",
	      getauxval(AT_EUID), (unsigned)geteuid());
	CHECK(aux(AT_GID, "AT_GID") == getgid(), "AT_GID %lu, getgid() %u", getauxval(AT_GID),
	      (unsigned)getgid());
	CHECK(aux(AT_EGID, "AT_EGID") == getegid(), "AT_EGID %lu, getegid() %u",
	      getauxval(AT_EGID), (unsigned)getegid());
	CHECK(aux(AT_SECURE, "AT_SECURE") == 0, "AT_SECURE is %lu", getauxval(AT_SECURE));

	const char *plat = (const char *)aux(AT_PLATFORM, "AT_PLATFORM");
	CHECK(plat && strcmp(plat, "x86_64") == 0, "AT_PLATFORM is \"%s\", expected \"x86_64\"",
	      plat ? plat : "(null)");

	const char *execfn = (const char *)aux(AT_EXECFN, "AT_EXECFN");
	CHECK(execfn != NULL, "AT_EXECFN is NULL");
	if (strchr(argv[0], '/')) /* run by path: the kernel copies the path given */
		CHECK(strcmp(execfn, argv[0]) == 0, "AT_EXECFN \"%s\", argv[0] \"%s\"", execfn,
		      argv[0]);
	check_segments_match_file(execfn, ph, (int)phnum, bias);
}

int main(int argc, char **argv)
{
	_Alignas(16) volatile char probe[16];
	CHECK(((uintptr_t)probe & 15) == 0, "stack not 16-byte aligned at main: %p",
	      (void *)probe);
	CHECK(argc >= 1, "argc is %d", argc);
	CHECK(argv[argc] == NULL, "argv[argc] is not NULL");
	CHECK(environ == argv + argc + 1, "environ %p does not follow argv (%p)",
	      (void *)environ, (void *)(argv + argc + 1));

	check_auxv(argv);

	printf("argc=%d\n", argc);
	for (int i = 0; i < argc; i++)
		printf("argv[%d]=\"%s\"\n", i, argv[i]);
	const char *v = getenv("VMEMU_GUEST_VAR");
	printf("VMEMU_GUEST_VAR=%s%s%s\n", v ? "\"" : "", v ? v : "(unset)", v ? "\"" : "");
	int n = 0;
	for (char **e = environ; *e; e++)
		n++;
	printf("envc>0=%d\n", n > 0);
	return 0;
}
