/* Subcommands of the QC programme: due, record, history, review, downtime, catalogue changes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_int.h"
#include "qc/clock.h"
#include "qc/i18n.h"
#include "qc/run.h"
#include "qc/sched.h"

const char *cli_review_name(enum store_review_state r)
{
	return r == STORE_APPROVED ? "approved" : r == STORE_REJECTED ? "rejected" : "not_reviewed";
}

int cli_save(struct cli_env *env, struct qc_session *s)
{
	if (run_save(&env->cat, env->st, s))
		return cli_error("%s", qc_errmsg());
	return 0;
}

static int open_both(struct cli_env *env)
{
	int rc = cli_catalog(env);
	return rc ? rc : cli_store(env);
}

int cli_due(struct cli_env *env)
{
	struct run_due *items;
	size_t n;
	int rc = open_both(env);
	if (rc)
		return rc;
	if (run_due_list(&env->cat, env->st, qc_today(), &items, &n))
		return cli_error("%s", qc_errmsg());
	struct qc_buf b = {0};
	qc_buf_add(&b, env->o->json ? "[" : "");
	for (size_t i = 0; i < n; i++) {
		char due[11];
		qc_date_str(items[i].st.due, due);
		if (env->o->json) {
			qc_buf_add(&b, i ? ",\n {\"test\": " : "\n {\"test\": ");
			qc_json_str(&b, items[i].test->id);
			qc_buf_add(&b, ", \"name\": ");
			qc_json_str(&b, cat_test_name(items[i].test));
			qc_buf_addf(&b, ", \"status\": \"%s\", \"due_date\": \"%s\"",
				    sched_state_name(items[i].st.state), due);
			qc_buf_addf(&b, ", \"never_done\": %s, \"done_today\": %s}",
				    items[i].st.never_done ? "true" : "false",
				    items[i].st.done_today ? "true" : "false");
		} else {
			qc_buf_addf(&b, "%-16s %-8s %s%s%s\n", items[i].test->id,
				    sched_state_name(items[i].st.state), due,
				    items[i].st.never_done ? "  (never done)" : "",
				    items[i].has_draft ? "  (in progress)" : "");
		}
	}
	qc_buf_add(&b, env->o->json ? "\n]\n" : "");
	fputs(b.s, stdout);
	qc_buf_release(&b);
	free(items);
	return 0;
}

/* Sets the session times from --at (a paper record entered later) or now. */
static int session_times(struct cli_env *env, struct qc_session *s)
{
	time_t t = qc_now();
	if (env->o->at && !qc_parse_datetime(env->o->at, &t))
		return cli_error(_("bad --at '%s' (expected YYYY-MM-DD HH:MM[:SS])"), env->o->at);
	if (t > qc_now() + 60)
		return cli_error(_("--at %s lies in the future"), env->o->at);
	qc_format_time(t, s->completed_at, sizeof(s->completed_at));
	qc_strlcpy(s->started_at, s->completed_at, sizeof(s->started_at));
	return 0;
}

static int session_links(struct cli_env *env, struct qc_session *s)
{
	long id;
	if (env->o->supersedes) {
		if (!qc_parse_int(env->o->supersedes, &id) || id <= 0)
			return cli_error(_("bad --supersedes '%s'"), env->o->supersedes);
		s->supersedes = id;
	}
	s->not_for_scheduling = env->o->not_for_scheduling;
	return 0;
}

static const char *machine_id(struct cli_env *env)
{
	return env->o->machine ? env->o->machine : env->cat.default_machine;
}

