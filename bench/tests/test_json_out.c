// SPDX-License-Identifier: GPL-2.0-only
/* Host unit test: the JSON writer produces exactly the expected text. */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_out.h"

int main(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json_out j;
	const char *want =
		"{\"s\":\"a\\\"b\\\\c\\nd\\u0001\",\"i\":-3,\"u\":18446744073709551615,"
		"\"d\":1.5,\"big\":1234567.25,\"nan\":null,\"b\":true,"
		"\"arr\":[1,[],{}],\"o\":{\"x\":false}}\n";
	int ret;

	json_init(&j, f);
	json_begin_object(&j);
	json_kv_string(&j, "s", "a\"b\\c\nd\x01");
	json_kv_int(&j, "i", -3);
	json_kv_uint(&j, "u", UINT64_MAX);
	json_kv_double(&j, "d", 1.5);
	json_kv_double(&j, "big", 1234567.25);
	json_kv_double(&j, "nan", NAN);
	json_kv_bool(&j, "b", true);
	json_key(&j, "arr");
	json_begin_array(&j);
	json_int(&j, 1);
	json_begin_array(&j);
	json_end_array(&j);
	json_begin_object(&j);
	json_end_object(&j);
	json_end_array(&j);
	json_key(&j, "o");
	json_begin_object(&j);
	json_kv_bool(&j, "x", false);
	json_end_object(&j);
	json_end_object(&j);
	fclose(f);

	ret = strcmp(buf, want) != 0;
	if (ret)
		fprintf(stderr, "got:  %s\nwant: %s", buf, want);
	else
		printf("json_out: output matches\n");
	free(buf);
	return ret;
}
