/* Tests of the results database: opening, migrations, round trips, append-only, bad conditions. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "qc/store.h"
#include "test.h"

/* The schema version this program writes (each migration adds one audit row). */
#define SCHEMA 2

/* ---- helpers ---------------------------------------------------------------------------- */

/* A path in a fresh folder; several per test are fine (ring of buffers). */
static const char *tmp_path(const char *name)
{
	static char paths[8][512];
	static int k;
	char *p = paths[k++ % 8];
	snprintf(p, sizeof(paths[0]), "%s/%s", t_tmpdir(), name);
	return p;
}

static sqlite3 *raw_open(const char *path)
{
	sqlite3 *db = NULL;
	if (sqlite3_open(path, &db) != SQLITE_OK) {
		t_fail(__FILE__, __LINE__, "raw open of '%s': %s", path, sqlite3_errmsg(db));
		sqlite3_close(db);
		longjmp(t_abort, 1);
	}
	sqlite3_busy_timeout(db, 5000);
	return db;
}

/* First column of the first row as an integer, -1 on error or no row. */
static long long raw_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *stmt;
	long long v = -1;
	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(stmt) == SQLITE_ROW)
		v = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return v;
}

static long long path_int(const char *path, const char *sql)
{
	sqlite3 *db = raw_open(path);
	long long v = raw_int(db, sql);
	sqlite3_close(db);
	return v;
}

static int raw_exec(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

static void write_file(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "wb");
	REQUIRE(f);
	REQUIRE(fwrite(data, 1, n, f) == n);
	REQUIRE(fclose(f) == 0);
}

static unsigned char *pixels(int w, int h, unsigned seed, bool noisy)
{
	unsigned char *px = malloc((size_t)w * h);
	for (int i = 0; i < w * h; i++) {
		seed = seed * 1103515245u + 12345u;
		px[i] = noisy ? (unsigned char)(seed >> 16) : (unsigned char)(i * 7 + seed % 3);
	}
	return px;
}

static struct qc_record *add_rec(struct qc_session *s, const char *name, const char *unit,
				 int image, bool has_value, double value, enum qc_verdict v)
{
	s->rec = realloc(s->rec, (s->n_rec + 1) * sizeof(*s->rec));
	struct qc_record *r = memset(&s->rec[s->n_rec++], 0, sizeof(*r));
	qc_strlcpy(r->m.name, name, sizeof(r->m.name));
	qc_strlcpy(r->m.unit, unit, sizeof(r->m.unit));
	r->m.image = image;
	r->m.has_value = has_value;
	r->m.value = has_value ? value : 0;
	r->verdict = v;
	return r;
}

static void add_input(struct qc_session *s, const char *path, const char *uid, const char *label)
{
	s->in = realloc(s->in, (s->n_in + 1) * sizeof(*s->in));
	struct qc_input *in = memset(&s->in[s->n_in++], 0, sizeof(*in));
	in->path = qc_xstrdup(path);
	qc_strlcpy(in->sop_instance_uid, uid, sizeof(in->sop_instance_uid));
	qc_sha256_hex(path, strlen(path), in->sha256);
	qc_strlcpy(in->label, label, sizeof(in->label));
}

static void add_preview(struct qc_session *s, int image, int w, int h, bool noisy)
{
	s->pv = realloc(s->pv, (s->n_pv + 1) * sizeof(*s->pv));
	struct qc_preview *p = &s->pv[s->n_pv++];
	*p = (struct qc_preview){.image = image,
				 .width = w,
				 .height = h,
				 .origin_x = -3.5,
				 .origin_y = 12.25,
				 .step = 2.0 + image};
	p->px = pixels(w, h, (unsigned)(w * 31 + h + image), noisy);
}

static void add_overlay(struct qc_session *s, enum qc_ov_kind k, enum qc_ov_role r, int image,
			const char *measure)
{
	s->ov = realloc(s->ov, (s->n_ov + 1) * sizeof(*s->ov));
	struct qc_overlay *o = memset(&s->ov[s->n_ov++], 0, sizeof(*o));
	*o = (struct qc_overlay){.kind = k,
				 .role = r,
				 .image = image,
				 .x0 = 10.5 + k,
				 .y0 = -2.25,
				 .x1 = 300.125,
				 .y1 = 1e-3 * r,
				 .r = 4.5};
	qc_strlcpy(o->measure, measure, sizeof(o->measure));
}

/* A small session of one test: n measurements, no pictures. */
static void simple_session(struct qc_session *s, const char *test, const char *when, int n)
{
	memset(s, 0, sizeof(*s));
	qc_strlcpy(s->test, test, sizeof(s->test));
	qc_strlcpy(s->completed_at, when, sizeof(s->completed_at));
	qc_strlcpy(s->operator_name, "alice", sizeof(s->operator_name));
	for (int i = 0; i < n; i++) {
		char name[32];
		snprintf(name, sizeof(name), "m%d", i);
		add_rec(s, name, "mm", 0, true, i * 0.5, QC_V_OK);
	}
	s->verdict = QC_V_OK;
}

