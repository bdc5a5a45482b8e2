/* acr, slice 7: percent integral uniformity, percent signal ghosting and SNR. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acr_int.h"

#define LARGE_MM2 20000.0 /* ACR: a 200 cm^2 region in the phantom ... */
#define SMALL_MM2 100.0	  /* ... searched with 1 cm^2 circles for the extreme means */
#define GHOST_MM2 1000.0  /* ghost regions: 10 cm^2 ellipses, axes 4:1, outside the phantom */
#define GHOST_GAP 3.0	  /* mm kept between a ghost region and the phantom wall */
#define TILE_MM	  10.0	  /* SNR: noise tiles */

/* Mean of the pixels whose centre lies in the circle (cx, cy, r_mm); count in *n. */
static double disc_mean(const struct acr_slice *s, double cx, double cy, double r, size_t *n)
{
	double sum = 0;
	size_t m = 0;
	int jr = (int)(r / s->dy) + 1;
	for (int y = (int)floor(cy) - jr; y <= (int)ceil(cy) + jr; y++) {
		if (y < 0 || y >= s->h)
			continue;
		double ry = (y - cy) * s->dy;
		if (fabs(ry) > r)
			continue;
		double hx = sqrt(r * r - ry * ry) / s->dx;
		int x0 = (int)ceil(cx - hx), x1 = (int)floor(cx + hx);
		x0 = x0 < 0 ? 0 : x0;
		x1 = x1 >= s->w ? s->w - 1 : x1;
		const float *row = s->px + (size_t)y * (size_t)s->w;
		for (int x = x0; x <= x1; x++)
			sum += row[x];
		m += x1 >= x0 ? (size_t)(x1 - x0 + 1) : 0;
	}
	*n = m;
	return m ? sum / (double)m : NAN;
}

static struct qc_overlay *circle(struct acr_ctx *c, const struct acr_slice *s, double x, double y,
				 double r_mm, const char *measure)
{
	if (!c->overlays)
		return NULL;
	struct qc_overlay *o =
	    qc_result_overlay(c->res, QC_OV_CIRCLE, QC_OVR_ROI, s->image, x, y, 0, 0);
	o->r = r_mm / s->dx;
	qc_strlcpy(o->measure, measure, sizeof(o->measure));
	return o;
}

/*
 * PIU = 100 (1 - (max - min) / (max + min)) of the means of every 1 cm^2 circle that fits in
 * the 200 cm^2 region centred on the phantom. Row prefix sums make each circle cost one
 * subtraction per row. Returns the mean of the large region.
 */
static double piu(struct acr_ctx *c, const struct acr_slice *s, const struct acr_disc *d)
{
	static const char *name = "uniformity_piu_pct";
	double R = sqrt(LARGE_MM2 / ANA_PI), r = sqrt(SMALL_MM2 / ANA_PI);
	int w = s->w, h = s->h, jr = (int)(r / s->dy);
	double *pre = qc_xmalloc((size_t)h * (size_t)(w + 1) * sizeof(double));
	for (int y = 0; y < h; y++) {
		double *p = pre + (size_t)y * (size_t)(w + 1), acc = 0;
		const float *row = s->px + (size_t)y * (size_t)w;
		p[0] = 0;
		for (int x = 0; x < w; x++)
			p[x + 1] = acc += row[x];
	}
	int *hw = qc_xmalloc((size_t)(2 * jr + 1) * sizeof(int));
	size_t count = 0;
	for (int j = -jr; j <= jr; j++) {
		hw[j + jr] = (int)floor(sqrt(r * r - (j * s->dy) * (j * s->dy)) / s->dx);
		count += (size_t)(2 * hw[j + jr] + 1);
	}
	double lim = R - r, best[2] = {INFINITY, -INFINITY}, at[2][2] = {{0, 0}, {0, 0}};
	int ky = (int)(lim / s->dy) + 1, kx = (int)(lim / s->dx) + 1;
	for (int y = (int)d->cy - ky; y <= (int)d->cy + ky + 1; y++) {
		if (y - jr < 0 || y + jr >= h)
			continue;
		double ry = (y - d->cy) * s->dy;
		for (int x = (int)d->cx - kx; x <= (int)d->cx + kx + 1; x++) {
			double rx = (x - d->cx) * s->dx;
			if (rx * rx + ry * ry > lim * lim || x - hw[jr] < 0 || x + hw[jr] >= w)
				continue;
			double sum = 0;
			for (int j = -jr; j <= jr; j++) {
				const double *p = pre + (size_t)(y + j) * (size_t)(w + 1);
				sum += p[x + hw[j + jr] + 1] - p[x - hw[j + jr]];
			}
			double m = sum / (double)count;
			for (int e = 0; e < 2; e++)
				if (e ? m > best[1] : m < best[0]) {
					best[e] = m;
					at[e][0] = x;
					at[e][1] = y;
				}
		}
	}
	free(hw);
	free(pre);
	size_t n;
	double mean = disc_mean(s, d->cx, d->cy, R, &n);
	if (!(best[0] > 0) || !(best[1] >= best[0])) {
		qc_result_add_null(c->res, name, "%", s->image,
				   _("the 200 cm2 region does not fit in the image"));
		return mean;
	}
	qc_result_add(c->res, name, "%", s->image,
		      100 * (1 - (best[1] - best[0]) / (best[1] + best[0])));
	circle(c, s, d->cx, d->cy, R, name);
	circle(c, s, at[0][0], at[0][1], r, name);
	circle(c, s, at[1][0], at[1][1], r, name);
	return mean;
}

