/* The session report: header, measurements, pictures with overlays, inputs, comment, signatures. */
#include <langinfo.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qc/i18n.h"
#include "qc/report.h"
#include "report_int.h"

#define BODY_SIZE     9.0f
#define TABLE_SIZE    8.5f
#define SMALL_SIZE    7.5f
#define PICTURE_MAX_H 330.0f
#define OVERLAY_WIDTH 1.2f
#define SIGNATURE_H   124.0f

struct sr {
	struct report_doc doc;
	const struct qc_catalog *cat;
	const struct qc_test *test; /* NULL when the catalogue does not know it */
	const struct qc_session *s;
};

/* A label and its value in the header grid. */
struct field {
	const char *label, *value;
	enum report_font font;
	struct report_rgb colour;
};

static const struct report_rgb c_ok = {0.0f, 0.50f, 0.13f};
static const struct report_rgb c_tol = {0.90f, 0.45f, 0.0f};
static const struct report_rgb c_act = {0.80f, 0.0f, 0.0f};
static const struct report_rgb c_not_done = {0.45f, 0.45f, 0.45f};
/* Overlays are drawn on grey pictures: bright, saturated colours. */
static const struct report_rgb ov_act = {1.0f, 0.0f, 0.0f};
static const struct report_rgb ov_tol = {1.0f, 0.55f, 0.0f};
static const struct report_rgb ov_role[] = {
    [QC_OVR_EDGE] = {0.0f, 0.85f, 0.0f},
    [QC_OVR_CENTRE] = {0.0f, 0.75f, 1.0f},
    [QC_OVR_REF] = {1.0f, 0.0f, 1.0f},
    [QC_OVR_ROI] = {1.0f, 0.9f, 0.0f},
};
static const char *const ov_role_name[] = {
    [QC_OVR_EDGE] = N_("edge"),
    [QC_OVR_CENTRE] = N_("centre"),
    [QC_OVR_REF] = N_("reference"),
    [QC_OVR_ROI] = N_("region of interest"),
};

static const char *verdict_word(enum qc_verdict v)
{
	switch (v) {
	case QC_V_OK: return _("OK");
	case QC_V_TOL: return _("TOLERANCE");
	case QC_V_ACT: return _("ACTION");
	case QC_V_NOT_DONE: return _("NOT DONE");
	case QC_V_NO_TOL: return _("NO TOLERANCE");
	}
	return "?";
}

static struct report_rgb verdict_colour(enum qc_verdict v)
{
	switch (v) {
	case QC_V_OK: return c_ok;
	case QC_V_TOL: return c_tol;
	case QC_V_ACT: return c_act;
	case QC_V_NOT_DONE: return c_not_done;
	case QC_V_NO_TOL: break;
	}
	return report_black;
}

static const char *or_dash(const char *s)
{
	return s && *s ? s : "—";
}

static const char *base_name(const char *path)
{
	const char *slash = path ? strrchr(path, '/') : NULL;
	return slash ? slash + 1 : or_dash(path);
}

/* "Image 1 — 150 x 85 mm — x.dcm", or "All images" for values of the whole set. */
static void image_caption(const struct qc_session *s, int image, char *buf, size_t n)
{
	if (image < 0) {
		snprintf(buf, n, "%s", _("All images"));
		return;
	}
	int k = snprintf(buf, n, _("Image %d"), image + 1);
	if (k < 0 || (size_t)k >= n || (size_t)image >= s->n_in)
		return;
	const struct qc_input *in = &s->in[image];
	if (in->label[0])
		k += snprintf(buf + k, n - (size_t)k, " — %s", in->label);
	if ((size_t)k < n && in->path && *in->path)
		snprintf(buf + k, n - (size_t)k, " — %s", base_name(in->path));
}

/* ---------------------------------------------------------------- header */

