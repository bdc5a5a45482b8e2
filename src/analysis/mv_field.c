/* mv_field: size, centre, rotation, corner angles and penumbrae of open MV fields. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ana_int.h"

#define EDGE_WINDOW_MM	 10.0 /* half length of an edge profile, at isocentre */
#define SMOOTH_MM	 0.5  /* gradient smoothing: well below any MV penumbra */
#define BAND		 4    /* a profile averages 2 * BAND + 1 lines */
#define CORNER_MARGIN_MM 6.0  /* beyond twice a typical MV 20-80 % penumbra */
#define ROLE_MATCH_MM	 10.0 /* the largest difference to a nominal field to take its role */

enum side { LEFT, RIGHT, TOP, BOTTOM };
/* Per side, whole sentences so that each language words them its own way. */
static const char *const why_not_sharp[] = {
    N_("left edge not measurable: outside the read-out area or not sharp (%zu of %zu profiles "
       "usable)"),
    N_("right edge not measurable: outside the read-out area or not sharp (%zu of %zu profiles "
       "usable)"),
    N_("top edge not measurable: outside the read-out area or not sharp (%zu of %zu profiles "
       "usable)"),
    N_("bottom edge not measurable: outside the read-out area or not sharp (%zu of %zu profiles "
       "usable)"),
};
static const char *const why_scattered[] = {
    N_("left edge not measurable: edge points scattered"),
    N_("right edge not measurable: edge points scattered"),
    N_("top edge not measurable: edge points scattered"),
    N_("bottom edge not measurable: edge points scattered"),
};

/* An edge as a line in mm relative to the isocentre (y down):
 * left/right: X = a + b Y; top/bottom: Y = a + b X. */
struct edge {
	bool ok;
	double a, b;
	bool has_pen;
	double pen_mm;
	char why[120];
};

struct field {
	const struct qc_image *img;
	double sign;		/* +1 more dose = higher value, -1 inverted */
	double bg, top;		/* background and field levels (dose-like) */
	int vx0, vy0, vx1, vy1; /* read-out box */
	int xl, xr, yt, yb;	/* rough extents (px) */
	double iso_col, iso_row, mmx, mmy;
	struct edge e[4];
};

static double norm(const struct field *f, double d)
{
	return (d - f->bg) / (f->top - f->bg);
}

/* Longest run of values above limit in v[0..n-1]; counts the runs longer than min_len. */
static int longest_run(const int *v, int n, int limit, int min_len, int *from, int *to)
{
	int runs = 0, best = 0;
	for (int i = 0; i < n;) {
		if (v[i] <= limit) {
			i++;
			continue;
		}
		int j = i;
		while (j + 1 < n && v[j + 1] > limit)
			j++;
		if (j - i + 1 >= min_len)
			runs++;
		if (j - i + 1 > best) {
			best = j - i + 1;
			*from = i;
			*to = j;
		}
		i = j + 1;
	}
	return runs;
}

static enum qc_status find_rough(struct field *f, int idx)
{
	const struct qc_image *img = f->img;
	int *cols = qc_xcalloc((size_t)img->width, sizeof(int));
	int *rows = qc_xcalloc((size_t)img->height, sizeof(int));
	/* Half-way between background and field, in stored values. */
	float half = (float)(f->sign * (f->bg + 0.5 * (f->top - f->bg)));
	/* In the field: sg * value > sg * half (with sg = ±1, the same test as value > half or
	 * value < half), branch-free so that the loops run on vector instructions. */
	float sg = f->sign > 0 ? 1.0f : -1.0f, level = sg * half;
	for (int y = f->vy0; y <= f->vy1; y++) {
		const float *row = img->px + (size_t)y * (size_t)img->width;
		int in_row = 0, n = f->vx1 - f->vx0 + 1, *c = cols + f->vx0;
		row += f->vx0;
		if (img->valid) {
			const unsigned char *ok = img->valid + (size_t)y * img->width + f->vx0;
			for (int i = 0; i < n; i++) {
				int in = (sg * row[i] > level) & ok[i];
				c[i] += in;
				in_row += in;
			}
		} else {
			for (int i = 0; i < n; i++) {
				int in = sg * row[i] > level;
				c[i] += in;
				in_row += in;
			}
		}
		rows[y] = in_row;
	}
	int cmax = 0, rmax = 0;
	for (int x = 0; x < img->width; x++)
		cmax = cols[x] > cmax ? cols[x] : cmax;
	for (int y = 0; y < img->height; y++)
		rmax = rows[y] > rmax ? rows[y] : rmax;
	int nc = longest_run(cols, img->width, cmax / 2, 6, &f->xl, &f->xr);
	int nr = longest_run(rows, img->height, rmax / 2, 6, &f->yt, &f->yb);
	free(cols);
	free(rows);
	if (cmax < 6 || rmax < 6 || !nc || !nr)
		return qc_fail(QC_ERR_ANALYSIS,
			       _("image %d does not look like an open MV field: no field found"),
			       idx + 1);
	if (nc > 1 || nr > 1)
		return qc_fail(QC_ERR_ANALYSIS,
			       _("image %d does not look like a single open MV field: %d separate "
				 "irradiated bands found"),
			       idx + 1, nc > nr ? nc : nr);
	if (f->xl <= f->vx0 && f->xr >= f->vx1 && f->yt <= f->vy0 && f->yb >= f->vy1)
		return qc_fail(QC_ERR_ANALYSIS,
			       _("image %d does not look like an open MV field: the irradiated "
				 "area covers the whole read-out area"),
			       idx + 1);
	return QC_OK;
}

