/* Placeholder preview. */
#include <stdlib.h>
#include <string.h>
#include "qc/preview.h"
void prev_make(const struct qc_image *img, int frame, bool inverted, int max_side, struct qc_preview *out)
{ (void)img; (void)frame; (void)inverted; (void)max_side; memset(out, 0, sizeof(*out)); }
void prev_release(struct qc_preview *pv) { free(pv->px); memset(pv, 0, sizeof(*pv)); }
void prev_render(const struct qc_preview *pv, const struct qc_overlay *ov, size_t n_ov, const enum qc_verdict *verdicts, int cols, int rows, bool ascii, struct prev_grid *out)
{ (void)pv; (void)ov; (void)n_ov; (void)verdicts; (void)cols; (void)rows; (void)ascii; memset(out, 0, sizeof(*out)); }
void prev_grid_release(struct prev_grid *g) { free(g->cells); memset(g, 0, sizeof(*g)); }