/* Two images, previews, every overlay kind, NULLs, notes, partial levels, text, accents. */
static void rich_session(struct qc_session *s)
{
	struct qc_record *r;

	memset(s, 0, sizeof(*s));
	qc_strlcpy(s->test, "mv_field", sizeof(s->test));
	qc_strlcpy(s->machine, "unity-1", sizeof(s->machine));
	qc_strlcpy(s->analysis, "mv_field", sizeof(s->analysis));
	qc_strlcpy(s->analysis_version, "1.2.0", sizeof(s->analysis_version));
	qc_strlcpy(s->program_version, QC_VERSION, sizeof(s->program_version));
	qc_strlcpy(s->started_at, "2024-03-05 08:01:02", sizeof(s->started_at));
	qc_strlcpy(s->completed_at, "2024-03-05 08:15:30", sizeof(s->completed_at));
	qc_strlcpy(s->operator_name, "Hélène O'Brien", sizeof(s->operator_name));
	qc_session_set_comment(s,
			       "Écart de 0,5 mm — refait après « recalage » ; l'opératrice a dit "
			       "\"c'est bon\" ; 100 % ≤ 2 ; '); DROP TABLE sessions; --");
	s->verdict = QC_V_ACT;
	s->not_for_scheduling = true;

	r = add_rec(s, "width_mm", "mm", 0, true, 150.25, QC_V_OK);
	r->m.has_nominal = true;
	r->m.nominal = 150;
	r->lv = (struct qc_levels){.has_ref = true,
				   .ref_nominal = true,
				   .ref = 150,
				   .has_act_low = true,
				   .act_low = -2,
				   .has_tol_low = true,
				   .tol_low = -1,
				   .has_tol_high = true,
				   .tol_high = 1,
				   .has_act_high = true,
				   .act_high = 2};
	r = add_rec(s, "centre_x_mm", "mm", 1, false, 0, QC_V_NOT_DONE);
	qc_strlcpy(r->m.note, "edge not found: the profile is saturated (\"clipped\")",
		   sizeof(r->m.note));
	r->lv = (struct qc_levels){.has_ref = true,
				   .ref = 0,
				   .has_act_low = true,
				   .act_low = -1.5,
				   .has_act_high = true,
				   .act_high = 1.5};
	r = add_rec(s, "output_pct", "%", 1, true, 102.75, QC_V_TOL);
	r->lv = (struct qc_levels){.has_ref = true,
				   .percent = true,
				   .ref = 100,
				   .has_act_low = true,
				   .act_low = -3,
				   .has_tol_high = true,
				   .tol_high = 2};
	r = add_rec(s, "door_interlock", "", -1, false, 0, QC_V_ACT);
	qc_strlcpy(r->text, "non — la porte reste ouverte", sizeof(r->text));
	r = add_rec(s, "tiny", "°", 0, true, -3.5e-7, QC_V_NO_TOL);
	qc_strlcpy(r->m.note, "é'\"", sizeof(r->m.note));
	r = add_rec(s, "ssd_cm", "cm", 0, true, 0, QC_V_OK);
	r->lv = (struct qc_levels){.has_ref = true, .ref = 0, .has_tol_low = true, .tol_low = -0.2};

	add_input(s, "/data/QC du 5 mars/RI.1.2.3.dcm", "1.2.826.0.1.3680043.2.1125.1",
		  "150 x 85 mm");
	add_input(s, "/data/QC du 5 mars/RI.1.2.4.dcm", "1.2.826.0.1.3680043.2.1125.2", "");
	add_preview(s, 0, 40, 30, false);
	add_preview(s, 1, 17, 5, true);
	add_overlay(s, QC_OV_LINE, QC_OVR_EDGE, 0, "width_mm");
	add_overlay(s, QC_OV_CROSS, QC_OVR_CENTRE, 1, "centre_x_mm");
	add_overlay(s, QC_OV_CIRCLE, QC_OVR_REF, 1, "");
	add_overlay(s, QC_OV_RECT, QC_OVR_ROI, 0, "output_pct");
}

static void check_levels(const struct qc_levels *a, const struct qc_levels *b, const char *name)
{
	CHECKF(a->has_ref == b->has_ref && (!a->has_ref || a->ref == b->ref), "%s: ref", name);
	CHECKF(a->ref_nominal == b->ref_nominal && a->percent == b->percent, "%s: flags", name);
	CHECKF(a->has_act_low == b->has_act_low && (!a->has_act_low || a->act_low == b->act_low),
	       "%s: act_low", name);
	CHECKF(a->has_tol_low == b->has_tol_low && (!a->has_tol_low || a->tol_low == b->tol_low),
	       "%s: tol_low", name);
	CHECKF(a->has_tol_high == b->has_tol_high &&
		   (!a->has_tol_high || a->tol_high == b->tol_high),
	       "%s: tol_high", name);
	CHECKF(a->has_act_high == b->has_act_high &&
		   (!a->has_act_high || a->act_high == b->act_high),
	       "%s: act_high", name);
}

static void check_record(const struct qc_record *a, const struct qc_record *b)
{
	CHECK_STR(b->m.name, a->m.name);
	CHECK_STR(b->m.unit, a->m.unit);
	CHECK_STR(b->m.note, a->m.note);
	CHECK_STR(b->text, a->text);
	CHECKF(a->m.image == b->m.image, "%s: image %d", a->m.name, b->m.image);
	CHECKF(a->m.has_value == b->m.has_value && (!a->m.has_value || a->m.value == b->m.value),
	       "%s: value", a->m.name);
	CHECKF(a->m.has_nominal == b->m.has_nominal &&
		   (!a->m.has_nominal || a->m.nominal == b->m.nominal),
	       "%s: nominal", a->m.name);
	CHECKF(a->verdict == b->verdict, "%s: verdict %s", a->m.name, qc_verdict_name(b->verdict));
	check_levels(&a->lv, &b->lv, a->m.name);
}

static void check_same_session(const struct qc_session *a, const struct qc_session *b)
{
	CHECK(a->id == b->id);
	CHECK_STR(b->test, a->test);
	CHECK_STR(b->machine, a->machine);
	CHECK_STR(b->analysis, a->analysis);
	CHECK_STR(b->analysis_version, a->analysis_version);
	CHECK_STR(b->program_version, a->program_version);
	CHECK_STR(b->started_at, a->started_at);
	CHECK_STR(b->completed_at, a->completed_at);
	CHECK_STR(b->operator_name, a->operator_name);
	CHECK((a->comment == NULL) == (b->comment == NULL));
	if (a->comment && b->comment)
		CHECK_STR(b->comment, a->comment);
	CHECK(a->verdict == b->verdict);
	CHECK(a->supersedes == b->supersedes);
	CHECK(a->not_for_scheduling == b->not_for_scheduling);
	REQUIRE(a->n_rec == b->n_rec && a->n_in == b->n_in);
	REQUIRE(a->n_pv == b->n_pv && a->n_ov == b->n_ov);
	for (size_t i = 0; i < a->n_rec; i++)
		check_record(&a->rec[i], &b->rec[i]);
	for (size_t i = 0; i < a->n_in; i++) {
		CHECK_STR(b->in[i].path, a->in[i].path);
		CHECK_STR(b->in[i].sop_instance_uid, a->in[i].sop_instance_uid);
		CHECK_STR(b->in[i].sha256, a->in[i].sha256);
		CHECK_STR(b->in[i].label, a->in[i].label);
	}
	for (size_t i = 0; i < a->n_pv; i++) {
		const struct qc_preview *p = &a->pv[i], *q = &b->pv[i];
		CHECK(p->image == q->image && p->width == q->width && p->height == q->height);
		CHECK(p->origin_x == q->origin_x && p->origin_y == q->origin_y &&
		      p->step == q->step);
		CHECK(q->px && !memcmp(p->px, q->px, (size_t)p->width * p->height));
	}
	for (size_t i = 0; i < a->n_ov; i++) {
		const struct qc_overlay *o = &a->ov[i], *p = &b->ov[i];
		CHECK(o->kind == p->kind && o->role == p->role && o->image == p->image);
		CHECK(o->x0 == p->x0 && o->y0 == p->y0 && o->x1 == p->x1 && o->y1 == p->y1);
		CHECK(o->r == p->r);
		CHECK_STR(p->measure, o->measure);
	}
}

