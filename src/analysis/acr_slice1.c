/* acr, slices 1 and 11: slice thickness from the ramps, slice position from the wedges, holes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acr_int.h"

#define RAMP_HALF_MM 75.0  /* ramp profiles span u = -75..75 mm, inside the band's ends */
#define SLOT_V0	     -82.0 /* the wedge slot is crossed between these depths (mm from the */
#define SLOT_V1	     -72.0 /* centre, up): below the top wall, above the shortest bar end */

/* Boxcar smoothing of p over 2 k + 1 samples (shorter at the ends). */
static void smooth(double *p, int n, int k)
{
	if (k < 1)
		return;
	double *t = qc_xmalloc((size_t)n * sizeof(double));
	for (int i = 0; i < n; i++) {
		double s = 0;
		int m = 0;
		for (int j = i - k; j <= i + k; j++)
			if (j >= 0 && j < n && !isnan(p[j])) {
				s += p[j];
				m++;
			}
		t[i] = m ? s / m : NAN;
	}
	memcpy(p, t, (size_t)n * sizeof(double));
	free(t);
}

/* Mean signal along u at depth v (averaged over v +- hw), u0..u0 + (n - 1) step. */
static void row_profile(const struct acr_slice *s, const struct acr_disc *d, double u0, double step,
			int n, double v, double hw, double *p)
{
	double sv = fmax(0.5 * s->dy, 0.05);
	for (int i = 0; i < n; i++) {
		double sum = 0;
		int m = 0;
		for (double dv = -hw; dv <= hw + 1e-9; dv += sv) {
			double a = acr_at(s, d, u0 + i * step, v + dv);
			if (!isnan(a)) {
				sum += a;
				m++;
			}
		}
		p[i] = m ? sum / m : NAN;
	}
}

/* Where p crosses level going from i0 in direction dir (the first sample on the other side). */
static double walk(const double *p, int n, int i0, int dir, double level, bool down)
{
	for (int i = i0; i + dir >= 0 && i + dir < n; i += dir) {
		double a = p[i], b = p[i + dir];
		if (isnan(a) || isnan(b))
			return NAN;
		if (down ? (a >= level && b < level) : (a <= level && b > level))
			return i + dir * (level - a) / (b - a);
	}
	return NAN;
}

/* The top of the ramp between samples a and b: see ramp_fwhm. */
static double ramp_top(const double *p, int n, int a, int b, double step)
{
	int w = (int)(1.5 / step), best = -1;
	double best_v = -INFINITY;
	for (int i = a; i <= b; i++) { /* highest 3 mm mean */
		double s = 0;
		int m = 0;
		for (int j = i - w; j <= i + w; j++)
			if (j >= 0 && j < n && !isnan(p[j])) {
				s += p[j];
				m++;
			}
		if (m && s / m > best_v) {
			best_v = s / m;
			best = i;
		}
	}
	/* least-squares parabola p = c0 + c1 t + c2 t^2 over +-3 mm, t in mm */
	double S[5] = {0}, T[3] = {0};
	int h = 2 * w;
	for (int j = best - h; j <= best + h; j++) {
		if (j < 0 || j >= n || isnan(p[j]))
			continue;
		double t = (j - best) * step, tk = 1;
		for (int k = 0; k < 5; k++, tk *= t)
			S[k] += tk;
		T[0] += p[j];
		T[1] += p[j] * t;
		T[2] += p[j] * t * t;
	}
	double m[3][4] = {
	    {S[0], S[1], S[2], T[0]}, {S[1], S[2], S[3], T[1]}, {S[2], S[3], S[4], T[2]}};
	for (int c = 0; c < 3; c++) {
		if (fabs(m[c][c]) < 1e-12)
			return best_v;
		for (int r = 0; r < 3; r++) {
			if (r == c)
				continue;
			double f = m[r][c] / m[c][c];
			for (int k = c; k < 4; k++)
				m[r][k] -= f * m[c][k];
		}
	}
	double c0 = m[0][3] / m[0][0], c1 = m[1][3] / m[1][1], c2 = m[2][3] / m[2][2];
	double tv = c2 < 0 ? -c1 / (2 * c2) : 0;
	if (fabs(tv) > h * step) /* no vertex inside: the plateau's mean */
		return best_v;
	return c0 + c1 * tv + c2 * tv * tv;
}

