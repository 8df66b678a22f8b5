/* jsonl.h - one line of a trace file: a JSON object parsed strictly (RFC
 * 8259 syntax), its top-level members kept for lookup. Nested objects and
 * arrays are checked and counted, not kept. */
#ifndef VMEMU_JSONL_H
#define VMEMU_JSONL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum json_type { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

struct json_member {
	char key[24];
	enum json_type type;
	bool boolean;
	int64_t number;     /* an integer; numbers with a fraction are refused */
	char str[512];      /* a string, decoded (cut if longer) */
	size_t count;       /* elements of an array or members of an object */
};

#define JSONL_MAX_MEMBERS 24

struct json_line {
	int n;
	struct json_member m[JSONL_MAX_MEMBERS];
};

/* Parses text (one line, without the newline). false with what is wrong
 * (and where) in err. */
bool jsonl_parse(const char *text, struct json_line *out, char *err, size_t errlen);
/* The member called key of that type, or NULL. */
const struct json_member *jsonl_get(const struct json_line *l, const char *key,
				    enum json_type type);

#endif
