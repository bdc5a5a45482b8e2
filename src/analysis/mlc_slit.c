/* mlc_slit: narrow MLC openings across the leaf pairs (MVIC "Fente"): centre, width, spacing. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ana_int.h"

#define WHAT	       N_("an MLC slit image")
#define MAX_SLITS      16
#define BAND_FRAC      0.6  /* central part of each leaf pair sampled */
#define SLICE_MM       5.0  /* slices across the leaves when the machine has no MLC geometry */
#define FIELD_LEVEL    0.5  /* a band is in the field when its peak reaches half the open dose */
#define SLIT_LEVEL     0.3  /* slits are the runs of the mean profile above this fraction */
#define MAX_WIDTH_MM   40.0 /* wider openings are fields or strips, not slits */
#define EDGE_WINDOW_MM 8.0
#define SMOOTH_MM      0.2 /* gradient smoothing of the narrowest slits (see edge_in) */
#define END_SMOOTH_MM  0.5
#define END_OUTSIDE_MM 10.0
#define SIGMA_DEFAULT  1.7 /* mm: leaf-side blur of the Unity imager, when no end is seen */
#define REPORT_TOL_MM  0.5 /* leaves further than this from their slit edge are named */

struct slit {
	int r0, r1;   /* run of the mean profile (indices along t) */
	int lo, hi;   /* edge search windows: rising in [lo, mid], falling in [mid, hi] */
	double w_est; /* width on the mean profile (least smoothing), mm */
	bool ok[2];
	double c[2], k[2]; /* edge lines t = c + k a (mm), edge 0 at smaller t */
	double centre, width;
	double leaf_err;
	int n_bad, *bad; /* pairs further than REPORT_TOL_MM from their slit's line */
	int role;	 /* nominal slit, -1 when none */
	char why[120];
};

struct slits {
	struct ana_mv mv;
	struct ana_bands bands;
	bool pairs;			/* the bands are leaf pairs (else slices) */
	int idx, first, last, from, to; /* in-field bands; those measured */
	double bg, scale, sigma_mm, a_ref;
	double *mean;
	struct slit s[MAX_SLITS];
	int n;
};

/* Open dose (the median peak of the clearly irradiated bands) and the in-field bands. */
static void levels(struct slits *z)
{
	double *pk = qc_xcalloc((size_t)z->bands.n, sizeof(double)), top = -INFINITY;
	double *peak = qc_xcalloc((size_t)z->bands.n, sizeof(double));
	int n = 0;
	z->bg = z->mv.bg;
	for (int i = 0; i < z->bands.n; i++) {
		const struct ana_band *b = &z->bands.b[i];
		peak[i] = -INFINITY;
		for (int t = 0; b->sampled && t < z->bands.nt; t++)
			peak[i] = fmax(peak[i], b->raw[t]);
		top = fmax(top, peak[i]);
	}
	for (int i = 0; i < z->bands.n; i++)
		if (z->bands.b[i].sampled && peak[i] >= z->bg + 0.5 * (top - z->bg))
			pk[n++] = peak[i];
	z->scale = (n ? ana_median(pk, (size_t)n) : z->mv.open) - z->bg;
	z->first = z->last = -1;
	for (int i = 0; i < z->bands.n; i++)
		if (z->bands.b[i].sampled && peak[i] >= z->bg + FIELD_LEVEL * z->scale) {
			z->first = z->first < 0 ? i : z->first;
			z->last = i;
		}
	free(pk);
	free(peak);
}

/* Mean profile of the in-field bands, away from the ends of the slits. */
static void mean_profile(struct slits *z)
{
	int from = z->first + 1, to = z->last - 1, n = 0;
	if (to < from) {
		from = z->first;
		to = z->last;
	}
	z->mean = qc_xcalloc((size_t)z->bands.nt, sizeof(double));
	for (int i = from; i <= to; i++) {
		if (!z->bands.b[i].sampled)
			continue;
		for (int t = 0; t < z->bands.nt; t++)
			z->mean[t] += z->bands.b[i].prof[t];
		n++;
	}
	for (int t = 0; t < z->bands.nt; t++)
		z->mean[t] /= n ? n : 1;
}

