/* The physicist's review queue: sessions not yet reviewed, approve or reject one or several. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qc/run.h"
#include "tui_int.h"

struct review {
	struct store_row *rows;
	bool *marked;
	size_t n, sel, top;
	int id_w, verdict_w, operator_w; /* the widest header or cell of each */
};

static const struct tui_key keys[] = {
    {' ', REQ_MARK}, {'a', REQ_APPROVE}, {'x', REQ_REJECT}, {'r', REQ_REFRESH}, {'p', REQ_PDF},
};

static void operator_text(const struct store_row *r, char *buf, size_t n)
{
	snprintf(buf, n, "%s%s", r->operator_name, r->has_comment ? " *" : "");
}

/* Each column as wide as its header and cells (measured once per load). */
static void measure(struct tui *t, struct review *rv)
{
	char buf[160];
	rv->id_w = tui_width(t, _("No."));
	rv->verdict_w = tui_width(t, _("Verdict"));
	rv->operator_w = tui_width(t, _("Operator"));
	for (size_t i = 0; i < rv->n; i++) {
		const struct store_row *r = &rv->rows[i];
		snprintf(buf, sizeof(buf), "%lld", (long long)r->id);
		rv->id_w = tui_widest(rv->id_w, (int)strlen(buf));
		rv->verdict_w =
		    tui_widest(rv->verdict_w, tui_width(t, tui_verdict_word(r->verdict)));
		operator_text(r, buf, sizeof(buf));
		rv->operator_w = tui_widest(rv->operator_w, tui_width(t, buf));
	}
}

static void load(struct tui *t, struct review *rv)
{
	free(rv->rows);
	free(rv->marked);
	rv->rows = NULL;
	rv->n = 0;
	if (store_list_unreviewed(t->cfg->store, &rv->rows, &rv->n) != QC_OK)
		tui_message(t, true, "%s", qc_errmsg());
	rv->marked = qc_xcalloc(rv->n ? rv->n : 1, sizeof(bool));
	measure(t, rv);
	if (rv->sel >= rv->n)
		rv->sel = rv->n ? rv->n - 1 : 0;
}

static void open(struct tui *t, struct tui_screen *s, void *arg)
{
	(void)arg;
	load(t, s->priv);
}

static void resume(struct tui *t, struct tui_screen *s)
{
	load(t, s->priv);
}

static void done(struct tui *t, struct tui_screen *s)
{
	struct review *rv = s->priv;
	(void)t;
	free(rv->rows);
	free(rv->marked);
}

enum { C_MARK, C_ID, C_WHEN, C_TEST, C_VERDICT, C_OPERATOR, N_COLS };

/* The test's name takes the room left. On narrow terminals the operator goes first, then the
 * number; the date stays, without the time. */
static void layout(struct tui *t, const struct review *rv, struct tui_column col[N_COLS])
{
	col[C_MARK] = (struct tui_column){.min = 3};
	col[C_ID] = (struct tui_column){.min = rv->id_w, .drop = 2};
	col[C_WHEN] = (struct tui_column){.min = 10, .want = 19};
	col[C_TEST] = (struct tui_column){.min = 12, .flex = true};
	col[C_VERDICT] = (struct tui_column){.min = rv->verdict_w};
	col[C_OPERATOR] = (struct tui_column){.min = 8, .want = rv->operator_w, .drop = 1};
	tui_columns(col, N_COLS, 1, t->cols - 2);
	if (col[C_WHEN].w < 19) { /* the time whole or not at all: the room left to the name */
		col[C_WHEN].want = 10;
		tui_columns(col, N_COLS, 1, t->cols - 2);
	}
}

