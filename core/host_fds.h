/* host_fds.h - the descriptors vmemu was started with. */
#ifndef VMEMU_HOST_FDS_H
#define VMEMU_HOST_FDS_H

/* The numbers of the open descriptors, ascending, in a new array *fds
 * (the caller frees it): their count, or -1 when /proc/self/fd cannot be
 * read. Call before opening anything. */
int host_fds_inherited(int **fds);

#endif
