/* Synthetic MR phantom images with known truth (tests, benchmarks): model and DICOM form. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "phantom.h"
#include "phantom_mr.h"
#include "qc/dicom.h"

/* 1 / (2 MTF50) of a Gaussian line spread of sigma 1: MTF = exp(-2 pi^2 sigma^2 f^2). */
#define GAUSS_RES    2.668254
#define MAGNET_PX_MM (250.0 / 256.0)

void phmr_defaults(struct phmr_spec *s, enum phmr_kind kind)
{
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	s->size = 256;
	s->pixel_mm = 250.0 / 256.0;
	s->radius_mm = 95;
	s->width_mm = s->height_mm = 180;
	s->edge_mm = 0.5;
	s->signal = 1000;
	s->noise_sd = 5;
	s->magnitude = true;
	s->phase_axis = 'y';
	s->bump_mm = 15;
	s->slice_mm = 5;
	s->slice_edge_mm = 0.5;
	s->ramp_deg = 11.3;
	s->ramp_depth = 0.3;
	s->rod_spacing_mm = 120;
	s->rod_radius_mm = 2.5;
	s->scale_x = s->scale_y = 1;
	s->square_mm = 40;
	s->square_deg = 10;
	s->slice_thickness_mm = 5;
	s->tr_ms = 1000;
	s->te_ms = 30;
	s->bandwidth_hz = 130;
	s->averages = 1;
	s->field_t = 1.5;
	s->seed = 1;
	switch (kind) {
	case PHMR_BOTTLE:
		s->radius_mm = 20;
		s->cx_mm = s->cy_mm = 70;
		s->signal = 2000;
		s->noise_sd = 3;
		s->ghost = 0.01;
		s->series_description = "QA ghosting";
		break;
	case PHMR_SLICE:
		s->tr_ms = 500;
		s->series_description = "QA slice width";
		break;
	case PHMR_RESOLUTION:
		s->signal = 1500;
		s->tr_ms = 500;
		s->series_description = "QA resolution";
		break;
	case PHMR_FLOOD: s->series_description = "QA flood"; break;
	}
}

static double Phi(double z)
{
	return 0.5 * erfc(-z / M_SQRT2);
}

/* 1 inside (d > 0), 0 outside, blurred by a Gaussian of sigma mm across the boundary. */
static double step(double d, double sigma)
{
	if (sigma > 0)
		return Phi(d / sigma);
	return d > 0 ? 1 : d < 0 ? 0 : 0.5;
}

/* A band |t| < h blurred by sigma. */
static double band(double t, double h, double sigma)
{
	return step(h - t, sigma) - step(-h - t, sigma);
}

static void rod_pos(const struct phmr_spec *s, int k, double *u, double *v)
{
	double pitch = s->rod_spacing_mm / 2;
	*u = (k % 3 - 1) * pitch + s->rod_dx_mm[k];
	*v = (k / 3 - 1) * pitch + s->rod_dy_mm[k];
}

/* The slice profile at z (mm from its centre), 1 at the centre. */
static double slice_profile(const struct phmr_spec *s, double z)
{
	double h = s->slice_mm / 2;
	if (s->slice_edge_mm <= 0)
		return fabs(z) < h ? 1 : 0;
	return band(z, h, s->slice_edge_mm) / band(0, h, s->slice_edge_mm);
}

static double inserts(const struct phmr_spec *s, double u, double v)
{
	double f = 1;
	if (s->kind == PHMR_SLICE) {
		for (int k = 0; k < 9; k++) {
			double ru, rv;
			rod_pos(s, k, &ru, &rv);
			f *= 1 - step(s->rod_radius_mm - hypot(u - ru, v - rv), s->edge_mm);
		}
		/* Ramps half-way between the rod rows; where the slice crosses a ramp the signal
		 * falls by the slice profile, stretched along x by 1 / tan(angle to the slice). */
		double pitch = s->rod_spacing_mm / 2;
		for (int r = 0; r < 2; r++) {
			double vc = (r ? 0.5 : -0.5) * pitch;
			if (fabs(v - vc) >= pitch / 4)
				continue;
			double ang = (s->ramp_deg + (r ? -s->tilt_deg : s->tilt_deg)) * PH_PI / 180;
			f *= 1 - s->ramp_depth * slice_profile(s, u * tan(ang));
		}
	} else if (s->kind == PHMR_RESOLUTION) {
		double a = s->square_deg * PH_PI / 180, c = cos(a), sn = sin(a);
		double ur = u * c + v * sn, vr = -u * sn + v * c, h = s->square_mm / 2;
		f *= 1 - band(ur, h, s->edge_mm) * band(vr, h, s->edge_mm);
	}
	return f;
}