/*
 * FWHM of the ramp signal at depth v: the full width at half the plateau above the band's
 * own background. *u0, *u1 get the half-maximum points (mm).
 */
static bool ramp_fwhm(const struct acr_slice *s, const struct acr_disc *d, double v, double hw,
		      double *u0, double *u1)
{
	double step = fmax(0.25 * s->dx, 0.05);
	int n = (int)(2 * RAMP_HALF_MM / step) + 1;
	double *p = qc_xmalloc((size_t)n * sizeof(double));
	row_profile(s, d, -RAMP_HALF_MM, step, n, v, hw, p);
	smooth(p, n, (int)(0.5 / step));
	bool ok = false;
	/* Rough ramp between the crossings of half-way from the background to the top values. */
	double level = 0.5 * (ana_acr_quantile(p, n, 0.1) + ana_acr_quantile(p, n, 0.95));
	int peak = 0;
	for (int i = 0; i < n; i++)
		peak = !isnan(p[i]) && (isnan(p[peak]) || p[i] > p[peak]) ? i : peak;
	double a = walk(p, n, peak, -1, level, true), b = walk(p, n, peak, 1, level, true);
	if (!isnan(a) && !isnan(b) && b - a > 4 / step) {
		/* top: the vertex of a parabola through +-3 mm around the highest point of the
		 * ramp (a flat plateau gives its mean, a peaked ramp its peak); base: the lowest
		 * (1 mm smoothed) signal within 20 mm beyond each end, where the slopes have come
		 * down, averaged over both sides; not the rest of the band, which partial volume
		 * with the water can light up (Siemens) */
		double top = ramp_top(p, n, (int)a, (int)b, step);
		int g = (int)(20 / step);
		double lo[2] = {INFINITY, INFINITY};
		for (int i = (int)a - g; i <= (int)a; i++)
			if (i >= 0 && p[i] < lo[0])
				lo[0] = p[i];
		for (int i = (int)b; i <= (int)b + g && i < n; i++)
			if (p[i] < lo[1])
				lo[1] = p[i];
		double base = 0.5 * (lo[0] + lo[1]);
		double half = 0.5 * (top + base);
		int mid = (int)(0.5 * (a + b));
		a = walk(p, n, mid, -1, half, true);
		b = walk(p, n, mid, 1, half, true);
		ok = top > base && !isnan(a) && !isnan(b);
		*u0 = -RAMP_HALF_MM + a * step;
		*u1 = -RAMP_HALF_MM + b * step;
	}
	free(p);
	return ok;
}

static void line(struct acr_ctx *c, const struct acr_slice *s, const struct acr_disc *d,
		 enum qc_ov_role role, double u0, double v0, double u1, double v1,
		 const char *measure)
{
	if (!c->overlays)
		return;
	double x0, y0, x1, y1;
	acr_px(s, d, u0, v0, &x0, &y0);
	acr_px(s, d, u1, v1, &x1, &y1);
	struct qc_overlay *o =
	    qc_result_overlay(c->res, QC_OV_LINE, role, s->image, x0, y0, x1, y1);
	qc_strlcpy(o->measure, measure, sizeof(o->measure));
}

void ana_acr_thickness(struct acr_ctx *c, const struct acr_slice *s, const struct acr_disc *d,
		       const struct acr_band *b)
{
	static const char *name = "slice_thickness_mm";
	double h = b->bottom - b->top, len[2], u0[2], u1[2], v[2];
	for (int r = 0; r < 2; r++) {
		/* each ramp fills one half of the band; read the middle 40 % of that half */
		v[r] = b->top + (0.25 + 0.5 * r) * h;
		if (!ramp_fwhm(s, d, v[r], 0.1 * h, &u0[r], &u1[r])) {
			qc_result_add_null(c->res, name, "mm", s->image,
					   r ? _("the signal of the lower ramp was not found")
					     : _("the signal of the upper ramp was not found"));
			return;
		}
		len[r] = u1[r] - u0[r];
	}
	/* Two ramps of slope 1:10 in opposite directions: t = 0.2 a b / (a + b), which cancels
	 * a tilt of the slice. */
	qc_result_add(c->res, name, "mm", s->image, 0.2 * len[0] * len[1] / (len[0] + len[1]));
	for (int r = 0; r < 2; r++)
		line(c, s, d, QC_OVR_EDGE, u0[r], v[r], u1[r], v[r], name);
}

