/* Synthetic Winston-Lutz images (a BB in a small field) with known truth (tests, mvgen, bench). */
#ifndef QC_PHANTOM_WL_H
#define QC_PHANTOM_WL_H

#include <stdbool.h>

#include "phantom.h"

/*
 * One image of a Winston-Lutz set. Room axes are IEC 61217 fixed (x lateral, y towards the
 * gantry, z up) in mm from the radiation isocentre; the image is seen from the source with x
 * = room x at gantry 0 and image y (down) = -room y. The BB is projected through the source
 * (perspective, SAD) onto the isocentre plane.
 */
struct wl_spec {
	struct ph_spec img; /* imaging traits: style, size, read-out, isocentre, noise */
	double gantry_deg, collimator_deg, couch_deg;
	double field_mm;	  /* side of the square field, or diameter of the cone */
	bool circle;		  /* a cone (circular field) rather than a square */
	double field_sigma_mm;	  /* blur of the field edges */
	double field_shift_mm[2]; /* field centre on the image vs the isocentre (x, y down) */
	double bb_mm;		  /* BB diameter */
	double bb_mu_per_mm;	  /* linear attenuation of the BB material */
	double bb_sigma_mm;	  /* blur of the BB shadow */
	double bb[3];		  /* BB centre in room axes (mm from the isocentre) */
};

/* Truth on the image, mm at isocentre from the isocentre pixel (x right, y down). */
struct wl_truth {
	double bb_x_mm, bb_y_mm;       /* projected BB centre */
	double field_x_mm, field_y_mm; /* field centre */
	double bb_to_field_mm;	       /* |field - BB| */
};

void wl_defaults(struct wl_spec *s, enum ph_style style);
/* Stored values (owned: free()) with the traits of s->img, and the truth. */
unsigned short *wl_render(const struct wl_spec *s, struct wl_truth *t);
/* The image as loaded (ph_image) with the gantry, collimator and couch angles set. */
void wl_image(const struct wl_spec *s, const unsigned short *raw, struct qc_image *img);
/* Writes a DICOM file (gantry angle in the header); no_meta writes a bare data set. */
enum qc_status wl_write(const char *path, const struct wl_spec *s, const unsigned short *raw,
			bool no_meta);
/*
 * The 3-D shift that moves the BB onto the radiation isocentre, least squares over the images
 * with the couch at 0 (their BB-to-field vectors projected back along each gantry angle);
 * false when the gantry angles do not span two directions.
 */
bool wl_truth_shift(const struct wl_spec *s, int n, double shift[3]);
/*
 * Writes a Winston-Lutz set into dir with truth.json: eight gantry angles (gantry000.dcm ...),
 * a 6 mm BB at (0.6, -0.4, 0.5) mm, the field sagging 0.3 cos(gantry) mm along the gantry axis
 * (a gantry isocentre of 0.6 mm), in the traits of base; gantry090.dcm has no file meta.
 */
enum qc_status wl_write_set(const char *dir, const struct ph_spec *base);
/* Writes the truth of one image as JSON. */
void wl_truth_json(const struct wl_spec *s, const struct wl_truth *t, const char *file,
		   struct qc_buf *out);

#endif
