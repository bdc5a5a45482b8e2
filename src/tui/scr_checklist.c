/* The checklist: tests of the catalogue grouped by frequency, with today's due status. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "qc/clock.h"
#include "qc/run.h"
#include "qc/sched.h"
#include "qc/store.h"
#include "tui_int.h"

struct row {
	const struct qc_frequency *freq; /* group header when test is NULL */
	const struct qc_test *test;
	struct sched_status st;
	bool has_draft;
};

struct checklist {
	struct row *rows;
	size_t n;
	size_t sel, top;
	int n_overdue, n_due, n_done;
	bool downtime;
	const struct qc_test *keep; /* the test to keep selected across reloads */
};

static const struct tui_key keys[] = {
    {'h', REQ_HISTORY}, {'a', REQ_ALL_SESSIONS}, {'r', REQ_REFRESH}, {KEY_RIGHT, REQ_ENTER},
    {'l', REQ_ENTER},	{'v', REQ_REVIEW},	 {'/', REQ_SEARCH},
};

/* Case-insensitive search of an ASCII-folded needle in a UTF-8 name (accents kept as typed). */
static bool name_matches(const char *name, const char *needle)
{
	size_t n = strlen(needle);
	for (const char *p = name; *p; p++)
		if (!strncasecmp(p, needle, n))
			return true;
	return false;
}

/* Selects the next test, after the current one, whose name or id contains the text typed. */
static void search(struct tui *t, struct checklist *c)
{
	static char last[64];
	char buf[64];
	qc_strlcpy(buf, last, sizeof(buf));
	if (!tui_prompt(t, _("Find:"), buf, sizeof(buf)) || !buf[0])
		return;
	qc_strlcpy(last, buf, sizeof(last));
	for (size_t k = 1; k <= c->n; k++) {
		const struct row *r = &c->rows[(c->sel + k) % c->n];
		if (r->test &&
		    (name_matches(cat_test_name(r->test), buf) || name_matches(r->test->id, buf))) {
			c->sel = (c->sel + k) % c->n;
			return;
		}
	}
	tui_message(t, true, _("no test matches '%s'"), buf);
}

static void add_row(struct checklist *c, const struct qc_frequency *f, const struct run_due *d)
{
	c->rows = qc_xrealloc(c->rows, (c->n + 1) * sizeof(*c->rows));
	struct row *r = memset(&c->rows[c->n++], 0, sizeof(*c->rows));
	r->freq = f;
	if (d) {
		r->test = d->test;
		r->st = d->st;
		r->has_draft = d->has_draft;
	}
}

/* Overdue first, then due, then done today, then the others (catalogue order within). */
static int rank(const struct run_due *d)
{
	if (d->st.done_today)
		return 2;
	return d->st.state == SCHED_OVERDUE ? 0 : d->st.state == SCHED_DUE ? 1 : 3;
}

static void load(struct tui *t, struct checklist *c)
{
	const struct qc_catalog *cat = t->cfg->cat;
	struct run_due *items;
	size_t n;
	if (c->sel < c->n && c->rows[c->sel].test)
		c->keep = c->rows[c->sel].test;
	free(c->rows);
	c->rows = NULL;
	c->n = 0;
	c->n_overdue = c->n_due = c->n_done = 0;
	c->downtime = false;
	if (run_due_list(cat, t->cfg->store, qc_today(), &items, &n) != QC_OK) {
		tui_message(t, true, "%s", qc_errmsg());
		return;
	}
	for (size_t fi = 0; fi < cat->n_freqs; fi++) {
		const struct qc_frequency *f = &cat->freqs[fi];
		bool header = false;
		for (int r = 0; r < 4; r++)
			for (size_t i = 0; i < n; i++) {
				if (items[i].freq != f || rank(&items[i]) != r)
					continue;
				if (!header) {
					add_row(c, f, NULL);
					header = true;
				}
				add_row(c, f, &items[i]);
			}
	}
	for (size_t i = 0; i < n; i++) {
		c->n_overdue += items[i].st.state == SCHED_OVERDUE;
		c->n_due += items[i].st.state == SCHED_DUE && !items[i].st.done_today;
		c->n_done += items[i].st.done_today;
		c->downtime |= items[i].st.in_downtime;
	}
	free(items);
	c->sel = c->n > 1 ? 1 : 0;
	for (size_t i = 0; i < c->n; i++)
		if (c->keep && c->rows[i].test == c->keep)
			c->sel = i;
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
	struct checklist *c = s->priv;
	(void)t;
	free(c->rows);
}

