/* picket_fence against pylinac's values on its real images, generated fences of known truth
 * (Unity traits, generic EPIDs, other MLCs) and wrong input. */
#include <stdio.h>
#include <stdlib.h>

#include "phantom_pf.h"
#include "qc/analysis.h"
#include "qc/dicom.h"
#include "test.h"

/* Accuracy promised on generated fences (issue 3): each leaf pair's error within 0.1 mm. */
#define TOL_TRUTH_MM 0.1
/* Against pylinac's max and median absolute error (peer values, not truth). Measured
 * differences: demo max 0.2215 vs 0.217 (+0.0045), median 0.0581 vs 0.06 (-0.0019); iViewGT
 * max 0.2240 vs 0.23 (-0.0060), median 0.0711 vs 0.07 (+0.0011). pylinac prints the medians
 * to 0.01 mm (rounding alone +-0.005). */
#define PEER_TOL_MAX_MM	   0.02
#define PEER_TOL_MEDIAN_MM 0.01
#define LEVEL_MM	   0.5 /* catalogue tolerance: a leaf beyond it must be flagged */

/* Fills an MLC from "COUNTxWIDTH ..." (mm at isocentre), as the catalogue's leaf_widths. */
static void mlc(struct qc_machine *m, const char *id, const char *widths, char travel, int boundary)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->id, sizeof(m->id), "%s", id);
	int n = 0, count, used;
	double w;
	for (const char *s = widths; sscanf(s, "%dx%lf%n", &count, &w, &used) == 2; s += used)
		for (int i = 0; i < count; i++)
			m->leaf_widths_mm[n++] = w;
	m->leaf_pairs = n;
	m->leaf_width_mm = m->leaf_widths_mm[0];
	m->leaf_travel = travel;
	m->leaf_boundary = boundary;
}

/* Varian Millennium 120 (10 x 10 mm, 40 x 5 mm, 10 x 10 mm), pylinac's demo: leaves along y. */
static void varian(struct qc_machine *m)
{
	mlc(m, "varian", "10x10 40x5 10x10", 'y', 30);
}

/* Elekta MLCi/MLCi2 (40 pairs of 10 mm): the iViewGT image shows one interleaf line every
 * 10 mm at isocentre (an Agility has 80 pairs of 5 mm); its leaves travel along x. */
static void elekta(struct qc_machine *m)
{
	mlc(m, "mlci2", "40x10", 'x', 20);
}

static void unity(struct qc_machine *m)
{
	mlc(m, "unity", "80x7.15", 'y', 40);
	snprintf(m->match_model, sizeof(m->match_model), "ELEKTA UNITY MVIC");
	m->has_iso = true;
	m->iso_col = 511.03;
	m->iso_row = 652.75;
}

static double val(const struct qc_result *r, const char *name)
{
	const struct qc_measure *m = qc_result_find(r, name, 0);
	if (!m || !m->has_value) {
		t_fail(__FILE__, __LINE__, "no value for %s", name);
		return NAN;
	}
	return m->value;
}

static enum qc_status run_image(const struct qc_image *img, const struct qc_machine *m,
				struct qc_result *res)
{
	const struct qc_image *imgs[] = {img};
	struct ana_context ctx = {.machine = m};
	qc_result_init(res, 1);
	return ana_find("picket_fence")->run(imgs, 1, &ctx, res);
}

static enum qc_status run_file(const char *rel, const struct qc_machine *m, struct qc_result *res)
{
	struct qc_image img;
	REQUIRE_OK(dcm_load(t_shared(rel), &img));
	enum qc_status st = run_image(&img, m, res);
	qc_image_release(&img);
	return st;
}

