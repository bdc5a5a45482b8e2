/* A QC session: one test performed once, with its inputs, results, verdicts and pictures. */
#ifndef QC_SESSION_H
#define QC_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qc/analysis.h"
#include "qc/catalog.h"
#include "qc/image.h"

/* A file the session was made from. */
struct qc_input {
	char *path; /* owned */
	char sop_instance_uid[65];
	char sha256[65];
	char label[65]; /* the role or description shown to the user */
};

/* A measurement with the reference and levels used and the verdict given at that moment. */
struct qc_record {
	struct qc_measure m;
	struct qc_levels lv;
	enum qc_verdict verdict;
	char text[QC_ANSWER_MAX + 1]; /* non-numeric answers: "yes", "no", a choice, free text */
};

/* A small 8-bit grey picture of an image for screens and reports (high = more dose). */
struct qc_preview {
	int image;
	int width, height;
	unsigned char *px; /* owned: width*height */
	/* Image pixel (x, y) maps to preview (x - origin_x) / step, (y - origin_y) / step. */
	double origin_x, origin_y, step;
};

/* The review that holds for a stored session (its newest), as loaded with it. */
struct qc_review {
	bool reviewed; /* false: not reviewed yet, the rest is empty */
	bool approved; /* else rejected */
	char reviewer[64];
	char at[20];
	char *comment; /* owned, may be NULL */
};

struct qc_session {
	int64_t id; /* 0 until stored */
	char test[32];
	char machine[32];
	char analysis[32];
	char analysis_version[16];
	char program_version[16];
	char started_at[20]; /* "YYYY-MM-DD HH:MM:SS" local time */
	char completed_at[20];
	char operator_name[64];
	char *comment; /* owned, may be NULL */
	enum qc_verdict verdict;
	int64_t supersedes; /* id of the session it corrects, 0 = none */
	bool not_for_scheduling;
	bool auto_approve; /* store an automatic approval with it (site rule, all OK, no comment) */
	struct qc_review review; /* filled by store_load_session and store_save_session */

	struct qc_record *rec; /* owned */
	size_t n_rec;
	struct qc_input *in; /* owned */
	size_t n_in;
	struct qc_preview *pv; /* owned */
	size_t n_pv;
	struct qc_overlay *ov; /* owned */
	size_t n_ov;
	/* Per input the nominal field it took (ANA_ROLE_NONE: none); NULL when the analysis gives
	 * images no roles. In memory only: the stored label says it. */
	int *role; /* owned */
};

void qc_session_release(struct qc_session *s);
void qc_session_set_comment(struct qc_session *s, const char *comment);

/*
 * Copies the results of an analysis into s and judges each against the test's levels (the
 * nominal value becomes the reference where the catalogue says so); sets s->verdict.
 */
void qc_session_take_result(struct qc_session *s, const struct qc_test *t,
			    const struct qc_result *res);
/* Recomputes the overall verdict from the records. */
void qc_session_update_verdict(struct qc_session *s);
/* The verdict of the worst record linked to an overlay (by measurement name and image). */
enum qc_verdict qc_session_overlay_verdict(const struct qc_session *s, const struct qc_overlay *o);

/* A value typed for a measurement of a manual test: "12.5" or "12,5"; readings as "0.70;0.71;
 * 0.70" (or separated by spaces); yes/no (oui/non, o/n, y/n); a choice; text; or "skip". */
struct qc_entry {
	const char *name;
	const char *value;
};

/*
 * Checks what is typed for m as the user types: QC_OK, or QC_ERR_INVALID with a message
 * ("not a number", "outside the plausible range 0 to 100 %", "answer yes or no", "3 readings
 * expected"...). On success *verdict is the verdict it would get (formulas: NO_TOL) and *value
 * its number (mean of the readings; 1 or 0 for yes or no).
 */
enum qc_status qc_entry_check(const struct qc_mdef *m, const char *text, enum qc_verdict *verdict,
			      double *value, char *msg, size_t n);

/*
 * Builds the records of a manual session from the entries: every measurement of the test
 * that has no formula needs an entry (a value or "skip"); formulas are computed from the
 * others; skipped items are NOT_DONE and need a comment. Sets s->verdict.
 */
enum qc_status qc_session_from_entries(struct qc_session *s, const struct qc_test *t,
				       const struct qc_entry *e, size_t n, const char *comment);

/* Writes the session as the JSON contract of `unityqc analyze --json`. */
void qc_session_json(const struct qc_session *s, struct qc_buf *out);

#endif