static enum qc_status find_slits(struct slits *z)
{
	int nt = z->bands.nt, min_len = (int)ceil(1.0 / z->mv.mm_t);
	double lim = z->bg + SLIT_LEVEL * z->scale;
	z->n = 0;
	for (int t = 0; t < nt;) {
		if (z->mean[t] <= lim) {
			t++;
			continue;
		}
		int e = t;
		while (e + 1 < nt && z->mean[e + 1] > lim)
			e++;
		if (e - t + 1 >= min_len) {
			if (z->n == MAX_SLITS)
				return qc_fail(QC_ERR_ANALYSIS,
					       _("image %d does not look like %s: more than %d "
						 "openings"),
					       z->idx + 1, _(WHAT), MAX_SLITS);
			double w = (e - t + 1) * z->mv.mm_t;
			if (w > MAX_WIDTH_MM)
				return qc_fail(
				    QC_ERR_ANALYSIS,
				    _("image %d does not look like %s: an opening %.0f mm "
				      "wide along the leaf travel (slits are narrower than "
				      "%.0f mm: an open field?)"),
				    z->idx + 1, _(WHAT), w, MAX_WIDTH_MM);
			z->s[z->n].r0 = t;
			z->s[z->n].r1 = e;
			z->n++;
		}
		t = e + 1;
	}
	if (!z->n)
		return qc_fail(QC_ERR_ANALYSIS, _("image %d does not look like %s: no slit found"),
			       z->idx + 1, _(WHAT));
	int w = (int)lround(EDGE_WINDOW_MM / z->mv.mm_t);
	for (int k = 0; k < z->n; k++) {
		struct slit *s = &z->s[k];
		s->lo = s->r0 - w;
		s->hi = s->r1 + w;
		if (k > 0)
			s->lo = s->lo > (z->s[k - 1].r1 + s->r0) / 2 ? s->lo
								     : (z->s[k - 1].r1 + s->r0) / 2;
		if (k + 1 < z->n)
			s->hi = s->hi < (s->r1 + z->s[k + 1].r0) / 2 ? s->hi
								     : (s->r1 + z->s[k + 1].r0) / 2;
		s->lo = s->lo < 0 ? 0 : s->lo;
		s->hi = s->hi > nt - 1 ? nt - 1 : s->hi;
	}
	return QC_OK;
}

/* The ends of the widest slit across the leaves give the leaf-side blur for unmixing. */
static void leaf_blur(struct slits *z)
{
	const struct slit *w = &z->s[0];
	for (int k = 1; k < z->n; k++)
		if (z->s[k].r1 - z->s[k].r0 > w->r1 - w->r0)
			w = &z->s[k];
	double tc = ana_mv_t_mm(&z->mv, z->mv.t0 + (w->r0 + w->r1) / 2.0);
	double r = fmin(2.0, (w->r1 - w->r0) * z->mv.mm_t / 4), sum = 0, pos, sg;
	int n = 0;
	const struct ana_band *lo = &z->bands.b[z->first], *hi = &z->bands.b[z->last];
	if (ana_mv_edge_a(&z->mv, tc - r, tc + r, lo->lo - END_OUTSIDE_MM, lo->hi, 1, END_SMOOTH_MM,
			  &pos, &sg)) {
		sum += sg;
		n++;
	}
	if (ana_mv_edge_a(&z->mv, tc - r, tc + r, hi->lo, hi->hi + END_OUTSIDE_MM, -1,
			  END_SMOOTH_MM, &pos, &sg)) {
		sum += sg;
		n++;
	}
	z->sigma_mm = n ? fmin(fmax(sum / n, 0.5), 5.0) : SIGMA_DEFAULT;
}

/*
 * Edge of a slit between indices lo and hi of profile p. The gradient smoothing that tames the
 * noise also pushes apart the inflection points of a narrow slit (by 0.1 mm per edge on a
 * 5 mm slit for 0.9 mm of smoothing): it grows with the slit, from 1 pixel below 6 mm.
 */
