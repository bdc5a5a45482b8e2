/* Image maths shared by the analyses (private to src/analysis). */
#ifndef QC_ANA_INT_H
#define QC_ANA_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "qc/analysis.h"
#include "qc/i18n.h"

/* One definition for the analyses (mv_field.c still has its own copy). */
#define ANA_PI 3.14159265358979323846

/* Linear interpolation of p[0..n-1] at fractional index x, the end values beyond the ends. */
static inline double ana_interp(const double *p, int n, double x)
{
	if (x <= 0)
		return p[0];
	if (x >= n - 1)
		return p[n - 1];
	int i = (int)x;
	return p[i] + (x - i) * (p[i + 1] - p[i]);
}

extern const struct qc_analysis ana_mv_field;
extern const struct qc_analysis ana_mr_snr;
extern const struct qc_analysis ana_mr_uniformity;
extern const struct qc_analysis ana_mr_ghosting;
extern const struct qc_analysis ana_mr_slice_width;
extern const struct qc_analysis ana_mr_resolution;
extern const struct qc_analysis ana_acr;
extern const struct qc_analysis ana_mvic_field;
extern const struct qc_analysis ana_mlc_slit;
extern const struct qc_analysis ana_leaf_gap;
extern const struct qc_analysis ana_picket_fence;
extern const struct qc_analysis ana_isocentre;

/*
 * mv_field on one image (index idx of the set; res must hold at least idx + 1 images): adds
 * its measurements and overlays, sets res->inverted[idx] and res->label[idx] (the nominal
 * field taken as role, or the one ctx->forced_role gives).
 */
enum qc_status ana_mv_field_image(const struct qc_image *img, int idx,
				  const struct ana_context *ctx, struct qc_result *res);

/* The analysis of one image of a set: its measurements in res, for image idx. */
typedef enum qc_status (*ana_image_fn)(const struct qc_image *img, int idx,
				       const struct ana_context *ctx, struct qc_result *res);
/* Runs fn on each image in turn; stops at the first that fails. */
enum qc_status ana_each_image(const struct qc_image *const *imgs, size_t n,
			      const struct ana_context *ctx, struct qc_result *res,
			      ana_image_fn fn);

/* Two-class split of the valid pixels of frame 0 (Otsu on a 1024-bin histogram). */
struct ana_split {
	double threshold;
	double low_median, high_median; /* medians of each class */
	double low_mad, high_mad;	/* median absolute deviations */
	size_t n_low, n_high;
};
bool ana_otsu(const struct qc_image *img, struct ana_split *out);

/* A box of pixels, bounds included. */
struct ana_box {
	int x0, y0, x1, y1;
};

/* The same split on the valid pixels of a box, one pixel in step x step, on `bins` bins:
 * enough for images whose two classes are large (MV fields, MLC openings). */
bool ana_otsu_sampled(const struct qc_image *img, const struct ana_box *box, int step, int bins,
		      struct ana_split *out);

/* How the MV analyses sample an image for its class split and noise: one pixel in 4 x 4 on
 * 256 bins, every 32nd row. The classes of an MV image are large (field and background). */
#define ANA_MV_LATTICE	  4
#define ANA_MV_BINS	  256
#define ANA_MV_NOISE_ROWS 32

/* Bounding box of the valid pixels (inclusive); false when none. */
bool ana_valid_bbox(const struct qc_image *img, int *x0, int *y0, int *x1, int *y1);

/* Pixel noise (standard deviation) from neighbour differences along every 8th row: blind to
 * smooth gradients. ana_noise_sampled: within a box, every row_step-th row. */
double ana_noise_sigma(const struct qc_image *img);
double ana_noise_sampled(const struct qc_image *img, const struct ana_box *box, int row_step);

/* Polarity of an MV image from its content: the class (above or below threshold) that lines
 * the border of the read-out box is the background. -1 when the background is the high class
 * (the Unity imager's inverted values), +1 otherwise. */
double ana_polarity(const struct qc_image *img, const struct ana_box *box, double threshold);

