/* Image analyses: pure functions from images to measurements and overlays, one registry. */
#ifndef QC_ANALYSIS_H
#define QC_ANALYSIS_H

#include <stdbool.h>
#include <stddef.h>

#include "qc/core.h"
#include "qc/image.h"

#define QC_MAX_LEAF_PAIRS 160

/* Per-machine settings from the catalogue that analyses need. */
struct qc_machine {
	char id[32];
	char name[64];
	char match_model[65]; /* images whose ManufacturerModelName equals this (any case) */
	bool has_iso;	      /* MV isocentre pixel calibration */
	double iso_col, iso_row;
	/* MLC geometry at isocentre. Pairs are numbered 1..leaf_pairs along the image axis across
	 * the leaves; leaf_widths_mm[i] is the width of pair i + 1. */
	int leaf_pairs;
	double leaf_width_mm; /* the common width when all pairs are alike */
	double leaf_widths_mm[QC_MAX_LEAF_PAIRS];
	char leaf_travel;  /* 'y': leaves move along image rows (Unity), 'x': along columns */
	int leaf_boundary; /* the boundary after this pair passes through the isocentre */
	bool leaf_numbers_decrease; /* pair numbers decrease along the across-leaf image axis */
};

/* One measured quantity. */
struct qc_measure {
	char name[48];	/* stable identifier: width_mm, slit_1.centre_mm ... */
	char unit[12];	/* "mm", "deg", "%", "" */
	int image;	/* index of the image it comes from, -1 for the whole set */
	bool has_value; /* false: not measurable (value is then meaningless; note says why) */
	double value;
	bool has_nominal; /* a planned value the catalogue may use as reference */
	double nominal;
	char note[160];
};

enum qc_ov_kind {
	QC_OV_LINE,   /* (x0,y0)-(x1,y1) */
	QC_OV_CROSS,  /* centre (x0,y0), half size r pixels */
	QC_OV_CIRCLE, /* centre (x0,y0), radius r pixels */
	QC_OV_RECT,   /* corners (x0,y0) (x1,y1), axis aligned */
};

enum qc_ov_role {
	QC_OVR_EDGE,   /* a detected edge or outline */
	QC_OVR_CENTRE, /* a detected centre */
	QC_OVR_REF,    /* a reference: isocentre, nominal position */
	QC_OVR_ROI,    /* a region of interest */
};

/* A drawing in image pixel coordinates (pixel centres at integers). */
struct qc_overlay {
	enum qc_ov_kind kind;
	enum qc_ov_role role;
	int image;
	double x0, y0, x1, y1, r;
	char
	    measure[48]; /* name of the measurement it shows ("" = none): coloured by its verdict */
};

struct qc_result {
	struct qc_measure *m; /* owned */
	size_t n_m, cap_m;
	struct qc_overlay *ov; /* owned */
	size_t n_ov, cap_ov;
	/* Per image: true when the analysis decided that more dose gives lower stored values. */
	bool *inverted;	   /* owned: one per image */
	char (*label)[48]; /* owned: one per image, the role found ("150 x 85 mm"), may be "" */
	/* Per image the index of the nominal field it took (its role), ANA_ROLE_NONE for none. */
	int *role; /* owned: one per image */
	size_t n_images;
};

void qc_result_init(struct qc_result *r, size_t n_images);
void qc_result_release(struct qc_result *r);
struct qc_measure *qc_result_add(struct qc_result *r, const char *name, const char *unit, int image,
				 double value);
/* Adds a not-measurable value with a note saying why. */
struct qc_measure *qc_result_add_null(struct qc_result *r, const char *name, const char *unit,
				      int image, const char *note);
struct qc_overlay *qc_result_overlay(struct qc_result *r, enum qc_ov_kind kind,
				     enum qc_ov_role role, int image, double x0, double y0,
				     double x1, double y1);
const struct qc_measure *qc_result_find(const struct qc_result *r, const char *name, int image);
/* Appends what src holds about image `image` (its values, overlays, polarity, label, role) to
 * dst: per-image results computed apart (on other threads) and gathered in image order. */
void qc_result_take_image(struct qc_result *dst, const struct qc_result *src, size_t image);

/* A role given to an image: an index into the test's nominal fields, or one of these. */
enum {
	ANA_ROLE_AUTO = -1, /* forced_role: let the analysis decide */
	ANA_ROLE_NONE = -2, /* no nominal field: measured, not judged against a plan */
};

/* What an analysis gets besides images. */
struct ana_context {
	const struct qc_machine *machines; /* borrowed: catalogue machines, may be NULL */
	size_t n_machines;
	const struct qc_machine *machine; /* borrowed: forced for every image, NULL = match */
	/* Roles chosen by the user, one per image: an index into nominal_fields, ANA_ROLE_AUTO
	 * (the analysis decides) or ANA_ROLE_NONE. NULL = all automatic. */
	const int *forced_role;
	/* Nominal fields for role assignment (mv_field): width, height, centre x, centre y (mm). */
	const double (*nominal_fields)[4];
	size_t n_nominal_fields;
};

/*
 * Runs on n images. On success fills res; on failure returns a status with a message such as
 * "image 2 ('x.dcm') does not look like an open MV field: ...". Never reads files or the clock.
 */
typedef enum qc_status (*ana_run_fn)(const struct qc_image *const *imgs, size_t n,
				     const struct ana_context *ctx, struct qc_result *res);

struct qc_analysis {
	const char *id;
	const char *version;
	const char *summary; /* English, one line */
	int min_images, max_images;
	ana_run_fn run;
	/* For analyses that give each image one of the test's nominal fields (qc_result.role):
	 * the name of a field as the user sees it ("150 x 85 mm"). NULL: no image roles. */
	void (*role_label)(const double nom[4], char *buf, size_t n);
};

/* The machine an image comes from: ctx->machine, else the one whose model matches, else NULL. */
const struct qc_machine *ana_machine_for(const struct qc_image *img, const struct ana_context *ctx);

/*
 * The span of leaf pair `pair` (1-based) across the leaves, in mm from the isocentre along the
 * image axis across the leaves (x for a Unity), from the machine's geometry. False when the
 * machine has no MLC geometry or the pair does not exist.
 */
bool ana_leaf_pair_span(const struct qc_machine *m, int pair, double *lo_mm, double *hi_mm);

struct qc_session;
struct qc_test;
/*
 * A Philips PIQT report (HTML, held in memory) as the records of a session: every value with
 * the report's own limit as its action level (a strict '<' or '>' fails on the bound; a
 * measurement of the test in the catalogue overrides the levels, e.g. a warning at 90 % of the
 * site's baseline SNR), the report's facts (magnet, coil, verification file) as text records,
 * and its date as the session's. Errors name the section that cannot be read.
 */
enum qc_status ana_piqt_session(const char *html, size_t len, const struct qc_test *t,
				struct qc_session *s);

const struct qc_analysis *ana_find(const char *id);
const struct qc_analysis *const *ana_list(size_t *n);

/*
 * The MV isocentre pixel of an image: the calibration of the machine it comes from (matched by
 * ManufacturerModelName), else XRayImageReceptorTranslation, else the image centre.
 * source receives a short English description ("machine calibration", ...), marked for
 * translation (N_): pass it through _() where it is written for the user.
 */
void ana_iso_pixel(const struct qc_image *img, const struct ana_context *ctx, double *col,
		   double *row, const char **source);

#endif
