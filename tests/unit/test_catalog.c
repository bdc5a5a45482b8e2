/* Catalogue parsing and checking, tolerance verdicts at their borders, session judging. */
#include <stdlib.h>

#include "qc/catalog.h"
#include "qc/i18n.h"
#include "qc/session.h"
#include "test.h"

static const char *const minimal = "[machine m]\n"
				   "name = M\n"
				   "[frequency weekly]\n"
				   "name.fr = Hebdo\n"
				   "name.en = Weekly\n"
				   "every = 1 week\n"
				   "[test t]\n"
				   "name.fr = Essai\n"
				   "name.en = Trial\n"
				   "frequency = weekly\n"
				   "input = manual\n";

/* Parses minimal + extra and expects an error containing fragment (NULL: success). */
static void expect(const char *extra, const char *fragment)
{
	struct qc_catalog cat;
	char *text = qc_xasprintf("%s%s", minimal, extra);
	enum qc_status st = cat_parse(text, "site.cat", &cat);
	if (!fragment) {
		CHECKF(st == QC_OK, "'%s' rejected: %s", extra, qc_errmsg());
		if (st == QC_OK)
			cat_release(&cat);
	} else {
		CHECKF(st == QC_ERR_FORMAT, "'%s' accepted, expected '%s'", extra, fragment);
		CHECKF(strstr(qc_errmsg(), fragment) != NULL, "message '%s' lacks '%s'",
		       qc_errmsg(), fragment);
	}
	free(text);
}

TEST(catalog_default_loads_every_test)
{
	struct qc_catalog cat;
	REQUIRE_OK(cat_load_default(&cat));
	static const char *const ids[] = {
	    "safety",	    "output_daily",  "helium",	       "mvic_field",
	    "mvic_slit",    "leaf_position", "piqt",	       "couch",
	    "lasers",	    "quasar",	     "beam_quality",   "mr_mv",
	    "picket_fence", "isocentre",     "output_monthly", "acr"};
	for (size_t i = 0; i < QC_ARRAY_LEN(ids); i++)
		CHECKF(cat_find_test(&cat, ids[i]) != NULL, "missing test %s", ids[i]);
	const struct qc_test *t = cat_find_test(&cat, "mvic_field");
	REQUIRE(t);
	CHECK_STR(t->name_fr, "MVIC – Champ");
	CHECK_STR(t->analysis, "mvic_field");
	CHECK(t->n_fields == 5 && t->fields[0][0] == 150 && t->fields[0][1] == 85);
	const struct qc_mdef *w = cat_find_mdef(t, "width_mm");
	REQUIRE(w);
	CHECK(w->lv.ref_nominal && w->lv.tol_high == 1 && w->lv.act_low == -2);
	const struct qc_machine *m = cat_find_machine(&cat, "unity");
	REQUIRE(m);
	CHECK(m->has_iso && m->iso_col == 511.03 && m->iso_row == 652.75);
	CHECK_STR(m->match_model, "ELEKTA UNITY MVIC");
	CHECK_STR(cat.default_machine, "unity");
	CHECK(cat_find_mdef(cat_find_test(&cat, "safety"), "door_interlock")->type == QC_MT_BOOL);
	cat_release(&cat);
}

TEST(catalog_errors_name_file_and_line)
{
	expect("", NULL);
	expect("[test t]\nname.fr = x\n", "site.cat:12: test 't' defined twice");
	expect("bogus = 1\n", "site.cat:12: unknown key 'bogus' in a test section");
	expect("[measure t.x]\nlabel.fr = a\nlabel.en = b\ntolerance = abc\n",
	       "site.cat:15: tolerance must be");
	expect("[measure t.x]\nlabel.fr = a\nlabel.en = b\ntolerance = 2\naction = 1\n",
	       "site.cat:12: t.x: levels must satisfy");
	expect("[measure u.x]\n", "site.cat:12: measure for unknown test 'u'");
	expect("[measure t.x]\nlabel.fr = a\nlabel.en = b\nmode = percent\nreference = 0\n"
	       "tolerance = 1\n",
	       "percent levels need a non-zero reference");
	expect("[measure t.x]\nlabel.fr = a\n", "label.fr and label.en are both required");
	expect("[test u]\nname.fr = a\nname.en = b\nfrequency = hourly\ninput = manual\n",
	       "site.cat:12: test 'u': unknown or missing frequency 'hourly'");
	expect("[test u]\nname.fr = a\nname.en = b\nfrequency = weekly\ninput = images\n"
	       "analysis = nothing\n",
	       "site.cat:17: unknown analysis 'nothing'");
	expect("[machine m2]\nmv_iso_px = 511\n", "site.cat:13: mv_iso_px needs two");
	expect("[widget w]\n", "site.cat:12: unknown section kind 'widget'");
}