static float draw_field(struct report_doc *d, float x, float y, const struct field *f)
{
	const float label_w = 82, value_w = REPORT_WIDTH / 2 - label_w - 8;
	char *v = report_clean(or_dash(f->value));
	const char *p = v;
	size_t len;
	int lines = 0;

	report_text(d, x, y - BODY_SIZE, REPORT_REGULAR, BODY_SIZE - 0.5f, report_grey, f->label);
	for (const char *line = p; report_next_line(d, f->font, BODY_SIZE, value_w, &p, &len);
	     line = p) {
		report_span(d, x + label_w, y - BODY_SIZE - lines * BODY_SIZE * 1.25f, value_w,
			    REPORT_LEFT, f->font, BODY_SIZE, f->colour, line, len);
		lines++;
	}
	free(v);
	return (lines ? lines : 1) * BODY_SIZE * 1.25f + 3;
}

/* Two fields a row, left then right. */
static void draw_fields(struct report_doc *d, const struct field *f, size_t n)
{
	for (size_t i = 0; i < n; i += 2) {
		float h = draw_field(d, REPORT_X0, d->y, &f[i]);
		if (i + 1 < n) {
			float h2 = draw_field(d, REPORT_X0 + REPORT_WIDTH / 2 + 8, d->y, &f[i + 1]);
			h = h2 > h ? h2 : h;
		}
		d->y -= h;
	}
}

static const char *machine_name(const struct sr *r, char *buf, size_t n)
{
	const struct qc_machine *m = r->cat ? cat_find_machine(r->cat, r->s->machine) : NULL;
	if (!m || !m->name[0])
		return r->s->machine;
	if (qc_streq_nocase(m->name, m->id))
		return m->name;
	snprintf(buf, n, "%s (%s)", m->name, m->id);
	return buf;
}

static const char *test_title(const struct sr *r)
{
	const char *t = r->test ? cat_test_name(r->test) : NULL;
	if (t && *t)
		return t;
	return r->s->test[0] ? r->s->test : _("Quality control");
}

/* "approved by X on 2026-11-21 09:12:00 — comment"; the caller frees it. */
static char *review_text(const struct qc_review *rv)
{
	if (!rv->reviewed)
		return qc_xstrdup(_("not reviewed"));
	char *who =
	    qc_xasprintf(rv->approved ? _("approved by %s on %s") : _("rejected by %s on %s"),
			 rv->reviewer, rv->at);
	if (!rv->comment)
		return who;
	char *all = qc_xasprintf("%s — %s", who, rv->comment);
	free(who);
	return all;
}

static void draw_header(struct sr *r)
{
	const struct qc_session *s = r->s;
	struct report_doc *d = &r->doc;
	char machine[128], session[96], analysis[64], software[40];
	char *review = review_text(&s->review);

	report_text(d, REPORT_X0, d->y - 8, REPORT_REGULAR, 8, report_grey,
		    _("Quality control report"));
	d->y -= 14;
	report_paragraph(d, REPORT_X0, REPORT_WIDTH, REPORT_BOLD, 17, report_black, test_title(r));
	report_line(d, REPORT_X0, d->y - 2, REPORT_X1, d->y - 2, 1.0f, report_black);
	d->y -= 8;

	if (s->id)
		snprintf(session, sizeof(session), "%lld", (long long)s->id);
	else
		snprintf(session, sizeof(session), "%s", _("not stored"));
	if (s->supersedes) {
		size_t k = strlen(session);
		snprintf(session + k, sizeof(session) - k, _(" (replaces session %lld)"),
			 (long long)s->supersedes);
	}
	snprintf(analysis, sizeof(analysis), "%s %s", s->analysis, s->analysis_version);
	snprintf(software, sizeof(software), "unityqc %s", s->program_version);
	struct field f[] = {
	    {_("Machine"), machine_name(r, machine, sizeof(machine)), REPORT_REGULAR, report_black},
	    {_("Operator"), s->operator_name, REPORT_REGULAR, report_black},
	    {_("Started"), s->started_at, REPORT_REGULAR, report_black},
	    {_("Completed"), s->completed_at, REPORT_REGULAR, report_black},
	    {_("Session"), session, REPORT_REGULAR, report_black},
	    {_("Analysis"), s->analysis[0] ? analysis : _("none (manual entry)"), REPORT_REGULAR,
	     report_black},
	    {_("Overall verdict"), verdict_word(s->verdict), REPORT_BOLD,
	     verdict_colour(s->verdict)},
	    {_("Review"), review, REPORT_REGULAR, report_black},
	    {_("Software"), s->program_version[0] ? software : NULL, REPORT_REGULAR, report_black},
	    {_("Scheduling"), s->not_for_scheduling ? _("not counted (repeat)") : _("counted"),
	     REPORT_REGULAR, report_black},
	};
	draw_fields(d, f, QC_ARRAY_LEN(f));
	free(review);
}

