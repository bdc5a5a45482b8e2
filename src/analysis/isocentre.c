/* isocentre: Winston-Lutz test, a BB against the field centre per image and in 3-D. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wl_int.h"

#define AXIS_TOL 0.5 /* degrees: an axis within this of 0 counts as at 0 */

static bool at_zero(double deg)
{
	return fabs(remainder(deg, 360)) <= AXIS_TOL;
}

/*
 * The projection of a room vector (IEC 61217 fixed: x lateral, y towards the gantry, z up)
 * onto an image at gantry angle g seen from the source: u = image x, v = image y (down). A
 * mirrored image or a gantry turning the other way only flips the sign of shift components:
 * the 3-D offset's length and the isocentre sizes do not depend on these conventions.
 */
static void projection(double g_deg, double pu[3], double pv[3])
{
	double g = g_deg * ANA_PI / 180;
	pu[0] = cos(g);
	pu[1] = 0;
	pu[2] = -sin(g);
	pv[0] = 0;
	pv[1] = -1;
	pv[2] = 0;
}

/* Do the gantry angles of the chosen images span two directions (not all parallel)? */
static bool two_directions(const struct wl *w, const int *use, int n)
{
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			if (fabs(sin((w[use[i]].gantry - w[use[j]].gantry) * ANA_PI / 180)) > 0.1)
				return true;
	return false;
}

/* Least squares: the 3-D shift S with P_i S closest to each image's BB-to-field vector. */
static bool shift_3d(const struct wl *w, const int *use, int n, double s[3])
{
	double A[3][4] = {{0}};
	for (int k = 0; k < n; k++) {
		const struct wl *o = &w[use[k]];
		double pu[3], pv[3];
		projection(o->gantry, pu, pv);
		for (int i = 0; i < 3; i++) {
			for (int j = 0; j < 3; j++)
				A[i][j] += pu[i] * pu[j] + pv[i] * pv[j];
			A[i][3] += pu[i] * o->dx + pv[i] * o->dy;
		}
	}
	for (int c = 0; c < 3; c++) {
		int piv = c;
		for (int k = c + 1; k < 3; k++)
			if (fabs(A[k][c]) > fabs(A[piv][c]))
				piv = k;
		if (fabs(A[piv][c]) < 1e-9)
			return false;
		for (int k = 0; k < 4; k++) {
			double t = A[c][k];
			A[c][k] = A[piv][k];
			A[piv][k] = t;
		}
		for (int k = 0; k < 3; k++) {
			if (k == c)
				continue;
			double f = A[k][c] / A[c][c];
			for (int j = c; j < 4; j++)
				A[k][j] -= f * A[c][j];
		}
	}
	for (int i = 0; i < 3; i++)
		s[i] = A[i][3] / A[i][i];
	return true;
}

/* Largest distance from point p to the central axes (each image's field centre back-projected
 * along its beam, relative to the BB). */
static double max_axis_distance(const struct wl *w, const int *use, int n, const double p[3])
{
	double worst = 0;
	for (int k = 0; k < n; k++) {
		const struct wl *o = &w[use[k]];
		double pu[3], pv[3];
		projection(o->gantry, pu, pv);
		double u = pu[0] * p[0] + pu[1] * p[1] + pu[2] * p[2] - o->dx;
		double v = pv[0] * p[0] + pv[1] * p[1] + pv[2] * p[2] - o->dy;
		worst = fmax(worst, hypot(u, v));
	}
	return worst;
}

/*
 * Radius of the smallest sphere touching every central axis: the point whose largest distance
 * to the axes is least (Nelder-Mead on that convex function, restarted until it stays).
 */
