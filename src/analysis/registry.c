/* The list of analyses: the one place a new analysis is registered. */
#include <string.h>

#include "ana_int.h"

static const struct qc_analysis *const all[] = {
    &ana_mv_field,
};

const struct qc_analysis *ana_find(const char *id)
{
	for (size_t i = 0; i < QC_ARRAY_LEN(all); i++)
		if (!strcmp(all[i]->id, id))
			return all[i];
	return NULL;
}

const struct qc_analysis *const *ana_list(size_t *n)
{
	*n = QC_ARRAY_LEN(all);
	return all;
}
