/* Helpers of the MR phantom analysis tests: run an analysis, read a measurement, make images. */
#ifndef QC_MR_TEST_H
#define QC_MR_TEST_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "phantom.h"
#include "phantom_mr.h"
#include "qc/analysis.h"
#include "qc/dicom.h"
#include "test.h"

/* Runs analysis id on n images; res is initialised by the call (release it). */
static inline enum qc_status mr_run(const char *id, const struct qc_image *const *imgs, size_t n,
				    struct qc_result *res)
{
	const struct qc_analysis *a = ana_find(id);
	qc_result_init(res, n);
	if (!a) {
		t_fail(__FILE__, __LINE__, "analysis %s is not registered", id);
		return QC_ERR_ANALYSIS;
	}
	return a->run(imgs, n, NULL, res);
}

static inline double mr_val_at(const char *file, int line, const struct qc_result *r,
			       const char *name, int image)
{
	const struct qc_measure *m = qc_result_find(r, name, image);
	if (!m) {
		t_fail(file, line, "no measurement %s for image %d", name, image);
		return NAN;
	}
	if (!m->has_value) {
		t_fail(file, line, "%s not measurable: %s", name, m->note);
		return NAN;
	}
	return m->value;
}

/* The value of a measurement; fails the test (and gives NAN) when absent or null. */
#define MR_VAL(res, name, image) mr_val_at(__FILE__, __LINE__, res, name, image)

/* A generated phantom as an image in memory; t may be NULL. */
static inline void mr_gen(const struct phmr_spec *s, struct qc_image *img, struct phmr_truth *t)
{
	float *px = phmr_render(s, t);
	phmr_image(s, px, img);
	free(px);
}

/* A file of ../shared/data (the test fails loudly when it is missing). */
static inline void mr_load(const char *rel, struct qc_image *img)
{
	REQUIRE_OK(dcm_load(t_shared(rel), img));
}

/* Runs id on one image and checks that it fails with a message containing want. */
static inline void mr_expect_fail_at(const char *file, int line, const char *id,
				     const struct qc_image *img, const char *want)
{
	struct qc_result res;
	const struct qc_image *imgs[] = {img};
	enum qc_status st = mr_run(id, imgs, 1, &res);
	if (st == QC_OK)
		t_fail(file, line, "%s accepted an image that should fail with '%s'", id, want);
	else if (!strstr(qc_errmsg(), want))
		t_fail(file, line, "%s: message '%s' does not say '%s'", id, qc_errmsg(), want);
	qc_result_release(&res);
}
#define MR_EXPECT_FAIL(id, img, want) mr_expect_fail_at(__FILE__, __LINE__, id, img, want)

/* Wrong inputs every MR analysis must refuse: an MV portal image, a blank and a noise image. */
static inline void mr_check_wrong_inputs(const char *id, const char *what)
{
	struct ph_spec mv;
	struct qc_image img;
	ph_defaults(&mv, PH_UNITY);
	unsigned short *raw = ph_render(&mv, NULL);
	ph_image(&mv, raw, &img);
	free(raw);
	char want[160];
	snprintf(want, sizeof(want), "image 1 does not look like %s: its modality is RTIMAGE",
		 what);
	MR_EXPECT_FAIL(id, &img, want);
	qc_image_release(&img);

	struct phmr_spec s;
	phmr_defaults(&s, PHMR_FLOOD);
	s.signal = 0;
	s.noise_sd = 0;
	mr_gen(&s, &img, NULL);
	snprintf(want, sizeof(want), "image 1 does not look like %s: it is blank", what);
	MR_EXPECT_FAIL(id, &img, want);
	qc_image_release(&img);

	s.noise_sd = 10; /* noise alone: no phantom */
	mr_gen(&s, &img, NULL);
	snprintf(want, sizeof(want), "image 1 does not look like %s: no phantom signal", what);
	MR_EXPECT_FAIL(id, &img, want);
	qc_image_release(&img);
}

#endif