/* ---------------------------------------------------------------- measurements */

static bool unit_is(const char *unit, const char *u)
{
	return strcmp(unit, u) == 0;
}

static const char *unit_shown(const char *unit)
{
	return unit_is(unit, "deg") ? "°" : unit;
}

static void fmt_value(const struct qc_record *r, char *buf, size_t n)
{
	double v = r->m.value;

	if (r->text[0]) {
		bool yes = !strcmp(r->text, "yes"), no = !strcmp(r->text, "no");
		snprintf(buf, n, "%s", yes ? _("yes") : no ? _("no") : r->text);
	} else if (!r->m.has_value || !isfinite(v)) {
		snprintf(buf, n, "—");
	} else {
		qc_format_value(v, r->m.unit, buf, n);
	}
}

/* A reference as written in a catalogue: 150, 0.5, -2.25. */
static void fmt_ref(double v, char *buf, size_t n)
{
	snprintf(buf, n, "%.3f", fabs(v) < 0.0005 ? 0.0 : v);
	char *e = buf + strlen(buf);
	while (e > buf && e[-1] == '0')
		*--e = '\0';
	if (e > buf && e[-1] == '.')
		e[-1] = '\0';
}

static const char *measure_label(const struct sr *r, const struct qc_record *rec, char *buf,
				 size_t n)
{
	const struct qc_mdef *m = r->test ? cat_find_mdef(r->test, rec->m.name) : NULL;
	return cat_measure_label(m, rec->m.name, buf, n);
}

static void measurement_row(struct sr *r, struct report_table *t, const struct qc_record *rec)
{
	char value[80], ref[32], levels[96], label[160];

	fmt_value(rec, value, sizeof(value));
	if (qc_levels_ref_shown(&rec->lv))
		fmt_ref(rec->lv.ref, ref, sizeof(ref));
	else
		snprintf(ref, sizeof(ref), "—");
	qc_levels_format(&rec->lv, levels, sizeof(levels), false);
	if (!strcmp(levels, "-"))
		snprintf(levels, sizeof(levels), "—");
	struct report_cell cells[] = {
	    {measure_label(r, rec, label, sizeof(label)), REPORT_REGULAR, report_black},
	    {value, REPORT_REGULAR, report_black},
	    {unit_shown(rec->m.unit), REPORT_REGULAR, report_black},
	    {ref, REPORT_REGULAR, report_black},
	    {levels, REPORT_REGULAR, report_black},
	    /* Bold where a limit speaks; a value without limits stays quiet. */
	    {verdict_word(rec->verdict), rec->verdict == QC_V_NO_TOL ? REPORT_REGULAR : REPORT_BOLD,
	     verdict_colour(rec->verdict)},
	};
	report_table_row(&r->doc, t, cells, rec->m.note);
}

struct order {
	int group;
	size_t idx;
};

