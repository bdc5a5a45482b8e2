/* Command-line interface: shared options and the subcommands (private to src/cli). */
#ifndef QC_CLI_INT_H
#define QC_CLI_INT_H

#include <stdbool.h>

#include "qc/catalog.h"
#include "qc/store.h"

struct cli_opts {
	const char *db, *catalog, *today, *lang, *inbox, *theme, *reports, *operator_name;
	const char *test, *comment, *output, *since, *at, *reviewer, *why, *reason, *machine;
	const char *supersedes;
	bool json, csv, save, seed_demo, help, approve, reject, not_for_scheduling;
	int argc; /* positional arguments */
	char **argv;
};

struct cli_env {
	struct cli_opts *o;
	struct qc_catalog cat;
	bool have_cat;
	store_t *st; /* opened on demand by cli_store() */
	char db_path[4096];
};

/* Loads the catalogue (--catalog, UNITYQC_CATALOG, the user's file, else built-in). */
int cli_catalog(struct cli_env *env);
/* Opens the database (--db, UNITYQC_DB, else the XDG data folder); prints errors. */
int cli_store(struct cli_env *env);
/* The database path the options and environment give (also stored in env->db_path). */
const char *cli_db_path(struct cli_env *env);
/* The default folders. */
void cli_default_db(char *buf, size_t n);
const char *cli_inbox(const struct cli_opts *o);
const char *cli_reports_dir(const struct cli_opts *o);
const char *cli_sample_dir(void);

/* "not_reviewed", "approved", "rejected". */
const char *cli_review_name(enum store_review_state r);

/* Prints "unityqc: message" on stderr and returns 1. */
int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

int cli_analyze(struct cli_env *env);
int cli_import(struct cli_env *env);
/* The session as text: measurements per image with verdicts and notes. */
void cli_print_session(const struct qc_session *s);
int cli_report(struct cli_env *env);
int cli_sessions(struct cli_env *env);
int cli_catalog_cmd(struct cli_env *env);
int cli_scan(struct cli_env *env);
int cli_due(struct cli_env *env);
int cli_record(struct cli_env *env);
int cli_history(struct cli_env *env);
int cli_review(struct cli_env *env);
int cli_downtime(struct cli_env *env);
/* catalog diff (apply false) and catalog apply. */
int cli_catalog_change(struct cli_env *env, bool apply);
/* Saves a new session: auto-approval per the catalogue; prints errors. */
int cli_save(struct cli_env *env, struct qc_session *s);
/* The end of analyze and import: the comment, --save, then the session printed (--json or the
 * table); releases s. */
int cli_finish_session(struct cli_env *env, struct qc_session *s);
/* Fills a new default database with a session analysed from sample-dicom/. */
int cli_seed_demo(struct cli_env *env);

#endif
