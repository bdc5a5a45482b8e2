/* Parsing and checking the catalogue file; errors carry file:line. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qc/catalog.h"
#include "qc/clock.h"
#include "qc/i18n.h"

extern const char qc_embed_catalog[];

enum section { SEC_NONE, SEC_MACHINE, SEC_FREQ, SEC_TEST, SEC_MEASURE, SEC_CALENDAR, SEC_REVIEW };

struct parser {
	const char *name;
	int line;
	struct qc_catalog *cat;
	enum section sec;
	size_t idx;	   /* index of the current machine / frequency / test */
	size_t m_idx;	   /* index of the current measure in its test */
	char last_key[64]; /* for "+=" */
	char **last_text;  /* text field "+=" appends to */
	/* Keys given in the current section and where, to refuse one given twice. */
	struct {
		char key[64];
		int line;
	} seen[32];
	size_t n_seen;
	int boundary_line; /* of leaf_boundary in the current machine section, 0 if none */
};

#define PFAIL(p, ...) parse_fail(p, __VA_ARGS__)

__attribute__((format(printf, 2, 3))) static enum qc_status parse_fail(struct parser *p,
								       const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return qc_fail(QC_ERR_FORMAT, "%s:%d: %s", p->name, p->line, msg);
}

const char *cat_default_text(void)
{
	return qc_embed_catalog;
}

static bool valid_id(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (!n || n >= max)
		return false;
	for (; *s; s++)
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) && *s != '_')
			return false;
	return true;
}

/* A measure name or pattern: lower case, digits, '_', '*', and '.' between words. */
static bool valid_measure_name(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (!n || n >= max || s[0] == '.' || s[n - 1] == '.' || strstr(s, "..") || strstr(s, "**"))
		return false;
	for (; *s; s++)
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) && *s != '_' &&
		    *s != '.' && *s != '*')
			return false;
	return true;
}

enum { MAX_STARS = 4 };

/* Glob match where '*' takes one or more characters other than '.'; records what the first
 * MAX_STARS stars took. */
static bool glob(const char *p, const char *s, const char **at, size_t *len, int k)
{
	for (; *p; p++, s++) {
		if (*p == '*') {
			for (size_t n = 1; s[n - 1] && s[n - 1] != '.'; n++) {
				if (at && k < MAX_STARS) {
					at[k] = s;
					len[k] = n;
				}
				if (glob(p + 1, s + n, at, len, k + 1))
					return true;
			}
			return false;
		}
		if (*p != *s)
			return false;
	}
	return !*s;
}

bool cat_pattern_match(const char *pattern, const char *name)
{
	return glob(pattern, name, NULL, NULL, 0);
}

bool cat_mdef_is_pattern(const struct qc_mdef *m)
{
	return strchr(m->name, '*') != NULL;
}

static bool parse_bool(const char *v, bool *out)
{
	if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1")) {
		*out = true;
		return true;
	}
	if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0")) {
		*out = false;
		return true;
	}
	return false;
}

/* Up to max numbers separated by blanks, each strict (no nan, inf or trailing text): their
 * count, or -1 when a word is not such a number or there are too many. */
static int parse_numbers(const char *v, double *out, int max)
{
	char *copy = qc_xstrdup(v), *save = NULL;
	int n = 0;
	for (char *w = strtok_r(copy, " \t", &save); w && n >= 0; w = strtok_r(NULL, " \t", &save))
		n = n < max && qc_parse_double(w, &out[n]) ? n + 1 : -1;
	free(copy);
	return n;
}

/* "X" → ±X; "LOW HIGH" with "-" for none. */
static bool parse_band(const char *v, bool *has_lo, double *lo, bool *has_hi, double *hi)
{
	char a[64], b[64], extra[8];
	int n = sscanf(v, "%63s %63s %7s", a, b, extra);
	if (n == 1) {
		double x;
		if (!qc_parse_double(a, &x) || x < 0)
			return false;
		*has_lo = *has_hi = true;
		*lo = -x;
		*hi = x;
		return true;
	}
	if (n != 2)
		return false;
	*has_lo = strcmp(a, "-") != 0;
	*has_hi = strcmp(b, "-") != 0;
	if (*has_lo && !qc_parse_double(a, lo))
		return false;
	if (*has_hi && !qc_parse_double(b, hi))
		return false;
	return *has_lo || *has_hi;
}

static struct qc_machine *cur_machine(struct parser *p)
{
	return &p->cat->machines[p->idx];
}

static struct qc_test *cur_test(struct parser *p)
{
	return &p->cat->tests[p->idx];
}

static enum qc_status set_text(struct parser *p, char **field, const char *v, bool append)
{
	if (append) {
		if (!*field)
			return PFAIL(p, _("'+=' with nothing to continue"));
		char *s = qc_xasprintf("%s\n%s", *field, v);
		free(*field);
		*field = s;
		return QC_OK;
	}
	if (*field)
		return PFAIL(p, _("'%s' given twice"), p->last_key);
	*field = qc_xstrdup(v);
	return QC_OK;
}