/* Median of n values (reorders v). */
double ana_median(double *v, size_t n);
/* The k-th smallest of v[0..n-1] (0-based; reorders v). */
double ana_select_kth(double *v, size_t n, size_t k);
/* Refuses what cannot be an MV image of the kind `what` (N_("a picket fence"), translated here
 * with the message): an MR, CT... image, one without pixel spacing, one smaller than min_px
 * pixels a side. */
enum qc_status ana_check_mv_input(const struct qc_image *img, int idx, const char *what,
				  int min_px);

/* Least-squares line y = a + b x over n points; false when degenerate. */
bool ana_fit_line(const double *x, const double *y, size_t n, double *a, double *b);
/* The same with outliers beyond 3 robust sigmas removed and a refit; *kept gets the count. */
bool ana_fit_line_robust(double *x, double *y, size_t n, double *a, double *b, size_t *kept);

/*
 * Sub-pixel position of the steepest rise of profile p[0..n-1] (sign = +1 rising, -1 falling):
 * maximum of the gradient (derivative of a Gaussian of smooth_px pixels), refined by a
 * least-squares parabola over the points above 60 % of the peak. False when the peak touches the
 * ends or is not at least twice the end gradients.
 */
bool ana_inflection(const double *p, int n, int sign, double smooth_px, double *pos, double *peak);

/*
 * Distance between the 20 % and 80 % points of an edge profile normalised so that the
 * inflection value is 50 % (the FFF convention) with the outer tail as 0 %. sign as above.
 */
bool ana_penumbra(const double *p, int n, int sign, double pos, double *width_px);

/*
 * An MV image prepared for the MLC analyses (mlc_common.c): dose-like values (more radiation =
 * higher), seen along the leaf travel (t) and across the leaves (a), in pixels; mm at isocentre
 * measured from the MV isocentre. On the Unity t is the row (y) and a the column (x).
 */
struct ana_mv {
	const struct qc_image *img;
	double sign;	     /* +1: more dose = higher stored value, -1 inverted */
	double bg, open;     /* dose-like medians of the blocked and irradiated classes (Otsu) */
	double noise;	     /* pixel noise, stored units */
	int t0, t1, a0, a1;  /* read-out box along t and a (inclusive) */
	double iso_t, iso_a; /* MV isocentre (pixels) */
	double mm_t, mm_a;   /* mm at isocentre per pixel */
	bool swap;	     /* leaves travel along x: t = column, a = row */
	const char *iso_src; /* where the isocentre comes from (N_: translate at use) */
	const struct qc_machine *machine; /* borrowed, NULL when no machine matches */
};

/* Checks the image (modality, spacing, contrast; messages say "does not look like <what>", what
 * marked with N_ and translated here),
 * decides the polarity from the content and finds the machine and its leaf travel axis. */
enum qc_status ana_mv_prepare(const struct qc_image *img, int idx, const struct ana_context *ctx,
			      const char *what, struct ana_mv *mv);
bool ana_mv_valid(const struct ana_mv *mv, int a, int t);
double ana_mv_dose(const struct ana_mv *mv, int a, int t);
/* Mean dose over a0..a1 for each t0..t1 (out[t - t0]); and over t0..t1 for each a0..a1. */
void ana_mv_profile_t(const struct ana_mv *mv, int a0, int a1, int t0, int t1, double *out);
void ana_mv_profile_a(const struct ana_mv *mv, int t0, int t1, int a0, int a1, double *out);
/* Pixel <-> mm from the isocentre, along t and a. */
double ana_mv_t_mm(const struct ana_mv *mv, double t_px);
double ana_mv_a_mm(const struct ana_mv *mv, double a_px);
double ana_mv_t_px(const struct ana_mv *mv, double t_mm);
double ana_mv_a_px(const struct ana_mv *mv, double a_mm);
/* A line overlay given in mm (a, t), and the isocentre cross. */
struct qc_overlay *ana_mv_line(struct qc_result *res, const struct ana_mv *mv, int idx,
			       enum qc_ov_role role, double a0_mm, double t0_mm, double a1_mm,
			       double t1_mm);