TEST(catalog_outside_section_and_syntax)
{
	struct qc_catalog cat;
	CHECK(cat_parse("name = x\n", "a.cat", &cat) == QC_ERR_FORMAT);
	CHECK(strstr(qc_errmsg(), "a.cat:1: 'name' outside any section") != NULL);
	CHECK(cat_parse("[test x\n", "a.cat", &cat) == QC_ERR_FORMAT);
	CHECK(strstr(qc_errmsg(), "a.cat:1: unterminated section header") != NULL);
	CHECK(cat_parse("# only a comment\n", "a.cat", &cat) == QC_ERR_FORMAT);
	CHECK(strstr(qc_errmsg(), "no test defined") != NULL);
	CHECK(cat_load_file("/nonexistent/x.cat", &cat) == QC_ERR_IO);
	CHECK(strstr(qc_errmsg(), "cannot open catalogue '/nonexistent/x.cat'") != NULL);
}

/* The physicist reads the catalogue's errors in the interface language, after the same
 * "file:line: " prefix. */
TEST(catalog_errors_in_french)
{
	struct qc_catalog cat;
	t_speak_french();
	CHECK(cat_parse("name = x\n", "a.cat", &cat) == QC_ERR_FORMAT);
	CHECK_STR(qc_errmsg(), "a.cat:1: « name » en dehors de toute section");
	CHECK(cat_parse("[widget w]\n", "a.cat", &cat) == QC_ERR_FORMAT);
	CHECK_STR(qc_errmsg(), "a.cat:1: type de section inconnu « widget »");
	char *text = qc_xasprintf("%s[measure t.b]\nlabel.fr = b\nlabel.en = b\nformula = (a * 2\n",
				  "[frequency m]\nname.fr = M\nname.en = M\nevery = 1 month\n"
				  "[test t]\nname.fr = T\nname.en = T\nfrequency = m\n"
				  "input = manual\n[measure t.a]\nlabel.fr = a\nlabel.en = a\n");
	CHECK(cat_parse(text, "f.cat", &cat) == QC_ERR_FORMAT);
	CHECKF(
	    strstr(qc_errmsg(), "f.cat:13: t.b : formule « (a * 2 » : parenthèse « ) » manquante"),
	    "%s", qc_errmsg());
	free(text);
	t_speak_english();
	CHECK(cat_parse("[widget w]\n", "a.cat", &cat) == QC_ERR_FORMAT);
	CHECK_STR(qc_errmsg(), "a.cat:1: unknown section kind 'widget'");
}

TEST(catalog_continuation_and_one_sided_levels)
{
	struct qc_catalog cat;
	char *text = qc_xasprintf("%s%s", minimal,
				  "instructions.fr = ligne 1\ninstructions.fr += ligne 2\n"
				  "[measure t.level]\nlabel.fr = a\nlabel.en = b\nreference = 0\n"
				  "tolerance = 70 -\naction = 65 -\n");
	REQUIRE_OK(cat_parse(text, "x.cat", &cat));
	const struct qc_test *t = cat_find_test(&cat, "t");
	CHECK_STR(t->instructions_fr, "ligne 1\nligne 2");
	const struct qc_mdef *m = cat_find_mdef(t, "level");
	CHECK(m->lv.has_tol_low && !m->lv.has_tol_high && m->lv.tol_low == 70);
	CHECK(qc_levels_eval(&m->lv, 71) == QC_V_OK);
	CHECK(qc_levels_eval(&m->lv, 70) == QC_V_OK);
	CHECK(qc_levels_eval(&m->lv, 69.9) == QC_V_TOL);
	CHECK(qc_levels_eval(&m->lv, 65) == QC_V_TOL);
	CHECK(qc_levels_eval(&m->lv, 64.99) == QC_V_ACT);
	CHECK(qc_levels_eval(&m->lv, 1000) == QC_V_OK);
	char buf[64];
	qc_levels_format(&m->lv, buf, sizeof(buf), false);
	CHECK_STR(buf, "≥ 70 / ≥ 65");
	cat_release(&cat);
	free(text);
}

