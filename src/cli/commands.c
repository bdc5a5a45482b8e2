/* Subcommands for scripts and cron: analyze, report, sessions, catalog, scan, due, demo seed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_int.h"
#include "qc/clock.h"
#include "qc/dicom.h"
#include "qc/i18n.h"
#include "qc/report.h"
#include "qc/run.h"
#include "qc/sched.h"

/* The test an analysis result is judged against: --test, else the first test using it. */
static int find_test(struct cli_env *env, const char *analysis, const struct qc_test **out)
{
	*out = NULL;
	if (env->o->test) {
		*out = cat_find_test(&env->cat, env->o->test);
		if (!*out)
			return cli_error(_("unknown test '%s' (see unityqc catalog show)"),
					 env->o->test);
		if (strcmp((*out)->analysis, analysis))
			return cli_error(_("test '%s' does not use analysis '%s'"), env->o->test,
					 analysis);
		return 0;
	}
	for (size_t i = 0; i < env->cat.n_tests; i++)
		if (!strcmp(env->cat.tests[i].analysis, analysis)) {
			*out = &env->cat.tests[i];
			break;
		}
	return 0;
}

static void print_records(const struct qc_session *s, int image)
{
	for (size_t k = 0; k < s->n_rec; k++) {
		const struct qc_record *r = &s->rec[k];
		char v[40];
		if (r->m.image != image)
			continue;
		if (r->text[0])
			qc_strlcpy(v, r->text, sizeof(v));
		else if (r->m.has_value)
			snprintf(v, sizeof(v), "%.3f", r->m.value);
		else
			qc_strlcpy(v, "null", sizeof(v));
		printf("  %-30s %12s %-4s %-9s %s\n", r->m.name, v, r->m.unit,
		       qc_verdict_name(r->verdict), r->m.note);
	}
}

void cli_print_session(const struct qc_session *s)
{
	printf(_("%s %s  verdict %s\n"), s->analysis[0] ? s->analysis : s->test,
	       s->analysis_version, qc_verdict_name(s->verdict));
	for (size_t i = 0; i < s->n_in; i++) {
		if (s->in[i].label[0])
			printf(_("image %zu: %s  role %s\n"), i, s->in[i].path, s->in[i].label);
		else
			printf(_("image %zu: %s\n"), i, s->in[i].path);
		print_records(s, (int)i);
	}
	bool whole = false;
	for (size_t k = 0; k < s->n_rec && !whole; k++)
		whole = s->rec[k].m.image < 0;
	if (whole) {
		puts(s->n_in ? _("whole session:") : _("values:"));
		print_records(s, -1);
	}
}

int cli_finish_session(struct cli_env *env, struct qc_session *s)
{
	struct cli_opts *o = env->o;
	int rc;
	qc_session_set_comment(s, o->comment);
	if (o->save && ((rc = cli_store(env)) || (rc = cli_save(env, s)))) {
		qc_session_release(s);
		return rc;
	}
	if (o->json) {
		struct qc_buf b = {0};
		qc_session_json(s, &b);
		fputs(b.s, stdout);
		qc_buf_release(&b);
	} else {
		cli_print_session(s);
		if (o->save)
			printf(_("saved session %lld\n"), (long long)s->id);
	}
	qc_session_release(s);
	return 0;
}

int cli_analyze(struct cli_env *env)
{
	struct cli_opts *o = env->o;
	if (o->argc < 3)
		return cli_error(
		    _("usage: unityqc analyze ANALYSIS FILE|DIR... [--json] [--save]"));
	const char *analysis = o->argv[1];
	if (!ana_find(analysis))
		return cli_error(_("unknown analysis '%s'"), analysis);
	const struct qc_test *t;
	int rc = cli_catalog(env);
	if (!rc)
		rc = find_test(env, analysis, &t);
	if (rc)
		return rc;
	if (o->save && !t)
		return cli_error(_("no test of the catalogue uses '%s': give --test ID to save"),
				 analysis);
	char **paths;
	size_t n;
	if (run_expand_paths((const char *const *)o->argv + 2, (size_t)o->argc - 2, &paths, &n))
		return cli_error("%s", qc_errmsg());
	struct run_request rq = {
	    .cat = &env->cat,
	    .test = t,
	    .analysis = analysis,
	    .paths = (const char *const *)paths,
	    .n_paths = n,
	    .operator_name = o->operator_name,
	    .no_pictures = !o->save,
	    .no_fingerprints = !o->save && !o->json,
	};
	struct qc_session s;
	enum qc_status st = run_analysis(&rq, &s);
	run_free_paths(paths, n);
	if (st)
		return cli_error("%s", qc_errmsg());
	return cli_finish_session(env, &s);
}

