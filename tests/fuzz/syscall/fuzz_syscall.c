/* fuzz_syscall.c - libFuzzer harness: the system-call layer with arbitrary
 * arguments and guest memory contents, in-process (no CPU).
 *
 * A kernel with --root confined to a scratch directory (emptied before
 * each input) runs one process whose address space holds a 16-page
 * scratch area at SCRATCH, read-write. An input is:
 *   - its first SCRATCH_FILL bytes: the scratch area's first bytes (after
 *     a page of well-known path names, which stays);
 *   - then records of RECORD_SIZE bytes, one system call each: a 16-bit
 *     number (any, the kernel answers ENOSYS to unknown ones) and six
 *     arguments, each a kind byte and a 16-bit value (argument()).
 * The calls run in order through kernel_syscall, as the CPU's SYSCALL
 * would make them, until one leaves the process unable to run (it exited,
 * was killed, blocked or stopped). The guest's stdin, stdout and stderr are
 * /dev/null, so nothing reaches the host's terminal. Afterwards no frame
 * or swap slot may stay in use once the kernel shuts down. */
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fs/fs.h"
#include "kern.h"
#include "kernel.h"
#include "loader.h"
#include "mm/mm.h"
#include "task/task.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SCRATCH 0x10000ULL
#define SCRATCH_PAGES 16
#define SCRATCH_SIZE (SCRATCH_PAGES * 4096ULL)
#define PATHS (SCRATCH + SCRATCH_SIZE - 4096) /* the last page: path names */
#define PATH_SLOT 64
#define SCRATCH_FILL 1024
#define RECORD_SIZE 20
#define MAX_CALLS 64

static const char *const paths[] = {
	"/", ".", "..", "a", "a/b", "/a/../..", "/proc/self/maps", "/proc/self/exe",
	"/proc/self/status", "/proc/meminfo", "/proc/1/cmdline", "/proc", "fifo", "l",
	"/dev/null", "", "/proc/self/fd", "b/../../../etc/passwd",
};
#define NPATHS (sizeof(paths) / sizeof(paths[0]))

static const uint64_t constants[] = {
	0, 1, 2, 3, 4096, 4095, 0x7fffffff, 0xffffffff, UINT64_MAX, UINT64_MAX - 4095,
	0x7ffffffff000ULL, 0x800000000000ULL, 0xffff800000000000ULL, 0x100000000ULL,
	0x41 /* O_WRONLY|O_CREAT */, 0x242 /* O_RDWR|O_CREAT|O_TRUNC */, 0x10000 /* O_DIRECTORY */,
	0x22 /* MAP_PRIVATE|MAP_ANONYMOUS */, 0x21 /* MAP_SHARED|MAP_ANONYMOUS */,
	0x32 /* ...|MAP_FIXED */, 7 /* PROT_RWX */, 0x200000, 1ULL << 30, 0x11 /* SIGCHLD */,
};
#define NCONSTANTS (sizeof(constants) / sizeof(constants[0]))

static char root[] = "/tmp/fuzz_syscall.XXXXXX";

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	if (ftw->level > 0)
		remove(path);
	return 0;
}

static void no_op(void *ctx)
{
	(void)ctx;
}

/* One argument from a kind byte and a 16-bit value. */
static uint64_t argument(uint8_t kind, uint16_t v)
{
	switch (kind % 8) {
	case 0: return (uint64_t)(int64_t)(int16_t)v;         /* a small number */
	case 1: return SCRATCH + v % SCRATCH_SIZE;            /* into the scratch area */
	case 2: return constants[v % NCONSTANTS];
	case 3: return v % 16;                                /* an fd */
	case 4: return 0x1000 + v;                            /* unmapped */
	case 5: return PATHS + (v % NPATHS) * PATH_SLOT;      /* a path name */
	case 6: return (uint64_t)v << 12;                     /* page-sized */
	default: return 0x7ffffffff000ULL - 0x10000 + v;     /* the top of user space */
	}
}

static struct kernel *setup(struct process **pp)
{
	const struct kernel_config cfg = {.mem_size = 16 << 20, .exec = loader_exec, .root = root};
	const struct kernel_ops ops = {.flush_tlb = no_op, .flush_code = no_op, .stop = no_op};
	char err[256];
	struct kernel *k = kernel_create(&cfg, &ops, err, sizeof(err));
	struct process *p = k ? kernel_create_process(k) : NULL;
	if (!p) {
		fprintf(stderr, "fuzz_syscall: setup: %s\n", k ? "out of memory" : err);
		abort();
	}
	p->mm = mm_create(k);
	if (!p->mm || mm_map(k, p->mm, SCRATCH, SCRATCH_SIZE, VM_READ | VM_WRITE, true) < 0)
		abort();
	kernel_start(k, p);
	for (int fd = 0; fd < 3; fd++) {
		struct file *f;
		if (file_create(k, open("/dev/null", O_RDWR | O_CLOEXEC), O_RDWR, &f))
			abort();
		/* As vmemu's stdio under --root: the host's /dev/null keeps
		 * its mode, owner and times (fchmod, fchown, futimens: EROFS). */
		f->f_mode |= FMODE_OUTSIDE_ROOT;
		fd_install_at(p->files, fd, f, false);
	}
	for (size_t i = 0; i < NPATHS; i++)
		if (copy_to_user(k, PATHS + i * PATH_SLOT, paths[i], strlen(paths[i]) + 1))
			abort();
	*pp = p;
	return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool made;
	if (!made) {
		if (!mkdtemp(root))
			abort();
		made = true;
	}
	nftw(root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	struct process *p;
	struct kernel *k = setup(&p);
	size_t fill = size < SCRATCH_FILL ? size : SCRATCH_FILL;
	if (copy_to_user(k, SCRATCH, data, fill))
		abort();
	data += fill;
	size -= fill;
	for (int n = 0; size >= RECORD_SIZE && n < MAX_CALLS; n++, data += RECORD_SIZE,
		 size -= RECORD_SIZE) {
		struct cpu_context *ctx = kernel_current_context(k);
		uint64_t a[6];
		for (int i = 0; i < 6; i++)
			a[i] = argument(data[2 + 3 * i], (uint16_t)(data[3 + 3 * i] | data[4 + 3 * i] << 8));
		ctx->rax = (uint64_t)(data[0] | data[1] << 8) % 512;
		ctx->rdi = a[0], ctx->rsi = a[1], ctx->rdx = a[2];
		ctx->r10 = a[3], ctx->r8 = a[4], ctx->r9 = a[5];
		ctx->rsp = SCRATCH + SCRATCH_SIZE - 4096; /* room for a signal frame */
		kernel_syscall(k, ctx);
		if (p->exited || p->state != PROC_RUNNABLE)
			break;
	}
	uint64_t leaked = kernel_shutdown(k);
	kernel_destroy(k);
	if (leaked) {
		fprintf(stderr, "fuzz_syscall: %llu frames or swap slots leaked\n",
			(unsigned long long)leaked);
		abort();
	}
	return 0;
}
