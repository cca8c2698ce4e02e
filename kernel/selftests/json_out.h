/* SPDX-License-Identifier: GPL-2.0-only */
/* A small streaming JSON writer: enough for result files, with correct string
 * escaping and comma placement, so no tool hand-formats JSON. */
#ifndef PREREG_JSON_OUT_H
#define PREREG_JSON_OUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

struct json_out {
	FILE *f;
	int depth;
	bool need_comma[JSON_MAX_DEPTH];
	bool after_key;
};

void json_init(struct json_out *j, FILE *f);
void json_begin_object(struct json_out *j);
void json_end_object(struct json_out *j);
void json_begin_array(struct json_out *j);
void json_end_array(struct json_out *j);
void json_key(struct json_out *j, const char *key);
void json_string(struct json_out *j, const char *s);
void json_int(struct json_out *j, int64_t v);
void json_uint(struct json_out *j, uint64_t v);
void json_double(struct json_out *j, double v);
void json_bool(struct json_out *j, bool v);

/* key + value shorthands */
void json_kv_string(struct json_out *j, const char *key, const char *s);
void json_kv_int(struct json_out *j, const char *key, int64_t v);
void json_kv_uint(struct json_out *j, const char *key, uint64_t v);
void json_kv_double(struct json_out *j, const char *key, double v);
void json_kv_bool(struct json_out *j, const char *key, bool v);

#endif
