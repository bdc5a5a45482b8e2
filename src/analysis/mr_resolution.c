/* mr_resolution: in-plane resolution from the slanted edges of a square insert (MTF50, MagNET). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mr_int.h"

#define WHAT	       N_("a MagNET resolution phantom")
#define HALF_WINDOW_PX 10  /* the edge spread function covers +/- this many pixels */
#define BIN_PX	       0.1 /* oversampled bins of the edge spread function */
#define ALONG	       0.6 /* the central 60 % of each side: corners bend the edge */
#define MIN_SIDE_MM    8.0
#define MAX_SIDE_MM    90.0

struct square {
	double cx, cy;	/* centre, mm (x = column * spacing, y = row * spacing) */
	double angle;	/* radians: the side normals are rotated by this from the axes */
	double half[2]; /* half side across x-ish (right/left) and y-ish (top/bottom) edges, mm */
};

/* Outward normals of the four sides: right, left, top, bottom (y grows downwards). */
static void normal(const struct square *sq, int side, double *nx, double *ny)
{
	double c = cos(sq->angle), s = sin(sq->angle);
	static const double sg[4] = {1, -1, 1, -1};
	if (side < 2) {
		*nx = sg[side] * c;
		*ny = sg[side] * s;
	} else {
		*nx = sg[side] * s;
		*ny = -sg[side] * c;
	}
}

/* The rotation whose bounding box of the boundary points is smallest, and that box. */
static void orient(const double *x, const double *y, size_t n, struct square *sq)
{
	double best = INFINITY, best_a = 0;
	for (int pass = 0; pass < 2; pass++) {
		double from = pass ? best_a - 0.6 : -45, to = pass ? best_a + 0.6 : 45;
		double step = pass ? 0.02 : 0.5;
		for (double a = from; a < to; a += step) {
			double c = cos(a * ANA_PI / 180), s = sin(a * ANA_PI / 180);
			double u0 = INFINITY, u1 = -INFINITY, v0 = INFINITY, v1 = -INFINITY;
			for (size_t i = 0; i < n; i++) {
				double u = x[i] * c + y[i] * s, v = -x[i] * s + y[i] * c;
				u0 = fmin(u0, u);
				u1 = fmax(u1, u);
				v0 = fmin(v0, v);
				v1 = fmax(v1, v);
			}
			double area = (u1 - u0) * (v1 - v0);
			if (area < best) {
				best = area;
				best_a = a;
				double um = 0.5 * (u0 + u1), vm = 0.5 * (v0 + v1);
				sq->cx = um * c - vm * s;
				sq->cy = um * s + vm * c;
				sq->half[0] = 0.5 * (u1 - u0);
				sq->half[1] = 0.5 * (v1 - v0);
			}
		}
	}
	sq->angle = best_a * ANA_PI / 180;
}

/* The boundary pixels (mm) of region lab: those with a 4-neighbour outside it. */
static size_t boundary(const struct qc_image *img, const int *label, int lab,
		       const struct mr_comp *c, double **bx, double **by, size_t *cap)
{
	int w = img->width, h = img->height;
	size_t nb = 0;
	for (int y = c->y0; y <= c->y1; y++)
		for (int x = c->x0; x <= c->x1; x++) {
			size_t i = (size_t)y * (size_t)w + (size_t)x;
			if (label[i] != lab)
				continue;
			bool edge = x == 0 || y == 0 || x == w - 1 || y == h - 1 ||
				    label[i - 1] != lab || label[i + 1] != lab ||
				    label[i - (size_t)w] != lab || label[i + (size_t)w] != lab;
			if (!edge)
				continue;
			if (nb + 1 > *cap) {
				*cap = 2 * *cap + 256;
				*bx = qc_xrealloc(*bx, *cap * sizeof(double));
				*by = qc_xrealloc(*by, *cap * sizeof(double));
			}
			(*bx)[nb] = x * img->geo.pixel_x_mm;
			(*by)[nb++] = y * img->geo.pixel_y_mm;
		}
	return nb;
}