void ana_mv_iso_overlay(struct qc_result *res, const struct ana_mv *mv, int idx);
/*
 * The leaf geometry of machine m is usable: 1..QC_MAX_LEAF_PAIRS pairs, each width a positive
 * number, the pair through the isocentre (leaf_boundary) within 1..leaf_pairs. Settings may come
 * from the command line as well as from the catalogue, so every analysis that walks the pairs
 * checks them first; QC_ERR_ANALYSIS with a message naming image idx and the machine otherwise.
 */
enum qc_status ana_check_leaf_geometry(const struct qc_machine *m, int idx);
/* Sorted numbers as ranges ("27-39, 41, 45-54"), truncated to size. */
void ana_ranges(const int *v, size_t n, char *buf, size_t size);

/*
 * PIQT report import (piqt.c): the values of a Philips PIQT HTML report with the limits it
 * prints. Measurement names (all with image -1):
 *   <section>.<scan>.e<echo>.<quantity>   section: flood, linearity, slice, resolution (an
 *   unknown section title gives its own slug); scan: the Scan_Name before ':' in lower case
 *   (QA1H:MS,SE -> qa1h); echo: Echo_No; quantity: snr, uniformity_pct, artefact_level,
 *   diff_lin_2_44 ..., nema_pct_diff, angle_deg, position_shift_mm, fwhm_mm, fwtm_mm,
 *   slice_integral_mm, pixel_h_mm, pixel_v_mm (an unknown row gives the slug of its label)
 *   scan.<scan>.central_freq_hz, scan.<scan>.drive   per scan, for trends
 * A value printed as "-" is a null measurement; a range limit sets the nominal to its middle.
 */
#define ANA_PIQT_TEXT	   64
#define ANA_PIQT_MAX_SCANS 16

enum ana_limit_kind {
	ANA_LIMIT_NONE,
	ANA_LIMIT_ABOVE, /* "C > 66": value > lo (>= when !strict) */
	ANA_LIMIT_BELOW, /* "C < 42": value < hi (<= when !strict) */
	ANA_LIMIT_RANGE, /* "C4.65 - 5.15": lo <= value <= hi */
};

/* One value of the report with its limit: what the lead turns into levels per measurement. */
struct ana_piqt_value {
	char name[48];	     /* the measurement name */
	char section[48];    /* the section title as printed */
	char scan[48];	     /* Scan_Name as printed */
	int echo;	     /* Echo_No, 0 for a value of the whole scan */
	double echo_time_ms; /* NAN when not given */
	char label[48];	     /* the row label as printed: "Nema S/N (B)" */
	char text[32];	     /* the value as printed */
	bool has_value;
	double value;
	char unit[12];
	enum ana_limit_kind limit;
	double lo, hi;	     /* the bound(s) of the limit */
	bool strict;	     /* '<' or '>' (the value on the bound fails) */
	char limit_source;   /* the letter before the limit ('C': customer verification file) */
	char limit_text[32]; /* the limit as printed, "" when none */
};

struct ana_piqt_scan {
	char name[48];		  /* "QA1H:MS,SE" */
	char key[24];		  /* "qa1h": the scan part of measurement names */
	char date[12];		  /* Scan_Date as YYYY-MM-DD (as printed when not DD-MM-YYYY) */
	char time[8];		  /* Scan_Time "11:35" */
	char coil[ANA_PIQT_TEXT]; /* Coil_type, several elements joined with "; " */
	double central_freq_hz, drive; /* NAN when not given */
};

/* The header facts of a report. */
struct ana_piqt_meta {
	char date[40];	   /* as printed: "Fri, 22 Jun 2018 08:02:57" */
	char date_iso[20]; /* "2018-06-22T08:02:57", "" when the date cannot be read */
	char list_type[ANA_PIQT_TEXT];
	char verification[160]; /* applied verification file: "C: wa15r5...irf.cust" */
	char field_strength[ANA_PIQT_TEXT], magnet[ANA_PIQT_TEXT], gradient_coil[ANA_PIQT_TEXT];
	char rf_chain[ANA_PIQT_TEXT], rf_amplifier[ANA_PIQT_TEXT], tested_by[ANA_PIQT_TEXT];
	struct ana_piqt_scan scans[ANA_PIQT_MAX_SCANS];
	size_t n_scans;
	struct ana_piqt_value *values; /* owned: every value in report order, limits included */
	size_t n_values, cap_values;
};

