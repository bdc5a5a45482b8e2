/* Sessions stored for a test (or all tests): open one, export it as PDF. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qc/store.h"
#include "tui_int.h"

#define HISTORY_LIMIT 1000

struct history {
	const struct qc_test *test; /* NULL: all tests */
	struct store_row *rows;
	size_t n, sel, top;
	int id_w, verdict_w, review_w, operator_w; /* the widest header or cell of each */
};

static const struct tui_key keys[] = {
    {'p', REQ_PDF},
    {'r', REQ_REFRESH},
    {'c', REQ_CORRECT},
};

static const char *review_word(const struct store_row *r)
{
	switch (r->review) {
	case STORE_APPROVED: return _("approved");
	case STORE_REJECTED: return _("rejected");
	case STORE_NOT_REVIEWED: break;
	}
	return _("to review");
}

/* A new session that supersedes the selected one, entered as the test is entered. */
static void correct(struct tui *t, struct history *h)
{
	if (h->sel >= h->n)
		return;
	const struct qc_test *test = cat_find_test(t->cfg->cat, h->rows[h->sel].test);
	if (!test) {
		tui_message(t, true, _("test '%s' is not in the catalogue"), h->rows[h->sel].test);
		return;
	}
	tui_open_test(t, test, h->rows[h->sel].id);
}

enum { C_ID, C_WHEN, C_TEST, C_VERDICT, C_REVIEW, C_OPERATOR, N_COLS };

static void operator_text(const struct store_row *r, char *buf, size_t n)
{
	snprintf(buf, n, "%s%s%s", r->operator_name, r->has_comment ? " *" : "",
		 r->superseded_by ? _(" (corrected)") : "");
}

/* Each column as wide as its header and cells (measured once per load). */
static void measure(struct tui *t, struct history *h)
{
	char buf[160];
	h->id_w = tui_width(t, _("No."));
	h->verdict_w = tui_width(t, _("Verdict"));
	h->review_w = tui_width(t, _("Review"));
	h->operator_w = tui_width(t, _("Operator"));
	for (size_t i = 0; i < h->n; i++) {
		const struct store_row *r = &h->rows[i];
		snprintf(buf, sizeof(buf), "%lld", (long long)r->id);
		h->id_w = tui_widest(h->id_w, (int)strlen(buf));
		h->verdict_w = tui_widest(h->verdict_w, tui_width(t, tui_verdict_word(r->verdict)));
		h->review_w = tui_widest(h->review_w, tui_width(t, review_word(r)));
		operator_text(r, buf, sizeof(buf));
		h->operator_w = tui_widest(h->operator_w, tui_width(t, buf));
	}
}

static void load(struct tui *t, struct history *h)
{
	free(h->rows);
	h->rows = NULL;
	h->n = 0;
	if (store_list_sessions(t->cfg->store, h->test ? h->test->id : NULL, NULL, HISTORY_LIMIT,
				&h->rows, &h->n) != QC_OK)
		tui_message(t, true, "%s", qc_errmsg());
	measure(t, h);
	if (h->sel >= h->n)
		h->sel = h->n ? h->n - 1 : 0;
}

static void open(struct tui *t, struct tui_screen *s, void *arg)
{
	struct history *h = s->priv;
	h->test = arg;
	load(t, h);
}

static void resume(struct tui *t, struct tui_screen *s)
{
	load(t, s->priv);
}

static void done(struct tui *t, struct tui_screen *s)
{
	struct history *h = s->priv;
	(void)t;
	free(h->rows);
}

/* The test's name takes the room left. On narrow terminals the operator goes first, then the
 * review, then the number (and, in the history of one test, its name, which the title gives,
 * before them); the date stays, without the time. */
