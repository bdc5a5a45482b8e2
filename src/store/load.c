/* Reading back: one session with everything it holds, session lists, last done, counts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "qc/clock.h"
#include "store_int.h"

/* Same bound as when saving: anything larger is damage, not a preview. */
#define MAX_PREVIEW_PX (16384L * 16384L)

typedef enum qc_status (*row_fn)(sqlite3_stmt *stmt, struct qc_session *s);

/*
 * Runs a query on the rows of one session. No transaction around the queries of a load: a
 * session and all its rows become visible in one commit and never change afterwards.
 */
static enum qc_status for_rows(struct store *st, const char *sql, struct qc_session *s, row_fn fn,
			       const char *what)
{
	sqlite3_stmt *stmt;
	enum qc_status rc = store_prepare(st, sql, &stmt);
	if (rc)
		return rc;
	sqlite3_bind_int64(stmt, 1, s->id);
	int sr = SQLITE_DONE;
	while (!rc && (sr = sqlite3_step(stmt)) == SQLITE_ROW)
		rc = fn(stmt, s);
	if (!rc && sr != SQLITE_DONE)
		rc = store_db_fail(st, sr, what);
	sqlite3_finalize(stmt);
	return rc;
}

static void column_real(sqlite3_stmt *stmt, int i, bool *has, double *v)
{
	*has = sqlite3_column_type(stmt, i) != SQLITE_NULL;
	*v = *has ? sqlite3_column_double(stmt, i) : 0;
}

static enum qc_status column_verdict(sqlite3_stmt *stmt, int i, enum qc_verdict *v)
{
	const char *s = (const char *)sqlite3_column_text(stmt, i);
	if (s && qc_verdict_parse(s, v))
		return QC_OK;
	return qc_fail(QC_ERR_FORMAT, _("unknown verdict '%s'"), s ? s : "");
}

static enum qc_status read_session(sqlite3_stmt *stmt, struct qc_session *s)
{
	const char *comment = (const char *)sqlite3_column_text(stmt, 8);
	store_column_copy(stmt, 0, s->test, sizeof(s->test));
	store_column_copy(stmt, 1, s->machine, sizeof(s->machine));
	store_column_copy(stmt, 2, s->analysis, sizeof(s->analysis));
	store_column_copy(stmt, 3, s->analysis_version, sizeof(s->analysis_version));
	store_column_copy(stmt, 4, s->program_version, sizeof(s->program_version));
	store_column_copy(stmt, 5, s->started_at, sizeof(s->started_at));
	store_column_copy(stmt, 6, s->completed_at, sizeof(s->completed_at));
	store_column_copy(stmt, 7, s->operator_name, sizeof(s->operator_name));
	qc_session_set_comment(s, comment);
	s->supersedes = sqlite3_column_int64(stmt, 10);
	s->not_for_scheduling = sqlite3_column_int(stmt, 11) != 0;
	return column_verdict(stmt, 9, &s->verdict);
}

enum qc_status store_read_record(sqlite3_stmt *stmt, int c, struct qc_record *r)
{
	struct qc_levels *lv = &r->lv;

	memset(r, 0, sizeof(*r));
	store_column_copy(stmt, c + 0, r->m.name, sizeof(r->m.name));
	r->m.image = sqlite3_column_int(stmt, c + 1);
	store_column_copy(stmt, c + 2, r->m.unit, sizeof(r->m.unit));
	column_real(stmt, c + 3, &r->m.has_value, &r->m.value);
	column_real(stmt, c + 4, &r->m.has_nominal, &r->m.nominal);
	store_column_copy(stmt, c + 5, r->m.note, sizeof(r->m.note));
	store_column_copy(stmt, c + 6, r->text, sizeof(r->text));
	column_real(stmt, c + 7, &lv->has_ref, &lv->ref);
	lv->ref_nominal = sqlite3_column_int(stmt, c + 8) != 0;
	lv->percent = sqlite3_column_int(stmt, c + 9) != 0;
	column_real(stmt, c + 10, &lv->has_act_low, &lv->act_low);
	column_real(stmt, c + 11, &lv->has_tol_low, &lv->tol_low);
	column_real(stmt, c + 12, &lv->has_tol_high, &lv->tol_high);
	column_real(stmt, c + 13, &lv->has_act_high, &lv->act_high);
	enum qc_status rc = column_verdict(stmt, c + 14, &r->verdict);
	return rc ? qc_fail_context(rc, _("measurement '%s'"), r->m.name) : QC_OK;
}