static int cmp_order(const void *a, const void *b)
{
	const struct order *x = a, *y = b;
	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Records grouped by image, in their own order inside a group; whole-set values last. */
static struct order *group_records(const struct qc_session *s)
{
	struct order *o = qc_xcalloc(s->n_rec ? s->n_rec : 1, sizeof(*o));
	for (size_t i = 0; i < s->n_rec; i++)
		o[i] = (struct order){s->rec[i].m.image >= 0 ? s->rec[i].m.image : INT_MAX, i};
	qsort(o, s->n_rec, sizeof(*o), cmp_order);
	return o;
}

static void draw_measurements(struct sr *r)
{
	const struct qc_session *s = r->s;
	struct report_doc *d = &r->doc;
	struct report_col cols[] = {
	    {_("Measurement"), 165, REPORT_LEFT},
	    {_("Value"), 55, REPORT_RIGHT},
	    {_("Unit"), 32, REPORT_LEFT},
	    {_("Reference"), 58, REPORT_RIGHT},
	    {_("Tolerance / action"), 96, REPORT_LEFT},
	    {_("Verdict"), 0, REPORT_LEFT},
	};
	char caption[256], continued[300];

	/* The verdict takes the rest: "SANS TOLÉRANCE" in bold must hold on one line. */
	cols[5].width = REPORT_WIDTH - 165 - 55 - 32 - 58 - 96;
	report_heading(d, _("Measurements"), 60);
	if (!s->n_rec) {
		report_paragraph(d, REPORT_X0, REPORT_WIDTH, REPORT_REGULAR, BODY_SIZE, report_grey,
				 _("No measurement."));
		return;
	}
	struct order *o = group_records(s);
	struct report_table t = {cols, QC_ARRAY_LEN(cols), REPORT_X0, TABLE_SIZE, continued, 0};
	for (size_t i = 0; i < s->n_rec && !report_failed(d); i++) {
		const struct qc_record *rec = &s->rec[o[i].idx];
		if (i == 0 || o[i].group != o[i - 1].group) {
			image_caption(s, rec->m.image, caption, sizeof(caption));
			snprintf(continued, sizeof(continued), _("%s (continued)"), caption);
			report_need(d, 60);
			report_skip(d, i ? 8 : 2);
			report_text(d, REPORT_X0, d->y - 10, REPORT_BOLD, 9.5f, report_black,
				    caption);
			d->y -= 15;
			report_table_begin(d, &t);
		}
		measurement_row(r, &t, rec);
	}
	free(o);
}

/* ---------------------------------------------------------------- pictures */

/* Where a preview lands on the page: its top left corner and points per preview pixel. */
struct frame {
	const struct qc_preview *pv;
	float x, top, scale;
};

static void to_page(const struct frame *f, double ix, double iy, float *x, float *y)
{
	double step = f->pv->step > 0 ? f->pv->step : 1;
	/* Preview pixel centres sit at integers, like image pixels: +0.5 to the cell centre. */
	*x = f->x + (float)(((ix - f->pv->origin_x) / step + 0.5) * f->scale);
	*y = f->top - (float)(((iy - f->pv->origin_y) / step + 0.5) * f->scale);
}

static float to_page_len(const struct frame *f, double r)
{
	double step = f->pv->step > 0 ? f->pv->step : 1;
	return (float)(r / step * f->scale);
}

static struct report_rgb overlay_colour(const struct qc_session *s, const struct qc_overlay *o)
{
	enum qc_verdict v = qc_session_overlay_verdict(s, o);
	if (v == QC_V_ACT)
		return ov_act;
	if (v == QC_V_TOL)
		return ov_tol;
	return (unsigned)o->role < QC_ARRAY_LEN(ov_role) ? ov_role[o->role] : report_white;
}

static void draw_overlay(struct report_doc *d, const struct frame *f, const struct qc_overlay *o,
			 struct report_rgb c)
{
	float x0, y0, x1, y1, r = to_page_len(f, o->r);

	to_page(f, o->x0, o->y0, &x0, &y0);
	to_page(f, o->x1, o->y1, &x1, &y1);
	switch (o->kind) {
	case QC_OV_LINE: report_line(d, x0, y0, x1, y1, OVERLAY_WIDTH, c); break;
	case QC_OV_CROSS:
		r = r > 0 ? r : 4;
		report_line(d, x0 - r, y0, x0 + r, y0, OVERLAY_WIDTH, c);
		report_line(d, x0, y0 - r, x0, y0 + r, OVERLAY_WIDTH, c);
		break;
	case QC_OV_CIRCLE:
		if (r > 0)
			report_circle(d, x0, y0, r, OVERLAY_WIDTH, c);
		break;
	case QC_OV_RECT:
		report_rect(d, fminf(x0, x1), fminf(y0, y1), fabsf(x1 - x0), fabsf(y1 - y0),
			    OVERLAY_WIDTH, c);
		break;
	}
}

/* What the legend lists: the roles drawn, then the verdict colours that replaced them. */
struct legend {
	bool role[QC_ARRAY_LEN(ov_role)];
	bool tol, act;
};

static void draw_overlays(struct sr *r, const struct frame *f, struct legend *lg)
{
	const struct qc_session *s = r->s;
	for (size_t i = 0; i < s->n_ov; i++) {
		const struct qc_overlay *o = &s->ov[i];
		if (o->image != f->pv->image)
			continue;
		enum qc_verdict v = qc_session_overlay_verdict(s, o);
		lg->act |= v == QC_V_ACT;
		lg->tol |= v == QC_V_TOL;
		if ((unsigned)o->role < QC_ARRAY_LEN(lg->role))
			lg->role[o->role] |= v != QC_V_ACT && v != QC_V_TOL;
		draw_overlay(&r->doc, f, o, overlay_colour(s, o));
	}
}

static void legend_item(struct report_doc *d, float *x, struct report_rgb c, const char *text)
{
	float w = 16 + 4 + report_text_width(d, REPORT_REGULAR, SMALL_SIZE, text) + 14;
	if (*x + w > REPORT_X1) {
		*x = REPORT_X0;
		d->y -= SMALL_SIZE * 1.6f;
	}
	float mid = d->y - SMALL_SIZE * 0.7f;
	report_line(d, *x, mid, *x + 16, mid, 2.2f, c);
	report_text(d, *x + 20, d->y - SMALL_SIZE, REPORT_REGULAR, SMALL_SIZE, report_black, text);
	*x += w;
}

static void draw_legend(struct report_doc *d, const struct legend *lg)
{
	float x = REPORT_X0;
	bool any = lg->tol || lg->act;

	for (size_t i = 0; i < QC_ARRAY_LEN(lg->role); i++) {
		any |= lg->role[i];
		if (lg->role[i])
			legend_item(d, &x, ov_role[i], _(ov_role_name[i]));
	}
	if (lg->tol)
		legend_item(d, &x, ov_tol, _("out of tolerance"));
	if (lg->act)
		legend_item(d, &x, ov_act, _("action level exceeded"));
	if (any)
		d->y -= SMALL_SIZE * 1.6f;
}

static void draw_picture(struct sr *r, const struct qc_preview *pv)
{
	struct report_doc *d = &r->doc;
	char caption[256];

	if (!pv->px || pv->width <= 0 || pv->height <= 0)
		return;
	float w = REPORT_WIDTH, h = w * (float)pv->height / (float)pv->width;
	if (h > PICTURE_MAX_H) {
		h = PICTURE_MAX_H;
		w = h * (float)pv->width / (float)pv->height;
	}
	report_need(d, 20 + h + 24);
	image_caption(r->s, pv->image, caption, sizeof(caption));
	report_skip(d, 8);
	report_text(d, REPORT_X0, d->y - 9, REPORT_BOLD, 9, report_black, caption);
	d->y -= 14;

	struct frame f = {pv, REPORT_X0 + (REPORT_WIDTH - w) / 2, d->y, w / (float)pv->width};
	struct legend lg = {0};
	report_gray_image(d, pv->px, pv->width, pv->height, f.x, f.top - h, w, h);
	report_clip_begin(d, f.x, f.top - h, w, h);
	draw_overlays(r, &f, &lg);
	report_clip_end(d);
	report_rect(d, f.x, f.top - h, w, h, 0.5f, report_grey);
	d->y -= h + 5;
	draw_legend(d, &lg);
}

static void draw_pictures(struct sr *r)
{
	if (!r->s->n_pv)
		return;
	report_heading(&r->doc, _("Images and analysis overlays"), 160);
	for (size_t k = 0; k < r->s->n_pv && !report_failed(&r->doc); k++)
		draw_picture(r, &r->s->pv[k]);
}

/* ---------------------------------------------------------------- inputs */

/* The folder of path, its leading folders replaced by "…" until it fits in w. */
static char *short_folder(struct report_doc *d, const char *path, float w)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return qc_xstrdup(".");
	if (slash == path)
		return qc_xstrdup("/");
	char *dir = qc_xstrdup(path);
	dir[slash - path] = '\0';
	if (report_text_width(d, REPORT_REGULAR, SMALL_SIZE, dir) <= w)
		return dir;
	/* The deepest folders say the most (date, test): keep them. */
	for (const char *p = strchr(dir + 1, '/'); p; p = strchr(p + 1, '/')) {
		char *shorter = qc_xasprintf("…%s", p);
		if (report_text_width(d, REPORT_REGULAR, SMALL_SIZE, shorter) <= w ||
		    !strchr(p + 1, '/')) {
			free(dir);
			return shorter;
		}
		free(shorter);
	}
	return dir;
}

