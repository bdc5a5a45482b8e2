/* Running a test on files: load, fingerprint, analyse, picture, judge. Shared by TUI and CLI. */
#ifndef QC_RUN_H
#define QC_RUN_H

#include <stdbool.h>
#include <stddef.h>

#include "qc/catalog.h"
#include "qc/core.h"
#include "qc/sched.h"
#include "qc/session.h"
#include "qc/store.h"

/* Called before each step; done of total, what names the file or stage. */
typedef void (*run_progress_fn)(void *ud, size_t done, size_t total, const char *what);

struct run_request {
	const struct qc_catalog *cat; /* borrowed */
	const struct qc_test *test;   /* borrowed, may be NULL (no tolerances: NO_TOL) */
	const char *analysis;	      /* analysis id; NULL = the test's */
	const char *const *paths;     /* borrowed: DICOM files */
	size_t n_paths;
	const char *operator_name; /* NULL = login name */
	/* The user's roles, one per path (ANA_ROLE_AUTO, ANA_ROLE_NONE or a nominal field index
	 * of the test); NULL = the analysis assigns them. */
	const int *forced_role;
	/* The session is neither stored nor shown on screen: skip its pictures (a command that
	 * prints its measurements; about 6 ms of work per 1024 x 1024 image). */
	bool no_pictures;
	/* Nor are the files' SHA-256 fingerprints shown (text output): skip them (about 3 ms of
	 * work per 2 MB file). */
	bool no_fingerprints;
	run_progress_fn progress;
	void *ud;
};

/* Largest side of the stored pictures, in pixels. */
#define RUN_PREVIEW_MAX 512

/*
 * Fills out (a fresh session, not stored). Files that cannot be loaded, or an analysis that
 * rejects the images, give an error naming the file; nothing is half-filled then.
 */
enum qc_status run_analysis(const struct run_request *rq, struct qc_session *out);

/*
 * Imports a report file (rq->paths[0]; the test's input is "report": a Philips PIQT HTML
 * report) into a fresh session: fingerprinted, judged against the report's limits.
 */
enum qc_status run_import(const struct run_request *rq, struct qc_session *out);

/* Expands files and folders (recursively) into the DICOM image files they hold, sorted. */
enum qc_status run_expand_paths(const char *const *args, size_t n, char ***paths, size_t *n_paths);
void run_free_paths(char **paths, size_t n);

/* The login name of the user (USER, LOGNAME, getpwuid), never NULL. */
const char *run_login_name(void);

/* A test of the catalogue with its status on a day. */
struct run_due {
	const struct qc_test *test;	 /* borrowed from the catalogue */
	const struct qc_frequency *freq; /* borrowed */
	struct sched_status st;
	bool has_draft; /* an entry in progress is saved */
	char draft_by[64];
};

/* The treatment-day calendar: the catalogue's closed days and the downtime in the database.
 * *down owned: free(); cal points into cat and *down. */
enum qc_status run_calendar(const struct qc_catalog *cat, store_t *st, struct sched_calendar *cal,
			    struct sched_period **down);

/* Every test with its status on `today`, in catalogue order; *items owned: free(). */
enum qc_status run_due_list(const struct qc_catalog *cat, store_t *st, struct qc_date today,
			    struct run_due **items, size_t *n);

/* Whether a new session should carry an automatic approval (site rule, all OK, no comment). */
bool run_auto_approve(const struct qc_catalog *cat, const struct qc_session *s);

/* Stores a new session as every front end must: with the automatic approval the catalogue's
 * review rule gives it. Sets s->id. */
enum qc_status run_save(const struct qc_catalog *cat, store_t *st, struct qc_session *s);

#endif
