/* Folder picker: walk from the inbox to the folder of DICOM images, then run the analysis. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "qc/run.h"
#include "tui_int.h"

#define COUNT_LIMIT 2000 /* files examined per folder for the DICOM counts */

struct entry {
	char *name; /* NULL for the "analyse this folder" line */
	int dicom;  /* DICOM files directly inside (sub-folders: their own files) */
	bool file;  /* a report file (tests whose input is a report) */
};

struct picker {
	const struct qc_test *test;
	int64_t supersedes;
	bool reports; /* the test imports a report file: list files, not DICOM counts */
	char dir[PATH_MAX];
	struct entry *e;
	size_t n, sel, top;
	int here; /* DICOM files in dir itself */
};

static const struct tui_key keys[] = {
    {'a', REQ_ANALYSE}, {KEY_LEFT, REQ_PARENT},	     {'h', REQ_PARENT}, {KEY_RIGHT, REQ_ENTER},
    {'l', REQ_ENTER},	{KEY_BACKSPACE, REQ_PARENT}, {127, REQ_PARENT}, {'r', REQ_REFRESH},
};

/* A file with the DICM preamble, or a raw dataset starting with a group 0008 tag. */
static bool looks_dicom(const char *path)
{
	unsigned char b[132];
	FILE *f = fopen(path, "rb");
	if (!f)
		return false;
	size_t n = fread(b, 1, sizeof(b), f);
	fclose(f);
	if (n == 132 && !memcmp(b + 128, "DICM", 4))
		return true;
	return n >= 8 && b[0] == 0x08 && b[1] == 0x00;
}

static int count_dicom(const char *dir)
{
	DIR *d = opendir(dir);
	int n = 0, seen = 0;
	if (!d)
		return 0;
	struct dirent *de;
	while ((de = readdir(d)) && seen < COUNT_LIMIT) {
		char path[PATH_MAX + 260];
		struct stat sb;
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
			continue;
		seen++;
		n += looks_dicom(path);
	}
	closedir(d);
	return n;
}

/* Folders first, then files, by name. */
static int cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	return x->file != y->file ? x->file - y->file : strcmp(x->name, y->name);
}

static bool is_report(const char *name)
{
	const char *dot = strrchr(name, '.');
	return dot && (!strcasecmp(dot, ".htm") || !strcasecmp(dot, ".html"));
}

static void clear_entries(struct picker *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->e[i].name);
	free(p->e);
	p->e = NULL;
	p->n = p->sel = p->top = 0;
}

static void load(struct tui *t, struct picker *p)
{
	clear_entries(p);
	DIR *d = opendir(p->dir);
	if (!d) {
		tui_message(t, true, _("cannot open folder '%s': %s"), p->dir,
			    qc_errno_text(errno));
		return;
	}
	p->here = p->reports ? 0 : count_dicom(p->dir);
	p->e = qc_xcalloc(1, sizeof(*p->e));
	p->n = 1; /* "analyse this folder" */
	struct dirent *de;
	while ((de = readdir(d))) {
		char path[PATH_MAX + 260];
		struct stat sb;
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", p->dir, de->d_name);
		if (stat(path, &sb) != 0)
			continue;
		bool dir = S_ISDIR(sb.st_mode),
		     report = p->reports && S_ISREG(sb.st_mode) && is_report(de->d_name);
		if (!dir && !report)
			continue;
		p->e = qc_xrealloc(p->e, (p->n + 1) * sizeof(*p->e));
		p->e[p->n++] = (struct entry){qc_xstrdup(de->d_name),
					      dir && !p->reports ? count_dicom(path) : 0, report};
	}
	closedir(d);
	qsort(p->e + 1, p->n - 1, sizeof(*p->e), cmp_entry);
	p->sel = p->here ? 0 : (p->n > 1 ? 1 : 0);
}

static void open(struct tui *t, struct tui_screen *s, void *arg)
{
	struct picker *p = s->priv;
	const struct scr_picker_arg *a = arg;
	p->test = a->test;
	p->supersedes = a->supersedes;
	p->reports = !strcmp(a->test->input, "report");
	if (!realpath(t->cfg->inbox, p->dir))
		qc_strlcpy(p->dir, t->cfg->inbox, sizeof(p->dir));
	load(t, p);
}

