/* Running a test on image files: load, fingerprint, analyse, picture, judge (TUI and CLI). */
#include <errno.h>
#include <pthread.h>
#include <pwd.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "qc/clock.h"
#include "qc/dicom.h"
#include "qc/i18n.h"
#include "qc/preview.h"
#include "qc/run.h"

const char *run_login_name(void)
{
	static char name[64];
	const char *v = getenv("USER");
	if (!v || !*v)
		v = getenv("LOGNAME");
	if (!v || !*v) {
		struct passwd *pw = getpwuid(getuid());
		v = pw && pw->pw_name ? pw->pw_name : "unknown";
	}
	qc_strlcpy(name, v, sizeof(name));
	return name;
}

static void progress(const struct run_request *rq, size_t done, size_t total, const char *what)
{
	if (rq->progress)
		rq->progress(rq->ud, done, total, what);
}

static const char *machine_of(const struct qc_catalog *cat, const struct qc_image *img)
{
	for (size_t i = 0; cat && i < cat->n_machines; i++)
		if (cat->machines[i].match_model[0] &&
		    qc_streq_nocase(cat->machines[i].match_model, img->tags.model))
			return cat->machines[i].id;
	return cat && cat->default_machine[0] ? cat->default_machine : "";
}

static enum qc_status check_count(const struct run_request *rq, const struct qc_analysis *a)
{
	int lo = a->min_images, hi = a->max_images;
	if (rq->test && rq->test->analysis[0]) {
		lo = rq->test->min_images > lo ? rq->test->min_images : lo;
		hi = rq->test->max_images < hi ? rq->test->max_images : hi;
	}
	if (rq->n_paths == 0)
		return qc_fail(QC_ERR_INVALID, _("no DICOM image to analyse"));
	if ((int)rq->n_paths < lo || (int)rq->n_paths > hi)
		return qc_fail(QC_ERR_INVALID, _("%s takes %d to %d images, not %zu"),
			       rq->test ? rq->test->id : a->id, lo, hi, rq->n_paths);
	return QC_OK;
}

/* Loading, fingerprinting and picturing images run on every core, one image at a time. */
struct job {
	const struct run_request *rq;
	struct qc_image *imgs;
	struct qc_session *s;
	const bool *inverted; /* set for the picture stage, NULL for loading */
	size_t n;
	atomic_size_t done;
	pthread_t caller; /* the thread that may draw progress */
	enum qc_status *st;
	char (*msg)[512];
};

static void do_item(struct job *j, size_t i)
{
	if (j->inverted) {
		prev_make(&j->imgs[i], 0, j->inverted[i], RUN_PREVIEW_MAX, &j->s->pv[i]);
		j->s->pv[i].image = (int)i;
		return;
	}
	struct qc_input *in = &j->s->in[i];
	enum qc_status st = dcm_load(in->path, &j->imgs[i]);
	if (!st && !j->rq->no_fingerprints)
		st = qc_sha256_file(in->path, in->sha256);
	if (st) {
		/* Messages are per thread: keep it for the caller. */
		j->st[i] = st;
		qc_strlcpy(j->msg[i], qc_errmsg(), sizeof(j->msg[i]));
		return;
	}
	qc_strlcpy(in->sop_instance_uid, j->imgs[i].tags.sop_instance_uid,
		   sizeof(in->sop_instance_uid));
}

static void one_item(void *ud, size_t i)
{
	struct job *j = ud;
	/* Only the calling thread reports progress: the screen is not shared between threads. */
	if (!j->inverted && pthread_equal(pthread_self(), j->caller))
		progress(j->rq, atomic_load(&j->done), j->n + 1, j->s->in[i].path);
	do_item(j, i);
	atomic_fetch_add(&j->done, 1);
}

/* Runs the job on every core. */
static void run_parallel(struct job *j)
{
	j->caller = pthread_self();
	qc_parallel_for(j->n, one_item, j);
}

