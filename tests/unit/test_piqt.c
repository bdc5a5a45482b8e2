/* PIQT report import: every value and limit of the real Unity report, header facts, bad input. */
#include <math.h>
#include <stdlib.h>

#include "../../src/analysis/ana_int.h"
#include "qc/catalog.h"
#include "test.h"

#define REPORT "mrl/piqt/unity_PIQT_report_2018-06.htm"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	REQUIRE(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)n + 1);
	REQUIRE(buf && fread(buf, 1, (size_t)n, f) == (size_t)n);
	fclose(f);
	buf[n] = '\0';
	*len = (size_t)n;
	return buf;
}

/* The report read by eye: name, value (NAN = printed " - "), limit kind, bounds, unit. */
static const struct expect {
	const char *name;
	double value;
	enum ana_limit_kind limit;
	double lo, hi;
	const char *unit;
} expected[] = {
    /* Flood Field Uniformity (1): QA1H echoes 1 and 2, QA2H */
    {"flood.qa1h.e1.snr", 71.8, ANA_LIMIT_ABOVE, 66, 66, ""},
    {"flood.qa1h.e2.snr", 55.28, ANA_LIMIT_ABOVE, 49, 49, ""},
    {"flood.qa2h.e1.snr", 64.24, ANA_LIMIT_ABOVE, 54, 54, ""},
    {"flood.qa1h.e1.uniformity_pct", 39.54, ANA_LIMIT_BELOW, 42, 42, "%"},
    {"flood.qa1h.e2.uniformity_pct", 40.83, ANA_LIMIT_BELOW, 42, 42, "%"},
    {"flood.qa2h.e1.uniformity_pct", 40.52, ANA_LIMIT_BELOW, 42, 42, "%"},
    {"flood.qa1h.e1.artefact_level", NAN, ANA_LIMIT_NONE, 0, 0, ""},
    {"flood.qa1h.e2.artefact_level", NAN, ANA_LIMIT_NONE, 0, 0, ""},
    {"flood.qa2h.e1.artefact_level", NAN, ANA_LIMIT_NONE, 0, 0, ""},
    /* Flood Field Uniformity (2): QA3B, three echoes */
    {"flood.qa3b.e1.snr", 59.07, ANA_LIMIT_ABOVE, 45, 45, ""},
    {"flood.qa3b.e2.snr", 51.87, ANA_LIMIT_ABOVE, 39, 39, ""},
    {"flood.qa3b.e3.snr", 41.31, ANA_LIMIT_ABOVE, 30, 30, ""},
    {"flood.qa3b.e1.uniformity_pct", 5.94, ANA_LIMIT_BELOW, 10, 10, "%"},
    {"flood.qa3b.e2.uniformity_pct", 6.48, ANA_LIMIT_BELOW, 10, 10, "%"},
    {"flood.qa3b.e3.uniformity_pct", 6.5, ANA_LIMIT_BELOW, 10, 10, "%"},
    {"flood.qa3b.e1.artefact_level", NAN, ANA_LIMIT_NONE, 0, 0, ""},
    {"flood.qa3b.e2.artefact_level", NAN, ANA_LIMIT_NONE, 0, 0, ""},
    {"flood.qa3b.e3.artefact_level", NAN, ANA_LIMIT_NONE, 0, 0, ""},
    /* Spatial Linearity: QA1H echo 1 */
    {"linearity.qa1h.e1.diff_lin_2_44", 0.04, ANA_LIMIT_NONE, 0, 0, ""},
    {"linearity.qa1h.e1.diff_lin_3_43", 0.01, ANA_LIMIT_NONE, 0, 0, ""},
    {"linearity.qa1h.e1.diff_lin_4_42", 0.05, ANA_LIMIT_NONE, 0, 0, ""},
    {"linearity.qa1h.e1.diff_lin_7_39", 0.09, ANA_LIMIT_NONE, 0, 0, ""},
    {"linearity.qa1h.e1.diff_lin_11_35", -0.02, ANA_LIMIT_NONE, 0, 0, ""},
    {"linearity.qa1h.e1.diff_lin_13_33", 0.02, ANA_LIMIT_NONE, 0, 0, ""},
    {"linearity.qa1h.e1.diff_lin_19_27", -0.02, ANA_LIMIT_NONE, 0, 0, ""},
    {"linearity.qa1h.e1.diff_lin_20_26", 0.01, ANA_LIMIT_NONE, 0, 0, ""},
    {"linearity.qa1h.e1.nema_pct_diff", 0.09, ANA_LIMIT_BELOW, 0.5, 0.5, "%"},
    /* Slice Profile: QA1H echoes 1 and 2, QA2H */
    {"slice.qa1h.e1.angle_deg", 11.1, ANA_LIMIT_NONE, 0, 0, "deg"},
    {"slice.qa1h.e2.angle_deg", 11.13, ANA_LIMIT_NONE, 0, 0, "deg"},
    {"slice.qa2h.e1.angle_deg", 11.12, ANA_LIMIT_NONE, 0, 0, "deg"},
    {"slice.qa1h.e1.position_shift_mm", -0.04, ANA_LIMIT_NONE, 0, 0, "mm"},
    {"slice.qa1h.e2.position_shift_mm", -0.05, ANA_LIMIT_NONE, 0, 0, "mm"},
    {"slice.qa2h.e1.position_shift_mm", -0.08, ANA_LIMIT_NONE, 0, 0, "mm"},
    {"slice.qa1h.e1.fwhm_mm", 5, ANA_LIMIT_RANGE, 4.65, 5.15, "mm"},
    {"slice.qa1h.e2.fwhm_mm", 4.72, ANA_LIMIT_RANGE, 4.45, 4.95, "mm"},
    {"slice.qa2h.e1.fwhm_mm", 5.03, ANA_LIMIT_RANGE, 4.75, 5.25, "mm"},
    {"slice.qa1h.e1.fwtm_mm", 7.06, ANA_LIMIT_BELOW, 8, 8, "mm"},
    {"slice.qa1h.e2.fwtm_mm", 0, ANA_LIMIT_NONE, 0, 0, "mm"},
    {"slice.qa2h.e1.fwtm_mm", 11.33, ANA_LIMIT_NONE, 0, 0, "mm"},
    {"slice.qa1h.e1.slice_integral_mm", 5.13, ANA_LIMIT_RANGE, 4.85, 5.35, "mm"},
    {"slice.qa1h.e2.slice_integral_mm", 4.89, ANA_LIMIT_RANGE, 4.65, 5.15, "mm"},
    {"slice.qa2h.e1.slice_integral_mm", 5.21, ANA_LIMIT_RANGE, 4.9, 5.4, "mm"},
    /* Spatial Resolution: QA1H echoes 1 and 2 */
    {"resolution.qa1h.e1.pixel_h_mm", 1.13, ANA_LIMIT_BELOW, 1.3, 1.3, "mm"},
    {"resolution.qa1h.e2.pixel_h_mm", 1.09, ANA_LIMIT_BELOW, 1.3, 1.3, "mm"},
    {"resolution.qa1h.e1.pixel_v_mm", 1.34, ANA_LIMIT_BELOW, 1.5, 1.5, "mm"},
    {"resolution.qa1h.e2.pixel_v_mm", 1.39, ANA_LIMIT_BELOW, 1.5, 1.5, "mm"},
    /* Per scan, for trends */
    {"scan.qa1h.central_freq_hz", 63873452, ANA_LIMIT_NONE, 0, 0, "Hz"},
    {"scan.qa2h.central_freq_hz", 63873452, ANA_LIMIT_NONE, 0, 0, "Hz"},
    {"scan.qa3b.central_freq_hz", 63873452, ANA_LIMIT_NONE, 0, 0, "Hz"},
    {"scan.qa1h.drive", 0.89, ANA_LIMIT_NONE, 0, 0, ""},
    {"scan.qa2h.drive", 0.89, ANA_LIMIT_NONE, 0, 0, ""},
    {"scan.qa3b.drive", 0.89, ANA_LIMIT_NONE, 0, 0, ""},
};

