/* mr_uniformity: generated floods of known non-uniformity, hazen's real images (peer), errors. */
#include "mr_test.h"

/* One count of a 160-pixel MagNET profile. */
#define ONE_COUNT (1.0 / 160)

static void run_one(const struct phmr_spec *s, struct qc_result *res, struct phmr_truth *t)
{
	struct qc_image img;
	mr_gen(s, &img, t);
	const struct qc_image *imgs[] = {&img};
	REQUIRE_OK(mr_run("mr_uniformity", imgs, 1, res));
	qc_image_release(&img);
}

TEST(mr_uniformity_integral_known)
{
	/* A hot spot of +b at the centre, narrow beside the region (sigma 15 mm, region 165 mm
	 * across): smoothed max = S (1 + b), min = S, so 100 (max - min) / (max + min) =
	 * 100 b / (2 + b). Noise 0.2 % of the signal biases the extremes by about 0.2 points. */
	static const double bump[] = {0, 0.1, 0.25, 0.5};
	for (size_t i = 0; i < QC_ARRAY_LEN(bump); i++) {
		struct phmr_spec s;
		struct qc_result res;
		struct phmr_truth t;
		phmr_defaults(&s, PHMR_FLOOD);
		s.noise_sd = 2;
		s.bump = bump[i];
		run_one(&s, &res, &t);
		CHECKF(fabs(MR_VAL(&res, "uniformity_integral_pct", 0) -
			    t.uniformity_integral_pct) < 0.5,
		       "bump %g: %.3f %%, truth %.3f %%", bump[i],
		       MR_VAL(&res, "uniformity_integral_pct", 0), t.uniformity_integral_pct);
		qc_result_release(&res);
	}
}

TEST(mr_uniformity_fraction_known)
{
	/* A central square plateau; beyond it the signal drops by 30 %: the profiles count the
	 * plateau only. The truth is the noise-free model's count; noise may move one pixel at
	 * each end of the plateau. Also off-centre phantoms and a 512 matrix. */
	static const double plateau[] = {25, 45, 70, 100};
	for (size_t i = 0; i < QC_ARRAY_LEN(plateau); i++)
		for (int variant = 0; variant < 2; variant++) {
			struct phmr_spec s;
			struct qc_result res;
			struct phmr_truth t;
			phmr_defaults(&s, PHMR_FLOOD);
			s.plateau_mm = plateau[i];
			s.plateau_drop = 0.3;
			if (variant) {
				s.size = 512;
				s.pixel_mm = 250.0 / 512;
				s.cx_mm = 12.3;
				s.cy_mm = -8.6;
			}
			run_one(&s, &res, &t);
			double h = MR_VAL(&res, "uniformity_h", 0),
			       v = MR_VAL(&res, "uniformity_v", 0);
			CHECKF(fabs(h - t.uniformity_fraction_h) <= 2 * ONE_COUNT + 1e-9,
			       "plateau %g mm (%d): h %.5f, truth %.5f", plateau[i], variant, h,
			       t.uniformity_fraction_h);
			CHECKF(fabs(v - t.uniformity_fraction_v) <= 2 * ONE_COUNT + 1e-9,
			       "plateau %g mm (%d): v %.5f, truth %.5f", plateau[i], variant, v,
			       t.uniformity_fraction_v);
			qc_result_release(&res);
		}
}

