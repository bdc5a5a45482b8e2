/* Shared by the MLC analyses: an MV image seen along the leaf travel and across the leaves. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ana_int.h"

enum qc_status ana_mv_prepare(const struct qc_image *img, int idx, const struct ana_context *ctx,
			      const char *what, struct ana_mv *mv)
{
	struct ana_split sp;
	struct ana_box box;
	enum qc_status st = ana_check_mv_input(img, idx, what, 32);
	memset(mv, 0, sizeof(*mv));
	if (st)
		return st;
	if (!ana_valid_bbox(img, &box.x0, &box.y0, &box.x1, &box.y1) ||
	    !ana_otsu_sampled(img, &box, ANA_MV_LATTICE, ANA_MV_BINS, &sp))
		return qc_fail(QC_ERR_ANALYSIS, _("image %d does not look like %s: it is blank"),
			       idx + 1, _(what));
	int x0 = box.x0, y0 = box.y0, x1 = box.x1, y1 = box.y1;
	double noise = ana_noise_sampled(img, &box, ANA_MV_NOISE_ROWS);
	if (sp.high_median - sp.low_median < 20 * noise)
		return qc_fail(QC_ERR_ANALYSIS,
			       _("image %d does not look like %s: no contrast between the "
				 "irradiated and the blocked areas"),
			       idx + 1, _(what));
	mv->img = img;
	mv->sign = ana_polarity(img, &box, sp.threshold);
	mv->bg = mv->sign > 0 ? sp.low_median : -sp.high_median;
	mv->open = mv->sign > 0 ? sp.high_median : -sp.low_median;
	mv->noise = noise;
	mv->machine = ana_machine_for(img, ctx);
	mv->swap = mv->machine && mv->machine->leaf_travel == 'x';
	double col, row;
	ana_iso_pixel(img, ctx, &col, &row, &mv->iso_src);
	double mmx = qc_image_mm_x(img), mmy = qc_image_mm_y(img);
	if (mv->swap) {
		mv->t0 = x0, mv->t1 = x1, mv->a0 = y0, mv->a1 = y1;
		mv->iso_t = col, mv->iso_a = row, mv->mm_t = mmx, mv->mm_a = mmy;
	} else {
		mv->t0 = y0, mv->t1 = y1, mv->a0 = x0, mv->a1 = x1;
		mv->iso_t = row, mv->iso_a = col, mv->mm_t = mmy, mv->mm_a = mmx;
	}
	return QC_OK;
}

bool ana_mv_valid(const struct ana_mv *mv, int a, int t)
{
	return mv->swap ? qc_valid(mv->img, t, a) : qc_valid(mv->img, a, t);
}

double ana_mv_dose(const struct ana_mv *mv, int a, int t)
{
	return mv->sign * (mv->swap ? qc_px(mv->img, t, a) : qc_px(mv->img, a, t));
}

void ana_mv_profile_t(const struct ana_mv *mv, int a0, int a1, int t0, int t1, double *out)
{
	const struct qc_image *img = mv->img;
	double k = mv->sign / (a1 - a0 + 1);
	for (int t = t0; t <= t1; t++) {
		double s = 0;
		if (mv->swap)
			for (int a = a0; a <= a1; a++)
				s += img->px[(size_t)a * (size_t)img->width + (size_t)t];
		else {
			const float *r = img->px + (size_t)t * (size_t)img->width;
			for (int a = a0; a <= a1; a++)
				s += r[a];
		}
		out[t - t0] = s * k;
	}
}

void ana_mv_profile_a(const struct ana_mv *mv, int t0, int t1, int a0, int a1, double *out)
{
	for (int a = a0; a <= a1; a++)
		out[a - a0] = 0;
	for (int t = t0; t <= t1; t++)
		for (int a = a0; a <= a1; a++)
			out[a - a0] += ana_mv_dose(mv, a, t);
	for (int a = a0; a <= a1; a++)
		out[a - a0] /= (t1 - t0 + 1);
}

double ana_mv_t_mm(const struct ana_mv *mv, double t_px)
{
	return (t_px - mv->iso_t) * mv->mm_t;
}

double ana_mv_a_mm(const struct ana_mv *mv, double a_px)
{
	return (a_px - mv->iso_a) * mv->mm_a;
}

double ana_mv_t_px(const struct ana_mv *mv, double t_mm)
{
	return mv->iso_t + t_mm / mv->mm_t;
}

double ana_mv_a_px(const struct ana_mv *mv, double a_mm)
{
	return mv->iso_a + a_mm / mv->mm_a;
}

struct qc_overlay *ana_mv_line(struct qc_result *res, const struct ana_mv *mv, int idx,
			       enum qc_ov_role role, double a0_mm, double t0_mm, double a1_mm,
			       double t1_mm)
{
	double a0 = ana_mv_a_px(mv, a0_mm), a1 = ana_mv_a_px(mv, a1_mm);
	double t0 = ana_mv_t_px(mv, t0_mm), t1 = ana_mv_t_px(mv, t1_mm);
	return mv->swap ? qc_result_overlay(res, QC_OV_LINE, role, idx, t0, a0, t1, a1)
			: qc_result_overlay(res, QC_OV_LINE, role, idx, a0, t0, a1, t1);
}

void ana_mv_iso_overlay(struct qc_result *res, const struct ana_mv *mv, int idx)
{
	double col = mv->swap ? mv->iso_t : mv->iso_a, row = mv->swap ? mv->iso_a : mv->iso_t;
	struct qc_overlay *o = qc_result_overlay(res, QC_OV_CROSS, QC_OVR_REF, idx, col, row, 0, 0);
	o->r = 6.0 / mv->mm_a;
}

enum qc_status ana_check_leaf_geometry(const struct qc_machine *m, int idx)
{
	if (m->leaf_pairs < 1 || m->leaf_pairs > QC_MAX_LEAF_PAIRS)
		return qc_fail(
		    QC_ERR_ANALYSIS,
		    _("image %d: machine '%s' has %d leaf pairs: the leaf geometry needs "
		      "1 to %d"),
		    idx + 1, m->id, m->leaf_pairs, QC_MAX_LEAF_PAIRS);
	if (m->leaf_boundary < 1 || m->leaf_boundary > m->leaf_pairs)
		return qc_fail(
		    QC_ERR_ANALYSIS,
		    _("image %d: machine '%s': leaf_boundary %d is not one of its leaf "
		      "pairs 1-%d (the pair whose far side passes through the isocentre)"),
		    idx + 1, m->id, m->leaf_boundary, m->leaf_pairs);
	for (int i = 0; i < m->leaf_pairs; i++)
		if (!(m->leaf_widths_mm[i] > 0) || !isfinite(m->leaf_widths_mm[i]))
			return qc_fail(QC_ERR_ANALYSIS,
				       _("image %d: machine '%s': leaf pair %d has width %g mm: "
					 "leaf widths must be positive"),
				       idx + 1, m->id, i + 1, m->leaf_widths_mm[i]);
	return QC_OK;
}

void ana_ranges(const int *v, size_t n, char *buf, size_t size)
{
	size_t len = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n && len < size;) {
		size_t j = i;
		while (j + 1 < n && v[j + 1] == v[j] + 1)
			j++;
		int w = j > i
			    ? snprintf(buf + len, size - len, "%s%d-%d", i ? ", " : "", v[i], v[j])
			    : snprintf(buf + len, size - len, "%s%d", i ? ", " : "", v[i]);
		if (w < 0)
			break;
		len += (size_t)w;
		i = j + 1;
	}
}

void ana_bands_pairs(struct ana_bands *bs, const struct ana_mv *mv, double frac, double shift_mm)
{
	const struct qc_machine *m = mv->machine;
	int n = m->leaf_pairs;
	if (!bs->b) {
		bs->b = qc_xcalloc((size_t)n, sizeof(*bs->b));
		bs->n = n;
	}
	for (int i = 0; i < n; i++) {
		int num = m->leaf_numbers_decrease ? n - i : i + 1;
		double lo, hi;
		ana_leaf_pair_span(m, num, &lo, &hi);
		bs->b[i].num = num;
		bs->b[i].lo = lo + shift_mm;
		bs->b[i].hi = hi + shift_mm;
	}
	ana_bands_place(bs, mv, frac);
}

void ana_bands_slices(struct ana_bands *bs, const struct ana_mv *mv, double width_mm, double frac)
{
	double lo = ana_mv_a_mm(mv, mv->a0), hi = ana_mv_a_mm(mv, mv->a1);
	int n = (int)floor((hi - lo) / width_mm);
	n = n < 1 ? 1 : n;
	bs->b = qc_xcalloc((size_t)n, sizeof(*bs->b));
	bs->n = n;
	double start = (lo + hi) / 2 - n * width_mm / 2;
	for (int i = 0; i < n; i++) {
		bs->b[i].num = i + 1;
		bs->b[i].lo = start + i * width_mm;
		bs->b[i].hi = bs->b[i].lo + width_mm;
	}
	ana_bands_place(bs, mv, frac);
}

void ana_bands_place(struct ana_bands *bs, const struct ana_mv *mv, double frac)
{
	int tm = (mv->t0 + mv->t1) / 2;
	bs->nt = mv->t1 - mv->t0 + 1;
	for (int i = 0; i < bs->n; i++) {
		struct ana_band *b = &bs->b[i];
		double c = ana_mv_a_px(mv, (b->lo + b->hi) / 2);
		double half = fmax(1.0, frac / 2 * (b->hi - b->lo) / mv->mm_a);
		b->b0 = (int)lround(c - half);
		b->b1 = (int)lround(c + half);
		b->sampled = b->b0 >= mv->a0 && b->b1 <= mv->a1 && ana_mv_valid(mv, b->b0, tm) &&
			     ana_mv_valid(mv, b->b1, tm);
	}
}

void ana_bands_sample(struct ana_bands *bs, const struct ana_mv *mv)
{
	for (int i = 0; i < bs->n; i++) {
		struct ana_band *b = &bs->b[i];
		if (!b->sampled)
			continue;
		if (!b->raw) {
			b->raw = qc_xcalloc((size_t)bs->nt, sizeof(double));
			b->prof = qc_xcalloc((size_t)bs->nt, sizeof(double));
		}
		ana_mv_profile_t(mv, b->b0, b->b1, mv->t0, mv->t1, b->raw);
		memcpy(b->prof, b->raw, (size_t)bs->nt * sizeof(double));
	}
}

#define UNMIX_REACH 3 /* neighbours on each side whose blur reaches a band */

