/* The drawing layer of the reports over libharu: document, fonts, pages, text, shapes, pictures. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qc/i18n.h"
#include "report_int.h"

#define FONT_DIR     "/usr/share/fonts/truetype/dejavu"
#define FONT_PACKAGE "fonts-dejavu-core"
#define DECOR_SIZE   7.5f

const struct report_rgb report_black = {0, 0, 0};
const struct report_rgb report_grey = {0.4f, 0.4f, 0.4f};
const struct report_rgb report_light = {0.82f, 0.82f, 0.82f};
const struct report_rgb report_white = {1, 1, 1};

static const char *const font_files[] = {"DejaVuSans.ttf", "DejaVuSans-Bold.ttf"};

static void on_error(HPDF_STATUS error_no, HPDF_STATUS detail_no, void *data)
{
	struct report_doc *d = data;

	/* Keep the first error: libharu refuses every later call, so the rest are echoes. */
	if (!d->error_no) {
		d->error_no = error_no;
		d->detail_no = detail_no;
	}
}

void report_step(struct report_doc *d, const char *step)
{
	d->step = step;
}

bool report_failed(const struct report_doc *d)
{
	return !d->pdf || d->error_no != HPDF_OK;
}

static const char *hpdf_reason(HPDF_STATUS e)
{
	switch (e) {
	case HPDF_FAILD_TO_ALLOC_MEM: return "out of memory";
	case HPDF_FILE_IO_ERROR:
	case HPDF_FILE_OPEN_ERROR: return "file error";
	case HPDF_INVALID_IMAGE: return "invalid picture";
	case HPDF_TTF_CANNOT_EMBEDDING_FONT:
	case HPDF_TTF_INVALID_CMAP:
	case HPDF_TTF_INVALID_FOMAT:
	case HPDF_TTF_MISSING_TABLE:
	case HPDF_UNSUPPORTED_FONT_TYPE: return "unusable TrueType font";
	}
	return "internal error";
}

enum qc_status report_fail(const struct report_doc *d, const char *path)
{
	return qc_fail(QC_ERR_IO,
		       _("cannot write report '%s': libharu error 0x%04X/%u (%s) while %s"), path,
		       (unsigned)d->error_no, (unsigned)d->detail_no, hpdf_reason(d->error_no),
		       d->step ? d->step : "drawing");
}

static enum qc_status load_fonts(struct report_doc *d)
{
	const char *dir = getenv("UNITYQC_FONT_DIR");

	if (!dir || !*dir)
		dir = FONT_DIR;
	report_step(d, "loading the fonts");
	for (size_t i = 0; i < QC_ARRAY_LEN(font_files); i++) {
		char *path = qc_xasprintf("%s/%s", dir, font_files[i]);
		if (access(path, R_OK) != 0) {
			qc_fail(QC_ERR_NOT_FOUND, _("font '%s' is missing: install the package %s"),
				path, FONT_PACKAGE);
			free(path);
			return QC_ERR_NOT_FOUND;
		}
		const char *name = HPDF_LoadTTFontFromFile(d->pdf, path, HPDF_TRUE);
		if (name)
			d->font[i] = HPDF_GetFont(d->pdf, name, "UTF-8");
		if (!d->font[i] && !d->error_no)
			d->error_no = HPDF_INVALID_FONTDEF_DATA;
		if (report_failed(d)) {
			qc_fail(QC_ERR_FORMAT,
				_("cannot load font '%s': libharu error 0x%04X (%s)"), path,
				(unsigned)d->error_no, hpdf_reason(d->error_no));
			free(path);
			return QC_ERR_FORMAT;
		}
		free(path);
	}
	return QC_OK;
}