static bool edge_in(const struct slits *z, const struct slit *s, const double *p, int lo, int hi,
		    int sign, double *mm)
{
	double pos, peak, sm_mm = fmin(fmax(SMOOTH_MM + 0.2 * (s->w_est - 6), SMOOTH_MM), 1.0);
	double smooth = fmin(fmax(sm_mm / z->mv.mm_t, 1.0), 4.0);
	if (!ana_slope_peak(p, z->bands.nt, lo, hi, sign, smooth, &pos, &peak))
		return false;
	*mm = ana_mv_t_mm(&z->mv, z->mv.t0 + pos);
	return true;
}

/* The edges of one slit on every in-field band and the lines through them. */
static void measure_slit(struct slits *z, struct slit *s)
{
	int nb = z->last - z->first + 1, mid = (s->r0 + s->r1) / 2, n[2] = {0, 0};
	double *x[2], *y[2];
	for (int e = 0; e < 2; e++) {
		x[e] = qc_xcalloc((size_t)nb, sizeof(double));
		y[e] = qc_xcalloc((size_t)nb, sizeof(double));
	}
	for (int i = z->from; i <= z->to; i++) {
		const struct ana_band *b = &z->bands.b[i];
		for (int e = 0; e < 2 && b->sampled; e++) {
			double mm;
			bool ok = e ? edge_in(z, s, b->prof, mid, s->hi, -1, &mm)
				    : edge_in(z, s, b->prof, s->lo, mid, 1, &mm);
			if (ok) {
				x[e][n[e]] = (b->lo + b->hi) / 2;
				y[e][n[e]++] = mm;
			}
		}
	}
	size_t kept;
	for (int e = 0; e < 2; e++)
		s->ok[e] =
		    n[e] >= 3 &&
		    ana_fit_line_robust(x[e], y[e], (size_t)n[e], &s->c[e], &s->k[e], &kept) &&
		    kept >= 3;
	double ta, tb, xm = 0, km = (s->k[0] + s->k[1]) / 2;
	int nx = 0;
	for (int i = z->from; i <= z->to; i++)
		if (z->bands.b[i].sampled) {
			xm += (z->bands.b[i].lo + z->bands.b[i].hi) / 2;
			nx++;
		}
	xm /= nx ? nx : 1;
	/* Centre and width from the mean profile of the bands (their noise averaged before the
	 * inflection is read), carried from the bands' mean position to the reference one by the
	 * edge lines. */
	if (s->ok[0] && s->ok[1] && edge_in(z, s, z->mean, s->lo, mid, 1, &ta) &&
	    edge_in(z, s, z->mean, mid, s->hi, -1, &tb)) {
		s->centre = (ta + tb) / 2 + km * (z->a_ref - xm);
		s->width = (tb - ta) * cos(atan(km));
	} else {
		s->ok[0] = s->ok[1] = false;
		snprintf(s->why, sizeof(s->why), "%s",
			 _("slit edge not measurable: fewer than 3 leaf pairs show it"));
	}
	for (int e = 0; e < 2; e++) {
		free(x[e]);
		free(y[e]);
	}
}

/* Centroid (mm) and area (dose x mm) of a band's profile over the slit's window, above the
 * straight line joining the window's ends. */
static void moments(const struct slits *z, const double *p, const struct slit *s, double *c,
		    double *area)
{
	int lo = s->lo, hi = s->hi;
	if (hi - lo < 8) {
		*c = NAN;
		return;
	}
	double p0 = (p[lo] + p[lo + 1] + p[lo + 2]) / 3, p1 = (p[hi] + p[hi - 1] + p[hi - 2]) / 3;
	double sum = 0, first = 0;
	for (int t = lo; t <= hi; t++) {
		double base = p0 + (p1 - p0) * (t - lo) / (hi - lo), v = p[t] - base;
		sum += v;
		first += v * ana_mv_t_mm(&z->mv, z->mv.t0 + t);
	}
	*c = sum > 0 ? first / sum : NAN;
	*area = sum * z->mv.mm_t;
}

/*
 * Leaves out of line. Whatever the blur, a band's centroid is the mean of its two leaf ends
 * (plus a constant) and its area grows one for one with their separation: moving one leaf by
 * d moves the centroid by d / 2 and the separation by d, where an inflection reading moves less
 * on a narrow slit. Centroids are compared with their line across the leaves, areas with their
 * smooth trend (the FFF dose falls with the distance from the beam axis); a leaf's error is
 * what both say of it.
 */