/* The dark square insert inside the phantom: the largest dark region shaped like a square. */
static bool find_square(const struct qc_image *img, const struct mr_phantom *ph, struct square *sq)
{
	int w = img->width, h = img->height;
	double px = img->geo.pixel_x_mm, py = img->geo.pixel_y_mm;
	size_t npx = (size_t)w * (size_t)h;
	unsigned char *m = qc_xcalloc(npx, 1);
	double dark = ph->bg + 0.5 * (ph->level - ph->bg);
	for (int y = ph->y0; y <= ph->y1; y++)
		for (int x = ph->x0; x <= ph->x1; x++) {
			bool in = ph->round ? hypot(x - ph->cx, y - ph->cy) < 0.9 * ph->rx
					    : fabs(x - ph->cx) < 0.9 * ph->rx &&
						  fabs(y - ph->cy) < 0.9 * ph->ry;
			m[(size_t)y * (size_t)w + (size_t)x] = in && qc_px(img, x, y) < dark;
		}
	int *label = qc_xmalloc(npx * sizeof(int));
	struct mr_comp *c;
	size_t n = ana_mr_components(m, w, h, label, &c), cap = 0;
	double *bx = NULL, *by = NULL, best = 0;
	bool found = false;
	for (size_t k = 0; k < n; k++) {
		double side_x = (c[k].x1 - c[k].x0 + 1) * px, side_y = (c[k].y1 - c[k].y0 + 1) * py;
		double area_mm = (double)c[k].area * px * py;
		if (area_mm < MIN_SIDE_MM * MIN_SIDE_MM || area_mm > MAX_SIDE_MM * MAX_SIDE_MM ||
		    side_x > 2 * side_y || side_y > 2 * side_x || area_mm <= best)
			continue;
		size_t nb = boundary(img, label, (int)k + 1, &c[k], &bx, &by, &cap);
		struct square s;
		orient(bx, by, nb, &s);
		/* A square fills its box (a bar pattern or a ring does not) and is not long. */
		double fill = area_mm / (4 * (s.half[0] + 0.5 * px) * (s.half[1] + 0.5 * py));
		double aspect = s.half[0] / s.half[1];
		if (fill < 0.85 || aspect < 0.8 || aspect > 1.25)
			continue;
		*sq = s;
		best = area_mm;
		found = true;
	}
	free(bx);
	free(by);
	free(m);
	free(label);
	free(c);
	return found;
}

struct sample {
	double t, d; /* along the edge, across it (mm) */
	double v;
};

struct edge {
	bool ok;
	double res_mm, mtf50; /* resolution = 1 / (2 MTF50), MTF50 in cycles/mm */
	double a, b;	      /* edge line: d = a + b t */
	char why[96];
};

/* Pixels around one side, with their position along it (t) and across it (d from the side). */
static size_t edge_samples(const struct qc_image *img, const struct square *sq, int side, double hw,
			   double pmm, struct sample **out)
{
	double nx, ny, px = img->geo.pixel_x_mm, py = img->geo.pixel_y_mm;
	normal(sq, side, &nx, &ny);
	double h = sq->half[side < 2 ? 0 : 1], along = ALONG * sq->half[side < 2 ? 1 : 0];
	double ex = sq->cx + h * nx, ey = sq->cy + h * ny, reach = hypot(hw + pmm, along) + pmm;
	int x0 = (int)floor((ex - reach) / px), x1 = (int)ceil((ex + reach) / px);
	int y0 = (int)floor((ey - reach) / py), y1 = (int)ceil((ey + reach) / py);
	size_t n = 0, cap = 0;
	struct sample *s = NULL;
	for (int y = y0 < 0 ? 0 : y0; y <= y1 && y < img->height; y++)
		for (int x = x0 < 0 ? 0 : x0; x <= x1 && x < img->width; x++) {
			double X = x * px - ex, Y = y * py - ey;
			double d = X * nx + Y * ny, t = -X * ny + Y * nx;
			if (fabs(d) > hw + pmm || fabs(t) > along)
				continue;
			qc_grow(&s, &cap, n + 1, sizeof(*s));
			s[n++] = (struct sample){t, d, qc_px(img, x, y)};
		}
	*out = s;
	return n;
}

/*
 * Points of the side on the mid level, one per image line across it (rows for the right and
 * left sides, columns for top and bottom), interpolated between the two pixels that straddle
 * it; a robust line d = a + b t through them. Along a slanted edge the sub-pixel phase runs
 * through every value, so interpolation errors average out of the line.
 */