/* pylinac tests, PFDemo: 10 pickets, max error 0.217 mm, median |error| 0.06 mm, 15 mm apart. */
TEST(pf_pylinac_demo)
{
	struct qc_machine m;
	struct qc_result r;
	varian(&m);
	REQUIRE_OK(run_file("mv/pylinac/picket_fence_demo_LR.dcm", &m, &r));
	CHECK_NEAR(val(&r, "pickets"), 10, 0);
	CHECK_NEAR(val(&r, "max_error_mm"), 0.217, PEER_TOL_MAX_MM);
	CHECK_NEAR(val(&r, "median_abs_error_mm"), 0.06, PEER_TOL_MEDIAN_MM);
	CHECK_NEAR(val(&r, "picket_spacing_mm"), 15, 0.5);
	CHECK_NEAR(val(&r, "pass_rate_pct"), 100, 0);
	/* The leaf grid from the image centre lands within half a pixel of the leakage lines. */
	CHECK(fabs(val(&r, "leaf_grid_shift_mm")) < 0.2);
	CHECK(val(&r, "leaf_pairs") >= 56);
	CHECK(!r.inverted[0]);
	CHECK(qc_result_find(&r, "picket_1.pair_23.error_mm", 0) != NULL);
	CHECK(qc_result_find(&r, "picket_10.pair_30.error_mm", 0) != NULL);
	qc_result_release(&r);
}

/* pylinac tests, ElektaCloseEdges: 9 pickets, max 0.23 mm, median 0.07 mm, 30 mm apart. The
 * same code runs: only the machine (leaf widths and travel axis) differs. */
TEST(pf_pylinac_elekta_iviewgt)
{
	struct qc_machine m;
	struct qc_result r;
	elekta(&m);
	REQUIRE_OK(run_file("mv/pylinac/picket_fence_elekta_iviewgt.dcm", &m, &r));
	CHECK_NEAR(val(&r, "pickets"), 9, 0);
	CHECK_NEAR(val(&r, "max_error_mm"), 0.23, PEER_TOL_MAX_MM);
	CHECK_NEAR(val(&r, "median_abs_error_mm"), 0.07, PEER_TOL_MEDIAN_MM);
	CHECK_NEAR(val(&r, "picket_spacing_mm"), 30, 0.5);
	CHECK(r.inverted[0]); /* more dose is darker on this file although it says MONOCHROME2 */
	const struct qc_measure *g = qc_result_find(&r, "leaf_grid_shift_mm", 0);
	REQUIRE(g);
	CHECK(strstr(g->note, "moved onto the interleaf lines") != NULL);
	qc_result_release(&r);
}

/* An Agility's 5 mm grid on the 10 mm leaves of this image: half of its boundaries find no
 * leakage line, and the result says so. */
TEST(pf_grid_checked_against_image)
{
	struct qc_machine m;
	struct qc_result r;
	mlc(&m, "agility", "80x5", 'x', 40);
	REQUIRE_OK(run_file("mv/pylinac/picket_fence_elekta_iviewgt.dcm", &m, &r));
	const struct qc_measure *g = qc_result_find(&r, "leaf_grid_shift_mm", 0);
	REQUIRE(g);
	CHECKF(strstr(g->note, "check the leaf widths") != NULL, "note: %s", g->note);
	qc_result_release(&r);
}

/* The leaf travel of the machine is checked against the image, both ways. */
TEST(pf_travel_axis_checked)
{
	struct qc_machine m;
	struct qc_result r;
	elekta(&m);
	m.leaf_travel = 'y';
	CHECK(run_file("mv/pylinac/picket_fence_elekta_iviewgt.dcm", &m, &r) == QC_ERR_ANALYSIS);
	CHECKF(strstr(qc_errmsg(), "leaf_travel = y") != NULL, "%s", qc_errmsg());
	qc_result_release(&r);
	varian(&m);
	m.leaf_travel = 'x';
	CHECK(run_file("mv/pylinac/picket_fence_demo_LR.dcm", &m, &r) == QC_ERR_ANALYSIS);
	CHECKF(strstr(qc_errmsg(), "leaf_travel = x") != NULL, "%s", qc_errmsg());
	qc_result_release(&r);
}

static void expect_not_pf(const char *rel, const struct qc_machine *m)
{
	struct qc_result r;
	CHECKF(run_file(rel, m, &r) == QC_ERR_ANALYSIS, "%s analysed", rel);
	CHECKF(strstr(qc_errmsg(), "does not look like a picket fence") != NULL, "%s: %s", rel,
	       qc_errmsg());
	qc_result_release(&r);
}