static enum qc_status read_record(sqlite3_stmt *stmt, struct qc_session *s)
{
	struct qc_record r;
	enum qc_status rc = store_read_record(stmt, 0, &r);
	if (rc)
		return rc;
	s->rec = qc_xrealloc(s->rec, (s->n_rec + 1) * sizeof(*s->rec));
	s->rec[s->n_rec++] = r;
	return QC_OK;
}

static enum qc_status read_input(sqlite3_stmt *stmt, struct qc_session *s)
{
	struct qc_input in;

	memset(&in, 0, sizeof(in));
	in.path = qc_xstrdup((const char *)sqlite3_column_text(stmt, 0));
	if (!in.path)
		in.path = qc_xstrdup("");
	store_column_copy(stmt, 1, in.sop_instance_uid, sizeof(in.sop_instance_uid));
	store_column_copy(stmt, 2, in.sha256, sizeof(in.sha256));
	store_column_copy(stmt, 3, in.label, sizeof(in.label));
	s->in = qc_xrealloc(s->in, (s->n_in + 1) * sizeof(*s->in));
	s->in[s->n_in++] = in;
	return QC_OK;
}

/* Inflates exactly width * height bytes: more or fewer means the row is damaged. */
static enum qc_status inflate_preview(sqlite3_stmt *stmt, int col, struct qc_preview *p)
{
	uLong want = (uLong)p->width * (uLong)p->height;
	uLongf got = want;
	const Bytef *z = sqlite3_column_blob(stmt, col);
	uLong zn = (uLong)sqlite3_column_bytes(stmt, col);

	p->px = qc_xmalloc(want);
	int zr = z ? uncompress(p->px, &got, z, zn) : Z_DATA_ERROR;
	if (zr == Z_MEM_ERROR)
		qc_die("out of memory inflating a preview of %lu bytes", (unsigned long)want);
	if (zr == Z_OK && got == want)
		return QC_OK;
	free(p->px);
	p->px = NULL;
	if (zr == Z_OK)
		return qc_fail(QC_ERR_FORMAT, _("%lu pixels stored instead of %dx%d"),
			       (unsigned long)got, p->width, p->height);
	return qc_fail(QC_ERR_FORMAT, _("the pixels are damaged (zlib: %s)"),
		       zr == Z_BUF_ERROR ? _("more data than its size") : zError(zr));
}

static enum qc_status read_preview(sqlite3_stmt *stmt, struct qc_session *s)
{
	struct qc_preview p;

	memset(&p, 0, sizeof(p));
	p.image = sqlite3_column_int(stmt, 0);
	p.width = sqlite3_column_int(stmt, 1);
	p.height = sqlite3_column_int(stmt, 2);
	p.origin_x = sqlite3_column_double(stmt, 3);
	p.origin_y = sqlite3_column_double(stmt, 4);
	p.step = sqlite3_column_double(stmt, 5);
	enum qc_status rc = QC_OK;
	if (p.width <= 0 || p.height <= 0 || (long)p.width * p.height > MAX_PREVIEW_PX)
		rc = qc_fail(QC_ERR_FORMAT, _("bad size %dx%d"), p.width, p.height);
	if (!rc)
		rc = inflate_preview(stmt, 6, &p);
	if (rc)
		return qc_fail_context(rc, _("preview %zu of image %d"), s->n_pv + 1, p.image);
	s->pv = qc_xrealloc(s->pv, (s->n_pv + 1) * sizeof(*s->pv));
	s->pv[s->n_pv++] = p;
	return QC_OK;
}