static void check_leaves(struct slits *z, struct slit *s)
{
	int nb = z->to - z->from + 1, n = 0;
	double *v = qc_xcalloc(8 * (size_t)nb, sizeof(double));
	double *x = v, *x2 = v + nb, *c = v + 2 * nb, *ar = v + 3 * nb;
	double *cx = v + 4 * nb, *cy = v + 5 * nb, *ax = v + 6 * nb, *ay = v + 7 * nb;
	int *num = qc_xcalloc((size_t)nb, sizeof(int));
	s->bad = qc_xcalloc((size_t)nb, sizeof(int));
	for (int i = z->from; i <= z->to && s->ok[0]; i++) {
		const struct ana_band *b = &z->bands.b[i];
		if (!b->sampled)
			continue;
		moments(z, b->prof, s, &c[n], &ar[n]);
		if (!isfinite(c[n]) || ar[n] <= 0)
			continue;
		x[n] = (b->lo + b->hi) / 2;
		x2[n] = x[n] * x[n];
		num[n++] = b->num;
	}
	double ca, cb, aa, ab;
	size_t kept;
	memcpy(cx, x, (size_t)n * sizeof(double));
	memcpy(cy, c, (size_t)n * sizeof(double));
	memcpy(ax, x2, (size_t)n * sizeof(double));
	memcpy(ay, ar, (size_t)n * sizeof(double));
	if (n >= 4 && ana_fit_line_robust(cx, cy, (size_t)n, &ca, &cb, &kept) &&
	    ana_fit_line_robust(ax, ay, (size_t)n, &aa, &ab, &kept)) {
		for (int j = 0; j < n; j++) {
			double dc = c[j] - (ca + cb * x[j]);
			double dw = s->width * (ar[j] / (aa + ab * x2[j]) - 1);
			double e = fmax(fabs(dc - dw / 2), fabs(dc + dw / 2));
			s->leaf_err = fmax(s->leaf_err, e);
			if (e > REPORT_TOL_MM)
				s->bad[s->n_bad++] = num[j];
		}
	}
	free(v);
	free(num);
}

/* The plan's slit width and centre along the leaf travel: a nominal field is given in image
 * axes (width x, height y, centre x, centre y), so leaves travelling along x read 0 and 2. */
static int travel_axis(const struct slits *z)
{
	return z->mv.swap ? 0 : 1;
}

/* Each measured slit takes the nearest planned slit (centre within half its width + 3 mm),
 * nearest pairs first, each plan used once. */
static int match_roles(struct slits *z, const struct ana_context *ctx)
{
	bool used[MAX_SLITS] = {false};
	size_t nf = ctx ? ctx->n_nominal_fields : 0;
	int ax = travel_axis(z);
	for (int k = 0; k < z->n; k++)
		z->s[k].role = -1;
	for (;;) {
		double best = INFINITY;
		int bk = -1, bf = -1;
		for (int k = 0; k < z->n; k++)
			for (size_t f = 0; f < nf && f < MAX_SLITS; f++) {
				const double *nom = ctx->nominal_fields[f];
				double d = fabs(z->s[k].centre - nom[ax + 2]);
				if (z->s[k].role >= 0 || used[f] || !z->s[k].ok[0] ||
				    !z->s[k].ok[1] || d > nom[ax] / 2 + 3 || d >= best)
					continue;
				best = d;
				bk = k;
				bf = (int)f;
			}
		if (bk < 0)
			break;
		z->s[bk].role = bf;
		used[bf] = true;
	}
	int n = 0;
	for (size_t f = 0; f < nf && f < MAX_SLITS; f++)
		n += used[f];
	return n;
}