/* The end of a wedge bar: where the signal along v at u0..u1 rises back to the water level. */
static double bar_end(const struct acr_slice *s, const struct acr_disc *d, double u0, double u1)
{
	double step = fmax(0.25 * s->dy, 0.05), vfrom = -88, vto = -30;
	int n = (int)((vto - vfrom) / step) + 1;
	double *p = qc_xmalloc((size_t)n * sizeof(double));
	double su = fmax(0.5 * s->dx, 0.05);
	for (int i = 0; i < n; i++) {
		double sum = 0;
		int m = 0;
		for (double u = u0; u <= u1 + 1e-9; u += su) {
			double a = acr_at(s, d, u, vfrom + i * step);
			if (!isnan(a)) {
				sum += a;
				m++;
			}
		}
		p[i] = m ? sum / m : NAN;
	}
	int i0 = (int)((SLOT_V0 - vfrom) / step), i1 = (int)((SLOT_V1 - vfrom) / step);
	double dark = ana_acr_quantile(p + i0, i1 - i0 + 1, 0.5),
	       bright = ana_acr_quantile(p, n, 0.9);
	double end = NAN;
	if (bright > dark) {
		double x = walk(p, n, i1, 1, 0.5 * (dark + bright), false);
		end = isnan(x) ? NAN : vfrom + x * step;
	}
	free(p);
	return end;
}

bool ana_acr_slot(const struct acr_slice *s, const struct acr_disc *d, double *ul, double *ur)
{
	/* The slot of the two wedges, crossed below the top wall. */
	double step = fmax(0.25 * s->dx, 0.05), half = 25;
	int n = (int)(2 * half / step) + 1;
	double *p = qc_xmalloc((size_t)n * sizeof(double));
	row_profile(s, d, -half, step, n, 0.5 * (SLOT_V0 + SLOT_V1), 0.5 * (SLOT_V1 - SLOT_V0), p);
	double level = 0.5 * (ana_acr_quantile(p, n, 0.05) + ana_acr_quantile(p, n, 0.95));
	int mid = n / 2, best = -1;
	for (int k = 0; k < n / 2 && best < 0; k++) {
		if (p[mid - k] < level)
			best = mid - k;
		else if (p[mid + k] < level)
			best = mid + k;
	}
	double a = best < 0 ? NAN : walk(p, n, best, -1, level, false);
	double b = best < 0 ? NAN : walk(p, n, best, 1, level, false);
	free(p);
	*ul = -half + a * step;
	*ur = -half + b * step;
	double w = *ur - *ul;
	return !isnan(w) && w >= 5 && w <= 20;
}

void ana_acr_wedges(struct acr_ctx *c, const struct acr_slice *s, const struct acr_disc *d,
		    const char *name)
{
	double ul, ur;
	if (!ana_acr_slot(s, d, &ul, &ur)) {
		qc_result_add_null(
		    c->res, name, "mm", s->image,
		    _("the slot of the slice-position wedges was not found at the top"));
		return;
	}
	double w = ur - ul;
	double uc = 0.5 * (ul + ur);
	double left = bar_end(s, d, ul + 0.15 * w, uc - 0.1 * w);
	double right = bar_end(s, d, uc + 0.1 * w, ur - 0.15 * w);
	if (isnan(left) || isnan(right)) {
		qc_result_add_null(c->res, name, "mm", s->image,
				   _("the end of a wedge bar was not found"));
		return;
	}
	/* ACR sign: positive when the right bar is the longer one */
	qc_result_add(c->res, name, "mm", s->image, right - left);
	line(c, s, d, QC_OVR_EDGE, ul + 0.25 * w, SLOT_V0, ul + 0.25 * w, left, name);
	line(c, s, d, QC_OVR_EDGE, ur - 0.25 * w, SLOT_V0, ur - 0.25 * w, right, name);
}

