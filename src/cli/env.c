/* Where things live: database, catalogue, inbox, reports; opening them with clear errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_int.h"
#include "qc/i18n.h"

#ifndef QC_SRCDIR
#define QC_SRCDIR "."
#endif
#ifndef QC_DATADIR
#define QC_DATADIR "/usr/local/share/unityqc"
#endif

static bool is_dir(const char *p)
{
	struct stat sb;
	return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static bool is_file(const char *p)
{
	struct stat sb;
	return stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* $XDG_<kind>_HOME or ~/<fallback>, plus "/unityqc/<leaf>". */
static void xdg_path(const char *var, const char *fallback, const char *leaf, char *buf, size_t n)
{
	const char *base = getenv(var);
	const char *home = getenv("HOME");
	if (base && *base)
		snprintf(buf, n, "%s/unityqc/%s", base, leaf);
	else
		snprintf(buf, n, "%s/%s/unityqc/%s", home && *home ? home : ".", fallback, leaf);
}

void cli_default_db(char *buf, size_t n)
{
	xdg_path("XDG_DATA_HOME", ".local/share", "unityqc.db", buf, n);
}

const char *cli_sample_dir(void)
{
	if (is_dir(QC_SRCDIR "/sample-dicom"))
		return QC_SRCDIR "/sample-dicom";
	return QC_DATADIR "/sample-dicom";
}

const char *cli_inbox(const struct cli_opts *o)
{
	const char *v = o->inbox ? o->inbox : getenv("UNITYQC_INBOX");
	return v && *v ? v : cli_sample_dir();
}

const char *cli_reports_dir(const struct cli_opts *o)
{
	static char buf[4096];
	const char *v = o->reports ? o->reports : getenv("UNITYQC_REPORTS");
	if (v && *v)
		return v;
	const char *home = getenv("HOME");
	snprintf(buf, sizeof(buf), "%s/unityqc-reports", home && *home ? home : ".");
	return buf;
}

int cli_catalog(struct cli_env *env)
{
	char user[4096];
	const char *path = env->o->catalog ? env->o->catalog : getenv("UNITYQC_CATALOG");
	if (!path || !*path) {
		xdg_path("XDG_CONFIG_HOME", ".config", "catalog.cat", user, sizeof(user));
		path = is_file(user) ? user : NULL;
	}
	enum qc_status st = path ? cat_load_file(path, &env->cat) : cat_load_default(&env->cat);
	if (st)
		return cli_error("%s", qc_errmsg());
	env->have_cat = true;
	return 0;
}

const char *cli_db_path(struct cli_env *env)
{
	const char *path = env->o->db ? env->o->db : getenv("UNITYQC_DB");
	if (path && *path)
		qc_strlcpy(env->db_path, path, sizeof(env->db_path));
	else
		cli_default_db(env->db_path, sizeof(env->db_path));
	return env->db_path;
}

int cli_store(struct cli_env *env)
{
	long ms = -1;
	const char *busy = getenv("UNITYQC_BUSY_MS");
	/* A wrong value is said: ignoring it would wait 5 s where the user asked otherwise. */
	if (busy && *busy && (!qc_parse_int(busy, &ms) || ms < 0 || ms > 600000))
		return cli_error(_("UNITYQC_BUSY_MS must be a number of milliseconds from 0 to "
				   "600000, not '%s'"),
				 busy);
	cli_db_path(env);
	if (store_open(env->db_path, &env->st) != QC_OK)
		return cli_error("%s", qc_errmsg());
	if (ms >= 0)
		store_set_busy_timeout(env->st, (int)ms);
	return 0;
}
