/* mvic_field: the weekly MVIC field set, mv_field per image, roles for the set, set results. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ana_int.h"

#define ROLE_MATCH_MM 10.0  /* the largest difference to a nominal field to take its role */
#define TEXT_MATCH_MM 1.0   /* a size written in the DICOM text names a role within this */
#define TEXT_PENALTY  100.0 /* a role the image's text contradicts is all but excluded */

struct img_field {
	bool have[4]; /* width, height, centre x, centre y measured */
	double got[4];
	bool has_text; /* a field size is written in its DICOM text */
	double text_w, text_h;
	int role;      /* assigned role, -1 none */
	int duplicate; /* role it would take, already taken by another image; -1 none */
	bool forced;
};

static const char *const names[4] = {"width_mm", "height_mm", "centre_x_mm", "centre_y_mm"};

void ana_field_role_label(const double nom[4], char *buf, size_t n)
{
	if (nom[2] != 0 || nom[3] != 0)
		snprintf(buf, n, _("%g x %g mm at (%+g, %+g)"), nom[0], nom[1], nom[2], nom[3]);
	else
		snprintf(buf, n, _("%g x %g mm"), nom[0], nom[1]);
}

/* A field size written as "150x85", "150 X 85", "150×85" or "150*85" in a text. */
static bool text_size(const char *s, double *w, double *h)
{
	for (const char *p = s; *p; p++) {
		if (!isdigit((unsigned char)*p) ||
		    (p > s && (isdigit((unsigned char)p[-1]) || p[-1] == '.')))
			continue;
		char *end;
		double a = strtod(p, &end);
		const char *q = end;
		while (*q == ' ')
			q++;
		if (*q == 'x' || *q == 'X' || *q == '*')
			q++;
		else if ((unsigned char)q[0] == 0xC3 && (unsigned char)q[1] == 0x97)
			q += 2;
		else
			continue;
		while (*q == ' ')
			q++;
		if (!isdigit((unsigned char)*q))
			continue;
		double b = strtod(q, &end);
		if (a > 0 && b > 0) {
			*w = a;
			*h = b;
			return true;
		}
	}
	return false;
}

/* The DICOM texts a plan export may use to name the field of an image. */
static void read_text(const struct qc_image *img, struct img_field *f)
{
	const char *texts[] = {img->tags.rt_image_label, img->tags.rt_image_description,
			       img->tags.series_description};
	for (size_t i = 0; i < QC_ARRAY_LEN(texts) && !f->has_text; i++)
		f->has_text = text_size(texts[i], &f->text_w, &f->text_h);
}

/* Cost of giving role r to image f: the largest difference of size and centre (mm), and a
 * penalty when the image's text names another size (in mm, or in cm). */
static double role_cost(const struct img_field *f, const double nom[4])
{
	double cost = 0;
	bool any = false;
	for (int k = 0; k < 4; k++)
		if (f->have[k]) {
			cost = fmax(cost, fabs(f->got[k] - nom[k]));
			any = true;
		}
	if (!any)
		return INFINITY;
	if (f->has_text) {
		bool mm = fabs(f->text_w - nom[0]) <= TEXT_MATCH_MM &&
			  fabs(f->text_h - nom[1]) <= TEXT_MATCH_MM;
		bool cm = fabs(10 * f->text_w - nom[0]) <= TEXT_MATCH_MM &&
			  fabs(10 * f->text_h - nom[1]) <= TEXT_MATCH_MM;
		if (!mm && !cm)
			cost += TEXT_PENALTY;
	}
	return cost;
}

/*
 * Roles: the user's choices first, then repeatedly the image and free role that match best
 * (never the file order); an image matching only roles already taken is a duplicate.
 */
static void assign(struct img_field *f, size_t n, const struct ana_context *ctx)
{
	size_t nr = ctx->n_nominal_fields;
	bool *used = qc_xcalloc(nr ? nr : 1, sizeof(bool));
	for (size_t i = 0; i < n; i++) {
		f[i].role = f[i].duplicate = -1;
		int fr = ctx->forced_role ? ctx->forced_role[i] : ANA_ROLE_AUTO;
		if (fr == ANA_ROLE_NONE)
			f[i].forced = true; /* the user says: no role */
		else if (fr >= 0 && (size_t)fr < nr) {
			f[i].forced = true;
			if (used[fr])
				f[i].duplicate = fr;
			else {
				f[i].role = fr;
				used[fr] = true;
			}
		}
	}
	for (;;) {
		double best = ROLE_MATCH_MM;
		int bi = -1, br = -1;
		for (size_t i = 0; i < n; i++)
			for (size_t r = 0; r < nr && !f[i].forced && f[i].role < 0; r++) {
				/* Ties go to the first image: order only breaks exact ties. */
				double c = role_cost(&f[i], ctx->nominal_fields[r]);
				if (!used[r] && (c < best || (bi < 0 && c <= best))) {
					best = c;
					bi = (int)i;
					br = (int)r;
				}
			}
		if (bi < 0)
			break;
		f[bi].role = br;
		used[br] = true;
	}
	for (size_t i = 0; i < n; i++) {
		double best = ROLE_MATCH_MM;
		for (size_t r = 0; r < nr && f[i].role < 0 && !f[i].forced; r++) {
			double c = role_cost(&f[i], ctx->nominal_fields[r]);
			if (c <= best) {
				best = c;
				f[i].duplicate = (int)r;
			}
		}
	}
	free(used);
}