/*
 * The high-contrast insert of slice 1: three pairs of 4 x 4 hole arrays (holes of 1.1, 1.0 and
 * 0.9 mm, centres two diameters apart). In each pair the upper-left array resolves left-right
 * (holes along rows), the lower-right one top-bottom (holes along columns); the two share their
 * corner hole. Corner holes measured on the GE scan: u = -13.6 + 23 k mm, v = 38.0 mm.
 */
#define HOLE_V	     38.0
#define HOLE_U0	     -13.6
#define HOLE_PAIR_MM 23.0
#define HOLE_SEARCH  3.5 /* mm around the nominal corner */
/* Holes count as distinguishable when the darkest hole is brighter than the brightest gap by
 * twice the pixel noise: the best of some hundred lines through pure noise reaches about one. */
#define HOLE_MARGIN 2.0

struct pair {
	double d, pitch;
	double cu, cv; /* the shared corner hole, found */
};

/* Hole k (0..30) of a pair: UL holes (i, j) i, j = 0..3, corner at (3, 3); LR holes from it. */
static void hole(const struct pair *p, int k, double du, double dv, double *u, double *v)
{
	int i, j;
	if (k < 16) { /* UL */
		i = k % 4 - 3;
		j = k / 4 - 3;
	} else { /* LR, the corner left out */
		k -= 15;
		i = k % 4;
		j = k / 4;
	}
	*u = p->cu + du + i * p->pitch;
	*v = p->cv + dv + j * p->pitch;
}

/* How well a lattice at (cu + du, cv + dv) fits: holes minus the gaps between them. */
static double lattice_score(const struct acr_slice *s, const struct acr_disc *d,
			    const struct pair *p, double du, double dv)
{
	double sum = 0;
	for (int k = 0; k < 31; k++) {
		double u, v;
		hole(p, k, du, dv, &u, &v);
		double a = acr_at(s, d, u, v);
		double gx = acr_at(s, d, u + 0.5 * p->pitch, v),
		       gy = acr_at(s, d, u, v + 0.5 * p->pitch);
		sum += 2 * a - gx - gy;
	}
	return isnan(sum) ? -INFINITY : sum;
}

/* Best lattice offset over a square of half side `half` mm by steps of `step`. */
static void search(const struct acr_slice *s, const struct acr_disc *d, struct pair *p, int np,
		   double half, double step, double *bu, double *bv)
{
	double best = -INFINITY, u0 = *bu, v0 = *bv;
	int n = (int)lround(half / step);
	for (int i = -n; i <= n; i++)
		for (int j = -n; j <= n; j++) {
			double sc = 0;
			for (int k = 0; k < np; k++)
				sc += lattice_score(s, d, &p[k], u0 + i * step, v0 + j * step);
			if (sc > best) {
				best = sc;
				*bu = u0 + i * step;
				*bv = v0 + j * step;
			}
		}
}

/*
 * The insert is one rigid block: the three pairs move together (the 1.1 mm pair, resolved on
 * every scan, pins it); each pair is then refined by a few tenths of a millimetre.
 */
static void find_pairs(const struct acr_slice *s, const struct acr_disc *d, struct pair *p)
{
	double du = 0, dv = 0;
	search(s, d, p, 3, HOLE_SEARCH, 0.2, &du, &dv);
	search(s, d, p, 3, 0.2, 0.04, &du, &dv);
	for (int k = 0; k < 3; k++) {
		double fu = du, fv = dv;
		search(s, d, &p[k], 1, 0.4, 0.04, &fu, &fv);
		p[k].cu += fu;
		p[k].cv += fv;
	}
}

/*
 * One array resolved: some line through a row (UL) or column (LR) of 4 holes where every hole
 * is brighter than every gap between them by more than margin. The line is swept across the
 * row by a quarter pitch and the comb slid along it by a quarter pitch (the arrays are sheared).
 */
