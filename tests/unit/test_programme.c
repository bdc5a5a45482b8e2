/* The QC programme in the store: reviews, auto-approval, drafts, downtime, catalogue versions,
 * history, and the migration from schema version 1. */
#include <sqlite3.h>
#include <stdlib.h>

#include "qc/clock.h"
#include "qc/run.h"
#include "qc/store.h"
#include "test.h"

static store_t *open_db(const char *name)
{
	char path[512];
	store_t *st;
	snprintf(path, sizeof(path), "%s/%s", t_tmpdir(), name);
	if (store_open(path, &st) != QC_OK) {
		t_fail(__FILE__, __LINE__, "%s", qc_errmsg());
		longjmp(t_abort, 1);
	}
	return st;
}

/* A minimal manual session of `test` completed at `when` by `op`. */
static int64_t save(store_t *st, const char *test, const char *when, const char *op,
		    enum qc_verdict v, bool auto_approve)
{
	struct qc_session s = {0};
	qc_strlcpy(s.test, test, sizeof(s.test));
	qc_strlcpy(s.completed_at, when, sizeof(s.completed_at));
	qc_strlcpy(s.operator_name, op, sizeof(s.operator_name));
	s.verdict = v;
	s.auto_approve = auto_approve;
	s.rec = qc_xcalloc(1, sizeof(*s.rec));
	s.n_rec = 1;
	qc_strlcpy(s.rec[0].m.name, "level_pct", sizeof(s.rec[0].m.name));
	s.rec[0].m.has_value = true;
	s.rec[0].m.value = 71.5;
	s.rec[0].m.image = -1;
	s.rec[0].verdict = v;
	if (store_save_session(st, &s) != QC_OK) {
		t_fail(__FILE__, __LINE__, "%s", qc_errmsg());
		longjmp(t_abort, 1);
	}
	int64_t id = s.id;
	qc_session_release(&s);
	return id;
}

TEST(programme_reviews_and_scheduling)
{
	store_t *st = open_db("r.db");
	char when[20];
	int64_t a = save(st, "helium", "2026-11-16 08:00:00", "tech", QC_V_OK, false);
	int64_t b = save(st, "helium", "2026-11-23 08:00:00", "tech", QC_V_ACT, false);
	struct store_row *rows;
	size_t n;
	REQUIRE_OK(store_list_unreviewed(st, &rows, &n));
	CHECK(n == 2 && rows[0].id == a); /* oldest first */
	free(rows);
	/* Nobody reviews their own session unless allowed; a rejection needs a reason. */
	CHECK(store_review(st, b, "tech", true, NULL, false) == QC_ERR_INVALID);
	CHECK(strstr(qc_errmsg(), "cannot review it") != NULL);
	CHECK(store_review(st, b, "phys", false, "", false) == QC_ERR_INVALID);
	CHECK(store_review(st, 999, "phys", true, NULL, false) == QC_ERR_NOT_FOUND);
	REQUIRE_OK(store_review(st, b, "phys", false, "helium reading implausible", false));
	/* A rejected session does not count: the last valid one is a. */
	REQUIRE_OK(store_last_done(st, "helium", when));
	CHECK_STR(when, "2026-11-16 08:00:00");
	REQUIRE_OK(store_review(st, b, "chief", true, "checked with the vendor", false));
	REQUIRE_OK(store_last_done(st, "helium", when));
	CHECK_STR(when, "2026-11-23 08:00:00");
	REQUIRE_OK(store_review(st, a, "tech", true, NULL, true)); /* self-review allowed */
	REQUIRE_OK(store_list_sessions(st, "helium", NULL, 0, &rows, &n));
	REQUIRE(n == 2);
	CHECK(rows[0].id == b && rows[0].review == STORE_APPROVED);
	CHECK_STR(rows[0].reviewer, "chief");
	CHECK(rows[1].review == STORE_APPROVED);
	free(rows);
	REQUIRE_OK(store_list_unreviewed(st, &rows, &n));
	CHECK(n == 0);
	free(rows);
	store_close(st);
}

TEST(programme_auto_approval_and_corrections)
{
	store_t *st = open_db("a.db");
	int64_t a = save(st, "lasers", "2026-11-20 08:00:00", "tech", QC_V_OK, true);
	struct store_row *rows;
	size_t n;
	REQUIRE_OK(store_list_sessions(st, NULL, NULL, 0, &rows, &n));
	CHECK(n == 1 && rows[0].review == STORE_APPROVED);
	CHECK_STR(rows[0].reviewer, "auto");
	free(rows);
	/* A correction supersedes; the link is kept both ways. */
	struct qc_session s = {0};
	qc_strlcpy(s.test, "lasers", sizeof(s.test));
	qc_strlcpy(s.completed_at, "2026-11-20 09:00:00", sizeof(s.completed_at));
	qc_strlcpy(s.operator_name, "tech", sizeof(s.operator_name));
	s.verdict = QC_V_OK;
	s.supersedes = a;
	REQUIRE_OK(store_save_session(st, &s));
	REQUIRE_OK(store_list_sessions(st, NULL, NULL, 0, &rows, &n));
	CHECK(n == 2 && rows[0].supersedes == a && rows[1].superseded_by == s.id);
	free(rows);
	store_close(st);
}

