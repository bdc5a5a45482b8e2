/* Drawing helpers: text by display width, ASCII fallback, verdict colours, prompts, progress. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#include "qc/catalog.h"
#include "qc/core.h"
#include "qc/preview.h"
#include "tui_int.h"

/* Latin letters and the punctuation the catalogue and translations use, in plain ASCII. */
static const char *translit(unsigned cp)
{
	static const struct {
		unsigned cp;
		const char *ascii;
	} table[] = {
	    {0xe0, "a"},     {0xe2, "a"},    {0xe4, "a"},    {0xe7, "c"},    {0xe8, "e"},
	    {0xe9, "e"},     {0xea, "e"},    {0xeb, "e"},    {0xee, "i"},    {0xef, "i"},
	    {0xf4, "o"},     {0xf6, "o"},    {0xf9, "u"},    {0xfb, "u"},    {0xfc, "u"},
	    {0xff, "y"},     {0xc0, "A"},    {0xc2, "A"},    {0xc7, "C"},    {0xc8, "E"},
	    {0xc9, "E"},     {0xca, "E"},    {0xcb, "E"},    {0xce, "I"},    {0xcf, "I"},
	    {0xd4, "O"},     {0xd9, "U"},    {0xdb, "U"},    {0xdc, "U"},    {0x153, "oe"},
	    {0x152, "OE"},   {0xe6, "ae"},   {0xab, "\""},   {0xbb, "\""},   {0x2013, "-"},
	    {0x2014, "-"},   {0x2019, "'"},  {0x2018, "'"},  {0x201c, "\""}, {0x201d, "\""},
	    {0x2026, "..."}, {0xb1, "+/-"},  {0x2264, "<="}, {0x2265, ">="}, {0xb0, " deg"},
	    {0xd7, "x"},     {0xa0, " "},    {0x202f, " "},  {0xb5, "u"},    {0x2022, "*"},
	    {0x2192, "->"},  {0x2190, "<-"}, {0x25b6, ">"},  {0x2713, "v"},  {0x2717, "x"},
	    {0xb7, "-"},     {0x2039, "<"},  {0x203a, ">"},
	};
	for (size_t i = 0; i < QC_ARRAY_LEN(table); i++)
		if (table[i].cp == cp)
			return table[i].ascii;
	return "?";
}

/* Decodes one UTF-8 sequence; returns its length (1 for a stray byte). */
static int utf8_next(const unsigned char *s, unsigned *cp)
{
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	int len = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc0 ? 2 : 1;
	unsigned v = len == 4 ? s[0] & 7u : len == 3 ? s[0] & 15u : s[0] & 31u;
	for (int i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*cp = 0xfffd;
			return 1;
		}
		v = v << 6 | (s[i] & 0x3fu);
	}
	*cp = len == 1 ? 0xfffd : v;
	return len;
}

const char *tui_text(struct tui *t, const char *s)
{
	static char bufs[4][1024];
	static int k;
	if (!s)
		return "";
	if (!t->ascii)
		return s;
	char *out = bufs[k++ % 4];
	size_t o = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p && o + 5 < sizeof(bufs[0]);) {
		unsigned cp;
		p += utf8_next(p, &cp);
		const char *a = cp < 0x80 ? NULL : translit(cp);
		if (!a)
			out[o++] = (char)cp;
		else
			for (; *a && o + 1 < sizeof(bufs[0]); a++)
				out[o++] = *a;
	}
	out[o] = '\0';
	return out;
}

/* Wide characters of s (transliterated in ASCII mode); owned: free(). */
static wchar_t *to_wide(struct tui *t, const char *s, size_t *n)
{
	const char *src = tui_text(t, s);
	size_t len = strlen(src);
	wchar_t *w = qc_xmalloc((len + 1) * sizeof(*w));
	mbstate_t st;
	memset(&st, 0, sizeof(st));
	size_t k = 0;
	for (const char *p = src; *p;) {
		wchar_t wc;
		size_t r = mbrtowc(&wc, p, strlen(p), &st);
		if (r == (size_t)-1 || r == (size_t)-2 || r == 0) {
			wc = '?';
			r = 1;
			memset(&st, 0, sizeof(st));
		}
		w[k++] = wc == '\t' || wc == '\n' ? L' ' : wc;
		p += r;
	}
	w[k] = 0;
	*n = k;
	return w;
}

