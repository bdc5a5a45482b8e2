/* MR phantom images: input checks, the phantom outline, connected regions and ROI statistics. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mr_int.h"

/* Fraction of the way from background to phantom signal where the phantom region starts: low
 * enough for strongly non-uniform flood images (surface coils), far above background noise. */
#define EDGE_LEVEL 0.3
/* Filled area over bounding-box area: a disc gives pi/4 (0.785), a rectangle close to 1. */
#define ROUND_FILL 0.88

size_t ana_mr_components(const unsigned char *m, int w, int h, int *label, struct mr_comp **comps)
{
	size_t npx = (size_t)w * (size_t)h, n = 0, cap = 0;
	struct mr_comp *c = NULL;
	int *stack = qc_xmalloc((npx ? npx : 1) * sizeof(*stack));
	memset(label, 0, npx * sizeof(*label));
	for (size_t i = 0; i < npx; i++) {
		if (!m[i] || label[i])
			continue;
		qc_grow(&c, &cap, n + 1, sizeof(*c));
		struct mr_comp *k = &c[n++];
		*k = (struct mr_comp){.x0 = w, .y0 = h, .x1 = -1, .y1 = -1};
		size_t top = 0;
		stack[top++] = (int)i;
		label[i] = (int)n;
		while (top) {
			int p = stack[--top], x = p % w, y = p / w;
			k->area++;
			k->sx += x;
			k->sy += y;
			k->x0 = x < k->x0 ? x : k->x0;
			k->x1 = x > k->x1 ? x : k->x1;
			k->y0 = y < k->y0 ? y : k->y0;
			k->y1 = y > k->y1 ? y : k->y1;
			int nb[4] = {x > 0 ? p - 1 : -1, x + 1 < w ? p + 1 : -1, y > 0 ? p - w : -1,
				     y + 1 < h ? p + w : -1};
			for (int j = 0; j < 4; j++)
				if (nb[j] >= 0 && m[nb[j]] && !label[nb[j]]) {
					label[nb[j]] = (int)n;
					stack[top++] = nb[j];
				}
		}
	}
	free(stack);
	*comps = c;
	return n;
}

enum qc_status ana_mr_check(const struct qc_image *img, int idx, const char *what)
{
	if (img->tags.modality[0] && strcmp(img->tags.modality, "MR"))
		return qc_fail(QC_ERR_ANALYSIS,
			       _("image %d does not look like %s: its modality is %s"), idx + 1,
			       _(what), img->tags.modality);
	if (!img->geo.has_spacing || img->geo.pixel_x_mm <= 0 || img->geo.pixel_y_mm <= 0)
		return qc_fail(
		    QC_ERR_ANALYSIS,
		    _("image %d has no pixel spacing (PixelSpacing): cannot measure in mm"),
		    idx + 1);
	if (img->width < 32 || img->height < 32)
		return qc_fail(QC_ERR_ANALYSIS, _("image %d is too small (%d x %d pixels)"),
			       idx + 1, img->width, img->height);
	return QC_OK;
}

bool ana_mr_parabola(const double *x, const double *y, size_t n, double xm, double c[3])
{
	double S[5] = {0}, T[3] = {0};
	for (size_t i = 0; i < n; i++) {
		double u = x[i] - xm, p = 1;
		for (int k = 0; k < 5; k++, p *= u) {
			S[k] += p;
			if (k < 3)
				T[k] += p * y[i];
		}
	}
	double m[3][4] = {
	    {S[0], S[1], S[2], T[0]}, {S[1], S[2], S[3], T[1]}, {S[2], S[3], S[4], T[2]}};
	for (int col = 0; col < 3; col++) {
		int piv = col;
		for (int r = col + 1; r < 3; r++)
			if (fabs(m[r][col]) > fabs(m[piv][col]))
				piv = r;
		if (fabs(m[piv][col]) < 1e-12 * (1 + fabs(S[4])))
			return false;
		for (int k = 0; k < 4; k++) {
			double t = m[col][k];
			m[col][k] = m[piv][k];
			m[piv][k] = t;
		}
		for (int r = 0; r < 3; r++)
			if (r != col) {
				double f = m[r][col] / m[col][col];
				for (int k = col; k < 4; k++)
					m[r][k] -= f * m[col][k];
			}
	}
	for (int k = 0; k < 3; k++)
		c[k] = m[k][3] / m[k][k];
	return true;
}