/* "80x7.15" or "10x10 40x5 10x10": counts of pairs and their widths, in numbering order. */
static enum qc_status leaf_widths(struct parser *p, struct qc_machine *m, const char *v)
{
	char *copy = qc_xstrdup(v), *save = NULL;
	int pairs = 0;
	for (char *w = strtok_r(copy, " \t,", &save); w; w = strtok_r(NULL, " \t,", &save)) {
		long count = 0;
		double width = 0;
		char *x = strchr(w, 'x');
		if (x)
			*x = '\0';
		if (!x || !qc_parse_int(w, &count) || !qc_parse_double(x + 1, &width) ||
		    count < 1 || width <= 0 || pairs + count > QC_MAX_LEAF_PAIRS) {
			if (x)
				*x = 'x';
			enum qc_status st = PFAIL(p,
						  _("leaf_widths needs COUNTxWIDTH items (mm at "
						    "isocentre, %d pairs at most), not '%s'"),
						  QC_MAX_LEAF_PAIRS, w);
			free(copy); /* after the message: w points into it */
			return st;
		}
		for (long i = 0; i < count; i++)
			m->leaf_widths_mm[pairs++] = width;
	}
	free(copy);
	m->leaf_pairs = pairs;
	m->leaf_width_mm = pairs ? m->leaf_widths_mm[0] : 0;
	return QC_OK;
}

static enum qc_status machine_key(struct parser *p, const char *k, const char *v)
{
	struct qc_machine *m = cur_machine(p);
	long n;
	if (!strcmp(k, "name"))
		qc_strlcpy(m->name, v, sizeof(m->name));
	else if (!strcmp(k, "model"))
		qc_strlcpy(m->match_model, v, sizeof(m->match_model));
	else if (!strcmp(k, "mv_iso_px")) {
		double px[2];
		if (parse_numbers(v, px, 2) != 2 || px[0] < 0 || px[1] < 0)
			return PFAIL(p, _("mv_iso_px needs two non-negative numbers: column row"));
		m->iso_col = px[0];
		m->iso_row = px[1];
		m->has_iso = true;
	} else if (!strcmp(k, "leaf_pairs")) {
		if (!qc_parse_int(v, &n) || n < 1 || n > QC_MAX_LEAF_PAIRS)
			return PFAIL(p, _("leaf_pairs must be an integer from 1 to %d"),
				     QC_MAX_LEAF_PAIRS);
		m->leaf_pairs = (int)n;
	} else if (!strcmp(k, "leaf_width_mm")) {
		if (!qc_parse_double(v, &m->leaf_width_mm) || m->leaf_width_mm <= 0)
			return PFAIL(p, _("leaf_width_mm must be a positive number"));
	} else if (!strcmp(k, "leaf_widths")) {
		return leaf_widths(p, m, v);
	} else if (!strcmp(k, "leaf_travel")) {
		if (strcmp(v, "x") && strcmp(v, "y"))
			return PFAIL(p,
				     _("leaf_travel must be x or y (the image axis the leaves move "
				       "along)"));
		m->leaf_travel = v[0];
	} else if (!strcmp(k, "leaf_boundary")) {
		if (!qc_parse_int(v, &n) || n < 1 || n > QC_MAX_LEAF_PAIRS)
			return PFAIL(
			    p, _("leaf_boundary must be the pair number whose far side passes "
				 "through the isocentre"));
		m->leaf_boundary = (int)n;
		p->boundary_line = p->line;
	} else if (!strcmp(k, "leaf_numbering")) {
		if (strcmp(v, "increasing") && strcmp(v, "decreasing"))
			return PFAIL(p, _("leaf_numbering must be increasing or decreasing"));
		m->leaf_numbers_decrease = !strcmp(v, "decreasing");
	} else
		return PFAIL(p, _("unknown key '%s' in a machine section"), k);
	return QC_OK;
}

