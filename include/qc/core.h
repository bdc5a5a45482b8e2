/* Core services shared by every module: status codes, error messages, memory, strings. */
#ifndef QC_CORE_H
#define QC_CORE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define QC_VERSION "0.1.0"

/* What a fallible function returns; the message with context is in qc_errmsg(). */
enum qc_status {
	QC_OK = 0,
	QC_ERR_IO,	    /* cannot open, read or write a file */
	QC_ERR_FORMAT,	    /* the content is malformed (corrupt, truncated, bad value) */
	QC_ERR_UNSUPPORTED, /* valid but not handled here (e.g. JPEG 2000) */
	QC_ERR_INVALID,	    /* a bad argument or a bad value typed by the user */
	QC_ERR_NOT_FOUND,   /* no such file, test, session ... */
	QC_ERR_ANALYSIS,    /* the image does not look like what the analysis expects */
	QC_ERR_DB,	    /* database error */
	QC_ERR_BUSY,	    /* database locked by another user for too long */
	QC_ERR_FULL,	    /* disk full */
};

const char *qc_status_name(enum qc_status st);

/*
 * Records a message (printf format, lower case, no final period) as the last error of this
 * thread and returns st, so that callers can write `return qc_fail(QC_ERR_IO, "...")`.
 */
enum qc_status qc_fail(enum qc_status st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Prefixes the current message with more context: "loading 'x.dcm': <old message>". */
enum qc_status qc_fail_context(enum qc_status st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
const char *qc_errmsg(void); /* borrowed; valid until the next qc_fail on this thread */
void qc_clear_error(void);

/*
 * Fatal path for out-of-memory and broken invariants only. Runs the hook (the TUI restores the
 * terminal there), prints the message and exits with status 70.
 */
void qc_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void qc_set_die_hook(void (*hook)(void));

void *qc_xmalloc(size_t n);		 /* owned: free() */
void *qc_xcalloc(size_t n, size_t size); /* owned: free() */
/* For buffers of megabytes (image pixels), aligned for large pages; owned: free(). */
void *qc_xmalloc_big(size_t n);
void *qc_xrealloc(void *p, size_t n); /* owned: free() */
char *qc_xstrdup(const char *s);      /* owned: free(); NULL gives NULL */
char *qc_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2))); /* owned */

/* Grows *arr (element size elem) so that it holds at least need elements. */
void qc_grow(void *arr, size_t *cap, size_t need, size_t elem);

/* Copies src into dst of size n, always terminated; returns false when truncated. */
bool qc_strlcpy(char *dst, const char *src, size_t n);
/* Trims leading and trailing blanks in place; returns s. */
char *qc_trim(char *s);
bool qc_streq_nocase(const char *a, const char *b);
bool qc_starts_with(const char *s, const char *prefix);
/* Parses a whole string as a finite double (after trimming); false on any trailing garbage. */
bool qc_parse_double(const char *s, double *out);
bool qc_parse_int(const char *s, long *out);

/* A growable string buffer. */
struct qc_buf {
	char *s; /* owned; always terminated once anything was added */
	size_t len, cap;
};
void qc_buf_add(struct qc_buf *b, const char *s);
void qc_buf_addn(struct qc_buf *b, const char *s, size_t n);
void qc_buf_addf(struct qc_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void qc_buf_release(struct qc_buf *b);
char *qc_buf_detach(struct qc_buf *b); /* owned: free() */

/*
 * A measured value for people: two decimals from 1 up, three below 1, two significant digits
 * below 0.01 (ghosting percentages), one decimal from 1000, integers for unit-less counts.
 */
void qc_format_value(double v, const char *unit, char *buf, size_t n);

/* A system or library message in house style, lower case first ("no such file or directory");
 * the text lives until the next call in the same thread. */
const char *qc_lower_first(const char *text);
const char *qc_errno_text(int e); /* strerror(e), lower case first */

/* SHA-256 of a whole file as 64 lower-case hex digits plus terminator. */
enum qc_status qc_sha256_file(const char *path, char hex[65]);
void qc_sha256_hex(const void *data, size_t len, char hex[65]);

/* Writes a JSON string literal (quotes and escapes included). */
void qc_json_str(struct qc_buf *b, const char *s);
/* Writes a number with enough digits, or null when has_value is false or the value is not finite.
 */
void qc_json_num(struct qc_buf *b, double v, bool has_value);

/*
 * Calls fn(ud, i) once for every i in [0, n), on up to one thread per core (the calling thread
 * included), and returns when all are done. fn must not share unprotected state between indices;
 * error messages (qc_errmsg) are per thread.
 */
void qc_parallel_for(size_t n, void (*fn)(void *ud, size_t i), void *ud);

#define QC_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
