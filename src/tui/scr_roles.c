/*
 * Roles of the images of a set (the planned field each image shows), proposed by the analysis
 * from the measured fields and the DICOM texts, checked and corrected by the user before the
 * results are shown.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qc/analysis.h"
#include "qc/run.h"
#include "tui_int.h"

struct roles {
	const struct qc_test *test;
	const struct qc_analysis *ana;
	struct qc_session *s; /* owned: the first, automatic run */
	int64_t supersedes;
	int *proposed, *choice; /* per image: ANA_ROLE_NONE or a field of the test */
	size_t n, sel, top;
};

static const struct tui_key keys[] = {
    {KEY_LEFT, REQ_PREV_ROLE},
    {KEY_RIGHT, REQ_NEXT_ROLE},
    {' ', REQ_NEXT_ROLE},
};

static void open(struct tui *t, struct tui_screen *sc, void *arg)
{
	struct roles *r = sc->priv;
	const struct scr_roles_arg *a = arg;
	(void)t;
	r->test = a->test;
	r->ana = ana_find(a->session->analysis);
	r->s = a->session;
	r->supersedes = a->supersedes;
	r->n = r->s->n_in;
	r->proposed = qc_xcalloc(r->n ? r->n : 1, sizeof(int));
	r->choice = qc_xcalloc(r->n ? r->n : 1, sizeof(int));
	for (size_t i = 0; i < r->n; i++)
		r->proposed[i] = r->choice[i] = r->s->role ? r->s->role[i] : ANA_ROLE_NONE;
}

static void done(struct tui *t, struct tui_screen *sc)
{
	struct roles *r = sc->priv;
	(void)t;
	qc_session_release(r->s);
	free(r->s);
	free(r->proposed);
	free(r->choice);
}

static void role_text(const struct roles *r, int role, char *buf, size_t n)
{
	if (role < 0 || (size_t)role >= r->test->n_fields || !r->ana || !r->ana->role_label)
		snprintf(buf, n, "%s", _("no role (not judged)"));
	else
		r->ana->role_label(r->test->fields[role], buf, n);
}

static const struct qc_record *record(const struct roles *r, size_t image, const char *name)
{
	for (size_t i = 0; i < r->s->n_rec; i++)
		if (r->s->rec[i].m.image == (int)image && !strcmp(r->s->rec[i].m.name, name))
			return r->s->rec[i].m.has_value ? &r->s->rec[i] : NULL;
	return NULL;
}

/* What was measured on the image, to compare with the roles: a field's size and centre, or a
 * strip's median tips. */
static void measured(const struct roles *r, size_t i, char *buf, size_t n)
{
	const struct qc_record *w = record(r, i, "width_mm"), *h = record(r, i, "height_mm");
	const struct qc_record *cx = record(r, i, "centre_x_mm"), *cy = record(r, i, "centre_y_mm");
	const struct qc_record *a = record(r, i, "tip_a_mm"), *b = record(r, i, "tip_b_mm");
	if (w && h && cx && cy)
		snprintf(buf, n, _("%.1f × %.1f mm at (%+.1f, %+.1f)"), w->m.value, h->m.value,
			 cx->m.value, cy->m.value);
	else if (w && h)
		snprintf(buf, n, _("%.1f × %.1f mm"), w->m.value, h->m.value);
	else if (a && b)
		snprintf(buf, n, _("tips %+.1f / %+.1f mm"), a->m.value, b->m.value);
	else
		snprintf(buf, n, "%s", _("not measured"));
}

