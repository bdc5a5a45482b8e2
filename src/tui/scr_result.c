/* Results of an analysed session: each image with its overlays beside its measurements. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "qc/preview.h"
#include "qc/report.h"
#include "qc/run.h"
#include "qc/store.h"
#include "tui_int.h"

struct result {
	struct qc_session *s;
	bool saved;
	bool from_store; /* opened from the history: read-only, Esc goes back there */
	size_t image;	 /* index into s->in */
	size_t sel, top; /* selected record among those of the image */
	size_t *idx;	 /* records of the current image */
	size_t n_idx;
};

static const struct tui_key keys[] = {
    {KEY_LEFT, REQ_PREV_IMAGE},
    {KEY_RIGHT, REQ_NEXT_IMAGE},
    {'N', REQ_PREV_IMAGE},
    {'n', REQ_NEXT_IMAGE},
    {KEY_BTAB, REQ_PREV_IMAGE},
    {'\t', REQ_NEXT_IMAGE},
    {'c', REQ_COMMENT},
    {'s', REQ_SAVE},
    {'p', REQ_PDF},
};

static void pick_records(struct result *r)
{
	free(r->idx);
	r->idx = qc_xcalloc(r->s->n_rec ? r->s->n_rec : 1, sizeof(*r->idx));
	r->n_idx = 0;
	for (size_t i = 0; i < r->s->n_rec; i++)
		if (r->s->rec[i].m.image == (int)r->image || r->s->rec[i].m.image < 0)
			r->idx[r->n_idx++] = i;
	r->sel = r->top = 0;
}

static void open(struct tui *t, struct tui_screen *s, void *arg)
{
	struct result *r = s->priv;
	const struct scr_result_arg *a = arg;
	(void)t;
	r->s = a->session;
	r->saved = a->saved;
	r->from_store = a->saved;
	pick_records(r);
}

static void done(struct tui *t, struct tui_screen *s)
{
	struct result *r = s->priv;
	(void)t;
	qc_session_release(r->s);
	free(r->s);
	free(r->idx);
}

/* The catalogue label of a record, else its name. */
static const char *record_label(struct tui *t, const struct result *r, const struct qc_record *rec,
				char *buf, size_t n)
{
	const struct qc_test *test = cat_find_test(t->cfg->cat, r->s->test);
	const struct qc_mdef *m = test ? cat_find_mdef(test, rec->m.name) : NULL;
	return cat_measure_label(m, rec->m.name, buf, n);
}

static void format_value(const struct qc_record *rec, char *buf, size_t n)
{
	if (rec->text[0])
		snprintf(buf, n, "%s", rec->text);
	else if (!rec->m.has_value)
		snprintf(buf, n, "n/m");
	else
		qc_format_value(rec->m.value, rec->m.unit, buf, n);
}

static void draw_table(struct tui *t, struct result *r, int y0, int x0, int w, int h)
{
	bool wide = w >= 72;
	int vw = 9, uw = 5, dw = 10, rw = wide ? 8 : 0, lw2 = wide ? 15 : 0;
	int lw = w - vw - uw - dw - rw - lw2 - 4;
	int x = x0;
	tui_put(t, y0, x, lw, SLOT_HEADER, _("Measurement"), true);
	x += lw + 1;
	tui_putr(t, y0, x, vw, SLOT_HEADER, _("Value"));
	x += vw + 1;
	tui_put(t, y0, x, uw, SLOT_HEADER, _("Unit"), true);
	x += uw;
	if (wide) {
		tui_putr(t, y0, x, rw, SLOT_HEADER, _("Ref."));
		x += rw + 1;
		tui_put(t, y0, x, lw2, SLOT_HEADER, _("Tol. / Act."), true);
		x += lw2;
	}
	tui_put(t, y0, x + 1, dw, SLOT_HEADER, _("Verdict"), true);
	int rows = h - 1;
	tui_list_scroll(r->sel, &r->top, rows);
	for (int i = 0; i < rows && r->top + (size_t)i < r->n_idx; i++) {
		size_t k = r->top + (size_t)i;
		const struct qc_record *rec = &r->s->rec[r->idx[k]];
		bool sel = k == r->sel;
		int y = y0 + 1 + i;
		char buf[64], label[160];
		enum tui_slot base = sel ? SLOT_SELECTED : SLOT_NORMAL;
		if (sel)
			tui_fill(t, y, x0, w, SLOT_SELECTED);
		x = x0;
		tui_put(t, y, x, lw, base, record_label(t, r, rec, label, sizeof(label)), false);
		x += lw + 1;
		format_value(rec, buf, sizeof(buf));
		tui_putr(t, y, x, vw, base, buf);
		x += vw + 1;
		tui_put(t, y, x, uw, base, rec->m.unit, false);
		x += uw;
		if (wide) {
			if (qc_levels_ref_shown(&rec->lv)) {
				snprintf(buf, sizeof(buf), "%.4g", rec->lv.ref);
				tui_putr(t, y, x, rw, base, buf);
			}
			x += rw + 1;
			qc_levels_format(&rec->lv, buf, sizeof(buf), t->ascii);
			tui_put(t, y, x, lw2, base, buf, false);
			x += lw2;
		}
		bool judged = rec->verdict != QC_V_NO_TOL;
		tui_put(t, y, x + 1, dw, judged ? tui_verdict_slot(rec->verdict) : SLOT_DIM,
			judged ? tui_verdict_word(rec->verdict) : (t->ascii ? "-" : "–"), false);
	}
}