static bool edge_line(const struct qc_image *img, const struct square *sq, int side, double hw,
		      double mid, struct edge *e)
{
	double nx, ny, px = img->geo.pixel_x_mm, py = img->geo.pixel_y_mm;
	normal(sq, side, &nx, &ny);
	bool rows = fabs(nx) >= fabs(ny);
	double h = sq->half[side < 2 ? 0 : 1], along = ALONG * sq->half[side < 2 ? 1 : 0];
	double ex = sq->cx + h * nx, ey = sq->cy + h * ny;
	double ends[2] = {rows ? (ey - along * fabs(nx)) / py : (ex - along * fabs(ny)) / px,
			  rows ? (ey + along * fabs(nx)) / py : (ex + along * fabs(ny)) / px};
	int l0 = (int)ceil(ends[0]), l1 = (int)floor(ends[1]);
	int lines = rows ? img->height : img->width, len = rows ? img->width : img->height;
	size_t cap = l1 >= l0 ? (size_t)(l1 - l0 + 1) : 1, k = 0;
	double *t = qc_xmalloc(cap * sizeof(double)), *d = qc_xmalloc(cap * sizeof(double));
	double step = rows ? px : py, reach = hw / step;
	for (int l = l0 < 0 ? 0 : l0; l <= l1 && l < lines; l++) {
		/* Where this line meets the current model of the side, in pixels along it. */
		double c = rows ? (ex - (l * py - ey) * ny / nx) / px
				: (ey - (l * px - ex) * nx / ny) / py;
		int a = (int)floor(c - reach), b = (int)ceil(c + reach);
		a = a < 0 ? 0 : a;
		b = b > len - 1 ? len - 1 : b;
		double best = INFINITY;
		for (int i = a; i < b; i++) {
			double v0 = rows ? qc_px(img, i, l) : qc_px(img, l, i);
			double v1 = rows ? qc_px(img, i + 1, l) : qc_px(img, l, i + 1);
			if ((v0 - mid) * (v1 - mid) > 0 || v0 == v1)
				continue;
			double x = i + (mid - v0) / (v1 - v0);
			best = fabs(x - c) < fabs(best - c) ? x : best;
		}
		if (!isfinite(best))
			continue;
		double X = (rows ? best * px : l * px) - ex, Y = (rows ? l * py : best * py) - ey;
		t[k] = -X * ny + Y * nx;
		d[k++] = X * nx + Y * ny;
	}
	size_t kept = 0;
	bool ok = k >= 5 && ana_fit_line_robust(t, d, k, &e->a, &e->b, &kept) && kept >= 5;
	free(t);
	free(d);
	return ok;
}

/* MTF50 of the oversampled edge spread function (cycles/mm); false when it stays above 0.5. */
static bool mtf50(const struct sample *s, size_t n, const struct edge *e, double hw, double pmm,
		  double *f50)
{
	double bw = BIN_PX * pmm;
	int nb = (int)lround(2 * hw / bw);
	double *sum = qc_xcalloc((size_t)nb, sizeof(double)),
	       *esf = qc_xcalloc((size_t)nb, sizeof(double));
	int *cnt = qc_xcalloc((size_t)nb, sizeof(int));
	for (size_t i = 0; i < n; i++) {
		double d = s[i].d - (e->a + e->b * s[i].t);
		int b = (int)floor((d + hw) / bw);
		if (b >= 0 && b < nb) {
			sum[b] += s[i].v;
			cnt[b]++;
		}
	}
	/* Empty bins (an edge close to the pixel grid) take the line between their neighbours. */
	int prev = -1;
	for (int b = 0; b < nb; b++) {
		if (!cnt[b])
			continue;
		esf[b] = sum[b] / cnt[b];
		for (int j = prev + 1; j < b; j++)
			esf[j] = prev < 0
				     ? esf[b]
				     : esf[prev] + (esf[b] - esf[prev]) * (j - prev) / (b - prev);
		prev = b;
	}
	for (int j = prev + 1; j < nb && prev >= 0; j++)
		esf[j] = esf[prev];
	bool ok = false;
	if (prev >= 0) {
		/* Line spread function by central differences, then |DFT| from f = 0 upwards. */
		double *lsf = sum;
		for (int b = 0; b < nb; b++) {
			int l = b > 0 ? b - 1 : b, r = b < nb - 1 ? b + 1 : b;
			lsf[b] = (esf[r] - esf[l]) / ((r - l) * bw);
		}
		double m0 = 0;
		for (int b = 0; b < nb; b++)
			m0 += lsf[b];
		double df = 0.002 / pmm, prev_m = 1;
		for (double f = df; f <= 2 / pmm && fabs(m0) > 0; f += df) {
			/* The phase advances by a fixed step from bin to bin: rotate a phasor. */
			double re = 0, im = 0, cr = 1, ci = 0;
			double sr = cos(-2 * ANA_PI * f * bw), si = sin(-2 * ANA_PI * f * bw);
			for (int b = 0; b < nb; b++) {
				re += lsf[b] * cr;
				im += lsf[b] * ci;
				double t = cr * sr - ci * si;
				ci = cr * si + ci * sr;
				cr = t;
			}
			double m = hypot(re, im) / fabs(m0);
			if (m < 0.5) {
				*f50 = f - df + df * (prev_m - 0.5) / (prev_m - m);
				ok = true;
				break;
			}
			prev_m = m;
		}
	}
	free(sum);
	free(esf);
	free(cnt);
	return ok;
}

