/* Manual tests: checking what is typed, and judging yes/no items, choices, readings, formulas. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "qc/i18n.h"
#include "qc/session.h"

static bool is_skip(const char *t)
{
	return !strcasecmp(t, "skip") || !strcasecmp(t, "passer") || !strcmp(t, "-");
}

/* Numbers as people type them here: a decimal comma is a decimal point. */
static bool parse_number(const char *text, double *v)
{
	char buf[64];
	if (!qc_strlcpy(buf, text, sizeof(buf)))
		return false;
	for (char *c = buf; *c; c++)
		if (*c == ',')
			*c = '.';
	return qc_parse_double(buf, v);
}

/* Readings separated by ';' or blanks (a comma is a decimal comma). */
static int parse_readings(const char *text, double *v, int max, char *bad, size_t n)
{
	char *copy = qc_xstrdup(text), *save = NULL;
	int k = 0;
	for (char *w = strtok_r(copy, "; \t", &save); w; w = strtok_r(NULL, "; \t", &save)) {
		if (k == max || !parse_number(w, &v[k])) {
			qc_strlcpy(bad, w, n);
			free(copy);
			return -1;
		}
		k++;
	}
	free(copy);
	return k;
}

static int parse_bool(const char *t)
{
	static const char *const yes[] = {"yes", "y", "oui", "o", "1", "true", "ok"};
	static const char *const no[] = {"no", "n", "non", "0", "false"};
	for (size_t i = 0; i < QC_ARRAY_LEN(yes); i++)
		if (!strcasecmp(t, yes[i]))
			return 1;
	for (size_t i = 0; i < QC_ARRAY_LEN(no); i++)
		if (!strcasecmp(t, no[i]))
			return 0;
	return -1;
}

/* Whether item is one of the '|' separated names of list. */
static bool in_list(const char *list, const char *item)
{
	if (!list)
		return false;
	char *copy = qc_xstrdup(list), *save = NULL;
	bool found = false;
	for (char *w = strtok_r(copy, "|", &save); w && !found; w = strtok_r(NULL, "|", &save))
		found = !strcmp(qc_trim(w), item);
	free(copy);
	return found;
}

static enum qc_status bad(char *msg, size_t n, const char *fmt, const char *a)
{
	snprintf(msg, n, fmt, a);
	return QC_ERR_INVALID;
}

static enum qc_status check_number(const struct qc_mdef *m, const char *text, double *value,
				   char *msg, size_t n)
{
	double r[20];
	char what[64] = "";
	int k = parse_readings(text, r, m->readings > 1 ? 20 : 1, what, sizeof(what));
	if (k < 0)
		return bad(msg, n, _("'%s' is not a number"), what[0] ? what : text);
	if (k == 0)
		return bad(msg, n, "%s", _("a value is needed"));
	if (m->readings > 1 && k != m->readings) {
		snprintf(msg, n, _("%d readings expected, %d given"), m->readings, k);
		return QC_ERR_INVALID;
	}
	double sum = 0;
	for (int i = 0; i < k; i++) {
		if (m->has_range && (r[i] < m->range_lo || r[i] > m->range_hi)) {
			snprintf(msg, n, _("%g is outside the plausible range %g to %g %s"), r[i],
				 m->range_lo, m->range_hi, m->unit);
			return QC_ERR_INVALID;
		}
		sum += r[i];
	}
	*value = sum / k;
	return QC_OK;
}

/* Verdict of a valid typed value (no formula). */
static enum qc_verdict verdict_of(const struct qc_mdef *m, const char *text, double value)
{
	switch (m->type) {
	case QC_MT_NUMBER: return qc_levels_eval(&m->lv, value);
	case QC_MT_BOOL:
		if ((parse_bool(text) == 1) == m->expected_yes)
			return QC_V_OK;
		return m->warning_only ? QC_V_TOL : QC_V_ACT;
	case QC_MT_CHOICE:
		if (!m->ok_choices && !m->tol_choices)
			return QC_V_NO_TOL;
		if (in_list(m->ok_choices, text))
			return QC_V_OK;
		return in_list(m->tol_choices, text) ? QC_V_TOL : QC_V_ACT;
	case QC_MT_TEXT: return QC_V_NO_TOL;
	}
	return QC_V_NO_TOL;
}

/* An answer is stored whole or refused: it would otherwise be cut without a word. */
static enum qc_status short_text(const char *text, char *msg, size_t n)
{
	if (strlen(text) <= QC_ANSWER_MAX)
		return QC_OK;
	snprintf(msg, n,
		 _("too long for an answer (%d bytes at most): put the details in the comment"),
		 QC_ANSWER_MAX);
	return QC_ERR_INVALID;
}

static enum qc_status check_value(const struct qc_mdef *m, const char *text, double *value,
				  char *msg, size_t n)
{
	*value = 0;
	switch (m->type) {
	case QC_MT_NUMBER: return check_number(m, text, value, msg, n);
	case QC_MT_BOOL:
		if (parse_bool(text) < 0)
			return bad(msg, n, _("answer yes or no, not '%s'"), text);
		*value = parse_bool(text);
		return QC_OK;
	case QC_MT_CHOICE:
		if (!in_list(m->choices, text))
			return bad(msg, n, _("choose one of %s"), m->choices);
		return short_text(text, msg, n);
	case QC_MT_TEXT: return short_text(text, msg, n);
	}
	return QC_OK;
}

