/* mr_slice_width: slice width from two crossed ramps, rod linearity and distortion (MagNET). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mr_int.h"

#define WHAT	       N_("a MagNET slice-width phantom")
#define RAMP_DEG       11.3  /* each ramp's angle to the image plane (1 in 5) */
#define ROD_SPACING_MM 120.0 /* between the outer rods of a row or column */
#define LOCAL_MM       15.0  /* local background of a rod: a box this wide */
#define ROD_WINDOW_MM  4.0   /* half width of the window of a rod's centroid */
#define ROD_DARK       0.4   /* a rod pixel is this much below its local background */
#define EDGE_CLEAR_MM  8.0   /* rods lie this far inside the outline */
#define BAND_MM	       10.0  /* a ramp profile averages +/- this many mm of lines */

struct rod {
	double x, y; /* pixels */
};

/* Intensity-weighted centre of the dip of a rod, around (x, y). */
static void rod_centre(const struct qc_image *img, const float *loc, struct rod *r)
{
	int hw = (int)ceil(ROD_WINDOW_MM / img->geo.pixel_x_mm);
	int hh = (int)ceil(ROD_WINDOW_MM / img->geo.pixel_y_mm);
	for (int it = 0; it < 3; it++) {
		int cx = (int)lround(r->x), cy = (int)lround(r->y);
		double sw = 0, sx = 0, sy = 0;
		for (int y = cy - hh; y <= cy + hh; y++)
			for (int x = cx - hw; x <= cx + hw; x++) {
				if (x < 0 || y < 0 || x >= img->width || y >= img->height)
					continue;
				size_t i = (size_t)y * (size_t)img->width + (size_t)x;
				double w = loc[i] - img->px[i];
				if (w <= 0)
					continue;
				sw += w;
				sx += w * x;
				sy += w * y;
			}
		if (sw <= 0)
			return;
		r->x = sx / sw;
		r->y = sy / sw;
	}
}

static int cmp_score(const void *a, const void *b)
{
	const struct mr_comp *x = a, *y = b;
	return (x->score < y->score) - (x->score > y->score);
}

static int cmp_rod_y(const void *a, const void *b)
{
	const struct rod *p = a, *q = b;
	return (p->y > q->y) - (p->y < q->y);
}

static int cmp_rod_x(const void *a, const void *b)
{
	const struct rod *p = a, *q = b;
	return (p->x > q->x) - (p->x < q->x);
}

/* The nine rods, sorted into rows (top to bottom) of three (left to right). */
static enum qc_status find_rods(const struct qc_image *img, int idx, const struct mr_phantom *ph,
				struct rod rods[9])
{
	size_t npx = (size_t)img->width * (size_t)img->height;
	float *loc = qc_xmalloc(npx * sizeof(float));
	int k = 2 * (int)lround(LOCAL_MM / img->geo.pixel_x_mm / 2) + 1;
	ana_mr_box_mean(img->px, img->width, img->height, k, loc);
	unsigned char *m = qc_xcalloc(npx, 1);
	double clear = EDGE_CLEAR_MM / img->geo.pixel_x_mm;
	for (int y = ph->y0; y <= ph->y1; y++)
		for (int x = ph->x0; x <= ph->x1; x++) {
			size_t i = (size_t)y * (size_t)img->width + (size_t)x;
			bool inside = ph->round ? hypot(x - ph->cx, y - ph->cy) < ph->rx - clear
						: fabs(x - ph->cx) < ph->rx - clear &&
						      fabs(y - ph->cy) < ph->ry - clear;
			m[i] = inside && loc[i] > ph->threshold &&
			       loc[i] - img->px[i] > ROD_DARK * (loc[i] - ph->bg);
		}
	int *label = qc_xmalloc(npx * sizeof(int));
	struct mr_comp *c;
	size_t n = ana_mr_components(m, img->width, img->height, label, &c);
	for (size_t i = 0; i < npx; i++)
		if (label[i])
			c[label[i] - 1].score += (loc[i] - img->px[i]) / (loc[i] - ph->bg);
	if (n)
		qsort(c, n, sizeof(*c), cmp_score);
	enum qc_status st = QC_OK;
	/* Nine rods of about the same darkness: the ninth holds at least a quarter of the first. */
	if (n < 9 || c[8].score < 0.25 * c[0].score) {
		size_t found = 0;
		while (found < n && found < 9 && c[found].score >= 0.25 * c[0].score)
			found++;
		st = qc_fail(QC_ERR_ANALYSIS,
			     _("image %d does not look like %s: %zu of 9 rods found"), idx + 1,
			     _(WHAT), found);
	} else {
		for (int i = 0; i < 9; i++) {
			rods[i] =
			    (struct rod){c[i].sx / (double)c[i].area, c[i].sy / (double)c[i].area};
			rod_centre(img, loc, &rods[i]);
		}
		qsort(rods, 9, sizeof(*rods), cmp_rod_y);
		for (int r = 0; r < 3; r++)
			qsort(rods + 3 * r, 3, sizeof(*rods), cmp_rod_x);
	}
	free(loc);
	free(m);
	free(label);
	free(c);
	return st;
}