enum qc_status report_doc_open(struct report_doc *d, const char *title, const char *footer,
			       const char *running_head)
{
	memset(d, 0, sizeof(*d));
	d->footer = report_clean(footer ? footer : "");
	d->running_head = running_head ? report_clean(running_head) : NULL;
	d->pdf = HPDF_New(on_error, d);
	if (!d->pdf)
		qc_die("out of memory creating a PDF document");
	HPDF_SetCompressionMode(d->pdf, HPDF_COMP_ALL);
	HPDF_UseUTFEncodings(d->pdf);
	HPDF_SetCurrentEncoder(d->pdf, "UTF-8");
	HPDF_SetInfoAttr(d->pdf, HPDF_INFO_CREATOR, "unityqc " QC_VERSION);
	if (title) {
		char *t = report_clean(title);
		HPDF_SetInfoAttr(d->pdf, HPDF_INFO_TITLE, t);
		free(t);
	}
	enum qc_status st;
	if (report_failed(d))
		st = qc_fail(QC_ERR_IO, _("cannot create a PDF document: libharu error 0x%04X"),
			     (unsigned)d->error_no);
	else
		st = load_fonts(d);
	if (st != QC_OK)
		report_doc_release(d);
	return st;
}

void report_doc_release(struct report_doc *d)
{
	if (d->pdf)
		HPDF_Free(d->pdf);
	free(d->pages);
	free(d->footer);
	free(d->running_head);
	free(d->scratch);
	memset(d, 0, sizeof(*d));
}

/* ---------------------------------------------------------------- pages */

void report_new_page(struct report_doc *d)
{
	if (report_failed(d))
		return;
	HPDF_Page p = HPDF_AddPage(d->pdf);
	if (!p)
		return;
	HPDF_Page_SetSize(p, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT);
	qc_grow(&d->pages, &d->cap_pages, d->n_pages + 1, sizeof(*d->pages));
	d->pages[d->n_pages++] = p;
	d->page = p;
	d->y = REPORT_TOP;
}

bool report_need(struct report_doc *d, float h)
{
	/* A fresh page takes whatever comes: breaking again would only add blank pages. */
	if (d->page && (d->y - h >= REPORT_BOTTOM || d->y >= REPORT_TOP))
		return false;
	report_new_page(d);
	return true;
}

void report_skip(struct report_doc *d, float h)
{
	d->y -= h;
	if (d->y < REPORT_BOTTOM)
		d->y = REPORT_BOTTOM;
}

/* Footers and running heads need the page count, so they are drawn once everything is laid. */
static void decorate(struct report_doc *d)
{
	char num[64];

	report_step(d, "drawing the footers");
	for (size_t i = 0; i < d->n_pages && !report_failed(d); i++) {
		d->page = d->pages[i];
		float fy = REPORT_MARGIN - 8;
		report_line(d, REPORT_X0, REPORT_MARGIN + 2, REPORT_X1, REPORT_MARGIN + 2, 0.5f,
			    report_light);
		report_text(d, REPORT_X0, fy, REPORT_REGULAR, DECOR_SIZE, report_grey, d->footer);
		snprintf(num, sizeof(num), _("Page %zu / %zu"), i + 1, d->n_pages);
		report_text_aligned(d, REPORT_X0, fy, REPORT_WIDTH, REPORT_RIGHT, REPORT_REGULAR,
				    DECOR_SIZE, report_grey, num);
		if (i == 0 || !d->running_head)
			continue;
		float hy = REPORT_PAGE_H - 30;
		report_text(d, REPORT_X0, hy, REPORT_REGULAR, DECOR_SIZE, report_grey,
			    d->running_head);
		report_line(d, REPORT_X0, hy - 5, REPORT_X1, hy - 5, 0.5f, report_light);
	}
}

enum qc_status report_doc_save(struct report_doc *d, const char *path)
{
	if (!d->page)
		report_new_page(d);
	decorate(d);
	if (report_failed(d))
		return report_fail(d, path);
	return report_write_file(d, path);
}

/* ---------------------------------------------------------------- text */

static size_t utf8_decode(const unsigned char *s, unsigned *cp)
{
	static const unsigned min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
	size_t n;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		n = 2;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		n = 3;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		n = 4;
	else
		return 0;
	unsigned v = s[0] & (0x7F >> n);
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		v = v << 6 | (s[i] & 0x3F);
	}
	if (v < min_cp[n] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	*cp = v;
	return n;
}

/*
 * libharu's UTF-8 encoder stops at the Basic Multilingual Plane and draws control characters as
 * boxes, and a broken sequence can upset it: replace all of those. dst holds 3 * strlen(src) + 1.
 */