static void draw_detail(struct tui *t, struct result *r, int y)
{
	char line[512], lv[64];
	if (r->sel >= r->n_idx)
		return;
	const struct qc_record *rec = &r->s->rec[r->idx[r->sel]];
	qc_levels_format(&rec->lv, lv, sizeof(lv), t->ascii);
	if (qc_levels_ref_shown(&rec->lv))
		snprintf(line, sizeof(line), _("%s: reference %.4g %s, tolerance / action %s%s%s"),
			 rec->m.name, rec->lv.ref, rec->m.unit, lv, rec->m.note[0] ? " · " : "",
			 rec->m.note);
	else
		snprintf(line, sizeof(line), "%s%s%s", rec->m.name, rec->m.note[0] ? ": " : "",
			 rec->m.note);
	tui_put(t, y, 1, t->cols - 2, SLOT_DIM, line, false);
}

static void draw(struct tui *t, struct tui_screen *s)
{
	struct result *r = s->priv;
	struct qc_session *ss = r->s;
	const struct qc_test *test = cat_find_test(t->cfg->cat, ss->test);
	char line[1024];
	const struct qc_input *in = r->image < ss->n_in ? &ss->in[r->image] : NULL;

	tui_fill(t, 0, 0, t->cols, SLOT_TITLE);
	if (ss->n_pv)
		snprintf(line, sizeof(line), "%s — %s %zu/%zu%s%s",
			 test ? cat_test_name(test) : ss->analysis, _("image"), r->image + 1,
			 ss->n_in, in && in->label[0] ? " — " : "", in ? in->label : "");
	else
		snprintf(line, sizeof(line), "%s", test ? cat_test_name(test) : ss->test);
	tui_put(t, 0, 1, t->cols - 14, SLOT_TITLE, line, false);
	tui_put(t, 0, t->cols - 12, 11, tui_verdict_slot(ss->verdict),
		tui_verdict_word(ss->verdict), false);
	const char *base = in && in->path ? strrchr(in->path, '/') : NULL;
	if (r->saved)
		snprintf(line, sizeof(line), _("%s · %s · %s · session %lld"),
			 base ? base + 1 : (in ? in->path : _("manual entry")), ss->completed_at,
			 ss->operator_name, (long long)ss->id);
	else
		snprintf(line, sizeof(line), _("%s · %s · %s · not saved"),
			 base ? base + 1 : (in ? in->path : ""), ss->completed_at,
			 ss->operator_name);
	tui_put(t, 1, 1, t->cols - 2, r->saved ? SLOT_DIM : SLOT_DUE, line, false);

	int top = 2, h = t->rows - top - 4;
	/* The picture takes about a third of the width, the table the rest. */
	int pw = t->cols * 36 / 100;
	pw = pw < 24 ? 24 : (pw > 70 ? 70 : pw);
	if (ss->n_pv)
		tui_draw_picture(t, r->s, r->image, top, 0, pw, h);
	else
		pw = 0; /* a manual test or a report: the table takes the width */
	draw_table(t, r, top, pw + 2, t->cols - pw - 3, h);
	draw_detail(t, r, t->rows - 4);
	snprintf(line, sizeof(line), "%s %s", _("Comment:"),
		 ss->comment ? ss->comment : _("(none: press c to write one)"));
	tui_put(t, t->rows - 3, 1, t->cols - 2, ss->comment ? SLOT_NORMAL : SLOT_DIM, line, false);
	snprintf(line, sizeof(line), "%s",
		 r->saved ? _("←/→ images · p PDF · ? keys · Esc back")
			  : _("←/→ images · c comment · s save · p PDF · ? keys · Esc back"));
	tui_put(t, t->rows - 2, 1, t->cols - 2, SLOT_KEY, line, false);
}

