/* A tolerant HTML table reader: section titles and tables of cells (private to src/analysis). */
#ifndef QC_HTMLTAB_H
#define QC_HTMLTAB_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The HTML is reduced to what the report uses: section titles (text outside tables) and
 * tables of rows of cells, each cell with its colspan and its text (<br> becomes "; ").
 */
struct ana_html_cell {
	char *text; /* owned */
	int span;
};

struct ana_html_row {
	struct ana_html_cell *c; /* owned */
	size_t n, cap;
};

struct ana_html_table {
	struct ana_html_row *r; /* owned */
	size_t n, cap;
	char *title; /* owned: the section title in force when the table started, or NULL */
	int ordinal; /* 1-based index of this title among the sections seen so far */
};

struct ana_html_doc {
	struct ana_html_table *t; /* owned */
	size_t n, cap;
	bool closed; /* the closing </html> was seen: the text is not cut short */
};

/*
 * Reads every <table> of html[0..len) (no terminator needed), in document order. A '<' opens
 * markup only when a letter, '/', '!' or '?' follows, so "C < 42" and "C > 66" stay text;
 * unclosed cells and rows are closed by the next one; entities are decoded; the contents of
 * head, title, script and style are skipped. Never fails: what is not a table is ignored.
 */
void ana_html_tables(const char *html, size_t len, struct ana_html_doc *doc);
void ana_html_release(struct ana_html_doc *doc);

#endif
