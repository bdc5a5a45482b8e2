/* Colour themes: named slots set from a theme file (the default is compiled in). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "qc/core.h"
#include "tui_int.h"

extern const char qc_embed_theme[];

static const char *const slot_names[] = {
#define SLOT_NAME(id, name) name,
    TUI_SLOTS(SLOT_NAME)
#undef SLOT_NAME
};

static int slot_of(const char *name)
{
	for (int i = 0; i < SLOT_COUNT; i++)
		if (!strcmp(name, slot_names[i]))
			return i;
	return -1;
}

/* A colour name or number; -1 = the terminal's default; -2 = unknown. */
static int colour_of(const char *name)
{
	static const char *const base[] = {"black", "red",     "green", "yellow",
					   "blue",  "magenta", "cyan",	"white"};
	long n;
	if (!strcmp(name, "default"))
		return -1;
	for (int i = 0; i < 8; i++) {
		if (!strcmp(name, base[i]))
			return i;
		if (!strncmp(name, "bright", 6) && !strcmp(name + 6, base[i]))
			return 8 + i;
	}
	if (qc_parse_int(name, &n) && n >= 0 && n <= 255)
		return (int)n;
	return -2;
}

static bool attr_of(const char *name, attr_t *a)
{
	static const struct {
		const char *name;
		attr_t attr;
	} table[] = {{"bold", A_BOLD},	     {"dim", A_DIM},	       {"underline", A_UNDERLINE},
		     {"reverse", A_REVERSE}, {"standout", A_STANDOUT}, {"normal", A_NORMAL}};
	for (size_t i = 0; i < QC_ARRAY_LEN(table); i++)
		if (!strcmp(name, table[i].name)) {
			*a |= table[i].attr;
			return true;
		}
	return false;
}

/* Colours beyond what the terminal has fall back to their base colour made bold. */
static int fit_colour(int c, attr_t *extra)
{
	if (c >= COLORS) {
		if (c >= 8 && c < 16) {
			*extra |= A_BOLD;
			return c - 8;
		}
		return -1;
	}
	return c;
}

static bool apply_line(struct tui *t, char *line, char *err, size_t n, const char *name, int lineno)
{
	char *words[8];
	int nw = 0;
	for (char *w = strtok(line, " \t"); w && nw < 8; w = strtok(NULL, " \t"))
		words[nw++] = w;
	if (!nw)
		return true;
	bool colour_line = !strcmp(words[0], "color");
	if (!colour_line && strcmp(words[0], "mono")) {
		snprintf(err, n, "%s:%d: expected 'color' or 'mono', not '%s'", name, lineno,
			 words[0]);
		return false;
	}
	int slot = nw > 1 ? slot_of(words[1]) : -1;
	if (slot < 0) {
		snprintf(err, n, "%s:%d: unknown slot '%s'", name, lineno, nw > 1 ? words[1] : "");
		return false;
	}
	int first_attr = colour_line ? 4 : 2;
	if (colour_line && nw < 4) {
		snprintf(err, n, "%s:%d: 'color %s' needs a foreground and a background", name,
			 lineno, words[1]);
		return false;
	}
	attr_t a = A_NORMAL;
	for (int i = first_attr; i < nw; i++)
		if (!attr_of(words[i], &a)) {
			snprintf(err, n, "%s:%d: unknown attribute '%s'", name, lineno, words[i]);
			return false;
		}
	if (colour_line) {
		int fg = colour_of(words[2]), bg = colour_of(words[3]);
		if (fg == -2 || bg == -2) {
			snprintf(err, n, "%s:%d: unknown colour '%s'", name, lineno,
				 fg == -2 ? words[2] : words[3]);
			return false;
		}
		if (t->colour) {
			fg = fit_colour(fg, &a);
			bg = fit_colour(bg, &a);
			int pair = alloc_pair(fg, bg);
			t->attr[slot] = a;
			t->pair[slot] = (short)(pair > 0 ? pair : 0);
		}
	} else if (!t->colour) {
		t->attr[slot] = a;
		t->pair[slot] = 0;
	}
	return true;
}

static bool parse(struct tui *t, const char *text, const char *name, char *err, size_t n)
{
	int lineno = 0;
	for (const char *s = text; *s;) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		char *line = qc_xmalloc(len + 1);
		memcpy(line, s, len);
		line[len] = '\0';
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		lineno++;
		bool ok = apply_line(t, line, err, n, name, lineno);
		free(line);
		if (!ok)
			return false;
		s += len + (nl ? 1 : 0);
	}
	return true;
}

bool tui_theme_load(struct tui *t, const char *path, char *err, size_t n)
{
	char dummy[256];
	if (!err) {
		err = dummy;
		n = sizeof(dummy);
	}
	for (int i = 0; i < SLOT_COUNT; i++) {
		t->attr[i] = A_NORMAL;
		t->pair[i] = 0;
	}
	/* The built-in theme first, so that a user theme may set only some slots. */
	if (!parse(t, qc_embed_theme, "(built-in theme)", err, n))
		return false;
	if (!path)
		return true;
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, n, "cannot open theme '%s': %s", path, qc_errno_text(errno));
		return false;
	}
	struct qc_buf b = {0};
	char chunk[4096];
	size_t got;
	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
		qc_buf_addn(&b, chunk, got);
	fclose(f);
	bool ok = parse(t, b.s ? b.s : "", path, err, n);
	qc_buf_release(&b);
	return ok;
}

void tui_use(struct tui *t, enum tui_slot slot)
{
	attr_set(t->attr[slot], t->pair[slot], NULL);
}

void tui_use_cell(struct tui *t, int fg, int bg, bool overlay)
{
	if (!t->colour) {
		/* Without colours, overlays show in bold, the picture as it is. */
		attr_set(overlay ? A_BOLD : A_NORMAL, 0, NULL);
		return;
	}
	attr_t extra = A_NORMAL;
	fg = fit_colour(fg, &extra);
	bg = fit_colour(bg, &extra);
	int pair = alloc_pair(fg, bg);
	attr_set(extra, (short)(pair > 0 ? pair : 0), NULL);
}