static int wc_width(wchar_t c)
{
	int w = wcwidth(c);
	return w < 0 ? 1 : w;
}

int tui_width(struct tui *t, const char *s)
{
	size_t n;
	wchar_t *w = to_wide(t, s, &n);
	int width = 0;
	for (size_t i = 0; i < n; i++)
		width += wc_width(w[i]);
	free(w);
	return width;
}

void tui_fill(struct tui *t, int y, int x, int w, enum tui_slot slot)
{
	tui_use(t, slot);
	for (int i = 0; i < w; i++)
		mvaddch(y, x + i, ' ');
	attr_set(A_NORMAL, 0, NULL);
}

void tui_put(struct tui *t, int y, int x, int w, enum tui_slot slot, const char *s, bool pad)
{
	size_t n;
	if (w <= 0)
		return;
	wchar_t *ws = to_wide(t, s, &n);
	int total = 0;
	for (size_t i = 0; i < n; i++)
		total += wc_width(ws[i]);
	size_t keep = n;
	bool cut = total > w;
	if (cut) {
		int used = 0;
		for (keep = 0; keep < n && used + wc_width(ws[keep]) <= w - 1; keep++)
			used += wc_width(ws[keep]);
		total = used + 1;
	}
	tui_use(t, slot);
	mvaddnwstr(y, x, ws, (int)keep);
	if (cut)
		addstr(t->ascii ? "~" : "…");
	for (int i = total; pad && i < w; i++)
		addch(' ');
	attr_set(A_NORMAL, 0, NULL);
	free(ws);
}

void tui_putr(struct tui *t, int y, int x, int w, enum tui_slot slot, const char *s)
{
	int sw = tui_width(t, s);
	if (sw < w)
		tui_put(t, y, x + w - sw, sw, slot, s, false);
	else
		tui_put(t, y, x, w, slot, s, false);
}

void tui_hline(struct tui *t, int y, int x, int w, enum tui_slot slot)
{
	tui_use(t, slot);
	for (int i = 0; i < w; i++) {
		if (t->ascii)
			mvaddch(y, x + i, '-');
		else
			mvaddstr(y, x + i, "─");
	}
	attr_set(A_NORMAL, 0, NULL);
}

enum tui_slot tui_verdict_slot(int v)
{
	switch ((enum qc_verdict)v) {
	case QC_V_OK: return SLOT_OK;
	case QC_V_TOL: return SLOT_TOL;
	case QC_V_ACT: return SLOT_ACT;
	case QC_V_NOT_DONE: return SLOT_NOT_DONE;
	case QC_V_NO_TOL: return SLOT_NO_TOL;
	}
	return SLOT_NORMAL;
}

const char *tui_verdict_word(int v)
{
	switch ((enum qc_verdict)v) {
	case QC_V_OK: return _("OK");
	case QC_V_TOL: return _("TOLERANCE");
	case QC_V_ACT: return _("ACTION");
	case QC_V_NOT_DONE: return _("NOT DONE");
	case QC_V_NO_TOL: return _("no tol.");
	}
	return "?";
}

