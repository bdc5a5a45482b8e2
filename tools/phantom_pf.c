/* Synthetic MLC picket fence images with per-leaf errors of known truth. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phantom_pf.h"
#include "qc/dicom.h"

/* The stored-value model of phantom.c: a Unity reads about 64,800 without dose and 25,800 in an
 * open field (inverted); a generic EPID stores dose-like values. */
#define LEAK_SIGMA_MM 0.35 /* width of the interleaf leakage line */
#define TG_SIGMA_MM   0.8  /* width of the tongue-and-groove underdose */

void pf_defaults(struct pf_spec *s, enum ph_style style, const struct qc_machine *mlc)
{
	memset(s, 0, sizeof(*s));
	ph_defaults(&s->img, style);
	s->mlc = mlc;
	s->gap_mm = 1.0;
	s->tip_sigma_mm = 1.2;
	s->side_sigma_mm = 1.0;
	s->transmission = 0.015;
	s->leakage = 0.01;
	s->tg_dip = 0.15;
	s->img.noise_pct = 0.1;
	s->img.study_id = "PICKET_FENCE";
	s->img.series_description = "generated picket fence";
	if (style == PH_UNITY) {
		/* The read-out window spans about -47 to +47 mm around the isocentre row. */
		s->n_pickets = 8;
		for (int k = 0; k < s->n_pickets; k++)
			s->picket_mm[k] = -35 + 10 * k;
		s->first_pair = 26;
		s->last_pair = 55;
		s->jaw_lo_mm = -45;
		s->jaw_hi_mm = 45;
	} else {
		s->n_pickets = 10;
		for (int k = 0; k < s->n_pickets; k++)
			s->picket_mm[k] = -67.5 + 15 * k;
		s->first_pair = 1;
		s->last_pair = mlc ? mlc->leaf_pairs : 0;
		s->jaw_lo_mm = -80;
		s->jaw_hi_mm = 80;
	}
}

static double hat(double u, double a, double b, double sigma)
{
	return 0.5 * (erf((u - a) / (M_SQRT2 * sigma)) - erf((u - b) / (M_SQRT2 * sigma)));
}

/* Pair spans ordered along v. */
struct span {
	double lo, hi;
	int pair;
};

static int cmp_span(const void *a, const void *b)
{
	const struct span *x = a, *y = b;
	return (x->lo > y->lo) - (x->lo < y->lo);
}

static int spans_of(const struct qc_machine *m, struct span *sp)
{
	int n = 0;
	for (int p = 1; m && p <= m->leaf_pairs; p++)
		if (ana_leaf_pair_span(m, p, &sp[n].lo, &sp[n].hi))
			sp[n++].pair = p;
	qsort(sp, (size_t)n, sizeof(*sp), cmp_span);
	return n;
}

