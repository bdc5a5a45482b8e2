/* Synthetic MV images of MLC patterns (strips of leaf pairs, slits) with known truth. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phantom_mlc.h"

#define LUT_RANGE    8	 /* the normal CDF is tabulated on [-8, 8] */
#define LUT_STEP     256 /* entries per unit: interpolation error below 1e-6 */
#define LUT_SIZE     (2 * LUT_RANGE * LUT_STEP + 2)
#define INTERLEAF_MM 0.4 /* width of the gap between two leaf pairs */
#define TAIL_GRID    8	 /* the scatter tail is smooth: computed every 8 pixels */

static double lut[LUT_SIZE];
static bool lut_ready;

static double cdf(double t)
{
	if (!lut_ready) {
		for (int i = 0; i < LUT_SIZE; i++)
			lut[i] = 0.5 * erfc(-((double)i / LUT_STEP - LUT_RANGE) / M_SQRT2);
		lut_ready = true;
	}
	if (t <= -LUT_RANGE)
		return 0;
	if (t >= LUT_RANGE)
		return 1;
	double x = (t + LUT_RANGE) * LUT_STEP;
	int i = (int)x;
	double f = x - i;
	return lut[i] * (1 - f) + lut[i + 1] * f;
}

/* A top hat from lo to hi blurred by a Gaussian of sigma. */
static double hat(double u, double lo, double hi, double sigma)
{
	return cdf((hi - u) / sigma) - cdf((lo - u) / sigma);
}

void phm_defaults(struct phm_spec *s, enum ph_style style)
{
	memset(s, 0, sizeof(*s));
	ph_defaults(&s->base, style);
	s->base.study_id = style == PH_UNITY ? "MLC_exact_0" : "QA_MLC";
	s->leaf_pairs = 80;
	s->leaf_width_mm = 7.15;
	s->leaf_boundary = 40;
	s->travel = 'y';
	/* Measured on the real Unity leaf images: the strip ends (leaf sides) have a 20-80 %
	 * width of about 3.3 mm, the leaf tips about 4 mm (rounded ends add blur). */
	s->sigma_across_mm = 1.7;
	s->sigma_tip_mm = 2.2;
	s->transmission = 0.005;
	s->interleaf = 0.02;
}

void phm_pair_span(const struct phm_spec *s, int pair, double *lo, double *hi)
{
	double a = (pair - 1 - s->leaf_boundary) * s->leaf_width_mm, b = a + s->leaf_width_mm;
	*lo = s->numbers_decrease ? -b : a;
	*hi = s->numbers_decrease ? -a : b;
}

void phm_strip(struct phm_spec *s, int first, int last, double a, double b)
{
	for (int p = first; p <= last; p++) {
		struct phm_pair *q = &s->pair[p - 1];
		q->n_open = 1;
		q->a[0] = a;
		q->b[0] = b;
	}
}

void phm_slits(struct phm_spec *s, int first, int last, int n, const double *centre,
	       const double *width)
{
	for (int p = first; p <= last; p++) {
		struct phm_pair *q = &s->pair[p - 1];
		q->n_open = n;
		for (int k = 0; k < n; k++) {
			q->a[k] = centre[k] - width[k] / 2;
			q->b[k] = centre[k] + width[k] / 2;
		}
	}
}

static double horn(const struct phm_spec *s, double u)
{
	double r = u / s->base.horn_mm;
	return 1 / sqrt(1 + r * r);
}

/* Across-axis extent of a pair as the jaws leave it; false when hidden. */
static bool visible_span(const struct phm_spec *s, int pair, double *lo, double *hi)
{
	phm_pair_span(s, pair, lo, hi);
	if (s->has_jaws) {
		*lo = fmax(*lo, s->jaw_lo_mm);
		*hi = fmin(*hi, s->jaw_hi_mm);
	}
	return *hi > *lo;
}

