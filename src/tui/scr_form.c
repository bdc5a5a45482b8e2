/* Manual entry of a test: one field per item, live verdicts, drafts, corrections, save. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "qc/clock.h"
#include "qc/run.h"
#include "tui_int.h"

#define FIELD_CHARS 200

enum field_kind { F_MEASURE, F_FORMULA, F_COMMENT, F_NFS };

struct field {
	enum field_kind kind;
	const struct qc_mdef *m;
	wchar_t w[FIELD_CHARS + 1];
	size_t len, cur;
	/* Live check of what is typed. */
	bool valid, empty;
	enum qc_verdict verdict;
	double value;
	char msg[160];
};

struct form {
	const struct qc_test *test;
	struct field *f;
	size_t n, sel, top;
	int64_t supersedes;
	bool nfs; /* not for scheduling: a repeat after service */
	bool dirty;
};

static const struct tui_key keys[] = {
    {'\t', REQ_NEXT_FIELD},   {KEY_DOWN, REQ_NEXT_FIELD}, {KEY_BTAB, REQ_PREV_FIELD},
    {KEY_UP, REQ_PREV_FIELD}, {19 /* ^S */, REQ_SAVE},	  {KEY_F(2), REQ_SAVE},
};

static void set_text(struct field *f, const char *utf8)
{
	size_t n = mbstowcs(f->w, utf8, FIELD_CHARS);
	f->len = n == (size_t)-1 ? 0 : n;
	f->w[f->len] = 0;
	f->cur = f->len;
}

static void get_text(const struct field *f, char *buf, size_t n)
{
	size_t r = wcstombs(buf, f->w, n - 1);
	buf[r == (size_t)-1 ? 0 : r] = '\0';
}

static struct field *find_field(struct form *fm, const char *name)
{
	for (size_t i = 0; i < fm->n; i++)
		if (fm->f[i].m && !strcmp(fm->f[i].m->name, name))
			return &fm->f[i];
	return NULL;
}

static bool lookup(void *ud, const char *name, double *v)
{
	struct field *f = find_field(ud, name);
	if (!f || !f->valid || f->empty || f->verdict == QC_V_NOT_DONE)
		return false;
	*v = f->value;
	return true;
}

/* Checks every field as typed, then the formulas from the values. */
static void recheck(struct form *fm)
{
	char text[FIELD_CHARS * 4];
	for (size_t i = 0; i < fm->n; i++) {
		struct field *f = &fm->f[i];
		if (f->kind != F_MEASURE)
			continue;
		get_text(f, text, sizeof(text));
		f->empty = !*qc_trim(text);
		f->valid = qc_entry_check(f->m, text, &f->verdict, &f->value, f->msg,
					  sizeof(f->msg)) == QC_OK;
		if (f->empty) {
			f->valid = f->m->type == QC_MT_TEXT;
			f->msg[0] = '\0';
		}
	}
	for (size_t i = 0; i < fm->n; i++) {
		struct field *f = &fm->f[i];
		if (f->kind != F_FORMULA)
			continue;
		f->valid =
		    cat_formula_eval(f->m->formula, lookup, fm, &f->value, f->msg, sizeof(f->msg));
		f->empty = !f->valid;
		f->verdict = f->valid ? qc_levels_eval(&f->m->lv, f->value) : QC_V_NOT_DONE;
		if (!f->valid)
			f->msg[0] = '\0';
	}
}

static void add_field(struct form *fm, enum field_kind kind, const struct qc_mdef *m)
{
	fm->f = qc_xrealloc(fm->f, (fm->n + 1) * sizeof(*fm->f));
	struct field *f = memset(&fm->f[fm->n++], 0, sizeof(*fm->f));
	f->kind = kind;
	f->m = m;
}

static struct field *comment_field(struct form *fm)
{
	return &fm->f[fm->n - 2];
}