static void clean_into(char *dst, const char *src)
{
	const unsigned char *s = (const unsigned char *)src;
	char *o = dst;

	while (*s) {
		unsigned cp;
		size_t n = utf8_decode(s, &cp);
		if (n == 0 || cp > 0xFFFF) {
			memcpy(o, "\xEF\xBF\xBD", 3); /* U+FFFD */
			o += 3;
			s += n ? n : 1;
			continue;
		}
		if (cp == '\t')
			*o++ = ' ';
		else if (cp == '\n' || (cp >= 0x20 && cp != 0x7F && (cp < 0x80 || cp > 0x9F))) {
			memcpy(o, s, n);
			o += n;
		}
		s += n;
	}
	*o = '\0';
}

char *report_clean(const char *s)
{
	char *out = qc_xmalloc(3 * strlen(s) + 1);
	clean_into(out, s);
	return out;
}

static char *scratch(struct report_doc *d, size_t need)
{
	if (need > d->scratch_cap) {
		d->scratch = qc_xrealloc(d->scratch, need);
		d->scratch_cap = need;
	}
	return d->scratch;
}

static float width_n(struct report_doc *d, enum report_font f, float size, const char *s,
		     size_t len)
{
	if (report_failed(d) || !len)
		return 0;
	HPDF_TextWidth tw = HPDF_Font_TextWidth(d->font[f], (const HPDF_BYTE *)s, (HPDF_UINT)len);
	return (float)tw.width * size / 1000.0f;
}

float report_text_width(struct report_doc *d, enum report_font f, float size, const char *s)
{
	char *c = scratch(d, 3 * strlen(s) + 1);
	clean_into(c, s);
	return width_n(d, f, size, c, strlen(c));
}

void report_span(struct report_doc *d, float x, float y, float w, enum report_align a,
		 enum report_font f, float size, struct report_rgb c, const char *s, size_t len)
{
	if (report_failed(d) || !len)
		return;
	if (a != REPORT_LEFT) {
		float tw = width_n(d, f, size, s, len);
		x += a == REPORT_RIGHT ? w - tw : (w - tw) / 2;
	}
	/* s may already be the scratch text: it is then shorter than the buffer, no move. */
	char *t = scratch(d, len + 1);
	if (t != s)
		memmove(t, s, len);
	t[len] = '\0';
	for (char *p = t; (p = strchr(p, '\n'));)
		*p = ' ';
	HPDF_Page_BeginText(d->page);
	HPDF_Page_SetFontAndSize(d->page, d->font[f], size);
	HPDF_Page_SetRGBFill(d->page, c.r, c.g, c.b);
	HPDF_Page_TextOut(d->page, x, y, t);
	HPDF_Page_EndText(d->page);
}

void report_text_aligned(struct report_doc *d, float x, float y, float w, enum report_align a,
			 enum report_font f, float size, struct report_rgb c, const char *s)
{
	if (!s || !*s)
		return;
	char *t = scratch(d, 3 * strlen(s) + 1);
	clean_into(t, s);
	report_span(d, x, y, w, a, f, size, c, t, strlen(t));
}

void report_text(struct report_doc *d, float x, float y, enum report_font f, float size,
		 struct report_rgb c, const char *s)
{
	report_text_aligned(d, x, y, 0, REPORT_LEFT, f, size, c, s);
}

static size_t measure(struct report_doc *d, enum report_font f, float size, float w, const char *s,
		      size_t n, bool wordwrap)
{
	HPDF_REAL real;
	if (report_failed(d))
		return n;
	return HPDF_Font_MeasureText(d->font[f], (const HPDF_BYTE *)s, (HPDF_UINT)n, w, size, 0, 0,
				     wordwrap ? HPDF_TRUE : HPDF_FALSE, &real);
}

bool report_next_line(struct report_doc *d, enum report_font f, float size, float w, const char **s,
		      size_t *len)
{
	const char *p = *s;
	if (!*p)
		return false;
	size_t nl = strcspn(p, "\n");
	size_t k = nl ? measure(d, f, size, w, p, nl, true) : 0;
	if (nl && !k) /* a word longer than the line: cut it */
		k = measure(d, f, size, w, p, nl, false);
	if (nl && !k) { /* narrower than one character: one per line */
		unsigned cp;
		k = utf8_decode((const unsigned char *)p, &cp);
		k = k ? k : 1;
	}
	if (k > nl)
		k = nl;
	*len = k;
	while (*len && p[*len - 1] == ' ')
		(*len)--;
	p += k;
	if (k < nl)
		while (*p == ' ')
			p++;
	else if (*p == '\n')
		p++;
	*s = p;
	return true;
}

