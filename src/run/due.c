/* The due list: every test with its status, from the catalogue, the store and the calendar. */
#include <stdlib.h>
#include <string.h>

#include "qc/run.h"

enum qc_status run_calendar(const struct qc_catalog *cat, store_t *st, struct sched_calendar *cal,
			    struct sched_period **down)
{
	struct store_downtime *rows;
	size_t n;
	memset(cal, 0, sizeof(*cal));
	*down = NULL;
	enum qc_status rc = store_list_downtime(st, &rows, &n);
	if (rc)
		return rc;
	*down = qc_xcalloc(n ? n : 1, sizeof(**down));
	for (size_t i = 0; i < n; i++) {
		qc_parse_date(rows[i].from, &(*down)[i].from);
		qc_parse_date(rows[i].to, &(*down)[i].to);
	}
	free(rows);
	cal->closed = (const int(*)[3])cat->closed;
	cal->n_closed = cat->n_closed;
	cal->down = *down;
	cal->n_down = n;
	return QC_OK;
}

enum qc_status run_due_list(const struct qc_catalog *cat, store_t *st, struct qc_date today,
			    struct run_due **items, size_t *n)
{
	struct sched_calendar cal;
	struct sched_period *down;
	*items = qc_xcalloc(cat->n_tests ? cat->n_tests : 1, sizeof(**items));
	*n = 0;
	enum qc_status rc = run_calendar(cat, st, &cal, &down);
	for (size_t i = 0; !rc && i < cat->n_tests; i++) {
		const struct qc_test *t = &cat->tests[i];
		struct run_due *d = &(*items)[(*n)++];
		char when[20], at[20], *data = NULL;
		struct qc_date last = {0, 0, 0};
		d->test = t;
		d->freq = cat_find_freq(cat, t->frequency);
		rc = store_last_done(st, t->id, when);
		if (rc)
			break;
		when[10] = '\0';
		bool has_last = when[0] && qc_parse_date(when, &last);
		sched_eval(d->freq, &cal, has_last, last, today, &d->st);
		if (store_get_draft(st, t->id, &data, d->draft_by, at) == QC_OK)
			d->has_draft = true;
		free(data);
	}
	free(down);
	if (!rc)
		qc_clear_error(); /* the NOT_FOUND of tests without a draft */
	if (rc) {
		free(*items);
		*items = NULL;
		*n = 0;
	}
	return rc;
}

bool run_auto_approve(const struct qc_catalog *cat, const struct qc_session *s)
{
	return cat->review.auto_approve && s->verdict == QC_V_OK && (!s->comment || !*s->comment);
}

enum qc_status run_save(const struct qc_catalog *cat, store_t *st, struct qc_session *s)
{
	s->auto_approve = run_auto_approve(cat, s);
	return store_save_session(st, s);
}