static void save_simple(store_t *st, const char *test, const char *when, int n, int64_t *id)
{
	struct qc_session s;
	simple_session(&s, test, when, n);
	enum qc_status rc = store_save_session(st, &s);
	if (id)
		*id = s.id;
	qc_session_release(&s);
	REQUIRE_OK(rc);
}

/* ---- opening and migrations ---------------------------------------------------------------- */

TEST(store_open_creates_folders_and_schema)
{
	char dir[512], path[600];
	struct stat sb;
	store_t *st;

	snprintf(dir, sizeof(dir), "%s/new/deeper", t_tmpdir());
	snprintf(path, sizeof(path), "%s/qc.db", dir);
	REQUIRE_OK(store_open(path, &st));
	CHECK_STR(store_path(st), path);
	CHECK(store_schema_version(st) == SCHEMA);
	store_close(st);

	REQUIRE(stat(dir, &sb) == 0);
	CHECKF((sb.st_mode & 0777) == 0700, "mode %o", (unsigned)(sb.st_mode & 0777));
	sqlite3 *db = raw_open(path);
	CHECK(raw_int(db, "PRAGMA user_version") == SCHEMA);
	CHECK(raw_int(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN "
			  "('sessions', 'measurements', 'inputs', 'previews', 'overlays', "
			  "'reviews', 'audit')") == 7);
	/* Two triggers for each of the 7 tables of version 1 and the 3 append-only ones of 2. */
	CHECK(raw_int(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'trigger'") == 20);
	CHECK(raw_int(db, "SELECT count(*) FROM audit WHERE action = 'migrate'") == SCHEMA);
	sqlite3_stmt *stmt;
	REQUIRE(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, NULL) == SQLITE_OK);
	REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
	CHECK_STR((const char *)sqlite3_column_text(stmt, 0), "wal");
	sqlite3_finalize(stmt);
	sqlite3_close(db);
}

TEST(store_open_twice_migrates_once)
{
	const char *path = tmp_path("qc.db");
	store_t *a, *b;

	REQUIRE_OK(store_open(path, &a));
	REQUIRE_OK(store_open(path, &b)); /* while the first is still open */
	store_close(b);
	store_close(a);
	REQUIRE_OK(store_open(path, &a));
	CHECK(store_schema_version(a) == SCHEMA);
	store_close(a);
	CHECK(path_int(path, "SELECT count(*) FROM audit WHERE action = 'migrate'") == SCHEMA);
}

TEST(store_open_empty_existing_file)
{
	const char *path = tmp_path("empty.db");
	store_t *st;

	write_file(path, "", 0);
	REQUIRE_OK(store_open(path, &st));
	CHECK(store_schema_version(st) == SCHEMA);
	save_simple(st, "daily", "2024-01-02 08:00:00", 2, NULL);
	store_close(st);
}

TEST(store_open_not_a_database)
{
	const char *path = tmp_path("notes.db");
	char text[2048], want[700], before[65], after[65];
	store_t *st = (store_t *)&st;

	for (size_t i = 0; i < sizeof(text); i++)
		text[i] = "lorem ipsum dolor sit amet\n"[i % 27];
	write_file(path, text, sizeof(text));
	REQUIRE_OK(qc_sha256_file(path, before));
	CHECK(store_open(path, &st) == QC_ERR_FORMAT);
	CHECK(st == NULL);
	snprintf(want, sizeof(want), "'%s' is not a unityqc database: file is not a database",
		 path);
	CHECK_STR(qc_errmsg(), want);
	REQUIRE_OK(qc_sha256_file(path, after));
	CHECK_STR(after, before);
}

TEST(store_open_foreign_sqlite_database)
{
	const char *a = tmp_path("other.db"), *b = tmp_path("other-app.db");
	store_t *st;

	sqlite3 *db = raw_open(a);
	REQUIRE(raw_exec(db, "CREATE TABLE contacts (name TEXT)") == SQLITE_OK);
	sqlite3_close(db);
	CHECK(store_open(a, &st) == QC_ERR_FORMAT);
	CHECK(strstr(qc_errmsg(), "is not a unityqc database: it holds the tables of another"));
	CHECK(path_int(a, "SELECT count(*) FROM sqlite_schema") == 1);

	db = raw_open(b);
	REQUIRE(raw_exec(db, "PRAGMA application_id = 1234") == SQLITE_OK);
	sqlite3_close(db);
	CHECK(store_open(b, &st) == QC_ERR_FORMAT);
	CHECK(strstr(qc_errmsg(), "belongs to another program (application id 0x000004d2)"));
}

TEST(store_open_directory_and_file_in_the_way)
{
	char path[600], want[700];
	store_t *st;

	const char *dir = tmp_path("a-folder.db");
	REQUIRE(mkdir(dir, 0700) == 0);
	CHECK(store_open(dir, &st) == QC_ERR_IO);
	snprintf(want, sizeof(want), "cannot open '%s': it is a folder, not a database file", dir);
	CHECK_STR(qc_errmsg(), want);

	const char *file = tmp_path("plain");
	write_file(file, "x", 1);
	snprintf(path, sizeof(path), "%s/sub/qc.db", file);
	CHECK(store_open(path, &st) == QC_ERR_IO);
	snprintf(want, sizeof(want), "cannot create folder '%s': a file of that name is in the way",
		 file);
	CHECK_STR(qc_errmsg(), want);
	CHECK(store_open("", &st) == QC_ERR_INVALID);
}

TEST(store_open_newer_schema_is_refused_untouched)
{
	const char *path = tmp_path("future.db");
	char before[65], after[65];
	store_t *st;

	REQUIRE_OK(store_open(path, &st));
	save_simple(st, "daily", "2024-01-02 08:00:00", 1, NULL);
	store_close(st);
	sqlite3 *db = raw_open(path);
	REQUIRE(raw_exec(db, "PRAGMA user_version = 7") == SQLITE_OK);
	sqlite3_close(db);

	REQUIRE_OK(qc_sha256_file(path, before));
	CHECK(store_open(path, &st) == QC_ERR_UNSUPPORTED);
	CHECK(strstr(qc_errmsg(), "was written by a newer unityqc (schema version 7, this program "
				  "knows up to 2)"));
	REQUIRE_OK(qc_sha256_file(path, after));
	CHECK_STR(after, before);
	CHECK(path_int(path, "PRAGMA user_version") == 7);
}

/* The child reports status and message through a pipe: it must not touch the test harness. */
struct child_report {
	int status;
	char msg[1000];
	int status2;
	char msg2[1000];
};

static void report(int fd, const struct child_report *r) __attribute__((noreturn));
static void report(int fd, const struct child_report *r)
{
	ssize_t n = write(fd, r, sizeof(*r));
	_exit(n == (ssize_t)sizeof(*r) ? 0 : 3);
}

static bool read_report(int fd, pid_t pid, struct child_report *r)
{
	int ws;
	ssize_t n = read(fd, r, sizeof(*r));
	close(fd);
	waitpid(pid, &ws, 0);
	return n == (ssize_t)sizeof(*r) && WIFEXITED(ws) && WEXITSTATUS(ws) == 0;
}

TEST(store_open_permission_denied)
{
	char dir[512], file[600], newdir[600];
	int fds[2];
	store_t *st;

	/* As root, permissions are checked by dropping to "nobody" in a child; else by chmod. */
	bool root = geteuid() == 0;
	qc_strlcpy(dir, t_tmpdir(), sizeof(dir));
	snprintf(file, sizeof(file), "%s/qc.db", dir);
	snprintf(newdir, sizeof(newdir), "%s/new/qc.db", dir);
	REQUIRE_OK(store_open(file, &st));
	store_close(st);
	char *root_dir = qc_xstrdup(dir);
	*strrchr(root_dir, '/') = '\0';
	if (root) {
		chmod(root_dir, 0711);
		chmod(dir, 0755);
	} else {
		chmod(file, 0);
		chmod(dir, 0555);
	}
	REQUIRE(pipe(fds) == 0);
	fflush(NULL);
	pid_t pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		struct child_report r = {0};
		close(fds[0]);
		if (root && (setgid(65534) != 0 || setuid(65534) != 0))
			_exit(4);
		r.status = store_open(file, &st);
		qc_strlcpy(r.msg, qc_errmsg(), sizeof(r.msg));
		r.status2 = store_open(newdir, &st);
		qc_strlcpy(r.msg2, qc_errmsg(), sizeof(r.msg2));
		report(fds[1], &r);
	}
	close(fds[1]);
	struct child_report r;
	bool ok = read_report(fds[0], pid, &r);
	chmod(root_dir, 0700);
	chmod(dir, 0700);
	chmod(file, 0600);
	free(root_dir);
	REQUIRE(ok);
	char want[1200];
	CHECK(r.status == QC_ERR_IO);
	snprintf(want, sizeof(want), "cannot open '%s' for reading and writing: permission denied",
		 file);
	CHECK_STR(r.msg, want);
	CHECK(r.status2 == QC_ERR_IO);
	snprintf(want, sizeof(want), "cannot create folder '%s/new': permission denied", dir);
	CHECK_STR(r.msg2, want);
}