int report_count_lines(struct report_doc *d, enum report_font f, float size, float w, const char *s)
{
	size_t len;
	int n = 0;
	while (report_next_line(d, f, size, w, &s, &len))
		n++;
	return n;
}

void report_paragraph(struct report_doc *d, float x, float w, enum report_font f, float size,
		      struct report_rgb c, const char *s)
{
	char *text = report_clean(s);
	const char *p = text;
	float leading = size * 1.3f;
	size_t len;

	for (const char *line = p; !report_failed(d) && report_next_line(d, f, size, w, &p, &len);
	     line = p) {
		report_need(d, leading);
		report_span(d, x, d->y - size, w, REPORT_LEFT, f, size, c, line, len);
		d->y -= leading;
	}
	free(text);
}

void report_heading(struct report_doc *d, const char *title, float keep)
{
	report_need(d, 26 + keep);
	if (d->y < REPORT_TOP)
		d->y -= 8;
	report_text(d, REPORT_X0, d->y - 12, REPORT_BOLD, 11.5f, report_black, title);
	report_line(d, REPORT_X0, d->y - 16, REPORT_X1, d->y - 16, 0.6f, report_grey);
	d->y -= 22;
}

/* ---------------------------------------------------------------- shapes and pictures */

static bool stroke_setup(struct report_doc *d, float width, struct report_rgb c)
{
	if (report_failed(d))
		return false;
	HPDF_Page_SetLineWidth(d->page, width);
	HPDF_Page_SetRGBStroke(d->page, c.r, c.g, c.b);
	return true;
}

void report_line(struct report_doc *d, float x0, float y0, float x1, float y1, float width,
		 struct report_rgb c)
{
	if (!stroke_setup(d, width, c))
		return;
	HPDF_Page_MoveTo(d->page, x0, y0);
	HPDF_Page_LineTo(d->page, x1, y1);
	HPDF_Page_Stroke(d->page);
}

void report_rect(struct report_doc *d, float x, float y, float w, float h, float width,
		 struct report_rgb c)
{
	if (!stroke_setup(d, width, c))
		return;
	HPDF_Page_Rectangle(d->page, x, y, w, h);
	HPDF_Page_Stroke(d->page);
}

void report_fill_rect(struct report_doc *d, float x, float y, float w, float h, struct report_rgb c)
{
	if (report_failed(d))
		return;
	HPDF_Page_SetRGBFill(d->page, c.r, c.g, c.b);
	HPDF_Page_Rectangle(d->page, x, y, w, h);
	HPDF_Page_Fill(d->page);
}

void report_circle(struct report_doc *d, float x, float y, float r, float width,
		   struct report_rgb c)
{
	if (!stroke_setup(d, width, c))
		return;
	HPDF_Page_Circle(d->page, x, y, r);
	HPDF_Page_Stroke(d->page);
}

void report_clip_begin(struct report_doc *d, float x, float y, float w, float h)
{
	if (report_failed(d))
		return;
	HPDF_Page_GSave(d->page);
	HPDF_Page_Rectangle(d->page, x, y, w, h);
	HPDF_Page_Clip(d->page);
	HPDF_Page_EndPath(d->page);
}

void report_clip_end(struct report_doc *d)
{
	if (!report_failed(d))
		HPDF_Page_GRestore(d->page);
}

void report_gray_image(struct report_doc *d, const unsigned char *px, int w, int h, float x,
		       float y, float dw, float dh)
{
	if (report_failed(d) || !px || w <= 0 || h <= 0)
		return;
	HPDF_Image img = HPDF_LoadRawImageFromMem(d->pdf, px, (HPDF_UINT)w, (HPDF_UINT)h,
						  HPDF_CS_DEVICE_GRAY, 8);
	if (img)
		HPDF_Page_DrawImage(d->page, img, x, y, dw, dh);
}