TEST(mr_uniformity_bubble_and_rectangle)
{
	/* An oil phantom with an air bubble: the centre comes from the circle (the bubble cuts
	 * the top rows but not their widths), and the NEMA region stays clear of the bubble. */
	struct phmr_spec s;
	struct qc_result res;
	struct phmr_truth t;
	phmr_defaults(&s, PHMR_FLOOD);
	s.bubble_mm = 25;
	s.noise_sd = 2;
	run_one(&s, &res, &t);
	bool seen = false;
	for (size_t i = 0; i < res.n_ov; i++) {
		const struct qc_overlay *o = &res.ov[i];
		if (o->kind == QC_OV_CIRCLE && o->role == QC_OVR_EDGE) {
			CHECK_NEAR(o->x0, t.cx_px, 0.5);
			CHECK_NEAR(o->y0, t.cy_px, 0.5);
			CHECK_NEAR(o->r * s.pixel_mm, s.radius_mm, 1);
			seen = true;
		}
		if (o->kind == QC_OV_CIRCLE && o->role == QC_OVR_ROI) /* clear of the bubble */
			CHECK((t.cy_px - o->y0 + o->r) * s.pixel_mm < s.radius_mm - s.bubble_mm);
	}
	CHECK(seen);
	CHECK(MR_VAL(&res, "uniformity_integral_pct", 0) < 0.8);
	CHECK_NEAR(MR_VAL(&res, "uniformity_v", 0), t.uniformity_fraction_v, 2 * ONE_COUNT);
	qc_result_release(&res);

	/* A rectangular (sagittal) flood with a gradient of 10 % per 100 mm along y. */
	phmr_defaults(&s, PHMR_FLOOD);
	s.rectangle = true;
	s.width_mm = 190;
	s.height_mm = 160;
	s.grad_y = 0.10;
	s.cx_mm = -6;
	run_one(&s, &res, &t);
	CHECK_NEAR(MR_VAL(&res, "uniformity_h", 0), t.uniformity_fraction_h, 2 * ONE_COUNT);
	CHECK_NEAR(MR_VAL(&res, "uniformity_v", 0), t.uniformity_fraction_v, 2 * ONE_COUNT);
	/* The region is the circle inscribed in the rectangle, 75 % of its area: radius
	 * 0.866 * 80 mm; along y the gradient gives +/- 6.9 %, so about 6.9 % uniformity. */
	CHECK_NEAR(MR_VAL(&res, "uniformity_integral_pct", 0), 10 * 0.866 * 0.8, 0.6);
	qc_result_release(&res);
}

TEST(mr_uniformity_hazen)
{
	/* Peer (hazen, IPEM fractional uniformity, +/- 0.005): measured exactly the same counts. */
	static const struct {
		const char *file;
		double h, v;
	} peer[] = {
	    {"mr/hazen/uniformity/axial_oil.IMA", 1.0, 0.98125},
	    {"mr/hazen/uniformity/sag.dcm", 0.46875, 0.5125},
	    {"mr/hazen/uniformity/cor.dcm", 0.35, 0.45},
	};
	/* NEMA integral uniformity: no peer value; these are this version's measurements. */
	static const double integral[] = {7.44, 41.96, 50.34};
	for (size_t i = 0; i < QC_ARRAY_LEN(peer); i++) {
		struct qc_image img;
		struct qc_result res;
		mr_load(peer[i].file, &img);
		const struct qc_image *imgs[] = {&img};
		REQUIRE_OK(mr_run("mr_uniformity", imgs, 1, &res));
		CHECK_NEAR(MR_VAL(&res, "uniformity_h", 0), peer[i].h, 0.005);
		CHECK_NEAR(MR_VAL(&res, "uniformity_v", 0), peer[i].v, 0.005);
		CHECK_NEAR(MR_VAL(&res, "uniformity_integral_pct", 0), integral[i], 0.05);
		qc_result_release(&res);
		qc_image_release(&img);
	}
}

TEST(mr_uniformity_wrong_input)
{
	mr_check_wrong_inputs("mr_uniformity", "a uniform MR phantom");
}

TEST(mr_uniformity_profile_off_the_image)
{
	/* A 100 mm field of view (128 pixels of 0.78 mm) cannot hold the 156 mm MagNET profiles:
	 * they run off the image on both sides. The fractions are then not measured (before:
	 * the points off the image counted as outside the band: 0.50 here) and say why; the
	 * NEMA integral uniformity still is. */
	struct phmr_spec s;
	struct qc_result res;
	phmr_defaults(&s, PHMR_FLOOD);
	s.size = 128;
	s.pixel_mm = 100.0 / 128;
	s.radius_mm = 40;
	run_one(&s, &res, NULL);
	for (int k = 0; k < 2; k++) {
		const char *name = k ? "uniformity_v" : "uniformity_h";
		const struct qc_measure *m = qc_result_find(&res, name, 0);
		REQUIRE(m);
		CHECKF(!m->has_value, "%s = %.3f, expected null", name, m->value);
		CHECKF(strstr(m->note, "runs off the image"), "%s note: %s", name, m->note);
	}
	CHECK(qc_result_find(&res, "uniformity_integral_pct", 0)->has_value);
	qc_result_release(&res);
	/* The phantom near the edge of a full field: the horizontal profile alone runs off. */
	phmr_defaults(&s, PHMR_FLOOD);
	s.radius_mm = 60;
	s.cx_mm = 60;
	run_one(&s, &res, NULL);
	CHECK(!qc_result_find(&res, "uniformity_h", 0)->has_value);
	CHECK(qc_result_find(&res, "uniformity_v", 0)->has_value);
	qc_result_release(&res);
}
