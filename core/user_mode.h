/* user_mode.h - putting the Unicorn CPU in user mode (CPL 3). */
#ifndef VMEMU_USER_MODE_H
#define VMEMU_USER_MODE_H

#include <stddef.h>
#include <unicorn/unicorn.h>

/* Drops the CPU of a fresh engine (nothing mapped, no hooks) to CPL 3 with
 * Linux's user selectors, so that privileged instructions fault as they do
 * in a Linux process. 0, or -1 with a message in err. */
int user_mode_enter(uc_engine *uc, char *err, size_t errlen);

#endif