static double model(const struct phmr_spec *s, double x, double y)
{
	double u = (x - s->cx_mm) / s->scale_x, v = (y - s->cy_mm) / s->scale_y;
	double in = s->rectangle ? step(s->width_mm / 2 - fabs(u), s->edge_mm) *
				       step(s->height_mm / 2 - fabs(v), s->edge_mm)
				 : step(s->radius_mm - hypot(u, v), s->edge_mm);
	if (s->bubble_mm > 0) {
		double top = s->rectangle ? s->height_mm / 2 : s->radius_mm;
		in *= step(v + top - s->bubble_mm, s->edge_mm);
	}
	if (in <= 0)
		return 0;
	double g = 1 + s->grad_x * u / 100 + s->grad_y * v / 100;
	g *= 1 + s->bump * exp(-(u * u + v * v) / (2 * s->bump_mm * s->bump_mm));
	if (s->plateau_mm > 0 && (fabs(u) > s->plateau_mm || fabs(v) > s->plateau_mm))
		g *= 1 - s->plateau_drop;
	return s->signal * in * g * inserts(s, u, v);
}

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double gauss(uint64_t *st)
{
	double u1 = ((double)(splitmix(st) >> 11) + 0.5) / 9007199254740992.0;
	double u2 = (double)(splitmix(st) >> 11) / 9007199254740992.0;
	return sqrt(-2 * log(u1)) * cos(2 * PH_PI * u2);
}

/* Noise-free mean over a band of lines, at one position of a MagNET profile. */
static double profile_value(const struct phmr_spec *s, bool horiz, int along, int across, int n)
{
	double c = (s->size - 1) / 2.0, acc = 0;
	for (int j = 0; j < n; j++) {
		int a = across - n / 2 + j;
		double x = ((horiz ? along : a) - c) * s->pixel_mm;
		double y = ((horiz ? a : along) - c) * s->pixel_mm;
		acc += model(s, x, y);
	}
	return acc / n;
}

/* The MagNET fractional uniformity of the noise-free model (its definition, exactly). */
static double fraction(const struct phmr_spec *s, const struct phmr_truth *t, bool horiz)
{
	int n = (int)lround(10 * MAGNET_PX_MM / s->pixel_mm);
	int len = (int)lround(160 * MAGNET_PX_MM / s->pixel_mm);
	int cx = (int)floor(t->cx_px), cy = (int)floor(t->cy_px);
	double ref = profile_value(s, true, cx, cy, 1);
	int count = 0;
	for (int i = 0; i < len; i++) {
		int at = (horiz ? cx : cy) - len / 2 + i;
		double v = profile_value(s, horiz, at, horiz ? cy : cx, n);
		count += v > 0.9 * ref && v < 1.1 * ref;
	}
	return (double)count / len;
}

static void cv(const double d[3], double *mean, double *cv_pct)
{
	*mean = (d[0] + d[1] + d[2]) / 3;
	double ss = 0;
	for (int i = 0; i < 3; i++)
		ss += (d[i] - *mean) * (d[i] - *mean);
	*cv_pct = 100 * sqrt(ss / 2) / *mean;
}

static void truth_of(const struct phmr_spec *s, struct phmr_truth *t)
{
	memset(t, 0, sizeof(*t));
	double c = (s->size - 1) / 2.0;
	t->cx_px = c + s->cx_mm / s->pixel_mm;
	t->cy_px = c + s->cy_mm / s->pixel_mm;
	t->snr = s->noise_sd > 0 ? s->signal / s->noise_sd : INFINITY;
	t->uniformity_integral_pct = 100 * s->bump / (2 + s->bump);
	t->uniformity_fraction_h = fraction(s, t, true);
	t->uniformity_fraction_v = fraction(s, t, false);
	/* A smeared ghost also lies on the phantom and raises its signal by the same amount. */
	t->ghost_pct = 100 * s->ghost / (s->ghost_smear ? 1 + s->ghost : 1);
	t->slice_width_mm = s->slice_mm;
	double al = s->ramp_deg * PH_PI / 180, ti = s->tilt_deg * PH_PI / 180;
	t->slice_top_mm = s->slice_mm * tan(al) / tan(al + ti);
	t->slice_bottom_mm = s->slice_mm * tan(al) / tan(al - ti);
	double X[9], Y[9];
	for (int k = 0; k < 9; k++) {
		double u, v;
		rod_pos(s, k, &u, &v);
		X[k] = s->cx_mm + u * s->scale_x;
		Y[k] = s->cy_mm + v * s->scale_y;
		t->rod_x_px[k] = c + X[k] / s->pixel_mm;
		t->rod_y_px[k] = c + Y[k] / s->pixel_mm;
	}
	double h[3], v[3];
	for (int i = 0; i < 3; i++) {
		h[i] = hypot(X[3 * i + 2] - X[3 * i], Y[3 * i + 2] - Y[3 * i]);
		v[i] = hypot(X[6 + i] - X[i], Y[6 + i] - Y[i]);
	}
	cv(h, &t->linearity_h_mm, &t->distortion_h_pct);
	cv(v, &t->linearity_v_mm, &t->distortion_v_pct);
	t->resolution_mm = GAUSS_RES * s->edge_mm;
}

