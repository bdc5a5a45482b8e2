/* Benchmarks: BENCH() registers a function, bench_report() prints medians for `make bench`. */
#ifndef QC_BENCH_H
#define QC_BENCH_H

typedef void (*bench_fn)(const char *tmpdir);
void bench_register(const char *name, bench_fn fn, int order);
double bench_now_ms(void);
/* Sorts t[0..n-1] and prints its median, min and max (and the target when > 0). */
void bench_report(const char *what, double *t, int n, double target_ms);
/* After bench_report on t: how many times faster the median is than pylinac's figure for the
 * same work, as issue 3 gives it for this kind of machine (the aim there is 20 times). */
void bench_vs_pylinac(const double *t, int n, double pylinac_ms, const char *what);
/* Milliseconds from starting `build/unityqc ARGS` in a 100 x 30 pseudo-terminal to its drawn
 * checklist. */
double bench_tui_start(char *const argv[]);
/* Path of a file under ../shared/data (QC_SHARED_DATA overrides). */
const char *bench_shared(const char *rel);

/* Benchmarks run by increasing order, then name. */
#define BENCH(name, order)                                                                         \
	static void name(const char *tmpdir);                                                      \
	__attribute__((constructor)) static void reg_##name(void)                                  \
	{                                                                                          \
		bench_register(#name, name, order);                                                \
	}                                                                                          \
	static void name(const char *tmpdir)

#endif