/* ---- saving and loading -------------------------------------------------------------------- */

TEST(store_round_trip_every_field)
{
	const char *path = tmp_path("qc.db");
	struct qc_session s, back;
	store_t *st;

	rich_session(&s);
	REQUIRE_OK(store_open(path, &st));
	REQUIRE_OK(store_save_session(st, &s));
	CHECK(s.id == 1);
	REQUIRE_OK(store_load_session(st, s.id, &back));
	check_same_session(&s, &back);
	qc_session_release(&back);
	store_close(st);

	/* The same again through a new connection, and what sits in the columns. */
	REQUIRE_OK(store_open(path, &st));
	REQUIRE_OK(store_load_session(st, s.id, &back));
	check_same_session(&s, &back);
	qc_session_release(&back);
	store_close(st);
	sqlite3 *db = raw_open(path);
	CHECK(raw_int(db, "SELECT count(*) FROM measurements WHERE value IS NULL") == 2);
	CHECK(raw_int(db, "SELECT count(*) FROM measurements WHERE nominal IS NULL") == 5);
	CHECK(raw_int(db, "SELECT count(*) FROM measurements WHERE act_low IS NULL") == 3);
	CHECK(raw_int(db, "SELECT count(*) FROM measurements WHERE ref IS NULL") == 2);
	CHECK(raw_int(db, "SELECT count(*) FROM measurements WHERE tol_low IS NULL AND "
			  "tol_high IS NULL AND act_low IS NULL AND act_high IS NULL") == 2);
	CHECK(raw_int(db, "SELECT count(*) FROM measurements WHERE name = 'ssd_cm' AND ref = 0 "
			  "AND ref IS NOT NULL AND tol_low = -0.2") == 1);
	CHECK(raw_int(db, "SELECT length(data) < width * height FROM previews WHERE idx = 0") == 1);
	CHECK(raw_int(db, "SELECT supersedes IS NULL AND not_for_scheduling = 1 FROM sessions") ==
	      1);
	sqlite3_close(db);
	qc_session_release(&s);
}