int cli_report(struct cli_env *env)
{
	struct cli_opts *o = env->o;
	long id;
	if (o->argc != 3 || strcmp(o->argv[1], "session") || !o->output)
		return cli_error(_("usage: unityqc report session ID -o FILE.pdf"));
	if (!qc_parse_int(o->argv[2], &id) || id <= 0)
		return cli_error(_("bad session id '%s'"), o->argv[2]);
	int rc = cli_catalog(env);
	if (!rc)
		rc = cli_store(env);
	if (rc)
		return rc;
	struct qc_session s;
	if (store_load_session(env->st, id, &s))
		return cli_error("%s", qc_errmsg());
	enum qc_status st = report_session_pdf(&env->cat, &s, o->output);
	qc_session_release(&s);
	if (st)
		return cli_error("%s", qc_errmsg());
	printf("%s\n", o->output);
	return 0;
}

int cli_sessions(struct cli_env *env)
{
	struct store_row *rows;
	size_t n;
	int rc = cli_store(env);
	if (rc)
		return rc;
	if (store_list_sessions(env->st, env->o->test, env->o->since, 0, &rows, &n))
		return cli_error("%s", qc_errmsg());
	if (env->o->json)
		fputs("[", stdout);
	for (size_t i = 0; i < n; i++) {
		const struct store_row *r = &rows[i];
		if (env->o->json) {
			struct qc_buf b = {0};
			qc_buf_addf(&b, "%s\n {\"id\": %lld, \"test\": ", i ? "," : "",
				    (long long)r->id);
			qc_json_str(&b, r->test);
			qc_buf_add(&b, ", \"completed_at\": ");
			qc_json_str(&b, r->completed_at);
			qc_buf_add(&b, ", \"operator\": ");
			qc_json_str(&b, r->operator_name);
			qc_buf_addf(&b,
				    ", \"verdict\": \"%s\", \"comment\": %s, \"review\": \"%s\"",
				    qc_verdict_name(r->verdict), r->has_comment ? "true" : "false",
				    cli_review_name(r->review));
			qc_buf_addf(&b,
				    ", \"supersedes\": %lld, \"superseded_by\": %lld, "
				    "\"not_for_scheduling\": %s}",
				    (long long)r->supersedes, (long long)r->superseded_by,
				    r->not_for_scheduling ? "true" : "false");
			fputs(b.s, stdout);
			qc_buf_release(&b);
		} else {
			printf("%6lld  %s  %-16s %-10s %-9s %s%s%s\n", (long long)r->id,
			       r->completed_at, r->test, qc_verdict_name(r->verdict),
			       cli_review_name(r->review), r->operator_name,
			       r->has_comment ? _("  (comment)") : "",
			       r->superseded_by ? _("  (corrected)") : "");
		}
	}
	if (env->o->json)
		fputs("\n]\n", stdout);
	free(rows);
	return 0;
}

static void show_test_json(const struct qc_test *t, struct qc_buf *b)
{
	static const char *const types[] = {"number", "bool", "choice", "text"};
	qc_buf_add(b, "{\"id\": ");
	qc_json_str(b, t->id);
	qc_buf_add(b, ", \"name_fr\": ");
	qc_json_str(b, t->name_fr);
	qc_buf_add(b, ", \"name_en\": ");
	qc_json_str(b, t->name_en);
	qc_buf_add(b, ", \"frequency\": ");
	qc_json_str(b, t->frequency);
	qc_buf_add(b, ", \"input\": ");
	qc_json_str(b, t->input);
	qc_buf_add(b, ", \"analysis\": ");
	qc_json_str(b, t->analysis);
	qc_buf_add(b, ", \"measurements\": [");
	for (size_t k = 0; k < t->n_m; k++) {
		const struct qc_mdef *m = &t->m[k];
		qc_buf_add(b, k ? ", {\"name\": " : "{\"name\": ");
		qc_json_str(b, m->name);
		qc_buf_addf(b, ", \"type\": \"%s\", \"unit\": ", types[m->type]);
		qc_json_str(b, m->unit);
		qc_buf_add(b, "}");
	}
	qc_buf_add(b, "]}");
}

