/* piqt: reads the values, limits and header facts of a Philips PIQT HTML report (no file I/O). */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ana_int.h"
#include "htmltab.h"
#include "qc/catalog.h"

/* Rows of a results table that describe the acquisition, not a result. */
static const char *const scan_rows[] = {
    "Patient",	   "Scan_Name",		 "Scan_Date", "Scan_Time", "Bw/Pixel",	   "Trans_Q",
    "Drive",	   "RF_Factor",		 "Rec_Q",     "Req_Att",   "Central_freq", "Coil_type",
    "Actual_12nc", "Original_serial_nr",
};
static const char *const echo_rows[] = {
    "Scan_Seq",	   "Off_cen_dist", "Image_Type",     "Slice_No",	"Echo_No",
    "Dyn_Scan_No", "Dist_sel",	   "Echo_Time",	     "SNR_Factor",	"Meas_Ok",
    "Verify_Ok",   "Nema_Phantom", "Nema_Prof_Type", "Nema_Phant_Rot.",
};

/* Readable names of the known result rows; other rows get a name made from their label. */
static const struct {
	const char *label, *name, *unit;
} quantities[] = {
    {"Nema S/N (B)", "snr", ""},
    {"Nema_Int_Unif", "uniformity_pct", "%"},
    {"Art_Level", "artefact_level", ""},
    {"nema_perc_dif.", "nema_pct_diff", "%"},
    {"Nema_Angle", "angle_deg", "deg"},
    {"Nema_Pos_shift", "position_shift_mm", "mm"},
    {"Nema_FWHM", "fwhm_mm", "mm"},
    {"Nema_FWTM", "fwtm_mm", "mm"},
    {"Nema_Slice_int.", "slice_integral_mm", "mm"},
    {"Hor_pxl_size", "pixel_h_mm", "mm"},
    {"Ver_pxl_size", "pixel_v_mm", "mm"},
};

static const struct {
	const char *title, *key;
} sections[] = {
    {"Flood Field Uniformity", "flood"},
    {"Spatial Linearity", "linearity"},
    {"Slice Profile", "slice"},
    {"Spatial Resolution", "resolution"},
};

static bool in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (qc_streq_nocase(s, list[i]))
			return true;
	return false;
}

/* Lower-case letters and digits, other runs as one '_': "diff_lin_(2-44)" -> "diff_lin_2_44". */
static void slug(const char *s, char *out, size_t n)
{
	size_t k = 0;
	for (; *s && k + 1 < n; s++) {
		if (isalnum((unsigned char)*s))
			out[k++] = (char)tolower((unsigned char)*s);
		else if (k && out[k - 1] != '_')
			out[k++] = '_';
	}
	while (k && out[k - 1] == '_')
		k--;
	out[k] = '\0';
}

/* The state of one section while its tables are read. */
struct section {
	const struct ana_html_table *tb;
	const char *title;
	int ordinal;
	char key[24];
	int n_cols; /* echo columns: each takes two grid units after the label */
	int scan_of[32];
	int echo_of[32]; /* Echo_No of each column, 0 when not given */
	double te_of[32];
};

struct parse {
	struct qc_result *res;
	struct ana_piqt_meta *meta;
	struct section sec;
};

