/* The analyses speak the interface language: refusals, notes and image roles in French, and the
 * same runs give back the English texts once the language is English again. */
#include <stdlib.h>

#include "phantom.h"
#include "qc/analysis.h"
#include "qc/dicom.h"
#include "qc/i18n.h"
#include "test.h"

/* The message of the refusal of img by analysis `id` (a static copy: "" when accepted). */
static const char *refusal(const char *id, const struct qc_image *img)
{
	static char msg[512];
	struct qc_result r;
	const struct qc_image *imgs[] = {img};
	struct ana_context ctx = {.machines = &ph_unity_machine, .n_machines = 1};
	qc_result_init(&r, 1);
	enum qc_status st = ana_find(id)->run(imgs, 1, &ctx, &r);
	qc_strlcpy(msg, st == QC_ERR_ANALYSIS ? qc_errmsg() : "", sizeof(msg));
	qc_result_release(&r);
	return msg;
}

/* An MR image, then a blank one, given to the MV analyses. */
static void check_refusals(bool french)
{
	struct ph_spec s;
	struct qc_image img;
	ph_defaults(&s, PH_GENERIC);
	unsigned short *raw = ph_render(&s, NULL);
	ph_image(&s, raw, &img);
	free(raw);
	qc_strlcpy(img.tags.modality, "MR", sizeof(img.tags.modality));
	CHECK_STR(refusal("mv_field", &img),
		  french ? "l'image 1 ne ressemble pas à un champ MV ouvert : ce n'est pas une "
			   "image portale MV (sa modalité est MR)"
			 : "image 1 does not look like an open MV field: it is not an MV portal "
			   "image (its modality is MR)");
	CHECK_STR(refusal("leaf_gap", &img),
		  french
		      ? "l'image 1 ne ressemble pas à une image de bande de positionnement des "
			"lames : ce n'est pas une image portale MV (sa modalité est MR)"
		      : "image 1 does not look like a leaf-position strip image: it is not an MV "
			"portal image (its modality is MR)");
	qc_strlcpy(img.tags.modality, "RTIMAGE", sizeof(img.tags.modality));
	for (size_t i = 0; i < (size_t)img.width * (size_t)img.height; i++)
		img.px[i] = 1000;
	CHECK_STR(refusal("mv_field", &img),
		  french ? "l'image 1 ne ressemble pas à un champ MV ouvert : elle est vide"
			 : "image 1 does not look like an open MV field: it is blank");
	CHECK_STR(refusal("mlc_slit", &img),
		  french ? "l'image 1 ne ressemble pas à une image de fentes MLC : elle est vide"
			 : "image 1 does not look like an MLC slit image: it is blank");
	CHECK_STR(refusal("picket_fence", &img),
		  french ? "image 1 : pas de géométrie MLC pour sa machine (modèle « GENERIC EPID "
			   "») : ajoutez au catalogue une machine de ce modèle avec ses leaf_widths"
			 : "image 1: no MLC geometry for its machine (model 'GENERIC EPID'): add a "
			   "machine with this model and its leaf_widths to the catalogue");
	qc_image_release(&img);
}

TEST(i18n_analysis_refusals_french_then_english)
{
	t_speak_french();
	check_refusals(true);
	t_speak_english();
	check_refusals(false);
}

/* An open field 50 mm off the isocentre: its role among nominal fields, then its notes alone. */
static void check_field(bool french)
{
	static const double nominal[][4] = {{150, 85, 0, 0}, {50, 50, 50, 0}};
	struct ana_context with_plan = {.machines = &ph_unity_machine,
					.n_machines = 1,
					.nominal_fields = nominal,
					.n_nominal_fields = 2};
	struct ana_context alone = {.machines = &ph_unity_machine, .n_machines = 1};
	struct ph_spec s;
	struct qc_image img;
	struct qc_result r;
	ph_defaults(&s, PH_UNITY);
	s.width_mm = 49.2;
	s.height_mm = 50.3;
	s.cx_mm = 49.5;
	unsigned short *raw = ph_render(&s, NULL);
	ph_image(&s, raw, &img);
	free(raw);
	const struct qc_image *imgs[] = {&img};

	qc_result_init(&r, 1);
	REQUIRE_OK(ana_find("mv_field")->run(imgs, 1, &with_plan, &r));
	CHECK_STR(r.label[0],
		  french ? "50 x 50 mm centré en (+50, +0)" : "50 x 50 mm at (+50, +0)");
	qc_result_release(&r);

	qc_result_init(&r, 1);
	REQUIRE_OK(ana_find("mv_field")->run(imgs, 1, &alone, &r));
	const struct qc_measure *m = qc_result_find(&r, "centre_x_mm", 0);
	CHECK(m != NULL);
	if (m)
		CHECK_STR(m->note, french ? "par rapport à l'isocentre MV (511.03, 652.75) ; "
					    "origine : calibration de la machine"
					  : "relative to the MV isocentre (511.03, 652.75) from "
					    "machine calibration");
	qc_result_release(&r);
	qc_image_release(&img);
}

TEST(i18n_analysis_field_role_and_note_french_then_english)
{
	t_speak_french();
	check_field(true);
	t_speak_english();
	check_field(false);
}

/* Winston-Lutz: the role of an image (its angles) and a refusal gathered from a worker thread. */
static void check_wl(bool french)
{
	struct qc_image img[2];
	const char *names[] = {"gantry0.dcm", "gantry90.dcm"};
	for (int i = 0; i < 2; i++) {
		char *path =
		    qc_xasprintf("%s/%s", t_shared("mv/pylinac/winston_lutz_demo"), names[i]);
		REQUIRE_OK(dcm_load(path, &img[i]));
		free(path);
	}
	const struct qc_image *imgs[] = {&img[0], &img[1]};
	struct ana_context ctx = {0};
	struct qc_result r;
	qc_result_init(&r, 2);
	REQUIRE_OK(ana_find("isocentre")->run(imgs, 2, &ctx, &r));
	CHECK_STR(r.label[1], french ? "bras 90, coll 0, table 0" : "gantry 90, coll 0, couch 0");
	qc_result_release(&r);
	for (size_t i = 0; i < (size_t)img[1].width * (size_t)img[1].height; i++)
		img[1].px[i] = 1000;
	qc_result_init(&r, 2);
	CHECK(ana_find("isocentre")->run(imgs, 2, &ctx, &r) == QC_ERR_ANALYSIS);
	CHECK_STR(qc_errmsg(),
		  french
		      ? "l'image 2 ne ressemble pas à une image Winston-Lutz (une bille dans un "
			"petit champ) : aucun champ irradié (l'image est vide)"
		      : "image 2 does not look like a Winston-Lutz image (a BB in a small field): "
			"no irradiated field (the image is blank)");
	qc_result_release(&r);
	qc_image_release(&img[0]);
	qc_image_release(&img[1]);
}

TEST(i18n_analysis_winston_lutz_french_then_english)
{
	t_speak_french();
	check_wl(true);
	t_speak_english();
	check_wl(false);
}