TEST(pf_wrong_input)
{
	struct qc_machine v, u;
	varian(&v);
	unity(&u);
	expect_not_pf("mv/pylinac/open_field_6MV_aS1200.dcm", &v);
	expect_not_pf("mv/pylinac/open_field_flatsym_demo.dcm", &v);
	expect_not_pf("mv/pylinac/winston_lutz_demo/gantry0.dcm", &v);
	expect_not_pf("mrl/mv/field/square_50mm_offset_2025-09-17.dcm", &u);
	expect_not_pf("mrl/mv/leaf_position_2025-11-13/1.3.46.423632.420000.1763039122.8.dcm", &u);
	expect_not_pf("mr/hazen/acr/GE/0.dcm", &u);

	struct qc_image blank;
	struct qc_result r;
	qc_image_alloc(&blank, 256, 256);
	blank.geo.pixel_x_mm = blank.geo.pixel_y_mm = 0.4;
	blank.geo.has_spacing = true;
	blank.geo.scale_iso = 1;
	snprintf(blank.tags.modality, sizeof(blank.tags.modality), "RTIMAGE");
	CHECK(run_image(&blank, &u, &r) == QC_ERR_ANALYSIS);
	CHECKF(strstr(qc_errmsg(), "does not look like a picket fence: it is blank") != NULL, "%s",
	       qc_errmsg());
	qc_result_release(&r);
	/* No machine, or one without leaves: the catalogue must say what the MLC is. */
	CHECK(run_image(&blank, NULL, &r) == QC_ERR_ANALYSIS);
	CHECKF(strstr(qc_errmsg(), "no MLC geometry") != NULL, "%s", qc_errmsg());
	qc_result_release(&r);
	qc_image_release(&blank);
}

/* A pair whose whole width is inside the image and which opens at the pickets. */
static bool visible(const struct pf_spec *s, int p)
{
	const struct ph_spec *g = &s->img;
	double lo, hi, px = g->pixel_mm * g->sad_mm / g->sid_mm;
	bool along_y = s->mlc->leaf_travel != 'x';
	double iso = along_y ? g->iso_col : g->iso_row;
	int n = along_y ? g->cols : g->rows;
	if (p < s->first_pair || p > s->last_pair || !ana_leaf_pair_span(s->mlc, p, &lo, &hi))
		return false;
	return lo > (4 - iso) * px + 1 && hi < (n - 5 - iso) * px - 1;
}

/*
 * Errors of +-0.3 to +-2 mm on some visible pairs of every picket: both leaves moved (the gap
 * moves by the error) or one leaf that widens the gap or narrows it to 0.4 mm (the gap centre
 * moves by half). None lands within 0.1 mm of the 0.5 mm level, so flagging is decided by the
 * measurement, not by luck.
 */
static void inject(struct pf_spec *s, unsigned seed)
{
	static const double both[] = {0.3, -0.4, 0.6, -0.8, 1.0, -1.5, 2.0, -2.0, 0.4, -0.6};
	static const double widen[] = {0.3, 0.6, 1.5, 2.0}; /* single leaf, moving outwards */
	unsigned r = seed;
	for (int k = 0; k < s->n_pickets; k++)
		for (int j = 0; j < 4; j++) {
			int p;
			do {
				r = r * 1103515245u + 12345u;
				p = s->first_pair +
				    (int)((r >> 8) % (unsigned)(s->last_pair - s->first_pair + 1));
			} while (!visible(s, p) || s->err_lo[k][p] != 0 || s->err_hi[k][p] != 0);
			double e = widen[(r >> 5) % 4];
			if (j < 3)
				s->err_lo[k][p] = s->err_hi[k][p] = both[(r >> 4) % 10];
			else if ((r >> 3) % 3 == 0)
				s->err_lo[k][p] = 0.6; /* narrows the gap to 0.4 mm */
			else if ((r >> 3) % 3 == 1)
				s->err_lo[k][p] = -e;
			else
				s->err_hi[k][p] = e;
		}
}

struct tally {
	int measured, flagged, missed, false_flags;
	double worst;
};