static struct qc_measure *add(struct qc_result *res, const struct slits *z, const char *name,
			      bool ok, double v, const char *why)
{
	return ok ? qc_result_add(res, name, "mm", z->idx, v)
		  : qc_result_add_null(res, name, "mm", z->idx, why);
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

static void report(struct qc_result *res, const struct slits *z, const struct ana_context *ctx,
		   int matched)
{
	const double(*nom)[4] = ctx ? ctx->nominal_fields : NULL;
	size_t nf = ctx ? ctx->n_nominal_fields : 0;
	int ax = travel_axis(z);
	double err_w = 0, err_c = 0, err_s = 0, leaf = 0;
	bool any_w = false, any_s = false;
	int bad[256], n_bad = 0;
	struct qc_measure *m = qc_result_add(res, "slits", "", z->idx, z->n);
	if (nf) {
		m->has_nominal = true;
		m->nominal = (double)nf;
		snprintf(m->note, sizeof(m->note),
			 ngettext("%d of the %zu planned slit found",
				  "%d of the %zu planned slits found", nf),
			 matched, nf);
	}
	for (int k = 0; k < z->n; k++) {
		const struct slit *s = &z->s[k];
		bool ok = s->ok[0] && s->ok[1];
		const double *f = s->role >= 0 ? nom[s->role] : NULL;
		char name[48];
		snprintf(name, sizeof(name), "slit_%d.centre_mm", k + 1);
		m = add(res, z, name, ok, s->centre, s->why);
		if (ok && f) {
			m->has_nominal = true;
			m->nominal = f[ax + 2];
			err_c = fmax(err_c, fabs(s->centre - f[ax + 2]));
		}
		snprintf(name, sizeof(name), "slit_%d.width_mm", k + 1);
		m = add(res, z, name, ok, s->width, s->why);
		if (ok && f) {
			m->has_nominal = true;
			m->nominal = f[ax];
			err_w = fmax(err_w, fabs(s->width - f[ax]));
			any_w = true;
		}
		if (k + 1 < z->n) {
			const struct slit *t = &z->s[k + 1];
			bool ok2 = ok && t->ok[0] && t->ok[1];
			snprintf(name, sizeof(name), "slit_%d.spacing_mm", k + 1);
			m = add(res, z, name, ok2, t->centre - s->centre, ok ? t->why : s->why);
			qc_strlcpy(m->note, _("centre to centre, to the next slit"),
				   sizeof(m->note));
			if (ok2 && f && t->role >= 0) {
				m->has_nominal = true;
				m->nominal = nom[t->role][ax + 2] - f[ax + 2];
				err_s = fmax(err_s, fabs(m->value - m->nominal));
				any_s = true;
			}
		}
		snprintf(name, sizeof(name), "slit_%d.leaf_error_mm", k + 1);
		m = add(res, z, name, ok, s->leaf_err, s->why);
		if (ok)
			qc_strlcpy(m->note,
				   _("largest distance of a leaf from the slit's edge line"),
				   sizeof(m->note));
		leaf = fmax(leaf, ok ? s->leaf_err : 0);
		for (int j = 0; j < s->n_bad && n_bad < 256; j++)
			bad[n_bad++] = s->bad[j];
	}
	/* Errors against the plan only when the test has one (else nothing to judge, and a
	 * null would leave every session not done). */
	if (nf) {
		add(res, z, "max_width_error_mm", any_w, err_w, _("no slit matches a planned one"));
		add(res, z, "max_centre_error_mm", any_w, err_c,
		    _("no slit matches a planned one"));
		add(res, z, "max_spacing_error_mm", any_s, err_s,
		    _("fewer than two slits match planned ones"));
	}
	m = qc_result_add(res, "max_leaf_error_mm", "mm", z->idx, leaf);
	if (n_bad) {
		char list[120], text[200];
		qsort(bad, (size_t)n_bad, sizeof(int), cmp_int);
		ana_ranges(bad, (size_t)n_bad, list, sizeof(list));
		snprintf(text, sizeof(text),
			 z->pairs ? _("leaves out of line by more than 0.5 mm: pairs %s")
				  : _("leaves out of line by more than 0.5 mm: slices %s"),
			 list);
		qc_strlcpy(m->note, text, sizeof(m->note));
	} else
		qc_strlcpy(m->note, _("largest distance of a leaf from its slit's edge line"),
			   sizeof(m->note));
	char label[160];
	snprintf(label, sizeof(label), ngettext("%d slit", "%d slits", z->n), z->n);
	qc_strlcpy(res->label[z->idx], label, sizeof(res->label[z->idx]));
}

static void overlays(struct qc_result *res, const struct slits *z)
{
	double a0 = z->bands.b[z->first].lo, a1 = z->bands.b[z->last].hi;
	for (int k = 0; k < z->n; k++) {
		const struct slit *s = &z->s[k];
		char name[48];
		snprintf(name, sizeof(name), "slit_%d.width_mm", k + 1);
		for (int e = 0; e < 2; e++) {
			if (!s->ok[e])
				continue;
			struct qc_overlay *o =
			    ana_mv_line(res, &z->mv, z->idx, QC_OVR_EDGE, a0,
					s->c[e] + s->k[e] * a0, a1, s->c[e] + s->k[e] * a1);
			qc_strlcpy(o->measure, name, sizeof(o->measure));
		}
	}
	ana_mv_iso_overlay(res, &z->mv, z->idx);
}

static void release(struct slits *z)
{
	ana_bands_release(&z->bands);
	free(z->mean);
	for (int k = 0; k < z->n; k++)
		free(z->s[k].bad);
}

static enum qc_status measure(struct slits *z)
{
	const struct qc_machine *m = z->mv.machine;
	z->pairs = m && m->leaf_pairs > 0;
	if (z->pairs) {
		enum qc_status st = ana_check_leaf_geometry(m, z->idx);
		if (st)
			return st;
	}
	if (z->pairs)
		ana_bands_pairs(&z->bands, &z->mv, BAND_FRAC, 0);
	else
		ana_bands_slices(&z->bands, &z->mv, SLICE_MM, BAND_FRAC);
	ana_bands_sample(&z->bands, &z->mv);
	levels(z);
	if (z->first < 0 || z->last - z->first < 2)
		return qc_fail(QC_ERR_ANALYSIS,
			       _("image %d does not look like %s: no opening across several "
				 "leaf pairs"),
			       z->idx + 1, _(WHAT));
	mean_profile(z);
	enum qc_status st = find_slits(z);
	if (st)
		return st;
	if (z->pairs) {
		/* Leaves out of line in a slit are diluted by their neighbours' blur. */
		leaf_blur(z);
		ana_bands_unmix(&z->bands, &z->mv, z->bg, z->sigma_mm);
	}
	free(z->mean);
	mean_profile(z);
	double lo = z->bands.b[z->first].lo, hi = z->bands.b[z->last].hi;
	z->a_ref = lo < 0 && hi > 0 ? 0 : (lo + hi) / 2;
	/* The bands at the ends of the slits see the jaw or the last leaf side: left out. */
	z->from = z->last - z->first > 4 ? z->first + 1 : z->first;
	z->to = z->last - z->first > 4 ? z->last - 1 : z->last;
	for (int k = 0; k < z->n; k++) {
		struct slit *s = &z->s[k];
		double ta, tb;
		int mid = (s->r0 + s->r1) / 2;
		s->w_est = 0;
		if (edge_in(z, s, z->mean, s->lo, mid, 1, &ta) &&
		    edge_in(z, s, z->mean, mid, s->hi, -1, &tb))
			s->w_est = tb - ta;
		measure_slit(z, s);
		check_leaves(z, s);
	}
	return QC_OK;
}

static enum qc_status run_image(const struct qc_image *img, int idx, const struct ana_context *ctx,
				struct qc_result *res)
{
	struct slits z = {.idx = idx};
	enum qc_status st = ana_mv_prepare(img, idx, ctx, WHAT, &z.mv);
	if (st)
		return st;
	res->inverted[idx] = z.mv.sign < 0;
	st = measure(&z);
	if (!st) {
		report(res, &z, ctx, match_roles(&z, ctx));
		overlays(res, &z);
	}
	release(&z);
	return st;
}

static enum qc_status run(const struct qc_image *const *imgs, size_t n,
			  const struct ana_context *ctx, struct qc_result *res)
{
	return ana_each_image(imgs, n, ctx, res, run_image);
}

const struct qc_analysis ana_mlc_slit = {
    .id = "mlc_slit",
    .version = "1.0",
    .summary = "MLC slits: centre, width and spacing of each slit, leaves out of line",
    .min_images = 1,
    .max_images = 12,
    .run = run,
};
