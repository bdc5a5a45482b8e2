/* Winston-Lutz, one image: the field's 50 % outline and centre, the BB's centre of symmetry. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wl_int.h"

#define MARGIN_PX  2	/* image borders often hold a bad line */
#define BLOCK_MM   2.0	/* block means for finding the field */
#define INNER_MM   1.5	/* the BB is searched at least this far inside the field edge */
#define CHORD_SPAN 0.35 /* field centre from the chords within this fraction of its size */
#define MAX_FIELD  0.6	/* of the read-out box: a larger field is no Winston-Lutz field */
#define SYM_RADIUS 1.35 /* BB centre: symmetry over this many half-depth radii (+1 pixel) */

static double dose(const struct wl *w, int x, int y)
{
	return w->sign * qc_px(w->img, x, y);
}

static enum qc_status fail(const struct wl *w, const char *why)
{
	return qc_fail(
	    QC_ERR_ANALYSIS,
	    _("image %d does not look like a Winston-Lutz image (a BB in a small field): "
	      "%s"),
	    w->idx + 1, why);
}

/* Block means of the working box (stored values); nbx x nby blocks of b x b pixels. */
static double *blocks(const struct wl *w, int b, int *nbx, int *nby)
{
	*nbx = (w->x1 - w->x0 + 1) / b;
	*nby = (w->y1 - w->y0 + 1) / b;
	double *m = qc_xcalloc((size_t)*nbx * (size_t)*nby, sizeof(double));
	/* Every other pixel of every other line: enough to find a field of several blocks. */
	int step = b > 1 ? 2 : 1, per = ((b + step - 1) / step) * ((b + step - 1) / step);
	for (int y = 0; y < *nby * b; y += step) {
		const float *row = w->img->px + (size_t)(w->y0 + y) * (size_t)w->img->width + w->x0;
		double *mb = m + (size_t)(y / b) * (size_t)*nbx;
		for (int bx = 0; bx < *nbx; bx++) {
			float sum = 0;
			for (int x = bx * b; x < bx * b + b; x += step)
				sum += row[x];
			mb[bx] += sum;
		}
	}
	for (size_t i = 0; i < (size_t)*nbx * (size_t)*nby; i++)
		m[i] /= per;
	return m;
}

/* 3 x 3 mean of the block image (edges clamped). */
static double *smooth3(const double *m, int nx, int ny)
{
	double *s = qc_xmalloc((size_t)nx * (size_t)ny * sizeof(double));
	for (int y = 0; y < ny; y++)
		for (int x = 0; x < nx; x++) {
			double sum = 0;
			int c = 0;
			for (int j = -1; j <= 1; j++)
				for (int i = -1; i <= 1; i++)
					if (x + i >= 0 && x + i < nx && y + j >= 0 && y + j < ny) {
						sum += m[(size_t)(y + j) * (size_t)nx +
							 (size_t)(x + i)];
						c++;
					}
			s[(size_t)y * (size_t)nx + (size_t)x] = sum / c;
		}
	return s;
}

/*
 * The field on 2 mm blocks: the background is what lines the working box, the field the
 * block that differs most from it (either polarity), grown over the blocks beyond half-way.
 */