static bool resolved(const struct acr_slice *s, const struct acr_disc *d, const struct pair *p,
		     bool ul, double margin, double *best_gap)
{
	double q = 0.25 * p->pitch, st = fmin(0.1, 0.25 * fmin(s->dx, s->dy));
	*best_gap = -INFINITY;
	for (int row = 0; row < 4; row++)
		for (double across = -q; across <= q + 1e-9; across += st)
			for (double along = -q; along <= q + 1e-9; along += st) {
				double lo_hole = INFINITY, hi_gap = -INFINITY;
				/* holes and gaps alternate every half pitch along the line */
				for (int i = 0; i < 7; i++) {
					double t = i * 0.5 * p->pitch + along;
					double w = row * p->pitch + across;
					double u = ul ? p->cu - 3 * p->pitch + t : p->cu + w;
					double v = ul ? p->cv - 3 * p->pitch + w : p->cv + t;
					double a = acr_at(s, d, u, v);
					if (i % 2 == 0)
						lo_hole = fmin(lo_hole, a);
					else
						hi_gap = fmax(hi_gap, a);
				}
				double g = lo_hole - hi_gap;
				*best_gap = fmax(*best_gap, g);
			}
	return *best_gap > margin;
}

static void array_overlay(struct acr_ctx *c, const struct acr_slice *s, const struct acr_disc *d,
			  const struct pair *p, bool ul)
{
	if (!c->overlays)
		return;
	/* the array's outline, half a pitch beyond its outer holes */
	double h = 0.5 * p->pitch, u0 = ul ? p->cu - 3 * p->pitch - h : p->cu - h;
	double v0 = ul ? p->cv - 3 * p->pitch - h : p->cv - h, side = 3 * p->pitch + 2 * h;
	double pts[5][2] = {
	    {u0, v0}, {u0 + side, v0}, {u0 + side, v0 + side}, {u0, v0 + side}, {u0, v0}};
	for (int k = 0; k < 4; k++)
		line(c, s, d, QC_OVR_ROI, pts[k][0], pts[k][1], pts[k + 1][0], pts[k + 1][1],
		     "resolution_mm");
}

static void add_resolution(struct qc_result *res, const char *name, int image, double best,
			   const char *why)
{
	if (best < 2) {
		qc_result_add(res, name, "mm", image, best);
		return;
	}
	qc_result_add_null(res, name, "mm", image, _(why));
}

void ana_acr_holes(struct acr_ctx *c, const struct acr_slice *s, const struct acr_disc *d,
		   double noise)
{
	static const char *const names[3] = {"resolution_mm", "resolution_x_mm", "resolution_y_mm"};
	if (!(noise > 0)) {
		for (int k = 0; k < 3; k++)
			qc_result_add_null(
			    c->res, names[k], "mm", s->image,
			    _("no noise level for the hole arrays (slice 7 unusable)"));
		return;
	}
	struct pair p[3];
	for (int k = 0; k < 3; k++) {
		p[k] = (struct pair){.d = 1.1 - 0.1 * k};
		p[k].pitch = 2 * p[k].d;
		p[k].cu = HOLE_U0 + HOLE_PAIR_MM * k;
		p[k].cv = HOLE_V;
	}
	find_pairs(s, d, p);
	/* The smallest holes resolved: in both directions, left-right (upper-left arrays),
	 * top-bottom (lower-right arrays). */
	double best[3] = {9, 9, 9};
	for (int k = 0; k < 3; k++) {
		double g_ul, g_lr;
		bool x = resolved(s, d, &p[k], true, HOLE_MARGIN * noise, &g_ul);
		bool y = resolved(s, d, &p[k], false, HOLE_MARGIN * noise, &g_lr);
		if (x && y)
			best[0] = p[k].d;
		if (x)
			best[1] = p[k].d;
		if (y)
			best[2] = p[k].d;
		array_overlay(c, s, d, &p[k], true);
		array_overlay(c, s, d, &p[k], false);
	}
	add_resolution(c->res, names[0], s->image, best[0],
		       N_("not even the 1.1 mm holes are resolved in both directions"));
	add_resolution(c->res, names[1], s->image, best[1],
		       N_("not even the 1.1 mm holes are resolved left-right"));
	add_resolution(c->res, names[2], s->image, best[2],
		       N_("not even the 1.1 mm holes are resolved top-bottom"));
}
