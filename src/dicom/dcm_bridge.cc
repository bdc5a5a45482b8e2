// Placeholder until the DCMTK bridge lands (being written now).
extern "C" {
#include "qc/dicom.h"
}
enum qc_status dcm_init(void) { return QC_OK; }
void dcm_cleanup(void) {}
enum qc_status dcm_load(const char *path, struct qc_image *) { return qc_fail(QC_ERR_UNSUPPORTED, "cannot load '%s': not yet", path); }
enum qc_status dcm_read_header(const char *path, struct qc_tags *, struct qc_geometry *) { return qc_fail(QC_ERR_UNSUPPORTED, "cannot read '%s': not yet", path); }
enum qc_status dcm_write(const char *path, const struct dcm_write_spec *) { return qc_fail(QC_ERR_UNSUPPORTED, "cannot write '%s': not yet", path); }
