/* Status codes, the per-thread last error message, and the fatal path. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qc/core.h"
#include "qc/i18n.h"

static _Thread_local char last_error[1024];
static void (*die_hook)(void);

const char *qc_status_name(enum qc_status st)
{
	switch (st) {
	case QC_OK: return "ok";
	case QC_ERR_IO: return _("input/output error");
	case QC_ERR_FORMAT: return _("malformed content");
	case QC_ERR_UNSUPPORTED: return _("not supported");
	case QC_ERR_INVALID: return _("invalid value");
	case QC_ERR_NOT_FOUND: return _("not found");
	case QC_ERR_ANALYSIS: return _("analysis failed");
	case QC_ERR_DB: return _("database error");
	case QC_ERR_BUSY: return _("database busy");
	case QC_ERR_FULL: return _("disk full");
	}
	return _("unknown error");
}

enum qc_status qc_fail(enum qc_status st, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	return st;
}

enum qc_status qc_fail_context(enum qc_status st, const char *fmt, ...)
{
	char prefix[512], old[sizeof(last_error)];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, last_error, sizeof(old));
	/* "context: cause"; French puts a space before the colon. A very long message is cut. */
	snprintf(last_error, sizeof(last_error), _("%s: %s"), prefix,
		 old[0] ? old : qc_status_name(st));
	return st;
}

const char *qc_errmsg(void)
{
	return last_error[0] ? last_error : "no error";
}

void qc_clear_error(void)
{
	last_error[0] = '\0';
}

void qc_set_die_hook(void (*hook)(void))
{
	die_hook = hook;
}

void qc_die(const char *fmt, ...)
{
	void (*hook)(void) = die_hook;
	va_list ap;

	die_hook = NULL; /* a failing hook must not recurse */
	if (hook)
		hook();
	fputs("unityqc: fatal: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(70);
}

const char *qc_lower_first(const char *text)
{
	static _Thread_local char buf[256];
	qc_strlcpy(buf, text && *text ? text : "unknown error", sizeof(buf));
	if (isupper((unsigned char)buf[0]) && !isupper((unsigned char)buf[1]))
		buf[0] = (char)tolower((unsigned char)buf[0]);
	return buf;
}

const char *qc_errno_text(int e)
{
	return qc_lower_first(strerror(e));
}
