/* ofile.c - plain, gzip (zlib) and zstd output streams. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "ofile.h"

#define GZ_MODE "wb1"  /* fast: a trace is large and written as it runs */
#define ZSTD_LEVEL 3   /* zstd's default */

enum kind { PLAIN, GZIP, ZSTD };

struct ofile {
	enum kind kind;
	FILE *f;           /* PLAIN and ZSTD */
	gzFile gz;
	ZSTD_CCtx *zc;
	void *zbuf;        /* compressed bytes on their way to f */
	size_t zbuf_size;
	int err;           /* errno of the first failure, or -1 for a codec error */
};

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n > m && strcmp(s + n - m, suffix) == 0;
}

struct ofile *ofile_open(const char *path, char *err, size_t errlen)
{
	struct ofile *f = calloc(1, sizeof(*f));
	if (!f) {
		snprintf(err, errlen, "%s: out of host memory", path);
		return NULL;
	}
	f->kind = ends_with(path, ".gz") ? GZIP : ends_with(path, ".zst") ? ZSTD : PLAIN;
	if (f->kind == GZIP)
		f->gz = gzopen(path, GZ_MODE);
	else
		f->f = fopen(path, "wb");
	if (!f->gz && !f->f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno ? errno : ENOMEM));
		free(f);
		return NULL;
	}
	if (f->kind == ZSTD) {
		f->zc = ZSTD_createCCtx();
		f->zbuf_size = ZSTD_CStreamOutSize();
		f->zbuf = malloc(f->zbuf_size);
		if (!f->zc || !f->zbuf ||
		    ZSTD_isError(ZSTD_CCtx_setParameter(f->zc, ZSTD_c_compressionLevel, ZSTD_LEVEL))) {
			snprintf(err, errlen, "%s: cannot start zstd", path);
			ofile_close(f, NULL, 0);
			return NULL;
		}
	}
	return f;
}

/* Compresses in[0..n) with mode and writes what comes out. */
static int zstd_push(struct ofile *f, const void *in, size_t n, ZSTD_EndDirective mode)
{
	ZSTD_inBuffer ib = {in, n, 0};
	for (;;) {
		ZSTD_outBuffer ob = {f->zbuf, f->zbuf_size, 0};
		size_t left = ZSTD_compressStream2(f->zc, &ob, &ib, mode);
		if (ZSTD_isError(left)) {
			f->err = -1;
			return -1;
		}
		if (ob.pos && fwrite(f->zbuf, 1, ob.pos, f->f) != ob.pos) {
			f->err = errno ? errno : EIO;
			return -1;
		}
		if (mode == ZSTD_e_end ? left == 0 : ib.pos == ib.size)
			return 0;
	}
}

int ofile_write(struct ofile *f, const void *buf, size_t n)
{
	if (f->err)
		return -1;
	switch (f->kind) {
	case PLAIN:
		if (fwrite(buf, 1, n, f->f) != n)
			f->err = errno ? errno : EIO;
		break;
	case GZIP:
		if (n && gzwrite(f->gz, buf, (unsigned)n) != (int)n)
			f->err = errno ? errno : -1;
		break;
	case ZSTD:
		zstd_push(f, buf, n, ZSTD_e_continue);
		break;
	}
	return f->err ? -1 : 0;
}

int ofile_close(struct ofile *f, char *err, size_t errlen)
{
	if (f->kind == ZSTD && f->zc && !f->err)
		zstd_push(f, NULL, 0, ZSTD_e_end);
	if (f->gz && gzclose(f->gz) != Z_OK && !f->err)
		f->err = errno ? errno : -1;
	if (f->f && fclose(f->f) != 0 && !f->err)
		f->err = errno ? errno : EIO;
	int rc = f->err ? -1 : 0;
	if (rc && err)
		snprintf(err, errlen, "%s", f->err > 0 ? strerror(f->err) : "compression failed");
	ZSTD_freeCCtx(f->zc);
	free(f->zbuf);
	free(f);
	return rc;
}
