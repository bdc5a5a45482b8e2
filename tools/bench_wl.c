/* bench_wl: speed of isocentre (Winston-Lutz) per image and per set, and of whole commands. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "phantom_wl.h"
#include "qc/analysis.h"
#include "qc/dicom.h"

#define TARGET_MS 10 /* load + analyse one 1024 x 1024 image (issue 3) */

static void die(void)
{
	fprintf(stderr, "bench: %s\n", qc_errmsg());
	exit(1);
}

/* Loads and analyses the n files as one set; returns load and total times. */
static void run_set(char **paths, int n, double *load, double *total)
{
	struct qc_image *img = qc_xcalloc((size_t)n, sizeof(*img));
	const struct qc_image **p = qc_xcalloc((size_t)n, sizeof(*p));
	struct ana_context ctx = {0};
	struct qc_result res;
	double t0 = bench_now_ms();
	for (int i = 0; i < n; i++) {
		if (dcm_load(paths[i], &img[i]))
			die();
		p[i] = &img[i];
	}
	double t1 = bench_now_ms();
	qc_result_init(&res, (size_t)n);
	if (ana_find("isocentre")->run(p, (size_t)n, &ctx, &res))
		die();
	*total = bench_now_ms() - t0;
	*load = t1 - t0;
	qc_result_release(&res);
	for (int i = 0; i < n; i++)
		qc_image_release(&img[i]);
	free(img);
	free(p);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The .dcm files of a folder, sorted (owned strings). */
static int list_dcm(const char *dir, char **out, int max)
{
	DIR *d = opendir(dir);
	int n = 0;
	if (!d) {
		fprintf(stderr, "bench: cannot open %s\n", dir);
		exit(1);
	}
	for (struct dirent *e; (e = readdir(d)) && n < max;)
		if (strstr(e->d_name, ".dcm"))
			out[n++] = qc_xasprintf("%s/%s", dir, e->d_name);
	closedir(d);
	qsort(out, (size_t)n, sizeof(char *), cmp_str);
	return n;
}

static void time_set(const char *what, char **paths, int n, double target)
{
	enum { N = 15 };
	double load[N], total[N], ana[N];
	for (int i = 0; i < N; i++) {
		run_set(paths, n, &load[i], &total[i]);
		ana[i] = total[i] - load[i];
	}
	printf("isocentre, %s:\n", what);
	bench_report("  dcm_load", load, N, 0);
	bench_report("  isocentre analysis", ana, N, 0);
	bench_report("  load + analyse", total, N, target);
	bench_vs_pylinac(total, N, 150.0 * n, "0.15 s per Winston-Lutz image");
}

BENCH(bench_isocentre, 31)
{
	char dir[1024], *paths[32];
	struct ph_spec base;
	ph_defaults(&base, PH_UNITY);
	snprintf(dir, sizeof(dir), "%s/wl", tmpdir);
	mkdir(dir, 0700);
	if (wl_write_set(dir, &base))
		die();
	int n = list_dcm(dir, paths, 32);
	time_set("one generated Unity image (1024 x 1024)", paths, 1, TARGET_MS);
	time_set("8 generated Unity images (one set)", paths, n, 0);
	for (int i = 0; i < n; i++)
		free(paths[i]);
	n = list_dcm(bench_shared("mv/pylinac/winston_lutz_demo"), paths, 32);
	time_set("pylinac demo, 17 images 384 x 512 without file meta", paths, n, 0);
	for (int i = 0; i < n; i++)
		free(paths[i]);
}

/* Milliseconds to run build/unityqc with args, output discarded. */
static double command_ms(char *const argv[])
{
	fflush(stdout); /* else the child writes the parent's pending output again */
	double t0 = bench_now_ms();
	pid_t pid = fork();
	if (pid == 0) {
		if (!freopen("/dev/null", "w", stdout))
			_exit(127);
		execv(argv[0], argv);
		_exit(127);
	}
	int status = 0;
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		fprintf(stderr, "bench: %s failed\n", argv[0]);
		exit(1);
	}
	return bench_now_ms() - t0;
}

BENCH(bench_pf_wl_commands, 32)
{
	enum { N = 9 };
	double t[N];
	char pf[1100], wl[1100];
	snprintf(pf, sizeof(pf), "%s/pf/picket_fence.dcm", tmpdir);
	snprintf(wl, sizeof(wl), "%s/wl", tmpdir);
	char *a[] = {"build/unityqc", "analyze", "picket_fence", pf, "--json", NULL};
	char *b[] = {"build/unityqc", "analyze", "isocentre", wl, "--json", NULL};
	char *c[] = {"build/unityqc", "analyze",
		     "isocentre",     (char *)bench_shared("mv/pylinac/winston_lutz_demo"),
		     "--json",	      NULL};
	struct stat st;
	if (stat(pf, &st) || stat(wl, &st)) {
		printf(
		    "whole commands: skipped (run with the picket fence and isocentre benches)\n");
		return;
	}
	printf("whole commands (process start included):\n");
	for (int i = 0; i < N; i++)
		t[i] = command_ms(a);
	bench_report("  unityqc analyze picket_fence (Unity fence)", t, N, 0);
	for (int i = 0; i < N; i++)
		t[i] = command_ms(b);
	bench_report("  unityqc analyze isocentre (8 Unity images)", t, N, 0);
	for (int i = 0; i < N; i++)
		t[i] = command_ms(c);
	bench_report("  unityqc analyze isocentre (pylinac demo, 17)", t, N, 0);
}
