/* cpu.c - the Unicorn side: one x86-64 CPU whose TLB fills, SYSCALLs and
 * exceptions are forwarded to the guest kernel. The only file (with
 * cpu.h's users) that knows Unicorn. */
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <time.h>
#include <unicorn/unicorn.h>

#include "cpu.h"
#include "disasm.h"
#include "exception.h"
#include "exception_flight.h"
#include "tlb_growth.h"
#include "user_mode.h"
#include "watchdog.h"

struct cpu {
	uc_engine *uc;
	struct kernel *k;
	struct disasm *disasm;
	bool reload; /* the kernel holds the context: do not store the CPU's */
	bool stopping; /* uc_emu_stop was asked for in this slice */
	volatile sig_atomic_t interrupted; /* cpu_interrupt: end the slice soon */
	struct watchdog *watchdog; /* the hard end of a slice (watchdog.c) */
	uint64_t slice_end; /* CLOCK_MONOTONIC ns when the slice is over; 0: never */
	unsigned fills;     /* TLB fills, so the clock is read at every 32nd only */
	uc_hook hook_fill, hook_syscall, hook_intr;
	uc_hook hook_in, hook_out, hook_sysenter;
	struct exception_flight flight; /* a clean CPU, to forget a taken exception */
	bool in_flight; /* the slice ended with an exception QEMU remembers */
	uint64_t slices;
	struct tlb_growth tlb; /* a mirror of Unicorn's TLB, to make it grow */
	uint64_t growth_stops; /* slices ended so that a flush can grow it */
	/* Observers (cpu_set_hooks): NULL in a plain run. */
	const struct cpu_hooks *hooks;
	uc_hook hook_insn, hook_block;
	unsigned insns;     /* instructions hooked, so the clock is read at every 32nd */
	bool quit;          /* cpu_quit: cpu_run returns after this slice */
};

/* The registers of struct cpu_context, in its field order. */
static const int context_regs[] = {
	UC_X86_REG_RAX, UC_X86_REG_RBX, UC_X86_REG_RCX, UC_X86_REG_RDX, UC_X86_REG_RSI,
	UC_X86_REG_RDI, UC_X86_REG_RBP, UC_X86_REG_RSP, UC_X86_REG_R8,  UC_X86_REG_R9,
	UC_X86_REG_R10, UC_X86_REG_R11, UC_X86_REG_R12, UC_X86_REG_R13, UC_X86_REG_R14,
	UC_X86_REG_R15, UC_X86_REG_RIP, UC_X86_REG_RFLAGS, UC_X86_REG_FS_BASE, UC_X86_REG_GS_BASE,
};
#define NREGS (sizeof(context_regs) / sizeof(context_regs[0]))
_Static_assert(offsetof(struct cpu_context, fpu) == NREGS * sizeof(uint64_t),
	       "cpu_context must start with exactly the registers of context_regs");
/* The x87/SSE registers: FPSW, FPCW, FPTAG, MXCSR, ST0-7, XMM0-15. */
#define NFPU (8 + 16 + 4)
#define NALL (NREGS + NFPU)

/* Unicorn's register ids and our fields for the whole context. */
static void context_pointers(struct cpu_context *ctx, int regs[NALL], void *ptrs[NALL])
{
	uint64_t *field = &ctx->rax;
	struct fpu_state *f = &ctx->fpu;
	int n = 0;
	for (size_t i = 0; i < NREGS; i++, n++) {
		regs[n] = context_regs[i];
		ptrs[n] = &field[i];
	}
	/* FPSW first: Unicorn's ST(i) is the register TOP + i (FPSW's TOP
	 * field), so a batch writes the stack at the new TOP only after it. */
	regs[n] = UC_X86_REG_FPSW, ptrs[n++] = &f->fsw;
	regs[n] = UC_X86_REG_FPCW, ptrs[n++] = &f->fcw;
	regs[n] = UC_X86_REG_FPTAG, ptrs[n++] = &f->ftw;
	regs[n] = UC_X86_REG_MXCSR, ptrs[n++] = &f->mxcsr;
	for (int i = 0; i < 8; i++, n++) {
		regs[n] = UC_X86_REG_ST0 + i;
		ptrs[n] = f->st[i];
	}
	for (int i = 0; i < 16; i++, n++) {
		regs[n] = UC_X86_REG_XMM0 + i;
		ptrs[n] = f->xmm[i];
	}
}

