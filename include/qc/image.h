/* An image in memory: float pixels, validity mask, geometry and the DICOM tags the program uses. */
#ifndef QC_IMAGE_H
#define QC_IMAGE_H

#include <stdbool.h>
#include <stddef.h>

/* Tags read from a DICOM header; empty string when absent. */
struct qc_tags {
	char sop_class_uid[65];
	char sop_instance_uid[65];
	char study_uid[65];
	char series_uid[65];
	char transfer_syntax[65];
	char modality[17];
	char study_date[9];
	char study_time[17];
	char series_date[9];
	char acquisition_date[9];
	char acquisition_time[17];
	char content_date[9];
	char content_time[17];
	char study_id[17];
	char study_description[65];
	char series_description[65];
	char patient_id[65];
	char patient_name[65];
	char manufacturer[65];
	char model[65]; /* ManufacturerModelName */
	char station[17];
	char device_serial[65];
	char rt_image_label[17];
	char rt_image_description[129];
	char photometric[17];
	int series_number;
	int instance_number;
	int rows, columns, frames;
	int samples_per_pixel;
	int bits_allocated, bits_stored, pixel_representation;
};

/* Geometry; the has_ flags say whether the tag was present. */
struct qc_geometry {
	/* Spacing at the detector plane (ImagePlanePixelSpacing for RT images, else PixelSpacing):
	 * x = between columns, y = between rows. 0 when unknown. */
	double pixel_x_mm, pixel_y_mm;
	bool has_spacing;
	/* RT Image: RTImageSID, RadiationMachineSAD; scale_iso = SAD/SID (1 when unknown). */
	double sid_mm, sad_mm, scale_iso;
	bool has_sid, has_sad;
	double gantry_deg, collimator_deg, couch_deg;
	bool has_gantry, has_collimator, has_couch;
	double receptor_translation_mm[3]; /* XRayImageReceptorTranslation */
	bool has_receptor_translation;
	/* Cross-sectional images. */
	double image_position[3];
	double image_orientation[6];
	bool has_position, has_orientation;
	double slice_thickness_mm, slice_location;
	bool has_slice_thickness, has_slice_location;
	double rescale_slope, rescale_intercept;
	/* MR acquisition, when present (0 otherwise). */
	double repetition_time_ms, echo_time_ms, pixel_bandwidth_hz, averages, field_strength_t;
};

struct qc_image {
	int width, height, frames;
	float *px; /* owned: width*height*frames values, row-major, frame after frame, rescaled */
	/* owned, or NULL when every pixel was read out: width*height flags, 1 = valid. Rows or
	 * columns filled with the highest storable value (unread detector lines) are 0. */
	unsigned char *valid;
	double stored_max; /* the highest storable value after rescale (e.g. 65535) */
	struct qc_geometry geo;
	struct qc_tags tags;
	char *path; /* owned: the file it came from, or NULL */
};

void qc_image_release(struct qc_image *img);
/* Allocates a blank image (pixels zero, all valid) of one frame; never fails (dies on OOM). */
void qc_image_alloc(struct qc_image *img, int width, int height);

static inline float qc_px(const struct qc_image *img, int x, int y)
{
	return img->px[(size_t)y * (size_t)img->width + (size_t)x];
}

static inline bool qc_valid(const struct qc_image *img, int x, int y)
{
	return !img->valid || img->valid[(size_t)y * (size_t)img->width + (size_t)x];
}

/* Millimetres at isocentre per pixel along x and y (detector spacing × SAD/SID). */
double qc_image_mm_x(const struct qc_image *img);
double qc_image_mm_y(const struct qc_image *img);

#endif
