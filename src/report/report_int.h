/* Private drawing layer of the PDF reports: document, fonts, text, tables, pictures, lines. */
#ifndef REPORT_INT_H
#define REPORT_INT_H

#include <hpdf.h>
#include <stdbool.h>
#include <stddef.h>

#include "qc/core.h"

/* A4 portrait in points, 15 mm margins. */
#define REPORT_PAGE_W 595.276f
#define REPORT_PAGE_H 841.89f
#define REPORT_MARGIN 42.52f
#define REPORT_X0     REPORT_MARGIN
#define REPORT_X1     (REPORT_PAGE_W - REPORT_MARGIN)
#define REPORT_WIDTH  (REPORT_X1 - REPORT_X0)
#define REPORT_TOP    (REPORT_PAGE_H - REPORT_MARGIN)
/* Lowest baseline of the content: the footer lives below it. */
#define REPORT_BOTTOM (REPORT_MARGIN + 14.0f)

enum report_font { REPORT_REGULAR, REPORT_BOLD };
enum report_align { REPORT_LEFT, REPORT_RIGHT, REPORT_CENTRE };

struct report_rgb {
	float r, g, b;
};

extern const struct report_rgb report_black, report_grey, report_light, report_white;

struct report_doc {
	HPDF_Doc pdf;
	HPDF_Font font[2];
	HPDF_Page page;	  /* current page, NULL before the first */
	HPDF_Page *pages; /* owned: every page, for the footers drawn at the end */
	size_t n_pages, cap_pages;
	/* Top of the free space on the current page; content flows downwards from here. */
	float y;
	/* First libharu error (the handler records it instead of jumping) and what we were doing.
	 */
	HPDF_STATUS error_no, detail_no;
	const char *step;
	char *footer;	    /* owned: left part of every footer */
	char *running_head; /* owned: top line of pages 2 and later, may be NULL */
	char *scratch;	    /* owned: sanitised text being drawn */
	size_t scratch_cap;
};

/*
 * Creates a document with the embedded DejaVu Sans fonts (UNITYQC_FONT_DIR overrides the Debian
 * folder). footer and running_head are copied. On failure the document is released.
 * libharu's error handler keeps a pointer to d: d must not move until released.
 */
enum qc_status report_doc_open(struct report_doc *d, const char *title, const char *footer,
			       const char *running_head);
void report_doc_release(struct report_doc *d);
/* Names what is being drawn, for the message if libharu fails during it. */
void report_step(struct report_doc *d, const char *step);
bool report_failed(const struct report_doc *d);
/* Sets qc_errmsg() for a failed document ("cannot write report 'x.pdf': ..."). */
enum qc_status report_fail(const struct report_doc *d, const char *path);
/* Draws the footers, then writes the file atomically (temporary file, fsync, rename). */
enum qc_status report_doc_save(struct report_doc *d, const char *path);
/* The atomic write alone (output.c). */
enum qc_status report_write_file(struct report_doc *d, const char *path);

void report_new_page(struct report_doc *d);
/* Starts a new page unless h points are left below the cursor; true when it did. */
bool report_need(struct report_doc *d, float h);
/* Moves the cursor down by h points (never below the page: the next need() breaks). */
void report_skip(struct report_doc *d, float h);

/* A copy of s that libharu can draw: valid UTF-8, no control characters, BMP only. */
char *report_clean(const char *s); /* owned: free() */
float report_text_width(struct report_doc *d, enum report_font f, float size, const char *s);
/* Draws one line with its baseline at y; s needs not be clean. */
void report_text(struct report_doc *d, float x, float y, enum report_font f, float size,
		 struct report_rgb c, const char *s);
void report_text_aligned(struct report_doc *d, float x, float y, float w, enum report_align a,
			 enum report_font f, float size, struct report_rgb c, const char *s);
/* Draws the first len bytes of a clean text aligned in [x, x + w]. */
void report_span(struct report_doc *d, float x, float y, float w, enum report_align a,
		 enum report_font f, float size, struct report_rgb c, const char *s, size_t len);
/* Next line of a clean text that fits in w: sets *len (bytes) and advances *s past it. */
bool report_next_line(struct report_doc *d, enum report_font f, float size, float w, const char **s,
		      size_t *len);
/* Number of lines the text takes in width w. */
int report_count_lines(struct report_doc *d, enum report_font f, float size, float w,
		       const char *s);
/* Flows a wrapped paragraph from the cursor down, across pages if needed. */
void report_paragraph(struct report_doc *d, float x, float w, enum report_font f, float size,
		      struct report_rgb c, const char *s);
/* A bold section title with a rule, kept with at least keep points of what follows. */
void report_heading(struct report_doc *d, const char *title, float keep);

void report_line(struct report_doc *d, float x0, float y0, float x1, float y1, float width,
		 struct report_rgb c);
void report_rect(struct report_doc *d, float x, float y, float w, float h, float width,
		 struct report_rgb c);
void report_fill_rect(struct report_doc *d, float x, float y, float w, float h,
		      struct report_rgb c);
void report_circle(struct report_doc *d, float x, float y, float r, float width,
		   struct report_rgb c);
/* Restricts drawing to a rectangle until report_clip_end(). */
void report_clip_begin(struct report_doc *d, float x, float y, float w, float h);
void report_clip_end(struct report_doc *d);
/* An 8-bit grey picture (row 0 at the top) drawn into the box whose lower left is (x, y). */
void report_gray_image(struct report_doc *d, const unsigned char *px, int w, int h, float x,
		       float y, float dw, float dh);

/* A table: column titles repeated at the top of each page it runs onto. */
struct report_col {
	const char *title;
	float width;
	enum report_align align;
};

struct report_cell {
	const char *text; /* may be NULL */
	enum report_font font;
	struct report_rgb colour;
};

struct report_table {
	const struct report_col *col; /* borrowed */
	size_t n_col;
	float x, size;
	const char *continued; /* borrowed: caption above the repeated titles, may be NULL */
	int n_rows;	       /* rows drawn so far, for the shading */
};

/* Draws the column titles, kept with the first row. */
void report_table_begin(struct report_doc *d, struct report_table *t);
/* One row (cells wrap inside their column), with an optional note in small text under it. */
void report_table_row(struct report_doc *d, struct report_table *t, const struct report_cell *cells,
		      const char *note);

#endif
