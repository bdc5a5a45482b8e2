/* bench: speed figures of the hot paths (median of repeated runs), printed for `make bench`. */
#include <errno.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "phantom.h"
#include "qc/analysis.h"
#include "qc/catalog.h"
#include "qc/dicom.h"
#include "qc/preview.h"
#include "qc/run.h"

struct bench {
	const char *name;
	bench_fn fn;
	int order;
};
static struct bench benches[64];
static int n_benches;

void bench_register(const char *name, bench_fn fn, int order)
{
	if (n_benches < 64)
		benches[n_benches++] = (struct bench){name, fn, order};
}

double bench_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_bench(const void *a, const void *b)
{
	const struct bench *x = a, *y = b;
	return x->order != y->order ? x->order - y->order : strcmp(x->name, y->name);
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

void bench_vs_pylinac(const double *t, int n, double pylinac_ms, const char *what)
{
	printf("    %.0f times faster than pylinac (%s: about %g ms)\n", pylinac_ms / t[n / 2],
	       what, pylinac_ms);
}

void bench_report(const char *what, double *t, int n, double target_ms)
{
	qsort(t, (size_t)n, sizeof(*t), cmp);
	printf("%-52s median %8.2f ms  min %8.2f  max %8.2f  (n=%d", what, t[n / 2], t[0], t[n - 1],
	       n);
	if (target_ms > 0)
		printf(", target < %g ms", target_ms);
	printf(")\n");
}

const char *bench_shared(const char *rel)
{
	static char buf[1024];
	const char *root = getenv("QC_SHARED_DATA");
	snprintf(buf, sizeof(buf), "%s/%s", root ? root : "../shared/data", rel);
	return buf;
}

BENCH(bench_mv_field, 10)
{
	struct qc_catalog catalog, *cat = &catalog;
	(void)tmpdir;
	if (cat_load_default(cat)) {
		fprintf(stderr, "bench: %s\n", qc_errmsg());
		exit(1);
	}
	enum { N = 30 };
	double load[N], ana[N], both[N], full[N];
	const char *path =
	    qc_xstrdup(bench_shared("mrl/mv/field/square_50mm_offset_2025-09-17.dcm"));
	const struct qc_test *t = cat_find_test(cat, "mvic_field");
	struct ana_context ctx;
	cat_analysis_context(cat, t, &ctx);
	for (int i = 0; i < N; i++) {
		struct qc_image img;
		struct qc_result res;
		double t0 = bench_now_ms();
		if (dcm_load(path, &img)) {
			fprintf(stderr, "bench: %s\n", qc_errmsg());
			exit(1);
		}
		double t1 = bench_now_ms();
		const struct qc_image *imgs[] = {&img};
		qc_result_init(&res, 1);
		if (ana_find("mv_field")->run(imgs, 1, &ctx, &res)) {
			fprintf(stderr, "bench: %s\n", qc_errmsg());
			exit(1);
		}
		double t2 = bench_now_ms();
		load[i] = t1 - t0;
		ana[i] = t2 - t1;
		both[i] = t2 - t0;
		qc_result_release(&res);
		qc_image_release(&img);

		struct run_request rq = {.cat = cat, .test = t, .paths = &path, .n_paths = 1};
		struct qc_session s;
		t0 = bench_now_ms();
		if (run_analysis(&rq, &s)) {
			fprintf(stderr, "bench: %s\n", qc_errmsg());
			exit(1);
		}
		full[i] = bench_now_ms() - t0;
		qc_session_release(&s);
	}
	puts("mv_field on the real Unity field (1024 x 1024, 16 bit):");
	bench_report("  dcm_load", load, N, 0);
	bench_report("  mv_field analysis", ana, N, 10);
	bench_report("  load + analyse", both, N, 20);
	bench_vs_pylinac(both, N, 100, "an open field");
	bench_report("  run_analysis (+ sha256, picture, verdicts)", full, N, 0);
	free((void *)path);
	cat_release(cat);
}

/* Writes n small DICOM files in series of 20 into dir. */
static void make_folder(const char *dir, int n)
{
	struct ph_spec s;
	ph_defaults(&s, PH_GENERIC);
	s.cols = s.rows = 64;
	s.readout_last = 63;
	s.iso_col = s.iso_row = 31.5;
	unsigned short *raw = ph_render(&s, NULL);
	mkdir(dir, 0700);
	for (int i = 0; i < n; i++) {
		char path[1100], sub[1000], series[80];
		snprintf(sub, sizeof(sub), "%s/s%02d", dir, i / 100);
		mkdir(sub, 0700);
		snprintf(path, sizeof(path), "%s/img%04d.dcm", sub, i);
		snprintf(series, sizeof(series), "1.2.826.0.1.3680043.10.1138.9.%d", i / 20);
		s.series_uid = series;
		s.instance_number = i % 20 + 1;
		if (ph_write(path, &s, raw)) {
			fprintf(stderr, "bench: %s\n", qc_errmsg());
			exit(1);
		}
	}
	free(raw);
}

BENCH(bench_scan, 20)
{
	const char *tmp = tmpdir;
	enum { N = 7, FILES = 1000 };
	double t[N];
	char dir[512];
	snprintf(dir, sizeof(dir), "%s/scan", tmp);
	make_folder(dir, FILES);
	size_t series = 0;
	for (int i = 0; i < N; i++) {
		struct dcm_scan scan;
		double t0 = bench_now_ms();
		if (dcm_scan_dir(dir, &scan, NULL, NULL)) {
			fprintf(stderr, "bench: %s\n", qc_errmsg());
			exit(1);
		}
		t[i] = bench_now_ms() - t0;
		series = scan.n_series;
		dcm_scan_release(&scan);
	}
	printf("folder scan, %d DICOM files in 10 folders (headers only), %zu series:\n", FILES,
	       series);
	bench_report("  dcm_scan_dir", t, N, 1000);
	char real[1100];
	snprintf(real, sizeof(real), "%s", bench_shared("mrl/mv"));
	for (int i = 0; i < N; i++) {
		struct dcm_scan scan;
		double t0 = bench_now_ms();
		if (dcm_scan_dir(real, &scan, NULL, NULL)) {
			fprintf(stderr, "bench: %s\n", qc_errmsg());
			exit(1);
		}
		t[i] = bench_now_ms() - t0;
		dcm_scan_release(&scan);
	}
	bench_report("  dcm_scan_dir of shared/data/mrl/mv (13 files, 2 MB)", t, N, 0);
}

/* Runs argv in a pseudo-terminal; milliseconds until `marker` appears on it (-1 on failure). */
static double time_to_screen(char *const argv[], const char *marker)
{
	int master;
	struct winsize ws = {.ws_row = 30, .ws_col = 100};
	double t0 = bench_now_ms();
	pid_t pid = forkpty(&master, NULL, NULL, &ws);
	if (pid < 0)
		return -1;
	if (pid == 0) {
		setenv("TERM", "xterm-256color", 1);
		execv(argv[0], argv);
		_exit(127);
	}
	char buf[65536];
	size_t have = 0;
	double t = -1;
	while (bench_now_ms() - t0 < 5000) {
		struct pollfd pfd = {.fd = master, .events = POLLIN};
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		ssize_t n = read(master, buf + have, sizeof(buf) - 1 - have);
		if (n <= 0)
			break;
		have += (size_t)n;
		buf[have] = '\0';
		if (strstr(buf, marker)) {
			t = bench_now_ms() - t0;
			break;
		}
		if (have > sizeof(buf) / 2) {
			memmove(buf, buf + have / 2, have - have / 2);
			have -= have / 2;
		}
	}
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	close(master);
	return t;
}

double bench_tui_start(char *const argv[])
{
	double t = time_to_screen(argv, "to do");
	if (t < 0) {
		fprintf(stderr, "bench: the checklist never appeared\n");
		exit(1);
	}
	return t;
}

BENCH(bench_tui, 90)
{
	const char *tmp = tmpdir;
	enum { N = 15 };
	double t[N];
	char db[600], bin[] = "build/unityqc";
	snprintf(db, sizeof(db), "%s/tui.db", tmp);
	char *argv[] = {bin, "--db", db, "--lang", "en", NULL};
	for (int i = 0; i < N; i++) {
		t[i] = time_to_screen(argv, "to do");
		if (t[i] < 0) {
			fprintf(stderr, "bench: the checklist never appeared\n");
			exit(1);
		}
	}
	puts("TUI (100 x 30 pseudo-terminal):");
	bench_report("  start to first drawn checklist", t, N, 100);
}

int main(int argc, char **argv)
{
	const char *tmp = argc > 1 ? argv[1] : "/tmp";
	if (dcm_init()) {
		fprintf(stderr, "bench: %s\n", qc_errmsg());
		return 1;
	}
	qsort(benches, (size_t)n_benches, sizeof(*benches), cmp_bench);
	for (int i = 0; i < n_benches; i++)
		if (argc < 3 || strstr(benches[i].name, argv[2]))
			benches[i].fn(tmp);
	dcm_cleanup();
	return 0;
}