static const struct ana_piqt_value *value_of(const struct ana_piqt_meta *m, const char *name)
{
	for (size_t i = 0; i < m->n_values; i++)
		if (!strcmp(m->values[i].name, name))
			return &m->values[i];
	return NULL;
}

static enum qc_status parse_text(const char *html, struct qc_result *res,
				 struct ana_piqt_meta *meta)
{
	qc_result_init(res, 0);
	return ana_piqt_parse(html, strlen(html), res, meta);
}

TEST(piqt_real_report_every_value_and_limit)
{
	size_t len;
	char *html = slurp(t_shared(REPORT), &len);
	struct qc_result res;
	struct ana_piqt_meta meta;
	qc_result_init(&res, 0);
	REQUIRE_OK(ana_piqt_parse(html, len, &res, &meta));
	free(html);
	/* Exactly the values of the report: nothing missing, nothing added. */
	CHECKF(res.n_m == QC_ARRAY_LEN(expected), "%zu measurements, expected %zu", res.n_m,
	       QC_ARRAY_LEN(expected));
	for (size_t i = 0; i < QC_ARRAY_LEN(expected); i++) {
		const struct expect *e = &expected[i];
		const struct qc_measure *m = qc_result_find(&res, e->name, -1);
		CHECKF(m, "no measurement %s", e->name);
		if (!m)
			continue;
		CHECK_STR(m->unit, e->unit);
		if (isnan(e->value)) {
			CHECKF(!m->has_value, "%s should be null", e->name);
			CHECK_STR(m->note, "not given in the PIQT report");
		} else {
			CHECKF(m->has_value && m->value == e->value, "%s = %g, expected %g",
			       e->name, m->value, e->value);
		}
		if (qc_starts_with(e->name, "scan."))
			continue;
		const struct ana_piqt_value *v = value_of(&meta, e->name);
		REQUIRE(v);
		CHECKF(v->limit == e->limit, "%s: limit kind %d, expected %d", e->name, v->limit,
		       e->limit);
		if (e->limit == ANA_LIMIT_NONE) {
			CHECK_STR(v->limit_text, "");
			continue;
		}
		CHECKF(v->lo == e->lo && v->hi == e->hi, "%s: limit %g..%g, expected %g..%g",
		       e->name, v->lo, v->hi, e->lo, e->hi);
		CHECK(v->limit_source == 'C');
		CHECK(v->strict == (e->limit != ANA_LIMIT_RANGE));
		/* a range becomes a nominal value in the middle */
		CHECK(m->has_nominal == (e->limit == ANA_LIMIT_RANGE));
		if (m->has_nominal)
			CHECK_NEAR(m->nominal, 0.5 * (e->lo + e->hi), 1e-12);
	}
	/* Labels, scans and echo times travel with the values. */
	const struct ana_piqt_value *v = value_of(&meta, "flood.qa1h.e1.snr");
	REQUIRE(v);
	CHECK_STR(v->label, "Nema S/N (B)");
	CHECK_STR(v->section, "Flood Field Uniformity");
	CHECK_STR(v->scan, "QA1H:MS,SE");
	CHECK_STR(v->limit_text, "C > 66");
	CHECK(v->echo == 1 && v->echo_time_ms == 30);
	v = value_of(&meta, "flood.qa3b.e3.snr");
	REQUIRE(v);
	CHECK(v->echo == 3 && v->echo_time_ms == 150);
	v = value_of(&meta, "slice.qa1h.e1.fwhm_mm");
	REQUIRE(v);
	CHECK_STR(v->limit_text, "C4.65 - 5.15");
	CHECK_STR(v->label, "Nema_FWHM");
	/* Limits as catalogue levels: the verdicts of the report's own values come out OK, and
	 * values just beyond a limit come out ACTION. */
	for (size_t i = 0; i < meta.n_values; i++) {
		const struct ana_piqt_value *x = &meta.values[i];
		struct qc_levels lv;
		ana_piqt_levels(x, &lv);
		if (x->limit == ANA_LIMIT_NONE) {
			CHECK(!qc_levels_any(&lv));
			continue;
		}
		CHECKF(qc_levels_eval(&lv, x->value) == QC_V_OK, "%s", x->name);
		if (x->limit != ANA_LIMIT_BELOW)
			CHECKF(qc_levels_eval(&lv, x->lo - 0.01) == QC_V_ACT, "%s", x->name);
		if (x->limit != ANA_LIMIT_ABOVE)
			CHECKF(qc_levels_eval(&lv, x->hi + 0.01) == QC_V_ACT, "%s", x->name);
	}
	char text[64];
	struct qc_levels lv;
	ana_piqt_levels(value_of(&meta, "flood.qa1h.e1.snr"), &lv);
	qc_levels_format(&lv, text, sizeof(text), true);
	CHECK_STR(text, "- / >= 66"); /* no tolerance band, the action band */
	qc_result_release(&res);
	ana_piqt_meta_release(&meta);
}

