/* leaf_gap: leaf tip positions, gaps and closed pairs of strips of facing leaf pairs (AQUA). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ana_int.h"

#define WHAT		 N_("a leaf-position strip image")
#define BAND_FRAC	 0.6  /* a pair is sampled over the central 60 % of its width */
#define OPEN_LEVEL	 0.5  /* a pair is open when its own profile reaches half the open dose */
#define EDGE_WINDOW_MM	 8.0  /* half window around a tip for the inflection search */
#define SMOOTH_MM	 1.0  /* gradient smoothing (capped at 4 pixels): noise vs neighbours */
#define END_OUTSIDE_MM	 10.0 /* the strip-end profile reaches this far outside */
#define STEP_MM		 2.0  /* tips further apart than this show the boundary between pairs */
#define GRID_SHIFT_MM	 0.5  /* a grid offset beyond this moves the sampling bands */
#define BOUNDARY_MM	 0.5  /* a strip end this close to a pair boundary is a leaf side */
#define SIGMA_DEFAULT	 1.7  /* mm: leaf-side blur of the Unity imager, when no end is seen */
#define ROLE_MATCH_MM	 4.0  /* half the 10 mm step between planned strips, with a margin */
#define REPORT_TOL_MM	 1.0  /* pairs further than this from the reference are named in notes */
#define NARROW_MM	 12.0 /* below this gap the tips are read again with less smoothing */
#define NARROW_WINDOW_MM 6.0  /* the second reading looks this far beyond the tips */

enum pstate { P_OUT, P_OPEN, P_CLOSED, P_MULTI };

/* What is measured on one leaf pair; its geometry and profiles are bands.b[i]. */
struct pair {
	enum pstate st;
	double peak; /* of the unmixed profile, relative to the open dose (raw in levels()) */
	bool has_a, has_b;
	double ta, tb; /* tips, mm from the isocentre along the travel; a < b */
	char why[96];
	bool expected; /* the plan opens it */
};

struct strip {
	struct ana_mv mv;
	struct ana_bands bands;
	struct pair *p; /* one per band */
	int idx, np;
	double bg, scale; /* dose behind the leaves; open minus behind */
	double sigma_mm;  /* leaf-side blur */
	bool sigma_measured;
	int first, last; /* bands of the first and last open pair, -1 when none */
	bool has_end[2];
	double end_mm[2];
	bool has_grid;
	double grid_mm;
	char grid_why[120];
	const double *nom; /* the planned strip (w, h, x, y), NULL when none */
	double ref_a, ref_b, ref_gap;
};

static const struct ana_band *band(const struct strip *s, int i)
{
	return &s->bands.b[i];
}

static double centre_of(const struct strip *s, int i)
{
	return (band(s, i)->lo + band(s, i)->hi) / 2;
}

/* Open dose: the median peak of the clearly irradiated pairs (robust to an Otsu split that a
 * large blocked area or glare moves). */
static void levels(struct strip *s)
{
	double *pk = qc_xcalloc((size_t)s->np, sizeof(double)), top = -INFINITY;
	int n = 0;
	s->bg = s->mv.bg;
	for (int i = 0; i < s->np; i++) {
		const struct ana_band *b = band(s, i);
		s->p[i].peak = -INFINITY;
		for (int t = 0; b->sampled && t < s->bands.nt; t++)
			s->p[i].peak = fmax(s->p[i].peak, b->raw[t]);
		top = fmax(top, s->p[i].peak);
	}
	for (int i = 0; i < s->np; i++)
		if (band(s, i)->sampled && s->p[i].peak >= s->bg + 0.5 * (top - s->bg))
			pk[n++] = s->p[i].peak;
	s->scale = (n ? ana_median(pk, (size_t)n) : s->mv.open) - s->bg;
	free(pk);
}

/* Runs of a profile above OPEN_LEVEL longer than 1 mm; the longest in *r0..*r1. */
static int runs(const struct strip *s, const double *p, int *r0, int *r1)
{
	int n = 0, best = 0, min_len = (int)ceil(1.0 / s->mv.mm_t), nt = s->bands.nt;
	double lim = s->bg + OPEN_LEVEL * s->scale;
	for (int t = 0; t < nt;) {
		if (p[t] <= lim) {
			t++;
			continue;
		}
		int e = t;
		while (e + 1 < nt && p[e + 1] > lim)
			e++;
		if (e - t + 1 >= min_len) {
			n++;
			if (e - t + 1 > best) {
				best = e - t + 1;
				*r0 = t;
				*r1 = e;
			}
		}
		t = e + 1;
	}
	return n;
}

