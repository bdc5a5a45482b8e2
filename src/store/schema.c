/* The database schema as an ordered list of migrations, applied up to the version we know. */
#include <stdio.h>

#include "store_int.h"

/* SQL CHECKs keep foreign writers (sqlite3 shell, scripts) from storing what we could not read. */
#define TIME_GLOB "'[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-6][0-9]'"
#define VERDICTS  "('NO_TOL', 'OK', 'TOLERANCE', 'ACTION', 'NOT_DONE')"

/*
 * Results are evidence: nothing is changed or removed once written, a correction is a new session
 * that supersedes the old one. A later migration that really must rewrite rows drops and
 * recreates these triggers inside its own transaction.
 */
#define APPEND_ONLY(t)                                                                             \
	"CREATE TRIGGER " t "_no_update BEFORE UPDATE ON " t " BEGIN SELECT RAISE(ABORT, '" t      \
	" rows are append-only: record a correcting session instead of changing one'); END;\n"     \
	"CREATE TRIGGER " t "_no_delete BEFORE DELETE ON " t " BEGIN SELECT RAISE(ABORT, '" t      \
	" rows are append-only: they cannot be deleted'); END;\n"

static const char v1_sql[] =
    "CREATE TABLE sessions (\n"
    "	id INTEGER PRIMARY KEY,\n"
    "	test TEXT NOT NULL CHECK (test <> ''),\n"
    "	machine TEXT,\n"
    "	analysis TEXT,\n"
    "	analysis_version TEXT,\n"
    "	program_version TEXT,\n"
    "	started_at TEXT CHECK (started_at GLOB " TIME_GLOB "),\n"
    "	completed_at TEXT NOT NULL CHECK (completed_at GLOB " TIME_GLOB "),\n"
    "	operator TEXT NOT NULL CHECK (operator <> ''),\n"
    "	comment TEXT,\n"
    "	verdict TEXT NOT NULL CHECK (verdict IN " VERDICTS "),\n"
    "	supersedes INTEGER REFERENCES sessions(id),\n"
    "	not_for_scheduling INTEGER NOT NULL DEFAULT 0 CHECK (not_for_scheduling IN (0, 1)),\n"
    "	created_at TEXT NOT NULL\n"
    ");\n"
    /* Serves history per test and "last done" (newest first, stops at the first that counts). */
    "CREATE INDEX sessions_test_completed ON sessions(test, completed_at);\n"
    "CREATE INDEX sessions_completed ON sessions(completed_at);\n"
    "CREATE INDEX sessions_supersedes ON sessions(supersedes) WHERE supersedes IS NOT NULL;\n"
    "\n"
    /* The reference and levels are copied into each row so that history survives changes. */
    "CREATE TABLE measurements (\n"
    "	id INTEGER PRIMARY KEY,\n"
    "	session_id INTEGER NOT NULL REFERENCES sessions(id),\n"
    "	idx INTEGER NOT NULL,\n"
    "	name TEXT NOT NULL CHECK (name <> ''),\n"
    "	image INTEGER NOT NULL,\n"
    "	unit TEXT NOT NULL DEFAULT '',\n"
    "	value REAL,\n"
    "	nominal REAL,\n"
    "	note TEXT,\n"
    "	text TEXT,\n"
    "	ref REAL,\n"
    "	ref_nominal INTEGER NOT NULL DEFAULT 0 CHECK (ref_nominal IN (0, 1)),\n"
    "	percent INTEGER NOT NULL DEFAULT 0 CHECK (percent IN (0, 1)),\n"
    "	act_low REAL,\n"
    "	tol_low REAL,\n"
    "	tol_high REAL,\n"
    "	act_high REAL,\n"
    "	verdict TEXT NOT NULL CHECK (verdict IN " VERDICTS "),\n"
    "	UNIQUE (session_id, idx)\n"
    ");\n"
    "\n"
    "CREATE TABLE inputs (\n"
    "	session_id INTEGER NOT NULL REFERENCES sessions(id),\n"
    "	idx INTEGER NOT NULL,\n"
    "	path TEXT NOT NULL,\n"
    "	sop_instance_uid TEXT,\n"
    "	sha256 TEXT,\n"
    "	label TEXT,\n"
    "	PRIMARY KEY (session_id, idx)\n"
    ");\n"
    /* "Was this image already used in a session?" when importing. */
    "CREATE INDEX inputs_sop ON inputs(sop_instance_uid) WHERE sop_instance_uid IS NOT NULL;\n"
    "\n"
    "CREATE TABLE previews (\n"
    "	session_id INTEGER NOT NULL REFERENCES sessions(id),\n"
    "	idx INTEGER NOT NULL,\n"
    "	image INTEGER NOT NULL,\n"
    "	width INTEGER NOT NULL CHECK (width > 0),\n"
    "	height INTEGER NOT NULL CHECK (height > 0),\n"
    "	origin_x REAL NOT NULL,\n"
    "	origin_y REAL NOT NULL,\n"
    "	step REAL NOT NULL,\n"
    "	data BLOB NOT NULL,\n" /* zlib compress2() of width * height 8-bit pixels */
    "	PRIMARY KEY (session_id, idx)\n"
    ");\n"
    "\n"
    "CREATE TABLE overlays (\n"
    "	session_id INTEGER NOT NULL REFERENCES sessions(id),\n"
    "	idx INTEGER NOT NULL,\n"
    "	image INTEGER NOT NULL,\n"
    "	kind TEXT NOT NULL CHECK (kind IN ('line', 'cross', 'circle', 'rect')),\n"
    "	role TEXT NOT NULL CHECK (role IN ('edge', 'centre', 'ref', 'roi')),\n"
    "	x0 REAL NOT NULL,\n"
    "	y0 REAL NOT NULL,\n"
    "	x1 REAL NOT NULL,\n"
    "	y1 REAL NOT NULL,\n"
    "	r REAL NOT NULL,\n"
    "	measure TEXT,\n"
    "	PRIMARY KEY (session_id, idx)\n"
    ");\n"
    "\n"
    /* A session may be reviewed again: its newest review is the one that holds. */
    "CREATE TABLE reviews (\n"
    "	id INTEGER PRIMARY KEY,\n"
    "	session_id INTEGER NOT NULL REFERENCES sessions(id),\n"
    "	reviewer TEXT NOT NULL CHECK (reviewer <> ''),\n"
    "	at TEXT NOT NULL CHECK (at GLOB " TIME_GLOB "),\n"
    "	decision TEXT NOT NULL CHECK (decision IN ('approved', 'rejected')),\n"
    "	comment TEXT\n"
    ");\n"
    "CREATE INDEX reviews_session ON reviews(session_id);\n"
    "\n"
    /* who: the person named in the program; login: the account that ran it. */
    "CREATE TABLE audit (\n"
    "	id INTEGER PRIMARY KEY,\n"
    "	at TEXT NOT NULL,\n"
    "	who TEXT NOT NULL,\n"
    "	login TEXT,\n"
    "	action TEXT NOT NULL,\n"
    "	session_id INTEGER REFERENCES sessions(id),\n"
    "	detail TEXT\n"
    ");\n"
    "CREATE INDEX audit_session ON audit(session_id) WHERE session_id IS NOT NULL;\n";

