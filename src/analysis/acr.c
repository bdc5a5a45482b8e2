/* acr: the ACR large MRI phantom series: slice order, outline, geometry, and the tests per slice.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acr_int.h"

#define RAY_OUT_MM  120.0 /* rays start this far out (a 190 mm phantom) ... */
#define RAY_IN_MM   60.0  /* ... and search inwards down to here */
#define WALL_MM	    2.5	  /* the interior level is read 2.5-6 mm inside the wall (past ringing) */
#define WALL_FAR_MM 6.0
#define OUTLIER_MM                                                                                 \
	1.0	     /* edge points further than this (and 4 robust sigmas) from the circle        \
		      * are features of the phantom: the recess at the top, the slot */
#define LENGTH_WIN 5 /* degrees each side of a direction used for its wall distance */

/* ------------------------------------------------------------------------------------------ */
/* Outline */

static double d2r(double deg)
{
	return deg * ANA_PI / 180.0;
}

/* A one-frame view of s for the shared image maths (borrows everything, never released). */
static struct qc_image view(const struct acr_slice *s)
{
	struct qc_image v = *s->img;
	v.px = (float *)s->px;
	v.frames = 1;
	return v;
}

/* Kasa circle fit through the points whose edge is finite; false when too few. */
static bool fit_circle(const double *x, const double *y, const double *w, int n, double *cx,
		       double *cy, double *r)
{
	double a[3][4] = {{0}};
	int m = 0;
	for (int i = 0; i < n; i++) {
		if (isnan(w[i]))
			continue;
		double row[4] = {x[i], y[i], 1, -(x[i] * x[i] + y[i] * y[i])};
		for (int j = 0; j < 3; j++)
			for (int k = 0; k < 4; k++)
				a[j][k] += row[j] * row[k];
		m++;
	}
	if (m < 8)
		return false;
	for (int c = 0; c < 3; c++) { /* Gauss-Jordan with partial pivoting */
		int p = c;
		for (int j = c + 1; j < 3; j++)
			p = fabs(a[j][c]) > fabs(a[p][c]) ? j : p;
		if (fabs(a[p][c]) < 1e-12)
			return false;
		for (int k = 0; k < 4; k++) {
			double t = a[c][k];
			a[c][k] = a[p][k];
			a[p][k] = t;
		}
		for (int j = 0; j < 3; j++) {
			if (j == c)
				continue;
			double f = a[j][c] / a[c][c];
			for (int k = c; k < 4; k++)
				a[j][k] -= f * a[c][k];
		}
	}
	double D = a[0][3] / a[0][0], E = a[1][3] / a[1][1], F = a[2][3] / a[2][2];
	*cx = -D / 2;
	*cy = -E / 2;
	double rr = D * D / 4 + E * E / 4 - F;
	if (!(rr > 0))
		return false;
	*r = sqrt(rr);
	return true;
}

/* Half a pixel: linear interpolation between bilinear samples this close is exact enough. */
static double ray_step(const struct acr_slice *s)
{
	return 0.5 * fmin(s->dx, s->dy);
}

/*
 * The wall along one ray from (x0, y0) pixels at angle phi: the outermost place where the
 * signal rises above the slice threshold, refined to half-way between the local background
 * and the local interior. NAN when the ray meets no wall (the slot, the image border).
 */
static double ray_edge(const struct acr_slice *s, const struct acr_disc *d, double x0, double y0,
		       double phi, double *buf)
{
	double step = ray_step(s), c = cos(phi) / s->dx, sn = sin(phi) / s->dy;
	int n = (int)((RAY_OUT_MM - RAY_IN_MM) / step) + 1, rough = -1;
	/* buf[i] is the signal at r = RAY_OUT_MM - i * step */
	for (int i = 0; i < n; i++) {
		double r = RAY_OUT_MM - i * step;
		buf[i] = acr_sample(s, x0 + r * c, y0 + r * sn);
		if (rough < 0 && buf[i] > d->thr)
			rough = i;
	}
	if (rough <= 0 || isnan(buf[rough - 1]))
		return NAN;
	int in0 = rough + (int)(WALL_MM / step), in1 = rough + (int)(WALL_FAR_MM / step);
	int out0 = rough - (int)(WALL_FAR_MM / step), out1 = rough - (int)(WALL_MM / step);
	double in[64], out[64];
	size_t ni = 0, no = 0;
	int stride = (in1 - in0) / 32 + 1;
	for (int i = in0; i <= in1 && i < n; i += stride)
		if (!isnan(buf[i]) && ni < 64)
			in[ni++] = buf[i];
	for (int i = out0 < 0 ? 0 : out0; i <= out1; i += stride)
		if (!isnan(buf[i]) && no < 64)
			out[no++] = buf[i];
	double L = ana_median(in, ni), B = no ? ana_median(out, no) : d->bg;
	if (!(L - B > 0.25 * (d->level - d->bg)))
		return NAN; /* no interior behind the rise: the slot, a thin structure */
	double half = 0.5 * (L + B);
	int from = rough - (int)(3.0 / step), to = rough + (int)(3.0 / step);
	from = from < 1 ? 1 : from;
	for (int i = from; i <= to && i < n; i++) {
		if (isnan(buf[i - 1]) || !(buf[i] >= half))
			continue;
		double f = (half - buf[i - 1]) / (buf[i] - buf[i - 1]);
		return RAY_OUT_MM - (i - 1 + f) * step;
	}
	return NAN;
}