/* The edge line of one side, and with mtf its MTF50. */
static void measure_edge(const struct qc_image *img, const struct square *sq, int side, bool mtf,
			 struct edge *e)
{
	double pmm = side < 2 ? img->geo.pixel_x_mm : img->geo.pixel_y_mm;
	double hw = HALF_WINDOW_PX * pmm;
	struct sample *s;
	size_t n = edge_samples(img, sq, side, hw, pmm, &s);
	/* Mid level between the inside of the insert and the phantom beyond the edge. */
	double *in = qc_xmalloc((n ? n : 1) * sizeof(double)),
	       *out = qc_xmalloc((n ? n : 1) * sizeof(double));
	size_t ni = 0, no = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i].d < -0.5 * hw)
			in[ni++] = s[i].v;
		else if (s[i].d > 0.5 * hw)
			out[no++] = s[i].v;
	}
	if (ni < 10 || no < 10)
		snprintf(e->why, sizeof(e->why), "%s", _("edge too close to the image border"));
	else {
		double mid = 0.5 * (ana_median(in, ni) + ana_median(out, no));
		if (!edge_line(img, sq, side, hw, mid, e))
			snprintf(e->why, sizeof(e->why), "%s", _("edge not found along the side"));
		else if (!mtf)
			e->ok = true;
		else if (!mtf50(s, n, e, hw, pmm, &e->mtf50))
			snprintf(e->why, sizeof(e->why), "%s",
				 _("the MTF stays above 0.5: no edge blur"));
		else {
			e->ok = true;
			e->res_mm = 1 / (2 * e->mtf50);
		}
	}
	free(in);
	free(out);
	free(s);
}

static void edge_overlays(struct qc_result *res, int idx, const struct qc_image *img,
			  const struct square *sq, int side, const struct edge *e)
{
	double nx, ny, px = img->geo.pixel_x_mm, py = img->geo.pixel_y_mm;
	normal(sq, side, &nx, &ny);
	double h = sq->half[side < 2 ? 0 : 1], full = sq->half[side < 2 ? 1 : 0];
	double ex = sq->cx + h * nx, ey = sq->cy + h * ny;
	const char *measure = side < 2 ? "resolution_h_mm" : "resolution_v_mm";
	double a = e->ok ? e->a : 0, b = e->ok ? e->b : 0;
	/* The side (the fitted edge line), then the profile across it at its middle. */
	double t0 = -full, t1 = full;
	double xa = ex + (a + b * t0) * nx - t0 * ny, ya = ey + (a + b * t0) * ny + t0 * nx;
	double xb = ex + (a + b * t1) * nx - t1 * ny, yb = ey + (a + b * t1) * ny + t1 * nx;
	struct qc_overlay *o = qc_result_overlay(res, QC_OV_LINE, QC_OVR_EDGE, idx, xa / px,
						 ya / py, xb / px, yb / py);
	qc_strlcpy(o->measure, measure, sizeof(o->measure));
	double hw = HALF_WINDOW_PX * (side < 2 ? px : py);
	o = qc_result_overlay(res, QC_OV_LINE, QC_OVR_REF, idx, (ex + (a - hw) * nx) / px,
			      (ey + (a - hw) * ny) / py, (ex + (a + hw) * nx) / px,
			      (ey + (a + hw) * ny) / py);
	qc_strlcpy(o->measure, measure, sizeof(o->measure));
}

