// SPDX-License-Identifier: GPL-2.0-only
#include "json_out.h"

#include <math.h>
#include <inttypes.h>

void json_init(struct json_out *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	j->need_comma[0] = false;
	j->after_key = false;
}

/* Called before every value or key: writes the separator it needs. */
static void json_sep(struct json_out *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->need_comma[j->depth])
		fputc(',', j->f);
	j->need_comma[j->depth] = true;
}

static void json_open(struct json_out *j, char c)
{
	json_sep(j);
	fputc(c, j->f);
	if (j->depth + 1 < JSON_MAX_DEPTH)
		j->depth++;
	j->need_comma[j->depth] = false;
}

static void json_close(struct json_out *j, char c)
{
	if (j->depth > 0)
		j->depth--;
	fputc(c, j->f);
	if (j->depth == 0)
		fputc('\n', j->f);
}

void json_begin_object(struct json_out *j) { json_open(j, '{'); }
void json_end_object(struct json_out *j) { json_close(j, '}'); }
void json_begin_array(struct json_out *j) { json_open(j, '['); }
void json_end_array(struct json_out *j) { json_close(j, ']'); }

static void json_raw_string(struct json_out *j, const char *s)
{
	fputc('"', j->f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", j->f); break;
		case '\\': fputs("\\\\", j->f); break;
		case '\n': fputs("\\n", j->f); break;
		case '\r': fputs("\\r", j->f); break;
		case '\t': fputs("\\t", j->f); break;
		default:
			if (*p < 0x20)
				fprintf(j->f, "\\u%04x", *p);
			else
				fputc(*p, j->f);
		}
	}
	fputc('"', j->f);
}

void json_key(struct json_out *j, const char *key)
{
	json_sep(j);
	json_raw_string(j, key);
	fputc(':', j->f);
	j->after_key = true;
}

void json_string(struct json_out *j, const char *s)
{
	json_sep(j);
	json_raw_string(j, s ? s : "");
}

void json_int(struct json_out *j, int64_t v)
{
	json_sep(j);
	fprintf(j->f, "%" PRId64, v);
}

void json_uint(struct json_out *j, uint64_t v)
{
	json_sep(j);
	fprintf(j->f, "%" PRIu64, v);
}

void json_double(struct json_out *j, double v)
{
	json_sep(j);
	/* JSON has no NaN or infinity: write null rather than invalid JSON. */
	if (isfinite(v))
		fprintf(j->f, "%.10g", v);
	else
		fputs("null", j->f);
}

void json_bool(struct json_out *j, bool v)
{
	json_sep(j);
	fputs(v ? "true" : "false", j->f);
}

void json_kv_string(struct json_out *j, const char *k, const char *s) { json_key(j, k); json_string(j, s); }
void json_kv_int(struct json_out *j, const char *k, int64_t v) { json_key(j, k); json_int(j, v); }
void json_kv_uint(struct json_out *j, const char *k, uint64_t v) { json_key(j, k); json_uint(j, v); }
void json_kv_double(struct json_out *j, const char *k, double v) { json_key(j, k); json_double(j, v); }
void json_kv_bool(struct json_out *j, const char *k, bool v) { json_key(j, k); json_bool(j, v); }
