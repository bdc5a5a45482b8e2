/* picket_fence: every leaf pair's position at every picket against the picket's fitted line. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ana_int.h"

#define MAX_PICKETS	 32
#define MARGIN_PX	 2    /* image borders often hold a bad line (0 or saturated) */
#define TOL_MM		 0.5  /* pass rate: |error| within the catalogue tolerance (CATALOG.md) */
#define PEAK_PROMINENCE	 0.25 /* a picket rises this fraction of its profile's range */
#define BAND_FRACTION	 0.5  /* a pair's profile averages the central half of its width */
#define BAND_LINES	 16   /* lines of a wider band are sampled down to about this many */
#define PAIR_PROMINENCE	 0.5  /* of all pairs' median: a pair with weaker peaks is off the field */
#define PEAK_MIN	 0.1  /* of the pair's median: a lower peak is no opening */
#define MIN_PAIRS	 3    /* per picket, to fit its line */
#define TRAVEL_SMOOTH_MM 0.3  /* light smoothing of the picket profile (noise only) */
#define FIT_FLOOR_MM	 0.05 /* residuals below this never make a pair an outlier */
#define GRID_MATCH	 0.85 /* boundaries on an interleaf line for a grid that fits */

struct pf {
	const struct qc_image *img;
	const struct qc_machine *m;
	int idx;
	double sign;	     /* +1: more dose gives higher stored values */
	bool along_y;	     /* the leaves travel along image rows (y), as on the Unity */
	int t0, t1, a0, a1;  /* working box along the travel and across the leaves (pixels) */
	double mm_t, mm_a;   /* mm at isocentre per pixel along the travel / across */
	double iso_t, iso_a; /* isocentre pixel along the travel / across */
	double shift_mm;     /* leaf grid shift found on the image (across) */
	bool grid_seen;	     /* the interleaf pattern was found on the image */
	double grid_match;   /* fraction of boundaries on a leakage line at the best shift */
	double tilt;	     /* leaf direction: mm across per mm along the travel (MLC rotation) */
	double noise;	     /* pixel noise (stored units) */
	double lo[QC_MAX_LEAF_PAIRS + 1], hi[QC_MAX_LEAF_PAIRS + 1]; /* pair spans (mm) */
	bool has[QC_MAX_LEAF_PAIRS + 1];
	bool in_field[QC_MAX_LEAF_PAIRS + 1]; /* the pair opens at the pickets */
	int n_pk;
	double pk[MAX_PICKETS];	    /* rough picket centres along the travel (pixels) */
	bool has_line[MAX_PICKETS]; /* a first line through the picket: t_px = a + b * across_mm */
	double line_a[MAX_PICKETS], line_b[MAX_PICKETS];
};

/* One leaf pair's position at one picket. */
struct meas {
	int pair, picket;
	double a_mm;  /* pair centre across the leaves, from the isocentre */
	double t_px;  /* FWHM centre along the travel */
	double prom;  /* peak prominence */
	double error; /* from the picket line (mm) */
	bool ok;
};

static double range_of(const double *p, int n, double *mean)
{
	double lo = p[0], hi = p[0], sum = 0;
	for (int i = 0; i < n; i++) {
		lo = fmin(lo, p[i]);
		hi = fmax(hi, p[i]);
		sum += p[i];
	}
	*mean = sum / n;
	return hi - lo;
}

/*
 * Polarity from content: a picket fence is mostly blocked area with narrow pickets, so the
 * border of the working box (blocked leaves or outside the jaws) holds less dose than the
 * box on average, whatever the stored convention. pt and pa are the raw mean profiles.
 */
static enum qc_status polarity(struct pf *f, double *pt, double *pa)
{
	int nt = f->t1 - f->t0 + 1, na = f->a1 - f->a0 + 1;
	int x0 = f->along_y ? f->a0 : f->t0, x1 = f->along_y ? f->a1 : f->t1;
	int y0 = f->along_y ? f->t0 : f->a0, y1 = f->along_y ? f->t1 : f->a1;
	double mean, mean_a, rt = range_of(pt, nt, &mean), ra = range_of(pa, na, &mean_a);
	/* Every 64th line is enough: a fence image is large and its noise even. */
	struct ana_box all = {0, 0, f->img->width - 1, f->img->height - 1};
	f->noise = ana_noise_sampled(f->img, &all, 64);
	if (fmax(rt, ra) <= fmax(5 * f->noise, 1e-4 * fabs(mean)))
		return qc_fail(QC_ERR_ANALYSIS,
			       _("image %d does not look like a picket fence: it is blank"),
			       f->idx + 1);
	double border = 0;
	size_t n = 0;
	for (int y = y0; y <= y1; y++) {
		bool full = y < y0 + 3 || y > y1 - 3;
		const float *row = f->img->px + (size_t)y * (size_t)f->img->width;
		for (int x = x0; x <= x1; x++) {
			if (!full && x == x0 + 3)
				x = x1 - 2 > x ? x1 - 2 : x;
			border += row[x];
			n++;
		}
	}
	f->sign = border / n > mean ? -1 : 1;
	for (int i = 0; i < nt; i++)
		pt[i] *= f->sign;
	for (int i = 0; i < na; i++)
		pa[i] *= f->sign;
	return QC_OK;
}