/* Draft lines: "name=value", "#comment=...", "#nfs=1". */
static void load_draft(struct tui *t, struct form *fm)
{
	char *data, who[64], at[20];
	if (store_get_draft(t->cfg->store, fm->test->id, &data, who, at) != QC_OK)
		return;
	for (char *line = strtok(data, "\n"); line; line = strtok(NULL, "\n")) {
		char *eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq = '\0';
		struct field *f =
		    !strcmp(line, "#comment") ? comment_field(fm) : find_field(fm, line);
		if (!strcmp(line, "#nfs"))
			fm->nfs = eq[1] == '1';
		else if (f && f->kind != F_FORMULA)
			set_text(f, eq + 1);
	}
	free(data);
	tui_message(t, false, _("entry in progress resumed (%s, %s)"), who, at);
}

static void from_session(struct form *fm, const struct qc_session *s)
{
	char buf[64];
	for (size_t i = 0; i < s->n_rec; i++) {
		const struct qc_record *r = &s->rec[i];
		struct field *f = find_field(fm, r->m.name);
		if (!f || f->kind != F_MEASURE)
			continue;
		if (r->text[0])
			set_text(f, r->text);
		else if (r->m.has_value) {
			snprintf(buf, sizeof(buf), "%.10g", r->m.value);
			set_text(f, buf);
		}
	}
	if (s->comment)
		set_text(comment_field(fm), s->comment);
	fm->supersedes = s->id;
}

static void open(struct tui *t, struct tui_screen *s, void *arg)
{
	struct form *fm = s->priv;
	const struct scr_form_arg *a = arg;
	fm->test = a->test;
	for (size_t i = 0; i < fm->test->n_m; i++)
		add_field(fm, fm->test->m[i].formula ? F_FORMULA : F_MEASURE, &fm->test->m[i]);
	add_field(fm, F_COMMENT, NULL);
	add_field(fm, F_NFS, NULL);
	if (a->corrects)
		from_session(fm, a->corrects);
	else
		load_draft(t, fm);
	recheck(fm);
}

static void done(struct tui *t, struct tui_screen *s)
{
	struct form *fm = s->priv;
	(void)t;
	free(fm->f);
}

/* The catalogue's expectation for the detail line. */
static void hint(struct tui *t, const struct qc_mdef *m, char *buf, size_t n)
{
	char lv[64];
	switch (m->type) {
	case QC_MT_NUMBER:
		qc_levels_format(&m->lv, lv, sizeof(lv), t->ascii);
		if (m->formula)
			snprintf(buf, n, "= %s  · %s", m->formula, lv);
		else if (m->readings > 1)
			snprintf(buf, n,
				 _("%d readings separated by ';' (their mean is judged) · %s"),
				 m->readings, lv);
		else if (m->lv.has_ref)
			snprintf(buf, n, _("reference %g %s · %s"), m->lv.ref, m->unit, lv);
		else
			snprintf(buf, n, "%s", lv);
		break;
	case QC_MT_BOOL:
		snprintf(buf, n, _("expected: %s · Space: yes / no / skip"),
			 m->expected_yes ? _("yes") : _("no"));
		break;
	case QC_MT_CHOICE: snprintf(buf, n, _("choices: %s · Space: next"), m->choices); break;
	case QC_MT_TEXT: snprintf(buf, n, "%s", _("free text")); break;
	}
}