/*
 * Parses a report held in memory (no file I/O): adds one measurement per value to res (which the
 * caller initialised, e.g. with qc_result_init(res, 0)) and fills meta (release it with
 * ana_piqt_meta_release). A report that cannot be read gives QC_ERR_FORMAT with a message naming
 * the section ("PIQT report, section 3 'Spatial Linearity': ...").
 */
enum qc_status ana_piqt_parse(const char *html, size_t len, struct qc_result *res,
			      struct ana_piqt_meta *meta);
void ana_piqt_meta_release(struct ana_piqt_meta *meta);
/*
 * The limit of a value as catalogue levels: an action band (the report's pass/fail), reference
 * 0 for "> x" and "< x" (bounds on the value), the middle of the range for "a - b". Borders
 * count as inside here, while the report's '<' and '>' are strict (value->strict).
 */
struct qc_levels;
void ana_piqt_levels(const struct ana_piqt_value *v, struct qc_levels *lv);

/* Leaf pairs (or slices across the leaves) sampled along the leaf travel (mlc_common.c). */
struct ana_band {
	int num;	    /* leaf pair number (1-based), or slice number */
	double lo, hi;	    /* span across the leaves, mm from the isocentre */
	int b0, b1;	    /* pixels averaged along a */
	bool sampled;	    /* the band lies in the read-out area */
	double *raw, *prof; /* owned: dose along t0..t1; prof without the neighbours' blur */
};
struct ana_bands {
	struct ana_band *b; /* owned, in image order (increasing a) */
	int n, nt;
};
/* One band per leaf pair of mv->machine: the central `frac` of each pair's width, the grid
 * moved by shift_mm (called again to move an existing set). */
void ana_bands_pairs(struct ana_bands *bs, const struct ana_mv *mv, double frac, double shift_mm);
/* Slices width_mm wide across the read-out area, for images without MLC geometry. */
void ana_bands_slices(struct ana_bands *bs, const struct ana_mv *mv, double width_mm, double frac);
void ana_bands_place(struct ana_bands *bs, const struct ana_mv *mv, double frac);
void ana_bands_sample(struct ana_bands *bs, const struct ana_mv *mv);
/*
 * Removes from each band the blur of its neighbours' openings: band i sees band j with the
 * weight of j's span blurred by a Gaussian of sigma_mm (the leaf-side penumbra) over i's pixels;
 * a few Gauss-Seidel sweeps invert these weights. Dose is taken above bg.
 */
void ana_bands_unmix(struct ana_bands *bs, const struct ana_mv *mv, double bg, double sigma_mm);
void ana_bands_release(struct ana_bands *bs);
/* Gaussian sigma (pixels) of an edge of profile p from its steepest slope at pos (the height is
 * read 2.5 sigma on either side, so the imager's broad glare stays out); smooth: the sigma
 * (pixels) of the derivative-of-Gaussian that measured the slope, removed in quadrature. */
double ana_edge_sigma(const double *p, int n, double pos, double slope, double smooth);
/* An edge across the leaves: the profile along a averaged over t_lo..t_hi (mm), its inflection
 * between from and to (mm; sign +1 = dose rising with a); its Gaussian sigma (mm) if asked. */
bool ana_mv_edge_a(const struct ana_mv *mv, double t_lo, double t_hi, double from, double to,
		   int sign, double smooth_mm, double *pos_mm, double *sigma_mm);

/* The steepest point of profile p between indices lo and hi, as ana_inflection (derivative of
 * a Gaussian of smooth pixels, parabola over the slopes above 90 % of the peak) but with the
 * slope computed over the whole profile: a window may end right beside an edge (a slit's
 * centre). pos is an index of p. */
bool ana_slope_peak(const double *p, int n, int lo, int hi, int sign, double smooth, double *pos,
		    double *peak);

/* The role text of a nominal field (width, height, centre x, y): "50 x 50 mm at (+50, +0)",
 * "85 x 85 mm" when centred; the labels mvic_field gives its images (mvic_field.c). */
void ana_field_role_label(const double nom[4], char *buf, size_t n);

#endif
