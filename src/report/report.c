/* Placeholder until the PDF report lands. */
#include "qc/report.h"
enum qc_status report_session_pdf(const struct qc_catalog *cat, const struct qc_session *s, const char *path)
{ (void)cat; (void)s; return qc_fail(QC_ERR_UNSUPPORTED, "cannot write '%s': not yet", path); }