static void read_back(const struct qc_result *res, int i, struct img_field *f)
{
	for (int k = 0; k < 4; k++) {
		const struct qc_measure *m = qc_result_find(res, names[k], i);
		f->have[k] = m && m->has_value;
		f->got[k] = f->have[k] ? m->value : 0;
	}
}

/* The image holding role r, or -1. */
static int holder(const struct img_field *f, size_t n, int r)
{
	for (size_t i = 0; i < n; i++)
		if (f[i].role == r)
			return (int)i;
	return -1;
}

/* Sets the role's nominal values on the image's measurements, or says why it is not judged. */
static void apply_role(struct qc_result *res, const struct img_field *f, size_t n, int i,
		       const struct ana_context *ctx)
{
	char label[160], role[100];
	for (int k = 0; k < 4; k++) {
		struct qc_measure *m = NULL;
		for (size_t j = 0; j < res->n_m; j++)
			if (res->m[j].image == i && !strcmp(res->m[j].name, names[k]))
				m = &res->m[j];
		if (!m)
			continue;
		if (f[i].role >= 0) {
			m->has_nominal = true;
			m->nominal = ctx->nominal_fields[f[i].role][k];
		} else if (f[i].duplicate >= 0 && m->has_value) {
			ana_field_role_label(ctx->nominal_fields[f[i].duplicate], role,
					     sizeof(role));
			snprintf(label, sizeof(label),
				 _("not judged: image %d already has the role %s"),
				 holder(f, n, f[i].duplicate) + 1, role);
			qc_strlcpy(m->note, label, sizeof(m->note));
		} else if (m->has_value && f[i].forced)
			qc_strlcpy(m->note, _("not judged: no role (the user's choice)"),
				   sizeof(m->note));
		else if (m->has_value && ctx->n_nominal_fields)
			qc_strlcpy(m->note, _("no nominal field of the test matches this image"),
				   sizeof(m->note));
	}
	if (f[i].role >= 0) {
		ana_field_role_label(ctx->nominal_fields[f[i].role], role, sizeof(role));
		if (f[i].forced)
			snprintf(label, sizeof(label), _("%s (user)"), role);
		else
			qc_strlcpy(label, role, sizeof(label));
	} else if (f[i].duplicate >= 0) {
		ana_field_role_label(ctx->nominal_fields[f[i].duplicate], role, sizeof(role));
		snprintf(label, sizeof(label), _("%s (duplicate)"), role);
	} else
		label[0] = '\0';
	qc_strlcpy(res->label[i], label, sizeof(res->label[i]));
}