int cli_record(struct cli_env *env)
{
	struct cli_opts *o = env->o;
	if (o->argc < 3)
		return cli_error(_("usage: unityqc record TEST NAME=VALUE... [--comment TEXT]"));
	int rc = open_both(env);
	if (rc)
		return rc;
	const struct qc_test *t = cat_find_test(&env->cat, o->argv[1]);
	if (!t)
		return cli_error(_("unknown test '%s' (see unityqc catalog show)"), o->argv[1]);
	if (strcmp(t->input, "manual"))
		return cli_error(_("%s is not a manual test (use unityqc analyze for images)"),
				 t->id);
	struct qc_entry *e = qc_xcalloc((size_t)o->argc, sizeof(*e));
	size_t n = 0;
	for (int i = 2; i < o->argc; i++) {
		char *eq = strchr(o->argv[i], '=');
		if (!eq) {
			free(e);
			return cli_error(_("expected NAME=VALUE, not '%s'"), o->argv[i]);
		}
		*eq = '\0';
		e[n++] = (struct qc_entry){o->argv[i], eq + 1};
	}
	struct qc_session s = {0};
	enum qc_status st = qc_session_from_entries(&s, t, e, n, o->comment);
	free(e);
	if (st) {
		qc_session_release(&s);
		return cli_error("%s", qc_errmsg());
	}
	qc_strlcpy(s.test, t->id, sizeof(s.test));
	qc_strlcpy(s.machine, machine_id(env), sizeof(s.machine));
	qc_strlcpy(s.program_version, QC_VERSION, sizeof(s.program_version));
	qc_strlcpy(s.operator_name, o->operator_name ? o->operator_name : run_login_name(),
		   sizeof(s.operator_name));
	rc = session_times(env, &s);
	if (!rc)
		rc = session_links(env, &s);
	if (!rc)
		rc = cli_save(env, &s);
	if (!rc) {
		store_drop_draft(env->st, t->id, s.operator_name);
		if (o->json) {
			struct qc_buf b = {0};
			qc_session_json(&s, &b);
			fputs(b.s, stdout);
			qc_buf_release(&b);
		} else {
			printf(_("saved session %lld (%s)\n"), (long long)s.id,
			       qc_verdict_name(s.verdict));
		}
	}
	qc_session_release(&s);
	return rc;
}

static void csv_field(struct qc_buf *b, const char *s)
{
	qc_buf_add(b, "\"");
	for (; *s; s++)
		qc_buf_addn(b, *s == '"' ? "\"\"" : s, *s == '"' ? 2 : 1);
	qc_buf_add(b, "\"");
}

static void csv_num(struct qc_buf *b, bool has, double v)
{
	if (has)
		qc_buf_addf(b, "%.10g", v);
}

static void history_csv(const struct store_value *v, size_t n, struct qc_buf *b)
{
	qc_buf_add(b, "session,completed_at,operator,review,name,image,value,text,unit,reference,"
		      "act_low,tol_low,tol_high,act_high,verdict,note\n");
	for (size_t i = 0; i < n; i++) {
		const struct qc_record *r = &v[i].rec;
		qc_buf_addf(b, "%lld,%s,", (long long)v[i].session, v[i].completed_at);
		csv_field(b, v[i].operator_name);
		qc_buf_addf(b, ",%s,", cli_review_name(v[i].review));
		csv_field(b, r->m.name);
		qc_buf_addf(b, ",%d,", r->m.image);
		csv_num(b, r->m.has_value, r->m.value);
		qc_buf_add(b, ",");
		csv_field(b, r->text);
		qc_buf_add(b, ",");
		csv_field(b, r->m.unit);
		qc_buf_add(b, ",");
		csv_num(b, r->lv.has_ref, r->lv.ref);
		qc_buf_add(b, ",");
		csv_num(b, r->lv.has_act_low, r->lv.act_low);
		qc_buf_add(b, ",");
		csv_num(b, r->lv.has_tol_low, r->lv.tol_low);
		qc_buf_add(b, ",");
		csv_num(b, r->lv.has_tol_high, r->lv.tol_high);
		qc_buf_add(b, ",");
		csv_num(b, r->lv.has_act_high, r->lv.act_high);
		qc_buf_addf(b, ",%s,", qc_verdict_name(r->verdict));
		csv_field(b, r->m.note);
		qc_buf_add(b, "\n");
	}
}