static enum qc_status parse_weekdays(struct parser *p, const char *v, unsigned *mask)
{
	static const char *const names[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
	char *copy = qc_xstrdup(v), *save = NULL;
	*mask = 0;
	for (char *w = strtok_r(copy, " ,", &save); w; w = strtok_r(NULL, " ,", &save)) {
		int i;
		for (i = 0; i < 7 && strncmp(w, names[i], 3); i++)
			;
		if (i == 7) {
			enum qc_status st =
			    PFAIL(p, _("weekdays takes mon tue wed thu fri sat sun, not '%s'"), w);
			free(copy); /* after the message: w points into it */
			return st;
		}
		*mask |= 1u << i;
	}
	free(copy);
	return QC_OK;
}

/* closed = DATE or DATE DATE (an inclusive range) */
static enum qc_status calendar_key(struct parser *p, const char *k, const char *v)
{
	char a[16], b[16], extra[8];
	struct qc_date from, to;
	struct qc_catalog *c = p->cat;
	if (strcmp(k, "closed"))
		return PFAIL(
		    p, _("unknown key '%s' in the calendar section (closed = DATE [DATE])"), k);
	int n = sscanf(v, "%15s %15s %7s", a, b, extra);
	if (n < 1 || n > 2 || !qc_parse_date(a, &from) || (n == 2 && !qc_parse_date(b, &to)))
		return PFAIL(p, _("closed needs a date YYYY-MM-DD or two for a range"));
	if (n == 1)
		to = from;
	long days = qc_date_diff(from, to);
	if (days < 0 || days > 366)
		return PFAIL(p, _("a closed range runs forwards and lasts a year at most"));
	for (long i = 0; i <= days; i++) {
		struct qc_date d = qc_date_add(from, i);
		c->closed = qc_xrealloc(c->closed, (c->n_closed + 1) * sizeof(*c->closed));
		c->closed[c->n_closed][0] = d.y;
		c->closed[c->n_closed][1] = d.m;
		c->closed[c->n_closed][2] = d.d;
		c->n_closed++;
	}
	return QC_OK;
}

static enum qc_status review_key(struct parser *p, const char *k, const char *v)
{
	bool *field = !strcmp(k, "auto_approve")  ? &p->cat->review.auto_approve
		      : !strcmp(k, "self_review") ? &p->cat->review.self_review
						  : NULL;
	if (!field)
		return PFAIL(
		    p, _("unknown key '%s' in the review section (auto_approve, self_review)"), k);
	if (!parse_bool(v, field))
		return PFAIL(p, _("%s must be yes or no"), k);
	return QC_OK;
}

static enum qc_status freq_key(struct parser *p, const char *k, const char *v, bool append)
{
	struct qc_frequency *f = &p->cat->freqs[p->idx];
	long n;
	if (!strcmp(k, "name.fr"))
		return set_text(p, &f->name_fr, v, append);
	if (!strcmp(k, "name.en"))
		return set_text(p, &f->name_en, v, append);
	if (!strcmp(k, "every")) {
		char unit[16], extra[8];
		int cnt;
		if (sscanf(v, "%d %15s %7s", &cnt, unit, extra) != 2 || cnt < 1 || cnt > 400)
			return PFAIL(
			    p, _("every needs a count and a unit: '1 day', '2 weeks', '3 months'"));
		if (!strcmp(unit, "day") || !strcmp(unit, "days"))
			f->unit = 'd';
		else if (!strcmp(unit, "week") || !strcmp(unit, "weeks"))
			f->unit = 'w';
		else if (!strcmp(unit, "month") || !strcmp(unit, "months"))
			f->unit = 'm';
		else
			return PFAIL(
			    p, _("unknown unit '%s' (day, week or month, or their plural)"), unit);
		f->every = cnt;
	} else if (!strcmp(k, "treatment_days")) {
		if (!parse_bool(v, &f->treatment_days))
			return PFAIL(p, _("treatment_days must be yes or no"));
	} else if (!strcmp(k, "day")) {
		if (!qc_parse_int(v, &n) || n < 1 || n > 31)
			return PFAIL(p, _("day must be a day of the month from 1 to 31"));
		f->day = (int)n;
	} else if (!strcmp(k, "weekdays")) {
		return parse_weekdays(p, v, &f->weekdays);
	} else if (!strcmp(k, "start")) {
		struct qc_date d;
		if (!qc_parse_date(v, &d))
			return PFAIL(p, _("start must be a date YYYY-MM-DD"));
		f->start_y = d.y;
		f->start_m = d.m;
		f->start_d = d.d;
	} else if (!strcmp(k, "window_start") || !strcmp(k, "window_end")) {
		if (!qc_parse_int(v, &n) || n < 0 || n > 365)
			return PFAIL(p, _("%s must be a number of days from 0 to 365"), k);
		*(!strcmp(k, "window_start") ? &f->window_start : &f->window_end) = (int)n;
	} else
		return PFAIL(p, _("unknown key '%s' in a frequency section"), k);
	return QC_OK;
}

static enum qc_status test_key(struct parser *p, const char *k, const char *v, bool append)
{
	struct qc_test *t = cur_test(p);
	if (!strcmp(k, "name.fr"))
		return set_text(p, &t->name_fr, v, append);
	if (!strcmp(k, "name.en"))
		return set_text(p, &t->name_en, v, append);
	if (!strcmp(k, "instructions.fr"))
		return set_text(p, &t->instructions_fr, v, append);
	if (!strcmp(k, "instructions.en"))
		return set_text(p, &t->instructions_en, v, append);
	if (!strcmp(k, "frequency")) {
		if (!qc_strlcpy(t->frequency, v, sizeof(t->frequency)))
			return PFAIL(p, _("frequency id too long"));
	} else if (!strcmp(k, "input")) {
		if (strcmp(v, "images") && strcmp(v, "manual") && strcmp(v, "report"))
			return PFAIL(p, _("input must be images, manual or report"));
		qc_strlcpy(t->input, v, sizeof(t->input));
	} else if (!strcmp(k, "analysis")) {
		if (!ana_find(v))
			return PFAIL(p, _("unknown analysis '%s'"), v);
		qc_strlcpy(t->analysis, v, sizeof(t->analysis));
	} else if (!strcmp(k, "images")) {
		char extra[8];
		if (sscanf(v, "%d %d %7s", &t->min_images, &t->max_images, extra) != 2 ||
		    t->min_images < 1 || t->max_images < t->min_images)
			return PFAIL(p, _("images needs a minimum and a maximum count: '1 5'"));
	} else if (!strcmp(k, "field")) {
		double f[4] = {0, 0, 0, 0};
		int n = parse_numbers(v, f, 4);
		if ((n != 2 && n != 4) || f[0] <= 0 || f[1] <= 0)
			return PFAIL(p, _("field needs: width height [centre_x centre_y], in mm"));
		t->fields = qc_xrealloc(t->fields, (t->n_fields + 1) * sizeof(*t->fields));
		memcpy(t->fields[t->n_fields++], f, sizeof(f));
	} else
		return PFAIL(p, _("unknown key '%s' in a test section"), k);
	return QC_OK;
}

static enum qc_status measure_levels(struct parser *p, struct qc_mdef *m, const char *k,
				     const char *v)
{
	struct qc_levels *lv = &m->lv;
	if (!strcmp(k, "reference")) {
		if (!strcmp(v, "nominal")) {
			lv->ref_nominal = true;
			lv->has_ref = true;
		} else if (qc_parse_double(v, &lv->ref))
			lv->has_ref = true;
		else
			return PFAIL(p, _("reference must be a number or 'nominal', not '%s'"), v);
	} else if (!strcmp(k, "tolerance")) {
		if (!parse_band(v, &lv->has_tol_low, &lv->tol_low, &lv->has_tol_high,
				&lv->tol_high))
			return PFAIL(
			    p, _("tolerance must be 'X' (±X) or 'LOW HIGH' with '-' for none"));
	} else if (!strcmp(k, "action")) {
		if (!parse_band(v, &lv->has_act_low, &lv->act_low, &lv->has_act_high,
				&lv->act_high))
			return PFAIL(p,
				     _("action must be 'X' (±X) or 'LOW HIGH' with '-' for none"));
	} else if (!strcmp(k, "mode")) {
		if (strcmp(v, "absolute") && strcmp(v, "percent"))
			return PFAIL(p, _("mode must be absolute or percent"));
		lv->percent = !strcmp(v, "percent");
	} else
		return PFAIL(p, _("unknown key '%s' in a measure section"), k);
	return QC_OK;
}

static enum qc_status measure_key(struct parser *p, const char *k, const char *v, bool append)
{
	struct qc_mdef *m = &cur_test(p)->m[p->m_idx];
	long n;
	if (!strcmp(k, "label.fr"))
		return set_text(p, &m->label_fr, v, append);
	if (!strcmp(k, "label.en"))
		return set_text(p, &m->label_en, v, append);
	if (!strcmp(k, "unit")) {
		if (!qc_strlcpy(m->unit, v, sizeof(m->unit)))
			return PFAIL(p, _("unit too long"));
	} else if (!strcmp(k, "type")) {
		static const char *const types[] = {"number", "bool", "choice", "text"};
		size_t i;
		for (i = 0; i < QC_ARRAY_LEN(types) && strcmp(v, types[i]); i++)
			;
		if (i == QC_ARRAY_LEN(types))
			return PFAIL(p, _("type must be number, bool, choice or text"));
		m->type = (enum qc_mtype)i;
	} else if (!strcmp(k, "expected")) {
		if (!parse_bool(v, &m->expected_yes))
			return PFAIL(p, _("expected must be yes or no"));
	} else if (!strcmp(k, "warning_only")) {
		if (!parse_bool(v, &m->warning_only))
			return PFAIL(p, _("warning_only must be yes or no"));
	} else if (!strcmp(k, "choices"))
		return set_text(p, &m->choices, v, false);
	else if (!strcmp(k, "ok_choices"))
		return set_text(p, &m->ok_choices, v, false);
	else if (!strcmp(k, "tol_choices"))
		return set_text(p, &m->tol_choices, v, false);
	else if (!strcmp(k, "formula"))
		return set_text(p, &m->formula, v, false);
	else if (!strcmp(k, "range")) {
		double r[2];
		if (parse_numbers(v, r, 2) != 2 || r[0] >= r[1])
			return PFAIL(p,
				     _("range needs two numbers LOW HIGH (the plausible values)"));
		m->range_lo = r[0];
		m->range_hi = r[1];
		m->has_range = true;
	} else if (!strcmp(k, "readings")) {
		if (!qc_parse_int(v, &n) || n < 1 || n > 20)
			return PFAIL(p, _("readings must be an integer from 1 to 20"));
		m->readings = (int)n;
	} else
		return measure_levels(p, m, k, v);
	return QC_OK;
}

/* Sections without an id: [calendar] and [review]. */
static bool open_plain_section(struct parser *p, const char *hdr)
{
	char kind[32], extra[8];
	if (sscanf(hdr, "%31s %7s", kind, extra) != 1)
		return false;
	if (!strcmp(kind, "calendar"))
		p->sec = SEC_CALENDAR;
	else if (!strcmp(kind, "review"))
		p->sec = SEC_REVIEW;
	else
		return false;
	return true;
}

/* Checks that need the whole section: the pairs may be given after the boundary. */
static enum qc_status close_section(struct parser *p)
{
	if (p->sec != SEC_MACHINE || !p->boundary_line)
		return QC_OK;
	const struct qc_machine *m = cur_machine(p);
	int line = p->line;
	p->line = p->boundary_line;
	p->boundary_line = 0;
	enum qc_status st = QC_OK;
	if (m->leaf_boundary > m->leaf_pairs)
		st = PFAIL(p, _("leaf_boundary %d is not a leaf pair: the machine has %d pairs"),
			   m->leaf_boundary, m->leaf_pairs);
	p->line = line;
	return st;
}

/* Keys that add an item each time: a closed day, a nominal field. */
static bool repeatable(enum section sec, const char *k)
{
	return (sec == SEC_CALENDAR && !strcmp(k, "closed")) ||
	       (sec == SEC_TEST && !strcmp(k, "field"));
}

/* A second value for a key would silently replace the first: refuse it. */
static enum qc_status note_key(struct parser *p, const char *k)
{
	if (repeatable(p->sec, k))
		return QC_OK;
	for (size_t i = 0; i < p->n_seen; i++)
		if (!strcmp(p->seen[i].key, k))
			return PFAIL(p, _("'%s' given twice in this section (first on line %d)"), k,
				     p->seen[i].line);
	if (p->n_seen < QC_ARRAY_LEN(p->seen)) {
		qc_strlcpy(p->seen[p->n_seen].key, k, sizeof(p->seen[0].key));
		p->seen[p->n_seen++].line = p->line;
	}
	return QC_OK;
}

static enum qc_status open_section(struct parser *p, char *hdr)
{
	enum qc_status st = close_section(p);
	if (st)
		return st;
	p->n_seen = 0;
	if (open_plain_section(p, hdr))
		return QC_OK;
	char kind[32], id[96], extra[8];
	struct qc_catalog *c = p->cat;
	if (sscanf(hdr, "%31s %95s %7s", kind, id, extra) != 2)
		return PFAIL(p, _("a section header is [machine ID], [frequency ID], [test ID] or "
				  "[measure TEST.NAME]"));
	if (!strcmp(kind, "machine")) {
		if (!valid_id(id, sizeof(c->machines->id)))
			return PFAIL(p, _("bad machine id '%s' (lower case, digits, _)"), id);
		if (cat_find_machine(c, id))
			return PFAIL(p, _("machine '%s' defined twice"), id);
		c->machines = qc_xrealloc(c->machines, (c->n_machines + 1) * sizeof(*c->machines));
		struct qc_machine *m = memset(&c->machines[c->n_machines], 0, sizeof(*m));
		qc_strlcpy(m->id, id, sizeof(m->id));
		m->leaf_boundary = -1;
		p->sec = SEC_MACHINE;
		p->idx = c->n_machines++;
		if (!c->default_machine[0])
			qc_strlcpy(c->default_machine, id, sizeof(c->default_machine));
	} else if (!strcmp(kind, "frequency")) {
		if (!valid_id(id, sizeof(c->freqs->id)))
			return PFAIL(p, _("bad frequency id '%s' (lower case, digits, _)"), id);
		if (cat_find_freq(c, id))
			return PFAIL(p, _("frequency '%s' defined twice"), id);
		c->freqs = qc_xrealloc(c->freqs, (c->n_freqs + 1) * sizeof(*c->freqs));
		struct qc_frequency *f = memset(&c->freqs[c->n_freqs], 0, sizeof(*f));
		qc_strlcpy(f->id, id, sizeof(f->id));
		f->line = p->line;
		f->window_start = -1;
		p->sec = SEC_FREQ;
		p->idx = c->n_freqs++;
	} else if (!strcmp(kind, "test")) {
		if (!valid_id(id, sizeof(c->tests->id)))
			return PFAIL(p, _("bad test id '%s' (lower case, digits, _)"), id);
		if (cat_find_test(c, id))
			return PFAIL(p, _("test '%s' defined twice"), id);
		c->tests = qc_xrealloc(c->tests, (c->n_tests + 1) * sizeof(*c->tests));
		struct qc_test *t = memset(&c->tests[c->n_tests], 0, sizeof(*t));
		qc_strlcpy(t->id, id, sizeof(t->id));
		t->line = p->line;
		t->min_images = t->max_images = 1;
		p->sec = SEC_TEST;
		p->idx = c->n_tests++;
	} else if (!strcmp(kind, "measure")) {
		char *dot = strchr(id, '.');
		if (!dot)
			return PFAIL(p, _("a measure is named TEST.NAME, not '%s'"), id);
		*dot = '\0';
		const struct qc_test *ct = cat_find_test(c, id);
		if (!ct)
			return PFAIL(p, _("measure for unknown test '%s' (define the test first)"),
				     id);
		struct qc_test *t = &c->tests[ct - c->tests];
		if (!valid_measure_name(dot + 1, sizeof(t->m->name)))
			return PFAIL(p,
				     _("bad measure name '%s' (lower case, digits, _, '.' between "
				       "words, '*' in a pattern)"),
				     dot + 1);
		if (cat_find_mdef_exact(t, dot + 1))
			return PFAIL(p, _("measure '%s.%s' defined twice"), id, dot + 1);
		t->m = qc_xrealloc(t->m, (t->n_m + 1) * sizeof(*t->m));
		struct qc_mdef *m = memset(&t->m[t->n_m], 0, sizeof(*m));
		qc_strlcpy(m->name, dot + 1, sizeof(m->name));
		m->line = p->line;
		m->readings = 1;
		m->expected_yes = true;
		p->sec = SEC_MEASURE;
		p->idx = (size_t)(t - c->tests);
		p->m_idx = t->n_m++;
	} else
		return PFAIL(p, _("unknown section kind '%s'"), kind);
	return QC_OK;
}

static enum qc_status parse_line(struct parser *p, char *line)
{
	char *hash = strchr(line, '#');
	if (hash)
		*hash = '\0';
	qc_trim(line);
	if (!*line)
		return QC_OK;
	if (*line == '[') {
		char *end = strchr(line, ']');
		if (!end || end[1])
			return PFAIL(p, _("unterminated section header"));
		*end = '\0';
		return open_section(p, line + 1);
	}
	char *eq = strchr(line, '=');
	if (!eq)
		return PFAIL(p, _("expected 'key = value'"));
	bool append = eq > line && eq[-1] == '+';
	*(append ? eq - 1 : eq) = '\0';
	char *k = qc_trim(line), *v = qc_trim(eq + 1);
	if (!*k)
		return PFAIL(p, _("missing key before '='"));
	if (!*v)
		return PFAIL(p, _("missing value for '%s'"), k);
	qc_strlcpy(p->last_key, k, sizeof(p->last_key));
	enum qc_status st = append || p->sec == SEC_NONE ? QC_OK : note_key(p, k);
	if (st)
		return st;
	switch (p->sec) {
	case SEC_MACHINE: return machine_key(p, k, v);
	case SEC_FREQ: return freq_key(p, k, v, append);
	case SEC_TEST: return test_key(p, k, v, append);
	case SEC_MEASURE: return measure_key(p, k, v, append);
	case SEC_CALENDAR: return calendar_key(p, k, v);
	case SEC_REVIEW: return review_key(p, k, v);
	case SEC_NONE: break;
	}
	return PFAIL(p, _("'%s' outside any section"), k);
}

static bool ordered(bool ha, double a, bool hb, double b)
{
	return !ha || !hb || a <= b;
}

struct formula_check {
	const struct qc_test *t;
	const struct qc_mdef *self;
	const struct qc_mdef *later; /* a formula used before it is computed */
};

/* Names are other numeric measures of the test; formulas are computed in catalogue order, so a
 * formula may use only those above it. */
static bool check_lookup(void *ud, const char *name, double *v)
{
	struct formula_check *fc = ud;
	const struct qc_mdef *m = cat_find_mdef(fc->t, name);
	*v = 1.0;
	if (!m || m->type != QC_MT_NUMBER)
		return false;
	if (m->formula && m >= fc->self) {
		if (!fc->later)
			fc->later = m;
		return false;
	}
	return true;
}

static enum qc_status check_formula(struct parser *p, const struct qc_test *t,
				    const struct qc_mdef *m)
{
	struct formula_check fc = {t, m, NULL};
	char err[160];
	if (m->type != QC_MT_NUMBER)
		return PFAIL(p, _("%s.%s: a formula gives a number"), t->id, m->name);
	if (cat_formula_check(m->formula, check_lookup, &fc, err, sizeof(err)))
		return QC_OK;
	if (fc.later == m)
		return PFAIL(p, _("%s.%s: formula '%s' refers to itself"), t->id, m->name,
			     m->formula);
	if (fc.later)
		return PFAIL(p,
			     _("%s.%s: formula '%s' uses %s, a formula computed after it (define "
			       "[measure %s.%s] first)"),
			     t->id, m->name, m->formula, fc.later->name, t->id, fc.later->name);
	return PFAIL(p, _("%s.%s: formula '%s': %s"), t->id, m->name, m->formula, err);
}

static enum qc_status check_levels(struct parser *p, const struct qc_test *t,
				   const struct qc_mdef *m)
{
	const struct qc_levels *lv = &m->lv;
	p->line = m->line;
	double lows[4] = {lv->act_low, lv->tol_low, lv->tol_high, lv->act_high};
	bool has[4] = {lv->has_act_low, lv->has_tol_low, lv->has_tol_high, lv->has_act_high};
	for (int i = 0; i < 4; i++)
		for (int j = i + 1; j < 4; j++)
			if (!ordered(has[i], lows[i], has[j], lows[j]))
				return PFAIL(p,
					     _("%s.%s: levels must satisfy act_low <= tol_low <= "
					       "tol_high <= act_high"),
					     t->id, m->name);
	if (qc_levels_any(lv) && m->type != QC_MT_NUMBER)
		return PFAIL(p, _("%s.%s: tolerance levels apply to numbers only"), t->id, m->name);
	if (lv->percent && (!lv->has_ref || (!lv->ref_nominal && lv->ref == 0)))
		return PFAIL(p, _("%s.%s: percent levels need a non-zero reference"), t->id,
			     m->name);
	if (m->type == QC_MT_CHOICE && !m->choices)
		return PFAIL(p, _("%s.%s: a choice needs 'choices = a|b|c'"), t->id, m->name);
	/* A choice is stored as the answer's text: one that does not fit could never be taken. */
	for (const char *c = m->choices; c && *c;) {
		size_t len = strcspn(c, "|");
		if (len > QC_ANSWER_MAX)
			return PFAIL(p, _("%s.%s: the choice '%.*s...' is longer than %d bytes"),
				     t->id, m->name, 20, c, QC_ANSWER_MAX);
		c += len + (c[len] == '|');
	}
	if (!m->label_fr || !m->label_en)
		return PFAIL(p, _("%s.%s: label.fr and label.en are both required"), t->id,
			     m->name);
	if (m->formula)
		return check_formula(p, t, m);
	return QC_OK;
}

/* Uniform widths from leaf_pairs x leaf_width_mm, the isocentre boundary in the middle. */
static void complete_machines(struct qc_catalog *c)
{
	for (size_t i = 0; i < c->n_machines; i++) {
		struct qc_machine *m = &c->machines[i];
		if (m->leaf_pairs && m->leaf_widths_mm[0] == 0)
			for (int k = 0; k < m->leaf_pairs; k++)
				m->leaf_widths_mm[k] = m->leaf_width_mm;
		if (m->leaf_boundary < 0)
			m->leaf_boundary = m->leaf_pairs / 2;
		if (!m->leaf_travel)
			m->leaf_travel = 'y';
	}
}

static enum qc_status check_catalog(struct parser *p)
{
	struct qc_catalog *c = p->cat;
	complete_machines(c);
	for (size_t i = 0; i < c->n_freqs; i++)
		if (!c->freqs[i].every || !c->freqs[i].name_fr || !c->freqs[i].name_en) {
			p->line = c->freqs[i].line;
			return PFAIL(p, _("frequency '%s' needs every, name.fr and name.en"),
				     c->freqs[i].id);
		}
	for (size_t i = 0; i < c->n_tests; i++) {
		const struct qc_test *t = &c->tests[i];
		p->line = t->line;
		if (!t->name_fr || !t->name_en)
			return PFAIL(p, _("test '%s' needs name.fr and name.en"), t->id);
		if (!t->frequency[0] || !cat_find_freq(c, t->frequency))
			return PFAIL(p, _("test '%s': unknown or missing frequency '%s'"), t->id,
				     t->frequency);
		if (!t->input[0])
			return PFAIL(p, _("test '%s' needs input = images, manual or report"),
				     t->id);
		if (t->analysis[0] && strcmp(t->input, "images"))
			return PFAIL(p, _("test '%s': an analysis needs input = images"), t->id);
		for (size_t j = 0; j < t->n_m; j++) {
			enum qc_status st = check_levels(p, t, &t->m[j]);
			if (st)
				return st;
			if (cat_mdef_is_pattern(&t->m[j]) && !strcmp(t->input, "manual")) {
				p->line = t->m[j].line;
				return PFAIL(p,
					     _("measure '%s.%s': a pattern ('*') judges the values "
					       "of an analysis, not typed ones"),
					     t->id, t->m[j].name);
			}
		}
	}
	return QC_OK;
}

enum qc_status cat_parse(const char *text, const char *name, struct qc_catalog *cat)
{
	struct parser p = {.name = name, .cat = cat};
	enum qc_status st = QC_OK;
	memset(cat, 0, sizeof(*cat));
	cat->source = qc_xstrdup(name);
	cat->text = qc_xstrdup(text);
	for (const char *s = text; *s && !st;) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		char *line = qc_xmalloc(len + 1);
		memcpy(line, s, len);
		line[len] = '\0';
		p.line++;
		st = parse_line(&p, line);
		free(line);
		s += len + (nl ? 1 : 0);
	}
	if (!st)
		st = close_section(&p);
	if (!st)
		st = check_catalog(&p);
	if (!st && !cat->n_tests)
		st = qc_fail(QC_ERR_FORMAT, _("%s: no test defined"), name);
	if (st)
		cat_release(cat);
	return st;
}

