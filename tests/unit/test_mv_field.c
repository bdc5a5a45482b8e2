/* mv_field against generated images of known truth (in memory), and its wrong-input messages. */
#include <stdlib.h>

#include "phantom.h"
#include "qc/analysis.h"
#include "qc/catalog.h"
#include "test.h"

/* Accuracy promised on generated images with noise (issue 2). */
#define TOL_SIZE_MM 0.1
#define TOL_ROT_DEG 0.1
#define TOL_PEN_MM  0.25

static double val(const struct qc_result *r, const char *name)
{
	const struct qc_measure *m = qc_result_find(r, name, 0);
	if (!m) {
		t_fail(__FILE__, __LINE__, "no measurement %s", name);
		return NAN;
	}
	if (!m->has_value) {
		t_fail(__FILE__, __LINE__, "%s not measurable: %s", name, m->note);
		return NAN;
	}
	return m->value;
}

/* Runs mv_field on a generated image; returns the status, fills res and truth. */
static enum qc_status run_spec(const struct ph_spec *s, struct qc_result *res, struct ph_truth *t,
			       const struct ana_context *ctx)
{
	struct qc_image img;
	unsigned short *raw = ph_render(s, t);
	ph_image(s, raw, &img);
	free(raw);
	const struct qc_image *imgs[] = {&img};
	struct ana_context def = {.machines = &ph_unity_machine, .n_machines = 1};
	qc_result_init(res, 1);
	enum qc_status st = ana_find("mv_field")->run(imgs, 1, ctx ? ctx : &def, res);
	qc_image_release(&img);
	return st;
}

/* A horizontal edge whose 10 mm outer tail the read-out window cuts (penumbra not measured). */
static bool near_readout_border(const struct ph_spec *s, double edge_y_mm)
{
	double px = s->pixel_mm * s->sad_mm / s->sid_mm;
	double top = (s->readout_first - s->iso_row) * px,
	       bottom = (s->readout_last - s->iso_row) * px;
	return edge_y_mm - top < 10.5 || bottom - edge_y_mm < 10.5;
}

static void check_field(const struct ph_spec *s, const char *what)
{
	struct qc_result r;
	struct ph_truth t;
	enum qc_status st = run_spec(s, &r, &t, NULL);
	CHECKF(st == QC_OK, "%s: %s", what, qc_errmsg());
	if (st == QC_OK) {
		double w = val(&r, "width_mm"), h = val(&r, "height_mm");
		double cx = val(&r, "centre_x_mm"), cy = val(&r, "centre_y_mm");
		double rot = val(&r, "rotation_deg");
		CHECKF(fabs(w - t.width_mm) <= TOL_SIZE_MM, "%s: width %.3f, truth %.3f", what, w,
		       t.width_mm);
		CHECKF(fabs(h - t.height_mm) <= TOL_SIZE_MM, "%s: height %.3f, truth %.3f", what, h,
		       t.height_mm);
		CHECKF(fabs(cx - t.cx_mm) <= TOL_SIZE_MM, "%s: centre x %.3f, truth %.3f", what, cx,
		       t.cx_mm);
		CHECKF(fabs(cy - t.cy_mm) <= TOL_SIZE_MM, "%s: centre y %.3f, truth %.3f", what, cy,
		       t.cy_mm);
		CHECKF(fabs(rot - t.rotation_deg) <= TOL_ROT_DEG, "%s: rotation %.3f, truth %.3f",
		       what, rot, t.rotation_deg);
		static const char *const corners[] = {"corner_tl_deg", "corner_tr_deg",
						      "corner_br_deg", "corner_bl_deg"};
		for (int k = 0; k < 4; k++)
			CHECKF(fabs(val(&r, corners[k]) - 90) <= 0.15, "%s: %s %.3f", what,
			       corners[k], val(&r, corners[k]));
		static const char *const pens[] = {"penumbra_left_mm", "penumbra_right_mm",
						   "penumbra_top_mm", "penumbra_bottom_mm"};
		for (int k = 0; k < 4; k++) {
			const struct qc_measure *m = qc_result_find(&r, pens[k], 0);
			if (m && !m->has_value && k >= 2 && near_readout_border(s, t.edge_mm[k])) {
				CHECKF(strstr(m->note, "read-out"), "%s: %s", what, m->note);
				continue;
			}
			CHECKF(fabs(val(&r, pens[k]) - t.penumbra_mm[k]) <= TOL_PEN_MM,
			       "%s: %s %.3f, truth %.3f", what, pens[k], val(&r, pens[k]),
			       t.penumbra_mm[k]);
		}
	}
	qc_result_release(&r);
}

