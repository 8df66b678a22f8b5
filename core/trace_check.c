/* trace_check.c - validates trace events against their schema. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace_check.h"

/* One member an event must have: "name:type", types s (string), h (hex
 * string), n (number), b (bool), a (array), o (object), S (string or
 * null). */
struct shape {
	const char *ev;
	const char *members[16];
};

static const char *const common[] = {"icount:n", "pid:n", "rip:h", NULL};
static const char *const access[] = {"va:h", "access:s", "user:b", "result:s", NULL};

static const struct shape shapes[] = {
	{"walk", {"stale:b", "levels:a", NULL}},
	{"tlb", {"tlb:s", "pa:h", "page_size:n", NULL}},
	{"fault", {"error_code:n", "kind:s", "pte_old:h", "pte_new:h", "vma:S", NULL}},
	{"syscall", {"nr:n", "name:S", "args:a", "result:n", "restart:b", "noreturn:b", NULL}},
	{"sched", {"from:n", "to:n", NULL}},
	{"end", {"icount:n", "events:n", "dropped:n", NULL}},
};

bool trace_hex(const struct json_line *l, const char *key, uint64_t *v)
{
	const struct json_member *m = jsonl_get(l, key, JSON_STRING);
	char *end;
	if (!m || strncmp(m->str, "0x", 2) || !m->str[2])
		return false;
	*v = strtoull(m->str + 2, &end, 16);
	return *end == 0;
}

/* Whether l has the member "name:type". */
static bool has(const struct json_line *l, const char *spec)
{
	char name[24];
	const char *colon = strchr(spec, ':');
	snprintf(name, sizeof(name), "%.*s", (int)(colon - spec), spec);
	uint64_t v;
	switch (colon[1]) {
	case 's': return jsonl_get(l, name, JSON_STRING);
	case 'h': return trace_hex(l, name, &v);
	case 'n': return jsonl_get(l, name, JSON_NUMBER);
	case 'b': return jsonl_get(l, name, JSON_BOOL);
	case 'a': return jsonl_get(l, name, JSON_ARRAY);
	case 'o': return jsonl_get(l, name, JSON_OBJECT);
	case 'S': return jsonl_get(l, name, JSON_STRING) || jsonl_get(l, name, JSON_NULL);
	}
	return false;
}

static const char *missing(const char *spec)
{
	static char why[64];
	snprintf(why, sizeof(why), "no member %s", spec);
	return why;
}

const char *trace_check(const struct json_line *l)
{
	const struct json_member *ev = jsonl_get(l, "ev", JSON_STRING);
	if (!ev)
		return "no member ev:s";
	const struct shape *s = NULL;
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++)
		if (!strcmp(shapes[i].ev, ev->str))
			s = &shapes[i];
	if (!s)
		return "an unknown event";
	bool is_end = !strcmp(s->ev, "end");
	for (int i = 0; !is_end && common[i]; i++)
		if (!has(l, common[i]))
			return missing(common[i]);
	bool accesses = !strcmp(s->ev, "walk") || !strcmp(s->ev, "tlb") || !strcmp(s->ev, "fault");
	for (int i = 0; accesses && access[i]; i++)
		if (!has(l, access[i]))
			return missing(access[i]);
	for (int i = 0; s->members[i]; i++)
		if (!has(l, s->members[i]))
			return missing(s->members[i]);
	if (!strcmp(s->ev, "walk")) {
		const char *r = jsonl_get(l, "result", JSON_STRING)->str;
		if (strcmp(r, "ok") && strcmp(r, "fault"))
			return "a walk's result is ok or fault";
		if (!strcmp(r, "ok") && (!has(l, "pa:h") || !has(l, "page_size:n")))
			return "a walk that succeeded has no pa or page_size";
		if (!strcmp(r, "fault") && !has(l, "fault:o"))
			return "a walk that faulted has no fault";
		size_t n = jsonl_get(l, "levels", JSON_ARRAY)->count;
		if (n < 1 || n > 5)
			return "a walk reads 1 to 5 levels";
	}
	if (!strcmp(s->ev, "syscall") && jsonl_get(l, "args", JSON_ARRAY)->count != 6)
		return "a syscall has 6 args";
	return NULL;
}