static double iso_radius(const struct wl *w, const int *use, int n, const double start[3])
{
	double x[4][3], f[4], best = INFINITY, c[3] = {start[0], start[1], start[2]};
	for (int restart = 0; restart < 6; restart++) {
		double size = restart ? 0.25 : 1.0;
		for (int i = 0; i < 4; i++) {
			for (int j = 0; j < 3; j++)
				x[i][j] = c[j] + (i == j + 1 ? size : 0);
			f[i] = max_axis_distance(w, use, n, x[i]);
		}
		for (int it = 0; it < 2000; it++) {
			int hi = 0, lo = 0;
			for (int i = 1; i < 4; i++) {
				hi = f[i] > f[hi] ? i : hi;
				lo = f[i] < f[lo] ? i : lo;
			}
			if (f[hi] - f[lo] < 1e-10)
				break;
			double cen[3] = {0}, r[3], e[3];
			for (int i = 0; i < 4; i++)
				for (int j = 0; i != hi && j < 3; j++)
					cen[j] += x[i][j] / 3;
			for (int j = 0; j < 3; j++)
				r[j] = 2 * cen[j] - x[hi][j];
			double fr = max_axis_distance(w, use, n, r);
			if (fr < f[lo]) {
				for (int j = 0; j < 3; j++)
					e[j] = 3 * cen[j] - 2 * x[hi][j];
				double fe = max_axis_distance(w, use, n, e);
				memcpy(x[hi], fe < fr ? e : r, sizeof(r));
				f[hi] = fmin(fe, fr);
				continue;
			}
			int second = lo;
			for (int i = 0; i < 4; i++)
				if (i != hi && f[i] > f[second])
					second = i;
			if (fr < f[second]) {
				memcpy(x[hi], r, sizeof(r));
				f[hi] = fr;
				continue;
			}
			for (int j = 0; j < 3; j++)
				r[j] = 0.5 * (cen[j] + x[hi][j]);
			fr = max_axis_distance(w, use, n, r);
			if (fr < f[hi]) {
				memcpy(x[hi], r, sizeof(r));
				f[hi] = fr;
				continue;
			}
			for (int i = 0; i < 4; i++) /* shrink towards the best */
				if (i != lo) {
					for (int j = 0; j < 3; j++)
						x[i][j] = 0.5 * (x[i][j] + x[lo][j]);
					f[i] = max_axis_distance(w, use, n, x[i]);
				}
		}
		int lo = 0;
		for (int i = 1; i < 4; i++)
			lo = f[i] < f[lo] ? i : lo;
		bool better = f[lo] < best - 1e-9;
		best = fmin(best, f[lo]);
		memcpy(c, x[lo], sizeof(c));
		if (!better && restart)
			break;
	}
	return best;
}

/* Largest distance between two of the points (x[i], y[i]) of the chosen images, in mm. */
static double spread(const double *x, const double *y, const int *use, int n)
{
	double worst = 0;
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			worst = fmax(worst, hypot(x[use[i]] - x[use[j]], y[use[i]] - y[use[j]]));
	return worst;
}

static void add_overlays(const struct wl *w, struct qc_result *res)
{
	int idx = w->idx, nr = w->fy1 - w->fy0 + 1, nc = w->fx1 - w->fx0 + 1;
	int step = (int)ceil(1.0 / fmin(w->mmx, w->mmy)); /* an outline point every mm */
	const char *m = "bb_to_field_mm";
	struct qc_overlay *o;
	/* The 50 % outline: left and right crossings down the rows, top and bottom along the
	 * columns, joined between neighbouring points. */
	for (int side = 0; side < 4; side++) {
		bool rows = side < 2;
		const double *e = side == 0   ? w->left
				  : side == 1 ? w->right
				  : side == 2 ? w->top_y
					      : w->bottom_y;
		int n = rows ? nr : nc, first = rows ? w->fy0 : w->fx0, prev = -1;
		for (int i = 0; i < n; i++) {
			if (isnan(e[i]) || (i % step && i != n - 1))
				continue;
			if (prev >= 0 && i - prev <= 2 * step) {
				double a0 = e[prev], b0 = first + prev, a1 = e[i], b1 = first + i;
				o = qc_result_overlay(res, QC_OV_LINE, QC_OVR_EDGE, idx,
						      rows ? a0 : b0, rows ? b0 : a0,
						      rows ? a1 : b1, rows ? b1 : a1);
				qc_strlcpy(o->measure, m, sizeof(o->measure));
			}
			prev = i;
		}
	}
	o = qc_result_overlay(res, QC_OV_CROSS, QC_OVR_CENTRE, idx, w->fcx, w->fcy, 0, 0);
	o->r = 2.0 / w->mmx;
	qc_strlcpy(o->measure, m, sizeof(o->measure));
	o = qc_result_overlay(res, QC_OV_CIRCLE, QC_OVR_REF, idx, w->bbx, w->bby, 0, 0);
	o->r = w->bb_r;
	qc_strlcpy(o->measure, m, sizeof(o->measure));
	o = qc_result_overlay(res, QC_OV_CROSS, QC_OVR_REF, idx, w->bbx, w->bby, 0, 0);
	o->r = 1.0 / w->mmx;
	qc_strlcpy(o->measure, m, sizeof(o->measure));
}

