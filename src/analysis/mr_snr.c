/* mr_snr: signal-to-noise ratio of a uniform MR phantom (subtraction, NEMA, smoothing, MagNET). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mr_int.h"

#define WHAT N_("a uniform MR phantom")
/* MagNET regions in protocol pixels (McCann et al. 2013): 20 x 20 at the centre and four more
 * whose inner corners lie 30 pixels from it along both axes. */
#define ROI_SIDE   20
#define ROI_OFFSET 30
/* The smoothing kernel of the single-image method (9 protocol pixels, head coil). */
#define SMOOTH_PX 9
/* NEMA: the signal region covers 75 % of the area of the phantom's inscribed circle. */
#define NEMA_AREA 0.75
/* Rayleigh (magnitude) background: sd = 0.655 sigma, mean = 1.253 sigma. A background whose
 * mean is below its sd is signed (real-valued reconstruction): no correction then. */
#define RAYLEIGH_SD 0.655
/* The NEMA figure above this many times the smoothing one: the background is not raw noise. */
#define QUIET_BACKGROUND 1.5

struct rois {
	int x0[5], y0[5], side;
};

static void magnet_rois(const struct qc_image *img, const struct mr_phantom *ph, struct rois *r)
{
	int s = ana_mr_px(img, ROI_SIDE), off = ana_mr_px(img, ROI_OFFSET);
	int cx = (int)floor(ph->cx), cy = (int)floor(ph->cy);
	static const int dir[4][2] = {{-1, -1}, {1, -1}, {-1, 1}, {1, 1}};
	r->side = s;
	r->x0[0] = cx - s / 2;
	r->y0[0] = cy - s / 2;
	for (int k = 0; k < 4; k++) {
		r->x0[k + 1] = dir[k][0] < 0 ? cx - off - s : cx + off;
		r->y0[k + 1] = dir[k][1] < 0 ? cy - off - s : cy + off;
	}
}

/* Every region lies on the phantom (not on its edge, a bubble or outside the image). */
static bool rois_inside(const struct qc_image *img, const struct mr_phantom *ph,
			const struct rois *r)
{
	for (int k = 0; k < 5; k++)
		for (int y = r->y0[k]; y < r->y0[k] + r->side; y++)
			for (int x = r->x0[k]; x < r->x0[k] + r->side; x++)
				if (x < 0 || y < 0 || x >= img->width || y >= img->height ||
				    !ph->mask[(size_t)y * (size_t)img->width + (size_t)x])
					return false;
	return true;
}

/* Mean over the five regions of mean(signal) / (sd(noise) * scale); NAN without noise. */
static double roi_snr(const struct qc_image *img, const float *signal, const float *noise,
		      const struct rois *r, double scale)
{
	double acc = 0;
	for (int k = 0; k < 5; k++) {
		struct mr_stats s, n;
		int x1 = r->x0[k] + r->side - 1, y1 = r->y0[k] + r->side - 1;
		ana_mr_rect_stats(signal, img->width, img->height, r->x0[k], r->y0[k], x1, y1, &s);
		ana_mr_rect_stats(noise, img->width, img->height, r->x0[k], r->y0[k], x1, y1, &n);
		if (!(n.sd > 0))
			return NAN;
		acc += s.mean / (n.sd * scale);
	}
	return acc / 5;
}

/* McCann's single-image SNR: the noise is the image minus its box-smoothed copy. */
static double smoothing_snr(const struct qc_image *img, const struct rois *r)
{
	size_t npx = (size_t)img->width * (size_t)img->height;
	float *sm = qc_xmalloc(npx * sizeof(float));
	int k = 2 * (ana_mr_px(img, SMOOTH_PX) / 2) + 1;
	ana_mr_box_mean(img->px, img->width, img->height, k, sm);
	for (size_t i = 0; i < npx; i++)
		sm[i] = img->px[i] - sm[i];
	double snr = roi_snr(img, img->px, sm, r, 1.0);
	free(sm);
	return snr;
}