/* Pixel k of line j: for left/right profiles row j, for top/bottom column j. */
static bool line_px_valid(const struct qc_image *img, bool horiz, int j, int k)
{
	return horiz ? qc_valid(img, k, j) : qc_valid(img, j, k);
}

/* Every pixel of the lines at - BAND .. at + BAND, from lo to hi along them, is read out (the
 * common case, checked on contiguous memory before any walk along the lines). */
static bool block_valid(const struct qc_image *img, bool horiz, int at, int lo, int hi)
{
	size_t w = (size_t)img->width;
	if (horiz) {
		for (int j = at - BAND; j <= at + BAND; j++)
			if (memchr(img->valid + (size_t)j * w + (size_t)lo, 0,
				   (size_t)(hi - lo + 1)))
				return false;
	} else {
		for (int k = lo; k <= hi; k++)
			if (memchr(img->valid + (size_t)k * w + (size_t)(at - BAND), 0,
				   2 * BAND + 1))
				return false;
	}
	return true;
}

/*
 * One profile across an edge: for left/right along row `at`, for top/bottom along column `at`,
 * centred on the rough edge, averaged over 2 * BAND + 1 lines, clipped to the read-out area.
 * Returns the sample count and the coordinate of p[0].
 */
static int profile(const struct field *f, enum side s, int at, int half, double *p, int *start)
{
	const struct qc_image *img = f->img;
	bool horiz = s == LEFT || s == RIGHT;
	int centre = s == LEFT ? f->xl : s == RIGHT ? f->xr : s == TOP ? f->yt : f->yb;
	int lo = centre - half, hi = centre + half;
	int lim_lo = horiz ? f->vx0 : f->vy0, lim_hi = horiz ? f->vx1 : f->vy1;
	int across_hi = horiz ? img->height - 1 : img->width - 1;
	if (at - BAND < 0 || at + BAND > across_hi)
		return 0;
	lo = lo < lim_lo ? lim_lo : lo;
	hi = hi > lim_hi ? lim_hi : hi;
	/* Stop at the first unread pixel on either side of the rough edge, on any of the lines:
	 * each line narrows the run the previous ones left. */
	if (img->valid && !block_valid(img, horiz, at, lo, hi)) {
		for (int j = at - BAND; j <= at + BAND; j++) {
			if (!line_px_valid(img, horiz, j, centre))
				return 0;
			int a = centre, b = centre;
			while (a > lo && line_px_valid(img, horiz, j, a - 1))
				a--;
			while (b < hi && line_px_valid(img, horiz, j, b + 1))
				b++;
			lo = a;
			hi = b;
		}
	}
	if (hi - lo + 1 < 9)
		return 0;
	/* Summed line by line (rows are contiguous in memory), in the same order per sample. */
	size_t w = (size_t)img->width;
	for (int k = lo; k <= hi; k++)
		p[k - lo] = 0;
	if (horiz) {
		for (int j = at - BAND; j <= at + BAND; j++) {
			const float *row = img->px + (size_t)j * w;
			for (int k = lo; k <= hi; k++)
				p[k - lo] += row[k];
		}
	} else {
		for (int k = lo; k <= hi; k++) {
			const float *row = img->px + (size_t)k * w;
			double sum = 0;
			for (int j = at - BAND; j <= at + BAND; j++)
				sum += row[j];
			p[k - lo] = sum;
		}
	}
	for (int k = lo; k <= hi; k++)
		p[k - lo] = f->sign * p[k - lo] / (2 * BAND + 1);
	*start = lo;
	return hi - lo + 1;
}

