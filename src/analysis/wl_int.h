/* Winston-Lutz images (private to src/analysis): the field and the BB found on one image. */
#ifndef QC_WL_INT_H
#define QC_WL_INT_H

#include "ana_int.h"

/* One image: the field (its 50 % outline) and the BB (the dip of dose inside it). */
struct wl {
	const struct qc_image *img;
	int idx;
	double sign, bg, top, half, noise;
	int x0, y0, x1, y1;	/* working box */
	int fx0, fy0, fx1, fy1; /* field box from the blocks, widened (pixels) */
	double mmx, mmy, iso_col, iso_row;
	/* 50 % crossings: per row the left and right, per column the top and bottom (NAN when the
	 * line misses the field). */
	double *left, *right, *top_y, *bottom_y;
	double fcx, fcy;  /* field centre (pixels) */
	double bbx, bby;  /* BB centre (pixels) */
	double bb_r;	  /* BB radius at half depth (pixels) */
	double flat;	  /* pixels from the 50 % outline to where the field is flat (95 %) */
	double *lg;	  /* owned: smoothed log signal around the BB (log_patch) */
	int lx0, ly0, ln; /* its first column and row, its side */
	bool crowded;	  /* the BB's shadow reaches the penumbra: less accurate */
	double dx, dy, d; /* field centre - BB (mm at isocentre) */
	double gantry, collimator, couch;
	bool has_gantry;
};

/*
 * Finds the field (its 50 % outline and centre) and the BB (its centre of symmetry) on w->img,
 * image w->idx of the set; fills w. The failure message says why the image does not look like a
 * Winston-Lutz image. The caller frees left, right, top_y, bottom_y and lg.
 */
enum qc_status ana_wl_image(struct wl *w, const struct ana_context *ctx);

#endif
