/* mr_ghosting: phase-encoding ghost level beside a small MR phantom (MagNET small bottle). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mr_int.h"

#define WHAT N_("an MR ghosting phantom")
/* Protocol pixels (MagNET): ghost regions start 30 pixels beyond the phantom and stay 5 pixels
 * inside the image border. */
#define GAP_PX	  30
#define BORDER_PX 5

struct region {
	double sum;
	size_t n;
};

static double mean_of(const struct region *r)
{
	return r->n ? r->sum / (double)r->n : NAN;
}

/*
 * Ghosts of a phantom repeat it along the phase-encoding direction, in the band of rows (phase
 * along x) or columns (phase along y) that it covers. The noise reference is the background
 * outside both bands, clear of the phantom: the diagonal quadrants.
 */
static void regions(const struct qc_image *img, const struct mr_phantom *ph, int gap, int m,
		    struct region *band_h, struct region *band_v, struct region *noise)
{
	for (int y = m; y < img->height - m; y++)
		for (int x = m; x < img->width - m; x++) {
			bool in_rows = y >= ph->y0 && y <= ph->y1;
			bool in_cols = x >= ph->x0 && x <= ph->x1;
			bool near_rows = y >= ph->y0 - gap && y <= ph->y1 + gap;
			bool near_cols = x >= ph->x0 - gap && x <= ph->x1 + gap;
			struct region *r = NULL;
			if (in_rows && !near_cols)
				r = band_h;
			else if (in_cols && !near_rows)
				r = band_v;
			else if (!near_rows && !near_cols)
				r = noise;
			if (r) {
				r->sum += qc_px(img, x, y);
				r->n++;
			}
		}
}

/*
 * The strongest ghost: a window of the signal region's size slid along each band (centred on
 * the phantom's centre line), its largest mean. Discrete ghosts (N/2) cover a small part of the
 * band, which dilutes them in the band mean.
 */
static double peak(const struct qc_image *img, const struct mr_phantom *ph, int gap, int m,
		   int half, bool along_x, int *at)
{
	int w = img->width, h = img->height, c = (int)lround(along_x ? ph->cy : ph->cx);
	int lo = along_x ? ph->x0 : ph->y0, hi = along_x ? ph->x1 : ph->y1;
	int len = along_x ? w : h;
	double best = -INFINITY;
	*at = -1;
	for (int p = m + half; p < len - m - half; p++) {
		if (p + half >= lo - gap && p - half <= hi + gap)
			continue;
		struct mr_stats s;
		int x = along_x ? p : c, y = along_x ? c : p;
		if (!ana_mr_rect_stats(img->px, w, h, x - half, y - half, x + half, y + half, &s))
			continue;
		if (s.mean > best) {
			best = s.mean;
			*at = p;
		}
	}
	return best;
}

static void band_overlays(struct qc_result *res, int idx, const struct qc_image *img,
			  const struct mr_phantom *ph, int gap, int m)
{
	int lo_x = ph->x0 - gap - 1, hi_x = ph->x1 + gap + 1;
	int lo_y = ph->y0 - gap - 1, hi_y = ph->y1 + gap + 1;
	if (lo_x >= m)
		ana_mr_rect(res, QC_OVR_ROI, idx, m, ph->y0, lo_x, ph->y1, "ghosting_h_pct");
	if (hi_x <= img->width - 1 - m)
		ana_mr_rect(res, QC_OVR_ROI, idx, hi_x, ph->y0, img->width - 1 - m, ph->y1,
			    "ghosting_h_pct");
	if (lo_y >= m)
		ana_mr_rect(res, QC_OVR_ROI, idx, ph->x0, m, ph->x1, lo_y, "ghosting_v_pct");
	if (hi_y <= img->height - 1 - m)
		ana_mr_rect(res, QC_OVR_ROI, idx, ph->x0, hi_y, ph->x1, img->height - 1 - m,
			    "ghosting_v_pct");
}

/* What the regions of one image hold, in percent of the phantom signal. */
struct ghosts {
	double sig, bg;	  /* phantom and background means */
	bool have[2];	  /* a band along x, along y */
	double band[2];	  /* band mean - background */
	double peak[2];	  /* strongest window - background; -INFINITY when none */
	double window_mm; /* side of the windows */
};