static void measure_edge(struct field *f, enum side s)
{
	struct edge *e = &f->e[s];
	bool horiz = s == LEFT || s == RIGHT;
	double mm_along = horiz ? f->mmx : f->mmy;
	int size = horiz ? f->xr - f->xl : f->yb - f->yt;
	int half = (int)lround(EDGE_WINDOW_MM / mm_along);
	half = half > (int)(0.45 * size) ? (int)(0.45 * size) : half;
	half = half < 6 ? 6 : half;
	/* Sample the edge away from the corners, where the penumbra of the perpendicular edges
	 * would tilt the profiles: 15 % of its length and at least CORNER_MARGIN_MM. */
	int c0 = horiz ? f->yt : f->xl, c1 = horiz ? f->yb : f->xr;
	double mm_across = horiz ? f->mmy : f->mmx;
	double margin = fmax(0.15 * (c1 - c0), CORNER_MARGIN_MM / mm_across);
	if (c1 - c0 - 2 * margin < 3.0 / mm_across)
		margin = (c1 - c0) / 3.0; /* a very small field: its central third */
	int from = (int)lround(c0 + margin), to = (int)lround(c1 - margin);
	int sign = (s == LEFT || s == TOP) ? 1 : -1;
	size_t cap = (size_t)(to - from + 1);
	double *u = qc_xmalloc(cap * sizeof(double)), *v = qc_xmalloc(cap * sizeof(double));
	double *pen = qc_xmalloc(cap * sizeof(double));
	double *p = qc_xmalloc((size_t)(2 * half + 2) * sizeof(double));
	size_t n = 0, n_pen = 0, tried = 0;

	for (int at = from; at <= to; at++) {
		int start, len = profile(f, s, at, half, p, &start);
		tried++;
		if (!len)
			continue;
		/* The profile must go from background to field across the window. */
		double outer = norm(f, sign > 0 ? p[0] : p[len - 1]);
		double inner = norm(f, sign > 0 ? p[len - 1] : p[0]);
		if (outer > 0.35 || inner < 0.65)
			continue;
		double pos, peak, w;
		double smooth = fmin(fmax(SMOOTH_MM / mm_along, 1.0), 4.0);
		if (!ana_inflection(p, len, sign, smooth, &pos, &peak) || pos < 3 || pos > len - 4)
			continue;
		double edge_px = start + pos;
		/* Store (along-edge, across-edge) in mm relative to the isocentre. */
		if (horiz) {
			u[n] = (at - f->iso_row) * f->mmy;
			v[n] = (edge_px - f->iso_col) * f->mmx;
		} else {
			u[n] = (at - f->iso_col) * f->mmx;
			v[n] = (edge_px - f->iso_row) * f->mmy;
		}
		n++;
		/* The 0 % of the penumbra is read 10 mm outside the edge: only on profiles the
		 * read-out border did not cut on that side. */
		int centre = s == LEFT ? f->xl : s == RIGHT ? f->xr : s == TOP ? f->yt : f->yb;
		bool full = sign > 0 ? start == centre - half : start + len - 1 == centre + half;
		if (full && ana_penumbra(p, len, sign, pos, &w))
			pen[n_pen++] = w * mm_along;
	}
	size_t kept = 0;
	size_t need = tried / 4 > 5 ? tried / 4 : 5;
	if (n < need) {
		snprintf(e->why, sizeof(e->why), _(why_not_sharp[s]), n, tried);
	} else if (!ana_fit_line_robust(u, v, n, &e->a, &e->b, &kept) || kept < need) {
		snprintf(e->why, sizeof(e->why), "%s", _(why_scattered[s]));
	} else {
		e->ok = true;
		if (n_pen) {
			e->has_pen = true;
			e->pen_mm = ana_median(pen, n_pen);
		}
	}
	free(u);
	free(v);
	free(pen);
	free(p);
}

