/* mr_uniformity: NEMA integral and MagNET (IPEM) fractional uniformity of a flood image. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mr_int.h"

#define WHAT N_("a uniform MR phantom")
/* NEMA: 3 x 3 smoothing, extremes within 75 % of the area of the phantom's inscribed circle. */
#define NEMA_AREA 0.75
/* MagNET, in protocol pixels: a 10 x 10 central region gives the modal value; profiles 160 long
 * and 10 wide through the centre count the points within +/- 10 % of it. */
#define CENTRE_PX  10
#define PROFILE_PX 160
#define BAND	   0.10

static int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return (x > y) - (x < y);
}

/*
 * The modal value of the central region, ties to the lowest value as MagNET's implementation
 * does. Stored values are integers (times the rescale slope), so they repeat; on continuous
 * data where nothing repeats the median stands in.
 */
static double modal_value(const struct qc_image *img, int x0, int y0, int n)
{
	float *v = qc_xmalloc((size_t)n * (size_t)n * sizeof(float));
	size_t k = 0;
	for (int y = y0; y < y0 + n; y++)
		for (int x = x0; x < x0 + n; x++)
			if (x >= 0 && y >= 0 && x < img->width && y < img->height)
				v[k++] = qc_px(img, x, y);
	qsort(v, k, sizeof(float), cmp_float);
	size_t best = 0, best_run = 0;
	for (size_t i = 0; i < k;) {
		size_t j = i;
		while (j < k && v[j] == v[i])
			j++;
		if (j - i > best_run) {
			best_run = j - i;
			best = i;
		}
		i = j;
	}
	double mode = best_run > 1 ? v[best] : (k ? (v[(k - 1) / 2] + v[k / 2]) / 2.0 : 0);
	free(v);
	return mode;
}

/* Fraction of a profile (mean of a band of lines) within (1 - BAND, 1 + BAND) of ref; NAN when
 * some of its points lie off the image (*off of them): they would count as outside the band. */
static double fraction(const struct qc_image *img, bool horiz, int c_across, int c_along, int len,
		       int width, double ref, int *off)
{
	int count = 0;
	*off = 0;
	for (int i = 0; i < len; i++) {
		int at = c_along - len / 2 + i;
		double sum = 0;
		int n = 0;
		for (int j = 0; j < width; j++) {
			int a = c_across - width / 2 + j;
			int x = horiz ? at : a, y = horiz ? a : at;
			if (x < 0 || y < 0 || x >= img->width || y >= img->height)
				continue;
			sum += qc_px(img, x, y);
			n++;
		}
		if (n == width) {
			double v = sum / n;
			count += v > (1 - BAND) * ref && v < (1 + BAND) * ref;
		} else
			(*off)++;
	}
	return *off ? NAN : (double)count / len;
}

static void integral(const struct qc_image *img, int idx, const struct mr_phantom *ph,
		     struct qc_result *res)
{
	double r = sqrt(NEMA_AREA) * fmin(ph->rx, ph->ry);
	/* Stay 2 pixels clear of a bubble or insert: the 3 x 3 mean must not see it. */
	r = fmin(r, ana_mr_clear_radius(img, ph, r + 2) - 2);
	if (r < 3) {
		qc_result_add_null(res, "uniformity_integral_pct", "%", idx,
				   _("no uniform region around the centre"));
		return;
	}
	size_t npx = (size_t)img->width * (size_t)img->height;
	float *sm = qc_xmalloc(npx * sizeof(float));
	ana_mr_box_mean(img->px, img->width, img->height, 3, sm);
	double lo = INFINITY, hi = -INFINITY;
	int lx = 0, ly = 0, hx = 0, hy = 0;
	for (int y = (int)ceil(ph->cy - r); y <= (int)floor(ph->cy + r); y++)
		for (int x = (int)ceil(ph->cx - r); x <= (int)floor(ph->cx + r); x++) {
			if (x < 1 || y < 1 || x >= img->width - 1 || y >= img->height - 1 ||
			    hypot(x - ph->cx, y - ph->cy) > r)
				continue;
			double v = sm[(size_t)y * (size_t)img->width + (size_t)x];
			if (v < lo) {
				lo = v;
				lx = x;
				ly = y;
			}
			if (v > hi) {
				hi = v;
				hx = x;
				hy = y;
			}
		}
	free(sm);
	if (!(hi + lo > 0)) {
		qc_result_add_null(res, "uniformity_integral_pct", "%", idx,
				   _("no positive signal in the central region"));
		return;
	}
	struct qc_measure *m =
	    qc_result_add(res, "uniformity_integral_pct", "%", idx, 100 * (hi - lo) / (hi + lo));
	snprintf(m->note, sizeof(m->note), _("region %.0f mm across; smoothed max %.4g, min %.4g"),
		 2 * r * img->geo.pixel_x_mm, hi, lo);
	struct qc_overlay *o =
	    qc_result_overlay(res, QC_OV_CIRCLE, QC_OVR_ROI, idx, ph->cx, ph->cy, 0, 0);
	o->r = r;
	qc_strlcpy(o->measure, "uniformity_integral_pct", sizeof(o->measure));
	double mark = 0.04 * r + 1;
	o = qc_result_overlay(res, QC_OV_CROSS, QC_OVR_REF, idx, hx, hy, 0, 0);
	o->r = mark;
	o = qc_result_overlay(res, QC_OV_CROSS, QC_OVR_REF, idx, lx, ly, 0, 0);
	o->r = mark;
}

