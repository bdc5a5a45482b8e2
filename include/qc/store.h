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

/* A line of a session list. */
struct store_row {
	int64_t id;
	char test[32];
	char completed_at[20];
	char operator_name[64];
	enum qc_verdict verdict;
	bool has_comment;
};

/* Sessions, newest first; test NULL for all; since "" or NULL for no limit; limit 0 = all. */
enum qc_status store_list_sessions(store_t *st, const char *test, const char *since, size_t limit,
				   struct store_row **rows, size_t *n);

/* Completion time of the newest session of a test that counts for scheduling ("" if none). */
enum qc_status store_last_done(store_t *st, const char *test, char when[20]);

/* Number of sessions stored. */
enum qc_status store_count_sessions(store_t *st, int64_t *n);

#endif