/*
 * A circle through the row widths: w(y)^2 = 4 (r^2 - (y - cy)^2) is a parabola in y, and rows
 * cut by an air bubble keep their width, so the fit stays on the circle. Rows whose width
 * disagrees (the bubble's chord, a flattened bottom) are dropped after a first fit.
 */
static bool fit_round(const int *lo, const int *hi, int y0, int y1, double *cy, double *r)
{
	size_t cap = (size_t)(y1 - y0 + 1), n = 0;
	double *ys = qc_xmalloc(cap * sizeof(double)), *w2 = qc_xmalloc(cap * sizeof(double));
	double *res = qc_xmalloc(cap * sizeof(double));
	for (int y = y0; y <= y1; y++)
		if (hi[y] >= lo[y]) {
			ys[n] = y;
			w2[n] = (double)(hi[y] - lo[y] + 1) * (hi[y] - lo[y] + 1);
			n++;
		}
	double ym = 0.5 * (y0 + y1), c[3];
	bool ok = n >= 5 && ana_mr_parabola(ys, w2, n, ym, c);
	for (int pass = 0; ok && pass < 2; pass++) {
		for (size_t i = 0; i < n; i++) {
			double u = ys[i] - ym;
			res[i] = fabs(w2[i] - (c[0] + c[1] * u + c[2] * u * u));
		}
		/* ana_median reorders: take it on a copy, res keeps the row order. */
		double *tmp = qc_xmalloc(n * sizeof(double));
		memcpy(tmp, res, n * sizeof(double));
		double limit = fmax(3 * 1.4826 * ana_median(tmp, n), 1e-6);
		free(tmp);
		size_t k = 0;
		for (size_t i = 0; i < n; i++)
			if (res[i] <= limit) {
				ys[k] = ys[i];
				w2[k] = w2[i];
				k++;
			}
		n = k;
		ok = n >= 5 && ana_mr_parabola(ys, w2, n, ym, c);
	}
	if (ok && c[2] < 0) {
		double v = -c[1] / (2 * c[2]);
		double top = c[0] + c[1] * v + c[2] * v * v;
		*cy = ym + v;
		*r = top > 0 ? 0.5 * sqrt(top) : 0;
		ok = top > 0 && *cy >= y0 && *cy <= y1;
	} else
		ok = false;
	free(ys);
	free(w2);
	free(res);
	return ok;
}

static void outline(const struct qc_image *img, struct mr_phantom *ph)
{
	int w = img->width, h = img->height;
	int *lo = qc_xmalloc((size_t)h * sizeof(int)), *hi = qc_xmalloc((size_t)h * sizeof(int));
	double *mid = qc_xmalloc((size_t)h * sizeof(double));
	size_t filled = 0, n_mid = 0;
	int wmax = 0;
	for (int y = 0; y < h; y++) {
		const unsigned char *row = ph->mask + (size_t)y * (size_t)w;
		lo[y] = w;
		hi[y] = -1;
		for (int x = ph->x0; x <= ph->x1; x++)
			if (row[x]) {
				lo[y] = x < lo[y] ? x : lo[y];
				hi[y] = x;
			}
		if (hi[y] >= lo[y]) {
			filled += (size_t)(hi[y] - lo[y] + 1);
			wmax = hi[y] - lo[y] + 1 > wmax ? hi[y] - lo[y] + 1 : wmax;
		}
	}
	for (int y = ph->y0; y <= ph->y1; y++)
		if (hi[y] >= lo[y] && 4 * (hi[y] - lo[y] + 1) >= wmax)
			mid[n_mid++] = 0.5 * (lo[y] + hi[y]);
	double box = (double)(ph->x1 - ph->x0 + 1) * (ph->y1 - ph->y0 + 1);
	ph->cx = 0.5 * (ph->x0 + ph->x1);
	ph->cy = 0.5 * (ph->y0 + ph->y1);
	ph->rx = 0.5 * (ph->x1 - ph->x0 + 1);
	ph->ry = 0.5 * (ph->y1 - ph->y0 + 1);
	double cy, r;
	if ((double)filled < ROUND_FILL * box && fit_round(lo, hi, ph->y0, ph->y1, &cy, &r)) {
		ph->round = true;
		ph->cx = ana_median(mid, n_mid);
		ph->cy = cy;
		ph->rx = ph->ry = r;
	}
	free(lo);
	free(hi);
	free(mid);
}

