/* ifile.h - reads a file line by line whether it is plain, gzip or zstd
 * (told by its first bytes, not its name): `vmemu report`. */
#ifndef VMEMU_IFILE_H
#define VMEMU_IFILE_H

#include <stddef.h>

struct ifile;

/* NULL with a message in err when path cannot be opened. */
struct ifile *ifile_open(const char *path, char *err, size_t errlen);
/* The next line without its newline (valid until the next call), NULL at
 * the end or on an error (ifile_error says which). */
const char *ifile_line(struct ifile *f);
/* NULL, or what went wrong. */
const char *ifile_error(const struct ifile *f);
void ifile_close(struct ifile *f);

#endif