enum qc_status cat_load_default(struct qc_catalog *cat)
{
	return cat_parse(qc_embed_catalog, "(built-in)", cat);
}

enum qc_status cat_load_file(const char *path, struct qc_catalog *cat)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return qc_fail(QC_ERR_IO, _("cannot open catalogue '%s': %s"), path,
			       qc_errno_text(errno));
	struct qc_buf b = {0};
	char chunk[8192];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		qc_buf_addn(&b, chunk, n);
	bool err = ferror(f);
	fclose(f);
	if (err) {
		qc_buf_release(&b);
		return qc_fail(QC_ERR_IO, _("cannot read catalogue '%s'"), path);
	}
	char *text = qc_buf_detach(&b);
	if (strlen(text) != b.len && b.len) {
		free(text);
		return qc_fail(QC_ERR_FORMAT, _("%s: contains a NUL byte (not a text file)"), path);
	}
	enum qc_status st = cat_parse(text, path, cat);
	free(text);
	return st;
}

static void release_mdef(struct qc_mdef *m)
{
	free(m->label_fr);
	free(m->label_en);
	free(m->choices);
	free(m->ok_choices);
	free(m->tol_choices);
	free(m->formula);
}

void cat_release(struct qc_catalog *cat)
{
	for (size_t i = 0; i < cat->n_tests; i++) {
		struct qc_test *t = &cat->tests[i];
		free(t->name_fr);
		free(t->name_en);
		free(t->instructions_fr);
		free(t->instructions_en);
		free(t->fields);
		for (size_t j = 0; j < t->n_m; j++)
			release_mdef(&t->m[j]);
		free(t->m);
	}
	for (size_t i = 0; i < cat->n_freqs; i++) {
		free(cat->freqs[i].name_fr);
		free(cat->freqs[i].name_en);
	}
	free(cat->tests);
	free(cat->freqs);
	free(cat->machines);
	free(cat->source);
	free(cat->text);
	free(cat->closed);
	memset(cat, 0, sizeof(*cat));
}

