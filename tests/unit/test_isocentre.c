/* isocentre (Winston-Lutz) against pylinac's demo set (files without file meta), generated sets
 * of known truth (Unity traits, generic EPIDs, cones) and wrong input. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>

#include "phantom_wl.h"
#include "qc/analysis.h"
#include "qc/dicom.h"
#include "test.h"

#define TOL_BB_MM   0.1	 /* BB and field centre on generated images (issue 3) */
#define TOL_3D_MM   0.2	 /* 3-D BB shift on generated sets (issue 3) */
#define TOL_ISO_MM  0.1	 /* isocentre sizes on generated sets */
#define PEER_TOL_MM 0.15 /* pylinac's own test tolerance on these quantities */

static const struct qc_measure *find(const struct qc_result *r, const char *name, int image)
{
	const struct qc_measure *m = qc_result_find(r, name, image);
	if (!m || !m->has_value)
		t_fail(__FILE__, __LINE__, "no value for %s (image %d)%s%s", name, image,
		       m ? ": " : "", m ? m->note : "");
	return m;
}

static double val(const struct qc_result *r, const char *name, int image)
{
	const struct qc_measure *m = find(r, name, image);
	return m && m->has_value ? m->value : NAN;
}

static enum qc_status run(const struct qc_image *imgs, int n, const struct ana_context *ctx,
			  struct qc_result *res)
{
	const struct qc_image *p[32];
	for (int i = 0; i < n; i++)
		p[i] = &imgs[i];
	qc_result_init(res, (size_t)n);
	return ana_find("isocentre")->run(p, (size_t)n, ctx, res);
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * pylinac's demo: 17 aS500 images without file meta (gantry, collimator and couch turns).
 * pylinac's tests (2020): max BB-to-field 1.2 mm, median 0.7 mm, gantry isocentre 1.0 mm,
 * collimator 1.2 mm, couch 2.3 mm; its documentation (3.8): BB shift RIGHT 0.36, OUT 0.36, DOWN
 * 0.20 mm (0.55 mm). Our median is 0.58 mm: the per-image positions differ from pylinac's
 * binary centroids by up to about 0.1 mm, while on generated images of this very geometry
 * (wl_generated_as500 below) ours land within 0.06 mm of the truth.
 */
TEST(wl_pylinac_demo_no_meta)
{
	const char *dir = t_shared("mv/pylinac/winston_lutz_demo");
	DIR *d = opendir(dir);
	REQUIRE(d);
	char *names[32];
	int n = 0;
	for (struct dirent *e; (e = readdir(d)) && n < 32;)
		if (strstr(e->d_name, ".dcm"))
			names[n++] = qc_xasprintf("%s/%s", dir, e->d_name);
	closedir(d);
	qsort(names, (size_t)n, sizeof(char *), cmp_name);
	REQUIRE(n == 17);
	static struct qc_image imgs[17];
	for (int i = 0; i < n; i++)
		REQUIRE_OK(dcm_load(names[i], &imgs[i]));
	struct qc_result r;
	struct ana_context ctx = {0};
	REQUIRE_OK(run(imgs, n, &ctx, &r));
	CHECK_NEAR(val(&r, "max_bb_to_field_mm", -1), 1.2, PEER_TOL_MM);
	CHECK_NEAR(val(&r, "median_bb_to_field_mm", -1), 0.7, PEER_TOL_MM);
	CHECK_NEAR(val(&r, "gantry_iso_diameter_mm", -1), 1.0, 0.2);
	CHECK_NEAR(val(&r, "collimator_iso_diameter_mm", -1), 1.2, 0.2);
	CHECK_NEAR(val(&r, "couch_iso_diameter_mm", -1), 2.3, 0.2);
	CHECK_NEAR(val(&r, "bb_offset_3d_mm", -1), 0.55, 0.2);
	CHECK(val(&r, "bb_shift_x_mm", -1) > 0); /* RIGHT */
	CHECK(val(&r, "bb_shift_y_mm", -1) < 0); /* OUT, away from the gantry */
	CHECK(val(&r, "bb_shift_z_mm", -1) < 0); /* DOWN */
	/* Below 1 mm on every image where the BB stays put (gantry and collimator turns); the couch
	 * turns carry the BB around the couch axis (pylinac's maximum, 1.2 mm, is a couch image).
	 */
	for (int i = 0; i < n; i++) {
		double dist = val(&r, "bb_to_field_mm", i);
		if (!strstr(names[i], "couch"))
			CHECKF(dist < 1.0, "%s: %.3f mm", names[i], dist);
		CHECK(r.inverted[i]);
	}
	/* Roles from the header: pylinac names its couch files 360 minus the angle they hold. */
	for (int i = 0; i < n; i++)
		if (strstr(names[i], "couch270"))
			CHECK_STR(r.label[i], "gantry 0, coll 0, couch 90");
	const struct qc_measure *g = find(&r, "gantry_iso_diameter_mm", -1);
	CHECK(g && strstr(g->note, "9 images"));
	qc_result_release(&r);
	for (int i = 0; i < n; i++) {
		qc_image_release(&imgs[i]);
		free(names[i]);
	}
}

struct set {
	struct wl_spec s[16];
	struct wl_truth t[16];
	struct qc_image img[16];
	int n;
};

static void render_set(struct set *set)
{
	for (int i = 0; i < set->n; i++) {
		unsigned short *raw = wl_render(&set->s[i], &set->t[i]);
		wl_image(&set->s[i], raw, &set->img[i]);
		free(raw);
	}
}

static void release_set(struct set *set)
{
	for (int i = 0; i < set->n; i++)
		qc_image_release(&set->img[i]);
}

/* Every image against its truth: BB, field centre, their distance. */
static void check_images(const struct set *set, const struct qc_result *r, const char *what)
{
	for (int i = 0; i < set->n; i++) {
		const struct wl_truth *t = &set->t[i];
		double bx = val(r, "bb_x_mm", i), by = val(r, "bb_y_mm", i);
		double fx = val(r, "field_x_mm", i), fy = val(r, "field_y_mm", i);
		CHECKF(hypot(bx - t->bb_x_mm, by - t->bb_y_mm) <= TOL_BB_MM,
		       "%s image %d: BB (%.3f, %.3f), truth (%.3f, %.3f)", what, i, bx, by,
		       t->bb_x_mm, t->bb_y_mm);
		CHECKF(hypot(fx - t->field_x_mm, fy - t->field_y_mm) <= TOL_BB_MM,
		       "%s image %d: field (%.3f, %.3f), truth (%.3f, %.3f)", what, i, fx, fy,
		       t->field_x_mm, t->field_y_mm);
		CHECK_NEAR(val(r, "bb_to_field_mm", i), t->bb_to_field_mm, TOL_BB_MM);
	}
}

static void check_shift(const struct set *set, const struct qc_result *r)
{
	double truth[3];
	REQUIRE(wl_truth_shift(set->s, set->n, truth));
	double len = sqrt(truth[0] * truth[0] + truth[1] * truth[1] + truth[2] * truth[2]);
	CHECK_NEAR(val(r, "bb_offset_3d_mm", -1), len, TOL_3D_MM);
	CHECK_NEAR(val(r, "bb_shift_x_mm", -1), truth[0], TOL_3D_MM);
	CHECK_NEAR(val(r, "bb_shift_y_mm", -1), truth[1], TOL_3D_MM);
	CHECK_NEAR(val(r, "bb_shift_z_mm", -1), truth[2], TOL_3D_MM);
}

/*
 * Unity traits: 8 gantry angles and two collimator turns, a 6 mm BB off the isocentre by
 * (0.8, -0.5, 0.6) mm, the field sagging along the gantry axis by 0.3 cos(gantry) mm: the
 * central axes then touch a sphere of 0.6 mm diameter.
 */
TEST(wl_generated_unity)
{
	static struct set set;
	set.n = 10;
	for (int i = 0; i < set.n; i++) {
		struct wl_spec *s = &set.s[i];
		wl_defaults(s, PH_UNITY);
		s->gantry_deg = i < 8 ? 45 * i : 0;
		s->collimator_deg = i == 8 ? 90 : (i == 9 ? 270 : 0);
		s->bb[0] = 0.8;
		s->bb[1] = -0.5;
		s->bb[2] = 0.6;
		s->field_shift_mm[1] = 0.3 * cos(s->gantry_deg * M_PI / 180);
		s->img.noise_pct = 0.1 * (1 + i % 3);
		s->img.seed = 40 + i;
	}
	render_set(&set);
	struct qc_machine m = {
	    .id = "unity", .has_iso = true, .iso_col = 511.03, .iso_row = 652.75};
	struct ana_context ctx = {.machine = &m};
	struct qc_result r;
	REQUIRE_OK(run(set.img, set.n, &ctx, &r));
	check_images(&set, &r, "unity");
	check_shift(&set, &r);
	CHECK_NEAR(val(&r, "gantry_iso_diameter_mm", -1), 0.6, TOL_ISO_MM);
	CHECK_NEAR(val(&r, "collimator_iso_diameter_mm", -1), 0, TOL_ISO_MM);
	CHECK(r.inverted[0]);
	const struct qc_measure *c = qc_result_find(&r, "couch_iso_diameter_mm", -1);
	REQUIRE(c);
	CHECK(!c->has_value && strstr(c->note, "two couch angles"));
	qc_result_release(&r);
	release_set(&set);
}

/*
 * A generic aS500-like EPID (512 x 384, 0.784 mm at 1500 mm, as pylinac's demo) with cones,
 * MONOCHROME1 and 0.5 % noise; the field stays 0.4 mm to the side of the beam at every gantry
 * angle: the central axes are tangent to a cylinder of 0.4 mm radius (diameter 0.8 mm).
 */
TEST(wl_generated_as500)
{
	static struct set set;
	set.n = 8;
	for (int i = 0; i < set.n; i++) {
		struct wl_spec *s = &set.s[i];
		wl_defaults(s, PH_GENERIC);
		s->img.cols = 512;
		s->img.rows = 384;
		s->img.readout_last = 383;
		s->img.pixel_mm = 0.784;
		s->img.sid_mm = 1500;
		s->img.iso_col = 255.5;
		s->img.iso_row = 191.5;
		s->img.mono1 = true;
		s->img.noise_pct = 0.5;
		s->img.seed = 60 + i;
		s->circle = i % 2;
		s->bb_mm = 5;
		s->gantry_deg = 45 * i;
		s->bb[0] = -0.4;
		s->bb[1] = 0.9;
		s->bb[2] = 0.3;
		s->field_shift_mm[0] = 0.4;
	}
	render_set(&set);
	struct ana_context ctx = {0};
	struct qc_result r;
	REQUIRE_OK(run(set.img, set.n, &ctx, &r));
	check_images(&set, &r, "as500");
	check_shift(&set, &r);
	CHECK_NEAR(val(&r, "gantry_iso_diameter_mm", -1), 0.8, TOL_ISO_MM);
	CHECK(!r.inverted[0]);
	qc_result_release(&r);
	release_set(&set);
}

/* The BB far off (2.5 mm) and 1 % noise: still within the tolerances. */
TEST(wl_generated_far_bb)
{
	static struct set set;
	set.n = 4;
	for (int i = 0; i < set.n; i++) {
		struct wl_spec *s = &set.s[i];
		wl_defaults(s, PH_UNITY);
		s->gantry_deg = 90 * i;
		s->bb_mm = 5;
		s->bb[0] = 1.5;
		s->bb[1] = 1.5;
		s->bb[2] = -1.3;
		s->img.noise_pct = 1.0;
		s->img.seed = 80 + i;
	}
	render_set(&set);
	struct ana_context ctx = {0};
	struct qc_result r;
	REQUIRE_OK(run(set.img, set.n, &ctx, &r));
	check_images(&set, &r, "far bb");
	check_shift(&set, &r);
	qc_result_release(&r);
	release_set(&set);
}

/* A 4 mm BB in a 10 mm cone: its shadow reaches the penumbra and the result says so. */
TEST(wl_bb_crowding_its_field)
{
	static struct set set;
	set.n = 1;
	wl_defaults(&set.s[0], PH_UNITY);
	set.s[0].circle = true;
	set.s[0].field_mm = 10;
	set.s[0].bb_mm = 4;
	set.s[0].bb[0] = 0.5;
	render_set(&set);
	struct ana_context ctx = {0};
	struct qc_result r;
	REQUIRE_OK(run(set.img, 1, &ctx, &r));
	const struct qc_measure *m = find(&r, "bb_to_field_mm", 0);
	CHECK(m && strstr(m->note, "reaches the field's penumbra"));
	qc_result_release(&r);
	/* A 5 mm BB near the centre of a 20 mm field is not flagged. */
	wl_defaults(&set.s[0], PH_UNITY);
	set.s[0].bb_mm = 5;
	set.s[0].bb[0] = 0.5;
	release_set(&set);
	render_set(&set);
	REQUIRE_OK(run(set.img, 1, &ctx, &r));
	m = find(&r, "bb_to_field_mm", 0);
	CHECK(m && !m->note[0]);
	qc_result_release(&r);
	release_set(&set);
}

/* A single image: its distances, and the 3-D quantities not measurable with a reason. */
TEST(wl_single_image)
{
	static struct set set;
	set.n = 1;
	wl_defaults(&set.s[0], PH_UNITY);
	set.s[0].bb[0] = 0.5;
	render_set(&set);
	struct ana_context ctx = {0};
	struct qc_result r;
	REQUIRE_OK(run(set.img, 1, &ctx, &r));
	CHECK_NEAR(val(&r, "bb_to_field_mm", 0), 0.5, TOL_BB_MM);
	const struct qc_measure *m = qc_result_find(&r, "bb_offset_3d_mm", -1);
	REQUIRE(m);
	CHECK(!m->has_value && strstr(m->note, "two gantry angles"));
	/* Overlays: the field outline, its centre, the BB circle, all tied to the distance. */
	int circles = 0, lines = 0;
	for (size_t i = 0; i < r.n_ov; i++) {
		CHECK_STR(r.ov[i].measure, "bb_to_field_mm");
		circles += r.ov[i].kind == QC_OV_CIRCLE;
		lines += r.ov[i].kind == QC_OV_LINE;
	}
	CHECK(circles == 1 && lines > 20);
	qc_result_release(&r);
	release_set(&set);
}

/* Files through DCMTK: without file meta, JPEG-LS and RLE give the same result; the collimator
 * and couch angles written by the generator are read back. */
TEST(wl_files_no_meta_jpegls_rle)
{
	static struct set set;
	set.n = 3;
	char path[3][600], cmd[2600];
	for (int i = 0; i < set.n; i++) {
		wl_defaults(&set.s[i], PH_UNITY);
		set.s[i].gantry_deg = 90 * i;
		set.s[i].bb[0] = 0.7;
		set.s[i].bb[2] = -0.4;
		snprintf(path[i], sizeof(path[i]), "%s/wl%d.dcm", t_tmpdir(), i);
	}
	set.s[1].collimator_deg = 90;
	set.s[2].couch_deg = 270;
	render_set(&set);
	for (int i = 0; i < set.n; i++) {
		unsigned short *raw = wl_render(&set.s[i], NULL);
		REQUIRE_OK(wl_write(path[i], &set.s[i], raw, i == 0));
		free(raw);
	}
	char jls[600], rle[600];
	snprintf(jls, sizeof(jls), "%s/wl1_jls.dcm", t_tmpdir());
	snprintf(rle, sizeof(rle), "%s/wl2_rle.dcm", t_tmpdir());
	snprintf(cmd, sizeof(cmd), "dcmcjpls '%s' '%s' && dcmcrle '%s' '%s'", path[1], jls, path[2],
		 rle);
	REQUIRE(system(cmd) == 0);
	const char *files[3] = {path[0], jls, rle};
	static struct qc_image loaded[3];
	for (int i = 0; i < 3; i++)
		REQUIRE_OK(dcm_load(files[i], &loaded[i]));
	CHECK_STR(loaded[1].tags.transfer_syntax, "1.2.840.10008.1.2.4.80");
	CHECK_STR(loaded[2].tags.transfer_syntax, "1.2.840.10008.1.2.5");
	CHECK(loaded[1].geo.has_collimator && loaded[1].geo.collimator_deg == 90);
	CHECK(loaded[2].geo.has_couch && loaded[2].geo.couch_deg == 270);
	CHECK(loaded[0].geo.has_couch && loaded[0].geo.couch_deg == 0);
	struct ana_context ctx = {0};
	struct qc_result a, b;
	REQUIRE_OK(run(loaded, 3, &ctx, &a));
	REQUIRE_OK(run(set.img, 3, &ctx, &b));
	for (int i = 0; i < 3; i++) {
		CHECK_NEAR(val(&a, "bb_to_field_mm", i), val(&b, "bb_to_field_mm", i), 1e-9);
		CHECK_STR(a.label[i], b.label[i]); /* "gantry 90, coll 90, couch 0" ... */
	}
	CHECK_NEAR(val(&a, "bb_offset_3d_mm", -1), val(&b, "bb_offset_3d_mm", -1), 1e-9);
	check_images(&set, &a, "files");
	qc_result_release(&a);
	qc_result_release(&b);
	for (int i = 0; i < 3; i++)
		qc_image_release(&loaded[i]);
	release_set(&set);
}

static void expect_not_wl(const char *rel, const char *why)
{
	struct qc_image img;
	struct qc_result r;
	struct ana_context ctx = {0};
	REQUIRE_OK(dcm_load(t_shared(rel), &img));
	CHECKF(run(&img, 1, &ctx, &r) == QC_ERR_ANALYSIS, "%s analysed", rel);
	CHECKF(strstr(qc_errmsg(), "does not look like a Winston-Lutz image") &&
		   (!why || strstr(qc_errmsg(), why)),
	       "%s: %s", rel, qc_errmsg());
	qc_result_release(&r);
	qc_image_release(&img);
}

TEST(wl_wrong_input)
{
	expect_not_wl("mv/pylinac/open_field_6MV_aS1200.dcm", "no BB");
	expect_not_wl("mv/pylinac/picket_fence_demo_LR.dcm", NULL); /* too large, or several */
	expect_not_wl("mrl/mv/field/square_50mm_offset_2025-09-17.dcm", "no BB");
	expect_not_wl("mr/hazen/acr/GE/0.dcm", "modality is MR");
	/* A small field without a BB, and a blank image. */
	static struct set set;
	set.n = 1;
	wl_defaults(&set.s[0], PH_UNITY);
	set.s[0].bb_mm = 0;
	render_set(&set);
	struct ana_context ctx = {0};
	struct qc_result r;
	CHECK(run(set.img, 1, &ctx, &r) == QC_ERR_ANALYSIS);
	CHECKF(strstr(qc_errmsg(), "no BB inside the field") != NULL, "%s", qc_errmsg());
	qc_result_release(&r);
	release_set(&set);
	struct qc_image blank;
	qc_image_alloc(&blank, 256, 256);
	blank.geo.pixel_x_mm = blank.geo.pixel_y_mm = 0.4;
	blank.geo.has_spacing = true;
	blank.geo.scale_iso = 1;
	snprintf(blank.tags.modality, sizeof(blank.tags.modality), "RTIMAGE");
	CHECK(run(&blank, 1, &ctx, &r) == QC_ERR_ANALYSIS);
	CHECKF(strstr(qc_errmsg(), "blank") != NULL, "%s", qc_errmsg());
	qc_result_release(&r);
	qc_image_release(&blank);
}