TEST(store_round_trip_minimal_session)
{
	struct qc_session s, back;
	store_t *st;

	memset(&s, 0, sizeof(s));
	qc_strlcpy(s.test, "ups_check", sizeof(s.test));
	qc_strlcpy(s.completed_at, "2024-12-31 23:59:59", sizeof(s.completed_at));
	qc_strlcpy(s.operator_name, "bob", sizeof(s.operator_name));
	s.verdict = QC_V_NOT_DONE;
	REQUIRE_OK(store_open(tmp_path("qc.db"), &st));
	REQUIRE_OK(store_save_session(st, &s));
	REQUIRE_OK(store_load_session(st, s.id, &back));
	check_same_session(&s, &back);
	CHECK(back.rec == NULL && back.in == NULL && back.pv == NULL && back.ov == NULL);
	qc_session_release(&back);
	store_close(st);
}

TEST(store_save_writes_audit_row)
{
	const char *path = tmp_path("qc.db");
	struct qc_session s;
	store_t *st;

	rich_session(&s);
	REQUIRE_OK(store_open(path, &st));
	REQUIRE_OK(store_save_session(st, &s));
	store_close(st);
	sqlite3 *db = raw_open(path);
	sqlite3_stmt *stmt;
	REQUIRE(sqlite3_prepare_v2(db,
				   "SELECT who, action, session_id, detail, length(at), login "
				   "FROM audit WHERE action = 'save'",
				   -1, &stmt, NULL) == SQLITE_OK);
	REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
	CHECK_STR((const char *)sqlite3_column_text(stmt, 0), "Hélène O'Brien");
	CHECK(sqlite3_column_int64(stmt, 2) == s.id);
	CHECK_STR((const char *)sqlite3_column_text(stmt, 3),
		  "save session 1 (mv_field, 2 images, ACTION)");
	CHECK(sqlite3_column_int(stmt, 4) == 19);
	CHECK(sqlite3_column_text(stmt, 5) && sqlite3_column_text(stmt, 5)[0]);
	CHECK(sqlite3_step(stmt) == SQLITE_DONE);
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	qc_session_release(&s);
}

TEST(store_load_missing_session)
{
	struct qc_session s;
	store_t *st;

	REQUIRE_OK(store_open(tmp_path("qc.db"), &st));
	CHECK(store_load_session(st, 42, &s) == QC_ERR_NOT_FOUND);
	CHECK_STR(qc_errmsg(), "no session 42");
	CHECK(s.id == 0 && s.rec == NULL && s.comment == NULL);
	store_close(st);
}

TEST(store_save_refuses_invalid_sessions)
{
	const char *path = tmp_path("qc.db");
	struct qc_session s;
	store_t *st;
	int64_t n;

	REQUIRE_OK(store_open(path, &st));
	simple_session(&s, "daily", "2024-01-02 08:00:00", 2);
	s.operator_name[0] = '\0';
	CHECK(store_save_session(st, &s) == QC_ERR_INVALID);
	CHECK(strstr(qc_errmsg(), "the session has no operator"));
	qc_strlcpy(s.operator_name, "alice", sizeof(s.operator_name));
	qc_strlcpy(s.completed_at, "2024-01-02", sizeof(s.completed_at));
	CHECK(store_save_session(st, &s) == QC_ERR_INVALID);
	CHECK(strstr(qc_errmsg(), "completion time '2024-01-02' is not YYYY-MM-DD HH:MM:SS"));
	qc_strlcpy(s.completed_at, "2024-01-02 08:00:00", sizeof(s.completed_at));
	s.rec[1].m.value = NAN;
	CHECK(store_save_session(st, &s) == QC_ERR_INVALID);
	CHECK(strstr(qc_errmsg(), "measurement 'm1' of image 0 has a non-finite number"));
	s.rec[1].m.value = 1;
	add_input(&s, "/data/a.dcm", "1.2.3", "");
	s.in[0].sha256[0] = '\0'; /* read but not fingerprinted */
	CHECK(store_save_session(st, &s) == QC_ERR_INVALID);
	CHECKF(strstr(qc_errmsg(), "input 1 ('/data/a.dcm') has no SHA-256 fingerprint"), "%s",
	       qc_errmsg());
	qc_sha256_hex("x", 1, s.in[0].sha256);
	s.supersedes = 99;
	CHECK(store_save_session(st, &s) == QC_ERR_NOT_FOUND);
	CHECK(strstr(qc_errmsg(), "it corrects session 99, which does not exist"));
	CHECK(s.id == 0);
	REQUIRE_OK(store_count_sessions(st, &n));
	CHECK(n == 0);
	CHECK(path_int(path, "SELECT count(*) FROM audit WHERE action = 'save'") == 0);
	qc_session_release(&s);
	store_close(st);
}

TEST(store_correction_supersedes)
{
	struct qc_session s, back;
	store_t *st;
	int64_t first;

	REQUIRE_OK(store_open(tmp_path("qc.db"), &st));
	save_simple(st, "daily", "2024-01-02 08:00:00", 2, &first);
	simple_session(&s, "daily", "2024-01-02 08:00:00", 2);
	s.rec[0].m.value = 3.25;
	s.supersedes = first;
	REQUIRE_OK(store_save_session(st, &s));
	CHECK(store_save_session(st, &s) == QC_ERR_INVALID); /* the same session twice */
	CHECK(strstr(qc_errmsg(), "the session is already stored as session 2"));
	REQUIRE_OK(store_load_session(st, s.id, &back));
	CHECK(back.supersedes == first);
	CHECK(back.rec[0].m.value == 3.25);
	qc_session_release(&back);
	qc_session_release(&s);

	/* A session of another test cannot replace it. */
	simple_session(&s, "weekly", "2024-01-03 08:00:00", 2);
	s.supersedes = first;
	CHECK(store_save_session(st, &s) == QC_ERR_INVALID);
	CHECK(strstr(qc_errmsg(), "session 1 is a 'daily' session: a 'weekly' session cannot "
				  "correct it"));
	CHECK(s.id == 0);
	/* The technician reads the refusal in the interface language, context included. */
	t_speak_french();
	CHECK(store_save_session(st, &s) == QC_ERR_INVALID);
	static const char fr_head[] = "impossible d'enregistrer la séance weekly dans « ";
	CHECKF(!strncmp(qc_errmsg(), fr_head, sizeof(fr_head) - 1), "%s", qc_errmsg());
	CHECKF(strstr(qc_errmsg(), "qc.db » : la séance 1 est une séance « daily » : une séance "
				   "« weekly » ne peut pas la corriger"),
	       "%s", qc_errmsg());
	t_speak_english();
	CHECK(store_save_session(st, &s) == QC_ERR_INVALID);
	CHECKF(strstr(qc_errmsg(), "qc.db': session 1 is a 'daily' session: a 'weekly' session "
				   "cannot correct it"),
	       "%s", qc_errmsg());
	int64_t n;
	REQUIRE_OK(store_count_sessions(st, &n));
	CHECK(n == 2);
	qc_session_release(&s);
	store_close(st);
}

