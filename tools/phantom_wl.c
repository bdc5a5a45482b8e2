/* Synthetic Winston-Lutz images: an attenuating sphere (BB) in a small MV field, known truth. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phantom_wl.h"
#include "qc/dicom.h"

#define SUPERSAMPLE 4

void wl_defaults(struct wl_spec *s, enum ph_style style)
{
	memset(s, 0, sizeof(*s));
	ph_defaults(&s->img, style);
	s->img.study_id = "WINSTON_LUTZ";
	s->img.series_description = "generated Winston-Lutz";
	s->img.tail = 0.03;
	s->field_mm = 20;
	s->field_sigma_mm = 1.8;
	s->bb_mm = 6;
	s->bb_mu_per_mm =
	    0.045; /* tungsten carbide at 6-7 MV: about 24 % less dose at the centre */
	s->bb_sigma_mm = 0.5;
}

/* The BB centre on the image (mm at isocentre, x right, y down) through the source. */
static void project_bb(const struct wl_spec *s, double *u, double *v)
{
	double c = cos(s->couch_deg * PH_PI / 180), sn = sin(s->couch_deg * PH_PI / 180);
	/* The couch turns the BB about the vertical axis through the isocentre. */
	double x = c * s->bb[0] - sn * s->bb[1], y = sn * s->bb[0] + c * s->bb[1], z = s->bb[2];
	double g = s->gantry_deg * PH_PI / 180, cg = cos(g), sg = sin(g);
	double depth = x * sg + z * cg; /* towards the source */
	double mag = s->img.sad_mm / (s->img.sad_mm - depth);
	*u = (x * cg - z * sg) * mag;
	*v = -y * mag;
}

static double hat(double u, double a, double b, double sigma)
{
	return 0.5 * (erf((u - a) / (M_SQRT2 * sigma)) - erf((u - b) / (M_SQRT2 * sigma)));
}

/* Relative dose of the field (without BB) at (X, Y) mm from the isocentre. */
static double field(const struct wl_spec *s, double X, double Y)
{
	double dx = X - s->field_shift_mm[0], dy = Y - s->field_shift_mm[1];
	double r = s->field_mm / 2, sg = s->field_sigma_mm;
	double open;
	if (s->circle)
		open = 0.5 * erfc((hypot(dx, dy) - r) / (M_SQRT2 * sg));
	else {
		double th = s->collimator_deg * PH_PI / 180, c = cos(th), sn = sin(th);
		double u = dx * c - dy * sn, v = dx * sn + dy * c;
		open = hat(u, -r, r, sg) * hat(v, -r, r, sg);
	}
	double tail = s->img.tail * exp(-0.5 * (dx * dx + dy * dy) / (4 * r * r));
	double h = hypot(X, Y) / s->img.horn_mm;
	return (open + tail) / sqrt(1 + h * h);
}

static void blur(double *a, int n, double sigma_px)
{
	int k = (int)ceil(3 * sigma_px);
	if (sigma_px <= 0 || k < 1)
		return;
	double *w = qc_xmalloc((size_t)(2 * k + 1) * sizeof(double)), ws = 0;
	double *tmp = qc_xmalloc((size_t)n * (size_t)n * sizeof(double));
	for (int j = -k; j <= k; j++)
		ws += w[j + k] = exp(-0.5 * j * j / (sigma_px * sigma_px));
	for (int pass = 0; pass < 2; pass++) {
		for (int y = 0; y < n; y++)
			for (int x = 0; x < n; x++) {
				double acc = 0;
				for (int j = -k; j <= k; j++) {
					int xx = pass ? x : x + j, yy = pass ? y + j : y;
					if (xx >= 0 && xx < n && yy >= 0 && yy < n)
						acc += w[j + k] *
						       a[(size_t)yy * (size_t)n + (size_t)xx];
				}
				tmp[(size_t)y * (size_t)n + (size_t)x] = acc / ws;
			}
		memcpy(a, tmp, (size_t)n * (size_t)n * sizeof(double));
	}
	free(w);
	free(tmp);
}

/* The BB's absorbed fraction on a square patch of pixels around its centre (pixel-averaged,
 * then blurred). */