/* Inflection inside p[lo..hi] (indices along t), as mm; false when not found. */
static bool edge_in(const struct strip *s, const double *p, int lo, int hi, int sign, double *mm)
{
	lo = lo < 0 ? 0 : lo;
	hi = hi > s->bands.nt - 1 ? s->bands.nt - 1 : hi;
	double pos, peak, smooth = fmin(fmax(SMOOTH_MM / s->mv.mm_t, 1.0), 4.0);
	if (hi - lo < 8 || !ana_inflection(p + lo, hi - lo + 1, sign, smooth, &pos, &peak))
		return false;
	/* A steepest point at the window's end is the read-out border, not a tip. */
	if (pos < 2 || pos > hi - lo - 2)
		return false;
	*mm = ana_mv_t_mm(&s->mv, s->mv.t0 + lo + pos);
	return true;
}

/*
 * On a narrow opening the gradient smoothing that tames the noise also pushes the two
 * inflection points apart (0.1 mm per tip on a 5 mm gap for 0.9 mm of smoothing): the tips of
 * narrow gaps are read again with a smoothing that shrinks with the gap, down to one pixel.
 */
static void narrow_tips(const struct strip *s, const double *p, struct pair *q)
{
	double w = q->tb - q->ta, pos, peak;
	double sm = fmin(fmax(0.2 + 0.2 * (w - 6), 0.2), SMOOTH_MM) / s->mv.mm_t;
	int lo = (int)floor(ana_mv_t_px(&s->mv, q->ta - NARROW_WINDOW_MM)) - s->mv.t0;
	int mid = (int)lround(ana_mv_t_px(&s->mv, (q->ta + q->tb) / 2)) - s->mv.t0;
	int hi = (int)ceil(ana_mv_t_px(&s->mv, q->tb + NARROW_WINDOW_MM)) - s->mv.t0;
	lo = lo < 0 ? 0 : lo;
	hi = hi > s->bands.nt - 1 ? s->bands.nt - 1 : hi;
	sm = fmin(fmax(sm, 1.0), 4.0);
	if (ana_slope_peak(p, s->bands.nt, lo, mid, 1, sm, &pos, &peak))
		q->ta = ana_mv_t_mm(&s->mv, s->mv.t0 + pos);
	if (ana_slope_peak(p, s->bands.nt, mid, hi, -1, sm, &pos, &peak))
		q->tb = ana_mv_t_mm(&s->mv, s->mv.t0 + pos);
}

static void measure_tips(struct strip *s, int i)
{
	struct pair *q = &s->p[i];
	const double *p = band(s, i)->prof;
	int r0 = 0, r1 = 0;
	q->has_a = q->has_b = false;
	q->why[0] = '\0';
	double m = -INFINITY;
	for (int t = 0; t < s->bands.nt; t++)
		m = fmax(m, p[t]);
	q->peak = (m - s->bg) / s->scale;
	int n = runs(s, p, &r0, &r1);
	if (!n) {
		q->st = P_CLOSED;
		snprintf(q->why, sizeof(q->why),
			 _("closed pair: no opening between the tips (peak dose %.0f %% of the "
			   "open strip)"),
			 100 * fmax(q->peak, 0));
		return;
	}
	q->st = n > 1 ? P_MULTI : P_OPEN;
	int w = (int)lround(EDGE_WINDOW_MM / s->mv.mm_t), half = (r1 - r0) / 2;
	int in = half < w ? half : w;
	q->has_a = edge_in(s, p, r0 - w, r0 + in, 1, &q->ta);
	q->has_b = edge_in(s, p, r1 - in, r1 + w, -1, &q->tb);
	if (!q->has_a || !q->has_b)
		snprintf(q->why, sizeof(q->why), "%s",
			 _("tip not measurable: it lies at or beyond the read-out border"));
	if (n > 1)
		snprintf(q->why, sizeof(q->why),
			 _("%d separate openings along the leaf travel: the largest is measured"),
			 n);
}