TEST(store_results_are_append_only)
{
	static const char *const sql[] = {
	    "UPDATE sessions SET verdict = 'OK'",
	    "DELETE FROM sessions",
	    "UPDATE measurements SET value = 0",
	    "DELETE FROM measurements",
	    "UPDATE inputs SET path = 'x'",
	    "DELETE FROM inputs",
	    "UPDATE previews SET width = 1",
	    "DELETE FROM previews",
	    "UPDATE overlays SET r = 0",
	    "DELETE FROM overlays",
	    "UPDATE reviews SET decision = 'approved'",
	    "DELETE FROM reviews",
	    "UPDATE audit SET who = 'mallory'",
	    "DELETE FROM audit",
	};
	const char *path = tmp_path("qc.db");
	struct qc_session s;
	store_t *st;

	rich_session(&s);
	REQUIRE_OK(store_open(path, &st));
	REQUIRE_OK(store_save_session(st, &s));
	store_close(st);
	sqlite3 *db = raw_open(path);
	REQUIRE(raw_exec(db, "INSERT INTO reviews (session_id, reviewer, at, decision) "
			     "VALUES (1, 'phys', '2024-03-06 09:00:00', 'rejected')") == SQLITE_OK);
	for (size_t i = 0; i < QC_ARRAY_LEN(sql); i++) {
		int rc = raw_exec(db, sql[i]);
		CHECKF(rc == SQLITE_CONSTRAINT_TRIGGER || rc == SQLITE_CONSTRAINT, "%s: %d", sql[i],
		       rc);
		CHECKF(strstr(sqlite3_errmsg(db), "append-only"), "%s: %s", sql[i],
		       sqlite3_errmsg(db));
	}
	CHECK(raw_int(db, "SELECT count(*) FROM measurements") == (long long)s.n_rec);
	CHECK(raw_int(db, "SELECT count(*) FROM audit") == SCHEMA + 1); /* migrations + save */
	CHECK(raw_int(db, "SELECT count(*) FROM sessions WHERE verdict = 'ACTION'") == 1);
	sqlite3_close(db);
	qc_session_release(&s);
}

TEST(store_save_is_all_or_nothing)
{
	const char *path = tmp_path("qc.db");
	struct qc_session s;
	store_t *st;
	int64_t n;

	REQUIRE_OK(store_open(path, &st));
	save_simple(st, "daily", "2024-01-02 08:00:00", 2, NULL);
	/* Another program makes the last part of the save fail, after the other rows went in. */
	sqlite3 *db = raw_open(path);
	REQUIRE(raw_exec(db, "CREATE TRIGGER fail_ov BEFORE INSERT ON overlays BEGIN "
			     "SELECT RAISE(ABORT, 'injected failure'); END") == SQLITE_OK);
	rich_session(&s);
	CHECK(store_save_session(st, &s) == QC_ERR_DB);
	CHECK(strstr(qc_errmsg(), "cannot save the mv_field session to '"));
	CHECK(strstr(qc_errmsg(), "cannot store overlay 1: injected failure"));
	CHECK(s.id == 0);
	REQUIRE_OK(store_count_sessions(st, &n));
	CHECK(n == 1);
	CHECK(raw_int(db, "SELECT count(*) FROM measurements") == 2);
	CHECK(raw_int(db, "SELECT count(*) FROM previews") == 0);
	CHECK(raw_int(db, "SELECT count(*) FROM audit WHERE action = 'save'") == 1);
	REQUIRE(raw_exec(db, "DROP TRIGGER fail_ov") == SQLITE_OK);
	sqlite3_close(db);
	REQUIRE_OK(store_save_session(st, &s));
	CHECK(s.id == 2);
	qc_session_release(&s);
	store_close(st);
}

