/* PDF reports (libharu): one session, with table, pictures, overlays, comment and signatures. */
#ifndef QC_REPORT_H
#define QC_REPORT_H

#include "qc/catalog.h"
#include "qc/core.h"
#include "qc/session.h"

/*
 * Writes the report of s to path atomically (a temporary file renamed at the end): a full disk or
 * an error leaves no half-written file. Text in the current interface language, French accents
 * through the embedded DejaVu Sans font.
 */
enum qc_status report_session_pdf(const struct qc_catalog *cat, const struct qc_session *s,
				  const char *path);

#endif
