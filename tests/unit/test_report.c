/* Session PDF report: content read back with poppler, rendering, page breaks, atomic writes. */
#include <ctype.h>
#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "qc/catalog.h"
#include "qc/core.h"
#include "qc/i18n.h"
#include "qc/report.h"
#include "qc/session.h"
#include "qc/store.h"
#include "test.h"

#define PV_W 512
#define PV_H 220
/* The bright field in preview pixels, and the preview's place in the 1024-pixel image. */
#define RECT_X0	 150
#define RECT_X1	 360
#define RECT_Y0	 60
#define RECT_Y1	 160
#define ORIGIN_Y 300.0
#define STEP	 2.0

static const char *const comment_fr = "Contrôle effectué après maintenance ; écart à vérifier";
static const char *const note_top = "top edge not measurable: outside the read-out area";
static const char *const sha0 = "3f5a9c1be2d4476a8e0b5c1d2e3f4a5b6c7d8e9f00112233445566778899aabb";

/* ---------------------------------------------------------------- a realistic session */

static void add_rec(struct qc_session *s, const struct qc_test *t, int image, const char *name,
		    const char *unit, bool has, double v, double nominal, const char *note)
{
	s->rec = qc_xrealloc(s->rec, (s->n_rec + 1) * sizeof(*s->rec));
	struct qc_record *r = memset(&s->rec[s->n_rec++], 0, sizeof(*r));
	qc_strlcpy(r->m.name, name, sizeof(r->m.name));
	qc_strlcpy(r->m.unit, unit, sizeof(r->m.unit));
	qc_strlcpy(r->m.note, note ? note : "", sizeof(r->m.note));
	r->m.image = image;
	r->m.has_value = has;
	r->m.value = has ? v : 0;
	const struct qc_mdef *def = t ? cat_find_mdef(t, name) : NULL;
	if (def) {
		r->lv = def->lv;
		if (r->lv.ref_nominal) {
			r->m.has_nominal = r->lv.has_ref = true;
			r->m.nominal = r->lv.ref = nominal;
		}
	}
	if (!has)
		r->verdict = qc_levels_any(&r->lv) ? QC_V_NOT_DONE : QC_V_NO_TOL;
	else
		r->verdict = qc_levels_eval(&r->lv, v);
}

/* The 17 values of mv_field for one image; the second image lost its top edge. */
static void add_image_records(struct qc_session *s, const struct qc_test *t, int img)
{
	bool top = img == 0;
	double w = img == 0 ? 150 : 85, h = 85;
	const char *adj = "an adjacent edge is not measurable";

	add_rec(s, t, img, "width_mm", "mm", true, img == 0 ? 150.12 : 87.35, w, NULL);
	add_rec(s, t, img, "height_mm", "mm", top, 86.40, h, top ? NULL : note_top);
	add_rec(s, t, img, "centre_x_mm", "mm", true, img == 0 ? 0.31 : 0.45, 0, NULL);
	add_rec(s, t, img, "centre_y_mm", "mm", top, -0.22, 0, top ? NULL : note_top);
	add_rec(s, t, img, "rotation_deg", "deg", true, 0.12, 0, NULL);
	add_rec(s, t, img, "corner_tl_deg", "deg", top, 90.05, 0, top ? NULL : adj);
	add_rec(s, t, img, "corner_tr_deg", "deg", top, 89.93, 0, top ? NULL : adj);
	add_rec(s, t, img, "corner_br_deg", "deg", true, 90.10, 0, NULL);
	add_rec(s, t, img, "corner_bl_deg", "deg", true, 89.88, 0, NULL);
	add_rec(s, t, img, "field_flatness_pct", "mm", true, 3.21, 0, NULL);
	add_rec(s, t, img, "penumbra_right_mm", "mm", true, 3.18, 0, NULL);
	add_rec(s, t, img, "penumbra_top_mm", "mm", top, 3.30, 0, top ? NULL : note_top);
	add_rec(s, t, img, "penumbra_bottom_mm", "mm", true, 3.27, 0, NULL);
	add_rec(s, t, img, "edge_left_mm", "mm", true, -w / 2 + 0.05, 0, NULL);
	add_rec(s, t, img, "edge_right_mm", "mm", true, w / 2 + 0.07, 0, NULL);
	add_rec(s, t, img, "edge_top_mm", "mm", top, -42.9, 0, top ? NULL : note_top);
	add_rec(s, t, img, "edge_bottom_mm", "mm", true, 43.5, 0, NULL);
}

