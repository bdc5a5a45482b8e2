/* Building analysis results, and the MV isocentre pixel of an image. */
#include <stdlib.h>
#include <string.h>

#include "qc/analysis.h"
#include "qc/i18n.h"

void qc_result_init(struct qc_result *r, size_t n_images)
{
	memset(r, 0, sizeof(*r));
	r->n_images = n_images;
	r->inverted = qc_xcalloc(n_images ? n_images : 1, sizeof(bool));
	r->label = qc_xcalloc(n_images ? n_images : 1, sizeof(*r->label));
	r->role = qc_xmalloc((n_images ? n_images : 1) * sizeof(*r->role));
	for (size_t i = 0; i < n_images; i++)
		r->role[i] = ANA_ROLE_NONE;
}

void qc_result_release(struct qc_result *r)
{
	free(r->m);
	free(r->ov);
	free(r->inverted);
	free(r->label);
	free(r->role);
	memset(r, 0, sizeof(*r));
}

struct qc_measure *qc_result_add(struct qc_result *r, const char *name, const char *unit, int image,
				 double value)
{
	qc_grow(&r->m, &r->cap_m, r->n_m + 1, sizeof(*r->m));
	struct qc_measure *m = memset(&r->m[r->n_m++], 0, sizeof(*r->m));
	qc_strlcpy(m->name, name, sizeof(m->name));
	qc_strlcpy(m->unit, unit, sizeof(m->unit));
	m->image = image;
	m->value = value;
	m->has_value = true;
	return m;
}

struct qc_measure *qc_result_add_null(struct qc_result *r, const char *name, const char *unit,
				      int image, const char *note)
{
	struct qc_measure *m = qc_result_add(r, name, unit, image, 0.0);
	m->has_value = false;
	qc_strlcpy(m->note, note, sizeof(m->note));
	return m;
}

struct qc_overlay *qc_result_overlay(struct qc_result *r, enum qc_ov_kind kind,
				     enum qc_ov_role role, int image, double x0, double y0,
				     double x1, double y1)
{
	qc_grow(&r->ov, &r->cap_ov, r->n_ov + 1, sizeof(*r->ov));
	struct qc_overlay *o = memset(&r->ov[r->n_ov++], 0, sizeof(*r->ov));
	o->kind = kind;
	o->role = role;
	o->image = image;
	o->x0 = x0;
	o->y0 = y0;
	o->x1 = x1;
	o->y1 = y1;
	return o;
}

const struct qc_measure *qc_result_find(const struct qc_result *r, const char *name, int image)
{
	for (size_t i = 0; i < r->n_m; i++)
		if (r->m[i].image == image && !strcmp(r->m[i].name, name))
			return &r->m[i];
	return NULL;
}

const struct qc_machine *ana_machine_for(const struct qc_image *img, const struct ana_context *ctx)
{
	if (!ctx)
		return NULL;
	if (ctx->machine)
		return ctx->machine;
	for (size_t i = 0; i < ctx->n_machines; i++) {
		const struct qc_machine *m = &ctx->machines[i];
		if (m->match_model[0] && qc_streq_nocase(m->match_model, img->tags.model))
			return m;
	}
	return NULL;
}

bool ana_leaf_pair_span(const struct qc_machine *m, int pair, double *lo_mm, double *hi_mm)
{
	if (!m || m->leaf_pairs < 1 || pair < 1 || pair > m->leaf_pairs || m->leaf_boundary < 0 ||
	    m->leaf_boundary > m->leaf_pairs)
		return false;
	/* Distance along increasing pair numbers from the boundary through the isocentre. */
	double pos = 0;
	for (int p = m->leaf_boundary; p >= pair; p--)
		pos -= m->leaf_widths_mm[p - 1];
	for (int p = m->leaf_boundary + 1; p < pair; p++)
		pos += m->leaf_widths_mm[p - 1];
	double a = pos, b = pos + m->leaf_widths_mm[pair - 1];
	*lo_mm = m->leaf_numbers_decrease ? -b : a;
	*hi_mm = m->leaf_numbers_decrease ? -a : b;
	return true;
}

void ana_iso_pixel(const struct qc_image *img, const struct ana_context *ctx, double *col,
		   double *row, const char **source)
{
	const struct qc_machine *m = ana_machine_for(img, ctx);
	if (m && m->has_iso) {
		*col = m->iso_col;
		*row = m->iso_row;
		*source = N_("machine calibration");
		return;
	}
	*col = (img->width - 1) / 2.0;
	*row = (img->height - 1) / 2.0;
	*source = N_("image centre");
	double mx = qc_image_mm_x(img), my = qc_image_mm_y(img);
	if (img->geo.has_receptor_translation && mx > 0 && my > 0) {
		/* On the Unity files the translation is in mm at isocentre, with IEC y pointing
		 * up the image: this lands within 1.5 pixels of the site calibration there. */
		*col += img->geo.receptor_translation_mm[0] / mx;
		*row -= img->geo.receptor_translation_mm[1] / my;
		*source = "XRayImageReceptorTranslation";
	}
}

void qc_result_take_image(struct qc_result *dst, const struct qc_result *src, size_t image)
{
	if (src->n_m) {
		qc_grow(&dst->m, &dst->cap_m, dst->n_m + src->n_m, sizeof(*dst->m));
		memcpy(dst->m + dst->n_m, src->m, src->n_m * sizeof(*src->m));
		dst->n_m += src->n_m;
	}
	if (src->n_ov) {
		qc_grow(&dst->ov, &dst->cap_ov, dst->n_ov + src->n_ov, sizeof(*dst->ov));
		memcpy(dst->ov + dst->n_ov, src->ov, src->n_ov * sizeof(*src->ov));
		dst->n_ov += src->n_ov;
	}
	if (image < dst->n_images && image < src->n_images) {
		dst->inverted[image] = src->inverted[image];
		memcpy(dst->label[image], src->label[image], sizeof(dst->label[image]));
		dst->role[image] = src->role[image];
	}
}
