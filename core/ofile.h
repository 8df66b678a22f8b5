/* ofile.h - an output file compressed by its name: NAME.gz with zlib,
 * NAME.zst with libzstd, anything else as it is (trace files). */
#ifndef VMEMU_OFILE_H
#define VMEMU_OFILE_H

#include <stddef.h>

struct ofile;

/* Creates or truncates path. NULL with a message in err on failure. */
struct ofile *ofile_open(const char *path, char *err, size_t errlen);
/* Writes n bytes (buffered). 0, or -1 once anything failed. */
int ofile_write(struct ofile *f, const void *buf, size_t n);
/* Finishes the stream and closes it. 0, or -1 with a message. */
int ofile_close(struct ofile *f, char *err, size_t errlen);

#endif