/* Status text and colour of a row. */
static enum tui_slot status_of(const struct row *r, char *buf, size_t n)
{
	char due[11];
	qc_date_str(r->st.due, due);
	if (r->has_draft) {
		snprintf(buf, n, "%s", _("in progress"));
		return r->st.state == SCHED_OVERDUE ? SLOT_OVERDUE : SLOT_DUE;
	}
	if (r->st.done_today) {
		snprintf(buf, n, "%s", _("done today"));
		return SLOT_DONE;
	}
	if (r->st.in_downtime && r->freq->treatment_days) {
		snprintf(buf, n, "%s", _("machine down"));
		return SLOT_DIM;
	}
	switch (r->st.state) {
	case SCHED_OVERDUE: snprintf(buf, n, _("OVERDUE since %s"), due); return SLOT_OVERDUE;
	case SCHED_DUE:
		snprintf(buf, n, "%s", r->st.never_done ? _("due (never done)") : _("due"));
		return SLOT_DUE;
	case SCHED_NOT_DUE: snprintf(buf, n, _("next %s"), due); return SLOT_DIM;
	}
	return SLOT_NORMAL;
}

static void draw_title(struct tui *t, struct checklist *c)
{
	const struct qc_catalog *cat = t->cfg->cat;
	const struct qc_machine *m = cat->n_machines ? &cat->machines[0] : NULL;
	char today[11], title[256], counts[160];
	qc_date_str(qc_today(), today);
	snprintf(counts, sizeof(counts), _("%d overdue · %d to do · %d done today"), c->n_overdue,
		 c->n_due, c->n_done);
	/* Narrow terminals: drop the machine name, then the count of tests done, then all but the
	 * date. */
	snprintf(title, sizeof(title), "unityqc · %s · %s %s", m ? m->name : "", _("QC of"), today);
	if (tui_width(t, title) + tui_width(t, counts) + 4 > t->cols)
		snprintf(title, sizeof(title), "unityqc · %s %s", _("QC of"), today);
	if (tui_width(t, title) + tui_width(t, counts) + 4 > t->cols)
		snprintf(counts, sizeof(counts), _("%d overdue · %d to do"), c->n_overdue,
			 c->n_due);
	if (tui_width(t, title) + tui_width(t, counts) + 4 > t->cols)
		snprintf(title, sizeof(title), "%s", today);
	tui_fill(t, 0, 0, t->cols, SLOT_TITLE);
	tui_put(t, 0, 1, t->cols - 2, SLOT_TITLE, title, false);
	tui_putr(t, 0, 1, t->cols - 2, SLOT_TITLE, counts);
}

/* The name takes the room left; on narrow terminals the date of the last session goes first. */
static void layout(struct tui *t, const struct checklist *c, struct tui_column col[3])
{
	int status_w = tui_width(t, _("Status"));
	char status[80];
	for (size_t i = 0; i < c->n; i++)
		if (c->rows[i].test) {
			status_of(&c->rows[i], status, sizeof(status));
			int w = tui_width(t, status);
			status_w = w > status_w ? w : status_w;
		}
	int last_w = tui_width(t, _("Last done"));
	col[0] = (struct tui_column){.min = 20, .flex = true};
	col[1] = (struct tui_column){.min = 12, .want = status_w};
	col[2] = (struct tui_column){.min = last_w > 10 ? last_w : 10, .drop = 1};
	tui_columns(col, 3, 1, t->cols - 2);
}

