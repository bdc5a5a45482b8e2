/* Private helpers of the MR phantom analyses: input checks, phantom outline, regions, ROI maths. */
#ifndef QC_MR_INT_H
#define QC_MR_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "ana_int.h"

/* The MagNET protocol states its ROIs in pixels of a 250 mm field on a 256 matrix; the analyses
 * keep those sizes in millimetres so that other matrices see the same regions of the phantom. */
#define MR_MAGNET_PX_MM (250.0 / 256.0)

/* A 4-connected region of a mask. */
struct mr_comp {
	size_t area;
	int x0, y0, x1, y1; /* bounding box, inclusive */
	double sx, sy;	    /* sums of the coordinates (centroid = sum / area) */
	double score;	    /* free for the caller */
};

/*
 * Labels the 4-connected regions of mask m (w x h, 1 = set): label[i] = 1..n, 0 outside.
 * *comps (owned: free) gets n regions, region k at index k - 1. Returns n.
 */
size_t ana_mr_components(const unsigned char *m, int w, int h, int *label, struct mr_comp **comps);

/* The phantom found in an MR image. Coordinates are pixels, pixel centres at integers. */
struct mr_phantom {
	double cx, cy;	     /* centre */
	int x0, y0, x1, y1;  /* bounding box of the phantom region, inclusive */
	bool round;	     /* circular outline (else rectangular) */
	double rx, ry;	     /* radius (round) or half sides (rectangular), pixels */
	double bg, level;    /* background and phantom signal (medians) */
	double threshold;    /* half-way between them */
	double noise;	     /* pixel noise from neighbour differences */
	size_t area;	     /* pixels of the phantom region */
	unsigned char *mask; /* owned: 1 = phantom region (holes and bubbles excluded) */
};

/* Modality, pixel spacing and size of image idx (0-based); what = "a uniform MR phantom". */
enum qc_status ana_mr_check(const struct qc_image *img, int idx, const char *what);

/*
 * Finds the phantom: two-class split, the largest region above half-way, its outline (a circle
 * fitted through the row widths, robust to an air bubble cutting the top, or a rectangle).
 * Fails with "image N does not look like <what>: ..." on a blank image or one without a phantom.
 */
enum qc_status ana_mr_phantom(const struct qc_image *img, int idx, const char *what,
			      struct mr_phantom *ph);
void ana_mr_phantom_release(struct mr_phantom *ph);

/* The smallest distance (pixels) from the centre to a pixel inside the outline that is not
 * phantom (a bubble, an insert), searched up to limit; limit when there is none. */
double ana_mr_clear_radius(const struct qc_image *img, const struct mr_phantom *ph, double limit);

struct mr_stats {
	double mean, sd; /* sd with n - 1 */
	size_t n;
};

/* Statistics of px over [x0, x1] x [y0, y1] clipped to the image; false below 2 pixels. */
bool ana_mr_rect_stats(const float *px, int w, int h, int x0, int y0, int x1, int y1,
		       struct mr_stats *s);

/* Box mean of odd size k; outside the image counts as zero (the usual "constant" border). */
void ana_mr_box_mean(const float *in, int w, int h, int k, float *out);

/* Least-squares parabola y = c[0] + c[1] u + c[2] u^2 with u = x - xm; false when singular. */
bool ana_mr_parabola(const double *x, const double *y, size_t n, double xm, double c[3]);

/* A MagNET distance given in protocol pixels, in pixels of this image (at least 1). */
int ana_mr_px(const struct qc_image *img, double magnet_px);

/* Overlays: the phantom outline, and a rectangle around pixels [x0, x1] x [y0, y1]. */
void ana_mr_outline(struct qc_result *res, int idx, const struct mr_phantom *ph,
		    const char *measure);
struct qc_overlay *ana_mr_rect(struct qc_result *res, enum qc_ov_role role, int idx, int x0, int y0,
			       int x1, int y1, const char *measure);

#endif