/* A box [x0, x1] x [y0, y1] lies outside the phantom outline grown by gap pixels. */
static bool clear_of(const struct mr_phantom *ph, int x0, int y0, int x1, int y1, double gap)
{
	if (!ph->round)
		return x1 < ph->x0 - gap || x0 > ph->x1 + gap || y1 < ph->y0 - gap ||
		       y0 > ph->y1 + gap;
	double nx = fmax(x0, fmin(ph->cx, x1)), ny = fmax(y0, fmin(ph->cy, y1));
	return hypot(nx - ph->cx, ny - ph->cy) > ph->rx + gap;
}

/* Background boxes in the image corners, as large as fits up to an eighth of the image, 10 mm
 * clear of the phantom: away from the phase-encoding ghosts of a centred phantom too. */
static int corner_boxes(const struct qc_image *img, const struct mr_phantom *ph, int box[4][4])
{
	int most = (img->width < img->height ? img->width : img->height) / 8;
	double gap = 10.0 / fmin(img->geo.pixel_x_mm, img->geo.pixel_y_mm);
	int n = 0;
	for (int k = 0; k < 4; k++)
		for (int side = most; side >= 8; side--) {
			int x0 = k % 2 ? img->width - 2 - side : 2;
			int y0 = k / 2 ? img->height - 2 - side : 2;
			if (!clear_of(ph, x0, y0, x0 + side - 1, y0 + side - 1, gap))
				continue;
			box[n][0] = x0;
			box[n][1] = y0;
			box[n][2] = x0 + side - 1;
			box[n][3] = y0 + side - 1;
			n++;
			break;
		}
	return n;
}

/* NEMA single-image SNR on image idx; false with a reason when not measurable. */
static bool nema_snr(const struct qc_image *img, int idx, const struct mr_phantom *ph,
		     struct qc_result *res, double *snr, char *why, size_t why_len)
{
	int box[4][4], n = corner_boxes(img, ph, box);
	if (!n) {
		snprintf(why, why_len, "%s",
			 _("no background in the image corners clear of the phantom"));
		return false;
	}
	/* Medians over the corners: one corner may hold an artefact (wrap, a coil's edge). */
	double means[4], sds[4];
	size_t total = 0, zeros = 0;
	for (int k = 0; k < n; k++) {
		struct mr_stats s;
		ana_mr_rect_stats(img->px, img->width, img->height, box[k][0], box[k][1], box[k][2],
				  box[k][3], &s);
		means[k] = s.mean;
		sds[k] = s.sd;
		total += s.n;
		for (int y = box[k][1]; y <= box[k][3]; y++)
			for (int x = box[k][0]; x <= box[k][2]; x++)
				zeros += qc_px(img, x, y) == 0;
		ana_mr_rect(res, QC_OVR_ROI, idx, box[k][0], box[k][1], box[k][2], box[k][3],
			    "snr_single");
	}
	double bg_mean = ana_median(means, (size_t)n), bg_sd = ana_median(sds, (size_t)n);
	if (bg_sd <= 0 || zeros * 2 > total) {
		snprintf(why, why_len, "%s",
			 _("the background is zero-filled: no noise to measure there"));
		return false;
	}
	/* Signal: the central circle of 75 % of the inscribed circle's area, clear of bubbles. */
	double r_in = fmin(ph->rx, ph->ry), r = sqrt(NEMA_AREA) * r_in;
	r = fmin(r, ana_mr_clear_radius(img, ph, r + 2) - 2);
	double s = 0;
	size_t m = 0;
	for (int y = (int)ceil(ph->cy - r); y <= (int)floor(ph->cy + r); y++)
		for (int x = (int)ceil(ph->cx - r); x <= (int)floor(ph->cx + r); x++)
			if (hypot(x - ph->cx, y - ph->cy) <= r && x >= 0 && y >= 0 &&
			    x < img->width && y < img->height) {
				s += qc_px(img, x, y);
				m++;
			}
	if (m < 10) {
		snprintf(why, why_len, "%s", _("the phantom is too small for a signal region"));
		return false;
	}
	struct qc_overlay *o =
	    qc_result_overlay(res, QC_OV_CIRCLE, QC_OVR_ROI, idx, ph->cx, ph->cy, 0, 0);
	o->r = r;
	qc_strlcpy(o->measure, "snr_single", sizeof(o->measure));
	bool magnitude = bg_mean > bg_sd;
	*snr = (magnitude ? RAYLEIGH_SD : 1.0) * (s / (double)m) / bg_sd;
	if (!magnitude)
		snprintf(why, why_len, "%s",
			 _("signed background (real-valued image): noise sd used without the "
			   "Rayleigh factor 0.655"));
	else
		why[0] = '\0';
	return true;
}

