/* bench_mr: speed of the PIQT report import and of the ACR phantom series (real files). */
#include <stdio.h>
#include <stdlib.h>

#include "../src/analysis/ana_int.h"
#include "bench.h"
#include "qc/dicom.h"

#define PIQT_TARGET_MS 10
#define ACR_TARGET_MS  200

BENCH(bench_mr_piqt, 40)
{
	(void)tmpdir;
	const char *path = bench_shared("mrl/piqt/unity_PIQT_report_2018-06.htm");
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "bench: cannot open %s\n", path);
		exit(1);
	}
	fseek(f, 0, SEEK_END);
	long len = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *html = qc_xmalloc((size_t)len);
	if (fread(html, 1, (size_t)len, f) != (size_t)len) {
		fprintf(stderr, "bench: cannot read %s\n", path);
		exit(1);
	}
	fclose(f);
	enum { N = 200 };
	double t[N];
	for (int i = 0; i < N; i++) {
		struct qc_result res;
		struct ana_piqt_meta meta;
		qc_result_init(&res, 0);
		double t0 = bench_now_ms();
		if (ana_piqt_parse(html, (size_t)len, &res, &meta)) {
			fprintf(stderr, "bench: %s\n", qc_errmsg());
			exit(1);
		}
		t[i] = bench_now_ms() - t0;
		qc_result_release(&res);
		ana_piqt_meta_release(&meta);
	}
	printf("PIQT report import (real Unity report, %ld bytes, 53 values):\n", len);
	bench_report("  parse", t, N, PIQT_TARGET_MS);
	free(html);
}

/* Loads and analyses one real series of 11 files, N times. */
static void acr_series(const char *vendor, const char *what)
{
	enum { N = 15 };
	double load[N], ana[N], both[N];
	for (int r = 0; r < N; r++) {
		struct qc_image img[11];
		const struct qc_image *p[11];
		double t0 = bench_now_ms();
		for (int i = 0; i < 11; i++) {
			char rel[128];
			snprintf(rel, sizeof(rel), "mr/hazen/acr/%s/%d.dcm", vendor, i);
			if (dcm_load(bench_shared(rel), &img[i])) {
				fprintf(stderr, "bench: %s\n", qc_errmsg());
				exit(1);
			}
			p[i] = &img[i];
		}
		double t1 = bench_now_ms();
		struct qc_result res;
		struct ana_context ctx = {0};
		qc_result_init(&res, 11);
		if (ana_find("acr")->run(p, 11, &ctx, &res)) {
			fprintf(stderr, "bench: %s\n", qc_errmsg());
			exit(1);
		}
		double t2 = bench_now_ms();
		load[r] = t1 - t0;
		ana[r] = t2 - t1;
		both[r] = t2 - t0;
		qc_result_release(&res);
		for (int i = 0; i < 11; i++)
			qc_image_release(&img[i]);
	}
	printf("ACR phantom series, %s:\n", what);
	bench_report("  dcm_load of the 11 files", load, N, 0);
	bench_report("  acr analysis", ana, N, 0);
	bench_report("  load + analyse", both, N, ACR_TARGET_MS);
}

BENCH(bench_mr_acr, 41)
{
	(void)tmpdir;
	acr_series("Siemens", "Siemens 11 x 256 x 256");
	acr_series("GE", "GE 11 x 512 x 512");
}
