/* Placeholder until the folder scan lands. */
#include <string.h>
#include "qc/dicom.h"
enum qc_status dcm_scan_dir(const char *dir, struct dcm_scan *out, dcm_progress_fn progress, void *ud)
{
	(void)progress; (void)ud; memset(out, 0, sizeof(*out));
	return qc_fail(QC_ERR_UNSUPPORTED, "cannot scan '%s': not yet", dir);
}
void dcm_scan_release(struct dcm_scan *scan) { memset(scan, 0, sizeof(*scan)); }