static void smooth(const double *p, double *out, int n, double sigma)
{
	int k = (int)ceil(3 * sigma);
	double w[64];
	k = k > 63 ? 63 : k;
	if (sigma <= 0 || k < 1) {
		memcpy(out, p, (size_t)n * sizeof(*p));
		return;
	}
	for (int j = 0; j <= k; j++)
		w[j] = exp(-0.5 * j * j / (sigma * sigma));
	for (int i = 0; i < n; i++) {
		double s = 0, ws = 0;
		for (int j = -k; j <= k; j++)
			if (i + j >= 0 && i + j < n) {
				s += w[abs(j)] * p[i + j];
				ws += w[abs(j)];
			}
		out[i] = s / ws;
	}
}

/*
 * Peaks of p[0..n-1] whose topographic prominence is at least frac of the profile's range,
 * at least min_sep apart (the higher one kept); positions in increasing order.
 */
static int find_peaks(const double *p, int n, double frac, int min_sep, int *pos, int max)
{
	double lo = p[0], hi = p[0];
	for (int i = 1; i < n; i++) {
		lo = fmin(lo, p[i]);
		hi = fmax(hi, p[i]);
	}
	double need = frac * (hi - lo);
	int count = 0;
	if (!(hi > lo))
		return 0;
	for (int i = 1; i < n - 1; i++) {
		if (!(p[i] >= p[i - 1] && p[i] > p[i + 1]))
			continue;
		/* Lowest point on each side before a higher peak (or the end): a peak cut by the
		 * end of the profile never descends on that side and is not prominent. */
		double ml = p[i], mr = p[i];
		for (int l = i; l > 0 && p[l - 1] <= p[i];)
			ml = fmin(ml, p[--l]);
		for (int r = i; r < n - 1 && p[r + 1] <= p[i];)
			mr = fmin(mr, p[++r]);
		if (p[i] - fmax(ml, mr) < need)
			continue;
		if (count && i - pos[count - 1] < min_sep) {
			if (p[i] > p[pos[count - 1]])
				pos[count - 1] = i;
			continue;
		}
		if (count < max)
			pos[count++] = i;
	}
	return count;
}

/* Centre of the full width at half maximum of the peak near i0 within [lo, hi]; false when the
 * peak or one of its half-maximum crossings is missing. */
static bool fwhm_centre(const double *g, int lo, int hi, int i0, double *centre, double *prom)
{
	int im = i0;
	for (int i = lo; i <= hi; i++)
		if (g[i] > g[im])
			im = i;
	if (im <= lo || im >= hi)
		return false;
	double vl = g[im], vr = g[im];
	for (int i = lo; i < im; i++)
		vl = fmin(vl, g[i]);
	for (int i = im + 1; i <= hi; i++)
		vr = fmin(vr, g[i]);
	/* Peak height from the parabola through the top three samples. */
	double a = g[im - 1], b = g[im], c = g[im + 1], den = a - 2 * b + c;
	double top = den < 0 ? b - 0.125 * (c - a) * (c - a) / den : b;
	double base = 0.5 * (vl + vr), level = base + 0.5 * (top - base);
	int l = im, r = im;
	while (l > lo && g[l] >= level)
		l--;
	while (r < hi && g[r] >= level)
		r++;
	if (g[l] >= level || g[r] >= level)
		return false;
	double xl = l + (level - g[l]) / (g[l + 1] - g[l]);
	double xr = r - (level - g[r]) / (g[r - 1] - g[r]);
	*centre = 0.5 * (xl + xr);
	*prom = top - fmax(vl, vr);
	return true;
}

/*
 * Mean over a box filter one leaf wide at each position (leaf widths read along this axis from
 * iso, mm per pixel): a pattern that repeats every leaf, like the interleaf leakage, averages
 * out; pickets wider apart than a leaf stay.
 */
static void leaf_box(const struct pf *f, const double *p, double *out, int n, int first, double iso,
		     double mm)
{
	double *cum = qc_xmalloc((size_t)(n + 1) * sizeof(*cum));
	cum[0] = 0;
	for (int i = 0; i < n; i++)
		cum[i + 1] = cum[i] + p[i];
	for (int i = 0; i < n; i++) {
		double at = (first + i - iso) * mm - f->shift_mm, w = 0;
		for (int q = 1; q <= f->m->leaf_pairs && w == 0; q++)
			if (f->has[q] && at >= f->lo[q] && at < f->hi[q])
				w = f->hi[q] - f->lo[q];
		if (w == 0)
			w = f->m->leaf_widths_mm[0];
		int h = (int)lround(0.5 * w / mm);
		int l = i - h < 0 ? 0 : i - h, r = i + h > n - 1 ? n - 1 : i + h;
		out[i] = (cum[r + 1] - cum[l]) / (r - l + 1);
	}
	free(cum);
}

static double min_leaf_width(const struct qc_machine *m)
{
	double w = INFINITY;
	for (int q = 0; q < m->leaf_pairs; q++)
		if (m->leaf_widths_mm[q] > 0)
			w = fmin(w, m->leaf_widths_mm[q]);
	return isfinite(w) ? w : 5;
}

/*
 * Mean stored values along the travel (pt) and across the leaves (pa) over the working box.
 * Every other column and every fourth row suffice for locating pickets and the orientation.
 */
