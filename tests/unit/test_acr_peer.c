/*
 * acr on the real ACR scans of shared/data/mr/hazen/acr against hazen's values (data README),
 * with the evidence, read from the pixels here, wherever we differ by more than the tolerance.
 */
#include <stdio.h>
#include <stdlib.h>

#include "qc/analysis.h"
#include "qc/dicom.h"
#include "test.h"

/* Tolerances of the issue. */
#define TOL_PIU	   1.5 /* percentage points */
#define TOL_GHOST  0.1 /* percentage points */
#define TOL_THICK  0.3 /* mm */
#define TOL_POS	   0.5 /* mm */
#define TOL_LENGTH 1.0 /* mm */

struct scan {
	struct qc_image img[11]; /* files 0.dcm .. 10.dcm */
	struct qc_result res;
};

static void load(const char *vendor, struct scan *s)
{
	const struct qc_image *p[11];
	for (int i = 0; i < 11; i++) {
		char rel[128];
		snprintf(rel, sizeof(rel), "mr/hazen/acr/%s/%d.dcm", vendor, i);
		REQUIRE_OK(dcm_load(t_shared(rel), &s->img[i]));
		p[i] = &s->img[i];
	}
	struct ana_context ctx = {0};
	qc_result_init(&s->res, 11);
	REQUIRE_OK(ana_find("acr")->run(p, 11, &ctx, &s->res));
}

static void unload(struct scan *s)
{
	for (int i = 0; i < 11; i++)
		qc_image_release(&s->img[i]);
	qc_result_release(&s->res);
}

static const struct qc_measure *find(const struct qc_result *r, const char *name)
{
	for (size_t i = 0; i < r->n_m; i++)
		if (!strcmp(r->m[i].name, name))
			return &r->m[i];
	return NULL;
}

static double val(const struct scan *s, const char *name)
{
	const struct qc_measure *m = find(&s->res, name);
	if (!m || !m->has_value) {
		t_fail(__FILE__, __LINE__, "%s missing or null", name);
		return NAN;
	}
	return m->value;
}

/* The file (0.dcm ... 10.dcm) that holds the slice a measurement comes from. */
static const struct qc_image *image_of(const struct scan *s, const char *name)
{
	const struct qc_measure *m = find(&s->res, name);
	REQUIRE(m && m->image >= 0 && m->image < 11);
	return &s->img[m->image];
}

static double px(const struct qc_image *img, int x, int y)
{
	return img->px[(size_t)y * (size_t)img->width + (size_t)x];
}

/* hazen's FWHM of a profile: baseline = minimum, half of the maximum above it, first and
 * last crossing, linear interpolation (tasks/acr_slice_thickness.py). */
static double naive_fwhm(const double *p, int n)
{
	double lo = INFINITY, hi = -INFINITY;
	for (int i = 0; i < n; i++) {
		lo = fmin(lo, p[i]);
		hi = fmax(hi, p[i]);
	}
	double half = 0.5 * (hi - lo) + lo, first = NAN, last = NAN;
	for (int i = 0; i + 1 < n; i++)
		if ((p[i] - half) * (p[i + 1] - half) < 0) {
			double x = i + (half - p[i]) / (p[i + 1] - p[i]);
			first = isnan(first) ? x : first;
			last = x;
		}
	return last - first;
}

/* Mean of rows y and y + 1 (hazen's 2-pixel line width) from x0 to x1. */
static double ramp_row(const struct qc_image *img, int y, int x0, int x1)
{
	double p[512];
	int n = 0;
	for (int x = x0; x <= x1; x++)
		p[n++] = 0.5 * (px(img, x, y) + px(img, x, y + 1));
	return naive_fwhm(p, n) * img->geo.pixel_x_mm;
}

static double t_hazen_snr(const struct qc_image *img, int cx, int cy);