static const char v1_append_only[] =
    APPEND_ONLY("sessions") APPEND_ONLY("measurements") APPEND_ONLY("inputs")
	APPEND_ONLY("previews") APPEND_ONLY("overlays") APPEND_ONLY("reviews") APPEND_ONLY("audit");

/*
 * Version 2: the QC programme. Drafts are work in progress (a manual entry saved before it is
 * complete), not results: they are replaced and dropped. Everything else stays append-only.
 */
static const char v2_sql[] =
    "CREATE TABLE drafts (\n"
    "	test TEXT PRIMARY KEY CHECK (test <> ''),\n"
    "	operator TEXT NOT NULL CHECK (operator <> ''),\n"
    "	updated_at TEXT NOT NULL CHECK (updated_at GLOB " TIME_GLOB "),\n"
    "	data TEXT NOT NULL\n"
    ");\n"
    "CREATE TABLE downtime (\n"
    "	id INTEGER PRIMARY KEY,\n"
    "	start TEXT NOT NULL CHECK (start GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),\n"
    "	end TEXT NOT NULL CHECK (end GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]' "
    "AND end >= start),\n"
    "	reason TEXT,\n"
    "	who TEXT NOT NULL,\n"
    "	at TEXT NOT NULL,\n"
    "	replaces INTEGER REFERENCES downtime(id)\n"
    ");\n"
    "CREATE TABLE catalog_versions (\n"
    "	id INTEGER PRIMARY KEY,\n"
    "	at TEXT NOT NULL,\n"
    "	who TEXT NOT NULL,\n"
    "	why TEXT NOT NULL CHECK (why <> ''),\n"
    "	source TEXT,\n"
    "	sha256 TEXT NOT NULL,\n"
    "	text TEXT NOT NULL\n"
    ");\n"
    "CREATE TABLE catalog_changes (\n"
    "	id INTEGER PRIMARY KEY,\n"
    "	version_id INTEGER NOT NULL REFERENCES catalog_versions(id),\n"
    "	what TEXT NOT NULL,\n"
    "	old TEXT,\n"
    "	new TEXT\n"
    ");\n";