/* Pairs whose span comes within reach of u (all pairs are leaf_width_mm wide). */
static void pair_range(const struct phm_spec *s, double u, double reach, int *p0, int *p1)
{
	double w = s->leaf_width_mm, x = s->numbers_decrease ? -u : u;
	*p0 = (int)floor((x - reach) / w) + s->leaf_boundary + 1;
	*p1 = (int)floor((x + reach) / w) + s->leaf_boundary + 1;
	*p0 = *p0 < 1 ? 1 : *p0;
	*p1 = *p1 > s->leaf_pairs ? s->leaf_pairs : *p1;
}

/* The relative fluence blurred by (sa, st) at MLC-frame point (u across, v travel); all: every
 * pair counts (the broad scatter tail), else only those within 6 sa. */
static double aperture(const struct phm_spec *s, double u, double v, double sa, double st, bool all)
{
	double sum = 0;
	int p0 = 1, p1 = s->leaf_pairs;
	if (!all)
		pair_range(s, u, 6 * sa, &p0, &p1);
	for (int p = p0; p <= p1; p++) {
		const struct phm_pair *q = &s->pair[p - 1];
		double lo, hi;
		if (!q->n_open || !visible_span(s, p, &lo, &hi))
			continue;
		double h = hat(u, lo, hi, sa);
		if (h < 1e-9)
			continue;
		double t = 0;
		for (int k = 0; k < q->n_open; k++)
			t += hat(v, q->a[k], q->b[k], st);
		sum += h * t;
	}
	return sum;
}

/* The light lines between pairs: leakage through the gaps between leaves, where jaws allow. */
static double interleaf(const struct phm_spec *s, double u, double sa)
{
	if (s->interleaf <= 0)
		return 0;
	double sum = 0;
	int p0, p1;
	pair_range(s, u, 6 * sa + INTERLEAF_MM, &p0, &p1);
	for (int p = p0; p <= p1 && p < s->leaf_pairs; p++) {
		double lo, hi;
		phm_pair_span(s, p, &lo, &hi);
		double at = s->numbers_decrease ? lo : hi;
		if (s->has_jaws && (at < s->jaw_lo_mm || at > s->jaw_hi_mm))
			continue;
		sum += hat(u, at - INTERLEAF_MM / 2, at + INTERLEAF_MM / 2, sa);
	}
	return s->interleaf * sum;
}

/* Image (X, Y) in mm from the isocentre to the MLC frame (u across, v along the travel). */
static void to_mlc(const struct phm_spec *s, double X, double Y, double *u, double *v)
{
	double th = s->rotation_deg * PH_PI / 180, c = cos(th), sn = sin(th);
	double p = X * c - Y * sn, q = X * sn + Y * c;
	*u = s->travel == 'x' ? q : p;
	*v = s->travel == 'x' ? p : q;
}

/* The scatter tail on a coarse grid (it varies over tens of millimetres). */
static double *tail_grid(const struct phm_spec *s, int *gw, int *gh)
{
	const struct ph_spec *b = &s->base;
	double px = ph_pixel_iso(b);
	*gw = b->cols / TAIL_GRID + 2;
	*gh = b->rows / TAIL_GRID + 2;
	double *g = qc_xcalloc((size_t)*gw * (size_t)*gh, sizeof(*g));
	if (b->tail <= 0)
		return g;
	for (int j = 0; j < *gh; j++)
		for (int i = 0; i < *gw; i++) {
			double u, v;
			to_mlc(s, (i * TAIL_GRID - b->iso_col) * px,
			       (j * TAIL_GRID - b->iso_row) * px, &u, &v);
			g[(size_t)j * (size_t)*gw + (size_t)i] =
			    b->tail * aperture(s, u, v, b->tail_sigma_mm, b->tail_sigma_mm, true);
		}
	return g;
}