/* Intersection of a left/right line (X = a1 + b1 Y) with a top/bottom one (Y = a2 + b2 X). */
static void corner(const struct edge *lr, const struct edge *tb, double *x, double *y)
{
	*x = (lr->a + lr->b * tb->a) / (1 - lr->b * tb->b);
	*y = tb->a + tb->b * *x;
}

static double angle_between(double ux, double uy, double vx, double vy)
{
	double c = (ux * vx + uy * vy) / (hypot(ux, uy) * hypot(vx, vy));
	return acos(c > 1 ? 1 : (c < -1 ? -1 : c)) * 180 / ANA_PI;
}

static double to_px_x(const struct field *f, double X)
{
	return f->iso_col + X / f->mmx;
}

static double to_px_y(const struct field *f, double Y)
{
	return f->iso_row + Y / f->mmy;
}

static void add_edge_overlay(struct qc_result *res, const struct field *f, int idx, enum side s,
			     double y0, double y1)
{
	const struct edge *e = &f->e[s];
	bool lr = s == LEFT || s == RIGHT;
	double x0 = lr ? e->a + e->b * y0 : y0, x1 = lr ? e->a + e->b * y1 : y1;
	double yy0 = lr ? y0 : e->a + e->b * y0, yy1 = lr ? y1 : e->a + e->b * y1;
	struct qc_overlay *o = qc_result_overlay(res, QC_OV_LINE, QC_OVR_EDGE, idx, to_px_x(f, x0),
						 to_px_y(f, yy0), to_px_x(f, x1), to_px_y(f, yy1));
	qc_strlcpy(o->measure, lr ? "width_mm" : "height_mm", sizeof(o->measure));
}

static void assign_role(const struct ana_context *ctx, int idx, const double got[4],
			const bool have[4], int *role)
{
	double best = ROLE_MATCH_MM;
	*role = -1;
	if (ctx && ctx->forced_role && ctx->forced_role[idx] >= 0 &&
	    (size_t)ctx->forced_role[idx] < ctx->n_nominal_fields) {
		*role = ctx->forced_role[idx]; /* the user's choice wins */
		return;
	}
	if (!ctx || (!have[0] && !have[1]))
		return;
	for (size_t i = 0; i < ctx->n_nominal_fields; i++) {
		const double *nom = ctx->nominal_fields[i];
		double cost = 0;
		for (int k = 0; k < 4; k++)
			if (have[k])
				cost = fmax(cost, fabs(got[k] - nom[k]));
		if (cost <= best) {
			best = cost;
			*role = (int)i;
		}
	}
}

static void add_value(struct qc_result *res, const char *name, const char *unit, int idx, bool ok,
		      double v, const char *why)
{
	if (ok)
		qc_result_add(res, name, unit, idx, v);
	else
		qc_result_add_null(res, name, unit, idx, why);
}

static void report(struct field *f, int idx, const struct ana_context *ctx, const char *iso_src,
		   struct qc_result *res)
{
	struct edge *L = &f->e[LEFT], *R = &f->e[RIGHT], *T = &f->e[TOP], *B = &f->e[BOTTOM];
	bool lr = L->ok && R->ok, tb = T->ok && B->ok;
	double X0 = ((f->xl + f->xr) / 2.0 - f->iso_col) * f->mmx;
	double Y0 = ((f->yt + f->yb) / 2.0 - f->iso_row) * f->mmy;
	double cx = X0, cy = Y0, w = 0, h = 0;
	const char *why_w = !L->ok ? L->why : R->why, *why_h = !T->ok ? T->why : B->why;

	/* Centre first (the width is taken through it), then sizes perpendicular to the edges. */
	for (int it = 0; it < 2; it++) {
		if (tb)
			cy = (T->a + T->b * cx + B->a + B->b * cx) / 2;
		if (lr)
			cx = (L->a + L->b * cy + R->a + R->b * cy) / 2;
	}
	if (lr)
		w = (R->a + R->b * cy - L->a - L->b * cy) * cos((atan(L->b) + atan(R->b)) / 2);
	if (tb)
		h = (B->a + B->b * cx - T->a - T->b * cx) * cos((atan(T->b) + atan(B->b)) / 2);