static void draw_field(struct tui *t, struct form *fm, size_t i, int y, int lw, int iw)
{
	struct field *f = &fm->f[i];
	bool sel = i == fm->sel;
	char label[160], text[FIELD_CHARS * 4], status[64];
	if (f->kind == F_COMMENT)
		snprintf(label, sizeof(label), "%s", _("Comment"));
	else if (f->kind == F_NFS)
		snprintf(label, sizeof(label), "%s",
			 _("Not for scheduling (repeat after service)"));
	else
		snprintf(label, sizeof(label), "%s%s%s%s", cat_mdef_label(f->m),
			 f->m->unit[0] ? " (" : "", f->m->unit, f->m->unit[0] ? ")" : "");
	tui_put(t, y, 1, lw, sel ? SLOT_HEADER : SLOT_NORMAL, label, false);
	if (f->kind == F_NFS)
		snprintf(text, sizeof(text), "[%s]", fm->nfs ? "x" : " ");
	else if (f->kind == F_FORMULA)
		snprintf(text, sizeof(text), f->valid ? "%.4g" : "-", f->value);
	else
		get_text(f, text, sizeof(text));
	enum tui_slot box = f->kind == F_FORMULA ? SLOT_DIM : sel ? SLOT_SELECTED : SLOT_STATUS;
	int w = f->kind == F_COMMENT ? t->cols - lw - 4 : iw;
	tui_fill(t, y, lw + 2, w, box);
	tui_put(t, y, lw + 2, w, box, text, false);
	if (f->kind == F_MEASURE || f->kind == F_FORMULA) {
		enum tui_slot slot = tui_verdict_slot(f->verdict);
		if (f->kind == F_MEASURE && !f->valid && !f->empty) {
			snprintf(status, sizeof(status), "%s", _("invalid"));
			slot = SLOT_ERROR;
		} else if (f->empty) {
			snprintf(status, sizeof(status), "%s",
				 f->kind == F_FORMULA ? "-" : _("to enter"));
			slot = SLOT_DIM;
		} else {
			snprintf(status, sizeof(status), "%s", tui_verdict_word(f->verdict));
		}
		tui_put(t, y, lw + iw + 3, t->cols - lw - iw - 4, slot, status, false);
	}
	if (sel && f->kind != F_NFS && f->kind != F_FORMULA) {
		int cx = lw + 2;
		for (size_t k = 0; k < f->cur && cx < lw + 2 + w - 1; k++)
			cx += wcwidth(f->w[k]) > 0 ? wcwidth(f->w[k]) : 1;
		t->show_cursor = true;
		t->cursor_y = y;
		t->cursor_x = cx;
	}
}

static void draw(struct tui *t, struct tui_screen *s)
{
	struct form *fm = s->priv;
	char line[512];
	tui_fill(t, 0, 0, t->cols, SLOT_TITLE);
	snprintf(line, sizeof(line), "%s — %s%s", cat_test_name(fm->test), _("entry"),
		 fm->supersedes ? _(" (correction)") : "");
	tui_put(t, 0, 1, t->cols - 2, SLOT_TITLE, line, false);
	tui_put(t, 1, 1, t->cols - 2, SLOT_DIM, cat_test_instructions(fm->test), false);
	int lw = t->cols * 45 / 100, iw = 22, y0 = 3, rows = t->rows - y0 - 4;
	tui_list_scroll(fm->sel, &fm->top, rows);
	for (int i = 0; i < rows && fm->top + (size_t)i < fm->n; i++)
		if (fm->top + (size_t)i != fm->sel)
			draw_field(t, fm, fm->top + (size_t)i, y0 + i, lw, iw);
	const struct field *f = &fm->f[fm->sel];
	if (f->m && f->msg[0] && !f->valid)
		tui_put(t, t->rows - 3, 1, t->cols - 2, SLOT_ERROR, f->msg, false);
	else if (f->m) {
		hint(t, f->m, line, sizeof(line));
		tui_put(t, t->rows - 3, 1, t->cols - 2, SLOT_DIM, line, false);
	}
	tui_put(t, t->rows - 2, 1, t->cols - 2, SLOT_KEY,
		_("Tab/Shift-Tab: fields · '-': skip an item · Ctrl-S or F2: save · Esc: leave"),
		false);
	/* The selected field last: it sets the cursor. */
	draw_field(t, fm, fm->sel, y0 + (int)(fm->sel - fm->top), lw, iw);
}