static double tail_at(const double *g, int gw, int x, int y)
{
	int i = x / TAIL_GRID, j = y / TAIL_GRID;
	double fx = (double)(x % TAIL_GRID) / TAIL_GRID, fy = (double)(y % TAIL_GRID) / TAIL_GRID;
	const double *r0 = g + (size_t)j * (size_t)gw, *r1 = r0 + gw;
	return (r0[i] * (1 - fx) + r0[i + 1] * fx) * (1 - fy) +
	       (r1[i] * (1 - fx) + r1[i + 1] * fx) * fy;
}

/* The dose (without noise) at every pixel of the read-out area, dose[y * cols + x]; rows
 * outside it are left as they are. */
static void dose_rotated(const struct phm_spec *s, const double *tail, int gw, double *dose)
{
	const struct ph_spec *b = &s->base;
	double px = ph_pixel_iso(b), T = s->transmission;
	for (int y = b->readout_first; y <= b->readout_last; y++) {
		double Y = (y - b->iso_row) * px;
		for (int x = 0; x < b->cols; x++) {
			double X = (x - b->iso_col) * px, u, v;
			to_mlc(s, X, Y, &u, &v);
			double f = aperture(s, u, v, s->sigma_across_mm, s->sigma_tip_mm, false) +
				   interleaf(s, u, s->sigma_across_mm);
			dose[(size_t)y * (size_t)b->cols + (size_t)x] =
			    horn(s, X) * horn(s, Y) * (T + (1 - T) * f) + tail_at(tail, gw, x, y);
		}
	}
}

/* The same without rotation: each pair's blur across and along the leaves is computed once per
 * column and per row (about 20 times faster). */
static void dose_square(const struct phm_spec *s, const double *tail, int gw, double *dose)
{
	const struct ph_spec *b = &s->base;
	double px = ph_pixel_iso(b), T = s->transmission, sa = s->sigma_across_mm;
	bool tx = s->travel == 'x';
	int na = tx ? b->rows : b->cols, nt = tx ? b->cols : b->rows, np = s->leaf_pairs;
	double *ha = qc_xcalloc((size_t)np * (size_t)na, sizeof(double));
	double *ht = qc_xcalloc((size_t)np * (size_t)nt, sizeof(double));
	double *il = qc_xcalloc((size_t)na, sizeof(double));
	int *p0 = qc_xcalloc((size_t)na, sizeof(int)), *p1 = qc_xcalloc((size_t)na, sizeof(int));
	for (int i = 0; i < na; i++) {
		double u = (i - (tx ? b->iso_row : b->iso_col)) * px;
		pair_range(s, u, 6 * sa, &p0[i], &p1[i]);
		il[i] = interleaf(s, u, sa);
		for (int p = p0[i]; p <= p1[i]; p++) {
			double lo, hi;
			if (s->pair[p - 1].n_open && visible_span(s, p, &lo, &hi))
				ha[(size_t)(p - 1) * (size_t)na + (size_t)i] = hat(u, lo, hi, sa);
		}
	}
	for (int p = 1; p <= np; p++) {
		const struct phm_pair *q = &s->pair[p - 1];
		for (int j = 0; j < nt && q->n_open; j++) {
			double v = (j - (tx ? b->iso_col : b->iso_row)) * px, t = 0;
			for (int k = 0; k < q->n_open; k++)
				t += hat(v, q->a[k], q->b[k], s->sigma_tip_mm);
			ht[(size_t)(p - 1) * (size_t)nt + (size_t)j] = t;
		}
	}
	for (int y = b->readout_first; y <= b->readout_last; y++) {
		double hy = horn(s, (y - b->iso_row) * px);
		for (int x = 0; x < b->cols; x++) {
			int i = tx ? y : x, j = tx ? x : y;
			double f = il[i];
			for (int p = p0[i]; p <= p1[i]; p++)
				f += ha[(size_t)(p - 1) * (size_t)na + (size_t)i] *
				     ht[(size_t)(p - 1) * (size_t)nt + (size_t)j];
			dose[(size_t)y * (size_t)b->cols + (size_t)x] =
			    horn(s, (x - b->iso_col) * px) * hy * (T + (1 - T) * f) +
			    tail_at(tail, gw, x, y);
		}
	}
	free(ha);
	free(ht);
	free(il);
	free(p0);
	free(p1);
}