TEST(acr_hazen_ge)
{
	struct scan s;
	load("GE", &s);
	CHECK_NEAR(val(&s, "uniformity_piu_pct"), 83.78, TOL_PIU);
	CHECK_NEAR(val(&s, "ghosting_pct"), 0.485, TOL_GHOST);
	CHECK_NEAR(val(&s, "length_s1_h_mm"), 190.93, TOL_LENGTH);
	CHECK_NEAR(val(&s, "length_s5_h_mm"), 190.42, TOL_LENGTH);
	CHECK_NEAR(val(&s, "length_s5_v_mm"), 189.41, TOL_LENGTH);
	/* hazen turns the image 45° counter-clockwise: its "SE" length is our NW-SE diagonal */
	CHECK_NEAR(val(&s, "length_s5_nw_se_mm"), 189.41, TOL_LENGTH);
	CHECK_NEAR(val(&s, "length_s5_ne_sw_mm"), 190.43, TOL_LENGTH);
	CHECK_NEAR(val(&s, "resolution_mm"), 0.9, 1e-9);
	/*
	 * Vertical length on slice 1: hazen 188.90, we 190.30. hazen's mask is a threshold and its
	 * convex hull; at the top of the phantom the wall has a recess (it holds the wedge slot)
	 * and the hull bridges it between its two shoulders, 1-2 mm inside the circular wall.
	 * Evidence: hazen's own horizontal on this circular wall is 2.03 mm longer (190.93), ours
	 * agree within 0.7 mm, and our vertical is within 1 mm of hazen's horizontal. The same on
	 * slice 5 (189.41 against 190.42), inside the tolerance.
	 */
	double h = val(&s, "length_s1_h_mm"), v = val(&s, "length_s1_v_mm");
	CHECK(fabs(h - v) < 0.7);
	CHECK_NEAR(v, 190.93, TOL_LENGTH);
	CHECK(fabs(v - 188.90) > TOL_LENGTH);
	/*
	 * SNR: hazen 39.98, we 47.4. Definitions differ: hazen divides the mean of five 20 x 20
	 * pixel squares 40 pixels apart (10 mm squares 20 mm apart on this 512 matrix) by the
	 * spread of the image minus its 25 x 25 pixel boxcar there; we divide the mean of the
	 * whole 200 cm^2 region by the noise left by quadratic surfaces fitted to 10 mm tiles
	 * over it. The emulation below reproduces hazen's value from these pixels, so the gap is
	 * the definition: on this scan the noise is highest near the centre (parallel imaging),
	 * where hazen's small squares sit.
	 */
	const struct qc_image *s7 = image_of(&s, "uniformity_piu_pct");
	double cx = round(val(&s, "centre_x_mm") / s7->geo.pixel_x_mm + (s7->width - 1) / 2.0);
	double cy = round(val(&s, "centre_y_mm") / s7->geo.pixel_y_mm + (s7->height - 1) / 2.0);
	CHECK_NEAR(t_hazen_snr(s7, (int)cx, (int)cy) / 39.98, 1, 0.01);
	CHECK(val(&s, "snr") / 39.98 > 1.1 && val(&s, "snr") / 39.98 < 1.3);
	unload(&s);
}

/* hazen's smoothed-image SNR (tasks/acr_snr.py, snr_by_smoothing), from the pixels. */
static double t_hazen_snr(const struct qc_image *img, int cx, int cy)
{
	static const int roi[5][2] = {{-10, -10}, {-50, -50}, {30, -50}, {-50, 30}, {30, 30}};
	int w = img->width, h = img->height;
	double sum = 0;
	for (int k = 0; k < 5; k++) {
		double s = 0, n = 0, e1 = 0, e2 = 0;
		for (int y = cy + roi[k][1]; y < cy + roi[k][1] + 20; y++)
			for (int x = cx + roi[k][0]; x < cx + roi[k][0] + 20; x++) {
				double box = 0; /* 25 x 25 mean, zero outside the image */
				for (int j = -12; j <= 12; j++)
					for (int i = -12; i <= 12; i++)
						if (x + i >= 0 && x + i < w && y + j >= 0 &&
						    y + j < h)
							box += px(img, x + i, y + j);
				double e = px(img, x, y) - box / 625;
				s += px(img, x, y);
				e1 += e;
				e2 += e * e;
				n++;
			}
		double sd = sqrt((e2 - e1 * e1 / n) / (n - 1));
		sum += s / n / sd;
	}
	return sum / 5;
}

