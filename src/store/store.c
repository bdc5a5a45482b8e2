/* Opening the results database: folders, checks that the file is ours, pragmas, error mapping. */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qc/clock.h"
#include "store_int.h"

/*
 * The cause of a failed write. SQLite 3.40 leaves sqlite3_system_errno() at 0 when the WAL write
 * of a COMMIT fails (measured with a file size limit: SQLITE_IOERR_WRITE, errno EFBIG), so for
 * write errors the errno it left behind is the best witness.
 */
static int write_errno(struct store *st, int rc, int saved)
{
	int sys = st->db ? sqlite3_system_errno(st->db) : 0;
	if (sys)
		return sys;
	switch (rc) {
	case SQLITE_IOERR_WRITE:
	case SQLITE_IOERR_FSYNC:
	case SQLITE_IOERR_TRUNCATE:
	case SQLITE_IOERR_SHMSIZE: return saved;
	}
	return 0;
}

/* what (already translated, or NULL) is the context: "what: cause", each part a whole sentence. */
enum qc_status store_db_fail(struct store *st, int rc, const char *what)
{
	int sys = write_errno(st, rc, errno);
	const char *msg = st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc);
	char cause[512];
	enum qc_status code = QC_ERR_DB;

	/* SQLite's own words stay as SQLite wrote them; ours follow the interface language. */
	qc_strlcpy(cause, msg, sizeof(cause));
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		code = QC_ERR_BUSY;
		snprintf(cause, sizeof(cause),
			 _("the database is locked by another user (gave up after %.1f s)"),
			 st->busy_ms / 1000.0);
		break;
	case SQLITE_FULL:
		code = QC_ERR_FULL;
		snprintf(cause, sizeof(cause), _("disk full (%s)"), msg);
		break;
	case SQLITE_IOERR:
		/* A refused write is an I/O error to SQLite; errno tells a full disk apart. */
		code = sys == ENOSPC || sys == EDQUOT || sys == EFBIG ? QC_ERR_FULL : QC_ERR_IO;
		if (code == QC_ERR_FULL)
			snprintf(cause, sizeof(cause),
				 _("disk full or file size limit reached (%s: %s)"), msg,
				 qc_errno_text(sys));
		else if (sys)
			snprintf(cause, sizeof(cause), _("%s: %s"), msg, qc_errno_text(sys));
		break;
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT: code = QC_ERR_FORMAT; break;
	case SQLITE_CANTOPEN:
	case SQLITE_READONLY:
	case SQLITE_PERM: code = QC_ERR_IO; break;
	}
	return what ? qc_fail(code, _("%s: %s"), what, cause) : qc_fail(code, "%s", cause);
}

enum qc_status store_exec(struct store *st, const char *sql, const char *what)
{
	int rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);
	return rc == SQLITE_OK ? QC_OK : store_db_fail(st, rc, what);
}

enum qc_status store_prepare(struct store *st, const char *sql, sqlite3_stmt **out)
{
	int rc = sqlite3_prepare_v2(st->db, sql, -1, out, NULL);
	if (rc == SQLITE_OK)
		return QC_OK;
	*out = NULL;
	return store_db_fail(st, rc, _("cannot prepare a query"));
}

int store_bind_text_or_null(sqlite3_stmt *stmt, int i, const char *s)
{
	if (!s || !*s)
		return sqlite3_bind_null(stmt, i);
	return sqlite3_bind_text(stmt, i, s, -1, SQLITE_TRANSIENT);
}

void store_column_copy(sqlite3_stmt *stmt, int i, char *dst, size_t n)
{
	const char *s = (const char *)sqlite3_column_text(stmt, i);
	qc_strlcpy(dst, s ? s : "", n);
}

const char *store_login_name(void)
{
	static _Thread_local char name[64];
	struct passwd pw, *res = NULL;
	char buf[1024];

	if (getpwuid_r(geteuid(), &pw, buf, sizeof(buf), &res) == 0 && res && res->pw_name[0]) {
		qc_strlcpy(name, res->pw_name, sizeof(name));
		return name;
	}
	const char *env = getenv("LOGNAME");
	if (!env || !*env)
		env = getenv("USER");
	if (env && *env)
		qc_strlcpy(name, env, sizeof(name));
	else
		snprintf(name, sizeof(name), "uid %ld", (long)geteuid());
	return name;
}