static enum qc_status load_all(const struct run_request *rq, struct qc_image *imgs,
			       struct qc_session *s)
{
	struct job j = {.rq = rq, .imgs = imgs, .s = s, .n = rq->n_paths};
	s->in = qc_xcalloc(rq->n_paths, sizeof(*s->in));
	s->n_in = rq->n_paths;
	for (size_t i = 0; i < rq->n_paths; i++)
		s->in[i].path = qc_xstrdup(rq->paths[i]);
	j.st = qc_xcalloc(rq->n_paths, sizeof(*j.st));
	/* DCMTK set up once here rather than by the first of the loading threads. */
	enum qc_status init = dcm_init();
	if (init) {
		free(j.st);
		return init;
	}
	j.msg = qc_xcalloc(rq->n_paths, sizeof(*j.msg));
	run_parallel(&j);
	enum qc_status st = QC_OK;
	for (size_t i = 0; i < rq->n_paths && !st; i++)
		if (j.st[i])
			st = qc_fail(j.st[i], "%s", j.msg[i]);
	free(j.st);
	free(j.msg);
	return st;
}

static void make_previews(const struct run_request *rq, struct qc_image *imgs, struct qc_session *s,
			  const bool *inverted)
{
	struct job j = {.rq = rq, .imgs = imgs, .s = s, .inverted = inverted, .n = rq->n_paths};
	s->pv = qc_xcalloc(rq->n_paths, sizeof(*s->pv));
	s->n_pv = rq->n_paths;
	run_parallel(&j);
}

enum qc_status run_analysis(const struct run_request *rq, struct qc_session *s)
{
	const char *aid = rq->analysis ? rq->analysis : (rq->test ? rq->test->analysis : "");
	const struct qc_analysis *a = aid && *aid ? ana_find(aid) : NULL;
	char when[20];
	memset(s, 0, sizeof(*s));
	if (!a)
		return aid && *aid
			   ? qc_fail(QC_ERR_NOT_FOUND, _("unknown analysis '%s'"), aid)
			   : qc_fail(QC_ERR_INVALID, _("test '%s' has no image analysis yet"),
				     rq->test ? rq->test->id : "?");
	enum qc_status st = check_count(rq, a);
	if (st)
		return st;

	qc_format_time(qc_now(), when, sizeof(when));
	qc_strlcpy(s->started_at, when, sizeof(s->started_at));
	struct qc_image *imgs = qc_xcalloc(rq->n_paths, sizeof(*imgs));
	const struct qc_image **ptrs = qc_xcalloc(rq->n_paths, sizeof(*ptrs));
	struct qc_result res;
	qc_result_init(&res, rq->n_paths);
	st = load_all(rq, imgs, s);
	if (!st) {
		struct ana_context ctx;
		cat_analysis_context(rq->cat, rq->test, &ctx);
		ctx.forced_role = rq->forced_role;
		for (size_t i = 0; i < rq->n_paths; i++)
			ptrs[i] = &imgs[i];
		progress(rq, rq->n_paths, rq->n_paths + 1, a->id);
		st = a->run(ptrs, rq->n_paths, &ctx, &res);
	}
	if (!st) {
		if (!rq->no_pictures)
			make_previews(rq, imgs, s, res.inverted);
		qc_strlcpy(s->test, rq->test ? rq->test->id : "", sizeof(s->test));
		qc_strlcpy(s->machine, machine_of(rq->cat, &imgs[0]), sizeof(s->machine));
		qc_strlcpy(s->analysis, a->id, sizeof(s->analysis));
		qc_strlcpy(s->analysis_version, a->version, sizeof(s->analysis_version));
		qc_strlcpy(s->program_version, QC_VERSION, sizeof(s->program_version));
		qc_strlcpy(s->operator_name,
			   rq->operator_name ? rq->operator_name : run_login_name(),
			   sizeof(s->operator_name));
		qc_session_take_result(s, rq->test, &res);
		qc_format_time(qc_now(), when, sizeof(when));
		qc_strlcpy(s->completed_at, when, sizeof(s->completed_at));
		progress(rq, rq->n_paths + 1, rq->n_paths + 1, "done");
	}
	for (size_t i = 0; i < rq->n_paths; i++)
		qc_image_release(&imgs[i]);
	free(imgs);
	free(ptrs);
	qc_result_release(&res);
	if (st)
		qc_session_release(s);
	return st;
}