enum qc_status qc_entry_check(const struct qc_mdef *m, const char *text, enum qc_verdict *verdict,
			      double *value, char *msg, size_t n)
{
	char buf[256];
	double v = 0;
	qc_strlcpy(buf, text ? text : "", sizeof(buf));
	qc_trim(buf);
	msg[0] = '\0';
	*verdict = QC_V_NO_TOL;
	*value = 0;
	if (m->formula)
		return QC_OK;
	if (is_skip(buf)) {
		*verdict = QC_V_NOT_DONE;
		return QC_OK;
	}
	if (!buf[0] && m->type != QC_MT_TEXT)
		return bad(msg, n, "%s", _("a value is needed"));
	enum qc_status st = check_value(m, buf, &v, msg, n);
	if (!st)
		*verdict = verdict_of(m, buf, v);
	*value = v;
	return st;
}

struct manual {
	struct qc_session *s;
	const struct qc_test *t;
	int depth;
};

static struct qc_record *find_record(struct qc_session *s, const char *name)
{
	for (size_t i = 0; i < s->n_rec; i++)
		if (!strcmp(s->rec[i].m.name, name))
			return &s->rec[i];
	return NULL;
}

static bool lookup(void *ud, const char *name, double *v)
{
	struct manual *mc = ud;
	struct qc_record *r = find_record(mc->s, name);
	if (!r || !r->m.has_value)
		return false;
	*v = r->m.value;
	return true;
}

static const struct qc_entry *entry_for(const struct qc_entry *e, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(e[i].name, name))
			return &e[i];
	return NULL;
}

static struct qc_record *add_record(struct qc_session *s, const struct qc_mdef *m)
{
	s->rec = qc_xrealloc(s->rec, (s->n_rec + 1) * sizeof(*s->rec));
	struct qc_record *r = memset(&s->rec[s->n_rec++], 0, sizeof(*s->rec));
	qc_strlcpy(r->m.name, m->name, sizeof(r->m.name));
	qc_strlcpy(r->m.unit, m->unit, sizeof(r->m.unit));
	r->m.image = -1;
	r->lv = m->lv;
	return r;
}

static enum qc_status typed_record(struct qc_session *s, const struct qc_mdef *m, const char *text)
{
	char buf[256], msg[200];
	double v;
	struct qc_record *r = add_record(s, m);
	qc_strlcpy(buf, text, sizeof(buf));
	qc_trim(buf);
	if (is_skip(buf)) {
		r->verdict = QC_V_NOT_DONE;
		qc_strlcpy(r->text, "skip", sizeof(r->text));
		qc_strlcpy(r->m.note, _("skipped"), sizeof(r->m.note));
		return QC_OK;
	}
	if (check_value(m, buf, &v, msg, sizeof(msg)))
		return qc_fail(QC_ERR_INVALID, _("%s: %s"), m->name, msg);
	r->verdict = verdict_of(m, buf, v);
	if (m->type == QC_MT_NUMBER || m->type == QC_MT_BOOL) {
		r->m.has_value = true;
		r->m.value = v;
	}
	if (m->type == QC_MT_NUMBER && m->readings > 1)
		snprintf(r->m.note, sizeof(r->m.note), _("mean of %d readings: %.100s"),
			 m->readings, buf);
	if (m->type != QC_MT_NUMBER)
		qc_strlcpy(r->text, m->type == QC_MT_BOOL ? (v ? "yes" : "no") : buf,
			   sizeof(r->text));
	return QC_OK;
}

static void formula_record(struct manual *mc, const struct qc_mdef *m)
{
	char err[160];
	double v;
	struct qc_record *r = add_record(mc->s, m);
	r->verdict = QC_V_NOT_DONE;
	/* The record array may move while formulas look up others: work on a copy. */
	struct qc_record tmp = *r;
	if (cat_formula_eval(m->formula, lookup, mc, &v, err, sizeof(err))) {
		tmp.m.has_value = true;
		tmp.m.value = v;
		tmp.verdict = qc_levels_eval(&m->lv, v);
		snprintf(tmp.m.note, sizeof(tmp.m.note), "= %.150s", m->formula);
	} else {
		snprintf(tmp.m.note, sizeof(tmp.m.note), _("not computed: %.120s"), err);
	}
	*find_record(mc->s, m->name) = tmp;
}

enum qc_status qc_session_from_entries(struct qc_session *s, const struct qc_test *t,
				       const struct qc_entry *e, size_t n, const char *comment)
{
	struct manual mc = {s, t, 0};
	for (size_t i = 0; i < n; i++) {
		if (!cat_find_mdef(t, e[i].name))
			return qc_fail(QC_ERR_INVALID, _("%s has no measurement '%s'"), t->id,
				       e[i].name);
		if (entry_for(e, i, e[i].name))
			return qc_fail(QC_ERR_INVALID, _("%s: '%s' given twice"), t->id, e[i].name);
	}
	for (size_t i = 0; i < t->n_m; i++) {
		const struct qc_mdef *m = &t->m[i];
		if (m->formula)
			continue;
		const struct qc_entry *en = entry_for(e, n, m->name);
		if (!en)
			return qc_fail(QC_ERR_INVALID,
				       _("%s: no value for '%s' (give a value, or 'skip' with a "
					 "comment)"),
				       t->id, m->name);
		enum qc_status st = typed_record(s, m, en->value);
		if (st)
			return st;
	}
	/* Formulas after the values they use, in catalogue order (a formula may use another). */
	for (size_t i = 0; i < t->n_m; i++)
		if (t->m[i].formula)
			formula_record(&mc, &t->m[i]);
	bool skipped = false;
	for (size_t i = 0; i < s->n_rec; i++)
		skipped |= !strcmp(s->rec[i].text, "skip");
	if (skipped && (!comment || !*comment))
		return qc_fail(QC_ERR_INVALID, _("%s: a skipped item needs a comment saying why"),
			       t->id);
	qc_session_set_comment(s, comment);
	qc_session_update_verdict(s);
	return QC_OK;
}