static enum qc_status read_overlay(sqlite3_stmt *stmt, struct qc_session *s)
{
	struct qc_overlay o;

	memset(&o, 0, sizeof(o));
	o.image = sqlite3_column_int(stmt, 0);
	if (!store_ov_parse((const char *)sqlite3_column_text(stmt, 1),
			    (const char *)sqlite3_column_text(stmt, 2), &o.kind, &o.role))
		return qc_fail(QC_ERR_FORMAT, _("overlay %zu has an unknown kind or role"),
			       s->n_ov + 1);
	o.x0 = sqlite3_column_double(stmt, 3);
	o.y0 = sqlite3_column_double(stmt, 4);
	o.x1 = sqlite3_column_double(stmt, 5);
	o.y1 = sqlite3_column_double(stmt, 6);
	o.r = sqlite3_column_double(stmt, 7);
	store_column_copy(stmt, 8, o.measure, sizeof(o.measure));
	s->ov = qc_xrealloc(s->ov, (s->n_ov + 1) * sizeof(*s->ov));
	s->ov[s->n_ov++] = o;
	return QC_OK;
}

static enum qc_status read_review(sqlite3_stmt *stmt, struct qc_session *s)
{
	struct qc_review *r = &s->review;
	const char *comment = (const char *)sqlite3_column_text(stmt, 3);

	free(r->comment);
	memset(r, 0, sizeof(*r));
	r->reviewed = true;
	r->approved = !strcmp((const char *)sqlite3_column_text(stmt, 0), "approved");
	store_column_copy(stmt, 1, r->reviewer, sizeof(r->reviewer));
	store_column_copy(stmt, 2, r->at, sizeof(r->at));
	r->comment = comment && *comment ? qc_xstrdup(comment) : NULL;
	return QC_OK;
}

enum qc_status store_load_review(struct store *st, struct qc_session *s)
{
	static const char sql[] = "SELECT decision, reviewer, at, comment FROM reviews "
				  "WHERE session_id = ?1 ORDER BY id DESC LIMIT 1";
	return for_rows(st, sql, s, read_review, _("cannot read the review"));
}

static enum qc_status load_parts(struct store *st, struct qc_session *s)
{
	static const char rec_sql[] = "SELECT " STORE_RECORD_COLUMNS
				      " FROM measurements AS m WHERE session_id = ?1 ORDER BY idx";
	static const char in_sql[] = "SELECT path, sop_instance_uid, sha256, label "
				     "FROM inputs WHERE session_id = ?1 ORDER BY idx";
	static const char pv_sql[] = "SELECT image, width, height, origin_x, origin_y, step, data "
				     "FROM previews WHERE session_id = ?1 ORDER BY idx";
	static const char ov_sql[] = "SELECT image, kind, role, x0, y0, x1, y1, r, measure "
				     "FROM overlays WHERE session_id = ?1 ORDER BY idx";

	enum qc_status rc =
	    for_rows(st, rec_sql, s, read_record, _("cannot read the measurements"));
	if (!rc)
		rc = for_rows(st, in_sql, s, read_input, _("cannot read the inputs"));
	if (!rc)
		rc = for_rows(st, pv_sql, s, read_preview, _("cannot read the previews"));
	if (!rc)
		rc = for_rows(st, ov_sql, s, read_overlay, _("cannot read the overlays"));
	if (!rc)
		rc = store_load_review(st, s);
	return rc;
}

static enum qc_status load_row(struct store *st, int64_t id, struct qc_session *s)
{
	static const char sql[] =
	    "SELECT test, machine, analysis, analysis_version, program_version, started_at, "
	    "completed_at, operator, comment, verdict, supersedes, not_for_scheduling "
	    "FROM sessions WHERE id = ?1";
	sqlite3_stmt *stmt;