/*
 * Edges along every ray from the current centre, then a robust circle through them, whose
 * centre becomes the current one. -1: no circle; 0: the centre moved; 1: it stayed.
 */
static int rays_and_fit(const struct acr_slice *s, struct acr_disc *d)
{
	double step = ray_step(s);
	double *buf = qc_xmalloc(((size_t)((RAY_OUT_MM - RAY_IN_MM) / step) + 2) * sizeof(double));
	double x[ACR_RAYS], y[ACR_RAYS];
	for (int k = 0; k < ACR_RAYS; k++) {
		double phi = d2r(k);
		d->edge[k] = ray_edge(s, d, d->cx, d->cy, phi, buf);
		x[k] = d->cx * s->dx + d->edge[k] * cos(phi);
		y[k] = d->cy * s->dy + d->edge[k] * sin(phi);
	}
	free(buf);
	/* Gross features first (the slot: tens of mm inside), then tighter: the features must
	 * not pull the first circle so far that the true wall looks like an outlier. */
	double med[ACR_RAYS], cx, cy, r;
	size_t m = 0;
	for (int k = 0; k < ACR_RAYS; k++)
		if (!isnan(d->edge[k]))
			med[m++] = d->edge[k];
	double mr = ana_median(med, m);
	for (int k = 0; k < ACR_RAYS; k++)
		if (fabs(d->edge[k] - mr) > 6)
			d->edge[k] = NAN;
	static const double floor_mm[3] = {3 * OUTLIER_MM, 1.5 * OUTLIER_MM, OUTLIER_MM};
	for (int it = 0; it < 3; it++) {
		if (!fit_circle(x, y, d->edge, ACR_RAYS, &cx, &cy, &r))
			return -1;
		double res[ACR_RAYS];
		m = 0;
		for (int k = 0; k < ACR_RAYS; k++)
			if (!isnan(d->edge[k]))
				res[m++] = fabs(hypot(x[k] - cx, y[k] - cy) - r);
		double limit = fmax(floor_mm[it], 4 * 1.4826 * ana_median(res, m));
		for (int k = 0; k < ACR_RAYS; k++)
			if (!isnan(d->edge[k]) && fabs(hypot(x[k] - cx, y[k] - cy) - r) > limit)
				d->edge[k] = NAN;
	}
	if (!fit_circle(x, y, d->edge, ACR_RAYS, &cx, &cy, &r))
		return -1;
	d->n_edge = 0;
	for (int k = 0; k < ACR_RAYS; k++)
		d->n_edge += !isnan(d->edge[k]);
	double ncx = cx / s->dx, ncy = cy / s->dy;
	bool moved = hypot((ncx - d->cx) * s->dx, (ncy - d->cy) * s->dy) > 0.05;
	d->cx = ncx;
	d->cy = ncy;
	d->r_mm = r;
	return moved ? 0 : 1;
}