TEST(acr_hazen_siemens)
{
	struct scan s;
	load("Siemens", &s);
	CHECK_NEAR(val(&s, "uniformity_piu_pct"), 67.49, TOL_PIU);
	CHECK_NEAR(val(&s, "ghosting_pct"), 0.035, TOL_GHOST);
	CHECK_NEAR(val(&s, "slice_position_s11_mm"), -1.56, TOL_POS);
	CHECK_NEAR(val(&s, "length_s1_h_mm"), 191.41, TOL_LENGTH);
	const struct qc_image *s1 = image_of(&s, "slice_thickness_mm");
	/*
	 * Slice thickness: hazen 5.89, we 4.81. hazen's own FWHM, applied here to the raw rows
	 * through the middle of each ramp (2-row lines, as hazen samples), gives 4.85-4.96 mm:
	 * 5.89 mm would need ramps 59 mm long at half height, while they measure 45-50 mm. (hazen
	 * picks, among seven line offsets, the one closest to the nominal 5 mm; its offsets reach
	 * the band edges, where the water lights the rows up.) The band spans rows 123-135 of
	 * this file: upper ramp rows 125-128, lower 130-134, x 73-182 inside the band's ends.
	 */
	for (int y = 125; y <= 126; y++) {
		double a = ramp_row(s1, y, 73, 182), b = ramp_row(s1, y + 6, 73, 182);
		double t = 0.2 * a * b / (a + b);
		CHECKF(fabs(t - val(&s, "slice_thickness_mm")) < TOL_THICK,
		       "rows %d/%d: %.2f mm, we read %.2f", y, y + 6, t,
		       val(&s, "slice_thickness_mm"));
		CHECK(fabs(t - 5.89) > 0.8);
	}
	/*
	 * Slice position on slice 1: hazen -0.59, we 0.02. Evidence: the wedge slot spans columns
	 * 121-132; the mean of columns 122-125 (left bar) and 128-131 (right bar) each cross half
	 * way from the slot (rows 55-59) to the water (rows 69-72) at the same row within 0.2 mm.
	 */
	double end[2];
	for (int side = 0; side < 2; side++) {
		double col[80];
		int x0 = side ? 128 : 122;
		for (int y = 50; y < 80; y++)
			col[y] = 0.25 * (px(s1, x0, y) + px(s1, x0 + 1, y) + px(s1, x0 + 2, y) +
					 px(s1, x0 + 3, y));
		double dark = 0, bright = 0;
		for (int y = 55; y <= 59; y++)
			dark += col[y] / 5;
		for (int y = 69; y <= 72; y++)
			bright += col[y] / 4;
		double half = 0.5 * (dark + bright);
		end[side] = NAN;
		for (int y = 59; y < 72 && isnan(end[side]); y++)
			if (col[y] < half && col[y + 1] >= half)
				end[side] = y + (half - col[y]) / (col[y + 1] - col[y]);
	}
	double diff = (end[1] - end[0]) * s1->geo.pixel_y_mm;
	CHECK(fabs(diff) < 0.2);
	CHECK_NEAR(val(&s, "slice_position_s1_mm"), diff, 0.2);
	CHECK(fabs(diff - -0.59) > 0.4);
	/*
	 * Vertical length on slice 1: hazen 187.5, we 190.54 (see the GE test: the hull bridges
	 * the recess at the top). hazen's horizontal on the same wall is 191.41, 3.9 mm longer
	 * than its vertical; ours differ by 0.7 mm.
	 */
	double h = val(&s, "length_s1_h_mm"), v = val(&s, "length_s1_v_mm");
	CHECK(fabs(h - v) < 0.8);
	CHECK_NEAR(v, 191.41, TOL_LENGTH);
	/*
	 * Rotation: hazen -1.0°, we +1.04°: the same turn, signs opposite. Ours is
	 * counter-clockwise on screen positive (as mv_field): the top edge of the slice-thickness
	 * band is 2 rows higher at column 190 than at column 60.
	 */
	CHECK_NEAR(val(&s, "rotation_deg"), 1.0, 0.2);
	double rise[2];
	for (int k = 0; k < 2; k++) {
		int x = k ? 190 : 60;
		rise[k] = NAN;
		for (int y = 115; y < 130 && isnan(rise[k]); y++)
			if (px(s1, x, y) > 800 && px(s1, x, y + 1) <= 800)
				rise[k] = y;
	}
	CHECK(rise[1] < rise[0] - 1);
	/*
	 * SNR: hazen 339.1, we 521.9; the emulation of hazen's definition gives its value. This
	 * coil shades strongly (PIU 67 %): hazen's centre square reads 1294, its other squares
	 * about 1850, while our region mean takes in the bright ring near the wall; and the
	 * 25-pixel boxcar leaves part of the shading in hazen's noise (3.3-6.2 against 3.6).
	 */
	const struct qc_image *s7 = image_of(&s, "uniformity_piu_pct");
	double cx = round(val(&s, "centre_x_mm") / s7->geo.pixel_x_mm + (s7->width - 1) / 2.0);
	double cy = round(val(&s, "centre_y_mm") / s7->geo.pixel_y_mm + (s7->height - 1) / 2.0);
	CHECK_NEAR(t_hazen_snr(s7, (int)cx, (int)cy) / 339.1, 1, 0.01);
	CHECK(val(&s, "snr") / 339.1 > 1.3 && val(&s, "snr") / 339.1 < 1.7);
	unload(&s);
}

