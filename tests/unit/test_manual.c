/* Manual tests: typed values checked live, readings, yes/no, choices, formulas, skips. */
#include <stdlib.h>
#include <string.h>

#include "qc/catalog.h"
#include "qc/session.h"
#include "test.h"

static const char *const programme =
    "[frequency monthly]\n"
    "name.fr = M\nname.en = M\nevery = 1 month\n"
    "[test t]\nname.fr = T\nname.en = T\nfrequency = monthly\n"
    "input = manual\n"
    "[measure t.level]\nlabel.fr = a\nlabel.en = a\nunit = %\n"
    "reference = 0\ntolerance = 70 -\naction = 65 -\nrange = 0 100\n"
    "[measure t.q]\nlabel.fr = q\nlabel.en = q\nreference = 0.704\n"
    "mode = percent\ntolerance = 1\naction = 2\nreadings = 3\n"
    "[measure t.door]\nlabel.fr = d\nlabel.en = d\ntype = bool\n"
    "[measure t.beam]\nlabel.fr = b\nlabel.en = b\ntype = bool\n"
    "expected = no\nwarning_only = yes\n"
    "[measure t.state]\nlabel.fr = s\nlabel.en = s\ntype = choice\n"
    "choices = good|fair|bad\nok_choices = good\ntol_choices = fair\n"
    "[measure t.p1]\nlabel.fr = p1\nlabel.en = p1\nunit = mm\n"
    "[measure t.p2]\nlabel.fr = p2\nlabel.en = p2\nunit = mm\n"
    "[measure t.delta]\nlabel.fr = d\nlabel.en = d\nunit = mm\n"
    "formula = p2 - p1 - 40\nreference = 0\naction = 2\n"
    "[measure t.note]\nlabel.fr = n\nlabel.en = n\ntype = text\n";

static struct qc_catalog cat;

static const struct qc_test *load(void)
{
	if (cat_parse(programme, "manual.cat", &cat) != QC_OK) {
		t_fail(__FILE__, __LINE__, "%s", qc_errmsg());
		longjmp(t_abort, 1);
	}
	return cat_find_test(&cat, "t");
}

static enum qc_verdict verdict_of(const struct qc_test *t, const char *name, const char *text,
				  char *msg)
{
	enum qc_verdict v;
	double value;
	if (qc_entry_check(cat_find_mdef(t, name), text, &v, &value, msg, 160) != QC_OK)
		return (enum qc_verdict) - 1;
	return v;
}

TEST(manual_live_checks)
{
	const struct qc_test *t = load();
	char msg[160];
	CHECK(verdict_of(t, "level", "72", msg) == QC_V_OK);
	CHECK(verdict_of(t, "level", "68,5", msg) == QC_V_TOL); /* decimal comma */
	CHECK(verdict_of(t, "level", "64.9", msg) == QC_V_ACT);
	CHECK(verdict_of(t, "level", "650", msg) == (enum qc_verdict) - 1);
	CHECK(strstr(msg, "outside the plausible range 0 to 100 %") != NULL);
	CHECK(verdict_of(t, "level", "7o", msg) == (enum qc_verdict) - 1);
	CHECK(strstr(msg, "'7o' is not a number") != NULL);
	CHECK(verdict_of(t, "level", "", msg) == (enum qc_verdict) - 1);
	CHECK(verdict_of(t, "level", "skip", msg) == QC_V_NOT_DONE);
	/* Three readings, their mean judged: 0.711 is +1.0 % of 0.704 (on the border: OK). */
	CHECK(verdict_of(t, "q", "0,710; 0,712 0.711", msg) == QC_V_OK);
	CHECK(verdict_of(t, "q", "0.714;0.714;0.714", msg) == QC_V_TOL);
	CHECK(verdict_of(t, "q", "0.70;0.71", msg) == (enum qc_verdict) - 1);
	CHECK(strstr(msg, "3 readings expected, 2 given") != NULL);
	CHECK(verdict_of(t, "door", "oui", msg) == QC_V_OK);
	CHECK(verdict_of(t, "door", "no", msg) == QC_V_ACT);
	CHECK(verdict_of(t, "door", "maybe", msg) == (enum qc_verdict) - 1);
	CHECK(verdict_of(t, "beam", "yes", msg) == QC_V_TOL); /* warning only */
	CHECK(verdict_of(t, "state", "good", msg) == QC_V_OK);
	CHECK(verdict_of(t, "state", "fair", msg) == QC_V_TOL);
	CHECK(verdict_of(t, "state", "bad", msg) == QC_V_ACT);
	CHECK(verdict_of(t, "state", "ugly", msg) == (enum qc_verdict) - 1);
	cat_release(&cat);
}