TEST(store_damaged_preview_is_reported)
{
	const char *path = tmp_path("qc.db");
	unsigned char raw[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, z[64];
	uLongf zn = sizeof(z);
	struct qc_session s;
	store_t *st;
	int64_t id;

	REQUIRE_OK(store_open(path, &st));
	save_simple(st, "daily", "2024-01-02 08:00:00", 1, &id);
	/* A valid zlib stream that holds 10 bytes where the row says 4 x 5. */
	REQUIRE(compress2(z, &zn, raw, sizeof(raw), 6) == Z_OK);
	sqlite3 *db = raw_open(path);
	sqlite3_stmt *stmt;
	REQUIRE(sqlite3_prepare_v2(db, "INSERT INTO previews VALUES (?1, 0, 0, 4, 5, 0, 0, 1, ?2)",
				   -1, &stmt, NULL) == SQLITE_OK);
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_blob(stmt, 2, z, (int)zn, SQLITE_STATIC);
	CHECK(sqlite3_step(stmt) == SQLITE_DONE);
	sqlite3_finalize(stmt);
	sqlite3_close(db);

	CHECK(store_load_session(st, id, &s) == QC_ERR_FORMAT);
	CHECK(strstr(qc_errmsg(), "preview 1 of image 0: 10 pixels stored instead of 4x5"));
	CHECK(s.rec == NULL && s.pv == NULL);
	store_close(st);
}

/* ---- lists and scheduling ------------------------------------------------------------------ */

TEST(store_list_sessions_filters)
{
	struct store_row *rows;
	struct qc_session s;
	store_t *st;
	size_t n;
	int64_t count;

	REQUIRE_OK(store_open(tmp_path("qc.db"), &st));
	save_simple(st, "daily", "2024-01-02 08:00:00", 1, NULL);
	save_simple(st, "weekly", "2024-01-03 09:00:00", 1, NULL);
	save_simple(st, "daily", "2024-01-03 08:00:00", 1, NULL);
	simple_session(&s, "daily", "2024-01-04 08:00:00", 1);
	s.verdict = QC_V_TOL;
	qc_session_set_comment(&s, "à revoir");
	REQUIRE_OK(store_save_session(st, &s));
	qc_session_release(&s);

	REQUIRE_OK(store_list_sessions(st, NULL, NULL, 0, &rows, &n));
	REQUIRE(n == 4);
	CHECK(rows[0].id == 4 && rows[1].id == 2 && rows[2].id == 3 && rows[3].id == 1);
	CHECK_STR(rows[0].completed_at, "2024-01-04 08:00:00");
	CHECK_STR(rows[0].operator_name, "alice");
	CHECK_STR(rows[0].test, "daily");
	CHECK(rows[0].verdict == QC_V_TOL && rows[0].has_comment);
	CHECK(rows[1].verdict == QC_V_OK && !rows[1].has_comment);
	free(rows);

	REQUIRE_OK(store_list_sessions(st, "daily", "2024-01-03", 0, &rows, &n));
	CHECK(n == 2 && rows[0].id == 4 && rows[1].id == 3);
	free(rows);
	REQUIRE_OK(store_list_sessions(st, "daily", "", 1, &rows, &n));
	CHECK(n == 1 && rows[0].id == 4);
	free(rows);
	REQUIRE_OK(store_list_sessions(st, NULL, "2024-01-03T08:30", 0, &rows, &n));
	CHECK(n == 2 && rows[0].id == 4 && rows[1].id == 2);
	free(rows);
	REQUIRE_OK(store_list_sessions(st, "monthly", NULL, 0, &rows, &n));
	CHECK(n == 0 && rows == NULL);
	CHECK(store_list_sessions(st, NULL, "last week", 0, &rows, &n) == QC_ERR_INVALID);
	CHECK(strstr(qc_errmsg(), "bad date 'last week'"));
	REQUIRE_OK(store_count_sessions(st, &count));
	CHECK(count == 4);
	store_close(st);
}

TEST(store_last_done_skips_repeats_and_rejected)
{
	const char *path = tmp_path("qc.db");
	struct qc_session s;
	char when[20];
	store_t *st;
	int64_t id3, id4;

	REQUIRE_OK(store_open(path, &st));
	REQUIRE_OK(store_last_done(st, "daily", when));
	CHECK_STR(when, "");
	save_simple(st, "daily", "2024-01-02 08:00:00", 1, NULL);
	save_simple(st, "daily", "2024-01-03 08:00:00", 1, NULL);
	save_simple(st, "daily", "2024-01-04 08:00:00", 1, &id3);
	simple_session(&s, "daily", "2024-01-05 08:00:00", 1);
	s.not_for_scheduling = true;
	REQUIRE_OK(store_save_session(st, &s));
	id4 = s.id;
	qc_session_release(&s);
	save_simple(st, "weekly", "2024-01-06 08:00:00", 1, NULL);

	REQUIRE_OK(store_last_done(st, "daily", when));
	CHECK_STR(when, "2024-01-04 08:00:00");

	/* Reviews are written by raw SQL until the review feature lands. */
	sqlite3 *db = raw_open(path);
	char sql[256];
	snprintf(sql, sizeof(sql),
		 "INSERT INTO reviews (session_id, reviewer, at, decision) VALUES "
		 "(%lld, 'phys', '2024-01-05 10:00:00', 'rejected'), "
		 "(%lld, 'phys', '2024-01-05 10:00:00', 'approved')",
		 (long long)id3, (long long)id4);
	REQUIRE(raw_exec(db, sql) == SQLITE_OK);
	REQUIRE_OK(store_last_done(st, "daily", when));
	CHECK_STR(when, "2024-01-03 08:00:00");

	/* A later approval overrides the rejection. */
	snprintf(sql, sizeof(sql),
		 "INSERT INTO reviews (session_id, reviewer, at, decision) VALUES "
		 "(%lld, 'chief', '2024-01-06 10:00:00', 'approved')",
		 (long long)id3);
	REQUIRE(raw_exec(db, sql) == SQLITE_OK);
	sqlite3_close(db);
	REQUIRE_OK(store_last_done(st, "daily", when));
	CHECK_STR(when, "2024-01-04 08:00:00");
	REQUIRE_OK(store_last_done(st, "weekly", when));
	CHECK_STR(when, "2024-01-06 08:00:00");
	REQUIRE_OK(store_last_done(st, "monthly", when));
	CHECK_STR(when, "");
	store_close(st);
}

/* The plan of the query store_last_done runs (the due list asks it once a test). */
TEST(store_last_done_uses_index)
{
	store_t *st;
	char *plan;

	REQUIRE_OK(store_open(tmp_path("qc.db"), &st));
	REQUIRE_OK(store_last_done_plan(st, &plan));
	store_close(st);
	CHECKF(strstr(plan, "USING INDEX sessions_test_completed (test=?)"), "%s", plan);
	CHECKF(strstr(plan, "USING INDEX reviews_session"), "%s", plan);
	CHECKF(!strstr(plan, "TEMP B-TREE"), "%s", plan);
	free(plan);
}

/* ---- bad conditions ------------------------------------------------------------------------ */

TEST(store_busy_database_gives_busy_then_recovers)
{
	const char *path = tmp_path("qc.db");
	struct qc_session s;
	store_t *st;
	int64_t n;

	REQUIRE_OK(store_open(path, &st));
	save_simple(st, "daily", "2024-01-02 08:00:00", 1, NULL);
	store_set_busy_timeout(st, 200);

	/* A reader does not block the writer (WAL). */
	sqlite3 *other = raw_open(path);
	REQUIRE(raw_exec(other, "BEGIN") == SQLITE_OK);
	CHECK(raw_int(other, "SELECT count(*) FROM sessions") == 1);
	save_simple(st, "daily", "2024-01-03 08:00:00", 1, NULL);
	REQUIRE(raw_exec(other, "COMMIT") == SQLITE_OK);

	/* A writer holding its transaction longer than our patience does. */
	REQUIRE(raw_exec(other, "BEGIN IMMEDIATE") == SQLITE_OK);
	simple_session(&s, "daily", "2024-01-04 08:00:00", 3);
	CHECK(store_save_session(st, &s) == QC_ERR_BUSY);
	CHECKF(strstr(qc_errmsg(), "the database is locked by another user (gave up after 0.2 s)"),
	       "%s", qc_errmsg());
	CHECK(s.id == 0);
	t_speak_french();
	CHECK(store_save_session(st, &s) == QC_ERR_BUSY);
	CHECKF(strstr(qc_errmsg(), " : la base de données est verrouillée par un autre utilisateur "
				   "(abandon après 0.2 s)"),
	       "%s", qc_errmsg());
	t_speak_english();
	REQUIRE(raw_exec(other, "ROLLBACK") == SQLITE_OK);
	sqlite3_close(other);

	REQUIRE_OK(store_save_session(st, &s));
	CHECK(s.id == 3);
	REQUIRE_OK(store_count_sessions(st, &n));
	CHECK(n == 3);
	qc_session_release(&s);
	store_close(st);
}

/*
 * A full disk, simulated with a file size limit in a child: the save fails cleanly, a small
 * save afterwards still works, and what was saved before is intact.
 */
TEST(store_disk_full_keeps_earlier_sessions)
{
	const char *path = tmp_path("qc.db");
	struct qc_session before[3], s;
	store_t *st;
	int fds[2];

	REQUIRE_OK(store_open(path, &st));
	for (int i = 0; i < 3; i++) {
		rich_session(&before[i]);
		before[i].completed_at[9] = (char)('1' + i);
		REQUIRE_OK(store_save_session(st, &before[i]));
	}
	store_close(st);

	REQUIRE(pipe(fds) == 0);
	fflush(NULL);
	pid_t pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		struct child_report r = {0};
		struct rlimit lim = {256 * 1024, 256 * 1024};
		close(fds[0]);
		signal(SIGXFSZ, SIG_IGN);
		if (store_open(path, &st) != QC_OK || setrlimit(RLIMIT_FSIZE, &lim) != 0)
			_exit(4);
		rich_session(&s);
		for (int i = 0; i < 6; i++)
			add_preview(&s, i % 2, 400, 400, true); /* ~1 MB that does not compress */
		r.status = store_save_session(st, &s);
		qc_strlcpy(r.msg, qc_errmsg(), sizeof(r.msg));
		qc_session_release(&s);
		simple_session(&s, "after_full", "2024-03-09 10:00:00", 3);
		r.status2 = store_save_session(st, &s);
		qc_strlcpy(r.msg2, qc_errmsg(), sizeof(r.msg2));
		store_close(st);
		report(fds[1], &r);
	}
	close(fds[1]);
	struct child_report r;
	REQUIRE(read_report(fds[0], pid, &r));
	CHECKF(r.status == QC_ERR_FULL, "%s: %s", qc_status_name(r.status), r.msg);
	CHECKF(
	    strstr(r.msg, "disk full or file size limit reached (disk I/O error: file too large)"),
	    "%s", r.msg);
	CHECKF(r.status2 == QC_OK, "%s", r.msg2);

	REQUIRE_OK(store_open(path, &st));
	int64_t n;
	REQUIRE_OK(store_count_sessions(st, &n));
	CHECK(n == 4);
	for (int i = 0; i < 3; i++) {
		struct qc_session back;
		REQUIRE_OK(store_load_session(st, before[i].id, &back));
		check_same_session(&before[i], &back);
		qc_session_release(&back);
		qc_session_release(&before[i]);
	}
	char when[20];
	REQUIRE_OK(store_last_done(st, "after_full", when));
	CHECK_STR(when, "2024-03-09 10:00:00");
	store_close(st);
	sqlite3 *db = raw_open(path);
	sqlite3_stmt *stmt;
	REQUIRE(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &stmt, NULL) == SQLITE_OK);
	REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
	CHECK_STR((const char *)sqlite3_column_text(stmt, 0), "ok");
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	CHECK(path_int(path, "SELECT count(*) FROM previews") == 6);
}