static enum qc_status find_field(struct wl *w)
{
	int b = (int)lround(BLOCK_MM / fmin(w->mmx, w->mmy)), nx, ny;
	b = b < 1 ? 1 : b;
	double *m = blocks(w, b, &nx, &ny);
	if (nx < 8 || ny < 8) {
		free(m);
		return fail(w, _("the image is too small"));
	}
	double *s = smooth3(m, nx, ny);
	double *border = qc_xmalloc((size_t)(2 * (nx + ny)) * sizeof(double));
	int nb = 0;
	for (int x = 0; x < nx; x++) {
		border[nb++] = m[x];
		border[nb++] = m[(size_t)(ny - 1) * (size_t)nx + (size_t)x];
	}
	for (int y = 1; y < ny - 1; y++) {
		border[nb++] = m[(size_t)y * (size_t)nx];
		border[nb++] = m[(size_t)y * (size_t)nx + (size_t)nx - 1];
	}
	double bg_raw = ana_median(border, (size_t)nb);
	free(border);
	size_t best = 0;
	for (size_t i = 1; i < (size_t)nx * (size_t)ny; i++)
		if (fabs(s[i] - bg_raw) > fabs(s[best] - bg_raw))
			best = i;
	w->sign = s[best] > bg_raw ? 1 : -1;
	w->bg = w->sign * bg_raw;
	double peak = w->sign * s[best], block_noise = w->noise / b;
	enum qc_status st = QC_OK;
	if (peak - w->bg <= 20 * block_noise + 1e-6 * fabs(w->bg)) {
		st = fail(w, _("no irradiated field (the image is blank)"));
		goto out;
	}
	/* Grow the field over the blocks beyond half-way, 4-connected. */
	double half = w->bg + 0.5 * (peak - w->bg);
	unsigned char *in = qc_xcalloc((size_t)nx * (size_t)ny, 1);
	int *stack = qc_xmalloc((size_t)nx * (size_t)ny * sizeof(int)), top = 0, count = 0;
	int bx0 = nx, by0 = ny, bx1 = -1, by1 = -1, above = 0;
	for (size_t i = 0; i < (size_t)nx * (size_t)ny; i++)
		above += w->sign * m[i] >= half;
	stack[top++] = (int)best;
	in[best] = 1;
	while (top) {
		int i = stack[--top], x = i % nx, y = i / nx;
		count++;
		bx0 = x < bx0 ? x : bx0;
		bx1 = x > bx1 ? x : bx1;
		by0 = y < by0 ? y : by0;
		by1 = y > by1 ? y : by1;
		static const int dx[] = {1, -1, 0, 0}, dy[] = {0, 0, 1, -1};
		for (int k = 0; k < 4; k++) {
			int xx = x + dx[k], yy = y + dy[k];
			size_t j = (size_t)yy * (size_t)nx + (size_t)xx;
			if (xx < 0 || yy < 0 || xx >= nx || yy >= ny || in[j] ||
			    w->sign * m[j] < half)
				continue;
			in[j] = 1;
			stack[top++] = (int)j;
		}
	}
	free(in);
	free(stack);
	char why[160];
	double fw = (bx1 - bx0 + 1) * b * w->mmx, fh = (by1 - by0 + 1) * b * w->mmy;
	if (above > count + 4 && above > 1.25 * count) {
		snprintf(why, sizeof(why), "%s", _("several separate irradiated areas"));
		st = fail(w, why);
	} else if (bx1 - bx0 + 1 > MAX_FIELD * nx || by1 - by0 + 1 > MAX_FIELD * ny) {
		snprintf(why, sizeof(why), _("the field (%.0f x %.0f mm) is too large"), fw, fh);
		st = fail(w, why);
	} else if (fw < 4 || fh < 4) {
		st = fail(w, _("no field larger than 4 mm"));
	}
	if (st)
		goto out;
	/* Field box in pixels, widened by a third of its size for the penumbrae. */
	int gx = (bx1 - bx0 + 1) * b / 3 + 2, gy = (by1 - by0 + 1) * b / 3 + 2;
	w->fx0 = w->x0 + bx0 * b - gx;
	w->fx1 = w->x0 + (bx1 + 1) * b - 1 + gx;
	w->fy0 = w->y0 + by0 * b - gy;
	w->fy1 = w->y0 + (by1 + 1) * b - 1 + gy;
	w->fx0 = w->fx0 < w->x0 ? w->x0 : w->fx0;
	w->fy0 = w->fy0 < w->y0 ? w->y0 : w->fy0;
	w->fx1 = w->fx1 > w->x1 ? w->x1 : w->fx1;
	w->fy1 = w->fy1 > w->y1 ? w->y1 : w->fy1;
	/* A first field level: the brightest blocks (refined on the pixels once the outline is
	 * known, see field_level). */
	w->top = peak;
	w->half = half;
out:
	free(m);
	free(s);
	return st;
}

/* Sub-pixel crossing of the half level between samples a (below) and b (above). */
static double crossing(double pa, double pb, double half)
{
	return (half - pa) / (pb - pa);
}

