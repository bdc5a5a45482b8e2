/* Placeholder until the store lands. */
#include "qc/store.h"
enum qc_status store_open(const char *path, store_t **out) { *out = 0; return qc_fail(QC_ERR_DB, "cannot open '%s': not yet", path); }
void store_close(store_t *st) { (void)st; }
int store_schema_version(store_t *st) { (void)st; return 0; }
const char *store_path(store_t *st) { (void)st; return ""; }
enum qc_status store_save_session(store_t *st, struct qc_session *s) { (void)st; (void)s; return QC_ERR_DB; }
enum qc_status store_load_session(store_t *st, int64_t id, struct qc_session *out) { (void)st; (void)id; (void)out; return QC_ERR_DB; }
enum qc_status store_list_sessions(store_t *st, const char *test, const char *since, size_t limit, struct store_row **rows, size_t *n) { (void)st; (void)test; (void)since; (void)limit; *rows = 0; *n = 0; return QC_ERR_DB; }
enum qc_status store_last_done(store_t *st, const char *test, char when[20]) { (void)st; (void)test; when[0] = 0; return QC_ERR_DB; }
enum qc_status store_count_sessions(store_t *st, int64_t *n) { (void)st; *n = 0; return QC_ERR_DB; }
