/* varange.h - addresses as vmemu's debugger and --trace-filter take them:
 * hexadecimal, with or without 0x ("7ffff7ff8000", "0x401000"); a range
 * as LO-HI, HI excluded, as /proc/PID/maps prints it, or one address for
 * the page that holds it. */
#ifndef VMEMU_VARANGE_H
#define VMEMU_VARANGE_H

#include <stdint.h>

/* NULL and *v, or what is wrong with s. */
const char *va_parse(const char *s, uint64_t *v);
/* NULL and [*lo, *hi), or what is wrong with s. */
const char *varange_parse(const char *s, uint64_t *lo, uint64_t *hi);

#endif