/* Mean over the ellipse centred (x, y) pixels with semi-axes ax, ay (mm); NAN when empty. */
static double ellipse_mean(const struct acr_slice *s, double x, double y, double ax, double ay)
{
	double sum = 0;
	size_t m = 0;
	int kx = (int)(ax / s->dx) + 1, ky = (int)(ay / s->dy) + 1;
	for (int j = (int)y - ky; j <= (int)y + ky + 1; j++)
		for (int i = (int)x - kx; i <= (int)x + kx + 1; i++) {
			double u = (i - x) * s->dx / ax, v = (j - y) * s->dy / ay;
			if (i < 0 || j < 0 || i >= s->w || j >= s->h || u * u + v * v > 1)
				continue;
			sum += s->px[(size_t)j * (size_t)s->w + (size_t)i];
			m++;
		}
	return m ? sum / (double)m : NAN;
}

static void ellipse_overlay(struct acr_ctx *c, const struct acr_slice *s, double x, double y,
			    double ax, double ay)
{
	if (!c->overlays)
		return;
	enum { SEG = 24 };
	for (int k = 0; k < SEG; k++) {
		double t0 = 2 * ANA_PI * k / SEG, t1 = 2 * ANA_PI * (k + 1) / SEG;
		struct qc_overlay *o = qc_result_overlay(
		    c->res, QC_OV_LINE, QC_OVR_ROI, s->image, x + ax * cos(t0) / s->dx,
		    y + ay * sin(t0) / s->dy, x + ax * cos(t1) / s->dx, y + ay * sin(t1) / s->dy);
		qc_strlcpy(o->measure, "ghosting_pct", sizeof(o->measure));
	}
}

/*
 * Percent signal ghosting 100 |(T + B) - (L + R)| / (2 S): means of four ellipses between the
 * phantom and the border of the image, over the mean S of the large region.
 */
static void ghosting(struct acr_ctx *c, const struct acr_slice *s, const struct acr_disc *d,
		     double S)
{
	static const char *name = "ghosting_pct";
	double b0 = sqrt(GHOST_MM2 / (4 * ANA_PI));
	/* gaps from the border to the wall: left, right, top, bottom (mm) */
	double gap[4] = {(d->cx + 0.5) * s->dx - d->r_mm, (s->w - 0.5 - d->cx) * s->dx - d->r_mm,
			 (d->cy + 0.5) * s->dy - d->r_mm, (s->h - 0.5 - d->cy) * s->dy - d->r_mm};
	double mean[4];
	for (int k = 0; k < 4; k++) {
		double border = k < 2 ? s->dx : s->dy; /* one pixel off the border */
		double room = gap[k] - GHOST_GAP - border;
		double b = fmin(b0, 0.5 * room), a = GHOST_MM2 / (ANA_PI * b);
		if (!(b >= 2)) {
			qc_result_add_null(
			    c->res, name, "%", s->image,
			    _("no room between the phantom and the image border for the "
			      "ghost regions"));
			return;
		}
		/* the long axis along the wall, no longer than the image allows */
		double across = k < 2 ? 0.5 * s->h * s->dy - border : 0.5 * s->w * s->dx - border;
		a = fmin(a, across);
		double off = d->r_mm + GHOST_GAP + 0.5 * room; /* from the phantom centre, mm */
		double x = d->cx, y = d->cy, ax = k < 2 ? b : a, ay = k < 2 ? a : b;
		if (k < 2)
			x += (k ? off : -off) / s->dx;
		else
			y += (k == 3 ? off : -off) / s->dy;
		mean[k] = ellipse_mean(s, x, y, ax, ay);
		ellipse_overlay(c, s, x, y, ax, ay);
	}
	if (!(S > 0)) {
		qc_result_add_null(c->res, name, "%", s->image, _("no signal in the phantom"));
		return;
	}
	qc_result_add(c->res, name, "%", s->image,
		      100 * fabs((mean[2] + mean[3]) - (mean[0] + mean[1])) / (2 * S));
}

/*
 * Residual sum of squares of a quadratic surface fitted to the pixels of [x0, x1] x [y0, y1]
 * (the coil shading over a few millimetres is a quadratic; the noise is what is left).
 */
