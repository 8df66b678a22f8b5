/* ifile.c - plain, gzip and zstd input, as lines. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "ifile.h"

#define CHUNK 65536

struct ifile {
	gzFile gz;         /* plain and gzip: zlib reads both */
	FILE *f;           /* zstd */
	ZSTD_DCtx *zd;
	uint8_t *zin;
	ZSTD_inBuffer ib;
	bool eof;
	char *data;        /* decompressed bytes not yet returned */
	size_t len, pos, cap;
	const char *error;
};

static bool is_zstd(const char *path)
{
	uint8_t magic[4] = {0};
	FILE *f = fopen(path, "rb");
	if (!f)
		return false;
	size_t n = fread(magic, 1, 4, f);
	fclose(f);
	return n == 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f &&
	       magic[3] == 0xfd;
}

struct ifile *ifile_open(const char *path, char *err, size_t errlen)
{
	struct ifile *f = calloc(1, sizeof(*f));
	if (!f) {
		snprintf(err, errlen, "%s: out of host memory", path);
		return NULL;
	}
	errno = 0;
	if (is_zstd(path)) {
		f->f = fopen(path, "rb");
		f->zd = ZSTD_createDCtx();
		f->zin = malloc(CHUNK);
	} else {
		f->gz = gzopen(path, "rb");
	}
	if ((!f->gz && !f->f) || (f->f && (!f->zd || !f->zin))) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno ? errno : ENOMEM));
		ifile_close(f);
		return NULL;
	}
	return f;
}

/* Appends up to CHUNK more decompressed bytes; 0 at the end, -1 on error. */
static long fill(struct ifile *f)
{
	if (f->cap - f->len < CHUNK) {
		char *d = realloc(f->data, f->cap + CHUNK);
		if (!d) {
			f->error = "out of host memory";
			return -1;
		}
		f->data = d;
		f->cap += CHUNK;
	}
	if (f->gz) {
		int n = gzread(f->gz, f->data + f->len, CHUNK);
		if (n < 0) {
			int e;
			f->error = gzerror(f->gz, &e);
			return -1;
		}
		f->len += (size_t)n;
		return n;
	}
	for (;;) {
		if (f->ib.pos == f->ib.size && !f->eof) {
			f->ib = (ZSTD_inBuffer){f->zin, fread(f->zin, 1, CHUNK, f->f), 0};
			f->eof = f->ib.size == 0;
		}
		ZSTD_outBuffer ob = {f->data + f->len, CHUNK, 0};
		size_t r = ZSTD_decompressStream(f->zd, &ob, &f->ib);
		if (ZSTD_isError(r)) {
			f->error = ZSTD_getErrorName(r);
			return -1;
		}
		f->len += ob.pos;
		if (ob.pos || (f->eof && f->ib.pos == f->ib.size))
			return (long)ob.pos;
	}
}

const char *ifile_line(struct ifile *f)
{
	for (;;) {
		if (f->len > f->pos) {
			char *start = f->data + f->pos;
			char *nl = memchr(start, '\n', f->len - f->pos);
			if (nl) {
				*nl = 0;
				f->pos = (size_t)(nl - f->data) + 1;
				return start;
			}
			/* Keep the partial line, drop what was returned. */
			memmove(f->data, start, f->len - f->pos);
		}
		f->len -= f->pos;
		f->pos = 0;
		long n = fill(f);
		if (n < 0)
			return NULL;
		if (n == 0) {
			if (f->len == 0)
				return NULL;
			f->data[f->len] = 0; /* a last line without a newline */
			f->pos = f->len;
			return f->data;
		}
	}
}

const char *ifile_error(const struct ifile *f)
{
	return f->error;
}

void ifile_close(struct ifile *f)
{
	if (!f)
		return;
	if (f->gz)
		gzclose(f->gz);
	if (f->f)
		fclose(f->f);
	ZSTD_freeDCtx(f->zd);
	free(f->zin);
	free(f->data);
	free(f);
}