/*
 * MagNET normalisation (the MATLAB original, as hazen has it): SNR per cm^3 of voxel and per
 * square root of acquisition second, relative to a 30 kHz half receive bandwidth:
 *   SNR * sqrt(BW * columns / 2 / 1000 / 30) / (0.001 dx dy dz) / sqrt(NSA * rows * TR / 1000)
 * with BW in Hz per pixel, TR in ms; rows stands for the phase-encoding steps.
 */
static bool norm_factor(const struct qc_image *img, double *f, char *why, size_t why_len)
{
	const struct qc_geometry *g = &img->geo;
	const char *missing = NULL;
	if (!g->has_slice_thickness || g->slice_thickness_mm <= 0)
		missing = "SliceThickness";
	else if (g->repetition_time_ms <= 0)
		missing = "RepetitionTime";
	else if (g->pixel_bandwidth_hz <= 0)
		missing = "PixelBandwidth";
	if (missing) {
		snprintf(why, why_len, _("not normalised: the image has no %s"), missing);
		return false;
	}
	double nsa = g->averages > 0 ? g->averages : 1;
	double bw = sqrt(g->pixel_bandwidth_hz * img->width / 2 / 1000) / sqrt(30);
	double voxel = 1 / (0.001 * g->pixel_x_mm * g->pixel_y_mm * g->slice_thickness_mm);
	*f = bw * voxel / sqrt(nsa * img->height * g->repetition_time_ms / 1000);
	if (g->averages > 0)
		why[0] = '\0';
	else
		snprintf(why, why_len, "%s", _("NumberOfAverages absent: 1 assumed"));
	return true;
}

/*
 * A repeat is the same slice of a phantom that has not moved: orientation cosines within 0.001
 * (0.06 degree), slice positions within 0.5 mm along the normal, phantom centres within
 * 1.5 pixels and at least 1 mm. Measured centre differences of true repeats: 0.00 to 0.04 mm on
 * round outlines (hazen's Siemens pair, generated pairs); 0.49 mm (half a pixel) on hazen's
 * Philips pair, whose rectangular outline's bottom row flickers with the noise.
 */
#define SAME_COSINE   1e-3
#define SAME_SLICE_MM 0.5
#define MOVED_PX      1.5
#define MOVED_MM      1.0

/* Position of image img along the normal of its slice (mm). */
static double slice_pos(const struct qc_geometry *g)
{
	const double *o = g->image_orientation;
	double n[3] = {o[1] * o[5] - o[2] * o[4], o[2] * o[3] - o[0] * o[5],
		       o[0] * o[4] - o[1] * o[3]};
	return n[0] * g->image_position[0] + n[1] * g->image_position[1] +
	       n[2] * g->image_position[2];
}

static enum qc_status check_geometry(const struct qc_image *a, const struct qc_image *b)
{
	const struct qc_geometry *ga = &a->geo, *gb = &b->geo;
	if (ga->has_orientation != gb->has_orientation)
		return qc_fail(QC_ERR_ANALYSIS,
			       _("image 2 does not look like a repeat of image 1: "
				 "image %d has no ImageOrientationPatient"),
			       ga->has_orientation ? 2 : 1);
	if (!ga->has_orientation)
		return QC_OK;
	for (int k = 0; k < 6; k++)
		if (fabs(ga->image_orientation[k] - gb->image_orientation[k]) > SAME_COSINE)
			return qc_fail(
			    QC_ERR_ANALYSIS,
			    _("image 2 does not look like a repeat of image 1: "
			      "orientation (%.3g, %.3g, %.3g, %.3g, %.3g, %.3g) against (%.3g, "
			      "%.3g, %.3g, %.3g, %.3g, %.3g)"),
			    gb->image_orientation[0], gb->image_orientation[1],
			    gb->image_orientation[2], gb->image_orientation[3],
			    gb->image_orientation[4], gb->image_orientation[5],
			    ga->image_orientation[0], ga->image_orientation[1],
			    ga->image_orientation[2], ga->image_orientation[3],
			    ga->image_orientation[4], ga->image_orientation[5]);
	if (ga->has_position != gb->has_position)
		return qc_fail(QC_ERR_ANALYSIS,
			       _("image 2 does not look like a repeat of image 1: "
				 "image %d has no ImagePositionPatient"),
			       ga->has_position ? 2 : 1);
	if (ga->has_position && fabs(slice_pos(ga) - slice_pos(gb)) > SAME_SLICE_MM)
		return qc_fail(QC_ERR_ANALYSIS,
			       _("image 2 does not look like a repeat of image 1: "
				 "another slice (%.1f mm from it along the normal)"),
			       slice_pos(gb) - slice_pos(ga));
	return QC_OK;
}