bool ana_acr_outline(const struct acr_slice *s, struct acr_disc *d, char *why, size_t n)
{
	struct qc_image v = view(s);
	struct ana_split sp;
	memset(d, 0, sizeof(*d));
	if (!ana_otsu(&v, &sp) || !(sp.high_median > sp.low_median)) {
		snprintf(why, n, "%s", _("the slice is blank"));
		return false;
	}
	d->thr = sp.threshold;
	d->level = sp.high_median;
	d->bg = sp.low_median;
	/* Start from the centroid of the bright pixels. */
	double sx = 0, sy = 0, cnt = 0;
	for (int y = 0; y < s->h; y++)
		for (int x = 0; x < s->w; x++)
			if (s->px[(size_t)y * (size_t)s->w + (size_t)x] > d->thr) {
				sx += x;
				sy += y;
				cnt++;
			}
	double r_eq = sqrt(cnt * s->dx * s->dy / ANA_PI);
	if (r_eq < 0.4 * ACR_RADIUS) {
		snprintf(why, n, _("no phantom of about 190 mm found (bright area %.0f mm across)"),
			 2 * r_eq);
		return false;
	}
	d->cx = sx / cnt;
	d->cy = sy / cnt;
	/* rays from the centroid, then from the circle's centre until it stays put */
	for (int pass = 0, st = 0; pass < 4 && st != 1; pass++)
		if ((st = rays_and_fit(s, d)) < 0) {
			snprintf(why, n, "%s", _("no circular outline found"));
			return false;
		}
	if (d->n_edge < ACR_RAYS / 3) {
		snprintf(why, n, _("its outline is not a circle (%d of %d edge points fit)"),
			 d->n_edge, ACR_RAYS);
		return false;
	}
	if (fabs(d->r_mm - ACR_RADIUS) > 10) {
		snprintf(why, n, _("its diameter is %.0f mm, not about 190 mm"), 2 * d->r_mm);
		return false;
	}
	return true;
}

/* The wall distance along angle deg from the centre: a line through the edges within a few
 * degrees (wider when the recess or the slot hides the wall there). */
static double wall(const struct acr_disc *d, int deg)
{
	for (int win = LENGTH_WIN; win <= 4 * LENGTH_WIN; win *= 2) {
		double t[8 * LENGTH_WIN + 1], r[8 * LENGTH_WIN + 1];
		size_t m = 0;
		bool lo = false, hi = false;
		for (int k = -win; k <= win; k++) {
			double e = d->edge[((deg + k) % ACR_RAYS + ACR_RAYS) % ACR_RAYS];
			if (isnan(e))
				continue;
			t[m] = k;
			r[m++] = e;
			lo |= k <= 0;
			hi |= k >= 0;
		}
		double a, b;
		if (m >= 3 && lo && hi && ana_fit_line(t, r, m, &a, &b))
			return a;
	}
	return NAN;
}

/* ------------------------------------------------------------------------------------------ */
/* The slice-thickness insert of slice 1: where it is and how the phantom turns */