static void input_line(struct report_doc *d, const char *label, const char *value, float size)
{
	report_text(d, REPORT_X0 + 14, d->y - SMALL_SIZE, REPORT_REGULAR, SMALL_SIZE, report_grey,
		    label);
	report_text(d, REPORT_X0 + 100, d->y - SMALL_SIZE, REPORT_REGULAR, size, report_black,
		    or_dash(value));
	d->y -= SMALL_SIZE * 1.45f;
}

static void draw_inputs(struct sr *r)
{
	const struct qc_session *s = r->s;
	struct report_doc *d = &r->doc;
	char caption[256];

	if (!s->n_in)
		return;
	report_heading(d, _("Input data"), 4 * SMALL_SIZE * 1.45f + 14);
	for (size_t i = 0; i < s->n_in && !report_failed(d); i++) {
		const struct qc_input *in = &s->in[i];
		report_need(d, 4 * SMALL_SIZE * 1.45f + 14);
		image_caption(s, (int)i, caption, sizeof(caption));
		report_text(d, REPORT_X0, d->y - 8.5f, REPORT_BOLD, 8.5f, report_black, caption);
		d->y -= 12;
		char *folder =
		    in->path ? short_folder(d, in->path, REPORT_X1 - REPORT_X0 - 100) : NULL;
		input_line(d, _("Folder"), folder, SMALL_SIZE);
		input_line(d, "SOP Instance UID", in->sop_instance_uid, SMALL_SIZE);
		input_line(d, "SHA-256", in->sha256, 7.0f);
		free(folder);
		d->y -= 3;
	}
}