unsigned short *phm_render(const struct phm_spec *s)
{
	const struct ph_spec *b = &s->base;
	double sigma_noise = ph_noise_sd(b);
	unsigned long long st = ph_noise_state(b, 1);
	size_t n = (size_t)b->cols * (size_t)b->rows;
	unsigned short *raw = qc_xmalloc(n * sizeof(*raw));
	double *dose = qc_xcalloc(n, sizeof(double));
	int gw, gh;
	double *tail = tail_grid(s, &gw, &gh);
	if (s->rotation_deg != 0)
		dose_rotated(s, tail, gw, dose);
	else
		dose_square(s, tail, gw, dose);
	for (int y = 0; y < b->rows; y++) {
		unsigned short *row = raw + (size_t)y * (size_t)b->cols;
		bool read = y >= b->readout_first && y <= b->readout_last;
		for (int x = 0; x < b->cols; x++) {
			double d = dose[(size_t)y * (size_t)b->cols + (size_t)x];
			double e = sigma_noise > 0 && read ? sigma_noise * ph_gauss(&st) : 0;
			row[x] = read ? ph_stored(b, d, e) : 65535;
		}
	}
	free(dose);
	free(tail);
	return raw;
}

double phm_pair_centre(const struct phm_spec *s, int pair)
{
	double lo, hi;
	phm_pair_span(s, pair, &lo, &hi);
	return (lo + hi) / 2;
}

/* The pair alone along its central line: FFF horn times its blurred openings. */
static double pair_profile(const struct phm_spec *s, const struct phm_pair *q, double v)
{
	double t = 0;
	for (int k = 0; k < q->n_open; k++)
		t += hat(v, q->a[k], q->b[k], s->sigma_tip_mm);
	return horn(s, v) * t;
}

static double pair_slope(const struct phm_spec *s, const struct phm_pair *q, double v, int dir)
{
	const double h = 1e-4;
	return -dir * (pair_profile(s, q, v + h) - pair_profile(s, q, v - h)) / (2 * h);
}

double phm_tip_truth(const struct phm_spec *s, int pair, int k, int dir)
{
	const struct phm_pair *q = &s->pair[pair - 1];
	double v0 = dir < 0 ? q->a[k] : q->b[k], sg = s->sigma_tip_mm, best = v0,
	       best_g = -INFINITY;
	/* Steepest point of the pair's own profile near the leaf end (a rising edge for tip a,
	 * a falling one for tip b), by a fine scan then bisection of the step. */
	for (double v = v0 - 2 * sg; v <= v0 + 2 * sg; v += sg / 200) {
		double g = pair_slope(s, q, v, dir);
		if (g > best_g) {
			best_g = g;
			best = v;
		}
	}
	for (double d = sg / 200; d > 1e-7; d /= 2)
		for (int it = 0; it < 3; it++) {
			double g0 = pair_slope(s, q, best, dir);
			if (pair_slope(s, q, best + d, dir) > g0)
				best += d;
			else if (pair_slope(s, q, best - d, dir) > g0)
				best -= d;
		}
	double th = s->rotation_deg * PH_PI / 180, c = cos(th), sn = sin(th);
	double uc = phm_pair_centre(s, pair);
	return s->travel == 'x' ? (best + uc * sn) / c : (best - uc * sn) / c;
}

