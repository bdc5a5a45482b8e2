/* Saving a session: checks, then every row of it in one BEGIN IMMEDIATE transaction. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "qc/clock.h"
#include "store_int.h"

/* Larger previews are a caller bug; the bound also keeps width * height far from overflow. */
#define MAX_PREVIEW_PX (16384L * 16384L)

static bool is_time(const char *s)
{
	time_t t;
	return strlen(s) == 19 && s[10] == ' ' && qc_parse_datetime(s, &t);
}

static bool valid_verdict(enum qc_verdict v)
{
	return (unsigned)v <= QC_V_NOT_DONE;
}

static bool finite_if(bool has, double v)
{
	return !has || isfinite(v);
}

static bool levels_finite(const struct qc_levels *lv)
{
	return finite_if(lv->has_ref, lv->ref) && finite_if(lv->has_act_low, lv->act_low) &&
	       finite_if(lv->has_tol_low, lv->tol_low) &&
	       finite_if(lv->has_tol_high, lv->tol_high) &&
	       finite_if(lv->has_act_high, lv->act_high);
}

static enum qc_status check_record(const struct qc_record *r, size_t i)
{
	if (!r->m.name[0])
		return qc_fail(QC_ERR_INVALID, _("measurement %zu has no name"), i + 1);
	if (!valid_verdict(r->verdict))
		return qc_fail(QC_ERR_INVALID, _("measurement '%s' has an unknown verdict %d"),
			       r->m.name, (int)r->verdict);
	/* SQLite would silently store NaN as NULL, i.e. "not measurable": refuse instead. */
	if (!finite_if(r->m.has_value, r->m.value) || !finite_if(r->m.has_nominal, r->m.nominal) ||
	    !levels_finite(&r->lv))
		return qc_fail(QC_ERR_INVALID,
			       _("measurement '%s' of image %d has a non-finite number"), r->m.name,
			       r->m.image);
	return QC_OK;
}

static enum qc_status check_preview(const struct qc_preview *p, size_t i)
{
	if (p->width <= 0 || p->height <= 0 || (long)p->width * p->height > MAX_PREVIEW_PX ||
	    !p->px)
		return qc_fail(QC_ERR_INVALID, _("preview %zu has a bad size %dx%d or no pixels"),
			       i + 1, p->width, p->height);
	if (!isfinite(p->origin_x) || !isfinite(p->origin_y) || !isfinite(p->step))
		return qc_fail(QC_ERR_INVALID, _("preview %zu has a non-finite position"), i + 1);
	return QC_OK;
}

static enum qc_status check_overlay(const struct qc_overlay *o, size_t i)
{
	if (!store_ov_kind_name(o->kind) || !store_ov_role_name(o->role))
		return qc_fail(QC_ERR_INVALID, _("overlay %zu has an unknown kind %d or role %d"),
			       i + 1, (int)o->kind, (int)o->role);
	if (!isfinite(o->x0) || !isfinite(o->y0) || !isfinite(o->x1) || !isfinite(o->y1) ||
	    !isfinite(o->r))
		return qc_fail(QC_ERR_INVALID, _("overlay %zu has a non-finite coordinate"), i + 1);
	return QC_OK;
}

/* Everything the SQL CHECKs would refuse, said in words the user can act on. */
static enum qc_status check_session(const struct qc_session *s)
{
	enum qc_status rc = QC_OK;
	if (!s->test[0])
		return qc_fail(QC_ERR_INVALID, _("the session names no test"));
	if (!s->operator_name[0])
		return qc_fail(QC_ERR_INVALID, _("the session has no operator"));
	if (!is_time(s->completed_at))
		return qc_fail(QC_ERR_INVALID, _("completion time '%s' is not YYYY-MM-DD HH:MM:SS"),
			       s->completed_at);
	if (s->started_at[0] && !is_time(s->started_at))
		return qc_fail(QC_ERR_INVALID, _("start time '%s' is not YYYY-MM-DD HH:MM:SS"),
			       s->started_at);
	if (!valid_verdict(s->verdict))
		return qc_fail(QC_ERR_INVALID, _("unknown verdict %d"), (int)s->verdict);
	/* A second save of the same session (a double key press) would make a duplicate record. */
	if (s->id)
		return qc_fail(QC_ERR_INVALID,
			       _("the session is already stored as session %lld; a correction is a "
				 "new session that supersedes it"),
			       (long long)s->id);
	if (s->supersedes < 0)
		return qc_fail(QC_ERR_INVALID, _("bad superseded session %lld"),
			       (long long)s->supersedes);
	for (size_t i = 0; !rc && i < s->n_rec; i++)
		rc = check_record(&s->rec[i], i);
	for (size_t i = 0; !rc && i < s->n_in; i++)
		if (!s->in[i].path || !s->in[i].path[0])
			rc = qc_fail(QC_ERR_INVALID, _("input %zu has no path"), i + 1);
		/* A stored file is always known by its fingerprint (run_analysis skips it only for
		 * sessions that are printed, not stored). */
		else if (strlen(s->in[i].sha256) != 64)
			rc = qc_fail(QC_ERR_INVALID,
				     _("input %zu ('%s') has no SHA-256 fingerprint"), i + 1,
				     s->in[i].path);
	for (size_t i = 0; !rc && i < s->n_pv; i++)
		rc = check_preview(&s->pv[i], i);
	for (size_t i = 0; !rc && i < s->n_ov; i++)
		rc = check_overlay(&s->ov[i], i);
	return rc;
}