enum qc_status store_audit(struct store *st, const char *who, const char *action,
			   int64_t session_id, const char *detail)
{
	static const char sql[] = "INSERT INTO audit (at, who, login, action, session_id, detail) "
				  "VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
	char at[32];
	sqlite3_stmt *stmt;

	qc_format_time(qc_now(), at, sizeof(at));
	enum qc_status rc = store_prepare(st, sql, &stmt);
	if (rc)
		return rc;
	sqlite3_bind_text(stmt, 1, at, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(stmt, 2, who, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(stmt, 3, store_login_name(), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(stmt, 4, action, -1, SQLITE_STATIC);
	if (session_id)
		sqlite3_bind_int64(stmt, 5, session_id);
	store_bind_text_or_null(stmt, 6, detail);
	int sr = sqlite3_step(stmt);
	if (sr != SQLITE_DONE)
		rc = store_db_fail(st, sr, _("cannot write the audit trail"));
	sqlite3_finalize(stmt);
	return rc;
}

/* mkdir -p of the folder part of path; new folders are private to the user (results, names). */
static enum qc_status make_dir(const char *dir)
{
	struct stat sb;
	if (mkdir(dir, 0700) == 0)
		return QC_OK;
	int err = errno;
	if (stat(dir, &sb) == 0) {
		if (S_ISDIR(sb.st_mode))
			return QC_OK;
		return qc_fail(QC_ERR_IO,
			       _("cannot create folder '%s': a file of that name is in the way"),
			       dir);
	}
	return qc_fail(QC_ERR_IO, _("cannot create folder '%s': %s"), dir, qc_errno_text(err));
}

static enum qc_status make_parents(const char *path)
{
	enum qc_status rc = QC_OK;
	char *dir = qc_xstrdup(path);
	char *slash = strrchr(dir, '/');

	if (slash && slash != dir) {
		*slash = '\0';
		for (char *p = dir + 1; !rc; p++) {
			if (*p != '/' && *p != '\0')
				continue;
			char c = *p;
			*p = '\0';
			rc = make_dir(dir);
			*p = c;
			if (!c)
				break;
		}
	}
	free(dir);
	return rc;
}

/* Says plainly what is wrong before SQLite turns it into "unable to open database file". */
static enum qc_status check_file(const char *path)
{
	struct stat sb;
	if (stat(path, &sb) != 0) {
		if (errno == ENOENT)
			return QC_OK;
		return qc_fail(QC_ERR_IO, _("cannot open '%s': %s"), path, qc_errno_text(errno));
	}
	if (S_ISDIR(sb.st_mode))
		return qc_fail(QC_ERR_IO,
			       _("cannot open '%s': it is a folder, not a database file"), path);
	if (!S_ISREG(sb.st_mode))
		return qc_fail(QC_ERR_IO, _("cannot open '%s': not a regular file"), path);
	if (faccessat(AT_FDCWD, path, R_OK | W_OK, AT_EACCESS) != 0)
		return qc_fail(QC_ERR_IO, _("cannot open '%s' for reading and writing: %s"), path,
			       qc_errno_text(errno));
	return QC_OK;
}

static enum qc_status open_db(struct store *st)
{
	int rc =
	    sqlite3_open_v2(st->path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK)
		return qc_fail_context(store_db_fail(st, rc, NULL), _("cannot open '%s'"),
				       st->path);
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, st->busy_ms);
	return QC_OK;
}

static enum qc_status not_ours(struct store *st, const char *why)
{
	return qc_fail(QC_ERR_FORMAT, _("'%s' is not a unityqc database: %s"), st->path, why);
}

/*
 * Reads the header in one statement (one snapshot) and before any pragma that writes, so that a
 * foreign file or one from a newer program is refused without being touched.
 */
static enum qc_status check_ours(struct store *st)
{
	static const char sql[] = "SELECT (SELECT application_id FROM pragma_application_id), "
				  "(SELECT user_version FROM pragma_user_version), "
				  "(SELECT count(*) FROM sqlite_schema)";
	sqlite3_stmt *stmt;
	char why[96];

	int sr = sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL);
	if (sr == SQLITE_OK)
		sr = sqlite3_step(stmt);
	if (sr != SQLITE_ROW) {
		enum qc_status rc = (sr & 0xff) == SQLITE_NOTADB || (sr & 0xff) == SQLITE_CORRUPT
					? not_ours(st, sqlite3_errmsg(st->db))
					: qc_fail_context(store_db_fail(st, sr, NULL),
							  _("cannot read '%s'"), st->path);
		sqlite3_finalize(stmt);
		return rc;
	}
	int app = sqlite3_column_int(stmt, 0);
	int version = sqlite3_column_int(stmt, 1);
	int tables = sqlite3_column_int(stmt, 2);
	sqlite3_finalize(stmt);

	if (app == STORE_APPLICATION_ID)
		return store_check_version(st, version);
	if (app != 0) {
		snprintf(why, sizeof(why),
			 _("it belongs to another program (application id 0x%08x)"), (unsigned)app);
		return not_ours(st, why);
	}
	if (tables || version)
		return not_ours(st, _("it holds the tables of another program"));
	return QC_OK;
}

/* Runs a journal_mode pragma; mode receives what the connection reports afterwards. */
static int journal_mode(struct store *st, const char *sql, char mode[16])
{
	sqlite3_stmt *stmt;
	int sr = sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL);
	if (sr == SQLITE_OK)
		sr = sqlite3_step(stmt);
	if (sr == SQLITE_ROW)
		store_column_copy(stmt, 0, mode, 16);
	sqlite3_finalize(stmt);
	return sr == SQLITE_ROW ? SQLITE_OK : sr;
}

