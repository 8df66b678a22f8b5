/* vvar.h - the vDSO's data page ([vvar]), which the guest kernel writes
 * (mm/vdso.c) and the vDSO reads (vclock_gettime.c): the layout is the
 * ABI between the two, as Linux's vdso_data. */
#ifndef VMEMU_VVAR_H
#define VMEMU_VVAR_H

#include <stdint.h>

/* How the vDSO reads the high-resolution clocks. vmemu has only Linux's
 * VDSO_CLOCKMODE_NONE: no clocksource user space may read, so every clock
 * read is the system call (guest/README.md says why the coarse clocks
 * and time() too). */
#define VDSO_CLOCKMODE_NONE 0

/* The vDSO's place after its data: [vvar] (4 pages, this page first)
 * and [vvar_vclock] (2 pages: pvclock and Hyper-V pages, none here), as
 * Linux 6.18 lays them out. */
#define VVAR_PAGES 4
#define VVAR_VCLOCK_PAGES 2
/* The text's map: 2 pages, as Linux 6.18's vDSO, so that what is mapped
 * below it lies where it does natively; the image (smaller) fits in it,
 * the rest reads as zeroes. */
#define VDSO_TEXT_PAGES 2

struct vdso_data {
	uint32_t clock_mode;
	uint32_t hrtimer_res; /* clock_getres of the high-resolution clocks, ns */
	uint32_t coarse_res;  /* ... of CLOCK_REALTIME_COARSE and _MONOTONIC_COARSE */
};

#endif
