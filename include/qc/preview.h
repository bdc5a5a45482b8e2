/* Pictures of images: grey previews with overlays, as terminal cells (libcaca) for the TUI. */
#ifndef QC_PREVIEW_H
#define QC_PREVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qc/catalog.h"
#include "qc/image.h"
#include "qc/session.h"

/*
 * A grey picture of one frame: cropped to the read-out area, reduced so that its longest side is
 * at most max_side, windowed on the 0.5-99.5 % percentiles, with more dose brighter (inverted
 * says the stored values run the other way).
 */
void prev_make(const struct qc_image *img, int frame, bool inverted, int max_side,
	       struct qc_preview *out);
void prev_release(struct qc_preview *pv);

/* Colours of cells, ANSI order (0 black, 1 red, 2 green, 3 yellow, 4 blue, 5 magenta, 6 cyan,
 * 7 white; +8 bright). */
struct prev_cell {
	uint32_t ch; /* Unicode code point */
	uint8_t fg, bg;
	bool overlay; /* drawn by an overlay, not the picture */
};

struct prev_grid {
	int cols, rows;
	struct prev_cell *cells; /* owned: cols*rows */
	/* Preview pixel (px, py) lies in cell ((px - x0) / sx, (py - y0) / sy). */
	double x0, y0, sx, sy;
};

enum {
	PREV_ASCII = 1, /* 7-bit characters only */
	PREV_MONO = 2,	/* no colours: brightness in the characters alone */
};

/*
 * Renders pv into at most cols x rows cells (cells are about twice as tall as wide), with the
 * overlays of its image coloured by verdict (verdicts[i] for ov[i], NULL = all OK).
 */
void prev_render(const struct qc_preview *pv, const struct qc_overlay *ov, size_t n_ov,
		 const enum qc_verdict *verdicts, int cols, int rows, unsigned flags,
		 struct prev_grid *out);
void prev_grid_release(struct prev_grid *g);

#endif