/* The 50 % crossings of every row and column of the field box, searched from the outside in
 * (the BB inside never comes first). */
static void crossings(struct wl *w)
{
	int nr = w->fy1 - w->fy0 + 1, nc = w->fx1 - w->fx0 + 1;
	w->left = qc_xmalloc((size_t)nr * sizeof(double));
	w->right = qc_xmalloc((size_t)nr * sizeof(double));
	w->top_y = qc_xmalloc((size_t)nc * sizeof(double));
	w->bottom_y = qc_xmalloc((size_t)nc * sizeof(double));
	for (int y = w->fy0; y <= w->fy1; y++) {
		double *l = &w->left[y - w->fy0], *r = &w->right[y - w->fy0];
		*l = *r = NAN;
		for (int x = w->fx0 + 1; x <= w->fx1; x++)
			if (dose(w, x, y) >= w->half && dose(w, x - 1, y) < w->half) {
				*l = x - 1 + crossing(dose(w, x - 1, y), dose(w, x, y), w->half);
				break;
			}
		for (int x = w->fx1 - 1; x >= w->fx0; x--)
			if (dose(w, x, y) >= w->half && dose(w, x + 1, y) < w->half) {
				*r = x + 1 - crossing(dose(w, x + 1, y), dose(w, x, y), w->half);
				break;
			}
		if (!isnan(*l) && (isnan(*r) || *r - *l < 2))
			*l = *r = NAN;
	}
	for (int x = w->fx0; x <= w->fx1; x++) {
		double *t = &w->top_y[x - w->fx0], *b = &w->bottom_y[x - w->fx0];
		*t = *b = NAN;
		for (int y = w->fy0 + 1; y <= w->fy1; y++)
			if (dose(w, x, y) >= w->half && dose(w, x, y - 1) < w->half) {
				*t = y - 1 + crossing(dose(w, x, y - 1), dose(w, x, y), w->half);
				break;
			}
		for (int y = w->fy1 - 1; y >= w->fy0; y--)
			if (dose(w, x, y) >= w->half && dose(w, x, y + 1) < w->half) {
				*b = y + 1 - crossing(dose(w, x, y + 1), dose(w, x, y), w->half);
				break;
			}
		if (!isnan(*t) && (isnan(*b) || *b - *t < 2))
			*t = *b = NAN;
	}
}

/*
 * The field level: the 90th percentile of the pixels inside the 50 % outline (the BB only
 * darkens a part of them), then the outline again at half that level.
 */
static void field_level(struct wl *w)
{
	size_t n = 0;
	double *v = qc_xmalloc((size_t)(w->fx1 - w->fx0 + 1) * (size_t)(w->fy1 - w->fy0 + 1) *
			       sizeof(double));
	for (int y = w->fy0; y <= w->fy1; y++) {
		double l = w->left[y - w->fy0], r = w->right[y - w->fy0];
		for (int x = (int)ceil(l); !isnan(l) && x <= r; x++)
			v[n++] = dose(w, x, y);
	}
	if (n > 10) {
		w->top = ana_select_kth(v, n, (size_t)(0.9 * (double)(n - 1)));
		w->half = w->bg + 0.5 * (w->top - w->bg);
	}
	free(v);
}

/*
 * Centre of the chord midpoints of lines first..last (a line fitted through them, read at
 * `at`): for a field symmetric about its centre (square at any collimator angle, cone) the
 * midpoints lie on lines through the centre, symmetric about it.
 */
static bool chord_centre(const double *lo, const double *hi, int first, int n, double at,
			 double span, double *c)
{
	double *u = qc_xmalloc((size_t)n * sizeof(double)),
	       *v = qc_xmalloc((size_t)n * sizeof(double));
	size_t k = 0;
	for (int i = 0; i < n; i++)
		if (!isnan(lo[i]) && fabs(first + i - at) <= span) {
			u[k] = first + i - at;
			v[k++] = 0.5 * (lo[i] + hi[i]);
		}
	double a, b;
	bool ok = k >= 3 && ana_fit_line(u, v, k, &a, &b);
	*c = a;
	free(u);
	free(v);
	return ok;
}

