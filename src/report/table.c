/* Report tables: wrapped cells, shaded rows, notes, titles repeated on every page they run onto. */
#include <stdlib.h>

#include "report_int.h"

#define CELL_PAD    3.0f /* left and right, inside a column */
#define ROW_PAD	    2.5f /* above and below the text of a row */
#define NOTE_INDENT 14.0f

static const struct report_rgb title_fill = {0.88f, 0.89f, 0.91f};
static const struct report_rgb shade = {0.96f, 0.96f, 0.965f};

static float leading(float size)
{
	return size * 1.25f;
}

static float note_size(const struct report_table *t)
{
	return t->size - 1.0f;
}

static float table_width(const struct report_table *t)
{
	float w = 0;
	for (size_t i = 0; i < t->n_col; i++)
		w += t->col[i].width;
	return w;
}

static float titles_height(const struct report_table *t)
{
	return leading(t->size) + 2 * ROW_PAD + 1;
}

/* Draws the lines of a clean text in a column whose first baseline is at y. */
static void draw_cell(struct report_doc *d, const struct report_col *col, float x, float y,
		      float size, const struct report_cell *cell, const char *text)
{
	float w = col->width - 2 * CELL_PAD;
	size_t len;

	for (const char *line = text; report_next_line(d, cell->font, size, w, &text, &len);
	     line = text) {
		report_span(d, x + CELL_PAD, y, w, col->align, cell->font, size, cell->colour, line,
			    len);
		y -= leading(size);
	}
}

static void draw_titles(struct report_doc *d, struct report_table *t, bool continued)
{
	if (continued && t->continued) {
		report_text(d, t->x, d->y - t->size - 2, REPORT_BOLD, t->size, report_grey,
			    t->continued);
		d->y -= leading(t->size) + 4;
	}
	float h = titles_height(t), x = t->x;
	report_fill_rect(d, t->x, d->y - h, table_width(t), h, title_fill);
	for (size_t i = 0; i < t->n_col; i++) {
		const struct report_col *c = &t->col[i];
		report_text_aligned(d, x + CELL_PAD, d->y - ROW_PAD - t->size,
				    c->width - 2 * CELL_PAD, c->align, REPORT_BOLD, t->size,
				    report_black, c->title);
		x += c->width;
	}
	d->y -= h;
	t->n_rows = 0;
}

void report_table_begin(struct report_doc *d, struct report_table *t)
{
	/* Titles alone at the foot of a page help nobody: keep room for a row or two. */
	report_need(d, titles_height(t) + 2 * (leading(t->size) + 2 * ROW_PAD));
	draw_titles(d, t, false);
}

void report_table_row(struct report_doc *d, struct report_table *t, const struct report_cell *cells,
		      const char *note)
{
	char **text = qc_xcalloc(t->n_col, sizeof(*text));
	char *clean_note = note && *note ? report_clean(note) : NULL;
	float width = table_width(t), ns = note_size(t);
	int lines = 1, note_lines = 0;

	for (size_t i = 0; i < t->n_col; i++) {
		text[i] = report_clean(cells[i].text ? cells[i].text : "");
		int n = report_count_lines(d, cells[i].font, t->size,
					   t->col[i].width - 2 * CELL_PAD, text[i]);
		lines = n > lines ? n : lines;
	}
	if (clean_note)
		note_lines = report_count_lines(d, REPORT_REGULAR, ns,
						width - NOTE_INDENT - CELL_PAD, clean_note);
	float row_h = lines * leading(t->size) + 2 * ROW_PAD;
	float note_h = note_lines ? note_lines * leading(ns) + ROW_PAD : 0;

	if (report_need(d, row_h + note_h))
		draw_titles(d, t, true);
	if (t->n_rows % 2)
		report_fill_rect(d, t->x, d->y - row_h - note_h, width, row_h + note_h, shade);
	float x = t->x, base = d->y - ROW_PAD - t->size;
	for (size_t i = 0; i < t->n_col; i++) {
		draw_cell(d, &t->col[i], x, base, t->size, &cells[i], text[i]);
		x += t->col[i].width;
	}
	if (clean_note) {
		struct report_col nc = {NULL, width - NOTE_INDENT, REPORT_LEFT};
		struct report_cell cell = {NULL, REPORT_REGULAR, report_grey};
		draw_cell(d, &nc, t->x + NOTE_INDENT, d->y - row_h - ns + 1, ns, &cell, clean_note);
	}
	d->y -= row_h + note_h;
	report_line(d, t->x, d->y, t->x + width, d->y, 0.4f, report_light);
	t->n_rows++;
	for (size_t i = 0; i < t->n_col; i++)
		free(text[i]);
	free(text);
	free(clean_note);
}
