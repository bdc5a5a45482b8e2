/* Private to src/store/: the connection handle, SQLite error mapping, statement helpers. */
#ifndef QC_STORE_INT_H
#define QC_STORE_INT_H

#include <sqlite3.h>

#include "qc/i18n.h"
#include "qc/store.h"

/* Written into the file header so that another program's database is never taken for ours. */
#define STORE_APPLICATION_ID  0x55514331 /* "UQC1" */
#define STORE_DEFAULT_BUSY_MS 5000

struct store {
	sqlite3 *db;
	char *path; /* owned */
	int version;
	int busy_ms;
};

/* Latest schema version this program knows: the length of the migration table in schema.c. */
int store_schema_latest(void);
/* Brings the schema from the version the file has up to store_schema_latest(); sets st->version. */
enum qc_status store_migrate(struct store *st);

/*
 * Turns the last SQLite error of st into a status with a message "<what>: <sqlite message>";
 * BUSY, FULL and I/O errors caused by a full disk get their own status and wording.
 */
enum qc_status store_db_fail(struct store *st, int rc, const char *what);
/* Refuses a schema version above ours with a message that says the file was left alone. */
enum qc_status store_check_version(struct store *st, int version);

/* Runs SQL without results; on failure sets a message through store_db_fail. */
enum qc_status store_exec(struct store *st, const char *sql, const char *what);
/* Prepares one statement; on failure sets a message through store_db_fail. */
enum qc_status store_prepare(struct store *st, const char *sql, sqlite3_stmt **out);

/* The operating-system account running the program, for the audit trail. */
const char *store_login_name(void);
/* Adds an audit row inside the caller's transaction; session_id 0 = none. */
enum qc_status store_audit(struct store *st, const char *who, const char *action,
			   int64_t session_id, const char *detail);

/* Binds text, or NULL when s is NULL or empty (optional columns keep NULL for "nothing"). */
int store_bind_text_or_null(sqlite3_stmt *stmt, int i, const char *s);
/* Copies a text column into a fixed buffer (NULL gives ""); long values are cut. */
void store_column_copy(sqlite3_stmt *stmt, int i, char *dst, size_t n);

/* Overlay kinds and roles are stored by name so that reordering the enums never shifts data. */
const char *store_ov_kind_name(enum qc_ov_kind k); /* NULL when out of range */
const char *store_ov_role_name(enum qc_ov_role r); /* NULL when out of range */
bool store_ov_parse(const char *kind, const char *role, enum qc_ov_kind *k, enum qc_ov_role *r);

/* The columns of a session list row (alias s), with its newest review (alias r). */
#define STORE_LIST_COLUMNS                                                                         \
	"SELECT s.id, s.test, s.completed_at, s.operator, s.verdict, "                             \
	"coalesce(s.comment, '') <> '', s.not_for_scheduling, coalesce(s.supersedes, 0), "         \
	"coalesce((SELECT max(c.id) FROM sessions AS c WHERE c.supersedes = s.id), 0), "           \
	"r.decision, r.reviewer, r.at FROM sessions AS s LEFT JOIN reviews AS r ON r.id = "        \
	"(SELECT max(x.id) FROM reviews AS x WHERE x.session_id = s.id)"
void store_read_list_row(sqlite3_stmt *stmt, struct store_row *row);

/* The columns of a measurement (alias m) in the order store_read_record() reads them. */
#define STORE_RECORD_COLUMNS                                                                       \
	"m.name, m.image, m.unit, m.value, m.nominal, m.note, m.text, m.ref, m.ref_nominal, "      \
	"m.percent, m.act_low, m.tol_low, m.tol_high, m.act_high, m.verdict"
/* Reads a measurement from column c on (STORE_RECORD_COLUMNS). */
enum qc_status store_read_record(sqlite3_stmt *stmt, int c, struct qc_record *r);

/* A --since value as stored times compare: a real date, or a date and time ('T' or ' '). */
enum qc_status store_normalise_since(const char *since, char out[20]);

/* Inserts a review row inside the caller's transaction; out (may be NULL) receives it. */
enum qc_status store_insert_review(struct store *st, int64_t session, const char *reviewer,
				   bool approve, const char *comment, struct qc_review *out);
/* Loads the review that holds for s->id into s->review (left empty when none). */
enum qc_status store_load_review(struct store *st, struct qc_session *s);

#endif
