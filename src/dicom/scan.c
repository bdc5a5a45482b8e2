/* Folder scan: walks a tree, reads DICOM headers only, groups image files into series. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "qc/dicom.h"
#include "qc/i18n.h"

/* Deeper trees are not DICOM exports; the limit also bounds the open directory handles. */
#define MAX_DEPTH 32

struct entry {
	char *path; /* owned */
	int instance;
};

struct group {
	struct dcm_series s; /* paths still NULL while scanning */
	struct entry *files; /* owned */
	size_t n, cap;
};

struct state {
	struct group *groups; /* owned */
	size_t n, cap, last;
	struct dcm_scan *out;
	dcm_progress_fn progress;
	void *ud;
	bool stopped;
};

static const char *series_date(const struct qc_tags *t)
{
	const char *d[] = {t->acquisition_date, t->content_date, t->series_date, t->study_date};
	for (size_t i = 0; i < QC_ARRAY_LEN(d); i++)
		if (d[i][0])
			return d[i];
	return "";
}

static struct group *find_group(struct state *st, const char *uid)
{
	if (st->last < st->n && strcmp(st->groups[st->last].s.series_uid, uid) == 0)
		return &st->groups[st->last];
	for (size_t i = 0; i < st->n; i++) {
		if (strcmp(st->groups[i].s.series_uid, uid) == 0) {
			st->last = i;
			return &st->groups[i];
		}
	}
	return NULL;
}

static struct group *new_group(struct state *st, const struct qc_tags *t)
{
	struct group *g;
	struct dcm_series *s;

	qc_grow(&st->groups, &st->cap, st->n + 1, sizeof(*st->groups));
	st->last = st->n;
	g = &st->groups[st->n++];
	memset(g, 0, sizeof(*g));
	s = &g->s;
	qc_strlcpy(s->study_uid, t->study_uid, sizeof(s->study_uid));
	qc_strlcpy(s->series_uid, t->series_uid, sizeof(s->series_uid));
	qc_strlcpy(s->modality, t->modality, sizeof(s->modality));
	qc_strlcpy(s->description,
		   t->series_description[0] ? t->series_description : t->study_description,
		   sizeof(s->description));
	qc_strlcpy(s->study_id, t->study_id, sizeof(s->study_id));
	qc_strlcpy(s->model, t->model, sizeof(s->model));
	qc_strlcpy(s->rt_image_label, t->rt_image_label, sizeof(s->rt_image_label));
	qc_strlcpy(s->patient_id, t->patient_id, sizeof(s->patient_id));
	return g;
}

/* Files without a series UID (rare, broken exports) share one series with an empty UID. */
static void add_file(struct state *st, const char *path, const struct qc_tags *t)
{
	struct group *g = find_group(st, t->series_uid);

	if (!g)
		g = new_group(st, t);
	if (!g->s.date[0])
		qc_strlcpy(g->s.date, series_date(t), sizeof(g->s.date));
	qc_grow(&g->files, &g->cap, g->n + 1, sizeof(*g->files));
	g->files[g->n].path = qc_xstrdup(path);
	g->files[g->n].instance = t->instance_number;
	g->n++;
}

static void visit_file(struct state *st, const char *path)
{
	struct qc_tags t;

	st->out->files_seen++;
	/* The header reader sniffs the first bytes, so non-DICOM files cost one small read. Files
	 * without an image (DICOMDIR, RT Plan, SR) have no Rows/Columns at the top level. */
	if (dcm_read_header(path, &t, NULL) == QC_OK && t.rows > 0 && t.columns > 0) {
		add_file(st, path, &t);
		st->out->dicom_files++;
	} else {
		st->out->skipped++;
	}
	if (st->progress && !st->progress(st->ud, st->out->files_seen))
		st->stopped = true;
}

static void walk(struct state *st, const char *dir, int depth);

