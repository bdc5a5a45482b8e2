/* Synthetic MV images of MLC patterns (leaf-pair strips, slits) with known truth, on phantom.h. */
#ifndef QC_PHANTOM_MLC_H
#define QC_PHANTOM_MLC_H

#include <stdbool.h>

#include "phantom.h"

#define PHM_MAX_PAIRS 160
#define PHM_MAX_OPEN  8

/* The openings of one leaf pair along the leaf travel: n_open = 0 is a closed pair. */
struct phm_pair {
	int n_open;
	double a[PHM_MAX_OPEN], b[PHM_MAX_OPEN]; /* tip positions, mm from the isocentre, a < b */
};

/*
 * An MLC pattern on the imager of `base` (style, geometry, read-out, noise, FFF horn, scatter
 * tail, tags; its field size and centre are unused). Axes as in phantom.h: x right, y down, mm
 * at isocentre. The leaves travel along y when travel is 'y' (the Unity), pairs lie along x.
 */
struct phm_spec {
	struct ph_spec base;
	int leaf_pairs;
	double leaf_width_mm;
	int leaf_boundary; /* the boundary after this pair passes through the isocentre */
	bool numbers_decrease;
	char travel;			     /* 'y' or 'x' */
	struct phm_pair pair[PHM_MAX_PAIRS]; /* index 0 = pair 1 */
	double sigma_across_mm;		     /* blur across the leaves: leaf sides and jaws */
	double sigma_tip_mm; /* blur along the travel: source and rounded leaf ends */
	double transmission; /* relative dose through closed leaves */
	double interleaf;    /* extra relative dose in the gap between two pairs */
	bool has_jaws;	     /* diaphragms limiting the across axis */
	double jaw_lo_mm, jaw_hi_mm;
	double rotation_deg; /* counter-clockwise on screen, about the isocentre */
};

/* A Unity-like default: 80 pairs of 7.15 mm, boundary 40/41 through the isocentre, all closed. */
void phm_defaults(struct phm_spec *s, enum ph_style style);
/* Span of pair `pair` (1-based) across the leaves, mm from the isocentre. */
void phm_pair_span(const struct phm_spec *s, int pair, double *lo, double *hi);
/* Opens pairs first..last with tips a (smaller) and b; the others stay as they are. */
void phm_strip(struct phm_spec *s, int first, int last, double a, double b);
/* Opens n slits (centre, width along the travel) in pairs first..last. */
void phm_slits(struct phm_spec *s, int first, int last, int n, const double *centre,
	       const double *width);
/* Renders stored values (owned: free()). */
unsigned short *phm_render(const struct phm_spec *s);
/* Where the analysis must find tip a (dir -1) or b (dir +1) of opening k of a pair: the
 * inflection point of the pair's own profile along the travel (FFF horn included, neighbours
 * left out), on the pair's central line, rotation included. It is the leaf end on wide openings;
 * on narrow ones the facing edge's blur moves it outwards (0.3 mm per edge on a 5 mm opening). */
double phm_tip_truth(const struct phm_spec *s, int pair, int k, int dir);
/* The across-axis position (mm) of the centre of a pair (its span's middle). */
double phm_pair_centre(const struct phm_spec *s, int pair);

/*
 * Test sets written as DICOM files with truth.json into dir (which must exist), on the imager
 * of `base` (style, noise, MONOCHROME1 ...). Leaf set: six 20 x 200 mm strips as the real AQUA
 * plan (pairs 27-54, centres -30 ... +30 mm) with deliberate errors of 0.3 to 15 mm, a closed
 * pair, a staircase and a rotation, each pair's truth and expected class (ok, tolerance over
 * 1 mm, action over 2 mm or closed). Slit set: five 5 mm slits, then 10, 15 and 20 mm slits
 * with leaves out of line. Returns 0, or 1 with a message on stderr.
 */
int phm_write_leaf_set(const char *dir, const struct ph_spec *base);
int phm_write_slit_set(const char *dir, const struct ph_spec *base);

#endif