enum qc_status ana_mr_phantom(const struct qc_image *img, int idx, const char *what,
			      struct mr_phantom *ph)
{
	memset(ph, 0, sizeof(*ph));
	struct ana_split sp;
	if (!ana_otsu(img, &sp))
		return qc_fail(QC_ERR_ANALYSIS, _("image %d does not look like %s: it is blank"),
			       idx + 1, _(what));
	ph->noise = ana_noise_sigma(img);
	ph->bg = sp.low_median;
	ph->level = sp.high_median;
	if (ph->level - ph->bg < 10 * ph->noise)
		return qc_fail(QC_ERR_ANALYSIS,
			       _("image %d does not look like %s: no phantom signal stands out of "
				 "the noise"),
			       idx + 1, _(what));
	ph->threshold = ph->bg + EDGE_LEVEL * (ph->level - ph->bg);
	size_t npx = (size_t)img->width * (size_t)img->height;
	unsigned char *m = qc_xmalloc(npx);
	for (size_t i = 0; i < npx; i++)
		m[i] = img->px[i] > ph->threshold && (!img->valid || img->valid[i]);
	int *label = qc_xmalloc(npx * sizeof(int));
	struct mr_comp *c;
	size_t n = ana_mr_components(m, img->width, img->height, label, &c), best = 0;
	for (size_t i = 1; i < n; i++)
		if (c[i].area > c[best].area)
			best = i;
	if (!n || c[best].area < npx / 400) {
		free(m);
		free(label);
		free(c);
		return qc_fail(QC_ERR_ANALYSIS,
			       _("image %d does not look like %s: no phantom found above the "
				 "background"),
			       idx + 1, _(what));
	}
	for (size_t i = 0; i < npx; i++)
		m[i] = label[i] == (int)best + 1;
	ph->mask = m;
	ph->area = c[best].area;
	ph->x0 = c[best].x0;
	ph->y0 = c[best].y0;
	ph->x1 = c[best].x1;
	ph->y1 = c[best].y1;
	free(label);
	free(c);
	if (ph->area > npx * 97 / 100) {
		ana_mr_phantom_release(ph);
		return qc_fail(
		    QC_ERR_ANALYSIS,
		    _("image %d does not look like %s: the signal fills the whole image"), idx + 1,
		    _(what));
	}
	outline(img, ph);
	return QC_OK;
}

void ana_mr_phantom_release(struct mr_phantom *ph)
{
	free(ph->mask);
	ph->mask = NULL;
}

double ana_mr_clear_radius(const struct qc_image *img, const struct mr_phantom *ph, double limit)
{
	double best = limit;
	int x0 = (int)floor(ph->cx - limit), x1 = (int)ceil(ph->cx + limit);
	int y0 = (int)floor(ph->cy - limit), y1 = (int)ceil(ph->cy + limit);
	x0 = x0 < 0 ? 0 : x0;
	y0 = y0 < 0 ? 0 : y0;
	x1 = x1 >= img->width ? img->width - 1 : x1;
	y1 = y1 >= img->height ? img->height - 1 : y1;
	for (int y = y0; y <= y1; y++)
		for (int x = x0; x <= x1; x++) {
			if (ph->mask[(size_t)y * (size_t)img->width + (size_t)x])
				continue;
			double d = hypot(x - ph->cx, y - ph->cy);
			best = d < best ? d : best;
		}
	return best;
}

