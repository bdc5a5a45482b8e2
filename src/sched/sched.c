/* Due dates of tests: classic and window modes, treatment-day calendar, downtime. */
#include <string.h>

#include "qc/sched.h"

/* The phase of rules without a start date: a Monday, the first of a month. */
static const struct qc_date default_start = {2000, 1, 3};

struct qc_date sched_easter(int y)
{
	/* Anonymous Gregorian algorithm (Meeus/Jones/Butcher). */
	int a = y % 19, b = y / 100, c = y % 100, d = b / 4, e = b % 4;
	int f = (b + 8) / 25, g = (b - f + 1) / 3, h = (19 * a + b - d - g + 15) % 30;
	int i = c / 4, k = c % 4, l = (32 + 2 * e + 2 * i - h - k) % 7;
	int m = (a + 11 * h + 22 * l) / 451;
	int month = (h + l - 7 * m + 114) / 31, day = (h + l - 7 * m + 114) % 31 + 1;
	return (struct qc_date){y, month, day};
}

bool sched_french_holiday(struct qc_date d)
{
	static const int fixed[][2] = {{1, 1},	{5, 1},	 {5, 8},   {7, 14},
				       {8, 15}, {11, 1}, {11, 11}, {12, 25}};
	for (size_t i = 0; i < QC_ARRAY_LEN(fixed); i++)
		if (d.m == fixed[i][0] && d.d == fixed[i][1])
			return true;
	long from_easter = qc_date_diff(sched_easter(d.y), d);
	/* Easter Monday, Ascension Thursday, Whit Monday. */
	return from_easter == 1 || from_easter == 39 || from_easter == 50;
}

bool sched_in_downtime(const struct sched_calendar *cal, struct qc_date d)
{
	for (size_t i = 0; cal && i < cal->n_down; i++)
		if (qc_date_diff(cal->down[i].from, d) >= 0 &&
		    qc_date_diff(d, cal->down[i].to) >= 0)
			return true;
	return false;
}

static bool closed_day(const struct sched_calendar *cal, struct qc_date d)
{
	for (size_t i = 0; cal && i < cal->n_closed; i++)
		if (cal->closed[i][0] == d.y && cal->closed[i][1] == d.m &&
		    cal->closed[i][2] == d.d)
			return true;
	return false;
}

bool sched_treatment_day(const struct sched_calendar *cal, struct qc_date d)
{
	return qc_date_weekday(d) < 5 && !sched_french_holiday(d) && !closed_day(cal, d) &&
	       !sched_in_downtime(cal, d);
}

static struct qc_date next_treatment_day(const struct sched_calendar *cal, struct qc_date d,
					 bool inclusive)
{
	if (!inclusive)
		d = qc_date_add(d, 1);
	/* A long downtime can hold many days: look a year ahead at most. */
	for (int i = 0; i < 400 && !sched_treatment_day(cal, d); i++)
		d = qc_date_add(d, 1);
	return d;
}

static int days_in_month(int y, int m)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0) ? 29 : mdays[m - 1];
}

/* Month arithmetic keeping the day (or the month's last day), so monthlies do not drift. */
static struct qc_date add_months(struct qc_date d, int months, int day)
{
	int m0 = d.y * 12 + (d.m - 1) + months;
	struct qc_date r = {m0 / 12, m0 % 12 + 1, day};
	int max = days_in_month(r.y, r.m);
	r.d = r.d > max ? max : r.d;
	return r;
}

static struct qc_date rule_start(const struct qc_frequency *f)
{
	if (f->start_y)
		return (struct qc_date){f->start_y, f->start_m, f->start_d};
	return default_start;
}