static void classify(struct strip *s)
{
	s->first = s->last = -1;
	for (int i = 0; i < s->np; i++) {
		s->p[i].st = P_OUT;
		if (!band(s, i)->sampled)
			continue;
		measure_tips(s, i);
		if (s->p[i].st != P_CLOSED) {
			s->first = s->first < 0 ? i : s->first;
			s->last = i;
		}
	}
	for (int i = 0; i < s->np; i++) {
		struct pair *q = &s->p[i];
		if (q->st == P_OPEN && q->has_a && q->has_b && q->tb - q->ta < NARROW_MM)
			narrow_tips(s, band(s, i)->prof, q);
	}
}

/* The strip ends across the leaves, at the gap of the end pairs; their penumbra gives the
 * leaf-side blur used to unmix the pairs. */
static void measure_ends(struct strip *s)
{
	double sum = 0;
	int n = 0;
	for (int side = 0; side < 2; side++) {
		int i = side ? s->last : s->first;
		const struct pair *q = &s->p[i];
		const struct ana_band *b = band(s, i);
		double sg;
		s->has_end[side] = false;
		if (!q->has_a || !q->has_b)
			continue;
		double tc = (q->ta + q->tb) / 2, r = fmin(2.0, (q->tb - q->ta) / 4);
		double from = side ? b->lo : b->lo - END_OUTSIDE_MM;
		double to = side ? b->hi + END_OUTSIDE_MM : b->hi;
		s->has_end[side] = ana_mv_edge_a(&s->mv, tc - r, tc + r, from, to, side ? -1 : 1,
						 SMOOTH_MM / 2, &s->end_mm[side], &sg);
		if (s->has_end[side]) {
			sum += sg;
			n++;
		}
	}
	s->sigma_measured = n > 0;
	s->sigma_mm = n ? fmin(fmax(sum / n, 0.5), 5.0) : SIGMA_DEFAULT;
}

/* Position of the boundary between image-adjacent pairs i and i + 1, seen at travel tc. */
static bool boundary_at(const struct strip *s, int i, double tc, double r, int sign, double *mm)
{
	return ana_mv_edge_a(&s->mv, tc - r, tc + r, centre_of(s, i), centre_of(s, i + 1), sign,
			     SMOOTH_MM / 2, mm, NULL);
}

/* Offsets of the boundaries seen between pairs whose tips differ, or beside closed pairs
 * inside the strip. */
static int boundary_offsets(const struct strip *s, double *off, int cap)
{
	int n = 0;
	for (int i = s->first; i >= 0 && i < s->last && n + 2 <= cap; i++) {
		const struct pair *q = &s->p[i], *r = &s->p[i + 1];
		double at, bound = band(s, i)->hi;
		bool qo = q->st == P_OPEN && q->has_a && q->has_b;
		bool ro = r->st == P_OPEN && r->has_a && r->has_b;
		if (qo && ro) {
			/* At mid-step the pair with the lower tip a (or the higher tip b) is open.
			 */
			double da = r->ta - q->ta, db = r->tb - q->tb;
			if (fabs(da) >= STEP_MM && boundary_at(s, i, (q->ta + r->ta) / 2,
							       fabs(da) / 4, da > 0 ? -1 : 1, &at))
				off[n++] = at - bound;
			if (fabs(db) >= STEP_MM && boundary_at(s, i, (q->tb + r->tb) / 2,
							       fabs(db) / 4, db > 0 ? 1 : -1, &at))
				off[n++] = at - bound;
		} else if (qo && r->st == P_CLOSED) {
			if (boundary_at(s, i, (q->ta + q->tb) / 2, (q->tb - q->ta) / 4, -1, &at))
				off[n++] = at - bound;
		} else if (q->st == P_CLOSED && ro) {
			if (boundary_at(s, i, (r->ta + r->tb) / 2, (r->tb - r->ta) / 4, 1, &at))
				off[n++] = at - bound;
		}
	}
	return n;
}

/* Signed distance from a strip end to the nearest pair boundary; *at_i: the band above it. */
static double end_offset(const struct strip *s, double at, int *at_i)
{
	double best = INFINITY;
	*at_i = 0;
	for (int i = 0; i < s->np; i++) {
		double d = at - band(s, i)->lo;
		if (fabs(d) < fabs(best)) {
			best = d;
			*at_i = i;
		}
	}
	return best;
}

/*
 * Checks the leaf grid of the catalogue against the image: boundaries between pairs show
 * where tips differ (steps, displaced leaves) and beside closed pairs; without them, two strip
 * ends at the same distance from a boundary. The offset found moves the sampling bands, so
 * that a closed pair comes out as one pair, not two half-closed ones.
 */