static void mean_profiles(const struct pf *f, double *pt, double *pa)
{
	int x0 = f->along_y ? f->a0 : f->t0, x1 = f->along_y ? f->a1 : f->t1;
	int y0 = f->along_y ? f->t0 : f->a0, y1 = f->along_y ? f->t1 : f->a1;
	double *py = f->along_y ? pt : pa, *px = f->along_y ? pa : pt;
	int nx = x1 - x0 + 1, ny = 0;
	memset(px, 0, (size_t)nx * sizeof(*px));
	for (int y = y0; y <= y1; y++) {
		const float *row = f->img->px + (size_t)y * (size_t)f->img->width + x0;
		float s0 = 0, s1 = 0;
		int x = 0;
		for (; x + 3 < nx; x += 4) {
			s0 += row[x];
			s1 += row[x + 2];
		}
		double sum = (double)s0 + s1;
		int n = 2 * (x / 4);
		for (; x < nx; x += 2, n++)
			sum += row[x];
		py[y - y0] = sum / n;
		if ((y - y0) % 4)
			continue;
		for (int i = 0; i < nx; i++)
			px[i] += row[i];
		ny++;
	}
	for (int i = 0; i < nx; i++)
		px[i] /= ny;
}

/*
 * The pickets run across the leaves: the profile along the machine's leaf travel shows them.
 * Averaged over one leaf width, the interleaf leakage (one line per leaf boundary) fades from
 * either profile while pickets set further apart than a leaf stay: a fence that stands out
 * only across the leaves means the image is turned against the machine's leaf travel.
 */
static enum qc_status find_pickets(struct pf *f, const double *pt, const double *pa,
				   double *spacing_px)
{
	int nt = f->t1 - f->t0 + 1, na = f->a1 - f->a0 + 1;
	double *st = qc_xmalloc((size_t)nt * sizeof(double)),
	       *sa = qc_xmalloc((size_t)na * sizeof(double));
	double *bt = qc_xmalloc((size_t)nt * sizeof(double));
	smooth(pt, st, nt, TRAVEL_SMOOTH_MM / f->mm_t);
	leaf_box(f, pt, bt, nt, f->t0, f->iso_t, f->mm_t);
	leaf_box(f, pa, sa, na, f->a0, f->iso_a, f->mm_a);
	int sep_t = (int)ceil(2.0 / f->mm_t), sep_a = (int)ceil(2.0 / f->mm_a);
	int pos[MAX_PICKETS], other[MAX_PICKETS];
	int n_bt = find_peaks(bt, nt, PEAK_PROMINENCE, sep_t, other, MAX_PICKETS);
	int n_ba = find_peaks(sa, na, PEAK_PROMINENCE, sep_a, other, MAX_PICKETS);
	int n_t = find_peaks(st, nt, PEAK_PROMINENCE, sep_t, pos, MAX_PICKETS);
	enum qc_status ret = QC_OK;
	if (n_ba >= 2 && n_ba > n_bt) {
		char t = f->along_y ? 'y' : 'x', a = f->along_y ? 'x' : 'y';
		ret = qc_fail(
		    QC_ERR_ANALYSIS,
		    _("image %d: its pickets are bands along %c (leaves travelling along %c), "
		      "but machine '%s' has leaf_travel = %c: check the collimator angle or "
		      "the machine's leaf_travel setting"),
		    f->idx + 1, t, a, f->m->id, t);
		goto out;
	}
	if (n_t < 2) {
		ret = qc_fail(QC_ERR_ANALYSIS,
			      n_t ? _("image %d does not look like a picket fence: a single band "
				      "along the leaf travel (an open field or a single strip?)")
				  : _("image %d does not look like a picket fence: no narrow bands "
				      "along the leaf travel (an open field or a single strip?)"),
			      f->idx + 1);
		goto out;
	}
	/* Pickets are narrow: a band wider than 0.6 of the spacing is a strip or an open field. */
	double sp = (pos[n_t - 1] - pos[0]) / (double)(n_t - 1);
	f->n_pk = 0;
	for (int k = 0; k < n_t; k++) {
		int h = (int)(0.5 * sp);
		int lo = pos[k] - h < 0 ? 0 : pos[k] - h,
		    hi = pos[k] + h > nt - 1 ? nt - 1 : pos[k] + h;
		double c, prom;
		if (!fwhm_centre(st, lo, hi, pos[k], &c, &prom))
			continue; /* cut by the read-out border */
		int l = pos[k], r = pos[k];
		double level = st[pos[k]] - 0.5 * prom;
		while (l > lo && st[l] > level)
			l--;
		while (r < hi && st[r] > level)
			r++;
		if (r - l > 0.6 * sp) {
			ret = qc_fail(QC_ERR_ANALYSIS,
				      _("image %d does not look like a picket fence: its bands are "
					"%.1f mm wide for %.1f mm between them"),
				      f->idx + 1, (r - l) * f->mm_t, sp * f->mm_t);
			goto out;
		}
		f->pk[f->n_pk++] = f->t0 + c;
	}
	if (f->n_pk < 2) {
		ret = qc_fail(QC_ERR_ANALYSIS,
			      _("image %d does not look like a picket fence: fewer than two whole "
				"pickets inside the read-out area"),
			      f->idx + 1);
		goto out;
	}
	*spacing_px = sp;
out:
	free(st);
	free(sa);
	free(bt);
	return ret;
}

