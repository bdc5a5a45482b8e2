/* mvic_field: roles of the weekly MVIC set from the measured fields and DICOM texts, set results.
 */
#include <stdlib.h>

#include "phantom.h"
#include "qc/analysis.h"
#include "qc/dicom.h"
#include "test.h"

/* Against the generator's truth, on these five fixed noise realisations. Measured: widths
 * within 0.0032 mm, the largest size error 0.0047 mm, the largest centre error 0.0018 mm, the
 * largest corner error 0.0205 degree (truth 0). */
#define TOL_SIZE_MM    0.01
#define TOL_CENTRE_MM  0.01
#define TOL_CORNER_DEG 0.05

/* The nominal fields of the test, as the default catalogue gives them. */
static const double fields[5][4] = {
    {150, 85, 0, 0}, {85, 85, 0, 0}, {50, 50, 0, 0}, {50, 50, 50, 0}, {50, 50, -50, 0},
};
static const char *const labels[5] = {"150 x 85 mm", "85 x 85 mm", "50 x 50 mm",
				      "50 x 50 mm at (+50, +0)", "50 x 50 mm at (-50, +0)"};

/* Image k of the set (field k with small errors); the last one is 1.3 mm too tall. */
static void make(int k, struct qc_image *img, struct ph_truth *t)
{
	static const double err[5][3] = {{0.3, -0.4, 0.2},
					 {-0.2, 0.3, -0.1},
					 {0.1, 0.2, 0.3},
					 {-0.9, 0.0, -0.35},
					 {0.4, 1.3, 0.1}};
	struct ph_spec s;
	ph_defaults(&s, PH_UNITY);
	s.width_mm = fields[k][0] + err[k][0];
	s.height_mm = fields[k][1] + err[k][1];
	s.cx_mm = fields[k][2] + err[k][2];
	s.seed = 101 + (unsigned)k;
	unsigned short *raw = ph_render(&s, t);
	ph_image(&s, raw, img);
	free(raw);
}

static enum qc_status run_set(struct qc_image *imgs, const int *order, size_t n, const int *forced,
			      struct qc_result *r)
{
	const struct qc_image *p[8];
	for (size_t i = 0; i < n; i++)
		p[i] = &imgs[order[i]];
	struct ana_context ctx = {.machines = &ph_unity_machine,
				  .n_machines = 1,
				  .nominal_fields = fields,
				  .n_nominal_fields = 5,
				  .forced_role = forced};
	qc_result_init(r, n);
	return ana_find("mvic_field")->run(p, n, &ctx, r);
}

static const struct qc_measure *find(const struct qc_result *r, const char *name, int img)
{
	const struct qc_measure *m = qc_result_find(r, name, img);
	if (!m)
		t_fail(__FILE__, __LINE__, "no %s for image %d", name, img);
	return m;
}

TEST(mvic_field_roles_never_from_file_order)
{
	static const int orders[3][5] = {{0, 1, 2, 3, 4}, {4, 3, 2, 1, 0}, {2, 4, 0, 3, 1}};
	struct qc_image imgs[5];
	struct ph_truth t[5];
	struct qc_result r;
	for (int k = 0; k < 5; k++)
		make(k, &imgs[k], &t[k]);
	for (int o = 0; o < 3; o++) {
		REQUIRE_OK(run_set(imgs, orders[o], 5, NULL, &r));
		for (int i = 0; i < 5; i++) {
			int k = orders[o][i];
			CHECK_STR(r.label[i], labels[k]);
			const struct qc_measure *w = find(&r, "width_mm", i);
			const struct qc_measure *cx = find(&r, "centre_x_mm", i);
			CHECK(w && w->has_nominal && w->nominal == fields[k][0]);
			CHECK(cx && cx->has_nominal && cx->nominal == fields[k][2]);
			CHECK_NEAR(w ? w->value : NAN, t[k].width_mm, TOL_SIZE_MM);
			/* The per-image names of mv_field are all there. */
			CHECK(qc_result_find(&r, "corner_tl_deg", i) != NULL);
			CHECK(qc_result_find(&r, "penumbra_left_mm", i) != NULL);
		}
		CHECK_NEAR(find(&r, "roles_expected", -1)->value, 5, 0);
		CHECK_NEAR(find(&r, "roles_found", -1)->value, 5, 0);
		CHECK_NEAR(find(&r, "roles_missing", -1)->value, 0, 0);
		CHECK_NEAR(find(&r, "roles_duplicated", -1)->value, 0, 0);
		/* Image 5 (index 4 of the set) is 1.3 mm too tall: the largest size error. */
		const struct qc_measure *se = find(&r, "max_size_error_mm", -1);
		CHECK_NEAR(se->value, t[4].height_mm - 50, TOL_SIZE_MM);
		/* Truth: the largest centre component off its nominal, and square corners (an
		 * unrotated rectangle). */
		double centre_truth = 0;
		for (int k = 0; k < 5; k++)
			centre_truth = fmax(centre_truth, fmax(fabs(t[k].cx_mm - fields[k][2]),
							       fabs(t[k].cy_mm - fields[k][3])));
		CHECK_NEAR(find(&r, "max_centre_error_mm", -1)->value, centre_truth, TOL_CENTRE_MM);
		CHECK_NEAR(find(&r, "max_corner_error_deg", -1)->value, 0, TOL_CORNER_DEG);
		qc_result_release(&r);
	}
	for (int k = 0; k < 5; k++)
		qc_image_release(&imgs[k]);
}