TEST(manual_session_from_entries)
{
	const struct qc_test *t = load();
	struct qc_entry e[] = {
	    {"level", "68"},   {"q", "0.704;0.704;0.705"}, {"door", "y"},    {"beam", "n"},
	    {"state", "good"}, {"p1", "1000,0"},	   {"p2", "1042.5"}, {"note", "ras"},
	};
	struct qc_session s = {0};
	REQUIRE_OK(qc_session_from_entries(&s, t, e, QC_ARRAY_LEN(e), NULL));
	REQUIRE(s.n_rec == 9);
	const struct qc_record *delta = NULL, *q = NULL, *door = NULL;
	for (size_t i = 0; i < s.n_rec; i++) {
		if (!strcmp(s.rec[i].m.name, "delta"))
			delta = &s.rec[i];
		if (!strcmp(s.rec[i].m.name, "q"))
			q = &s.rec[i];
		if (!strcmp(s.rec[i].m.name, "door"))
			door = &s.rec[i];
	}
	REQUIRE(delta && q && door);
	CHECK_NEAR(delta->m.value, 2.5, 1e-9); /* 1042.5 - 1000 - 40 */
	CHECK(delta->verdict == QC_V_ACT);
	CHECK_NEAR(q->m.value, (0.704 + 0.704 + 0.705) / 3, 1e-12);
	CHECK(strstr(q->m.note, "mean of 3 readings") != NULL);
	CHECK_STR(door->text, "yes");
	CHECK(s.verdict == QC_V_ACT);
	qc_session_release(&s);

	/* A skipped item needs a comment; a missing one is refused; an unknown one too. */
	e[2].value = "skip";
	memset(&s, 0, sizeof(s));
	CHECK(qc_session_from_entries(&s, t, e, QC_ARRAY_LEN(e), "") == QC_ERR_INVALID);
	CHECK(strstr(qc_errmsg(), "a skipped item needs a comment") != NULL);
	qc_session_release(&s);
	memset(&s, 0, sizeof(s));
	REQUIRE_OK(qc_session_from_entries(&s, t, e, QC_ARRAY_LEN(e), "door under repair"));
	CHECK(s.verdict == QC_V_ACT);
	qc_session_release(&s);
	memset(&s, 0, sizeof(s));
	CHECK(qc_session_from_entries(&s, t, e, 3, "x") == QC_ERR_INVALID);
	CHECK(strstr(qc_errmsg(), "no value for 'beam'") != NULL);
	qc_session_release(&s);
	struct qc_entry bad[] = {{"nonsense", "1"}};
	memset(&s, 0, sizeof(s));
	CHECK(qc_session_from_entries(&s, t, bad, 1, NULL) == QC_ERR_INVALID);
	CHECK(strstr(qc_errmsg(), "t has no measurement 'nonsense'") != NULL);
	qc_session_release(&s);

	/* A formula whose input is skipped is not done, with the reason. */
	e[2].value = "y";
	e[5].value = "-";
	memset(&s, 0, sizeof(s));
	REQUIRE_OK(qc_session_from_entries(&s, t, e, QC_ARRAY_LEN(e), "ruler missing"));
	delta = NULL;
	for (size_t i = 0; i < s.n_rec; i++)
		if (!strcmp(s.rec[i].m.name, "delta"))
			delta = &s.rec[i];
	REQUIRE(delta);
	CHECK(delta->verdict == QC_V_NOT_DONE && !delta->m.has_value);
	CHECK_STR(delta->m.note, "not computed: 'p1' has no value");
	qc_session_release(&s);
	cat_release(&cat);
}