/*
 * Checks the catalogue's leaf grid against the image: between pickets, the leakage between
 * leaves draws a line along every pair boundary. The grid is shifted (within half a leaf) to
 * sit on those lines; without a visible pattern it stays where the isocentre puts it.
 */
static void check_grid(struct pf *f, double spacing_px)
{
	int na = f->a1 - f->a0 + 1, nt = f->t1 - f->t0 + 1, rows = 0;
	double *q = qc_xcalloc((size_t)na, sizeof(double)),
	       *hp = qc_xmalloc((size_t)na * sizeof(double));
	float *use = qc_xcalloc((size_t)nt, sizeof(float));
	for (int t = (int)ceil(f->pk[0]); t <= (int)f->pk[f->n_pk - 1]; t++) {
		double d = INFINITY;
		for (int k = 0; k < f->n_pk; k++)
			d = fmin(d, fabs(t - f->pk[k]));
		use[t - f->t0] = d >= 0.35 * spacing_px;
	}
	/* Every other line along the travel is enough to see the pattern. */
	for (int i = 0; i < nt; i++) {
		use[i] = i % 2 ? 0 : use[i];
		rows += use[i] > 0;
	}
	f->shift_mm = 0;
	if (rows < 3)
		goto out;
	for (int t = f->t0; f->along_y && t <= f->t1; t++) {
		const float *line = f->img->px + (size_t)t * (size_t)f->img->width;
		for (int a = f->a0; use[t - f->t0] > 0 && a <= f->a1; a++)
			q[a - f->a0] += line[a];
	}
	for (int a = f->a0; !f->along_y && a <= f->a1; a++) {
		const float *line = f->img->px + (size_t)a * (size_t)f->img->width + f->t0;
		float sum = 0;
		for (int i = 0; i < nt; i++)
			sum += use[i] * line[i];
		q[a - f->a0] = sum;
	}
	for (int i = 0; i < na; i++)
		q[i] *= f->sign / rows;
	leaf_box(f, q, hp, na, f->a0, f->iso_a, f->mm_a);
	for (int i = 0; i < na; i++)
		hp[i] = q[i] - hp[i];
	/* Boundaries inside the box, one leaf away from its ends. */
	double bnd[QC_MAX_LEAF_PAIRS + 1];
	int nb = 0;
	double w = min_leaf_width(f->m);
	for (int p = 1; p < f->m->leaf_pairs; p++) {
		if (!f->has[p])
			continue;
		double b = f->m->leaf_numbers_decrease ? f->lo[p] : f->hi[p];
		double px = f->iso_a + b / f->mm_a - f->a0;
		if (px > w / f->mm_a && px < na - 1 - w / f->mm_a)
			bnd[nb++] = px;
	}
	if (nb < 3)
		goto out;
	double best = -INFINITY, worst = INFINITY, best_d = 0;
	for (double d = -0.5 * w; d <= 0.5 * w + 1e-9; d += 0.02) {
		double sum = 0;
		for (int j = 0; j < nb; j++)
			sum += ana_interp(hp, na, bnd[j] + d / f->mm_a);
		sum /= nb;
		if (sum > best) {
			best = sum;
			best_d = d;
		}
		worst = fmin(worst, sum);
	}
	/* Noise of the score: pixel noise averaged over the rows and boundaries. */
	double noise = f->noise / sqrt((double)rows * nb);
	int on = 0;
	for (int j = 0; j < nb; j++)
		on += ana_interp(hp, na, bnd[j] + best_d / f->mm_a) > 0;
	f->grid_match = (double)on / nb;
	if (best - worst > 10 * noise && fabs(best_d) < 0.5 * w - 0.05) {
		f->grid_seen = true;
		f->shift_mm = best_d;
	}
out:
	free(q);
	free(hp);
	free(use);
}

/* The across pixel of a leaf-frame position (mm across at the isocentre row, travel pixel). */
static double band_px(const struct pf *f, double a_mm, double t_px)
{
	return f->iso_a + (a_mm + f->tilt * (t_px - f->iso_t) * f->mm_t) / f->mm_a;
}

/*
 * Profiles along the travel of the central band of every step-th pair, following the leaves when
 * the MLC is turned on the image (f->tilt); NULL rows for the others and those off the box.
 */