static enum qc_status check_pair(const struct qc_image *a, const struct qc_image *b,
				 const struct mr_phantom *ph)
{
	if (a->width != b->width || a->height != b->height)
		return qc_fail(QC_ERR_ANALYSIS,
			       _("image 2 does not look like a repeat of image 1: "
				 "%d x %d pixels against %d x %d"),
			       b->width, b->height, a->width, a->height);
	if (fabs(a->geo.pixel_x_mm - b->geo.pixel_x_mm) > 1e-3 ||
	    fabs(a->geo.pixel_y_mm - b->geo.pixel_y_mm) > 1e-3)
		return qc_fail(QC_ERR_ANALYSIS,
			       _("image 2 does not look like a repeat of image 1: "
				 "pixel spacing %g mm against %g mm"),
			       b->geo.pixel_x_mm, a->geo.pixel_x_mm);
	if (fabs(a->geo.echo_time_ms - b->geo.echo_time_ms) > 1e-3 ||
	    fabs(a->geo.repetition_time_ms - b->geo.repetition_time_ms) > 1e-3)
		return qc_fail(QC_ERR_ANALYSIS,
			       _("image 2 does not look like a repeat of image 1: "
				 "TR/TE %g/%g ms against %g/%g ms"),
			       b->geo.repetition_time_ms, b->geo.echo_time_ms,
			       a->geo.repetition_time_ms, a->geo.echo_time_ms);
	enum qc_status st = check_geometry(a, b);
	if (st)
		return st;
	double dx = (ph[1].cx - ph[0].cx) * a->geo.pixel_x_mm;
	double dy = (ph[1].cy - ph[0].cy) * a->geo.pixel_y_mm;
	double lim = fmax(MOVED_MM, MOVED_PX * fmax(a->geo.pixel_x_mm, a->geo.pixel_y_mm));
	if (hypot(dx, dy) > lim)
		return qc_fail(QC_ERR_ANALYSIS,
			       _("image 2 does not look like a repeat of image 1: "
				 "the phantom moved by %.1f mm between them (%+.1f, %+.1f mm): "
				 "the subtraction would measure the move, not the noise"),
			       hypot(dx, dy), dx, dy);
	if (!memcmp(a->px, b->px, (size_t)a->width * (size_t)a->height * sizeof(float)))
		return qc_fail(QC_ERR_ANALYSIS, _("image 2 does not look like a repeat of image 1: "
						  "it is the same image (no noise in the "
						  "difference)"));
	return QC_OK;
}

static void draw_rois(struct qc_result *res, int idx, const struct rois *r, const char *measure)
{
	for (int k = 0; k < 5; k++)
		ana_mr_rect(res, QC_OVR_ROI, idx, r->x0[k], r->y0[k], r->x0[k] + r->side - 1,
			    r->y0[k] + r->side - 1, measure);
}

static double subtraction_snr(const struct qc_image *a, const struct qc_image *b,
			      const struct rois *r)
{
	size_t npx = (size_t)a->width * (size_t)a->height;
	float *d = qc_xmalloc(npx * sizeof(float));
	for (size_t i = 0; i < npx; i++)
		d[i] = a->px[i] - b->px[i];
	double snr = roi_snr(a, a->px, d, r, 1 / M_SQRT2);
	free(d);
	return snr;
}