static void add_preview(struct qc_session *s, int img)
{
	s->pv = qc_xrealloc(s->pv, (s->n_pv + 1) * sizeof(*s->pv));
	struct qc_preview *pv = memset(&s->pv[s->n_pv++], 0, sizeof(*pv));
	pv->image = img;
	pv->width = PV_W;
	pv->height = PV_H;
	pv->origin_x = 0;
	pv->origin_y = ORIGIN_Y;
	pv->step = STEP;
	pv->px = qc_xmalloc(PV_W * PV_H);
	for (int y = 0; y < PV_H; y++)
		for (int x = 0; x < PV_W; x++) {
			bool in = x >= RECT_X0 && x < RECT_X1 && y >= RECT_Y0 && y < RECT_Y1;
			pv->px[y * PV_W + x] = in ? (unsigned char)(215 + (x + y) % 20) : 25;
		}
}

static void add_overlay(struct qc_session *s, enum qc_ov_kind kind, enum qc_ov_role role, int img,
			double x0, double y0, double x1, double y1, double r, const char *measure)
{
	s->ov = qc_xrealloc(s->ov, (s->n_ov + 1) * sizeof(*s->ov));
	s->ov[s->n_ov++] = (struct qc_overlay){kind, role, img, x0, y0, x1, y1, r, ""};
	qc_strlcpy(s->ov[s->n_ov - 1].measure, measure, sizeof(s->ov[0].measure));
}

/* Edges on the border of the bright field, in image pixels (preview * STEP + origin). */
static void add_overlays(struct qc_session *s, int img)
{
	double l = RECT_X0 * STEP, r = RECT_X1 * STEP;
	double t = ORIGIN_Y + RECT_Y0 * STEP, b = ORIGIN_Y + RECT_Y1 * STEP;
	add_overlay(s, QC_OV_LINE, QC_OVR_EDGE, img, l, t, l, b, 0, "width_mm");
	add_overlay(s, QC_OV_LINE, QC_OVR_EDGE, img, r, t, r, b, 0, "width_mm");
	add_overlay(s, QC_OV_LINE, QC_OVR_EDGE, img, l, t, r, t, 0, "height_mm");
	add_overlay(s, QC_OV_LINE, QC_OVR_EDGE, img, l, b, r, b, 0, "height_mm");
	add_overlay(s, QC_OV_CROSS, QC_OVR_CENTRE, img, (l + r) / 2, (t + b) / 2, 0, 0, 14,
		    "centre_x_mm");
	add_overlay(s, QC_OV_CROSS, QC_OVR_REF, img, 512, 512, 0, 0, 28, "");
}

static void add_input(struct qc_session *s, const char *path, const char *uid, const char *sha,
		      const char *label)
{
	s->in = qc_xrealloc(s->in, (s->n_in + 1) * sizeof(*s->in));
	struct qc_input *in = memset(&s->in[s->n_in++], 0, sizeof(*in));
	in->path = qc_xstrdup(path);
	qc_strlcpy(in->sop_instance_uid, uid, sizeof(in->sop_instance_uid));
	qc_strlcpy(in->sha256, sha, sizeof(in->sha256));
	qc_strlcpy(in->label, label, sizeof(in->label));
}

static void make_session(const struct qc_catalog *cat, struct qc_session *s)
{
	const struct qc_test *t = cat_find_test(cat, "mvic_field");

	memset(s, 0, sizeof(*s));
	s->id = 42;
	strcpy(s->test, "mvic_field");
	strcpy(s->machine, "unity");
	strcpy(s->analysis, "mv_field");
	strcpy(s->analysis_version, "1.0");
	strcpy(s->program_version, QC_VERSION);
	strcpy(s->started_at, "2026-11-20 14:02:10");
	strcpy(s->completed_at, "2026-11-20 14:05:12");
	strcpy(s->operator_name, "Anaïs Lefèvre");
	qc_session_set_comment(s, comment_fr);
	add_input(s,
		  "/mnt/partage-physique/radiotherapie/controle-qualite/unity-mr-linac/archives/"
		  "2026/semaine-47/mvic-taille-de-champ/controle-hebdomadaire-apres-maintenance/"
		  "RI.1.2.246.352.62.1.5432.150x85.dcm",
		  "1.2.246.352.62.1.5432.1001.20261120140210.1", sha0, "150 x 85 mm");
	add_input(s, "/srv/qc/unity/MVIC/RI.85x85.dcm",
		  "1.2.246.352.62.1.5432.1001.20261120140455.2",
		  "00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff", "85 x 85 mm");
	for (int img = 0; img < 2; img++) {
		add_image_records(s, t, img);
		add_preview(s, img);
		add_overlays(s, img);
	}
	qc_session_update_verdict(s);
}