/* The refusals typed in the entry form follow the interface language; English comes back. */
TEST(manual_refusals_in_french)
{
	const struct qc_test *t = load();
	struct qc_entry e[] = {
	    {"level", "7o"},   {"q", "0.704;0.704;0.705"},
	    {"door", "skip"},  {"beam", "n"},
	    {"state", "good"}, {"p1", "-"},
	    {"p2", "1042.5"},  {"note", "ras"},
	};
	struct qc_session s = {0};
	t_speak_french();
	CHECK(qc_session_from_entries(&s, t, e, QC_ARRAY_LEN(e), "x") == QC_ERR_INVALID);
	CHECK_STR(qc_errmsg(), "level : « 7o » n'est pas un nombre");
	qc_session_release(&s);
	e[0].value = "68";
	memset(&s, 0, sizeof(s));
	CHECK(qc_session_from_entries(&s, t, e, QC_ARRAY_LEN(e), "") == QC_ERR_INVALID);
	CHECK_STR(qc_errmsg(), "t : un élément passé demande un commentaire qui dit pourquoi");
	qc_session_release(&s);
	memset(&s, 0, sizeof(s));
	CHECK(qc_session_from_entries(&s, t, e, 3, "x") == QC_ERR_INVALID);
	CHECK_STR(qc_errmsg(), "t : aucune valeur pour « beam » (donnez une valeur, ou « passer » "
			       "avec un commentaire)");
	qc_session_release(&s);
	memset(&s, 0, sizeof(s));
	REQUIRE_OK(qc_session_from_entries(&s, t, e, QC_ARRAY_LEN(e), "règle absente"));
	for (size_t i = 0; i < s.n_rec; i++) {
		if (!strcmp(s.rec[i].m.name, "delta"))
			CHECK_STR(s.rec[i].m.note, "non calculé : « p1 » n'a pas de valeur");
		if (!strcmp(s.rec[i].m.name, "q"))
			CHECK_STR(s.rec[i].m.note, "moyenne de 3 lectures : 0.704;0.704;0.705");
	}
	qc_session_release(&s);
	t_speak_english();
	memset(&s, 0, sizeof(s));
	CHECK(qc_session_from_entries(&s, t, e, QC_ARRAY_LEN(e), "") == QC_ERR_INVALID);
	CHECK_STR(qc_errmsg(), "t: a skipped item needs a comment saying why");
	qc_session_release(&s);
	cat_release(&cat);
}

TEST(manual_formula_errors_in_catalogue)
{
	struct qc_catalog c;
	const char *base = "[frequency m]\nname.fr = M\nname.en = M\nevery = 1 month\n"
			   "[test t]\nname.fr = T\nname.en = T\nfrequency = m\ninput = manual\n"
			   "[measure t.a]\nlabel.fr = a\nlabel.en = a\n";
	char *text =
	    qc_xasprintf("%s[measure t.b]\nlabel.fr = b\nlabel.en = b\nformula = a + z\n", base);
	CHECK(cat_parse(text, "f.cat", &c) == QC_ERR_FORMAT);
	CHECK(strstr(qc_errmsg(), "t.b: formula 'a + z': 'z' has no value") != NULL);
	free(text);
	text = qc_xasprintf("%s[measure t.b]\nlabel.fr = b\nlabel.en = b\nformula = a + b\n", base);
	CHECK(cat_parse(text, "f.cat", &c) == QC_ERR_FORMAT);
	CHECK(strstr(qc_errmsg(), "refers to itself") != NULL);
	free(text);
	text =
	    qc_xasprintf("%s[measure t.b]\nlabel.fr = b\nlabel.en = b\nformula = (a * 2\n", base);
	CHECK(cat_parse(text, "f.cat", &c) == QC_ERR_FORMAT);
	CHECK(strstr(qc_errmsg(), "missing ')'") != NULL);
	free(text);
}