static double dist_mm(const struct qc_image *img, const struct rod *a, const struct rod *b)
{
	return hypot((b->x - a->x) * img->geo.pixel_x_mm, (b->y - a->y) * img->geo.pixel_y_mm);
}

/* A grid: each row and column spans about the same distance, rows below one another. */
static bool grid_ok(const double h[3], const double v[3], const struct rod rods[9])
{
	for (int i = 0; i < 3; i++)
		if (fabs(h[i] / h[1] - 1) > 0.2 || fabs(v[i] / h[1] - 1) > 0.2)
			return false;
	for (int r = 0; r < 2; r++)
		for (int j = 0; j < 3; j++)
			for (int i = 0; i < 3; i++)
				if (rods[3 * r + j].y >= rods[3 * (r + 1) + i].y)
					return false;
	return true;
}

static void mean_cv(const double v[3], double *mean, double *cv_pct)
{
	*mean = (v[0] + v[1] + v[2]) / 3;
	double ss = 0;
	for (int i = 0; i < 3; i++)
		ss += (v[i] - *mean) * (v[i] - *mean);
	*cv_pct = 100 * sqrt(ss / 2) / *mean;
}

/* Crossing of level by q near index i (q[i] >= level > q[i + dir]), fitted by a line through
 * the points of that side between 20 % and 80 % of the depth. */
static double crossing(const double *q, int n, int i, int dir, double depth)
{
	double level = 0.5 * depth;
	double xs[64], ys[64];
	size_t k = 0;
	for (int j = i; j >= 0 && j < n && k < 64; j += dir) {
		if (q[j] < 0.2 * depth)
			break;
		if (q[j] <= 0.8 * depth) {
			xs[k] = j;
			ys[k++] = q[j];
		}
	}
	for (int j = i - dir; j >= 0 && j < n && k < 64; j -= dir) {
		if (q[j] > 0.8 * depth)
			break;
		if (q[j] >= 0.2 * depth) {
			xs[k] = j;
			ys[k++] = q[j];
		}
	}
	double a, b;
	if (k >= 2 && ana_fit_line(xs, ys, k, &a, &b) && b != 0)
		return (level - a) / b;
	int j = i + dir;
	return i + dir * (q[i] - level) / (q[i] - q[j]);
}

/*
 * Full width at half depth of the ramp's dip (or peak) in profile p: a parabola through the
 * profile outside the dip is the baseline (the flood is not flat), refitted once the dip is
 * known; the depth is the median of the dip's central half.
 */