TEST(levels_borders_absolute_and_percent)
{
	struct qc_levels lv = {.has_ref = true,
			       .ref = 150,
			       .has_tol_low = true,
			       .tol_low = -1,
			       .has_tol_high = true,
			       .tol_high = 1,
			       .has_act_low = true,
			       .act_low = -2,
			       .has_act_high = true,
			       .act_high = 2};
	CHECK(qc_levels_eval(&lv, 150) == QC_V_OK);
	CHECK(qc_levels_eval(&lv, 151) == QC_V_OK); /* borders count as inside */
	CHECK(qc_levels_eval(&lv, 149) == QC_V_OK);
	CHECK(qc_levels_eval(&lv, 151.0001) == QC_V_TOL);
	CHECK(qc_levels_eval(&lv, 152) == QC_V_TOL);
	CHECK(qc_levels_eval(&lv, 147.9999) == QC_V_ACT);
	CHECK(qc_levels_eval(&lv, NAN) == QC_V_NOT_DONE);
	/* 0.1 + 0.2 on a border of 0.3 is on the border, not beyond it. */
	struct qc_levels f = {.has_ref = true, .ref = 0, .has_tol_high = true, .tol_high = 0.3};
	CHECK(qc_levels_eval(&f, 0.1 + 0.2) == QC_V_OK);
	/* Percent of a negative reference: the deviation is relative to |ref|. */
	struct qc_levels p = {.has_ref = true,
			      .ref = -2,
			      .percent = true,
			      .has_tol_low = true,
			      .tol_low = -10,
			      .has_tol_high = true,
			      .tol_high = 10};
	CHECK(qc_levels_eval(&p, -2.2) == QC_V_OK);
	CHECK(qc_levels_eval(&p, -1.8) == QC_V_OK);
	CHECK(qc_levels_eval(&p, -2.21) == QC_V_TOL);
	struct qc_levels none = {0};
	CHECK(qc_levels_eval(&none, 5) == QC_V_NO_TOL);
	char buf[64];
	qc_levels_format(&lv, buf, sizeof(buf), true);
	CHECK_STR(buf, "+/-1 / +/-2");
	/* A count that must stay at 0 (missing fields, closed pairs). */
	struct qc_levels zero = {.has_tol_low = true, .tol_low = -0.0, .has_tol_high = true};
	qc_levels_format(&zero, buf, sizeof(buf), false);
	CHECK_STR(buf, "±0 / -");
	CHECK(qc_levels_eval(&zero, 0) == QC_V_OK && qc_levels_eval(&zero, 1) == QC_V_TOL);
	CHECK(qc_verdict_worst(QC_V_OK, QC_V_ACT) == QC_V_ACT);
	CHECK(qc_verdict_worst(QC_V_TOL, QC_V_NOT_DONE) == QC_V_TOL);
	CHECK(qc_verdict_worst(QC_V_NO_TOL, QC_V_OK) == QC_V_OK);
}