static enum qc_status sec_fail(const struct section *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static enum qc_status sec_fail(const struct section *s, const char *fmt, ...)
{
	char what[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return qc_fail(QC_ERR_FORMAT, _("PIQT report, section %d '%s': %s"), s->ordinal,
		       s->title ? s->title : _("untitled"), what);
}

static const char *first(const struct ana_html_row *r)
{
	return r->n ? r->c[0].text : "";
}

/* The cell of row r covering grid unit g (the label is unit 0), or NULL. */
static const struct ana_html_cell *cell_at(const struct ana_html_row *r, int g, int *start)
{
	int pos = 0;
	for (size_t i = 0; i < r->n; i++) {
		if (g >= pos && g < pos + r->c[i].span) {
			*start = pos;
			return &r->c[i];
		}
		pos += r->c[i].span;
	}
	return NULL;
}

static void header_table(struct parse *p, const struct ana_html_table *tb)
{
	struct ana_piqt_meta *m = p->meta;
	for (size_t i = 0; i < tb->n; i++) {
		const struct ana_html_row *r = &tb->r[i];
		const char *l = first(r), *v = r->n > 1 ? r->c[1].text : "";
		if (qc_streq_nocase(l, "Date") && !m->date[0])
			qc_strlcpy(m->date, v, sizeof(m->date));
		else if (qc_streq_nocase(l, "List Type") && !m->list_type[0])
			qc_strlcpy(m->list_type, v, sizeof(m->list_type));
		else if (qc_starts_with(l, "Applied Verification") && i + 1 < tb->n &&
			 !m->verification[0])
			qc_strlcpy(m->verification, first(&tb->r[i + 1]), sizeof(m->verification));
	}
}

/* Label/value pairs: Field Strength, Magnet, Gradient Coil, RF Chain ... */
static void hardware_table(struct parse *p, const struct ana_html_table *tb)
{
	static const struct {
		const char *label;
		size_t off;
	} keys[] = {
	    {"Field Strength", offsetof(struct ana_piqt_meta, field_strength)},
	    {"Magnet", offsetof(struct ana_piqt_meta, magnet)},
	    {"Gradient Coil", offsetof(struct ana_piqt_meta, gradient_coil)},
	    {"RF Chain", offsetof(struct ana_piqt_meta, rf_chain)},
	    {"RF Amplifier", offsetof(struct ana_piqt_meta, rf_amplifier)},
	    {"Tested by", offsetof(struct ana_piqt_meta, tested_by)},
	};
	for (size_t i = 0; i < tb->n; i++)
		for (size_t j = 0; j + 1 < tb->r[i].n; j += 2)
			for (size_t k = 0; k < QC_ARRAY_LEN(keys); k++) {
				char *dst = (char *)p->meta + keys[k].off;
				if (qc_streq_nocase(tb->r[i].c[j].text, keys[k].label) && !dst[0])
					qc_strlcpy(dst, tb->r[i].c[j + 1].text, ANA_PIQT_TEXT);
			}
}

static const struct ana_html_row *find_row(const struct ana_html_table *tb, const char *label)
{
	for (size_t i = 0; i < tb->n; i++)
		if (qc_streq_nocase(first(&tb->r[i]), label))
			return &tb->r[i];
	return NULL;
}

/* "07-06-2018" -> "2018-06-07"; other forms are kept as printed. */
static void iso_day(const char *s, char *out, size_t n)
{
	int d, mo, y;
	char tail;
	if (sscanf(s, "%d-%d-%d%c", &d, &mo, &y, &tail) == 3 && d >= 1 && d <= 31 && mo >= 1 &&
	    mo <= 12 && y > 1900 && y < 10000) {
		char buf[32];
		snprintf(buf, sizeof(buf), "%04d-%02d-%02d", y, mo, d);
		qc_strlcpy(out, buf, n);
	} else {
		qc_strlcpy(out, s, n);
	}
}

static int scan_index(struct parse *p, const char *name)
{
	struct ana_piqt_meta *m = p->meta;
	for (size_t i = 0; i < m->n_scans; i++)
		if (!strcmp(m->scans[i].name, name))
			return (int)i;
	if (m->n_scans == ANA_PIQT_MAX_SCANS)
		return -1;
	struct ana_piqt_scan *s = memset(&m->scans[m->n_scans], 0, sizeof(*s));
	qc_strlcpy(s->name, name, sizeof(s->name));
	/* The part before ':' names the scan ("QA1H:MS,SE" -> qa1h); a clash gets a number. */
	char base[sizeof(s->name)];
	qc_strlcpy(base, name, sizeof(base));
	base[strcspn(base, ":")] = '\0';
	slug(base, s->key, sizeof(s->key));
	if (!s->key[0])
		qc_strlcpy(s->key, "scan", sizeof(s->key));
	for (size_t i = 0; i < m->n_scans; i++)
		if (!strcmp(m->scans[i].key, s->key)) {
			size_t l = strlen(s->key);
			snprintf(s->key + (l > 12 ? 12 : l), sizeof(s->key) - 12, "_%zu",
				 m->n_scans + 1);
			break;
		}
	s->central_freq_hz = s->drive = NAN;
	return (int)m->n_scans++;
}

/* Scan-wide facts of one scan, read from the cell of `label` over grid unit g. */
static void scan_facts(struct parse *p, int scan, int g)
{
	struct ana_piqt_scan *s = &p->meta->scans[scan];
	const struct ana_html_table *tb = p->sec.tb;
	int start;
	const struct ana_html_row *r;
	const struct ana_html_cell *c;
#define FACT(label) ((r = find_row(tb, label)) && (c = cell_at(r, g, &start)) ? c->text : NULL)
	const char *v;
	if ((v = FACT("Scan_Date")) && !s->date[0])
		iso_day(v, s->date, sizeof(s->date));
	if ((v = FACT("Scan_Time")) && !s->time[0])
		qc_strlcpy(s->time, v, sizeof(s->time));
	if ((v = FACT("Coil_type")) && !s->coil[0])
		qc_strlcpy(s->coil, v, sizeof(s->coil));
	double d;
	if ((v = FACT("Central_freq")) && isnan(s->central_freq_hz) && qc_parse_double(v, &d))
		s->central_freq_hz = d;
	if ((v = FACT("Drive")) && isnan(s->drive) && qc_parse_double(v, &d))
		s->drive = d;
#undef FACT
}

/* Maps the grid: each echo column (two units) to its scan, Echo_No and echo time. */
static enum qc_status layout(struct parse *p)
{
	struct section *s = &p->sec;
	const struct ana_html_row *names = find_row(s->tb, "Scan_Name");
	if (!names || names->n < 2)
		return sec_fail(s, "%s", _("no Scan_Name row in the results table"));
	int pos = names->c[0].span;
	if (pos != 1)
		return sec_fail(s, "%s", _("the Scan_Name label spans several columns"));
	s->n_cols = 0;
	for (size_t i = 1; i < names->n; i++) {
		int span = names->c[i].span;
		if (span % 2)
			return sec_fail(s, _("scan '%s' spans an odd number of columns"),
					names->c[i].text);
		int scan = scan_index(p, names->c[i].text);
		if (scan < 0)
			return sec_fail(s, _("more than %d scans"), 16);
		for (int k = 0; k < span / 2 && s->n_cols < 32; k++)
			s->scan_of[s->n_cols++] = scan;
		scan_facts(p, scan, pos);
		pos += span;
	}
	const struct ana_html_row *echo = find_row(s->tb, "Echo_No"),
				  *te = find_row(s->tb, "Echo_Time");
	for (int k = 0; k < s->n_cols; k++) {
		int start;
		const struct ana_html_cell *c;
		long e;
		double t;
		s->echo_of[k] = echo && (c = cell_at(echo, 1 + 2 * k, &start)) &&
					qc_parse_int(c->text, &e) && e > 0 && e < 100
				    ? (int)e
				    : 0;
		s->te_of[k] =
		    te && (c = cell_at(te, 1 + 2 * k, &start)) && qc_parse_double(c->text, &t)
			? t
			: NAN;
	}
	return QC_OK;
}

/* "C > 66", "C < 42", "C4.65 - 5.15", "" -> a limit; false when unreadable. */
static bool parse_limit(const char *text, struct ana_piqt_value *v)
{
	char buf[64];
	qc_strlcpy(buf, text, sizeof(buf));
	char *s = qc_trim(buf);
	qc_strlcpy(v->limit_text, s, sizeof(v->limit_text));
	v->limit = ANA_LIMIT_NONE;
	if (!*s)
		return true;
	if (isalpha((unsigned char)*s)) /* where the limit comes from: C = customer file */
		v->limit_source = *s++;
	while (*s == ' ')
		s++;
	if (*s == '>' || *s == '<') {
		v->limit = *s == '>' ? ANA_LIMIT_ABOVE : ANA_LIMIT_BELOW;
		v->strict = s[1] != '=';
		s += 1 + !v->strict;
		double x;
		if (!qc_parse_double(s, &x))
			return false;
		v->lo = v->hi = x;
		return true;
	}
	/* A range: the separator is a '-' that follows a number. */
	char *end;
	double a = strtod(s, &end);
	if (end == s)
		return false;
	while (*end == ' ')
		end++;
	if (*end != '-')
		return false;
	double b;
	if (!qc_parse_double(end + 1, &b) || b < a)
		return false;
	v->limit = ANA_LIMIT_RANGE;
	v->strict = false;
	v->lo = a;
	v->hi = b;
	return true;
}

static bool name_taken(const struct qc_result *res, const char *name)
{
	for (size_t i = 0; i < res->n_m; i++)
		if (!strcmp(res->m[i].name, name))
			return true;
	return false;
}

/* Adds a value to the table of the meta and to the result; a repeated name gets ".2", ".3" ... */
static struct ana_piqt_value *add_value(struct parse *p, const char *name, const char *unit,
					const char *text)
{
	struct ana_piqt_meta *m = p->meta;
	qc_grow(&m->values, &m->cap_values, m->n_values + 1, sizeof(*m->values));
	struct ana_piqt_value *v = memset(&m->values[m->n_values++], 0, sizeof(*v));
	qc_strlcpy(v->name, name, sizeof(v->name));
	for (int k = 2; k < 1000 && name_taken(p->res, v->name); k++) {
		char buf[64];
		snprintf(buf, sizeof(buf), "%.40s.%d", name, k);
		qc_strlcpy(v->name, buf, sizeof(v->name));
	}
	qc_strlcpy(v->unit, unit, sizeof(v->unit));
	qc_strlcpy(v->text, text, sizeof(v->text));
	v->has_value = qc_parse_double(text, &v->value);
	if (v->has_value) {
		qc_result_add(p->res, v->name, unit, -1, v->value);
	} else {
		char note[160];
		if (!text[0] || !strcmp(text, "-"))
			snprintf(note, sizeof(note), "%s", _("not given in the PIQT report"));
		else
			snprintf(note, sizeof(note), _("the PIQT report gives '%.60s'"), text);
		qc_result_add_null(p->res, v->name, unit, -1, note);
	}
	return v;
}

/* A result row: one value (with its limit when printed) per echo column. */
static enum qc_status result_row(struct parse *p, const struct ana_html_row *r)
{
	struct section *s = &p->sec;
	const char *label = first(r), *qname = NULL, *unit = "";
	char own[32];
	for (size_t i = 0; i < QC_ARRAY_LEN(quantities); i++)
		if (qc_streq_nocase(label, quantities[i].label)) {
			qname = quantities[i].name;
			unit = quantities[i].unit;
		}
	if (!qname) {
		slug(label, own, sizeof(own));
		if (!own[0])
			return sec_fail(s, "%s", _("a results row has no label"));
		qname = own;
	}
	int g = r->c[0].span;
	for (size_t i = 1; i < r->n; g += r->c[i].span, i++) {
		const struct ana_html_cell *c = &r->c[i], *lim = NULL;
		int col = (g - 1) / 2;
		if (c->span == 1) {
			/* a value and its limit, one unit each */
			if ((g - 1) % 2 || i + 1 >= r->n || r->c[i + 1].span != 1)
				return sec_fail(s, _("row '%s': a value without its limit cell"),
						label);
			lim = &r->c[i + 1];
		} else if ((g - 1) % 2 || c->span % 2) {
			return sec_fail(
			    s, _("row '%s': cells do not line up with the echo columns"), label);
		}
		if (col >= s->n_cols)
			return sec_fail(s, _("row '%s' has more values than the table has scans"),
					label);
		struct ana_piqt_scan *sc = &p->meta->scans[s->scan_of[col]];
		char name[128];
		/* a cell over several echoes of one scan is a value of the scan */
		if (c->span > 2)
			snprintf(name, sizeof(name), "%s.%s.%s", s->key, sc->key, qname);
		else
			snprintf(name, sizeof(name), "%s.%s.e%d.%s", s->key, sc->key,
				 s->echo_of[col] ? s->echo_of[col] : col + 1, qname);
		struct ana_piqt_value *v = add_value(p, name, unit, c->text);
		qc_strlcpy(v->section, s->title ? s->title : "", sizeof(v->section));
		qc_strlcpy(v->scan, sc->name, sizeof(v->scan));
		qc_strlcpy(v->label, label, sizeof(v->label));
		v->echo = c->span > 2 ? 0 : s->echo_of[col];
		v->echo_time_ms = c->span > 2 ? NAN : s->te_of[col];
		if (lim && !parse_limit(lim->text, v))
			return sec_fail(s, _("row '%s': cannot read the limit '%s'"), label,
					lim->text);
		if (v->limit == ANA_LIMIT_RANGE) {
			struct qc_measure *q = &p->res->m[p->res->n_m - 1];
			q->has_nominal = true;
			q->nominal = 0.5 * (v->lo + v->hi);
		}
		if (lim)
			i++, g += lim->span;
	}
	return QC_OK;
}

static enum qc_status results_table(struct parse *p)
{
	enum qc_status st = layout(p);
	if (st)
		return st;
	const struct ana_html_table *tb = p->sec.tb;
	for (size_t i = 0; i < tb->n; i++) {
		const struct ana_html_row *r = &tb->r[i];
		const char *l = first(r);
		if (r->n < 2 || in_list(l, scan_rows, QC_ARRAY_LEN(scan_rows)) ||
		    in_list(l, echo_rows, QC_ARRAY_LEN(echo_rows)))
			continue;
		if ((st = result_row(p, r)))
			return st;
	}
	return QC_OK;
}

static void section_key(const char *title, char *key, size_t n)
{
	for (size_t i = 0; i < QC_ARRAY_LEN(sections); i++)
		if (title && qc_streq_nocase(title, sections[i].title)) {
			qc_strlcpy(key, sections[i].key, n);
			return;
		}
	slug(title ? title : "section", key, n);
}

/* Trendable facts of each scan as measurements: central frequency and RF drive. */
static void scan_measures(struct parse *p)
{
	for (size_t i = 0; i < p->meta->n_scans; i++) {
		const struct ana_piqt_scan *s = &p->meta->scans[i];
		char name[48];
		snprintf(name, sizeof(name), "scan.%s.central_freq_hz", s->key);
		if (!isnan(s->central_freq_hz))
			qc_result_add(p->res, name, "Hz", -1, s->central_freq_hz);
		snprintf(name, sizeof(name), "scan.%s.drive", s->key);
		if (!isnan(s->drive))
			qc_result_add(p->res, name, "", -1, s->drive);
	}
}

static void iso_report_date(struct ana_piqt_meta *m)
{
	static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	char wd[8], mn[8], buf[64] = "";
	int d, y, hh, mm, ss;
	/* "Fri, 22 Jun 2018 08:02:57" */
	if (sscanf(m->date, "%7[A-Za-z], %d %7s %d %d:%d:%d", wd, &d, mn, &y, &hh, &mm, &ss) != 7)
		return;
	for (int k = 0; k < 12; k++)
		if (qc_streq_nocase(mn, mon[k]))
			snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d", y, k + 1, d, hh,
				 mm, ss);
	qc_strlcpy(m->date_iso, buf, sizeof(m->date_iso));
}

void ana_piqt_levels(const struct ana_piqt_value *v, struct qc_levels *lv)
{
	memset(lv, 0, sizeof(*lv));
	switch (v->limit) {
	case ANA_LIMIT_NONE: return;
	case ANA_LIMIT_ABOVE:
		lv->has_ref = true; /* reference 0: the bound is on the value itself */
		lv->has_act_low = true;
		lv->act_low = v->lo;
		return;
	case ANA_LIMIT_BELOW:
		lv->has_ref = true;
		lv->has_act_high = true;
		lv->act_high = v->hi;
		return;
	case ANA_LIMIT_RANGE:
		lv->has_ref = true;
		lv->ref = 0.5 * (v->lo + v->hi);
		lv->has_act_low = lv->has_act_high = true;
		lv->act_low = v->lo - lv->ref;
		lv->act_high = v->hi - lv->ref;
		return;
	}
}

void ana_piqt_meta_release(struct ana_piqt_meta *m)
{
	free(m->values);
	memset(m, 0, sizeof(*m));
}

/* Checks that come before reading any value: is it a PIQT report, and a whole one. */
static enum qc_status whole_report(const struct ana_html_doc *doc)
{
	bool any = false;
	for (size_t i = 0; i < doc->n; i++)
		any |= find_row(&doc->t[i], "Scan_Name") != NULL;
	if (!any)
		return qc_fail(QC_ERR_FORMAT,
			       _("not a PIQT report: no results table with a Scan_Name "
				 "row"));
	if (!doc->closed) {
		const struct ana_html_table *last = &doc->t[doc->n - 1];
		return qc_fail(
		    QC_ERR_FORMAT,
		    _("PIQT report, section %d '%s': the report stops there, without its "
		      "closing </html> (a truncated file?)"),
		    last->ordinal, last->title ? last->title : _("untitled"));
	}
	/* a titled section whose results table is missing: say which */
	for (size_t i = 0; i < doc->n; i++) {
		const struct ana_html_table *tb = &doc->t[i];
		bool has_results = false;
		for (size_t j = 0; j < doc->n; j++)
			if (doc->t[j].ordinal == tb->ordinal && find_row(&doc->t[j], "Scan_Name"))
				has_results = true;
		if (!has_results && tb->title)
			return qc_fail(
			    QC_ERR_FORMAT,
			    _("PIQT report, section %d '%s': no results table (no Scan_Name "
			      "row)"),
			    tb->ordinal, tb->title);
	}
	return QC_OK;
}

enum qc_status ana_piqt_parse(const char *html, size_t len, struct qc_result *res,
			      struct ana_piqt_meta *meta)
{
	struct ana_html_doc doc = {0};
	struct parse p = {.res = res, .meta = meta};
	memset(meta, 0, sizeof(*meta));
	ana_html_tables(html, len, &doc);
	enum qc_status st = whole_report(&doc);
	for (size_t i = 0; i < doc.n && !st; i++) {
		const struct ana_html_table *tb = &doc.t[i];
		const char *l = tb->n ? first(&tb->r[0]) : "";
		if (qc_streq_nocase(l, "Date")) {
			header_table(&p, tb);
		} else if (qc_streq_nocase(l, "Field Strength")) {
			hardware_table(&p, tb);
		} else if (find_row(tb, "Scan_Name")) {
			p.sec =
			    (struct section){.tb = tb, .title = tb->title, .ordinal = tb->ordinal};
			section_key(tb->title, p.sec.key, sizeof(p.sec.key));
			st = results_table(&p);
		}
	}
	if (!st) {
		scan_measures(&p);
		iso_report_date(meta);
	}
	ana_html_release(&doc);
	if (st)
		ana_piqt_meta_release(meta);
	return st;
}