static void pair_truth_json(const struct phm_spec *s, int first, int last, double plan_a,
			    double plan_b, struct qc_buf *b)
{
	qc_buf_add(b, ",\n   \"pairs\": [");
	for (int p = first; p <= last; p++) {
		const struct phm_pair *q = &s->pair[p - 1];
		qc_buf_addf(b, "%s\n    {\"pair\": %d, \"centre_mm\": %.4f", p > first ? "," : "",
			    p, phm_pair_centre(s, p));
		if (!q->n_open) {
			qc_buf_add(b, ", \"closed\": true, \"class\": \"action\"}");
			continue;
		}
		double ta = phm_tip_truth(s, p, 0, -1), tb = phm_tip_truth(s, p, 0, 1);
		double dev = fmax(fabs(q->a[0] - plan_a), fabs(q->b[0] - plan_b));
		dev = fmax(dev, fabs(q->b[0] - q->a[0] - (plan_b - plan_a)));
		/* Classes from the geometric deviations, far from the 1 and 2 mm borders. */
		qc_buf_addf(b,
			    ", \"tip_a_mm\": %.4f, \"tip_b_mm\": %.4f, \"gap_mm\": %.4f, "
			    "\"deviation_mm\": %.3f, \"class\": \"%s\"}",
			    ta, tb, tb - ta, dev,
			    dev > 2   ? "action"
			    : dev > 1 ? "tolerance"
				      : "ok");
	}
	qc_buf_add(b, "]");
}

/* The truth of a set written when its images were (rc 0); b released. */
static int finish_set(struct qc_buf *b, const char *dir, int rc)
{
	if (rc) {
		qc_buf_release(b);
		return rc;
	}
	if (ph_truth_end(b, dir) != QC_OK) {
		fprintf(stderr, "%s\n", qc_errmsg());
		return 1;
	}
	return 0;
}

static int write_image(const char *dir, const char *name, const struct phm_spec *s)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unsigned short *raw = phm_render(s);
	enum qc_status st = ph_write(path, &s->base, raw);
	free(raw);
	if (st)
		fprintf(stderr, "%s\n", qc_errmsg());
	return st != QC_OK;
}

int phm_write_leaf_set(const char *dir, const struct ph_spec *base)
{
	static const char *const times[6] = {"140522", "140528", "140533",
					     "140539", "140545", "140550"};
	struct qc_buf b = {0};
	int rc = 0;
	ph_truth_begin(&b, "leaf_position");
	for (int i = 0; i < 6 && !rc; i++) {
		struct phm_spec s;
		enum ph_style style = base->style;
		phm_defaults(&s, style);
		s.base = *base;
		s.base.study_id = style == PH_UNITY ? "MLC_exact_err" : "QA_MLC";
		s.base.series_description = "generated leaf position strips";
		s.base.time = times[i];
		s.base.instance_number = 13375 + 2 * i;
		s.base.seed = base->seed + (unsigned)i;
		s.base.study_uid = "1.2.826.0.1.3680043.10.1138.3.1";
		s.base.series_uid = "1.2.826.0.1.3680043.10.1138.3.2";
		/* The real plan: upper tips at -40, -30, -20, 0, +10, +20 mm, gaps of 20 mm. */
		static const double centre[6] = {-30, -20, -10, 10, 20, 30};
		double pa = centre[i] - 10, pb = centre[i] + 10;
		phm_strip(&s, 27, 54, pa, pb);
		/* Small leaf-to-leaf scatter, as on the real machine (below 0.2 mm). */
		for (int p = 27; p <= 54; p++) {
			s.pair[p - 1].a[0] += 0.12 * sin(1.7 * p);
			s.pair[p - 1].b[0] += 0.12 * cos(2.3 * p);
		}
		switch (i) {
		case 1: /* single leaves from 0.3 to 2.5 mm */
			s.pair[29].a[0] += 0.3;
			s.pair[32].b[0] -= 0.5;
			s.pair[35].a[0] -= 0.8;
			s.pair[38].b[0] += 1.3;
			s.pair[41].a[0] += 1.5;
			s.pair[44].b[0] -= 2.5;
			s.pair[47].a[0] += 0.6;
			s.pair[50].b[0] -= 1.7;
			break;
		case 2: /* a closed pair, its neighbours in place */ s.pair[35].n_open = 0; break;
		case 3: /* a staircase of 5 mm steps on bank a */
			for (int p = 27; p <= 41; p++)
				s.pair[p - 1].a[0] += p <= 31 ? 15 : p <= 36 ? 10 : 5;
			break;
		case 4: /* the whole MLC turned by 0.3 degrees: no pair out by 1 mm */
			s.rotation_deg = 0.3;
			break;
		case 5: /* displaced leaves and a closed pair */
			for (int p = 30; p <= 50; p += 10)
				s.pair[p - 1].b[0] -= 10;
			s.pair[44].n_open = 0;
			break;
		}
		char name[32];
		snprintf(name, sizeof(name), "leaf_%d.dcm", i + 1);
		rc = write_image(dir, name, &s);
		qc_buf_addf(&b,
			    "%s\n  {\"file\": \"%s\", \"plan_tip_a_mm\": %g, \"plan_tip_b_mm\": %g",
			    i ? "," : "", name, pa, pb);
		qc_buf_addf(&b, ", \"rotation_deg\": %g, \"noise_pct\": %g", s.rotation_deg,
			    s.base.noise_pct);
		pair_truth_json(&s, 27, 54, pa, pb, &b);
		qc_buf_add(&b, "}");
	}
	return finish_set(&b, dir, rc);
}

