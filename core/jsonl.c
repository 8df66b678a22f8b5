/* jsonl.c - a strict parser for one JSON object per line (jsonl.h). */
#include <stdio.h>
#include <string.h>

#include "jsonl.h"

#define MAX_DEPTH 8

struct parser {
	const char *p, *start;
	char *err;
	size_t errlen;
};

static bool error(struct parser *ps, const char *what)
{
	snprintf(ps->err, ps->errlen, "%s at column %td", what, ps->p - ps->start + 1);
	return false;
}

static void skip_ws(struct parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\r' || *ps->p == '\n')
		ps->p++;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* A string at ps->p ('"'); decoded into out (cut at len - 1) if out. */
static bool parse_string(struct parser *ps, char *out, size_t len)
{
	size_t n = 0;
	ps->p++;
	for (;;) {
		unsigned char c = (unsigned char)*ps->p;
		if (c == '"')
			break;
		if (c < 0x20)
			return error(ps, c ? "a control character in a string" : "an unterminated string");
		ps->p++;
		if (c == '\\') {
			char e = *ps->p++;
			switch (e) {
			case '"': case '\\': case '/': c = (unsigned char)e; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			case 'u': {
				unsigned v = 0;
				for (int i = 0; i < 4; i++, ps->p++) {
					int h = hexval(*ps->p);
					if (h < 0)
						return error(ps, "a bad \\u escape");
					v = v << 4 | (unsigned)h;
				}
				c = v < 0x80 ? (unsigned char)v : '?'; /* our traces write ASCII */
				break;
			}
			default:
				return error(ps, "a bad escape");
			}
		}
		if (out && n + 1 < len)
			out[n++] = (char)c;
	}
	ps->p++;
	if (out)
		out[n] = 0;
	return true;
}

static bool parse_number(struct parser *ps, int64_t *v)
{
	const char *s = ps->p;
	bool neg = *s == '-';
	if (neg)
		s++;
	if (*s < '0' || *s > '9' || (*s == '0' && s[1] >= '0' && s[1] <= '9'))
		return error(ps, "a bad number");
	uint64_t n = 0;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (n > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return error(ps, "a number out of range");
		n = n * 10 + (uint64_t)(*s - '0');
	}
	if (*s == '.' || *s == 'e' || *s == 'E')
		return error(ps, "a number that is not an integer");
	*v = neg ? -(int64_t)n : (int64_t)n;
	ps->p = s;
	return true;
}

static bool parse_value(struct parser *ps, struct json_member *m, int depth);

/* An object or array; count gets its members or elements. */
static bool parse_container(struct parser *ps, bool object, size_t *count, int depth)
{
	char close = object ? '}' : ']';
	struct json_member scratch;
	ps->p++;
	skip_ws(ps);
	*count = 0;
	if (*ps->p == close) {
		ps->p++;
		return true;
	}
	for (;;) {
		skip_ws(ps);
		if (object) {
			if (*ps->p != '"' || !parse_string(ps, NULL, 0))
				return *ps->p == '"' ? false : error(ps, "expected a member name");
			skip_ws(ps);
			if (*ps->p++ != ':')
				return error(ps, "expected ':'");
		}
		if (!parse_value(ps, &scratch, depth + 1))
			return false;
		(*count)++;
		skip_ws(ps);
		if (*ps->p == close) {
			ps->p++;
			return true;
		}
		if (*ps->p++ != ',')
			return error(ps, object ? "expected ',' or '}'" : "expected ',' or ']'");
	}
}

static bool parse_value(struct parser *ps, struct json_member *m, int depth)
{
	if (depth > MAX_DEPTH)
		return error(ps, "nested too deeply");
	skip_ws(ps);
	const char *p = ps->p;
	if (*p == '"') {
		m->type = JSON_STRING;
		return parse_string(ps, m->str, sizeof(m->str));
	}
	if (*p == '{' || *p == '[') {
		m->type = *p == '{' ? JSON_OBJECT : JSON_ARRAY;
		return parse_container(ps, *p == '{', &m->count, depth);
	}
	if (!strncmp(p, "true", 4) || !strncmp(p, "false", 5)) {
		m->type = JSON_BOOL;
		m->boolean = *p == 't';
		ps->p += m->boolean ? 4 : 5;
		return true;
	}
	if (!strncmp(p, "null", 4)) {
		m->type = JSON_NULL;
		ps->p += 4;
		return true;
	}
	m->type = JSON_NUMBER;
	return parse_number(ps, &m->number);
}

bool jsonl_parse(const char *text, struct json_line *out, char *err, size_t errlen)
{
	struct parser ps = {text, text, err, errlen};
	out->n = 0;
	skip_ws(&ps);
	if (*ps.p != '{')
		return error(&ps, "expected an object");
	ps.p++;
	skip_ws(&ps);
	if (*ps.p == '}') {
		ps.p++;
	} else {
		for (;;) {
			skip_ws(&ps);
			if (out->n == JSONL_MAX_MEMBERS)
				return error(&ps, "too many members");
			struct json_member *m = &out->m[out->n];
			if (*ps.p != '"')
				return error(&ps, "expected a member name");
			if (!parse_string(&ps, m->key, sizeof(m->key)))
				return false;
			for (int i = 0; i < out->n; i++)
				if (!strcmp(out->m[i].key, m->key))
					return error(&ps, "a member twice");
			skip_ws(&ps);
			if (*ps.p++ != ':')
				return error(&ps, "expected ':'");
			if (!parse_value(&ps, m, 1))
				return false;
			out->n++;
			skip_ws(&ps);
			if (*ps.p == '}') {
				ps.p++;
				break;
			}
			if (*ps.p++ != ',')
				return error(&ps, "expected ',' or '}'");
		}
	}
	skip_ws(&ps);
	if (*ps.p)
		return error(&ps, "text after the object");
	return true;
}

const struct json_member *jsonl_get(const struct json_line *l, const char *key,
				    enum json_type type)
{
	for (int i = 0; i < l->n; i++)
		if (l->m[i].type == type && !strcmp(l->m[i].key, key))
			return &l->m[i];
	return NULL;
}