/* Weight of band j's opening in the pixels of band i, for a Gaussian blur of sg pixels. */
static double blur_weight(const struct ana_mv *mv, const struct ana_band *bi,
			  const struct ana_band *bj, double sg)
{
	double lo = ana_mv_a_px(mv, bj->lo), hi = ana_mv_a_px(mv, bj->hi), acc = 0;
	for (int a = bi->b0; a <= bi->b1; a++)
		acc += 0.5 * (erf((hi - a) / (M_SQRT2 * sg)) - erf((lo - a) / (M_SQRT2 * sg)));
	return acc / (bi->b1 - bi->b0 + 1);
}

void ana_bands_unmix(struct ana_bands *bs, const struct ana_mv *mv, double bg, double sigma_mm)
{
	enum { K = 2 * UNMIX_REACH + 1 };
	double sg = sigma_mm / mv->mm_a;
	double *w = qc_xcalloc((size_t)bs->n * K, sizeof(double));
	for (int i = 0; i < bs->n; i++)
		for (int d = -UNMIX_REACH; d <= UNMIX_REACH && bs->b[i].sampled; d++)
			if (i + d >= 0 && i + d < bs->n)
				w[(size_t)i * K + (size_t)(d + UNMIX_REACH)] =
				    blur_weight(mv, &bs->b[i], &bs->b[i + d], sg);
	/* prof holds the unmixed dose above bg; a few Gauss-Seidel sweeps invert the weights,
	 * which are small off the diagonal. */
	for (int i = 0; i < bs->n; i++)
		if (bs->b[i].sampled)
			for (int t = 0; t < bs->nt; t++)
				bs->b[i].prof[t] = bs->b[i].raw[t] - bg;
	for (int sweep = 0; sweep < 3; sweep++)
		for (int i = 0; i < bs->n; i++) {
			struct ana_band *b = &bs->b[i];
			const double *wi = w + (size_t)i * K;
			if (!b->sampled)
				continue;
			for (int t = 0; t < bs->nt; t++) {
				double v = b->raw[t] - bg;
				for (int d = -UNMIX_REACH; d <= UNMIX_REACH; d++) {
					int j = i + d;
					if (d && j >= 0 && j < bs->n && bs->b[j].sampled)
						v -= wi[d + UNMIX_REACH] * bs->b[j].prof[t];
				}
				b->prof[t] = v / wi[UNMIX_REACH];
			}
		}
	for (int i = 0; i < bs->n; i++)
		if (bs->b[i].sampled)
			for (int t = 0; t < bs->nt; t++)
				bs->b[i].prof[t] += bg;
	free(w);
}