/* Space on yes/no and choice items cycles through the answers. */
static bool cycle(struct field *f)
{
	char text[FIELD_CHARS * 4], next[256] = "";
	if (f->kind != F_MEASURE || (f->m->type != QC_MT_BOOL && f->m->type != QC_MT_CHOICE))
		return false;
	get_text(f, text, sizeof(text));
	if (f->m->type == QC_MT_BOOL) {
		const char *yes = _("yes"), *no = _("no");
		snprintf(next, sizeof(next), "%s",
			 !strcmp(text, yes)  ? no
			 : !strcmp(text, no) ? "-"
					     : yes);
	} else {
		/* The choice after the current one; "-" (skip) after the last. */
		char *list = qc_xstrdup(f->m->choices), *save = NULL;
		bool take = !text[0] || !strcmp(text, "-");
		for (char *w = strtok_r(list, "|", &save); w; w = strtok_r(NULL, "|", &save)) {
			qc_trim(w);
			if (take) {
				qc_strlcpy(next, w, sizeof(next));
				break;
			}
			take = !strcmp(w, text);
		}
		if (!next[0])
			qc_strlcpy(next, "-", sizeof(next));
		free(list);
	}
	set_text(f, next);
	return true;
}

static int edit(struct tui *t, struct form *fm, int key)
{
	struct field *f = &fm->f[fm->sel];
	(void)t;
	if (f->kind == F_NFS) {
		if (key != ' ')
			return TUI_IGNORED;
		fm->nfs = !fm->nfs;
		fm->dirty = true;
		return TUI_HANDLED;
	}
	if (f->kind == F_FORMULA)
		return TUI_IGNORED;
	if (key == ' ' && cycle(f)) {
		/* handled below */
	} else if (key == KEY_LEFT) {
		f->cur = f->cur ? f->cur - 1 : 0;
		return TUI_HANDLED;
	} else if (key == KEY_RIGHT) {
		f->cur = f->cur < f->len ? f->cur + 1 : f->len;
		return TUI_HANDLED;
	} else if (key == KEY_HOME || key == KEY_END) {
		f->cur = key == KEY_HOME ? 0 : f->len;
		return TUI_HANDLED;
	} else if ((key == KEY_BACKSPACE || key == 127 || key == 8) && f->cur) {
		wmemmove(f->w + f->cur - 1, f->w + f->cur, f->len - f->cur + 1);
		f->len--;
		f->cur--;
	} else if (key == KEY_DC && f->cur < f->len) {
		wmemmove(f->w + f->cur, f->w + f->cur + 1, f->len - f->cur);
		f->len--;
	} else if (key == 21) { /* Ctrl-U */
		f->len = f->cur = 0;
		f->w[0] = 0;
	} else if (key >= 32 && key != 127 && key < KEY_MIN && f->len < FIELD_CHARS) {
		wmemmove(f->w + f->cur + 1, f->w + f->cur, f->len - f->cur + 1);
		f->w[f->cur++] = (wchar_t)key;
		f->len++;
	} else {
		return TUI_IGNORED;
	}
	fm->dirty = true;
	recheck(fm);
	return TUI_HANDLED;
}

static int key(struct tui *t, struct tui_screen *s, int k)
{
	struct form *fm = s->priv;
	if (k == '\n' || k == '\r' || k == KEY_ENTER) {
		fm->sel = fm->sel + 1 < fm->n ? fm->sel + 1 : fm->sel;
		return TUI_HANDLED;
	}
	return edit(t, fm, k);
}

static char *draft_data(struct form *fm)
{
	struct qc_buf b = {0};
	char text[FIELD_CHARS * 4];
	for (size_t i = 0; i < fm->n; i++) {
		const struct field *f = &fm->f[i];
		if (f->kind != F_MEASURE || !f->len)
			continue;
		get_text(f, text, sizeof(text));
		qc_buf_addf(&b, "%s=%s\n", f->m->name, text);
	}
	get_text(comment_field(fm), text, sizeof(text));
	if (text[0])
		qc_buf_addf(&b, "#comment=%s\n", text);
	if (fm->nfs)
		qc_buf_add(&b, "#nfs=1\n");
	return qc_buf_detach(&b);
}

static const char *operator_of(struct tui *t)
{
	return t->cfg->operator_name ? t->cfg->operator_name : run_login_name();
}

