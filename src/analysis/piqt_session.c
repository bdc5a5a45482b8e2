/* A PIQT report as a session: the report's values judged against its own limits. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ana_int.h"
#include "qc/session.h"

static struct qc_record *new_record(struct qc_session *s)
{
	s->rec = qc_xrealloc(s->rec, (s->n_rec + 1) * sizeof(*s->rec));
	return memset(&s->rec[s->n_rec++], 0, sizeof(*s->rec));
}

/* The report's '<' and '>' are strict: a value on the bound fails. */
static bool on_strict_bound(const struct ana_piqt_value *v)
{
	if (!v->strict || !v->has_value)
		return false;
	return (v->limit == ANA_LIMIT_ABOVE && v->value == v->lo) ||
	       (v->limit == ANA_LIMIT_BELOW && v->value == v->hi);
}

static void add_value(struct qc_session *s, const struct qc_test *t, const struct qc_measure *m,
		      const struct ana_piqt_value *v)
{
	struct qc_record *r = new_record(s);
	const struct qc_mdef *def = t ? cat_find_mdef(t, m->name) : NULL;
	r->m = *m;
	if (def)
		r->lv = def->lv;
	else if (v)
		ana_piqt_levels(v, &r->lv);
	if (v && v->limit_text[0] && !r->m.note[0])
		snprintf(r->m.note, sizeof(r->m.note), _("report limit %.30s"), v->limit_text);
	if (!r->m.has_value)
		r->verdict = qc_levels_any(&r->lv) ? QC_V_NOT_DONE : QC_V_NO_TOL;
	else if (!def && v && on_strict_bound(v))
		r->verdict = QC_V_ACT;
	else
		r->verdict = qc_levels_eval(&r->lv, r->m.value);
}

static void add_fact(struct qc_session *s, const char *name, const char *text)
{
	if (!text || !*text)
		return;
	struct qc_record *r = new_record(s);
	qc_strlcpy(r->m.name, name, sizeof(r->m.name));
	r->m.image = -1;
	qc_strlcpy(r->text, text, sizeof(r->text));
	r->verdict = QC_V_NO_TOL;
}

static const struct ana_piqt_value *value_of(const struct ana_piqt_meta *meta, const char *name)
{
	for (size_t i = 0; i < meta->n_values; i++)
		if (!strcmp(meta->values[i].name, name))
			return &meta->values[i];
	return NULL;
}

enum qc_status ana_piqt_session(const char *html, size_t len, const struct qc_test *t,
				struct qc_session *s)
{
	struct qc_result res;
	struct ana_piqt_meta meta;
	memset(&meta, 0, sizeof(meta));
	qc_result_init(&res, 0);
	enum qc_status st = ana_piqt_parse(html, len, &res, &meta);
	if (!st) {
		for (size_t i = 0; i < res.n_m; i++)
			add_value(s, t, &res.m[i], value_of(&meta, res.m[i].name));
		add_fact(s, "report.verification_file", meta.verification);
		add_fact(s, "report.magnet", meta.magnet);
		add_fact(s, "report.field_strength", meta.field_strength);
		add_fact(s, "report.rf_chain", meta.rf_chain);
		add_fact(s, "report.tested_by", meta.tested_by);
		for (size_t i = 0; i < meta.n_scans; i++) {
			char name[48];
			snprintf(name, sizeof(name), "scan.%.20s.coil", meta.scans[i].key);
			add_fact(s, name, meta.scans[i].coil);
		}
		if (meta.date_iso[0]) {
			/* The QC was performed when the report says, not when it is imported. */
			qc_strlcpy(s->completed_at, meta.date_iso, sizeof(s->completed_at));
			s->completed_at[10] = ' ';
			qc_strlcpy(s->started_at, s->completed_at, sizeof(s->started_at));
		}
		qc_strlcpy(s->analysis, "piqt", sizeof(s->analysis));
		qc_session_update_verdict(s);
	}
	ana_piqt_meta_release(&meta);
	qc_result_release(&res);
	return st;
}
