/* DICOM files: load pixels and tags, scan folders into series, write generated images. */
#ifndef QC_DICOM_H
#define QC_DICOM_H

#include <stdbool.h>
#include <stddef.h>

#include "qc/core.h"
#include "qc/image.h"

/*
 * Registers the RLE, JPEG and JPEG-LS decoders, silences the DCMTK logger and checks that the
 * data dictionary is loaded. Call once before anything else here; dcm_cleanup() at exit.
 */
enum qc_status dcm_init(void);
void dcm_cleanup(void);

/*
 * Loads every frame of a file (with or without file meta) into img, rescale applied in double,
 * MONOCHROME1 left as stored (analyses decide polarity from content; the tag is in img->tags).
 * Errors name the file and the reason: not DICOM, no pixel data, truncated, JPEG 2000, ...
 */
enum qc_status dcm_load(const char *path, struct qc_image *img);

/* Reads the header only (stops before the pixel data). */
enum qc_status dcm_read_header(const char *path, struct qc_tags *tags, struct qc_geometry *geo);

/* A set of files sharing a series instance UID. */
struct dcm_series {
	char study_uid[65];
	char series_uid[65];
	char modality[17];
	char description[65]; /* SeriesDescription, else StudyDescription */
	char study_id[17];
	char date[9]; /* acquisition, content, series or study date, first present */
	char model[65];
	char rt_image_label[17];
	char patient_id[65];
	char **paths; /* owned: count paths, sorted by instance number then name */
	size_t count;
};

struct dcm_scan {
	struct dcm_series *series; /* owned: sorted by date then description */
	size_t n_series;
	size_t files_seen;	/* regular files visited */
	size_t dicom_files;	/* of which DICOM with an image */
	size_t skipped;		/* not DICOM or unreadable: silently ignored */
	size_t unreadable_dirs; /* sub-folders that could not be opened (permissions) */
};

/* Called after each file; return false to stop the scan early. */
typedef bool (*dcm_progress_fn)(void *ud, size_t files_seen);

/* Recursive; follows no symlinked directories; reads headers only. */
enum qc_status dcm_scan_dir(const char *dir, struct dcm_scan *out, dcm_progress_fn progress,
			    void *ud);
void dcm_scan_release(struct dcm_scan *scan);

/* Describes an image to write (the generator and the tests); strings may be NULL. */
struct dcm_write_spec {
	int width, height;
	const unsigned short *px; /* borrowed: width*height stored values */
	int bits_stored;	  /* 12..16 */
	const char *photometric;  /* "MONOCHROME2" (default) or "MONOCHROME1" */
	bool rt_image;		  /* RT Image storage with RT geometry, else Secondary Capture */
	double pixel_mm;	  /* ImagePlanePixelSpacing (RT) or PixelSpacing */
	double sid_mm, sad_mm, gantry_deg;
	bool has_collimator_couch; /* write the collimator and couch angles below (RT Image) */
	double collimator_deg, couch_deg;
	bool has_receptor_translation;
	double receptor_translation_mm[3];
	double rescale_slope, rescale_intercept; /* written when slope != 0 */
	const char *modality, *manufacturer, *model, *study_id, *patient_id, *patient_name;
	const char *series_description, *rt_image_label, *date, *time;
	const char *study_uid, *series_uid, *sop_uid; /* generated when NULL */
	int instance_number;
	bool no_meta; /* write a raw dataset without file meta (implicit VR little endian) */
};

enum qc_status dcm_write(const char *path, const struct dcm_write_spec *spec);

/* The DCMTK dictionary built into the program (generated from dicom.dic by tools/dictgen at
 * build time) against a dictionary file read by DCMTK now: entries compared, entries that
 * differ, the first difference. For the tests. */
enum qc_status dcm_dictionary_compare(const char *path, size_t *checked, size_t *differ,
				      char *first, size_t size);
const char *dcm_dictionary_source(void); /* the file the table was generated from */

#endif
