/* mr_slice_width: generated MagNET phantoms of known slice width and rod grid, hazen's images. */
#include "mr_test.h"

/* Promised on generated images: geometry within 0.5 mm; held here much tighter. */
#define TOL_WIDTH_MM 0.1
#define TOL_LIN_MM   0.1
#define TOL_DIST_PCT 0.05
#define TOL_TILT_DEG 0.2
/* Peer agreement asked by the issue: slice width within 0.2 mm. */
#define TOL_PEER_MM 0.2

static void run_one(const struct phmr_spec *s, struct qc_result *res, struct phmr_truth *t)
{
	struct qc_image img;
	mr_gen(s, &img, t);
	const struct qc_image *imgs[] = {&img};
	REQUIRE_OK(mr_run("mr_slice_width", imgs, 1, res));
	qc_image_release(&img);
}

TEST(mr_slice_width_known)
{
	/* Slice widths 3 to 10 mm, the phantom tilted up to 3 degrees, 256 and 512 matrices. */
	static const struct {
		double slice, tilt;
		int size;
	} c[] = {
	    {5, 0, 256}, {3, 0, 256}, {7, 2, 256}, {10, -3, 256}, {5, 1.5, 512}, {3, -1, 512},
	};
	for (size_t i = 0; i < QC_ARRAY_LEN(c); i++) {
		struct phmr_spec s;
		struct qc_result res;
		struct phmr_truth t;
		phmr_defaults(&s, PHMR_SLICE);
		s.slice_mm = c[i].slice;
		s.tilt_deg = c[i].tilt;
		s.size = c[i].size;
		s.pixel_mm = 250.0 / c[i].size;
		run_one(&s, &res, &t);
		double w = MR_VAL(&res, "slice_width_mm", 0);
		CHECKF(fabs(w - t.slice_width_mm) < TOL_WIDTH_MM,
		       "slice %g mm, tilt %g deg, %d: measured %.3f mm", c[i].slice, c[i].tilt,
		       c[i].size, w);
		CHECK_NEAR(MR_VAL(&res, "slice_width_top_mm", 0), t.slice_top_mm, TOL_WIDTH_MM);
		CHECK_NEAR(MR_VAL(&res, "slice_width_bottom_mm", 0), t.slice_bottom_mm,
			   TOL_WIDTH_MM);
		CHECK_NEAR(MR_VAL(&res, "phantom_tilt_deg", 0), c[i].tilt, TOL_TILT_DEG);
		const struct qc_measure *m = qc_result_find(&res, "slice_width_mm", 0);
		CHECK(m->has_nominal && m->nominal == 5); /* SliceThickness */
		qc_result_release(&res);
	}
}

TEST(mr_slice_width_rod_geometry)
{
	/* Gradient scale errors (1 % in x, -0.5 % in y) and one rod displaced by 1 mm: the
	 * linearity is the mean outer-rod distance, the distortion the CV of the three. The ramps
	 * scale with the phantom; the rod spacing corrects them back. */
	struct phmr_spec s;
	struct qc_result res;
	struct phmr_truth t;
	phmr_defaults(&s, PHMR_SLICE);
	s.scale_x = 1.01;
	s.scale_y = 0.995;
	s.rod_dx_mm[5] = 1.0;
	s.rod_dy_mm[7] = -0.8;
	s.cx_mm = 4;
	s.cy_mm = -3;
	run_one(&s, &res, &t);
	CHECK_NEAR(MR_VAL(&res, "linearity_h_mm", 0), t.linearity_h_mm, TOL_LIN_MM);
	CHECK_NEAR(MR_VAL(&res, "linearity_v_mm", 0), t.linearity_v_mm, TOL_LIN_MM);
	CHECK_NEAR(MR_VAL(&res, "distortion_h_pct", 0), t.distortion_h_pct, TOL_DIST_PCT);
	CHECK_NEAR(MR_VAL(&res, "distortion_v_pct", 0), t.distortion_v_pct, TOL_DIST_PCT);
	CHECK_NEAR(MR_VAL(&res, "slice_width_mm", 0), t.slice_width_mm, TOL_WIDTH_MM);
	const struct qc_measure *m = qc_result_find(&res, "linearity_h_mm", 0);
	CHECK(m->has_nominal && m->nominal == 120);
	/* Every rod found where it is, within 0.2 pixel. */
	int rods = 0;
	for (size_t i = 0; i < res.n_ov; i++) {
		const struct qc_overlay *o = &res.ov[i];
		if (o->kind != QC_OV_CROSS || fabs(o->r * s.pixel_mm - 3) > 0.01) /* rod marks */
			continue;
		for (int k = 0; k < 9; k++)
			if (hypot(o->x0 - t.rod_x_px[k], o->y0 - t.rod_y_px[k]) < 0.2)
				rods++;
	}
	CHECK(rods == 9);
	qc_result_release(&res);
}

