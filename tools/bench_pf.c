/* bench_pf: speed of picket_fence, load + analyse, on generated and real fences. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bench.h"
#include "phantom_pf.h"
#include "qc/analysis.h"
#include "qc/dicom.h"

#define TARGET_MS 10 /* load + analyse one 1024 x 1024 image (issue 3) */

static void die(void)
{
	fprintf(stderr, "bench: %s\n", qc_errmsg());
	exit(1);
}

/* N loads and analyses of one file; prints load, analysis and both. */
static void time_file(const char *what, const char *path, const struct qc_machine *m)
{
	enum { N = 30 };
	double load[N], ana[N], both[N];
	struct ana_context ctx = {.machines = m, .n_machines = 1};
	for (int i = 0; i < N; i++) {
		struct qc_image img;
		struct qc_result res;
		double t0 = bench_now_ms();
		if (dcm_load(path, &img))
			die();
		double t1 = bench_now_ms();
		const struct qc_image *imgs[] = {&img};
		qc_result_init(&res, 1);
		if (ana_find("picket_fence")->run(imgs, 1, &ctx, &res))
			die();
		double t2 = bench_now_ms();
		load[i] = t1 - t0;
		ana[i] = t2 - t1;
		both[i] = t2 - t0;
		qc_result_release(&res);
		qc_image_release(&img);
	}
	printf("picket_fence, %s:\n", what);
	bench_report("  dcm_load", load, N, 0);
	bench_report("  picket_fence analysis", ana, N, 0);
	bench_report("  load + analyse", both, N, TARGET_MS);
	bench_vs_pylinac(both, N, 200, "a picket fence, 0.2 to 0.4 s");
}

BENCH(bench_picket_fence, 30)
{
	char dir[1024], path[1100];
	struct ph_spec base;
	struct qc_machine unity, varian, mlci2;
	pf_machine(&unity, PH_UNITY);
	pf_machine(&varian, PH_GENERIC);
	memset(&mlci2, 0, sizeof(mlci2));
	snprintf(mlci2.id, sizeof(mlci2.id), "mlci2");
	snprintf(mlci2.match_model, sizeof(mlci2.match_model),
		 "Elekta iView Electronic Portal Imaging");
	mlci2.leaf_pairs = 40;
	mlci2.leaf_boundary = 20;
	mlci2.leaf_travel = 'x';
	for (int i = 0; i < 40; i++)
		mlci2.leaf_widths_mm[i] = 10;
	snprintf(varian.match_model, sizeof(varian.match_model), "MOSAIQ");

	ph_defaults(&base, PH_UNITY);
	snprintf(dir, sizeof(dir), "%s/pf", tmpdir);
	mkdir(dir, 0700);
	if (pf_write_set(dir, &base))
		die();
	snprintf(path, sizeof(path), "%s/picket_fence.dcm", dir);
	time_file("generated Unity fence (1024 x 1024, 8 pickets x 30 pairs)", path, &unity);
	time_file("pylinac iViewGT (1024 x 1024, 9 pickets x 24 pairs)",
		  bench_shared("mv/pylinac/picket_fence_elekta_iviewgt.dcm"), &mlci2);
	time_file("pylinac demo (1024 x 768, 10 pickets x 58 pairs)",
		  bench_shared("mv/pylinac/picket_fence_demo_LR.dcm"), &varian);
}
