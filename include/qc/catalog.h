/* The QC programme: machines, frequencies, tests, measurements with tolerances; verdicts. */
#ifndef QC_CATALOG_H
#define QC_CATALOG_H

#include <stdbool.h>
#include <stddef.h>

#include "qc/analysis.h"
#include "qc/core.h"

/* The longest non-numeric answer (yes/no, a choice, free text), in bytes. */
#define QC_ANSWER_MAX 63

enum qc_verdict {
	QC_V_NO_TOL = 0, /* measured, no tolerance applies */
	QC_V_OK,
	QC_V_TOL,
	QC_V_ACT,
	QC_V_NOT_DONE, /* skipped or not measurable */
};

const char *
qc_verdict_name(enum qc_verdict v); /* "OK", "TOLERANCE", "ACTION", "NOT_DONE", "NO_TOL" */
bool qc_verdict_parse(const char *s, enum qc_verdict *out);
/* The worse of two verdicts (ACTION > TOLERANCE > NOT_DONE > OK > NO_TOL). */
enum qc_verdict qc_verdict_worst(enum qc_verdict a, enum qc_verdict b);

/* Reference and levels of a numeric measurement (see SCHEDULING.md). */
struct qc_levels {
	bool has_ref;
	bool ref_nominal; /* the reference is the nominal value the analysis reports */
	bool percent;	  /* levels in percent of the reference, else in the unit */
	double ref;
	bool has_act_low, has_tol_low, has_tol_high, has_act_high;
	double act_low, tol_low, tol_high, act_high;
};

/*
 * Verdict of value v against lv: outside the action band → ACTION, else outside the tolerance
 * band → TOLERANCE, else OK; borders count as inside; no level at all → NO_TOL.
 */
enum qc_verdict qc_levels_eval(const struct qc_levels *lv, double v);
bool qc_levels_any(const struct qc_levels *lv);
/* Whether the reference means something to a reader: not the 0 of levels that only bound the
 * value itself (helium >= 65 %, PIQT S/N > 66). */
bool qc_levels_ref_shown(const struct qc_levels *lv);
/* Human text of the levels, e.g. "±1 / ±2", "≥ 70 / ≥ 65", "±1 % / ±2 %"; ascii avoids ± ≥ ≤. */
void qc_levels_format(const struct qc_levels *lv, char *buf, size_t n, bool ascii);

enum qc_mtype { QC_MT_NUMBER, QC_MT_BOOL, QC_MT_CHOICE, QC_MT_TEXT };

/* A measurement of a test as the catalogue defines it. */
struct qc_mdef {
	char name[48];
	char *label_fr, *label_en; /* owned */
	enum qc_mtype type;
	char unit[12];
	struct qc_levels lv;
	bool expected_yes; /* bool: the expected answer */
	bool warning_only; /* bool: a mismatch is TOLERANCE, not ACTION */
	char *choices;	   /* owned: "a|b|c" (choice) */
	char *ok_choices;  /* owned */
	char *tol_choices; /* owned */
	int readings;	   /* number: readings averaged (1 = plain) */
	char *formula;	   /* owned: derived from other measurements, or NULL */
	bool has_range;	   /* number: values outside are refused as typing errors */
	double range_lo, range_hi;
	int line; /* where it was defined */
};

struct qc_frequency {
	char id[24];
	char *name_fr, *name_en; /* owned */
	int every;		 /* interval count */
	char unit;		 /* 'd' days, 'w' weeks, 'm' months */
	bool treatment_days;	 /* only due on treatment days */
	int window_start;	 /* -1 = classic mode: next due = completion + interval */
	int window_end;		 /* days after due before overdue */
	int day;		 /* window mode, monthly: day of the month (0 = that of start) */
	unsigned weekdays;	 /* window mode: bit 0 = Monday ... bit 6 = Sunday (0 = any) */
	int start_y, start_m, start_d; /* window mode: the phase of the rule (0 = 2000-01-03) */
	int line;		       /* of its section header, for messages */
};