static double **pair_profiles(const struct pf *f, double *centre_mm, int step)
{
	int nt = f->t1 - f->t0 + 1, np = f->m->leaf_pairs;
	double **g = qc_xcalloc((size_t)np + 1, sizeof(*g));
	int *from = qc_xmalloc((size_t)nt * sizeof(int)),
	    *to = qc_xmalloc((size_t)nt * sizeof(int));
	for (int p = 1; p <= np; p++) {
		if (!f->has[p] || p % step)
			continue;
		double lo = f->lo[p] + f->shift_mm, hi = f->hi[p] + f->shift_mm;
		double half = 0.5 * BAND_FRACTION * (hi - lo) / f->mm_a,
		       w = 0.5 * (hi - lo) / f->mm_a;
		double c0 = band_px(f, 0.5 * (lo + hi), f->t0),
		       c1 = band_px(f, 0.5 * (lo + hi), f->t1);
		if (fmin(c0, c1) - w < f->a0 || fmax(c0, c1) + w > f->a1)
			continue;
		centre_mm[p] = 0.5 * (lo + hi);
		double *row = g[p] = qc_xcalloc((size_t)nt, sizeof(double));
		for (int t = f->t0; t <= f->t1; t++) {
			double c = band_px(f, centre_mm[p], t);
			int i = t - f->t0;
			from[i] = (int)ceil(c - half);
			to[i] = (int)floor(c + half);
			if (to[i] < from[i])
				from[i] = to[i] = (int)lround(c);
		}
		/* Wide bands: every stride-th line of them is plenty. */
		int stride = (to[0] - from[0]) / BAND_LINES + 1;
		if (f->along_y)
			for (int t = f->t0; t <= f->t1; t++) {
				const float *line = f->img->px + (size_t)t * (size_t)f->img->width;
				int i = t - f->t0, k = 0;
				double sum = 0;
				for (int a = from[i]; a <= to[i]; a += stride, k++)
					sum += line[a];
				row[i] = f->sign * sum / k;
			}
		else
			/* Image rows are the across axis: add them along runs of one band. */
			for (int i = 0, j; i < nt; i = j) {
				for (j = i + 1; j < nt && from[j] == from[i] && to[j] == to[i]; j++)
					;
				int lines = 0;
				for (int a = from[i]; a <= to[i]; a += stride, lines++) {
					const float *line =
					    f->img->px + (size_t)a * (size_t)f->img->width;
					for (int k = i; k < j; k++)
						row[k] += line[f->t0 + k];
				}
				double scale = f->sign / lines;
				for (int k = i; k < j; k++)
					row[k] *= scale;
			}
	}
	free(from);
	free(to);
	return g;
}

/* Finds each pair's peak at each picket, in a window around the picket's first line (or its
 * rough position before there is one). */
static size_t measure_pairs(const struct pf *f, double **g, const double *centre_mm,
			    double spacing_px, struct meas *ms)
{
	int nt = f->t1 - f->t0 + 1, h = (int)(0.45 * spacing_px);
	size_t n = 0;
	for (int k = 0; k < f->n_pk; k++)
		for (int p = 1; p <= f->m->leaf_pairs; p++) {
			if (!g[p])
				continue;
			double exp_t =
			    f->has_line[k] ? f->line_a[k] + f->line_b[k] * centre_mm[p] : f->pk[k];
			int lo = (int)lround(exp_t) - h - f->t0,
			    hi = (int)lround(exp_t) + h - f->t0;
			lo = lo < 0 ? 0 : lo;
			hi = hi > nt - 1 ? nt - 1 : hi;
			double c, prom;
			if (hi - lo < 4 || !fwhm_centre(g[p], lo, hi, lo, &c, &prom))
				continue;
			double a_mm = centre_mm[p] + f->tilt * (f->t0 + c - f->iso_t) * f->mm_t;
			ms[n++] = (struct meas){.pair = p,
						.picket = k,
						.a_mm = a_mm,
						.t_px = f->t0 + c,
						.prom = prom,
						.ok = true};
		}
	return n;
}

/*
 * Which pairs lie in the field: those whose peaks are, over the pickets, about as strong as the
 * others' (a pair under a jaw or outside the field gives weak or no peaks). A peak of an open
 * pair is kept when it clearly stands out (a narrowed gap gives a lower one); a pair in the
 * field without one at a picket is reported as missing there.
 */
static void classify(struct pf *f, struct meas *ms, size_t n)
{
	int np = f->m->leaf_pairs, found[QC_MAX_LEAF_PAIRS + 1] = {0};
	double med[QC_MAX_LEAF_PAIRS + 1] = {0}, all[QC_MAX_LEAF_PAIRS + 1];
	double *v = qc_xmalloc((n ? n : 1) * sizeof(double));
	int n_all = 0;
	for (int p = 1; p <= np; p++) {
		for (size_t i = 0; i < n; i++)
			if (ms[i].pair == p)
				v[found[p]++] = ms[i].prom;
		if (found[p]) {
			med[p] = ana_median(v, (size_t)found[p]);
			all[n_all++] = med[p];
		}
	}
	double global = ana_median(all, (size_t)n_all);
	int need = f->n_pk / 2 > 1 ? f->n_pk / 2 : 1;
	for (int p = 1; p <= np; p++)
		f->in_field[p] = found[p] >= need && med[p] >= PAIR_PROMINENCE * global;
	for (size_t i = 0; i < n; i++)
		ms[i].ok = f->in_field[ms[i].pair] && ms[i].prom >= PEAK_MIN * med[ms[i].pair] &&
			   ms[i].prom > 5 * f->noise;
	free(v);
}

struct picket {
	double a, b;	   /* t_mm = a + b * across_mm */
	double lo_a, hi_a; /* across extent of its measured pairs (mm) */
	int n;
	bool ok; /* enough pairs for a line */
};

static double to_img_x(const struct pf *f, double t_px, double a_px)
{
	return f->along_y ? a_px : t_px;
}

static double to_img_y(const struct pf *f, double t_px, double a_px)
{
	return f->along_y ? t_px : a_px;
}