static void push(char ***paths, size_t *n, size_t *cap, const char *p)
{
	qc_grow(paths, cap, *n + 1, sizeof(**paths));
	(*paths)[(*n)++] = qc_xstrdup(p);
}

enum qc_status run_expand_paths(const char *const *args, size_t n, char ***paths, size_t *n_paths)
{
	size_t cap = 0;
	*paths = NULL;
	*n_paths = 0;
	for (size_t i = 0; i < n; i++) {
		struct stat sb;
		if (stat(args[i], &sb) != 0) {
			run_free_paths(*paths, *n_paths);
			return qc_fail(QC_ERR_NOT_FOUND, _("no such file or folder '%s'"), args[i]);
		}
		if (!S_ISDIR(sb.st_mode)) {
			push(paths, n_paths, &cap, args[i]);
			continue;
		}
		struct dcm_scan scan;
		enum qc_status st = dcm_scan_dir(args[i], &scan, NULL, NULL);
		if (st) {
			run_free_paths(*paths, *n_paths);
			return st;
		}
		for (size_t k = 0; k < scan.n_series; k++)
			for (size_t j = 0; j < scan.series[k].count; j++)
				push(paths, n_paths, &cap, scan.series[k].paths[j]);
		dcm_scan_release(&scan);
	}
	return QC_OK;
}

void run_free_paths(char **paths, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}

#define REPORT_MAX_BYTES (16L << 20)

/* The whole file in memory, refused beyond REPORT_MAX_BYTES (not a report). */
static enum qc_status read_text(const char *path, char **text, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return qc_fail(QC_ERR_IO, _("cannot open '%s': %s"), path, qc_errno_text(errno));
	struct qc_buf b = {0};
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0 && b.len <= REPORT_MAX_BYTES)
		qc_buf_addn(&b, chunk, n);
	bool err = ferror(f);
	fclose(f);
	if (err || b.len > REPORT_MAX_BYTES) {
		qc_buf_release(&b);
		return err ? qc_fail(QC_ERR_IO, _("cannot read '%s'"), path)
			   : qc_fail(QC_ERR_FORMAT, _("'%s' is too large for a report"), path);
	}
	*len = b.len;
	*text = qc_buf_detach(&b);
	return QC_OK;
}

enum qc_status run_import(const struct run_request *rq, struct qc_session *s)
{
	char *text;
	size_t len;
	memset(s, 0, sizeof(*s));
	if (rq->n_paths != 1)
		return qc_fail(QC_ERR_INVALID, _("a report import takes one file"));
	const char *path = rq->paths[0];
	enum qc_status st = read_text(path, &text, &len);
	if (st)
		return st;
	s->in = qc_xcalloc(1, sizeof(*s->in));
	s->n_in = 1;
	s->in[0].path = qc_xstrdup(path);
	qc_strlcpy(s->in[0].label, _("PIQT report"), sizeof(s->in[0].label));
	qc_sha256_hex(text, len, s->in[0].sha256);
	qc_format_time(qc_now(), s->completed_at, sizeof(s->completed_at));
	qc_strlcpy(s->started_at, s->completed_at, sizeof(s->started_at));
	st = ana_piqt_session(text, len, rq->test, s);
	free(text);
	if (st) {
		qc_fail_context(st, "'%s'", path);
		qc_session_release(s);
		return st;
	}
	qc_strlcpy(s->test, rq->test ? rq->test->id : "piqt", sizeof(s->test));
	qc_strlcpy(s->machine,
		   rq->cat && rq->cat->default_machine[0] ? rq->cat->default_machine : "",
		   sizeof(s->machine));
	qc_strlcpy(s->analysis_version, "1.0", sizeof(s->analysis_version));
	qc_strlcpy(s->program_version, QC_VERSION, sizeof(s->program_version));
	qc_strlcpy(s->operator_name, rq->operator_name ? rq->operator_name : run_login_name(),
		   sizeof(s->operator_name));
	return QC_OK;
}
