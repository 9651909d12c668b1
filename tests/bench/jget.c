/* SPDX-License-Identifier: MIT */
/*
 * jget: prints one value of a JSON file for shell tests.
 *   jget FILE PATH        PATH is dot-separated; numbers index arrays
 *   jget --keys FILE PATH the member names of an object, one per line
 * Strings print raw, integers exactly, other numbers with %.17g,
 * containers as compact JSON. Exit 1 when the path is missing, 2 when the
 * file does not parse.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

int main(int argc, char **argv)
{
	int keys = argc > 1 && !strcmp(argv[1], "--keys");
	const char *file, *path;
	struct ku_json *root;
	const struct ku_json *v;
	char err[256], *p, *tok, *save;

	if (argc != 3 + keys) {
		fprintf(stderr, "usage: jget [--keys] FILE PATH\n");
		return 2;
	}
	file = argv[1 + keys];
	path = argv[2 + keys];
	if (ku_json_parse_file(file, &root, err, sizeof(err))) {
		fprintf(stderr, "jget: %s\n", err);
		return 2;
	}
	v = root;
	p = strdup(path);
	for (tok = strtok_r(p, ".", &save); tok && v; tok = strtok_r(NULL, ".", &save)) {
		char *end;
		long i = strtol(tok, &end, 10);

		v = (*end == '\0' && v->type == KU_JSON_ARRAY) ? ku_json_at(v, (size_t)i) : ku_json_get(v, tok);
	}
	free(p);
	if (!v) {
		fprintf(stderr, "jget: %s: no %s\n", file, path);
		ku_json_free(root);
		return 1;
	}
	if (keys) {
		for (size_t i = 0; v->type == KU_JSON_OBJECT && i < v->len; i++)
			printf("%s\n", v->kids[i].key);
	} else if (v->type == KU_JSON_STRING) {
		printf("%s\n", v->str);
	} else if (v->type == KU_JSON_NUMBER && v->is_int) {
		printf("%lld\n", (long long)v->integer);
	} else if (v->type == KU_JSON_NUMBER && v->is_uint) {
		printf("%llu\n", (unsigned long long)v->uinteger);
	} else if (v->type == KU_JSON_NUMBER) {
		printf("%.17g\n", v->number);
	} else {
		struct ku_json_writer w;

		ku_json_writer_init(&w, 0);
		ku_json_write_value(&w, v);
		printf("%s\n", ku_json_writer_text(&w, NULL));
		ku_json_writer_free(&w);
	}
	ku_json_free(root);
	return 0;
}