TEST(mvic_field_missing_and_duplicated_roles)
{
	struct qc_image imgs[6];
	struct ph_truth t;
	struct qc_result r;
	for (int k = 0; k < 5; k++)
		make(k, &imgs[k], &t);
	make(1, &imgs[5], &t); /* a second 85 x 85 mm image */
	/* The 50 x 50 mm field at x = -50 mm is missing; the 85 x 85 mm field is there twice. */
	static const int order[5] = {0, 1, 5, 2, 3};
	REQUIRE_OK(run_set(imgs, order, 5, NULL, &r));
	const struct qc_measure *miss = find(&r, "roles_missing", -1);
	CHECK(miss && miss->value == 1);
	CHECK_STR(miss->note, "missing: 50 x 50 mm at (-50, +0)");
	const struct qc_measure *dup = find(&r, "roles_duplicated", -1);
	CHECK(dup && dup->value == 1);
	CHECK_STR(dup->note, "image 3 repeats image 2 (not judged)");
	CHECK_STR(r.label[2], "85 x 85 mm (duplicate)");
	const struct qc_measure *w = find(&r, "width_mm", 2);
	CHECK(w && !w->has_nominal && strstr(w->note, "not judged: image 2 already has"));
	CHECK_NEAR(find(&r, "roles_found", -1)->value, 4, 0);
	qc_result_release(&r);
	for (int k = 0; k < 6; k++)
		qc_image_release(&imgs[k]);
}

