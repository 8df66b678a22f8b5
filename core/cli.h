/* cli.h - the vmemu command line: `vmemu run|step [options] PROG
 * [ARGS...]`, `vmemu report [options] TRACE`.
 *
 * Parsing only: no Unicorn and no kernel here (kernel_inject_parse only
 * reads --inject's SPEC), so the rules can be tested without a CPU. */
#ifndef VMEMU_CLI_H
#define VMEMU_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "kernel.h" /* struct kernel_inject, enum thp_mode */
#include "mmu.h"

/* Exit statuses of vmemu besides the guest's own (documented in --help). */
#define VMEMU_EXIT_USAGE 125       /* usage or internal error */
#define VMEMU_EXIT_NOEXEC 126      /* PROG is not a valid executable */
#define VMEMU_EXIT_NOTFOUND 127    /* PROG not found */
#define VMEMU_EXIT_SIGNAL_BASE 128 /* + N: the guest was killed by signal N */

#define CLI_MEM_DEFAULT (1ULL << 30)
#define CLI_MEM_MIN (16ULL << 20)
#define CLI_MEM_MAX (64ULL << 30)
#define CLI_SWAP_MIN (1ULL << 20)
#define CLI_SWAP_MAX (1024ULL << 30)

enum vmemu_command { CMD_RUN, CMD_STEP, CMD_REPORT };

struct vmemu_options {
	enum vmemu_command command;
	uint64_t mem_size;      /* guest-physical memory in bytes */
	uint64_t swap_size;     /* bytes of swap, 0 for none */
	const char *swap_file;  /* host file to swap to, or NULL for an unnamed one */
	const char *root;       /* host directory the guest sees as /, or NULL */
	/* Not options: the descriptors vmemu was started with (main), which
	 * the first process inherits; NULL: stdin, stdout and stderr. */
	const int *host_fds;
	int nhost_fds;
	bool strace;            /* trace system calls to stderr */
	bool stats;             /* print statistics to stderr at exit */
	bool meminfo;           /* print a `free`-style memory table to stderr at exit */
	const char *stats_json; /* write statistics as JSON to this file, or NULL */
	const char *trace;      /* --trace FILE, or NULL */
	unsigned trace_events;  /* EV_* (events.h) */
	uint64_t trace_lo, trace_hi; /* --trace-filter [lo, hi); hi 0: none */
	uint64_t trace_limit;   /* 0: none */
	bool tlb_exact;         /* every access consults the TLB model */
	struct mmu_model tlb_model; /* --tlb: the TLBs and paging-structure caches */
	enum thp_mode thp;      /* --thp */
	uint64_t hugepages_2m, hugepages_1g; /* --hugepages 2M:N,1G:M */
	bool la57;              /* --la57 */
	int gdb_port;           /* --gdb PORT, or 0 */
	bool gdb_kill_on_disconnect;
	struct kernel_inject inject[FAIL_KINDS]; /* --inject, by kind */
	const char *commands;   /* step: debugger commands from this file, or NULL */
	const char *report;     /* report: the trace file */
	const char *svg;        /* report: --svg FILE, or NULL */
	uint64_t top;           /* report: rows per table */
	int prog_argc;          /* PROG and its arguments, untouched */
	char **prog_argv;       /* points into argv; prog_argv[prog_argc] is NULL */
};

/* Parses argv into *o (defaults first). unicorn_version is shown by
 * --version, e.g. "2.1.4". Returns -1 when the caller should run the
 * program; otherwise the exit status to use now: 0 after --help or
 * --version (printed to out), VMEMU_EXIT_USAGE after a usage error (one
 * line "vmemu: <problem>" and a hint, printed to err). */
int cli_parse(int argc, char **argv, struct vmemu_options *o, FILE *out, FILE *err,
	      const char *unicorn_version);

#endif
