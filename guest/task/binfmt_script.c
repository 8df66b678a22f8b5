/* binfmt_script.c - the "#!" line of a script that execve runs, parsed as
 * Linux's fs/binfmt_script.c (5.1+) parses the first BINPRM_BUF_SIZE
 * bytes: the interpreter's name and at most one argument (the rest of the
 * line, spaces inside kept), spaces and tabs around them dropped. A line
 * longer than the buffer is taken whole only when the name ends inside it
 * (else the name may be cut: ENOEXEC). */
#include <errno.h>
#include <stdbool.h>
#include <unistd.h>

#include "task/internal.h"

static bool spacetab(char c)
{
	return c == ' ' || c == '\t';
}

/* The first character of [first, last] that is no space or tab, or NULL. */
static char *next_non_spacetab(char *first, const char *last)
{
	for (; first <= last; first++)
		if (!spacetab(*first))
			return first;
	return NULL;
}

/* The first space, tab or NUL in [first, last], or NULL. */
static char *next_terminator(char *first, const char *last)
{
	for (; first <= last; first++)
		if (spacetab(*first) || !*first)
			return first;
	return NULL;
}

int script_interp(int host_fd, char buf[BINPRM_BUF_SIZE], char **name, char **arg)
{
	ssize_t n = pread(host_fd, buf, BINPRM_BUF_SIZE, 0);
	if (n < 2 || buf[0] != '#' || buf[1] != '!')
		return 1;
	for (ssize_t i = n; i < BINPRM_BUF_SIZE; i++)
		buf[i] = 0; /* a short file reads as NULs after its end, as Linux's buffer */
	char *buf_end = buf + BINPRM_BUF_SIZE - 1;
	char *i_end = NULL;
	for (char *c = buf; c <= buf_end && !i_end; c++)
		if (*c == '\n')
			i_end = c;
	if (!i_end) {
		i_end = next_non_spacetab(buf + 2, buf_end);
		if (!i_end || !next_terminator(i_end, buf_end))
			return -ENOEXEC; /* all blanks, or the name may be cut */
		i_end = buf_end;
	}
	while (spacetab(i_end[-1]))
		i_end--;
	char *i_name = next_non_spacetab(buf + 2, i_end);
	if (!i_name || i_name == i_end)
		return -ENOEXEC; /* no interpreter */
	char *i_sep = next_terminator(i_name, i_end);
	*arg = i_sep && *i_sep ? next_non_spacetab(i_sep, i_end) : NULL;
	*i_end = 0;
	if (i_sep)
		*i_sep = 0;
	*name = i_name;
	return 0;
}
