/* Core services: SHA-256 vectors, dates and the clock, treatment days, due status. */
#include <errno.h>
#include <stdlib.h>

#include "qc/clock.h"
#include "qc/core.h"
#include "qc/sched.h"
#include "test.h"

TEST(core_sha256_vectors)
{
	char hex[65];
	qc_sha256_hex("", 0, hex);
	CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	qc_sha256_hex("abc", 3, hex);
	CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	qc_sha256_hex(two, strlen(two), hex);
	CHECK_STR(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	/* A file across several read blocks: one million 'a'. */
	char path[512];
	snprintf(path, sizeof(path), "%s/a.bin", t_tmpdir());
	FILE *f = fopen(path, "wb");
	REQUIRE(f);
	for (int i = 0; i < 1000000; i++)
		fputc('a', f);
	fclose(f);
	REQUIRE_OK(qc_sha256_file(path, hex));
	CHECK_STR(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	CHECK(qc_sha256_file("/nonexistent", hex) == QC_ERR_IO);
}

TEST(core_dates)
{
	struct qc_date d;
	CHECK(qc_parse_date("2026-11-22", &d) && d.y == 2026 && d.m == 11 && d.d == 22);
	CHECK(!qc_parse_date("2026-02-29", &d));
	CHECK(qc_parse_date("2028-02-29", &d));
	CHECK(!qc_parse_date("2026-13-01", &d));
	CHECK(!qc_parse_date("26-11-22", &d));
	CHECK(!qc_parse_date("2026-11-22x", &d));
	CHECK(qc_date_weekday((struct qc_date){2026, 11, 22}) == 6); /* a Sunday */
	CHECK(qc_date_diff((struct qc_date){2024, 2, 28}, (struct qc_date){2024, 3, 1}) == 2);
	struct qc_date e = qc_date_add((struct qc_date){2026, 12, 31}, 1);
	CHECK(e.y == 2027 && e.m == 1 && e.d == 1);
	time_t t;
	CHECK(qc_parse_datetime("2026-11-22 08:30", &t));
	CHECK(qc_parse_datetime("2026-11-22T08:30:15", &t));
	CHECK(!qc_parse_datetime("2026-11-22 25:00", &t));
	REQUIRE_OK(qc_clock_set("2026-06-15"));
	d = qc_today();
	CHECK(d.y == 2026 && d.m == 6 && d.d == 15);
	REQUIRE_OK(qc_clock_set("2026-06-15 10:20:30"));
	char buf[20];
	qc_format_time(qc_now(), buf, sizeof(buf));
	CHECK_STR(buf, "2026-06-15 10:20:30");
	CHECK(qc_clock_set("yesterday") == QC_ERR_INVALID);
	qc_clock_set(NULL);
}

TEST(sched_french_holidays_and_easter)
{
	struct qc_date e = sched_easter(2026);
	CHECK(e.m == 4 && e.d == 5);
	e = sched_easter(2027);
	CHECK(e.m == 3 && e.d == 28);
	CHECK(sched_french_holiday((struct qc_date){2026, 4, 6}));  /* Easter Monday */
	CHECK(sched_french_holiday((struct qc_date){2026, 5, 14})); /* Ascension */
	CHECK(sched_french_holiday((struct qc_date){2026, 5, 25})); /* Whit Monday */
	CHECK(sched_french_holiday((struct qc_date){2026, 7, 14}));
	CHECK(sched_french_holiday((struct qc_date){2026, 11, 11}));
	CHECK(!sched_french_holiday((struct qc_date){2026, 11, 12}));
	CHECK(!sched_treatment_day(NULL, (struct qc_date){2026, 11, 22})); /* Sunday */
	CHECK(sched_treatment_day(NULL, (struct qc_date){2026, 11, 23}));
	CHECK(!sched_treatment_day(NULL, (struct qc_date){2026, 12, 25}));
}

struct due_case {
	const char *last; /* "" = never done */
	const char *today;
	enum sched_state state;
	const char *due;
};

static void check_cases(const struct qc_frequency *f, const struct sched_calendar *cal,
			const struct due_case *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct qc_date last = {0}, today;
		struct sched_status st;
		char due[11];
		bool has_last = c[i].last[0] && qc_parse_date(c[i].last, &last);
		REQUIRE(qc_parse_date(c[i].today, &today));
		sched_eval(f, cal, has_last, last, today, &st);
		qc_date_str(st.due, due);
		CHECKF(st.state == c[i].state && !strcmp(due, c[i].due),
		       "%s: last %s, today %s: %s due %s, expected %s due %s", f->id, c[i].last,
		       c[i].today, sched_state_name(st.state), due, sched_state_name(c[i].state),
		       c[i].due);
	}
}

TEST(sched_daily_over_weekends_and_holidays)
{
	struct qc_frequency daily = {
	    .id = "daily", .every = 1, .unit = 'd', .treatment_days = true, .window_start = -1};
	static const struct due_case cases[] = {
	    {"2026-11-20", "2026-11-20", SCHED_NOT_DUE, "2026-11-23"}, /* Friday done */
	    {"2026-11-20", "2026-11-22", SCHED_NOT_DUE, "2026-11-23"}, /* Sunday */
	    {"2026-11-20", "2026-11-23", SCHED_DUE, "2026-11-23"},     /* Monday: due all day */
	    {"2026-11-20", "2026-11-24", SCHED_OVERDUE, "2026-11-23"}, /* next treatment day */
	    {"2026-11-10", "2026-11-11", SCHED_NOT_DUE, "2026-11-12"}, /* 11 Nov is a holiday */
	    {"2026-11-10", "2026-11-12", SCHED_DUE, "2026-11-12"},
	    {"2026-04-03", "2026-04-06", SCHED_NOT_DUE, "2026-04-07"}, /* Easter Monday */
	    {"", "2026-11-22", SCHED_NOT_DUE, "2026-11-23"},	       /* never done, on a Sunday */
	    {"", "2026-11-23", SCHED_DUE, "2026-11-23"}, /* never done: due, not overdue */
	};
	check_cases(&daily, NULL, cases, QC_ARRAY_LEN(cases));
}

TEST(sched_weekly_and_monthly_windows)
{
	struct qc_frequency weekly = {
	    .id = "weekly", .every = 1, .unit = 'w', .window_start = -1, .window_end = 2};
	static const struct due_case w[] = {
	    {"2026-11-16", "2026-11-22", SCHED_NOT_DUE, "2026-11-23"},
	    {"2026-11-16", "2026-11-23", SCHED_DUE, "2026-11-23"},
	    {"2026-11-16", "2026-11-25", SCHED_DUE, "2026-11-23"},
	    {"2026-11-16", "2026-11-26", SCHED_OVERDUE, "2026-11-23"},
	    {"", "2026-11-22", SCHED_DUE, "2026-11-22"},
	};
	check_cases(&weekly, NULL, w, QC_ARRAY_LEN(w));
	struct qc_frequency monthly = {
	    .id = "monthly", .every = 1, .unit = 'm', .window_start = -1, .window_end = 7};
	static const struct due_case m[] = {
	    {"2026-01-31", "2026-02-27", SCHED_NOT_DUE, "2026-02-28"}, /* end of month */
	    {"2026-01-31", "2026-03-07", SCHED_DUE, "2026-02-28"},
	    {"2026-01-31", "2026-03-08", SCHED_OVERDUE, "2026-02-28"},
	    {"2026-12-15", "2027-01-15", SCHED_DUE, "2027-01-15"},
	};
	check_cases(&monthly, NULL, m, QC_ARRAY_LEN(m));
}

TEST(sched_downtime_and_closed_days)
{
	struct qc_frequency daily = {
	    .id = "daily", .every = 1, .unit = 'd', .treatment_days = true, .window_start = -1};
	static const int closed[][3] = {{2026, 12, 24}, {2026, 12, 31}};
	struct sched_period down[] = {{{2026, 11, 30}, {2026, 12, 4}}};
	struct sched_calendar cal = {closed, 2, down, 1};
	static const struct due_case cases[] = {
	    /* Done the Friday before the service week: not due during it, due on its first day
	     * back, not overdue. */
	    {"2026-11-27", "2026-11-30", SCHED_NOT_DUE, "2026-12-07"},
	    {"2026-11-27", "2026-12-03", SCHED_NOT_DUE, "2026-12-07"},
	    {"2026-11-27", "2026-12-07", SCHED_DUE, "2026-12-07"},
	    {"2026-11-27", "2026-12-08", SCHED_OVERDUE, "2026-12-07"},
	    /* Overdue before the downtime: due again (not overdue) when the machine is back. */
	    {"2026-11-20", "2026-12-07", SCHED_DUE, "2026-12-07"},
	    /* Closed days are skipped like holidays. */
	    {"2026-12-23", "2026-12-24", SCHED_NOT_DUE, "2026-12-28"},
	    {"2026-12-30", "2026-12-31", SCHED_NOT_DUE, "2027-01-04"},
	    {"", "2026-12-02", SCHED_NOT_DUE, "2026-12-07"},
	};
	check_cases(&daily, &cal, cases, QC_ARRAY_LEN(cases));
	CHECK(sched_in_downtime(&cal, (struct qc_date){2026, 12, 4}));
	CHECK(!sched_in_downtime(&cal, (struct qc_date){2026, 12, 5}));
	/* A weekly test is not stopped by the downtime. */
	struct qc_frequency weekly = {
	    .id = "weekly", .every = 1, .unit = 'w', .window_start = -1, .window_end = 2};
	static const struct due_case w[] = {
	    {"2026-11-23", "2026-12-02", SCHED_DUE, "2026-11-30"},
	    {"2026-11-23", "2026-12-03", SCHED_OVERDUE, "2026-11-30"}};
	check_cases(&weekly, &cal, w, QC_ARRAY_LEN(w));
}

TEST(sched_window_mode_keeps_the_phase)
{
	/* Monthly on the 1st, counts as on time from 7 days before, overdue 7 days after. */
	struct qc_frequency m = {.id = "monthly_1st",
				 .every = 1,
				 .unit = 'm',
				 .window_start = 7,
				 .window_end = 7,
				 .day = 1};
	static const struct due_case cases[] = {
	    {"2026-03-20", "2026-03-28", SCHED_NOT_DUE, "2026-04-01"}, /* early: due unchanged */
	    {"2026-03-28", "2026-04-15", SCHED_NOT_DUE, "2026-05-01"}, /* in the window: next */
	    {"2026-04-05", "2026-05-01", SCHED_DUE, "2026-05-01"},     /* late: no drift */
	    {"2026-04-27", "2026-05-20", SCHED_NOT_DUE, "2026-06-01"},
	    {"2026-04-05", "2026-05-08", SCHED_DUE, "2026-05-01"},
	    {"2026-04-05", "2026-05-09", SCHED_OVERDUE, "2026-05-01"},
	};
	check_cases(&m, NULL, cases, QC_ARRAY_LEN(cases));
	/* Weekly on Mondays with a 2-day window. */
	struct qc_frequency w = {.id = "weekly_mon",
				 .every = 1,
				 .unit = 'w',
				 .window_start = 2,
				 .window_end = 0,
				 .weekdays = 1};
	static const struct due_case wc[] = {
	    {"2026-11-21", "2026-11-23", SCHED_NOT_DUE, "2026-11-30"}, /* Saturday: in window */
	    {"2026-11-20", "2026-11-23", SCHED_DUE, "2026-11-23"},     /* Friday: too early */
	    {"2026-11-20", "2026-11-24", SCHED_OVERDUE, "2026-11-23"},
	    {"2026-11-25", "2026-11-30", SCHED_DUE, "2026-11-30"},
	};
	check_cases(&w, NULL, wc, QC_ARRAY_LEN(wc));
	/* Every 14 days from Monday 5 January 2026: ... 9 Nov, 23 Nov, 7 Dec ... */
	struct qc_frequency f = {.id = "fortnight",
				 .every = 14,
				 .unit = 'd',
				 .window_start = 3,
				 .window_end = 2,
				 .start_y = 2026,
				 .start_m = 1,
				 .start_d = 5};
	static const struct due_case fc[] = {
	    {"2026-11-20", "2026-11-23", SCHED_NOT_DUE, "2026-12-07"}, /* 3 days early: counts */
	    {"2026-11-19", "2026-11-23", SCHED_DUE, "2026-11-23"},     /* 4 days early: not */
	    {"2026-11-26", "2026-12-09", SCHED_DUE, "2026-12-07"},
	    {"2026-11-26", "2026-12-10", SCHED_OVERDUE, "2026-12-07"},
	};
	check_cases(&f, NULL, fc, QC_ARRAY_LEN(fc));
}

TEST(core_value_format)
{
	char b[32];
	qc_format_value(150.1234, "mm", b, sizeof(b));
	CHECK_STR(b, "150.12");
	qc_format_value(2154.69, "", b, sizeof(b));
	CHECK_STR(b, "2154.7");
	qc_format_value(0.2034, "mm", b, sizeof(b));
	CHECK_STR(b, "0.203");
	qc_format_value(0.00725, "%", b, sizeof(b));
	CHECK_STR(
	    b, "0.0073"); /* %.2g rounds half to even on the binary value 0.00725000000000000027 */
	qc_format_value(-1e-15, "mm", b, sizeof(b));
	CHECK_STR(b, "0");
	qc_format_value(9, "", b, sizeof(b));
	CHECK_STR(b, "9");
	qc_format_value(NAN, "mm", b, sizeof(b));
	CHECK_STR(b, "-");
}

static void mark(void *ud, size_t i)
{
	int *seen = ud;
	seen[i]++; /* one index per call: no two threads touch the same element */
}

TEST(parallel_for_calls_every_index_once)
{
	enum { N = 1000 };
	int *seen = qc_xcalloc(N, sizeof(int));
	qc_parallel_for(N, mark, seen);
	int once = 0;
	for (int i = 0; i < N; i++)
		once += seen[i] == 1;
	CHECK(once == N);
	qc_parallel_for(0, mark, seen); /* nothing to do */
	qc_parallel_for(1, mark, seen);
	CHECK(seen[0] == 2 && seen[1] == 1);
	free(seen);
}

TEST(core_number_parsing_is_strict)
{
	long v = 0;
	double d = 0;
	CHECK(qc_parse_int(" 12 ", &v) && v == 12);
	CHECK(qc_parse_int("-3", &v) && v == -3);
	CHECK(!qc_parse_int("1A", &v) && !qc_parse_int("", &v) && !qc_parse_int("  ", &v));
	CHECK(!qc_parse_int("99999999999999999999", &v) && !qc_parse_int("1.5", &v));
	CHECK(qc_parse_double("\t0.25\n", &d) && d == 0.25);
	CHECK(qc_parse_double("-1e3", &d) && d == -1000);
	CHECK(!qc_parse_double("inf", &d) && !qc_parse_double("nan", &d));
	CHECK(!qc_parse_double("1.5x", &d) && !qc_parse_double("1e999", &d));
	CHECK(!qc_parse_double("", &d) && !qc_parse_double("1,5", &d));
	CHECK_STR(qc_errno_text(ENOENT), "no such file or directory");
	CHECK_STR(qc_lower_first("DICOM file"), "DICOM file"); /* acronyms stay */
	CHECK_STR(qc_lower_first("Bad tag"), "bad tag");
}