static void layout(struct tui *t, const struct history *h, struct tui_column col[N_COLS])
{
	int one = h->test ? 1 : 0;
	col[C_ID] = (struct tui_column){.min = h->id_w, .drop = 3 + one};
	col[C_WHEN] = (struct tui_column){.min = 10, .want = 19};
	col[C_TEST] = (struct tui_column){.min = 12, .flex = true, .drop = one};
	col[C_VERDICT] = (struct tui_column){.min = h->verdict_w};
	col[C_REVIEW] = (struct tui_column){.min = h->review_w, .drop = 2 + one};
	col[C_OPERATOR] = (struct tui_column){.min = 8, .want = h->operator_w, .drop = 1 + one};
	tui_columns(col, N_COLS, 1, t->cols - 2);
	if (col[C_WHEN].w < 19) { /* the time whole or not at all: the room left to the name */
		col[C_WHEN].want = 10;
		tui_columns(col, N_COLS, 1, t->cols - 2);
	}
}

static void draw(struct tui *t, struct tui_screen *s)
{
	struct history *h = s->priv;
	char line[256];
	struct tui_column col[N_COLS];
	tui_fill(t, 0, 0, t->cols, SLOT_TITLE);
	snprintf(line, sizeof(line), "%s — %s", _("Sessions"),
		 h->test ? cat_test_name(h->test) : _("all tests"));
	tui_put(t, 0, 1, t->cols - 2, SLOT_TITLE, line, false);
	layout(t, h, col);
	tui_fill(t, 1, 0, t->cols, SLOT_HEADER);
	const char *head[N_COLS] = {_("No."),	  _("Completed"), _("Test"),
				    _("Verdict"), _("Review"),	  _("Operator")};
	tui_putr(t, 1, col[C_ID].x, col[C_ID].w, SLOT_HEADER, head[C_ID]);
	for (int k = C_WHEN; k < N_COLS; k++)
		tui_put(t, 1, col[k].x, col[k].w, SLOT_HEADER, head[k], false);
	if (!h->n)
		tui_put(t, 3, 2, t->cols - 4, SLOT_DIM, _("no session stored yet"), false);
	int y0 = 2, rows = t->rows - 4;
	tui_list_scroll(h->sel, &h->top, rows);
	for (int i = 0; i < rows && h->top + (size_t)i < h->n; i++) {
		size_t k = h->top + (size_t)i;
		const struct store_row *r = &h->rows[k];
		bool sel = k == h->sel;
		int y = y0 + i;
		enum tui_slot base = sel ? SLOT_SELECTED : SLOT_NORMAL;
		if (sel)
			tui_fill(t, y, 0, t->cols, SLOT_SELECTED);
		tui_session_cells(t, y, r, sel, &col[C_ID], &col[C_WHEN], &col[C_TEST],
				  &col[C_VERDICT]);
		tui_put(t, y, col[C_REVIEW].x, col[C_REVIEW].w, base, review_word(r), false);
		operator_text(r, line, sizeof(line));
		tui_put(t, y, col[C_OPERATOR].x, col[C_OPERATOR].w, base, line, false);
	}
	tui_put(t, t->rows - 2, 1, t->cols - 2, SLOT_KEY,
		_("Enter: open · p: PDF · c: correct · *: has a comment · Esc: back"), false);
}

static int request(struct tui *t, struct tui_screen *s, enum tui_req req)
{
	struct history *h = s->priv;
	size_t page = (size_t)(t->rows > 6 ? t->rows - 5 : 1);
	if (tui_list_move(req, &h->sel, h->n, page))
		return TUI_HANDLED;
	switch (req) {
	case REQ_REFRESH: load(t, h); break;
	case REQ_CORRECT: correct(t, h); break;
	case REQ_ENTER:
	case REQ_PDF:
		if (h->sel < h->n)
			tui_stored_session(t, h->rows[h->sel].id, req == REQ_PDF);
		break;
	default: return TUI_IGNORED;
	}
	return TUI_HANDLED;
}

const struct tui_screen_ops scr_history = {
    .name = "history",
    .private_size = sizeof(struct history),
    .keys = keys,
    .n_keys = QC_ARRAY_LEN(keys),
    .open = open,
    .draw = draw,
    .request = request,
    .resume = resume,
    .done = done,
};