	double rot = 0;
	int n_rot = 0;
	for (int s = 0; s < 4; s++)
		if (f->e[s].ok) {
			rot += (s == LEFT || s == RIGHT ? 1 : -1) * atan(f->e[s].b);
			n_rot++;
		}
	rot = n_rot ? rot / n_rot * 180 / ANA_PI : 0;

	double got[4] = {w, h, cx, cy};
	bool have[4] = {lr, tb, lr, tb};
	int role;
	assign_role(ctx, idx, got, have, &role);
	const double *nom = role >= 0 ? ctx->nominal_fields[role] : NULL;
	if (nom) {
		char label[160];
		if (nom[2] != 0 || nom[3] != 0)
			snprintf(label, sizeof(label), _("%g x %g mm at (%+g, %+g)"), nom[0],
				 nom[1], nom[2], nom[3]);
		else
			snprintf(label, sizeof(label), _("%g x %g mm"), nom[0], nom[1]);
		qc_strlcpy(res->label[idx], label, sizeof(res->label[idx]));
	}

	static const char *const names[4] = {"width_mm", "height_mm", "centre_x_mm", "centre_y_mm"};
	for (int k = 0; k < 4; k++) {
		struct qc_measure *m =
		    have[k] ? qc_result_add(res, names[k], "mm", idx, got[k])
			    : qc_result_add_null(res, names[k], "mm", idx, k % 2 ? why_h : why_w);
		if (nom) {
			m->has_nominal = true;
			m->nominal = nom[k];
		} else if (ctx && ctx->n_nominal_fields && have[k])
			snprintf(m->note, sizeof(m->note), "%s",
				 _("no nominal field of the test matches this image"));
		if (k >= 2 && have[k] && !nom)
			snprintf(m->note, sizeof(m->note),
				 _("relative to the MV isocentre (%.2f, %.2f) from %s"), f->iso_col,
				 f->iso_row, _(iso_src));
	}
	add_value(res, "rotation_deg", "deg", idx, n_rot > 0, rot, _("no edge measurable"));

	static const char *const cn[4] = {"corner_tl_deg", "corner_tr_deg", "corner_br_deg",
					  "corner_bl_deg"};
	double ang[4] = {
	    angle_between(1, T->b, L->b, 1),
	    angle_between(-1, -T->b, R->b, 1),
	    angle_between(-1, -B->b, -R->b, -1),
	    angle_between(1, B->b, -L->b, -1),
	};
	bool cok[4] = {L->ok && T->ok, R->ok && T->ok, R->ok && B->ok, L->ok && B->ok};
	for (int k = 0; k < 4; k++)
		add_value(res, cn[k], "deg", idx, cok[k], ang[k],
			  _("an adjacent edge is not measurable"));

	static const char *const pn[4] = {"penumbra_left_mm", "penumbra_right_mm",
					  "penumbra_top_mm", "penumbra_bottom_mm"};
	static const char *const en[4] = {"edge_left_mm", "edge_right_mm", "edge_top_mm",
					  "edge_bottom_mm"};
	for (int s = 0; s < 4; s++) {
		struct edge *e = &f->e[s];
		add_value(res, pn[s], "mm", idx, e->ok && e->has_pen, e->pen_mm,
			  e->ok
			      ? _("penumbra not measurable: the read-out area ends less than 10 mm "
				  "beyond this edge")
			      : e->why);
	}
	for (int s = 0; s < 4; s++) {
		struct edge *e = &f->e[s];
		double at = s == LEFT || s == RIGHT ? e->a + e->b * cy : e->a + e->b * cx;
		add_value(res, en[s], "mm", idx, e->ok, at, e->why);
	}

