/* SPDX-License-Identifier: MIT */
/* churnlib: a library whose constructor allocates and whose destructor
 * frees, for dlchurn (loaded and unloaded hundreds of times). */
#include <stdlib.h>
#include <string.h>

int churn_value(void);
char *churn_strdup(const char *s);

static char *table;

__attribute__((constructor)) static void churn_init(void)
{
	table = malloc(4096);
	if (table)
		memset(table, 3, 4096);
}

__attribute__((destructor)) static void churn_fini(void)
{
	free(table);
	table = NULL;
}

int churn_value(void)
{
	return table ? table[100] : -1;
}

char *churn_strdup(const char *s)
{
	return strdup(s); /* freed by the caller, after the library is gone */
}
