/* unityqc entry point: options, subcommands, and the TUI when no command is given. */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_int.h"
#include "qc/clock.h"
#include "qc/dicom.h"
#include "qc/i18n.h"
#include "qc/tui.h"

static void usage(FILE *f)
{
	fputs(
	    _("usage: unityqc [options]                      start the checklist (TUI)\n"
	      "       unityqc analyze ANALYSIS FILE|DIR... [--json] [--save [--test ID]\n"
	      "               [--operator NAME] [--comment TEXT]]\n"
	      "       unityqc import piqt FILE.htm [--json] [--save [--operator NAME]]\n"
	      "       unityqc report session ID -o FILE.pdf\n"
	      "       unityqc sessions [--test ID] [--since YYYY-MM-DD] [--json]\n"
	      "       unityqc due [--json]\n"
	      "       unityqc record TEST NAME=VALUE... [--comment TEXT] [--at DATETIME]\n"
	      "               [--operator NAME] [--supersedes ID] [--not-for-scheduling]\n"
	      "       unityqc history TEST [--since DATE] [--csv | --json]\n"
	      "       unityqc review [SESSION --approve|--reject [--comment TEXT] [--reviewer "
	      "NAME]]\n"
	      "       unityqc downtime add FROM TO [--reason TEXT] | end ID DATE | list [--json]\n"
	      "       unityqc catalog check [FILE] | show [TEST] [--json] | export\n"
	      "               | diff [OLD] NEW | apply FILE --why TEXT [-o PATH]\n"
	      "       unityqc scan DIR\n"
	      "       unityqc version\n"
	      "options (every command):\n"
	      "  --db PATH        results database (default: $UNITYQC_DB, else\n"
	      "                   $XDG_DATA_HOME/unityqc/unityqc.db)\n"
	      "  --catalog FILE   catalogue (default: $UNITYQC_CATALOG, else\n"
	      "                   $XDG_CONFIG_HOME/unityqc/catalog.cat if present, else built-in)\n"
	      "  --today DATE     pretend today is DATE (YYYY-MM-DD), for tests\n"
	      "  --lang fr|en     interface language (default: from the locale)\n"
	      "  --inbox DIR      folder the DICOM picker starts in (default: sample-dicom/)\n"
	      "  --reports DIR    where the TUI proposes to write PDF reports\n"
	      "  --theme FILE     colour theme (themes/*.theme)\n"
	      "  --operator NAME  who performs the test (default: login name)\n"
	      "  --seed-demo      if the database is new, fill it with a demo session\n"),
	    f);
}

