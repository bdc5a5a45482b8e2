/* The list of analyses: the one place a new analysis is registered. */
#include <string.h>

#include "ana_int.h"

static const struct qc_analysis *const all[] = {
    &ana_mv_field,	 &ana_mvic_field,    &ana_acr,	  &ana_leaf_gap,      &ana_mlc_slit,
    &ana_picket_fence,	 &ana_isocentre,     &ana_mr_snr, &ana_mr_uniformity, &ana_mr_ghosting,
    &ana_mr_slice_width, &ana_mr_resolution,
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
