/* Grey previews of images and their rendering as terminal cells with overlays (libcaca). */
#include <caca.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "qc/preview.h"

/* Overlay colours, ANSI numbers. */
enum {
	ANSI_RED = 9,
	ANSI_GREEN = 10,
	ANSI_YELLOW = 11,
	ANSI_BLUE = 12,
	ANSI_MAGENTA = 13,
	ANSI_CYAN = 14,
};

/* The values at fractions lo_q and hi_q of v (NaN ignored), from a fine histogram. */
static void percentiles(const float *v, size_t n, double lo_q, double hi_q, float *lo, float *hi)
{
	enum { BINS = 4096 };
	float mn = INFINITY, mx = -INFINITY;
	size_t count = 0;
	for (size_t i = 0; i < n; i++)
		if (!isnan(v[i])) {
			mn = v[i] < mn ? v[i] : mn;
			mx = v[i] > mx ? v[i] : mx;
			count++;
		}
	*lo = count ? mn : 0;
	*hi = count ? mx : 1;
	if (!count || !(mx > mn))
		return;
	size_t *h = qc_xcalloc(BINS, sizeof(*h));
	double scale = (BINS - 1) / (double)(mx - mn);
	for (size_t i = 0; i < n; i++)
		if (!isnan(v[i]))
			h[(size_t)((v[i] - mn) * scale)]++;
	size_t acc = 0, want_lo = (size_t)(lo_q * count), want_hi = (size_t)(hi_q * count);
	bool have_lo = false;
	for (size_t b = 0; b < BINS; b++) {
		acc += h[b];
		if (!have_lo && acc > want_lo) {
			*lo = (float)(mn + b / scale);
			have_lo = true;
		}
		if (acc > want_hi) {
			*hi = (float)(mn + (b + 1) / scale);
			break;
		}
	}
	free(h);
}

/* Bounding box of the read-out pixels (the whole image when all are valid). */
static void valid_box(const struct qc_image *img, int *x0, int *y0, int *x1, int *y1)
{
	*x0 = 0;
	*y0 = 0;
	*x1 = img->width - 1;
	*y1 = img->height - 1;
	if (!img->valid)
		return;
	int bx0 = img->width, by0 = img->height, bx1 = -1, by1 = -1;
	for (int y = 0; y < img->height; y++) {
		const unsigned char *row = img->valid + (size_t)y * img->width;
		const unsigned char *hit = memchr(row, 1, (size_t)img->width);
		if (!hit)
			continue;
		int first = (int)(hit - row), last = img->width - 1;
		while (!row[last])
			last--;
		bx0 = first < bx0 ? first : bx0;
		bx1 = last > bx1 ? last : bx1;
		by0 = y < by0 ? y : by0;
		by1 = y;
	}
	if (bx1 >= 0) {
		*x0 = bx0;
		*y0 = by0;
		*x1 = bx1;
		*y1 = by1;
	}
}

void prev_make(const struct qc_image *img, int frame, bool inverted, int max_side,
	       struct qc_preview *out)
{
	int x0, y0, x1, y1;
	memset(out, 0, sizeof(*out));
	valid_box(img, &x0, &y0, &x1, &y1);
	int w = x1 - x0 + 1, h = y1 - y0 + 1, longest = w > h ? w : h;
	double step = longest > max_side ? (double)longest / max_side : 1.0;
	int pw = (int)ceil(w / step - 1e-9), ph = (int)ceil(h / step - 1e-9);
	const float *px = img->px + (size_t)frame * img->width * img->height;
	float *acc = qc_xmalloc((size_t)pw * ph * sizeof(*acc));

