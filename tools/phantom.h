/* Synthetic MV portal images with known truth, modelled on real Unity MVIC files (tests, mvgen). */
#ifndef QC_PHANTOM_H
#define QC_PHANTOM_H

#include <stdbool.h>

#include "qc/core.h"
#include "qc/image.h"

enum ph_style {
	PH_UNITY,   /* 1024², rows 433-872 read out (others 65535), inverted values, iso off-centre */
	PH_GENERIC, /* full read-out, dose-like values, isocentre at the image centre */
};

/* What to draw; ph_defaults() fills a realistic starting point. */
struct ph_spec {
	enum ph_style style;
	int cols, rows;
	int readout_first, readout_last; /* rows read out (inclusive) */
	double pixel_mm;		 /* detector pixel (ImagePlanePixelSpacing) */
	double sid_mm, sad_mm;
	double iso_col, iso_row; /* where the MV isocentre projects (truth) */
	bool mono1;		 /* tag MONOCHROME1 (values stay dose-like, like real EPIDs) */
	bool write_translation;	 /* write XRayImageReceptorTranslation */
	/* Field, in mm at isocentre; centre relative to the isocentre, x right, y down. */
	double width_mm, height_mm, cx_mm, cy_mm;
	double rotation_deg; /* counter-clockwise on screen */
	double sigma_mm;     /* Gaussian blur of the edges (penumbra 20-80 % ≈ 1.68 sigma) */
	double horn_mm;	     /* FFF: relative dose 1/sqrt(1 + (r/horn)^2) along each axis */
	double tail, tail_sigma_mm; /* low scatter tail around the field */
	double noise_pct;	    /* Gaussian noise, % of the open-field signal */
	unsigned seed;
	/* Tags. */
	const char *study_id, *series_description, *date, *time;
	const char *study_uid, *series_uid;
	int instance_number;
	double gantry_deg;
};

/* Truth of a drawn field, with the edges defined as the model's inflection points. */
struct ph_truth {
	double width_mm, height_mm, cx_mm, cy_mm, rotation_deg;
	double geo_width_mm, geo_height_mm, geo_cx_mm, geo_cy_mm; /* the 50 % model edges */
	double edge_mm[4];				    /* left, right, top, bottom (mm) */
	double penumbra_mm[4]; /* 20-80 %, inflection = 50 %, tail 10 mm outside = 0 % */
	double pixel_iso_mm;
};

void ph_defaults(struct ph_spec *s, enum ph_style style);
/* Renders stored values (owned: free()) and computes the truth. */
unsigned short *ph_render(const struct ph_spec *s, struct ph_truth *truth);
/* The same as a loaded image would be (rescaled floats, mask, geometry, tags) without a file. */
void ph_image(const struct ph_spec *s, const unsigned short *raw, struct qc_image *img);
/* Writes a DICOM file of the rendered values. */
enum qc_status ph_write(const char *path, const struct ph_spec *s, const unsigned short *raw);
/* Appends the truth as one JSON object. */
void ph_truth_json(const struct ph_spec *s, const struct ph_truth *t, const char *file,
		   struct qc_buf *out);

#endif
