/* A small unit-test harness: TEST() registers, CHECK*() record failures, REQUIRE() stops a test. */
#ifndef QC_TEST_H
#define QC_TEST_H

#include <math.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

typedef void (*t_fn)(void);
void t_register(const char *name, t_fn fn, const char *file);
void t_fail(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
extern jmp_buf t_abort;
/* Path of a file under ../shared/data (fails the test loudly when the folder is missing). */
const char *t_shared(const char *rel);
/* A fresh temporary folder for this test (removed at exit). */
const char *t_tmpdir(void);
/* The interface language for what follows: French from the current po/fr.po (compiled once),
 * English (the default of the tests). */
void t_speak_french(void);
void t_speak_english(void);

#define TEST(name)                                                                                 \
	static void name(void);                                                                    \
	__attribute__((constructor)) static void reg_##name(void)                                  \
	{                                                                                          \
		t_register(#name, name, __FILE__);                                                 \
	}                                                                                          \
	static void name(void)

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c))                                                                          \
			t_fail(__FILE__, __LINE__, "%s", #c);                                      \
	} while (0)
#define CHECKF(c, ...)                                                                             \
	do {                                                                                       \
		if (!(c))                                                                          \
			t_fail(__FILE__, __LINE__, __VA_ARGS__);                                   \
	} while (0)
#define REQUIRE(c)                                                                                 \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			t_fail(__FILE__, __LINE__, "required: %s", #c);                            \
			longjmp(t_abort, 1);                                                       \
		}                                                                                  \
	} while (0)
#define REQUIRE_OK(expr)                                                                           \
	do {                                                                                       \
		enum qc_status st_ = (expr);                                                       \
		if (st_ != QC_OK) {                                                                \
			t_fail(__FILE__, __LINE__, "%s: %s", #expr, qc_errmsg());                  \
			longjmp(t_abort, 1);                                                       \
		}                                                                                  \
	} while (0)
#define CHECK_NEAR(a, b, tol)                                                                      \
	do {                                                                                       \
		double a_ = (a), b_ = (b);                                                         \
		if (!(fabs(a_ - b_) <= (tol)))                                                     \
			t_fail(__FILE__, __LINE__, "%s = %.4f, expected %.4f ± %g", #a, a_, b_,    \
			       (double)(tol));                                                     \
	} while (0)
/*
 * A regression pin: the code's own earlier reading of an input with neither truth nor an
 * agreeing peer value. It catches a silent drift, it does not say the value is right; keep it
 * apart from CHECK_NEAR against truth or peers, and say in a comment where the value came from.
 */
#define CHECK_PIN(a, pinned, tol)                                                                  \
	do {                                                                                       \
		double a_ = (a), b_ = (pinned);                                                    \
		if (!(fabs(a_ - b_) <= (tol)))                                                     \
			t_fail(__FILE__, __LINE__,                                                 \
			       "regression pin: %s = %.4f, earlier reading %.4f ± %g (not truth)", \
			       #a, a_, b_, (double)(tol));                                         \
	} while (0)
#define CHECK_STR(a, b)                                                                            \
	do {                                                                                       \
		const char *a_ = (a), *b_ = (b);                                                   \
		if (!a_ || strcmp(a_, b_) != 0)                                                    \
			t_fail(__FILE__, __LINE__, "%s = \"%s\", expected \"%s\"", #a,             \
			       a_ ? a_ : "(null)", b_);                                            \
	} while (0)

#endif
