/* trace_check.h - the schema of trace files (README.md, "Trace files"):
 * which members each event has and of which type. */
#ifndef VMEMU_TRACE_CHECK_H
#define VMEMU_TRACE_CHECK_H

#include "jsonl.h"

/* NULL when the line is a valid event, else what is wrong with it. */
const char *trace_check(const struct json_line *l);
/* A hexadecimal "0x..." member as a number; false when absent or bad. */
bool trace_hex(const struct json_line *l, const char *key, uint64_t *v);

#endif