int cli_history(struct cli_env *env)
{
	struct store_value *v;
	size_t n;
	if (env->o->argc != 2)
		return cli_error(_("usage: unityqc history TEST [--since DATE] [--csv | --json]"));
	int rc = open_both(env);
	if (rc)
		return rc;
	if (!cat_find_test(&env->cat, env->o->argv[1]))
		return cli_error(_("unknown test '%s'"), env->o->argv[1]);
	if (store_history(env->st, env->o->argv[1], env->o->since, &v, &n))
		return cli_error("%s", qc_errmsg());
	struct qc_buf b = {0};
	if (env->o->csv) {
		history_csv(v, n, &b);
	} else {
		for (size_t i = 0; i < n; i++) {
			const struct qc_record *r = &v[i].rec;
			char val[64];
			if (r->text[0])
				snprintf(val, sizeof(val), "%s", r->text);
			else if (r->m.has_value)
				snprintf(val, sizeof(val), "%.4g", r->m.value);
			else
				snprintf(val, sizeof(val), "null");
			qc_buf_addf(&b, "%6lld  %s  %-24s %2d %12s %-4s %-9s %s\n",
				    (long long)v[i].session, v[i].completed_at, r->m.name,
				    r->m.image, val, r->m.unit, qc_verdict_name(r->verdict),
				    cli_review_name(v[i].review));
		}
	}
	fputs(b.s ? b.s : "", stdout);
	qc_buf_release(&b);
	free(v);
	return 0;
}

int cli_review(struct cli_env *env)
{
	struct cli_opts *o = env->o;
	int rc = open_both(env);
	if (rc)
		return rc;
	if (o->argc == 1) {
		struct store_row *rows;
		size_t n;
		if (store_list_unreviewed(env->st, &rows, &n))
			return cli_error("%s", qc_errmsg());
		for (size_t i = 0; i < n; i++)
			printf("%6lld  %s  %-16s %-10s %s%s\n", (long long)rows[i].id,
			       rows[i].completed_at, rows[i].test, qc_verdict_name(rows[i].verdict),
			       rows[i].operator_name, rows[i].has_comment ? _("  (comment)") : "");
		free(rows);
		return 0;
	}
	long id;
	if (o->argc != 2 || !qc_parse_int(o->argv[1], &id) || id <= 0 || o->approve == o->reject)
		return cli_error(
		    _("usage: unityqc review SESSION --approve|--reject [--comment TEXT]"));
	const char *who = o->reviewer ? o->reviewer : run_login_name();
	if (store_review(env->st, id, who, o->approve, o->comment, env->cat.review.self_review))
		return cli_error("%s", qc_errmsg());
	printf(o->approve ? _("session %ld approved by %s\n") : _("session %ld rejected by %s\n"),
	       id, who);
	return 0;
}

static int downtime_list(struct cli_env *env)
{
	struct store_downtime *d;
	size_t n;
	if (store_list_downtime(env->st, &d, &n))
		return cli_error("%s", qc_errmsg());
	struct qc_buf b = {0};
	qc_buf_add(&b, env->o->json ? "[" : "");
	for (size_t i = 0; i < n; i++) {
		if (env->o->json) {
			qc_buf_addf(&b,
				    "%s\n {\"id\": %lld, \"from\": \"%s\", \"to\": \"%s\", "
				    "\"reason\": ",
				    i ? "," : "", (long long)d[i].id, d[i].from, d[i].to);
			qc_json_str(&b, d[i].reason);
			qc_buf_add(&b, "}");
		} else {
			qc_buf_addf(&b, "%4lld  %s .. %s  %s (%s)\n", (long long)d[i].id, d[i].from,
				    d[i].to, d[i].reason, d[i].who);
		}
	}
	qc_buf_add(&b, env->o->json ? "\n]\n" : "");
	fputs(b.s, stdout);
	qc_buf_release(&b);
	free(d);
	return 0;
}