TEST(mv_field_unity_sizes_and_offsets)
{
	static const double cases[][4] = {
	    {150, 85, 0, 0},  {85, 85, 0, 0},	 {50, 50, 0, 0},     {50, 50, 49.6, -0.1},
	    {50, 50, -50, 0}, {100, 60, 10, -5}, {20, 20, 3.3, 7.7}, {200, 80, -0.4, 0.35},
	};
	for (size_t i = 0; i < QC_ARRAY_LEN(cases); i++) {
		struct ph_spec s;
		char what[64];
		ph_defaults(&s, PH_UNITY);
		s.width_mm = cases[i][0];
		s.height_mm = cases[i][1];
		s.cx_mm = cases[i][2];
		s.cy_mm = cases[i][3];
		s.seed = (unsigned)(i + 3);
		snprintf(what, sizeof(what), "unity %gx%g at (%g,%g)", cases[i][0], cases[i][1],
			 cases[i][2], cases[i][3]);
		check_field(&s, what);
	}
}

TEST(mv_field_unity_rotations_and_noise)
{
	static const double rot[] = {-2.0, -0.7, 0.25, 0.5, 1.0, 3.0};
	/* The real Unity images carry about 0.06 % noise (24 of 39,000 grey levels in the
	 * field): these levels go up to 17 times that. */
	static const double noise[] = {0.1, 0.5, 1.0};
	for (size_t i = 0; i < QC_ARRAY_LEN(rot); i++)
		for (size_t j = 0; j < QC_ARRAY_LEN(noise); j++) {
			struct ph_spec s;
			char what[64];
			ph_defaults(&s, PH_UNITY);
			s.width_mm = 85;
			s.height_mm = 70;
			s.cx_mm = 4.2;
			s.cy_mm = -2.1;
			s.rotation_deg = rot[i];
			s.noise_pct = noise[j];
			s.seed = (unsigned)(10 * i + j + 1);
			snprintf(what, sizeof(what), "rotation %g noise %g%%", rot[i], noise[j]);
			check_field(&s, what);
		}
}

TEST(mv_field_heavy_noise)
{
	/* 2 % noise, 33 times the real images: sizes and centres still within 0.1 mm; the edge
	 * slopes (rotation) spread more, so 0.3 degrees here. */
	for (unsigned seed = 1; seed <= 4; seed++) {
		struct ph_spec s;
		struct qc_result r;
		struct ph_truth t;
		ph_defaults(&s, PH_UNITY);
		s.width_mm = 85;
		s.height_mm = 70;
		s.rotation_deg = 0.8;
		s.noise_pct = 2.0;
		s.seed = seed;
		REQUIRE_OK(run_spec(&s, &r, &t, NULL));
		CHECK_NEAR(val(&r, "width_mm"), t.width_mm, TOL_SIZE_MM);
		CHECK_NEAR(val(&r, "height_mm"), t.height_mm, TOL_SIZE_MM);
		CHECK_NEAR(val(&r, "centre_x_mm"), t.cx_mm, TOL_SIZE_MM);
		CHECK_NEAR(val(&r, "centre_y_mm"), t.cy_mm, TOL_SIZE_MM);
		CHECK_NEAR(val(&r, "rotation_deg"), t.rotation_deg, 0.3);
		qc_result_release(&r);
	}
}

TEST(mv_field_penumbra_widths)
{
	static const double sigma[] = {1.2, 2.2, 3.5};
	for (size_t i = 0; i < QC_ARRAY_LEN(sigma); i++) {
		struct ph_spec s;
		char what[64];
		ph_defaults(&s, PH_UNITY);
		s.width_mm = 100;
		s.height_mm = 60;
		s.sigma_mm = sigma[i];
		snprintf(what, sizeof(what), "edge sigma %g mm", sigma[i]);
		check_field(&s, what);
	}
}