int phm_write_slit_set(const char *dir, const struct ph_spec *base)
{
	static const double c1[5] = {-34, -17, 0, 17, 34}, w1[5] = {5, 5, 5, 5, 5};
	static const double c2[3] = {-27, 0, 28}, w2[3] = {10, 15, 20};
	struct qc_buf b = {0};
	int rc = 0;
	ph_truth_begin(&b, "mvic_slit");
	for (int i = 0; i < 2 && !rc; i++) {
		struct phm_spec s;
		phm_defaults(&s, base->style);
		s.base = *base;
		s.base.study_id = "QA_Fente";
		s.base.series_description = "generated MLC slits";
		s.base.seed = base->seed + 10 + (unsigned)i;
		s.base.instance_number = 12001 + i;
		int n = i ? 3 : 5;
		const double *c = i ? c2 : c1, *w = i ? w2 : w1;
		phm_slits(&s, 27, 54, n, c, w);
		/* Leaves out of line by 0.7 and 0.8 mm; others by 0.3 mm (within tolerance). */
		if (i == 0) {
			s.pair[30].a[1] -= 0.7;
			s.pair[40].b[3] += 0.3;
		} else {
			s.pair[44].b[2] -= 0.8;
			s.pair[34].a[0] += 0.3;
		}
		char name[32];
		snprintf(name, sizeof(name), "slit_%d.dcm", i + 1);
		rc = write_image(dir, name, &s);
		qc_buf_addf(&b, "%s\n  {\"file\": \"%s\", \"leaves_out\": [%d], \"slits\": [",
			    i ? "," : "", name, i ? 45 : 31);
		/* Truth at the isocentre column: the inflection points of the slits (pair 40 is
		 * in line in both images), and the leaf separation. */
		for (int k = 0; k < n; k++) {
			double ta = phm_tip_truth(&s, 40, k, -1);
			double tb = phm_tip_truth(&s, 40, k, 1);
			qc_buf_addf(&b,
				    "%s{\"centre_mm\": %.4f, \"width_mm\": %.4f, "
				    "\"leaf_separation_mm\": %.4f}",
				    k ? ", " : "", (ta + tb) / 2, tb - ta,
				    s.pair[39].b[k] - s.pair[39].a[k]);
		}
		qc_buf_add(&b, "]}");
	}
	return finish_set(&b, dir, rc);
}