TEST(piqt_real_report_header_facts)
{
	size_t len;
	char *html = slurp(t_shared(REPORT), &len);
	struct qc_result res;
	struct ana_piqt_meta meta;
	qc_result_init(&res, 0);
	REQUIRE_OK(ana_piqt_parse(html, len, &res, &meta));
	free(html);
	CHECK_STR(meta.date, "Fri, 22 Jun 2018 08:02:57");
	CHECK_STR(meta.date_iso, "2018-06-22T08:02:57");
	CHECK_STR(meta.list_type, "MRL with SPEC");
	CHECK_STR(meta.verification, "C: wa15r5v3l30_gr11_rf2_l02_irf.cust");
	CHECK_STR(meta.field_strength, "WA15");
	CHECK_STR(meta.magnet, "WA_MRL_15T");
	CHECK_STR(meta.gradient_coil, "WideApertureMRL");
	CHECK_STR(meta.rf_chain, "Standard iRF");
	CHECK_STR(meta.rf_amplifier, "S35_64");
	CHECK_STR(meta.tested_by, "-");
	REQUIRE(meta.n_scans == 3);
	static const char *const names[] = {"QA1H:MS,SE", "QA2H:MS,FE", "QA3B:2D,SE"};
	static const char *const keys[] = {"qa1h", "qa2h", "qa3b"};
	static const char *const times[] = {"11:35", "11:39", "11:42"};
	static const char *const coils[] = {"irf; irf", "irf; irf", "irf"};
	for (int i = 0; i < 3; i++) {
		CHECK_STR(meta.scans[i].name, names[i]);
		CHECK_STR(meta.scans[i].key, keys[i]);
		CHECK_STR(meta.scans[i].date, "2018-06-07");
		CHECK_STR(meta.scans[i].time, times[i]);
		CHECK_STR(meta.scans[i].coil, coils[i]);
		CHECK(meta.scans[i].central_freq_hz == 63873452);
		CHECK(meta.scans[i].drive == 0.89);
	}
	qc_result_release(&res);
	ana_piqt_meta_release(&meta);
}

