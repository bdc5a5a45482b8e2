/* The results database: sessions, measurements, inputs, pictures, audit trail (append-only). */
#ifndef QC_STORE_H
#define QC_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qc/core.h"
#include "qc/session.h"

typedef struct store store_t; /* opaque */

/*
 * Opens (creating the file and its folder if needed) and migrates the schema to the current
 * version. WAL journal, busy timeout; every write runs in one BEGIN IMMEDIATE transaction.
 */
enum qc_status store_open(const char *path, store_t **out);
void store_close(store_t *st);
int store_schema_version(store_t *st);
const char *store_path(store_t *st); /* borrowed */
/*
 * How long a write waits for another user's transaction before giving up with QC_ERR_BUSY
 * (5000 ms after store_open); 0 gives up at once.
 */
void store_set_busy_timeout(store_t *st, int ms);

/*
 * Stores a completed session with everything it holds, all or nothing; sets s->id. A session that
 * already has an id is refused (QC_ERR_INVALID): a correction is a new session with supersedes.
 */
enum qc_status store_save_session(store_t *st, struct qc_session *s);

/* Loads one session with records, inputs, previews and overlays. */
enum qc_status store_load_session(store_t *st, int64_t id, struct qc_session *out);

enum store_review_state { STORE_NOT_REVIEWED, STORE_APPROVED, STORE_REJECTED };

/* A line of a session list. */
struct store_row {
	int64_t id;
	char test[32];
	char completed_at[20];
	char operator_name[64];
	enum qc_verdict verdict;
	bool has_comment;
	bool not_for_scheduling;
	int64_t supersedes;
	int64_t superseded_by;		/* the newest session correcting this one, 0 = none */
	enum store_review_state review; /* from its newest review */
	char reviewer[64];
	char reviewed_at[20];
};

/* Sessions, newest first; test NULL for all; since "" or NULL for no limit; limit 0 = all. */
enum qc_status store_list_sessions(store_t *st, const char *test, const char *since, size_t limit,
				   struct store_row **rows, size_t *n);

/* Completion time of the newest session of a test that counts for scheduling ("" if none). */
enum qc_status store_last_done(store_t *st, const char *test, char when[20]);

/* SQLite's plan for the query of store_last_done (one line a step), to check that it uses the
 * indexes; *plan owned: free(). */
enum qc_status store_last_done_plan(store_t *st, char **plan);

/* Number of sessions stored. */
enum qc_status store_count_sessions(store_t *st, int64_t *n);

/* Sessions without any review, oldest first (the physicist's queue). */
enum qc_status store_list_unreviewed(store_t *st, struct store_row **rows, size_t *n);

/*
 * Approves or rejects a session (appended: the newest review holds). A rejection needs a
 * comment; a reviewer may not review their own session unless allow_self.
 */
enum qc_status store_review(store_t *st, int64_t session, const char *reviewer, bool approve,
			    const char *comment, bool allow_self);

/* Sessions in progress (manual entry saved before completion): one per test, replaceable. */
enum qc_status store_put_draft(store_t *st, const char *test, const char *operator_name,
			       const char *data);
/* NOT_FOUND when the test has no draft; *data owned: free(). */
enum qc_status store_get_draft(store_t *st, const char *test, char **data, char operator_name[64],
			       char updated_at[20]);
enum qc_status store_drop_draft(store_t *st, const char *test, const char *who);

/* Machine downtime (no daily QC due): periods of whole days, appended; a later row may replace
 * an earlier one (e.g. ended early). */
struct store_downtime {
	int64_t id;
	char from[11], to[11]; /* YYYY-MM-DD, inclusive */
	char reason[128];
	char who[64];
};
enum qc_status store_add_downtime(store_t *st, const char *from, const char *to, const char *reason,
				  const char *who, int64_t replaces, int64_t *id);
/* The periods in force (not replaced), by start date; *rows owned: free(). */
enum qc_status store_list_downtime(store_t *st, struct store_downtime **rows, size_t *n);

/* Catalogue versions: the text in use and each change of a reference or level, with who,
 * when and why. changes: lines "what<TAB>old<TAB>new". */
enum qc_status store_record_catalog(store_t *st, const char *text, const char *source,
				    const char *who, const char *why, const char *const *changes,
				    size_t n_changes, int64_t *version);
/* The newest recorded catalogue text (*text NULL when none); owned: free(). */
enum qc_status store_last_catalog(store_t *st, char **text, char at[20]);

/* One measurement of the history of a test, with its session. */
struct store_value {
	int64_t session;
	char completed_at[20];
	char operator_name[64];
	enum store_review_state review;
	struct qc_record rec;
};
/* Every measurement of a test since a date (NULL: all), oldest first; owned: free(). */
enum qc_status store_history(store_t *st, const char *test, const char *since,
			     struct store_value **rows, size_t *n);

#endif
