/* Verdicts and tolerance levels: the border rules of SCHEDULING.md and their display. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "qc/catalog.h"

static const char *const names[] = {"NO_TOL", "OK", "TOLERANCE", "ACTION", "NOT_DONE"};

const char *qc_verdict_name(enum qc_verdict v)
{
	return (unsigned)v < QC_ARRAY_LEN(names) ? names[v] : "?";
}

bool qc_verdict_parse(const char *s, enum qc_verdict *out)
{
	for (size_t i = 0; i < QC_ARRAY_LEN(names); i++)
		if (strcmp(s, names[i]) == 0) {
			*out = (enum qc_verdict)i;
			return true;
		}
	return false;
}

static int severity(enum qc_verdict v)
{
	switch (v) {
	case QC_V_NO_TOL: return 0;
	case QC_V_OK: return 1;
	case QC_V_NOT_DONE: return 2;
	case QC_V_TOL: return 3;
	case QC_V_ACT: return 4;
	}
	return 0;
}

enum qc_verdict qc_verdict_worst(enum qc_verdict a, enum qc_verdict b)
{
	return severity(a) >= severity(b) ? a : b;
}

bool qc_levels_any(const struct qc_levels *lv)
{
	return lv->has_act_low || lv->has_tol_low || lv->has_tol_high || lv->has_act_high;
}

bool qc_levels_ref_shown(const struct qc_levels *lv)
{
	bool low = lv->has_act_low || lv->has_tol_low, high = lv->has_act_high || lv->has_tol_high;
	return lv->has_ref && (lv->ref != 0 || lv->percent || (low && high));
}

/* A relative epsilon so that 0.1 + 0.2 against a border of 0.3 counts as on the border. */
static bool below(double d, double level)
{
	return d < level - 1e-9 * fmax(1.0, fabs(level));
}

static bool above(double d, double level)
{
	return d > level + 1e-9 * fmax(1.0, fabs(level));
}

enum qc_verdict qc_levels_eval(const struct qc_levels *lv, double v)
{
	if (!qc_levels_any(lv))
		return QC_V_NO_TOL;
	if (!isfinite(v))
		return QC_V_NOT_DONE;
	double ref = lv->has_ref ? lv->ref : 0.0;
	double d = v - ref;
	if (lv->percent) {
		if (ref == 0.0)
			return QC_V_NOT_DONE; /* rejected by the catalogue check; never judged */
		d = 100.0 * (v - ref) / fabs(ref);
	}
	if ((lv->has_act_low && below(d, lv->act_low)) ||
	    (lv->has_act_high && above(d, lv->act_high)))
		return QC_V_ACT;
	if ((lv->has_tol_low && below(d, lv->tol_low)) ||
	    (lv->has_tol_high && above(d, lv->tol_high)))
		return QC_V_TOL;
	return QC_V_OK;
}

static void fmt_num(char *buf, size_t n, double v)
{
	snprintf(buf, n, "%.4g", v);
}

/* One band: "±1", "-1/+2", "≥ 70", "≤ 5" (for a reference of 0: limits on the value). */
static void fmt_band(char *out, size_t n, bool hl, double lo, bool hh, double hi, bool pct,
		     bool ascii)
{
	char a[24], b[24];
	const char *unit = pct ? " %" : "";
	fmt_num(a, sizeof(a), fabs(lo));
	fmt_num(b, sizeof(b), hi);
	if (hl && hh && fabs(lo + hi) < 1e-12 && hi >= 0)
		snprintf(out, n, "%s%s%s", ascii ? "+/-" : "±", b, unit);
	else if (hl && hh) {
		fmt_num(a, sizeof(a), lo);
		snprintf(out, n, "%s%s..%s%s%s", lo > 0 ? "+" : "", a, hi > 0 ? "+" : "", b, unit);
	} else if (hl) {
		fmt_num(a, sizeof(a), lo);
		snprintf(out, n, "%s %s%s", ascii ? ">=" : "≥", a, unit);
	} else if (hh)
		snprintf(out, n, "%s %s%s", ascii ? "<=" : "≤", b, unit);
	else
		snprintf(out, n, "-");
}

void qc_levels_format(const struct qc_levels *lv, char *buf, size_t n, bool ascii)
{
	char tol[80], act[80];
	if (!qc_levels_any(lv)) {
		snprintf(buf, n, "-");
		return;
	}
	fmt_band(tol, sizeof(tol), lv->has_tol_low, lv->tol_low, lv->has_tol_high, lv->tol_high,
		 lv->percent, ascii);
	fmt_band(act, sizeof(act), lv->has_act_low, lv->act_low, lv->has_act_high, lv->act_high,
		 lv->percent, ascii);
	snprintf(buf, n, "%s / %s", tol, act);
}