int cli_error(const char *fmt, ...)
{
	va_list ap;
	fputs("unityqc: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

/* Options that take a value, and where it goes. */
static const char **value_slot(struct cli_opts *o, const char *name)
{
	static const struct {
		const char *name;
		size_t offset;
	} table[] = {
	    {"--db", offsetof(struct cli_opts, db)},
	    {"--catalog", offsetof(struct cli_opts, catalog)},
	    {"--today", offsetof(struct cli_opts, today)},
	    {"--lang", offsetof(struct cli_opts, lang)},
	    {"--inbox", offsetof(struct cli_opts, inbox)},
	    {"--theme", offsetof(struct cli_opts, theme)},
	    {"--reports", offsetof(struct cli_opts, reports)},
	    {"--operator", offsetof(struct cli_opts, operator_name)},
	    {"--test", offsetof(struct cli_opts, test)},
	    {"--comment", offsetof(struct cli_opts, comment)},
	    {"-o", offsetof(struct cli_opts, output)},
	    {"--output", offsetof(struct cli_opts, output)},
	    {"--since", offsetof(struct cli_opts, since)},
	    {"--at", offsetof(struct cli_opts, at)},
	    {"--reviewer", offsetof(struct cli_opts, reviewer)},
	    {"--why", offsetof(struct cli_opts, why)},
	    {"--reason", offsetof(struct cli_opts, reason)},
	    {"--machine", offsetof(struct cli_opts, machine)},
	    {"--supersedes", offsetof(struct cli_opts, supersedes)},
	};
	for (size_t i = 0; i < QC_ARRAY_LEN(table); i++)
		if (!strcmp(name, table[i].name))
			return (const char **)((char *)o + table[i].offset);
	return NULL;
}

static int parse(int argc, char **argv, struct cli_opts *o)
{
	o->argv = qc_xcalloc((size_t)argc + 1, sizeof(char *));
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **slot = value_slot(o, a);
		if (slot) {
			if (i + 1 >= argc)
				return cli_error(_("option %s needs a value"), a) + 1;
			*slot = argv[++i];
		} else if (!strcmp(a, "--json"))
			o->json = true;
		else if (!strcmp(a, "--csv"))
			o->csv = true;
		else if (!strcmp(a, "--save"))
			o->save = true;
		else if (!strcmp(a, "--seed-demo"))
			o->seed_demo = true;
		else if (!strcmp(a, "--approve"))
			o->approve = true;
		else if (!strcmp(a, "--reject"))
			o->reject = true;
		else if (!strcmp(a, "--not-for-scheduling"))
			o->not_for_scheduling = true;
		else if (!strcmp(a, "--help") || !strcmp(a, "-h"))
			o->help = true;
		else if (!strcmp(a, "--version"))
			o->argv[o->argc++] = "version";
		else if (a[0] == '-' && a[1])
			return cli_error(_("unknown option '%s' (see unityqc --help)"), a) + 1;
		else
			o->argv[o->argc++] = argv[i];
	}
	return 0;
}

static int run_tui(struct cli_env *env)
{
	struct stat sb;
	bool fresh = stat(cli_db_path(env), &sb) != 0;
	int rc = cli_catalog(env);
	if (!rc)
		rc = cli_store(env);
	if (!rc && env->o->seed_demo && fresh)
		rc = cli_seed_demo(env);
	if (rc)
		return rc;
	struct tui_config cfg = {
	    .cat = &env->cat,
	    .store = env->st,
	    .inbox = cli_inbox(env->o),
	    .reports_dir = cli_reports_dir(env->o),
	    .theme = env->o->theme ? env->o->theme : getenv("UNITYQC_THEME"),
	    .operator_name = env->o->operator_name,
	};
	return tui_main(&cfg);
}

static int dispatch(struct cli_env *env)
{
	const char *cmd = env->o->argc ? env->o->argv[0] : NULL;
	if (!cmd)
		return run_tui(env);
	if (!strcmp(cmd, "version")) {
		printf("unityqc %s\n", QC_VERSION);
		return 0;
	}
	if (!strcmp(cmd, "help")) {
		usage(stdout);
		return 0;
	}
	static const struct {
		const char *name;
		int (*fn)(struct cli_env *);
	} cmds[] = {
	    {"analyze", cli_analyze},	  {"report", cli_report},   {"sessions", cli_sessions},
	    {"catalog", cli_catalog_cmd}, {"scan", cli_scan},	    {"due", cli_due},
	    {"record", cli_record},	  {"history", cli_history}, {"review", cli_review},
	    {"downtime", cli_downtime},	  {"import", cli_import},
	};
	for (size_t i = 0; i < QC_ARRAY_LEN(cmds); i++)
		if (!strcmp(cmd, cmds[i].name))
			return cmds[i].fn(env);
	cli_error(_("unknown command '%s'"), cmd);
	usage(stderr);
	return 2;
}

int main(int argc, char **argv)
{
	struct cli_opts o = {0};
	struct cli_env env = {.o = &o};
	/* Option errors come before --lang is known: they speak the environment's language. */
	qc_i18n_init(NULL);
	int rc = parse(argc, argv, &o);
	if (rc) {
		free(o.argv);
		return 2;
	}
	qc_i18n_init(o.lang);
	/* A file-size limit must give "disk full" errors, not kill the program. */
	signal(SIGXFSZ, SIG_IGN);
	if (o.help) {
		usage(stdout);
		free(o.argv);
		return 0;
	}
	if (qc_clock_set(o.today) != QC_OK) {
		free(o.argv);
		return cli_error("%s", qc_errmsg()) + 1;
	}
	/* DCMTK starts on first use (dcm_init), not here: the checklist opens without it. */
	rc = dispatch(&env);
	if (env.st)
		store_close(env.st);
	if (env.have_cat)
		cat_release(&env.cat);
	dcm_cleanup();
	free(o.argv);
	return rc;
}