static void check_grid(struct strip *s)
{
	double off[128];
	int n = boundary_offsets(s, off, 128), k;
	s->has_grid = false;
	if (n) {
		s->has_grid = true;
		s->grid_mm = ana_median(off, (size_t)n);
		snprintf(s->grid_why, sizeof(s->grid_why),
			 ngettext("median of %d boundary between leaf pairs seen in the image",
				  "median of %d boundaries between leaf pairs seen in the image",
				  n),
			 n);
		return;
	}
	if (s->has_end[0] && s->has_end[1]) {
		double e0 = end_offset(s, s->end_mm[0], &k), e1 = end_offset(s, s->end_mm[1], &k);
		if (fabs(e0 - e1) <= GRID_SHIFT_MM) {
			s->has_grid = true;
			s->grid_mm = (e0 + e1) / 2;
			snprintf(s->grid_why, sizeof(s->grid_why), "%s",
				 _("from the two strip ends (both at a pair boundary)"));
			return;
		}
	}
	snprintf(s->grid_why, sizeof(s->grid_why), "%s",
		 _("no boundary between pairs visible (tips in line, strip ends not both at a "
		   "boundary): the catalogue grid is used"));
}

/* Median of the measured tips of open pairs: what = 0 tip a, 1 tip b, 2 gap. */
static bool median_of(const struct strip *s, int what, double *out)
{
	double *v = qc_xcalloc((size_t)s->np, sizeof(double));
	int n = 0;
	for (int i = 0; i < s->np; i++) {
		const struct pair *q = &s->p[i];
		if (q->st != P_OPEN)
			continue;
		if (what == 0 && q->has_a)
			v[n++] = q->ta;
		else if (what == 1 && q->has_b)
			v[n++] = q->tb;
		else if (what == 2 && q->has_a && q->has_b)
			v[n++] = q->tb - q->ta;
	}
	if (n)
		*out = ana_median(v, (size_t)n);
	free(v);
	return n > 0;
}

static enum qc_status find_strip(struct strip *s)
{
	classify(s);
	if (s->first < 0)
		return qc_fail(QC_ERR_ANALYSIS,
			       _("image %d does not look like %s: no open leaf pair found"),
			       s->idx + 1, _(WHAT));
	int open = 0, multi = 0;
	for (int i = s->first; i <= s->last; i++) {
		open += s->p[i].st != P_CLOSED;
		multi += s->p[i].st == P_MULTI;
	}
	if (open < 3)
		return qc_fail(QC_ERR_ANALYSIS,
			       ngettext("image %d does not look like %s: only %d open leaf pair",
					"image %d does not look like %s: only %d open leaf pairs",
					open),
			       s->idx + 1, _(WHAT), open);
	if (multi * 2 > open)
		return qc_fail(QC_ERR_ANALYSIS,
			       _("image %d does not look like %s: most pairs have several "
				 "openings along the leaf travel (a slit image?)"),
			       s->idx + 1, _(WHAT));
	double gap, across = band(s, s->last)->hi - band(s, s->first)->lo;
	if (median_of(s, 2, &gap) && gap > 0.5 * across)
		return qc_fail(QC_ERR_ANALYSIS,
			       _("image %d does not look like %s: its opening is %.1f mm "
				 "along the leaf travel for %.1f mm across the leaves (an open "
				 "field?)"),
			       s->idx + 1, _(WHAT), gap, across);
	return QC_OK;
}

static enum qc_status measure(struct strip *s)
{
	enum qc_status st;
	ana_bands_pairs(&s->bands, &s->mv, BAND_FRAC, 0);
	s->np = s->bands.n;
	s->p = qc_xcalloc((size_t)s->np, sizeof(*s->p));
	ana_bands_sample(&s->bands, &s->mv);
	levels(s);
	if ((st = find_strip(s)))
		return st;
	measure_ends(s);
	check_grid(s);
	if (s->has_grid && fabs(s->grid_mm) > GRID_SHIFT_MM) {
		ana_bands_pairs(&s->bands, &s->mv, BAND_FRAC, s->grid_mm);
		ana_bands_sample(&s->bands, &s->mv);
		if ((st = find_strip(s)))
			return st;
	}
	ana_bands_unmix(&s->bands, &s->mv, s->bg, s->sigma_mm);
	return find_strip(s);
}

/* The planned strip of this image: forced by the user, else the one whose centre along the
 * travel is nearest the centre of the median tips (staircases and displaced leaves change
 * the median gap, much less the centre). */
