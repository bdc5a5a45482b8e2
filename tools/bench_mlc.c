/* bench_mlc: speed of leaf_gap, mlc_slit and mvic_field (load + analyse, medians). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "phantom_mlc.h"
#include "qc/analysis.h"
#include "qc/catalog.h"
#include "qc/dicom.h"
#include "qc/run.h"

enum { N = 30 };

static void die_on(enum qc_status st)
{
	if (st) {
		fprintf(stderr, "bench: %s\n", qc_errmsg());
		exit(1);
	}
}

/* Median load and analysis times of one file by one analysis, with the test's context. */
static void time_one(const struct qc_catalog *cat, const char *test, const char *analysis,
		     const char *path, const char *what)
{
	double load[N], ana[N], both[N];
	struct ana_context ctx;
	cat_analysis_context(cat, cat_find_test(cat, test), &ctx);
	for (int i = 0; i < N; i++) {
		struct qc_image img;
		struct qc_result res;
		double t0 = bench_now_ms();
		die_on(dcm_load(path, &img));
		double t1 = bench_now_ms();
		const struct qc_image *imgs[] = {&img};
		qc_result_init(&res, 1);
		die_on(ana_find(analysis)->run(imgs, 1, &ctx, &res));
		double t2 = bench_now_ms();
		load[i] = t1 - t0;
		ana[i] = t2 - t1;
		both[i] = t2 - t0;
		qc_result_release(&res);
		qc_image_release(&img);
	}
	printf("%s:\n", what);
	bench_report("  dcm_load", load, N, 0);
	bench_report("  analysis", ana, N, 0);
	bench_report("  load + analyse", both, N, 10);
	if (!strcmp(analysis, "mvic_field"))
		bench_vs_pylinac(both, N, 100, "an open field");
}

static void write_slits(const char *path)
{
	static const double c[5] = {-34, -17, 0, 17, 34}, w[5] = {5, 5, 5, 5, 5};
	struct phm_spec s;
	phm_defaults(&s, PH_UNITY);
	phm_slits(&s, 27, 54, 5, c, w);
	unsigned short *raw = phm_render(&s);
	die_on(ph_write(path, &s.base, raw));
	free(raw);
}

BENCH(bench_mlc, 15)
{
	struct qc_catalog cat;
	char slit[1024];
	die_on(cat_load_default(&cat));
	char *leaf = qc_xstrdup(
	    bench_shared("mrl/mv/leaf_position_2025-11-13/1.3.46.423632.420000.1763039122.8.dcm"));
	char *leaf_err = qc_xstrdup(bench_shared(
	    "mrl/mv/leaf_position_errors_2025-11-13/1.3.46.423632.420000.1763039285.16.dcm"));
	char *field = qc_xstrdup(bench_shared("mrl/mv/field/square_50mm_offset_2025-09-17.dcm"));
	snprintf(slit, sizeof(slit), "%s/bench_slits.dcm", tmpdir);
	write_slits(slit);
	time_one(&cat, "leaf_position", "leaf_gap", leaf, "leaf_gap on a real Unity strip (clean)");
	time_one(&cat, "leaf_position", "leaf_gap", leaf_err,
		 "leaf_gap on a real Unity strip (staircases)");
	time_one(&cat, "mvic_slit", "mlc_slit", slit, "mlc_slit on five generated 5 mm slits");
	time_one(&cat, "mvic_field", "mvic_field", field, "mvic_field on the real Unity field");

	/* The whole weekly set as the program runs it: load, fingerprint, analyse, pictures,
	 * verdicts (the command adds process start and JSON output). */
	static const char *const names[5] = {"mvic_1.dcm", "mvic_2.dcm", "mvic_3.dcm", "mvic_4.dcm",
					     "mvic_5.dcm"};
	char paths[5][600];
	const char *pp[5];
	for (int i = 0; i < 5; i++) {
		snprintf(paths[i], sizeof(paths[i]), "sample-dicom/mvic/%s", names[i]);
		pp[i] = paths[i];
	}
	double set_ana[N], full[N];
	struct ana_context ctx;
	const struct qc_test *t = cat_find_test(&cat, "mvic_field");
	cat_analysis_context(&cat, t, &ctx);
	struct qc_image imgs[5];
	const struct qc_image *ip[5];
	for (int i = 0; i < 5; i++) {
		die_on(dcm_load(pp[i], &imgs[i]));
		ip[i] = &imgs[i];
	}
	for (int i = 0; i < N; i++) {
		struct qc_result res;
		qc_result_init(&res, 5);
		double t0 = bench_now_ms();
		die_on(ana_find("mvic_field")->run(ip, 5, &ctx, &res));
		set_ana[i] = bench_now_ms() - t0;
		qc_result_release(&res);
		struct run_request rq = {.cat = &cat, .test = t, .paths = pp, .n_paths = 5};
		struct qc_session s;
		t0 = bench_now_ms();
		die_on(run_analysis(&rq, &s));
		full[i] = bench_now_ms() - t0;
		qc_session_release(&s);
	}
	for (int i = 0; i < 5; i++)
		qc_image_release(&imgs[i]);
	puts("mvic_field on the 5-image sample set (JPEG-LS):");
	bench_report("  mvic_field analysis of the 5 images", set_ana, N, 0);
	bench_report("  run_analysis (load, sha256, pictures, verdicts)", full, N, 0);
	free(leaf);
	free(leaf_err);
	free(field);
	cat_release(&cat);
}