static void visit_entry(struct state *st, const char *path, int depth)
{
	struct stat sb;

	if (lstat(path, &sb) != 0)
		return;
	if (S_ISDIR(sb.st_mode)) {
		if (depth < MAX_DEPTH)
			walk(st, path, depth + 1);
		return;
	}
	/* A symlink to a file is followed; a symlink to a folder is not (loops, duplicates). */
	if (S_ISLNK(sb.st_mode) && stat(path, &sb) != 0)
		return;
	if (S_ISREG(sb.st_mode))
		visit_file(st, path);
}

/* Hidden entries (.git, editors' files, dcm_write's temporary files) are never DICOM exports. */
static void walk(struct state *st, const char *dir, int depth)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d) {
		st->out->unreadable_dirs++; /* counted, so that the caller can say so */
		return;
	}
	while (!st->stopped && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		size_t len = strlen(dir);
		char *path =
		    qc_xasprintf("%s%s%s", dir, len && dir[len - 1] == '/' ? "" : "/", de->d_name);
		visit_entry(st, path, depth);
		free(path);
	}
	closedir(d);
}

static int cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	if (x->instance != y->instance)
		return x->instance < y->instance ? -1 : 1;
	return strcmp(x->path, y->path);
}

static int cmp_series(const void *a, const void *b)
{
	const struct dcm_series *x = a, *y = b;
	int c = strcmp(x->date, y->date);
	if (!c)
		c = strcmp(x->description, y->description);
	return c ? c : strcmp(x->series_uid, y->series_uid);
}

static void finish(struct state *st)
{
	struct dcm_scan *out = st->out;

	out->series = qc_xcalloc(st->n ? st->n : 1, sizeof(*out->series));
	for (size_t i = 0; i < st->n; i++) {
		struct group *g = &st->groups[i];
		struct dcm_series *s = &out->series[i];
		qsort(g->files, g->n, sizeof(*g->files), cmp_entry);
		*s = g->s;
		s->paths = qc_xcalloc(g->n, sizeof(*s->paths));
		for (size_t k = 0; k < g->n; k++)
			s->paths[k] = g->files[k].path;
		s->count = g->n;
		free(g->files);
	}
	out->n_series = st->n;
	qsort(out->series, out->n_series, sizeof(*out->series), cmp_series);
	free(st->groups);
}

static enum qc_status check_dir(const char *dir)
{
	struct stat sb;
	DIR *d;
	if (stat(dir, &sb) != 0)
		return qc_fail(errno == ENOENT ? QC_ERR_NOT_FOUND : QC_ERR_IO,
			       _("cannot scan '%s': %s"), dir,
			       errno == ENOENT ? _("no such folder") : qc_errno_text(errno));
	if (!S_ISDIR(sb.st_mode))
		return qc_fail(QC_ERR_INVALID, _("cannot scan '%s': not a folder"), dir);
	d = opendir(dir);
	if (!d)
		return qc_fail(QC_ERR_IO, _("cannot scan '%s': %s"), dir, qc_errno_text(errno));
	closedir(d);
	return QC_OK;
}

enum qc_status dcm_scan_dir(const char *dir, struct dcm_scan *out, dcm_progress_fn progress,
			    void *ud)
{
	struct state st = {.out = out, .progress = progress, .ud = ud};
	enum qc_status status;

	memset(out, 0, sizeof(*out));
	status = check_dir(dir);
	if (status != QC_OK)
		return status;
	walk(&st, dir, 0);
	finish(&st);
	if (st.stopped)
		return qc_fail(QC_ERR_INVALID, _("scan of '%s' stopped after %zu files"), dir,
			       out->files_seen);
	return QC_OK;
}

void dcm_scan_release(struct dcm_scan *scan)
{
	for (size_t i = 0; i < scan->n_series; i++) {
		for (size_t k = 0; k < scan->series[i].count; k++)
			free(scan->series[i].paths[k]);
		free(scan->series[i].paths);
	}
	free(scan->series);
	memset(scan, 0, sizeof(*scan));
}