/* Answers are stored whole or refused, never cut; an item is typed once. */
TEST(manual_long_answer_and_repeated_item_refused)
{
	const struct qc_test *t = load();
	const struct qc_mdef *note = cat_find_mdef(t, "note");
	REQUIRE(note);
	char longest[64], too_long[65], msg[200];
	memset(longest, 'x', 63);
	longest[63] = '\0';
	memset(too_long, 'x', 64);
	too_long[64] = '\0';
	enum qc_verdict v;
	double value;
	CHECK(qc_entry_check(note, longest, &v, &value, msg, sizeof(msg)) == QC_OK);
	CHECK(qc_entry_check(note, too_long, &v, &value, msg, sizeof(msg)) == QC_ERR_INVALID);
	CHECK_STR(msg, "too long for an answer (63 bytes at most): put the details in the comment");

	struct qc_entry e[] = {
	    {"level", "68"}, {"q", "0.704;0.704;0.705"}, {"door", "y"},
	    {"beam", "n"},   {"state", "good"},		 {"p1", "1000"},
	    {"p2", "1040"},  {"note", too_long},
	};
	struct qc_session s = {0};
	CHECK(qc_session_from_entries(&s, t, e, QC_ARRAY_LEN(e), NULL) == QC_ERR_INVALID);
	CHECK(strstr(qc_errmsg(), "note: too long for an answer") != NULL);
	qc_session_release(&s);
	e[7].value = longest;
	REQUIRE_OK(qc_session_from_entries(&s, t, e, QC_ARRAY_LEN(e), NULL));
	const struct qc_record *r = NULL;
	for (size_t i = 0; i < s.n_rec; i++)
		if (!strcmp(s.rec[i].m.name, "note"))
			r = &s.rec[i];
	REQUIRE(r);
	CHECK_STR(r->text, longest);
	qc_session_release(&s);

	/* level=68 then level=80: which one holds? Neither: refused. */
	struct qc_entry twice[QC_ARRAY_LEN(e) + 1];
	memcpy(twice, e, sizeof(e));
	twice[QC_ARRAY_LEN(e)] = (struct qc_entry){"level", "80"};
	memset(&s, 0, sizeof(s));
	CHECK(qc_session_from_entries(&s, t, twice, QC_ARRAY_LEN(twice), NULL) == QC_ERR_INVALID);
	CHECK(strstr(qc_errmsg(), "t: 'level' given twice") != NULL);
	qc_session_release(&s);
	cat_release(&cat);
}

/* The value of a measurement of a manual session from typed values. */
static const struct qc_record *computed(struct qc_session *s, const struct qc_test *t,
					const struct qc_entry *e, size_t n, const char *name)
{
	memset(s, 0, sizeof(*s));
	REQUIRE_OK(qc_session_from_entries(s, t, e, n, NULL));
	for (size_t i = 0; i < s->n_rec; i++)
		if (!strcmp(s->rec[i].m.name, name))
			return &s->rec[i];
	t_fail(__FILE__, __LINE__, "no record '%s'", name);
	longjmp(t_abort, 1);
}

/* Formulas are computed in catalogue order: one using a later formula would never have a value. */
TEST(manual_formula_order_checked_not_numbers)
{
	struct qc_catalog c;
	struct qc_session s;
	const char *base = "[frequency m]\nname.fr = M\nname.en = M\nevery = 1 month\n"
			   "[test t]\nname.fr = T\nname.en = T\nfrequency = m\ninput = manual\n"
			   "[measure t.a]\nlabel.fr = a\nlabel.en = a\n"
			   "[measure t.b]\nlabel.fr = b\nlabel.en = b\n";
	char *text = qc_xasprintf("%s[measure t.twice]\nlabel.fr = x\nlabel.en = x\n"
				  "formula = sum * 2\n"
				  "[measure t.sum]\nlabel.fr = s\nlabel.en = s\nformula = a + b\n",
				  base);
	CHECK(cat_parse(text, "f.cat", &c) == QC_ERR_FORMAT);
	CHECKF(strstr(qc_errmsg(), "f.cat:16: t.twice: formula 'sum * 2' uses sum, a formula "
				   "computed after it (define [measure t.sum] first)"),
	       "%s", qc_errmsg());
	free(text);

	/* In that order it is computed. */
	text = qc_xasprintf("%s[measure t.sum]\nlabel.fr = s\nlabel.en = s\nformula = a + b\n"
			    "[measure t.twice]\nlabel.fr = x\nlabel.en = x\nformula = sum * 2\n",
			    base);
	REQUIRE_OK(cat_parse(text, "f.cat", &c));
	struct qc_entry e[] = {{"a", "1.5"}, {"b", "2"}};
	const struct qc_record *r = computed(&s, cat_find_test(&c, "t"), e, 2, "twice");
	CHECK(r->m.has_value && r->m.value == 7);
	qc_session_release(&s);
	cat_release(&c);
	free(text);

	/* The check does not judge numbers it does not have: sqrt(a - b) and 1 / (a - b) are
	 * valid formulas; only typed values can make them fail. */
	text = qc_xasprintf("%s[measure t.r]\nlabel.fr = r\nlabel.en = r\nformula = sqrt(a - b)\n"
			    "[measure t.q]\nlabel.fr = q\nlabel.en = q\nformula = 1 / (a - b)\n",
			    base);
	REQUIRE_OK(cat_parse(text, "f.cat", &c));
	const struct qc_test *t = cat_find_test(&c, "t");
	struct qc_entry ok[] = {{"a", "5"}, {"b", "1"}};
	r = computed(&s, t, ok, 2, "r");
	CHECK(r->m.has_value && r->m.value == 2);
	qc_session_release(&s);
	struct qc_entry neg[] = {{"a", "1"}, {"b", "5"}};
	r = computed(&s, t, neg, 2, "r");
	CHECK(!r->m.has_value && strstr(r->m.note, "square root of a negative number"));
	qc_session_release(&s);
	struct qc_entry zero[] = {{"a", "2"}, {"b", "2"}};
	r = computed(&s, t, zero, 2, "q");
	CHECK(!r->m.has_value && strstr(r->m.note, "division by zero"));
	qc_session_release(&s);
	cat_release(&c);
	free(text);
	/* Syntax and names are still checked. */
	text = qc_xasprintf("%s[measure t.r]\nlabel.fr = r\nlabel.en = r\nformula = sqrt(a - z)\n",
			    base);
	CHECK(cat_parse(text, "f.cat", &c) == QC_ERR_FORMAT);
	CHECK(strstr(qc_errmsg(), "'z' has no value") != NULL);
	free(text);
}