static void bind_real(sqlite3_stmt *stmt, int i, bool has, double v)
{
	if (has)
		sqlite3_bind_double(stmt, i, v);
	else
		sqlite3_bind_null(stmt, i);
}

/* Steps a bound INSERT once and makes it ready for the next row. */
static enum qc_status step_insert(struct store *st, sqlite3_stmt *stmt, const char *what)
{
	int sr = sqlite3_step(stmt);
	enum qc_status rc = sr == SQLITE_DONE ? QC_OK : store_db_fail(st, sr, what);
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	return rc;
}

/* A correction replaces a session of the same test: another test's would vanish from its
 * history and schedule. */
static enum qc_status check_supersedes(struct store *st, const struct qc_session *s)
{
	sqlite3_stmt *stmt;
	int64_t id = s->supersedes;
	enum qc_status rc = store_prepare(st, "SELECT test FROM sessions WHERE id = ?1", &stmt);
	if (rc)
		return rc;
	sqlite3_bind_int64(stmt, 1, id);
	int sr = sqlite3_step(stmt);
	if (sr == SQLITE_DONE)
		rc = qc_fail(QC_ERR_NOT_FOUND, _("it corrects session %lld, which does not exist"),
			     (long long)id);
	else if (sr != SQLITE_ROW)
		rc = store_db_fail(st, sr, _("cannot look up the corrected session"));
	else if (strcmp((const char *)sqlite3_column_text(stmt, 0), s->test))
		rc = qc_fail(QC_ERR_INVALID,
			     _("session %lld is a '%s' session: a '%s' session cannot correct it"),
			     (long long)id, (const char *)sqlite3_column_text(stmt, 0), s->test);
	sqlite3_finalize(stmt);
	return rc;
}

static enum qc_status insert_session(struct store *st, const struct qc_session *s, int64_t *id)
{
	static const char sql[] =
	    "INSERT INTO sessions (test, machine, analysis, analysis_version, program_version, "
	    "started_at, completed_at, operator, comment, verdict, supersedes, "
	    "not_for_scheduling, created_at) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";
	sqlite3_stmt *stmt;
	char now[32];

	enum qc_status rc = store_prepare(st, sql, &stmt);
	if (rc)
		return rc;
	qc_format_time(qc_now(), now, sizeof(now));
	sqlite3_bind_text(stmt, 1, s->test, -1, SQLITE_STATIC);
	store_bind_text_or_null(stmt, 2, s->machine);
	store_bind_text_or_null(stmt, 3, s->analysis);
	store_bind_text_or_null(stmt, 4, s->analysis_version);
	store_bind_text_or_null(stmt, 5, s->program_version);
	store_bind_text_or_null(stmt, 6, s->started_at);
	sqlite3_bind_text(stmt, 7, s->completed_at, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 8, s->operator_name, -1, SQLITE_STATIC);
	store_bind_text_or_null(stmt, 9, s->comment);
	sqlite3_bind_text(stmt, 10, qc_verdict_name(s->verdict), -1, SQLITE_STATIC);
	if (s->supersedes)
		sqlite3_bind_int64(stmt, 11, s->supersedes);
	sqlite3_bind_int(stmt, 12, s->not_for_scheduling);
	sqlite3_bind_text(stmt, 13, now, -1, SQLITE_STATIC);
	rc = step_insert(st, stmt, _("cannot store the session row"));
	sqlite3_finalize(stmt);
	*id = sqlite3_last_insert_rowid(st->db);
	return rc;
}

