/* varange.c - hexadecimal addresses and address ranges. */
#include <ctype.h>
#include <string.h>

#include "varange.h"

#define PAGE_MASK 0xfffULL

/* Parses hex digits of s[0..len) (an optional 0x first). */
static const char *parse_hex(const char *s, size_t len, uint64_t *v)
{
	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		len -= 2;
	}
	if (len == 0)
		return "expected a hexadecimal address";
	if (len > 16)
		return "more than 64 bits";
	uint64_t n = 0;
	for (size_t i = 0; i < len; i++) {
		int c = tolower((unsigned char)s[i]);
		if (!isxdigit(c))
			return "expected a hexadecimal address";
		n = n << 4 | (uint64_t)(isdigit(c) ? c - '0' : c - 'a' + 10);
	}
	*v = n;
	return NULL;
}

const char *va_parse(const char *s, uint64_t *v)
{
	return parse_hex(s, strlen(s), v);
}

const char *varange_parse(const char *s, uint64_t *lo, uint64_t *hi)
{
	const char *dash = strchr(s, '-');
	const char *why;
	if (!dash) {
		if ((why = va_parse(s, lo)))
			return why;
		*lo &= ~PAGE_MASK;
		*hi = *lo + PAGE_MASK + 1;
		return NULL;
	}
	if ((why = parse_hex(s, (size_t)(dash - s), lo)) || (why = va_parse(dash + 1, hi)))
		return why;
	if (*hi <= *lo)
		return "the range ends before it starts";
	return NULL;
}
