/* watchdog.h - the hard end of a run slice, in the CPU thread's CPU time. */
#ifndef VMEMU_WATCHDOG_H
#define VMEMU_WATCHDOG_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <unicorn/unicorn.h>

struct watchdog;

/* Starts the watchdog of uc, whose slices the calling thread runs; once
 * *kick is set, the slice ends grace_ns of CPU time later at the latest.
 * NULL when out of resources. */
struct watchdog *watchdog_start(uc_engine *uc, volatile sig_atomic_t *kick, uint64_t grace_ns);
/* A slice starts: uc_emu_stop after limit_ns of CPU time (0: no limit),
 * or grace_ns after *kick was set. */
void watchdog_arm(struct watchdog *w, uint64_t limit_ns);
/* The slice is over; true when the watchdog was what stopped it. */
bool watchdog_disarm(struct watchdog *w);
void watchdog_destroy(struct watchdog *w);

#endif