TEST(programme_drafts_downtime_catalogue)
{
	store_t *st = open_db("d.db");
	char *data, who[64], at[20];
	CHECK(store_get_draft(st, "safety", &data, who, at) == QC_ERR_NOT_FOUND);
	REQUIRE_OK(store_put_draft(st, "safety", "anaïs", "door_interlock=yes\n"));
	REQUIRE_OK(store_put_draft(st, "safety", "bob", "door_interlock=no\n#comment=x\n"));
	REQUIRE_OK(store_get_draft(st, "safety", &data, who, at));
	CHECK_STR(data, "door_interlock=no\n#comment=x\n");
	CHECK_STR(who, "bob");
	free(data);
	REQUIRE_OK(store_drop_draft(st, "safety", "bob"));
	CHECK(store_get_draft(st, "safety", &data, who, at) == QC_ERR_NOT_FOUND);

	int64_t d1, d2;
	REQUIRE_OK(
	    store_add_downtime(st, "2026-11-30", "2026-12-11", "linac service", "phys", 0, &d1));
	CHECK(store_add_downtime(st, "2026-12-11", "2026-12-01", NULL, "phys", 0, &d2) ==
	      QC_ERR_INVALID);
	CHECK(store_add_downtime(st, "2026-12-xx", "2026-12-01", NULL, "phys", 0, &d2) ==
	      QC_ERR_INVALID);
	/* Ended early: a new row replaces the first. */
	REQUIRE_OK(
	    store_add_downtime(st, "2026-11-30", "2026-12-04", "linac service", "phys", d1, &d2));
	struct store_downtime *dt;
	size_t n;
	REQUIRE_OK(store_list_downtime(st, &dt, &n));
	CHECK(n == 1 && dt[0].id == d2);
	CHECK_STR(dt[0].to, "2026-12-04");
	free(dt);

	char *text;
	REQUIRE_OK(store_last_catalog(st, &text, at));
	CHECK(text == NULL);
	const char *changes[] = {"helium.level_pct tolerance\t70 -\t72 -"};
	int64_t v;
	CHECK(store_record_catalog(st, "[test x]\n", "site.cat", "phys", "", changes, 1, &v) ==
	      QC_ERR_INVALID);
	REQUIRE_OK(store_record_catalog(st, "[test x]\n", "site.cat", "phys", "new warning level",
					changes, 1, &v));
	REQUIRE_OK(store_last_catalog(st, &text, at));
	CHECK_STR(text, "[test x]\n");
	free(text);
	store_close(st);
}

/* Every write is in the audit trail, and it cannot be rewritten. */
TEST(programme_audit_trail)
{
	store_t *st = open_db("audit.db");
	char path[600];
	snprintf(path, sizeof(path), "%s", store_path(st));
	save(st, "helium", "2026-11-16 08:00:00", "tech", QC_V_OK, true);
	REQUIRE_OK(store_put_draft(st, "safety", "tech", "a=1\n"));
	REQUIRE_OK(store_drop_draft(st, "safety", "tech"));
	int64_t id;
	REQUIRE_OK(store_add_downtime(st, "2026-12-01", "2026-12-02", "x", "phys", 0, &id));
	REQUIRE_OK(store_review(st, 1, "phys", false, "wrong phantom", false));
	store_close(st);
	sqlite3 *db;
	REQUIRE(sqlite3_open(path, &db) == SQLITE_OK);
	sqlite3_stmt *stmt;
	REQUIRE(sqlite3_prepare_v2(db,
				   "SELECT group_concat(action, ',') FROM (SELECT action FROM "
				   "audit ORDER BY id)",
				   -1, &stmt, NULL) == SQLITE_OK);
	REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
	/* migrations, the session with its automatic approval, the draft twice, the downtime,
	 * the rejection. */
	CHECK_STR((const char *)sqlite3_column_text(stmt, 0),
		  "migrate,migrate,save,review,draft,draft,downtime,review");
	sqlite3_finalize(stmt);
	char *err = NULL;
	CHECK(sqlite3_exec(db, "UPDATE audit SET who = 'x'", NULL, NULL, &err) != SQLITE_OK);
	sqlite3_free(err);
	CHECK(sqlite3_exec(db, "DELETE FROM reviews", NULL, NULL, &err) != SQLITE_OK);
	sqlite3_free(err);
	CHECK(sqlite3_exec(db, "UPDATE downtime SET end = '2026-12-31'", NULL, NULL, &err) !=
	      SQLITE_OK);
	sqlite3_free(err);
	sqlite3_close(db);
}