static size_t holders(const struct roles *r, int role)
{
	size_t k = 0;
	for (size_t i = 0; i < r->n; i++)
		k += role >= 0 && r->choice[i] == role;
	return k;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

static void draw(struct tui *t, struct tui_screen *sc)
{
	struct roles *r = sc->priv;
	char line[512], role[128], meas[128];
	tui_fill(t, 0, 0, t->cols, SLOT_TITLE);
	snprintf(line, sizeof(line), "%s — %s", cat_test_name(r->test), _("roles of the images"));
	tui_put(t, 0, 1, t->cols - 2, SLOT_TITLE, line, false);
	tui_put(
	    t, 1, 1, t->cols - 2, SLOT_DIM,
	    _("Each image takes one planned field, from its measured field and DICOM texts (never "
	      "the file order)."),
	    false);
	tui_put(
	    t, 2, 1, t->cols - 2, SLOT_DIM,
	    _("Check them: ← → change the role of the selected image, Enter shows the results."),
	    false);
	/* The table over the whole width, the selected image's picture below it. */
	int y0 = 4, w = t->cols;
	int rows = (int)r->n < t->rows - y0 - 5 ? (int)r->n : t->rows - y0 - 5;
	rows = rows < 1 ? 1 : rows;
	int mw = 31, sw = 15, rw = 34, fw = w - 5 - mw - rw - sw - 3;
	if (fw > 40)
		rw += fw - 40, fw = 40;
	if (fw < 10)
		mw -= 10 - fw, fw = 10;
	int xf = 5, xm = xf + fw + 1, xr = xm + mw + 1, xs = w - sw;
	rw = xs - xr - 1;
	tui_fill(t, y0 - 1, 0, w, SLOT_HEADER);
	tui_putr(t, y0 - 1, 0, 3, SLOT_HEADER, _("No."));
	tui_put(t, y0 - 1, xf, fw, SLOT_HEADER, _("File"), false);
	tui_put(t, y0 - 1, xm, mw, SLOT_HEADER, _("Measured"), false);
	tui_put(t, y0 - 1, xr, rw, SLOT_HEADER, _("Role"), false);
	tui_list_scroll(r->sel, &r->top, rows);
	for (int k = 0; k < rows && r->top + (size_t)k < r->n; k++) {
		size_t i = r->top + (size_t)k;
		int y = y0 + k;
		bool sel = i == r->sel;
		enum tui_slot base = sel ? SLOT_SELECTED : SLOT_NORMAL;
		if (sel)
			tui_fill(t, y, 0, w, SLOT_SELECTED);
		snprintf(line, sizeof(line), "%zu", i + 1);
		tui_putr(t, y, 0, 3, base, line);
		/* File names from the imager are UIDs that differ at their end: keep the end. */
		const char *name = base_name(r->s->in[i].path);
		size_t len = strlen(name);
		if ((int)len > fw && fw > 1)
			snprintf(line, sizeof(line), "…%s", name + len - (size_t)(fw - 1));
		else
			snprintf(line, sizeof(line), "%s", name);
		tui_put(t, y, xf, fw, base, line, false);
		measured(r, i, meas, sizeof(meas));
		tui_put(t, y, xm, mw, base, meas, false);
		role_text(r, r->choice[i], role, sizeof(role));
		snprintf(line, sizeof(line), sel ? "‹ %s ›" : "  %s", role);
		tui_put(t, y, xr, rw, r->choice[i] < 0 && !sel ? SLOT_DIM : base, line, false);
		const char *state = "";
		enum tui_slot ss = SLOT_DIM;
		if (holders(r, r->choice[i]) > 1) {
			state = _("taken twice");
			ss = SLOT_ERROR;
		} else if (r->choice[i] != r->proposed[i]) {
			state = _("changed");
			ss = SLOT_DUE;
		}
		tui_put(t, y, xs, sw - 1, sel ? base : ss, state, false);
	}
	int py = y0 + rows + 1, ph = t->rows - 4 - py;
	if (ph >= 5)
		tui_draw_picture(t, r->s, r->sel, py, 0, w, ph);
	/* Planned fields no image shows. */
	line[0] = '\0';
	size_t len = 0;
	for (size_t f = 0; f < r->test->n_fields; f++)
		if (!holders(r, (int)f)) {
			role_text(r, (int)f, role, sizeof(role));
			len += (size_t)snprintf(line + len,
						len < sizeof(line) ? sizeof(line) - len : 0, "%s%s",
						len ? ", " : "", role);
		}
	if (len) {
		char miss[600];
		snprintf(miss, sizeof(miss), _("No image for: %s"), line);
		tui_put(t, t->rows - 3, 1, w - 2, SLOT_TOL, miss, false);
	}
	tui_put(t, t->rows - 2, 1, t->cols - 2, SLOT_KEY,
		_("← →: role · Enter: results · Esc: back to the folder"), false);
}

static void progress(void *ud, size_t done, size_t total, const char *what)
{
	tui_progress(ud, _("Analysis in progress…"), done, total, what);
}

/* Runs the analysis again with the user's roles (or as it was, when nothing changed) and
 * shows the results; this screen stays below them to change the roles again. */
static void results(struct tui *t, struct roles *r)
{
	bool changed = memcmp(r->choice, r->proposed, r->n * sizeof(int)) != 0;
	const char **paths = qc_xcalloc(r->n ? r->n : 1, sizeof(*paths));
	for (size_t i = 0; i < r->n; i++)
		paths[i] = r->s->in[i].path;
	struct run_request rq = {
	    .cat = t->cfg->cat,
	    .test = r->test,
	    .paths = paths,
	    .n_paths = r->n,
	    .operator_name = t->cfg->operator_name,
	    .forced_role = changed ? r->choice : NULL,
	    .progress = progress,
	    .ud = t,
	};
	struct qc_session *sess = qc_xcalloc(1, sizeof(*sess));
	enum qc_status st = run_analysis(&rq, sess);
	free(paths);
	if (st) {
		tui_message(t, true, "%s", qc_errmsg());
		free(sess);
		return;
	}
	sess->supersedes = r->supersedes;
	struct scr_result_arg arg = {.session = sess, .saved = false};
	tui_push(t, &scr_result, &arg);
}

/* The next role in the cycle none, field 1, field 2, ... */
static int step(const struct roles *r, int role, int dir)
{
	int n = (int)r->test->n_fields + 1, k = (role < 0 ? 0 : role + 1) + dir;
	k = ((k % n) + n) % n;
	return k == 0 ? ANA_ROLE_NONE : k - 1;
}

static int request(struct tui *t, struct tui_screen *sc, enum tui_req req)
{
	struct roles *r = sc->priv;
	size_t page = (size_t)(t->rows > 10 ? t->rows - 9 : 1);
	if (tui_list_move(req, &r->sel, r->n, page))
		return TUI_HANDLED;
	switch (req) {
	case REQ_PREV_ROLE:
	case REQ_NEXT_ROLE:
		if (r->sel < r->n)
			r->choice[r->sel] =
			    step(r, r->choice[r->sel], req == REQ_NEXT_ROLE ? 1 : -1);
		break;
	case REQ_ENTER: results(t, r); break;
	default: return TUI_IGNORED;
	}
	return TUI_HANDLED;
}

const struct tui_screen_ops scr_roles = {
    .name = "roles",
    .private_size = sizeof(struct roles),
    .keys = keys,
    .n_keys = QC_ARRAY_LEN(keys),
    .open = open,
    .draw = draw,
    .request = request,
    .done = done,
};