static enum qc_status field_centre(struct wl *w)
{
	int nr = w->fy1 - w->fy0 + 1, nc = w->fx1 - w->fx0 + 1;
	double y_lo = INFINITY, y_hi = -INFINITY, x_lo = INFINITY, x_hi = -INFINITY;
	for (int i = 0; i < nr; i++)
		if (!isnan(w->left[i])) {
			y_lo = fmin(y_lo, w->fy0 + i);
			y_hi = fmax(y_hi, w->fy0 + i);
		}
	for (int i = 0; i < nc; i++)
		if (!isnan(w->top_y[i])) {
			x_lo = fmin(x_lo, w->fx0 + i);
			x_hi = fmax(x_hi, w->fx0 + i);
		}
	if (!(y_hi - y_lo >= 4 && x_hi - x_lo >= 4))
		return fail(w, _("no field edges found"));
	w->fcx = 0.5 * (x_lo + x_hi);
	w->fcy = 0.5 * (y_lo + y_hi);
	double sx = CHORD_SPAN * (x_hi - x_lo), sy = CHORD_SPAN * (y_hi - y_lo);
	for (int it = 0; it < 4; it++) {
		double cx, cy;
		if (!chord_centre(w->left, w->right, w->fy0, nr, w->fcy, sy, &cx) ||
		    !chord_centre(w->top_y, w->bottom_y, w->fx0, nc, w->fcx, sx, &cy))
			return fail(w, _("the field edges are too short"));
		w->fcx = cx;
		w->fcy = cy;
	}
	return QC_OK;
}

/*
 * How far inside the 50 % outline the field reaches 95 % of its level, along the central row
 * and column from each side (the largest of the four; a side blocked by the BB is skipped).
 */
static void flat_margin(struct wl *w)
{
	double level = w->bg + 0.95 * (w->top - w->bg), worst = 0;
	int y = (int)lround(w->fcy), x = (int)lround(w->fcx);
	const double *e[4] = {w->left, w->right, w->top_y, w->bottom_y};
	for (int side = 0; side < 4; side++) {
		bool row = side < 2;
		int dir = side % 2 ? -1 : 1;
		double c = row ? e[side][y - w->fy0] : e[side][x - w->fx0];
		double mid = row ? w->fcx : w->fcy;
		if (isnan(c))
			continue;
		for (int i = (int)(dir > 0 ? ceil(c) : floor(c)); dir * (mid - i) > 0; i += dir)
			if ((row ? dose(w, i, y) : dose(w, x, i)) >= level) {
				worst = fmax(worst, fabs(i - c));
				break;
			}
	}
	w->flat = worst;
}

/* Inside the field, at least `m` pixels from its 50 % outline. */
static bool inner(const struct wl *w, int x, int y, double m)
{
	if (x < w->fx0 || x > w->fx1 || y < w->fy0 || y > w->fy1)
		return false;
	double l = w->left[y - w->fy0], r = w->right[y - w->fy0];
	double t = w->top_y[x - w->fx0], b = w->bottom_y[x - w->fx0];
	return !isnan(l) && !isnan(t) && x >= l + m && x <= r - m && y >= t + m && y <= b - m;
}

static double mean3(const struct wl *w, int x, int y)
{
	double s = 0;
	for (int j = -1; j <= 1; j++)
		for (int i = -1; i <= 1; i++)
			s += dose(w, x + i, y + j);
	return s / 9;
}

/* Pixels whose 3 x 3 mean is below `level`, connected to (x0, y0) within `reach` of it and
 * inside the field (the mean keeps noise from fraying the dip's rim). */
static int dip_area(const struct wl *w, int x0, int y0, double level, double reach)
{
	int side = 2 * (int)ceil(reach) + 1, r = (side - 1) / 2, n = 0, top = 0;
	unsigned char *seen = qc_xcalloc((size_t)side * (size_t)side, 1);
	int *stack = qc_xmalloc((size_t)side * (size_t)side * sizeof(int));
	stack[top++] = r * side + r;
	seen[r * side + r] = 1;
	while (top) {
		int i = stack[--top], x = x0 + i % side - r, y = y0 + i / side - r;
		n++;
		for (int dy = -1; dy <= 1; dy++)
			for (int dx = -1; dx <= 1; dx++) {
				int xx = x + dx, yy = y + dy,
				    j = (yy - y0 + r) * side + xx - x0 + r;
				if (abs(xx - x0) > r || abs(yy - y0) > r || seen[j] ||
				    hypot(xx - x0, yy - y0) > reach || !inner(w, xx, yy, 1) ||
				    mean3(w, xx, yy) >= level)
					continue;
				seen[j] = 1;
				stack[top++] = j;
			}
	}
	free(seen);
	free(stack);
	return n;
}