static double *bb_patch(const struct wl_spec *s, double cx, double cy, int *x0, int *y0, int *n)
{
	double px = ph_pixel_iso(&s->img), r = s->bb_mm / 2;
	int half = (int)ceil((r + 4 * s->bb_sigma_mm) / px) + 2;
	*n = 2 * half + 1;
	*x0 = (int)lround(cx) - half;
	*y0 = (int)lround(cy) - half;
	double *a = qc_xcalloc((size_t)*n * (size_t)*n, sizeof(double));
	for (int j = 0; j < *n; j++)
		for (int i = 0; i < *n; i++) {
			double sum = 0;
			for (int sy = 0; sy < SUPERSAMPLE; sy++)
				for (int sx = 0; sx < SUPERSAMPLE; sx++) {
					double x = *x0 + i - 0.5 + (sx + 0.5) / SUPERSAMPLE;
					double y = *y0 + j - 0.5 + (sy + 0.5) / SUPERSAMPLE;
					double rho = hypot(x - cx, y - cy) * px;
					if (rho < r)
						sum += 1 - exp(-s->bb_mu_per_mm * 2 *
							       sqrt(r * r - rho * rho));
				}
			a[(size_t)j * (size_t)*n + (size_t)i] = sum / (SUPERSAMPLE * SUPERSAMPLE);
		}
	blur(a, *n, s->bb_sigma_mm / px);
	return a;
}

unsigned short *wl_render(const struct wl_spec *s, struct wl_truth *t)
{
	const struct ph_spec *g = &s->img;
	double px = ph_pixel_iso(g), bu, bv;
	project_bb(s, &bu, &bv);
	int bx0, by0, bn;
	double *absorbed = bb_patch(s, g->iso_col + bu / px, g->iso_row + bv / px, &bx0, &by0, &bn);
	double sigma_noise = ph_noise_sd(g);
	unsigned long long st = ph_noise_state(g, 5);
	unsigned short *raw = qc_xmalloc((size_t)g->cols * (size_t)g->rows * sizeof(*raw));
	for (int y = 0; y < g->rows; y++) {
		unsigned short *row = raw + (size_t)y * (size_t)g->cols;
		if (ph_unread_row(g, y, row))
			continue;
		for (int x = 0; x < g->cols; x++) {
			double d = field(s, (x - g->iso_col) * px, (y - g->iso_row) * px);
			int i = x - bx0, j = y - by0;
			if (i >= 0 && i < bn && j >= 0 && j < bn)
				d *= 1 - absorbed[(size_t)j * (size_t)bn + (size_t)i];
			row[x] = ph_stored(g, d, sigma_noise > 0 ? sigma_noise * ph_gauss(&st) : 0);
		}
	}
	free(absorbed);
	if (t) {
		t->bb_x_mm = bu;
		t->bb_y_mm = bv;
		t->field_x_mm = s->field_shift_mm[0];
		t->field_y_mm = s->field_shift_mm[1];
		t->bb_to_field_mm = hypot(t->field_x_mm - bu, t->field_y_mm - bv);
	}
	return raw;
}

void wl_image(const struct wl_spec *s, const unsigned short *raw, struct qc_image *img)
{
	ph_image(&s->img, raw, img);
	img->geo.gantry_deg = s->gantry_deg;
	img->geo.collimator_deg = s->collimator_deg;
	img->geo.couch_deg = s->couch_deg;
	img->geo.has_gantry = img->geo.has_collimator = img->geo.has_couch = true;
}

enum qc_status wl_write(const char *path, const struct wl_spec *s, const unsigned short *raw,
			bool no_meta)
{
	struct dcm_write_spec w;
	ph_dcm_spec(&s->img, raw, &w);
	w.gantry_deg = s->gantry_deg;
	w.has_collimator_couch = true;
	w.collimator_deg = s->collimator_deg;
	w.couch_deg = s->couch_deg;
	w.no_meta = no_meta;
	return dcm_write(path, &w);
}

/* Determinant of a 3 x 3 matrix given by rows. */
static double det3(const double m[3][3])
{
	return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
	       m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
	       m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
}