static const char v2_append_only[] =
    APPEND_ONLY("downtime") APPEND_ONLY("catalog_versions") APPEND_ONLY("catalog_changes");

/* Step i takes a file from version i to version i + 1. Never edit a step once released. */
static const char *const v1_steps[] = {v1_sql, v1_append_only, NULL};
static const char *const v2_steps[] = {v2_sql, v2_append_only, NULL};
static const char *const *const steps[] = {
    v1_steps,
    v2_steps,
};

int store_schema_latest(void)
{
	return (int)QC_ARRAY_LEN(steps);
}

static enum qc_status read_version(struct store *st, int *v)
{
	sqlite3_stmt *stmt;
	enum qc_status rc = store_prepare(st, "PRAGMA user_version", &stmt);
	if (rc)
		return rc;
	int sr = sqlite3_step(stmt);
	if (sr == SQLITE_ROW)
		*v = sqlite3_column_int(stmt, 0);
	else
		rc = store_db_fail(st, sr, _("cannot read the schema version"));
	sqlite3_finalize(stmt);
	return rc;
}

static enum qc_status newer_schema(struct store *st, int v)
{
	return qc_fail(
	    QC_ERR_UNSUPPORTED,
	    _("'%s' was written by a newer unityqc (schema version %d, this program knows up "
	      "to %d): upgrade the program; the database was left untouched"),
	    st->path, v, store_schema_latest());
}

/* PRAGMA takes no parameters; the values here are our own integers, never user text. */
static enum qc_status set_header(struct store *st, int to)
{
	char sql[96];
	enum qc_status rc = QC_OK;
	if (to == 1) {
		snprintf(sql, sizeof(sql), "PRAGMA application_id = %d", STORE_APPLICATION_ID);
		rc = store_exec(st, sql, _("cannot set the application id"));
	}
	if (rc)
		return rc;
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", to);
	return store_exec(st, sql, _("cannot set the schema version"));
}

static enum qc_status apply_step(struct store *st, int from)
{
	char detail[80];
	int now;
	int to = from + 1;

	enum qc_status rc = store_exec(st, "BEGIN IMMEDIATE", _("cannot start the migration"));
	if (rc)
		return rc;
	/* Another process may have migrated while we waited for the write lock. */
	rc = read_version(st, &now);
	if (!rc && now != from)
		return store_exec(st, "COMMIT", _("cannot end the migration"));
	for (const char *const *sql = steps[from]; !rc && *sql; sql++)
		rc = store_exec(st, *sql, _("cannot change the tables"));
	if (!rc)
		rc = set_header(st, to);
	snprintf(detail, sizeof(detail), "migrate schema from version %d to %d", from, to);
	if (!rc)
		rc = store_audit(st, store_login_name(), "migrate", 0, detail);
	if (!rc)
		rc = store_exec(st, "COMMIT", _("cannot commit the migration"));
	if (rc && !sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	if (rc)
		return qc_fail_context(rc, _("cannot migrate '%s' to schema version %d"), st->path,
				       to);
	return QC_OK;
}

enum qc_status store_migrate(struct store *st)
{
	int v;
	enum qc_status rc = read_version(st, &v);
	while (!rc && v < store_schema_latest()) {
		rc = apply_step(st, v);
		if (!rc)
			rc = read_version(st, &v);
	}
	if (rc)
		return rc;
	if (v > store_schema_latest())
		return newer_schema(st, v);
	st->version = v;
	return QC_OK;
}

enum qc_status store_check_version(struct store *st, int v)
{
	return v > store_schema_latest() ? newer_schema(st, v) : QC_OK;
}