/* A minimal report in the Philips layout, with a result row given as text. */
static char *mini(const char *title, const char *result_row)
{
	return qc_xasprintf(
	    "<html><head><title>SPT report</title></head><body>"
	    "<span><br><b><font size=\"3\">%s</font></b></span>"
	    "<table><tr><td>Date</td><td>Mon, 02 Jan 2023 09:10:11</td></tr></table>"
	    "<table border=\"1\"><tr><td colspan=\"1\">Scan_Name</td>"
	    "<td colspan=\"2\">QA1H:MS,SE</td></tr>"
	    "<tr><td colspan=\"1\">Echo_No</td><td colspan=\"2\">1</td></tr>%s</table>"
	    "</body></html>",
	    title, result_row);
}

TEST(piqt_tolerant_markup)
{
	/* Unescaped '<' without spaces, escaped '&gt;', unclosed cells, upper-case tags, a
	 * comment and a style block: the same values come out. */
	char *html =
	    mini("Flood Field Uniformity",
		 "<!-- a comment with <td> inside --><style>td { x: 1 }</style>"
		 "<TR><TD colspan=1>Nema S/N (B)<TD colspan='1'>80.5<TD colspan=1>C &gt; 66"
		 "<tr><td colspan=1>Nema_Int_Unif</td><td colspan=1>3.5</td>"
		 "<td colspan=1>C<10</td></tr>");
	struct qc_result res;
	struct ana_piqt_meta meta;
	REQUIRE_OK(parse_text(html, &res, &meta));
	free(html);
	const struct ana_piqt_value *v = value_of(&meta, "flood.qa1h.e1.snr");
	REQUIRE(v);
	CHECK(v->value == 80.5 && v->limit == ANA_LIMIT_ABOVE && v->lo == 66);
	v = value_of(&meta, "flood.qa1h.e1.uniformity_pct");
	REQUIRE(v);
	CHECK(v->value == 3.5 && v->limit == ANA_LIMIT_BELOW && v->hi == 10);
	CHECK_STR(meta.date_iso, "2023-01-02T09:10:11");
	qc_result_release(&res);
	ana_piqt_meta_release(&meta);
}