static void bind_record(sqlite3_stmt *stmt, int64_t id, size_t i, const struct qc_record *r)
{
	const struct qc_levels *lv = &r->lv;
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int64(stmt, 2, (int64_t)i);
	sqlite3_bind_text(stmt, 3, r->m.name, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 4, r->m.image);
	sqlite3_bind_text(stmt, 5, r->m.unit, -1, SQLITE_STATIC);
	bind_real(stmt, 6, r->m.has_value, r->m.value);
	bind_real(stmt, 7, r->m.has_nominal, r->m.nominal);
	store_bind_text_or_null(stmt, 8, r->m.note);
	store_bind_text_or_null(stmt, 9, r->text);
	bind_real(stmt, 10, lv->has_ref, lv->ref);
	sqlite3_bind_int(stmt, 11, lv->ref_nominal);
	sqlite3_bind_int(stmt, 12, lv->percent);
	bind_real(stmt, 13, lv->has_act_low, lv->act_low);
	bind_real(stmt, 14, lv->has_tol_low, lv->tol_low);
	bind_real(stmt, 15, lv->has_tol_high, lv->tol_high);
	bind_real(stmt, 16, lv->has_act_high, lv->act_high);
	sqlite3_bind_text(stmt, 17, qc_verdict_name(r->verdict), -1, SQLITE_STATIC);
}

static enum qc_status insert_records(struct store *st, const struct qc_session *s, int64_t id)
{
	static const char sql[] =
	    "INSERT INTO measurements (session_id, idx, name, image, unit, value, nominal, note, "
	    "text, ref, ref_nominal, percent, act_low, tol_low, tol_high, act_high, verdict) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)";
	sqlite3_stmt *stmt;
	char what[96];

	enum qc_status rc = store_prepare(st, sql, &stmt);
	for (size_t i = 0; !rc && i < s->n_rec; i++) {
		bind_record(stmt, id, i, &s->rec[i]);
		snprintf(what, sizeof(what), _("cannot store measurement '%s'"), s->rec[i].m.name);
		rc = step_insert(st, stmt, what);
	}
	sqlite3_finalize(stmt);
	return rc;
}

static enum qc_status insert_inputs(struct store *st, const struct qc_session *s, int64_t id)
{
	static const char sql[] = "INSERT INTO inputs (session_id, idx, path, sop_instance_uid, "
				  "sha256, label) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
	sqlite3_stmt *stmt;
	char what[64];

	enum qc_status rc = store_prepare(st, sql, &stmt);
	for (size_t i = 0; !rc && i < s->n_in; i++) {
		const struct qc_input *in = &s->in[i];
		sqlite3_bind_int64(stmt, 1, id);
		sqlite3_bind_int64(stmt, 2, (int64_t)i);
		sqlite3_bind_text(stmt, 3, in->path, -1, SQLITE_STATIC);
		store_bind_text_or_null(stmt, 4, in->sop_instance_uid);
		store_bind_text_or_null(stmt, 5, in->sha256);
		store_bind_text_or_null(stmt, 6, in->label);
		snprintf(what, sizeof(what), _("cannot store input %zu"), i + 1);
		rc = step_insert(st, stmt, what);
	}
	sqlite3_finalize(stmt);
	return rc;
}

static enum qc_status insert_preview(struct store *st, sqlite3_stmt *stmt, int64_t id, size_t i,
				     const struct qc_preview *p)
{
	uLong n = (uLong)p->width * (uLong)p->height;
	uLongf zn = compressBound(n);
	Bytef *z = qc_xmalloc(zn);
	char what[64];

	int zr = compress2(z, &zn, p->px, n, Z_BEST_SPEED);
	if (zr == Z_MEM_ERROR)
		qc_die("out of memory compressing a preview of %lu bytes", (unsigned long)n);
	if (zr != Z_OK) {
		free(z);
		return qc_fail(QC_ERR_DB, _("cannot compress preview %zu: zlib error %d"), i + 1,
			       zr);
	}
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int64(stmt, 2, (int64_t)i);
	sqlite3_bind_int(stmt, 3, p->image);
	sqlite3_bind_int(stmt, 4, p->width);
	sqlite3_bind_int(stmt, 5, p->height);
	sqlite3_bind_double(stmt, 6, p->origin_x);
	sqlite3_bind_double(stmt, 7, p->origin_y);
	sqlite3_bind_double(stmt, 8, p->step);
	sqlite3_bind_blob64(stmt, 9, z, zn, SQLITE_STATIC);
	snprintf(what, sizeof(what), _("cannot store preview %zu"), i + 1);
	enum qc_status rc = step_insert(st, stmt, what);
	free(z); /* after step_insert: the reset and clear drop SQLite's reference */
	return rc;
}