/* Redraws the line editor: label, visible part of the text, cursor. */
static void draw_prompt(struct tui *t, const char *label, const wchar_t *w, size_t len, size_t cur)
{
	int y = t->rows - 1, lw = tui_width(t, label) + 1;
	tui_fill(t, y, 0, t->cols, SLOT_STATUS);
	tui_put(t, y, 0, lw, SLOT_STATUS, label, true);
	int room = t->cols - lw - 1;
	size_t first = cur > (size_t)room ? cur - (size_t)room : 0;
	tui_use(t, SLOT_NORMAL);
	move(y, lw);
	for (int i = 0; i < room; i++)
		addch(' ');
	mvaddnwstr(y, lw, w + first,
		   (int)(len - first < (size_t)room ? len - first : (size_t)room));
	attr_set(A_NORMAL, 0, NULL);
	int cx = lw;
	for (size_t i = first; i < cur; i++)
		cx += wc_width(w[i]);
	move(y, cx);
	refresh();
}

int tui_get_key(struct tui *t, wint_t *ch)
{
	if (!t->ascii)
		return get_wch(ch);
	/* Without UTF-8, get_wch waits for the rest of a multibyte character that a byte of 0x80
	 * or more never completes: read bytes, and refuse those an ASCII terminal cannot show. */
	for (;;) {
		int c = getch();
		if (c == ERR)
			return ERR;
		if (c >= 0x80 && c <= 0xff) {
			beep();
			continue;
		}
		*ch = (wint_t)c;
		return c >= KEY_MIN ? KEY_CODE_YES : OK;
	}
}

bool tui_prompt(struct tui *t, const char *label, char *buf, size_t n)
{
	size_t cap = n, len;
	wchar_t *init = to_wide(t, buf, &len);
	wchar_t *w = qc_xcalloc(cap + 1, sizeof(*w));
	wmemcpy(w, init, len < cap ? len : cap);
	len = len < cap ? len : cap;
	free(init);
	size_t cur = len;
	bool ok = false, done = false;
	curs_set(1);
	while (!done) {
		wint_t ch;
		draw_prompt(t, label, w, len, cur);
		int r = tui_get_key(t, &ch);
		if (r == ERR)
			break;
		if (r == KEY_CODE_YES && ch == KEY_RESIZE) {
			/* The screen below at the new size, then the line again on its last row. */
			tui_redraw(t);
			curs_set(1);
			continue;
		}
		if (r == KEY_CODE_YES) {
			if (ch == KEY_LEFT && cur > 0)
				cur--;
			else if (ch == KEY_RIGHT && cur < len)
				cur++;
			else if (ch == KEY_HOME)
				cur = 0;
			else if (ch == KEY_END)
				cur = len;
			else if (ch == KEY_BACKSPACE && cur > 0) {
				wmemmove(w + cur - 1, w + cur, len - cur);
				len--;
				cur--;
			} else if (ch == KEY_DC && cur < len) {
				wmemmove(w + cur, w + cur + 1, len - cur - 1);
				len--;
			} else if (ch == KEY_ENTER)
				ok = done = true;
			continue;
		}
		if (ch == 27)
			done = true;
		else if (ch == 21) { /* Ctrl-U: clear the line */
			len = cur = 0;
		} else if (ch == '\n' || ch == '\r')
			ok = done = true;
		else if ((ch == 127 || ch == 8) && cur > 0) {
			wmemmove(w + cur - 1, w + cur, len - cur);
			len--;
			cur--;
		} else if (ch >= 32 && ch != 127 && len + 1 < cap) {
			wmemmove(w + cur + 1, w + cur, len - cur);
			w[cur++] = (wchar_t)ch;
			len++;
		}
	}
	curs_set(0);
	if (ok) {
		w[len] = 0;
		size_t r = wcstombs(buf, w, n - 1);
		buf[r == (size_t)-1 ? 0 : r] = '\0';
	}
	free(w);
	return ok;
}