/* One MagNET profile through the centre (horizontal or vertical) as a measurement. */
static void profile(const struct qc_image *img, int idx, bool horiz, int c_across, int c_along,
		    int len, int width, double mode, struct qc_result *res)
{
	const char *name = horiz ? "uniformity_h" : "uniformity_v";
	double mm = len * (horiz ? img->geo.pixel_x_mm : img->geo.pixel_y_mm);
	int off;
	double f = fraction(img, horiz, c_across, c_along, len, width, mode, &off);
	struct qc_measure *m;
	if (isnan(f)) {
		m = qc_result_add_null(res, name, "", idx, "");
		snprintf(
		    m->note, sizeof(m->note),
		    horiz ? _("the %.0f mm horizontal profile through the phantom centre runs off "
			      "the image (%d of its %d points): centre the phantom or widen the "
			      "field of view")
			  : _("the %.0f mm vertical profile through the phantom centre runs off "
			      "the image (%d of its %d points): centre the phantom or widen the "
			      "field of view"),
		    mm, off, len);
		return;
	}
	m = qc_result_add(res, name, "", idx, f);
	snprintf(m->note, sizeof(m->note),
		 _("fraction of a %.0f mm profile within 10 %% of the central modal value %.4g"),
		 mm, mode);
}

static void fractional(const struct qc_image *img, int idx, const struct mr_phantom *ph,
		       struct qc_result *res)
{
	int n = ana_mr_px(img, CENTRE_PX), len = ana_mr_px(img, PROFILE_PX);
	int cx = (int)floor(ph->cx), cy = (int)floor(ph->cy);
	double mode = modal_value(img, cx - n / 2, cy - n / 2, n);
	ana_mr_rect(res, QC_OVR_ROI, idx, cx - n / 2, cy - n / 2, cx - n / 2 + n - 1,
		    cy - n / 2 + n - 1, NULL);
	if (!(mode > 0)) {
		qc_result_add_null(res, "uniformity_h", "", idx, _("no signal at the centre"));
		qc_result_add_null(res, "uniformity_v", "", idx, _("no signal at the centre"));
		return;
	}
	profile(img, idx, true, cy, cx, len, n, mode, res);
	profile(img, idx, false, cx, cy, len, n, mode, res);
	ana_mr_rect(res, QC_OVR_ROI, idx, cx - len / 2, cy - n / 2, cx - len / 2 + len - 1,
		    cy - n / 2 + n - 1, "uniformity_h");
	ana_mr_rect(res, QC_OVR_ROI, idx, cx - n / 2, cy - len / 2, cx - n / 2 + n - 1,
		    cy - len / 2 + len - 1, "uniformity_v");
}

static enum qc_status run(const struct qc_image *const *imgs, size_t n,
			  const struct ana_context *ctx, struct qc_result *res)
{
	(void)ctx;
	for (size_t i = 0; i < n; i++) {
		struct mr_phantom ph;
		enum qc_status st;
		if ((st = ana_mr_check(imgs[i], (int)i, WHAT)) ||
		    (st = ana_mr_phantom(imgs[i], (int)i, WHAT, &ph)))
			return st;
		ana_mr_outline(res, (int)i, &ph, NULL);
		integral(imgs[i], (int)i, &ph, res);
		fractional(imgs[i], (int)i, &ph, res);
		ana_mr_phantom_release(&ph);
	}
	return QC_OK;
}

const struct qc_analysis ana_mr_uniformity = {
    .id = "mr_uniformity",
    .version = "1.0",
    .summary = "uniform MR phantom: NEMA integral uniformity, MagNET fractional uniformity",
    .min_images = 1,
    .max_images = 16,
    .run = run,
};