bool wl_truth_shift(const struct wl_spec *s, int n, double shift[3])
{
	double m[3][3] = {{0}}, b[3] = {0};
	for (int i = 0; i < n; i++) {
		if (fabs(remainder(s[i].couch_deg, 360)) > 0.5)
			continue;
		struct wl_truth t;
		double bu, bv;
		project_bb(&s[i], &bu, &bv);
		t.field_x_mm = s[i].field_shift_mm[0];
		t.field_y_mm = s[i].field_shift_mm[1];
		double du = t.field_x_mm - bu, dv = t.field_y_mm - bv;
		double g = s[i].gantry_deg * PH_PI / 180;
		/* Rows of the projection: u = (cos g, 0, -sin g) . S, v = (0, -1, 0) . S */
		double pu[3] = {cos(g), 0, -sin(g)}, pv[3] = {0, -1, 0};
		for (int r = 0; r < 3; r++) {
			for (int c = 0; c < 3; c++)
				m[r][c] += pu[r] * pu[c] + pv[r] * pv[c];
			b[r] += pu[r] * du + pv[r] * dv;
		}
	}
	double d = det3(m);
	if (fabs(d) < 1e-9)
		return false;
	for (int k = 0; k < 3; k++) {
		double mk[3][3];
		memcpy(mk, m, sizeof(mk));
		for (int r = 0; r < 3; r++)
			mk[r][k] = b[r];
		shift[k] = det3(mk) / d; /* Cramer's rule */
	}
	return true;
}

void wl_truth_json(const struct wl_spec *s, const struct wl_truth *t, const char *file,
		   struct qc_buf *b)
{
	qc_buf_add(b, "{\"file\": ");
	qc_json_str(b, file);
	qc_buf_addf(b,
		    ", \"gantry_deg\": %.1f, \"collimator_deg\": %.1f, \"couch_deg\": %.1f,\n"
		    "   \"bb_x_mm\": %.4f, \"bb_y_mm\": %.4f, \"field_x_mm\": %.4f, "
		    "\"field_y_mm\": %.4f, \"bb_to_field_mm\": %.4f,\n"
		    "   \"bb_room_mm\": [%.3f, %.3f, %.3f], \"field_mm\": %.1f, \"circle\": %s, "
		    "\"bb_mm\": %.1f, \"noise_pct\": %.3f}",
		    s->gantry_deg, s->collimator_deg, s->couch_deg, t->bb_x_mm, t->bb_y_mm,
		    t->field_x_mm, t->field_y_mm, t->bb_to_field_mm, s->bb[0], s->bb[1], s->bb[2],
		    s->field_mm, s->circle ? "true" : "false", s->bb_mm, s->img.noise_pct);
}

enum qc_status wl_write_set(const char *dir, const struct ph_spec *base)
{
	static struct wl_spec s[8];
	struct qc_buf b = {0};
	char path[1024], name[32];
	enum qc_status st = QC_OK;
	ph_truth_begin(&b, "winston_lutz");
	qc_buf_add(&b, "\n");
	for (int i = 0; i < 8 && !st; i++) {
		wl_defaults(&s[i], base->style);
		s[i].img.noise_pct = base->noise_pct;
		s[i].img.seed = base->seed + (unsigned)i;
		s[i].img.mono1 = base->mono1;
		s[i].img.instance_number = i + 1;
		s[i].img.series_uid = "1.2.826.0.1.3680043.10.1138.77.1";
		s[i].gantry_deg = 45 * i;
		s[i].bb[0] = 0.6;
		s[i].bb[1] = -0.4;
		s[i].bb[2] = 0.5;
		s[i].field_shift_mm[1] = 0.3 * cos(s[i].gantry_deg * PH_PI / 180);
		struct wl_truth t;
		unsigned short *raw = wl_render(&s[i], &t);
		snprintf(name, sizeof(name), "gantry%03d.dcm", 45 * i);
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		st = wl_write(path, &s[i], raw, i == 2);
		free(raw);
		qc_buf_add(&b, i ? ",\n  " : "  ");
		wl_truth_json(&s[i], &t, name, &b);
	}
	double shift[3] = {0, 0, 0};
	wl_truth_shift(s, 8, shift);
	qc_buf_addf(&b,
		    "\n], \"bb_shift_mm\": [%.4f, %.4f, %.4f], \"bb_offset_3d_mm\": %.4f, "
		    "\"gantry_iso_diameter_mm\": 0.6}\n",
		    shift[0], shift[1], shift[2],
		    sqrt(shift[0] * shift[0] + shift[1] * shift[1] + shift[2] * shift[2]));
	if (!st)
		st = ph_truth_save(dir, b.s);
	qc_buf_release(&b);
	return st;
}
