/* Shared image maths: class split, robust statistics, line fits, edges and penumbrae. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ana_int.h"

#define BINS 1024
/* The parabola through the slope peak uses the points above this fraction of the peak: real
 * penumbrae are skewed (long outer tail), so a wide fit drifts outwards; 0.9 keeps it local. */
#define PEAK_FIT_LEVEL 0.9

enum qc_status ana_check_mv_input(const struct qc_image *img, int idx, const char *what, int min_px)
{
	static const char *const not_mv[] = {"MR", "CT", "PT", "NM", "US", "MG", "SEG"};
	for (size_t i = 0; i < QC_ARRAY_LEN(not_mv); i++)
		if (!strcmp(img->tags.modality, not_mv[i]))
			return qc_fail(QC_ERR_ANALYSIS,
				       _("image %d does not look like %s: it is not an MV portal "
					 "image (its modality is %s)"),
				       idx + 1, _(what), img->tags.modality);
	if (qc_image_mm_x(img) <= 0 || qc_image_mm_y(img) <= 0)
		return qc_fail(QC_ERR_ANALYSIS,
			       _("image %d has no pixel spacing (ImagePlanePixelSpacing or "
				 "PixelSpacing): cannot measure in mm"),
			       idx + 1);
	if (img->width < min_px || img->height < min_px)
		return qc_fail(QC_ERR_ANALYSIS, _("image %d is too small (%d x %d pixels)"),
			       idx + 1, img->width, img->height);
	return QC_OK;
}

enum qc_status ana_each_image(const struct qc_image *const *imgs, size_t n,
			      const struct ana_context *ctx, struct qc_result *res, ana_image_fn fn)
{
	for (size_t i = 0; i < n; i++) {
		enum qc_status st = fn(imgs[i], (int)i, ctx, res);
		if (st)
			return st;
	}
	return QC_OK;
}