/* Ends period ID on DATE: a new row that replaces it. */
static int downtime_end(struct cli_env *env, long id, const char *date)
{
	struct store_downtime *d;
	size_t n;
	int64_t new_id;
	if (store_list_downtime(env->st, &d, &n))
		return cli_error("%s", qc_errmsg());
	size_t i;
	for (i = 0; i < n && d[i].id != id; i++)
		;
	int rc = 0;
	if (i == n)
		rc = cli_error(_("no downtime period %ld in force"), id);
	else if (store_add_downtime(env->st, d[i].from, date, d[i].reason, env->o->operator_name,
				    id, &new_id))
		rc = cli_error("%s", qc_errmsg());
	else
		printf(_("downtime %lld: %s .. %s\n"), (long long)new_id, d[i].from, date);
	free(d);
	return rc;
}

int cli_downtime(struct cli_env *env)
{
	struct cli_opts *o = env->o;
	const char *sub = o->argc > 1 ? o->argv[1] : "list";
	int64_t id;
	long old;
	int rc = cli_store(env);
	if (rc)
		return rc;
	if (!strcmp(sub, "list"))
		return downtime_list(env);
	if (!strcmp(sub, "add") && o->argc == 4) {
		if (store_add_downtime(env->st, o->argv[2], o->argv[3], o->reason, o->operator_name,
				       0, &id))
			return cli_error("%s", qc_errmsg());
		printf(_("downtime %lld: %s .. %s\n"), (long long)id, o->argv[2], o->argv[3]);
		return 0;
	}
	if (!strcmp(sub, "end") && o->argc == 4 && qc_parse_int(o->argv[2], &old))
		return downtime_end(env, old, o->argv[3]);
	return cli_error(
	    _("usage: unityqc downtime add FROM TO [--reason TEXT] | end ID DATE | list"));
}

/* mkdir -p of the folder part of path. */
static int make_parents(const char *path)
{
	char *dir = qc_xstrdup(path);
	int rc = 0;
	for (char *p = *dir ? strchr(dir + 1, '/') : NULL; p && !rc; p = strchr(p + 1, '/')) {
		*p = '\0';
		struct stat sb;
		if (mkdir(dir, 0755) != 0 && errno != EEXIST)
			rc = cli_error(_("cannot create folder '%s': %s"), dir,
				       qc_errno_text(errno));
		else if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
			rc = cli_error(
			    _("cannot create folder '%s': a file of that name is in the way"), dir);
		*p = '/';
	}
	free(dir);
	return rc;
}

/* Writes text to a temporary file next to path (creating its folders); tmp receives its name. */
static int stage_text(const char *path, const char *text, char *tmp, size_t n)
{
	int rc = make_parents(path);
	if (rc)
		return rc;
	snprintf(tmp, n, "%s.XXXXXX", path);
	int fd = mkstemp(tmp);
	if (fd < 0)
		return cli_error(_("cannot write '%s': %s"), path, qc_errno_text(errno));
	size_t len = strlen(text);
	bool ok = write(fd, text, len) == (ssize_t)len && fsync(fd) == 0;
	int e = errno;
	if (close(fd) != 0 && ok) {
		ok = false;
		e = errno;
	}
	if (!ok) {
		unlink(tmp);
		return cli_error(_("cannot write '%s': %s"), tmp, qc_errno_text(e));
	}
	return 0;
}

/* Where apply installs: -o, else the user's catalogue that cli_catalog() reads. */
static int apply_target(const struct cli_opts *o, char *buf, size_t n)
{
	const char *base = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	if (o->output)
		snprintf(buf, n, "%s", o->output);
	else if (base && *base)
		snprintf(buf, n, "%s/unityqc/catalog.cat", base);
	else if (home && *home)
		snprintf(buf, n, "%s/.config/unityqc/catalog.cat", home);
	else
		return cli_error(
		    _("HOME is not set: say where to install the catalogue with -o PATH "
		      "(or set XDG_CONFIG_HOME)"));
	return 0;
}

/*
 * The new text is written first, beside its destination; the version is recorded next; the
 * rename comes last. A file that cannot be written leaves no recorded version, and a recorded
 * version is in place at once.
 */