TEST(mv_field_generic_monochrome1_and_2)
{
	for (int mono1 = 0; mono1 <= 1; mono1++)
		for (int k = 0; k < 3; k++) {
			struct ph_spec s;
			char what[64];
			ph_defaults(&s, PH_GENERIC);
			s.mono1 = mono1;
			s.cols = k == 2 ? 1280 : 1024;
			s.rows = k == 1 ? 768 : s.cols;
			s.readout_last = s.rows - 1;
			s.iso_col = (s.cols - 1) / 2.0;
			s.iso_row = (s.rows - 1) / 2.0;
			s.width_mm = 100 + 20 * k;
			s.height_mm = 100 - 10 * k;
			s.cx_mm = -3 + 2 * k;
			s.cy_mm = 1.5 * k;
			s.rotation_deg = 0.4 * k - 0.3;
			s.noise_pct = 0.5;
			s.seed = (unsigned)(mono1 * 10 + k + 1);
			snprintf(what, sizeof(what), "generic %s %dx%d",
				 mono1 ? "MONOCHROME1" : "MONOCHROME2", s.cols, s.rows);
			check_field(&s, what);
		}
}

TEST(mv_field_polarity_from_content_not_tag)
{
	struct ph_spec s;
	struct qc_result r;
	struct ph_truth t;
	ph_defaults(&s, PH_UNITY); /* inverted values, tagged MONOCHROME2 */
	REQUIRE_OK(run_spec(&s, &r, &t, NULL));
	CHECK(r.inverted[0]);
	qc_result_release(&r);
	ph_defaults(&s, PH_GENERIC);
	s.mono1 = true; /* dose-like values, tagged MONOCHROME1 */
	REQUIRE_OK(run_spec(&s, &r, &t, NULL));
	CHECK(!r.inverted[0]);
	CHECK_NEAR(val(&r, "width_mm"), t.width_mm, TOL_SIZE_MM);
	qc_result_release(&r);
}

TEST(mv_field_edge_outside_readout_is_null)
{
	/* 120 mm along y does not fit the 95 mm read-out window of the Unity imager. */
	struct ph_spec s;
	struct qc_result r;
	struct ph_truth t;
	ph_defaults(&s, PH_UNITY);
	s.width_mm = 80;
	s.height_mm = 120;
	REQUIRE_OK(run_spec(&s, &r, &t, NULL));
	CHECK_NEAR(val(&r, "width_mm"), t.width_mm, TOL_SIZE_MM);
	const struct qc_measure *h = qc_result_find(&r, "height_mm", 0);
	const struct qc_measure *top = qc_result_find(&r, "edge_top_mm", 0);
	REQUIRE(h && top);
	CHECK(!h->has_value);
	CHECK(!top->has_value);
	CHECKF(strstr(h->note, "read-out") != NULL, "note: %s", h->note);
	CHECK(!qc_result_find(&r, "corner_tl_deg", 0)->has_value);
	CHECK(qc_result_find(&r, "rotation_deg", 0)->has_value);
	qc_result_release(&r);
}

TEST(mv_field_edge_close_to_readout_border)
{
	/* Top edge 6 mm inside the read-out window: measured, not the window border. */
	struct ph_spec s;
	struct qc_result r;
	struct ph_truth t;
	ph_defaults(&s, PH_UNITY);
	s.width_mm = 60;
	s.height_mm = 60;
	s.cy_mm = -(47.4 - 6 - 30);
	REQUIRE_OK(run_spec(&s, &r, &t, NULL));
	CHECK_NEAR(val(&r, "height_mm"), t.height_mm, TOL_SIZE_MM);
	CHECK_NEAR(val(&r, "centre_y_mm"), t.cy_mm, TOL_SIZE_MM);
	qc_result_release(&r);
}