void ana_bands_release(struct ana_bands *bs)
{
	for (int i = 0; bs->b && i < bs->n; i++) {
		free(bs->b[i].raw);
		free(bs->b[i].prof);
	}
	free(bs->b);
	memset(bs, 0, sizeof(*bs));
}

double ana_edge_sigma(const double *p, int n, double pos, double slope, double smooth)
{
	double sg = 8;
	for (int it = 0; it < 4; it++) {
		double h =
		    fabs(ana_interp(p, n, pos + 2.5 * sg) - ana_interp(p, n, pos - 2.5 * sg));
		sg = h / (sqrt(2 * ANA_PI) * slope) / 0.9876;
	}
	/* The slope was read through the derivative-of-Gaussian smoothing: remove it. */
	return sqrt(fmax(sg * sg - smooth * smooth, 0.25 * sg * sg));
}

bool ana_mv_edge_a(const struct ana_mv *mv, double t_lo, double t_hi, double from, double to,
		   int sign, double smooth_mm, double *pos_mm, double *sigma_mm)
{
	int t0 = (int)lround(ana_mv_t_px(mv, t_lo)), t1 = (int)lround(ana_mv_t_px(mv, t_hi));
	int a0 = (int)floor(ana_mv_a_px(mv, from)), a1 = (int)ceil(ana_mv_a_px(mv, to));
	if (t1 < t0) {
		int k = t0;
		t0 = t1;
		t1 = k;
	}
	t0 = t0 < mv->t0 ? mv->t0 : t0;
	t1 = t1 > mv->t1 ? mv->t1 : t1;
	a0 = a0 < mv->a0 ? mv->a0 : a0;
	a1 = a1 > mv->a1 ? mv->a1 : a1;
	int n = a1 - a0 + 1;
	if (n < 12 || t1 < t0)
		return false;
	double *p = qc_xcalloc((size_t)n, sizeof(double)), pos, peak;
	ana_mv_profile_a(mv, t0, t1, a0, a1, p);
	double smooth = fmin(fmax(smooth_mm / mv->mm_a, 1.0), 4.0);
	/* A steepest point at the window's end is the read-out border, not an edge. */
	bool ok = ana_inflection(p, n, sign, smooth, &pos, &peak) && pos > 2 && pos < n - 3;
	if (ok) {
		*pos_mm = ana_mv_a_mm(mv, a0 + pos);
		if (sigma_mm)
			*sigma_mm = ana_edge_sigma(p, n, pos, peak, smooth) * mv->mm_a;
	}
	free(p);
	return ok;
}