static bool ramp_fwhm(const double *p, int n, double *left, double *right, double *depth)
{
	double *x = qc_xmalloc((size_t)n * sizeof(double)),
	       *y = qc_xmalloc((size_t)n * sizeof(double));
	double *q = qc_xmalloc((size_t)n * sizeof(double)),
	       *core = qc_xmalloc((size_t)n * sizeof(double));
	int pad = n / 8 > 3 ? n / 8 : 3;
	double lo = 0, hi = n - 1, sign = 0;
	bool ok = false;
	for (int it = 0; it < 4; it++) {
		size_t k = 0;
		for (int i = 0; i < n; i++)
			if (it ? i < lo || i > hi : i < pad || i >= n - pad) {
				x[k] = i;
				y[k++] = p[i];
			}
		double c[3];
		if (k < 6 || !ana_mr_parabola(x, y, k, 0.5 * n, c))
			break;
		for (int i = 0; i < n; i++) {
			double u = i - 0.5 * n;
			q[i] = c[0] + c[1] * u + c[2] * u * u - p[i];
		}
		int best = 2;
		double smax = -INFINITY, smin = INFINITY;
		for (int i = 2; i < n - 2; i++) {
			double s = (q[i - 2] + q[i - 1] + q[i] + q[i + 1] + q[i + 2]) / 5;
			smax = s > smax ? s : smax;
			smin = s < smin ? s : smin;
		}
		if (!sign)
			sign = smax >= -smin ? 1 : -1; /* a dark dip, or a bright ramp */
		for (int i = 0; i < n; i++)
			q[i] *= sign;
		double peak = -INFINITY;
		for (int i = 2; i < n - 2; i++) {
			double s = (q[i - 2] + q[i - 1] + q[i] + q[i + 1] + q[i + 2]) / 5;
			if (s > peak) {
				peak = s;
				best = i;
			}
		}
		int l = best, r = best;
		while (l > 0 && q[l - 1] > 0.5 * peak)
			l--;
		while (r < n - 1 && q[r + 1] > 0.5 * peak)
			r++;
		size_t m = 0;
		for (int i = l + (r - l) / 4; i <= r - (r - l) / 4; i++)
			core[m++] = q[i];
		*depth = ana_median(core, m);
		if (!(*depth > 0) || l == 0 || r == n - 1)
			break;
		l = best;
		r = best;
		while (l > 0 && q[l - 1] >= 0.5 * *depth)
			l--;
		while (r < n - 1 && q[r + 1] >= 0.5 * *depth)
			r++;
		if (l == 0 || r == n - 1)
			break;
		*left = crossing(q, n, l, -1, *depth);
		*right = crossing(q, n, r, 1, *depth);
		/* The baseline starts a quarter width beyond the half-depth points: past the
		 * shoulders of the profile, and still room for a wide (thick-slice) dip. */
		double w = *right - *left;
		lo = *left - 0.25 * w;
		hi = *right + 0.25 * w;
		ok = w > 1 && lo > 4 && hi < n - 5;
		if (!ok)
			break;
	}
	free(x);
	free(y);
	free(q);
	free(core);
	return ok;
}

struct ramp {
	bool ok;
	int x0, y0, y1; /* profile start column, band rows */
	double left, right, width_mm;
	char why[120];
};

static void measure_ramp(const struct qc_image *img, double yc, double xa, double xb,
			 struct ramp *rp)
{
	int hb = (int)lround(BAND_MM / img->geo.pixel_y_mm);
	int c = (int)lround(yc), x0 = (int)lround(xa), x1 = (int)lround(xb);
	rp->x0 = x0;
	rp->y0 = c - hb;
	rp->y1 = c + hb - 1;
	int n = x1 - x0 + 1;
	if (rp->y0 < 0 || rp->y1 >= img->height || x0 < 0 || x1 >= img->width || n < 20) {
		snprintf(rp->why, sizeof(rp->why), "%s", _("ramp profile outside the image"));
		return;
	}
	double *p = qc_xcalloc((size_t)n, sizeof(double));
	for (int y = rp->y0; y <= rp->y1; y++)
		for (int i = 0; i < n; i++)
			p[i] += qc_px(img, x0 + i, y) / (2.0 * hb);
	double depth;
	rp->ok = ramp_fwhm(p, n, &rp->left, &rp->right, &depth);
	if (rp->ok)
		rp->width_mm = (rp->right - rp->left) * img->geo.pixel_x_mm;
	else
		snprintf(rp->why, sizeof(rp->why), "%s",
			 _("no ramp profile with a clear half maximum between the rods"));
	free(p);
}