TEST(acr_hazen_philips_achieva)
{
	struct scan s;
	load("PhilipsAchieva", &s);
	CHECK_NEAR(val(&s, "uniformity_piu_pct"), 80.66, TOL_PIU);
	CHECK_NEAR(val(&s, "slice_thickness_mm"), 5.36, TOL_THICK);
	CHECK_NEAR(val(&s, "slice_position_s1_mm"), 1.37, TOL_POS);
	CHECK_NEAR(val(&s, "slice_position_s11_mm"), -3.12, TOL_POS);
	CHECK_NEAR(val(&s, "length_s1_h_mm"), 190.43, TOL_LENGTH);
	CHECK_NEAR(val(&s, "length_s1_v_mm"), 189.45, TOL_LENGTH);
	CHECK_NEAR(val(&s, "resolution_mm"), 1.0, 1e-9);
	unload(&s);
}

TEST(acr_hazen_siemens_sola_fit)
{
	struct scan s;
	load("SiemensSolaFit", &s);
	CHECK_NEAR(val(&s, "uniformity_piu_pct"), 95.77, TOL_PIU);
	CHECK_NEAR(val(&s, "slice_thickness_mm"), 5.39, TOL_THICK);
	CHECK_NEAR(val(&s, "slice_position_s1_mm"), -0.2, TOL_POS);
	CHECK_NEAR(val(&s, "slice_position_s11_mm"), -1.37, TOL_POS);
	CHECK_NEAR(val(&s, "length_s1_h_mm"), 190.43, TOL_LENGTH);
	CHECK_NEAR(val(&s, "length_s1_v_mm"), 190.43, TOL_LENGTH);
	unload(&s);
}

/* Not a series of the ACR phantom: the sagittal localiser, a single MR image, an MV image. */
TEST(acr_real_wrong_input)
{
	struct qc_image img;
	struct qc_result res;
	struct ana_context ctx = {0};
	REQUIRE_OK(dcm_load(t_shared("mr/hazen/acr/SiemensSolaFitLocalizer/0.dcm"), &img));
	const struct qc_image *p[] = {&img};
	qc_result_init(&res, 1);
	CHECK(ana_find("acr")->run(p, 1, &ctx, &res) == QC_ERR_ANALYSIS);
	CHECK(strstr(qc_errmsg(), "has 11 slices, not 1"));
	qc_result_release(&res);
	qc_image_release(&img);
	REQUIRE_OK(dcm_load(t_shared("mrl/mv/field/square_50mm_offset_2025-09-17.dcm"), &img));
	qc_result_init(&res, 1);
	CHECK(ana_find("acr")->run(p, 1, &ctx, &res) == QC_ERR_ANALYSIS);
	CHECK(strstr(qc_errmsg(), "does not look like a slice of the ACR phantom: its modality is "
				  "RTIMAGE"));
	qc_result_release(&res);
	qc_image_release(&img);
}