static void report(const struct qc_image *img, int idx, const struct square *sq,
		   const struct edge e[4], struct qc_result *res)
{
	static const char *const name[2] = {"resolution_h_mm", "resolution_v_mm"};
	static const char *const side_mm[4] = {N_("right %.3f"), N_("left %.3f"), N_("top %.3f"),
					       N_("bottom %.3f")};
	/* Oversampling needs the edge to drift across at least one pixel along the sampled part
	 * of a side; closer to the pixel grid the edge spread function is the pixel samples. */
	double deg = fmod(fabs(sq->angle * 180 / ANA_PI), 90);
	deg = deg > 45 ? 90 - deg : deg;
	for (int k = 0; k < 2; k++) {
		const struct edge *p = &e[2 * k], *q = &e[2 * k + 1];
		double px = k ? img->geo.pixel_y_mm : img->geo.pixel_x_mm;
		double drift = tan(deg * ANA_PI / 180) * 2 * ALONG * sq->half[k ? 0 : 1] / px;
		if (drift < 1) {
			char why[160];
			snprintf(
			    why, sizeof(why),
			    _("the insert is within %.1f deg of the pixel grid: the edge is not "
			      "oversampled (turn the phantom by 5 to 15 deg)"),
			    deg);
			qc_result_add_null(res, name[k], "mm", idx, why);
			continue;
		}
		if (!p->ok && !q->ok) {
			qc_result_add_null(res, name[k], "mm", idx, p->why);
			continue;
		}
		double v = p->ok && q->ok ? 0.5 * (p->res_mm + q->res_mm)
					  : (p->ok ? p->res_mm : q->res_mm);
		struct qc_measure *m = qc_result_add(res, name[k], "mm", idx, v);
		char a[40] = "", b[40] = "";
		if (p->ok)
			snprintf(a, sizeof(a), _(side_mm[2 * k]), p->res_mm);
		if (q->ok)
			snprintf(b, sizeof(b), _(side_mm[2 * k + 1]), q->res_mm);
		snprintf(m->note, sizeof(m->note), "1 / (2 MTF50); %s%s%s mm", a,
			 p->ok && q->ok ? ", " : "", b);
	}
	qc_result_add(res, "insert_angle_deg", "deg", idx, sq->angle * 180 / ANA_PI);
	for (int s = 0; s < 4; s++)
		edge_overlays(res, idx, img, sq, s, &e[s]);
}

static enum qc_status resolution(const struct qc_image *img, int idx, struct qc_result *res)
{
	struct mr_phantom ph;
	enum qc_status st;
	if ((st = ana_mr_check(img, idx, WHAT)) || (st = ana_mr_phantom(img, idx, WHAT, &ph)))
		return st;
	struct square sq = {0};
	bool found = find_square(img, &ph, &sq);
	if (found)
		ana_mr_outline(res, idx, &ph, NULL);
	ana_mr_phantom_release(&ph);
	if (!found)
		return qc_fail(
		    QC_ERR_ANALYSIS,
		    _("image %d does not look like %s: no square insert found inside the "
		      "phantom"),
		    idx + 1, _(WHAT));
	/* The box of the thresholded insert gives its angle to a fraction of a degree; the edge
	 * lines give it exactly: a side turned by d has d = -d t across its nominal direction. */
	struct edge e[4] = {0};
	for (int it = 0; it < 6; it++) {
		double turn = 0;
		int n = 0;
		for (int s = 0; s < 4; s++) {
			memset(&e[s], 0, sizeof(e[s]));
			measure_edge(img, &sq, s, false, &e[s]);
			if (e[s].ok) {
				turn -= atan(e[s].b);
				n++;
			}
		}
		sq.angle += n ? turn / n : 0;
		if (!n || fabs(turn / n) < 1e-4)
			break;
	}
	memset(e, 0, sizeof(e));
	for (int s = 0; s < 4; s++)
		measure_edge(img, &sq, s, true, &e[s]);
	report(img, idx, &sq, e, res);
	return QC_OK;
}

static enum qc_status run(const struct qc_image *const *imgs, size_t n,
			  const struct ana_context *ctx, struct qc_result *res)
{
	(void)ctx;
	for (size_t i = 0; i < n; i++) {
		enum qc_status st = resolution(imgs[i], (int)i, res);
		if (st)
			return st;
	}
	return QC_OK;
}

const struct qc_analysis ana_mr_resolution = {
    .id = "mr_resolution",
    .version = "1.0",
    .summary = "MagNET resolution phantom: MTF50 of the slanted edges of the square insert",
    .min_images = 1,
    .max_images = 16,
    .run = run,
};
