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
};

static const struct tui_key keys[] = {
    {'p', REQ_PDF},
    {'r', REQ_REFRESH},
    {'c', REQ_CORRECT},
};

static void load(struct tui *t, struct history *h)
{
	free(h->rows);
	h->rows = NULL;
	h->n = 0;
	if (store_list_sessions(t->cfg->store, h->test ? h->test->id : NULL, NULL, HISTORY_LIMIT,
				&h->rows, &h->n) != QC_OK)
		tui_message(t, true, "%s", qc_errmsg());
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

static void draw(struct tui *t, struct tui_screen *s)
{
	struct history *h = s->priv;
	char line[256];
	tui_fill(t, 0, 0, t->cols, SLOT_TITLE);
	snprintf(line, sizeof(line), "%s — %s", _("Sessions"),
		 h->test ? cat_test_name(h->test) : _("all tests"));
	tui_put(t, 0, 1, t->cols - 2, SLOT_TITLE, line, false);
	tui_fill(t, 1, 0, t->cols, SLOT_HEADER);
	tui_putr(t, 1, 1, 7, SLOT_HEADER, _("No."));
	tui_put(t, 1, 10, 19, SLOT_HEADER, _("Completed"), false);
	tui_put(t, 1, 31, 22, SLOT_HEADER, _("Test"), false);
	tui_put(t, 1, 55, 10, SLOT_HEADER, _("Verdict"), false);
	tui_put(t, 1, 67, 10, SLOT_HEADER, _("Review"), false);
	tui_put(t, 1, 78, t->cols - 79, SLOT_HEADER, _("Operator"), false);
	if (!h->n)
		tui_put(t, 3, 2, t->cols - 4, SLOT_DIM, _("no session stored yet"), false);
	int y0 = 2, rows = t->rows - 4;
	tui_list_scroll(h->sel, &h->top, rows);
	for (int i = 0; i < rows && h->top + (size_t)i < h->n; i++) {
		size_t k = h->top + (size_t)i;
		const struct store_row *r = &h->rows[k];
		const struct qc_test *test = cat_find_test(t->cfg->cat, r->test);
		bool sel = k == h->sel;
		int y = y0 + i;
		enum tui_slot base = sel ? SLOT_SELECTED : SLOT_NORMAL;
		if (sel)
			tui_fill(t, y, 0, t->cols, SLOT_SELECTED);
		snprintf(line, sizeof(line), "%7lld  %-19s", (long long)r->id, r->completed_at);
		tui_put(t, y, 1, 30, base, line, false);
		tui_put(t, y, 31, 22, base, test ? cat_test_name(test) : r->test, false);
		tui_put(t, y, 55, 10, sel ? base : tui_verdict_slot(r->verdict),
			tui_verdict_word(r->verdict), false);
		tui_put(t, y, 67, 10, base, review_word(r), false);
		snprintf(line, sizeof(line), "%s%s%s", r->operator_name, r->has_comment ? " *" : "",
			 r->superseded_by ? _(" (corrected)") : "");
		tui_put(t, y, 78, t->cols - 79, base, line, false);
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