/*
 * The log of the field signal (dose above the background) on a patch around the BB, smoothed
 * by a 5-tap binomial (about 1 pixel): a symmetric blur keeps the shadow symmetric, and it
 * makes the noise of an interpolated value the same wherever it falls between pixels (else
 * the asymmetry is least, by noise alone, half-way between pixels).
 */
static void log_patch(struct wl *w, int cx, int cy, int half)
{
	static const double k[5] = {1 / 16.0, 4 / 16.0, 6 / 16.0, 4 / 16.0, 1 / 16.0};
	int n = 2 * half + 1;
	double *a = qc_xmalloc((size_t)n * (size_t)n * sizeof(double));
	double *b = qc_xmalloc((size_t)n * (size_t)n * sizeof(double));
	w->lx0 = cx - half;
	w->ly0 = cy - half;
	w->ln = n;
	for (int j = 0; j < n; j++)
		for (int i = 0; i < n; i++) {
			int x = w->lx0 + i, y = w->ly0 + j;
			bool in = x >= w->x0 && x <= w->x1 && y >= w->y0 && y <= w->y1;
			a[(size_t)j * (size_t)n + (size_t)i] = in ? dose(w, x, y) - w->bg : NAN;
		}
	for (int pass = 0; pass < 2; pass++) {
		double *src = pass ? b : a, *dst = pass ? a : b;
		for (int j = 0; j < n; j++)
			for (int i = 0; i < n; i++) {
				double sum = 0;
				for (int t = -2; t <= 2; t++) {
					int ii = pass ? i : i + t, jj = pass ? j + t : j;
					sum += ii < 0 || jj < 0 || ii >= n || jj >= n
						   ? NAN
						   : k[t + 2] *
							 src[(size_t)jj * (size_t)n + (size_t)ii];
				}
				dst[(size_t)j * (size_t)n + (size_t)i] = sum;
			}
	}
	double floor_v = 0.02 * (w->top - w->bg);
	for (int i = 0; i < n * n; i++)
		a[i] = a[i] > floor_v ? log(a[i]) : NAN;
	free(b);
	free(w->lg);
	w->lg = a;
}

/* The smoothed log signal at a sub-pixel point; false off the patch or without signal. */
static bool log_signal(const struct wl *w, double x, double y, double *v)
{
	double u = x - w->lx0, t = y - w->ly0;
	int i = (int)floor(u), j = (int)floor(t), n = w->ln;
	if (i < 0 || j < 0 || i + 1 >= n || j + 1 >= n)
		return false;
	double fx = u - i, fy = t - j;
	const double *p = w->lg + (size_t)j * (size_t)n + (size_t)i;
	*v = (1 - fy) * ((1 - fx) * p[0] + fx * p[1]) + fy * ((1 - fx) * p[n] + fx * p[n + 1]);
	return !isnan(*v);
}

/*
 * How far the dose is from being symmetric about (cx, cy) within radius R: the BB's shadow is
 * symmetric about its centre and the field, in log, adds only its gradient to the difference
 * between opposite points (its curvature cancels): the residual of that gradient's fit.
 */
