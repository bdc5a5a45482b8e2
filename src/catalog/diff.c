/* What changed between two catalogues, for the record of who changed which level and why. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qc/catalog.h"

struct lines {
	char **v;
	size_t n, cap;
};

static void add(struct lines *l, const char *what, const char *old, const char *new)
{
	if (old && new && !strcmp(old, new))
		return;
	qc_grow(&l->v, &l->cap, l->n + 1, sizeof(*l->v));
	l->v[l->n++] = qc_xasprintf("%s\t%s\t%s", what, old ? old : "", new ? new : "");
}

static void band(char *buf, size_t n, bool hl, double lo, bool hh, double hi)
{
	char a[32] = "-", b[32] = "-";
	if (hl)
		snprintf(a, sizeof(a), "%g", lo);
	if (hh)
		snprintf(b, sizeof(b), "%g", hi);
	snprintf(buf, n, "%s %s", a, b);
}

static void levels_text(const struct qc_mdef *m, const char *field, char *buf, size_t n)
{
	const struct qc_levels *lv = &m->lv;
	if (!strcmp(field, "reference")) {
		if (lv->ref_nominal)
			snprintf(buf, n, "nominal");
		else if (lv->has_ref)
			snprintf(buf, n, "%g", lv->ref);
		else
			snprintf(buf, n, "-");
	} else if (!strcmp(field, "tolerance"))
		band(buf, n, lv->has_tol_low, lv->tol_low, lv->has_tol_high, lv->tol_high);
	else if (!strcmp(field, "action"))
		band(buf, n, lv->has_act_low, lv->act_low, lv->has_act_high, lv->act_high);
	else if (!strcmp(field, "mode"))
		snprintf(buf, n, "%s", lv->percent ? "percent" : "absolute");
	else if (!strcmp(field, "expected"))
		snprintf(buf, n, "%s%s", m->expected_yes ? "yes" : "no",
			 m->warning_only ? " (warning only)" : "");
	else if (!strcmp(field, "ok_choices"))
		snprintf(buf, n, "%s", m->ok_choices ? m->ok_choices : "");
	else if (!strcmp(field, "tol_choices"))
		snprintf(buf, n, "%s", m->tol_choices ? m->tol_choices : "");
	else if (!strcmp(field, "formula"))
		snprintf(buf, n, "%s", m->formula ? m->formula : "");
}

static void diff_measures(struct lines *l, const struct qc_test *a, const struct qc_test *b)
{
	static const char *const fields[] = {"reference", "tolerance",	"action",      "mode",
					     "expected",  "ok_choices", "tol_choices", "formula"};
	char what[128], x[128], y[128];
	for (size_t i = 0; i < a->n_m; i++) {
		const struct qc_mdef *ma = &a->m[i], *mb = cat_find_mdef_exact(b, ma->name);
		snprintf(what, sizeof(what), "%s.%s", a->id, ma->name);
		if (!mb) {
			add(l, what, "measure", "(removed)");
			continue;
		}
		for (size_t f = 0; f < QC_ARRAY_LEN(fields); f++) {
			levels_text(ma, fields[f], x, sizeof(x));
			levels_text(mb, fields[f], y, sizeof(y));
			snprintf(what, sizeof(what), "%s.%s %s", a->id, ma->name, fields[f]);
			add(l, what, x, y);
		}
	}
	for (size_t i = 0; i < b->n_m; i++)
		if (!cat_find_mdef_exact(a, b->m[i].name)) {
			snprintf(what, sizeof(what), "%s.%s", b->id, b->m[i].name);
			add(l, what, "(absent)", "measure added");
		}
}

static void diff_machines(struct lines *l, const struct qc_catalog *a, const struct qc_catalog *b)
{
	char what[96], x[96], y[96];
	for (size_t i = 0; i < a->n_machines; i++) {
		const struct qc_machine *ma = &a->machines[i], *mb = cat_find_machine(b, ma->id);
		if (!mb) {
			snprintf(what, sizeof(what), "machine %s", ma->id);
			add(l, what, "machine", "(removed)");
			continue;
		}
		snprintf(what, sizeof(what), "machine %s mv_iso_px", ma->id);
		snprintf(x, sizeof(x), "%g %g", ma->iso_col, ma->iso_row);
		snprintf(y, sizeof(y), "%g %g", mb->iso_col, mb->iso_row);
		add(l, what, x, y);
		snprintf(what, sizeof(what), "machine %s leaves", ma->id);
		snprintf(x, sizeof(x), "%d pairs, boundary %d, travel %c", ma->leaf_pairs,
			 ma->leaf_boundary, ma->leaf_travel);
		snprintf(y, sizeof(y), "%d pairs, boundary %d, travel %c", mb->leaf_pairs,
			 mb->leaf_boundary, mb->leaf_travel);
		add(l, what, x, y);
	}
}

void cat_diff(const struct qc_catalog *a, const struct qc_catalog *b, char ***out, size_t *n)
{
	struct lines l = {0};
	char what[96];
	diff_machines(&l, a, b);
	for (size_t i = 0; i < a->n_tests; i++) {
		const struct qc_test *ta = &a->tests[i], *tb = cat_find_test(b, ta->id);
		if (!tb) {
			add(&l, ta->id, "test", "(removed)");
			continue;
		}
		snprintf(what, sizeof(what), "%s frequency", ta->id);
		add(&l, what, ta->frequency, tb->frequency);
		snprintf(what, sizeof(what), "%s analysis", ta->id);
		add(&l, what, ta->analysis, tb->analysis);
		diff_measures(&l, ta, tb);
	}
	for (size_t i = 0; i < b->n_tests; i++)
		if (!cat_find_test(a, b->tests[i].id))
			add(&l, b->tests[i].id, "(absent)", "test added");
	for (size_t i = 0; i < a->n_freqs; i++) {
		const struct qc_frequency *fa = &a->freqs[i], *fb = cat_find_freq(b, fa->id);
		char x[64], y[64];
		if (!fb)
			continue;
		snprintf(x, sizeof(x), "every %d%c, window %d..%d", fa->every, fa->unit,
			 fa->window_start, fa->window_end);
		snprintf(y, sizeof(y), "every %d%c, window %d..%d", fb->every, fb->unit,
			 fb->window_start, fb->window_end);
		snprintf(what, sizeof(what), "frequency %s", fa->id);
		add(&l, what, x, y);
	}
	*out = l.v;
	*n = l.n;
}
