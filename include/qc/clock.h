/* The only reader of "now": tests and --today move it; everything else asks here. */
#ifndef QC_CLOCK_H
#define QC_CLOCK_H

#include <stdbool.h>
#include <time.h>

#include "qc/core.h"

/* A calendar date without time zone. */
struct qc_date {
	int y, m, d;
};

/*
 * Fixes "today" (YYYY-MM-DD, the time of day still runs) or "now" (YYYY-MM-DD HH:MM[:SS]).
 * Reads QC_TODAY / QC_NOW from the environment when called with NULL.
 */
enum qc_status qc_clock_set(const char *when);
time_t qc_now(void);
struct qc_date qc_today(void);

/* "YYYY-MM-DD HH:MM:SS" in local time; buf of at least 20 bytes. */
void qc_format_time(time_t t, char *buf, size_t n);
bool qc_parse_date(const char *s, struct qc_date *out);
/* Accepts "YYYY-MM-DD", "YYYY-MM-DD HH:MM", "YYYY-MM-DD HH:MM:SS" and the 'T' separator. */
bool qc_parse_datetime(const char *s, time_t *out);
void qc_date_str(struct qc_date d, char buf[11]);
/* Days from a to b (b - a). */
long qc_date_diff(struct qc_date a, struct qc_date b);
struct qc_date qc_date_add(struct qc_date d, long days);
/* 0 = Monday ... 6 = Sunday. */
int qc_date_weekday(struct qc_date d);

#endif