static void report(const struct ghosts *g, int idx, struct qc_result *res)
{
	static const char *const name[2] = {"ghosting_h_pct", "ghosting_v_pct"};
	static const char *const axis[2] = {"x", "y"};
	const char *no_room = _("no room for a ghost region beside the phantom");
	for (int k = 0; k < 2; k++) {
		if (!g->have[k]) {
			qc_result_add_null(res, name[k], "%", idx, no_room);
			continue;
		}
		struct qc_measure *m = qc_result_add(res, name[k], "%", idx, g->band[k]);
		snprintf(
		    m->note, sizeof(m->note),
		    _("ghosts along %s: band mean %+.4g from the background %.4g, phantom %.4g"),
		    axis[k], g->band[k] * g->sig / 100, g->bg, g->sig);
	}
	if (!g->have[0] && !g->have[1]) {
		qc_result_add_null(res, "ghosting_pct", "%", idx, no_room);
		qc_result_add_null(res, "ghosting_peak_pct", "%", idx, no_room);
		return;
	}
	/* The phase-encoding direction is not among the tags read: the larger of the two is the
	 * ghost level (the other direction holds noise and truncation only). Signed values: a
	 * band darker than the background (zero-filled noise) holds no ghost. */
	int k = !g->have[0] || (g->have[1] && g->band[1] > g->band[0]);
	struct qc_measure *m = qc_result_add(res, "ghosting_pct", "%", idx, fmax(g->band[k], 0));
	if (g->band[k] > 0)
		snprintf(m->note, sizeof(m->note), _("the larger of the two directions (along %s)"),
			 axis[k]);
	else
		snprintf(m->note, sizeof(m->note), "%s", _("no ghost above the background level"));
	k = g->peak[1] > g->peak[0];
	if (!isfinite(g->peak[k])) {
		qc_result_add_null(res, "ghosting_peak_pct", "%", idx,
				   _("no room for a ghost window beside the phantom"));
		return;
	}
	m = qc_result_add(res, "ghosting_peak_pct", "%", idx, fmax(g->peak[k], 0));
	snprintf(m->note, sizeof(m->note),
		 _("strongest ghost: a %.0f mm window along %s, %.3g %% (%.3g %% along %s)"),
		 g->window_mm, axis[k], g->peak[k], isfinite(g->peak[!k]) ? g->peak[!k] : 0.0,
		 axis[!k]);
}

static enum qc_status ghosting(const struct qc_image *img, int idx, struct qc_result *res)
{
	struct mr_phantom ph;
	enum qc_status st;
	if ((st = ana_mr_check(img, idx, WHAT)) || (st = ana_mr_phantom(img, idx, WHAT, &ph)))
		return st;
	int gap = ana_mr_px(img, GAP_PX), m = ana_mr_px(img, BORDER_PX);
	/* Signal: the central half of the phantom, away from its bright or dark rim. */
	int half = (int)floor(0.25 * fmin(ph.x1 - ph.x0 + 1, ph.y1 - ph.y0 + 1));
	int cx = (int)lround(ph.cx), cy = (int)lround(ph.cy);
	struct mr_stats sig;
	ana_mr_rect_stats(img->px, img->width, img->height, cx - half, cy - half, cx + half,
			  cy + half, &sig);
	struct region bh = {0}, bv = {0}, noise = {0};
	regions(img, &ph, gap, m, &bh, &bv, &noise);
	int at[2];
	double pk[2] = {peak(img, &ph, gap, m, half, true, &at[0]),
			peak(img, &ph, gap, m, half, false, &at[1])};
	ana_mr_outline(res, idx, &ph, NULL);
	ana_mr_rect(res, QC_OVR_ROI, idx, cx - half, cy - half, cx + half, cy + half,
		    "ghosting_pct");
	band_overlays(res, idx, img, &ph, gap, m);
	for (int k = 0; k < 2; k++)
		if (at[k] >= 0) {
			int x = k ? cx : at[k], y = k ? at[k] : cy;
			ana_mr_rect(res, QC_OVR_ROI, idx, x - half, y - half, x + half, y + half,
				    "ghosting_peak_pct");
		}
	ana_mr_phantom_release(&ph);
	if (!noise.n) {
		const char *why = _("no background clear of the phantom and of its ghost bands");
		qc_result_add_null(res, "ghosting_h_pct", "%", idx, why);
		qc_result_add_null(res, "ghosting_v_pct", "%", idx, why);
		qc_result_add_null(res, "ghosting_pct", "%", idx, why);
		qc_result_add_null(res, "ghosting_peak_pct", "%", idx, why);
		return QC_OK;
	}
	struct ghosts g = {.sig = sig.mean,
			   .bg = mean_of(&noise),
			   .have = {bh.n > 0, bv.n > 0},
			   .window_mm = (2 * half + 1) * img->geo.pixel_x_mm};
	g.band[0] = 100 * (mean_of(&bh) - g.bg) / g.sig;
	g.band[1] = 100 * (mean_of(&bv) - g.bg) / g.sig;
	for (int k = 0; k < 2; k++)
		g.peak[k] = at[k] >= 0 ? 100 * (pk[k] - g.bg) / g.sig : -INFINITY;
	report(&g, idx, res);
	return QC_OK;
}

static enum qc_status run(const struct qc_image *const *imgs, size_t n,
			  const struct ana_context *ctx, struct qc_result *res)
{
	(void)ctx;
	for (size_t i = 0; i < n; i++) {
		enum qc_status st = ghosting(imgs[i], (int)i, res);
		if (st)
			return st;
	}
	return QC_OK;
}

const struct qc_analysis ana_mr_ghosting = {
    .id = "mr_ghosting",
    .version = "1.0",
    .summary = "small MR phantom: ghost level along both in-plane directions (MagNET)",
    .min_images = 1,
    .max_images = 16,
    .run = run,
};