/* Index of the span holding v (the nearest one outside the bank). */
static int span_at(const struct span *sp, int n, double v)
{
	int lo = 0, hi = n - 1;
	while (lo < hi) {
		int mid = (lo + hi + 1) / 2;
		if (sp[mid].lo <= v)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

/* Dose along the travel of one pair, from its gaps at every picket and the transmission. */
static double pair_profile(const struct pf_spec *s, int pair, double u, double tg)
{
	double d = s->n_pickets * s->transmission;
	if (pair < s->first_pair || pair > s->last_pair)
		return d;
	double reach = 6 * s->tip_sigma_mm + s->gap_mm + 5;
	for (int k = 0; k < s->n_pickets; k++) {
		double c = s->picket_mm[k];
		if (fabs(u - c) > reach)
			continue;
		double a = c - s->gap_mm / 2 + s->err_lo[k][pair];
		double b = c + s->gap_mm / 2 + s->err_hi[k][pair];
		d += (1 - s->transmission) * hat(u, a, b, s->tip_sigma_mm) * (1 - tg);
	}
	return d;
}

/* Dose at (u, v) in the MLC frame, relative to an open field. */
static double dose(const struct pf_spec *s, const struct span *sp, int n, double u, double v,
		   double band_lo, double band_hi)
{
	double jaws = hat(u, s->jaw_lo_mm, s->jaw_hi_mm, s->side_sigma_mm) *
		      hat(v, band_lo, band_hi, s->side_sigma_mm);
	if (jaws < 1e-9 || !n)
		return 0;
	int i = span_at(sp, n, v);
	double reach = 4 * s->side_sigma_mm;
	int from = i, to = i;
	while (from > 0 && v - sp[from].lo < reach)
		from--;
	while (to < n - 1 && sp[to].hi - v < reach)
		to++;
	/* Boundaries near v: interleaf leakage, and the tongue-and-groove underdose in a gap. */
	double leak = 0, tg = 0;
	for (int j = from; j <= to; j++) {
		double db = v - sp[j].hi;
		if (j < n - 1 && fabs(db) < 6 * TG_SIGMA_MM) {
			leak += exp(-0.5 * db * db / (LEAK_SIGMA_MM * LEAK_SIGMA_MM));
			tg += exp(-0.5 * db * db / (TG_SIGMA_MM * TG_SIGMA_MM));
		}
	}
	double m = 0;
	for (int j = from; j <= to; j++) {
		double w = from == to ? 1 : hat(v, sp[j].lo, sp[j].hi, s->side_sigma_mm);
		m += w * pair_profile(s, sp[j].pair, u, s->tg_dip * tg);
	}
	return jaws * (m + s->n_pickets * s->leakage * leak);
}

unsigned short *pf_render(const struct pf_spec *s)
{
	const struct ph_spec *g = &s->img;
	struct span sp[QC_MAX_LEAF_PAIRS];
	int n = spans_of(s->mlc, sp);
	double band_lo = INFINITY, band_hi = -INFINITY;
	for (int i = 0; i < n; i++)
		if (sp[i].pair >= s->first_pair && sp[i].pair <= s->last_pair) {
			band_lo = fmin(band_lo, sp[i].lo);
			band_hi = fmax(band_hi, sp[i].hi);
		}
	double px = ph_pixel_iso(g);
	double th = s->rotation_deg * PH_PI / 180, c = cos(th), sn = sin(th);
	bool along_y = !s->mlc || s->mlc->leaf_travel != 'x';
	double sigma_noise = ph_noise_sd(g);
	unsigned long long st = ph_noise_state(g, 3);
	unsigned short *raw = qc_xmalloc((size_t)g->cols * (size_t)g->rows * sizeof(*raw));

	for (int y = 0; y < g->rows; y++) {
		unsigned short *row = raw + (size_t)y * (size_t)g->cols;
		if (ph_unread_row(g, y, row))
			continue;
		double Y = (y - g->iso_row) * px;
		for (int x = 0; x < g->cols; x++) {
			double X = (x - g->iso_col) * px;
			double xr = X * c - Y * sn, yr = X * sn + Y * c;
			double u = along_y ? yr : xr, v = along_y ? xr : yr;
			double r = hypot(X, Y) / g->horn_mm;
			double d = dose(s, sp, n, u, v, band_lo, band_hi) / sqrt(1 + r * r);
			row[x] = ph_stored(g, d, sigma_noise > 0 ? sigma_noise * ph_gauss(&st) : 0);
		}
	}
	return raw;
}

double pf_truth_error(const struct pf_spec *s, int k, int pair)
{
	return 0.5 * (s->err_lo[k][pair] + s->err_hi[k][pair]);
}

void pf_truth_json(const struct pf_spec *s, const char *file, struct qc_buf *b)
{
	qc_buf_add(b, "{\"file\": ");
	qc_json_str(b, file);
	qc_buf_addf(b, ", \"style\": \"%s\", \"pickets\": %d, \"picket_mm\": [",
		    s->img.style == PH_UNITY ? "unity" : "generic", s->n_pickets);
	for (int k = 0; k < s->n_pickets; k++)
		qc_buf_addf(b, "%s%.3f", k ? ", " : "", s->picket_mm[k]);
	qc_buf_add(b, "],\n   \"errors\": {");
	bool first = true;
	for (int k = 0; k < s->n_pickets; k++)
		for (int p = s->first_pair; p <= s->last_pair; p++) {
			double e = pf_truth_error(s, k, p);
			if (e == 0)
				continue;
			qc_buf_addf(b, "%s\"picket_%d.pair_%02d.error_mm\": %.4f",
				    first ? "" : ", ", k + 1, p, e);
			first = false;
		}
	qc_buf_addf(b, "}, \"noise_pct\": %.3f, \"seed\": %u}", s->img.noise_pct, s->img.seed);
}

void pf_machine(struct qc_machine *m, enum ph_style style)
{
	memset(m, 0, sizeof(*m));
	bool unity = style == PH_UNITY;
	snprintf(m->id, sizeof(m->id), "%s", unity ? "unity" : "generic");
	snprintf(m->match_model, sizeof(m->match_model), "%s",
		 unity ? "ELEKTA UNITY MVIC" : "GENERIC EPID");
	if (unity) {
		m->has_iso = true;
		m->iso_col = 511.03;
		m->iso_row = 652.75;
		m->leaf_pairs = 80;
		m->leaf_boundary = 40;
		for (int i = 0; i < 80; i++)
			m->leaf_widths_mm[i] = 7.15;
	} else {
		m->leaf_pairs = 60;
		m->leaf_boundary = 30;
		for (int i = 0; i < 60; i++)
			m->leaf_widths_mm[i] = i < 10 || i >= 50 ? 10 : 5;
	}
	m->leaf_width_mm = m->leaf_widths_mm[0];
	m->leaf_travel = 'y';
}

/* A few errors on every picket, on pairs well inside the image (both styles show pairs 27-54
 * of the Unity and 12-49 of the Millennium). */
static void inject_errors(struct pf_spec *s)
{
	static const double both[] = {0.3, -0.4, 0.6, -0.8, 1.0, -1.5, 2.0, -2.0, 0.4, -0.6};
	bool unity = s->img.style == PH_UNITY;
	int lo = unity ? 28 : 12, span = unity ? 26 : 38;
	for (int k = 0; k < s->n_pickets; k++) {
		int p1 = lo + (7 * k + 3) % span, p2 = lo + (11 * k + 17) % span;
		s->err_lo[k][p1] = s->err_hi[k][p1] = both[k % 10];
		if (p2 != p1) /* one leaf: the gap widens by 1.6 mm or narrows to 0.4 mm */
			s->err_hi[k][p2] = k % 2 ? 1.6 : -0.6;
	}
}

enum qc_status pf_write_set(const char *dir, const struct ph_spec *base)
{
	static struct pf_spec s;
	struct qc_machine m;
	pf_machine(&m, base->style);
	pf_defaults(&s, base->style, &m);
	s.img.noise_pct = base->noise_pct;
	s.img.seed = base->seed;
	s.img.mono1 = base->mono1;
	s.mlc = &m;
	inject_errors(&s);
	unsigned short *raw = pf_render(&s);
	char path[1024];
	snprintf(path, sizeof(path), "%s/picket_fence.dcm", dir);
	enum qc_status st = ph_write(path, &s.img, raw);
	free(raw);
	if (st)
		return st;
	struct qc_buf b = {0};
	ph_truth_begin(&b, "picket_fence");
	qc_buf_add(&b, "\n  ");
	pf_truth_json(&s, "picket_fence.dcm", &b);
	return ph_truth_end(&b, dir);
}