TEST(programme_history_rows)
{
	store_t *st = open_db("h.db");
	save(st, "helium", "2026-11-16 08:00:00", "tech", QC_V_OK, false);
	save(st, "helium", "2026-11-09 08:00:00", "tech", QC_V_TOL, false);
	save(st, "lasers", "2026-11-10 08:00:00", "tech", QC_V_OK, false);
	struct store_value *v;
	size_t n;
	REQUIRE_OK(store_history(st, "helium", NULL, &v, &n));
	CHECK(n == 2);
	CHECK_STR(v[0].completed_at, "2026-11-09 08:00:00"); /* oldest first */
	CHECK(v[0].rec.verdict == QC_V_TOL && v[0].rec.m.value == 71.5);
	free(v);
	REQUIRE_OK(store_history(st, "helium", "2026-11-10", &v, &n));
	CHECK(n == 1);
	free(v);
	/* A time with 'T' compares as the stored times (' '): the 08:00 session is after 07:00. */
	REQUIRE_OK(store_history(st, "helium", "2026-11-09T07:00", &v, &n));
	CHECK(n == 2);
	free(v);
	/* Not a real date: said, rather than an empty or a whole history. */
	static const char *const bad[] = {"2026-02-30", "2026-13-01", "yesterday", "2026-11",
					  "2026-11-09 25:00"};
	for (size_t i = 0; i < QC_ARRAY_LEN(bad); i++) {
		v = NULL;
		CHECKF(store_history(st, "helium", bad[i], &v, &n) == QC_ERR_INVALID,
		       "'%s' accepted", bad[i]);
		CHECKF(strstr(qc_errmsg(), "expected YYYY-MM-DD"), "%s", qc_errmsg());
		free(v);
	}
	store_close(st);
}

TEST(programme_migrates_a_version_1_database)
{
	store_t *st = open_db("v1.db");
	char path[600];
	snprintf(path, sizeof(path), "%s", store_path(st));
	int64_t id = save(st, "helium", "2026-11-16 08:00:00", "tech", QC_V_OK, false);
	store_close(st);
	/* Back to what version 1 had: no programme tables. */
	sqlite3 *db;
	REQUIRE(sqlite3_open(path, &db) == SQLITE_OK);
	REQUIRE(sqlite3_exec(db,
			     "DROP TABLE drafts; DROP TABLE downtime; DROP TABLE catalog_changes; "
			     "DROP TABLE catalog_versions; PRAGMA user_version = 1",
			     NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
	REQUIRE_OK(store_open(path, &st));
	CHECK(store_schema_version(st) == 2);
	int64_t n;
	REQUIRE_OK(store_count_sessions(st, &n));
	CHECK(n == 1);
	struct qc_session s;
	REQUIRE_OK(store_load_session(st, id, &s));
	CHECK_STR(s.test, "helium");
	qc_session_release(&s);
	REQUIRE_OK(store_put_draft(st, "safety", "tech", "a=1\n"));
	store_close(st);
}

TEST(programme_due_list_uses_downtime_and_reviews)
{
	store_t *st = open_db("due.db");
	struct qc_catalog cat;
	REQUIRE_OK(cat_load_default(&cat));
	save(st, "safety", "2026-11-27 08:00:00", "tech", QC_V_OK, false);
	int64_t rej = save(st, "helium", "2026-11-27 08:00:00", "tech", QC_V_OK, false);
	save(st, "helium", "2026-11-13 08:00:00", "tech", QC_V_OK, false);
	REQUIRE_OK(store_review(st, rej, "phys", false, "wrong device", false));
	int64_t id;
	REQUIRE_OK(store_add_downtime(st, "2026-11-30", "2026-12-04", "service", "phys", 0, &id));
	struct run_due *items;
	size_t n;
	REQUIRE_OK(run_due_list(&cat, st, (struct qc_date){2026, 12, 2}, &items, &n));
	const struct run_due *safety = NULL, *helium = NULL;
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(items[i].test->id, "safety"))
			safety = &items[i];
		if (!strcmp(items[i].test->id, "helium"))
			helium = &items[i];
	}
	REQUIRE(safety && helium);
	CHECK(safety->st.state == SCHED_NOT_DUE && safety->st.in_downtime);
	CHECK(safety->st.due.d == 7);
	/* The rejected session does not count. */
	CHECK(helium->st.state == SCHED_OVERDUE && helium->st.due.d == 20);
	free(items);
	cat_release(&cat);
	store_close(st);
}