/* The first occurrence of the rule strictly after `after`. */
static struct qc_date next_occurrence(const struct qc_frequency *f, struct qc_date after)
{
	struct qc_date start = rule_start(f);
	if (f->unit == 'm') {
		int day = f->day ? f->day : start.d;
		long months = (after.y - start.y) * 12L + (after.m - start.m);
		long k = months < 0 ? 0 : months / f->every;
		for (;; k++) {
			struct qc_date o = add_months(start, (int)(k * f->every), day);
			if (qc_date_diff(after, o) > 0)
				return o;
		}
	}
	if (f->weekdays && f->unit == 'd') {
		struct qc_date d = qc_date_add(after, 1);
		while (!(f->weekdays & (1u << qc_date_weekday(d))))
			d = qc_date_add(d, 1);
		return d;
	}
	long step = f->unit == 'w' ? 7L * f->every : f->every;
	if (f->unit == 'w' && f->weekdays) {
		/* Weekly on a given weekday: move the phase to the first such day. */
		while (!(f->weekdays & (1u << qc_date_weekday(start))))
			start = qc_date_add(start, 1);
	}
	long since = qc_date_diff(start, after);
	long k = since < 0 ? 0 : since / step + 1;
	struct qc_date o = qc_date_add(start, k * step);
	while (qc_date_diff(after, o) <= 0)
		o = qc_date_add(o, step);
	return o;
}

static struct qc_date next_due(const struct qc_frequency *f, const struct sched_calendar *cal,
			       struct qc_date last)
{
	struct qc_date d;
	if (f->window_start >= 0 && !f->treatment_days)
		return next_occurrence(f, qc_date_add(last, f->window_start));
	switch (f->unit) {
	case 'w': d = qc_date_add(last, 7L * f->every); break;
	case 'm': d = add_months(last, f->every, last.d); break;
	default: d = qc_date_add(last, f->every); break;
	}
	return f->treatment_days ? next_treatment_day(cal, d, true) : d;
}

/* The last day of the due window. */
static struct qc_date window_close(const struct qc_frequency *f, const struct sched_calendar *cal,
				   struct qc_date due)
{
	if (!f->treatment_days)
		return qc_date_add(due, f->window_end);
	struct qc_date d = due;
	for (int i = 0; i < f->window_end; i++)
		d = next_treatment_day(cal, d, false);
	return d;
}

void sched_eval(const struct qc_frequency *f, const struct sched_calendar *cal, bool has_last,
		struct qc_date last, struct qc_date today, struct sched_status *out)
{
	memset(out, 0, sizeof(*out));
	out->never_done = !has_last;
	out->in_downtime = sched_in_downtime(cal, today);
	if (!has_last) {
		/* Never done: due (not overdue) on the days the test applies. */
		out->due = f->treatment_days ? next_treatment_day(cal, today, true) : today;
		out->state = qc_date_diff(out->due, today) == 0 ? SCHED_DUE : SCHED_NOT_DUE;
		return;
	}
	out->last = last;
	out->done_today = qc_date_diff(last, today) == 0;
	out->due = next_due(f, cal, last);
	if (f->treatment_days) {
		if (out->in_downtime) {
			/* No daily QC while the machine is down: due again on its first day back.
			 */
			out->due = next_treatment_day(cal, today, true);
			out->state = SCHED_NOT_DUE;
			return;
		}
		/* A downtime after the due date resets it: due on the first day back. */
		for (size_t i = 0; cal && i < cal->n_down; i++)
			if (qc_date_diff(out->due, cal->down[i].to) >= 0 &&
			    qc_date_diff(cal->down[i].to, today) > 0) {
				struct qc_date back =
				    next_treatment_day(cal, cal->down[i].to, false);
				if (qc_date_diff(out->due, back) > 0)
					out->due = back;
			}
	}
	if (qc_date_diff(today, out->due) > 0)
		out->state = SCHED_NOT_DUE;
	else if (qc_date_diff(today, window_close(f, cal, out->due)) >= 0)
		out->state = SCHED_DUE;
	else
		out->state = SCHED_OVERDUE;
}

const char *sched_state_name(enum sched_state s)
{
	switch (s) {
	case SCHED_NOT_DUE: return "not_due";
	case SCHED_DUE: return "due";
	case SCHED_OVERDUE: return "overdue";
	}
	return "?";
}
