/* layout.h - where the oracle's own code and tables live, shared by the C
 * files and stubs.S.
 *
 * Physical memory is the whole MAXPHYADDR space (2^40 bytes, QEMU's TCG
 * width) so that every address an entry can name is real memory. The last
 * GiB holds the infrastructure; generated entries never point into it.
 * Virtually the infrastructure is the top 2 MiB: index 511 at the top level
 * (PML4, or PML5 with LA57) and at every level below down to the PT, so a
 * generated address, whose top index is never 511, cannot collide with it. */
#ifndef WALKDIFF_LAYOUT_H
#define WALKDIFF_LAYOUT_H

#define WD_PHYS_BITS 40
#define WD_PHYS_SIZE (1ULL << WD_PHYS_BITS)

#define WD_INFRA_PA 0xffc0000000ULL      /* last GiB of physical memory */
#define WD_INFRA_PML4_PA (WD_INFRA_PA + 0x0000) /* below PML5[511] with LA57 */
#define WD_INFRA_PDPT_PA (WD_INFRA_PA + 0x1000) /* below PML4[511] */
#define WD_INFRA_PD_PA (WD_INFRA_PA + 0x2000)
#define WD_INFRA_PT_PA (WD_INFRA_PA + 0x3000)
#define WD_KCODE_PA (WD_INFRA_PA + 0x4000)    /* supervisor stubs */
#define WD_UCODE_PA (WD_INFRA_PA + 0x5000)    /* user stubs */
#define WD_INFRA_FRAMES 6

#define WD_KCODE_VA 0xffffffffffe00000ULL     /* PT index 0 */
#define WD_UCODE_VA 0xffffffffffe01000ULL     /* PT index 1 */

#define WD_TOP_INFRA_INDEX 511

/* STAR[63:48]: SYSRET loads CS = this + 16 and SS = this + 8, RPL 3. */
#define WD_STAR_USER_BASE 0x10

#endif