/* ---------------------------------------------------------------- comment and signatures */

static void draw_comment(struct sr *r)
{
	struct report_doc *d = &r->doc;
	const char *c = r->s->comment;

	report_heading(d, _("Comment"), 20);
	if (c && *c)
		report_paragraph(d, REPORT_X0, REPORT_WIDTH, REPORT_REGULAR, BODY_SIZE,
				 report_black, c);
	else
		report_paragraph(d, REPORT_X0, REPORT_WIDTH, REPORT_REGULAR, BODY_SIZE, report_grey,
				 _("No comment."));
}

static void signature_box(struct report_doc *d, float x, float w, const char *title,
			  const char *name)
{
	const char *labels[] = {_("Name"), _("Date"), _("Signature")};
	float y = d->y;

	report_rect(d, x, y - SIGNATURE_H, w, SIGNATURE_H, 0.6f, report_grey);
	report_text(d, x + 8, y - 16, REPORT_BOLD, BODY_SIZE, report_black, title);
	for (int i = 0; i < 3; i++) {
		/* A hand needs room: the signature line sits well below its label. */
		float base = y - 36 - 20 * i, line = i < 2 ? base - 2 : y - SIGNATURE_H + 12;
		report_text(d, x + 8, base, REPORT_REGULAR, 8, report_grey, labels[i]);
		if (i == 0 && name && *name)
			report_text(d, x + 62, base + 1.5f, REPORT_REGULAR, BODY_SIZE, report_black,
				    name);
		else
			report_line(d, x + 62, line, x + w - 10, line, 0.4f, report_light);
	}
}

