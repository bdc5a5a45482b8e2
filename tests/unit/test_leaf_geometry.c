/* The MLC analyses refuse a leaf geometry they cannot walk (settings from the CLI are not
 * checked by the catalogue parser): pair through the isocentre outside the pairs, too many
 * pairs, a width that is not positive. */
#include <stdlib.h>

#include "phantom_mlc.h"
#include "phantom_pf.h"
#include "qc/analysis.h"
#include "test.h"

static void expect(const char *analysis, const struct qc_image *img, const struct qc_machine *m,
		   const char *fragment)
{
	struct qc_result r;
	struct ana_context ctx = {.machines = m, .n_machines = 1};
	const struct qc_image *imgs[] = {img};
	qc_result_init(&r, 1);
	enum qc_status st = ana_find(analysis)->run(imgs, 1, &ctx, &r);
	CHECKF(st == QC_ERR_ANALYSIS, "%s: expected a refusal (%s), got status %d", analysis,
	       fragment, st);
	CHECKF(st != QC_ERR_ANALYSIS || strstr(qc_errmsg(), fragment),
	       "%s: message '%s' lacks '%s'", analysis, qc_errmsg(), fragment);
	qc_result_release(&r);
}

/* Every bad variant of machine `good` is refused by `analysis` on img; good itself runs. */
static void refuse_bad_geometry(const char *analysis, const struct qc_image *img,
				const struct qc_machine *good)
{
	struct qc_machine m = *good;
	struct qc_result r;
	struct ana_context ctx = {.machines = &m, .n_machines = 1};
	const struct qc_image *imgs[] = {img};
	qc_result_init(&r, 1);
	REQUIRE_OK(ana_find(analysis)->run(imgs, 1, &ctx, &r));
	qc_result_release(&r);
	char want[96];
	m.leaf_boundary = m.leaf_pairs + 1;
	snprintf(want, sizeof(want), "leaf_boundary %d is not one of its leaf pairs 1-%d",
		 m.leaf_pairs + 1, m.leaf_pairs);
	expect(analysis, img, &m, want);
	m.leaf_boundary = 0;
	snprintf(want, sizeof(want), "leaf_boundary 0 is not one of its leaf pairs 1-%d",
		 m.leaf_pairs);
	expect(analysis, img, &m, want);
	m.leaf_boundary = -1;
	expect(analysis, img, &m, "leaf_boundary -1 is not one");
	m = *good;
	m.leaf_pairs = QC_MAX_LEAF_PAIRS + 1;
	expect(analysis, img, &m, "has 161 leaf pairs: the leaf geometry needs 1 to 160");
	m = *good;
	m.leaf_widths_mm[m.leaf_pairs - 1] = 0;
	snprintf(want, sizeof(want), "leaf pair %d has width 0 mm", m.leaf_pairs);
	expect(analysis, img, &m, want);
}

TEST(leaf_geometry_refused_by_leaf_gap_and_mlc_slit)
{
	static const double c[3] = {-27, 0, 28}, w[3] = {5, 10, 15};
	struct qc_machine m = {.id = "unity",
			       .match_model = "ELEKTA UNITY MVIC",
			       .leaf_pairs = 80,
			       .leaf_width_mm = 7.15,
			       .leaf_travel = 'y',
			       .leaf_boundary = 40};
	for (int i = 0; i < 80; i++)
		m.leaf_widths_mm[i] = 7.15;
	struct phm_spec s;
	struct qc_image img;
	phm_defaults(&s, PH_UNITY);
	phm_strip(&s, 27, 54, -30, -10);
	unsigned short *raw = phm_render(&s);
	ph_image(&s.base, raw, &img);
	free(raw);
	refuse_bad_geometry("leaf_gap", &img, &m);
	qc_image_release(&img);
	phm_defaults(&s, PH_UNITY);
	phm_slits(&s, 27, 54, 3, c, w);
	raw = phm_render(&s);
	ph_image(&s.base, raw, &img);
	free(raw);
	refuse_bad_geometry("mlc_slit", &img, &m);
	qc_image_release(&img);
}

TEST(leaf_geometry_refused_by_picket_fence)
{
	struct qc_machine m;
	struct pf_spec *s = calloc(1, sizeof(*s));
	struct qc_image img;
	REQUIRE(s);
	pf_machine(&m, PH_UNITY);
	pf_defaults(s, PH_UNITY, &m);
	unsigned short *raw = pf_render(s);
	ph_image(&s->img, raw, &img);
	free(raw);
	free(s);
	refuse_bad_geometry("picket_fence", &img, &m);
	qc_image_release(&img);
}
