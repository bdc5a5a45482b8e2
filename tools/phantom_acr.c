/* Synthetic ACR large-phantom MR series of known truth: the layout measured on real scans. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "phantom.h"
#include "phantom_acr.h"
#include "qc/dicom.h"

#define R	   95.0 /* inner radius */
#define RECESS_W   18.0 /* the recess in the top wall: half width ... */
#define RECESS_D   5.0	/* ... and depth */
#define SUPER	   3	/* samples per pixel along each axis */
#define BAND_U	   88.0 /* slice 1: the slice-thickness insert, |u| < 88, |v| < 5.5 */
#define BAND_V	   5.5
#define SEPTUM	   0.4	 /* dark line between the two ramps, |v| < 0.4 */
#define RAMP_AMP   0.25	 /* ramp signal over the band's 0.1 */
#define SLOT_HALF  5.75	 /* wedge slot half width */
#define BAR_END	   -63.0 /* mean depth of the wedge bar ends */
#define HOLE_V	   38.0	 /* corner hole of each pair of arrays: u = -13.6 + 23 k, v = 38 */
#define HOLE_U0	   -13.6
#define HOLE_PAIR  23.0
#define GHOST_HALF 70.0 /* ghosts: a band |x| < 70 mm above and below the phantom */

void ph_acr_defaults(struct ph_acr_spec *s)
{
	memset(s, 0, sizeof(*s));
	s->size = 256;
	s->fov_mm = 250;
	s->diam_x_mm = s->diam_y_mm = 190;
	s->thickness_mm = 5;
	s->signal = 1000;
	s->slice_gap_mm = 10;
	s->seed = 1;
}

static double cdf(double x)
{
	return 0.5 * erfc(-x / sqrt(2.0));
}

/* 1 inside [a, b], edges blurred by a Gaussian of sd sig (half-maximum exactly at a and b). */
static double box(double u, double a, double b, double sig)
{
	return cdf((u - a) / sig) - cdf((u - b) / sig);
}

static void ramps(const struct ph_acr_spec *s, double *a, double *b)
{
	*a = s->thickness_mm / (0.1 + s->tilt);
	*b = s->thickness_mm / (0.1 - s->tilt);
}

/* Inside a hole of one of the six arrays. */
static bool in_hole(double u, double v)
{
	for (int k = 0; k < 3; k++) {
		double d = 1.1 - 0.1 * k, p = 2 * d, cu = HOLE_U0 + HOLE_PAIR * k;
		double i = round((u - cu) / p), j = round((v - HOLE_V) / p);
		bool ul = i >= -3 && i <= 0 && j >= -3 && j <= 0;
		bool lr = i >= 0 && i <= 3 && j >= 0 && j <= 3;
		if (!ul && !lr)
			continue;
		double du = u - (cu + i * p), dv = v - (HOLE_V + j * p);
		if (du * du + dv * dv <= 0.25 * d * d)
			return true;
	}
	return false;
}

/* The slot of the wedges from the top wall down to the bar ends (right bar longer by diff). */
static double wedges(const struct ph_acr_spec *s, double u, double v, double diff)
{
	if (fabs(u) >= SLOT_HALF || v > BAR_END + 15)
		return 1;
	double end = BAR_END + (u < 0 ? -0.5 : 0.5) * diff;
	/* a 45° wedge crossed by the slice: the bar fades out over about a slice thickness */
	return cdf((v - end) / (0.4 * s->thickness_mm));
}

static double slice1(const struct ph_acr_spec *s, double u, double v)
{
	double w = wedges(s, u, v, s->bar_s1_mm);
	if (w < 1)
		return w;
	double dr = hypot(u + 50, v + 45);
	if (dr >= 11.5 && dr <= 16)
		return 0;
	if (fabs(u) < BAND_U && fabs(v) <= BAND_V) {
		if (fabs(v) < SEPTUM)
			return 0.03;
		double a, b;
		ramps(s, &a, &b);
		/* the upper ramp centred at u = +5, the lower at u = -5 */
		double c = v < 0 ? 5 : -5, len = v < 0 ? a : b;
		return 0.1 + RAMP_AMP * box(u, c - 0.5 * len, c + 0.5 * len, 0.1 * len);
	}
	if (u >= -58 && u <= 57 && v >= 18 && v <= 46)
		return in_hole(u, v) ? 1 : 0.05;
	return 1;
}

static double slice5(double u, double v)
{
	if (fabs(u) > 76 || fabs(v) > 76 || hypot(u, v) > 82)
		return 1;
	double gu = fabs(fmod(u + 75 + 1500, 15.0)), gv = fabs(fmod(v + 75 + 1500, 15.0));
	gu = fmin(gu, 15 - gu);
	gv = fmin(gv, 15 - gv);
	return gu < 0.75 || gv < 0.75 ? 0.1 : 1;
}