static bool save(struct tui *t, struct result *r)
{
	if (r->saved)
		return true;
	if (run_save(t->cfg->cat, t->cfg->store, r->s) != QC_OK) {
		tui_message(t, true, _("not saved: %s"), qc_errmsg());
		return false;
	}
	r->saved = true;
	tui_message(t, false, _("session %lld saved"), (long long)r->s->id);
	return true;
}

static int mkdirs(const char *dir)
{
	char tmp[4096];
	qc_strlcpy(tmp, dir, sizeof(tmp));
	for (char *p = tmp + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
				return -1;
			*p = '/';
		}
	return mkdir(tmp, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

void tui_export_pdf(struct tui *t, const struct qc_session *s)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s_%.10s_s%lld.pdf", t->cfg->reports_dir, s->test,
		 s->completed_at, (long long)s->id);
	if (!tui_prompt(t, _("PDF file:"), path, sizeof(path)))
		return;
	char *slash = strrchr(path, '/');
	if (slash && slash != path) {
		*slash = '\0';
		int rc = mkdirs(path);
		*slash = '/';
		if (rc) {
			tui_message(t, true, _("cannot create the folder of '%s': %s"), path,
				    qc_errno_text(errno));
			return;
		}
	}
	tui_progress(t, _("Writing the PDF report…"), 0, 1, path);
	if (report_session_pdf(t->cfg->cat, s, path) != QC_OK)
		tui_message(t, true, "%s", qc_errmsg());
	else
		tui_message(t, false, _("report written: %s"), path);
}

static void step_image(struct result *r, int d)
{
	size_t n = r->s->n_in ? r->s->n_in : 1;
	r->image = (r->image + n + (size_t)(d < 0 ? n - 1 : 1)) % n;
	pick_records(r);
}

static int request(struct tui *t, struct tui_screen *s, enum tui_req req)
{
	struct result *r = s->priv;
	char buf[1024];
	switch (req) {
	case REQ_UP:
	case REQ_DOWN:
	case REQ_HOME:
	case REQ_END: tui_list_move(req, &r->sel, r->n_idx, 1); break;
	case REQ_PAGE_UP: step_image(r, -1); break;
	case REQ_PAGE_DOWN: step_image(r, 1); break;
	case REQ_PREV_IMAGE: step_image(r, -1); break;
	case REQ_NEXT_IMAGE: step_image(r, 1); break;
	case REQ_COMMENT:
		if (r->saved) {
			tui_message(
			    t, true, "%s",
			    _("the session is stored: results are never changed (a correction "
			      "is a new session)"));
			break;
		}
		qc_strlcpy(buf, r->s->comment ? r->s->comment : "", sizeof(buf));
		if (tui_prompt(t, _("Comment:"), buf, sizeof(buf)))
			qc_session_set_comment(r->s, buf);
		break;
	case REQ_SAVE:
		if (r->saved)
			tui_message(t, false, _("already saved as session %lld"),
				    (long long)r->s->id);
		else
			save(t, r);
		break;
	case REQ_PDF:
		if (!r->saved &&
		    !tui_confirm(t, _("The report is made from the stored session: save "
				      "it now?")))
			break;
		if (save(t, r))
			tui_export_pdf(t, r->s);
		break;
	case REQ_BACK:
		if (!r->saved && !tui_confirm(t, _("Results not saved: leave and lose them?")))
			break;
		if (r->saved && !r->from_store)
			tui_pop_to_root(t);
		else
			tui_pop(t);
		break;
	case REQ_QUIT:
		if (!r->saved && !tui_confirm(t, _("Results not saved: quit and lose them?")))
			break;
		t->quit = true;
		break;
	default: return TUI_IGNORED;
	}
	return TUI_HANDLED;
}

const struct tui_screen_ops scr_result = {
    .name = "result",
    .private_size = sizeof(struct result),
    .keys = keys,
    .n_keys = QC_ARRAY_LEN(keys),
    .open = open,
    .draw = draw,
    .request = request,
    .done = done,
};

void tui_stored_session(struct tui *t, int64_t id, bool pdf)
{
	struct qc_session *sess = qc_xcalloc(1, sizeof(*sess));
	if (store_load_session(t->cfg->store, id, sess) != QC_OK) {
		tui_message(t, true, "%s", qc_errmsg());
		free(sess);
		return;
	}
	if (!pdf) {
		struct scr_result_arg arg = {.session = sess, .saved = true};
		tui_push(t, &scr_result, &arg);
		return;
	}
	tui_export_pdf(t, sess);
	qc_session_release(sess);
	free(sess);
}