static void report_image(const struct wl *w, struct qc_result *res)
{
	int idx = w->idx;
	char note[160];
	struct qc_measure *m = qc_result_add(res, "bb_to_field_mm", "mm", idx, w->d);
	if (w->crowded)
		snprintf(
		    m->note, sizeof(m->note), "%s",
		    _("the BB's shadow reaches the field's penumbra (BB large for this field, or "
		      "far off its centre): its position may be off by a few tenths of a mm"));
	qc_result_add(res, "bb_to_field_x_mm", "mm", idx, w->dx);
	qc_result_add(res, "bb_to_field_y_mm", "mm", idx, w->dy);
	snprintf(note, sizeof(note), _("relative to the isocentre pixel (%.2f, %.2f)"), w->iso_col,
		 w->iso_row);
	static const char *const names[] = {"field_x_mm", "field_y_mm", "bb_x_mm", "bb_y_mm"};
	double v[] = {(w->fcx - w->iso_col) * w->mmx, (w->fcy - w->iso_row) * w->mmy,
		      (w->bbx - w->iso_col) * w->mmx, (w->bby - w->iso_row) * w->mmy};
	for (int i = 0; i < 4; i++)
		qc_strlcpy(qc_result_add(res, names[i], "mm", idx, v[i])->note, note,
			   sizeof(((struct qc_measure *)0)->note));
	if (w->has_gantry)
		snprintf(note, sizeof(note), _("gantry %.4g, coll %.4g, couch %.4g"), w->gantry,
			 w->collimator, w->couch);
	else
		snprintf(note, sizeof(note), "%s", _("gantry angle unknown"));
	qc_strlcpy(res->label[idx], note, sizeof(res->label[idx]));
	res->inverted[idx] = w->sign < 0;
	add_overlays(w, res);
}

static void add_or_null(struct qc_result *res, const char *name, bool ok, double v, const char *why)
{
	if (ok)
		qc_result_add(res, name, "mm", -1, v);
	else
		qc_result_add_null(res, name, "mm", -1, why);
}