static int choose_role(const struct strip *s, const struct ana_context *ctx, double a, double b)
{
	if (!ctx || !ctx->n_nominal_fields)
		return -1;
	int fr = ctx->forced_role ? ctx->forced_role[s->idx] : ANA_ROLE_AUTO;
	if (fr == ANA_ROLE_NONE || (fr >= 0 && (size_t)fr < ctx->n_nominal_fields))
		return fr >= 0 ? fr : -1; /* the user's choice wins */
	int best = -1;
	double best_cost = ROLE_MATCH_MM;
	for (size_t i = 0; i < ctx->n_nominal_fields; i++) {
		double cost = fabs((a + b) / 2 - ctx->nominal_fields[i][s->mv.swap ? 2 : 3]);
		if (cost <= best_cost) {
			best_cost = cost;
			best = (int)i;
		}
	}
	return best;
}

/* A planned strip as the user sees it: a strip is long across the leaves and narrow along
 * their travel, so its gap is the smaller size and its tips lie on that axis. */
static void strip_label(const double nom[4], char *buf, size_t n)
{
	bool travel_y = nom[1] <= nom[0];
	double gap = travel_y ? nom[1] : nom[0], centre = travel_y ? nom[3] : nom[2];
	snprintf(buf, n, _("%g mm strip, tips %+g / %+g mm"), gap, centre - gap / 2,
		 centre + gap / 2);
}

/* Reference tips and gap: the planned strip, else the image's own medians. */
static void references(struct strip *s, const struct ana_context *ctx, struct qc_result *res)
{
	double ma = 0, mb = 0, mg = 0;
	bool ha = median_of(s, 0, &ma), hb = median_of(s, 1, &mb);
	median_of(s, 2, &mg);
	int role = ha && hb ? choose_role(s, ctx, ma, mb) : -1;
	s->nom = role >= 0 ? ctx->nominal_fields[role] : NULL;
	res->role[s->idx] = role >= 0 ? role : ANA_ROLE_NONE;
	/* A planned strip is "width height x y" in image axes: the gap is its size along the
	 * leaf travel, its length the size across. */
	int t = s->mv.swap ? 0 : 1;
	if (s->nom) {
		char label[160];
		s->ref_a = s->nom[t + 2] - s->nom[t] / 2;
		s->ref_b = s->nom[t + 2] + s->nom[t] / 2;
		s->ref_gap = s->nom[t];
		bool user = ctx->forced_role && ctx->forced_role[s->idx] >= 0;
		snprintf(label, sizeof(label),
			 user ? _("%g mm strip, tips %+g / %+g mm (user)")
			      : _("%g mm strip, tips %+g / %+g mm"),
			 s->nom[t], s->ref_a, s->ref_b);
		qc_strlcpy(res->label[s->idx], label, sizeof(res->label[s->idx]));
	} else {
		s->ref_a = ma;
		s->ref_b = mb;
		s->ref_gap = mg;
	}
	for (int i = 0; i < s->np; i++)
		s->p[i].expected = s->nom
				       ? fabs(centre_of(s, i) - s->nom[3 - t]) <= s->nom[1 - t] / 2
				       : i >= s->first && i <= s->last;
}

/* Largest deviation of a pair's tips (what 0) or gap (what 1) from the references. */
static double deviation(const struct strip *s, const struct pair *q, int what)
{
	if (q->st != P_OPEN && q->st != P_MULTI)
		return 0;
	if (what == 1)
		return q->has_a && q->has_b ? fabs(q->tb - q->ta - s->ref_gap) : 0;
	return fmax(q->has_a ? fabs(q->ta - s->ref_a) : 0, q->has_b ? fabs(q->tb - s->ref_b) : 0);
}

static void add_value(struct qc_result *res, const struct strip *s, const char *name, bool has,
		      double v, double ref, const char *why)
{
	if (!has) {
		qc_result_add_null(res, name, "mm", s->idx,
				   why && *why ? why : _("not measurable"));
		return;
	}
	struct qc_measure *m = qc_result_add(res, name, "mm", s->idx, v);
	m->has_nominal = true;
	m->nominal = ref;
	bool over = fabs(v - ref) > REPORT_TOL_MM;
	const char *fmt = s->nom ? (over ? _("plan %.2f, deviation %+.2f mm (over 1 mm)")
					 : _("plan %.2f, deviation %+.2f mm"))
				 : (over ? _("image median %.2f, deviation %+.2f mm (over 1 mm)")
					 : _("image median %.2f, deviation %+.2f mm"));
	snprintf(m->note, sizeof(m->note), fmt, ref, v - ref);
}