/* Relative signal of slice k at phantom point (u, v) inside the wall. */
static double content(const struct ph_acr_spec *s, int k, double u, double v)
{
	if (v < -(R - RECESS_D) && fabs(u) < RECESS_W)
		return 0;
	switch (k) {
	case 1: return slice1(s, u, v);
	case 5: return slice5(u, v);
	case 7: return 1 + s->gradient * u / R;
	case 11: {
		double w = wedges(s, u, v, s->bar_s11_mm), r = hypot(u, v);
		return r >= 47 && r <= 50 ? 0.1 : w;
	}
	default: return 1;
	}
}

/* Relative signal at image point (X, Y) mm from the image centre. */
static double at(const struct ph_acr_spec *s, int k, double X, double Y)
{
	double x = (X - s->cx_mm) * 190 / s->diam_x_mm, y = (Y - s->cy_mm) * 190 / s->diam_y_mm;
	if (x * x + y * y > R * R)
		return k == 7 && fabs(X - s->cx_mm) < GHOST_HALF ? s->ghost : 0;
	double t = s->rot_deg * PH_PI / 180, c = cos(t), sn = sin(t);
	return content(s, k, x * c - y * sn, x * sn + y * c);
}

static uint64_t next(uint64_t *st)
{
	*st ^= *st >> 12;
	*st ^= *st << 25;
	*st ^= *st >> 27;
	return *st * 2685821657736338717ULL;
}

static double gauss(uint64_t *st)
{
	double a = ((next(st) >> 11) + 0.5) / 9007199254740992.0;
	double b = ((next(st) >> 11) + 0.5) / 9007199254740992.0;
	return sqrt(-2 * log(a)) * cos(2 * PH_PI * b);
}

/* Gaussian blur along x (pass 0) or y (pass 1) of FWHM f pixels, edges clamped. */
static void blur(float *px, int n, double f, int pass)
{
	double sig = f / 2.3548;
	int r = (int)ceil(3 * sig);
	double *k = qc_xmalloc((size_t)(2 * r + 1) * sizeof(double)), sum = 0;
	for (int i = -r; i <= r; i++)
		sum += k[i + r] = exp(-0.5 * i * i / (sig * sig));
	float *t = qc_xmalloc((size_t)n * (size_t)n * sizeof(float));
	for (int y = 0; y < n; y++)
		for (int x = 0; x < n; x++) {
			double acc = 0;
			for (int i = -r; i <= r; i++) {
				int xx = pass ? x : x + i, yy = pass ? y + i : y;
				xx = xx < 0 ? 0 : xx >= n ? n - 1 : xx;
				yy = yy < 0 ? 0 : yy >= n ? n - 1 : yy;
				acc += k[i + r] * px[(size_t)yy * (size_t)n + (size_t)xx];
			}
			t[(size_t)y * (size_t)n + (size_t)x] = (float)(acc / sum);
		}
	memcpy(px, t, (size_t)n * (size_t)n * sizeof(float));
	free(t);
	free(k);
}

void ph_acr_render(const struct ph_acr_spec *s, int k, float *px)
{
	int n = s->size;
	/* the slices only used to order the series have no fine detail */
	int sup = k == 1 || k == 5 || k == 7 || k == 11 ? SUPER : 2;
	double p = s->fov_mm / n, c = (n - 1) / 2.0;
	for (int y = 0; y < n; y++)
		for (int x = 0; x < n; x++) {
			double acc = 0;
			for (int j = 0; j < sup; j++)
				for (int i = 0; i < sup; i++) {
					double X = (x - c + (i + 0.5) / sup - 0.5) * p;
					double Y = (y - c + (j + 0.5) / sup - 0.5) * p;
					acc += at(s, k, X, Y);
				}
			px[(size_t)y * (size_t)n + (size_t)x] =
			    (float)(s->signal * acc / (sup * sup));
		}
	if (s->psf_x_mm > 0)
		blur(px, n, s->psf_x_mm / p, 0);
	if (s->psf_y_mm > 0)
		blur(px, n, s->psf_y_mm / p, 1);
	if (s->noise_sd > 0) {
		uint64_t st = 0x9E3779B97F4A7C15ULL ^ ((uint64_t)s->seed << 8) ^ (uint64_t)k;
		for (int i = 0; i < 20; i++)
			next(&st);
		for (size_t i = 0; i < (size_t)n * (size_t)n; i++)
			px[i] += (float)(s->noise_sd * gauss(&st));
	}
}

/* Slice position along z: slice 1 lowest, unless head_last. */
static double z_of(const struct ph_acr_spec *s, int k)
{
	double z = (k - 6) * s->slice_gap_mm;
	return s->head_last ? -z : z;
}

