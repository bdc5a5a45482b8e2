/* bench_mr2: speed of the MagNET-style MR analyses on hazen's real images (analysis only). */
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"
#include "qc/analysis.h"
#include "qc/dicom.h"

#define TARGET_MS 50 /* per image or image pair (issue 4: keep well under the ACR's 200 ms) */

static void load(const char *rel, struct qc_image *img)
{
	if (dcm_load(bench_shared(rel), img)) {
		fprintf(stderr, "bench: %s\n", qc_errmsg());
		exit(1);
	}
}

static void time_analysis(const char *id, const char *what, const char *a, const char *b)
{
	enum { N = 30 };
	struct qc_image img[2];
	const struct qc_image *imgs[2] = {&img[0], &img[1]};
	size_t n = b ? 2 : 1;
	load(a, &img[0]);
	if (b)
		load(b, &img[1]);
	double t[N];
	for (int i = 0; i < N; i++) {
		struct qc_result res;
		qc_result_init(&res, n);
		double t0 = bench_now_ms();
		if (ana_find(id)->run(imgs, n, NULL, &res)) {
			fprintf(stderr, "bench: %s: %s\n", id, qc_errmsg());
			exit(1);
		}
		t[i] = bench_now_ms() - t0;
		qc_result_release(&res);
	}
	char label[96];
	snprintf(label, sizeof(label), "  %s, %s", id, what);
	bench_report(label, t, N, TARGET_MS);
	for (size_t i = 0; i < n; i++)
		qc_image_release(&img[i]);
}

BENCH(bench_mr2, 40)
{
	(void)tmpdir;
	puts("MagNET-style MR analyses on hazen's images (analysis only, files loaded once):");
	time_analysis("mr_snr", "Siemens pair 256", "mr/hazen/snr/Siemens/tra_250_2meas_1.IMA",
		      "mr/hazen/snr/Siemens/tra_250_2meas_2.IMA");
	time_analysis("mr_uniformity", "sagittal 256", "mr/hazen/uniformity/sag.dcm", NULL);
	time_analysis("mr_ghosting", "Philips 352", "mr/hazen/ghosting/GHOSTING/IM_0001.dcm", NULL);
	time_analysis("mr_slice_width", "Canon 512", "mr/hazen/slicewidth/512_matrix/512_matrix",
		      NULL);
	time_analysis("mr_resolution", "Skyra 512",
		      "mr/hazen/resolution/RESOLUTION/ax_512_resolution.dcm", NULL);
}