	enum qc_status rc = store_prepare(st, sql, &stmt);
	if (rc)
		return rc;
	sqlite3_bind_int64(stmt, 1, id);
	int sr = sqlite3_step(stmt);
	if (sr == SQLITE_ROW)
		rc = read_session(stmt, s);
	else if (sr == SQLITE_DONE)
		rc = qc_fail(QC_ERR_NOT_FOUND, _("no session %lld"), (long long)id);
	else
		rc = store_db_fail(st, sr, _("cannot read the session"));
	sqlite3_finalize(stmt);
	return rc;
}

enum qc_status store_load_session(store_t *st, int64_t id, struct qc_session *out)
{
	memset(out, 0, sizeof(*out));
	out->id = id;
	enum qc_status rc = load_row(st, id, out);
	if (rc == QC_ERR_NOT_FOUND) {
		out->id = 0;
		return rc;
	}
	if (!rc)
		rc = load_parts(st, out);
	if (rc) {
		qc_session_release(out);
		return qc_fail_context(rc, _("cannot load session %lld from '%s'"), (long long)id,
				       st->path);
	}
	return QC_OK;
}

/* Accepts a date or a date and time; 'T' becomes ' ' so that text order is time order. */
enum qc_status store_normalise_since(const char *since, char out[20])
{
	struct qc_date d;
	time_t t;
	char buf[32];

	qc_strlcpy(buf, since, sizeof(buf));
	if (strlen(buf) > 10 && buf[10] == 'T')
		buf[10] = ' ';
	if (strlen(since) >= sizeof(buf) ||
	    (!qc_parse_date(buf, &d) && !qc_parse_datetime(buf, &t)))
		return qc_fail(QC_ERR_INVALID,
			       _("bad date '%s': expected YYYY-MM-DD or YYYY-MM-DD HH:MM[:SS]"),
			       since);
	qc_strlcpy(out, buf, 20);
	return QC_OK;
}

void store_read_list_row(sqlite3_stmt *stmt, struct store_row *row)
{
	memset(row, 0, sizeof(*row));
	row->id = sqlite3_column_int64(stmt, 0);
	store_column_copy(stmt, 1, row->test, sizeof(row->test));
	store_column_copy(stmt, 2, row->completed_at, sizeof(row->completed_at));
	store_column_copy(stmt, 3, row->operator_name, sizeof(row->operator_name));
	const char *v = (const char *)sqlite3_column_text(stmt, 4);
	if (!v || !qc_verdict_parse(v, &row->verdict))
		row->verdict = QC_V_NOT_DONE;
	row->has_comment = sqlite3_column_int(stmt, 5) != 0;
	row->not_for_scheduling = sqlite3_column_int(stmt, 6) != 0;
	row->supersedes = sqlite3_column_int64(stmt, 7);
	row->superseded_by = sqlite3_column_int64(stmt, 8);
	const char *d = (const char *)sqlite3_column_text(stmt, 9);
	row->review = !d		       ? STORE_NOT_REVIEWED
		      : !strcmp(d, "approved") ? STORE_APPROVED
					       : STORE_REJECTED;
	store_column_copy(stmt, 10, row->reviewer, sizeof(row->reviewer));
	store_column_copy(stmt, 11, row->reviewed_at, sizeof(row->reviewed_at));
}