/* ---------------------------------------------------------------- poppler and files */

static int run(const char *cmd, struct qc_buf *out)
{
	char buf[4096];
	size_t n;
	FILE *p = popen(cmd, "r");
	if (!p)
		return -1;
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
		if (out)
			qc_buf_addn(out, buf, n);
	int st = pclose(p);
	if (out && !out->s)
		qc_buf_add(out, "");
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The text of pages first..last (0 = all); poppler's warnings about libharu's CMap dropped. */
static char *pdf_text(const char *pdf, int first, int last)
{
	struct qc_buf b = {0};
	char range[64] = "";
	if (first)
		snprintf(range, sizeof(range), "-f %d -l %d", first, last);
	char *cmd = qc_xasprintf("pdftotext -layout %s '%s' - 2>/dev/null", range, pdf);
	int st = run(cmd, &b);
	free(cmd);
	CHECKF(st == 0, "pdftotext failed on %s (status %d)", pdf, st);
	return qc_buf_detach(&b);
}

static int pdf_pages(const char *pdf)
{
	struct qc_buf b = {0};
	char *cmd = qc_xasprintf("pdfinfo '%s' 2>/dev/null", pdf);
	int st = run(cmd, &b), pages = -1;
	const char *p = strstr(b.s, "Pages:");
	if (st == 0 && p)
		pages = atoi(p + 6);
	free(cmd);
	qc_buf_release(&b);
	return pages;
}

static long file_size(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 ? (long)sb.st_size : -1;
}

static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	struct qc_buf b = {0};
	char buf[4096];
	size_t k;
	*n = 0;
	if (!f)
		return NULL;
	while ((k = fread(buf, 1, sizeof(buf), f)) > 0)
		qc_buf_addn(&b, buf, k);
	fclose(f);
	*n = b.len;
	return b.s ? qc_buf_detach(&b) : qc_xstrdup("");
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;
	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* A binary PGM (channels 1) or PPM (channels 3) as written by pdftoppm. */
struct pnm {
	int w, h, ch;
	unsigned char *px;
};

static bool read_pnm(const char *path, struct pnm *p)
{
	FILE *f = fopen(path, "rb");
	char magic[3] = "";
	int maxval;
	memset(p, 0, sizeof(*p));
	if (!f)
		return false;
	bool ok = fscanf(f, "%2s %d %d %d", magic, &p->w, &p->h, &maxval) == 4 && maxval == 255 &&
		  (!strcmp(magic, "P5") || !strcmp(magic, "P6")) && fgetc(f) != EOF;
	p->ch = magic[1] == '6' ? 3 : 1;
	if (ok) {
		size_t n = (size_t)p->w * p->h * p->ch;
		p->px = qc_xmalloc(n);
		ok = fread(p->px, 1, n, f) == n;
	}
	fclose(f);
	return ok;
}

static bool render(const char *pdf, int page, bool gray, const char *prefix, struct pnm *out)
{
	char *cmd = qc_xasprintf("pdftoppm -r 72 %s -f %d -l %d -singlefile '%s' '%s' 2>/dev/null",
				 gray ? "-gray" : "", page, page, pdf, prefix);
	char *file = qc_xasprintf("%s.%s", prefix, gray ? "pgm" : "ppm");
	bool ok = run(cmd, NULL) == 0 && read_pnm(file, out);
	free(cmd);
	free(file);
	return ok;
}

/* ---------------------------------------------------------------- languages */

static char *write_report(const struct qc_catalog *cat, const struct qc_session *s, bool french,
			  enum qc_status *st)
{
	char *path = qc_xasprintf("%s/session 42.pdf", t_tmpdir());
	if (french)
		t_speak_french();
	*st = report_session_pdf(cat, s, path);
	if (french)
		t_speak_english();
	return path;
}

#define CHECK_HAS(text, needle) CHECKF(strstr(text, needle), "missing in the PDF: \"%s\"", needle)

/* ---------------------------------------------------------------- content */

TEST(report_session_french_content)
{
	struct qc_catalog cat;
	struct qc_session s;
	enum qc_status st;

	REQUIRE_OK(cat_load_default(&cat));
	make_session(&cat, &s);
	char *path = write_report(&cat, &s, true, &st);
	CHECKF(st == QC_OK, "report: %s", qc_errmsg());
	char *text = st == QC_OK ? pdf_text(path, 0, 0) : qc_xstrdup("");
	int pages = pdf_pages(path);

	CHECK(pages >= 2);
	CHECK_HAS(text, "MVIC – Champ");
	CHECK_HAS(text, "Anaïs Lefèvre");
	CHECK_HAS(text, "Elekta Unity");
	CHECK_HAS(text, "Largeur du champ (x)");
	CHECK_HAS(text, "field_flatness_pct");
	CHECK_HAS(text, "150.12");
	CHECK_HAS(text, "87.35");
	CHECK_HAS(text, "-0.22");
	CHECK_HAS(text, "±1 / ±2");
	CHECK_HAS(text, "TOLÉRANCE");
	CHECK_HAS(text, "ACTION");
	CHECK_HAS(text, "NON FAIT");
	CHECK_HAS(text, "SANS TOLÉRANCE");
	CHECK_HAS(text, note_top);
	CHECK_HAS(text, comment_fr);
	CHECK_HAS(text, "Opérateur");
	CHECK_HAS(text, "Physicien(ne) médical(e)");
	CHECK_HAS(text, "Mesures");
	CHECK_HAS(text, "non validée");
	CHECK_HAS(text, "150 x 85 mm");
	CHECK_HAS(text, "RI.1.2.246.352.62.1.5432.150x85.dcm");
	/* The long folder keeps its deepest part only. */
	CHECK_HAS(text, "…/");
	CHECK_HAS(text, "/controle-hebdomadaire-apres-maintenance");
	CHECK(!strstr(text, "/mnt/partage-physique"));
	CHECK_HAS(text, "/srv/qc/unity/MVIC");
	CHECK_HAS(text, "1.2.246.352.62.1.5432.1001.20261120140210.1");
	CHECK_HAS(text, sha0);
	CHECK_HAS(text, "2026-11-20 14:05:12");
	CHECK_HAS(text, "mv_field 1.0");
	CHECK_HAS(text, "unityqc " QC_VERSION " — séance 42");
	char *page_1 = qc_xasprintf("Page 1 / %d", pages);
	CHECK_HAS(text, page_1);
	/* Nothing left behind in the folder but the report. */
	char *dir = qc_xstrdup(path);
	*strrchr(dir, '/') = '\0';
	CHECK(count_entries(dir) == 1);

	free(dir);
	free(page_1);
	free(text);
	free(path);
	qc_session_release(&s);
	cat_release(&cat);
}

TEST(report_session_english_content)
{
	struct qc_catalog cat;
	struct qc_session s;
	enum qc_status st;

	REQUIRE_OK(cat_load_default(&cat));
	make_session(&cat, &s);
	char *path = write_report(&cat, &s, false, &st);
	CHECKF(st == QC_OK, "report: %s", qc_errmsg());
	char *text = st == QC_OK ? pdf_text(path, 0, 0) : qc_xstrdup("");
	CHECK_HAS(text, "MVIC – Field size");
	CHECK_HAS(text, "Field width (x)");
	CHECK_HAS(text, "Tolerance / action");
	CHECK_HAS(text, "TOLERANCE");
	CHECK_HAS(text, "NOT DONE");
	CHECK_HAS(text, "not reviewed");
	CHECK_HAS(text, "Medical physicist");
	CHECK_HAS(text, comment_fr);
	CHECK(!strstr(text, "Opérateur"));
	free(text);
	free(path);
	qc_session_release(&s);
	cat_release(&cat);
}

/* The report of a stored session, loaded again as `unityqc report session` does. */
static char *stored_report_text(store_t *st, const struct qc_catalog *cat, int64_t id, bool french)
{
	struct qc_session s;
	enum qc_status rc;

	REQUIRE_OK(store_load_session(st, id, &s));
	char *path = write_report(cat, &s, french, &rc);
	qc_session_release(&s);
	CHECKF(rc == QC_OK, "report: %s", qc_errmsg());
	char *text = rc == QC_OK ? pdf_text(path, 0, 0) : qc_xstrdup("");
	free(path);
	/* One space for every run of blanks: a long value wraps onto indented lines. */
	char *w = text;
	for (const char *r = text; *r; r++)
		if (!isspace((unsigned char)*r))
			*w++ = *r;
		else if (w > text && w[-1] != ' ')
			*w++ = ' ';
	*w = '\0';
	return text;
}

/* The header says the review that holds: none, then an approval, then a later rejection. */
TEST(report_session_review_state)
{
	struct qc_catalog cat;
	struct qc_session s;
	store_t *st;
	char *db = qc_xasprintf("%s/review.db", t_tmpdir());

	REQUIRE_OK(cat_load_default(&cat));
	REQUIRE_OK(store_open(db, &st));
	make_session(&cat, &s);
	s.id = 0;
	REQUIRE_OK(store_save_session(st, &s));
	int64_t id = s.id;
	qc_session_release(&s);

	char *text = stored_report_text(st, &cat, id, false);
	CHECK_HAS(text, "not reviewed");
	CHECK(!strstr(text, "approved by"));
	free(text);

	REQUIRE_OK(store_review(st, id, "Paul Martin", true, "checked against the film", false));
	text = stored_report_text(st, &cat, id, false);
	CHECK_HAS(text, "approved by Paul Martin on 20");
	CHECK_HAS(text, "checked against the film");
	CHECK(!strstr(text, "not reviewed"));
	free(text);

	REQUIRE_OK(store_review(st, id, "Claire Dubois", false, "wrong energy selected", false));
	text = stored_report_text(st, &cat, id, false);
	CHECK_HAS(text, "rejected by Claire Dubois on 20");
	CHECK_HAS(text, "wrong energy selected");
	CHECK(!strstr(text, "approved by"));
	free(text);

	text = stored_report_text(st, &cat, id, true);
	CHECK_HAS(text, "refusée par Claire Dubois le 20");
	free(text);

	/* An automatic approval is in the saved session at once (the TUI prints it unreloaded). */
	make_session(&cat, &s);
	s.id = 0;
	s.auto_approve = true;
	REQUIRE_OK(store_save_session(st, &s));
	CHECK(s.review.reviewed && s.review.approved);
	CHECK_STR(s.review.reviewer, "auto");
	qc_session_release(&s);

	store_close(st);
	free(db);
	cat_release(&cat);
}

TEST(report_unknown_test_and_hostile_text)
{
	struct qc_catalog cat;
	struct qc_session s;
	enum qc_status st;

	REQUIRE_OK(cat_load_default(&cat));
	make_session(&cat, &s);
	strcpy(s.test, "linac_x_check");
	strcpy(s.machine, "linac9");
	s.id = 0;
	s.supersedes = 41;
	/* Tabs, CRLF, a broken byte, an emoji beyond the BMP, maths signs and 300 words. */
	struct qc_buf c = {0};
	qc_buf_add(&c, "écart\t≤ 2 mm «ok» ±0,5\r\nbad \xff byte 😀 end\n\n");
	for (int i = 0; i < 300; i++)
		qc_buf_addf(&c, "mot%d ", i);
	/* A word wider than the page is cut between characters, never inside one. */
	for (int i = 0; i < 200; i++)
		qc_buf_add(&c, "é");
	qc_buf_add(&c, " FIN");
	qc_session_set_comment(&s, c.s);
	qc_buf_release(&c);

	char *path = write_report(&cat, &s, true, &st);
	CHECKF(st == QC_OK, "report: %s", qc_errmsg());
	char *text = st == QC_OK ? pdf_text(path, 0, 0) : qc_xstrdup("");
	CHECK_HAS(text, "linac_x_check");
	CHECK_HAS(text, "linac9");
	CHECK_HAS(text, "width_mm");
	CHECK_HAS(text, "séance non enregistrée");
	CHECK_HAS(text, "41");
	CHECK_HAS(text, "écart ≤ 2 mm «ok» ±0,5");
	CHECK_HAS(text, "byte");
	CHECK_HAS(text, "mot0 mot1");
	CHECK_HAS(text, "mot299");
	CHECK_HAS(text, "éééééééééééééééééééééééééééééééééééééééé");
	CHECK_HAS(text, "é FIN");
	free(text);
	free(path);
	qc_session_release(&s);
	cat_release(&cat);
}

/* ---------------------------------------------------------------- rendering */

/* Consecutive rows of a page where the picture is: long runs of its dark background. */
struct band {
	int y0, y1, x0, x1;
	bool bright;
};

static int longest_run(const unsigned char *row, int w, bool dark, int *start)
{
	int best = 0, run = 0;
	for (int x = 0; x < w; x++) {
		bool hit = dark ? row[x] <= 60 : row[x] >= 200;
		run = hit ? run + 1 : 0;
		if (run > best) {
			best = run;
			*start = x - run + 1;
		}
	}
	return best;
}

static int find_bands(const struct pnm *g, struct band *b, int max)
{
	int n = 0;
	bool in = false;
	for (int y = 0; y <= g->h; y++) {
		const unsigned char *row = g->px + (size_t)y * g->w;
		int start = 0, len = y < g->h ? longest_run(row, g->w, true, &start) : 0;
		if (len < 100) {
			/* Rules across the page are dark too, but a point or two high only. */
			if (in && b[n - 1].y1 - b[n - 1].y0 < 20)
				n--;
			in = false;
			continue;
		}
		if (!in && n == max)
			break;
		if (!in)
			b[n++] = (struct band){y, y, start, start + len, false};
		in = true;
		struct band *cur = &b[n - 1];
		cur->y1 = y;
		cur->x0 = start < cur->x0 ? start : cur->x0;
		cur->x1 = start + len > cur->x1 ? start + len : cur->x1;
	}
	/* The bright field, inside the picture (the page around it is white too). */
	for (int i = 0; i < n; i++)
		for (int y = b[i].y0, bs; y <= b[i].y1 && !b[i].bright; y++)
			b[i].bright = longest_run(g->px + (size_t)y * g->w + b[i].x0,
						  b[i].x1 - b[i].x0, false, &bs) >= 100;
	return n;
}

enum hue { GREEN, ORANGE, RED, MAGENTA, CYAN, N_HUE };

static int classify(const unsigned char *p)
{
	int r = p[0], g = p[1], b = p[2];
	if (g > 120 && r < 90 && b < 90)
		return GREEN;
	if (r > 170 && g > 70 && g < 190 && b < 80 && r > g + 50)
		return ORANGE;
	if (r > 150 && g < 70 && b < 70)
		return RED;
	if (r > 130 && b > 130 && g < 80)
		return MAGENTA;
	if (b > 150 && g > 100 && r < 80)
		return CYAN;
	return -1;
}

static void count_hues(const struct pnm *c, const struct band *b, int counts[N_HUE])
{
	memset(counts, 0, N_HUE * sizeof(int));
	for (int y = b->y0; y <= b->y1; y++)
		for (int x = b->x0; x < b->x1; x++) {
			int k = classify(c->px + ((size_t)y * c->w + x) * 3);
			if (k >= 0)
				counts[k]++;
		}
}

TEST(report_renders_pictures_with_overlays)
{
	struct qc_catalog cat;
	struct qc_session s;
	enum qc_status st;
	struct band bands[8];
	int n_bands = 0, hues[2][N_HUE] = {{0}};

	REQUIRE_OK(cat_load_default(&cat));
	make_session(&cat, &s);
	char *path = write_report(&cat, &s, true, &st);
	REQUIRE(st == QC_OK);

	/* Page 1 as the users' tools see it. */
	char *png = qc_xasprintf("%s/page", t_tmpdir());
	char *cmd = qc_xasprintf("pdftoppm -r 50 -png -f 1 -l 1 '%s' '%s' 2>/dev/null", path, png);
	CHECK(run(cmd, NULL) == 0);
	char *png1 = qc_xasprintf("%s-1.png", png);
	size_t n;
	char *bytes = slurp(png1, &n);
	CHECKF(bytes && n > 5000 && !memcmp(bytes, "\x89PNG", 4), "page 1 PNG: %zu bytes", n);

	/* Every picture: dark background and bright field, coloured vector overlays on it. */
	int pages = pdf_pages(path);
	for (int p = 1; p <= pages && n_bands < 2; p++) {
		struct pnm g, c;
		char *prefix = qc_xasprintf("%s/p%d", t_tmpdir(), p);
		REQUIRE(render(path, p, true, prefix, &g) && render(path, p, false, prefix, &c));
		CHECK(g.w == c.w && g.h == c.h);
		int k = find_bands(&g, bands + n_bands, 2 - n_bands);
		for (int i = 0; i < k; i++) {
			struct band *b = &bands[n_bands + i];
			CHECKF(b->bright, "picture %d has no bright field", n_bands + i + 1);
			CHECKF(b->x1 - b->x0 > 480 && b->y1 - b->y0 > 200,
			       "picture %d is %dx%d points", n_bands + i + 1, b->x1 - b->x0,
			       b->y1 - b->y0);
			count_hues(&c, b, hues[n_bands + i]);
		}
		n_bands += k;
		free(g.px);
		free(c.px);
		free(prefix);
	}
	REQUIRE(n_bands == 2);
	/* Image 1: width OK (green), height in tolerance (orange), centre (cyan), iso (magenta). */
	CHECKF(hues[0][GREEN] > 100, "green %d", hues[0][GREEN]);
	CHECKF(hues[0][ORANGE] > 200, "orange %d", hues[0][ORANGE]);
	CHECKF(hues[0][CYAN] > 10, "cyan %d", hues[0][CYAN]);
	CHECKF(hues[0][MAGENTA] > 20, "magenta %d", hues[0][MAGENTA]);
	CHECKF(hues[0][RED] < 5, "red %d", hues[0][RED]);
	/* Image 2: width at action level (red edges). */
	CHECKF(hues[1][RED] > 100, "red %d", hues[1][RED]);
	CHECKF(hues[1][MAGENTA] > 20, "magenta %d", hues[1][MAGENTA]);

	free(bytes);
	free(png1);
	free(cmd);
	free(png);
	free(path);
	qc_session_release(&s);
	cat_release(&cat);
}

TEST(report_long_table_breaks_pages)
{
	struct qc_catalog cat;
	struct qc_session s;
	enum qc_status st;
	const struct qc_test *t;

	REQUIRE_OK(cat_load_default(&cat));
	make_session(&cat, &s);
	t = cat_find_test(&cat, "mvic_field");
	for (int i = 0; i < 300; i++)
		add_rec(&s, t, i % 2, i % 3 ? "width_mm" : "rotation_deg", i % 3 ? "mm" : "deg",
			true, 150 + (i % 7) * 0.5, 150, i % 10 == 0 ? "repeat reading" : NULL);
	char *path = write_report(&cat, &s, false, &st);
	REQUIRE(st == QC_OK);

	int pages = pdf_pages(path);
	CHECKF(pages >= 6, "%d pages", pages);
	char *dir = qc_xstrdup(t_tmpdir());
	char *cmd = qc_xasprintf("pdftoppm -r 20 -gray '%s' '%s/pg' 2>/dev/null", path, dir);
	CHECK(run(cmd, NULL) == 0);
	CHECK(count_entries(dir) == pages);

	for (int p = 2; p <= 3; p++) {
		char *text = pdf_text(path, p, p);
		char *num = qc_xasprintf("Page %d / %d", p, pages);
		CHECK_HAS(text, "Measurement");
		CHECK_HAS(text, "Tolerance / action");
		CHECK_HAS(text, "(continued)");
		CHECK_HAS(text, "MVIC – Field size — Elekta Unity (unity) — 2026-11-20 14:05:12");
		CHECK_HAS(text, num);
		free(num);
		free(text);
	}
	char *all = pdf_text(path, 0, 0);
	int rows = 0;
	for (const char *p = all; (p = strstr(p, "repeat reading")); p++)
		rows++;
	CHECKF(rows == 30, "%d notes", rows);

	free(all);
	free(cmd);
	free(dir);
	free(path);
	qc_session_release(&s);
	cat_release(&cat);
}

/* ---------------------------------------------------------------- files */

TEST(report_missing_folder_fails_cleanly)
{
	struct qc_catalog cat;
	struct qc_session s;

	REQUIRE_OK(cat_load_default(&cat));
	make_session(&cat, &s);
	const char *dir = t_tmpdir();
	char *path = qc_xasprintf("%s/nope/x.pdf", dir);
	enum qc_status st = report_session_pdf(&cat, &s, path);
	CHECK(st == QC_ERR_IO);
	CHECK_HAS(qc_errmsg(), "cannot write report '");
	CHECK_HAS(qc_errmsg(), "/nope' does not exist");
	CHECK(count_entries(dir) == 0);
	CHECK(report_session_pdf(&cat, &s, "") == QC_ERR_INVALID);
	CHECK(report_session_pdf(&cat, NULL, path) == QC_ERR_INVALID);
	free(path);
	qc_session_release(&s);
	cat_release(&cat);
}

TEST(report_replaces_existing_file)
{
	struct qc_catalog cat;
	struct qc_session s;
	struct stat sb;

	REQUIRE_OK(cat_load_default(&cat));
	make_session(&cat, &s);
	const char *dir = t_tmpdir();
	char *path = qc_xasprintf("%s/r.pdf", dir);
	FILE *f = fopen(path, "w");
	REQUIRE(f);
	fputs("old report", f);
	fclose(f);
	chmod(path, 0640);

	REQUIRE_OK(report_session_pdf(&cat, &s, path));
	size_t n;
	char *bytes = slurp(path, &n);
	CHECK(bytes && n > 20000 && !memcmp(bytes, "%PDF-", 5));
	CHECK(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0640);
	CHECK(count_entries(dir) == 1);
	free(bytes);
	free(path);
	qc_session_release(&s);
	cat_release(&cat);
}

TEST(report_disk_full_keeps_old_file)
{
	struct qc_catalog cat;
	struct qc_session s;
	static const char old[] = "%PDF-1.4 the report of last week, byte for byte";

	REQUIRE_OK(cat_load_default(&cat));
	make_session(&cat, &s);
	const char *dir = t_tmpdir();
	char *path = qc_xasprintf("%s/full.pdf", dir);
	FILE *f = fopen(path, "w");
	REQUIRE(f);
	fputs(old, f);
	fclose(f);

	fflush(NULL);
	pid_t pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		/* A file size limit makes write() fail with EFBIG, like a full disk. */
		struct rlimit rl = {16384, 16384};
		signal(SIGXFSZ, SIG_IGN);
		setrlimit(RLIMIT_FSIZE, &rl);
		enum qc_status st = report_session_pdf(&cat, &s, path);
		bool msg = strstr(qc_errmsg(), "disk full while writing '") != NULL;
		/* _exit: the parent's atexit handlers (temporary folders) are not ours to run. */
		free(path);
		qc_session_release(&s);
		cat_release(&cat);
		_exit(st == QC_ERR_FULL && msg ? 0 : st == QC_OK ? 3 : 4);
	}
	int ws;
	REQUIRE(waitpid(pid, &ws, 0) == pid);
	CHECKF(WIFEXITED(ws) && WEXITSTATUS(ws) == 0, "child status %d", ws);
	size_t n;
	char *bytes = slurp(path, &n);
	CHECK(bytes && n == strlen(old) && !memcmp(bytes, old, n));
	CHECKF(count_entries(dir) == 1, "%d files in the folder", count_entries(dir));
	free(bytes);
	free(path);
	qc_session_release(&s);
	cat_release(&cat);
}

TEST(report_missing_font_named)
{
	struct qc_catalog cat;
	struct qc_session s;

	REQUIRE_OK(cat_load_default(&cat));
	make_session(&cat, &s);
	const char *dir = t_tmpdir();
	char *path = qc_xasprintf("%s/x.pdf", dir);
	setenv("UNITYQC_FONT_DIR", dir, 1);
	enum qc_status st = report_session_pdf(&cat, &s, path);
	unsetenv("UNITYQC_FONT_DIR");
	CHECK(st == QC_ERR_NOT_FOUND);
	CHECK_HAS(qc_errmsg(), "DejaVuSans.ttf' is missing");
	CHECK_HAS(qc_errmsg(), "fonts-dejavu-core");
	CHECK_HAS(qc_errmsg(), "x.pdf");
	CHECK(file_size(path) < 0);
	free(path);
	qc_session_release(&s);
	cat_release(&cat);
}