	/* Box average of the valid pixels under each preview pixel: the rows of a preview row are
	 * summed column by column first, then the columns of each preview pixel. */
	float *colsum =
	    qc_xmalloc((size_t)w * sizeof(*colsum)); /* a few rows: float is exact enough */
	int *colcnt = qc_xmalloc((size_t)w * sizeof(*colcnt));
	/* The image columns under each preview column, worked out once. */
	int *col_a = qc_xmalloc((size_t)pw * sizeof(int)),
	    *col_b = qc_xmalloc((size_t)pw * sizeof(int));
	for (int i = 0; i < pw; i++) {
		col_a[i] = (int)floor(i * step);
		col_b[i] = (int)ceil((i + 1) * step) - 1;
		col_b[i] = col_b[i] > w - 1 ? w - 1 : col_b[i];
	}
	for (int j = 0; j < ph; j++) {
		int ya = y0 + (int)floor(j * step), yb = y0 + (int)ceil((j + 1) * step) - 1;
		yb = yb > y1 ? y1 : yb;
		memset(colsum, 0, (size_t)w * sizeof(*colsum));
		memset(colcnt, 0, (size_t)w * sizeof(*colcnt));
		for (int y = ya; y <= yb; y++) {
			const float *row = px + (size_t)y * img->width + x0;
			/* Branch-free, for vector instructions. */
			if (img->valid) {
				const unsigned char *ok = img->valid + (size_t)y * img->width + x0;
				for (int x = 0; x < w; x++) {
					float v = row[x];
					int in = ok[x] != 0;
					colsum[x] += in ? v : 0.0f;
					colcnt[x] += in;
				}
			} else {
				for (int x = 0; x < w; x++) {
					colsum[x] += row[x];
					colcnt[x]++;
				}
			}
		}
		for (int i = 0; i < pw; i++) {
			int xa = col_a[i], xb = col_b[i];
			double sum = 0;
			int n = 0;
			for (int x = xa; x <= xb; x++) {
				sum += colsum[x];
				n += colcnt[x];
			}
			float v = n ? (float)(sum / n) : NAN;
			acc[(size_t)j * pw + i] = inverted ? -v : v;
		}
	}
	free(colsum);
	free(colcnt);
	free(col_a);
	free(col_b);
	float lo, hi;
	percentiles(acc, (size_t)pw * ph, 0.005, 0.995, &lo, &hi);
	if (!(hi > lo))
		hi = lo + 1;
	out->px = qc_xmalloc((size_t)pw * ph);
	double inv = 1.0 / ((double)hi - lo);
	for (size_t k = 0; k < (size_t)pw * ph; k++) {
		float v = acc[k];
		double t = isnan(v) ? 0 : (v - lo) * inv;
		t = t < 0 ? 0 : (t > 1 ? 1 : t);
		out->px[k] = (unsigned char)(255 * t + 0.5); /* t >= 0: rounds to nearest */
	}
	free(acc);
	out->image = 0;
	out->width = pw;
	out->height = ph;
	out->step = step;
	out->origin_x = x0 - 0.5 + 0.5 * step;
	out->origin_y = y0 - 0.5 + 0.5 * step;
}

void prev_release(struct qc_preview *pv)
{
	free(pv->px);
	memset(pv, 0, sizeof(*pv));
}

void prev_grid_release(struct prev_grid *g)
{
	free(g->cells);
	memset(g, 0, sizeof(*g));
}

/* libcaca numbers colours in CGA order; cells use ANSI order. */
static uint8_t cga_to_ansi(uint8_t c)
{
	static const uint8_t map[16] = {0, 4, 2, 6, 1, 5, 3, 7, 8, 12, 10, 14, 9, 13, 11, 15};
	return c < 16 ? map[c] : 7;
}

/* Without colours libcaca's mono mode prints '?' for bright cells (0.99.beta20): draw the
 * brightness of each cell with a character ramp instead. */
static void ramp(const struct qc_preview *pv, int cw, int ch, bool ascii, struct prev_grid *g)
{
	static const uint32_t utf8_ramp[] = {' ', 0x2591, 0x2592, 0x2593, 0x2588};
	static const char ascii_ramp[] = " .:-=+*#%@";
	for (int y = 0; y < ch; y++)
		for (int x = 0; x < cw; x++) {
			int x0 = x * pv->width / cw, x1 = (x + 1) * pv->width / cw;
			int y0 = y * pv->height / ch, y1 = (y + 1) * pv->height / ch;
			long sum = 0, n = 0;
			for (int j = y0; j < (y1 > y0 ? y1 : y0 + 1) && j < pv->height; j++)
				for (int i = x0; i < (x1 > x0 ? x1 : x0 + 1) && i < pv->width;
				     i++) {
					sum += pv->px[(size_t)j * pv->width + i];
					n++;
				}
			int v = n ? (int)(sum / n) : 0;
			struct prev_cell *c = &g->cells[(size_t)y * cw + x];
			c->ch = ascii ? (uint32_t)ascii_ramp[v * 10 / 256] : utf8_ramp[v * 5 / 256];
			c->fg = 7;
			c->bg = 0;
		}
}