TEST(catalog_diff_lists_level_changes)
{
	struct qc_catalog a, b;
	REQUIRE_OK(cat_load_default(&a));
	char *text = qc_xstrdup(cat_default_text());
	/* Tighten the helium warning level and move the MV isocentre calibration. */
	char *p = strstr(text, "tolerance = 70 -\naction = 65 -");
	REQUIRE(p);
	memcpy(p, "tolerance = 72 -", 16);
	p = strstr(text, "mv_iso_px = 511.03 652.75");
	REQUIRE(p);
	memcpy(p, "mv_iso_px = 511.50 652.75", 25);
	REQUIRE_OK(cat_parse(text, "site.cat", &b));
	char **lines;
	size_t n;
	cat_diff(&a, &b, &lines, &n);
	CHECK(n == 2);
	bool helium = false, iso = false;
	for (size_t i = 0; i < n; i++) {
		helium |= !strcmp(lines[i], "helium.level_pct tolerance\t70 -\t72 -");
		iso |= !strcmp(lines[i], "machine unity mv_iso_px\t511.03 652.75\t511.5 652.75");
		free(lines[i]);
	}
	free(lines);
	CHECK(helium && iso);
	cat_release(&a);
	cat_release(&b);
	free(text);
}

static bool three(void *ud, const char *name, double *v)
{
	(void)ud;
	*v = !strcmp(name, "x") ? 3 : !strcmp(name, "y") ? -4 : NAN;
	return isfinite(*v);
}

TEST(manual_formula_functions)
{
	double v;
	char err[128];
	CHECK(cat_formula_eval("sqrt(x * x + y * y)", three, NULL, &v, err, sizeof(err)));
	CHECK_NEAR(v, 5, 1e-12);
	CHECK(cat_formula_eval("abs(y) - 2 * (x - 1)", three, NULL, &v, err, sizeof(err)));
	CHECK_NEAR(v, 0, 1e-12);
	CHECK(!cat_formula_eval("sqrt(y)", three, NULL, &v, err, sizeof(err)));
	CHECK(strstr(err, "square root of a negative number") != NULL);
	CHECK(!cat_formula_eval("log(x)", three, NULL, &v, err, sizeof(err)));
	CHECK(strstr(err, "unknown function") != NULL);
	CHECK(!cat_formula_eval("x / (y + 4)", three, NULL, &v, err, sizeof(err)));
	CHECK(strstr(err, "division by zero") != NULL);
	CHECK(!cat_formula_eval("x +", three, NULL, &v, err, sizeof(err)));
}
