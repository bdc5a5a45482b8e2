/* Benchmarks of the QC programme on ten years of use: due list and checklist start. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "qc/catalog.h"
#include "qc/clock.h"
#include "qc/run.h"
#include "qc/store.h"

#define N_TESTS	   60
#define N_SESSIONS 50000
#define N_MEASURES 10

/* The default catalogue plus manual tests up to 60. */
static char *big_catalogue(void)
{
	struct qc_buf b = {0};
	static const char *const freqs[] = {"daily", "weekly", "monthly"};
	qc_buf_add(&b, cat_default_text());
	struct qc_catalog cat;
	if (cat_load_default(&cat)) {
		fprintf(stderr, "bench: %s\n", qc_errmsg());
		exit(1);
	}
	for (size_t i = cat.n_tests; i < N_TESTS; i++) {
		qc_buf_addf(&b,
			    "\n[test extra_%02zu]\nname.fr = Contrôle %zu\nname.en = Check %zu\n"
			    "frequency = %s\ninput = manual\n",
			    i, i, i, freqs[i % 3]);
		for (int m = 0; m < N_MEASURES; m++)
			qc_buf_addf(&b,
				    "[measure extra_%02zu.m%d]\nlabel.fr = m\nlabel.en = m\n"
				    "reference = 0\ntolerance = 1\naction = 2\n",
				    i, m);
	}
	cat_release(&cat);
	return qc_buf_detach(&b);
}

static void die_sql(sqlite3 *db, const char *what)
{
	fprintf(stderr, "bench: %s: %s\n", what, sqlite3_errmsg(db));
	exit(1);
}

/* Ten years of sessions written straight through SQLite in one transaction (the program's own
 * save path costs an fsync per session, which is not what is measured here). */
static void fill(const char *path, const struct qc_catalog *cat)
{
	store_t *st;
	if (store_open(path, &st)) {
		fprintf(stderr, "bench: %s\n", qc_errmsg());
		exit(1);
	}
	store_close(st);
	sqlite3 *db;
	sqlite3_stmt *ss, *ms, *rs;
	if (sqlite3_open(path, &db) != SQLITE_OK)
		die_sql(db, "open");
	sqlite3_exec(db, "PRAGMA synchronous = OFF; BEGIN", NULL, NULL, NULL);
	if (sqlite3_prepare_v2(
		db,
		"INSERT INTO sessions (test, machine, completed_at, started_at, "
		"operator, verdict, created_at) VALUES (?1, 'unity', ?2, ?2, 'tech', "
		"'OK', ?2)",
		-1, &ss, NULL) ||
	    sqlite3_prepare_v2(
		db,
		"INSERT INTO measurements (session_id, idx, name, image, unit, value, "
		"ref, tol_low, tol_high, act_low, act_high, verdict) VALUES (?1, ?2, "
		"'m', -1, 'mm', ?3, 0, -1, 1, -2, 2, 'OK')",
		-1, &ms, NULL) ||
	    sqlite3_prepare_v2(db,
			       "INSERT INTO reviews (session_id, reviewer, at, decision) VALUES "
			       "(?1, 'phys', ?2, 'approved')",
			       -1, &rs, NULL))
		die_sql(db, "prepare");
	struct qc_date start = {2016, 11, 1};
	for (long i = 0; i < N_SESSIONS; i++) {
		struct qc_date d = qc_date_add(start, i * 3650L / N_SESSIONS);
		char when[20], day[11];
		qc_date_str(d, day);
		snprintf(when, sizeof(when), "%s %02ld:%02ld:00", day, 7 + i % 10, i % 60);
		sqlite3_bind_text(ss, 1, cat->tests[i % cat->n_tests].id, -1, SQLITE_STATIC);
		sqlite3_bind_text(ss, 2, when, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(ss) != SQLITE_DONE)
			die_sql(db, "session");
		sqlite3_reset(ss);
		sqlite3_int64 id = sqlite3_last_insert_rowid(db);
		for (int k = 0; k < N_MEASURES; k++) {
			sqlite3_bind_int64(ms, 1, id);
			sqlite3_bind_int(ms, 2, k);
			sqlite3_bind_double(ms, 3, 0.01 * (double)((i + k) % 100));
			if (sqlite3_step(ms) != SQLITE_DONE)
				die_sql(db, "measurement");
			sqlite3_reset(ms);
		}
		if (i % 10) { /* most sessions reviewed */
			sqlite3_bind_int64(rs, 1, id);
			sqlite3_bind_text(rs, 2, when, -1, SQLITE_TRANSIENT);
			if (sqlite3_step(rs) != SQLITE_DONE)
				die_sql(db, "review");
			sqlite3_reset(rs);
		}
	}
	sqlite3_finalize(ss);
	sqlite3_finalize(ms);
	sqlite3_finalize(rs);
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		die_sql(db, "commit");
	sqlite3_close(db);
}

BENCH(bench_due_ten_years, 40)
{
	enum { N = 21 };
	char path[600], catpath[600];
	double t[N];
	snprintf(path, sizeof(path), "%s/ten-years.db", tmpdir);
	snprintf(catpath, sizeof(catpath), "%s/sixty.cat", tmpdir);
	char *text = big_catalogue();
	struct qc_catalog cat;
	if (cat_parse(text, "sixty.cat", &cat)) {
		fprintf(stderr, "bench: %s\n", qc_errmsg());
		exit(1);
	}
	FILE *f = fopen(catpath, "w");
	if (!f || fputs(text, f) < 0 || fclose(f)) {
		fprintf(stderr, "bench: cannot write %s\n", catpath);
		exit(1);
	}
	free(text);
	unlink(path);
	double t0 = bench_now_ms();
	fill(path, &cat);
	printf("QC programme: %zu tests, %d sessions, %d measurements over 10 years (built in %.1f "
	       "s)\n",
	       cat.n_tests, N_SESSIONS, N_SESSIONS * N_MEASURES, (bench_now_ms() - t0) / 1000);
	store_t *st;
	if (store_open(path, &st)) {
		fprintf(stderr, "bench: %s\n", qc_errmsg());
		exit(1);
	}
	for (int i = 0; i < N; i++) {
		struct run_due *items;
		size_t n;
		t0 = bench_now_ms();
		if (run_due_list(&cat, st, (struct qc_date){2026, 11, 23}, &items, &n)) {
			fprintf(stderr, "bench: %s\n", qc_errmsg());
			exit(1);
		}
		t[i] = bench_now_ms() - t0;
		free(items);
	}
	bench_report("  due list of the 60 tests", t, N, 50);
	store_close(st);
	char *argv[] = {"build/unityqc", "--db", path, "--catalog", catpath, "--lang", "en", NULL};
	for (int i = 0; i < N; i++)
		t[i] = bench_tui_start(argv);
	bench_report("  TUI start to the drawn checklist on that database", t, N, 100);
	cat_release(&cat);
}
