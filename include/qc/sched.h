/* Due dates: frequencies, treatment days, the status of a test on a given day (pure). */
#ifndef QC_SCHED_H
#define QC_SCHED_H

#include <stdbool.h>

#include "qc/catalog.h"
#include "qc/clock.h"

enum sched_state {
	SCHED_NOT_DUE, /* done recently: next due later */
	SCHED_DUE,     /* due today (or within its window) */
	SCHED_OVERDUE, /* past its window */
};

struct sched_status {
	enum sched_state state;
	bool never_done;
	bool done_today;
	bool has_due;
	struct qc_date due;  /* the due date (never done: today, or the next treatment day) */
	struct qc_date last; /* last valid completion (when !never_done) */
};

/* Weekdays that are not French public holidays (Easter Monday, Ascension and Whit Monday
 * computed from the date of Easter). */
bool sched_treatment_day(struct qc_date d);
bool sched_french_holiday(struct qc_date d);
struct qc_date sched_easter(int year);

/* Status of a test with that frequency; has_last false when never done. */
void sched_eval(const struct qc_frequency *f, bool has_last, struct qc_date last,
		struct qc_date today, struct sched_status *out);

const char *sched_state_name(enum sched_state s); /* "not_due", "due", "overdue" */

#endif