static void set_results(struct qc_result *res, const struct img_field *f, size_t n,
			const struct ana_context *ctx)
{
	size_t nr = ctx->n_nominal_fields;
	char list[320], one[100];
	int found = 0, dup = 0, worst_size = -1, worst_centre = -1;
	double size_err = 0, centre_err = 0, corner_err = 0;
	bool any_corner = false;
	for (size_t i = 0; i < n; i++) {
		dup += f[i].role < 0 && f[i].duplicate >= 0;
		for (int c = 0; c < 4; c++) {
			static const char *const cn[4] = {"corner_tl_deg", "corner_tr_deg",
							  "corner_br_deg", "corner_bl_deg"};
			const struct qc_measure *m = qc_result_find(res, cn[c], (int)i);
			if (m && m->has_value) {
				corner_err = fmax(corner_err, fabs(m->value - 90));
				any_corner = true;
			}
		}
		if (f[i].role < 0)
			continue;
		found++;
		const double *nom = ctx->nominal_fields[f[i].role];
		for (int k = 0; k < 4; k++) {
			if (!f[i].have[k])
				continue;
			double e = fabs(f[i].got[k] - nom[k]);
			if (k < 2 && (worst_size < 0 || e > size_err)) {
				size_err = e;
				worst_size = (int)i;
			} else if (k >= 2 && (worst_centre < 0 || e > centre_err)) {
				centre_err = e;
				worst_centre = (int)i;
			}
		}
	}
	qc_result_add(res, "roles_expected", "", -1, (double)nr);
	struct qc_measure *m = qc_result_add(res, "roles_found", "", -1, found);
	if (nr)
		snprintf(m->note, sizeof(m->note),
			 ngettext("%d of %zu image took a role", "%d of %zu images took a role", n),
			 found, n);
	list[0] = '\0';
	for (size_t r = 0; r < nr; r++)
		if (holder(f, n, (int)r) < 0) {
			ana_field_role_label(ctx->nominal_fields[r], one, sizeof(one));
			size_t len = strlen(list);
			if (len)
				snprintf(list + len, sizeof(list) - len, "; %s", one);
			else
				snprintf(list, sizeof(list), _("missing: %s"), one);
		}
	m = qc_result_add(res, "roles_missing", "", -1, (double)(nr - (size_t)found));
	qc_strlcpy(m->note, list, sizeof(m->note));
	m = qc_result_add(res, "roles_duplicated", "", -1, dup);
	list[0] = '\0';
	for (size_t i = 0; i < n; i++)
		if (f[i].role < 0 && f[i].duplicate >= 0) {
			size_t len = strlen(list);
			snprintf(list + len, sizeof(list) - len, "%s", len ? "; " : "");
			len = strlen(list);
			snprintf(list + len, sizeof(list) - len, _("image %zu repeats image %d"),
				 i + 1, holder(f, n, f[i].duplicate) + 1);
		}
	if (dup) {
		size_t len = strlen(list);
		snprintf(list + len, sizeof(list) - len, "%s", _(" (not judged)"));
	}
	qc_strlcpy(m->note, list, sizeof(m->note));
	const char *none = nr ? _("no image took a role") : _("the test has no nominal field");
	if (worst_size >= 0) {
		m = qc_result_add(res, "max_size_error_mm", "mm", -1, size_err);
		snprintf(m->note, sizeof(m->note), _("image %d"), worst_size + 1);
	} else
		qc_result_add_null(res, "max_size_error_mm", "mm", -1, none);
	if (worst_centre >= 0) {
		m = qc_result_add(res, "max_centre_error_mm", "mm", -1, centre_err);
		snprintf(m->note, sizeof(m->note),
			 _("image %d, vs the nominal centre from the MV isocentre"),
			 worst_centre + 1);
	} else
		qc_result_add_null(res, "max_centre_error_mm", "mm", -1, none);
	if (any_corner) {
		m = qc_result_add(res, "max_corner_error_deg", "deg", -1, corner_err);
		qc_strlcpy(m->note, _("largest |corner - 90| of the set"), sizeof(m->note));
	} else
		qc_result_add_null(res, "max_corner_error_deg", "deg", -1, _("no corner measured"));
}

/* The images measured apart, on every core. */
struct apart {
	const struct qc_image *const *imgs;
	const struct ana_context *ctx;
	struct qc_result *res; /* one per image */
	enum qc_status *st;
	char (*msg)[512];
};

static void measure_one(void *ud, size_t i)
{
	struct apart *a = ud;
	a->st[i] = ana_mv_field_image(a->imgs[i], (int)i, a->ctx, &a->res[i]);
	if (a->st[i])
		qc_strlcpy(a->msg[i], qc_errmsg(), sizeof(a->msg[i]));
}

static enum qc_status measure_all(const struct qc_image *const *imgs, size_t n,
				  const struct ana_context *one, struct qc_result *res)
{
	struct apart a = {imgs, one, qc_xcalloc(n, sizeof(*a.res)), qc_xcalloc(n, sizeof(*a.st)),
			  qc_xcalloc(n, sizeof(*a.msg))};
	for (size_t i = 0; i < n; i++)
		qc_result_init(&a.res[i], n);
	qc_parallel_for(n, measure_one, &a);
	enum qc_status st = QC_OK;
	for (size_t i = 0; i < n; i++) {
		if (!st && a.st[i])
			st = qc_fail(a.st[i], "%s", a.msg[i]); /* the first image that failed */
		if (!st)
			qc_result_take_image(res, &a.res[i], i);
		qc_result_release(&a.res[i]);
	}
	free(a.res);
	free(a.st);
	free(a.msg);
	return st;
}

static enum qc_status run(const struct qc_image *const *imgs, size_t n,
			  const struct ana_context *ctx, struct qc_result *res)
{
	static const struct ana_context none;
	struct ana_context one = ctx ? *ctx : none;
	/* Each image is measured without roles; the set decides them together. */
	one.nominal_fields = NULL;
	one.n_nominal_fields = 0;
	one.forced_role = NULL;
	enum qc_status st = measure_all(imgs, n, &one, res);
	if (st)
		return st;
	struct img_field *f = qc_xcalloc(n, sizeof(*f));
	const struct ana_context *c = ctx ? ctx : &none;
	for (size_t i = 0; i < n; i++) {
		read_back(res, (int)i, &f[i]);
		read_text(imgs[i], &f[i]);
	}
	assign(f, n, c);
	for (size_t i = 0; i < n; i++) {
		apply_role(res, f, n, (int)i, c);
		res->role[i] = f[i].role >= 0 ? f[i].role : ANA_ROLE_NONE;
	}
	set_results(res, f, n, c);
	free(f);
	return QC_OK;
}

const struct qc_analysis ana_mvic_field = {
    .id = "mvic_field",
    .version = "1.0",
    .summary = "MVIC field set: mv_field on each image, roles from the measured fields and "
	       "DICOM texts, set results",
    .min_images = 1,
    .max_images = 16,
    .run = run,
    .role_label = ana_field_role_label,
};
