/* Command-line interface: shared options and the subcommands (private to src/cli). */
#ifndef QC_CLI_INT_H
#define QC_CLI_INT_H

#include <stdbool.h>

#include "qc/catalog.h"
#include "qc/store.h"

struct cli_opts {
	const char *db, *catalog, *today, *lang, *inbox, *theme, *reports, *operator_name;
	const char *test, *comment, *output, *since;
	bool json, csv, save, seed_demo, help;
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

/* Prints "unityqc: message" on stderr and returns 1. */
int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

int cli_analyze(struct cli_env *env);
int cli_report(struct cli_env *env);
int cli_sessions(struct cli_env *env);
int cli_catalog_cmd(struct cli_env *env);
int cli_scan(struct cli_env *env);
int cli_due(struct cli_env *env);
/* Fills a new default database with a session analysed from sample-dicom/. */
int cli_seed_demo(struct cli_env *env);

#endif
