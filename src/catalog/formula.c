/* Derived values of manual tests: a small expression evaluator over measurement names. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qc/catalog.h"
#include "qc/i18n.h"

struct expr {
	const char *p;
	cat_lookup_fn lookup;
	void *ud;
	char *err;
	size_t n;
	bool failed;
	bool syntax_only; /* names and syntax: no number is out of a domain with placeholders */
};

static double sum(struct expr *e);

static void skip(struct expr *e)
{
	while (isspace((unsigned char)*e->p))
		e->p++;
}

/* fmt is a whole sentence that places the text where reading stopped with %.20s. */
static double fail(struct expr *e, const char *fmt, const char *at)
{
	if (!e->failed)
		snprintf(e->err, e->n, fmt, at);
	e->failed = true;
	return 0;
}

/* sqrt(x) and abs(x): enough for derived quantities such as a 3-D distance. */
static double call(struct expr *e, const char *name, const char *at)
{
	e->p++;
	double v = sum(e);
	skip(e);
	if (*e->p != ')')
		return fail(e, _("missing ')' at '%.20s'"), e->p);
	e->p++;
	if (!strcmp(name, "abs"))
		return fabs(v);
	if (!strcmp(name, "sqrt"))
		return v < 0 && !e->syntax_only
			   ? fail(e, _("square root of a negative number at '%.20s'"), at)
			   : sqrt(fabs(v));
	return fail(e, _("unknown function at '%.20s'"), at);
}

static double atom(struct expr *e)
{
	skip(e);
	if (*e->p == '(') {
		e->p++;
		double v = sum(e);
		skip(e);
		if (*e->p != ')')
			return fail(e, _("missing ')' at '%.20s'"), e->p);
		e->p++;
		return v;
	}
	if (*e->p == '-') {
		e->p++;
		return -atom(e);
	}
	if (isdigit((unsigned char)*e->p) || *e->p == '.') {
		char *end;
		double v = strtod(e->p, &end);
		if (end == e->p)
			return fail(e, _("bad number at '%.20s'"), e->p);
		e->p = end;
		return v;
	}
	if (isalpha((unsigned char)*e->p) || *e->p == '_') {
		char name[64];
		size_t k = 0;
		const char *at = e->p;
		while ((isalnum((unsigned char)*e->p) || *e->p == '_') && k + 1 < sizeof(name))
			name[k++] = *e->p++;
		name[k] = '\0';
		skip(e);
		if (*e->p == '(')
			return call(e, name, at);
		double v;
		if (!e->lookup(e->ud, name, &v)) {
			if (!e->failed)
				snprintf(e->err, e->n, _("'%s' has no value"), name);
			e->failed = true;
			(void)at;
			return 0;
		}
		return v;
	}
	return fail(
	    e, *e->p ? _("unexpected character at '%.20s'") : _("unexpected end at '%.20s'"), e->p);
}

static double product(struct expr *e)
{
	double v = atom(e);
	for (;;) {
		skip(e);
		char op = *e->p;
		if (op != '*' && op != '/')
			return v;
		e->p++;
		double w = atom(e);
		if (op == '/' && w == 0 && !e->syntax_only)
			return fail(e, _("division by zero at '%.20s'"), e->p);
		v = op == '*' ? v * w : v / w;
	}
}

static double sum(struct expr *e)
{
	double v = product(e);
	for (;;) {
		skip(e);
		char op = *e->p;
		if (op != '+' && op != '-')
			return v;
		e->p++;
		double w = product(e);
		v = op == '+' ? v + w : v - w;
	}
}

static bool run(struct expr *e, double *out)
{
	double v = sum(e);
	skip(e);
	if (!e->failed && *e->p)
		fail(e, _("unexpected text at '%.20s'"), e->p);
	if (!e->failed && !e->syntax_only && !isfinite(v))
		fail(e, _("the result is not a finite number at '%.20s'"), e->p);
	if (e->failed)
		return false;
	*out = v;
	return true;
}

bool cat_formula_eval(const char *formula, cat_lookup_fn lookup, void *ud, double *out, char *err,
		      size_t n)
{
	struct expr e = {formula, lookup, ud, err, n, false, false};
	return run(&e, out);
}

bool cat_formula_check(const char *formula, cat_lookup_fn lookup, void *ud, char *err, size_t n)
{
	struct expr e = {formula, lookup, ud, err, n, false, true};
	double v;
	return run(&e, &v);
}
