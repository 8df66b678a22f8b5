/* interp.c - the program interpreter named by PT_INTERP (ld-linux or
 * ld-musl), loaded as Linux's load_elf_interp does: opened by the guest's
 * own name lookup, so under --root it comes from the root (as the
 * libraries it then opens do) and from the host's / without; checked as
 * an ELF file of its own; mapped whole, an ET_DYN one at the address mmap
 * would pick for it (below the mmap base, top down), from the page cache.
 * The program then starts at the interpreter's entry point, and auxv
 * tells the interpreter where it is (AT_BASE) and where the program is
 * (AT_PHDR, AT_ENTRY).
 *
 * A relative PT_INTERP path (Linux resolves it against the working
 * directory) is refused: the first program is loaded before any process
 * runs, so there is no working directory to resolve it against yet. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kern.h"
#include "mm/mm.h"
#include "task/task.h"
#include "loader_int.h"

/* Maps the interpreter's segments into mm at the bias its type asks for. */
static int map_interp(struct kernel *k, struct mm *mm, struct elf_info *info,
		      const struct exe_file *ef, const char *name, char *err, size_t errlen)
{
	if (info->type == ELF_TYPE_DYN) {
		uint64_t addr = mm_get_unmapped_area(k, mm, 0, info->hi - info->lo);
		if (!addr) {
			snprintf(err, errlen, "%s: no room for the interpreter", name);
			return -1;
		}
		info->load_bias = addr - info->lo;
	}
	int r = load_segments(k, mm, info, ef);
	if (r < 0) {
		snprintf(err, errlen, "%s: cannot load the interpreter: %s", name, strerror(-r));
		return -1;
	}
	return 0;
}

int interp_load(struct kernel *k, struct mm *mm, const char *name, uint64_t *base,
		uint64_t *entry, char *err, size_t errlen)
{
	if (name[0] != '/') {
		snprintf(err, errlen, "%s: a relative interpreter path is not supported", name);
		return 126;
	}
	int host_fd = exec_lookup_host(k, name);
	if (host_fd < 0) {
		snprintf(err, errlen, "%s: %s", name, strerror(-host_fd));
		return host_fd == -ENOENT ? 127 : 126;
	}
	char host[64];
	snprintf(host, sizeof(host), "/proc/self/fd/%d", host_fd);
	struct exe_file ef;
	int r = exe_file_read(host, &ef, err, errlen);
	close(host_fd);
	if (r) {
		snprintf(err, errlen, "%s: cannot read the interpreter", name);
		return r;
	}
	struct elf_info info;
	char msg[200];
	r = 126;
	if (elf_validate(ef.data, ef.len, &info, msg, sizeof(msg)))
		snprintf(err, errlen, "%s: %s", name, msg);
	else if (!map_interp(k, mm, &info, &ef, name, err, errlen))
		r = 0;
	*base = info.load_bias;
	*entry = info.load_bias + info.entry;
	exe_file_free(&ef);
	return r;
}