/* The k-th smallest of v (Hoare's selection; reorders v). */
double ana_select_kth(double *v, size_t n, size_t k)
{
	size_t lo = 0, hi = n - 1;
	while (lo < hi) {
		double pivot = v[lo + (hi - lo) / 2];
		size_t i = lo, j = hi;
		while (i <= j) {
			while (v[i] < pivot)
				i++;
			while (v[j] > pivot)
				j--;
			if (i <= j) {
				double t = v[i];
				v[i] = v[j];
				v[j] = t;
				i++;
				if (j == 0)
					break;
				j--;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			break;
	}
	return v[k];
}

double ana_median(double *v, size_t n)
{
	if (!n)
		return NAN;
	double hi = ana_select_kth(v, n, n / 2);
	if (n % 2)
		return hi;
	/* The lower middle is the largest value below index n / 2 after the selection. */
	double lo = v[0];
	for (size_t i = 1; i < n / 2; i++)
		lo = v[i] > lo ? v[i] : lo;
	return 0.5 * (lo + hi);
}

bool ana_valid_bbox(const struct qc_image *img, int *x0, int *y0, int *x1, int *y1)
{
	*x0 = img->width;
	*y0 = img->height;
	*x1 = *y1 = -1;
	if (!img->valid) {
		*x0 = *y0 = 0;
		*x1 = img->width - 1;
		*y1 = img->height - 1;
		return img->width > 0 && img->height > 0;
	}
	for (int y = 0; y < img->height; y++) {
		const unsigned char *row = img->valid + (size_t)y * (size_t)img->width;
		const unsigned char *first = memchr(row, 1, (size_t)img->width);
		if (!first)
			continue;
		int l = (int)(first - row), r = img->width - 1;
		while (r > l && !row[r])
			r--;
		*x0 = l < *x0 ? l : *x0;
		*x1 = r > *x1 ? r : *x1;
		*y0 = y < *y0 ? y : *y0;
		*y1 = y;
	}
	return *x1 >= 0;
}

/* Median and MAD of a class from its histogram (bin centres); good to a bin width. */
static void class_stats(const size_t *h, int from, int to, double lo, double bw, double *med,
			double *mad)
{
	size_t total = 0, acc = 0;
	for (int i = from; i < to; i++)
		total += h[i];
	*med = *mad = NAN;
	if (!total)
		return;
	int mi = from;
	for (int i = from; i < to; i++) {
		acc += h[i];
		if (acc * 2 >= total) {
			mi = i;
			break;
		}
	}
	*med = lo + (mi + 0.5) * bw;
	/* MAD: grow a window around the median bin until it holds half of the class. */
	acc = h[mi];
	int r = 0;
	while (acc * 2 < total && (mi - r > from || mi + r < to - 1)) {
		r++;
		if (mi - r >= from)
			acc += h[mi - r];
		if (mi + r < to)
			acc += h[mi + r];
	}
	*mad = (r + 0.5) * bw;
}

bool ana_otsu_sampled(const struct qc_image *img, const struct ana_box *box, int step, int bins,
		      struct ana_split *out)
{
	float lo = INFINITY, hi = -INFINITY;
	for (int y = box->y0; y <= box->y1; y += step) {
		const float *row = img->px + (size_t)y * (size_t)img->width;
		const unsigned char *ok = img->valid ? img->valid + (size_t)y * img->width : NULL;
		for (int x = box->x0; x <= box->x1; x += step)
			if (!ok || ok[x]) {
				lo = row[x] < lo ? row[x] : lo;
				hi = row[x] > hi ? row[x] : hi;
			}
	}
	if (!(hi > lo))
		return false;
	size_t *h = qc_xcalloc((size_t)bins, sizeof(*h));
	double bw = ((double)hi - lo) / bins;
	size_t count = 0;
	double sum = 0;
	for (int y = box->y0; y <= box->y1; y += step) {
		const float *row = img->px + (size_t)y * (size_t)img->width;
		const unsigned char *ok = img->valid ? img->valid + (size_t)y * img->width : NULL;
		for (int x = box->x0; x <= box->x1; x += step)
			if (!ok || ok[x]) {
				int b = (int)((row[x] - lo) / bw);
				b = b >= bins ? bins - 1 : b;
				h[b]++;
				count++;
				sum += b;
			}
	}
	double w0 = 0, s0 = 0, best = -1;
	int best_t = bins / 2;
	for (int t = 0; t < bins - 1; t++) {
		w0 += (double)h[t];
		s0 += (double)t * (double)h[t];
		double w1 = (double)count - w0;
		if (w0 == 0 || w1 == 0)
			continue;
		double m0 = s0 / w0, m1 = (sum - s0) / w1;
		double between = w0 * w1 * (m0 - m1) * (m0 - m1);
		if (between > best) {
			best = between;
			best_t = t;
		}
	}
	out->threshold = lo + (best_t + 1) * bw;
	out->n_low = out->n_high = 0;
	for (int i = 0; i < bins; i++)
		*(i <= best_t ? &out->n_low : &out->n_high) += h[i];
	class_stats(h, 0, best_t + 1, lo, bw, &out->low_median, &out->low_mad);
	class_stats(h, best_t + 1, bins, lo, bw, &out->high_median, &out->high_mad);
	free(h);
	return out->n_low > 0 && out->n_high > 0;
}

static struct ana_box whole(const struct qc_image *img)
{
	return (struct ana_box){0, 0, img->width - 1, img->height - 1};
}

bool ana_otsu(const struct qc_image *img, struct ana_split *out)
{
	/* Every other pixel of every other line: the classes are large, the statistics robust. */
	struct ana_box all = whole(img);
	return ana_otsu_sampled(img, &all, 2, BINS, out);
}

double ana_noise_sampled(const struct qc_image *img, const struct ana_box *box, int row_step)
{
	size_t cap = (size_t)(box->x1 - box->x0 + 1) * (size_t)((box->y1 - box->y0) / row_step + 1);
	size_t n = 0;
	double *d = qc_xmalloc(cap * sizeof(*d));
	for (int y = box->y0; y <= box->y1; y += row_step)
		for (int x = box->x0; x < box->x1; x++)
			if (qc_valid(img, x, y) && qc_valid(img, x + 1, y))
				d[n++] = fabs((double)qc_px(img, x + 1, y) - qc_px(img, x, y));
	double sigma = n ? 1.4826 * ana_median(d, n) / M_SQRT2 : 0;
	free(d);
	return sigma;
}

double ana_noise_sigma(const struct qc_image *img)
{
	struct ana_box all = whole(img);
	return ana_noise_sampled(img, &all, 8);
}

double ana_polarity(const struct qc_image *img, const struct ana_box *box, double threshold)
{
	size_t high = 0, all = 0;
	for (int y = box->y0; y <= box->y1; y++) {
		bool full_row = y < box->y0 + 3 || y > box->y1 - 3;
		for (int x = box->x0; x <= box->x1; x++) {
			if (!full_row && x == box->x0 + 3)
				x = box->x1 - 2 > x ? box->x1 - 2 : x;
			if (!qc_valid(img, x, y))
				continue;
			all++;
			high += qc_px(img, x, y) > threshold;
		}
	}
	return high * 2 > all ? -1 : 1;
}

bool ana_fit_line(const double *x, const double *y, size_t n, double *a, double *b)
{
	if (n < 2)
		return false;
	double mx = 0, my = 0;
	for (size_t i = 0; i < n; i++) {
		mx += x[i];
		my += y[i];
	}
	mx /= (double)n;
	my /= (double)n;
	double sxx = 0, sxy = 0;
	for (size_t i = 0; i < n; i++) {
		sxx += (x[i] - mx) * (x[i] - mx);
		sxy += (x[i] - mx) * (y[i] - my);
	}
	if (sxx <= 0)
		return false;
	*b = sxy / sxx;
	*a = my - *b * mx;
	return true;
}

bool ana_fit_line_robust(double *x, double *y, size_t n, double *a, double *b, size_t *kept)
{
	if (!ana_fit_line(x, y, n, a, b))
		return false;
	double *res = qc_xmalloc(n * sizeof(*res));
	for (size_t i = 0; i < n; i++)
		res[i] = fabs(y[i] - (*a + *b * x[i]));
	double mad = ana_median(res, n);
	free(res);
	double limit = fmax(3.0 * 1.4826 * mad, 1e-6);
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (fabs(y[i] - (*a + *b * x[i])) <= limit) {
			x[k] = x[i];
			y[k] = y[i];
			k++;
		}
	*kept = k;
	return ana_fit_line(x, y, k, a, b);
}

/* Solves the 3x3 normal equations of a parabola fit; false when singular. */
static bool parabola_vertex(const double *g, int l, int r, int centre, double *off)
{
	double S[5] = {0}, T[3] = {0};
	for (int i = l; i <= r; i++) {
		double u = i - centre, u2 = u * u;
		S[0] += 1;
		S[1] += u;
		S[2] += u2;
		S[3] += u2 * u;
		S[4] += u2 * u2;
		T[0] += g[i];
		T[1] += g[i] * u;
		T[2] += g[i] * u2;
	}
	double m[3][4] = {
	    {S[0], S[1], S[2], T[0]}, {S[1], S[2], S[3], T[1]}, {S[2], S[3], S[4], T[2]}};
	for (int c = 0; c < 3; c++) {
		int piv = c;
		for (int k = c + 1; k < 3; k++)
			if (fabs(m[k][c]) > fabs(m[piv][c]))
				piv = k;
		if (fabs(m[piv][c]) < 1e-12)
			return false;
		for (int k = 0; k < 4; k++) {
			double t = m[c][k];
			m[c][k] = m[piv][k];
			m[piv][k] = t;
		}
		for (int k = 0; k < 3; k++) {
			if (k == c)
				continue;
			double f = m[k][c] / m[c][c];
			for (int j = c; j < 4; j++)
				m[k][j] -= f * m[c][j];
		}
	}
	double c1 = m[1][3] / m[1][1], c2 = m[2][3] / m[2][2];
	if (c2 >= 0)
		return false;
	*off = -c1 / (2 * c2);
	return fabs(*off) <= 0.5 * (r - l) + 1;
}

/* Derivative at i by a derivative-of-Gaussian kernel w[1..k], shortened near the ends of p;
 * norm[j] is the kernel's normalisation when shortened to j terms. */
static double gauss_slope(const double *p, int n, int i, const double *w, const double *norm, int k)
{
	k = k > i ? i : k;
	k = k > n - 1 - i ? n - 1 - i : k;
	double acc = 0;
	for (int j = 1; j <= k; j++)
		acc += w[j] * (p[i + j] - p[i - j]);
	return norm[k] > 0 ? acc / norm[k] : 0;
}

bool ana_inflection(const double *p, int n, int sign, double smooth_px, double *pos, double *peak)
{
	if (n < 9)
		return false;
	double *g = qc_xcalloc((size_t)n, sizeof(*g));
	/* The kernel of the last width, per thread: an edge's profiles all use the same one. */
	static _Thread_local double w[16], norm[16], kernel_px = -1;
	static _Thread_local int kernel_k;
	if (smooth_px != kernel_px) {
		kernel_k = (int)ceil(3 * smooth_px);
		kernel_k = kernel_k > 15 ? 15 : kernel_k;
		norm[0] = 0;
		for (int j = 1; j <= kernel_k; j++) {
			w[j] = j * exp(-0.5 * j * j / (smooth_px * smooth_px));
			norm[j] = norm[j - 1] + 2 * w[j] * j;
		}
		kernel_px = smooth_px;
	}
	int k = kernel_k;
	int lo = 1, hi = n - 2, best = lo;
	for (int i = lo; i <= hi; i++) {
		g[i] = sign * gauss_slope(p, n, i, w, norm, k);
		if (g[i] > g[best])
			best = i;
	}
	/* A genuine steepest point: inside the profile, the slope falling well below it on both
	 * sides (a profile cut by the read-out border keeps its end slope high). */
	double gmax = g[best], off = 0;
	bool ok =
	    gmax > 0 && best > lo + 1 && best < hi - 1 && g[lo] < 0.6 * gmax && g[hi] < 0.6 * gmax;
	if (ok) {
		int l = best, r = best;
		while (l > lo && g[l - 1] >= PEAK_FIT_LEVEL * gmax)
			l--;
		while (r < hi && g[r + 1] >= PEAK_FIT_LEVEL * gmax)
			r++;
		if (r - l < 2) {
			l = best - 1;
			r = best + 1;
		}
		ok = parabola_vertex(g, l, r, best, &off);
		*pos = best + off;
		*peak = gmax;
	}
	free(g);
	return ok;
}

/* Crossing of level going from index `from` in direction dir; NAN when not found. */
static double crossing(const double *p, int n, double from, int dir, double level, int sign)
{
	int i = (int)(dir > 0 ? ceil(from) : floor(from));
	double prev_x = from, prev_v = ana_interp(p, n, from);
	for (; i >= 0 && i < n; i += dir) {
		double v = p[i];
		if ((sign * (v - level) >= 0) != (sign * (prev_v - level) >= 0)) {
			double t = (level - prev_v) / (v - prev_v);
			return prev_x + t * (i - prev_x);
		}
		prev_x = i;
		prev_v = v;
	}
	return NAN;
}

bool ana_penumbra(const double *p, int n, int sign, double pos, double *width_px)
{
	if (n < 9)
		return false;
	/* Outer tail: the low side of the edge. */
	double tail = sign > 0 ? (p[0] + p[1] + p[2]) / 3 : (p[n - 1] + p[n - 2] + p[n - 3]) / 3;
	double infl = ana_interp(p, n, pos);
	double l20 = tail + 0.4 * (infl - tail), l80 = tail + 1.6 * (infl - tail);
	/* From the inflection, 20 % lies towards the tail, 80 % towards the field. */
	int to_tail = sign > 0 ? -1 : 1;
	double x20 = crossing(p, n, pos, to_tail, l20, sign);
	double x80 = crossing(p, n, pos, -to_tail, l80, sign);
	if (isnan(x20) || isnan(x80))
		return false;
	*width_px = fabs(x80 - x20);
	return true;
}