/* The set: distances, the 3-D BB shift (couch at 0), the isocentre sizes per axis. */
static void report_set(const struct wl *w, int n, struct qc_result *res)
{
	double *d = qc_xmalloc((size_t)n * sizeof(double)), mx = 0;
	int *use = qc_xmalloc((size_t)n * sizeof(int)), nu = 0;
	for (int i = 0; i < n; i++) {
		d[i] = w[i].d;
		mx = fmax(mx, d[i]);
	}
	qc_result_add(res, "max_bb_to_field_mm", "mm", -1, mx);
	qc_result_add(res, "median_bb_to_field_mm", "mm", -1, ana_median(d, (size_t)n));

	/* 3-D shift from every image with the couch at 0 (any collimator angle). */
	for (int i = 0; i < n; i++)
		if (w[i].has_gantry && at_zero(w[i].couch))
			use[nu++] = i;
	double s[3] = {0, 0, 0};
	bool ok = two_directions(w, use, nu) && shift_3d(w, use, nu, s);
	const char *why = _("needs images at two gantry angles (not 180 degrees apart) with the "
			    "couch at 0");
	struct qc_measure *m;
	add_or_null(res, "bb_offset_3d_mm", ok, sqrt(s[0] * s[0] + s[1] * s[1] + s[2] * s[2]), why);
	static const char *const axis[] = {"bb_shift_x_mm", "bb_shift_y_mm", "bb_shift_z_mm"};
	for (int k = 0; k < 3; k++) {
		add_or_null(res, axis[k], ok, s[k], why);
		m = &res->m[res->n_m - 1];
		if (ok)
			snprintf(
			    m->note, sizeof(m->note), "%s",
			    _("move the BB by this, IEC 61217 room axes (x lateral, y towards the "
			      "gantry, z up) for images seen from the source"));
	}

	/* Gantry isocentre: the images where only the gantry turns. */
	nu = 0;
	for (int i = 0; i < n; i++)
		if (w[i].has_gantry && at_zero(w[i].couch) && at_zero(w[i].collimator))
			use[nu++] = i;
	ok = two_directions(w, use, nu);
	double shift[3] = {0, 0, 0};
	if (ok)
		shift_3d(w, use, nu, shift);
	add_or_null(res, "gantry_iso_diameter_mm", ok, ok ? 2 * iso_radius(w, use, nu, shift) : 0,
		    _("needs images at two gantry angles (not 180 degrees apart) with collimator "
		      "and couch at 0"));
	if (ok)
		snprintf(res->m[res->n_m - 1].note, sizeof(res->m[0].note),
			 _("smallest sphere touching the central axes of %d images"), nu);

	/* Collimator and couch: the largest distance between field centres, between BBs. */
	double *fx = qc_xmalloc((size_t)n * sizeof(double)),
	       *fy = qc_xmalloc((size_t)n * sizeof(double));
	double *bx = qc_xmalloc((size_t)n * sizeof(double)),
	       *by = qc_xmalloc((size_t)n * sizeof(double));
	for (int i = 0; i < n; i++) {
		fx[i] = w[i].fcx * w[i].mmx;
		fy[i] = w[i].fcy * w[i].mmy;
		bx[i] = w[i].bbx * w[i].mmx;
		by[i] = w[i].bby * w[i].mmy;
	}
	for (int axis_i = 0; axis_i < 2; axis_i++) {
		bool coll = axis_i == 0;
		nu = 0;
		double a0 = 0, a1 = 0;
		for (int i = 0; i < n; i++) {
			double turn = coll ? w[i].collimator : w[i].couch;
			double other = coll ? w[i].couch : w[i].collimator;
			if (w[i].has_gantry && at_zero(w[i].gantry) && at_zero(other)) {
				a0 = nu ? fmin(a0, remainder(turn, 360)) : remainder(turn, 360);
				a1 = nu ? fmax(a1, remainder(turn, 360)) : remainder(turn, 360);
				use[nu++] = i;
			}
		}
		ok = nu >= 2 && a1 - a0 > 1;
		add_or_null(
		    res, coll ? "collimator_iso_diameter_mm" : "couch_iso_diameter_mm", ok,
		    ok ? spread(coll ? fx : bx, coll ? fy : by, use, nu) : 0,
		    coll ? _("needs images at two collimator angles with gantry and couch at 0")
			 : _("needs images at two couch angles with gantry and collimator at 0"));
		if (ok)
			snprintf(res->m[res->n_m - 1].note, sizeof(res->m[0].note),
				 coll ? _("largest distance between the field centres of %d images")
				      : _("largest distance between the BB positions of %d images"),
				 nu);
	}
	free(fx);
	free(fy);
	free(bx);
	free(by);
	free(d);
	free(use);
}

/* Each image found apart, on every core. */
struct apart {
	struct wl *w;
	const struct ana_context *ctx;
	enum qc_status *st;
	char (*msg)[512];
};

static void find_one(void *ud, size_t i)
{
	struct apart *a = ud;
	a->st[i] = ana_wl_image(&a->w[i], a->ctx);
	if (a->st[i])
		qc_strlcpy(a->msg[i], qc_errmsg(), sizeof(a->msg[i]));
}

static enum qc_status run(const struct qc_image *const *imgs, size_t n,
			  const struct ana_context *ctx, struct qc_result *res)
{
	struct wl *w = qc_xcalloc(n ? n : 1, sizeof(*w));
	enum qc_status st = QC_OK;
	struct apart a = {w, ctx, qc_xcalloc(n ? n : 1, sizeof(*a.st)),
			  qc_xcalloc(n ? n : 1, sizeof(*a.msg))};
	for (size_t i = 0; i < n; i++) {
		w[i].img = imgs[i];
		w[i].idx = (int)i;
	}
	qc_parallel_for(n, find_one, &a);
	for (size_t i = 0; i < n && !st; i++)
		if (a.st[i])
			st = qc_fail(a.st[i], "%s", a.msg[i]); /* the first image that failed */
	free(a.st);
	free(a.msg);
	if (!st) {
		for (size_t i = 0; i < n; i++)
			report_image(&w[i], res);
		report_set(w, (int)n, res);
	}
	for (size_t i = 0; i < n; i++) {
		free(w[i].lg);
		free(w[i].left);
		free(w[i].right);
		free(w[i].top_y);
		free(w[i].bottom_y);
	}
	free(w);
	return st;
}

const struct qc_analysis ana_isocentre = {
    .id = "isocentre",
    .version = "1.0",
    .summary = "Winston-Lutz: BB to field centre per image, 3-D BB shift, isocentre sizes",
    .min_images = 1,
    .max_images = 64,
    .run = run,
};