/* Compares every measured pair with the truth; counts flags against the 0.5 mm level. */
static void compare(const struct pf_spec *s, const struct qc_result *r, struct tally *t,
		    const char *what)
{
	memset(t, 0, sizeof(*t));
	double max_truth = 0;
	for (size_t i = 0; i < r->n_m; i++) {
		int k, p;
		if (sscanf(r->m[i].name, "picket_%d.pair_%d.error_mm", &k, &p) != 2)
			continue;
		double truth = pf_truth_error(s, k - 1, p), got = r->m[i].value;
		t->measured++;
		t->worst = fmax(t->worst, fabs(got - truth));
		max_truth = fmax(max_truth, fabs(truth));
		CHECKF(fabs(got - truth) <= TOL_TRUTH_MM, "%s: %s = %.3f, truth %.3f", what,
		       r->m[i].name, got, truth);
		bool flag = fabs(got) > LEVEL_MM, should = fabs(truth) > LEVEL_MM;
		t->flagged += flag && should;
		t->missed += should && !flag;
		t->false_flags += flag && !should;
	}
	/* Every injected error is on a measured pair. */
	for (int k = 0; k < s->n_pickets; k++)
		for (int p = s->first_pair; p <= s->last_pair; p++) {
			char name[48];
			snprintf(name, sizeof(name), "picket_%d.pair_%02d.error_mm", k + 1, p);
			if (pf_truth_error(s, k, p) != 0)
				CHECKF(qc_result_find(r, name, 0), "%s: %s not measured", what,
				       name);
		}
	CHECKF(t->missed == 0 && t->false_flags == 0, "%s: %d missed, %d false flags", what,
	       t->missed, t->false_flags);
	CHECKF(t->flagged > 0, "%s: nothing to flag", what);
	CHECK_NEAR(val(r, "max_error_mm"), max_truth, TOL_TRUTH_MM);
	CHECK_NEAR(val(r, "pickets"), s->n_pickets, 0);
	CHECK_NEAR(val(r, "missing_peaks"), 0, 0);
}

static void check_generated(struct pf_spec *s, const struct qc_machine *m, const char *what,
			    bool inverted)
{
	struct qc_image img;
	struct qc_result r;
	struct tally t;
	unsigned short *raw = pf_render(s);
	ph_image(&s->img, raw, &img);
	free(raw);
	enum qc_status st = run_image(&img, m, &r);
	qc_image_release(&img);
	CHECKF(st == QC_OK, "%s: %s", what, qc_errmsg());
	if (st == QC_OK) {
		compare(s, &r, &t, what);
		CHECKF(r.inverted[0] == inverted, "%s: polarity", what);
	}
	qc_result_release(&r);
}

/* The Unity: leaves along y, pickets are bands across x inside rows 433-872, inverted values
 * tagged MONOCHROME2, isocentre (511.03, 652.75), 7.15 mm pairs 26-55 in the read-out. */
TEST(pf_generated_unity)
{
	static struct pf_spec s;
	struct qc_machine m;
	unity(&m);
	static const double noise[] = {0.1, 0.5, 1.0};
	static const double rot[] = {0, 0.4, -0.8};
	for (int i = 0; i < 3; i++) {
		char what[80];
		pf_defaults(&s, PH_UNITY, &m);
		s.img.noise_pct = noise[i];
		s.img.seed = 11 + i;
		s.rotation_deg = rot[i];
		inject(&s, 7 + i);
		snprintf(what, sizeof(what), "unity noise %.1f %% rotation %.1f deg", noise[i],
			 rot[i]);
		check_generated(&s, &m, what, true);
	}
}

/* A generic EPID (full read-out, dose-like values, MONOCHROME1) with a Varian MLC. */
TEST(pf_generated_generic_varian)
{
	static struct pf_spec s;
	struct qc_machine m;
	varian(&m);
	for (int i = 0; i < 2; i++) {
		pf_defaults(&s, PH_GENERIC, &m);
		s.img.mono1 = i == 0;
		s.img.noise_pct = 0.5;
		s.img.seed = 21 + i;
		s.rotation_deg = i ? -0.5 : 0.3;
		inject(&s, 3 + i);
		check_generated(&s, &m, i ? "varian monochrome2" : "varian monochrome1", false);
	}
}

/* Leaves along x (an Elekta MLCi2 on a generic EPID). */
TEST(pf_generated_leaves_along_x)
{
	static struct pf_spec s;
	struct qc_machine m;
	elekta(&m);
	pf_defaults(&s, PH_GENERIC, &m);
	s.img.noise_pct = 0.5;
	s.rotation_deg = 0.5;
	inject(&s, 5);
	check_generated(&s, &m, "mlci2, leaves along x", false);
}

