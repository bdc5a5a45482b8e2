/* htmltab: a small tolerant tokenizer that turns the tables of an HTML page into cells. */
#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "htmltab.h"
#include "qc/core.h"

#define MAX_DEPTH 8 /* nested tables followed; deeper ones are flattened */

struct tok {
	const char *s, *end;
	struct ana_html_doc *doc;
	int stack[MAX_DEPTH]; /* open tables, innermost last */
	int depth;
	bool in_cell;
	struct qc_buf text; /* the open cell's text, or the text between tables */
	char *title;	    /* owned: the last title seen */
	int n_titles;
};

void ana_html_release(struct ana_html_doc *d)
{
	for (size_t i = 0; i < d->n; i++) {
		for (size_t j = 0; j < d->t[i].n; j++) {
			for (size_t k = 0; k < d->t[i].r[j].n; k++)
				free(d->t[i].r[j].c[k].text);
			free(d->t[i].r[j].c);
		}
		free(d->t[i].r);
		free(d->t[i].title);
	}
	free(d->t);
	memset(d, 0, sizeof(*d));
}

static struct ana_html_table *cur_table(struct tok *t)
{
	return t->depth ? &t->doc->t[t->stack[t->depth - 1]] : NULL;
}

/* Appends text with runs of blanks collapsed to one space. */
static void add_text(struct qc_buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = isspace((unsigned char)s[i]) ? ' ' : s[i];
		if (c == ' ' && (!b->len || b->s[b->len - 1] == ' '))
			continue;
		qc_buf_addn(b, &c, 1);
	}
}

/* Decodes one entity at s (which starts with '&'); returns the characters consumed, 0 if none. */
static size_t entity(const char *s, const char *end, struct qc_buf *out)
{
	static const struct {
		const char *name;
		char c;
	} named[] = {{"lt", '<'},   {"gt", '>'},    {"amp", '&'},
		     {"quot", '"'}, {"apos", '\''}, {"nbsp", ' '}};
	const char *semi = memchr(s, ';', (size_t)(end - s) < 12 ? (size_t)(end - s) : 12);
	if (!semi)
		return 0;
	size_t len = (size_t)(semi - s - 1);
	for (size_t i = 0; i < QC_ARRAY_LEN(named); i++)
		if (strlen(named[i].name) == len && !strncmp(s + 1, named[i].name, len)) {
			add_text(out, &named[i].c, 1);
			return len + 2;
		}
	if (len >= 2 && s[1] == '#') {
		long v =
		    s[2] == 'x' || s[2] == 'X' ? strtol(s + 3, NULL, 16) : strtol(s + 2, NULL, 10);
		char c = v > 0 && v < 128 ? (char)v : '?'; /* the report is ASCII */
		add_text(out, &c, 1);
		return len + 2;
	}
	return 0;
}

/* The buffer's text without outer blanks (owned: free()); the buffer is emptied. */
static char *trimmed(struct qc_buf *b)
{
	char *s = b->s ? qc_buf_detach(b) : qc_xstrdup("");
	qc_trim(s);
	qc_buf_release(b);
	return s;
}

static void close_cell(struct tok *t)
{
	if (!t->in_cell)
		return;
	struct ana_html_table *tb = cur_table(t);
	struct ana_html_row *r = &tb->r[tb->n - 1];
	r->c[r->n - 1].text = trimmed(&t->text);
	t->in_cell = false;
}

static void take_title(struct tok *t)
{
	char *s = trimmed(&t->text);
	if (*s) {
		free(t->title);
		t->title = s;
		t->n_titles++;
	} else {
		free(s);
	}
}

static int colspan(const char *attrs, size_t n)
{
	for (size_t i = 0; i + 7 <= n; i++) {
		if (strncasecmp(attrs + i, "colspan", 7))
			continue;
		size_t j = i + 7;
		while (j < n &&
		       (attrs[j] == ' ' || attrs[j] == '=' || attrs[j] == '"' || attrs[j] == '\''))
			j++;
		long v = 0; /* the buffer may end right after the digits: no strtol */
		for (; j < n && isdigit((unsigned char)attrs[j]) && v < 1000; j++)
			v = 10 * v + (attrs[j] - '0');
		return v >= 1 && v <= 64 ? (int)v : 1;
	}
	return 1;
}

static void open_table(struct tok *t)
{
	close_cell(t);
	if (!t->depth)
		take_title(t);
	struct ana_html_doc *d = t->doc;
	qc_grow(&d->t, &d->cap, d->n + 1, sizeof(*d->t));
	struct ana_html_table *tb = memset(&d->t[d->n], 0, sizeof(*d->t));
	tb->title = qc_xstrdup(t->title);
	tb->ordinal = t->n_titles;
	if (t->depth < MAX_DEPTH)
		t->stack[t->depth++] = (int)d->n;
	else
		t->stack[t->depth - 1] = (int)d->n;
	d->n++;
}