/*
 * Two ramps at +/- RAMP_DEG: with the phantom tilted by t, their image lengths are
 * a = w / tan(RAMP + t) and b = w / tan(RAMP - t). Eliminating t:
 *   tan(2 RAMP) w^2 + (a + b) w - tan(2 RAMP) a b = 0.
 */
static double crossed_width(double a, double b, double *tilt_deg)
{
	double al = RAMP_DEG * ANA_PI / 180, T = tan(2 * al);
	double w = (-(a + b) + sqrt((a + b) * (a + b) + 4 * T * T * a * b)) / (2 * T);
	*tilt_deg = 0.5 * (atan(w / a) - atan(w / b)) * 180 / ANA_PI;
	return w;
}

static void overlays(struct qc_result *res, int idx, const struct qc_image *img,
		     const struct rod rods[9], const struct ramp rp[2])
{
	for (int i = 0; i < 9; i++) {
		struct qc_overlay *o = qc_result_overlay(res, QC_OV_CROSS, QC_OVR_CENTRE, idx,
							 rods[i].x, rods[i].y, 0, 0);
		o->r = 3 / img->geo.pixel_x_mm;
	}
	for (int i = 0; i < 3; i++) {
		struct qc_overlay *o =
		    qc_result_overlay(res, QC_OV_LINE, QC_OVR_REF, idx, rods[3 * i].x,
				      rods[3 * i].y, rods[3 * i + 2].x, rods[3 * i + 2].y);
		qc_strlcpy(o->measure, "linearity_h_mm", sizeof(o->measure));
		o = qc_result_overlay(res, QC_OV_LINE, QC_OVR_REF, idx, rods[i].x, rods[i].y,
				      rods[6 + i].x, rods[6 + i].y);
		qc_strlcpy(o->measure, "linearity_v_mm", sizeof(o->measure));
	}
	static const char *const name[2] = {"slice_width_top_mm", "slice_width_bottom_mm"};
	for (int k = 0; k < 2; k++) {
		const struct ramp *r = &rp[k];
		if (r->y1 <= r->y0)
			continue;
		ana_mr_rect(res, QC_OVR_ROI, idx, r->x0, r->y0, (int)lround(rods[5].x), r->y1,
			    "slice_width_mm");
		if (!r->ok)
			continue;
		double yc = 0.5 * (r->y0 + r->y1);
		double h = 0.5 * (r->y1 - r->y0);
		for (int s = 0; s < 2; s++) {
			double x = r->x0 + (s ? r->right : r->left);
			struct qc_overlay *o = qc_result_overlay(res, QC_OV_LINE, QC_OVR_EDGE, idx,
								 x, yc - h, x, yc + h);
			qc_strlcpy(o->measure, name[k], sizeof(o->measure));
		}
	}
}

static void report_rods(int idx, const double h[3], const double v[3], struct qc_result *res)
{
	double hm, hcv, vm, vcv;
	mean_cv(h, &hm, &hcv);
	mean_cv(v, &vm, &vcv);
	static const char *const lin[2] = {"linearity_h_mm", "linearity_v_mm"};
	for (int k = 0; k < 2; k++) {
		const double *d = k ? v : h;
		struct qc_measure *m = qc_result_add(res, lin[k], "mm", idx, k ? vm : hm);
		m->has_nominal = true;
		m->nominal = ROD_SPACING_MM;
		snprintf(m->note, sizeof(m->note), _("outer rods %.2f, %.2f, %.2f mm apart"), d[0],
			 d[1], d[2]);
	}
	qc_result_add(res, "distortion_h_pct", "%", idx, hcv);
	qc_result_add(res, "distortion_v_pct", "%", idx, vcv);
}