static void report_grid(const struct pf *f, struct qc_result *res)
{
	struct qc_measure *m = qc_result_add(res, "leaf_grid_shift_mm", "mm", f->idx, f->shift_mm);
	if (f->grid_seen && f->grid_match < GRID_MATCH)
		snprintf(
		    m->note, sizeof(m->note),
		    _("check the leaf widths of machine '%s': only %.0f %% of its leaf boundaries "
		      "fall on an interleaf line of the image"),
		    f->m->id, 100 * f->grid_match);
	else if (f->grid_seen)
		snprintf(m->note, sizeof(m->note),
			 _("leaf grid of machine '%s' moved onto the interleaf lines of the image "
			   "(%.0f %% of its boundaries on a line)"),
			 f->m->id, 100 * f->grid_match);
	else
		snprintf(
		    m->note, sizeof(m->note),
		    _("no interleaf pattern visible: leaf grid of machine '%s' from the isocentre "
		      "as is"),
		    f->m->id);
}

/* The summary of the fence: counts, largest and median error, pass rate, spacing. */
static void report_summary(const struct pf *f, const struct meas *ms, size_t n,
			   const struct picket *pk, const int *number, int n_pk, int missing,
			   struct qc_result *res)
{
	int idx = f->idx, pairs = 0;
	double *abs_e = qc_xmalloc((n ? n : 1) * sizeof(double)), mx = 0;
	size_t c = 0, pass = 0;
	const struct meas *worst = NULL;
	bool seen[QC_MAX_LEAF_PAIRS + 1] = {false};
	for (size_t i = 0; i < n; i++) {
		if (!ms[i].ok)
			continue;
		abs_e[c++] = fabs(ms[i].error);
		pass += fabs(ms[i].error) <= TOL_MM;
		if (!worst || fabs(ms[i].error) > fabs(worst->error))
			worst = &ms[i];
		pairs += !seen[ms[i].pair];
		seen[ms[i].pair] = true;
		mx = fmax(mx, fabs(ms[i].error));
	}
	qc_result_add(res, "pickets", "", idx, n_pk);
	qc_result_add(res, "leaf_pairs", "", idx, pairs);
	struct qc_measure *m = qc_result_add(res, "max_error_mm", "mm", idx, mx);
	if (worst)
		snprintf(m->note, sizeof(m->note), _("picket %d, pair %d: %+.3f mm"),
			 number[worst->picket], worst->pair, worst->error);
	qc_result_add(res, "median_abs_error_mm", "mm", idx, ana_median(abs_e, c));
	m = qc_result_add(res, "pass_rate_pct", "%", idx,
			  c ? 100.0 * (double)pass / (double)(c + (size_t)missing) : 0);
	snprintf(m->note, sizeof(m->note),
		 _("leaf positions within %.1f mm of their picket line (a missing peak fails)"),
		 TOL_MM);
	m = qc_result_add(res, "missing_peaks", "", idx, missing);
	if (missing)
		snprintf(m->note, sizeof(m->note), "%s",
			 _("leaf pairs of the field without a peak at a picket: closed, or far "
			   "from the picket"));
	double first = 0, last = 0;
	for (int k = 0; k < f->n_pk; k++)
		if (pk[k].ok) {
			first = number[k] == 1 ? pk[k].a : first;
			last = pk[k].a;
		}
	qc_result_add(res, "picket_spacing_mm", "mm", idx, (last - first) / (n_pk - 1));
	report_grid(f, res);
	free(abs_e);
}

/* A measured pair: its error and a tick across its band at the measured position. */
static void report_pair(const struct pf *f, const struct meas *m, const char *name,
			struct qc_result *res)
{
	qc_result_add(res, name, "mm", f->idx, m->error);
	double a0 = band_px(f, f->lo[m->pair] + f->shift_mm, m->t_px) + 1;
	double a1 = band_px(f, f->hi[m->pair] + f->shift_mm, m->t_px) - 1;
	struct qc_overlay *o = qc_result_overlay(
	    res, QC_OV_LINE, QC_OVR_EDGE, f->idx, to_img_x(f, m->t_px, a0),
	    to_img_y(f, m->t_px, a0), to_img_x(f, m->t_px, a1), to_img_y(f, m->t_px, a1));
	/* Drawn in the verdict of its own error (the catalogue judges picket_*.pair_*.error_mm). */
	qc_strlcpy(o->measure, name, sizeof(o->measure));
}