bool tui_confirm(struct tui *t, const char *question)
{
	char text[512];
	/* Translators: the keys that answer yes / no to a question. */
	const char *yes = _("y"), *no = _("n");
	snprintf(text, sizeof(text), "%s (%s/%s)", question, yes, no);
	for (;;) {
		tui_fill(t, t->rows - 1, 0, t->cols, SLOT_ERROR);
		tui_put(t, t->rows - 1, 0, t->cols, SLOT_ERROR, text, false);
		refresh();
		wint_t ch;
		int r = tui_get_key(t, &ch);
		if (r == ERR)
			return false;
		if (r == KEY_CODE_YES) {
			if (ch == KEY_RESIZE)
				tui_redraw(t);
			continue;
		}
		if (ch == (wint_t)yes[0] || ch == (wint_t)(yes[0] - 32) || ch == 'y')
			return true;
		if (ch == (wint_t)no[0] || ch == 27 || ch == 'n')
			return false;
	}
}

void tui_progress(struct tui *t, const char *title, size_t done, size_t total, const char *what)
{
	int w = t->cols > 70 ? 60 : t->cols - 6, x = (t->cols - w) / 2, y = t->rows / 2 - 2;
	char line[256];
	for (int i = 0; i < 4; i++)
		tui_fill(t, y + i, x, w, SLOT_TITLE);
	tui_put(t, y, x + 2, w - 4, SLOT_TITLE, title, false);
	int bar = w - 14, full = total ? (int)((long)bar * (long)done / (long)total) : 0;
	tui_use(t, SLOT_TITLE);
	mvaddch(y + 1, x + 2, '[');
	for (int i = 0; i < bar; i++)
		addch(i < full ? '#' : '.');
	snprintf(line, sizeof(line), "] %3d %%", total ? (int)(100 * done / total) : 0);
	addstr(line);
	attr_set(A_NORMAL, 0, NULL);
	const char *base = what ? strrchr(what, '/') : NULL;
	tui_put(t, y + 2, x + 2, w - 4, SLOT_TITLE, base ? base + 1 : (what ? what : ""), false);
	refresh();
}

bool tui_list_move(enum tui_req req, size_t *sel, size_t n, size_t page)
{
	size_t last = n ? n - 1 : 0;
	switch (req) {
	case REQ_UP: *sel = *sel ? *sel - 1 : 0; break;
	case REQ_DOWN: *sel = *sel < last ? *sel + 1 : last; break;
	case REQ_PAGE_UP: *sel = *sel > page ? *sel - page : 0; break;
	case REQ_PAGE_DOWN: *sel = *sel + page < last ? *sel + page : last; break;
	case REQ_HOME: *sel = 0; break;
	case REQ_END: *sel = last; break;
	default: return false;
	}
	return true;
}

void tui_list_scroll(size_t sel, size_t *top, int rows)
{
	if (rows < 1)
		rows = 1;
	if (sel < *top)
		*top = sel;
	if (sel >= *top + (size_t)rows)
		*top = sel - (size_t)rows + 1;
}

/* Dithering a picture takes most of the time of a key (about 1.6 of 1.8 ms at 100 x 30) and the
 * screens draw the same picture again after every key: the rendered grids are kept, the last
 * few pictures shown, until the terminal is resized or a screen (and its session) goes away. */
enum { PICTURES_KEPT = 8 };

struct picture {
	const struct qc_preview *pv;
	const unsigned char *px;
	const struct qc_overlay *ov;
	size_t n_ov;
	enum qc_verdict *verdicts; /* owned: the overlays' colours when rendered */
	int w, h;
	unsigned flags;
	unsigned long used; /* when last drawn: the oldest is replaced */
	struct prev_grid g;
};

struct tui_pictures {
	struct picture kept[PICTURES_KEPT];
	size_t n;
	unsigned long clock;
};

void tui_pictures_forget(struct tui *t)
{
	struct tui_pictures *c = t->pictures;
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++) {
		prev_grid_release(&c->kept[i].g);
		free(c->kept[i].verdicts);
	}
	free(c);
	t->pictures = NULL;
}

