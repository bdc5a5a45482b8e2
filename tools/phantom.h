/* Synthetic MV portal images with known truth, modelled on real Unity MVIC files (tests, mvgen). */
#ifndef QC_PHANTOM_H
#define QC_PHANTOM_H

#include <stdbool.h>

#include "qc/analysis.h"
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

/* Shared by every phantom model (phantom*.c): one definition each. */
#define PH_PI 3.14159265358979323846
/* The stored-value model of the MV imagers: a Unity reads about 64,800 without dose (real files:
 * 61,000-64,800 near fields) and about 25,800 in an open field (inverted); a generic EPID stores
 * dose-like values. */
#define PH_UNITY_OPEN	  64800.0
#define PH_UNITY_GAIN	  39000.0
#define PH_GENERIC_OFFSET 800.0
#define PH_GENERIC_GAIN	  20000.0

/* mm at isocentre per detector pixel. */
double ph_pixel_iso(const struct ph_spec *s);
/* xorshift64* and Box-Muller: reproducible unit Gaussian noise from the state *st. */
double ph_gauss(unsigned long long *st);
/* Noise of the imager of s (sd in stored units, from noise_pct of the open-field signal) and
 * the start of its noise sequence: seed of s, salted per model so that they differ. */
double ph_noise_sd(const struct ph_spec *s);
unsigned long long ph_noise_state(const struct ph_spec *s, unsigned salt);
/* Row y of the image is not read out (Unity): fills it with 65535 and returns true. */
bool ph_unread_row(const struct ph_spec *s, int y, unsigned short *row);
/* The stored value of relative dose d plus noise (stored units) on the imager of s, clipped to
 * 0..65534 (65535 marks the rows not read out). */
unsigned short ph_stored(const struct ph_spec *s, double d, double noise);
struct dcm_write_spec;
/* The DICOM description of an image drawn with the traits of s (style tags, geometry, UIDs,
 * XRayImageReceptorTranslation when s asks for it); raw is borrowed. Callers add what their
 * model knows beyond s (a gantry angle, no file meta) before dcm_write. */
void ph_dcm_spec(const struct ph_spec *s, const unsigned short *raw, struct dcm_write_spec *w);
/* Opens the JSON of a generated set: {"set": SET, "generator": "mvgen", "images": [ */
void ph_truth_begin(struct qc_buf *b, const char *set);
/* Closes the images list and the set, writes it as DIR/truth.json and releases b. */
enum qc_status ph_truth_end(struct qc_buf *b, const char *dir);
/* Writes text into the file path, or as DIR/truth.json; QC_ERR_IO with the path otherwise. */
enum qc_status ph_save_text(const char *path, const char *text);
enum qc_status ph_truth_save(const char *dir, const char *text);

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
/* Where the Unity imager's isocentre projects (the real files' calibration), used by PH_UNITY,
 * and the machine of the catalogue that carries it (for analysis contexts in tests and tools). */
#define PH_UNITY_ISO_COL 511.03
#define PH_UNITY_ISO_ROW 652.75
extern const struct qc_machine ph_unity_machine;

unsigned short *ph_render(const struct ph_spec *s, struct ph_truth *truth);
/* The same as a loaded image would be (rescaled floats, mask, geometry, tags) without a file. */
void ph_image(const struct ph_spec *s, const unsigned short *raw, struct qc_image *img);
/* Writes a DICOM file of the rendered values. */
enum qc_status ph_write(const char *path, const struct ph_spec *s, const unsigned short *raw);
/* Appends the truth as one JSON object. */
void ph_truth_json(const struct ph_spec *s, const struct ph_truth *t, const char *file,
		   struct qc_buf *out);

#endif