int cli_catalog_cmd(struct cli_env *env)
{
	struct cli_opts *o = env->o;
	const char *sub = o->argc > 1 ? o->argv[1] : "";
	if (!strcmp(sub, "export")) {
		fputs(cat_default_text(), stdout);
		return 0;
	}
	if (!strcmp(sub, "diff") || !strcmp(sub, "apply"))
		return cli_catalog_change(env, !strcmp(sub, "apply"));
	if (!strcmp(sub, "check")) {
		if (o->argc > 2)
			o->catalog = o->argv[2];
		int rc = cli_catalog(env);
		if (!rc)
			printf("%s: %zu machines, %zu frequencies, %zu tests: ok\n",
			       env->cat.source, env->cat.n_machines, env->cat.n_freqs,
			       env->cat.n_tests);
		return rc;
	}
	if (strcmp(sub, "show"))
		return cli_error(
		    _("usage: unityqc catalog check [FILE] | show [TEST] [--json] | export"));
	int rc = cli_catalog(env);
	if (rc)
		return rc;
	const char *only = o->argc > 2 ? o->argv[2] : NULL;
	if (only && !cat_find_test(&env->cat, only))
		return cli_error(_("unknown test '%s'"), only);
	struct qc_buf b = {0};
	if (o->json)
		qc_buf_add(&b, "{\"tests\": [");
	bool first = true;
	for (size_t i = 0; i < env->cat.n_tests; i++) {
		const struct qc_test *t = &env->cat.tests[i];
		if (only && strcmp(only, t->id))
			continue;
		if (o->json) {
			qc_buf_add(&b, first ? "\n  " : ",\n  ");
			show_test_json(t, &b);
		} else {
			qc_buf_addf(&b, "%-16s %-12s %-7s %s\n", t->id, t->frequency, t->input,
				    cat_test_name(t));
		}
		first = false;
	}
	if (o->json)
		qc_buf_add(&b, "\n]}\n");
	fputs(b.s ? b.s : "", stdout);
	qc_buf_release(&b);
	return 0;
}

int cli_scan(struct cli_env *env)
{
	struct dcm_scan scan;
	if (env->o->argc != 2)
		return cli_error(_("usage: unityqc scan DIR"));
	if (dcm_scan_dir(env->o->argv[1], &scan, NULL, NULL))
		return cli_error("%s", qc_errmsg());
	for (size_t i = 0; i < scan.n_series; i++) {
		const struct dcm_series *s = &scan.series[i];
		printf("%-8s %-8s %4zu  %-16s %-24s %s\n", s->modality, s->date, s->count,
		       s->study_id, s->description, s->series_uid);
	}
	printf("%zu files, %zu DICOM images, %zu skipped, %zu series\n", scan.files_seen,
	       scan.dicom_files, scan.skipped, scan.n_series);
	/* Images in a folder that cannot be opened are missing from the list: say so. */
	if (scan.unreadable_dirs)
		printf(ngettext("%zu sub-folder(s) could not be read\n",
				"%zu sub-folder(s) could not be read\n", scan.unreadable_dirs),
		       scan.unreadable_dirs);
	dcm_scan_release(&scan);
	return 0;
}

int cli_seed_demo(struct cli_env *env)
{
	char dir[4096];
	const struct qc_test *t = cat_find_test(&env->cat, "mvic_field");
	snprintf(dir, sizeof(dir), "%s/mvic", cli_sample_dir());
	const char *args[] = {dir};
	char **paths;
	size_t n;
	if (!t)
		return 0; /* a site catalogue without this test: nothing to demonstrate */
	if (run_expand_paths(args, 1, &paths, &n))
		return cli_error(_("demo data: %s"), qc_errmsg());
	/* Date the demo session when its images were acquired. */
	struct qc_tags tags;
	struct qc_geometry geo;
	if (n && dcm_read_header(paths[0], &tags, &geo) == QC_OK && tags.acquisition_date[0]) {
		char when[32];
		snprintf(when, sizeof(when), "%.4s-%.2s-%.2s %.2s:%.2s", tags.acquisition_date,
			 tags.acquisition_date + 4, tags.acquisition_date + 6,
			 tags.acquisition_time, tags.acquisition_time + 2);
		qc_clock_set(when);
	}
	struct run_request rq = {.cat = &env->cat,
				 .test = t,
				 .paths = (const char *const *)paths,
				 .n_paths = n,
				 .operator_name = "demo"};
	struct qc_session s;
	enum qc_status st = run_analysis(&rq, &s);
	run_free_paths(paths, n);
	qc_clock_set(env->o->today); /* back to the real (or requested) clock */
	if (st)
		return cli_error(_("demo data: %s"), qc_errmsg());
	qc_session_set_comment(&s,
			       _("Demo session: images generated by mvgen (sample-dicom/mvic)."));
	st = store_save_session(env->st, &s);
	qc_session_release(&s);
	return st ? cli_error(_("demo data: %s"), qc_errmsg()) : 0;
}