bool ana_mr_rect_stats(const float *px, int w, int h, int x0, int y0, int x1, int y1,
		       struct mr_stats *s)
{
	x0 = x0 < 0 ? 0 : x0;
	y0 = y0 < 0 ? 0 : y0;
	x1 = x1 >= w ? w - 1 : x1;
	y1 = y1 >= h ? h - 1 : y1;
	double sum = 0, sum2 = 0;
	size_t n = 0;
	for (int y = y0; y <= y1; y++)
		for (int x = x0; x <= x1; x++) {
			double v = px[(size_t)y * (size_t)w + (size_t)x];
			sum += v;
			n++;
		}
	s->n = n;
	if (n < 2)
		return false;
	s->mean = sum / (double)n;
	/* Second pass about the mean: exact for large offsets (stored values near 2048...). */
	for (int y = y0; y <= y1; y++)
		for (int x = x0; x <= x1; x++) {
			double d = px[(size_t)y * (size_t)w + (size_t)x] - s->mean;
			sum2 += d * d;
		}
	s->sd = sqrt(sum2 / (double)(n - 1));
	return true;
}

void ana_mr_box_mean(const float *in, int w, int h, int k, float *out)
{
	size_t W = (size_t)w + 1;
	double *I = qc_xcalloc(W * (size_t)(h + 1), sizeof(double));
	for (int y = 0; y < h; y++) {
		double run = 0;
		for (int x = 0; x < w; x++) {
			run += in[(size_t)y * (size_t)w + (size_t)x];
			I[(size_t)(y + 1) * W + (size_t)x + 1] =
			    I[(size_t)y * W + (size_t)x + 1] + run;
		}
	}
	int r = k / 2;
	double inv = 1.0 / ((double)k * k);
	for (int y = 0; y < h; y++) {
		int ya = y - r < 0 ? 0 : y - r, yb = y + r + 1 > h ? h : y + r + 1;
		for (int x = 0; x < w; x++) {
			int xa = x - r < 0 ? 0 : x - r, xb = x + r + 1 > w ? w : x + r + 1;
			double s = I[(size_t)yb * W + (size_t)xb] - I[(size_t)ya * W + (size_t)xb] -
				   I[(size_t)yb * W + (size_t)xa] + I[(size_t)ya * W + (size_t)xa];
			out[(size_t)y * (size_t)w + (size_t)x] = (float)(s * inv);
		}
	}
	free(I);
}

int ana_mr_px(const struct qc_image *img, double magnet_px)
{
	double mm = 0.5 * (img->geo.pixel_x_mm + img->geo.pixel_y_mm);
	int n = (int)lround(magnet_px * MR_MAGNET_PX_MM / mm);
	return n < 1 ? 1 : n;
}

void ana_mr_outline(struct qc_result *res, int idx, const struct mr_phantom *ph,
		    const char *measure)
{
	struct qc_overlay *o;
	if (ph->round) {
		o = qc_result_overlay(res, QC_OV_CIRCLE, QC_OVR_EDGE, idx, ph->cx, ph->cy, 0, 0);
		o->r = ph->rx;
	} else
		o = qc_result_overlay(res, QC_OV_RECT, QC_OVR_EDGE, idx, ph->cx - ph->rx,
				      ph->cy - ph->ry, ph->cx + ph->rx, ph->cy + ph->ry);
	if (measure)
		qc_strlcpy(o->measure, measure, sizeof(o->measure));
	o = qc_result_overlay(res, QC_OV_CROSS, QC_OVR_CENTRE, idx, ph->cx, ph->cy, 0, 0);
	o->r = 0.05 * (ph->rx + ph->ry);
}

struct qc_overlay *ana_mr_rect(struct qc_result *res, enum qc_ov_role role, int idx, int x0, int y0,
			       int x1, int y1, const char *measure)
{
	struct qc_overlay *o =
	    qc_result_overlay(res, QC_OV_RECT, role, idx, x0 - 0.5, y0 - 0.5, x1 + 0.5, y1 + 0.5);
	if (measure)
		qc_strlcpy(o->measure, measure, sizeof(o->measure));
	return o;
}