/* Per picket its position and line; per pair and picket its error (or why there is none). */
static void report(const struct pf *f, const struct meas *ms, size_t n, const struct picket *pk,
		   struct qc_result *res)
{
	int idx = f->idx, number[MAX_PICKETS], n_pk = 0, missing = 0, np = f->m->leaf_pairs;
	char name[48], label[48];
	int *at = qc_xmalloc((size_t)f->n_pk * (size_t)(np + 1) * sizeof(int));
	for (int i = 0; i < f->n_pk * (np + 1); i++)
		at[i] = -1;
	for (size_t i = 0; i < n; i++)
		if (ms[i].ok)
			at[ms[i].picket * (np + 1) + ms[i].pair] = (int)i;
	for (int k = 0; k < f->n_pk; k++) {
		number[k] = pk[k].ok ? ++n_pk : 0;
		for (int p = 1; pk[k].ok && p <= np; p++)
			missing += f->in_field[p] && at[k * (np + 1) + p] < 0;
	}
	report_summary(f, ms, n, pk, number, n_pk, missing, res);
	for (int k = 0; k < f->n_pk; k++) {
		if (!pk[k].ok)
			continue;
		snprintf(name, sizeof(name), "picket_%d.position_mm", number[k]);
		qc_result_add(res, name, "mm", idx, pk[k].a);
		/* The picket line between its outermost pairs. */
		double t0 = (pk[k].a + pk[k].b * pk[k].lo_a) / f->mm_t + f->iso_t;
		double t1 = (pk[k].a + pk[k].b * pk[k].hi_a) / f->mm_t + f->iso_t;
		double a0 = pk[k].lo_a / f->mm_a + f->iso_a, a1 = pk[k].hi_a / f->mm_a + f->iso_a;
		qc_result_overlay(res, QC_OV_LINE, QC_OVR_REF, idx, to_img_x(f, t0, a0),
				  to_img_y(f, t0, a0), to_img_x(f, t1, a1), to_img_y(f, t1, a1));
	}
	for (int k = 0; k < f->n_pk; k++)
		for (int p = 1; pk[k].ok && p <= np; p++) {
			int i = at[k * (np + 1) + p];
			if (i < 0 && !f->in_field[p])
				continue;
			snprintf(name, sizeof(name), "picket_%d.pair_%02d.error_mm", number[k], p);
			if (i >= 0)
				report_pair(f, &ms[i], name, res);
			else
				qc_result_add_null(
				    res, name, "mm", idx,
				    _("no peak: the leaves of this pair did not open at "
				      "this picket (closed, or far from it)"));
		}
	snprintf(label, sizeof(label), _("%d pickets, leaves along %c"), n_pk,
		 f->along_y ? 'y' : 'x');
	qc_strlcpy(res->label[idx], label, sizeof(res->label[idx]));
	free(at);
}

/*
 * Line t = a + b * x through the pairs that follow it: outliers (the leaf errors the test is
 * looking for) are dropped until the set of inliers no longer changes, so that a few large
 * errors, even at the ends of the picket, do not tilt the line of the others.
 */
static bool fit_robust(const double *x, const double *y, size_t n, double *a, double *b)
{
	double *xi = qc_xmalloc(n * sizeof(double)), *yi = qc_xmalloc(n * sizeof(double));
	double *r = qc_xmalloc(n * sizeof(double));
	bool *in = qc_xmalloc(n * sizeof(bool)), ok = ana_fit_line(x, y, n, a, b);
	for (size_t i = 0; i < n; i++)
		in[i] = true;
	for (int it = 0; ok && it < 20; it++) {
		for (size_t i = 0; i < n; i++)
			r[i] = fabs(y[i] - (*a + *b * x[i]));
		size_t k = 0;
		for (size_t i = 0; i < n; i++)
			if (in[i])
				xi[k] = r[i], k++;
		double limit = fmax(3 * 1.4826 * ana_median(xi, k), FIT_FLOOR_MM);
		bool changed = false;
		k = 0;
		for (size_t i = 0; i < n; i++) {
			bool keep = r[i] <= limit;
			changed |= keep != in[i];
			in[i] = keep;
			if (keep) {
				xi[k] = x[i];
				yi[k++] = y[i];
			}
		}
		if (!changed)
			break;
		ok = k >= MIN_PAIRS && ana_fit_line(xi, yi, k, a, b);
	}
	free(xi);
	free(yi);
	free(r);
	free(in);
	return ok;
}

/* Fits each picket's line through its pairs and sets every pair's error from it. */
static void fit_lines(const struct pf *f, struct meas *ms, size_t n, struct picket *pk)
{
	double *x = qc_xmalloc((n ? n : 1) * sizeof(double)),
	       *y = qc_xmalloc((n ? n : 1) * sizeof(double));
	for (int k = 0; k < f->n_pk; k++) {
		size_t c = 0;
		struct picket *p = &pk[k];
		*p = (struct picket){.lo_a = INFINITY, .hi_a = -INFINITY};
		for (size_t i = 0; i < n; i++)
			if (ms[i].ok && ms[i].picket == k) {
				x[c] = ms[i].a_mm;
				y[c++] = (ms[i].t_px - f->iso_t) * f->mm_t;
				p->lo_a = fmin(p->lo_a, ms[i].a_mm);
				p->hi_a = fmax(p->hi_a, ms[i].a_mm);
			}
		p->n = (int)c;
		p->ok = c >= MIN_PAIRS && fit_robust(x, y, c, &p->a, &p->b);
	}
	for (size_t i = 0; i < n; i++) {
		const struct picket *p = &pk[ms[i].picket];
		ms[i].ok = ms[i].ok && p->ok;
		ms[i].error = (ms[i].t_px - f->iso_t) * f->mm_t - (p->a + p->b * ms[i].a_mm);
	}
	free(x);
	free(y);
}

/* Pair profiles (every step-th pair), peaks, weak peaks dropped, picket lines fitted. */
static size_t measure_round(struct pf *f, double spacing, int step, struct meas *ms,
			    struct picket *pk)
{
	double centre_mm[QC_MAX_LEAF_PAIRS + 1] = {0};
	double **g = pair_profiles(f, centre_mm, step);
	size_t n = measure_pairs(f, g, centre_mm, spacing, ms);
	for (int p = 0; p <= f->m->leaf_pairs; p++)
		free(g[p]);
	free(g);
	classify(f, ms, n);
	fit_lines(f, ms, n, pk);
	return n;
}

/*
 * A first round on about a dozen pairs gives each picket's line and the MLC's rotation on the
 * image; the full round then follows the leaves (bands perpendicular to the pickets) when they
 * would drift by a quarter pixel or more between the pickets.
 */