/* A clean fence: nothing flagged, errors near zero; the leaf grid is found where it is. */
TEST(pf_generated_clean)
{
	static struct pf_spec s;
	struct qc_machine m;
	struct qc_image img;
	struct qc_result r;
	unity(&m);
	pf_defaults(&s, PH_UNITY, &m);
	unsigned short *raw = pf_render(&s);
	ph_image(&s.img, raw, &img);
	free(raw);
	REQUIRE_OK(run_image(&img, &m, &r));
	CHECK(val(&r, "max_error_mm") < 0.05);
	CHECK_NEAR(val(&r, "pass_rate_pct"), 100, 0);
	CHECK_NEAR(val(&r, "picket_spacing_mm"), 10, 0.02);
	CHECK_NEAR(val(&r, "picket_1.position_mm"), -35, 0.05);
	CHECK_NEAR(val(&r, "leaf_grid_shift_mm"), 0, 0.1);
	CHECK_NEAR(val(&r, "leaf_pairs"), 30, 0);
	/* A wrong isocentre column by 2 mm: the grid is moved back onto the leakage lines. */
	m.iso_col += 2 / 0.216;
	qc_result_release(&r);
	REQUIRE_OK(run_image(&img, &m, &r));
	CHECK_NEAR(val(&r, "leaf_grid_shift_mm"), -2, 0.1);
	CHECK(val(&r, "max_error_mm") < 0.05);
	qc_result_release(&r);
	qc_image_release(&img);
}

/* Files through DCMTK: uncompressed, JPEG-LS and RLE give the same result. */
TEST(pf_files_jpegls_rle)
{
	static struct pf_spec s;
	struct qc_machine m;
	unity(&m);
	pf_defaults(&s, PH_UNITY, &m);
	inject(&s, 9);
	unsigned short *raw = pf_render(&s);
	char path[3][600], cmd[2600];
	snprintf(path[0], sizeof(path[0]), "%s/pf.dcm", t_tmpdir());
	snprintf(path[1], sizeof(path[1]), "%s/pf_jls.dcm", t_tmpdir());
	snprintf(path[2], sizeof(path[2]), "%s/pf_rle.dcm", t_tmpdir());
	REQUIRE_OK(ph_write(path[0], &s.img, raw));
	free(raw);
	snprintf(cmd, sizeof(cmd), "dcmcjpls '%s' '%s' && dcmcrle '%s' '%s'", path[0], path[1],
		 path[0], path[2]);
	REQUIRE(system(cmd) == 0);
	double ref = NAN;
	for (int i = 0; i < 3; i++) {
		struct qc_image img;
		struct qc_result r;
		struct tally t;
		REQUIRE_OK(dcm_load(path[i], &img));
		REQUIRE_OK(run_image(&img, &m, &r));
		compare(&s, &r, &t, path[i]);
		if (i == 0)
			ref = val(&r, "max_error_mm");
		else
			CHECK_NEAR(val(&r, "max_error_mm"), ref, 1e-9);
		qc_result_release(&r);
		qc_image_release(&img);
	}
}

/* A pair that stays closed at a picket (or a leaf that overshoots and closes the gap) gives no
 * peak: it is reported as missing, counted, and fails the pass rate. */
TEST(pf_generated_closed_pair)
{
	static struct pf_spec s;
	struct qc_machine m;
	struct qc_image img;
	struct qc_result r;
	unity(&m);
	pf_defaults(&s, PH_UNITY, &m);
	s.err_hi[2][40] = -2.0; /* the far leaf runs 2 mm past the near one: the gap is shut */
	s.err_lo[5][33] = 1.0;	/* exactly closed */
	unsigned short *raw = pf_render(&s);
	ph_image(&s.img, raw, &img);
	free(raw);
	REQUIRE_OK(run_image(&img, &m, &r));
	CHECK_NEAR(val(&r, "missing_peaks"), 2, 0);
	const struct qc_measure *a = qc_result_find(&r, "picket_3.pair_40.error_mm", 0);
	const struct qc_measure *b = qc_result_find(&r, "picket_6.pair_33.error_mm", 0);
	REQUIRE(a && b);
	CHECK(!a->has_value && !b->has_value);
	CHECK(strstr(a->note, "no peak") != NULL);
	CHECK(val(&r, "pass_rate_pct") < 100);
	CHECK(val(&r, "max_error_mm") < 0.05);
	qc_result_release(&r);
	qc_image_release(&img);
}
