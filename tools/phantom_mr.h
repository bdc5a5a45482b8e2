/* Synthetic MR phantom images with known truth: flood, ghost bottle, slice-width and resolution. */
#ifndef QC_PHANTOM_MR_H
#define QC_PHANTOM_MR_H

#include <stdbool.h>

#include "qc/core.h"
#include "qc/image.h"

enum phmr_kind {
	PHMR_FLOOD,	 /* uniform phantom: SNR, uniformity */
	PHMR_BOTTLE,	 /* small bottle off centre, with ghosts: ghosting */
	PHMR_SLICE,	 /* MagNET slice-width phantom: 3 x 3 rods, two crossed ramps */
	PHMR_RESOLUTION, /* MagNET resolution phantom: a tilted dark square insert */
};

/*
 * What to draw; phmr_defaults() fills a realistic starting point (256 matrix, 250 mm field,
 * 1.5 T spin echo). Positions in mm from the image centre, x right, y down.
 */
struct phmr_spec {
	enum phmr_kind kind;
	int size; /* square matrix */
	double pixel_mm;
	/* Phantom outline: a disc, or a rectangle when rectangle is set. */
	bool rectangle;
	double radius_mm, width_mm, height_mm, cx_mm, cy_mm;
	double edge_mm;	  /* Gaussian blur (sigma) of every edge; 0 = sharp */
	double bubble_mm; /* an air bubble: no signal in the top bubble_mm of the phantom */
	double signal;	  /* phantom signal, stored-value units */
	double noise_sd;  /* Gaussian noise of each receive channel */
	bool magnitude;	  /* |S + n1 + i n2| (Rayleigh background), else S + n1 (signed) */
	double offset;	  /* added to every value (signed images stored with an offset) */
	/* Non-uniformity: a linear gradient (fraction per 100 mm), a Gaussian hot spot at the
	 * centre (fraction, sigma mm), a drop of plateau_drop beyond |x|, |y| > plateau_mm. */
	double grad_x, grad_y, bump, bump_mm, plateau_mm, plateau_drop;
	/* Ghosts along the phase-encoding axis ('x' or 'y') at ghost times the signal: a copy of
	 * the image shifted by half the field (N/2 ghost), or with ghost_smear a flat band across
	 * the whole field over the rows (columns) that the phantom covers (motion ghosting). */
	double ghost;
	char phase_axis;
	bool ghost_smear;
	/* Slice-width phantom: true slice FWHM (a rectangle profile with Gaussian edges of
	 * slice_edge_mm), ramps at +/- ramp_deg, the phantom tilted by tilt_deg about x (the top
	 * ramp then meets the slice at ramp_deg + tilt_deg), ramp_depth of the signal removed. */
	double slice_mm, slice_edge_mm, ramp_deg, tilt_deg, ramp_depth;
	/* Rods: a 3 x 3 grid of rod_spacing_mm / 2 pitch; the whole phantom is scaled by
	 * scale_x, scale_y (gradient calibration) and rod k (row-major from the top left) moved
	 * by rod_dx_mm[k], rod_dy_mm[k] (distortion). */
	double rod_spacing_mm, rod_radius_mm, scale_x, scale_y;
	double rod_dx_mm[9], rod_dy_mm[9];
	/* Resolution phantom: a dark square of side square_mm turned by square_deg. */
	double square_mm, square_deg;
	/* MR acquisition tags. */
	double slice_thickness_mm, tr_ms, te_ms, bandwidth_hz, averages, field_t;
	const char *series_description;
	unsigned seed; /* noise realisation: repeated acquisitions differ by seed only */
};

struct phmr_truth {
	double cx_px, cy_px;		/* phantom centre (pixel coordinates) */
	double snr;			/* signal / noise_sd */
	double uniformity_integral_pct; /* NEMA, from the hot spot: 100 b / (2 + b) */
	/* MagNET fractional uniformity of the noise-free model (horizontal, vertical profile) */
	double uniformity_fraction_h, uniformity_fraction_v;
	double ghost_pct;		       /* 100 ghost */
	double slice_width_mm;		       /* slice_mm */
	double slice_top_mm, slice_bottom_mm;  /* what each ramp alone gives (tilt not removed) */
	double linearity_h_mm, linearity_v_mm; /* mean outer rod distances in the image */
	double distortion_h_pct, distortion_v_pct;
	double rod_x_px[9], rod_y_px[9];
	double resolution_mm; /* 1 / (2 MTF50) of the Gaussian edge: 2.6682 edge_mm */
};

void phmr_defaults(struct phmr_spec *s, enum phmr_kind kind);
/* Renders size^2 values (owned: free()), rounded like stored values, and fills the truth. */
float *phmr_render(const struct phmr_spec *s, struct phmr_truth *truth);
/* The same as a loaded MR image would be (tags, geometry, MR parameters) without a file. */
void phmr_image(const struct phmr_spec *s, const float *px, struct qc_image *img);
/*
 * Writes a DICOM file (Secondary Capture with modality MR and PixelSpacing: dcm_write has no MR
 * acquisition tags, so the loaded file lacks SliceThickness, TR, TE and bandwidth).
 */
enum qc_status phmr_write(const char *path, const struct phmr_spec *s, const float *px);

#endif