static double asymmetry(const struct wl *w, double cx, double cy, double R)
{
	double sxx = 0, sxy = 0, syy = 0, sxa = 0, sya = 0, saa = 0;
	int n = 0, r = (int)ceil(R);
	for (int j = 0; j <= r; j++)
		for (int i = -r; i <= r; i++) {
			if ((j == 0 && i <= 0) || i * i + j * j > R * R)
				continue;
			double a, b;
			if (!log_signal(w, cx + i, cy + j, &a) ||
			    !log_signal(w, cx - i, cy - j, &b))
				continue;
			double d = a - b;
			sxx += i * i;
			sxy += i * j;
			syy += j * j;
			sxa += i * d;
			sya += j * d;
			saa += d * d;
			n++;
		}
	double det = sxx * syy - sxy * sxy;
	if (n < 8 || det <= 0)
		return INFINITY;
	double gx = (syy * sxa - sxy * sya) / det, gy = (sxx * sya - sxy * sxa) / det;
	return (saa - gx * sxa - gy * sya) / n;
}

/* The point of least asymmetry near (cx, cy): quadratic fits on shrinking 3 x 3 stencils. */
static bool symmetry_centre(const struct wl *w, double R, double *cx, double *cy)
{
	double x = *cx, y = *cy, h = 0.5;
	for (int it = 0; it < 60 && h > 0.01; it++) {
		double f[9], best = INFINITY;
		int bi = 4;
		for (int k = 0; k < 9; k++) {
			f[k] = asymmetry(w, x + (k % 3 - 1) * h, y + (k / 3 - 1) * h, R);
			if (f[k] < best) {
				best = f[k];
				bi = k;
			}
		}
		if (!isfinite(best))
			return false;
		/* f = a + b u + c v + d u^2 + e u v + g v^2 on the stencil (u, v in steps). */
		double fu = (f[5] - f[3]) / 2, fv = (f[7] - f[1]) / 2;
		double fuu = f[5] - 2 * f[4] + f[3], fvv = f[7] - 2 * f[4] + f[1];
		double fuv = (f[8] - f[6] - f[2] + f[0]) / 4, det = fuu * fvv - fuv * fuv;
		if (bi == 4 && fuu > 0 && fvv > 0 && det > 0) {
			double du = -(fvv * fu - fuv * fv) / det, dv = -(fuu * fv - fuv * fu) / det;
			du = fmax(-1, fmin(1, du));
			dv = fmax(-1, fmin(1, dv));
			x += du * h;
			y += dv * h;
			h /= 2;
		} else if (bi == 4)
			h /= 2;
		else {
			x += (bi % 3 - 1) * h;
			y += (bi / 3 - 1) * h;
		}
	}
	*cx = x;
	*cy = y;
	return true;
}

/*
 * The deepest pit of the field: the point whose 3 x 3 mean lies furthest below the lowest of
 * the 3 x 3 means `rho` pixels around it in 8 directions (a field corner or edge is no pit).
 */
static double deepest_pit(const struct wl *w, double rho, int *bx, int *by)
{
	int x0 = w->fx0 + 1, y0 = w->fy0 + 1, nx = w->fx1 - w->fx0 - 1, ny = w->fy1 - w->fy0 - 1;
	double *m = qc_xmalloc((size_t)nx * (size_t)ny * sizeof(double)), deepest = 0;
	for (int y = 0; y < ny; y++)
		for (int x = 0; x < nx; x++)
			m[(size_t)y * (size_t)nx + (size_t)x] = mean3(w, x0 + x, y0 + y);
	int off[8][2];
	for (int k = 0; k < 8; k++) {
		off[k][0] = (int)lround(rho * cos(k * ANA_PI / 4));
		off[k][1] = (int)lround(rho * sin(k * ANA_PI / 4));
	}
	*bx = *by = -1;
	for (int y = 0; y < ny; y++)
		for (int x = 0; x < nx; x++) {
			if (!inner(w, x0 + x, y0 + y, 1))
				continue;
			double c = m[(size_t)y * (size_t)nx + (size_t)x], least = INFINITY;
			for (int k = 0; k < 8 && least > c; k++) {
				int xx = x + off[k][0], yy = y + off[k][1];
				least = xx < 0 || yy < 0 || xx >= nx || yy >= ny
					    ? -INFINITY
					    : fmin(least, m[(size_t)yy * (size_t)nx + (size_t)xx]);
			}
			if (least - c > deepest) {
				deepest = least - c;
				*bx = x0 + x;
				*by = y0 + y;
			}
		}
	free(m);
	return deepest;
}