static void draw_signatures(struct sr *r)
{
	struct report_doc *d = &r->doc;
	float w = (REPORT_WIDTH - 16) / 2;

	report_heading(d, _("Signatures"), SIGNATURE_H + 4);
	signature_box(d, REPORT_X0, w, _("Operator"), r->s->operator_name);
	signature_box(d, REPORT_X0 + w + 16, w, _("Medical physicist"), NULL);
	d->y -= SIGNATURE_H + 4;
}

/* ---------------------------------------------------------------- document */

static const struct {
	const char *step;
	void (*draw)(struct sr *r);
} sections[] = {
    {"drawing the header", draw_header},     {"drawing the measurement table", draw_measurements},
    {"drawing the pictures", draw_pictures}, {"listing the inputs", draw_inputs},
    {"drawing the comment", draw_comment},   {"drawing the signatures", draw_signatures},
};

static enum qc_status build(struct sr *r, const char *path)
{
	const struct qc_session *s = r->s;
	char session[64], machine[128];

	if (s->id)
		snprintf(session, sizeof(session), _("session %lld"), (long long)s->id);
	else
		snprintf(session, sizeof(session), "%s", _("session not stored"));
	char *footer = qc_xasprintf("unityqc %s — %s", QC_VERSION, session);
	char *head =
	    qc_xasprintf("%s — %s — %s", test_title(r), machine_name(r, machine, sizeof(machine)),
			 or_dash(s->completed_at[0] ? s->completed_at : s->started_at));
	enum qc_status st = report_doc_open(&r->doc, test_title(r), footer, head);
	free(footer);
	free(head);
	if (st != QC_OK)
		return qc_fail_context(st, _("cannot write report '%s'"), path);

	report_new_page(&r->doc);
	for (size_t i = 0; i < QC_ARRAY_LEN(sections) && !report_failed(&r->doc); i++) {
		report_step(&r->doc, sections[i].step);
		sections[i].draw(r);
	}
	st = report_failed(&r->doc) ? report_fail(&r->doc, path) : report_doc_save(&r->doc, path);
	report_doc_release(&r->doc);
	return st;
}

enum qc_status report_session_pdf(const struct qc_catalog *cat, const struct qc_session *s,
				  const char *path)
{
	if (!s || !path || !*path)
		return qc_fail(QC_ERR_INVALID, s ? _("cannot write a session report: no file name")
						 : _("cannot write a session report: no session"));

	/* The PDF is UTF-8 whatever the terminal takes: ask gettext for UTF-8 meanwhile. */
	const char *domain = textdomain(NULL);
	const char *old = bind_textdomain_codeset(domain, NULL);
	char *saved = qc_xstrdup(old ? old : nl_langinfo(CODESET));
	bind_textdomain_codeset(domain, "UTF-8");

	struct sr r = {.cat = cat, .test = cat ? cat_find_test(cat, s->test) : NULL, .s = s};
	enum qc_status st = build(&r, path);

	bind_textdomain_codeset(domain, saved);
	free(saved);
	return st;
}