TEST(piqt_unknown_rows_and_sections_keep_their_labels)
{
	char *html =
	    mini("Ghost Level Test", "<tr><td colspan=1>Ghost_Max (%)</td><td colspan=1>0.7</td>"
				     "<td colspan=1>S &lt;= 2.5</td></tr>");
	struct qc_result res;
	struct ana_piqt_meta meta;
	REQUIRE_OK(parse_text(html, &res, &meta));
	free(html);
	const struct ana_piqt_value *v = value_of(&meta, "ghost_level_test.qa1h.e1.ghost_max");
	REQUIRE(v);
	CHECK(v->value == 0.7 && v->limit == ANA_LIMIT_BELOW && v->hi == 2.5 && !v->strict);
	CHECK(v->limit_source == 'S');
	qc_result_release(&res);
	ana_piqt_meta_release(&meta);
}

static void check_error(const char *html, const char *needle)
{
	struct qc_result res;
	struct ana_piqt_meta meta;
	enum qc_status st = parse_text(html, &res, &meta);
	CHECKF(st == QC_ERR_FORMAT, "status %d for: %s", st, needle);
	CHECKF(strstr(qc_errmsg(), needle), "message '%s' lacks '%s'", qc_errmsg(), needle);
	qc_result_release(&res);
}

TEST(piqt_errors_name_the_section)
{
	char *html = mini("Slice Profile", "<tr><td colspan=1>Nema_FWHM</td><td colspan=1>5</td>"
					   "<td colspan=1>C4.65 ~ 5.15</td></tr>");
	check_error(html, "section 1 'Slice Profile': row 'Nema_FWHM': cannot read the limit "
			  "'C4.65 ~ 5.15'");
	free(html);
	html = mini("Spatial Resolution",
		    "<tr><td colspan=1>Hor_pxl_size</td><td colspan=1>1.13</td></tr>");
	check_error(html, "section 1 'Spatial Resolution': row 'Hor_pxl_size': a value without "
			  "its limit cell");
	free(html);
	html = mini("Spatial Linearity", "<tr><td colspan=1>diff_lin</td><td colspan=2>1</td>"
					 "<td colspan=2>2</td></tr>");
	check_error(html, "section 1 'Spatial Linearity': row 'diff_lin' has more values");
	free(html);
	/* A titled section without its results table. */
	check_error("<b>Flood Field Uniformity</b><table><tr><td>Date</td><td>x</td></tr></table>"
		    "<b>Slice Profile</b><table><tr><td>Scan_Name</td><td colspan=2>QA1</td></tr>"
		    "</table></html>",
		    "section 1 'Flood Field Uniformity': no results table");
	check_error("<html><body><p>hello</p></body></html>", "not a PIQT report");
	check_error("", "not a PIQT report");
	/* Truncated in the middle of a tag: no crash, a clear error. */
	check_error("<table><tr><td colspan=\"1\">Scan_Na", "not a PIQT report");
}

/* The real report cut short anywhere after its first results table: an error naming the
 * section where it stops, never a silently shorter list of values. */
TEST(piqt_truncated_report)
{
	size_t len;
	char *html = slurp(t_shared(REPORT), &len);
	static const struct {
		const char *cut_after, *section;
	} cuts[] = {
	    {"Nema_Int_Unif", "section 1 'Flood Field Uniformity'"},
	    {"71.8</td>", "section 1 'Flood Field Uniformity'"}, /* between a value and its limit */
	    {"nema_perc_dif.", "section 3 'Spatial Linearity'"},
	    {"Hor_pxl_size", "section 5 'Spatial Resolution'"},
	    {"</table></body>", "section 5 'Spatial Resolution'"},
	};
	for (size_t i = 0; i < QC_ARRAY_LEN(cuts); i++) {
		const char *at = strstr(html, cuts[i].cut_after);
		REQUIRE(at);
		struct qc_result res;
		struct ana_piqt_meta meta;
		qc_result_init(&res, 0);
		enum qc_status st = ana_piqt_parse(
		    html, (size_t)(at - html) + strlen(cuts[i].cut_after), &res, &meta);
		CHECK(st == QC_ERR_FORMAT);
		CHECKF(strstr(qc_errmsg(), cuts[i].section) && strstr(qc_errmsg(), "truncated"),
		       "%s", qc_errmsg());
		qc_result_release(&res);
	}
	free(html);
}
