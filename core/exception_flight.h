/* exception_flight.h - forgetting the CPU exception "in flight". */
#ifndef VMEMU_EXCEPTION_FLIGHT_H
#define VMEMU_EXCEPTION_FLIGHT_H

#include <stdbool.h>
#include <stdint.h>
#include <unicorn/unicorn.h>

struct exception_flight {
	uc_context *clean; /* the CPU with no exception in flight */
};

/* Records the CPU's state now (no exception taken yet) as the clean one. */
uc_err exception_flight_init(uc_engine *uc, struct exception_flight *f);
void exception_flight_destroy(struct exception_flight *f);

/* Whether exception vector intno, once taken, is remembered by Unicorn as
 * in flight: the contributory ones (#DE, #TS, #NP, #SS, #GP) and #DF. */
bool exception_flight_remembered(uint32_t intno);

/* Makes the CPU forget an exception taken by a hook. The CPU's state is
 * then the clean one's, except the YMM registers: the caller loads the
 * task's context again. */
uc_err exception_flight_clear(uc_engine *uc, struct exception_flight *f);

#endif
