/* Private to the ACR phantom analysis (acr*.c): slices, the phantom frame, sampling. */
#ifndef QC_ACR_INT_H
#define QC_ACR_INT_H

#include <math.h>
#include <stdbool.h>

#include "ana_int.h"

#define ACR_SLICES 11
#define ACR_RAYS   360	/* edge rays around the outline, one per degree */
#define ACR_RADIUS 95.0 /* inner radius of the phantom, mm */

/* One slice of the series: a frame of one of the images. */
struct acr_slice {
	const struct qc_image *img;
	int image; /* index in the input */
	int frame;
	const float *px; /* borrowed: the frame's pixels */
	int w, h;
	double dx, dy; /* mm between columns, between rows */
	double pos;    /* position along the slice normal (mm), or an ordering key */
};

/*
 * The phantom on one slice. Phantom coordinates (u, v) are mm from its centre along its own
 * axes: u to the right, v down the screen (the ACR layout: wedge slot at the top, hole arrays
 * below the centre). rot is the phantom rotation, counter-clockwise on screen positive.
 */
struct acr_disc {
	double cx, cy;	       /* centre, pixels (pixel centres at integers) */
	double r_mm;	       /* radius of the fitted circle */
	double rot;	       /* radians */
	double level;	       /* typical signal inside, near the wall */
	double bg;	       /* background outside */
	double thr;	       /* two-class threshold of the slice */
	double edge[ACR_RAYS]; /* wall distance from the centre along ray k (k degrees from +x,
				* turning towards +y), mm; NAN where no wall was found or the
				* point was an outlier (the recess at the top, the wedge slot) */
	int n_edge;
};

/* Bilinear sample at pixel (x, y); NAN outside the image. */
static inline double acr_sample(const struct acr_slice *s, double x, double y)
{
	if (!(x >= 0 && y >= 0 && x <= s->w - 1 && y <= s->h - 1))
		return NAN;
	int x0 = (int)x, y0 = (int)y;
	int x1 = x0 + 1 < s->w ? x0 + 1 : x0, y1 = y0 + 1 < s->h ? y0 + 1 : y0;
	double fx = x - x0, fy = y - y0;
	const float *r0 = s->px + (size_t)y0 * (size_t)s->w,
		    *r1 = s->px + (size_t)y1 * (size_t)s->w;
	return (1 - fy) * ((1 - fx) * r0[x0] + fx * r0[x1]) +
	       fy * ((1 - fx) * r1[x0] + fx * r1[x1]);
}

/* Phantom coordinates (mm) to pixels. */
static inline void acr_px(const struct acr_slice *s, const struct acr_disc *d, double u, double v,
			  double *x, double *y)
{
	double c = cos(d->rot), sn = sin(d->rot);
	*x = d->cx + (u * c + v * sn) / s->dx;
	*y = d->cy + (-u * sn + v * c) / s->dy;
}

static inline double acr_at(const struct acr_slice *s, const struct acr_disc *d, double u, double v)
{
	double x, y;
	acr_px(s, d, u, v, &x, &y);
	return acr_sample(s, x, y);
}

/* Finds the outline of the phantom (circle fitted through ray edges). False with why set. */
bool ana_acr_outline(const struct acr_slice *s, struct acr_disc *d, char *why, size_t n);

/* Where the slice-thickness insert of slice 1 is, and the phantom rotation from its edges. */
struct acr_band {
	double top, bottom; /* v of the band edges at u = 0, mm */
	double rot;	    /* radians, counter-clockwise on screen */
};
bool ana_acr_band(const struct acr_slice *s, const struct acr_disc *d, struct acr_band *b,
		  char *why, size_t n);

/* Slice 1 and 11 (acr_slice1.c). Each adds its measurements (or nulls) and overlays. */
struct acr_ctx {
	struct qc_result *res;
	bool overlays; /* draw on this slice (its image shows this frame) */
};
void ana_acr_thickness(struct acr_ctx *c, const struct acr_slice *s, const struct acr_disc *d,
		       const struct acr_band *b);
/* The slot of the wedges below the top wall: its edges ul < ur (mm); false when not there. */
bool ana_acr_slot(const struct acr_slice *s, const struct acr_disc *d, double *ul, double *ur);
void ana_acr_wedges(struct acr_ctx *c, const struct acr_slice *s, const struct acr_disc *d,
		    const char *name);
void ana_acr_holes(struct acr_ctx *c, const struct acr_slice *s, const struct acr_disc *d,
		   double noise);

/*
 * Slice 7 (acr_uniform.c). SNR: the mean of the 200 cm^2 region over the noise, the noise being
 * the residual of a quadratic surface fitted to each 10 mm tile inside that region, pooled;
 * noise is also the margin of the hole arrays.
 */
struct acr_snr {
	bool ok;
	double snr, signal, noise;
	double cx, cy, r_px; /* the region */
};
bool ana_acr_snr(const struct acr_slice *s, const struct acr_disc *d, struct acr_snr *out);
/* Adds PIU, ghosting and the SNR of n. */
void ana_acr_uniform(struct acr_ctx *c, const struct acr_slice *s, const struct acr_disc *d,
		     const struct acr_snr *n);

/* The q-quantile (0..1) of the finite values of p[0..n); NAN when there are none. */
double ana_acr_quantile(const double *p, int n, double q);

#endif
