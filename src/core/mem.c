/* Allocation that dies on out-of-memory, strings, and a growable buffer. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>

#include "qc/core.h"

void *qc_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		qc_die("out of memory (%zu bytes)", n);
	return p;
}

void *qc_xmalloc_big(size_t n)
{
	enum { HUGE = 2 << 20 };
	if (n < HUGE)
		return qc_xmalloc(n);
	void *p = NULL;
	if (posix_memalign(&p, HUGE, n) != 0 || !p)
		qc_die("out of memory (%zu bytes)", n);
	/* Touched once from end to end: 2 MB pages take 512 times fewer page faults (each costs
	 * microseconds in a virtual machine). Only a hint; ignored where unsupported. */
	madvise(p, n - n % HUGE, MADV_HUGEPAGE);
	return p;
}

void *qc_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		qc_die("out of memory (%zu x %zu bytes)", n, size);
	return p;
}

void *qc_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		qc_die("out of memory (%zu bytes)", n);
	return q;
}

char *qc_xstrdup(const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s) + 1;
	return memcpy(qc_xmalloc(n), s, n);
}

char *qc_xasprintf(const char *fmt, ...)
{
	struct qc_buf b = {0};
	va_list ap;
	va_start(ap, fmt);
	char tmp[256];
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		qc_die("bad format string");
	if ((size_t)n < sizeof(tmp))
		return qc_xstrdup(tmp);
	b.s = qc_xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(b.s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return b.s;
}

void qc_grow(void *arr, size_t *cap, size_t need, size_t elem)
{
	void **p = arr;
	if (need <= *cap)
		return;
	size_t n = *cap ? *cap : 8;
	while (n < need)
		n *= 2;
	*p = qc_xrealloc(*p, n * elem);
	*cap = n;
}

bool qc_strlcpy(char *dst, const char *src, size_t n)
{
	size_t len = src ? strlen(src) : 0;
	if (!n)
		return len == 0;
	size_t c = len < n - 1 ? len : n - 1;
	if (c)
		memcpy(dst, src, c);
	dst[c] = '\0';
	return c == len;
}

char *qc_trim(char *s)
{
	char *start = s;
	while (*start && isspace((unsigned char)*start))
		start++;
	size_t len = strlen(start);
	while (len && isspace((unsigned char)start[len - 1]))
		len--;
	memmove(s, start, len);
	s[len] = '\0';
	return s;
}

bool qc_streq_nocase(const char *a, const char *b)
{
	return a && b && strcasecmp(a, b) == 0;
}

bool qc_starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool qc_parse_double(const char *s, double *out)
{
	char *end;
	while (isspace((unsigned char)*s))
		s++;
	if (!*s)
		return false;
	errno = 0;
	double v = strtod(s, &end);
	if (errno == ERANGE || end == s || !isfinite(v))
		return false;
	while (isspace((unsigned char)*end))
		end++;
	if (*end)
		return false;
	*out = v;
	return true;
}

bool qc_parse_int(const char *s, long *out)
{
	char *end;
	while (isspace((unsigned char)*s))
		s++;
	if (!*s)
		return false;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno == ERANGE || end == s)
		return false;
	while (isspace((unsigned char)*end))
		end++;
	if (*end)
		return false;
	*out = v;
	return true;
}

void qc_buf_addn(struct qc_buf *b, const char *s, size_t n)
{
	qc_grow(&b->s, &b->cap, b->len + n + 1, 1);
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void qc_buf_add(struct qc_buf *b, const char *s)
{
	qc_buf_addn(b, s, strlen(s));
}

void qc_buf_addf(struct qc_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		qc_die("bad format string");
	qc_grow(&b->s, &b->cap, b->len + (size_t)n + 1, 1);
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void qc_buf_release(struct qc_buf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
}

char *qc_buf_detach(struct qc_buf *b)
{
	char *s = b->s ? b->s : qc_xstrdup("");
	b->s = NULL;
	b->len = b->cap = 0;
	return s;
}

void qc_json_str(struct qc_buf *b, const char *s)
{
	qc_buf_add(b, "\"");
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		switch (*p) {
		case '"': qc_buf_add(b, "\\\""); break;
		case '\\': qc_buf_add(b, "\\\\"); break;
		case '\n': qc_buf_add(b, "\\n"); break;
		case '\r': qc_buf_add(b, "\\r"); break;
		case '\t': qc_buf_add(b, "\\t"); break;
		default:
			if (*p < 0x20)
				qc_buf_addf(b, "\\u%04x", *p);
			else
				qc_buf_addn(b, (const char *)p, 1);
		}
	}
	qc_buf_add(b, "\"");
}

void qc_json_num(struct qc_buf *b, double v, bool has_value)
{
	if (!has_value || !isfinite(v)) {
		qc_buf_add(b, "null");
		return;
	}
	char tmp[40];
	snprintf(tmp, sizeof(tmp), "%.10g", v);
	qc_buf_add(b, tmp);
}

void qc_format_value(double v, const char *unit, char *buf, size_t n)
{
	double a = fabs(v);
	if (!isfinite(v))
		snprintf(buf, n, "-");
	else if ((!unit || !*unit) && v == floor(v) && a < 1e9)
		snprintf(buf, n, "%.0f", v);
	else if (a >= 1e6)
		snprintf(buf, n, "%.4g", v);
	else if (a >= 1000)
		snprintf(buf, n, "%.1f", v);
	else if (a >= 1)
		snprintf(buf, n, "%.2f", v);
	else if (a >= 0.01)
		snprintf(buf, n, "%.3f", v);
	else if (a >= 1e-9)
		snprintf(buf, n, "%.2g", v);
	else
		snprintf(buf, n, "0"); /* no "-0.00" that looks like a sign problem */
}