static void draw(struct tui *t, struct tui_screen *s)
{
	struct review *rv = s->priv;
	char line[256];
	size_t marked = 0;
	struct tui_column col[N_COLS];
	for (size_t i = 0; i < rv->n; i++)
		marked += rv->marked[i];
	tui_fill(t, 0, 0, t->cols, SLOT_TITLE);
	snprintf(line, sizeof(line), _("Sessions to review: %zu (%zu marked)"), rv->n, marked);
	tui_put(t, 0, 1, t->cols - 2, SLOT_TITLE, line, false);
	layout(t, rv, col);
	tui_fill(t, 1, 0, t->cols, SLOT_HEADER);
	tui_putr(t, 1, col[C_ID].x, col[C_ID].w, SLOT_HEADER, _("No."));
	tui_put(t, 1, col[C_WHEN].x, col[C_WHEN].w, SLOT_HEADER, _("Completed"), false);
	tui_put(t, 1, col[C_TEST].x, col[C_TEST].w, SLOT_HEADER, _("Test"), false);
	tui_put(t, 1, col[C_VERDICT].x, col[C_VERDICT].w, SLOT_HEADER, _("Verdict"), false);
	tui_put(t, 1, col[C_OPERATOR].x, col[C_OPERATOR].w, SLOT_HEADER, _("Operator"), false);
	if (!rv->n)
		tui_put(t, 3, 2, t->cols - 4, SLOT_DIM, _("nothing to review"), false);
	int rows = t->rows - 4;
	tui_list_scroll(rv->sel, &rv->top, rows);
	for (int i = 0; i < rows && rv->top + (size_t)i < rv->n; i++) {
		size_t k = rv->top + (size_t)i;
		const struct store_row *r = &rv->rows[k];
		bool sel = k == rv->sel;
		enum tui_slot base = sel ? SLOT_SELECTED : SLOT_NORMAL;
		int y = 2 + i;
		if (sel)
			tui_fill(t, y, 0, t->cols, SLOT_SELECTED);
		tui_put(t, y, col[C_MARK].x, col[C_MARK].w, base, rv->marked[k] ? "[x]" : "[ ]",
			false);
		tui_session_cells(t, y, r, sel, &col[C_ID], &col[C_WHEN], &col[C_TEST],
				  &col[C_VERDICT]);
		operator_text(r, line, sizeof(line));
		tui_put(t, y, col[C_OPERATOR].x, col[C_OPERATOR].w, base, line, false);
	}
	tui_put(t, t->rows - 2, 1, t->cols - 2, SLOT_KEY,
		_("Space: mark · a: approve · x: reject · Enter: open · p: PDF · Esc: back"),
		false);
}

static const char *reviewer(struct tui *t)
{
	return t->cfg->operator_name ? t->cfg->operator_name : run_login_name();
}

/* Reviews the marked sessions, or the selected one when none is marked. */
static void decide(struct tui *t, struct review *rv, bool approve)
{
	char comment[512] = "", question[160];
	size_t count = 0, done = 0, failed = 0;
	for (size_t i = 0; i < rv->n; i++)
		count += rv->marked[i];
	if (!rv->n)
		return;
	/* With nothing marked the selected session is reviewed alone; it is not marked, so a
	 * cancelled question leaves the list as it was. */
	bool only_selected = !count;
	if (only_selected)
		count = 1;
	const char *label = approve ? _("Comment (optional):") : _("Reason for the rejection:");
	if (!tui_prompt(t, label, comment, sizeof(comment)))
		return;
	snprintf(question, sizeof(question),
		 approve ? _("Approve %zu session(s)?") : _("Reject %zu session(s)?"), count);
	if (!tui_confirm(t, question))
		return;
	char first_error[300] = "";
	for (size_t i = 0; i < rv->n; i++) {
		if (only_selected ? i != rv->sel : !rv->marked[i])
			continue;
		if (store_review(t->cfg->store, rv->rows[i].id, reviewer(t), approve, comment,
				 t->cfg->cat->review.self_review) == QC_OK)
			done++;
		else {
			failed++;
			if (!first_error[0])
				qc_strlcpy(first_error, qc_errmsg(), sizeof(first_error));
		}
	}
	load(t, rv);
	if (failed)
		tui_message(t, true, _("%zu reviewed, %zu refused: %s"), done, failed, first_error);
	else
		tui_message(t, false,
			    approve ? _("%zu session(s) approved") : _("%zu session(s) rejected"),
			    done);
}

static int request(struct tui *t, struct tui_screen *s, enum tui_req req)
{
	struct review *rv = s->priv;
	if (tui_list_move(req, &rv->sel, rv->n, (size_t)(t->rows > 6 ? t->rows - 5 : 1)))
		return TUI_HANDLED;
	switch (req) {
	case REQ_MARK:
		if (rv->n) {
			rv->marked[rv->sel] = !rv->marked[rv->sel];
			tui_list_move(REQ_DOWN, &rv->sel, rv->n, 1);
		}
		break;
	case REQ_APPROVE: decide(t, rv, true); break;
	case REQ_REJECT: decide(t, rv, false); break;
	case REQ_REFRESH: load(t, rv); break;
	case REQ_ENTER:
	case REQ_PDF:
		if (rv->sel < rv->n)
			tui_stored_session(t, rv->rows[rv->sel].id, req == REQ_PDF);
		break;
	default: return TUI_IGNORED;
	}
	return TUI_HANDLED;
}

const struct tui_screen_ops scr_review = {
    .name = "review",
    .private_size = sizeof(struct review),
    .keys = keys,
    .n_keys = QC_ARRAY_LEN(keys),
    .open = open,
    .draw = draw,
    .request = request,
    .resume = resume,
    .done = done,
};