	/* Overlays: the four edges between their corners, the centre, the isocentre. */
	double ty = (f->yt - f->iso_row) * f->mmy, by = (f->yb - f->iso_row) * f->mmy;
	double lx = (f->xl - f->iso_col) * f->mmx, rx = (f->xr - f->iso_col) * f->mmx;
	double cxs[4] = {0, 0, 0, 0}, cys[4] = {0, 0, 0, 0};
	if (L->ok && T->ok)
		corner(L, T, &cxs[0], &cys[0]);
	if (R->ok && T->ok)
		corner(R, T, &cxs[1], &cys[1]);
	if (R->ok && B->ok)
		corner(R, B, &cxs[2], &cys[2]);
	if (L->ok && B->ok)
		corner(L, B, &cxs[3], &cys[3]);
	if (L->ok)
		add_edge_overlay(res, f, idx, LEFT, T->ok ? cys[0] : ty, B->ok ? cys[3] : by);
	if (R->ok)
		add_edge_overlay(res, f, idx, RIGHT, T->ok ? cys[1] : ty, B->ok ? cys[2] : by);
	if (T->ok)
		add_edge_overlay(res, f, idx, TOP, L->ok ? cxs[0] : lx, R->ok ? cxs[1] : rx);
	if (B->ok)
		add_edge_overlay(res, f, idx, BOTTOM, L->ok ? cxs[3] : lx, R->ok ? cxs[2] : rx);
	double half = 3.0 / f->mmx;
	struct qc_overlay *o;
	if (lr || tb) {
		o = qc_result_overlay(res, QC_OV_CROSS, QC_OVR_CENTRE, idx, to_px_x(f, cx),
				      to_px_y(f, cy), 0, 0);
		o->r = half;
		qc_strlcpy(o->measure, lr ? "centre_x_mm" : "centre_y_mm", sizeof(o->measure));
	}
	o = qc_result_overlay(res, QC_OV_CROSS, QC_OVR_REF, idx, f->iso_col, f->iso_row, 0, 0);
	o->r = 2 * half;
}

enum qc_status ana_mv_field_image(const struct qc_image *img, int idx,
				  const struct ana_context *ctx, struct qc_result *res)
{
	struct field f = {.img = img};
	struct ana_split sp;
	enum qc_status st = ana_check_mv_input(img, idx, N_("an open MV field"), 32);
	if (st)
		return st;
	struct ana_box box;
	if (!ana_valid_bbox(img, &box.x0, &box.y0, &box.x1, &box.y1) ||
	    !ana_otsu_sampled(img, &box, ANA_MV_LATTICE, ANA_MV_BINS, &sp))
		return qc_fail(QC_ERR_ANALYSIS,
			       _("image %d does not look like an open MV field: it is blank"),
			       idx + 1);
	if (sp.high_median - sp.low_median < 20 * ana_noise_sampled(img, &box, ANA_MV_NOISE_ROWS))
		return qc_fail(QC_ERR_ANALYSIS,
			       _("image %d does not look like an open MV field: no contrast "
				 "between field and background"),
			       idx + 1);
	f.vx0 = box.x0, f.vy0 = box.y0, f.vx1 = box.x1, f.vy1 = box.y1;
	f.sign = ana_polarity(img, &box, sp.threshold);
	res->inverted[idx] = f.sign < 0;
	f.bg = f.sign > 0 ? sp.low_median : -sp.high_median;
	f.top = f.sign > 0 ? sp.high_median : -sp.low_median;

	const char *iso_src;
	ana_iso_pixel(img, ctx, &f.iso_col, &f.iso_row, &iso_src);
	f.mmx = qc_image_mm_x(img);
	f.mmy = qc_image_mm_y(img);
	if ((st = find_rough(&f, idx)))
		return st;
	for (int s = 0; s < 4; s++)
		measure_edge(&f, (enum side)s);
	if (!f.e[LEFT].ok && !f.e[RIGHT].ok && !f.e[TOP].ok && !f.e[BOTTOM].ok)
		return qc_fail(QC_ERR_ANALYSIS,
			       _("image %d does not look like an open MV field: no edge could be "
				 "measured (%s)"),
			       idx + 1, f.e[LEFT].why);
	report(&f, idx, ctx, iso_src, res);
	return QC_OK;
}

static enum qc_status run(const struct qc_image *const *imgs, size_t n,
			  const struct ana_context *ctx, struct qc_result *res)
{
	return ana_each_image(imgs, n, ctx, res, ana_mv_field_image);
}

const struct qc_analysis ana_mv_field = {
    .id = "mv_field",
    .version = "1.0",
    .summary = "open MV field: size, centre vs MV isocentre, rotation, corners, penumbra",
    .min_images = 1,
    .max_images = 64,
    .run = run,
};