float *phmr_render(const struct phmr_spec *s, struct phmr_truth *truth)
{
	int n = s->size;
	size_t npx = (size_t)n * (size_t)n;
	double *S = qc_xmalloc(npx * sizeof(double));
	double c = (n - 1) / 2.0;
	for (int j = 0; j < n; j++)
		for (int i = 0; i < n; i++)
			S[(size_t)j * (size_t)n + (size_t)i] =
			    model(s, (i - c) * s->pixel_mm, (j - c) * s->pixel_mm);
	float *px = qc_xmalloc(npx * sizeof(float));
	uint64_t st = 0x5eed0000ULL + s->seed;
	for (int j = 0; j < n; j++)
		for (int i = 0; i < n; i++) {
			double v = S[(size_t)j * (size_t)n + (size_t)i];
			if (s->ghost != 0 && !s->ghost_smear) {
				int gi = s->phase_axis == 'x' ? (i + n / 2) % n : i;
				int gj = s->phase_axis == 'x' ? j : (j + n / 2) % n;
				v += s->ghost * S[(size_t)gj * (size_t)n + (size_t)gi];
			} else if (s->ghost != 0) {
				double d = s->phase_axis == 'x' ? (j - c) * s->pixel_mm - s->cy_mm
								: (i - c) * s->pixel_mm - s->cx_mm;
				double r = s->rectangle ? 0.5 * (s->phase_axis == 'x' ? s->height_mm
										      : s->width_mm)
							: s->radius_mm;
				v += s->ghost * s->signal * (fabs(d) <= r);
			}
			double n1 = s->noise_sd * gauss(&st), n2 = s->noise_sd * gauss(&st);
			v = s->magnitude ? hypot(v + n1, n2) : v + n1;
			px[(size_t)j * (size_t)n + (size_t)i] = (float)round(v + s->offset);
		}
	free(S);
	if (truth)
		truth_of(s, truth);
	return px;
}

void phmr_image(const struct phmr_spec *s, const float *px, struct qc_image *img)
{
	qc_image_alloc(img, s->size, s->size);
	memcpy(img->px, px, (size_t)s->size * (size_t)s->size * sizeof(float));
	img->stored_max = 65535;
	struct qc_geometry *g = &img->geo;
	g->pixel_x_mm = g->pixel_y_mm = s->pixel_mm;
	g->has_spacing = true;
	g->slice_thickness_mm = s->slice_thickness_mm;
	g->has_slice_thickness = s->slice_thickness_mm > 0;
	g->repetition_time_ms = s->tr_ms;
	g->echo_time_ms = s->te_ms;
	g->pixel_bandwidth_hz = s->bandwidth_hz;
	g->averages = s->averages;
	g->field_strength_t = s->field_t;
	static const double axial[6] = {1, 0, 0, 0, 1, 0};
	memcpy(g->image_orientation, axial, sizeof(axial));
	g->has_orientation = true;
	g->image_position[0] = g->image_position[1] = -(s->size - 1) / 2.0 * s->pixel_mm;
	g->has_position = true;
	struct qc_tags *t = &img->tags;
	qc_strlcpy(t->modality, "MR", sizeof(t->modality));
	qc_strlcpy(t->manufacturer, "GENERIC", sizeof(t->manufacturer));
	qc_strlcpy(t->model, "PHANTOM MR", sizeof(t->model));
	qc_strlcpy(t->photometric, "MONOCHROME2", sizeof(t->photometric));
	if (s->series_description)
		qc_strlcpy(t->series_description, s->series_description,
			   sizeof(t->series_description));
	t->samples_per_pixel = 1;
	t->bits_allocated = t->bits_stored = 16;
}

enum qc_status phmr_write(const char *path, const struct phmr_spec *s, const float *px)
{
	size_t npx = (size_t)s->size * (size_t)s->size;
	double lo = 0;
	for (size_t i = 0; i < npx; i++)
		lo = px[i] < lo ? px[i] : lo;
	/* Signed values are stored with an offset that the rescale intercept removes. */
	double intercept = floor(lo);
	unsigned short *raw = qc_xmalloc(npx * sizeof(*raw));
	for (size_t i = 0; i < npx; i++) {
		double v = round(px[i] - intercept);
		raw[i] = (unsigned short)(v < 0 ? 0 : v > 65535 ? 65535 : v);
	}
	struct dcm_write_spec w = {
	    .width = s->size,
	    .height = s->size,
	    .px = raw,
	    .bits_stored = 16,
	    .photometric = "MONOCHROME2",
	    .pixel_mm = s->pixel_mm,
	    .rescale_slope = 1,
	    .rescale_intercept = intercept,
	    .modality = "MR",
	    .manufacturer = "GENERIC",
	    .model = "PHANTOM MR",
	    .patient_id = "QA_MR_PHANTOM",
	    .patient_name = "QA^MR",
	    .series_description = s->series_description,
	    .instance_number = (int)s->seed,
	};
	enum qc_status st = dcm_write(path, &w);
	free(raw);
	return st;
}