static void done(struct tui *t, struct tui_screen *s)
{
	(void)t;
	clear_entries(s->priv);
}

static void draw(struct tui *t, struct tui_screen *s)
{
	struct picker *p = s->priv;
	char line[PATH_MAX + 64];
	tui_fill(t, 0, 0, t->cols, SLOT_TITLE);
	snprintf(line, sizeof(line), "%s%s — %s", cat_test_name(p->test),
		 p->supersedes ? _(" (correction)") : "",
		 p->reports ? _("choose the report file") : _("choose the DICOM folder"));
	tui_put(t, 0, 1, t->cols - 2, SLOT_TITLE, line, false);
	tui_put(t, 1, 1, t->cols - 2, SLOT_DIM, cat_test_instructions(p->test), false);
	tui_put(t, 2, 1, t->cols - 2, SLOT_HEADER, p->dir, false);
	int y0 = 4, height = t->rows - y0 - 2;
	tui_list_scroll(p->sel, &p->top, height);
	for (int i = 0; i < height && p->top + (size_t)i < p->n; i++) {
		size_t k = p->top + (size_t)i;
		const struct entry *e = &p->e[k];
		bool sel = k == p->sel;
		enum tui_slot slot = sel ? SLOT_SELECTED : SLOT_NORMAL;
		if (sel)
			tui_fill(t, y0 + i, 0, t->cols, SLOT_SELECTED);
		if (!e->name) {
			if (p->here)
				snprintf(line, sizeof(line),
					 ngettext("%s Analyse this folder: %d DICOM file",
						  "%s Analyse this folder: %d DICOM files",
						  p->here),
					 t->ascii ? ">" : "▶", p->here);
			else
				snprintf(line, sizeof(line), "%s",
					 p->reports ? _("(choose the report file below)")
						    : _("(no DICOM file directly in this folder)"));
			tui_put(t, y0 + i, 2, t->cols - 4,
				sel ? SLOT_SELECTED : (p->here ? SLOT_KEY : SLOT_DIM), line, false);
			continue;
		}
		snprintf(line, sizeof(line), "%s%s", e->name, e->file ? "" : "/");
		tui_put(t, y0 + i, 4, t->cols - 24, e->file && !sel ? SLOT_KEY : slot, line, false);
		if (e->dicom) {
			snprintf(line, sizeof(line), _("%d DICOM"), e->dicom);
			tui_putr(t, y0 + i, t->cols - 20, 18, sel ? SLOT_SELECTED : SLOT_DIM, line);
		}
	}
	char a[32], b[32];
	tui_req_keys(s->ops, REQ_ANALYSE, a, sizeof(a));
	tui_req_keys(s->ops, REQ_PARENT, b, sizeof(b));
	snprintf(line, sizeof(line),
		 _("Enter: open · %s: analyse this folder · %s: parent folder · Esc: back"), a, b);
	tui_put(t, t->rows - 2, 1, t->cols - 2, SLOT_DIM, line, false);
}

static void go(struct tui *t, struct picker *p, const char *name)
{
	char next[PATH_MAX * 2], real[PATH_MAX], sub[256];
	qc_strlcpy(sub, name, sizeof(sub)); /* name may live in the entries load() frees */
	snprintf(next, sizeof(next), "%s/%s", p->dir, sub);
	if (!realpath(next, real)) {
		tui_message(t, true, _("cannot open folder '%s': %s"), next, qc_errno_text(errno));
		return;
	}
	char old[PATH_MAX];
	qc_strlcpy(old, p->dir, sizeof(old));
	qc_strlcpy(p->dir, real, sizeof(p->dir));
	load(t, p);
	/* Going up: select the folder we came from. */
	for (size_t i = 1; !strcmp(sub, "..") && i < p->n; i++) {
		const char *base = strrchr(old, '/');
		if (base && !strcmp(p->e[i].name, base + 1))
			p->sel = i;
	}
}

