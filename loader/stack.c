/* stack.c - the initial stack of a new program (SysV x86-64 ABI 3.4.1),
 * laid out the way Linux's binfmt_elf does it. From the top down:
 *
 *   8 zero bytes              Linux leaves the top word 0 as an end marker
 *   execfn string             AT_EXECFN
 *   argv strings, envp strings  (ascending: argv[0] lowest, envp last)
 *                             (rounded down to 16 bytes)
 *   "x86_64"                  AT_PLATFORM
 *   16 random bytes           AT_RANDOM
 *                             (rounded down to 16 bytes with the words below)
 *   auxv pairs ... AT_NULL
 *   envp[0..envc), NULL
 *   argv[0..argc), NULL
 *   argc                      <- rsp at entry, 16-byte aligned
 *
 * The image is built in a host buffer; the caller writes it into the new
 * address space in one go. */
#include <elf.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader_int.h"

/* AT_HWCAP on x86 is CPUID.1:EDX: fpu .. sse2 and htt, as common x86-64
 * CPUs report it. */
#define X86_HWCAP 0x178bfbffu

/* AT_MINSIGSTKSZ: the most stack a signal frame of the guest kernel takes
 * (task/sigframe.c: the 512-byte FXSAVE area 64-byte aligned, then the
 * 440-byte rt_sigframe 16-byte aligned): 512 + 63 + 440 + 15, rounded up
 * to 16, as Linux rounds its max_frame_size. */
#define SIGFRAME_SIZE_MAX 1040
/* rseq(2)'s struct rseq as the guest kernel knows it (task/rseq.c):
 * offsetof(struct rseq, end) and its alignment (Linux 6.3 on). */
#define RSEQ_FEATURE_SIZE 28
#define RSEQ_ALIGN 32

#define X86_PLATFORM "x86_64"
#define CLOCK_TICKS 100 /* AT_CLKTCK: Linux's USER_HZ */

/* Linux limits argv plus envp to a quarter of the stack size limit. */
#define ARG_SPACE_MAX (LOADER_STACK_SIZE / 4)

static size_t count_strings(char *const v[])
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

static void put_word(struct stack_image *img, uint64_t addr, uint64_t value)
{
	memcpy(img->buf + (addr - img->sp), &value, sizeof value);
}

/* Copies the n strings of v upwards from addr, storing each one's address in
 * the pointer array at ptrs. Returns the address after the last string. */
static uint64_t put_strings(struct stack_image *img, uint64_t addr, char *const v[], size_t n,
			    uint64_t ptrs)
{
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(v[i]) + 1;

		memcpy(img->buf + (addr - img->sp), v[i], len);
		put_word(img, ptrs + 8 * i, addr);
		addr += len;
	}
	return addr;
}

static int too_long(char *err, size_t errlen)
{
	snprintf(err, errlen, "argument list too long (arguments and environment exceed %" PRIu64
		 " bytes)", ARG_SPACE_MAX);
	return -1;
}

int stack_image_build(const struct elf_info *info, const struct stack_params *prm,
		      char *const argv[], char *const envp[], struct stack_image *img,
		      char *err, size_t errlen)
{
	size_t argc = count_strings(argv), envc = count_strings(envp);
	size_t execfn_len = strlen(prm->execfn) + 1;
	uint64_t args_len = 0, p = prm->top - 8;
	uint64_t execfn_at, strings_at, platform_at, random_at, words, a;

	/* Stops at the limit, so no sum below can overflow. */
	for (size_t i = 0; i < argc + envc && args_len <= ARG_SPACE_MAX; i++)
		args_len += strlen(i < argc ? argv[i] : envp[i - argc]) + 1;
	if (args_len > ARG_SPACE_MAX)
		return too_long(err, errlen);
	execfn_at = p -= execfn_len;
	strings_at = p -= args_len;
	p &= ~UINT64_C(15);
	platform_at = p -= sizeof X86_PLATFORM;
	random_at = p -= sizeof prm->random;

	const uint64_t auxv[][2] = {
		{ AT_SYSINFO_EHDR, prm->vdso }, /* first, as Linux's ARCH_DLINFO */
		{ AT_MINSIGSTKSZ, SIGFRAME_SIZE_MAX },
		{ AT_HWCAP, X86_HWCAP },
		{ AT_PAGESZ, LOADER_PAGE_SIZE },
		{ AT_CLKTCK, CLOCK_TICKS },
		{ AT_PHDR, info->phdr_vaddr ? info->load_bias + info->phdr_vaddr : 0 },
		{ AT_PHENT, sizeof(Elf64_Phdr) },
		{ AT_PHNUM, info->phnum },
		{ AT_BASE, prm->interp_base },
		{ AT_FLAGS, 0 },
		{ AT_ENTRY, info->load_bias + info->entry },
		{ AT_UID, prm->uid },
		{ AT_EUID, prm->euid },
		{ AT_GID, prm->gid },
		{ AT_EGID, prm->egid },
		{ AT_SECURE, prm->secure },
		{ AT_RANDOM, random_at },
		{ AT_HWCAP2, 0 },
		{ AT_EXECFN, execfn_at },
		{ AT_PLATFORM, platform_at },
		{ AT_RSEQ_FEATURE_SIZE, RSEQ_FEATURE_SIZE },
		{ AT_RSEQ_ALIGN, RSEQ_ALIGN },
		{ AT_NULL, 0 },
	};

	words = 1 + (argc + 1) + (envc + 1) + 2 * (sizeof auxv / sizeof auxv[0]);
	img->sp = (p - 8 * words) & ~UINT64_C(15);
	img->size = prm->top - img->sp;
	if (img->size > ARG_SPACE_MAX)
		return too_long(err, errlen);
	img->buf = calloc(1, img->size);
	if (!img->buf) {
		snprintf(err, errlen, "out of memory for the initial stack");
		return -1;
	}

	memcpy(img->buf + (execfn_at - img->sp), prm->execfn, execfn_len);
	memcpy(img->buf + (platform_at - img->sp), X86_PLATFORM, sizeof X86_PLATFORM);
	memcpy(img->buf + (random_at - img->sp), prm->random, sizeof prm->random);

	a = img->sp;
	put_word(img, a, argc);
	a += 8;
	img->env_start = put_strings(img, strings_at, argv, argc, a);
	img->env_end = put_strings(img, img->env_start, envp, envc, a + 8 * (argc + 1));
	a += 8 * (argc + 1) + 8 * (envc + 1); /* the NULLs are already zero */
	img->auxv_start = a;
	img->auxv_end = a + sizeof auxv;
	for (size_t i = 0; i < sizeof auxv / sizeof auxv[0]; i++, a += 16) {
		put_word(img, a, auxv[i][0]);
		put_word(img, a + 8, auxv[i][1]);
	}
	return 0;
}

void stack_image_free(struct stack_image *img)
{
	free(img->buf);
	img->buf = NULL;
}