static void context_store(struct cpu *cpu, struct cpu_context *ctx)
{
	int regs[NALL];
	void *ptrs[NALL];
	context_pointers(ctx, regs, ptrs);
	uc_reg_read_batch(cpu->uc, regs, ptrs, NALL);
}

static void context_load(struct cpu *cpu, struct cpu_context *ctx)
{
	int regs[NALL];
	void *ptrs[NALL];
	context_pointers(ctx, regs, ptrs);
	uc_reg_write_batch(cpu->uc, regs, (void *const *)ptrs, NALL);
}

/* Writes back the general registers a system call changed (a plain return
 * leaves the x87/SSE state alone). RIP stays: Unicorn steps over the
 * SYSCALL itself after the hook, and writing RIP from a hook would end the
 * translation block. */
static void context_load_changed(struct cpu *cpu, const struct cpu_context *ctx,
				 const struct cpu_context *before)
{
	const uint64_t *now = &ctx->rax, *old = &before->rax;
	for (size_t i = 0; i < NREGS; i++)
		if (now[i] != old[i] && context_regs[i] != UC_X86_REG_RIP)
			uc_reg_write(cpu->uc, context_regs[i], &now[i]);
}

/* Unicorn delivers a CPU exception through the IDT, which it reaches as an
 * instruction fetch in the kernel half; user code can never fetch there. */
#define KERNEL_HALF 0xffff800000000000ULL

static void op_stop(void *ctx)
{
	struct cpu *cpu = ctx;
	cpu->stopping = true;
	uc_emu_stop(cpu->uc);
}