static bool tile_rss(const struct acr_slice *s, int x0, int y0, int x1, int y1, double *rss,
		     size_t *n)
{
	double a[6][7] = {{0}};
	double xc = 0.5 * (x0 + x1), yc = 0.5 * (y0 + y1), sx = 0.5 * (x1 - x0) + 1,
	       sy = 0.5 * (y1 - y0) + 1;
	size_t m = 0;
	for (int y = y0; y <= y1; y++)
		for (int x = x0; x <= x1; x++) {
			double u = (x - xc) / sx, v = (y - yc) / sy,
			       z = s->px[(size_t)y * (size_t)s->w + (size_t)x];
			double f[7] = {1, u, v, u * u, u * v, v * v, z};
			for (int i = 0; i < 6; i++)
				for (int j = i; j < 7; j++)
					a[i][j] += f[i] * f[j];
			m++;
		}
	for (int i = 0; i < 6; i++)
		for (int j = 0; j < i; j++)
			a[i][j] = a[j][i];
	for (int c = 0; c < 6; c++) { /* Gauss-Jordan with partial pivoting */
		int p = c;
		for (int i = c + 1; i < 6; i++)
			p = fabs(a[i][c]) > fabs(a[p][c]) ? i : p;
		if (fabs(a[p][c]) < 1e-12)
			return false;
		for (int j = 0; j < 7; j++) {
			double t = a[c][j];
			a[c][j] = a[p][j];
			a[p][j] = t;
		}
		for (int i = 0; i < 6; i++) {
			if (i == c)
				continue;
			double f = a[i][c] / a[c][c];
			for (int j = c; j < 7; j++)
				a[i][j] -= f * a[c][j];
		}
	}
	double k[6], sum = 0;
	for (int i = 0; i < 6; i++)
		k[i] = a[i][6] / a[i][i];
	for (int y = y0; y <= y1; y++)
		for (int x = x0; x <= x1; x++) {
			double u = (x - xc) / sx, v = (y - yc) / sy,
			       z = s->px[(size_t)y * (size_t)s->w + (size_t)x];
			double f =
			    k[0] + k[1] * u + k[2] * v + k[3] * u * u + k[4] * u * v + k[5] * v * v;
			sum += (z - f) * (z - f);
		}
	*rss = sum;
	*n = m;
	return true;
}

bool ana_acr_snr(const struct acr_slice *s, const struct acr_disc *d, struct acr_snr *o)
{
	/* Noise: pooled over the 10 mm tiles that lie inside the 200 cm^2 region, each with a
	 * quadratic removed (strong coil shading stays out of it, thousands of pixels keep it
	 * to a fraction of 1 %); signal: the mean of the region. */
	double R = sqrt(LARGE_MM2 / ANA_PI);
	int tx = (int)lround(TILE_MM / s->dx), ty = (int)lround(TILE_MM / s->dy);
	tx = tx < 6 ? 6 : tx;
	ty = ty < 6 ? 6 : ty;
	int kx = (int)(R / s->dx / tx) + 1, ky = (int)(R / s->dy / ty) + 1;
	double rss = 0, dof = 0;
	memset(o, 0, sizeof(*o));
	for (int j = -ky; j < ky; j++)
		for (int i = -kx; i < kx; i++) {
			int x0 = (int)lround(d->cx) + i * tx, y0 = (int)lround(d->cy) + j * ty;
			int x1 = x0 + tx - 1, y1 = y0 + ty - 1;
			bool inside = x0 >= 0 && y0 >= 0 && x1 < s->w && y1 < s->h;
			for (int c = 0; c < 4 && inside; c++) {
				double X = ((c & 1 ? x1 : x0) - d->cx) * s->dx;
				double Y = ((c & 2 ? y1 : y0) - d->cy) * s->dy;
				inside = X * X + Y * Y <= R * R;
			}
			double r;
			size_t n;
			if (inside && tile_rss(s, x0, y0, x1, y1, &r, &n)) {
				rss += r;
				dof += (double)n - 6;
			}
		}
	size_t n;
	o->signal = disc_mean(s, d->cx, d->cy, R, &n);
	if (dof < 100 || !(rss > 0) || !(o->signal > 0))
		return false;
	o->noise = sqrt(rss / dof);
	o->snr = o->signal / o->noise;
	o->cx = d->cx;
	o->cy = d->cy;
	o->r_px = R / s->dx;
	o->ok = true;
	return true;
}

static void snr(struct acr_ctx *c, const struct acr_slice *s, const struct acr_snr *n)
{
	if (!n->ok) {
		qc_result_add_null(c->res, "snr", "", s->image,
				   _("the 200 cm2 region does not fit in the image"));
		return;
	}
	qc_result_add(c->res, "snr", "", s->image, n->snr);
	circle(c, s, n->cx, n->cy, n->r_px * s->dx, "snr");
}

void ana_acr_uniform(struct acr_ctx *c, const struct acr_slice *s, const struct acr_disc *d,
		     const struct acr_snr *n)
{
	double S = piu(c, s, d);
	ghosting(c, s, d, S);
	snr(c, s, n);
}