static void report_pair(struct qc_result *res, const struct strip *s, int i)
{
	const struct pair *q = &s->p[i];
	char name[48];
	int num = band(s, i)->num;
	if (q->st == P_CLOSED) {
		snprintf(name, sizeof(name), "pair_%02d.tip_a_mm", num);
		qc_result_add_null(res, name, "mm", s->idx, q->why);
		snprintf(name, sizeof(name), "pair_%02d.tip_b_mm", num);
		qc_result_add_null(res, name, "mm", s->idx, q->why);
		/* The pair is measured as shut: no opening between its tips. */
		snprintf(name, sizeof(name), "pair_%02d.gap_mm", num);
		struct qc_measure *m = qc_result_add(res, name, "mm", s->idx, 0);
		m->has_nominal = true;
		m->nominal = s->ref_gap;
		qc_strlcpy(m->note, q->why, sizeof(m->note));
	} else {
		snprintf(name, sizeof(name), "pair_%02d.tip_a_mm", num);
		add_value(res, s, name, q->has_a, q->ta, s->ref_a, q->why);
		snprintf(name, sizeof(name), "pair_%02d.tip_b_mm", num);
		add_value(res, s, name, q->has_b, q->tb, s->ref_b, q->why);
		snprintf(name, sizeof(name), "pair_%02d.gap_mm", num);
		add_value(res, s, name, q->has_a && q->has_b, q->tb - q->ta, s->ref_gap, q->why);
	}
	snprintf(name, sizeof(name), "pair_%02d.centre_mm", num);
	struct qc_measure *m = qc_result_add(res, name, "mm", s->idx, centre_of(s, i));
	snprintf(m->note, sizeof(m->note), _("centre of the pair across the leaves (%s)"),
		 !s->has_grid			    ? _("catalogue grid")
		 : fabs(s->grid_mm) > GRID_SHIFT_MM ? _("grid moved to the image")
						    : _("catalogue grid, checked"));
}

