/* Due dates: frequencies, the treatment-day calendar, the status of a test on a day (pure). */
#ifndef QC_SCHED_H
#define QC_SCHED_H

#include <stdbool.h>
#include <stddef.h>

#include "qc/catalog.h"
#include "qc/clock.h"

enum sched_state {
	SCHED_NOT_DUE, /* done recently: next due later */
	SCHED_DUE,     /* due today (or within its window) */
	SCHED_OVERDUE, /* past its window */
};

/* An inclusive period of days, e.g. machine downtime for service. */
struct sched_period {
	struct qc_date from, to;
};

/*
 * Days without treatment besides weekends and French public holidays: the site's closed days
 * and the machine's downtime periods. NULL pointers / zero counts = none.
 */
struct sched_calendar {
	const int (*closed)[3]; /* y, m, d */
	size_t n_closed;
	const struct sched_period *down;
	size_t n_down;
};

struct sched_status {
	enum sched_state state;
	bool never_done;
	bool done_today;
	bool in_downtime;    /* today lies in a downtime period (daily tests are then not due) */
	struct qc_date due;  /* the due date (never done: today, or the next treatment day) */
	struct qc_date last; /* last valid completion (when !never_done) */
};

bool sched_french_holiday(struct qc_date d);
struct qc_date sched_easter(int year);
bool sched_in_downtime(const struct sched_calendar *cal, struct qc_date d);
/* A weekday that is not a French public holiday, a closed day or a downtime day. */
bool sched_treatment_day(const struct sched_calendar *cal, struct qc_date d);

/*
 * Status of a test with that frequency on `today`, from its last valid completion (has_last
 * false when never done). Classic mode: next due = completion + interval. Window mode
 * (window_start >= 0): the rule's occurrences keep their phase; a completion up to
 * window_start days before an occurrence satisfies it, so the next due date is the first
 * occurrence more than window_start days after the completion. Due from the due date through
 * window_end days later (treatment days for treatment-day frequencies: window_end 0 = due all
 * day, overdue from the next treatment day), overdue after.
 */
void sched_eval(const struct qc_frequency *f, const struct sched_calendar *cal, bool has_last,
		struct qc_date last, struct qc_date today, struct sched_status *out);

const char *sched_state_name(enum sched_state s); /* "not_due", "due", "overdue" */

#endif