static void geometry(const struct ph_acr_spec *s, int k, struct qc_image *img)
{
	double p = s->fov_mm / s->size;
	img->geo.pixel_x_mm = img->geo.pixel_y_mm = p;
	img->geo.has_spacing = true;
	img->geo.scale_iso = 1;
	img->geo.rescale_slope = 1;
	img->geo.image_position[0] = -0.5 * (s->size - 1) * p;
	img->geo.image_position[1] = -0.5 * (s->size - 1) * p;
	img->geo.image_position[2] = z_of(s, k);
	static const double ori[6] = {1, 0, 0, 0, 1, 0};
	memcpy(img->geo.image_orientation, ori, sizeof(ori));
	img->geo.has_position = img->geo.has_orientation = true;
	img->geo.slice_thickness_mm = s->thickness_mm;
	img->geo.has_slice_thickness = true;
	img->geo.field_strength_t = 1.5;
	qc_strlcpy(img->tags.modality, "MR", sizeof(img->tags.modality));
	qc_strlcpy(img->tags.manufacturer, "unityqc", sizeof(img->tags.manufacturer));
	qc_strlcpy(img->tags.series_description, "generated ACR T1",
		   sizeof(img->tags.series_description));
	qc_strlcpy(img->tags.photometric, "MONOCHROME2", sizeof(img->tags.photometric));
	img->tags.rows = img->tags.columns = s->size;
	img->tags.instance_number = k;
	img->stored_max = 65535;
}

void ph_acr_image(const struct ph_acr_spec *s, int k, struct qc_image *img)
{
	qc_image_alloc(img, s->size, s->size);
	ph_acr_render(s, k, img->px);
	geometry(s, k, img);
	img->tags.frames = 1;
}

void ph_acr_multiframe(const struct ph_acr_spec *s, bool from_11, struct qc_image *img)
{
	size_t n = (size_t)s->size * (size_t)s->size;
	qc_image_alloc(img, s->size, s->size);
	free(img->px);
	img->px = qc_xmalloc(n * PH_ACR_SLICES * sizeof(float));
	for (int f = 0; f < PH_ACR_SLICES; f++)
		ph_acr_render(s, from_11 ? PH_ACR_SLICES - f : f + 1, img->px + (size_t)f * n);
	geometry(s, from_11 ? PH_ACR_SLICES : 1, img);
	img->frames = img->tags.frames = PH_ACR_SLICES;
	img->tags.instance_number = 1;
}

void ph_acr_truth(const struct ph_acr_spec *s, struct ph_acr_truth *t)
{
	memset(t, 0, sizeof(*t));
	double a, b, sx = s->diam_x_mm / 190;
	ramps(s, &a, &b);
	/* the ramps run along u, imaged along x (small turns) */
	t->ramp_a_mm = a * sx;
	t->ramp_b_mm = b * sx;
	t->thickness_mm = 0.2 * t->ramp_a_mm * t->ramp_b_mm / (t->ramp_a_mm + t->ramp_b_mm);
	t->bar_s1_mm = s->bar_s1_mm;
	t->bar_s11_mm = s->bar_s11_mm;
	double ax = s->diam_x_mm / 2, ay = s->diam_y_mm / 2, c = cos(PH_PI / 4);
	t->length_h_mm = s->diam_x_mm;
	t->length_v_mm = s->diam_y_mm;
	t->length_nw_se_mm = t->length_ne_sw_mm = 2 / sqrt(c * c / (ax * ax) + c * c / (ay * ay));
	/* PIU of a linear gradient: the 1 cm^2 means are the values at their centres, which
	 * reach 74.1 mm (the 200 cm^2 radius less the small one) from the centre */
	double reach = sqrt(20000 / PH_PI) - sqrt(100 / PH_PI);
	t->piu_pct = 100 * (1 - s->gradient * reach / R / sx);
	t->ghosting_pct = 100 * s->ghost;
	t->snr = s->noise_sd > 0 ? s->signal / s->noise_sd : INFINITY;
	t->centre_x_mm = s->cx_mm;
	t->centre_y_mm = s->cy_mm;
	t->rot_deg = s->rot_deg;
}

enum qc_status ph_acr_write(const char *path, const struct ph_acr_spec *s, int k)
{
	size_t n = (size_t)s->size * (size_t)s->size;
	float *px = qc_xmalloc(n * sizeof(float));
	unsigned short *raw = qc_xmalloc(n * sizeof(*raw));
	ph_acr_render(s, k, px);
	/* stored = value + 100 (noise may go below zero), undone by the rescale intercept */
	for (size_t i = 0; i < n; i++) {
		double v = round(px[i] + 100);
		raw[i] = (unsigned short)(v < 0 ? 0 : v > 65535 ? 65535 : v);
	}
	struct dcm_write_spec w = {
	    .width = s->size,
	    .height = s->size,
	    .px = raw,
	    .bits_stored = 16,
	    .photometric = "MONOCHROME2",
	    .pixel_mm = s->fov_mm / s->size,
	    .rescale_slope = 1,
	    .rescale_intercept = -100,
	    .modality = "MR",
	    .manufacturer = "unityqc",
	    .model = "generated ACR",
	    .study_id = "ACR",
	    .patient_id = "ACR_PHANTOM",
	    .patient_name = "ACR^PHANTOM",
	    .series_description = "generated ACR T1",
	    .date = "20260105",
	    .time = "100000",
	    .study_uid = "1.2.826.0.1.3680043.10.1.1",
	    .series_uid = "1.2.826.0.1.3680043.10.1.1.1",
	    .instance_number = s->head_last ? PH_ACR_SLICES + 1 - k : k,
	};
	enum qc_status st = dcm_write(path, &w);
	free(raw);
	free(px);
	return st;
}