static void on_progress(void *ud, size_t done, size_t total, const char *what)
{
	struct tui *t = ud;
	tui_progress(t, _("Analysis in progress…"), done, total, what);
}

static void analyse(struct tui *t, struct picker *p)
{
	const char *args[] = {p->dir};
	char **paths;
	size_t n;
	tui_progress(t, _("Reading the folder…"), 0, 1, p->dir);
	if (run_expand_paths(args, 1, &paths, &n) != QC_OK) {
		tui_message(t, true, "%s", qc_errmsg());
		return;
	}
	/* Only the files directly in the folder, as the count on screen says. */
	size_t keep = 0, len = strlen(p->dir);
	for (size_t i = 0; i < n; i++) {
		bool direct = !strncmp(paths[i], p->dir, len) && paths[i][len] == '/' &&
			      !strchr(paths[i] + len + 1, '/');
		if (direct)
			paths[keep++] = paths[i];
		else
			free(paths[i]);
	}
	n = keep;
	struct run_request rq = {
	    .cat = t->cfg->cat,
	    .test = p->test,
	    .paths = (const char *const *)paths,
	    .n_paths = n,
	    .operator_name = t->cfg->operator_name,
	    .progress = on_progress,
	    .ud = t,
	};
	struct qc_session *sess = qc_xcalloc(1, sizeof(*sess));
	enum qc_status st = run_analysis(&rq, sess);
	run_free_paths(paths, n);
	if (st) {
		tui_message(t, true, "%s", qc_errmsg());
		free(sess);
		return;
	}
	const struct qc_analysis *a = ana_find(sess->analysis);
	if (a && a->role_label && sess->role && p->test && p->test->n_fields) {
		/* The user checks the roles the analysis gave the images first. */
		struct scr_roles_arg ra = {p->test, sess, p->supersedes};
		tui_push(t, &scr_roles, &ra);
		return;
	}
	sess->supersedes = p->supersedes;
	struct scr_result_arg arg = {.session = sess, .saved = false};
	tui_push(t, &scr_result, &arg);
}

static void import(struct tui *t, struct picker *p, const char *name)
{
	char path[PATH_MAX + 260];
	snprintf(path, sizeof(path), "%s/%s", p->dir, name);
	const char *paths[] = {path};
	struct run_request rq = {.cat = t->cfg->cat,
				 .test = p->test,
				 .paths = paths,
				 .n_paths = 1,
				 .operator_name = t->cfg->operator_name};
	struct qc_session *sess = qc_xcalloc(1, sizeof(*sess));
	tui_progress(t, _("Reading the report…"), 0, 1, path);
	if (run_import(&rq, sess) != QC_OK) {
		tui_message(t, true, "%s", qc_errmsg());
		free(sess);
		return;
	}
	sess->supersedes = p->supersedes;
	struct scr_result_arg arg = {.session = sess, .saved = false};
	tui_push(t, &scr_result, &arg);
}

static int request(struct tui *t, struct tui_screen *s, enum tui_req req)
{
	struct picker *p = s->priv;
	size_t page = (size_t)(t->rows > 8 ? t->rows - 7 : 1);
	if (tui_list_move(req, &p->sel, p->n, page))
		return TUI_HANDLED;
	switch (req) {
	case REQ_PARENT: go(t, p, ".."); break;
	case REQ_REFRESH: load(t, p); break;
	case REQ_ANALYSE:
		if (p->here)
			analyse(t, p);
		else
			tui_message(t, true, "%s", _("no DICOM file directly in this folder"));
		break;
	case REQ_ENTER:
		if (p->sel < p->n && p->e[p->sel].file)
			import(t, p, p->e[p->sel].name);
		else if (p->sel < p->n && p->e[p->sel].name)
			go(t, p, p->e[p->sel].name);
		else
			return request(t, s, REQ_ANALYSE);
		break;
	default: return TUI_IGNORED;
	}
	return TUI_HANDLED;
}

const struct tui_screen_ops scr_picker = {
    .name = "picker",
    .private_size = sizeof(struct picker),
    .keys = keys,
    .n_keys = QC_ARRAY_LEN(keys),
    .open = open,
    .draw = draw,
    .request = request,
    .done = done,
};