struct qc_test {
	char id[32];
	char *name_fr, *name_en;		 /* owned */
	char *instructions_fr, *instructions_en; /* owned, may be NULL */
	char frequency[24];
	char input[12];	   /* "images", "manual" or "report" */
	char analysis[32]; /* "" when no analysis is available */
	int min_images, max_images;
	double (*fields)[4]; /* owned: nominal fields (width, height, centre x, y mm) */
	size_t n_fields;
	struct qc_mdef *m; /* owned */
	size_t n_m;
	int line;
};

/* Review rules of the site. */
struct qc_review_rules {
	bool auto_approve; /* sessions all OK and without comment are approved automatically */
	bool self_review;  /* a physicist may review their own session */
};

struct qc_catalog {
	char *source; /* owned: file name, or "(built-in)" */
	char *text;   /* owned: the text it was parsed from */
	struct qc_review_rules review;
	/* Site calendar: days without treatment besides weekends and French public holidays. */
	int (*closed)[3]; /* owned: y, m, d */
	size_t n_closed;
	struct qc_machine *machines;
	size_t n_machines;
	struct qc_frequency *freqs;
	size_t n_freqs;
	struct qc_test *tests;
	size_t n_tests;
	char default_machine[32];
};

/* The default programme for a Unity, compiled into the program. */
const char *cat_default_text(void); /* borrowed */
enum qc_status cat_load_default(struct qc_catalog *cat);
enum qc_status cat_load_file(const char *path, struct qc_catalog *cat);
/* Parses text; errors read "name:line: message". */
enum qc_status cat_parse(const char *text, const char *name, struct qc_catalog *cat);
void cat_release(struct qc_catalog *cat);

const struct qc_test *cat_find_test(const struct qc_catalog *cat, const char *id);
const struct qc_frequency *cat_find_freq(const struct qc_catalog *cat, const char *id);
/* The definition judging measurement `name`: the one of that exact name, else the first pattern
 * that matches it. In a pattern '*' stands for one or more characters other than '.'
 * ("pair_*.gap_mm" matches "pair_07.gap_mm"). */
const struct qc_mdef *cat_find_mdef(const struct qc_test *t, const char *name);
/* The definition of exactly that name (a pattern is found by its own text). */
const struct qc_mdef *cat_find_mdef_exact(const struct qc_test *t, const char *name);
bool cat_mdef_is_pattern(const struct qc_mdef *m);
/* Whether `name` matches the measure pattern `pattern`. */
bool cat_pattern_match(const char *pattern, const char *name);
const struct qc_machine *cat_find_machine(const struct qc_catalog *cat, const char *id);

/* Test and measurement names in the current interface language. */
const char *cat_test_name(const struct qc_test *t);
const char *cat_test_instructions(const struct qc_test *t);
const char *cat_mdef_label(const struct qc_mdef *m);
/* The label shown for measurement `name` judged by m (NULL: none): each '*' of a pattern's label
 * takes the text its '*' matched in the name ("Pair *: gap" for pair_07.gap_mm gives
 * "Pair 07: gap"); without a label, the name itself. */
const char *cat_measure_label(const struct qc_mdef *m, const char *name, char *buf, size_t n);
const char *cat_freq_name(const struct qc_frequency *f);

/*
 * Evaluates a formula (+ - * / parentheses, numbers, measurement names) with the values
 * lookup gives; false with a message in err when a name is unknown or has no value.
 */
typedef bool (*cat_lookup_fn)(void *ud, const char *name, double *value);
bool cat_formula_eval(const char *formula, cat_lookup_fn lookup, void *ud, double *out, char *err,
		      size_t n);
/* Checks the syntax and the names of a formula (lookup says whether a name may be used; its
 * value is ignored) without judging numbers: sqrt(a - b) is fine whatever a and b will be. */
bool cat_formula_check(const char *formula, cat_lookup_fn lookup, void *ud, char *err, size_t n);

/* The catalogue changes between two versions that matter for history: references, levels,
 * expected answers, frequencies, tests added or removed; one "what<TAB>old<TAB>new" line each.
 * *lines owned: free each and the array. */
void cat_diff(const struct qc_catalog *old, const struct qc_catalog *new, char ***lines, size_t *n);

/* Fills an analysis context from the catalogue (borrowed pointers into cat and t). */
void cat_analysis_context(const struct qc_catalog *cat, const struct qc_test *t,
			  struct ana_context *ctx);

#endif