static bool same_picture(const struct picture *p, const struct qc_session *s,
			 const struct qc_preview *pv, const enum qc_verdict *v, int w, int h,
			 unsigned flags)
{
	return p->pv == pv && p->px == pv->px && p->ov == s->ov && p->n_ov == s->n_ov &&
	       p->w == w && p->h == h && p->flags == flags &&
	       !memcmp(p->verdicts, v, s->n_ov * sizeof(*v));
}

/* The grid of pv in w x h cells with the overlays of s: kept, or rendered now. */
static const struct prev_grid *picture_grid(struct tui *t, const struct qc_session *s,
					    const struct qc_preview *pv, int w, int h,
					    bool *rendered)
{
	unsigned flags = (t->ascii ? PREV_ASCII : 0) | (t->colour ? 0 : PREV_MONO);
	enum qc_verdict *v = qc_xcalloc(s->n_ov ? s->n_ov : 1, sizeof(*v));
	for (size_t i = 0; i < s->n_ov; i++)
		v[i] = qc_session_overlay_verdict(s, &s->ov[i]);
	if (!t->pictures)
		t->pictures = qc_xcalloc(1, sizeof(*t->pictures));
	struct tui_pictures *c = t->pictures;
	struct picture *p = NULL;
	for (size_t i = 0; i < c->n && !p; i++)
		if (same_picture(&c->kept[i], s, pv, v, w, h, flags))
			p = &c->kept[i];
	*rendered = !p;
	if (p) {
		free(v);
	} else {
		if (c->n < PICTURES_KEPT) {
			p = &c->kept[c->n++];
		} else {
			p = &c->kept[0];
			for (size_t i = 1; i < c->n; i++)
				if (c->kept[i].used < p->used)
					p = &c->kept[i];
			prev_grid_release(&p->g);
			free(p->verdicts);
		}
		*p = (struct picture){.pv = pv,
				      .px = pv->px,
				      .ov = s->ov,
				      .n_ov = s->n_ov,
				      .verdicts = v,
				      .w = w,
				      .h = h,
				      .flags = flags};
		prev_render(pv, s->ov, s->n_ov, v, w, h, flags, &p->g);
	}
	p->used = ++c->clock;
	return &p->g;
}

/* QC_TUI_PICTURE_LOG=FILE: one line per picture drawn, "rendered" or "kept" and the time it
 * took in microseconds (to check the cache and measure it). */
static void log_picture(bool rendered, const struct timespec *t0)
{
	static const char *path;
	static bool looked;
	if (!looked) {
		path = getenv("QC_TUI_PICTURE_LOG");
		looked = true;
	}
	if (!path)
		return;
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	FILE *f = fopen(path, "a");
	if (!f)
		return;
	fprintf(f, "%s %.0f\n", rendered ? "rendered" : "kept",
		(double)(t1.tv_sec - t0->tv_sec) * 1e6 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e3);
	fclose(f);
}

void tui_draw_picture(struct tui *t, const struct qc_session *s, size_t image, int y0, int x0,
		      int w, int h)
{
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	const struct qc_preview *pv = NULL;
	for (size_t i = 0; i < s->n_pv && !pv; i++)
		if (s->pv[i].image == (int)image)
			pv = &s->pv[i];
	if (!pv) {
		tui_put(t, y0 + h / 2, x0 + 1, w - 2, SLOT_DIM, _("(no picture stored)"), false);
		return;
	}
	bool rendered;
	const struct prev_grid *g = picture_grid(t, s, pv, w, h, &rendered);
	int ox = x0 + (w - g->cols) / 2, oy = y0 + (h - g->rows) / 2;
	for (int y = 0; y < g->rows; y++)
		for (int x = 0; x < g->cols; x++) {
			const struct prev_cell *c = &g->cells[(size_t)y * g->cols + x];
			wchar_t wc = (wchar_t)(c->ch ? c->ch : ' ');
			tui_use_cell(t, c->fg, c->bg, c->overlay);
			mvaddnwstr(oy + y, ox + x, &wc, 1);
		}
	attr_set(A_NORMAL, 0, NULL);
	log_picture(rendered, &t0);
}