TEST(mvic_field_user_roles_and_dicom_texts)
{
	struct qc_image imgs[5];
	struct ph_truth t;
	struct qc_result r;
	for (int k = 0; k < 5; k++)
		make(k, &imgs[k], &t);
	static const int order[5] = {0, 1, 2, 3, 4};
	/* The user's choice wins over the measured field. */
	int forced[5] = {-1, -1, 4, -1, -1};
	REQUIRE_OK(run_set(imgs, order, 5, forced, &r));
	CHECK_STR(r.label[2], "50 x 50 mm at (-50, +0) (user)");
	CHECK(r.role[2] == 4 && r.role[0] == 0 && r.role[1] == 1 && r.role[3] == 3);
	CHECK(find(&r, "centre_x_mm", 2)->nominal == -50);
	/* Image 4 (the -50 mm field) then repeats a role already taken. */
	CHECK_STR(r.label[4], "50 x 50 mm at (-50, +0) (duplicate)");
	CHECK(r.role[4] == ANA_ROLE_NONE);
	CHECK_STR(find(&r, "roles_missing", -1)->note, "missing: 50 x 50 mm");
	qc_result_release(&r);
	/* "No role" for an image: measured, not judged, and its role stays free. */
	int none[5] = {ANA_ROLE_NONE, -1, -1, -1, -1};
	REQUIRE_OK(run_set(imgs, order, 5, none, &r));
	CHECK(r.role[0] == ANA_ROLE_NONE && r.role[1] == 1 && r.role[4] == 4);
	CHECK_STR(r.label[0], "");
	CHECK(!find(&r, "width_mm", 0)->has_nominal);
	CHECK_STR(find(&r, "width_mm", 0)->note, "not judged: no role (the user's choice)");
	CHECK_STR(find(&r, "roles_missing", -1)->note, "missing: 150 x 85 mm");
	qc_result_release(&r);
	char buf[64];
	ana_find("mvic_field")->role_label((const double[4]){50, 50, 50, 0}, buf, sizeof(buf));
	CHECK_STR(buf, "50 x 50 mm at (+50, +0)");
	/* A size written in RTImageLabel (or RTImageDescription, SeriesDescription) rules out
	 * the roles it contradicts: the 85 x 85 mm field labelled "50x50" takes no role. */
	qc_strlcpy(imgs[1].tags.rt_image_label, "CHAMP 50x50", sizeof(imgs[1].tags.rt_image_label));
	REQUIRE_OK(run_set(imgs, order, 5, NULL, &r));
	CHECK_STR(r.label[1], "");
	CHECK_STR(find(&r, "roles_missing", -1)->note, "missing: 85 x 85 mm");
	qc_result_release(&r);
	/* and picks between two roles the measured field matches as well: a 67.5 mm field is
	 * 7.5 mm from both 60 and 75 mm fields. */
	static const double two[2][4] = {{60, 60, 0, 0}, {75, 75, 0, 0}};
	struct ph_spec s;
	struct qc_image img[2];
	for (int k = 0; k < 2; k++) {
		ph_defaults(&s, PH_UNITY);
		s.width_mm = s.height_mm = 67.5;
		unsigned short *raw = ph_render(&s, NULL);
		ph_image(&s, raw, &img[k]);
		free(raw);
	}
	qc_strlcpy(img[0].tags.series_description, "QA 7.5 x 7.5",
		   sizeof(img[0].tags.series_description));
	qc_strlcpy(img[1].tags.rt_image_description, "field 60×60 mm",
		   sizeof(img[1].tags.rt_image_description));
	const struct qc_image *p[2] = {&img[0], &img[1]};
	struct ana_context ctx = {.machines = &ph_unity_machine,
				  .n_machines = 1,
				  .nominal_fields = two,
				  .n_nominal_fields = 2};
	qc_result_init(&r, 2);
	REQUIRE_OK(ana_find("mvic_field")->run(p, 2, &ctx, &r));
	CHECK_STR(r.label[0], "75 x 75 mm"); /* 7.5 x 7.5 read as cm */
	CHECK_STR(r.label[1], "60 x 60 mm");
	qc_result_release(&r);
	for (int k = 0; k < 2; k++)
		qc_image_release(&img[k]);
	for (int k = 0; k < 5; k++)
		qc_image_release(&imgs[k]);
}

TEST(mvic_field_real_unity_field_and_wrong_input)
{
	struct qc_image imgs[2];
	struct qc_result r;
	REQUIRE_OK(dcm_load(t_shared("mrl/mv/field/square_50mm_offset_2025-09-17.dcm"), &imgs[0]));
	static const int one[1] = {0};
	REQUIRE_OK(run_set(imgs, one, 1, NULL, &r));
	CHECK_STR(r.label[0], "50 x 50 mm at (+50, +0)");
	/* Inflection reading about 49.0 x 50.0 mm (shared/data/README.md). */
	CHECK_NEAR(find(&r, "width_mm", 0)->value, 49.0, 0.15);
	CHECK_NEAR(find(&r, "roles_missing", -1)->value, 4, 0);
	qc_result_release(&r);
	/* An MR image in the set: refused with mv_field's reason, naming the image. */
	struct ph_truth t;
	make(2, &imgs[1], &t);
	qc_strlcpy(imgs[1].tags.modality, "MR", sizeof(imgs[1].tags.modality));
	static const int two[2] = {0, 1};
	CHECK(run_set(imgs, two, 2, NULL, &r) == QC_ERR_ANALYSIS);
	CHECK(strstr(qc_errmsg(), "image 2 does not look like an open MV field: it is not an MV "
				  "portal image (its modality is MR)"));
	qc_result_release(&r);
	qc_image_release(&imgs[0]);
	qc_image_release(&imgs[1]);
}