static void open_row(struct tok *t)
{
	struct ana_html_table *tb = cur_table(t);
	if (!tb)
		return;
	close_cell(t);
	qc_grow(&tb->r, &tb->cap, tb->n + 1, sizeof(*tb->r));
	memset(&tb->r[tb->n++], 0, sizeof(*tb->r));
}

static void open_cell(struct tok *t, int span)
{
	struct ana_html_table *tb = cur_table(t);
	if (!tb)
		return;
	close_cell(t);
	if (!tb->n)
		open_row(t);
	struct ana_html_row *r = &tb->r[tb->n - 1];
	qc_grow(&r->c, &r->cap, r->n + 1, sizeof(*r->c));
	r->c[r->n++] = (struct ana_html_cell){.text = NULL, .span = span};
	t->in_cell = true;
}

static bool name_is(const char *name, size_t n, const char *want)
{
	return strlen(want) == n && !strncasecmp(name, want, n);
}

/* Acts on one tag; name[0..n) is its name, attrs[0..na) the rest. */
static void tag(struct tok *t, bool closing, const char *name, size_t n, const char *attrs,
		size_t na)
{
	if (name_is(name, n, "html") && closing)
		t->doc->closed = true;
	if (name_is(name, n, "table")) {
		if (!closing) {
			open_table(t);
		} else if (t->depth) {
			close_cell(t);
			t->depth--;
		}
	} else if (name_is(name, n, "tr")) {
		if (closing)
			close_cell(t);
		else
			open_row(t);
	} else if (name_is(name, n, "td") || name_is(name, n, "th")) {
		if (closing)
			close_cell(t);
		else
			open_cell(t, colspan(attrs, na));
	} else if (name_is(name, n, "br") || name_is(name, n, "p") || name_is(name, n, "div")) {
		if (t->in_cell && t->text.len)
			qc_buf_add(&t->text, "; ");
		else if (!t->depth)
			take_title(t); /* a break between two titles */
	}
}

/* A '<' starts markup only when a name, '/', '!' or '?' follows: "C < 42" stays text. */
static bool markup_at(const char *s, const char *end)
{
	if (s + 1 >= end)
		return false;
	char c = s[1];
	if (c == '/')
		return s + 2 < end && isalpha((unsigned char)s[2]);
	return isalpha((unsigned char)c) || c == '!' || c == '?';
}

/* Skips markup starting at s; calls tag() for elements. Returns the first character after. */
/* After the opening tag of an element whose text is not content, the end of that element. */
static const char *skip_content(const char *p, const char *end, const char *name, size_t n)
{
	static const char *const skipped[] = {"head", "title", "script", "style"};
	bool skip = false;
	for (size_t i = 0; i < QC_ARRAY_LEN(skipped); i++)
		skip |= name_is(name, n, skipped[i]);
	if (!skip)
		return p;
	for (; p + n + 2 <= end; p++)
		if (p[0] == '<' && p[1] == '/' && !strncasecmp(p + 2, name, n)) {
			const char *gt = memchr(p, '>', (size_t)(end - p));
			return gt ? gt + 1 : end;
		}
	return end;
}

static const char *markup(struct tok *t, const char *s)
{
	const char *end = t->end;
	if (end - s >= 4 && !strncmp(s, "<!--", 4)) {
		for (const char *p = s + 4; p + 3 <= end; p++)
			if (!strncmp(p, "-->", 3))
				return p + 3;
		return end;
	}
	const char *p = s + 1;
	bool closing = *p == '/';
	p += closing;
	const char *name = p;
	while (p < end && (isalnum((unsigned char)*p) || *p == ':' || *p == '-'))
		p++;
	size_t n = (size_t)(p - name);
	const char *attrs = p;
	char quote = 0;
	while (p < end && (quote || *p != '>')) {
		if (quote && *p == quote)
			quote = 0;
		else if (!quote && (*p == '"' || *p == '\''))
			quote = *p;
		p++;
	}
	if (*name != '!' && *name != '?')
		tag(t, closing, name, n, attrs, (size_t)(p - attrs));
	p = p < end ? p + 1 : end;
	return closing ? p : skip_content(p, end, name, n);
}

void ana_html_tables(const char *html, size_t len, struct ana_html_doc *doc)
{
	struct tok t = {.s = html, .end = html + len, .doc = doc};
	const char *s = html;
	while (s < t.end) {
		if (*s == '<' && markup_at(s, t.end)) {
			s = markup(&t, s);
			continue;
		}
		bool keep = t.in_cell || !t.depth;
		if (*s == '&') {
			struct qc_buf junk = {0};
			size_t used = entity(s, t.end, keep ? &t.text : &junk);
			qc_buf_release(&junk);
			if (used) {
				s += used;
				continue;
			}
		}
		if (keep)
			add_text(&t.text, s, 1);
		s++;
	}
	close_cell(&t);
	qc_buf_release(&t.text);
	free(t.title);
}