TEST(session_judges_against_nominal_and_writes_json)
{
	struct qc_catalog cat;
	REQUIRE_OK(cat_load_default(&cat));
	const struct qc_test *t = cat_find_test(&cat, "mvic_field");
	struct qc_result res;
	qc_result_init(&res, 1);
	struct qc_measure *w = qc_result_add(&res, "width_mm", "mm", 0, 151.5);
	w->has_nominal = true;
	w->nominal = 150;
	qc_result_add(&res, "height_mm", "mm", 0, 84.0); /* no nominal: not judged */
	qc_result_add_null(&res, "edge_top_mm", "mm", 0, "top edge \"outside\"");
	qc_result_add(&res, "corner_tl_deg", "deg", 0, 91.5);
	struct qc_session s = {0};
	s.in = qc_xcalloc(1, sizeof(*s.in));
	s.in[0].path = qc_xstrdup("a.dcm");
	s.n_in = 1;
	qc_strlcpy(s.analysis, "mv_field", sizeof(s.analysis));
	qc_session_take_result(&s, t, &res);
	REQUIRE(s.n_rec == 4);
	CHECK(s.rec[0].verdict == QC_V_TOL && s.rec[0].lv.ref == 150);
	CHECK(s.rec[1].verdict == QC_V_NO_TOL && !s.rec[1].lv.has_tol_low);
	CHECK(s.rec[2].verdict == QC_V_NO_TOL);
	CHECK(s.rec[3].verdict == QC_V_ACT);
	CHECK(s.verdict == QC_V_ACT);
	struct qc_buf b = {0};
	qc_session_json(&s, &b);
	CHECK(strstr(b.s,
		     "\"name\": \"width_mm\", \"value\": 151.5, \"unit\": \"mm\", \"image\": 0, "
		     "\"verdict\": \"TOLERANCE\", \"reference\": 150") != NULL);
	CHECK(strstr(b.s, "\"value\": null") != NULL);
	CHECK(strstr(b.s, "top edge \\\"outside\\\"") != NULL);
	CHECK(strstr(b.s, "\"verdict\": \"ACTION\"}") != NULL);
	qc_buf_release(&b);
	qc_session_release(&s);
	qc_result_release(&res);
	cat_release(&cat);
}

TEST(catalog_leaf_geometry)
{
	struct qc_catalog cat;
	REQUIRE_OK(cat_load_default(&cat));
	const struct qc_machine *u = cat_find_machine(&cat, "unity");
	REQUIRE(u);
	CHECK(u->leaf_pairs == 80 && u->leaf_boundary == 40 && u->leaf_travel == 'y');
	double lo, hi;
	/* Pairs 40 and 41 meet at the isocentre; pair 1 starts 40 x 7.15 mm before it. */
	REQUIRE(ana_leaf_pair_span(u, 40, &lo, &hi));
	CHECK_NEAR(lo, -7.15, 1e-9);
	CHECK_NEAR(hi, 0, 1e-9);
	REQUIRE(ana_leaf_pair_span(u, 41, &lo, &hi));
	CHECK_NEAR(lo, 0, 1e-9);
	CHECK_NEAR(hi, 7.15, 1e-9);
	REQUIRE(ana_leaf_pair_span(u, 1, &lo, &hi));
	CHECK_NEAR(lo, -286.0, 1e-9);
	CHECK(!ana_leaf_pair_span(u, 81, &lo, &hi));
	cat_release(&cat);

	/* A Millennium-like MLC numbered the other way, with mixed widths. */
	char *text =
	    qc_xasprintf("%s%s", minimal,
			 "[machine v]\nleaf_widths = 10x10 40x5 10x10\nleaf_boundary = 30\n"
			 "leaf_numbering = decreasing\nleaf_travel = x\n");
	REQUIRE_OK(cat_parse(text, "v.cat", &cat));
	const struct qc_machine *v = cat_find_machine(&cat, "v");
	CHECK(v->leaf_pairs == 60 && v->leaf_travel == 'x');
	REQUIRE(ana_leaf_pair_span(v, 31, &lo, &hi));
	CHECK_NEAR(lo, -5, 1e-9);
	CHECK_NEAR(hi, 0, 1e-9);
	REQUIRE(ana_leaf_pair_span(v, 1, &lo, &hi));
	CHECK_NEAR(hi, 10 * 10 + 20 * 5, 1e-9);
	cat_release(&cat);
	free(text);
	expect("[machine w]\nleaf_widths = 10y10\n", "site.cat:13: leaf_widths needs COUNTxWIDTH");
	/* The isocentre boundary follows a pair of the machine, wherever the pairs are given. */
	expect("[machine w]\nleaf_boundary = 81\nleaf_pairs = 80\n",
	       "site.cat:13: leaf_boundary 81 is not a leaf pair: the machine has 80 pairs");
	expect("[machine w]\nleaf_widths = 10x10 40x5\nleaf_boundary = 51\n[machine v]\n",
	       "site.cat:14: leaf_boundary 51 is not a leaf pair: the machine has 50 pairs");
	expect("[machine w]\nleaf_pairs = 80\nleaf_boundary = 0\n",
	       "site.cat:14: leaf_boundary must be the pair number");
	expect("[machine w]\nleaf_pairs = 80\nleaf_boundary = -3\n",
	       "site.cat:14: leaf_boundary must be the pair number");
	expect("[machine w]\nleaf_boundary = 12\n", "site.cat:13: leaf_boundary 12 is not a");
	expect("[machine w]\nleaf_boundary = 80\nleaf_pairs = 80\n", NULL);
}