const struct qc_test *cat_find_test(const struct qc_catalog *cat, const char *id)
{
	for (size_t i = 0; i < cat->n_tests; i++)
		if (!strcmp(cat->tests[i].id, id))
			return &cat->tests[i];
	return NULL;
}

const struct qc_frequency *cat_find_freq(const struct qc_catalog *cat, const char *id)
{
	for (size_t i = 0; i < cat->n_freqs; i++)
		if (!strcmp(cat->freqs[i].id, id))
			return &cat->freqs[i];
	return NULL;
}

const struct qc_mdef *cat_find_mdef_exact(const struct qc_test *t, const char *name)
{
	for (size_t i = 0; i < t->n_m; i++)
		if (!strcmp(t->m[i].name, name))
			return &t->m[i];
	return NULL;
}

const struct qc_mdef *cat_find_mdef(const struct qc_test *t, const char *name)
{
	const struct qc_mdef *m = cat_find_mdef_exact(t, name);
	for (size_t i = 0; !m && i < t->n_m; i++)
		if (cat_mdef_is_pattern(&t->m[i]) && cat_pattern_match(t->m[i].name, name))
			m = &t->m[i];
	return m;
}

const struct qc_machine *cat_find_machine(const struct qc_catalog *cat, const char *id)
{
	for (size_t i = 0; i < cat->n_machines; i++)
		if (!strcmp(cat->machines[i].id, id))
			return &cat->machines[i];
	return NULL;
}

