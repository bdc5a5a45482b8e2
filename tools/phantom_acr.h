/* Synthetic ACR large-phantom MR series of known geometry, uniformity, noise and ghosts (tests). */
#ifndef QC_PHANTOM_ACR_H
#define QC_PHANTOM_ACR_H

#include <stdbool.h>

#include "qc/core.h"
#include "qc/image.h"

#define PH_ACR_SLICES 11

/*
 * What to draw; ph_acr_defaults() fills a clean 256 x 256 series. Phantom coordinates: u right,
 * v down (anterior up), mm from the phantom centre; the model is the ACR layout as measured on
 * real scans: 190 mm inner diameter, a recess at the top wall, slice 1 with the slice-thickness
 * insert (two 1:10 ramps in a dark band), the slot of the two 45° wedges, the hole arrays of
 * 1.1, 1.0 and 0.9 mm; slice 5 a grid; slice 7 uniform; slice 11 the wedges again.
 */
struct ph_acr_spec {
	int size;		     /* square matrix */
	double fov_mm;		     /* field of view (pixel = fov / size) */
	double cx_mm, cy_mm;	     /* phantom centre from the image centre, x right, y down */
	double rot_deg;		     /* phantom rotation, counter-clockwise on screen */
	double diam_x_mm, diam_y_mm; /* the 190 mm wall as imaged along x and y (distortion) */
	double thickness_mm;	     /* slice FWHM */
	double tilt; /* slice tilt: ramp lengths t / (0.1 + tilt) and t / (0.1 - tilt) */
	double bar_s1_mm, bar_s11_mm; /* wedge bar length differences, right minus left */
	double signal;		      /* water */
	double noise_sd;	      /* Gaussian noise added after the blur */
	double gradient;	      /* slice 7: signal (1 + gradient u / 95 mm), a known PIU */
	double ghost;		   /* slice 7: signal ghost * signal above and below the phantom */
	double psf_x_mm, psf_y_mm; /* FWHM of a Gaussian blur along x and y, 0 = none */
	double slice_gap_mm;	   /* distance between slice positions */
	bool head_last;		   /* slice 1 at the highest position (the other end first) */
	unsigned seed;
};

/* The truth the analysis should find. */
struct ph_acr_truth {
	double thickness_mm, ramp_a_mm, ramp_b_mm;
	double bar_s1_mm, bar_s11_mm;
	double length_h_mm, length_v_mm, length_nw_se_mm, length_ne_sw_mm;
	double piu_pct, ghosting_pct, snr;
	double centre_x_mm, centre_y_mm, rot_deg;
};

void ph_acr_defaults(struct ph_acr_spec *s);
void ph_acr_truth(const struct ph_acr_spec *s, struct ph_acr_truth *t);
/* Slice k (1..11) as floats, size * size, noise included. */
void ph_acr_render(const struct ph_acr_spec *s, int k, float *px);
/*
 * Slice k as an MR image in memory, with the geometry a loaded file would have: PixelSpacing,
 * ImagePositionPatient along z (slice 1 lowest unless head_last), orientation, thickness.
 */
void ph_acr_image(const struct ph_acr_spec *s, int k, struct qc_image *img);
/* All 11 slices as one enhanced-style image of 11 frames (stored from slice 1 or 11). */
void ph_acr_multiframe(const struct ph_acr_spec *s, bool from_11, struct qc_image *img);
/* Slice k as an MR DICOM file (dcm_write: no position tags, InstanceNumber = k). */
enum qc_status ph_acr_write(const char *path, const struct ph_acr_spec *s, int k);

#endif