/* nan and inf are not numbers a catalogue may hold: every numeric key refuses them. */
TEST(catalog_numbers_refuse_nan_and_inf)
{
	expect("[machine w]\nmv_iso_px = nan 600\n", "site.cat:13: mv_iso_px needs");
	expect("[machine w]\nmv_iso_px = 500 inf\n", "site.cat:13: mv_iso_px needs");
	expect("[machine w]\nmv_iso_px = 500 600 7\n", "site.cat:13: mv_iso_px needs");
	expect("[machine w]\nleaf_widths = 80xnan\n", "site.cat:13: leaf_widths needs");
	expect("[machine w]\nleaf_widths = 80xinf\n", "site.cat:13: leaf_widths needs");
	expect("[machine w]\nleaf_widths = 80x7.15mm\n", "site.cat:13: leaf_widths needs");
	expect("[machine w]\nmv_iso_px = 500.5 600\nleaf_widths = 10x10 40x5\n", NULL);
	expect("field = nan 10\n", "site.cat:12: field needs");
	expect("field = 10 10 inf 0\n", "site.cat:12: field needs");
	expect("field = 10 10 -5 0\n", NULL);
	expect("[measure t.x]\nrange = nan 5\n", "site.cat:13: range needs");
	expect("[measure t.x]\nrange = 0 inf\n", "site.cat:13: range needs");
	expect("[measure t.x]\nrange = -inf 0\n", "site.cat:13: range needs");
	expect("[measure t.x]\nreference = nan\n", "site.cat:13: reference must be");
	expect("[measure t.x]\ntolerance = inf\n", "site.cat:13: tolerance must be");
}

/* A key given twice in a section would silently replace the first value. */
TEST(catalog_refuses_a_key_given_twice)
{
	expect("frequency = weekly\n", "site.cat:12: 'frequency' given twice in this section "
				       "(first on line 10)");
	expect("[machine w]\nleaf_pairs = 80\nleaf_pairs = 60\n",
	       "site.cat:14: 'leaf_pairs' given twice in this section (first on line 13)");
	expect("[measure t.x]\nlabel.fr = X\nlabel.en = X\ntolerance = 1\nreference = 0\n"
	       "tolerance = 2\n",
	       "site.cat:17: 'tolerance' given twice in this section (first on line 15)");
	expect("[review]\nself_review = no\nself_review = yes\n", "site.cat:14: 'self_review'");
	expect("[frequency f]\nevery = 1 day\nevery = 2 days\n", "site.cat:14: 'every' given");
	/* The same key in another section, "+=" continuations and the keys that add items. */
	expect("[machine w]\nname = W\n[machine v]\nname = V\n", NULL);
	expect("instructions.en = one\ninstructions.en += two\n", NULL);
	expect("field = 10 10\nfield = 20 20\n[calendar]\nclosed = 2026-12-24\n"
	       "closed = 2026-12-31\n",
	       NULL);
}

/* Choices are stored as the answer's text (63 bytes): a longer one could never be taken. */
TEST(catalog_choices_fit_an_answer)
{
	const char *head = "[measure t.c]\nlabel.fr = C\nlabel.en = C\ntype = choice\n";
	char *ok = qc_xasprintf("%schoices = a|%063d\n", head, 0);
	char *bad = qc_xasprintf("%schoices = a|%064d|b\n", head, 0);
	expect(ok, NULL);
	expect(bad, "t.c: the choice '00000000000000000000...' is longer than 63 bytes");
	free(ok);
	free(bad);
}