static const char *pick(const char *fr, const char *en)
{
	const char *s = qc_lang_fr() ? fr : en;
	return s ? s : (fr ? fr : (en ? en : ""));
}

const char *cat_test_name(const struct qc_test *t)
{
	return pick(t->name_fr, t->name_en);
}

const char *cat_test_instructions(const struct qc_test *t)
{
	return pick(t->instructions_fr, t->instructions_en);
}

const char *cat_mdef_label(const struct qc_mdef *m)
{
	return pick(m->label_fr, m->label_en);
}

const char *cat_measure_label(const struct qc_mdef *m, const char *name, char *buf, size_t n)
{
	const char *label = m ? cat_mdef_label(m) : NULL;
	if (!label || !*label)
		return name;
	const char *at[MAX_STARS];
	size_t len[MAX_STARS];
	if (!strchr(label, '*') || !glob(m->name, name, at, len, 0))
		return label;
	size_t o = 0;
	int k = 0, stars = 0;
	for (const char *c = m->name; *c; c++)
		stars += *c == '*';
	for (const char *c = label; *c && o + 1 < n; c++) {
		if (*c == '*' && k < stars && k < MAX_STARS) {
			for (size_t j = 0; j < len[k] && o + 1 < n; j++)
				buf[o++] = at[k][j];
			k++;
		} else {
			buf[o++] = *c;
		}
	}
	buf[o] = '\0';
	return buf;
}

const char *cat_freq_name(const struct qc_frequency *f)
{
	return pick(f->name_fr, f->name_en);
}

void cat_analysis_context(const struct qc_catalog *cat, const struct qc_test *t,
			  struct ana_context *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->machines = cat->machines;
	ctx->n_machines = cat->n_machines;
	if (t) {
		ctx->nominal_fields = (const double(*)[4])t->fields;
		ctx->n_nominal_fields = t->n_fields;
	}
}