/* The SQL is assembled from fixed pieces only, so that each filter combination uses an index. */
static enum qc_status prepare_list(struct store *st, const char *test, const char *since,
				   size_t limit, sqlite3_stmt **stmt)
{
	struct qc_buf sql = {0};
	qc_buf_add(&sql, STORE_LIST_COLUMNS);
	if (test)
		qc_buf_add(&sql, " WHERE s.test = ?1");
	if (since)
		qc_buf_add(&sql,
			   test ? " AND s.completed_at >= ?2" : " WHERE s.completed_at >= ?2");
	qc_buf_add(&sql, " ORDER BY s.completed_at DESC, s.id DESC LIMIT ?3");
	enum qc_status rc = store_prepare(st, sql.s, stmt);
	qc_buf_release(&sql);
	if (rc)
		return rc;
	if (test)
		sqlite3_bind_text(*stmt, 1, test, -1, SQLITE_TRANSIENT);
	if (since)
		sqlite3_bind_text(*stmt, 2, since, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(*stmt, 3, limit ? (int64_t)limit : -1);
	return QC_OK;
}

enum qc_status store_list_sessions(store_t *st, const char *test, const char *since, size_t limit,
				   struct store_row **rows, size_t *n)
{
	char from[20];
	sqlite3_stmt *stmt;
	size_t cap = 0;
	int sr;

	*rows = NULL;
	*n = 0;
	enum qc_status rc = since && *since ? store_normalise_since(since, from) : QC_OK;
	if (!rc)
		rc = prepare_list(st, test, since && *since ? from : NULL, limit, &stmt);
	if (rc)
		return rc;
	while ((sr = sqlite3_step(stmt)) == SQLITE_ROW) {
		qc_grow(rows, &cap, *n + 1, sizeof(**rows));
		store_read_list_row(stmt, &(*rows)[(*n)++]);
	}
	if (sr != SQLITE_DONE) {
		rc = store_db_fail(st, sr, _("cannot list the sessions"));
		free(*rows);
		*rows = NULL;
		*n = 0;
	}
	sqlite3_finalize(stmt);
	return rc;
}

/*
 * A session counts unless it is marked "not for scheduling" or its newest review rejects it (a
 * later approval overrides an earlier rejection). The (test, completed_at) index is walked from
 * the newest end and the first session that counts ends the search.
 */
static const char last_done_sql[] =
    "SELECT s.completed_at FROM sessions AS s "
    "WHERE s.test = ?1 AND s.not_for_scheduling = 0 "
    "AND coalesce((SELECT r.decision FROM reviews AS r WHERE r.session_id = s.id "
    "ORDER BY r.id DESC LIMIT 1), '') <> 'rejected' "
    "ORDER BY s.completed_at DESC, s.id DESC LIMIT 1";

enum qc_status store_last_done_plan(store_t *st, char **plan)
{
	struct qc_buf b = {0};
	sqlite3_stmt *stmt;
	char *sql = qc_xasprintf("EXPLAIN QUERY PLAN %s", last_done_sql);
	enum qc_status rc = store_prepare(st, sql, &stmt);
	free(sql);
	*plan = NULL;
	if (rc)
		return rc;
	int sr;
	while ((sr = sqlite3_step(stmt)) == SQLITE_ROW) {
		qc_buf_add(&b, (const char *)sqlite3_column_text(stmt, 3));
		qc_buf_add(&b, "\n");
	}
	sqlite3_finalize(stmt);
	if (sr != SQLITE_DONE) {
		qc_buf_release(&b);
		return store_db_fail(st, sr, _("cannot explain the last-session query"));
	}
	*plan = b.s ? qc_buf_detach(&b) : qc_xstrdup("");
	return QC_OK;
}

enum qc_status store_last_done(store_t *st, const char *test, char when[20])
{
	sqlite3_stmt *stmt;

	when[0] = '\0';
	enum qc_status rc = store_prepare(st, last_done_sql, &stmt);
	if (rc)
		return rc;
	sqlite3_bind_text(stmt, 1, test, -1, SQLITE_TRANSIENT);
	int sr = sqlite3_step(stmt);
	if (sr == SQLITE_ROW)
		store_column_copy(stmt, 0, when, 20);
	else if (sr != SQLITE_DONE)
		rc = store_db_fail(st, sr, _("cannot find the last session of a test"));
	sqlite3_finalize(stmt);
	return rc;
}

enum qc_status store_count_sessions(store_t *st, int64_t *n)
{
	sqlite3_stmt *stmt;

	*n = 0;
	enum qc_status rc = store_prepare(st, "SELECT count(*) FROM sessions", &stmt);
	if (rc)
		return rc;
	int sr = sqlite3_step(stmt);
	if (sr == SQLITE_ROW)
		*n = sqlite3_column_int64(stmt, 0);
	else
		rc = store_db_fail(st, sr, _("cannot count the sessions"));
	sqlite3_finalize(stmt);
	return rc;
}