/* Angle between the line through one bank's tips and the leaf travel (90 = square). */
static bool bank_angle(const struct strip *s, int bank, double *deg)
{
	double *x = qc_xcalloc((size_t)s->np, sizeof(double));
	double *y = qc_xcalloc((size_t)s->np, sizeof(double));
	size_t n = 0, kept;
	double a, b;
	for (int i = 0; i < s->np; i++) {
		const struct pair *q = &s->p[i];
		if (q->st != P_OPEN || !(bank ? q->has_b : q->has_a))
			continue;
		x[n] = centre_of(s, i);
		y[n++] = bank ? q->tb : q->ta;
	}
	bool ok = n >= 3 && ana_fit_line_robust(x, y, n, &a, &b, &kept) && kept >= 3;
	if (ok)
		*deg = 90 - atan(b) * 180 / ANA_PI;
	free(x);
	free(y);
	return ok;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

/* A note naming pairs as ranges ("... pairs 27-39, 41"). */
static void list_note(struct qc_measure *m, const char *lead, int *v, int n)
{
	char list[160], text[320];
	qsort(v, (size_t)n, sizeof(int), cmp_int);
	ana_ranges(v, (size_t)n, list, sizeof(list));
	snprintf(text, sizeof(text), "%s%s", lead, list);
	qc_strlcpy(m->note, text, sizeof(m->note));
}

static void report_summary(struct qc_result *res, const struct strip *s)
{
	int *over[2], *closed = qc_xcalloc((size_t)s->np, sizeof(int));
	int n_over[2] = {0, 0}, n_closed = 0, n_open = 0;
	double worst[2] = {0, 0};
	over[0] = qc_xcalloc((size_t)s->np, sizeof(int));
	over[1] = qc_xcalloc((size_t)s->np, sizeof(int));
	for (int i = 0; i < s->np; i++) {
		const struct pair *q = &s->p[i];
		if (q->st == P_CLOSED && q->expected)
			closed[n_closed++] = band(s, i)->num;
		if (q->st != P_OPEN && q->st != P_MULTI)
			continue;
		n_open++;
		for (int k = 0; k < 2; k++) {
			double d = deviation(s, q, k);
			worst[k] = fmax(worst[k], d);
			if (d > REPORT_TOL_MM)
				over[k][n_over[k]++] = band(s, i)->num;
		}
	}
	struct qc_measure *m = qc_result_add(res, "pairs_open", "", s->idx, n_open);
	snprintf(m->note, sizeof(m->note), _("leaf-side blur %.2f mm (%s)"), s->sigma_mm,
		 s->sigma_measured ? _("from the strip ends")
				   : _("default: no strip end measurable"));
	m = qc_result_add(res, "closed_pairs", "", s->idx, n_closed);
	if (n_closed)
		list_note(m, ngettext("closed pair ", "closed pairs ", n_closed), closed, n_closed);
	static const char *const names[2] = {"max_tip_error_mm", "max_gap_error_mm"};
	for (int k = 0; k < 2; k++) {
		char lead[100];
		m = qc_result_add(res, names[k], "mm", s->idx, worst[k]);
		if (k)
			snprintf(lead, sizeof(lead),
				 s->nom ? _("vs %.2f mm (plan)") : _("vs %.2f mm (image median)"),
				 s->ref_gap);
		else
			snprintf(lead, sizeof(lead), "%s",
				 s->nom ? _("vs the plan") : _("vs the image median"));
		if (n_over[k]) {
			size_t len = strlen(lead);
			snprintf(lead + len, sizeof(lead) - len, "%s",
				 ngettext("; over 1 mm: pair ", "; over 1 mm: pairs ", n_over[k]));
			list_note(m, lead, over[k], n_over[k]);
		} else
			qc_strlcpy(m->note, lead, sizeof(m->note));
	}
	free(over[0]);
	free(over[1]);
	free(closed);
}

static void report_banks(struct qc_result *res, const struct strip *s)
{
	static const char *const names[3] = {"tip_a_mm", "tip_b_mm", "gap_mm"};
	double refs[3] = {s->ref_a, s->ref_b, s->ref_gap}, v, ang[2];
	for (int k = 0; k < 3; k++) {
		if (!median_of(s, k, &v)) {
			qc_result_add_null(res, names[k], "mm", s->idx, _("no open pair measured"));
			continue;
		}
		struct qc_measure *m = qc_result_add(res, names[k], "mm", s->idx, v);
		qc_strlcpy(m->note, _("median of the open pairs"), sizeof(m->note));
		m->has_nominal = s->nom != NULL;
		m->nominal = refs[k];
	}
	bool ok[2] = {bank_angle(s, 0, &ang[0]), bank_angle(s, 1, &ang[1])};
	if (!ok[0] && !ok[1]) {
		qc_result_add_null(res, "edge_angle_deg", "deg", s->idx,
				   _("fewer than 3 open pairs with measured tips"));
		return;
	}
	double mean = ok[0] && ok[1] ? (ang[0] + ang[1]) / 2 : (ok[0] ? ang[0] : ang[1]);
	struct qc_measure *m = qc_result_add(res, "edge_angle_deg", "deg", s->idx, mean);
	if (ok[0] && ok[1])
		snprintf(m->note, sizeof(m->note),
			 _("mean of the lines through the tips a (%.2f) and b (%.2f); 90 = square "
			   "to the leaf travel"),
			 ang[0], ang[1]);
	else
		qc_strlcpy(m->note, _("one bank only"), sizeof(m->note));
}

static const char *end_name(const struct strip *s, int k)
{
	static const char *const names[2][2] = {{"jaw_left_mm", "jaw_right_mm"},
						{"jaw_top_mm", "jaw_bottom_mm"}};
	return names[s->mv.swap][k];
}

static void report_ends(struct qc_result *res, const struct strip *s)
{
	for (int k = 0; k < 2; k++) {
		if (!s->has_end[k]) {
			qc_result_add_null(
			    res, end_name(s, k), "mm", s->idx,
			    _("strip end not measurable (outside the read-out area)"));
			continue;
		}
		int i;
		double d = end_offset(s, s->end_mm[k], &i);
		struct qc_measure *m =
		    qc_result_add(res, end_name(s, k), "mm", s->idx, s->end_mm[k]);
		if (fabs(d) <= BOUNDARY_MM && i > 0)
			snprintf(
			    m->note, sizeof(m->note),
			    _("end of the strip at the boundary of pairs %d and %d (leaf side or "
			      "diaphragm)"),
			    band(s, i - 1)->num, band(s, i)->num);
		else
			snprintf(m->note, sizeof(m->note),
				 _("end of the strip %.2f mm from a pair boundary: the diaphragm"),
				 d);
	}
	if (s->has_grid) {
		struct qc_measure *m =
		    qc_result_add(res, "grid_offset_mm", "mm", s->idx, s->grid_mm);
		qc_strlcpy(m->note, s->grid_why, sizeof(m->note));
	} else
		qc_result_add_null(res, "grid_offset_mm", "mm", s->idx, s->grid_why);
}

/* Tips as short lines across each pair, closed pairs as a box, strip ends. Each tip line takes
 * the verdict of its own value (pair_NN.tip_a_mm), which the catalogue judges by pattern. */
static void overlays(struct qc_result *res, const struct strip *s)
{
	struct qc_overlay *o;
	for (int i = 0; i < s->np; i++) {
		const struct pair *q = &s->p[i];
		const struct ana_band *b = band(s, i);
		if (q->st == P_CLOSED && q->expected) {
			double a0 = ana_mv_a_px(&s->mv, b->lo), a1 = ana_mv_a_px(&s->mv, b->hi);
			double t0 = ana_mv_t_px(&s->mv, s->ref_a),
			       t1 = ana_mv_t_px(&s->mv, s->ref_b);
			o = s->mv.swap ? qc_result_overlay(res, QC_OV_RECT, QC_OVR_EDGE, s->idx, t0,
							   a0, t1, a1)
				       : qc_result_overlay(res, QC_OV_RECT, QC_OVR_EDGE, s->idx, a0,
							   t0, a1, t1);
			qc_strlcpy(o->measure, "closed_pairs", sizeof(o->measure));
			continue;
		}
		if (q->st != P_OPEN && q->st != P_MULTI)
			continue;
		for (int k = 0; k < 2; k++) {
			if (!(k ? q->has_b : q->has_a))
				continue;
			double t = k ? q->tb : q->ta;
			o = ana_mv_line(res, &s->mv, s->idx, QC_OVR_EDGE, b->lo, t, b->hi, t);
			snprintf(o->measure, sizeof(o->measure), "pair_%02d.tip_%c_mm", b->num,
				 k ? 'b' : 'a');
		}
	}
	for (int k = 0; k < 2; k++)
		if (s->has_end[k]) {
			o = ana_mv_line(res, &s->mv, s->idx, QC_OVR_EDGE, s->end_mm[k],
					s->ref_a - 3, s->end_mm[k], s->ref_b + 3);
			qc_strlcpy(o->measure, end_name(s, k), sizeof(o->measure));
		}
	ana_mv_iso_overlay(res, &s->mv, s->idx);
}

static enum qc_status run_image(const struct qc_image *img, int idx, const struct ana_context *ctx,
				struct qc_result *res)
{
	struct strip s = {.idx = idx};
	enum qc_status st = ana_mv_prepare(img, idx, ctx, WHAT, &s.mv);
	if (st)
		return st;
	const struct qc_machine *m = s.mv.machine;
	if (!m || m->leaf_pairs < 1)
		return qc_fail(QC_ERR_ANALYSIS,
			       _("image %d: no MLC geometry for its machine (ManufacturerModelName "
				 "'%s'): give the machine leaf_widths in the catalogue"),
			       idx + 1, img->tags.model);
	st = ana_check_leaf_geometry(m, idx);
	if (st)
		return st;
	res->inverted[idx] = s.mv.sign < 0;
	st = measure(&s);
	if (!st) {
		references(&s, ctx, res);
		report_summary(res, &s);
		report_banks(res, &s);
		report_ends(res, &s);
		for (int i = 0; i < s.np; i++)
			if (s.p[i].st == P_OPEN || s.p[i].st == P_MULTI ||
			    (s.p[i].st == P_CLOSED && s.p[i].expected))
				report_pair(res, &s, i);
		overlays(res, &s);
	}
	ana_bands_release(&s.bands);
	free(s.p);
	return st;
}

static enum qc_status run(const struct qc_image *const *imgs, size_t n,
			  const struct ana_context *ctx, struct qc_result *res)
{
	return ana_each_image(imgs, n, ctx, res, run_image);
}

const struct qc_analysis ana_leaf_gap = {
    .id = "leaf_gap",
    .version = "1.0",
    .summary = "leaf-pair strips: tip positions, gaps and closed pairs per pair, strip ends, "
	       "leaf grid, edge angle",
    .min_images = 1,
    .max_images = 24,
    .run = run,
    .role_label = strip_label,
};