static void report(const struct qc_image *const *imgs, size_t n, const struct mr_phantom *ph,
		   const struct rois *r, struct qc_result *res)
{
	char why[160], fwhy[96];
	double f = 0;
	bool has_f = norm_factor(imgs[0], &f, fwhy, sizeof(fwhy));
	for (size_t i = 0; i < n; i++) {
		int idx = (int)i;
		snprintf(res->label[i], sizeof(res->label[i]), _("acquisition %zu"), i + 1);
		ana_mr_outline(res, idx, &ph[i], NULL);
		double s, sm = smoothing_snr(imgs[i], &r[i]);
		if (nema_snr(imgs[i], idx, &ph[i], res, &s, why, sizeof(why))) {
			struct qc_measure *m = qc_result_add(res, "snr_single", "", idx, s);
			/* Scanners that filter or mask the air make the background quieter than
			 * the noise on the phantom: the background method then reads high. */
			if (isfinite(sm) && s > QUIET_BACKGROUND * sm)
				snprintf(
				    m->note, sizeof(m->note),
				    _("the background is %.1f times quieter than the phantom's "
				      "noise (filtered or masked air): prefer snr_subtraction"),
				    s / sm);
			else
				qc_strlcpy(m->note, why, sizeof(m->note));
		} else
			qc_result_add_null(res, "snr_single", "", idx, why);
		if (isfinite(sm))
			qc_result_add(res, "snr_smoothing", "", idx, sm);
		else
			qc_result_add_null(res, "snr_smoothing", "", idx,
					   _("no noise in the image (synthetic or filtered)"));
		draw_rois(res, idx, &r[0], n == 2 ? "snr_subtraction" : "snr_smoothing");
	}
	double snr;
	if (n == 2) {
		snr = subtraction_snr(imgs[0], imgs[1], &r[0]);
		if (isfinite(snr))
			qc_result_add(res, "snr_subtraction", "", -1, snr);
		else
			qc_result_add_null(res, "snr_subtraction", "", -1,
					   _("no noise in the difference of the two images"));
	} else {
		const struct qc_measure *m = qc_result_find(res, "snr_smoothing", 0);
		snr = m->has_value ? m->value : NAN;
		qc_result_add_null(res, "snr_subtraction", "", -1,
				   _("needs two repeated acquisitions of the same slice"));
	}
	if (has_f && !isfinite(snr))
		qc_result_add_null(res, "snr_normalised", "", -1, _("no SNR to normalise"));
	else if (has_f) {
		struct qc_measure *m = qc_result_add(res, "snr_normalised", "", -1, snr * f);
		snprintf(m->note, sizeof(m->note), "%s%s%s",
			 n == 2 ? _("subtraction SNR") : _("single-image (smoothing) SNR"),
			 fwhy[0] ? "; " : "", fwhy);
	} else
		qc_result_add_null(res, "snr_normalised", "", -1, fwhy);
}

static enum qc_status run(const struct qc_image *const *imgs, size_t n,
			  const struct ana_context *ctx, struct qc_result *res)
{
	(void)ctx;
	struct mr_phantom ph[2];
	struct rois r[2];
	enum qc_status st = QC_OK;
	size_t found = 0;
	for (size_t i = 0; i < n && !st; i++) {
		if ((st = ana_mr_check(imgs[i], (int)i, WHAT)) ||
		    (st = ana_mr_phantom(imgs[i], (int)i, WHAT, &ph[i])))
			break;
		found++;
		magnet_rois(imgs[i], &ph[i], &r[i]);
		if (!rois_inside(imgs[i], &ph[i], &r[i]))
			st = qc_fail(
			    QC_ERR_ANALYSIS,
			    _("image %zu does not look like %s: the MagNET regions (%.0f mm "
			      "across) do not fit inside the phantom"),
			    i + 1, _(WHAT), 2 * (ROI_OFFSET + ROI_SIDE) * MR_MAGNET_PX_MM);
	}
	if (!st && n == 2)
		st = check_pair(imgs[0], imgs[1], ph);
	if (!st)
		report(imgs, n, ph, r, res);
	for (size_t i = 0; i < found; i++)
		ana_mr_phantom_release(&ph[i]);
	return st;
}

const struct qc_analysis ana_mr_snr = {
    .id = "mr_snr",
    .version = "1.0",
    .summary = "uniform MR phantom: SNR by subtraction of two repeats, NEMA single image, "
	       "smoothing, MagNET normalised",
    .min_images = 1,
    .max_images = 2,
    .run = run,
};
