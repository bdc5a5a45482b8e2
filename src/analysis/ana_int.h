/* Image maths shared by the analyses (private to src/analysis). */
#ifndef QC_ANA_INT_H
#define QC_ANA_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "qc/analysis.h"

extern const struct qc_analysis ana_mv_field;

/*
 * mv_field on one image (index idx of the set; res must hold at least idx + 1 images): adds
 * its measurements and overlays, sets res->inverted[idx] and res->label[idx] (the nominal
 * field taken as role, or the one ctx->forced_role gives).
 */
enum qc_status ana_mv_field_image(const struct qc_image *img, int idx,
				  const struct ana_context *ctx, struct qc_result *res);

/* Two-class split of the valid pixels of frame 0 (Otsu on a 1024-bin histogram). */
struct ana_split {
	double threshold;
	double low_median, high_median; /* medians of each class */
	double low_mad, high_mad;	/* median absolute deviations */
	size_t n_low, n_high;
};
bool ana_otsu(const struct qc_image *img, struct ana_split *out);

/* Bounding box of the valid pixels (inclusive); false when none. */
bool ana_valid_bbox(const struct qc_image *img, int *x0, int *y0, int *x1, int *y1);

/* Pixel noise (standard deviation) from neighbour differences: blind to smooth gradients. */
double ana_noise_sigma(const struct qc_image *img);

/* Median of n values (reorders v). */
double ana_median(double *v, size_t n);

/* Least-squares line y = a + b x over n points; false when degenerate. */
bool ana_fit_line(const double *x, const double *y, size_t n, double *a, double *b);
/* The same with outliers beyond 3 robust sigmas removed and a refit; *kept gets the count. */
bool ana_fit_line_robust(double *x, double *y, size_t n, double *a, double *b, size_t *kept);

/*
 * Sub-pixel position of the steepest rise of profile p[0..n-1] (sign = +1 rising, -1 falling):
 * maximum of the gradient (derivative of a Gaussian of smooth_px pixels), refined by a
 * least-squares parabola over the points above 60 % of the peak. False when the peak touches the
 * ends or is not at least twice the end gradients.
 */
bool ana_inflection(const double *p, int n, int sign, double smooth_px, double *pos, double *peak);

/*
 * Distance between the 20 % and 80 % points of an edge profile normalised so that the
 * inflection value is 50 % (the FFF convention) with the outer tail as 0 %. sign as above.
 */
bool ana_penumbra(const double *p, int n, int sign, double pos, double *width_px);

#endif