static void report_ramps(const struct qc_image *img, int idx, const struct rod rods[9],
			 const double h[3], struct qc_result *res)
{
	/* Ramp profiles half-way between the rod rows, from the left to the right middle rod. */
	struct ramp rp[2] = {0};
	measure_ramp(img, 0.5 * (rods[1].y + rods[4].y), rods[3].x, rods[5].x, &rp[0]);
	measure_ramp(img, 0.5 * (rods[4].y + rods[7].y), rods[3].x, rods[5].x, &rp[1]);
	/* The rod spacing calibrates the length scale of each ramp's part of the image. */
	double scale[2] = {0.5 * (h[0] + h[1]) / ROD_SPACING_MM,
			   0.5 * (h[1] + h[2]) / ROD_SPACING_MM};
	double t = tan(RAMP_DEG * ANA_PI / 180), len[2];
	static const char *const name[2] = {"slice_width_top_mm", "slice_width_bottom_mm"};
	for (int k = 0; k < 2; k++) {
		len[k] = rp[k].width_mm / scale[k];
		struct qc_measure *m = rp[k].ok
					   ? qc_result_add(res, name[k], "mm", idx, len[k] * t)
					   : qc_result_add_null(res, name[k], "mm", idx, rp[k].why);
		if (rp[k].ok)
			snprintf(m->note, sizeof(m->note),
				 _("ramp FWHM %.2f mm (rod-spacing corrected)"), len[k]);
	}
	struct qc_measure *m;
	if (rp[0].ok && rp[1].ok) {
		double tilt, w = crossed_width(len[0], len[1], &tilt);
		m = qc_result_add(res, "slice_width_mm", "mm", idx, w);
		snprintf(m->note, sizeof(m->note),
			 _("both ramps, corrected for a phantom tilt of %.2f deg and for the rod "
			   "spacing"),
			 tilt);
		qc_result_add(res, "phantom_tilt_deg", "deg", idx, tilt);
	} else {
		const char *why = rp[0].ok ? rp[1].why : rp[0].why;
		m = qc_result_add_null(res, "slice_width_mm", "mm", idx, why);
		qc_result_add_null(res, "phantom_tilt_deg", "deg", idx, why);
	}
	if (img->geo.has_slice_thickness && img->geo.slice_thickness_mm > 0) {
		m->has_nominal = true;
		m->nominal = img->geo.slice_thickness_mm;
	}
	overlays(res, idx, img, rods, rp);
}

static enum qc_status slice_width(const struct qc_image *img, int idx, struct qc_result *res)
{
	struct mr_phantom ph;
	struct rod rods[9];
	enum qc_status st;
	if ((st = ana_mr_check(img, idx, WHAT)) || (st = ana_mr_phantom(img, idx, WHAT, &ph)))
		return st;
	if ((st = find_rods(img, idx, &ph, rods))) {
		ana_mr_phantom_release(&ph);
		return st;
	}
	double h[3], v[3];
	for (int i = 0; i < 3; i++) {
		h[i] = dist_mm(img, &rods[3 * i], &rods[3 * i + 2]);
		v[i] = dist_mm(img, &rods[i], &rods[6 + i]);
	}
	if (!grid_ok(h, v, rods)) {
		ana_mr_phantom_release(&ph);
		return qc_fail(QC_ERR_ANALYSIS,
			       _("image %d does not look like %s: the nine rods do not form a "
				 "square grid"),
			       idx + 1, _(WHAT));
	}
	ana_mr_outline(res, idx, &ph, NULL);
	ana_mr_phantom_release(&ph);
	report_rods(idx, h, v, res);
	report_ramps(img, idx, rods, h, res);
	return QC_OK;
}

static enum qc_status run(const struct qc_image *const *imgs, size_t n,
			  const struct ana_context *ctx, struct qc_result *res)
{
	(void)ctx;
	for (size_t i = 0; i < n; i++) {
		enum qc_status st = slice_width(imgs[i], (int)i, res);
		if (st)
			return st;
	}
	return QC_OK;
}

const struct qc_analysis ana_mr_slice_width = {
    .id = "mr_slice_width",
    .version = "1.0",
    .summary = "MagNET slice-width phantom: slice width from crossed ramps, rod linearity and "
	       "distortion",
    .min_images = 1,
    .max_images = 16,
    .run = run,
};
