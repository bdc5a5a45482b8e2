/* Due dates of tests: classic-mode recurrence, treatment-day calendar, due windows. */
#include <string.h>

#include "qc/sched.h"

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

bool sched_treatment_day(struct qc_date d)
{
	return qc_date_weekday(d) < 5 && !sched_french_holiday(d);
}

static struct qc_date next_treatment_day(struct qc_date d, bool inclusive)
{
	if (!inclusive)
		d = qc_date_add(d, 1);
	for (int i = 0; i < 30 && !sched_treatment_day(d); i++)
		d = qc_date_add(d, 1);
	return d;
}

static struct qc_date add_months(struct qc_date d, int months)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int m0 = d.m - 1 + months;
	struct qc_date r = {d.y + m0 / 12, m0 % 12 + 1, d.d};
	int max = mdays[r.m - 1];
	if (r.m == 2 && ((r.y % 4 == 0 && r.y % 100 != 0) || r.y % 400 == 0))
		max = 29;
	r.d = r.d > max ? max : r.d;
	return r;
}

static struct qc_date next_due(const struct qc_frequency *f, struct qc_date last)
{
	struct qc_date d;
	switch (f->unit) {
	case 'w': d = qc_date_add(last, 7L * f->every); break;
	case 'm': d = add_months(last, f->every); break;
	default: d = qc_date_add(last, f->every); break;
	}
	return f->treatment_days ? next_treatment_day(d, true) : d;
}

/* The last day of the due window: window_end days later, counted in treatment days for
 * treatment-day frequencies (window_end 0: due all that day, overdue from the next one). */
static struct qc_date window_close(const struct qc_frequency *f, struct qc_date due)
{
	if (!f->treatment_days)
		return qc_date_add(due, f->window_end);
	struct qc_date d = due;
	for (int i = 0; i < f->window_end; i++)
		d = next_treatment_day(d, false);
	return d;
}

void sched_eval(const struct qc_frequency *f, bool has_last, struct qc_date last,
		struct qc_date today, struct sched_status *out)
{
	memset(out, 0, sizeof(*out));
	out->never_done = !has_last;
	out->has_due = true;
	if (!has_last) {
		/* Never done: due (not overdue) on the days the test applies. */
		out->due = f->treatment_days ? next_treatment_day(today, true) : today;
		out->state = qc_date_diff(out->due, today) == 0 ? SCHED_DUE : SCHED_NOT_DUE;
		return;
	}
	out->last = last;
	out->done_today = qc_date_diff(last, today) == 0;
	out->due = next_due(f, last);
	if (qc_date_diff(today, out->due) > 0)
		out->state = SCHED_NOT_DUE;
	else if (qc_date_diff(today, window_close(f, out->due)) >= 0)
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
