/* Reviews of sessions by physicists: approve or reject, the queue of sessions to review. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qc/clock.h"
#include "store_int.h"

enum qc_status store_insert_review(struct store *st, int64_t session, const char *reviewer,
				   bool approve, const char *comment, struct qc_review *out)
{
	static const char sql[] =
	    "INSERT INTO reviews (session_id, reviewer, at, decision, comment) "
	    "VALUES (?1, ?2, ?3, ?4, ?5)";
	sqlite3_stmt *stmt;
	char at[20], detail[160];

	qc_format_time(qc_now(), at, sizeof(at));
	enum qc_status rc = store_prepare(st, sql, &stmt);
	if (rc)
		return rc;
	sqlite3_bind_int64(stmt, 1, session);
	sqlite3_bind_text(stmt, 2, reviewer, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, at, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, approve ? "approved" : "rejected", -1, SQLITE_STATIC);
	store_bind_text_or_null(stmt, 5, comment);
	int sr = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (sr != SQLITE_DONE)
		return store_db_fail(st, sr, _("cannot store the review"));
	if (out) {
		out->reviewed = true;
		out->approved = approve;
		qc_strlcpy(out->reviewer, reviewer, sizeof(out->reviewer));
		qc_strlcpy(out->at, at, sizeof(out->at));
		out->comment = comment && *comment ? qc_xstrdup(comment) : NULL;
	}
	snprintf(detail, sizeof(detail), "%s session %lld", approve ? "approve" : "reject",
		 (long long)session);
	return store_audit(st, reviewer, "review", session, detail);
}

/* The operator of a session; NOT_FOUND when there is no such session. */
static enum qc_status operator_of(struct store *st, int64_t session, char op[64])
{
	sqlite3_stmt *stmt;
	enum qc_status rc = store_prepare(st, "SELECT operator FROM sessions WHERE id = ?1", &stmt);
	if (rc)
		return rc;
	sqlite3_bind_int64(stmt, 1, session);
	int sr = sqlite3_step(stmt);
	if (sr == SQLITE_ROW)
		store_column_copy(stmt, 0, op, 64);
	else if (sr == SQLITE_DONE)
		rc = qc_fail(QC_ERR_NOT_FOUND, _("no session %lld"), (long long)session);
	else
		rc = store_db_fail(st, sr, _("cannot read the session"));
	sqlite3_finalize(stmt);
	return rc;
}

enum qc_status store_review(store_t *st, int64_t session, const char *reviewer, bool approve,
			    const char *comment, bool allow_self)
{
	char op[64];
	if (!reviewer || !*reviewer)
		return qc_fail(QC_ERR_INVALID, _("a review needs the reviewer's name"));
	if (!approve && (!comment || !*comment))
		return qc_fail(QC_ERR_INVALID,
			       _("rejecting session %lld needs a comment saying why"),
			       (long long)session);
	enum qc_status rc = store_exec(st, "BEGIN IMMEDIATE", NULL);
	if (!rc)
		rc = operator_of(st, session, op);
	if (!rc && !allow_self && !strcmp(op, reviewer))
		rc = qc_fail(QC_ERR_INVALID,
			     _("%s performed session %lld and cannot review it (the catalogue does "
			       "not allow self-review)"),
			     reviewer, (long long)session);
	if (!rc)
		rc = store_insert_review(st, session, reviewer, approve, comment, NULL);
	if (!rc)
		rc = store_exec(st, "COMMIT", _("cannot commit the review"));
	if (rc && !sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

enum qc_status store_list_unreviewed(store_t *st, struct store_row **rows, size_t *n)
{
	static const char sql[] = STORE_LIST_COLUMNS " WHERE r.id IS NULL "
						     "ORDER BY s.completed_at, s.id";
	sqlite3_stmt *stmt;
	size_t cap = 0;
	int sr;

	*rows = NULL;
	*n = 0;
	enum qc_status rc = store_prepare(st, sql, &stmt);
	if (rc)
		return rc;
	while ((sr = sqlite3_step(stmt)) == SQLITE_ROW) {
		qc_grow(rows, &cap, *n + 1, sizeof(**rows));
		store_read_list_row(stmt, &(*rows)[(*n)++]);
	}
	if (sr != SQLITE_DONE) {
		rc = store_db_fail(st, sr, _("cannot list the sessions to review"));
		free(*rows);
		*rows = NULL;
		*n = 0;
	}
	sqlite3_finalize(stmt);
	return rc;
}