bool ana_slope_peak(const double *p, int n, int lo, int hi, int sign, double smooth, double *pos,
		    double *peak)
{
	int k = (int)ceil(3 * smooth);
	k = k > 15 ? 15 : (k < 1 ? 1 : k);
	lo = lo < 1 ? 1 : lo;
	hi = hi > n - 2 ? n - 2 : hi;
	if (hi - lo < 4)
		return false;
	double w[16];
	for (int j = 1; j <= k; j++)
		w[j] = j * exp(-0.5 * j * j / (smooth * smooth));
	double *g = qc_xcalloc((size_t)(hi - lo + 1), sizeof(double));
	int best = 0;
	for (int i = lo; i <= hi; i++) {
		/* The kernel shortens near the ends of the profile, not of the window. */
		int kk = k < i ? k : i;
		kk = kk < n - 1 - i ? kk : n - 1 - i;
		double acc = 0, norm = 0;
		for (int j = 1; j <= kk; j++) {
			acc += w[j] * (p[i + j] - p[i - j]);
			norm += 2 * w[j] * j;
		}
		g[i - lo] = sign * acc / norm;
		if (g[i - lo] > g[best])
			best = i - lo;
	}
	/* A genuine steepest point: inside the window, the slope falling well below it on both
	 * sides; refined by a least-squares parabola over the samples above 90 % of it (a wider
	 * fit picks up the skew of the slope next to a narrow opening: 0.02 mm per edge on a 5 mm
	 * slit at 90 %, 0.08 mm at 70 %). */
	int last = hi - lo;
	bool ok = g[best] > 0 && best > 0 && best < last && g[0] < 0.6 * g[best] &&
		  g[last] < 0.6 * g[best];
	if (ok) {
		int l = best, r = best;
		while (l > 0 && g[l - 1] >= 0.9 * g[best])
			l--;
		while (r < last && g[r + 1] >= 0.9 * g[best])
			r++;
		if (r - l < 2) {
			l = best - 1;
			r = best + 1;
		}
		double S[5] = {0}, T[3] = {0};
		for (int i = l; i <= r; i++) {
			double u = i - best;
			S[0] += 1;
			S[1] += u;
			S[2] += u * u;
			S[3] += u * u * u;
			S[4] += u * u * u * u;
			T[0] += g[i];
			T[1] += g[i] * u;
			T[2] += g[i] * u * u;
		}
		/* Normal equations of g = c0 + c1 u + c2 u^2, by Cramer's rule. */
		double det = S[0] * (S[2] * S[4] - S[3] * S[3]) -
			     S[1] * (S[1] * S[4] - S[3] * S[2]) +
			     S[2] * (S[1] * S[3] - S[2] * S[2]);
		double c1 =
		    (S[0] * (T[1] * S[4] - S[3] * T[2]) - T[0] * (S[1] * S[4] - S[3] * S[2]) +
		     S[2] * (S[1] * T[2] - T[1] * S[2])) /
		    det;
		double c2 =
		    (S[0] * (S[2] * T[2] - T[1] * S[3]) - S[1] * (S[1] * T[2] - T[1] * S[2]) +
		     T[0] * (S[1] * S[3] - S[2] * S[2])) /
		    det;
		double off = c2 < 0 && det != 0 ? -c1 / (2 * c2) : 0;
		ok = fabs(off) <= 0.5 * (r - l) + 1;
		*pos = lo + best + off;
		*peak = g[best];
	}
	free(g);
	return ok;
}