static void draw(struct tui *t, struct tui_screen *s)
{
	struct checklist *c = s->priv;
	int y0 = 2, height = t->rows - 4;
	struct tui_column col[3];
	layout(t, c, col);
	draw_title(t, c);
	const char *head[3] = {_("Test"), _("Status"), _("Last done")};
	for (int k = 0; k < 3; k++)
		tui_put(t, 1, col[k].x, col[k].w, SLOT_HEADER, head[k], true);
	tui_list_scroll(c->sel, &c->top, height);
	for (int i = 0; i < height && c->top + (size_t)i < c->n; i++) {
		const struct row *r = &c->rows[c->top + (size_t)i];
		int y = y0 + i;
		bool sel = c->top + (size_t)i == c->sel;
		if (!r->test) {
			tui_put(t, y, 1, t->cols - 2, SLOT_GROUP, cat_freq_name(r->freq), true);
			continue;
		}
		char status[80], last[11] = "-";
		enum tui_slot slot = status_of(r, status, sizeof(status));
		if (!r->st.never_done)
			qc_date_str(r->st.last, last);
		if (sel)
			tui_fill(t, y, 0, t->cols, SLOT_SELECTED);
		tui_put(t, y, col[0].x, col[0].w, sel ? SLOT_SELECTED : SLOT_NORMAL,
			cat_test_name(r->test), false);
		tui_put(t, y, col[1].x, col[1].w, sel ? SLOT_SELECTED : slot, status, false);
		tui_put(t, y, col[2].x, col[2].w, sel ? SLOT_SELECTED : SLOT_DIM, last, false);
	}
	if (c->n > 1 && c->sel < c->n && c->rows[c->sel].test) {
		const char *ins = cat_test_instructions(c->rows[c->sel].test);
		tui_put(t, t->rows - 2, 1, t->cols - 2, SLOT_DIM, ins, false);
	}
}

static void move_sel(struct checklist *c, int delta)
{
	size_t i = c->sel;
	for (int step = 0; step < (delta < 0 ? -delta : delta); step++) {
		size_t j = i;
		do {
			if (delta < 0 && j == 0)
				break;
			if (delta > 0 && j + 1 >= c->n)
				break;
			j += delta < 0 ? (size_t)-1 : 1;
		} while (!c->rows[j].test);
		if (c->rows[j].test)
			i = j;
	}
	c->sel = i;
}

/* A manual form starting from the values of the session it corrects. */
static void correct_form(struct tui *t, const struct qc_test *test, int64_t supersedes)
{
	struct qc_session *sess = qc_xcalloc(1, sizeof(*sess));
	if (store_load_session(t->cfg->store, supersedes, sess) == QC_OK) {
		struct scr_form_arg arg = {test, sess};
		tui_push(t, &scr_form, &arg);
	} else {
		tui_message(t, true, "%s", qc_errmsg());
	}
	qc_session_release(sess);
	free(sess);
}

void tui_open_test(struct tui *t, const struct qc_test *test, int64_t supersedes)
{
	if ((!strcmp(test->input, "images") && test->analysis[0]) ||
	    !strcmp(test->input, "report")) {
		struct scr_picker_arg arg = {test, supersedes};
		tui_push(t, &scr_picker, &arg);
		return;
	}
	if (!strcmp(test->input, "manual")) {
		struct scr_form_arg arg = {.test = test};
		if (supersedes)
			correct_form(t, test, supersedes);
		else
			tui_push(t, &scr_form, &arg);
		return;
	}
	if (!strcmp(test->input, "images"))
		tui_message(t, true, _("the analysis of '%s' is not available in this version"),
			    cat_test_name(test));
	else
		tui_message(t, true, _("entry of '%s' is not available in this version"),
			    cat_test_name(test));
}

static int request(struct tui *t, struct tui_screen *s, enum tui_req req)
{
	struct checklist *c = s->priv;
	int page = t->rows - 5;
	const struct qc_test *test = c->sel < c->n ? c->rows[c->sel].test : NULL;
	switch (req) {
	case REQ_UP: move_sel(c, -1); break;
	case REQ_DOWN: move_sel(c, 1); break;
	case REQ_PAGE_UP: move_sel(c, -page); break;
	case REQ_PAGE_DOWN: move_sel(c, page); break;
	case REQ_HOME: move_sel(c, -(int)c->n); break;
	case REQ_END: move_sel(c, (int)c->n); break;
	case REQ_REFRESH: load(t, c); break;
	case REQ_ENTER:
		if (test)
			tui_open_test(t, test, 0);
		break;
	case REQ_HISTORY:
		if (test)
			tui_push(t, &scr_history, (void *)test);
		break;
	case REQ_ALL_SESSIONS: tui_push(t, &scr_history, NULL); break;
	case REQ_REVIEW: tui_push(t, &scr_review, NULL); break;
	case REQ_SEARCH: search(t, c); break;
	case REQ_BACK: return TUI_HANDLED; /* the checklist is the root */
	default: return TUI_IGNORED;
	}
	return TUI_HANDLED;
}

const struct tui_screen_ops scr_checklist = {
    .name = "checklist",
    .private_size = sizeof(struct checklist),
    .keys = keys,
    .n_keys = QC_ARRAY_LEN(keys),
    .open = open,
    .draw = draw,
    .request = request,
    .resume = resume,
    .done = done,
};
