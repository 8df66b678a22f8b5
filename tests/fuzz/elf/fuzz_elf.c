/* fuzz_elf.c - libFuzzer harness: the ELF loader on arbitrary bytes.
 *
 * Each input is a would-be program. elf_validate judges the bytes; then
 * the whole of loader_exec runs on them from a memfd, as execve would: a
 * kernel with the smallest memory vmemu allows, one process, the image
 * built (segments through the page cache, bss, stack, auxv). A valid
 * image must give a process with an address space; an invalid one must
 * leave the process as it was; either way no frame or swap slot may stay
 * in use once the kernel shuts down. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kern.h"
#include "kernel.h"
#include "loader.h"
#include "task/task.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void no_op(void *ctx)
{
	(void)ctx;
}

static struct kernel *new_kernel(void)
{
	const struct kernel_config cfg = {.mem_size = 16 << 20, .exec = loader_exec};
	const struct kernel_ops ops = {.flush_tlb = no_op, .flush_code = no_op, .stop = no_op};
	char err[256];
	struct kernel *k = kernel_create(&cfg, &ops, err, sizeof(err));
	if (!k) {
		fprintf(stderr, "fuzz_elf: kernel_create: %s\n", err);
		abort();
	}
	return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct elf_info info;
	char err[256];
	bool valid = !elf_validate(data, size, &info, err, sizeof(err));
	int fd = memfd_create("fuzz_elf", MFD_CLOEXEC);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size || fchmod(fd, 0755) < 0)
		abort();
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	struct kernel *k = new_kernel();
	struct process *p = kernel_create_process(k);
	if (!p)
		abort();
	char *argv[] = {"prog", NULL}, *envp[] = {"A=1", NULL};
	int r = loader_exec(k, p, path, "/prog", argv, envp, err, sizeof(err));
	/* The loader validates the same bytes: what it refuses is refused
	 * whole; a valid image may still not load (126, e.g. no room; 127
	 * when the interpreter it names does not exist). */
	bool missing_interp = valid && info.interp_off && r == 127;
	if ((!valid && (r != 126 || p->mm)) ||
	    (valid && r != 0 && r != 126 && !missing_interp) || (r == 0 && !p->mm)) {
		fprintf(stderr, "fuzz_elf: elf_validate says %s, loader_exec returned %d (%s)\n",
			valid ? "valid" : "invalid", r, err);
		abort();
	}
	uint64_t leaked = kernel_shutdown(k);
	kernel_destroy(k);
	close(fd);
	if (leaked) {
		fprintf(stderr, "fuzz_elf: %llu frames or swap slots leaked\n", (unsigned long long)leaked);
		abort();
	}
	return 0;
}