static void writer(const char *path, int who, int fd) __attribute__((noreturn));
static void writer(const char *path, int who, int fd)
{
	struct child_report r = {0};
	store_t *st;
	char when[32];

	r.status = store_open(path, &st);
	for (int i = 0; !r.status && i < 200; i++) {
		struct qc_session s;
		snprintf(when, sizeof(when), "2024-%02d-%02d %02d:%02d:00", 1 + i % 12, 1 + i % 28,
			 who, i % 60);
		simple_session(&s, who ? "daily_b" : "daily_a", when, 6);
		r.status = store_save_session(st, &s);
		qc_session_release(&s);
	}
	qc_strlcpy(r.msg, qc_errmsg(), sizeof(r.msg));
	if (!r.status)
		store_close(st);
	report(fd, &r);
}

TEST(store_two_processes_write_concurrently)
{
	const char *path = tmp_path("shared/qc.db"); /* neither process finds the file there */
	pid_t pid[2];
	int fds[2][2];

	fflush(NULL);
	for (int k = 0; k < 2; k++) {
		REQUIRE(pipe(fds[k]) == 0);
		pid[k] = fork();
		REQUIRE(pid[k] >= 0);
		if (pid[k] == 0) {
			close(fds[k][0]);
			writer(path, k, fds[k][1]);
		}
		close(fds[k][1]);
	}
	for (int k = 0; k < 2; k++) {
		struct child_report r;
		bool ok = read_report(fds[k][0], pid[k], &r);
		CHECKF(ok && r.status == QC_OK, "writer %d: %s", k, r.msg);
	}
	sqlite3 *db = raw_open(path);
	CHECK(raw_int(db, "SELECT count(*) FROM sessions") == 400);
	CHECK(raw_int(db, "SELECT count(*) FROM sessions WHERE test = 'daily_a'") == 200);
	CHECK(raw_int(db, "SELECT count(*) FROM measurements") == 2400);
	CHECK(raw_int(db, "SELECT count(*) FROM sessions AS s WHERE (SELECT count(*) FROM "
			  "measurements AS m WHERE m.session_id = s.id) <> 6") == 0);
	CHECK(raw_int(db, "SELECT count(*) FROM audit WHERE action = 'save'") == 400);
	CHECK(raw_int(db, "SELECT count(*) FROM audit WHERE action = 'migrate'") == SCHEMA);
	sqlite3_close(db);
}