TEST(catalog_frequency_and_calendar_keys)
{
	/* An incomplete frequency is named with the line of its header. */
	expect("[frequency f]\nname.fr = F\nname.en = F\n[test u]\n",
	       "site.cat:12: frequency 'f' needs every, name.fr and name.en");
	expect(
	    "[frequency f]\nname.fr = F\nname.en = F\nevery = 1 month\nday = 1\nwindow_start = 7\n"
	    "weekdays = mon, thu\nstart = 2026-01-05\n[calendar]\nclosed = 2026-12-24\n"
	    "closed = 2026-12-28 2026-12-31\n[review]\nauto_approve = yes\n",
	    NULL);
	expect("[frequency f]\nweekdays = monday, funday\n", "site.cat:13: weekdays takes");
	expect("[frequency f]\nday = 32\n", "site.cat:13: day must be");
	expect("[frequency f]\nevery = 1 dayz\n", "site.cat:13: unknown unit 'dayz'");
	expect("[frequency f]\nevery = 2 weekly\n", "site.cat:13: unknown unit 'weekly'");
	expect("[frequency f]\nevery = 3 monthsss\n", "site.cat:13: unknown unit 'monthsss'");
	expect("[frequency f]\nname.fr = F\nname.en = F\nevery = 2 days\n"
	       "[frequency g]\nname.fr = G\nname.en = G\nevery = 1 month\n",
	       NULL);
	expect("[calendar]\nclosed = 2026-12-31 2026-12-01\n", "a closed range runs forwards");
	expect("[review]\nauto = yes\n", "unknown key 'auto' in the review section");
	struct qc_catalog c;
	char *text = qc_xasprintf("%s[calendar]\nclosed = 2026-12-28 2026-12-31\n", minimal);
	REQUIRE_OK(cat_parse(text, "c.cat", &c));
	CHECK(c.n_closed == 4 && c.closed[3][2] == 31);
	cat_release(&c);
	free(text);
}

TEST(catalog_measure_patterns_match_one_word_per_star)
{
	CHECK(cat_pattern_match("pair_*.gap_mm", "pair_07.gap_mm"));
	CHECK(cat_pattern_match("pair_*.gap_mm", "pair_60.gap_mm"));
	CHECK(!cat_pattern_match("pair_*.gap_mm", "pair_.gap_mm"));	/* one character at least */
	CHECK(!cat_pattern_match("pair_*.gap_mm", "pair_07.x.gap_mm")); /* '*' stops at '.' */
	CHECK(!cat_pattern_match("pair_*.gap_mm", "pair_07.gap_mm2"));
	CHECK(!cat_pattern_match("pair_*.gap_mm", "xpair_07.gap_mm"));
	CHECK(cat_pattern_match("picket_*.pair_*.error_mm", "picket_3.pair_41.error_mm"));
	CHECK(!cat_pattern_match("picket_*.pair_*.error_mm", "picket_3.position_mm"));
	CHECK(cat_pattern_match("*_mm", "width_mm"));
	CHECK(!cat_pattern_match("*_mm", "pair_07.gap_mm"));
	CHECK(cat_pattern_match("gap_mm", "gap_mm") && !cat_pattern_match("gap_mm", "gap_mmm"));
}

