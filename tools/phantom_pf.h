/* Synthetic MLC picket fence images with per-leaf errors of known truth (tests, mvgen, bench). */
#ifndef QC_PHANTOM_PF_H
#define QC_PHANTOM_PF_H

#include "phantom.h"
#include "qc/analysis.h"

#define PF_MAX_PICKETS 16

/*
 * A picket fence: every moving leaf pair opens a narrow gap at each picket position along the
 * leaf travel. Coordinates are mm at isocentre from the isocentre: u along the leaf travel, v
 * across the leaves (the machine's pair spans). pf_defaults() fills a realistic start.
 */
struct pf_spec {
	struct ph_spec img;	      /* imaging traits: style, size, read-out, isocentre, noise */
	const struct qc_machine *mlc; /* borrowed: leaf widths, travel axis, boundary, numbering */
	int n_pickets;
	double picket_mm[PF_MAX_PICKETS]; /* nominal positions along the travel */
	double gap_mm;			  /* opening between facing leaf tips */
	double tip_sigma_mm;		  /* blur of the leaf tips along the travel */
	double side_sigma_mm;		  /* blur across the leaves and of the jaws */
	int first_pair, last_pair;	  /* pairs that open (the others stay under the jaws) */
	double jaw_lo_mm, jaw_hi_mm;	  /* jaws along the travel */
	double transmission;		  /* through the closed leaves, per picket delivered */
	double leakage;			  /* extra dose along each pair boundary (interleaf) */
	double tg_dip;			  /* tongue-and-groove underdose at boundaries in a gap */
	double rotation_deg;		  /* of the whole pattern, counter-clockwise on screen */
	/* Injected tip errors (mm along +u) per picket and pair (index = pair number): the leaf
	 * closing the gap on the low-u side and the one on the high-u side. */
	double err_lo[PF_MAX_PICKETS][QC_MAX_LEAF_PAIRS + 1];
	double err_hi[PF_MAX_PICKETS][QC_MAX_LEAF_PAIRS + 1];
};

void pf_defaults(struct pf_spec *s, enum ph_style style, const struct qc_machine *mlc);
/* Stored values (owned: free()), with the traits of s->img (inverted Unity values ...). */
unsigned short *pf_render(const struct pf_spec *s);
/* Truth: the displacement of the gap centre of pair `pair` at picket k from its picket line. */
double pf_truth_error(const struct pf_spec *s, int k, int pair);
/* Writes the truth of every pair of every picket as JSON. */
void pf_truth_json(const struct pf_spec *s, const char *file, struct qc_buf *out);
/*
 * The MLC of each style as the catalogue describes it: the Unity (80 pairs of 7.15 mm, leaves
 * along y, boundary 40/41 through the isocentre) and, for a generic EPID, a Varian Millennium
 * 120 (10 x 10, 40 x 5, 10 x 10 mm, leaves along y, boundary 30/31).
 */
void pf_machine(struct qc_machine *m, enum ph_style style);
/*
 * Writes a picket fence with injected leaf errors (+-0.3 to +-2 mm, both leaves of a pair or one)
 * into dir as picket_fence.dcm with truth.json, in the traits of base (style, noise, seed).
 */
enum qc_status pf_write_set(const char *dir, const struct ph_spec *base);

#endif