static void run_file(const char *rel, struct qc_result *res)
{
	struct qc_image img;
	mr_load(rel, &img);
	const struct qc_image *imgs[] = {&img};
	REQUIRE_OK(mr_run("mr_slice_width", imgs, 1, res));
	qc_image_release(&img);
}

TEST(mr_slice_width_hazen_avanto)
{
	/* Peer: 5.48 mm (MATLAB), rod distortion (0.13, 0.07) %; measured 5.474 mm and
	 * (0.070, 0.100) %. The distortion is the CV of three distances: 0.1 pixel on one rod
	 * moves it by 0.1 point. The peer comes from MATLAB's rod centres (listed in hazen's
	 * test; they give distances 119.33/119.63/119.52 mm); hazen's own fitted centres give
	 * (0.061, 0.078) %, ours (intensity-weighted) (0.070, 0.100) %. Linearity: MATLAB rods
	 * 119.50 / 120.11 mm, ours 119.50 / 120.06 mm. */
	struct qc_result res;
	run_file("mr/hazen/slicewidth/SLICEWIDTH/ANNUALQA.MR.HEAD_GENERAL.tra.slice_width.IMA",
		 &res);
	CHECK_NEAR(MR_VAL(&res, "slice_width_mm", 0), 5.48, 0.1);
	CHECK_NEAR(MR_VAL(&res, "distortion_h_pct", 0), 0.13, 0.1);
	CHECK_NEAR(MR_VAL(&res, "distortion_v_pct", 0), 0.07, 0.1);
	CHECK_NEAR(MR_VAL(&res, "linearity_h_mm", 0), 119.50, TOL_LIN_MM);
	CHECK_NEAR(MR_VAL(&res, "linearity_v_mm", 0), 120.11, TOL_LIN_MM);
	qc_result_release(&res);
}

TEST(mr_slice_width_hazen_canon)
{
	/*
	 * Peer: 4.97 mm. unityqc reads 5.259 mm: 0.29 mm, more than the 0.2 mm asked. Evidence
	 * that the peer's ramp fit, not this profile, is off: on the same mean profiles (rows
	 * 176-215 and 296-335, columns 133-374) the MATLAB trapezoids listed in hazen's test
	 * (ramp 81 + plateau 125 and 80 + 115 quarter pixels, FWHM 51.5 and 48.75 pixels) leave
	 * squared residuals of 3.85e6 and 5.63e6, a least-squares trapezoid with a quadratic
	 * baseline 1.54e6 and 1.64e6 with FWHM 54.16 and 52.41 pixels, and the direct half
	 * maximum above that baseline gives 54.01 and 51.82 pixels (here 53.7 and 51.6 after the
	 * rod-spacing correction): the greedy integer search of the MATLAB code stopped early.
	 * The same method agrees with the peer on the Avanto image (5.474 against 5.48).
	 * Distortion: peer (0.28, 0.17) % from MATLAB's rods; hazen's own rods (0.060, 0.177) %;
	 * ours (0.115, 0.180) %.
	 */
	struct qc_result res;
	run_file("mr/hazen/slicewidth/512_matrix/512_matrix", &res);
	double w = MR_VAL(&res, "slice_width_mm", 0);
	CHECK_PIN(w, 5.259, 0.05);     /* our reading: the peer's 4.97 is off, see above */
	CHECK(w - 4.97 > TOL_PEER_MM); /* the documented disagreement, not a silent drift */
	CHECK_NEAR(MR_VAL(&res, "distortion_h_pct", 0), 0.28, 0.2);
	CHECK_NEAR(MR_VAL(&res, "distortion_v_pct", 0), 0.17, 0.1);
	qc_result_release(&res);
}

TEST(mr_slice_width_wrong_input)
{
	mr_check_wrong_inputs("mr_slice_width", "a MagNET slice-width phantom");
	struct phmr_spec s;
	struct qc_image img;
	phmr_defaults(&s, PHMR_FLOOD); /* no rods */
	mr_gen(&s, &img, NULL);
	MR_EXPECT_FAIL(
	    "mr_slice_width", &img,
	    "image 1 does not look like a MagNET slice-width phantom: 0 of 9 rods found");
	qc_image_release(&img);
	phmr_defaults(&s, PHMR_RESOLUTION); /* one square, no rods */
	mr_gen(&s, &img, NULL);
	MR_EXPECT_FAIL("mr_slice_width", &img, "of 9 rods found");
	qc_image_release(&img);
}