/* Signal along v at u (mean over u +- 1 mm), v0..v1 by step; returns the count. */
static int column(const struct acr_slice *s, const struct acr_disc *d, double u, double v0,
		  double v1, double step, double *p, int cap)
{
	int n = 0;
	for (double v = v0; v <= v1 + 1e-9 && n < cap; v += step) {
		double sum = 0;
		int m = 0;
		for (double du = -1; du <= 1.001; du += 0.5) {
			double a = acr_at(s, d, u + du, v);
			if (!isnan(a)) {
				sum += a;
				m++;
			}
		}
		p[n++] = m ? sum / m : NAN;
	}
	return n;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double ana_acr_quantile(const double *p, int n, double q)
{
	double *t = qc_xmalloc((size_t)(n > 0 ? n : 1) * sizeof(double));
	size_t m = 0;
	for (int i = 0; i < n; i++)
		if (!isnan(p[i]))
			t[m++] = p[i];
	double r = NAN;
	if (m) {
		qsort(t, m, sizeof(double), cmp_double);
		r = t[(size_t)(q * (double)(m - 1) + 0.5)];
	}
	free(t);
	return r;
}

/* First crossing of level going from index i0 by dir (+1/-1); sub-sample position or NAN. */
static double cross(const double *p, int n, int i0, int dir, double level, bool rising)
{
	for (int i = i0 + dir; i >= 0 && i < n; i += dir) {
		double a = p[i - dir], b = p[i];
		if (isnan(a) || isnan(b))
			return NAN;
		if (rising ? (a < level && b >= level) : (a > level && b <= level))
			return i - dir + dir * (level - a) / (b - a);
	}
	return NAN;
}

/*
 * The straight edges of the band between -umax and umax (in the frame of d): their mean slope
 * in pixels (dy / dx on screen), and the band edges at u = 0 updated in *vt, *vb.
 */
static bool band_slope(const struct acr_slice *s, const struct acr_disc *d, double umax,
		       double step, double *vt, double *vb, double *slope)
{
	double ex[2][64], ey[2][64], w0 = *vt - 4, w1 = *vb + 4;
	size_t ne[2] = {0, 0};
	for (int i = -24; i <= 24; i++) {
		double q[512], x, y, e[2], u = umax * i / 24;
		int k = column(s, d, u, w0, w1, step, q, 512);
		int mid = (int)((0.5 * (*vt + *vb) - w0) / step);
		double level = 0.5 * (ana_acr_quantile(q, k, 0.05) + ana_acr_quantile(q, k, 0.95));
		e[0] = cross(q, k, mid, -1, level, true);
		e[1] = cross(q, k, mid, 1, level, true);
		for (int j = 0; j < 2; j++) {
			if (isnan(e[j]) || ne[j] == 64)
				continue;
			acr_px(s, d, u, w0 + e[j] * step, &x, &y);
			ex[j][ne[j]] = x;
			ey[j][ne[j]++] = y;
			if (!i)
				*(j ? vb : vt) = w0 + e[j] * step;
		}
	}
	double sum = 0;
	int ok = 0;
	for (int j = 0; j < 2; j++) {
		double a, b;
		size_t kept;
		if (ne[j] >= 12 && ana_fit_line_robust(ex[j], ey[j], ne[j], &a, &b, &kept) &&
		    kept >= ne[j] / 2) {
			sum += b;
			ok++;
		}
	}
	if (!ok)
		return false;
	*slope = sum / ok;
	return true;
}

bool ana_acr_band(const struct acr_slice *s, const struct acr_disc *d0, struct acr_band *b,
		  char *why, size_t n)
{
	struct acr_disc d = *d0;
	d.rot = 0;
	double step = fmax(0.25 * s->dy, 0.1), p[512], v0 = -20, v1 = 20;
	int m = column(s, &d, 0, v0, v1, step, p, 512);
	/* The insert is the dark band across the centre; its edges are half-way between it and
	 * the water around (local levels: the coil shading can be strong). */
	double level = 0.5 * (ana_acr_quantile(p, m, 0.1) + ana_acr_quantile(p, m, 0.9));
	int c = (int)((0 - v0) / step), best = -1;
	for (int k = 0; k < m / 2 && best < 0; k++) {
		if (c - k >= 0 && p[c - k] < level)
			best = c - k;
		else if (c + k < m && p[c + k] < level)
			best = c + k;
	}
	if (best < 0) {
		snprintf(why, n, "%s", _("no slice-thickness insert across the centre"));
		return false;
	}
	double t = cross(p, m, best, -1, level, true), bt = cross(p, m, best, 1, level, true);
	double height = (bt - t) * step;
	if (isnan(height) || height < 6 || height > 18) {
		snprintf(why, n,
			 _("no slice-thickness insert across the centre (dark band %.1f mm)"),
			 height);
		return false;
	}
	double vt = v0 + t * step, vb = v0 + bt * step;
	/* The edges over +-30 mm, then +-60 mm in the frame turned by the first estimate. */
	for (int pass = 0; pass < 2; pass++) {
		double slope;
		if (!band_slope(s, &d, pass ? 60 : 30, step, &vt, &vb, &slope)) {
			snprintf(why, n, "%s",
				 _("the edges of the slice-thickness insert are not straight"));
			return false;
		}
		d.rot = -atan(slope * s->dy / s->dx);
	}
	b->rot = d.rot;
	b->top = vt;
	b->bottom = vb;
	return true;
}

/* ------------------------------------------------------------------------------------------ */
/* Series */

static enum qc_status check_image(const struct qc_image *img, int idx)
{
	const char *mod = img->tags.modality;
	if (mod[0] && strcmp(mod, "MR"))
		return qc_fail(QC_ERR_ANALYSIS,
			       _("image %d does not look like a slice of the ACR phantom: its "
				 "modality is %s"),
			       idx + 1, mod);
	if (!img->geo.has_spacing || !(img->geo.pixel_x_mm > 0) || !(img->geo.pixel_y_mm > 0))
		return qc_fail(QC_ERR_ANALYSIS,
			       _("image %d does not look like a slice of the ACR phantom: no pixel "
				 "spacing"),
			       idx + 1);
	double fov_x = img->width * img->geo.pixel_x_mm, fov_y = img->height * img->geo.pixel_y_mm;
	if (img->width < 64 || img->height < 64 || fov_x < 200 || fov_y < 200)
		return qc_fail(
		    QC_ERR_ANALYSIS,
		    _("image %d does not look like a slice of the ACR phantom: %d x %d "
		      "pixels over %.0f x %.0f mm (the 190 mm phantom needs a larger field)"),
		    idx + 1, img->width, img->height, fov_x, fov_y);
	return QC_OK;
}

static int cmp_pos(const void *a, const void *b)
{
	const struct acr_slice *x = a, *y = b;
	if (x->pos != y->pos)
		return x->pos < y->pos ? -1 : 1;
	/* equal keys (frames of one file, missing instance numbers): keep the input order */
	return x->image != y->image ? x->image - y->image : x->frame - y->frame;
}

/* Slices of every image, ordered along the slice normal (frames of one file keep their order). */
static enum qc_status gather(const struct qc_image *const *imgs, size_t n, struct acr_slice *sl,
			     int *count)
{
	int k = 0;
	const struct qc_geometry *g0 = &imgs[0]->geo;
	bool positions = true;
	double nrm[3] = {0, 0, 0};
	if (g0->has_orientation) {
		const double *o = g0->image_orientation;
		nrm[0] = o[1] * o[5] - o[2] * o[4];
		nrm[1] = o[2] * o[3] - o[0] * o[5];
		nrm[2] = o[0] * o[4] - o[1] * o[3];
	}
	for (size_t i = 0; i < n; i++) {
		const struct qc_geometry *g = &imgs[i]->geo;
		positions &= g->has_position && g->has_orientation && g0->has_orientation;
		if (positions)
			for (int j = 0; j < 6; j++)
				if (fabs(g->image_orientation[j] - g0->image_orientation[j]) > 1e-3)
					return qc_fail(
					    QC_ERR_ANALYSIS,
					    _("image %zu is not parallel to image 1: the "
					      "ACR series is one stack of axial slices"),
					    i + 1);
		if (imgs[i]->width != imgs[0]->width || imgs[i]->height != imgs[0]->height)
			return qc_fail(
			    QC_ERR_ANALYSIS,
			    _("image %zu has another size than image 1 (%d x %d, not %d x "
			      "%d): the ACR series is one stack of slices"),
			    i + 1, imgs[i]->width, imgs[i]->height, imgs[0]->width,
			    imgs[0]->height);
	}
	for (size_t i = 0; i < n; i++) {
		const struct qc_image *img = imgs[i];
		int frames = img->frames > 0 ? img->frames : 1;
		for (int f = 0; f < frames; f++) {
			if (k == ACR_SLICES) {
				*count = k + 1;
				return QC_OK;
			}
			const struct qc_geometry *g = &img->geo;
			sl[k] = (struct acr_slice){
			    .img = img,
			    .image = (int)i,
			    .frame = f,
			    .px = img->px + (size_t)f * (size_t)img->width * (size_t)img->height,
			    .w = img->width,
			    .h = img->height,
			    .dx = g->pixel_x_mm,
			    .dy = g->pixel_y_mm,
			};
			/* Frames of a multi-frame file have no position of their own here: they
			 * follow the file's first frame in the order stored. */
			sl[k].pos = positions ? g->image_position[0] * nrm[0] +
						    g->image_position[1] * nrm[1] +
						    g->image_position[2] * nrm[2]
					      : img->tags.instance_number;
			k++;
		}
	}
	*count = k;
	qsort(sl, (size_t)k, sizeof(*sl), cmp_pos);
	for (int i = 1; i < k && positions; i++)
		if (sl[i].image != sl[i - 1].image && fabs(sl[i].pos - sl[i - 1].pos) < 0.1)
			return qc_fail(
			    QC_ERR_ANALYSIS,
			    _("images %d and %d are at the same position: the ACR series is "
			      "one stack of 11 different slices"),
			    sl[i - 1].image + 1, sl[i].image + 1);
	return QC_OK;
}

/* How much the slice looks like slice 1: the share of a dark band across the centre. */
static double insert_score(const struct acr_slice *s, const struct acr_disc *d)
{
	int dark = 0, all = 0;
	for (double u = -60; u <= 60; u += 2) {
		double low = INFINITY, high = -INFINITY;
		for (double v = -20; v <= 20; v += 0.5 * s->dy) {
			double a = acr_at(s, d, u, v);
			if (fabs(v) <= 8)
				low = a < low ? a : low;
			else
				high = a > high ? a : high;
		}
		/* dark against the water just above and below, wherever the coil shading puts it */
		dark += low < 0.5 * (high + d->bg);
		all++;
	}
	return (double)dark / all;
}

static void add_len(struct qc_result *res, const char *name, int image, double a, double b)
{
	if (isnan(a) || isnan(b))
		qc_result_add_null(res, name, "mm", image,
				   _("the phantom wall is not visible along this line"));
	else
		qc_result_add(res, name, "mm", image, a + b);
}

static void lengths(struct acr_ctx *c, const struct acr_slice *s, const struct acr_disc *d,
		    int slice)
{
	struct {
		const char *name;
		int deg;
	} dirs[4] = {{"h", 0}, {"v", 90}, {"nw_se", 45}, {"ne_sw", 135}};
	int n = slice == 5 ? 4 : 2;
	for (int i = 0; i < n; i++) {
		char name[48];
		snprintf(name, sizeof(name), "length_s%d_%s_mm", slice, dirs[i].name);
		double a = wall(d, dirs[i].deg), b = wall(d, dirs[i].deg + 180);
		add_len(c->res, name, s->image, a, b);
		if (!c->overlays || isnan(a) || isnan(b))
			continue;
		double ph = d2r(dirs[i].deg);
		struct qc_overlay *o =
		    qc_result_overlay(c->res, QC_OV_LINE, QC_OVR_EDGE, s->image,
				      d->cx - b * cos(ph) / s->dx, d->cy - b * sin(ph) / s->dy,
				      d->cx + a * cos(ph) / s->dx, d->cy + a * sin(ph) / s->dy);
		qc_strlcpy(o->measure, name, sizeof(o->measure));
	}
}

static void outline_overlay(struct acr_ctx *c, const struct acr_slice *s, const struct acr_disc *d)
{
	if (!c->overlays)
		return;
	struct qc_overlay *o =
	    qc_result_overlay(c->res, QC_OV_CIRCLE, QC_OVR_EDGE, s->image, d->cx, d->cy, 0, 0);
	o->r = d->r_mm / s->dx;
	o = qc_result_overlay(c->res, QC_OV_CROSS, QC_OVR_CENTRE, s->image, d->cx, d->cy, 0, 0);
	o->r = 4 / s->dx;
}

static enum qc_status slice_fail(const struct acr_slice *s, int number, const char *why)
{
	if (s->img->frames > 1)
		return qc_fail(QC_ERR_ANALYSIS,
			       _("image %d, frame %d (slice %d) does not look like the ACR large "
				 "phantom: %s"),
			       s->image + 1, s->frame + 1, number, why);
	return qc_fail(QC_ERR_ANALYSIS,
		       _("image %d (slice %d) does not look like the ACR large phantom: %s"),
		       s->image + 1, number, why);
}

static void labels(struct qc_result *res, const struct acr_slice *sl)
{
	static const char *const role[ACR_SLICES] = {
	    N_("slice 1: thickness, position, holes, lengths"),
	    N_("slice 2"),
	    N_("slice 3"),
	    N_("slice 4"),
	    N_("slice 5: lengths"),
	    N_("slice 6"),
	    N_("slice 7: uniformity, ghosting, SNR"),
	    N_("slice 8"),
	    N_("slice 9"),
	    N_("slice 10"),
	    N_("slice 11: position")};
	for (int k = 0; k < ACR_SLICES; k++) {
		const struct acr_slice *s = &sl[k];
		if (s->img->frames > 1)
			snprintf(res->label[s->image], sizeof(res->label[0]),
				 _("%d ACR slices (frames)"), s->img->frames);
		else
			qc_strlcpy(res->label[s->image], _(role[k]), sizeof(res->label[0]));
	}
}

static enum qc_status run(const struct qc_image *const *imgs, size_t n,
			  const struct ana_context *ctx, struct qc_result *res)
{
	(void)ctx;
	enum qc_status st;
	for (size_t i = 0; i < n; i++)
		if ((st = check_image(imgs[i], (int)i)))
			return st;
	struct acr_slice sl[ACR_SLICES + 1];
	int count = 0;
	if ((st = gather(imgs, n, sl, &count)))
		return st;
	if (count > ACR_SLICES)
		return qc_fail(QC_ERR_ANALYSIS, "%s",
			       _("the ACR phantom series has 11 slices, not more than 11 (images "
				 "or frames)"));
	if (count != ACR_SLICES)
		return qc_fail(QC_ERR_ANALYSIS,
			       _("the ACR phantom series has 11 slices, not %d (images or frames)"),
			       count);
	/* Slice 1 holds the slice-thickness insert; whichever end shows it comes first. */
	struct acr_disc disc[ACR_SLICES];
	char why[160];
	int ends[2] = {0, ACR_SLICES - 1};
	double score[2];
	for (int e = 0; e < 2; e++) {
		if (!ana_acr_outline(&sl[ends[e]], &disc[ends[e]], why, sizeof(why)))
			return slice_fail(&sl[ends[e]], e ? 11 : 1, why);
		score[e] = insert_score(&sl[ends[e]], &disc[ends[e]]);
	}
	if (fmax(score[0], score[1]) < 0.6)
		return qc_fail(QC_ERR_ANALYSIS,
			       _("these images do not look like the ACR large phantom: neither end "
				 "slice shows the slice-thickness insert across the centre"));
	if (score[1] > score[0]) {
		for (int i = 0; i < ACR_SLICES / 2; i++) {
			struct acr_slice t = sl[i];
			sl[i] = sl[ACR_SLICES - 1 - i];
			sl[ACR_SLICES - 1 - i] = t;
		}
		struct acr_disc t = disc[0];
		disc[0] = disc[ACR_SLICES - 1];
		disc[ACR_SLICES - 1] = t;
	}
	for (int k = 4; k <= 6; k += 2) /* slices 5 and 7 */
		if (!ana_acr_outline(&sl[k], &disc[k], why, sizeof(why)))
			return slice_fail(&sl[k], k + 1, why);
	struct acr_band band;
	if (!ana_acr_band(&sl[0], &disc[0], &band, why, sizeof(why)))
		return slice_fail(&sl[0], 1, why);
	for (int k = 0; k < ACR_SLICES; k++)
		disc[k].rot = band.rot;
	/* The layout is read with the wedge slot at the top (ACR: anterior up). */
	double ul, ur;
	struct acr_disc flip = disc[0];
	flip.rot += ANA_PI;
	if (!ana_acr_slot(&sl[0], &disc[0], &ul, &ur) && ana_acr_slot(&sl[0], &flip, &ul, &ur))
		return slice_fail(&sl[0], 1,
				  _("the wedge slot is at the bottom: the image is upside down "
				    "(the ACR layout puts it at the top)"));
	labels(res, sl);

	struct acr_snr noise;
	ana_acr_snr(&sl[6], &disc[6], &noise);
	struct acr_ctx c = {.res = res};
	const int used[] = {0, 4, 6, 10};
	for (size_t i = 0; i < QC_ARRAY_LEN(used); i++) {
		int k = used[i];
		c.overlays = sl[k].frame == 0;
		outline_overlay(&c, &sl[k], &disc[k]);
		if (k == 0) {
			ana_acr_thickness(&c, &sl[0], &disc[0], &band);
			ana_acr_wedges(&c, &sl[0], &disc[0], "slice_position_s1_mm");
			lengths(&c, &sl[0], &disc[0], 1);
			ana_acr_holes(&c, &sl[0], &disc[0], noise.ok ? noise.noise : NAN);
		} else if (k == 4) {
			lengths(&c, &sl[4], &disc[4], 5);
		} else if (k == 6) {
			ana_acr_uniform(&c, &sl[6], &disc[6], &noise);
			const struct acr_slice *s = &sl[6];
			qc_result_add(res, "centre_x_mm", "mm", s->image,
				      (disc[6].cx - (s->w - 1) / 2.0) * s->dx);
			qc_result_add(res, "centre_y_mm", "mm", s->image,
				      (disc[6].cy - (s->h - 1) / 2.0) * s->dy);
		} else {
			ana_acr_wedges(&c, &sl[10], &disc[10], "slice_position_s11_mm");
		}
	}
	qc_result_add(res, "rotation_deg", "deg", sl[0].image, band.rot * 180 / ANA_PI);
	return QC_OK;
}

const struct qc_analysis ana_acr = {
    .id = "acr",
    .version = "1.0",
    .summary = "ACR large MRI phantom: uniformity, ghosting, slice thickness and position, "
	       "geometry, SNR, resolution",
    .min_images = 1,
    .max_images = ACR_SLICES,
    .run = run,
};
