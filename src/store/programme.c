/* The QC programme in the database: drafts, machine downtime, catalogue versions, history. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qc/clock.h"
#include "store_int.h"

/* Runs fn inside one BEGIN IMMEDIATE transaction, rolled back on failure. */
static enum qc_status in_transaction(struct store *st, enum qc_status (*fn)(struct store *, void *),
				     void *ud)
{
	enum qc_status rc = store_exec(st, "BEGIN IMMEDIATE", NULL);
	if (!rc)
		rc = fn(st, ud);
	if (!rc)
		rc = store_exec(st, "COMMIT", _("cannot commit"));
	if (rc && !sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

static void now_text(char at[20])
{
	qc_format_time(qc_now(), at, 20);
}

struct draft_put {
	const char *test, *op, *data;
};

static enum qc_status put_draft(struct store *st, void *ud)
{
	const struct draft_put *d = ud;
	static const char sql[] =
	    "INSERT OR REPLACE INTO drafts (test, operator, updated_at, data) "
	    "VALUES (?1, ?2, ?3, ?4)";
	sqlite3_stmt *stmt;
	char at[20], detail[96];
	now_text(at);
	enum qc_status rc = store_prepare(st, sql, &stmt);
	if (rc)
		return rc;
	sqlite3_bind_text(stmt, 1, d->test, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, d->op, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, at, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, d->data, -1, SQLITE_STATIC);
	int sr = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (sr != SQLITE_DONE)
		return store_db_fail(st, sr, _("cannot save the entry in progress"));
	snprintf(detail, sizeof(detail), "save the %s entry in progress", d->test);
	return store_audit(st, d->op, "draft", 0, detail);
}

enum qc_status store_put_draft(store_t *st, const char *test, const char *operator_name,
			       const char *data)
{
	struct draft_put d = {test, operator_name, data};
	if (!test || !*test || !operator_name || !*operator_name || !data)
		return qc_fail(QC_ERR_INVALID,
			       _("an entry in progress needs a test and an operator"));
	return in_transaction(st, put_draft, &d);
}

enum qc_status store_get_draft(store_t *st, const char *test, char **data, char operator_name[64],
			       char updated_at[20])
{
	sqlite3_stmt *stmt;
	*data = NULL;
	enum qc_status rc = store_prepare(
	    st, "SELECT operator, updated_at, data FROM drafts WHERE test = ?1", &stmt);
	if (rc)
		return rc;
	sqlite3_bind_text(stmt, 1, test, -1, SQLITE_TRANSIENT);
	int sr = sqlite3_step(stmt);
	if (sr == SQLITE_ROW) {
		store_column_copy(stmt, 0, operator_name, 64);
		store_column_copy(stmt, 1, updated_at, 20);
		*data = qc_xstrdup((const char *)sqlite3_column_text(stmt, 2));
	} else if (sr == SQLITE_DONE) {
		rc = qc_fail(QC_ERR_NOT_FOUND, _("no entry in progress for %s"), test);
	} else {
		rc = store_db_fail(st, sr, _("cannot read the entry in progress"));
	}
	sqlite3_finalize(stmt);
	return rc;
}

struct draft_drop {
	const char *test, *who;
};

static enum qc_status drop_draft(struct store *st, void *ud)
{
	const struct draft_drop *d = ud;
	sqlite3_stmt *stmt;
	char detail[96];
	enum qc_status rc = store_prepare(st, "DELETE FROM drafts WHERE test = ?1", &stmt);
	if (rc)
		return rc;
	sqlite3_bind_text(stmt, 1, d->test, -1, SQLITE_STATIC);
	int sr = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (sr != SQLITE_DONE)
		return store_db_fail(st, sr, _("cannot drop the entry in progress"));
	if (!sqlite3_changes(st->db))
		return QC_OK;
	snprintf(detail, sizeof(detail), "drop the %s entry in progress", d->test);
	return store_audit(st, d->who, "draft", 0, detail);
}

enum qc_status store_drop_draft(store_t *st, const char *test, const char *who)
{
	struct draft_drop d = {test, who && *who ? who : store_login_name()};
	return in_transaction(st, drop_draft, &d);
}

struct downtime_add {
	const char *from, *to, *reason, *who;
	int64_t replaces, id;
};

static enum qc_status add_downtime(struct store *st, void *ud)
{
	struct downtime_add *d = ud;
	static const char sql[] = "INSERT INTO downtime (start, end, reason, who, at, replaces) "
				  "VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
	sqlite3_stmt *stmt;
	char at[20], detail[160];
	now_text(at);
	enum qc_status rc = store_prepare(st, sql, &stmt);
	if (rc)
		return rc;
	sqlite3_bind_text(stmt, 1, d->from, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, d->to, -1, SQLITE_STATIC);
	store_bind_text_or_null(stmt, 3, d->reason);
	sqlite3_bind_text(stmt, 4, d->who, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 5, at, -1, SQLITE_STATIC);
	if (d->replaces)
		sqlite3_bind_int64(stmt, 6, d->replaces);
	int sr = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (sr != SQLITE_DONE)
		return store_db_fail(st, sr, _("cannot store the downtime period"));
	d->id = sqlite3_last_insert_rowid(st->db);
	snprintf(detail, sizeof(detail), "downtime %lld: %s to %s%s", (long long)d->id, d->from,
		 d->to, d->replaces ? " (replaces an earlier period)" : "");
	return store_audit(st, d->who, "downtime", 0, detail);
}

enum qc_status store_add_downtime(store_t *st, const char *from, const char *to, const char *reason,
				  const char *who, int64_t replaces, int64_t *id)
{
	struct qc_date a, b;
	if (!qc_parse_date(from, &a) || !qc_parse_date(to, &b))
		return qc_fail(QC_ERR_INVALID, _("a downtime period needs two dates YYYY-MM-DD"));
	if (qc_date_diff(a, b) < 0)
		return qc_fail(QC_ERR_INVALID, _("the downtime ends (%s) before it starts (%s)"),
			       to, from);
	struct downtime_add d = {from,	   to, reason, who && *who ? who : store_login_name(),
				 replaces, 0};
	enum qc_status rc = in_transaction(st, add_downtime, &d);
	if (!rc && id)
		*id = d.id;
	return rc;
}

enum qc_status store_list_downtime(store_t *st, struct store_downtime **rows, size_t *n)
{
	static const char sql[] = "SELECT d.id, d.start, d.end, coalesce(d.reason, ''), d.who "
				  "FROM downtime AS d WHERE NOT EXISTS "
				  "(SELECT 1 FROM downtime AS x WHERE x.replaces = d.id) "
				  "ORDER BY d.start, d.id";
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
		struct store_downtime *d = memset(&(*rows)[(*n)++], 0, sizeof(**rows));
		d->id = sqlite3_column_int64(stmt, 0);
		store_column_copy(stmt, 1, d->from, sizeof(d->from));
		store_column_copy(stmt, 2, d->to, sizeof(d->to));
		store_column_copy(stmt, 3, d->reason, sizeof(d->reason));
		store_column_copy(stmt, 4, d->who, sizeof(d->who));
	}
	if (sr != SQLITE_DONE) {
		rc = store_db_fail(st, sr, _("cannot list the downtime periods"));
		free(*rows);
		*rows = NULL;
		*n = 0;
	}
	sqlite3_finalize(stmt);
	return rc;
}

struct catalog_rec {
	const char *text, *source, *who, *why;
	const char *const *changes;
	size_t n;
	int64_t id;
};

static enum qc_status insert_change(struct store *st, sqlite3_stmt *stmt, int64_t version,
				    const char *line)
{
	char *copy = qc_xstrdup(line);
	char *old = strchr(copy, '\t'), *new = old ? strchr(old + 1, '\t') : NULL;
	if (old)
		*old++ = '\0';
	if (new)
		*new ++ = '\0';
	sqlite3_bind_int64(stmt, 1, version);
	sqlite3_bind_text(stmt, 2, copy, -1, SQLITE_TRANSIENT);
	store_bind_text_or_null(stmt, 3, old);
	store_bind_text_or_null(stmt, 4, new);
	int sr = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	free(copy);
	return sr == SQLITE_DONE ? QC_OK
				 : store_db_fail(st, sr, _("cannot store a catalogue change"));
}

static enum qc_status record_catalog(struct store *st, void *ud)
{
	struct catalog_rec *c = ud;
	sqlite3_stmt *stmt;
	char at[20], hex[65], detail[200];
	now_text(at);
	qc_sha256_hex(c->text, strlen(c->text), hex);
	enum qc_status rc =
	    store_prepare(st,
			  "INSERT INTO catalog_versions (at, who, why, source, sha256, "
			  "text) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
			  &stmt);
	if (rc)
		return rc;
	sqlite3_bind_text(stmt, 1, at, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, c->who, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, c->why, -1, SQLITE_STATIC);
	store_bind_text_or_null(stmt, 4, c->source);
	sqlite3_bind_text(stmt, 5, hex, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 6, c->text, -1, SQLITE_STATIC);
	int sr = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (sr != SQLITE_DONE)
		return store_db_fail(st, sr, _("cannot store the catalogue version"));
	c->id = sqlite3_last_insert_rowid(st->db);
	rc = store_prepare(st,
			   "INSERT INTO catalog_changes (version_id, what, old, new) "
			   "VALUES (?1, ?2, ?3, ?4)",
			   &stmt);
	for (size_t i = 0; !rc && i < c->n; i++)
		rc = insert_change(st, stmt, c->id, c->changes[i]);
	if (!rc || stmt)
		sqlite3_finalize(stmt);
	if (rc)
		return rc;
	snprintf(detail, sizeof(detail), "catalogue version %lld (%zu change%s): %.120s",
		 (long long)c->id, c->n, c->n == 1 ? "" : "s", c->why);
	return store_audit(st, c->who, "catalog", 0, detail);
}

enum qc_status store_record_catalog(store_t *st, const char *text, const char *source,
				    const char *who, const char *why, const char *const *changes,
				    size_t n_changes, int64_t *version)
{
	if (!why || !*why)
		return qc_fail(QC_ERR_INVALID, _("a catalogue change needs a reason (why)"));
	struct catalog_rec c = {
	    text, source, who && *who ? who : store_login_name(), why, changes, n_changes, 0};
	enum qc_status rc = in_transaction(st, record_catalog, &c);
	if (!rc && version)
		*version = c.id;
	return rc;
}

enum qc_status store_last_catalog(store_t *st, char **text, char at[20])
{
	sqlite3_stmt *stmt;
	*text = NULL;
	at[0] = '\0';
	enum qc_status rc = store_prepare(
	    st, "SELECT text, at FROM catalog_versions ORDER BY id DESC LIMIT 1", &stmt);
	if (rc)
		return rc;
	int sr = sqlite3_step(stmt);
	if (sr == SQLITE_ROW) {
		*text = qc_xstrdup((const char *)sqlite3_column_text(stmt, 0));
		store_column_copy(stmt, 1, at, 20);
	} else if (sr != SQLITE_DONE) {
		rc = store_db_fail(st, sr, _("cannot read the catalogue history"));
	}
	sqlite3_finalize(stmt);
	return rc;
}

static void read_value(sqlite3_stmt *stmt, struct store_value *v)
{
	memset(v, 0, sizeof(*v));
	v->session = sqlite3_column_int64(stmt, 0);
	store_column_copy(stmt, 1, v->completed_at, sizeof(v->completed_at));
	store_column_copy(stmt, 2, v->operator_name, sizeof(v->operator_name));
	const char *d = (const char *)sqlite3_column_text(stmt, 3);
	v->review = !d			     ? STORE_NOT_REVIEWED
		    : !strcmp(d, "approved") ? STORE_APPROVED
					     : STORE_REJECTED;
	store_read_record(stmt, 4, &v->rec);
}

enum qc_status store_history(store_t *st, const char *test, const char *since,
			     struct store_value **rows, size_t *n)
{
	static const char sql[] =
	    "SELECT s.id, s.completed_at, s.operator, "
	    "(SELECT r.decision FROM reviews AS r WHERE r.session_id = s.id "
	    "ORDER BY r.id DESC LIMIT 1), " STORE_RECORD_COLUMNS
	    " FROM sessions AS s JOIN measurements AS m ON m.session_id = s.id "
	    "WHERE s.test = ?1 AND s.completed_at >= ?2 ORDER BY s.completed_at, s.id, m.idx";
	sqlite3_stmt *stmt;
	size_t cap = 0;
	int sr;
	char from[20] = "";
	*rows = NULL;
	*n = 0;
	enum qc_status rc = since && *since ? store_normalise_since(since, from) : QC_OK;
	if (!rc)
		rc = store_prepare(st, sql, &stmt);
	if (rc)
		return rc;
	sqlite3_bind_text(stmt, 1, test, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(stmt, 2, from, -1, SQLITE_TRANSIENT);
	while ((sr = sqlite3_step(stmt)) == SQLITE_ROW) {
		qc_grow(rows, &cap, *n + 1, sizeof(**rows));
		read_value(stmt, &(*rows)[(*n)++]);
	}
	if (sr != SQLITE_DONE) {
		rc = store_db_fail(st, sr, _("cannot read the history"));
		free(*rows);
		*rows = NULL;
		*n = 0;
	}
	sqlite3_finalize(stmt);
	return rc;
}