static void dither(const struct qc_preview *pv, int cw, int ch, unsigned flags, struct prev_grid *g)
{
	if (flags & PREV_MONO) {
		ramp(pv, cw, ch, flags & PREV_ASCII, g);
		return;
	}
	caca_canvas_t *cv = caca_create_canvas(cw, ch);
	uint32_t *argb = qc_xmalloc((size_t)pv->width * pv->height * sizeof(*argb));
	if (!cv)
		qc_die("cannot create a libcaca canvas of %d x %d", cw, ch);
	for (size_t k = 0; k < (size_t)pv->width * pv->height; k++) {
		uint32_t v = pv->px[k];
		argb[k] = 0xff000000u | v << 16 | v << 8 | v;
	}
	caca_dither_t *d = caca_create_dither(32, pv->width, pv->height, 4 * pv->width, 0x00ff0000,
					      0x0000ff00, 0x000000ff, 0);
	if (!d)
		qc_die("cannot create a libcaca dither");
	bool ascii = flags & PREV_ASCII;
	caca_set_dither_color(d, "fullgray");
	caca_set_dither_charset(d, ascii ? "ascii" : "shades");
	caca_set_dither_algorithm(d, "fstein");
	caca_dither_bitmap(cv, 0, 0, cw, ch, d, argb);
	for (int y = 0; y < ch; y++)
		for (int x = 0; x < cw; x++) {
			struct prev_cell *c = &g->cells[(size_t)y * cw + x];
			uint32_t attr = caca_get_attr(cv, x, y);
			c->ch = caca_get_char(cv, x, y);
			c->fg = cga_to_ansi(caca_attr_to_ansi_fg(attr));
			c->bg = cga_to_ansi(caca_attr_to_ansi_bg(attr));
			if (ascii && c->ch > 0x7e)
				c->ch = '#';
		}
	caca_free_dither(d);
	caca_free_canvas(cv);
	free(argb);
}

static uint8_t overlay_colour(const struct qc_overlay *o, enum qc_verdict v)
{
	if (v == QC_V_ACT)
		return ANSI_RED;
	if (v == QC_V_TOL)
		return ANSI_YELLOW;
	switch (o->role) {
	case QC_OVR_EDGE: return ANSI_GREEN;
	case QC_OVR_CENTRE: return ANSI_CYAN;
	case QC_OVR_REF: return ANSI_MAGENTA;
	case QC_OVR_ROI: return ANSI_BLUE;
	}
	return ANSI_GREEN;
}

static void put(struct prev_grid *g, int x, int y, uint32_t ch, uint8_t fg)
{
	if (x < 0 || y < 0 || x >= g->cols || y >= g->rows)
		return;
	struct prev_cell *c = &g->cells[(size_t)y * g->cols + x];
	/* Crossing lines become a cross. */
	if (c->overlay && c->ch != ch && ch != '+' && ch != 0x253c)
		ch = c->ch < 0x80 ? '+' : 0x253c;
	c->ch = ch;
	c->fg = fg;
	c->bg = 0;
	c->overlay = true;
}

static void cell_of(const struct prev_grid *g, const struct qc_preview *pv, double x, double y,
		    double *cx, double *cy)
{
	double px = (x - pv->origin_x) / pv->step, py = (y - pv->origin_y) / pv->step;
	*cx = (px - g->x0) / g->sx;
	*cy = (py - g->y0) / g->sy;
}