/*
 * When two processes open a new file at the same moment, the switch to WAL of the second one
 * returns SQLITE_BUSY at once instead of calling the busy handler (seen with SQLite 3.40), so the
 * wait is done here, within the same patience as other writes.
 */
static int switch_to_wal(struct store *st, char mode[16])
{
	for (int waited_ms = 0;; waited_ms += 10) {
		int sr = journal_mode(st, "PRAGMA journal_mode = WAL", mode);
		if ((sr & 0xff) != SQLITE_BUSY || waited_ms >= st->busy_ms)
			return sr;
		sqlite3_sleep(10);
	}
}

static enum qc_status use_wal(struct store *st)
{
	char mode[16] = "";

	int sr = journal_mode(st, "PRAGMA journal_mode", mode);
	if (sr == SQLITE_OK && strcmp(mode, "wal") != 0)
		sr = switch_to_wal(st, mode);
	if (sr != SQLITE_OK)
		return qc_fail_context(store_db_fail(st, sr, NULL),
				       _("cannot switch '%s' to the WAL journal"), st->path);
	/* Without WAL, readers block the writer: refuse rather than behave differently. */
	if (strcmp(mode, "wal") != 0)
		return qc_fail(
		    QC_ERR_UNSUPPORTED,
		    _("cannot use the WAL journal on '%s' (got '%s'): is it on a network "
		      "share?"),
		    st->path, mode);
	return QC_OK;
}

/*
 * synchronous=FULL: in WAL mode NORMAL may lose the last commits on a power cut although the
 * user was told "saved". A QC record is evidence and sessions are saved one at a time, so one
 * fsync per session is a cheap price.
 */
static enum qc_status set_pragmas(struct store *st)
{
	enum qc_status rc = use_wal(st);
	if (!rc)
		rc = store_exec(st, "PRAGMA foreign_keys = ON", _("cannot enable foreign keys"));
	if (!rc)
		rc = store_exec(st, "PRAGMA synchronous = FULL", _("cannot set synchronous mode"));
	return rc;
}

enum qc_status store_open(const char *path, store_t **out)
{
	*out = NULL;
	if (!path || !*path)
		return qc_fail(QC_ERR_INVALID, _("no database path given"));
	enum qc_status rc = make_parents(path);
	if (!rc)
		rc = check_file(path);
	if (rc)
		return rc;

	struct store *st = qc_xcalloc(1, sizeof(*st));
	st->path = qc_xstrdup(path);
	st->busy_ms = STORE_DEFAULT_BUSY_MS;
	rc = open_db(st);
	if (!rc)
		rc = check_ours(st);
	if (!rc)
		rc = set_pragmas(st);
	if (!rc)
		rc = store_migrate(st);
	if (rc) {
		store_close(st);
		return rc;
	}
	*out = st;
	return QC_OK;
}

void store_close(store_t *st)
{
	if (!st)
		return;
	/* v2 defers the close until statements are finalized instead of failing; there are none. */
	sqlite3_close_v2(st->db);
	free(st->path);
	free(st);
}

void store_set_busy_timeout(store_t *st, int ms)
{
	st->busy_ms = ms < 0 ? 0 : ms;
	sqlite3_busy_timeout(st->db, st->busy_ms);
}

int store_schema_version(store_t *st)
{
	return st->version;
}

const char *store_path(store_t *st)
{
	return st->path;
}

const char *store_ov_kind_name(enum qc_ov_kind k)
{
	static const char *const names[] = {"line", "cross", "circle", "rect"};
	return (unsigned)k < QC_ARRAY_LEN(names) ? names[k] : NULL;
}

const char *store_ov_role_name(enum qc_ov_role r)
{
	static const char *const names[] = {"edge", "centre", "ref", "roi"};
	return (unsigned)r < QC_ARRAY_LEN(names) ? names[r] : NULL;
}

bool store_ov_parse(const char *kind, const char *role, enum qc_ov_kind *k, enum qc_ov_role *r)
{
	bool found_k = false, found_r = false;
	for (int i = 0; i <= QC_OV_RECT && kind; i++)
		if (!strcmp(kind, store_ov_kind_name((enum qc_ov_kind)i))) {
			*k = (enum qc_ov_kind)i;
			found_k = true;
		}
	for (int i = 0; i <= QC_OVR_ROI && role; i++)
		if (!strcmp(role, store_ov_role_name((enum qc_ov_role)i))) {
			*r = (enum qc_ov_role)i;
			found_r = true;
		}
	return found_k && found_r;
}