static size_t measure(struct pf *f, double spacing, struct meas *ms, struct picket *pk)
{
	int in_box = 0;
	for (int p = 1; p <= f->m->leaf_pairs; p++)
		in_box += f->has[p] && f->iso_a + f->lo[p] / f->mm_a >= f->a0 &&
			  f->iso_a + f->hi[p] / f->mm_a <= f->a1;
	int step = in_box / 12 > 1 ? in_box / 12 : 1;
	size_t n = measure_round(f, spacing, step, ms, pk);
	double b[MAX_PICKETS], drift = 0;
	int nb = 0;
	for (int k = 0; k < f->n_pk; k++)
		if (pk[k].ok) {
			f->has_line[k] = true;
			f->line_a[k] = f->iso_t + pk[k].a / f->mm_t;
			f->line_b[k] = pk[k].b / f->mm_t;
			b[nb++] = pk[k].b;
		}
	double tilt = nb ? -ana_median(b, (size_t)nb) : 0;
	for (int k = 0; k < f->n_pk; k++)
		if (pk[k].ok)
			drift = fmax(drift, fabs(tilt * pk[k].a) / f->mm_a);
	f->tilt = drift > 0.25 ? tilt : 0;
	if (step > 1 || f->tilt != 0)
		n = measure_round(f, spacing, 1, ms, pk);
	return n;
}

static enum qc_status analyse(const struct qc_image *img, int idx, const struct ana_context *ctx,
			      struct qc_result *res)
{
	struct pf f = {.img = img, .idx = idx};
	enum qc_status st = ana_check_mv_input(img, idx, N_("a picket fence"), 64);
	if (st)
		return st;
	f.m = ana_machine_for(img, ctx);
	if (!f.m || f.m->leaf_pairs < 1)
		return qc_fail(QC_ERR_ANALYSIS,
			       _("image %d: no MLC geometry for its machine (model '%s'): add a "
				 "machine with this model and its leaf_widths to the catalogue"),
			       idx + 1, img->tags.model);
	st = ana_check_leaf_geometry(f.m, idx);
	if (st)
		return st;
	for (int p = 1; p <= f.m->leaf_pairs; p++)
		f.has[p] = ana_leaf_pair_span(f.m, p, &f.lo[p], &f.hi[p]);
	int x0, y0, x1, y1;
	if (!ana_valid_bbox(img, &x0, &y0, &x1, &y1) || x1 - x0 < 4 * MARGIN_PX + 32 ||
	    y1 - y0 < 4 * MARGIN_PX + 32)
		return qc_fail(QC_ERR_ANALYSIS,
			       _("image %d does not look like a picket fence: it is blank"),
			       idx + 1);
	x0 += MARGIN_PX;
	y0 += MARGIN_PX;
	x1 -= MARGIN_PX;
	y1 -= MARGIN_PX;
	f.along_y = f.m->leaf_travel != 'x';
	double iso_col, iso_row;
	const char *src;
	ana_iso_pixel(img, ctx, &iso_col, &iso_row, &src);
	f.t0 = f.along_y ? y0 : x0;
	f.t1 = f.along_y ? y1 : x1;
	f.a0 = f.along_y ? x0 : y0;
	f.a1 = f.along_y ? x1 : y1;
	f.mm_t = f.along_y ? qc_image_mm_y(img) : qc_image_mm_x(img);
	f.mm_a = f.along_y ? qc_image_mm_x(img) : qc_image_mm_y(img);
	f.iso_t = f.along_y ? iso_row : iso_col;
	f.iso_a = f.along_y ? iso_col : iso_row;

	int nt = f.t1 - f.t0 + 1, na = f.a1 - f.a0 + 1;
	double *pt = qc_xmalloc((size_t)nt * sizeof(double)),
	       *pa = qc_xmalloc((size_t)na * sizeof(double));
	double spacing = 0;
	mean_profiles(&f, pt, pa);
	st = polarity(&f, pt, pa);
	if (!st)
		st = find_pickets(&f, pt, pa, &spacing);
	free(pt);
	free(pa);
	if (st)
		return st;
	res->inverted[idx] = f.sign < 0;
	check_grid(&f, spacing);
	struct meas *ms = qc_xmalloc(((size_t)f.m->leaf_pairs * f.n_pk + 1) * sizeof(*ms));
	struct picket pk[MAX_PICKETS];
	size_t n = measure(&f, spacing, ms, pk);
	int n_pk = 0;
	for (int k = 0; k < f.n_pk; k++)
		n_pk += pk[k].ok;
	if (n_pk < 2) {
		free(ms);
		return qc_fail(
		    QC_ERR_ANALYSIS,
		    _("image %d does not look like a picket fence: fewer than two pickets "
		      "crossed by %d leaf pairs"),
		    idx + 1, MIN_PAIRS);
	}
	report(&f, ms, n, pk, res);
	free(ms);
	return QC_OK;
}

static enum qc_status run(const struct qc_image *const *imgs, size_t n,
			  const struct ana_context *ctx, struct qc_result *res)
{
	return ana_each_image(imgs, n, ctx, res, analyse);
}

const struct qc_analysis ana_picket_fence = {
    .id = "picket_fence",
    .version = "1.0",
    .summary = "MLC picket fence: each leaf pair's error from its fitted picket line",
    .min_images = 1,
    .max_images = 16,
    .run = run,
};