static void line(struct prev_grid *g, double x0, double y0, double x1, double y1, uint8_t fg,
		 bool ascii)
{
	double dx = x1 - x0, dy = (y1 - y0) * 2; /* cells are twice as tall as wide */
	uint32_t ch;
	if (fabs(dy) < 0.4 * fabs(dx))
		ch = ascii ? '-' : 0x2500;
	else if (fabs(dx) < 0.4 * fabs(dy))
		ch = ascii ? '|' : 0x2502;
	else
		ch = (dx > 0) == (dy > 0) ? (ascii ? '\\' : 0x2572) : (ascii ? '/' : 0x2571);
	int steps = (int)ceil(fmax(fabs(x1 - x0), fabs(y1 - y0))) + 1;
	for (int i = 0; i <= steps; i++) {
		double t = (double)i / steps;
		put(g, (int)floor(x0 + t * (x1 - x0)), (int)floor(y0 + t * (y1 - y0)), ch, fg);
	}
}

static void draw_overlay(struct prev_grid *g, const struct qc_preview *pv,
			 const struct qc_overlay *o, uint8_t fg, bool ascii)
{
	double ax, ay, bx, by;
	cell_of(g, pv, o->x0, o->y0, &ax, &ay);
	switch (o->kind) {
	case QC_OV_LINE:
		cell_of(g, pv, o->x1, o->y1, &bx, &by);
		line(g, ax, ay, bx, by, fg, ascii);
		break;
	case QC_OV_RECT:
		cell_of(g, pv, o->x1, o->y1, &bx, &by);
		line(g, ax, ay, bx, ay, fg, ascii);
		line(g, ax, by, bx, by, fg, ascii);
		line(g, ax, ay, ax, by, fg, ascii);
		line(g, bx, ay, bx, by, fg, ascii);
		break;
	case QC_OV_CROSS: {
		double rx = fmax(1, o->r / pv->step / g->sx), ry = fmax(1, o->r / pv->step / g->sy);
		line(g, ax - rx, ay, ax + rx, ay, fg, ascii);
		line(g, ax, ay - ry, ax, ay + ry, fg, ascii);
		put(g, (int)floor(ax), (int)floor(ay), ascii ? '+' : 0x253c, fg);
		break;
	}
	case QC_OV_CIRCLE: {
		double rx = o->r / pv->step / g->sx, ry = o->r / pv->step / g->sy;
		int n = (int)ceil(2 * M_PI * fmax(rx, ry)) + 8;
		for (int i = 0; i < n; i++) {
			double a = 2 * M_PI * i / n;
			put(g, (int)floor(ax + rx * cos(a)), (int)floor(ay + ry * sin(a)),
			    ascii ? 'o' : 0x00b7, fg);
		}
		break;
	}
	}
}

void prev_render(const struct qc_preview *pv, const struct qc_overlay *ov, size_t n_ov,
		 const enum qc_verdict *verdicts, int cols, int rows, unsigned flags,
		 struct prev_grid *out)
{
	bool ascii = flags & PREV_ASCII;
	memset(out, 0, sizeof(*out));
	if (!pv->px || pv->width < 1 || pv->height < 1 || cols < 2 || rows < 2)
		return;
	/* Keep the picture's aspect with cells about twice as tall as wide. */
	double aspect = (double)pv->width / pv->height;
	int ch = rows, cw = (int)lround(2 * aspect * ch);
	if (cw > cols) {
		cw = cols;
		ch = (int)lround(cw / (2 * aspect));
	}
	cw = cw < 2 ? 2 : cw;
	ch = ch < 2 ? 2 : ch;
	out->cols = cw;
	out->rows = ch;
	out->cells = qc_xcalloc((size_t)cw * ch, sizeof(*out->cells));
	out->x0 = -0.5;
	out->y0 = -0.5;
	out->sx = (double)pv->width / cw;
	out->sy = (double)pv->height / ch;
	dither(pv, cw, ch, flags, out);
	/* References first, so that measured items are drawn on top. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < n_ov; i++) {
			const struct qc_overlay *o = &ov[i];
			if (o->image != pv->image || (pass == 0) != (o->role == QC_OVR_REF))
				continue;
			enum qc_verdict v = verdicts ? verdicts[i] : QC_V_OK;
			draw_overlay(out, pv, o, overlay_colour(o, v), ascii);
		}
}