TEST(mv_field_roles_from_nominal_fields)
{
	static const double nominal[][4] = {{150, 85, 0, 0}, {50, 50, 0, 0}, {50, 50, 50, 0}};
	struct ana_context ctx = {.machines = &ph_unity_machine,
				  .n_machines = 1,
				  .nominal_fields = nominal,
				  .n_nominal_fields = 3};
	struct ph_spec s;
	struct qc_result r;
	struct ph_truth t;
	ph_defaults(&s, PH_UNITY);
	s.width_mm = 49.2;
	s.height_mm = 50.3;
	s.cx_mm = 49.5;
	REQUIRE_OK(run_spec(&s, &r, &t, &ctx));
	const struct qc_measure *w = qc_result_find(&r, "width_mm", 0);
	const struct qc_measure *cx = qc_result_find(&r, "centre_x_mm", 0);
	REQUIRE(w && cx);
	CHECK(w->has_nominal && w->nominal == 50);
	CHECK(cx->has_nominal && cx->nominal == 50);
	CHECK_STR(r.label[0], "50 x 50 mm at (+50, +0)");
	qc_result_release(&r);

	s.width_mm = 120; /* matches no nominal field */
	s.cx_mm = 0;
	REQUIRE_OK(run_spec(&s, &r, &t, &ctx));
	w = qc_result_find(&r, "width_mm", 0);
	CHECK(w && !w->has_nominal && strstr(w->note, "no nominal"));
	CHECK_STR(r.label[0], "");
	qc_result_release(&r);
}

TEST(mv_field_isocentre_sources)
{
	struct ph_spec s;
	struct qc_image img;
	double col, row;
	const char *src;
	struct ana_context ctx = {.machines = &ph_unity_machine, .n_machines = 1};
	ph_defaults(&s, PH_UNITY);
	unsigned short *raw = ph_render(&s, NULL);
	ph_image(&s, raw, &img);
	free(raw);
	ana_iso_pixel(&img, &ctx, &col, &row, &src);
	CHECK_NEAR(col, 511.03, 1e-9);
	CHECK_NEAR(row, 652.75, 1e-9);
	CHECK_STR(src, "machine calibration");
	/* Another machine: the receptor translation written by the generator gives it back. */
	qc_strlcpy(img.tags.model, "OTHER", sizeof(img.tags.model));
	ana_iso_pixel(&img, &ctx, &col, &row, &src);
	CHECK_NEAR(col, 511.03, 1e-6);
	CHECK_NEAR(row, 652.75, 1e-6);
	CHECK_STR(src, "XRayImageReceptorTranslation");
	img.geo.has_receptor_translation = false;
	ana_iso_pixel(&img, &ctx, &col, &row, &src);
	CHECK_NEAR(col, 511.5, 1e-9);
	CHECK_NEAR(row, 511.5, 1e-9);
	qc_image_release(&img);
}

static void expect_reject(struct qc_image *img, const char *fragment)
{
	struct qc_result r;
	const struct qc_image *imgs[] = {img};
	qc_result_init(&r, 1);
	enum qc_status st = ana_find("mv_field")->run(imgs, 1, NULL, &r);
	CHECKF(st == QC_ERR_ANALYSIS, "expected a rejection (%s), got status %d", fragment, st);
	CHECKF(strstr(qc_errmsg(), fragment) != NULL, "message '%s' lacks '%s'", qc_errmsg(),
	       fragment);
	qc_result_release(&r);
}

TEST(mv_field_rejects_wrong_input)
{
	struct ph_spec s;
	struct qc_image img;
	ph_defaults(&s, PH_GENERIC);
	s.width_mm = 0.001; /* nothing irradiated: noise only */
	s.tail = 0;
	unsigned short *raw = ph_render(&s, NULL);
	ph_image(&s, raw, &img);
	expect_reject(&img, "does not look like an open MV field");
	/* A constant image. */
	for (size_t i = 0; i < (size_t)img.width * img.height; i++)
		img.px[i] = 1000;
	expect_reject(&img, "blank");
	/* Two separate fields. */
	for (int y = 300; y < 700; y++)
		for (int x = 0; x < img.width; x++)
			img.px[(size_t)y * img.width + x] =
			    (x > 200 && x < 400) || (x > 600 && x < 800) ? 20000 : 1000;
	expect_reject(&img, "2 separate");
	/* An MR image. */
	qc_strlcpy(img.tags.modality, "MR", sizeof(img.tags.modality));
	expect_reject(&img, "modality is MR");
	qc_strlcpy(img.tags.modality, "RTIMAGE", sizeof(img.tags.modality));
	img.geo.pixel_x_mm = img.geo.pixel_y_mm = 0;
	expect_reject(&img, "no pixel spacing");
	free(raw);
	qc_image_release(&img);
}