static int apply_catalog(struct cli_env *env, const struct qc_catalog *newer, const char *source,
			 char **lines, size_t n)
{
	char target[4096], tmp[4200];
	int64_t version;
	int rc = apply_target(env->o, target, sizeof(target));
	if (!rc)
		rc = cli_store(env);
	if (!rc)
		rc = stage_text(target, newer->text, tmp, sizeof(tmp));
	if (rc)
		return rc;
	if (store_record_catalog(env->st, newer->text, source, env->o->operator_name, env->o->why,
				 (const char *const *)lines, n, &version)) {
		rc = cli_error("%s", qc_errmsg());
		unlink(tmp);
		return rc;
	}
	if (rename(tmp, target) != 0) {
		rc = cli_error(_("catalogue version %lld recorded but not installed: cannot rename "
				 "'%s' to '%s': %s"),
			       (long long)version, tmp, target, qc_errno_text(errno));
		unlink(tmp);
		return rc;
	}
	printf(_("catalogue version %lld recorded, installed as %s\n"), (long long)version, target);
	return 0;
}

static int load_other(const char *path, struct qc_catalog *c)
{
	return cat_load_file(path, c) ? cli_error("%s", qc_errmsg()) : 0;
}

static void print_changes(char **lines, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *what = lines[i], *old = strchr(what, '\t'),
		     *new = old ? strchr(old + 1, '\t') : 0;
		if (old && new) {
			*old++ = '\0';
			*new ++ = '\0';
			printf("%s: %s -> %s\n", what, old, new);
			old[-1] = new[-1] = '\t';
		}
	}
	if (!n)
		puts(_("no change of tests, levels, references or machine settings"));
}

static void free_lines(char **lines, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}

/* catalog diff [OLD] NEW, catalog apply FILE --why TEXT [-o PATH]. */
int cli_catalog_change(struct cli_env *env, bool apply)
{
	struct cli_opts *o = env->o;
	struct qc_catalog newer, older;
	char **lines;
	size_t n;
	int rc;
	if (o->argc < 3 || o->argc > 4 || (apply && o->argc != 3))
		return cli_error("%s",
				 apply ? _("usage: unityqc catalog apply FILE --why TEXT [-o PATH]")
				       : _("usage: unityqc catalog diff [OLD] NEW"));
	if (apply && (!o->why || !*o->why))
		return cli_error(
		    _("catalog apply needs --why: the reason of the change is recorded"));
	const char *new_path = o->argv[o->argc - 1];
	if (o->argc == 4)
		rc = load_other(o->argv[2], &older);
	else
		rc = cli_catalog(env);
	if (rc)
		return rc;
	if (o->argc == 3)
		older = env->cat;
	if ((rc = load_other(new_path, &newer))) {
		if (o->argc == 4)
			cat_release(&older);
		return rc;
	}
	cat_diff(&older, &newer, &lines, &n);
	print_changes(lines, n);
	if (apply)
		rc = apply_catalog(env, &newer, new_path, lines, n);
	free_lines(lines, n);
	cat_release(&newer);
	if (o->argc == 4)
		cat_release(&older);
	return rc;
}

int cli_import(struct cli_env *env)
{
	struct cli_opts *o = env->o;
	if (o->argc != 3 || strcmp(o->argv[1], "piqt"))
		return cli_error(_("usage: unityqc import piqt FILE.htm [--json] [--save]"));
	int rc = cli_catalog(env);
	if (rc)
		return rc;
	const char *test_id = o->test ? o->test : "piqt";
	const struct qc_test *t = cat_find_test(&env->cat, test_id);
	if (!t && o->test)
		return cli_error(_("unknown test '%s'"), o->test);
	const char *paths[] = {o->argv[2]};
	struct run_request rq = {.cat = &env->cat,
				 .test = t,
				 .paths = paths,
				 .n_paths = 1,
				 .operator_name = o->operator_name};
	struct qc_session s;
	if (run_import(&rq, &s))
		return cli_error("%s", qc_errmsg());
	return cli_finish_session(env, &s);
}