static enum qc_status insert_previews(struct store *st, const struct qc_session *s, int64_t id)
{
	static const char sql[] = "INSERT INTO previews (session_id, idx, image, width, height, "
				  "origin_x, origin_y, step, data) "
				  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
	sqlite3_stmt *stmt;

	enum qc_status rc = store_prepare(st, sql, &stmt);
	for (size_t i = 0; !rc && i < s->n_pv; i++)
		rc = insert_preview(st, stmt, id, i, &s->pv[i]);
	sqlite3_finalize(stmt);
	return rc;
}

static enum qc_status insert_overlays(struct store *st, const struct qc_session *s, int64_t id)
{
	static const char sql[] = "INSERT INTO overlays (session_id, idx, image, kind, role, "
				  "x0, y0, x1, y1, r, measure) "
				  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
	sqlite3_stmt *stmt;
	char what[64];

	enum qc_status rc = store_prepare(st, sql, &stmt);
	for (size_t i = 0; !rc && i < s->n_ov; i++) {
		const struct qc_overlay *o = &s->ov[i];
		sqlite3_bind_int64(stmt, 1, id);
		sqlite3_bind_int64(stmt, 2, (int64_t)i);
		sqlite3_bind_int(stmt, 3, o->image);
		sqlite3_bind_text(stmt, 4, store_ov_kind_name(o->kind), -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 5, store_ov_role_name(o->role), -1, SQLITE_STATIC);
		sqlite3_bind_double(stmt, 6, o->x0);
		sqlite3_bind_double(stmt, 7, o->y0);
		sqlite3_bind_double(stmt, 8, o->x1);
		sqlite3_bind_double(stmt, 9, o->y1);
		sqlite3_bind_double(stmt, 10, o->r);
		store_bind_text_or_null(stmt, 11, o->measure);
		snprintf(what, sizeof(what), _("cannot store overlay %zu"), i + 1);
		rc = step_insert(st, stmt, what);
	}
	sqlite3_finalize(stmt);
	return rc;
}

static enum qc_status write_all(struct store *st, const struct qc_session *s, int64_t *id,
				struct qc_review *review)
{
	char detail[160];

	enum qc_status rc = s->supersedes ? check_supersedes(st, s) : QC_OK;
	if (!rc)
		rc = insert_session(st, s, id);
	if (!rc)
		rc = insert_records(st, s, *id);
	if (!rc)
		rc = insert_inputs(st, s, *id);
	if (!rc)
		rc = insert_previews(st, s, *id);
	if (!rc)
		rc = insert_overlays(st, s, *id);
	if (rc)
		return rc;
	snprintf(detail, sizeof(detail), "save session %lld (%s, %zu image%s, %s)", (long long)*id,
		 s->test, s->n_in, s->n_in == 1 ? "" : "s", qc_verdict_name(s->verdict));
	rc = store_audit(st, s->operator_name, "save", *id, detail);
	if (!rc && s->auto_approve)
		rc = store_insert_review(st, *id, "auto", true,
					 "approved automatically: every result OK, no comment",
					 review);
	return rc;
}

enum qc_status store_save_session(store_t *st, struct qc_session *s)
{
	int64_t id = 0;
	struct qc_review review = {0};

	enum qc_status rc = check_session(s);
	if (!rc)
		rc = store_exec(st, "BEGIN IMMEDIATE", NULL);
	if (!rc)
		rc = write_all(st, s, &id, &review);
	if (!rc)
		rc = store_exec(st, "COMMIT", _("cannot commit"));
	if (rc) {
		/* A failed COMMIT may have rolled back already: ROLLBACK only if still open. */
		if (!sqlite3_get_autocommit(st->db))
			sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		free(review.comment);
		return qc_fail_context(rc, _("cannot save the %s session to '%s'"),
				       s->test[0] ? s->test : _("(no test)"), st->path);
	}
	s->id = id;
	free(s->review.comment);
	s->review = review;
	return QC_OK;
}