static void save(struct tui *t, struct form *fm)
{
	struct qc_entry *e = qc_xcalloc(fm->n, sizeof(*e));
	char(*texts)[FIELD_CHARS * 4] = qc_xcalloc(fm->n, sizeof(*texts));
	char comment[FIELD_CHARS * 4];
	size_t n = 0;
	for (size_t i = 0; i < fm->n; i++) {
		const struct field *f = &fm->f[i];
		if (f->kind != F_MEASURE)
			continue;
		get_text(f, texts[i], sizeof(texts[i]));
		if (!*qc_trim(texts[i]) && f->m->type != QC_MT_TEXT)
			continue; /* reported as missing below */
		e[n++] = (struct qc_entry){f->m->name, texts[i]};
	}
	get_text(comment_field(fm), comment, sizeof(comment));
	struct qc_session s = {0};
	enum qc_status st = qc_session_from_entries(&s, fm->test, e, n, comment);
	free(e);
	free(texts);
	if (!st) {
		qc_strlcpy(s.test, fm->test->id, sizeof(s.test));
		qc_strlcpy(s.machine, t->cfg->cat->default_machine, sizeof(s.machine));
		qc_strlcpy(s.program_version, QC_VERSION, sizeof(s.program_version));
		qc_strlcpy(s.operator_name, operator_of(t), sizeof(s.operator_name));
		qc_format_time(qc_now(), s.completed_at, sizeof(s.completed_at));
		qc_strlcpy(s.started_at, s.completed_at, sizeof(s.started_at));
		s.supersedes = fm->supersedes;
		s.not_for_scheduling = fm->nfs;
		st = run_save(t->cfg->cat, t->cfg->store, &s);
	}
	if (st) {
		tui_message(t, true, _("not saved: %s"), qc_errmsg());
		qc_session_release(&s);
		return;
	}
	store_drop_draft(t->cfg->store, fm->test->id, s.operator_name);
	tui_message(t, s.verdict == QC_V_ACT || s.verdict == QC_V_TOL, _("session %lld saved: %s"),
		    (long long)s.id, tui_verdict_word(s.verdict));
	qc_session_release(&s);
	char keep[512];
	qc_strlcpy(keep, t->status, sizeof(keep));
	bool err = t->status_error;
	tui_pop_to_root(t);
	tui_message(t, err, "%s", keep);
}

static void leave(struct tui *t, struct form *fm)
{
	if (fm->dirty && !fm->supersedes &&
	    tui_confirm(t, _("Keep this entry in progress to finish it later?"))) {
		char *data = draft_data(fm);
		enum qc_status st =
		    store_put_draft(t->cfg->store, fm->test->id, operator_of(t), data);
		free(data);
		if (st) {
			tui_message(t, true, "%s", qc_errmsg());
			return;
		}
		tui_pop(t);
		tui_message(t, false, "%s", _("entry in progress saved"));
		return;
	}
	if (fm->dirty && !tui_confirm(t, _("Leave and lose what was typed?")))
		return;
	tui_pop(t);
}

static int request(struct tui *t, struct tui_screen *s, enum tui_req req)
{
	struct form *fm = s->priv;
	switch (req) {
	case REQ_NEXT_FIELD: fm->sel = fm->sel + 1 < fm->n ? fm->sel + 1 : 0; break;
	case REQ_PREV_FIELD: fm->sel = fm->sel ? fm->sel - 1 : fm->n - 1; break;
	case REQ_PAGE_UP:
	case REQ_PAGE_DOWN: tui_list_move(req, &fm->sel, fm->n, 5); break;
	case REQ_SAVE: save(t, fm); break;
	case REQ_BACK: leave(t, fm); break;
	case REQ_QUIT: leave(t, fm); break; /* only F-keys reach here: 'q' is typed text */
	default: return TUI_IGNORED;
	}
	return TUI_HANDLED;
}

const struct tui_screen_ops scr_form = {
    .name = "form",
    .private_size = sizeof(struct form),
    .keys = keys,
    .n_keys = QC_ARRAY_LEN(keys),
    .open = open,
    .key = key,
    .draw = draw,
    .request = request,
    .done = done,
};
