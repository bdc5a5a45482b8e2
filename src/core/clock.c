/* The program's notion of "now" and calendar arithmetic; the only place that reads the clock. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qc/clock.h"
#include "qc/i18n.h"

static bool fixed_day, fixed_time;
static struct qc_date forced_day;
static time_t forced_time;

static bool valid_date(int y, int m, int d)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (y < 1900 || y > 9999 || m < 1 || m > 12 || d < 1)
		return false;
	int max = mdays[m - 1];
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		max = 29;
	return d <= max;
}

bool qc_parse_date(const char *s, struct qc_date *out)
{
	int y, m, d, n = 0;
	if (!s || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || s[n] || n != 10)
		return false;
	if (!valid_date(y, m, d))
		return false;
	*out = (struct qc_date){y, m, d};
	return true;
}

bool qc_parse_datetime(const char *s, time_t *out)
{
	int y, m, d, hh = 0, mm = 0, ss = 0, n = 0;
	if (!s || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10 ||
	    !valid_date(y, m, d))
		return false;
	const char *t = s + n;
	if (*t == ' ' || *t == 'T') {
		int k = 0;
		if (sscanf(t + 1, "%2d:%2d%n", &hh, &mm, &k) != 2)
			return false;
		t += 1 + k;
		if (*t == ':') {
			if (sscanf(t + 1, "%2d%n", &ss, &k) != 1)
				return false;
			t += 1 + k;
		}
	}
	if (*t || hh > 23 || mm > 59 || ss > 60 || hh < 0 || mm < 0 || ss < 0)
		return false;
	struct tm tm = {.tm_year = y - 1900,
			.tm_mon = m - 1,
			.tm_mday = d,
			.tm_hour = hh,
			.tm_min = mm,
			.tm_sec = ss,
			.tm_isdst = -1};
	*out = mktime(&tm);
	return *out != (time_t)-1;
}

enum qc_status qc_clock_set(const char *when)
{
	time_t t;
	struct qc_date d;
	fixed_day = fixed_time = false;
	if (!when) {
		const char *now = getenv("QC_NOW");
		const char *today = getenv("QC_TODAY");
		if (now && *now)
			return qc_clock_set(now);
		if (!today || !*today)
			return QC_OK;
		when = today;
	}
	if (qc_parse_date(when, &d)) {
		fixed_day = true;
		fixed_time = false;
		forced_day = d;
		return QC_OK;
	}
	if (qc_parse_datetime(when, &t)) {
		fixed_time = true;
		fixed_day = false;
		forced_time = t;
		return QC_OK;
	}
	return qc_fail(QC_ERR_INVALID, _("bad date '%s' (expected YYYY-MM-DD or YYYY-MM-DD HH:MM)"),
		       when);
}

time_t qc_now(void)
{
	if (fixed_time)
		return forced_time;
	time_t t = time(NULL);
	if (fixed_day) {
		struct tm tm;
		localtime_r(&t, &tm);
		tm.tm_year = forced_day.y - 1900;
		tm.tm_mon = forced_day.m - 1;
		tm.tm_mday = forced_day.d;
		tm.tm_isdst = -1;
		return mktime(&tm);
	}
	return t;
}

struct qc_date qc_today(void)
{
	time_t t = qc_now();
	struct tm tm;
	localtime_r(&t, &tm);
	return (struct qc_date){tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday};
}

void qc_format_time(time_t t, char *buf, size_t n)
{
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(buf, n, "%Y-%m-%d %H:%M:%S", &tm);
}

void qc_date_str(struct qc_date d, char buf[11])
{
	int y = d.y < 0 ? 0 : d.y % 10000, m = d.m < 1 ? 1 : d.m % 13, dd = d.d < 1 ? 1 : d.d % 32;
	if (snprintf(buf, 11, "%04d-%02d-%02d", y, m, dd) < 0)
		buf[0] = '\0';
}

/* Days since 1970-01-01 of a proleptic Gregorian date (civil-from-days inverse). */
static long days_from_civil(struct qc_date d)
{
	long y = d.y - (d.m <= 2);
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153 * (d.m + (d.m > 2 ? -3 : 9)) + 2) / 5 + d.d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static struct qc_date civil_from_days(long z)
{
	z += 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097;
	long doe = z - era * 146097;
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long y = yoe + era * 400;
	long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long mp = (5 * doy + 2) / 153;
	long d = doy - (153 * mp + 2) / 5 + 1;
	long m = mp + (mp < 10 ? 3 : -9);
	return (struct qc_date){(int)(y + (m <= 2)), (int)m, (int)d};
}

long qc_date_diff(struct qc_date a, struct qc_date b)
{
	return days_from_civil(b) - days_from_civil(a);
}

struct qc_date qc_date_add(struct qc_date d, long days)
{
	return civil_from_days(days_from_civil(d) + days);
}

int qc_date_weekday(struct qc_date d)
{
	long z = days_from_civil(d); /* 1970-01-01 was a Thursday (3) */
	long w = (z + 3) % 7;
	return (int)(w < 0 ? w + 7 : w);
}