static uint64_t clock_ns(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint64_t now_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

/* Every flush of Unicorn's TLB goes through here, so that the mirror sees
 * the resize QEMU makes at each (it times its window with the real-time
 * clock). */
static void flush_tlb(struct cpu *cpu)
{
	uc_ctl_flush_tlb(cpu->uc);
	tlb_growth_flushed(&cpu->tlb, clock_ns(CLOCK_REALTIME));
}

/* How a slice ends. A stop that Unicorn notices from outside the CPU
 * (uc_emu_stop from another thread or a signal handler) takes effect at
 * the check it makes after each load and store, and puts RIP back to the
 * start of that instruction, even when its store was done: a glibc `lock
 * cmpxchg` that had taken a lock ran again, found the lock taken and called
 * futex (seen on 2.1.4). A failed TLB fill, by contrast, restores the state
 * at the start of the instruction before it touched memory, and so does
 * the end of a SYSCALL. So a slice ends at the first TLB fill or system
 * call after slice_end, and a stop the kernel asks for during a fill fails
 * that fill. Only a process that does neither for SLICE_LIMIT_FACTOR
 * slices of its own CPU time is stopped from outside, by the watchdog,
 * with the risk above (watchdog.c; tests/guest/proc_slices.c shows the
 * difference). */
#define SLICE_LIMIT_FACTOR 4
/* How long after cpu_interrupt the watchdog stops a slice that has made
 * no fill and no system call meanwhile. */
#define INTERRUPT_GRACE_NS 20000000ULL

static bool slice_over(const struct cpu *cpu)
{
	return cpu->interrupted || (cpu->slice_end && now_ns() >= cpu->slice_end);
}

void cpu_interrupt(struct cpu *cpu)
{
	cpu->interrupted = 1; /* the watchdog too sees it */
}

/* The program itself jumped into the kernel half (RIP is on the page
 * filled; Unicorn's own fetches there come from a user RIP): the kernel's
 * #PF handler takes the fetch of RIP with the task's registers at hand,
 * emulates a call of the vsyscall page in them or queues SIGSEGV, and the
 * next slice starts from what it made of them. */
static void user_fetch_kernel_half(struct cpu *cpu, uint64_t page)
{
	struct cpu_context *ctx = kernel_current_context(cpu->k);
	uint64_t rip = 0, pa;
	unsigned prot;
	uc_reg_read(cpu->uc, UC_X86_REG_RIP, &rip);
	if ((rip & ~(PAGE_SIZE - 1)) != page)
		return;
	context_store(cpu, ctx);
	kernel_tlb_fill(cpu->k, rip, MMU_FETCH, &pa, &prot); /* never mapped for user space */
	cpu->reload = true;
	op_stop(cpu);
}

static bool on_tlb_fill(uc_engine *uc, uint64_t va, uc_mem_type type, uc_tlb_entry *out,
			void *user)
{
	(void)uc;
	struct cpu *cpu = user;
	if (type == UC_MEM_FETCH && va >= KERNEL_HALF) {
		if (!cpu->stopping)
			user_fetch_kernel_half(cpu, va);
		return false; /* ends uc_emu_start with UC_ERR_EXCEPTION */
	}
	/* The fill is the hot path: a clock read at each would cost a sixth
	 * of it, so the deadline is looked at every 32 fills. */
	if (!cpu->stopping && (++cpu->fills & 31) == 0 && slice_over(cpu))
		op_stop(cpu);
	/* Unicorn's TLB grows only at a flush: end the slice here, where RIP
	 * is exact, and the next one starts with the flush. */
	if (!cpu->stopping && tlb_growth_due(&cpu->tlb)) {
		cpu->growth_stops++;
		op_stop(cpu);
	}
	if (cpu->stopping)
		return false; /* the instruction runs from its start next time */
	enum mmu_access access = type == UC_MEM_WRITE ? MMU_WRITE
				 : type == UC_MEM_FETCH ? MMU_FETCH
							: MMU_READ;
	unsigned prot;
	if (!kernel_tlb_fill(cpu->k, va, access, &out->paddr, &prot))
		return false;
	if (cpu->stopping) {
		kernel_tlb_fill_failed(cpu->k);
		return false;
	}
	if (__builtin_expect(cpu->hooks != NULL, 0) && cpu->hooks->fill)
		cpu->hooks->fill(cpu->hooks->ctx, va, access, &prot);
	out->perms = (uc_prot)prot; /* KPROT_* have UC_PROT_* values */
	tlb_growth_fill(&cpu->tlb, va);
	return true;
}

static void op_flush_tlb(void *ctx)
{
	flush_tlb(ctx);
}

static void op_flush_code(void *ctx)
{
	struct cpu *cpu = ctx;
	uc_ctl_flush_tb(cpu->uc);
}

static void on_syscall(uc_engine *uc, void *user)
{
	struct cpu *cpu = user;
	struct cpu_context *ctx = kernel_current_context(cpu->k);
	context_store(cpu, ctx); /* ctx->rip: the SYSCALL instruction */
	struct cpu_context before = *ctx;
	if (kernel_syscall(cpu->k, ctx)) {
		/* A new context (or another process) runs from the next slice. */
		cpu->reload = true;
		op_stop(cpu);
		return;
	}
	context_load_changed(cpu, ctx, &before);
	/* The SYSCALL ends its translation block: RIP is exact after it. */
	if (slice_over(cpu))
		op_stop(cpu);
	(void)uc;
}

/* CPU exceptions other than #PF, which the TLB fill already handled. */
static void on_interrupt(uc_engine *uc, uint32_t intno, void *user)
{
	struct cpu *cpu = user;
	int sig;
	switch (intno) {
	case 0:  sig = SIGFPE; break;  /* #DE */
	case 1:
	case 3:  sig = SIGTRAP; break; /* #DB, #BP */
	case 4:  sig = SIGSEGV; break; /* #OF */
	case 5:  sig = SIGSEGV; break; /* #BR */
	case 6:  sig = SIGILL; break;  /* #UD */
	case 16:
	case 19: sig = SIGFPE; break;  /* #MF, #XM */
	case 17: sig = SIGBUS; break;  /* #AC */
	default: sig = SIGSEGV; break; /* #GP, #SS, #NP, INT n */
	}
	/* Unicorn raises #DB only for the trap flag: no debug registers.
	 * After a SYSCALL it checks TF at once; when the call already gave
	 * the CPU a new context (a tracee stepping over it stopped with its
	 * own SIGTRAP), that #DB belongs to the state thrown away. */
	if (intno == 1 && cpu->reload) {
		uc_emu_stop(uc);
		return;
	}
	if (intno == 1)
		kernel_raise_single_step(cpu->k);
	else
		kernel_raise_fatal(cpu->k, sig);
	cpu->in_flight = exception_flight_remembered(intno);
	uc_emu_stop(uc);
}

/* An instruction that Unicorn runs although it must fault in a Linux
 * process: the hook sees RIP on it, so the context is taken there, the
 * signal is queued, and the instruction's own effect (IN's load of RAX,
 * SYSENTER's step) is dropped with the rest of the slice. */
static void fault_at_insn(struct cpu *cpu, int sig)
{
	context_store(cpu, kernel_current_context(cpu->k));
	kernel_raise_fatal(cpu->k, sig);
	cpu->reload = true;
	op_stop(cpu);
}

/* IN and OUT at CPL 3 with IOPL 0 and no I/O bitmap raise #GP, but
 * Unicorn skips the I/O permission check (gen_check_io). Linux's
 * ioperm/iopl are ENOSYS here, so every port is refused. */
static uint32_t on_in(uc_engine *uc, uint32_t port, int size, void *user)
{
	(void)uc, (void)port, (void)size;
	fault_at_insn(user, SIGSEGV);
	return 0;
}

static void on_out(uc_engine *uc, uint32_t port, int size, uint32_t value, void *user)
{
	(void)uc, (void)port, (void)size, (void)value;
	fault_at_insn(user, SIGSEGV);
}

/* SYSENTER in 64-bit mode is #UD on AMD CPUs, as on the hosts vmemu is
 * compared with, and Linux has no 64-bit SYSENTER entry; Unicorn's
 * SYSENTER only calls its hooks and steps over the instruction. */
static void on_sysenter(uc_engine *uc, void *user)
{
	(void)uc;
	fault_at_insn(user, SIGILL);
}

void cpu_kernel_ops(struct cpu *cpu, struct kernel_ops *ops)
{
	ops->ctx = cpu;
	ops->flush_tlb = op_flush_tlb;
	ops->flush_code = op_flush_code;
	ops->stop = op_stop;
}

struct cpu *cpu_create(char *err, size_t errlen)
{
	struct cpu *cpu = calloc(1, sizeof(*cpu));
	if (!cpu) {
		snprintf(err, errlen, "out of host memory");
		return NULL;
	}
	cpu->disasm = disasm_open();
	if (!cpu->disasm) {
		snprintf(err, errlen, "Capstone cannot open an x86-64 decoder");
		cpu_destroy(cpu);
		return NULL;
	}
	if (!tlb_growth_init(&cpu->tlb, clock_ns(CLOCK_REALTIME))) {
		snprintf(err, errlen, "out of host memory");
		cpu_destroy(cpu);
		return NULL;
	}
	uc_err e = uc_open(UC_ARCH_X86, UC_MODE_64, &cpu->uc);
	if (e == UC_ERR_OK)
		e = uc_ctl_tlb_mode(cpu->uc, UC_TLB_VIRTUAL);
	if (e != UC_ERR_OK) {
		snprintf(err, errlen, "Unicorn: %s", uc_strerror(e));
		cpu_destroy(cpu);
		return NULL;
	}
	if (user_mode_enter(cpu->uc, err, errlen)) {
		cpu_destroy(cpu);
		return NULL;
	}
	e = exception_flight_init(cpu->uc, &cpu->flight);
	if (e != UC_ERR_OK) {
		snprintf(err, errlen, "Unicorn: %s", uc_strerror(e));
		cpu_destroy(cpu);
		return NULL;
	}
	cpu->watchdog = watchdog_start(cpu->uc, &cpu->interrupted, INTERRUPT_GRACE_NS);
	if (!cpu->watchdog) {
		snprintf(err, errlen, "cannot start the slice watchdog thread");
		cpu_destroy(cpu);
		return NULL;
	}
	return cpu;
}

int cpu_attach(struct cpu *cpu, struct kernel *k, char *err, size_t errlen)
{
	cpu->k = k;
	uc_err e = uc_mem_map_ptr(cpu->uc, 0, kernel_phys_size(k), UC_PROT_ALL, kernel_phys_base(k));
	if (e == UC_ERR_OK)
		e = uc_hook_add(cpu->uc, &cpu->hook_fill, UC_HOOK_TLB_FILL, (void *)on_tlb_fill, cpu, 1, 0);
	if (e == UC_ERR_OK)
		e = uc_hook_add(cpu->uc, &cpu->hook_syscall, UC_HOOK_INSN, (void *)on_syscall, cpu, 1, 0,
				UC_X86_INS_SYSCALL);
	if (e == UC_ERR_OK)
		e = uc_hook_add(cpu->uc, &cpu->hook_intr, UC_HOOK_INTR, (void *)on_interrupt, cpu, 1, 0);
	if (e == UC_ERR_OK)
		e = uc_hook_add(cpu->uc, &cpu->hook_in, UC_HOOK_INSN, (void *)on_in, cpu, 1, 0, UC_X86_INS_IN);
	if (e == UC_ERR_OK)
		e = uc_hook_add(cpu->uc, &cpu->hook_out, UC_HOOK_INSN, (void *)on_out, cpu, 1, 0,
				UC_X86_INS_OUT);
	if (e == UC_ERR_OK)
		e = uc_hook_add(cpu->uc, &cpu->hook_sysenter, UC_HOOK_INSN, (void *)on_sysenter, cpu, 1,
				0, UC_X86_INS_SYSENTER);
	if (e != UC_ERR_OK) {
		snprintf(err, errlen, "Unicorn: %s", uc_strerror(e));
		return -1;
	}
	return 0;
}

void cpu_destroy(struct cpu *cpu)
{
	if (!cpu)
		return;
	watchdog_destroy(cpu->watchdog);
	exception_flight_destroy(&cpu->flight);
	if (cpu->uc)
		uc_close(cpu->uc);
	disasm_close(cpu->disasm);
	tlb_growth_destroy(&cpu->tlb);
	free(cpu);
}

/* ---- observers: the debugger, the exact TLB mode, the tracer ---- */

/* A stop asked for in a UC_HOOK_CODE callback is exact: Unicorn checks
 * for it right after the hook, before the instruction does anything. So
 * with a hook on every instruction, slices end there. */
static void on_insn(uc_engine *uc, uint64_t rip, uint32_t size, void *user)
{
	struct cpu *cpu = user;
	(void)uc;
	if (!cpu->stopping && (++cpu->insns & 31) == 0 && slice_over(cpu))
		op_stop(cpu);
	if (cpu->stopping)
		return; /* the instruction runs in a later slice */
	cpu->hooks->insn(cpu->hooks->ctx, rip, size);
}

static void on_block(uc_engine *uc, uint64_t addr, uint32_t size, void *user)
{
	struct cpu *cpu = user;
	(void)uc;
	cpu->hooks->block(cpu->hooks->ctx, addr, size);
}

static void hooks_slice_end(struct cpu *cpu)
{
	if (cpu->hooks && cpu->hooks->slice_end)
		cpu->hooks->slice_end(cpu->hooks->ctx);
}

int cpu_set_hooks(struct cpu *cpu, const struct cpu_hooks *h, char *err, size_t errlen)
{
	uc_err e = UC_ERR_OK;
	cpu->hooks = h;
	if (h->insn)
		e = uc_hook_add(cpu->uc, &cpu->hook_insn, UC_HOOK_CODE, (void *)on_insn, cpu, 1, 0);
	if (e == UC_ERR_OK && h->block)
		e = uc_hook_add(cpu->uc, &cpu->hook_block, UC_HOOK_BLOCK, (void *)on_block, cpu, 1, 0);
	if (e != UC_ERR_OK) {
		snprintf(err, errlen, "Unicorn: %s", uc_strerror(e));
		return -1;
	}
	return 0;
}

void cpu_read_context(struct cpu *cpu, struct cpu_context *ctx)
{
	context_store(cpu, ctx);
}

uint64_t cpu_rip(struct cpu *cpu)
{
	uint64_t rip = 0;
	uc_reg_read(cpu->uc, UC_X86_REG_RIP, &rip);
	return rip;
}

void cpu_flush_tlb(struct cpu *cpu)
{
	op_flush_tlb(cpu);
}

void cpu_stop(struct cpu *cpu)
{
	if (!cpu->stopping)
		op_stop(cpu);
}

void cpu_quit(struct cpu *cpu)
{
	cpu->quit = true;
	cpu_stop(cpu);
}

/* In UC_TLB_VIRTUAL mode a slice ended by uc_emu_stop also reports
 * UC_ERR_EXCEPTION (Unicorn probes the empty IDT on the way out), with the
 * state of a clean stop. Tell it from a real exception. */
static bool slice_ended(struct cpu *cpu, bool watchdog_stopped)
{
	if (kernel_pending_fault(cpu->k, NULL, NULL))
		return false;
	return cpu->stopping || watchdog_stopped;
}

int cpu_run(struct cpu *cpu, char *err, size_t errlen)
{
	/* An interrupt that comes after this is seen by the next slice. */
	while ((hooks_slice_end(cpu), cpu->interrupted = 0, !cpu->quit && kernel_schedule(cpu->k))) {
		if (tlb_growth_due(&cpu->tlb))
			flush_tlb(cpu); /* unless kernel_schedule has flushed */
		struct cpu_context *ctx = kernel_current_context(cpu->k);
		context_load(cpu, ctx);
		cpu->reload = false;
		cpu->stopping = false;
		uint64_t slice_us = kernel_time_slice_us(cpu->k);
		cpu->slice_end = slice_us ? now_ns() + slice_us * 1000 : 0;
		/* With a hook before each instruction, slices end there, exactly. */
		watchdog_arm(cpu->watchdog, cpu->hook_insn ? 0 : slice_us * 1000 * SLICE_LIMIT_FACTOR);
		uc_err e = uc_emu_start(cpu->uc, ctx->rip, UINT64_MAX, 0, 0);
		bool watchdog_stopped = watchdog_disarm(cpu->watchdog);
		cpu->slices++;
		if (cpu->reload)
			continue;
		context_store(cpu, ctx);
		if (cpu->in_flight) {
			cpu->in_flight = false;
			uc_err fe = exception_flight_clear(cpu->uc, &cpu->flight);
			if (fe != UC_ERR_OK) {
				snprintf(err, errlen, "Unicorn: %s", uc_strerror(fe));
				return -1;
			}
			context_load(cpu, ctx);
		}
		if (e == UC_ERR_EXCEPTION && slice_ended(cpu, watchdog_stopped))
			e = UC_ERR_OK;
		switch (e) {
		case UC_ERR_OK:
			break;
		case UC_ERR_EXCEPTION: /* a #PF already queued, or another exception */
		case UC_ERR_INSN_INVALID:
			exception_refine_fault_addr(cpu->k, cpu->disasm, ctx);
			kernel_raise_fatal(cpu->k, exception_signal(cpu->k, cpu->disasm, ctx->rip));
			break;
		default:
			snprintf(err, errlen, "Unicorn stopped at rip 0x%llx: %s",
				 (unsigned long long)ctx->rip, uc_strerror(e));
			return -1;
		}
	}
	return 0;
}

uint64_t cpu_slices(const struct cpu *cpu)
{
	return cpu->slices;
}

void cpu_tlb_stats(const struct cpu *cpu, struct cpu_tlb_stats *out)
{
	*out = (struct cpu_tlb_stats){
		.flushes = cpu->tlb.flushes,
		.grows = cpu->tlb.grows,
		.growth_stops = cpu->growth_stops,
		.entries = 1ULL << cpu->tlb.bits,
		.peak_entries = 1ULL << cpu->tlb.peak_bits,
	};
}

const char *cpu_unicorn_version(void)
{
	static char v[32];
	unsigned major, minor;
	unsigned full = uc_version(&major, &minor);
	snprintf(v, sizeof(v), "%u.%u.%u", major, minor, (full >> 8) & 0xff);
	return v;
}