TEST(catalog_measure_patterns_parse_and_judge)
{
	/* Names: '.' between words, '*' in patterns; patterns never in typed (manual) tests. */
	expect("[measure t.pair_*.gap_mm]\nlabel.fr = P *\nlabel.en = P *\n",
	       "a pattern ('*') judges the values of an analysis");
	expect("[measure t.pair..gap]\n", "bad measure name 'pair..gap'");
	expect("[measure t.pair_**]\n", "bad measure name 'pair_**'");
	expect("[measure t..gap]\n", "bad measure name '.gap'");
	expect("[measure t.Gap]\n", "bad measure name 'Gap'");
	expect("[measure t.a.b]\nlabel.fr = A b\nlabel.en = A b\n", NULL);

	const char *text = "[frequency weekly]\nname.fr = H\nname.en = W\nevery = 1 week\n"
			   "[test s]\nname.fr = S\nname.en = S\nfrequency = weekly\n"
			   "input = images\nanalysis = mlc_slit\n"
			   "[measure s.slit_*.width_mm]\nlabel.fr = Fente * : largeur\n"
			   "label.en = Slit *: width\nunit = mm\nreference = nominal\n"
			   "tolerance = 0.5\naction = 1\n"
			   "[measure s.slit_2.width_mm]\nlabel.fr = Deuxième fente\n"
			   "label.en = Second slit\nunit = mm\n"
			   "reference = 5\naction = 3\n"
			   "[measure s.slit_*.width_mm]\nlabel.en = again\n";
	struct qc_catalog cat;
	CHECK(cat_parse(text, "p.cat", &cat) == QC_ERR_FORMAT &&
	      strstr(qc_errmsg(), "p.cat:24: measure 's.slit_*.width_mm' defined twice"));
	char *ok = qc_xstrdup(text);
	*strstr(ok, "[measure s.slit_*.width_mm]\nlabel.en = again\n") = '\0';
	REQUIRE_OK(cat_parse(ok, "p.cat", &cat));
	const struct qc_test *t = cat_find_test(&cat, "s");
	/* The exact name wins over the pattern, whatever their order in the file. */
	const struct qc_mdef *m1 = cat_find_mdef(t, "slit_1.width_mm");
	const struct qc_mdef *m2 = cat_find_mdef(t, "slit_2.width_mm");
	REQUIRE(m1 && m2 && m1 != m2);
	CHECK(!strcmp(m1->name, "slit_*.width_mm") && !strcmp(m2->name, "slit_2.width_mm"));
	CHECK(cat_find_mdef(t, "slit_1.centre_mm") == NULL);
	CHECK(cat_find_mdef_exact(t, "slit_1.width_mm") == NULL);
	char buf[64];
	qc_i18n_init("en");
	CHECK_STR(cat_measure_label(m1, "slit_1.width_mm", buf, sizeof(buf)), "Slit 1: width");
	CHECK_STR(cat_measure_label(m2, "slit_2.width_mm", buf, sizeof(buf)), "Second slit");
	CHECK_STR(cat_measure_label(NULL, "slit_9.x", buf, sizeof(buf)), "slit_9.x");
	qc_i18n_init("fr");
	CHECK_STR(cat_measure_label(m1, "slit_12.width_mm", buf, sizeof(buf)),
		  "Fente 12 : largeur");
	char tiny[8];
	CHECK_STR(cat_measure_label(m1, "slit_12.width_mm", tiny, sizeof(tiny)), "Fente 1");
	qc_i18n_init("en");

	/* Judged per slit against each one's own planned value. */
	struct qc_result res;
	qc_result_init(&res, 1);
	struct qc_measure *a = qc_result_add(&res, "slit_1.width_mm", "mm", 0, 5.7);
	a->has_nominal = true;
	a->nominal = 5;
	struct qc_measure *b = qc_result_add(&res, "slit_3.width_mm", "mm", 0, 10.4);
	b->has_nominal = true;
	b->nominal = 10;
	qc_result_add(&res, "slit_4.width_mm", "mm", 0, 12); /* no plan: not judged */
	qc_result_add(&res, "slit_2.width_mm", "mm", 0, 7.5);
	struct qc_session s = {0};
	qc_session_take_result(&s, t, &res);
	REQUIRE(s.n_rec == 4);
	CHECK(s.rec[0].verdict == QC_V_TOL && s.rec[0].lv.ref == 5);
	CHECK(s.rec[1].verdict == QC_V_OK && s.rec[1].lv.ref == 10);
	CHECK(s.rec[2].verdict == QC_V_NO_TOL);
	CHECK(s.rec[3].verdict == QC_V_OK && s.rec[3].lv.ref == 5); /* 7.5 within 3 of 5 */
	qc_session_release(&s);
	qc_result_release(&res);
	cat_release(&cat);
	free(ok);
}