/*
 * The BB: the deepest pit inside the field, its size from the connected dip below half its
 * depth, a first centre as the centroid of the dose it takes away, then the centre of symmetry
 * of the dose around it (exact for a round shadow on any smooth field).
 */
static enum qc_status find_bb(struct wl *w)
{
	double px = fmin(w->mmx, w->mmy), rho = fmax(1.5 / px, 2);
	int bx, by;
	flat_margin(w);
	double deepest = deepest_pit(w, rho, &bx, &by);
	if (bx < 0 || deepest < 4 * w->noise / 3 || deepest < 0.01 * (w->top - w->bg))
		return fail(w, _("no BB inside the field"));
	double depth = w->top - mean3(w, bx, by);
	double reach = 0.35 * fmin(w->fx1 - w->fx0, w->fy1 - w->fy0);
	w->bb_r = sqrt(dip_area(w, bx, by, w->top - 0.5 * depth, reach) / ANA_PI);
	if (w->bb_r < 0.7)
		return fail(w, _("no BB inside the field (the dip is a single pixel)"));
	/* The disk holds the shadow and its rim (a sphere's half-depth radius is 0.87 of its
	 * own); wider, it takes in more of the field's penumbra. */
	double R = SYM_RADIUS * w->bb_r + 1, cx = bx, cy = by;
	log_patch(w, bx, by, (int)ceil(R + w->bb_r + 6));
	if (!symmetry_centre(w, R, &cx, &cy) || hypot(cx - bx, cy - by) > w->bb_r + 2)
		return fail(w, _("the BB's shadow is not round (or not whole inside the field)"));
	if (!inner(w, (int)lround(cx), (int)lround(cy), 0))
		return fail(w, _("the BB is not inside the field"));
	w->bbx = cx;
	w->bby = cy;
	/* Within 0.1 mm while the disk (and half a mm more) stays where the field is flat (95 %
	 * of its level); a BB large for its field, or far off its centre, is flagged. */
	double Rc = R + 0.5 / px;
	w->crowded = false;
	for (int y = (int)floor(cy - Rc); y <= (int)ceil(cy + Rc); y++)
		for (int x = (int)floor(cx - Rc); x <= (int)ceil(cx + Rc); x++)
			if (hypot(x - cx, y - cy) <= Rc && !inner(w, x, y, w->flat))
				w->crowded = true;
	return QC_OK;
}

enum qc_status ana_wl_image(struct wl *w, const struct ana_context *ctx)
{
	const struct qc_image *img = w->img;
	enum qc_status st = ana_check_mv_input(img, w->idx, N_("a Winston-Lutz image"), 48);
	if (st)
		return st;
	if (!ana_valid_bbox(img, &w->x0, &w->y0, &w->x1, &w->y1))
		return fail(w, _("it is blank"));
	w->x0 += MARGIN_PX;
	w->y0 += MARGIN_PX;
	w->x1 -= MARGIN_PX;
	w->y1 -= MARGIN_PX;
	if (w->x1 - w->x0 < 32 || w->y1 - w->y0 < 32)
		return fail(w, _("the read-out area is too small"));
	const char *src;
	ana_iso_pixel(img, ctx, &w->iso_col, &w->iso_row, &src);
	w->mmx = qc_image_mm_x(img);
	w->mmy = qc_image_mm_y(img);
	struct ana_box box = {w->x0, w->y0, w->x1, w->y1};
	w->noise = ana_noise_sampled(img, &box, 32);
	if ((st = find_field(w)))
		return st;
	crossings(w);
	field_level(w);
	free(w->left);
	free(w->right);
	free(w->top_y);
	free(w->bottom_y);
	crossings(w);
	if ((st = field_centre(w)) || (st = find_bb(w)))
		return st;
	w->dx = (w->fcx - w->bbx) * w->mmx;
	w->dy = (w->fcy - w->bby) * w->mmy;
	w->d = hypot(w->dx, w->dy);
	w->has_gantry = img->geo.has_gantry;
	w->gantry = img->geo.gantry_deg;
	w->collimator = img->geo.has_collimator ? img->geo.collimator_deg : 0;
	w->couch = img->geo.has_couch ? img->geo.couch_deg : 0;
	return QC_OK;
}
