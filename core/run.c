/* run.c - `vmemu run`: kernel + CPU + first process, then statistics. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cpu.h"
#include "debugger.h"
#include "hostsig.h"
#include "kernel.h"
#include "loader.h"
#include "meminfo_print.h"
#include "run.h"
#include "session.h"
#include "stats.h"

extern char **environ;

#define EXIT_INTERNAL VMEMU_EXIT_USAGE

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int report_stats(const struct vmemu_options *o, FILE *json, struct kernel *k,
			struct cpu *cpu, uint64_t instructions, double started)
{
	struct run_stats rs = {
		.instructions = instructions,
		.run_slices = cpu_slices(cpu),
		.wall_seconds = now_seconds() - started,
	};
	cpu_tlb_stats(cpu, &rs.unicorn_tlb);
	if (o->stats)
		stats_print(stderr, kernel_stats(k), kernel_mmu(k), &rs);
	if (json) {
		int err = stats_write_json_file(json, kernel_stats(k), kernel_mmu(k), &rs);
		if (err) {
			fprintf(stderr, "vmemu: --stats-json %s: %s\n", o->stats_json, strerror(-err));
			return -1;
		}
	}
	return 0;
}

/* The observers the options ask for (session.h) and the debugger, or
 * none: a plain run has no hook beyond the TLB fill and SYSCALL. 0, or -1
 * with a message. */
static int start_session(const struct vmemu_options *o, struct cpu *cpu, struct kernel *k,
			 struct trace_config *tc, struct session **out, struct debugger **dbg,
			 char *err, size_t errlen)
{
	bool wanted;
	*tc = (struct trace_config){
		.path = o->trace, .events = o->trace_events, .lo = o->trace_lo, .hi = o->trace_hi,
		.limit = o->trace_limit, .mmu = kernel_mmu(k),
	};
	*out = NULL;
	*dbg = debugger_open(o, cpu, k, &wanted, err, errlen);
	if (wanted && !*dbg)
		return -1;
	struct session_config sc = {.tlb_exact = o->tlb_exact, .trace = o->trace ? tc : NULL,
				    .sink = *dbg ? debugger_sink(*dbg) : NULL};
	if (!sc.tlb_exact && !sc.trace && !sc.sink)
		return 0;
	*out = session_create(cpu, k, &sc, err, errlen);
	return *out ? 0 : -1;
}

int vmemu_run(const struct vmemu_options *o, int *exit_signal)
{
	char err[512] = "";
	int status = EXIT_INTERNAL;
	double started = now_seconds();
	struct kernel *k = NULL;
	struct session *session = NULL;
	struct debugger *dbg = NULL;
	struct trace_config tc;
	*exit_signal = 0;
	/* Opened now: a path that cannot be written is found before the guest
	 * runs, not after, when its exit status would be lost. */
	FILE *json = o->stats_json ? fopen(o->stats_json, "w") : NULL;
	if (o->stats_json && !json) {
		fprintf(stderr, "vmemu: --stats-json %s: %s\n", o->stats_json, strerror(errno));
		return EXIT_INTERNAL;
	}
	struct cpu *cpu = cpu_create(err, sizeof(err));
	if (!cpu)
		goto out;
	struct kernel_config cfg = {
		.exec = loader_exec,
		.mem_size = o->mem_size,
		.root = o->root,
		.swap_size = o->swap_size,
		.swap_file = o->swap_file,
		.host_fds = o->host_fds,
		.nhost_fds = o->nhost_fds,
		.strace = o->strace ? stderr : NULL,
		.tlb_model = &o->tlb_model,
		.thp = o->thp,
		.hugepages_2m = o->hugepages_2m,
		.hugepages_1g = o->hugepages_1g,
		.la57 = o->la57,
		.host_signals = true,
	};
	memcpy(cfg.inject, o->inject, sizeof(cfg.inject));
	struct kernel_ops ops;
	cpu_kernel_ops(cpu, &ops);
	k = kernel_create(&cfg, &ops, err, sizeof(err));
	if (!k || cpu_attach(cpu, k, err, sizeof(err)))
		goto out;
	if (hostsig_forward(k, cpu)) {
		snprintf(err, sizeof(err), "cannot catch host signals: %s", strerror(errno));
		goto out;
	}
	/* After hostsig_forward: `vmemu step` takes ^C for itself. */
	if (start_session(o, cpu, k, &tc, &session, &dbg, err, sizeof(err)))
		goto out;
	struct process *p = kernel_create_process(k);
	if (!p) {
		snprintf(err, sizeof(err), "cannot create the first process: %s", strerror(errno));
		goto out;
	}
	int load = kernel_exec_first(k, p, o->prog_argv[0], o->prog_argv, environ, err, sizeof(err));
	if (load) {
		status = load;
		goto out;
	}
	kernel_start(k, p);
	if (cpu_run(cpu, err, sizeof(err)))
		goto out;
	uint64_t instructions = session ? session_icount(session) : 0;
	char why[256];
	if (session && session_finish(session, why, sizeof(why))) {
		snprintf(err, sizeof(err), "--trace %.200s: %.255s", o->trace, why);
		goto out;
	}
	status = kernel_exit_status(k);
	*exit_signal = kernel_exit_signal(k);
	if (dbg) {
		if (debugger_killed(dbg))
			status = *exit_signal = 0; /* quit: killed on purpose */
		debugger_end(dbg, status, *exit_signal);
	}
	if (o->meminfo) {
		struct meminfo mi; /* as the guest leaves it, before the shutdown */
		kernel_meminfo(k, &mi);
		meminfo_print(stderr, &mi);
	}
	uint64_t leaked = kernel_shutdown(k);
	if (leaked) {
		snprintf(err, sizeof(err), "internal error: %llu frames or swap slots still in use after exit",
			 (unsigned long long)leaked);
		status = EXIT_INTERNAL;
		*exit_signal = 0;
	}
	if (report_stats(o, json, k, cpu, instructions, started)) {
		status = EXIT_INTERNAL;
		*exit_signal = 0;
	}
out:
	hostsig_stop();
	if (json)
		fclose(json);
	if (err[0])
		fprintf(stderr, "vmemu: %s\n", err);
	session_destroy(session);
	debugger_close(dbg);
	kernel_destroy(k);
	cpu_destroy(cpu);
	return status;
}
